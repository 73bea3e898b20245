//! A row as a FHIR R4 Observation (one line of a FHIR Bulk Data NDJSON file), and back.
//!
//! Glucose in mg/dL or mmol/L is the HL7 CGM IG's sensor-reading Observation, coded as the
//! relayer's FHIR export codes it ([`crate::fhir::glucose_code`]: LOINC, UCUM, profile; a
//! meter's finger stick as capillary glucose); every other row is a plain Observation coded by
//! its kind in DiaChain's code system, with a UCUM unit where its unit has one. The subject is
//! the participant's pseudonym as an identifier of the study (no Patient, no device, no
//! address, no salt). Every column can be read back from the Observation alone: `time_utc`
//! from `effectiveDateTime`, `value` from `valueQuantity.value`, `participant` from the
//! subject, the rest from the [`DATASET_ROW_EXTENSION`] extension.

use diachain_std::encoding::{flags, ReadingKind, Unit};
use serde_json::{json, Map, Value};

use super::error::{RowError, RowField};
use super::names::{
    kind_display, kind_name, parse_kind, parse_scope, parse_trend, parse_unit, scope_name,
    trend_name, unit_name,
};
use super::row::{format_value, parse_value, DatasetRow};
use super::time::{format_time, parse_time};
use crate::fhir::{decimal, glucose_code, GlucoseCode, LOINC, OBSERVATION_CATEGORY, UCUM};

/// The extension that carries the columns an Observation has no element for.
pub const DATASET_ROW_EXTENSION: &str = "https://diachain.dev/fhir/StructureDefinition/dataset-row";
/// DiaChain's code system of reading kinds (the `kind` column's names as codes).
pub const READING_KIND_SYSTEM: &str = "https://diachain.dev/fhir/CodeSystem/reading-kind";
/// What an Observation's id opens with; the rest is the first 60 hex digits of its row's leaf.
pub const OBSERVATION_ID_PREFIX: &str = "row-";

/// The identifier system of a study's pseudonyms: `urn:diachain:study:<study_id>:participant`.
pub fn participant_system(study_id: u64) -> String {
    format!("urn:diachain:study:{study_id}:participant")
}

/// The study of a pseudonym identifier system, if it is one.
fn study_of_system(system: &str) -> Option<u64> {
    let id = system
        .strip_prefix("urn:diachain:study:")?
        .strip_suffix(":participant")?;
    let n: u64 = id.parse().ok()?;
    (n.to_string() == id).then_some(n)
}

/// The UCUM code of a row's unit, if it has one: none for `none`, nor for a temporary basal
/// (its value packs a rate and a duration, `docs/encoding.md`).
pub fn ucum_code(kind: ReadingKind, unit: Unit) -> Option<&'static str> {
    if kind == ReadingKind::TempBasal {
        return None;
    }
    match unit {
        Unit::None => None,
        Unit::MgPerDl => Some("mg/dL"),
        Unit::MmolPerL => Some("mmol/L"),
        Unit::InsulinUnits => Some("[IU]"),
        Unit::InsulinUnitsPerHour => Some("[IU]/h"),
        Unit::Grams => Some("g"),
        Unit::BeatsPerMinute => Some("/min"),
        Unit::Count => Some("{count}"),
        Unit::Percent => Some("%"),
    }
}

/// The Observation category of a kind (code, display), if one fits.
pub fn category(kind: ReadingKind) -> Option<(&'static str, &'static str)> {
    match kind {
        ReadingKind::Glucose | ReadingKind::Ketones => Some(("laboratory", "Laboratory")),
        ReadingKind::HeartRate => Some(("vital-signs", "Vital Signs")),
        ReadingKind::Steps => Some(("activity", "Activity")),
        ReadingKind::InsulinBolus | ReadingKind::InsulinBasal | ReadingKind::TempBasal => {
            Some(("therapy", "Therapy"))
        }
        _ => None,
    }
}

/// The CGM IG coding of a row, if it is glucose in mg/dL or mmol/L.
pub fn row_glucose_code(row: &DatasetRow) -> Option<GlucoseCode> {
    if row.kind != ReadingKind::Glucose {
        return None;
    }
    glucose_code(row.unit, row.flags & flags::METER != 0)
}

/// The Observation's `code`: (system, code, display).
pub fn observation_code(row: &DatasetRow) -> (&'static str, &'static str, &'static str) {
    match row_glucose_code(row) {
        Some(g) => (LOINC, g.loinc, g.display),
        None => (
            READING_KIND_SYSTEM,
            kind_name(row.kind),
            kind_display(row.kind),
        ),
    }
}

/// The Observation's id: `row-` and the first 60 hex digits of the row's leaf. Two rows equal
/// in every column have the same id (and are the same measurement).
pub fn observation_id(row: &DatasetRow) -> String {
    let leaf = hex::encode(row.leaf());
    format!("{OBSERVATION_ID_PREFIX}{}", &leaf[..60])
}

fn part(url: &str, kind: &str, value: Value) -> Value {
    let mut e = json!({ "url": url });
    e[kind] = value;
    e
}

/// The row as an Observation of study `study_id` (module docs). A sensor's below- or
/// above-range marker keeps its value with the comparator `<=` or `>=`, as in the relayer's
/// FHIR export.
pub fn observation(row: &DatasetRow, study_id: u64) -> Value {
    let glucose = row_glucose_code(row);
    let (system, code, display) = observation_code(row);
    let mut quantity = json!({ "value": decimal(row.value) });
    if let Some(ucum) = ucum_code(row.kind, row.unit) {
        quantity["unit"] = json!(ucum);
        quantity["system"] = json!(UCUM);
        quantity["code"] = json!(ucum);
    }
    if row.flags & flags::BELOW_RANGE != 0 {
        quantity["comparator"] = json!("<=");
    } else if row.flags & flags::ABOVE_RANGE != 0 {
        quantity["comparator"] = json!(">=");
    }
    let mut obs = json!({
        "resourceType": "Observation",
        "id": observation_id(row),
        "status": "final",
        "code": { "coding": [{ "system": system, "code": code, "display": display }] },
        "subject": { "identifier": {
            "system": participant_system(study_id),
            "value": row.participant,
        } },
        "effectiveDateTime": format_time(row.time),
        "valueQuantity": quantity,
        "extension": [{
            "url": DATASET_ROW_EXTENSION,
            "extension": [
                part("studyDay", "valueInteger", json!(row.study_day)),
                part("scope", "valueCode", json!(scope_name(row.scope))),
                part("kind", "valueCode", json!(kind_name(row.kind))),
                part("unit", "valueCode", json!(unit_name(row.unit))),
                part("trend", "valueCode", json!(trend_name(row.trend))),
                part("flags", "valueInteger", json!(row.flags)),
            ],
        }],
    });
    if let Some((code, display)) = category(row.kind) {
        obs["category"] = json!([{ "coding": [{
            "system": OBSERVATION_CATEGORY,
            "code": code,
            "display": display,
        }] }]);
    }
    if let Some(profile) = glucose.and_then(|g| g.profile) {
        obs["meta"] = json!({ "profile": [profile] });
    }
    obs
}

/// The row an Observation holds (its study: [`decode_observation`]). Strict: the Observation
/// must be exactly what [`observation`] gives for that row, so an edited code, unit or value
/// fails (a value edited alone no longer matches the id, which is the row's leaf).
pub fn row_from_observation(obs: &Value) -> Result<DatasetRow, RowError> {
    decode_observation(obs).map(|(_, row)| row)
}

fn err(field: RowField, problem: impl Into<String>) -> RowError {
    RowError::new(field, problem)
}

/// The study and the row of an Observation (see [`row_from_observation`]).
pub fn decode_observation(obs: &Value) -> Result<(u64, DatasetRow), RowError> {
    let Some(object) = obs.as_object() else {
        return Err(err(RowField::Observation, "not a JSON object"));
    };
    if object.get("resourceType") != Some(&json!("Observation")) {
        return Err(err(RowField::Observation, "not an Observation"));
    }
    let system = obs
        .pointer("/subject/identifier/system")
        .and_then(Value::as_str)
        .ok_or_else(|| err(RowField::Study, "no subject.identifier.system"))?;
    let study = study_of_system(system).ok_or_else(|| {
        err(
            RowField::Study,
            format!("`{system}` is not `urn:diachain:study:<study_id>:participant`"),
        )
    })?;
    let participant = obs
        .pointer("/subject/identifier/value")
        .and_then(Value::as_str)
        .ok_or_else(|| err(RowField::Participant, "no subject.identifier.value"))?;
    let parts = extension_parts(object)?;
    let code_of = |url: &str, field: RowField| -> Result<&str, RowError> {
        parts
            .get(url)
            .and_then(|p| p.get("valueCode"))
            .and_then(Value::as_str)
            .ok_or_else(|| {
                err(
                    field,
                    format!("no `{url}` valueCode in the dataset-row extension"),
                )
            })
    };
    let int_of = |url: &str, field: RowField| -> Result<i64, RowError> {
        parts
            .get(url)
            .and_then(|p| p.get("valueInteger"))
            .and_then(integer)
            .ok_or_else(|| {
                err(
                    field,
                    format!("no `{url}` valueInteger in the dataset-row extension"),
                )
            })
    };
    let study_day = int_of("studyDay", RowField::StudyDay)?;
    let scope = code_of("scope", RowField::Scope)?;
    let scope = parse_scope(scope)
        .ok_or_else(|| err(RowField::Scope, format!("`{scope}` is not a scope")))?;
    let kind = code_of("kind", RowField::Kind)?;
    let kind = parse_kind(kind)
        .ok_or_else(|| err(RowField::Kind, format!("`{kind}` is not a reading kind")))?;
    let unit = code_of("unit", RowField::Unit)?;
    let unit =
        parse_unit(unit).ok_or_else(|| err(RowField::Unit, format!("`{unit}` is not a unit")))?;
    let trend = code_of("trend", RowField::Trend)?;
    let trend = parse_trend(trend)
        .ok_or_else(|| err(RowField::Trend, format!("`{trend}` is not a trend")))?;
    let flags = int_of("flags", RowField::Flags)?;
    let flags = u16::try_from(flags)
        .map_err(|_| err(RowField::Flags, format!("{flags} is not 16 bits of flags")))?;
    let time = obs
        .get("effectiveDateTime")
        .and_then(Value::as_str)
        .ok_or_else(|| err(RowField::TimeUtc, "no effectiveDateTime"))?;
    let time = parse_time(time).ok_or_else(|| {
        err(
            RowField::TimeUtc,
            format!("`{time}` is not a UTC time `YYYY-MM-DDThh:mm:ssZ` from 1970 to 9999"),
        )
    })?;
    let value = obs
        .pointer("/valueQuantity/value")
        .ok_or_else(|| err(RowField::Value, "no valueQuantity.value"))?;
    let value = fixed_point(value)?;
    let row = DatasetRow {
        participant: participant.to_string(),
        study_day,
        time,
        scope,
        kind,
        value,
        unit,
        trend,
        flags,
    };
    row.check()?;
    let expected = observation(&row, study);
    if let Some(field) = first_difference(&expected, obs) {
        return Err(field);
    }
    Ok((study, row))
}

/// The dataset-row extension's parts by url; refuses an Observation without exactly one.
fn extension_parts(object: &Map<String, Value>) -> Result<Map<String, Value>, RowError> {
    let ours: Vec<&Value> = object
        .get("extension")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter(|e| e["url"] == DATASET_ROW_EXTENSION)
                .collect()
        })
        .unwrap_or_default();
    let [ext] = ours[..] else {
        return Err(err(
            RowField::Observation,
            format!(
                "{} dataset-row extensions; an Observation has one",
                ours.len()
            ),
        ));
    };
    Ok(ext
        .get("extension")
        .and_then(Value::as_array)
        .map(|parts| {
            parts
                .iter()
                .filter_map(|p| Some((p.get("url")?.as_str()?.to_string(), p.clone())))
                .collect()
        })
        .unwrap_or_default())
}

/// A JSON number that is a whole number a double holds exactly (JSON does not tell `3` from
/// `3.0`; the NDJSON reader's byte check does).
fn integer(value: &Value) -> Option<i64> {
    const MAX_SAFE: i64 = (1 << 53) - 1;
    let n = value.as_number()?;
    let i = match n.as_i64() {
        Some(i) => i,
        None => {
            let f = n.as_f64()?;
            if f.fract() != 0.0 || f.abs() > MAX_SAFE as f64 {
                return None;
            }
            f as i64
        }
    };
    (i.unsigned_abs() <= MAX_SAFE as u64).then_some(i)
}

/// The same JSON, numbers compared by value (`142` is `142.0`: JSON's data model, and
/// JavaScript's; how a number is written is the NDJSON reader's byte check).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// A JSON number as fixed point: an integer, or a decimal of at most three decimals.
fn fixed_point(value: &Value) -> Result<i64, RowError> {
    let Value::Number(n) = value else {
        return Err(err(RowField::Value, format!("`{value}` is not a number")));
    };
    let text = n.to_string();
    let parsed = match n.as_i64() {
        Some(i) => i.checked_mul(1000),
        None if n.is_f64() => parse_value(&text),
        None => None,
    };
    parsed.ok_or_else(|| {
        err(
            RowField::Value,
            format!("`{text}` is not a decimal with at most three decimals, in range"),
        )
    })
}

/// Where `found` is not `expected`, as the field the difference is about: the columns' own
/// elements first (the code is the kind's, the subject the participant's and the study's, the
/// time, the quantity's value, unit and comparator), then the rest of the Observation, its id
/// (made from the whole row) last.
fn first_difference(expected: &Value, found: &Value) -> Option<RowError> {
    let at = |key: &str| (expected.get(key), found.get(key));
    let differs = |key: &str| match at(key) {
        (Some(e), Some(f)) => !same(e, f),
        (e, f) => e.is_some() != f.is_some(),
    };
    if differs("code") {
        return Some(err(
            RowField::Kind,
            format!(
                "code is not the one of the row's kind and unit: {}",
                expected["code"]["coding"][0]["code"]
            ),
        ));
    }
    if differs("subject") {
        return Some(err(
            RowField::Participant,
            "subject is not exactly the participant's identifier",
        ));
    }
    if differs("effectiveDateTime") {
        return Some(err(RowField::TimeUtc, "effectiveDateTime is not canonical"));
    }
    if differs("valueQuantity") {
        let q = |v: &Value, k: &str| v.get("valueQuantity").and_then(|q| q.get(k)).cloned();
        let same_part = |k: &str| match (q(expected, k), q(found, k)) {
            (Some(e), Some(f)) => same(&e, &f),
            (e, f) => e.is_none() && f.is_none(),
        };
        let field = if !same_part("value") {
            RowField::Value
        } else if !same_part("comparator") {
            RowField::Flags
        } else {
            RowField::Unit
        };
        let shown =
            format_value(fixed_point(&expected["valueQuantity"]["value"]).unwrap_or_default());
        return Some(err(
            field,
            format!("valueQuantity is not the row's ({shown}, its unit and flags)"),
        ));
    }
    for key in [
        "extension",
        "meta",
        "category",
        "status",
        "resourceType",
        "id",
    ] {
        if differs(key) {
            let problem = if key == "id" {
                format!(
                    "id {} is not the one of the row it holds ({}): a column was edited",
                    found.get("id").unwrap_or(&Value::Null),
                    expected["id"]
                )
            } else {
                format!("`{key}` is not what the row gives")
            };
            return Some(err(RowField::Observation, problem));
        }
    }
    let extra = found.as_object().and_then(|o| {
        o.keys()
            .find(|k| expected.get(k.as_str()).is_none())
            .cloned()
    });
    extra.map(|k| {
        err(
            RowField::Observation,
            format!("`{k}` is not part of a row's Observation"),
        )
    })
}
