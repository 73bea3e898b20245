//! FHIR R4 pieces shared by the relayer's FHIR export (`relayer-api`'s `fhir`) and the research
//! datasets' NDJSON ([`crate::dataset`]): code systems, the HL7 CGM implementation guide's
//! (v1.0.0) sensor-reading profiles and LOINC codes for glucose, and fixed-point values as FHIR
//! decimals.

use diachain_std::encoding::Unit;
use serde_json::Value;

pub const LOINC: &str = "http://loinc.org";
pub const UCUM: &str = "http://unitsofmeasure.org";
/// The CGM IG's sensor-reading profiles.
pub const PROFILE_MASS: &str =
    "http://hl7.org/fhir/uv/cgm/StructureDefinition/cgm-sensor-reading-mass-per-volume";
pub const PROFILE_MOLAR: &str =
    "http://hl7.org/fhir/uv/cgm/StructureDefinition/cgm-sensor-reading-moles-per-volume";
/// FHIR's Observation category code system (`laboratory`, `vital-signs`, …).
pub const OBSERVATION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/observation-category";

/// How a glucose reading is coded: LOINC code and display, UCUM unit, and the CGM IG profile
/// (none for a meter's finger stick, which is not a CGM sensor reading).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GlucoseCode {
    pub loinc: &'static str,
    pub display: &'static str,
    pub ucum: &'static str,
    pub profile: Option<&'static str>,
}

/// The coding of a glucose reading in `unit` (`None` for a unit that is not mg/dL or mmol/L):
/// interstitial fluid by a CGM sensor (LOINC 99504-3, 105272-9, with the IG's profiles), or,
/// flagged `meter`, capillary blood by a glucometer (41653-7, 14743-9).
pub fn glucose_code(unit: Unit, meter: bool) -> Option<GlucoseCode> {
    let (loinc, display, ucum, profile) = match (unit, meter) {
        (Unit::MgPerDl, false) => (
            "99504-3",
            "Glucose [Mass/volume] in Interstitial fluid",
            "mg/dL",
            Some(PROFILE_MASS),
        ),
        (Unit::MmolPerL, false) => (
            "105272-9",
            "Glucose [Moles/volume] in Interstitial fluid",
            "mmol/L",
            Some(PROFILE_MOLAR),
        ),
        // A finger stick: capillary blood by a meter, not a CGM sensor reading (no CGM profile).
        (Unit::MgPerDl, true) => (
            "41653-7",
            "Glucose [Mass/volume] in Capillary blood by Glucometer",
            "mg/dL",
            None,
        ),
        (Unit::MmolPerL, true) => (
            "14743-9",
            "Glucose [Moles/volume] in Capillary blood by Glucometer",
            "mmol/L",
            None,
        ),
        _ => return None,
    };
    Some(GlucoseCode {
        loinc,
        display,
        ucum,
        profile,
    })
}

/// A fixed-point value (three decimals) as a decimal JSON number: an integer when it is whole
/// (`142`), else the shortest decimal (`98.5`). Exact for values of up to 15 significant digits
/// (a double's).
pub fn decimal(value: i64) -> Value {
    let text = format!(
        "{}{}.{:03}",
        if value < 0 { "-" } else { "" },
        value.unsigned_abs() / 1000,
        value.unsigned_abs() % 1000
    );
    let trimmed = text.trim_end_matches('0').trim_end_matches('.');
    serde_json::from_str(trimmed).unwrap_or(Value::Null)
}
