// Grants as people read them: the expiry, the period, the status.
import type { ConsentTypes } from "@diachain/client";
import { formatNs, nsToDate, relative } from "./format";

export const SCOPES: ConsentTypes.DataScope[] = ["glucose", "insulin", "nutrition", "device_events", "summaries_only"];

export function scopeLabel(s: string): string {
  return s.replace(/_/g, " ");
}

/** An expiry, and how far it is from `now` (the chain's present). */
export function expiryText(e: ConsentTypes.Expiry, now: Date, zone: string): string {
  if ("at_time" in e) return `${formatNs(e.at_time, zone)} (${relative(nsToDate(e.at_time), now)})`;
  return `at block ${e.at_height}`;
}

/** A grant's (or a served access's) period of data, by measurement time. A period from 0 (the
 * epoch) starts with the patient's first reading: a break-glass session's does (all history, and
 * what is measured until the session ends), as does a Nightscout read without a lower bound. */
export function periodText(g: { data_from: string; data_to: string; break_glass?: unknown }, zone: string): string {
  const allHistory = BigInt(g.data_from) === 0n;
  const to = formatNs(g.data_to, zone);
  if (g.break_glass) return allHistory ? `any time until the session ends, ${to} (break-glass)` : `${formatNs(g.data_from, zone)} – ${to} (break-glass)`;
  return allHistory ? `any time up to ${to}` : `${formatNs(g.data_from, zone)} – ${to}`;
}
