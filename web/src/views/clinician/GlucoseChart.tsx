import { CartesianGrid, Legend, Line, LineChart, ReferenceArea, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { CheckedReading } from "../../lib/verify";
import { timeTicks } from "./timeTicks";
import { mgdl } from "./values";

const VERDICT_COLOR = { verified: "#1a7f37", failed: "#cf222e", pending: "#9a6700" } as const;
const LINE_COLORS = ["#0969da", "#8250df", "#bf3989", "#1b7c83", "#953800"];

interface Point {
  t: number;
  v: number;
  state: keyof typeof VERDICT_COLOR;
  label: string;
}

function Dot(props: { cx?: number; cy?: number; payload?: Point }) {
  const state = props.payload?.state ?? "pending";
  return <circle cx={props.cx} cy={props.cy} r={state === "failed" ? 6 : 3} fill={VERDICT_COLOR[state]} stroke="white" strokeWidth={0.8} data-state={state} />;
}

/** The glucose trend, one line per device, each point coloured by its verification. */
export function GlucoseChart({ checked }: { checked: CheckedReading[] }) {
  if (checked.length === 0) return null;
  const byDevice = new Map<string, Point[]>();
  for (const c of checked) {
    const r = c.served.reading;
    const points = byDevice.get(r.device_id) ?? [];
    points.push({
      t: r.measured_at * 1000,
      v: Math.round(mgdl(r)),
      state: c.verdict.state,
      label: c.verdict.state === "failed" ? `FAILED: ${c.verdict.reason}` : c.verdict.state,
    });
    byDevice.set(r.device_id, points);
  }
  // The time axis: the readings' span (a lone reading gets five minutes around it), ticks on whole
  // minutes, hours or days that never repeat a label.
  let [from, to] = [Infinity, -Infinity];
  for (const c of checked) {
    const t = c.served.reading.measured_at * 1000;
    [from, to] = [Math.min(from, t), Math.max(to, t)];
  }
  if (from === to) [from, to] = [from - 150_000, to + 150_000];
  const x = timeTicks(from, to);
  return (
    <figure className="chart" data-testid="glucose-chart" aria-label="Glucose trend (mg/dL), points coloured by verification">
      <ResponsiveContainer width="100%" height={320}>
        <LineChart margin={{ top: 24, right: 20, bottom: 10, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <ReferenceArea y1={70} y2={180} fill="#dafbe1" fillOpacity={0.5} />
          <XAxis dataKey="t" type="number" domain={[from, to]} ticks={x.ticks} tickFormatter={x.format} />
          {/* The unit above the axis, not on every tick: "250" fits the axis's width, "250 mg/dL" did not. */}
          <YAxis domain={[40, (max: number) => Math.max(250, max + 10)]} width={48} label={{ value: "mg/dL", position: "top", offset: 10 }} />
          <Tooltip labelFormatter={(t) => `${new Date(Number(t)).toISOString().replace("T", " ").slice(0, 19)} UTC`}
            formatter={(v, name, p) => [`${String(v)} mg/dL — ${(p.payload as Point).label}`, name]} />
          <Legend />
          {[...byDevice.entries()].map(([device, points], i) => (
            <Line key={device} name={device} data={points} dataKey="v" type="linear" isAnimationActive={false}
              stroke={LINE_COLORS[i % LINE_COLORS.length]} strokeWidth={1.2} dot={<Dot />} activeDot={{ r: 5 }} />
          ))}
        </LineChart>
      </ResponsiveContainer>
      <figcaption className="small">
        Points: <span className="legend verified">●</span> verified against the chain <span className="legend failed">●</span> failed{" "}
        <span className="legend pending">●</span> not anchored yet · shaded: 70–180 mg/dL · times UTC
      </figcaption>
    </figure>
  );
}
