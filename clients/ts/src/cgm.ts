// CGM metrics for the dashboard's clinician report and patient home, after the international
// consensus on time in range (Battelino et al., Diabetes Care 2019;42:1593–1603) and the
// Ambulatory Glucose Profile (AGP) report. Every rule chosen where the consensus leaves a choice
// is stated here and in README.md ("CGM metrics"). Values are computed in mg/dL, unrounded;
// `roundGlucose`, `formatGlucose` and `formatCgmMetrics` give them in mg/dL or mmol/L, rounded.
import { FLAGS } from './encoding.js';
import type { Period } from './relayer.js';
import type { GlucoseMetrics, ReadingJson, TimeInRanges } from './relayer-types.js';

/** mg/dL per mmol/L (glucose, 180.16 g/mol), as the relayer and the web app convert. */
export const MGDL_PER_MMOL = 18.016;
/** The consensus thresholds, mg/dL: very low < 54 ≤ low < 70 ≤ in range ≤ 180 < high ≤ 250 < very high. */
export const GLUCOSE_THRESHOLDS = { veryLow: 54, low: 70, high: 180, veryHigh: 250 } as const;
/** A hypoglycaemic event begins, and ends, with this many consecutive minutes (consensus). */
export const HYPO_EVENT_MINUTES = 15;
/** Sampling interval of a device with fewer than two readings in the period (seconds). */
export const DEFAULT_INTERVAL_SECONDS = 300;
/** AGP: bin width (minutes) and the fewest readings for a bin's percentiles. */
export const AGP_BIN_MINUTES = 15;
export const AGP_MIN_READINGS = 5;

/** One glucose reading: measured at `time` (unix seconds), `mgdl` unrounded, from `device`. */
export interface GlucoseReading {
  time: number;
  mgdl: number;
  device?: string;
}

export type GlucoseUnits = 'mg/dL' | 'mmol/L';
export type GlucoseRange = 'veryLow' | 'low' | 'inRange' | 'high' | 'veryHigh';
export const GLUCOSE_RANGES: readonly GlucoseRange[] = ['veryLow', 'low', 'inRange', 'high', 'veryHigh'];

// ---------------------------------------------------------------------------------------------
// Units and rounding

/** mg/dL → mmol/L, unrounded. */
export function toMmol(mgdl: number): number {
  return mgdl / MGDL_PER_MMOL;
}

/** mmol/L → mg/dL, unrounded. */
export function toMgdl(mmol: number): number {
  return mmol * MGDL_PER_MMOL;
}

/** `x` rounded to `decimals`, halves away from zero, on its shortest decimal form (1.005 → 1.01). */
export function roundTo(x: number, decimals: number): number {
  if (!Number.isFinite(x)) return x;
  const sign = x < 0 ? -1 : 1;
  const abs = Math.abs(x);
  // Shift the decimal point in the text (no binary multiplication); exponent forms (1e-7) multiply.
  const shifted = String(abs).includes('e') ? abs * 10 ** decimals : Number(`${abs}e${decimals}`);
  const out = (sign * Math.round(shifted)) / 10 ** decimals;
  return out === 0 ? 0 : out;
}

/** A glucose value (given in mg/dL) in `units`, rounded: mg/dL whole, mmol/L one decimal. */
export function roundGlucose(mgdl: number, units: GlucoseUnits): number {
  return units === 'mmol/L' ? roundTo(toMmol(mgdl), 1) : roundTo(mgdl, 0);
}

/** `"142 mg/dL"`, `"7.9 mmol/L"` (rounded as `roundGlucose`; mmol/L always shows its decimal). */
export function formatGlucose(mgdl: number, units: GlucoseUnits): string {
  const v = roundGlucose(mgdl, units);
  return units === 'mmol/L' ? `${v.toFixed(1)} mmol/L` : `${v.toFixed(0)} mg/dL`;
}

// ---------------------------------------------------------------------------------------------
// From verified relayer readings

/**
 * The CGM glucose readings among readings the relayer served (pass the ones you verified, e.g.
 * with `verifyReadings`), as `GlucoseReading`s sorted by time then device:
 * - kind `glucose` in `mg_per_dl` or `mmol_per_l` only (mmol/L × 18.016; value in thousandths);
 * - the latest version of each (device, second, meter or not): the highest seq, so a correction
 *   (flag 0x100) replaces the reading it corrects, in whatever order they come;
 * - then left out: meter readings (flag 0x80, finger sticks), sensor errors (flag 0x40, the value
 *   is an error code) and values ≤ 0. Other flags are kept (backfilled, warm-up, the sensor's
 *   LOW 39 / HIGH 401 markers count as 39 and 401 mg/dL).
 */
export function glucoseReadings(readings: Iterable<ReadingJson | { reading: ReadingJson }>): GlucoseReading[] {
  const latest = new Map<string, ReadingJson>();
  for (const item of readings) {
    const r = 'reading' in item ? item.reading : item;
    if (r.kind !== 'glucose' || (r.unit !== 'mg_per_dl' && r.unit !== 'mmol_per_l')) continue;
    const meter = ((r.flags ?? 0) & FLAGS.meter) !== 0;
    const key = `${r.device_id}\u0000${r.measured_at}\u0000${meter ? 1 : 0}`;
    const held = latest.get(key);
    if (held === undefined || held.seq < r.seq) latest.set(key, r);
  }
  const out: GlucoseReading[] = [];
  for (const r of latest.values()) {
    const flags = r.flags ?? 0;
    if ((flags & (FLAGS.meter | FLAGS.sensorError)) !== 0 || r.value <= 0) continue;
    const v = r.value / 1000;
    out.push({ time: r.measured_at, mgdl: r.unit === 'mmol_per_l' ? toMgdl(v) : v, device: r.device_id });
  }
  return sortReadings(out);
}

// ---------------------------------------------------------------------------------------------
// Metrics

/** Which range a value (mg/dL, unrounded) is in: < 54, 54–<70, 70–180, >180–250, > 250. */
export function glucoseRange(mgdl: number): GlucoseRange {
  const t = GLUCOSE_THRESHOLDS;
  if (mgdl < t.veryLow) return 'veryLow';
  if (mgdl < t.low) return 'low';
  if (mgdl <= t.high) return 'inRange';
  if (mgdl <= t.veryHigh) return 'high';
  return 'veryHigh';
}

export interface CgmOptions {
  /** Interval of a device with fewer than two readings in the period; default 300 s. */
  defaultIntervalSeconds?: number;
}

export interface DeviceSampling {
  /** The reading's `device`, `''` for readings without one. */
  device: string;
  readings: number;
  /** The median gap between its consecutive readings in the period (seconds). */
  intervalSeconds: number;
}

export type RangeValues = Record<GlucoseRange, number>;

export interface CgmMetrics {
  period: Period;
  /** `(to - from + 1) / 60`: the period is inclusive, to the second. */
  periodMinutes: number;
  readings: number;
  devices: DeviceSampling[];
  /** Σ per device readings × interval, at most the period (minutes). */
  activeMinutes: number;
  /** % time CGM active. */
  activePercent: number;
  /** mg/dL; `null` without readings. */
  mean: number | null;
  /** Sample standard deviation (n − 1), mg/dL; `null` with fewer than two readings. */
  sd: number | null;
  /** Coefficient of variation, % (100 × SD / mean). */
  cv: number | null;
  /** Glucose management indicator, %: 3.31 + 0.02392 × mean mg/dL. */
  gmiPercent: number | null;
  /** GMI, mmol/mol: 12.71 + 4.70587 × mean mmol/L. */
  gmiMmolMol: number | null;
  /** % of readings in each range; `null` without readings. */
  timeInRanges: RangeValues | null;
  /** The same as minutes per day: % × 1,440 / 100. */
  minutesPerDay: RangeValues | null;
  /** Level 1 and level 2 events, by start then level. */
  hypoEvents: HypoEvent[];
}

/** The metrics of the readings measured in `period` (inclusive; others are ignored). */
export function cgmMetrics(readings: readonly GlucoseReading[], period: Period, opts: CgmOptions = {}): CgmMetrics {
  const s = prepare(readings, period, opts);
  const periodSeconds = period.to - period.from + 1;
  const n = s.readings.length;
  let active = 0;
  for (const d of s.devices) active += d.readings * d.intervalSeconds;
  active = Math.min(active, periodSeconds);
  const base = {
    period: { from: period.from, to: period.to },
    periodMinutes: periodSeconds / 60,
    readings: n,
    devices: s.devices,
    activeMinutes: active / 60,
    activePercent: (100 * active) / periodSeconds,
    hypoEvents: findHypoEvents(s),
  };
  if (n === 0) {
    return { ...base, mean: null, sd: null, cv: null, gmiPercent: null, gmiMmolMol: null, timeInRanges: null, minutesPerDay: null };
  }
  const { mean, sd } = meanSd(s.readings.map((r) => r.mgdl));
  const tir = rangePercents(s.readings);
  const perDay = mapRanges(tir, (p) => (p * 1440) / 100);
  return {
    ...base,
    mean,
    sd,
    cv: sd === null ? null : (100 * sd) / mean,
    gmiPercent: 3.31 + 0.02392 * mean,
    gmiMmolMol: 12.71 + 4.70587 * toMmol(mean),
    timeInRanges: tir,
    minutesPerDay: perDay,
  };
}

function meanSd(values: number[]): { mean: number; sd: number | null } {
  const n = values.length;
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / n;
  if (n < 2) return { mean, sd: null };
  let sq = 0;
  for (const v of values) sq += (v - mean) ** 2;
  return { mean, sd: Math.sqrt(sq / (n - 1)) };
}

function rangePercents(readings: readonly GlucoseReading[]): RangeValues {
  const counts: RangeValues = { veryLow: 0, low: 0, inRange: 0, high: 0, veryHigh: 0 };
  for (const r of readings) counts[glucoseRange(r.mgdl)] += 1;
  return mapRanges(counts, (c) => (100 * c) / readings.length);
}

function mapRanges(v: RangeValues, f: (x: number) => number): RangeValues {
  return { veryLow: f(v.veryLow), low: f(v.low), inRange: f(v.inRange), high: f(v.high), veryHigh: f(v.veryHigh) };
}

/** Readings of the period sorted, with each device's interval. */
interface Prepared {
  readings: GlucoseReading[];
  devices: DeviceSampling[];
  interval: Map<string, number>;
}

function checkPeriod(period: Period): void {
  if (!Number.isFinite(period.from) || !Number.isFinite(period.to) || period.to < period.from) {
    throw new RangeError(`not a period: from ${period.from} to ${period.to}`);
  }
}

function sortReadings(readings: GlucoseReading[]): GlucoseReading[] {
  return readings.sort((a, b) => a.time - b.time || cmp(a.device ?? '', b.device ?? ''));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function inPeriod(readings: readonly GlucoseReading[], period: Period): GlucoseReading[] {
  checkPeriod(period);
  const out: GlucoseReading[] = [];
  for (const r of readings) {
    if (!Number.isFinite(r.time) || !Number.isFinite(r.mgdl)) throw new RangeError(`not a glucose reading: ${JSON.stringify(r)}`);
    if (r.time >= period.from && r.time <= period.to) out.push(r);
  }
  return sortReadings(out);
}

function prepare(readings: readonly GlucoseReading[], period: Period, opts: CgmOptions): Prepared {
  const fallback = opts.defaultIntervalSeconds ?? DEFAULT_INTERVAL_SECONDS;
  if (!(fallback > 0)) throw new RangeError(`defaultIntervalSeconds must be positive, not ${fallback}`);
  const sorted = inPeriod(readings, period);
  const times = new Map<string, number[]>();
  for (const r of sorted) {
    const d = r.device ?? '';
    const list = times.get(d);
    if (list === undefined) times.set(d, [r.time]);
    else list.push(r.time);
  }
  const devices: DeviceSampling[] = [];
  const interval = new Map<string, number>();
  for (const [device, ts] of [...times.entries()].sort(([a], [b]) => cmp(a, b))) {
    const gaps: number[] = [];
    for (let i = 1; i < ts.length; i++) {
      const g = ts[i]! - ts[i - 1]!;
      if (g > 0) gaps.push(g);
    }
    const intervalSeconds = gaps.length === 0 ? fallback : median(gaps);
    devices.push({ device, readings: ts.length, intervalSeconds });
    interval.set(device, intervalSeconds);
  }
  return { readings: sorted, devices, interval };
}

/** The median; of an even count, the mean of the two middle values. */
function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

// ---------------------------------------------------------------------------------------------
// Hypoglycaemic events

export interface HypoEvent {
  /** 1: < 70 mg/dL; 2: < 54 mg/dL. */
  level: 1 | 2;
  /** The first reading below the threshold (unix seconds). */
  start: number;
  /** The last reading below the threshold plus its device's interval (unix seconds). */
  end: number;
  /** (end − start) / 60. */
  minutes: number;
  /** The lowest value (mg/dL) and when it was first read. */
  nadir: number;
  nadirTime: number;
  /** `recovered`: 15 minutes at or above the threshold followed; `gap`: the data broke off
   * (a gap longer than twice the interval) before they did; `end_of_data`: the period's
   * readings ended first. */
  endReason: 'recovered' | 'gap' | 'end_of_data';
}

/** The level 1 and level 2 hypoglycaemic events of the readings measured in `period`. */
export function hypoEvents(readings: readonly GlucoseReading[], period: Period, opts: CgmOptions = {}): HypoEvent[] {
  return findHypoEvents(prepare(readings, period, opts));
}

function findHypoEvents(s: Prepared): HypoEvent[] {
  const events = [
    ...eventsBelow(s, GLUCOSE_THRESHOLDS.low, 1),
    ...eventsBelow(s, GLUCOSE_THRESHOLDS.veryLow, 2),
  ];
  return events.sort((a, b) => a.start - b.start || a.level - b.level);
}

/**
 * Events below `threshold`. The readings are cut into segments where two consecutive readings
 * (all devices merged, by time) are more than twice the earlier one's device interval apart;
 * each reading stands for one interval, so a run of readings lasts from its first reading to
 * its last reading plus that reading's interval. An event begins with a run below the threshold
 * lasting ≥ 15 minutes and ends with a run at or above it lasting ≥ 15 minutes (shorter runs
 * above inside it do not end it), or at the end of its segment.
 */
function eventsBelow(s: Prepared, threshold: number, level: 1 | 2): HypoEvent[] {
  const minSeconds = HYPO_EVENT_MINUTES * 60;
  const iv = (r: GlucoseReading) => s.interval.get(r.device ?? '') ?? DEFAULT_INTERVAL_SECONDS;
  const out: HypoEvent[] = [];
  const rs = s.readings;
  let i = 0;
  while (i < rs.length) {
    // One segment: rs[i..j).
    let j = i + 1;
    while (j < rs.length && rs[j]!.time - rs[j - 1]!.time <= 2 * iv(rs[j - 1]!)) j++;
    let open: { start: number; lastBelow: GlucoseReading; nadir: GlucoseReading } | undefined;
    let k = i;
    while (k < j) {
      // One run: rs[k..m), all below or all at/above.
      const below = rs[k]!.mgdl < threshold;
      let m = k + 1;
      while (m < j && rs[m]!.mgdl < threshold === below) m++;
      const first = rs[k]!;
      const last = rs[m - 1]!;
      const lasts = last.time + iv(last) - first.time >= minSeconds;
      if (below) {
        let nadir = first;
        for (let x = k + 1; x < m; x++) if (rs[x]!.mgdl < nadir.mgdl) nadir = rs[x]!;
        if (open !== undefined) {
          open.lastBelow = last;
          if (nadir.mgdl < open.nadir.mgdl) open.nadir = nadir;
        } else if (lasts) {
          open = { start: first.time, lastBelow: last, nadir };
        }
      } else if (open !== undefined && lasts) {
        out.push(closeEvent(open, iv(open.lastBelow), level, 'recovered'));
        open = undefined;
      }
      k = m;
    }
    if (open !== undefined) out.push(closeEvent(open, iv(open.lastBelow), level, j < rs.length ? 'gap' : 'end_of_data'));
    i = j;
  }
  return out;
}

function closeEvent(
  e: { start: number; lastBelow: GlucoseReading; nadir: GlucoseReading },
  interval: number,
  level: 1 | 2,
  endReason: HypoEvent['endReason'],
): HypoEvent {
  const end = e.lastBelow.time + interval;
  return { level, start: e.start, end, minutes: (end - e.start) / 60, nadir: e.nadir.mgdl, nadirTime: e.nadir.time, endReason };
}

// ---------------------------------------------------------------------------------------------
// Local time of day

export interface TimeZoneOptions {
  /** An IANA time zone (`Europe/Amsterdam`) or `UTC` (the default). */
  timeZone?: string;
}

/**
 * A zone's offset at any second, from Intl.DateTimeFormat. The offset is read at both ends of
 * each 15-minute UTC slot and kept for the slot when they agree (zones change offset at most
 * once a slot); otherwise it is read for the second itself.
 */
class ZoneClock {
  private readonly fmt: Intl.DateTimeFormat;
  private readonly slots = new Map<number, number | null>();

  constructor(readonly timeZone: string) {
    this.fmt = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
  }

  /** Local wall-clock seconds since 1970-01-01T00:00 local (unix seconds + offset). */
  local(t: number): number {
    const sec = Math.floor(t);
    const slot = Math.floor(sec / 900);
    let off = this.slots.get(slot);
    if (off === undefined) {
      const a = this.offsetAt(slot * 900);
      off = a === this.offsetAt(slot * 900 + 899) ? a : null;
      this.slots.set(slot, off);
    }
    return t + (off ?? this.offsetAt(sec));
  }

  private offsetAt(sec: number): number {
    const p: Record<string, number> = {};
    for (const part of this.fmt.formatToParts(new Date(sec * 1000))) {
      if (part.type !== 'literal') p[part.type] = Number(part.value);
    }
    const get = (k: string): number => {
      const v = p[k];
      if (v === undefined || !Number.isFinite(v)) throw new RangeError(`Intl.DateTimeFormat gave no ${k} in ${this.timeZone}`);
      return v;
    };
    const hour = get('hour') % 24; // some engines write midnight as 24
    return Date.UTC(get('year'), get('month') - 1, get('day'), hour, get('minute'), get('second')) / 1000 - sec;
  }
}

const clocks = new Map<string, ZoneClock>();

function clock(timeZone = 'UTC'): ZoneClock {
  let c = clocks.get(timeZone);
  if (c === undefined) {
    c = new ZoneClock(timeZone); // RangeError for an unknown zone
    clocks.set(timeZone, c);
  }
  return c;
}

/** Minutes since local midnight (0–1439) of `time` in `timeZone`. */
export function minuteOfDay(time: number, timeZone = 'UTC'): number {
  const local = clock(timeZone).local(time);
  return Math.floor((((local % 86_400) + 86_400) % 86_400) / 60);
}

/** The local date (`YYYY-MM-DD`) of `time` in `timeZone`. */
export function localDate(time: number, timeZone = 'UTC'): string {
  return dateOfDay(localDay(time, clock(timeZone)));
}

function localDay(time: number, c: ZoneClock): number {
  return Math.floor(c.local(time) / 86_400);
}

function dateOfDay(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

// ---------------------------------------------------------------------------------------------
// AGP

export interface AgpOptions extends TimeZoneOptions {
  /** Bin width in minutes, dividing 1,440; default 15 (96 bins). */
  binMinutes?: number;
  /** Bins with fewer readings get `percentiles: null`; default 5. */
  minReadings?: number;
}

export interface AgpPercentiles {
  p5: number;
  p25: number;
  p50: number;
  p75: number;
  p95: number;
}

export interface AgpBin {
  /** Minutes since local midnight where the bin starts; it holds [start, start + binMinutes). */
  startMinute: number;
  count: number;
  /** mg/dL, unrounded; `null` when `count < minReadings`. */
  percentiles: AgpPercentiles | null;
}

export interface Agp {
  timeZone: string;
  binMinutes: number;
  minReadings: number;
  bins: AgpBin[];
}

/**
 * The AGP curves: percentiles 5, 25, 50, 75 and 95 of the readings measured in `period`, by
 * local time of day. Percentiles by linear interpolation between order statistics (Hyndman–Fan
 * type 7, as R's `quantile` and numpy's default). No smoothing.
 */
export function agp(readings: readonly GlucoseReading[], period: Period, opts: AgpOptions = {}): Agp {
  const binMinutes = opts.binMinutes ?? AGP_BIN_MINUTES;
  const minReadings = opts.minReadings ?? AGP_MIN_READINGS;
  if (!Number.isInteger(binMinutes) || binMinutes <= 0 || 1440 % binMinutes !== 0) {
    throw new RangeError(`binMinutes must divide 1440, not ${binMinutes}`);
  }
  if (!Number.isInteger(minReadings) || minReadings < 1) throw new RangeError(`minReadings must be at least 1, not ${minReadings}`);
  const timeZone = opts.timeZone ?? 'UTC';
  const c = clock(timeZone);
  const values: number[][] = Array.from({ length: 1440 / binMinutes }, () => []);
  for (const r of inPeriod(readings, period)) {
    const local = c.local(r.time);
    const minute = Math.floor((((local % 86_400) + 86_400) % 86_400) / 60);
    values[Math.floor(minute / binMinutes)]!.push(r.mgdl);
  }
  const bins = values.map((v, i): AgpBin => {
    if (v.length < minReadings) return { startMinute: i * binMinutes, count: v.length, percentiles: null };
    v.sort((a, b) => a - b);
    return {
      startMinute: i * binMinutes,
      count: v.length,
      percentiles: { p5: quantile(v, 0.05), p25: quantile(v, 0.25), p50: quantile(v, 0.5), p75: quantile(v, 0.75), p95: quantile(v, 0.95) },
    };
  });
  return { timeZone, binMinutes, minReadings, bins };
}

/** Type 7 quantile of sorted values: h = (n − 1)p, x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋]). */
export function quantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('no values');
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const a = sorted[lo]!;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)]!;
  return a + (h - lo) * (b - a);
}

// ---------------------------------------------------------------------------------------------
// Daily profiles

export interface DailyProfile {
  /** The local date, `YYYY-MM-DD`. */
  date: string;
  /** That day's readings, by time. */
  readings: GlucoseReading[];
  /** mg/dL; `null` without readings. */
  mean: number | null;
  /** % of that day's readings in 70–180 mg/dL; `null` without readings. */
  tir: number | null;
  /** % of that day's readings in each range; `null` without readings. */
  timeInRanges: RangeValues | null;
}

/** One profile per local date from `period.from`'s to `period.to`'s, days without readings included. */
export function dailyProfiles(readings: readonly GlucoseReading[], period: Period, opts: TimeZoneOptions = {}): DailyProfile[] {
  const c = clock(opts.timeZone ?? 'UTC');
  const sorted = inPeriod(readings, period);
  const first = localDay(period.from, c);
  const last = localDay(period.to, c);
  const days: GlucoseReading[][] = Array.from({ length: last - first + 1 }, () => []);
  for (const r of sorted) days[localDay(r.time, c) - first]!.push(r);
  return days.map((rs, i) => {
    const date = dateOfDay(first + i);
    if (rs.length === 0) return { date, readings: rs, mean: null, tir: null, timeInRanges: null };
    const timeInRanges = rangePercents(rs);
    return { date, readings: rs, mean: meanSd(rs.map((r) => r.mgdl)).mean, tir: timeInRanges.inRange, timeInRanges };
  });
}

// ---------------------------------------------------------------------------------------------
// Days of a fixed UTC offset (the relayer's summary: packages/relayer-types/src/cgm.rs)

/** The UTC offsets days may be cut at, minutes: UTC−14:00 to UTC+14:00. */
export const MAX_UTC_OFFSET_MINUTES = 840;
/** Most days `offsetDays` cuts a period into. */
export const MAX_OFFSET_DAYS = 400;

export interface OffsetDay {
  /** The local date, `YYYY-MM-DD`. */
  date: string;
  /** The day's part of the period (unix seconds, inclusive). */
  from: number;
  to: number;
}

/**
 * The days of the clock `utcOffsetMinutes` ahead of UTC that `period` touches, the first and last
 * cut to the period: a day starts at local midnight, `day × 86,400 − offset × 60`. The relayer's
 * summary (`GET …/summary?utc_offset_minutes=`) cuts its days the same way (`offset_days`).
 */
export function offsetDays(period: Period, utcOffsetMinutes = 0): OffsetDay[] {
  checkPeriod(period);
  if (!Number.isInteger(utcOffsetMinutes) || Math.abs(utcOffsetMinutes) > MAX_UTC_OFFSET_MINUTES) {
    throw new RangeError(`utcOffsetMinutes must be an integer in -840..840, not ${utcOffsetMinutes}`);
  }
  const off = utcOffsetMinutes * 60;
  const first = Math.floor((period.from + off) / 86_400);
  const last = Math.floor((period.to + off) / 86_400);
  if (last - first >= MAX_OFFSET_DAYS) throw new RangeError(`the period spans more than ${MAX_OFFSET_DAYS} days`);
  const out: OffsetDay[] = [];
  for (let day = first; day <= last; day++) {
    const start = day * 86_400 - off;
    out.push({ date: dateOfDay(day), from: Math.max(start, period.from), to: Math.min(start + 86_399, period.to) });
  }
  return out;
}

export interface DailyCgmMetrics {
  /** The local date (of the offset), `YYYY-MM-DD`; `metrics.period` is its part of the period. */
  date: string;
  metrics: CgmMetrics;
}

/** `cgmMetrics` of each day of `offsetDays(period, utcOffsetMinutes)`, days without readings included. */
export function dailyCgmMetrics(
  readings: readonly GlucoseReading[],
  period: Period,
  opts: CgmOptions & { utcOffsetMinutes?: number } = {},
): DailyCgmMetrics[] {
  return offsetDays(period, opts.utcOffsetMinutes ?? 0).map((d) => ({
    date: d.date,
    metrics: cgmMetrics(readings, { from: d.from, to: d.to }, opts),
  }));
}

/**
 * The metrics of a summary the relayer served (`RelayerClient.summary`: its `metrics`, or a day's)
 * as `cgmMetrics` gives them: the relayer computes them by the rules of this file (the shared
 * vectors of `docs/vectors/cgm-metrics.json` hold both to the same numbers), so they format with
 * `formatCgmMetrics` like the report's.
 */
export function cgmMetricsFromSummary(m: GlucoseMetrics): CgmMetrics {
  const ranges = (r: TimeInRanges | null): RangeValues | null =>
    r && { veryLow: r.very_low, low: r.low, inRange: r.in_range, high: r.high, veryHigh: r.very_high };
  return {
    period: { from: m.from, to: m.to },
    periodMinutes: m.period_minutes,
    readings: m.readings,
    devices: m.devices.map((d) => ({ device: d.device, readings: d.readings, intervalSeconds: d.interval_seconds })),
    activeMinutes: m.active_minutes,
    activePercent: m.active_percent,
    mean: m.mean,
    sd: m.sd,
    cv: m.cv,
    gmiPercent: m.gmi_percent,
    gmiMmolMol: m.gmi_mmol_mol,
    timeInRanges: ranges(m.time_in_ranges),
    minutesPerDay: ranges(m.minutes_per_day),
    hypoEvents: m.hypo_events.map((e) => ({
      level: e.level === 2 ? 2 : 1,
      start: e.start,
      end: e.end,
      minutes: e.minutes,
      nadir: e.nadir,
      nadirTime: e.nadir_time,
      endReason: e.end_reason,
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// Downsampling

/**
 * At most `maxPoints` of `points` (in time order) for a chart: the points are cut into
 * ⌊maxPoints / 2⌋ buckets of consecutive points (sizes differ by at most one) and each bucket
 * keeps its lowest and its highest point (the first of equals), in time order, so no low or
 * high is hidden. With `points.length ≤ maxPoints` all are kept.
 */
export function downsample<T extends { time: number; mgdl: number }>(points: readonly T[], maxPoints: number): T[] {
  if (!Number.isInteger(maxPoints) || maxPoints < 2) throw new RangeError(`maxPoints must be an integer ≥ 2, not ${maxPoints}`);
  const sorted = [...points].sort((a, b) => a.time - b.time);
  const n = sorted.length;
  if (n <= maxPoints) return sorted;
  const buckets = Math.floor(maxPoints / 2);
  const out: T[] = [];
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * n) / buckets);
    const to = Math.floor(((b + 1) * n) / buckets);
    let lo = from;
    let hi = from;
    for (let i = from + 1; i < to; i++) {
      if (sorted[i]!.mgdl < sorted[lo]!.mgdl) lo = i;
      if (sorted[i]!.mgdl > sorted[hi]!.mgdl) hi = i;
    }
    if (lo === hi) out.push(sorted[lo]!);
    else out.push(sorted[Math.min(lo, hi)]!, sorted[Math.max(lo, hi)]!);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Formatted

export interface FormattedHypoEvent {
  level: 1 | 2;
  start: number;
  end: number;
  /** Whole minutes. */
  minutes: number;
  /** In the units, rounded. */
  nadir: number;
  nadirTime: number;
  endReason: HypoEvent['endReason'];
}

export interface FormattedCgmMetrics {
  units: GlucoseUnits;
  readings: number;
  /** % one decimal. */
  activePercent: number;
  /** In the units: mg/dL whole, mmol/L one decimal. */
  mean: number | null;
  sd: number | null;
  /** % one decimal. */
  cv: number | null;
  /** % one decimal. */
  gmiPercent: number | null;
  /** mmol/mol whole. */
  gmiMmolMol: number | null;
  /** % one decimal. */
  timeInRanges: RangeValues | null;
  /** Whole minutes. */
  minutesPerDay: RangeValues | null;
  /** The range boundaries in the units: 54, 70, 180, 250 mg/dL or 3.0, 3.9, 10.0, 13.9 mmol/L. */
  thresholds: { veryLow: number; low: number; high: number; veryHigh: number };
  hypoEvents: FormattedHypoEvent[];
}

const orNull = <T, U>(v: T | null, f: (x: T) => U): U | null => (v === null ? null : f(v));

/** `m` in `units`, rounded for display (see each field). */
export function formatCgmMetrics(m: CgmMetrics, units: GlucoseUnits): FormattedCgmMetrics {
  const g = (v: number) => roundGlucose(v, units);
  const t = GLUCOSE_THRESHOLDS;
  return {
    units,
    readings: m.readings,
    activePercent: roundTo(m.activePercent, 1),
    mean: orNull(m.mean, g),
    sd: orNull(m.sd, g),
    cv: orNull(m.cv, (v) => roundTo(v, 1)),
    gmiPercent: orNull(m.gmiPercent, (v) => roundTo(v, 1)),
    gmiMmolMol: orNull(m.gmiMmolMol, (v) => roundTo(v, 0)),
    timeInRanges: orNull(m.timeInRanges, (r) => mapRanges(r, (v) => roundTo(v, 1))),
    minutesPerDay: orNull(m.minutesPerDay, (r) => mapRanges(r, (v) => roundTo(v, 0))),
    thresholds: { veryLow: g(t.veryLow), low: g(t.low), high: g(t.high), veryHigh: g(t.veryHigh) },
    hypoEvents: m.hypoEvents.map((e) => ({ ...e, minutes: roundTo(e.minutes, 0), nadir: g(e.nadir) })),
  };
}
