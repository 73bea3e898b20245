// The patient's last hours as a line over the target range (recharts: loaded with this chunk).
import type { GlucoseUnits } from "@diachain/client";
import { downsample } from "@diachain/client";
import { timeTicks } from "../../lib/timeTicks";
import { clockTime, formatInZone } from "../../lib/timezone";
import { CartesianGrid, Line, LineChart, ReferenceArea, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

export interface HomePoint {
  /** Milliseconds. */
  t: number;
  /** In the units shown. */
  v: number;
  /** Unix seconds and mg/dL, for downsampling. */
  time: number;
  mgdl: number;
  device: string;
}

const LINE_COLORS = ["#0969da", "#8250df", "#bf3989", "#1b7c83", "#953800", "#1a7f37", "#6639ba", "#9a6700", "#cf222e"];

/** At most this many points are drawn (each stretch's lowest and highest kept): 24 hours of
 * 1-minute data from a few devices would be thousands. */
const MAX_POINTS = 1200;

/** What the chart shows, in words: its span, lowest, highest, latest and time in range. */
export function homeSummary(points: HomePoint[], units: GlucoseUnits, hours: number, latest: string, timeZone: string): string {
  if (points.length === 0) return `No readings in the last ${hours} hours.`;
  const [low, high] = units === "mg/dL" ? [70, 180] : [3.9, 10];
  const lo = points.reduce((a, p) => (p.v < a.v ? p : a));
  const hi = points.reduce((a, p) => (p.v > a.v ? p : a));
  const inRange = points.filter((p) => p.v >= low && p.v <= high).length;
  const at = (t: number) => clockTime(t, timeZone);
  return `Over the last ${hours} hours, ${points.length} readings from ${at(points[0]!.t)} to ${at(points.at(-1)!.t)} (${timeZone}): `
    + `lowest ${lo.v} ${units} at ${at(lo.t)}, highest ${hi.v} ${units} at ${at(hi.t)}, latest ${latest}; `
    + `${Math.round((inRange / points.length) * 100)} % of them in the target range ${low}–${high} ${units}.`;
}

export function HomeChart({ points, units, hours, latest, timeZone }: {
  points: HomePoint[]; units: GlucoseUnits; hours: number; latest: string; timeZone: string;
}) {
  const [low, high] = units === "mg/dL" ? [70, 180] : [3.9, 10];
  if (points.length === 0) return <p className="empty" data-testid="home-chart-empty">No readings in the last {hours} hours.</p>;
  // One line per device (a patient may wear more than one), each its share of MAX_POINTS.
  const byDevice = new Map<string, HomePoint[]>();
  for (const p of points) byDevice.set(p.device, [...(byDevice.get(p.device) ?? []), p]);
  const lines = [...byDevice.entries()].map(([device, ps]) =>
    ({ device, data: downsample(ps, Math.max(2, Math.floor((MAX_POINTS * ps.length) / points.length))) }));
  const drawn = lines.reduce((n, l) => n + l.data.length, 0);
  const first = points.reduce((m, p) => Math.min(m, p.t), Infinity);
  const last = points.reduce((m, p) => Math.max(m, p.t), -Infinity);
  const x = timeTicks(first, last > first ? last : first + 60_000, timeZone, 6);
  return (
    <figure className="chart" data-testid="home-chart" data-points={points.length} data-drawn={drawn} aria-label={`Your glucose over the last ${hours} hours, in ${units}`} aria-describedby="home-chart-summary">
      <p id="home-chart-summary" className="visually-hidden" data-testid="home-chart-summary">{homeSummary(points, units, hours, latest, timeZone)}</p>
      <ResponsiveContainer width="100%" height={240}>
        <LineChart margin={{ top: 24, right: 16, bottom: 10, left: 4 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <ReferenceArea y1={low} y2={high} fill="#dafbe1" fillOpacity={0.5} />
          <XAxis dataKey="t" type="number" domain={[first, last]} ticks={x.ticks} tickFormatter={x.format} allowDuplicatedCategory={false} />
          {/* The unit above the axis, not on every tick (a phone has no room for "235 mg/dL"). */}
          <YAxis width={44} domain={units === "mg/dL" ? [40, 300] : [2.2, 16.7]} allowDataOverflow label={{ value: units, position: "top", offset: 10 }} />
          <Tooltip labelFormatter={(t) => formatInZone(Number(t), timeZone, { seconds: false })} formatter={(v, name) => [`${String(v)} ${units}`, name]} />
          {lines.map((l, i) => (
            <Line key={l.device} name={l.device || "glucose"} data={l.data} dataKey="v" type="linear" dot={false} isAnimationActive={false}
              stroke={LINE_COLORS[i % LINE_COLORS.length]} strokeWidth={1.5} />
          ))}
        </LineChart>
      </ResponsiveContainer>
      <figcaption className="small">Times in {timeZone}; every value verified against the chain in this browser.</figcaption>
    </figure>
  );
}
