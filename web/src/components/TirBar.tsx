// Time in ranges as the AGP report draws it: a stacked bar (very high on top) named by its
// percentages and described by a legend with each range's % and time a day; and a thin bar for
// a table row. The clinician's CGM report and the insurer's summary share them (no recharts here).
import { GLUCOSE_RANGES, type GlucoseRange, type GlucoseUnits, type RangeValues } from "@diachain/client";
import type { CSSProperties } from "react";

/** The AGP report's colours, very low to very high. */
export const RANGE_COLOR: Record<GlucoseRange, string> = {
  veryLow: "#8b1a1a", low: "#e5332a", inRange: "#3aa657", high: "#f5c518", veryHigh: "#f08a1c",
};
export const RANGE_NAME: Record<GlucoseRange, string> = {
  veryLow: "Very low", low: "Low", inRange: "In range", high: "High", veryHigh: "Very high",
};
/** The consensus' labels of the ranges, in each unit. */
export const RANGE_LABEL: Record<GlucoseUnits, Record<GlucoseRange, string>> = {
  "mg/dL": { veryLow: "< 54", low: "54–69", inRange: "70–180", high: "181–250", veryHigh: "> 250" },
  "mmol/L": { veryLow: "< 3.0", low: "3.0–3.8", inRange: "3.9–10.0", high: "10.1–13.9", veryHigh: "> 13.9" },
};

export const formatMinutes = (m: number) => (m >= 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${m} min`);

/** The stacked bar of the AGP report (very high on top), with each range's % and minutes a day.
 * `tir` unrounded (the bar), `shown` and `minutes` rounded (the legend); `legendId` names the
 * legend the bar is described by (one per page). */
export function TirBar({ tir, shown, minutes, units, legendId = "tir-legend" }: {
  tir: RangeValues | null; shown: RangeValues | null; minutes: RangeValues | null; units: GlucoseUnits; legendId?: string;
}) {
  if (!tir || !shown || !minutes) return null;
  const top = [...GLUCOSE_RANGES].reverse();
  return (
    <div className="tir" data-testid="tir-bar">
      {/* The bar is an image named by its numbers and described by the legend beside it. */}
      <div className="tir-bar" role="img" aria-label={`Time in ranges: ${top.map((r) => `${RANGE_NAME[r]} ${shown[r]} %`).join(", ")}`}
        aria-describedby={legendId}>
        {top.map((r) => (
          <div key={r} className="tir-seg" style={{ "--share": `${tir[r]}%`, background: RANGE_COLOR[r] } as CSSProperties} title={`${RANGE_NAME[r]}: ${shown[r]} %`} />
        ))}
      </div>
      <table className="tir-legend" id={legendId} data-testid="tir-legend">
        <caption className="visually-hidden">Time in ranges ({units}): % of the time and time a day</caption>
        <tbody>
          {top.map((r) => (
            <tr key={r} data-testid={`tir-${r}`} data-range={r} data-percent={shown[r]} data-minutes={minutes[r]}>
              <td><span className="swatch" style={{ background: RANGE_COLOR[r] }} /> {RANGE_NAME[r]}</td>
              <td className="small">{RANGE_LABEL[units][r]} {units}</td>
              <td><strong>{shown[r]} %</strong></td>
              <td className="small">{formatMinutes(minutes[r])}/day</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The five ranges as a thin bar (a table row's), hidden from screen readers (the row says it). */
export function MiniTir({ tir }: { tir: RangeValues }) {
  return (
    <div className="mini-tir" aria-hidden="true">
      {GLUCOSE_RANGES.map((r) => <span key={r} style={{ width: `${tir[r]}%`, background: RANGE_COLOR[r] }} />)}
    </div>
  );
}
