use diachain_std::encoding::{flags, ReadingKind, Trend, Unit};
use serde_json::{json, Value};

use super::{assorted, glucose, DATA_FROM_DAY, STUDY};
use crate::dataset::*;
use crate::fhir::{LOINC, PROFILE_MASS, PROFILE_MOLAR, UCUM};

fn ndjson(rows: &[DatasetRow]) -> Vec<u8> {
    let mut out = Vec::new();
    write_ndjson(&mut out, rows, STUDY).unwrap();
    out
}

fn read(bytes: &[u8], ctx: ReadContext) -> Result<Vec<LineRow>, DatasetError> {
    NdjsonReader::new(bytes, ctx).collect()
}

fn decode_err(obs: &Value) -> RowError {
    row_from_observation(obs).expect_err(&obs.to_string())
}

#[test]
fn cgm_glucose_is_the_cgm_igs_sensor_reading_observation() {
    let row = glucose(0, 3, 36_900, 142_000);
    let o = observation(&row, STUDY);
    assert_eq!(o["resourceType"], "Observation");
    assert_eq!(o["status"], "final");
    assert_eq!(o["meta"]["profile"], json!([PROFILE_MASS]));
    assert_eq!(o["category"][0]["coding"][0]["code"], "laboratory");
    assert_eq!(
        o["code"]["coding"],
        json!([{ "system": LOINC, "code": "99504-3", "display": "Glucose [Mass/volume] in Interstitial fluid" }])
    );
    assert_eq!(
        o["valueQuantity"],
        json!({ "value": 142, "unit": "mg/dL", "system": UCUM, "code": "mg/dL" })
    );
    assert_eq!(o["effectiveDateTime"], "2026-01-04T10:15:00Z");
    assert_eq!(
        o["subject"],
        json!({ "identifier": { "system": "urn:diachain:study:7:participant", "value": "P-0123456789abcdef" } })
    );
    for absent in ["device", "identifier", "performer", "text"] {
        assert!(o.get(absent).is_none(), "{absent}");
    }
    assert_eq!(
        o["id"].as_str().unwrap(),
        format!("row-{}", &hex::encode(row.leaf())[..60])
    );
    let molar = DatasetRow {
        unit: Unit::MmolPerL,
        value: 5_550,
        ..row.clone()
    };
    let o = observation(&molar, STUDY);
    assert_eq!(o["code"]["coding"][0]["code"], "105272-9");
    assert_eq!(o["meta"]["profile"][0], PROFILE_MOLAR);
    assert_eq!(o["valueQuantity"]["value"], json!(5.55));
    let meter = DatasetRow {
        flags: flags::METER,
        ..row.clone()
    };
    let o = observation(&meter, STUDY);
    assert_eq!(o["code"]["coding"][0]["code"], "41653-7");
    assert!(o.get("meta").is_none());
    let low = DatasetRow {
        flags: flags::BELOW_RANGE,
        value: 39_000,
        ..row
    };
    assert_eq!(
        observation(&low, STUDY)["valueQuantity"]["comparator"],
        "<="
    );
}

#[test]
fn other_kinds_are_coded_by_kind_with_ucum_units_where_they_exist() {
    let bolus = DatasetRow {
        kind: ReadingKind::InsulinBolus,
        scope: ReadingKind::InsulinBolus.scope(),
        unit: Unit::InsulinUnits,
        value: 4_500,
        trend: Trend::Unknown,
        ..glucose(0, 0, 0, 0)
    };
    let o = observation(&bolus, STUDY);
    assert_eq!(
        o["code"]["coding"],
        json!([{ "system": READING_KIND_SYSTEM, "code": "insulin_bolus", "display": "Insulin bolus" }])
    );
    assert_eq!(
        o["valueQuantity"],
        json!({ "value": 4.5, "unit": "[IU]", "system": UCUM, "code": "[IU]" })
    );
    assert_eq!(o["category"][0]["coding"][0]["code"], "therapy");
    assert!(o.get("meta").is_none());
    let event = DatasetRow {
        kind: ReadingKind::TherapyEvent,
        scope: ReadingKind::TherapyEvent.scope(),
        unit: Unit::None,
        value: 4_000,
        ..bolus.clone()
    };
    let o = observation(&event, STUDY);
    assert_eq!(o["valueQuantity"], json!({ "value": 4 }));
    assert!(o.get("category").is_none());
    let temp = DatasetRow {
        kind: ReadingKind::TempBasal,
        unit: Unit::InsulinUnitsPerHour,
        value: 12_500_030,
        ..bolus
    };
    assert_eq!(
        observation(&temp, STUDY)["valueQuantity"],
        json!({ "value": 12500.03 })
    );
    // Glucose in a unit that is not mg/dL or mmol/L: DiaChain's code, no profile.
    let odd = DatasetRow {
        unit: Unit::None,
        ..glucose(0, 0, 0, 5)
    };
    let o = observation(&odd, STUDY);
    assert_eq!(o["code"]["coding"][0]["system"], READING_KIND_SYSTEM);
    assert!(o.get("meta").is_none());
}

#[test]
fn every_row_reads_back_from_its_observation_alone() {
    for row in assorted() {
        let o = observation(&row, STUDY);
        assert_eq!(row_from_observation(&o), Ok(row.clone()), "{o}");
        assert_eq!(decode_observation(&o).unwrap().0, STUDY);
        let line = observation_line(&row, STUDY);
        let reparsed: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(row_from_observation(&reparsed), Ok(row));
        assert!(!line.contains('\n') && !line.contains(": "));
    }
}

#[test]
fn an_edited_observation_is_refused_with_the_field_it_touches() {
    let row = DatasetRow {
        value: 98_500,
        ..glucose(0, 3, 36_900, 0)
    };
    let o = observation(&row, STUDY);
    let edit = |f: &dyn Fn(&mut Value)| {
        let mut e = o.clone();
        f(&mut e);
        decode_err(&e)
    };
    type Edit = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(Edit, RowField)> = vec![
        (
            Box::new(|v| v["valueQuantity"]["value"] = json!(98.4)),
            RowField::Observation,
        ),
        (
            Box::new(|v| v["valueQuantity"]["value"] = json!("98.5")),
            RowField::Value,
        ),
        (
            Box::new(|v| v["valueQuantity"]["value"] = json!(98.5001)),
            RowField::Value,
        ),
        (
            Box::new(|v| v["valueQuantity"]["code"] = json!("mmol/L")),
            RowField::Unit,
        ),
        (
            Box::new(|v| v["valueQuantity"]["comparator"] = json!("<")),
            RowField::Flags,
        ),
        (
            Box::new(|v| v["code"]["coding"][0]["code"] = json!("105272-9")),
            RowField::Kind,
        ),
        (
            Box::new(|v| v["code"]["coding"][0]["display"] = json!("Glucose")),
            RowField::Kind,
        ),
        (
            Box::new(|v| v["effectiveDateTime"] = json!("2026-01-04T10:15:00.000Z")),
            RowField::TimeUtc,
        ),
        (
            Box::new(|v| v["effectiveDateTime"] = json!("2026-01-04T10:15:01Z")),
            RowField::Observation,
        ),
        (
            Box::new(|v| v["subject"]["identifier"]["value"] = json!("P-0123456789ABCDEF")),
            RowField::Participant,
        ),
        (
            Box::new(|v| {
                v["subject"]["identifier"]["system"] = json!("urn:diachain:study:07:participant")
            }),
            RowField::Study,
        ),
        (
            Box::new(|v| v["subject"]["reference"] = json!("Patient/1")),
            RowField::Participant,
        ),
        (
            Box::new(|v| v["extension"][0]["extension"][1]["valueCode"] = json!("insulin")),
            RowField::Scope,
        ),
        (
            Box::new(|v| v["extension"][0]["extension"][2]["valueCode"] = json!("cgm")),
            RowField::Kind,
        ),
        (
            Box::new(|v| v["extension"][0]["extension"][3]["valueCode"] = json!("mmol_per_l")),
            RowField::Kind,
        ),
        (
            Box::new(|v| v["extension"][0]["extension"][4]["valueCode"] = json!("up")),
            RowField::Trend,
        ),
        (
            Box::new(|v| v["extension"][0]["extension"][5]["valueInteger"] = json!(70000)),
            RowField::Flags,
        ),
        (
            Box::new(|v| v["extension"][0]["extension"][0]["valueInteger"] = json!(3.5)),
            RowField::StudyDay,
        ),
        (
            Box::new(|v| v["extension"][0]["extension"][0]["valueInteger"] = json!(4)),
            RowField::Observation,
        ),
        (
            Box::new(|v| {
                v["extension"][0]["extension"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!({"url": "salt", "valueString": "x"}))
            }),
            RowField::Observation,
        ),
        (
            Box::new(|v| {
                let e = v["extension"][0].clone();
                v["extension"].as_array_mut().unwrap().push(e)
            }),
            RowField::Observation,
        ),
        (
            Box::new(|v| v["device"] = json!({ "identifier": { "value": "cgm-1" } })),
            RowField::Observation,
        ),
        (Box::new(|v| v["meta"] = json!({})), RowField::Observation),
        (
            Box::new(|v| v["status"] = json!("amended")),
            RowField::Observation,
        ),
        (
            Box::new(|v| v["id"] = json!("row-0")),
            RowField::Observation,
        ),
        (
            Box::new(|v| v["resourceType"] = json!("Patient")),
            RowField::Observation,
        ),
    ];
    for (i, (f, field)) in cases.iter().enumerate() {
        let e = edit(f.as_ref());
        assert_eq!(e.field, *field, "case {i}: {e}");
    }
    assert_eq!(decode_err(&json!([])).field, RowField::Observation);
    // JSON does not tell 98.5 from 98.50 nor 3 from 3.0 (nor does JavaScript): as values,
    // they are the row's; how a number is written is the NDJSON reader's byte check.
    let mut float = o.clone();
    float["extension"][0]["extension"][0]["valueInteger"] = json!(3.0);
    assert_eq!(row_from_observation(&float), Ok(row.clone()));
}

#[test]
fn a_written_ndjson_file_reads_back_and_each_line_is_exactly_its_rows() {
    let rows = assorted();
    let bytes = ndjson(&rows);
    let back = read(&bytes, ReadContext::default()).unwrap();
    assert_eq!(back.iter().map(|r| r.row.clone()).collect::<Vec<_>>(), rows);
    assert_eq!(back[0].line, 1);
    let mut reader = NdjsonReader::new(&bytes[..], ReadContext::default());
    reader.by_ref().for_each(|r| {
        r.unwrap();
    });
    assert_eq!(
        (reader.study_id(), reader.data_from_day()),
        (Some(STUDY), Some(DATA_FROM_DAY))
    );

    let text = String::from_utf8(bytes).unwrap();
    let first = text.lines().next().unwrap();
    let pretty = serde_json::to_string_pretty(&serde_json::from_str::<Value>(first).unwrap())
        .unwrap()
        .replace('\n', "");
    for (edited, field) in [
        (first.replacen("{", "{ ", 1), RowField::Observation),
        (pretty, RowField::Observation),
        (
            first.replacen("\"value\":142}", "\"value\":142.0}", 1),
            RowField::Observation,
        ),
        (
            first.replacen("\"value\":142}", "\"value\":142.5001}", 1),
            RowField::Value,
        ),
        (
            first.replacen("\"value\":142}", "\"value\":1.42e2}", 1),
            RowField::Observation,
        ),
        (
            first.replacen(
                "\"status\":\"final\"",
                "\"status\":\"final\",\"status\":\"final\"",
                1,
            ),
            RowField::Observation,
        ),
        (first.to_string() + " ", RowField::Observation),
        ("{".to_string(), RowField::Observation),
    ] {
        assert_ne!(edited, first);
        let e = read(format!("{edited}\n").as_bytes(), ReadContext::default()).unwrap_err();
        let e = e.row().unwrap();
        assert_eq!((e.line, e.field), (Some(1), field), "{edited}: {e}");
    }
    let crlf = text.replace('\n', "\r\n");
    assert_eq!(
        read(crlf.as_bytes(), ReadContext::default())
            .unwrap_err()
            .row()
            .unwrap()
            .field,
        RowField::Line
    );
    let unterminated = text.trim_end();
    let e = read(unterminated.as_bytes(), ReadContext::default()).unwrap_err();
    assert_eq!(e.row().unwrap().line, Some(rows.len() as u64));
}

#[test]
fn one_ndjson_file_is_one_studys() {
    let a = observation_line(&glucose(0, 0, 0, 1), 7);
    let b = observation_line(&glucose(1, 0, 60, 1), 8);
    let e = read(format!("{a}\n{b}\n").as_bytes(), ReadContext::default()).unwrap_err();
    let e = e.row().unwrap();
    assert_eq!((e.line, e.field), (Some(2), RowField::Study));
    let ctx = ReadContext {
        study_id: Some(8),
        data_from_day: None,
    };
    let e = read(format!("{a}\n").as_bytes(), ctx).unwrap_err();
    assert_eq!(e.row().unwrap().field, RowField::Study);
}
