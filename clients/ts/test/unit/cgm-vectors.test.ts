// docs/vectors/cgm-metrics.json: readings and, per case, what the relayer's Rust metrics
// (packages/relayer-types/src/cgm.rs, `summarize`) answered for them — the numbers of
// `GET …/summary`. src/cgm.ts must give the very same doubles (compared exactly), so that a
// summary served by the relayer and a report computed in the browser never disagree.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

import {
  cgmMetrics, cgmMetricsFromSummary, dailyCgmMetrics, glucoseReadings, offsetDays, type CgmMetrics, type GlucoseMetrics, type ReadingJson,
} from '../../src/index.js';

const FILE = fileURLToPath(new URL('../../../../docs/vectors/cgm-metrics.json', import.meta.url));

interface Case {
  name: string;
  from: number;
  to: number;
  utc_offset_minutes: number;
  selection: { used: number };
  metrics: GlucoseMetrics;
  days: { date: string; metrics: GlucoseMetrics }[];
}

const vectors = JSON.parse(readFileSync(FILE, 'utf8')) as { readings: ReadingJson[]; cases: Case[] };

/** `m` as the relayer writes it (snake_case). */
function wire(m: CgmMetrics): unknown {
  const ranges = (r: CgmMetrics['timeInRanges']) =>
    r && { very_low: r.veryLow, low: r.low, in_range: r.inRange, high: r.high, very_high: r.veryHigh };
  return {
    from: m.period.from,
    to: m.period.to,
    period_minutes: m.periodMinutes,
    readings: m.readings,
    devices: m.devices.map((d) => ({ device: d.device, readings: d.readings, interval_seconds: d.intervalSeconds })),
    active_minutes: m.activeMinutes,
    active_percent: m.activePercent,
    mean: m.mean,
    sd: m.sd,
    cv: m.cv,
    gmi_percent: m.gmiPercent,
    gmi_mmol_mol: m.gmiMmolMol,
    time_in_ranges: ranges(m.timeInRanges),
    minutes_per_day: ranges(m.minutesPerDay),
    hypo_events: m.hypoEvents.map((e) => ({
      level: e.level, start: e.start, end: e.end, minutes: e.minutes, nadir: e.nadir, nadir_time: e.nadirTime, end_reason: e.endReason,
    })),
  };
}

describe('docs/vectors/cgm-metrics.json (the relayer\'s summary metrics)', () => {
  const glucose = glucoseReadings(vectors.readings);

  it('holds enough to compare: two devices, hypoglycaemic events, several offsets', () => {
    expect(vectors.cases.length).toBeGreaterThanOrEqual(5);
    expect(new Set(glucose.map((r) => r.device)).size).toBe(2);
    expect(new Set(vectors.cases.map((c) => c.utc_offset_minutes)).size).toBeGreaterThanOrEqual(5);
  });

  for (const c of vectors.cases) {
    it(`${c.name}: the same numbers as the relayer`, () => {
      const period = { from: c.from, to: c.to };
      const m = cgmMetrics(glucose, period);
      expect(m.readings).toBe(c.selection.used);
      expect(wire(m)).toEqual(c.metrics);
      const days = dailyCgmMetrics(glucose, period, { utcOffsetMinutes: c.utc_offset_minutes });
      expect(days.map((d) => ({ date: d.date, metrics: wire(d.metrics) }))).toEqual(c.days);
      // And the served metrics read back as cgm.ts's own.
      expect(cgmMetricsFromSummary(c.metrics)).toEqual(m);
      expect(c.days.map((d) => cgmMetricsFromSummary(d.metrics))).toEqual(days.map((d) => d.metrics));
    });
  }

  it('cuts days at the offset\'s midnight, the first and last to the period', () => {
    // 2026-01-15T00:00Z − 1 h … + 1 h at UTC+1: 00:00–00:59:59 … 01:00–02:00 local: one day, the 15th;
    // at UTC: the 14th's last hour and the 15th's first.
    const t0 = Date.UTC(2026, 0, 15) / 1000;
    expect(offsetDays({ from: t0 - 3600, to: t0 + 3599 }, 60)).toEqual([{ date: '2026-01-15', from: t0 - 3600, to: t0 + 3599 }]);
    expect(offsetDays({ from: t0 - 3600, to: t0 + 3599 })).toEqual([
      { date: '2026-01-14', from: t0 - 3600, to: t0 - 1 },
      { date: '2026-01-15', from: t0, to: t0 + 3599 },
    ]);
    expect(offsetDays({ from: 0, to: 3600 }, -840)).toEqual([{ date: '1969-12-31', from: 0, to: 3600 }]);
    expect(() => offsetDays({ from: t0, to: t0 }, 841)).toThrow(RangeError);
    expect(() => offsetDays({ from: t0, to: t0 }, 1.5)).toThrow(RangeError);
    expect(() => offsetDays({ from: 0, to: 400 * 86_400 })).toThrow(RangeError);
  });
});
