// One time zone for every time the dashboard shows or takes: the browser's by default, or UTC,
// chosen in the header and remembered in this browser (like the glucose units). Charts, the AGP,
// the report, tables, date pickers, "today" and the access log all use it. (Coverage and study
// days are the contracts' UTC days, and are labelled so.)
import { createContext, useCallback, useContext, useState } from "react";

export type ZoneChoice = "browser" | "utc";

const KEY = "diachain.timeZone";

/** The browser's own time zone (IANA name). */
export function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

export function zoneOf(choice: ZoneChoice): string {
  return choice === "utc" ? "UTC" : browserZone();
}

/** The remembered choice, and a setter that remembers it. */
export function useZoneChoiceState(): [ZoneChoice, (c: ZoneChoice) => void] {
  const [choice, setChoice] = useState<ZoneChoice>(() =>
    (typeof localStorage !== "undefined" && localStorage.getItem(KEY) === "utc") ? "utc" : "browser");
  const choose = useCallback((c: ZoneChoice) => {
    setChoice(c);
    try { localStorage.setItem(KEY, c); } catch { /* private mode: not remembered */ }
  }, []);
  return [choice, choose];
}

export interface TimeZoneSetting {
  /** The IANA zone in effect ("UTC" or the browser's). */
  zone: string;
  choice: ZoneChoice;
  choose: (c: ZoneChoice) => void;
}

export const TimeZoneContext = createContext<TimeZoneSetting>({ zone: "UTC", choice: "utc", choose: () => undefined });

/** The IANA time zone every time is shown and read in. */
export function useTimeZone(): string {
  return useContext(TimeZoneContext).zone;
}

export function useTimeZoneSetting(): TimeZoneSetting {
  return useContext(TimeZoneContext);
}

// --- Formatting and reading times in a zone ------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit", timeZoneName: "shortOffset",
    });
    formatters.set(zone, f);
  }
  return f;
}

export interface ZonedParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** "UTC", or the offset as the zone keeps it then ("GMT+1", "GMT-4:30"). */
  offsetName: string;
}

/** A moment (ms since the epoch) as the clock on the wall of `zone` shows it. */
export function zonedParts(ms: number, zone: string): ZonedParts {
  const p: Record<string, string> = {};
  for (const part of formatter(zone).formatToParts(new Date(ms))) p[part.type] = part.value;
  const name = p.timeZoneName ?? "";
  return {
    year: Number(p.year), month: Number(p.month), day: Number(p.day),
    hour: Number(p.hour) % 24, minute: Number(p.minute), second: Number(p.second),
    offsetName: zone === "UTC" || name === "GMT" ? "UTC" : name,
  };
}

/** How far `zone`'s wall clock is ahead of UTC at the moment `ms`, in ms. */
export function zoneOffsetMs(ms: number, zone: string): number {
  const p = zonedParts(ms, zone);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wall - Math.floor(ms / 1000) * 1000;
}

/** The moment (ms) at which `zone`'s wall clock reads `wall` (ms of a UTC-based wall time). In a
 * gap (clocks moved forward) the moment after it; in an overlap, the earlier one. */
export function wallToMs(wall: number, zone: string): number {
  const first = wall - zoneOffsetMs(wall, zone);
  return wall - zoneOffsetMs(first, zone);
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** "YYYY-MM-DDTHH:MM:SS" on `zone`'s wall clock. */
export function zonedIso(ms: number, zone: string): string {
  const p = zonedParts(ms, zone);
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`;
}

/** A moment as people read it here: "YYYY-MM-DD HH:MM:SS UTC" or "… GMT+1". */
export function formatInZone(ms: number, zone: string, opts: { seconds?: boolean } = {}): string {
  const p = zonedParts(ms, zone);
  const time = `${pad(p.hour)}:${pad(p.minute)}${opts.seconds === false ? "" : `:${pad(p.second)}`}`;
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)} ${time} ${p.offsetName}`;
}

/** "HH:MM" on `zone`'s wall clock. */
export function clockTime(ms: number, zone: string): string {
  const p = zonedParts(ms, zone);
  return `${pad(p.hour)}:${pad(p.minute)}`;
}

/** The short name of the zone's offset at `ms` ("UTC", "GMT+1"). */
export function offsetName(ms: number, zone: string): string {
  return zonedParts(ms, zone).offsetName;
}

/** Unix seconds as a `datetime-local` input's value (minutes) on `zone`'s wall clock. */
export function secondsToInput(s: number, zone: string): string {
  return zonedIso(s * 1000, zone).slice(0, 16);
}

/** A `datetime-local` input's value, read on `zone`'s wall clock, as unix seconds. */
export function inputToSeconds(v: string, zone: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(v);
  if (!m) throw new Error(`"${v}" is not a date and time`);
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const wall = Date.UTC(y, mo - 1, d, h, mi, Number.isNaN(s) ? 0 : s);
  return Math.floor(wallToMs(wall, zone) / 1000);
}
