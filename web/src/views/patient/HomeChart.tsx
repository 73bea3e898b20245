// The patient's last hours as a line over the target range (recharts: loaded with this chunk).
import type { GlucoseUnits } from "@diachain/client";
import { clockTime, formatInZone } from "../../lib/timezone";
import { CartesianGrid, Line, LineChart, ReferenceArea, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

export interface HomePoint {
  /** Milliseconds. */
  t: number;
  v: number;
}

export function HomeChart({ points, units, hours, latest, timeZone }: {
  points: HomePoint[]; units: GlucoseUnits; hours: number; latest: string; timeZone: string;
}) {
  const [low, high] = units === "mg/dL" ? [70, 180] : [3.9, 10];
  return (
    <figure className="chart" aria-label={`Your glucose over the last ${hours} hours, in ${units}: ${points.length} readings, the latest ${latest}`}>
      <ResponsiveContainer width="100%" height={240}>
        <LineChart data={points} margin={{ top: 24, right: 16, bottom: 10, left: 4 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <ReferenceArea y1={low} y2={high} fill="#dafbe1" fillOpacity={0.5} />
          <XAxis dataKey="t" type="number" domain={["dataMin", "dataMax"]} scale="time"
            tickFormatter={(t: number) => clockTime(t, timeZone)} />
          {/* The unit above the axis, not on every tick (a phone has no room for "235 mg/dL"). */}
          <YAxis width={44} domain={units === "mg/dL" ? [40, 300] : [2.2, 16.7]} allowDataOverflow label={{ value: units, position: "top", offset: 10 }} />
          <Tooltip labelFormatter={(t) => formatInZone(Number(t), timeZone, { seconds: false })} formatter={(v) => [`${String(v)} ${units}`, "glucose"]} />
          <Line dataKey="v" type="linear" dot={false} isAnimationActive={false} stroke="#0969da" strokeWidth={1.5} />
        </LineChart>
      </ResponsiveContainer>
      <figcaption className="small">Times in {timeZone}; every value verified against the chain in this browser.</figcaption>
    </figure>
  );
}
