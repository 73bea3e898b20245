// Formatting of chain values for people: nanosecond timestamps (in the chosen time zone,
// lib/timezone.ts), UTC day numbers, amounts.
import { formatInZone } from "./timezone";

export const NS_PER_S = 1_000_000_000n;
export const DAY_S = 86_400;

export function nsToDate(ns: string): Date {
  return new Date(Number(BigInt(ns) / 1_000_000n));
}

export function secondsToNs(s: number): string {
  return (BigInt(Math.floor(s)) * NS_PER_S).toString();
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** A moment in `zone`: "2026-12-06 16:22:27 GMT+1". */
export function formatTime(d: Date, zone: string): string {
  return formatInZone(d.getTime(), zone);
}

export function formatNs(ns: string, zone: string): string {
  return formatTime(nsToDate(ns), zone);
}

/** A UTC day number (unix seconds / 86400) as YYYY-MM-DD. */
export function dayToIso(day: number): string {
  return new Date(day * DAY_S * 1000).toISOString().slice(0, 10);
}

export function isoToDay(iso: string): number {
  const t = Date.parse(`${iso}T00:00:00Z`);
  if (Number.isNaN(t)) throw new Error(`not a date: ${iso}`);
  return Math.floor(t / 1000 / DAY_S);
}

export function shortAddress(a: string): string {
  return a.length > 20 ? `${a.slice(0, 10)}…${a.slice(-6)}` : a;
}

/** A relative description of a moment from `now` (the chain's present): "in 3 h", "2 days ago". */
export function relative(d: Date, now: Date): string {
  const s = Math.round((d.getTime() - now.getTime()) / 1000);
  const abs = Math.abs(s);
  const [n, unit] =
    abs < 90 ? [abs, "s"] : abs < 5400 ? [Math.round(abs / 60), "min"] : abs < 129600 ? [Math.round(abs / 3600), "h"] : [Math.round(abs / 86400), "days"];
  return s >= 0 ? `in ${n} ${unit}` : `${n} ${unit} ago`;
}
