// The glucose units a person chose (mg/dL or mmol/L), remembered in this browser: the patient's
// home and the clinician's report share the choice.
import type { GlucoseUnits } from "@diachain/client";
import { useCallback, useState } from "react";

const UNITS_KEY = "diachain.units";

/** The glucose units chosen in this browser, and a setter that remembers the choice. */
export function useUnits(): [GlucoseUnits, (u: GlucoseUnits) => void] {
  const [units, setUnits] = useState<GlucoseUnits>(() =>
    (typeof localStorage !== "undefined" && localStorage.getItem(UNITS_KEY) === "mmol/L") ? "mmol/L" : "mg/dL");
  const choose = useCallback((u: GlucoseUnits) => {
    setUnits(u);
    try { localStorage.setItem(UNITS_KEY, u); } catch { /* private mode: not remembered */ }
  }, []);
  return [units, choose];
}
