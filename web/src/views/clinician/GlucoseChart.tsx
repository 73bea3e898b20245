import { CartesianGrid, Line, LineChart, ReferenceArea, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { CheckedReading } from "../../lib/verify";
import { mgdl } from "./values";

const COLOR = { verified: "#1a7f37", failed: "#cf222e", pending: "#9a6700" } as const;

interface Point {
  t: number;
  v: number;
  state: keyof typeof COLOR;
  label: string;
}

function time(t: number): string {
  return new Date(t).toISOString().slice(11, 16);
}

/** The glucose trend, each point coloured by its verification (green verified, red failing). */
export function GlucoseChart({ checked }: { checked: CheckedReading[] }) {
  const data: Point[] = checked.map((c) => ({
    t: c.served.reading.measured_at * 1000,
    v: Math.round(mgdl(c.served.reading)),
    state: c.verdict.state,
    label: c.verdict.state === "failed" ? `FAILED: ${c.verdict.reason}` : c.verdict.state,
  }));
  return (
    <figure className="chart" data-testid="glucose-chart" aria-label="Glucose trend (mg/dL), points coloured by verification">
      <ResponsiveContainer width="100%" height={300}>
        <LineChart data={data} margin={{ top: 10, right: 20, bottom: 10, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <ReferenceArea y1={70} y2={180} fill="#dafbe1" fillOpacity={0.5} />
          <XAxis dataKey="t" type="number" scale="time" domain={["dataMin", "dataMax"]} tickFormatter={time} />
          <YAxis domain={[40, (max: number) => Math.max(250, max + 10)]} unit=" mg/dL" width={80} />
          <Tooltip labelFormatter={(t) => new Date(Number(t)).toISOString().replace("T", " ").slice(0, 19) + " UTC"}
            formatter={(v, _n, p) => [`${String(v)} mg/dL — ${(p.payload as Point).label}`, "glucose"]} />
          <Line type="monotone" dataKey="v" stroke="#57606a" strokeWidth={1.5} isAnimationActive={false}
            dot={(props: { cx?: number; cy?: number; payload?: Point; index?: number }) => (
              <circle key={props.index} cx={props.cx} cy={props.cy} r={props.payload?.state === "failed" ? 6 : 3.5}
                fill={COLOR[props.payload?.state ?? "pending"]} stroke="white" strokeWidth={1} data-state={props.payload?.state} />
            )} />
        </LineChart>
      </ResponsiveContainer>
      <figcaption className="small">
        <span className="legend verified">●</span> verified against the chain <span className="legend failed">●</span> failed{" "}
        <span className="legend pending">●</span> not anchored yet · shaded: 70–180 mg/dL
      </figcaption>
    </figure>
  );
}
