import { downsample } from "@diachain/client";
import { CartesianGrid, Legend, Line, LineChart, ReferenceArea, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatInZone, useTimeZone } from "../../lib/timezone";
import type { CheckedReading } from "../../lib/verify";
import { timeTicks } from "../../lib/timeTicks";
import { mgdl } from "./values";

const VERDICT_COLOR = { verified: "#1a7f37", failed: "#cf222e", pending: "#9a6700" } as const;
const LINE_COLORS = ["#0969da", "#8250df", "#bf3989", "#1b7c83", "#953800"];

/** Above this many points in all, each device's verified line is downsampled (each bucket's
 * lowest and highest kept) and only failed and pending points get a dot. */
const MAX_POINTS = 1200;

interface Point {
  t: number;
  v: number;
  time: number;
  mgdl: number;
  state: keyof typeof VERDICT_COLOR;
  label: string;
}

function Dot(props: { cx?: number; cy?: number; payload?: Point }) {
  const state = props.payload?.state ?? "pending";
  return <circle cx={props.cx} cy={props.cy} r={state === "failed" ? 6 : 3} fill={VERDICT_COLOR[state]} stroke="white" strokeWidth={0.8} data-state={state} />;
}

/** With many points, a dot only where a reading failed or is pending. */
function SparseDot(props: { cx?: number; cy?: number; payload?: Point }) {
  return props.payload?.state === "verified" ? <g /> : <Dot {...props} />;
}

/** The glucose trend, one line per device, each point coloured by its verification. */
export function GlucoseChart({ checked }: { checked: CheckedReading[] }) {
  const zone = useTimeZone();
  if (checked.length === 0) return null;
  const byDevice = new Map<string, Point[]>();
  for (const c of checked) {
    const r = c.served.reading;
    const points = byDevice.get(r.device_id) ?? [];
    const g = mgdl(r);
    points.push({
      t: r.measured_at * 1000,
      v: Math.round(g),
      time: r.measured_at,
      mgdl: g,
      state: c.verdict.state,
      label: c.verdict.state === "failed" ? `FAILED: ${c.verdict.reason}` : c.verdict.state,
    });
    byDevice.set(r.device_id, points);
  }
  // Long periods (14 days of 1-minute data): each device gets its share of MAX_POINTS, its
  // verified points downsampled to their buckets' lows and highs; failed and pending points are
  // all kept, so none of them can be hidden by the downsampling.
  const total = checked.length;
  const sparse = total > MAX_POINTS;
  if (sparse) {
    for (const [device, points] of byDevice) {
      const share = Math.max(2, Math.floor((MAX_POINTS * points.length) / total));
      const kept = [...downsample(points.filter((p) => p.state === "verified"), share), ...points.filter((p) => p.state !== "verified")];
      byDevice.set(device, kept.sort((a, b) => a.t - b.t));
    }
  }
  const shown = [...byDevice.values()].reduce((n, p) => n + p.length, 0);
  // The time axis: the readings' span (a lone reading gets five minutes around it), ticks on whole
  // minutes, hours or days that never repeat a label.
  let [from, to] = [Infinity, -Infinity];
  for (const c of checked) {
    const t = c.served.reading.measured_at * 1000;
    [from, to] = [Math.min(from, t), Math.max(to, t)];
  }
  if (from === to) [from, to] = [from - 150_000, to + 150_000];
  const x = timeTicks(from, to, zone);
  // In words, for those who cannot see the chart: its span, devices, lowest, highest, verdicts.
  const all = [...checked].map((c) => ({ t: c.served.reading.measured_at * 1000, v: Math.round(mgdl(c.served.reading)), s: c.verdict.state }));
  const lo = all.reduce((a, p) => (p.v < a.v ? p : a));
  const hi = all.reduce((a, p) => (p.v > a.v ? p : a));
  const count = (s: string) => all.filter((p) => p.s === s).length;
  const summary = `${total} readings of ${byDevice.size} device${byDevice.size === 1 ? "" : "s"} from ${formatInZone(from, zone)} to ${formatInZone(to, zone)}: `
    + `lowest ${lo.v} mg/dL at ${formatInZone(lo.t, zone)}, highest ${hi.v} mg/dL at ${formatInZone(hi.t, zone)}; `
    + `${count("verified")} verified against the chain, ${count("failed")} failed, ${count("pending")} not anchored yet.`;
  return (
    <figure className="chart" data-testid="glucose-chart" data-zone={zone} data-shown={shown} data-readings={total} aria-label="Glucose trend (mg/dL), points coloured by verification" aria-describedby="trend-chart-summary">
      <p id="trend-chart-summary" className="visually-hidden">{summary}</p>
      <ResponsiveContainer width="100%" height={320}>
        <LineChart margin={{ top: 24, right: 20, bottom: 10, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <ReferenceArea y1={70} y2={180} fill="#dafbe1" fillOpacity={0.5} />
          <XAxis dataKey="t" type="number" domain={[from, to]} ticks={x.ticks} tickFormatter={x.format} />
          {/* The unit above the axis, not on every tick: "250" fits the axis's width, "250 mg/dL" did not. */}
          <YAxis domain={[40, (max: number) => Math.max(250, max + 10)]} width={48} label={{ value: "mg/dL", position: "top", offset: 10 }} />
          <Tooltip labelFormatter={(t) => formatInZone(Number(t), zone)}
            formatter={(v, name, p) => [`${String(v)} mg/dL — ${(p.payload as Point).label}`, name]} />
          <Legend />
          {[...byDevice.entries()].map(([device, points], i) => (
            <Line key={device} name={device} data={points} dataKey="v" type="linear" isAnimationActive={false}
              stroke={LINE_COLORS[i % LINE_COLORS.length]} strokeWidth={1.2} dot={sparse ? <SparseDot /> : <Dot />} activeDot={{ r: 5 }} />
          ))}
        </LineChart>
      </ResponsiveContainer>
      <figcaption className="small">
        Points: <span className="legend verified">●</span> verified against the chain <span className="legend failed">●</span> failed{" "}
        <span className="legend pending">●</span> not anchored yet · shaded: 70–180 mg/dL · times in {zone}
        {sparse ? <> · {shown} of {total} readings drawn (each stretch's lowest and highest; every failed or pending one)</> : null}
      </figcaption>
    </figure>
  );
}
