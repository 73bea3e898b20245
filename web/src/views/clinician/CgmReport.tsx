// The clinician's CGM report over the loaded period, after the international consensus on time in
// range (Battelino et al., Diabetes Care 2019) and the AGP report: time in ranges, mean, GMI, CV,
// % time CGM active, the AGP, hypoglycaemic events and daily profiles — every number computed by
// @diachain/client's cgm.ts from the readings that VERIFIED against the chain in this browser.
// Failed readings are left out (and listed by the verification summary and the failed table);
// readings not anchored yet are left out too and counted, so the report only states what the
// chain vouches for (load again once they are anchored).
import {
  agp, cgmMetrics, dailyProfiles, downsample, formatCgmMetrics, formatGlucose, glucoseReadings, localDate,
  minuteOfDay, roundTo, toMmol, type DailyProfile, type GlucoseReading, type GlucoseUnits,
} from "@diachain/client";
import { useMemo, useState } from "react";
import { Area, CartesianGrid, ComposedChart, Line, ReferenceArea, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { MiniTir, TirBar } from "../../components/TirBar";
import type { ReadingsResponse } from "../../lib/relayer";
import { useTimeZone } from "../../lib/timezone";
import { useUnits } from "../../lib/units";
import type { CheckedReading } from "../../lib/verify";

const inUnits = (mgdl: number, units: GlucoseUnits) => (units === "mg/dL" ? mgdl : toMmol(mgdl));
const hhmm = (minute: number) => `${String(Math.floor(minute / 60) % 24).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;
/** A moment as YYYY-MM-DD HH:MM in the chosen time zone (the zone the AGP and days use). */
const localTime = (t: number, zone: string) => `${localDate(t, zone)} ${hhmm(minuteOfDay(t, zone))}`;
const num = (v: number | null, suffix = "") => (v === null ? "—" : `${v}${suffix}`);

export function CgmReport({ answer, checked }: { answer: ReadingsResponse; checked: CheckedReading[] }) {
  const [units, setUnits] = useUnits();
  const zone = useTimeZone();
  const [showRoots, setShowRoots] = useState(false);
  const period = useMemo(() => ({ from: answer.from, to: answer.to }), [answer]);
  // One merged trace of every device, or one device's (a second sensor worn at once would
  // otherwise count the same minutes twice).
  const devices = useMemo(() => [...new Set(checked.map((c) => c.batch.header.device_id))].sort(), [checked]);
  const [device, setDevice] = useState<string>("all");
  const verified = useMemo(
    () => checked.filter((c) => c.verdict.state === "verified" && (device === "all" || c.batch.header.device_id === device)),
    [checked, device],
  );
  const ofDevice = (c: CheckedReading) => device === "all" || c.batch.header.device_id === device;
  const pending = checked.filter((c) => c.verdict.state === "pending" && ofDevice(c)).length;
  const failed = checked.filter((c) => c.verdict.state === "failed" && ofDevice(c)).length;
  const readings = useMemo(() => glucoseReadings(verified.map((c) => c.served)), [verified]);
  const metrics = useMemo(() => cgmMetrics(readings, period), [readings, period]);
  const profile = useMemo(() => agp(readings, period, { timeZone: zone }), [readings, period, zone]);
  const days = useMemo(() => dailyProfiles(readings, period, { timeZone: zone }), [readings, period, zone]);
  const f = formatCgmMetrics(metrics, units);
  const u = units;

  // The roots the verified readings were checked against: one per anchored batch.
  const roots = useMemo(() => {
    const byBatch = new Map<number, { batch: CheckedReading["batch"]; height: number; n: number }>();
    for (const c of verified) {
      if (c.verdict.state !== "verified") continue;
      const e = byBatch.get(c.batch.batch_id) ?? { batch: c.batch, height: c.verdict.height, n: 0 };
      e.n += 1;
      byBatch.set(c.batch.batch_id, e);
    }
    return [...byBatch.values()].sort((a, b) => a.height - b.height || a.batch.batch_id - b.batch.batch_id);
  }, [verified]);
  const heights = roots.map((r) => r.height);

  return (
    <section aria-labelledby="report-h" className="cgm-report" data-testid="cgm-report" data-zone={zone} data-from={period.from} data-to={period.to}
      data-units={u} data-readings={metrics.readings} data-excluded-pending={pending} data-excluded-failed={failed}>
      <div className="row">
        <h2 id="report-h">CGM report, {localTime(period.from, zone)} – {localTime(period.to, zone)} <span className="small">({zone})</span></h2>
        <span role="group" aria-label="Units" className="no-print">
          {(["mg/dL", "mmol/L"] as const).map((x) => (
            <button key={x} type="button" aria-pressed={u === x} onClick={() => setUnits(x)} data-testid={`report-units-${x === "mg/dL" ? "mgdl" : "mmol"}`}>{x}</button>
          ))}
        </span>
        {devices.length > 1 ? (
          <label className="no-print">Device{" "}
            <select value={device} onChange={(e) => setDevice(e.target.value)} data-testid="report-device">
              <option value="all">all {devices.length}, merged</option>
              {devices.map((d) => <option key={d} value={d}>{d}</option>)}
            </select>
          </label>
        ) : null}
        <button type="button" className="no-print" onClick={() => window.print()} data-testid="report-print-button">Print report</button>
      </div>
      {device !== "all" ? <p className="small" data-testid="report-device-shown">Device <code>{device}</code> only.</p> : null}

      <div className="report-provenance" data-testid="report-print" data-chain-id={answer.chain_id} data-anchors={answer.anchors_contract}
        data-verified={verified.length} data-roots={roots.length}>
        Computed from the <strong>{verified.length}</strong> readings verified in this browser against{" "}
        <strong>{roots.length}</strong> Merkle root{roots.length === 1 ? "" : "s"}
        {heights.length ? <> anchored at heights {Math.min(...heights)}–{Math.max(...heights)}</> : null} by the anchors contract{" "}
        <code>{answer.anchors_contract}</code> on chain <code>{answer.chain_id}</code>.
        {failed ? <> {failed} reading(s) failed verification and are left out (listed above).</> : null}
        {pending ? <> {pending} reading(s) not anchored yet are left out: load again once they are anchored.</> : null}{" "}
        <button type="button" className="link no-print" onClick={() => setShowRoots((s) => !s)} aria-expanded={showRoots}>
          {showRoots ? "Hide" : "Show"} the roots
        </button>
        <div className={`roots-list${showRoots ? " open" : ""}`}>
          <table className="compact stack">
            <thead><tr><th>Batch</th><th>Device</th><th>Seq</th><th>Root (base64)</th><th>Anchored at</th><th>Readings</th></tr></thead>
            <tbody>
              {roots.map((r) => (
                <tr key={r.batch.batch_id}>
                  <td data-label="Batch">{r.batch.batch_id}</td><td data-label="Device"><code>{r.batch.header.device_id}</code></td>
                  <td data-label="Seq">{r.batch.header.first_seq}–{r.batch.header.last_seq}</td>
                  <td data-label="Root"><code className="root">{r.batch.header.root}</code></td><td data-label="Anchored at">{r.height}</td><td data-label="Readings">{r.n}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>

      {metrics.readings === 0 ? (
        <p className="empty" data-testid="report-empty">No verified glucose readings in this period: nothing to report.</p>
      ) : (
        <>
          <div className="report-grid">
            <div>
              <h3>Time in ranges</h3>
              <TirBar tir={metrics.timeInRanges} shown={f.timeInRanges} minutes={f.minutesPerDay} units={u} />
            </div>
            <div>
              <h3>Glucose statistics</h3>
              <table className="metrics">
                <tbody>
                  <Metric id="metric-mean" name="Mean glucose" value={f.mean} text={num(f.mean, ` ${u}`)} />
                  <Metric id="metric-gmi" name="Glucose management indicator (GMI)" value={f.gmiPercent}
                    text={`${num(f.gmiPercent, " %")} (${num(f.gmiMmolMol, " mmol/mol")})`} extra={{ "data-mmol-mol": f.gmiMmolMol ?? "" }} />
                  <Metric id="metric-cv" name="Glucose variability (CV)" value={f.cv} text={num(f.cv, " %")} />
                  <Metric id="metric-sd" name="Standard deviation (SD)" value={f.sd} text={num(f.sd, ` ${u}`)} />
                  <Metric id="metric-active" name="% time CGM active" value={f.activePercent} text={`${f.activePercent} %`} />
                  <Metric id="metric-readings" name="Readings" value={f.readings} text={String(f.readings)} />
                </tbody>
              </table>
              {metrics.activePercent < 70 || metrics.periodMinutes < 14 * 1440 ? (
                <p className="small" data-testid="report-caveat">The consensus asks for 14 days with at least 70 % CGM active for these metrics
                  (here {roundTo(metrics.periodMinutes / 1440, 1)} days, {f.activePercent} % active).</p>
              ) : null}
            </div>
          </div>
          <AgpChart profile={profile} units={u} thresholds={f.thresholds} />
          <HypoEvents events={f.hypoEvents} units={u} zone={zone} />
          <DailyProfiles days={days} units={u} zone={zone} />
        </>
      )}
    </section>
  );
}

function Metric(props: { id: string; name: string; value: number | null; text: string; extra?: Record<string, string | number> }) {
  return (
    <tr data-testid={props.id} data-value={props.value ?? ""} {...props.extra}>
      <th scope="row">{props.name}</th>
      <td>{props.text}</td>
    </tr>
  );
}

/** The AGP: median, 25–75 and 5–95 % bands per 15 minutes of the day, target range shaded. */
function AgpChart({ profile, units, thresholds }: {
  profile: ReturnType<typeof agp>; units: GlucoseUnits; thresholds: { low: number; high: number };
}) {
  const v = (x: number) => inUnits(x, units);
  const data = profile.bins.map((b) => {
    const p = b.percentiles;
    return {
      m: b.startMinute + profile.binMinutes / 2,
      outer: p ? [v(p.p5), v(p.p95)] : null,
      inner: p ? [v(p.p25), v(p.p75)] : null,
      median: p ? v(p.p50) : null,
      count: b.count,
    };
  });
  const withData = profile.bins.filter((b) => b.percentiles).length;
  const max = units === "mg/dL" ? 350 : 19.4;
  return (
    <figure className="chart agp" data-testid="agp-chart" data-bins={withData} aria-describedby="agp-table"
      aria-label={`Ambulatory glucose profile over 24 hours in ${units} (${profile.timeZone}): median, 25–75 and 5–95 percentiles per ${profile.binMinutes} minutes; ${withData} of ${profile.bins.length} bins hold enough readings`}>
      <h3>Ambulatory glucose profile (AGP)</h3>
      <ResponsiveContainer width="100%" height={300}>
        <ComposedChart data={data} margin={{ top: 24, right: 20, bottom: 10, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <ReferenceArea y1={thresholds.low} y2={thresholds.high} fill="#dafbe1" fillOpacity={0.6} />
          <XAxis dataKey="m" type="number" domain={[0, 1440]} ticks={[0, 180, 360, 540, 720, 900, 1080, 1260, 1440]} tickFormatter={hhmm} />
          <YAxis domain={[0, (m: number) => Math.max(max, m)]} width={48} allowDataOverflow={false}
            label={{ value: units, position: "top", offset: 10 }} />
          <Tooltip labelFormatter={(m) => hhmm(Math.floor(Number(m)))}
            formatter={(val, name) => [Array.isArray(val) ? val.map((x) => roundTo(Number(x), units === "mg/dL" ? 0 : 1)).join("–") : roundTo(Number(val), units === "mg/dL" ? 0 : 1), name]} />
          <Area dataKey="outer" name="5–95 %" stroke="none" fill="#9ecbf0" fillOpacity={0.5} isAnimationActive={false} connectNulls={false} />
          <Area dataKey="inner" name="25–75 %" stroke="none" fill="#3b82c4" fillOpacity={0.55} isAnimationActive={false} connectNulls={false} />
          <Line dataKey="median" name="median" stroke="#0b3d6e" strokeWidth={2} dot={false} isAnimationActive={false} connectNulls={false} />
        </ComposedChart>
      </ResponsiveContainer>
      <figcaption className="small">
        Median (line), 25–75 % (dark band) and 5–95 % (light band) of the verified readings by time of day in {profile.timeZone};
        shaded: target {thresholds.low}–{thresholds.high} {units}. Bins with fewer than {profile.minReadings} readings are left blank.
      </figcaption>
      <AgpTable profile={profile} units={units} />
    </figure>
  );
}

/** The AGP's numbers, for those who cannot see the chart (and for print): each bin's percentiles. */
function AgpTable({ profile, units }: { profile: ReturnType<typeof agp>; units: GlucoseUnits }) {
  const n = (x: number) => roundTo(inUnits(x, units), units === "mg/dL" ? 0 : 1);
  return (
    // (hidden by its wrapper: a table is as wide as its columns whatever width it is given)
    <div className="visually-hidden">
      <table id="agp-table" data-testid="agp-table">
        <caption>AGP percentiles by time of day ({profile.timeZone}), in {units}</caption>
        <thead><tr><th scope="col">Time of day</th><th scope="col">Readings</th><th scope="col">5 %</th><th scope="col">25 %</th>
          <th scope="col">Median</th><th scope="col">75 %</th><th scope="col">95 %</th></tr></thead>
        <tbody>
          {profile.bins.map((b) => {
            const p = b.percentiles;
            return (
              <tr key={b.startMinute} data-median={p ? n(p.p50) : undefined}>
                <th scope="row">{hhmm(b.startMinute)}–{hhmm(b.startMinute + profile.binMinutes)}</th>
                <td>{b.count}</td>
                {p ? [p.p5, p.p25, p.p50, p.p75, p.p95].map((x, i) => <td key={i}>{n(x)}</td>) : <td colSpan={5}>too few readings</td>}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function HypoEvents({ events, units, zone }: { events: ReturnType<typeof formatCgmMetrics>["hypoEvents"]; units: GlucoseUnits; zone: string }) {
  return (
    <div data-testid="hypo-events" data-count={events.length}>
      <h3>Hypoglycaemic events</h3>
      {events.length === 0 ? <p className="small">None in this period (level 1: &lt; {units === "mg/dL" ? "70 mg/dL" : "3.9 mmol/L"} for 15 minutes or more).</p> : (
        <table className="compact stack">
          <thead><tr><th>Start ({zone})</th><th>Duration</th><th>Nadir</th><th>Level</th><th>Ended</th></tr></thead>
          <tbody>
            {events.map((e) => (
              <tr key={`${e.level}/${e.start}`} data-testid="hypo-event" data-level={e.level} data-start={e.start}>
                <td data-label="Start">{localTime(e.start, zone)}</td>
                <td data-label="Duration">{e.minutes} min</td>
                <td data-label="Nadir">{e.nadir} {units} <span className="small">at {hhmm(minuteOfDay(e.nadirTime, zone))}</span></td>
                <td data-label="Level">{e.level === 2 ? "2 (< 54 mg/dL)" : "1 (< 70 mg/dL)"}</td>
                <td data-label="Ended" className="small">{e.endReason === "recovered" ? "recovered" : e.endReason === "gap" ? "data gap" : "end of data"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** One row a day: its readings, mean, TIR, the ranges as a thin bar and a sparkline. */
function DailyProfiles({ days, units, zone }: { days: DailyProfile[]; units: GlucoseUnits; zone: string }) {
  return (
    <div data-testid="daily-profiles">
      <h3>Daily profiles</h3>
      <table className="compact daily stack">
        <thead><tr><th>Date</th><th>Readings</th><th>Mean</th><th>In range</th><th>Ranges</th><th>Glucose over the day</th></tr></thead>
        <tbody>
          {days.map((d) => (
            <tr key={d.date} data-testid="daily-profile" data-date={d.date} data-readings={d.readings.length}
              data-tir={d.tir === null ? "" : roundTo(d.tir, 1)}>
              <td data-label="Date">{d.date}</td>
              <td data-label="Readings">{d.readings.length}</td>
              <td data-label="Mean">{d.mean === null ? "—" : formatGlucose(d.mean, units)}</td>
              <td data-label="In range">{d.tir === null ? "—" : `${roundTo(d.tir, 1)} %`}</td>
              <td data-label="Ranges">{d.timeInRanges ? <MiniTir tir={d.timeInRanges} /> : null}</td>
              <td data-label="Over the day">{d.readings.length ? <Sparkline readings={d.readings} units={units} zone={zone} /> : null}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const SPARK_W = 240;
const SPARK_H = 40;
const SPARK_MAX = 400;

/** The day's glucose, 00:00 to 24:00 local, 40–400 mg/dL, target range shaded; min/max downsampled. */
function Sparkline({ readings, units, zone }: { readings: GlucoseReading[]; units: GlucoseUnits; zone: string }) {
  const pts = downsample(readings, 240);
  const x = (t: number) => (minuteOfDay(t, zone) / 1440) * SPARK_W;
  const y = (mgdl: number) => SPARK_H - (Math.min(Math.max(mgdl, 40), SPARK_MAX) - 40) / (SPARK_MAX - 40) * SPARK_H;
  // Break the line where readings are more than 30 minutes apart.
  const segments: string[] = [];
  let cur: string[] = [];
  let prev = -Infinity;
  for (const p of pts) {
    if (p.time - prev > 1800 && cur.length) { segments.push(cur.join(" ")); cur = []; }
    cur.push(`${x(p.time).toFixed(1)},${y(p.mgdl).toFixed(1)}`);
    prev = p.time;
  }
  if (cur.length) segments.push(cur.join(" "));
  return (
    <svg className="sparkline" width={SPARK_W} height={SPARK_H} viewBox={`0 0 ${SPARK_W} ${SPARK_H}`} role="img"
      aria-label={`${readings.length} readings, ${formatGlucose(Math.min(...readings.map((r) => r.mgdl)), units)} to ${formatGlucose(Math.max(...readings.map((r) => r.mgdl)), units)}`}>
      <rect x={0} y={y(180)} width={SPARK_W} height={y(70) - y(180)} fill="#dafbe1" />
      {segments.map((s, i) => <polyline key={i} points={s} fill="none" stroke="#0969da" strokeWidth={1} />)}
    </svg>
  );
}
