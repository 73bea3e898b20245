// CGM metrics (src/cgm.ts) on fixed traces; every expected number is worked out by hand in the
// comments, from the rules in README.md ("CGM metrics").
import { describe, expect, it } from 'vitest';

import {
  GlucoseReading, ProvenReading, ReadingJson, agp, cgmMetrics, dailyProfiles, downsample, formatCgmMetrics, formatGlucose,
  glucoseReadings, hypoEvents, localDate, minuteOfDay, roundGlucose, roundTo, toMgdl, toMmol,
} from '../../src/index.js';

const MIN = 60;
const HOUR = 3600;
/** 2026-01-15T00:00:00Z. */
const T0 = Date.UTC(2026, 0, 15) / 1000;

/** One reading per value, `step` seconds apart from `start`. */
function trace(start: number, step: number, values: number[], device = 'cgm-a'): GlucoseReading[] {
  return values.map((mgdl, i) => ({ time: start + i * step, mgdl, device }));
}

/** Readings at the given minutes after T0 (5-minute sensor traces written out). */
function atMinutes(points: [number, number][], device = 'cgm-a'): GlucoseReading[] {
  return points.map(([m, mgdl]) => ({ time: T0 + m * MIN, mgdl, device }));
}

/** `count` readings `value`, from minute `from`, every `step` minutes. */
function run(from: number, count: number, value: number, step = 5): [number, number][] {
  return Array.from({ length: count }, (_, i) => [from + i * step, value]);
}

function relayerReading(r: Partial<ReadingJson> & Pick<ReadingJson, 'seq' | 'measured_at' | 'value'>): ReadingJson {
  return { device_id: 'cgm-a', kind: 'glucose', unit: 'mg_per_dl', trend: 'flat', salt: 'AAAAAAAAAAAAAAAAAAAAAA==', flags: 0, ...r };
}

describe('units and rounding', () => {
  it('converts with 18.016 mg/dL per mmol/L and rounds mg/dL whole, mmol/L to one decimal', () => {
    expect(toMmol(18.016)).toBe(1);
    expect(toMgdl(5.5)).toBeCloseTo(99.088, 10); // 5.5 × 18.016
    expect(roundGlucose(99.088, 'mg/dL')).toBe(99);
    // The consensus boundaries in mmol/L: 54/18.016 = 2.9973, 70/18.016 = 3.8854,
    // 180/18.016 = 9.9911, 250/18.016 = 13.8766.
    expect([54, 70, 180, 250].map((v) => roundGlucose(v, 'mmol/L'))).toEqual([3.0, 3.9, 10.0, 13.9]);
    expect(formatGlucose(142.5, 'mg/dL')).toBe('143 mg/dL'); // a half goes up
    expect(formatGlucose(180, 'mmol/L')).toBe('10.0 mmol/L');
    expect(formatGlucose(toMgdl(7.25), 'mmol/L')).toBe('7.3 mmol/L');
  });

  it('rounds halves away from zero on the decimal form', () => {
    expect(roundTo(1.005, 2)).toBe(1.01); // 1.005 is 1.00499999… in binary; rounding the text gives 1.01
    expect(roundTo(2.5, 0)).toBe(3);
    expect(roundTo(-2.5, 0)).toBe(-3);
    expect(roundTo(22.587697, 1)).toBe(22.6);
    expect(roundTo(1e-7, 1)).toBe(0);
  });
});

describe('glucoseReadings', () => {
  it('keeps sensor glucose (the latest version), converts mmol/L, leaves out meter, sensor errors and other kinds', () => {
    const original = relayerReading({ seq: 10, measured_at: T0, value: 150_000 });
    const correction = relayerReading({ seq: 11, measured_at: T0, value: 160_000, flags: 0x100 });
    const meter = relayerReading({ seq: 12, measured_at: T0 + 300, value: 120_000, flags: 0x80 });
    const sensorError = relayerReading({ seq: 13, measured_at: T0 + 600, value: 5_000, flags: 0x40 });
    const mmol = relayerReading({ device_id: 'cgm-b', seq: 1, measured_at: T0, unit: 'mmol_per_l', value: 7_500 });
    const ketones = relayerReading({ seq: 14, measured_at: T0 + 900, kind: 'ketones', unit: 'mmol_per_l', value: 1_200 });
    const low = relayerReading({ seq: 15, measured_at: T0 + 1200, value: 39_000, flags: 0x8 });
    const backfilled = relayerReading({ seq: 16, measured_at: T0 + 1500, value: 100_000, flags: 0x20 });
    // A meter reading at the second of a sensor reading, with a higher seq, replaces nothing.
    const meterSameSecond = relayerReading({ seq: 17, measured_at: T0 + 1500, value: 300_000, flags: 0x80 });
    // A reading corrected into a sensor error is left out (its latest version is the error).
    const laterError = relayerReading({ seq: 18, measured_at: T0 + 1800, value: 110_000 });
    const laterErrorCorrection = relayerReading({ seq: 19, measured_at: T0 + 1800, value: 3_000, flags: 0x140 });
    const proven = (reading: ReadingJson): ProvenReading => ({ index: 0, leaf_hash: '', path: [], reading });
    const got = glucoseReadings([
      proven(correction), meter, backfilled, sensorError, original, proven(mmol), ketones, low, meterSameSecond,
      laterErrorCorrection, laterError,
    ]);
    expect(got.map((r) => [r.time - T0, r.device])).toEqual([[0, 'cgm-a'], [0, 'cgm-b'], [1200, 'cgm-a'], [1500, 'cgm-a']]);
    expect(got[0]!.mgdl).toBe(160); // the correction (seq 11) replaces 150 (seq 10), given first or not
    expect(got[1]!.mgdl).toBeCloseTo(135.12, 10); // 7.5 mmol/L × 18.016
    expect(got[2]!.mgdl).toBe(39); // the sensor's LOW marker counts as 39
    expect(got[3]!.mgdl).toBe(100);
  });

  it('keeps the highest seq when a value is corrected twice', () => {
    const got = glucoseReadings([
      relayerReading({ seq: 1, measured_at: T0, value: 150_000 }),
      relayerReading({ seq: 3, measured_at: T0, value: 170_000, flags: 0x100 }),
      relayerReading({ seq: 2, measured_at: T0, value: 160_000, flags: 0x100 }),
    ]);
    // Not the first given (150), not the last given (160): the highest seq (170).
    expect(got).toEqual([{ time: T0, mgdl: 170, device: 'cgm-a' }]);
  });
});

describe('cgmMetrics', () => {
  it('mean, SD, CV, GMI and % active of a 5-minute sensor', () => {
    // 100, 120, 140, 160, 180 every 5 min; the period is 50 min (T0 … T0 + 2999, inclusive).
    const m = cgmMetrics(trace(T0, 300, [100, 120, 140, 160, 180]), { from: T0, to: T0 + 2999 });
    expect(m.readings).toBe(5);
    expect(m.periodMinutes).toBe(50);
    expect(m.devices).toEqual([{ device: 'cgm-a', readings: 5, intervalSeconds: 300 }]);
    // 5 readings × 5 min = 25 min of 50 = 50 %.
    expect(m.activeMinutes).toBe(25);
    expect(m.activePercent).toBe(50);
    // mean 700 / 5 = 140; squares of deviations 1600 + 400 + 0 + 400 + 1600 = 4000; SD = √(4000 / 4) = 31.6228.
    expect(m.mean).toBe(140);
    expect(m.sd).toBeCloseTo(31.622777, 5);
    // CV = 100 × 31.6228 / 140 = 22.5877 %.
    expect(m.cv).toBeCloseTo(22.587698, 5);
    // GMI = 3.31 + 0.02392 × 140 = 3.31 + 3.3488 = 6.6588 %;
    // 140 / 18.016 = 7.770870 mmol/L; 12.71 + 4.70587 × 7.770870 = 12.71 + 36.568706 = 49.278706 mmol/mol.
    expect(m.gmiPercent).toBeCloseTo(6.6588, 10);
    expect(m.gmiMmolMol).toBeCloseTo(49.278706, 5);
    // 180 is in range: all five are.
    expect(m.timeInRanges).toEqual({ veryLow: 0, low: 0, inRange: 100, high: 0, veryHigh: 0 });
    expect(m.minutesPerDay).toEqual({ veryLow: 0, low: 0, inRange: 1440, high: 0, veryHigh: 0 });
    expect(m.hypoEvents).toEqual([]);
  });

  it('puts 54 in low, 70 and 180 in range, 250 in high', () => {
    // very low: 53; low: 54, 69; in range: 70, 180, 100, 100; high: 181, 250; very high: 251.
    const values = [53, 54, 69, 70, 180, 181, 250, 251, 100, 100];
    const m = cgmMetrics(trace(T0, 300, values), { from: T0, to: T0 + 3000 - 1 });
    expect(m.timeInRanges).toEqual({ veryLow: 10, low: 20, inRange: 40, high: 20, veryHigh: 10 });
    // % × 1440 / 100: 144, 288, 576, 288, 144 minutes a day.
    expect(m.minutesPerDay).toEqual({ veryLow: 144, low: 288, inRange: 576, high: 288, veryHigh: 144 });
    // 53 + 54 + 69 + 70 + 180 + 181 + 250 + 251 + 100 + 100 = 1308; / 10 = 130.8.
    expect(m.mean).toBeCloseTo(130.8, 10);
  });

  it('compares mmol/L readings in unrounded mg/dL', () => {
    // 2.9, 3.0, 3.9, 10.0, 13.9 mmol/L × 18.016 = 52.2464 (very low), 54.048 (low), 70.2624 (in range),
    // 180.16 (high: above 180), 250.4224 (very high: above 250): one each, 20 % each.
    const readings = glucoseReadings([2900, 3000, 3900, 10_000, 13_900].map((value, i) =>
      relayerReading({ seq: i, measured_at: T0 + i * 300, unit: 'mmol_per_l', value })));
    const m = cgmMetrics(readings, { from: T0, to: T0 + HOUR - 1 });
    expect(m.timeInRanges).toEqual({ veryLow: 20, low: 20, inRange: 20, high: 20, veryHigh: 20 });
  });

  it('a 1-minute sensor: interval 60 s', () => {
    // 30 readings a minute apart in a 1-hour period: 30 × 1 min = 30 min = 50 %.
    const m = cgmMetrics(trace(T0, 60, Array<number>(30).fill(120)), { from: T0, to: T0 + HOUR - 1 });
    expect(m.devices).toEqual([{ device: 'cgm-a', readings: 30, intervalSeconds: 60 }]);
    expect(m.activeMinutes).toBe(30);
    expect(m.activePercent).toBe(50);
    expect(m.sd).toBe(0);
    expect(m.cv).toBe(0);
  });

  it('a sensor warm-up: no readings for 2 h, then every 5 min', () => {
    // Period 6 h; readings from T0 + 2 h to T0 + 5 h 55 min: (21300 − 7200) / 300 + 1 = 48 readings.
    // Active 48 × 5 = 240 min of 360 = 66.667 %.
    const readings = trace(T0 + 2 * HOUR, 300, Array<number>(48).fill(110));
    expect(readings.at(-1)!.time).toBe(T0 + 21_300);
    const m = cgmMetrics(readings, { from: T0, to: T0 + 6 * HOUR - 1 });
    expect(m.readings).toBe(48);
    expect(m.activeMinutes).toBe(240);
    expect(m.activePercent).toBeCloseTo(66.6667, 4);
  });

  it('a gap: the interval is the median gap, not the mean', () => {
    // 12 readings from T0, then 12 from T0 + 2 h: gaps 11 × 300, one 3900, 11 × 300; median 300
    // (the mean, 10500 / 23 = 456.5, would give more). Active 24 × 5 = 120 min of 240 = 50 %.
    const readings = [...trace(T0, 300, Array<number>(12).fill(100)), ...trace(T0 + 2 * HOUR, 300, Array<number>(12).fill(100))];
    const m = cgmMetrics(readings, { from: T0, to: T0 + 4 * HOUR - 1 });
    expect(m.devices[0]!.intervalSeconds).toBe(300);
    expect(m.activeMinutes).toBe(120);
    expect(m.activePercent).toBe(50);
  });

  it('two devices merged: each its own interval', () => {
    // cgm-a: 12 readings of 100 every 5 min from T0; cgm-b: 30 of 200 every minute from T0 + 1 h.
    // Active 12 × 300 + 30 × 60 = 3600 + 1800 = 5400 s = 90 min of 120 = 75 %.
    const readings = [...trace(T0 + HOUR, 60, Array<number>(30).fill(200), 'cgm-b'), ...trace(T0, 300, Array<number>(12).fill(100))];
    const m = cgmMetrics(readings, { from: T0, to: T0 + 2 * HOUR - 1 });
    expect(m.readings).toBe(42);
    expect(m.devices).toEqual([
      { device: 'cgm-a', readings: 12, intervalSeconds: 300 },
      { device: 'cgm-b', readings: 30, intervalSeconds: 60 },
    ]);
    expect(m.activeMinutes).toBe(90);
    expect(m.activePercent).toBe(75);
    // Mean (12 × 100 + 30 × 200) / 42 = 7200 / 42 = 171.4286; in range 12 / 42 = 28.571 %, high 30 / 42 = 71.429 %.
    expect(m.mean).toBeCloseTo(171.428571, 5);
    expect(m.timeInRanges!.inRange).toBeCloseTo(28.571429, 5);
    expect(m.timeInRanges!.high).toBeCloseTo(71.428571, 5);
  });

  it('caps active time at the period (two sensors worn together)', () => {
    // Two devices, 12 readings each every 5 min for 1 h: 2 × 60 min = 120 min, capped at 60: 100 %.
    const readings = [...trace(T0, 300, Array<number>(12).fill(100)), ...trace(T0 + 30, 300, Array<number>(12).fill(100), 'cgm-b')];
    const m = cgmMetrics(readings, { from: T0, to: T0 + HOUR - 1 });
    expect(m.activeMinutes).toBe(60);
    expect(m.activePercent).toBe(100);
  });

  it('ignores readings outside the period; no readings, no statistics; one reading, the default interval', () => {
    const readings = trace(T0, 300, [100, 100, 100]);
    const empty = cgmMetrics(readings, { from: T0 + HOUR, to: T0 + 2 * HOUR - 1 });
    expect(empty).toMatchObject({ readings: 0, activePercent: 0, mean: null, sd: null, cv: null, gmiPercent: null, timeInRanges: null });
    // The period T0 + 300 … T0 + 599 holds one reading: the default 300 s → 5 of 5 min.
    const one = cgmMetrics(readings, { from: T0 + 300, to: T0 + 599 });
    expect(one).toMatchObject({ readings: 1, activeMinutes: 5, activePercent: 100, mean: 100, sd: null, cv: null });
    expect(cgmMetrics(readings, { from: T0 + 300, to: T0 + 599 }, { defaultIntervalSeconds: 60 }).activeMinutes).toBe(1);
    expect(() => cgmMetrics(readings, { from: T0, to: T0 - 1 })).toThrow(RangeError);
  });
});

describe('hypoEvents', () => {
  // A 5-minute sensor (interval 300 s: every gap is 5 min but one of 15):
  //   0–25 min 100; 30, 35, 40: 65; 45: 50, 50: 45, 55: 50, 60: 52; 65: 60, 70: 65; 75–115: 80;
  //   120, 125: 60 (10 min: too short); 130–195: 100;
  //   200, 205: 60, a 15-min gap (> 2 × 5 min), 220, 225: 60 (10 min each side: no event); 230–260: 100.
  const readings = atMinutes([
    ...run(0, 6, 100), ...run(30, 3, 65), [45, 50], [50, 45], [55, 50], [60, 52], [65, 60], [70, 65],
    ...run(75, 9, 80), ...run(120, 2, 60), ...run(130, 14, 100), ...run(200, 2, 60), ...run(220, 2, 60), ...run(230, 7, 100),
  ]);
  const period = { from: T0, to: T0 + 6 * HOUR - 1 };

  it('a level 2 event inside a level 1 event; one too short; one broken by a gap', () => {
    expect(readings).toHaveLength(6 + 3 + 6 + 9 + 2 + 14 + 2 + 2 + 7);
    expect(hypoEvents(readings, period)).toEqual([
      // < 70 from 30 min to the last low reading (70 min) + 5 = 75 min: 45 min; then 80 for ≥ 15 min.
      { level: 1, start: T0 + 30 * MIN, end: T0 + 75 * MIN, minutes: 45, nadir: 45, nadirTime: T0 + 50 * MIN, endReason: 'recovered' },
      // < 54 from 45 min to 60 + 5 = 65 min: 20 min; 60 and 65 are ≥ 54, and so on for ≥ 15 min.
      { level: 2, start: T0 + 45 * MIN, end: T0 + 65 * MIN, minutes: 20, nadir: 45, nadirTime: T0 + 50 * MIN, endReason: 'recovered' },
    ]);
    expect(cgmMetrics(readings, period).hypoEvents).toEqual(hypoEvents(readings, period));
  });

  it('without the gap, the last run would be an event (200–225 min: 30 min below 70)', () => {
    const filled = [...readings, ...atMinutes([[210, 60], [215, 60]])];
    const events = hypoEvents(filled, period);
    expect(events).toHaveLength(3);
    expect(events[2]).toMatchObject({ level: 1, start: T0 + 200 * MIN, end: T0 + 230 * MIN, minutes: 30 });
  });

  it('a 1-minute sensor: 15 readings below are 15 minutes, 14 are not', () => {
    // 15 × 65 then 15 × 100: below from 0 to 14 min + 1 = 15 min; 15 min at 100 end it.
    const fifteen = trace(T0, 60, [...Array<number>(15).fill(65), ...Array<number>(15).fill(100)]);
    expect(hypoEvents(fifteen, period)).toEqual([
      { level: 1, start: T0, end: T0 + 15 * MIN, minutes: 15, nadir: 65, nadirTime: T0, endReason: 'recovered' },
    ]);
    const fourteen = trace(T0, 60, [...Array<number>(14).fill(65), ...Array<number>(16).fill(100)]);
    expect(hypoEvents(fourteen, period)).toEqual([]);
  });

  it('a short rise does not end an event; a gap or the end of the data does', () => {
    // 0, 5, 10: 60 (15 min: an event); 15, 20: 80 (10 min: not a recovery); 25: 62; 30–40: 90 (15 min):
    // the event ends at 25 + 5 = 30 min. 45–55: 60, then a 25-min gap: ends at 55 + 5 = 60 min ('gap').
    // 80–90: 100; 95–105: 66: an event ending with the data at 105 + 5 = 110 min.
    const rs = atMinutes([
      ...run(0, 3, 60), ...run(15, 2, 80), [25, 62], ...run(30, 3, 90), ...run(45, 3, 60), ...run(80, 3, 100), ...run(95, 3, 66),
    ]);
    expect(hypoEvents(rs, period)).toEqual([
      { level: 1, start: T0, end: T0 + 30 * MIN, minutes: 30, nadir: 60, nadirTime: T0, endReason: 'recovered' },
      { level: 1, start: T0 + 45 * MIN, end: T0 + 60 * MIN, minutes: 15, nadir: 60, nadirTime: T0 + 45 * MIN, endReason: 'gap' },
      { level: 1, start: T0 + 95 * MIN, end: T0 + 110 * MIN, minutes: 15, nadir: 66, nadirTime: T0 + 95 * MIN, endReason: 'end_of_data' },
    ]);
  });
});

describe('agp', () => {
  const day = 86_400;
  const period = { from: T0, to: T0 + 7 * day - 1 };

  it('type 7 percentiles per 15-minute bin; fewer than 5 readings, null', () => {
    // Bin 0 (00:00–00:14:59): 120, 100, 200 (day 1), 110 at 00:14:59 (day 2), 130 (day 3).
    // Sorted 100, 110, 120, 130, 200; h = 4p:
    //   p5: h 0.2 → 100 + 0.2 × 10 = 102; p25: h 1 → 110; p50: h 2 → 120; p75: h 3 → 130;
    //   p95: h 3.8 → 130 + 0.8 × 70 = 186.
    // Bin 1 (00:15–00:29:59): 60, 80, 100, 180: 4 readings.
    const readings: GlucoseReading[] = [
      { time: T0, mgdl: 120 }, { time: T0 + 300, mgdl: 100 }, { time: T0 + 600, mgdl: 200 },
      { time: T0 + day + 899, mgdl: 110 }, { time: T0 + 2 * day, mgdl: 130 },
      { time: T0 + 900, mgdl: 60 }, { time: T0 + day + 900, mgdl: 80 }, { time: T0 + 2 * day + 1000, mgdl: 100 },
      { time: T0 + 3 * day + 1799, mgdl: 180 },
    ];
    const a = agp(readings, period);
    expect(a.bins).toHaveLength(96);
    expect(a.bins[0]!.count).toBe(5);
    const p = a.bins[0]!.percentiles!;
    expect(p.p5).toBeCloseTo(102, 10);
    expect([p.p25, p.p50, p.p75]).toEqual([110, 120, 130]);
    expect(p.p95).toBeCloseTo(186, 10);
    expect(a.bins[1]).toEqual({ startMinute: 15, count: 4, percentiles: null });
    expect(a.bins[2]).toEqual({ startMinute: 30, count: 0, percentiles: null });
    // With 4 allowed, bin 1: sorted 60, 80, 100, 180; h = 3p:
    //   p5: h 0.15 → 60 + 0.15 × 20 = 63; p25: h 0.75 → 60 + 0.75 × 20 = 75; p50: h 1.5 → 80 + 0.5 × 20 = 90;
    //   p75: h 2.25 → 100 + 0.25 × 80 = 120; p95: h 2.85 → 100 + 0.85 × 80 = 168.
    const q = agp(readings, period, { minReadings: 4 }).bins[1]!.percentiles!;
    expect([q.p5, q.p25, q.p50, q.p75, q.p95].map((v) => roundTo(v, 9))).toEqual([63, 75, 90, 120, 168]);
  });

  it('other bin widths; a width that does not divide the day is refused', () => {
    const a = agp([{ time: T0 + 90 * MIN, mgdl: 100 }], period, { binMinutes: 60, minReadings: 1 });
    expect(a.bins).toHaveLength(24);
    expect(a.bins[1]).toEqual({ startMinute: 60, count: 1, percentiles: { p5: 100, p25: 100, p50: 100, p75: 100, p95: 100 } });
    expect(() => agp([], period, { binMinutes: 7 })).toThrow(RangeError);
  });

  it('bins by local time of day in the time zone', () => {
    const bin = (t: number, timeZone?: string) =>
      agp([{ time: t, mgdl: 100 }], { from: t, to: t }, { timeZone, minReadings: 1 }).bins.findIndex((b) => b.count === 1);
    const winter = Date.UTC(2026, 0, 15, 23, 30) / 1000;
    expect(bin(winter)).toBe(94); // 23:30 UTC: 23 × 4 + 2
    expect(bin(winter, 'Europe/Amsterdam')).toBe(2); // 00:30 CET (UTC+1)
    expect(minuteOfDay(winter, 'Europe/Amsterdam')).toBe(30);
    expect(bin(Date.UTC(2026, 6, 15, 23, 30) / 1000, 'Europe/Amsterdam')).toBe(6); // 01:30 CEST (UTC+2)
    // 2026-03-29: clocks go from 02:00 CET to 03:00 CEST at 01:00 UTC.
    expect(bin(Date.UTC(2026, 2, 29, 0, 59, 59) / 1000, 'Europe/Amsterdam')).toBe(7); // 01:59:59 CET
    expect(bin(Date.UTC(2026, 2, 29, 1, 0, 0) / 1000, 'Europe/Amsterdam')).toBe(12); // 03:00 CEST
    // 2026-10-25: clocks go back from 03:00 CEST to 02:00 CET at 01:00 UTC.
    expect(bin(Date.UTC(2026, 9, 25, 0, 59, 59) / 1000, 'Europe/Amsterdam')).toBe(11); // 02:59:59 CEST
    expect(bin(Date.UTC(2026, 9, 25, 1, 0, 0) / 1000, 'Europe/Amsterdam')).toBe(8); // 02:00 CET
    expect(bin(T0, 'Asia/Kathmandu')).toBe(23); // 05:45 (UTC+5:45)
    // A change of offset inside a 15-minute UTC slot: Liberia went from UTC−0:44:30 to UTC at
    // 1972-01-07 00:00 local, i.e. 00:44:30 UTC (tz database).
    expect(minuteOfDay(Date.UTC(1972, 0, 7, 0, 44, 29) / 1000, 'Africa/Monrovia')).toBe(1439); // 23:59:59 on the 6th
    expect(minuteOfDay(Date.UTC(1972, 0, 7, 0, 44, 30) / 1000, 'Africa/Monrovia')).toBe(44); // 00:44:30
    expect(() => bin(T0, 'Mars/Olympus_Mons')).toThrow(RangeError);
  });
});

describe('dailyProfiles', () => {
  // 15 Jan 10:00Z 100, 12:00Z 200, 23:30Z 60; 16 Jan 10:00Z 150.
  const readings: GlucoseReading[] = [
    { time: T0 + 10 * HOUR, mgdl: 100 }, { time: T0 + 12 * HOUR, mgdl: 200 },
    { time: T0 + 23.5 * HOUR, mgdl: 60 }, { time: T0 + 34 * HOUR, mgdl: 150 },
  ];
  const period = { from: T0, to: T0 + 3 * 86_400 - 1 };

  it('per UTC day: mean and time in range, days without readings included', () => {
    // 15th: 100, 200, 60: mean 120, in range 1 of 3 = 33.33 %; 16th: 150; 17th: none.
    const days = dailyProfiles(readings, period);
    expect(days.map((d) => [d.date, d.readings.length, d.mean, d.tir])).toEqual([
      ['2026-01-15', 3, 120, 100 / 3], ['2026-01-16', 1, 150, 100], ['2026-01-17', 0, null, null],
    ]);
    expect(days[0]!.timeInRanges).toEqual({ veryLow: 0, low: 100 / 3, inRange: 100 / 3, high: 100 / 3, veryHigh: 0 });
  });

  it('per local day in Europe/Amsterdam', () => {
    // Local (UTC+1): the period runs from 15 Jan 01:00 to 18 Jan 00:59:59; 23:30Z is 16 Jan 00:30.
    // 15th: 100, 200: mean 150, 50 %; 16th: 60, 150: mean 105, 50 %; 17th and 18th: none.
    const days = dailyProfiles(readings, period, { timeZone: 'Europe/Amsterdam' });
    expect(days.map((d) => [d.date, d.readings.map((r) => r.mgdl), d.mean, d.tir])).toEqual([
      ['2026-01-15', [100, 200], 150, 50], ['2026-01-16', [60, 150], 105, 50], ['2026-01-17', [], null, null], ['2026-01-18', [], null, null],
    ]);
    expect(localDate(T0 + 23.5 * HOUR, 'Europe/Amsterdam')).toBe('2026-01-16');
  });
});

describe('downsample', () => {
  it('keeps the lowest and highest point of each bucket, in time order', () => {
    // maxPoints 4: 2 buckets of 5. Bucket 0: 100, 50, 120, 130, 40 → max 130 (#3), min 40 (#4);
    // bucket 1: 140, 90, 95, 200, 60 → max 200 (#8), min 60 (#9).
    const points = trace(T0, 300, [100, 50, 120, 130, 40, 140, 90, 95, 200, 60]);
    expect(downsample(points, 4)).toEqual([points[3], points[4], points[8], points[9]]);
    expect(downsample(points, 5)).toHaveLength(4); // ⌊5 / 2⌋ = 2 buckets
    expect(downsample(points, 10)).toEqual(points);
    expect(() => downsample(points, 1)).toThrow(RangeError);
  });

  it('never hides a low', () => {
    // 1000 points at 100 but #537 at 40; maxPoints 100: 50 buckets of 20. 49 flat buckets keep one
    // point each; the one holding #537 (#520–#539) keeps #520 (its first highest) and #537: 51 points.
    const values = Array<number>(1000).fill(100);
    values[537] = 40;
    const points = trace(T0, 60, values);
    const out = downsample(points, 100);
    expect(out).toHaveLength(51);
    expect(out).toContain(points[537]);
    expect(out.filter((p) => p.time >= points[520]!.time && p.time <= points[539]!.time)).toEqual([points[520], points[537]]);
  });
});

describe('formatCgmMetrics', () => {
  it('rounds each output in mg/dL or mmol/L', () => {
    const m = cgmMetrics(trace(T0, 300, [100, 120, 140, 160, 180]), { from: T0, to: T0 + 2999 });
    // mean 140 mg/dL = 7.7709 mmol/L → 7.8; SD 31.6228 → 32 mg/dL, 31.6228 / 18.016 = 1.7553 → 1.8 mmol/L;
    // CV 22.5877 → 22.6; GMI 6.6588 → 6.7 %, 49.2787 → 49 mmol/mol.
    expect(formatCgmMetrics(m, 'mg/dL')).toMatchObject({
      units: 'mg/dL', readings: 5, activePercent: 50, mean: 140, sd: 32, cv: 22.6, gmiPercent: 6.7, gmiMmolMol: 49,
      thresholds: { veryLow: 54, low: 70, high: 180, veryHigh: 250 },
      minutesPerDay: { veryLow: 0, low: 0, inRange: 1440, high: 0, veryHigh: 0 },
    });
    expect(formatCgmMetrics(m, 'mmol/L')).toMatchObject({
      units: 'mmol/L', mean: 7.8, sd: 1.8, cv: 22.6, gmiPercent: 6.7, gmiMmolMol: 49,
      thresholds: { veryLow: 3.0, low: 3.9, high: 10.0, veryHigh: 13.9 },
    });
  });

  it('percentages to one decimal, minutes and events whole', () => {
    // Of 3 readings (100, 60, 200): 33.333 % each → 33.3; 480 min a day each.
    // 65, 65, 65 (5-min) then 100 × 3: a 15-min event, nadir 65 mg/dL = 3.6079 mmol/L → 3.6.
    const m = cgmMetrics(trace(T0, 300, [100, 60, 200]), { from: T0, to: T0 + 899 });
    const f = formatCgmMetrics(m, 'mg/dL');
    expect(f.timeInRanges).toEqual({ veryLow: 0, low: 33.3, inRange: 33.3, high: 33.3, veryHigh: 0 });
    expect(f.minutesPerDay).toEqual({ veryLow: 0, low: 480, inRange: 480, high: 480, veryHigh: 0 });
    const hypo = cgmMetrics(trace(T0, 300, [65, 65, 65, 100, 100, 100]), { from: T0, to: T0 + HOUR - 1 });
    expect(formatCgmMetrics(hypo, 'mmol/L').hypoEvents).toEqual([
      { level: 1, start: T0, end: T0 + 900, minutes: 15, nadir: 3.6, nadirTime: T0, endReason: 'recovered' },
    ]);
  });
});
