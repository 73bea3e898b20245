//! The dataset test vectors, `tests/vectors/dataset.json`, shared with the TypeScript client
//! (`clients/ts/test/unit/dataset.test.ts` passes the same file): rows → canonical line →
//! leaf → Observation line, small datasets → root and summary, invalid lines, files and
//! Observations → the field (and line) of their error, a manifest → its mismatches. Also the
//! ```dataset-vectors block of `docs/encoding.md`.
//!
//! The file is what this implementation computes from the inputs below; after a deliberate
//! change of the format, rewrite it with `DIACHAIN_WRITE_VECTORS=1 cargo test -p
//! diachain-relayer-types --test dataset_vectors` (and bump the format's version).

use diachain_std::encoding::{flags, ReadingKind, Trend, Unit};
use diachain_std::DataScope;
use serde_json::{json, Value};

use diachain_relayer_types::dataset::*;

const STUDY: u64 = 7;
const DATA_FROM_DAY: u64 = 20_454;
/// 2026-01-01T00:00:00Z.
const DAY0: i64 = 1_767_225_600;
const ALICE: &str = "P-3f2a9c1e5b7d8046";
const BOB: &str = "P-a1b2c3d4e5f60718";
const CAROL: &str = "P-0000000000000001";

fn row(
    participant: &str,
    (day, secs): (i64, i64),
    kind: ReadingKind,
    value: i64,
    unit: Unit,
    trend: Trend,
    flags: u16,
) -> DatasetRow {
    DatasetRow {
        participant: participant.into(),
        study_day: day,
        time: DAY0 + day * 86_400 + secs,
        scope: kind.scope(),
        kind,
        value,
        unit,
        trend,
        flags,
    }
}

fn rows() -> Vec<DatasetRow> {
    use ReadingKind as K;
    vec![
        row(
            ALICE,
            (0, 36_900),
            K::Glucose,
            142_000,
            Unit::MgPerDl,
            Trend::Flat,
            0,
        ),
        row(
            ALICE,
            (0, 37_200),
            K::Glucose,
            145_500,
            Unit::MgPerDl,
            Trend::FortyFiveUp,
            0,
        ),
        row(
            BOB,
            (0, 600),
            K::Glucose,
            5_550,
            Unit::MmolPerL,
            Trend::SingleDown,
            0,
        ),
        row(
            BOB,
            (1, 25_200),
            K::InsulinBolus,
            4_500,
            Unit::InsulinUnits,
            Trend::Unknown,
            0,
        ),
        row(
            ALICE,
            (1, 43_200),
            K::Carbohydrates,
            45_000,
            Unit::Grams,
            Trend::Unknown,
            flags::MANUAL_ENTRY,
        ),
        row(
            CAROL,
            (-3, 3_600),
            K::Glucose,
            39_000,
            Unit::MgPerDl,
            Trend::DoubleDown,
            flags::BELOW_RANGE,
        ),
        row(
            CAROL,
            (-3, 7_200),
            K::Glucose,
            99_099,
            Unit::MgPerDl,
            Trend::Unknown,
            flags::METER,
        ),
        row(
            BOB,
            (2, 0),
            K::TempBasal,
            12_500_030,
            Unit::InsulinUnitsPerHour,
            Trend::Unknown,
            0,
        ),
        row(
            ALICE,
            (2, 86_399),
            K::HeartRate,
            72_000,
            Unit::BeatsPerMinute,
            Trend::Unknown,
            0,
        ),
        row(
            CAROL,
            (5, 50_000),
            K::TherapyEvent,
            4_000,
            Unit::None,
            Trend::Unknown,
            flags::CORRECTION | flags::BACKFILLED,
        ),
        row(
            ALICE,
            (6, 1),
            K::Ketones,
            300,
            Unit::MmolPerL,
            Trend::Unknown,
            0,
        ),
        row(
            BOB,
            (6, 2),
            K::Steps,
            1_234_000,
            Unit::Count,
            Trend::Unknown,
            0,
        ),
        row(
            BOB,
            (6, 3_600),
            K::InsulinBasal,
            1,
            Unit::InsulinUnitsPerHour,
            Trend::Unknown,
            0,
        ),
        row(
            CAROL,
            (6, 7_200),
            K::DeviceEvent,
            -1_500,
            Unit::None,
            Trend::Unknown,
            flags::SENSOR_ERROR,
        ),
        row(
            ALICE,
            (7, 0),
            K::PumpReservoir,
            MAX_VALUE,
            Unit::InsulinUnits,
            Trend::Unknown,
            0,
        ),
    ]
}

const VALID: &str =
    "P-3f2a9c1e5b7d8046,0,2026-01-01T10:15:00Z,glucose,glucose,142,mg_per_dl,flat,0";

/// Lines refused, each with the field its error names and, for the study-day rule, the
/// study's first day.
fn invalid_lines() -> Vec<(String, Option<u64>, RowField, &'static str)> {
    let with = |i: usize, text: &str| {
        let mut f: Vec<&str> = VALID.split(',').collect();
        f[i] = text;
        f.join(",")
    };
    use RowField as F;
    vec![
        (with(5, "142.0"), None, F::Value, "a trailing zero"),
        (with(5, "0142"), None, F::Value, "a leading zero"),
        (with(5, "+142"), None, F::Value, "a plus sign"),
        (with(5, "-0"), None, F::Value, "minus zero"),
        (with(5, "1.0005"), None, F::Value, "four decimals"),
        (
            with(5, "1000000000000"),
            None,
            F::Value,
            "beyond 15 significant digits",
        ),
        (with(8, "+1"), None, F::Flags, "a plus sign"),
        (with(8, "65536"), None, F::Flags, "more than 16 bits"),
        (with(1, "00"), None, F::StudyDay, "a leading zero"),
        (
            with(1, "1"),
            Some(DATA_FROM_DAY),
            F::StudyDay,
            "not the day from data_from_day",
        ),
        (
            with(0, "P-3F2A9C1E5B7D8046"),
            None,
            F::Participant,
            "uppercase hex",
        ),
        (
            with(0, "P-3f2a9c1e5b7d804"),
            None,
            F::Participant,
            "15 hex digits",
        ),
        (
            with(0, "wasm1j2mmggve9m6fpuahtzvwcrj3rud9cqjz9vmqhr"),
            None,
            F::Participant,
            "an address",
        ),
        (
            with(2, "2026-01-01T10:15:00.000Z"),
            None,
            F::TimeUtc,
            "a fraction",
        ),
        (
            with(2, "2026-01-01T11:15:00+01:00"),
            None,
            F::TimeUtc,
            "an offset",
        ),
        (
            with(2, "2026-02-30T10:15:00Z"),
            None,
            F::TimeUtc,
            "no such date",
        ),
        (with(3, "summaries_only"), None, F::Scope, "summaries_only"),
        (with(3, "insulin"), None, F::Scope, "not the kind's scope"),
        (with(4, "cgm"), None, F::Kind, "an unknown kind"),
        (
            with(6, "mg/dL"),
            None,
            F::Unit,
            "a UCUM code, not a unit name",
        ),
        (with(7, "FLAT"), None, F::Trend, "uppercase"),
        (format!("{VALID},"), None, F::Fields, "10 fields"),
        (
            "P-3f2a9c1e5b7d8046,0".to_string(),
            None,
            F::Fields,
            "2 fields",
        ),
        (format!("{VALID}\r"), None, F::Line, "a CR"),
    ]
}

fn csv_of(rows: &[DatasetRow]) -> String {
    let mut out = Vec::new();
    write_csv(&mut out, rows).unwrap();
    String::from_utf8(out).unwrap()
}

/// Whole files refused: the line and field of the first error.
fn invalid_files() -> Vec<(&'static str, String, u64, RowField)> {
    let good = csv_of(&rows()[..3]);
    let ndjson: String = rows()[..3]
        .iter()
        .map(|r| observation_line(r, STUDY) + "\n")
        .collect();
    use RowField as F;
    vec![
        (
            "csv: CRLF line endings",
            good.replace('\n', "\r\n"),
            1,
            F::Line,
        ),
        (
            "csv: no final newline",
            good.trim_end().to_string(),
            4,
            F::Line,
        ),
        (
            "csv: a blank line at the end",
            format!("{good}\n"),
            5,
            F::Line,
        ),
        (
            "csv: a blank line between rows",
            good.replacen(",0\n", ",0\n\n", 1),
            3,
            F::Line,
        ),
        (
            "csv: garbage after the rows",
            format!("{good}# end\n"),
            5,
            F::Fields,
        ),
        (
            "csv: a wrong header",
            good.replacen("time_utc", "time", 1),
            1,
            F::Header,
        ),
        (
            "csv: no header",
            good.split_once('\n').unwrap().1.to_string(),
            1,
            F::Header,
        ),
        ("csv: empty", String::new(), 1, F::Header),
        (
            "csv: study days of two studies",
            good.replacen(",0,2026-01-01T10:20:00Z", ",1,2026-01-01T10:20:00Z", 1),
            3,
            F::StudyDay,
        ),
        (
            "ndjson: CRLF line endings",
            ndjson.replace('\n', "\r\n"),
            1,
            F::Line,
        ),
        (
            "ndjson: no final newline",
            ndjson.trim_end().to_string(),
            3,
            F::Line,
        ),
        (
            "ndjson: a blank line",
            ndjson.replacen('\n', "\n\n", 1),
            2,
            F::Line,
        ),
        (
            "ndjson: two studies",
            format!("{ndjson}{}\n", observation_line(&rows()[3], STUDY + 1)),
            4,
            F::Study,
        ),
    ]
}

/// Observations refused: an edit of the first row's, and the field named.
fn invalid_observations() -> Vec<(&'static str, String, RowField)> {
    let line = observation_line(&rows()[0], STUDY);
    let edit = |from: &str, to: &str| {
        assert!(line.contains(from), "{from}");
        line.replacen(from, to, 1)
    };
    use RowField as F;
    vec![
        (
            "the value edited",
            edit("\"value\":142}", "\"value\":143}"),
            F::Observation,
        ),
        (
            "the value as 142.0: the same JSON number, not the same line",
            edit("\"value\":142}", "\"value\":142.0}"),
            F::Observation,
        ),
        (
            "the value with four decimals",
            edit("\"value\":142}", "\"value\":142.0001}"),
            F::Value,
        ),
        (
            "the value as a string",
            edit("\"value\":142}", "\"value\":\"142\"}"),
            F::Value,
        ),
        (
            "the LOINC code edited",
            edit("99504-3", "105272-9"),
            F::Kind,
        ),
        (
            "the UCUM code edited",
            edit("\"code\":\"mg/dL\"", "\"code\":\"mmol/L\""),
            F::Unit,
        ),
        (
            "the time with a fraction",
            edit("10:15:00Z", "10:15:00.000Z"),
            F::TimeUtc,
        ),
        (
            "the time edited",
            edit("10:15:00Z", "10:15:01Z"),
            F::Observation,
        ),
        (
            "the scope not the kind's",
            edit(
                "\"valueCode\":\"glucose\"},{\"url\":\"kind\"",
                "\"valueCode\":\"insulin\"},{\"url\":\"kind\"",
            ),
            F::Scope,
        ),
        (
            "an unknown trend",
            edit("\"valueCode\":\"flat\"", "\"valueCode\":\"up\""),
            F::Trend,
        ),
        (
            "the study's system",
            edit("urn:diachain:study:7:", "urn:diachain:study:x:"),
            F::Study,
        ),
        (
            "an uppercase pseudonym",
            edit(ALICE, &ALICE.to_uppercase()),
            F::Participant,
        ),
        (
            "a device added",
            edit(
                ",\"effectiveDateTime\"",
                ",\"device\":{\"display\":\"cgm\"},\"effectiveDateTime\"",
            ),
            F::Observation,
        ),
        (
            "a space after a colon",
            edit("\"status\":", "\"status\": "),
            F::Observation,
        ),
        ("not JSON", line[..40].to_string(), F::Observation),
    ]
}

fn hex32(h: [u8; 32]) -> String {
    hex::encode(h)
}

fn computed() -> Value {
    let rows = rows();
    let ctx = ReadContext {
        data_from_day: Some(DATA_FROM_DAY),
        study_id: Some(STUDY),
    };
    let row_vectors: Vec<Value> = rows
        .iter()
        .map(|r| {
            let line = r.to_canonical();
            assert_eq!(parse_csv_line(&line, Some(DATA_FROM_DAY)).as_ref(), Ok(r));
            let obs = observation_line(r, STUDY);
            assert_eq!(
                row_from_observation(&serde_json::from_str(&obs).unwrap()).as_ref(),
                Ok(r)
            );
            json!({ "row": r, "line": line, "leaf": hex32(row_leaf(&line)), "observation": obs })
        })
        .collect();
    let datasets: Vec<Value> = [1usize, 2, 3, 5, 8, rows.len()]
        .iter()
        .map(|&n| {
            let csv = csv_of(&rows[..n]);
            let summary = summarize_csv(csv.as_bytes(), ctx).unwrap();
            let ndjson: String = rows[..n]
                .iter()
                .map(|r| observation_line(r, STUDY) + "\n")
                .collect();
            let from_ndjson = summarize_ndjson(ndjson.as_bytes(), ctx).unwrap();
            assert_eq!(from_ndjson.root, summary.root);
            json!({ "rows": n, "root": hex32(summary.root), "csv": csv, "summary": summary })
        })
        .collect();
    let lines: Vec<Value> = invalid_lines()
        .into_iter()
        .map(|(line, day, field, why)| {
            let e = parse_csv_line(&line, day).expect_err(&line);
            assert_eq!(e.field, field, "{line}: {e}");
            json!({ "line": line, "data_from_day": day, "field": field, "why": why })
        })
        .collect();
    let files: Vec<Value> = invalid_files()
        .into_iter()
        .map(|(name, text, line, field)| {
            let (format, e) = match name.split_once(':').unwrap().0 {
                "csv" => (
                    "csv",
                    summarize_csv(text.as_bytes(), ReadContext::default()),
                ),
                _ => (
                    "fhir_ndjson",
                    summarize_ndjson(text.as_bytes(), ReadContext::default()),
                ),
            };
            let e = e.expect_err(name);
            let e = e.row().unwrap();
            assert_eq!((e.line, e.field), (Some(line), field), "{name}: {e}");
            json!({ "name": name, "format": format, "text": text, "line": line, "field": field })
        })
        .collect();
    let observations: Vec<Value> = invalid_observations()
        .into_iter()
        .map(|(name, text, field)| {
            let e = summarize_ndjson(format!("{text}\n").as_bytes(), ReadContext::default())
                .expect_err(name);
            let e = e.row().unwrap();
            assert_eq!((e.line, e.field), (Some(1), field), "{name}: {e}");
            json!({ "name": name, "ndjson": text, "field": field })
        })
        .collect();
    json!({
        "about": "Dataset format diachain-dataset-row/v1 (docs/research-data.md sections 2 and 4, docs/encoding.md). Written by packages/relayer-types/tests/dataset_vectors.rs; checked by it and by clients/ts/test/unit/dataset.test.ts.",
        "format": FORMAT,
        "row_domain": String::from_utf8(ROW_DOMAIN.to_vec()).unwrap(),
        "csv_header": CSV_HEADER,
        "study_id": STUDY,
        "data_from_day": DATA_FROM_DAY,
        "rows": row_vectors,
        "datasets": datasets,
        "invalid_lines": lines,
        "invalid_files": files,
        "invalid_observations": observations,
        "manifest": manifest_vector(&rows),
    })
}

/// A manifest that differs from the eight-row dataset in every way it can, and the mismatches.
fn manifest_vector(rows: &[DatasetRow]) -> Value {
    let ndjson: String = rows[..8]
        .iter()
        .map(|r| observation_line(r, STUDY) + "\n")
        .collect();
    let summary = summarize_ndjson(ndjson.as_bytes(), ReadContext::default()).unwrap();
    let mut root = summary.root;
    root[31] ^= 0xff;
    let facts = ManifestFacts {
        study_id: STUDY + 1,
        members: 2,
        rows: 9,
        scope_rows: vec![
            ScopeRows {
                scope: DataScope::Glucose,
                rows: 5,
            },
            ScopeRows {
                scope: DataScope::Insulin,
                rows: 3,
            },
            ScopeRows {
                scope: DataScope::Nutrition,
                rows: 1,
            },
        ],
        data_from: (DAY0 - 2 * 86_400) as u64,
        data_to: (DAY0 + 86_400) as u64,
        format: DatasetFormat::Csv,
        time_shifted: false,
        root,
    };
    let mismatches = check_against_manifest(&summary, &facts);
    assert_eq!(mismatches.len(), 8, "{mismatches:?}");
    let matching = ManifestFacts {
        study_id: STUDY,
        members: summary.participants,
        rows: summary.rows,
        scope_rows: summary.scope_rows.clone(),
        data_from: (DAY0 - 3 * 86_400) as u64,
        data_to: (DAY0 + 3 * 86_400) as u64,
        format: DatasetFormat::FhirNdjson,
        time_shifted: true,
        root: summary.root,
    };
    assert_eq!(check_against_manifest(&summary, &matching), vec![]);
    json!({
        "dataset_rows": 8,
        "format": "fhir_ndjson",
        "summary": summary,
        "facts": facts,
        "mismatches": mismatches,
        "matching_facts": matching,
    })
}

const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/dataset.json");

#[test]
fn the_vector_file_is_what_this_implementation_computes() {
    let ours = computed();
    let text = serde_json::to_string_pretty(&ours).unwrap() + "\n";
    if std::env::var_os("DIACHAIN_WRITE_VECTORS").is_some() {
        std::fs::write(PATH, &text).unwrap();
    }
    let stored = std::fs::read_to_string(PATH).expect("tests/vectors/dataset.json");
    let stored: Value = serde_json::from_str(&stored).unwrap();
    assert!(
        stored == ours,
        "tests/vectors/dataset.json differs from what the dataset module computes; if the format \
         changed on purpose, rewrite it with DIACHAIN_WRITE_VECTORS=1"
    );
}

/// docs/encoding.md's ```dataset-vectors block: the first row's line and leaf, the datasets'
/// roots, as the file has them.
#[test]
fn the_documented_vectors_are_the_files() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/encoding.md"
    ))
    .expect("docs/encoding.md");
    let block = doc
        .split("```dataset-vectors\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("docs/encoding.md has a ```dataset-vectors block");
    let documented: Vec<(String, String)> = block
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (name, value) = l.split_once(": ").expect("vector line is `name: value`");
            (name.trim().to_string(), value.trim().to_string())
        })
        .collect();
    assert_eq!(documented, documented_lines(&computed()));
}

/// The block's lines (the TypeScript test builds the same from the vector file).
fn documented_lines(v: &Value) -> Vec<(String, String)> {
    let s = |v: &Value| v.as_str().unwrap().to_string();
    let mut out = vec![
        ("row[0] line".to_string(), s(&v["rows"][0]["line"])),
        ("row[0] leaf".to_string(), s(&v["rows"][0]["leaf"])),
    ];
    for d in v["datasets"].as_array().unwrap() {
        out.push((format!("root of rows[0..{}]", d["rows"]), s(&d["root"])));
    }
    out
}
