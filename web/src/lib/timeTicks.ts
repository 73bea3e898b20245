// Ticks of a time axis in a time zone: on whole seconds, minutes, hours or days of that zone's
// clock, chosen by the span, and labelled so that no two read the same (an "HH:MM" tick every
// 30 s, or the same "HH:MM" on two days, would repeat a label).
import { wallToMs, zonedIso, zoneOffsetMs } from "./timezone";

const S = 1000;
const MIN = 60 * S;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const STEPS = [
  S, 2 * S, 5 * S, 10 * S, 15 * S, 30 * S,
  MIN, 2 * MIN, 5 * MIN, 10 * MIN, 15 * MIN, 30 * MIN,
  HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR,
  DAY, 2 * DAY, 7 * DAY, 14 * DAY,
];

export interface TimeTicks {
  ticks: number[];
  format: (t: number) => string;
}

/** The label format for ticks `step` ms apart over `from..to` (ms), on `zone`'s clock. */
function formatFor(step: number, from: number, to: number, zone: string): (t: number) => string {
  const iso = (t: number) => zonedIso(t, zone); // YYYY-MM-DDTHH:MM:SS
  const oneDay = iso(from).slice(0, 10) === iso(to).slice(0, 10);
  const oneYear = iso(from).slice(0, 4) === iso(to).slice(0, 4);
  if (step >= DAY) return oneYear ? (t) => iso(t).slice(5, 10) : (t) => iso(t).slice(0, 10);
  const time = step < MIN ? (t: number) => iso(t).slice(11, 19) : (t: number) => iso(t).slice(11, 16);
  if (oneDay) return time;
  return oneYear ? (t) => `${iso(t).slice(5, 10)} ${time(t)}` : (t) => `${iso(t).slice(0, 10)} ${time(t)}`;
}

/** At most `max` ticks within `from..to` (ms), on whole units of `zone`'s clock, each label
 * different from every other. */
export function timeTicks(from: number, to: number, zone = "UTC", max = 10): TimeTicks {
  if (!(to > from)) {
    const format = (t: number) => zonedIso(t, zone).replace("T", " ");
    return { ticks: [from], format };
  }
  const span = to - from;
  const step = STEPS.find((s) => span / s < max) ?? Math.ceil(span / max / (7 * DAY)) * 7 * DAY;
  const format = formatFor(step, from, to, zone);
  const ticks: number[] = [];
  const seen = new Set<string>();
  // Whole steps of the zone's wall clock (its time as if it were UTC), each turned into the moment
  // it happens.
  const wallFrom = from + zoneOffsetMs(from, zone);
  const wallTo = to + zoneOffsetMs(to, zone);
  for (let wall = Math.ceil(wallFrom / step) * step; wall <= wallTo; wall += step) {
    const t = wallToMs(wall, zone);
    if (t < from || t > to) continue;
    const label = format(t);
    if (!seen.has(label)) {
      seen.add(label);
      ticks.push(t);
    }
  }
  // (a span shorter than a second has no whole second in it)
  if (ticks.length === 0) return timeTicks(from, from, zone);
  return { ticks, format };
}
