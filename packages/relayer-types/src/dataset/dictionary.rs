//! The data dictionary shipped with every dataset: the columns (type, unit, allowed values,
//! meaning, where each lives in the FHIR Observation), the kinds' FHIR codes, the units' UCUM
//! codes and the flag bits; as JSON (serde) and as the markdown tables of
//! `docs/research-data.md` section 4 (a test keeps the document in step).

use diachain_std::encoding::{flags, ReadingKind, Trend, Unit};
use diachain_std::DataScope;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::csv::CSV_HEADER;
use super::fhir::{
    category, participant_system, ucum_code, DATASET_ROW_EXTENSION, OBSERVATION_ID_PREFIX,
    READING_KIND_SYSTEM,
};
use super::names::{kind_display, kind_name, scope_name, trend_name, unit_name};
use super::row::{COLUMNS, MAX_STUDY_DAY};
use crate::fhir::{glucose_code, LOINC};

/// The format's name: the rows' leaf domain without its `\n`.
pub const FORMAT: &str = "diachain-dataset-row/v1";

/// A dataset's data dictionary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Dictionary {
    pub format: String,
    pub csv_header: String,
    pub columns: Vec<Column>,
    pub kinds: Vec<KindCode>,
    pub units: Vec<UnitCode>,
    pub flags: Vec<Flag>,
    pub ndjson: NdjsonMapping,
}

/// One column of the CSV (and its place in the NDJSON Observation).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Column {
    pub name: String,
    /// `string`, `integer`, `datetime`, `code`, `decimal`.
    #[serde(rename = "type")]
    pub kind: String,
    pub unit: Option<String>,
    /// Every value the column can hold, when they can be listed.
    pub allowed: Vec<String>,
    /// The form of the values, when they cannot be listed.
    pub pattern: Option<String>,
    pub description: String,
    /// The Observation element the column is read from.
    pub fhir: String,
}

/// How rows of a kind are coded in FHIR.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KindCode {
    pub kind: String,
    pub scope: String,
    /// Which rows of the kind, when the coding depends on the unit or a flag.
    pub when: Option<String>,
    pub system: String,
    pub code: String,
    pub display: String,
    pub category: Option<String>,
    pub profile: Option<String>,
}

/// A unit and its UCUM code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitCode {
    pub unit: String,
    pub ucum: Option<String>,
    pub description: String,
}

/// A flag bit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Flag {
    pub bit: u16,
    pub name: String,
    pub meaning: String,
}

/// The NDJSON's fixed parts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NdjsonMapping {
    pub resource: String,
    pub id: String,
    pub participant_system: String,
    pub extension: String,
    pub kind_system: String,
}

fn s(text: &str) -> String {
    text.to_string()
}

fn names<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> Vec<String> {
    all.iter().map(|v| s(name(*v))).collect()
}

fn column(
    name: &str,
    kind: &str,
    unit: Option<&str>,
    allowed: Vec<String>,
    pattern: Option<&str>,
    description: &str,
    fhir: &str,
) -> Column {
    Column {
        name: s(name),
        kind: s(kind),
        unit: unit.map(s),
        allowed,
        pattern: pattern.map(s),
        description: s(description),
        fhir: s(fhir),
    }
}

const UNIT_WORDS: &[(Unit, &str)] = &[
    (Unit::None, "no unit: a code or a count of events"),
    (Unit::MgPerDl, "milligrams per decilitre"),
    (Unit::MmolPerL, "millimoles per litre"),
    (Unit::InsulinUnits, "insulin units"),
    (Unit::InsulinUnitsPerHour, "insulin units per hour (a temporary basal's value packs its rate and minutes: its Observation has no UCUM code)"),
    (Unit::Grams, "grams"),
    (Unit::BeatsPerMinute, "beats per minute"),
    (Unit::Count, "a count (steps)"),
    (Unit::Percent, "percent"),
];

const FLAG_WORDS: &[(u16, &str, &str)] = &[
    (flags::CALIBRATION, "calibration", "a calibration value"),
    (
        flags::SENSOR_WARMUP,
        "sensor_warmup",
        "measured during the sensor's warm-up",
    ),
    (flags::MANUAL_ENTRY, "manual_entry", "entered by hand"),
    (
        flags::BELOW_RANGE,
        "below_range",
        "below the sensor's range: the true value is at most the value (FHIR comparator `<=`)",
    ),
    (
        flags::ABOVE_RANGE,
        "above_range",
        "above the sensor's range: the true value is at least the value (FHIR comparator `>=`)",
    ),
    (flags::BACKFILLED, "backfilled", "sent late, after a gap"),
    (
        flags::SENSOR_ERROR,
        "sensor_error",
        "a device event whose value is the sensor's error code",
    ),
    (
        flags::METER,
        "meter",
        "glucose in capillary blood by a meter (a finger stick), not a sensor",
    ),
    (
        flags::CORRECTION,
        "correction",
        "replaces an earlier version of the same measurement",
    ),
];

impl Dictionary {
    /// The dictionary of format `diachain-dataset-row/v1`.
    pub fn v1() -> Dictionary {
        let scopes: Vec<DataScope> = DataScope::ALL
            .iter()
            .copied()
            .filter(|s| *s != DataScope::SummariesOnly)
            .collect();
        let columns = vec![
            column(
                "participant", "string", None, vec![], Some("P-[0-9a-f]{16}"),
                "The participant's pseudonym in this study (another study's differs).",
                "subject.identifier.value",
            ),
            column(
                "study_day", "integer", Some("days"), vec![],
                Some("-?[1-9][0-9]*|0"),
                &format!(
                    "Whole days from the study's data_from_day to the row's UTC day (as shifted): negative only with a time shift; at most {MAX_STUDY_DAY} either way."
                ),
                "extension studyDay (valueInteger)",
            ),
            column(
                "time_utc", "datetime", None, vec![],
                Some("YYYY-MM-DDThh:mm:ssZ"),
                "When the reading was measured, UTC to the second, shifted by the participant's whole days when the export shifts times (time of day kept).",
                "effectiveDateTime",
            ),
            column(
                "scope", "code", None, names(&scopes, scope_name), None,
                "The data scope the reading belongs to (its kind's): what the participant consented to share.",
                "extension scope (valueCode)",
            ),
            column(
                "kind", "code", None, names(ReadingKind::ALL, kind_name), None,
                "What the reading measures (docs/encoding.md: coded values).",
                "code (see the kinds' codes) and extension kind (valueCode)",
            ),
            column(
                "value", "decimal", Some("the row's unit"), vec![],
                Some("-?(0|[1-9][0-9]*)(\\.[0-9]{0,2}[1-9])?"),
                "The value, at most three decimals, trailing zeros removed, within ±999999999999.999. Coded kinds (temporary basal, therapy events, statuses) hold codes: docs/encoding.md.",
                "valueQuantity.value",
            ),
            column(
                "unit", "code", None, names(Unit::ALL, unit_name), None,
                "The value's unit.",
                "extension unit (valueCode); valueQuantity.code in UCUM where it has one",
            ),
            column(
                "trend", "code", None, names(Trend::ALL, trend_name), None,
                "The CGM trend arrow (unknown for other kinds).",
                "extension trend (valueCode)",
            ),
            column(
                "flags", "integer", Some("bits"), vec![], Some("0..65535"),
                "The reading's flag bits, as a decimal (see the flags).",
                "extension flags (valueInteger); valueQuantity.comparator for below_range / above_range",
            ),
        ];
        debug_assert!(columns.iter().map(|c| c.name.as_str()).eq(COLUMNS));
        Dictionary {
            format: s(FORMAT),
            csv_header: s(CSV_HEADER),
            columns,
            kinds: kind_codes(),
            units: UNIT_WORDS
                .iter()
                .map(|(u, words)| UnitCode {
                    unit: s(unit_name(*u)),
                    ucum: ucum_code(ReadingKind::Glucose, *u).map(s),
                    description: s(words),
                })
                .collect(),
            flags: FLAG_WORDS
                .iter()
                .map(|(bit, name, meaning)| Flag {
                    bit: *bit,
                    name: s(name),
                    meaning: s(meaning),
                })
                .collect(),
            ndjson: NdjsonMapping {
                resource: s("Observation"),
                id: format!(
                    "{OBSERVATION_ID_PREFIX} and the first 60 hex digits of the row's leaf hash"
                ),
                participant_system: participant_system(0).replace(":0:", ":<study_id>:"),
                extension: s(DATASET_ROW_EXTENSION),
                kind_system: s(READING_KIND_SYSTEM),
            },
        }
    }

    /// As pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a dictionary is plain data")
    }

    /// The columns table of `docs/research-data.md` section 4.
    pub fn columns_markdown(&self) -> String {
        let mut out = String::from(
            "| # | column | type | unit | values | meaning | in the FHIR Observation |\n| - | --- | --- | --- | --- | --- | --- |\n",
        );
        for (i, c) in self.columns.iter().enumerate() {
            let values = if c.allowed.is_empty() {
                c.pattern.as_deref().map(code).unwrap_or_default()
            } else {
                c.allowed
                    .iter()
                    .map(|v| code(v))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            out += &format!(
                "| {} | `{}` | {} | {} | {} | {} | {} |\n",
                i + 1,
                c.name,
                c.kind,
                c.unit.as_deref().unwrap_or("—"),
                values,
                c.description,
                c.fhir
            );
        }
        out
    }

    /// The kinds' codes table of section 4.
    pub fn kinds_markdown(&self) -> String {
        let mut out = String::from(
            "| kind | scope | rows | code | display | category | profile |\n| --- | --- | --- | --- | --- | --- | --- |\n",
        );
        for k in &self.kinds {
            let system = if k.system == LOINC {
                "LOINC"
            } else {
                "DiaChain"
            };
            out += &format!(
                "| `{}` | `{}` | {} | {} `{}` | {} | {} | {} |\n",
                k.kind,
                k.scope,
                k.when.as_deref().unwrap_or("all"),
                system,
                k.code,
                k.display,
                k.category
                    .as_deref()
                    .map(code)
                    .unwrap_or_else(|| "—".into()),
                k.profile.as_deref().map(code).unwrap_or_else(|| "—".into()),
            );
        }
        out
    }

    /// The units table of section 4.
    pub fn units_markdown(&self) -> String {
        let mut out = String::from("| unit | UCUM | meaning |\n| --- | --- | --- |\n");
        for u in &self.units {
            out += &format!(
                "| `{}` | {} | {} |\n",
                u.unit,
                u.ucum.as_deref().map(code).unwrap_or_else(|| "—".into()),
                u.description
            );
        }
        out
    }

    /// The flags table of section 4.
    pub fn flags_markdown(&self) -> String {
        let mut out = String::from("| bit | name | meaning |\n| --- | --- | --- |\n");
        for f in &self.flags {
            out += &format!("| {:#x} | `{}` | {} |\n", f.bit, f.name, f.meaning);
        }
        out
    }
}

/// A code span in a table cell (`|` escaped, as GitHub's tables need even inside one).
fn code(text: &str) -> String {
    format!("`{}`", text.replace('|', "\\|"))
}

/// Each kind's coding: glucose by unit and meter flag (the CGM IG's codes), then every kind
/// in DiaChain's code system (glucose too, in any other unit).
fn kind_codes() -> Vec<KindCode> {
    let mut out = Vec::new();
    for (unit, meter) in [
        (Unit::MgPerDl, false),
        (Unit::MmolPerL, false),
        (Unit::MgPerDl, true),
        (Unit::MmolPerL, true),
    ] {
        let g = glucose_code(unit, meter).expect("a glucose unit");
        out.push(KindCode {
            kind: s(kind_name(ReadingKind::Glucose)),
            scope: s(scope_name(DataScope::Glucose)),
            when: Some(format!(
                "{}{}",
                unit_name(unit),
                if meter { ", flag meter" } else { "" }
            )),
            system: s(LOINC),
            code: s(g.loinc),
            display: s(g.display),
            category: category(ReadingKind::Glucose).map(|(c, _)| s(c)),
            profile: g.profile.map(s),
        });
    }
    for &kind in ReadingKind::ALL {
        out.push(KindCode {
            kind: s(kind_name(kind)),
            scope: s(scope_name(kind.scope())),
            when: (kind == ReadingKind::Glucose).then(|| s("any other unit")),
            system: s(READING_KIND_SYSTEM),
            code: s(kind_name(kind)),
            display: s(kind_display(kind)),
            category: category(kind).map(|(c, _)| s(c)),
            profile: None,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> String {
        let path = format!("{}/../../docs/research-data.md", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// The block after `mark`, up to the first blank line (as relayer-api's refusal table).
    fn block(doc: &str, mark: &str) -> String {
        doc.split(mark)
            .nth(1)
            .map(|rest| rest.split("\n\n").next().unwrap_or_default().to_string() + "\n")
            .unwrap_or_else(|| panic!("docs/research-data.md has no `{}`", mark.trim()))
    }

    #[test]
    fn the_documents_tables_are_the_dictionarys() {
        let d = Dictionary::v1();
        let doc = doc();
        for (mark, table) in [
            (
                "<!-- dataset dictionary: Dictionary::columns_markdown() -->\n",
                d.columns_markdown(),
            ),
            (
                "<!-- dataset dictionary: Dictionary::kinds_markdown() -->\n",
                d.kinds_markdown(),
            ),
            (
                "<!-- dataset dictionary: Dictionary::units_markdown() -->\n",
                d.units_markdown(),
            ),
            (
                "<!-- dataset dictionary: Dictionary::flags_markdown() -->\n",
                d.flags_markdown(),
            ),
        ] {
            assert_eq!(
                block(&doc, mark),
                table,
                "docs/research-data.md's table after `{}` should be:\n{table}",
                mark.trim()
            );
        }
    }

    #[test]
    fn the_dictionary_reads_back_from_its_json_and_lists_every_value() {
        let d = Dictionary::v1();
        let back: Dictionary = serde_json::from_str(&d.to_json()).unwrap();
        assert_eq!(back, d);
        assert_eq!(d.columns.len(), 9);
        assert_eq!(
            d.csv_header,
            d.columns
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(",")
        );
        assert_eq!(d.kinds.len(), 4 + ReadingKind::ALL.len());
        assert_eq!(d.units.len(), Unit::ALL.len());
        let all_flags = d.flags.iter().fold(0u16, |a, f| a | f.bit);
        assert_eq!(all_flags, 0x1FF);
        assert!(!d.columns[3].allowed.contains(&"summaries_only".to_string()));
    }
}
