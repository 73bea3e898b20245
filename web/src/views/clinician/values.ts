import type { ProvenReading } from "../../lib/relayer";

const MG_PER_MMOL = 18.016;

/** mg/dL of a glucose reading (fixed point, three decimals), whatever its unit. */
export function mgdl(r: ProvenReading["reading"]): number {
  const v = Number(r.value) / 1000;
  return r.unit === "mmol_per_l" ? v * MG_PER_MMOL : v;
}

export function displayValue(r: ProvenReading["reading"]): string {
  const v = Number(r.value) / 1000;
  return r.unit === "mmol_per_l" ? `${v.toFixed(1)} mmol/L` : `${v.toFixed(0)} mg/dL`;
}
