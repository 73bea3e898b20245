use diachain_std::merkle;
use diachain_std::DataScope;

use super::{assorted, glucose, DATA_FROM_DAY, DAY0, STUDY};
use crate::dataset::*;

fn csv(rows: &[DatasetRow]) -> Vec<u8> {
    let mut out = Vec::new();
    write_csv(&mut out, rows).unwrap();
    out
}

fn ndjson(rows: &[DatasetRow]) -> Vec<u8> {
    let mut out = Vec::new();
    write_ndjson(&mut out, rows, STUDY).unwrap();
    out
}

fn facts(s: &DatasetSummary) -> ManifestFacts {
    ManifestFacts {
        study_id: STUDY,
        members: s.participants,
        rows: s.rows,
        scope_rows: s.scope_rows.clone(),
        data_from: s.first_time.unwrap() as u64,
        data_to: s.last_time.unwrap() as u64,
        format: s.format,
        time_shifted: false,
        root: s.root,
    }
}

#[test]
fn a_summary_counts_rows_scopes_participants_and_the_period_and_gives_the_root() {
    let rows = assorted();
    let s = summarize_csv(&csv(&rows)[..], ReadContext::default()).unwrap();
    let leaves: Vec<merkle::Hash> = rows.iter().map(|r| row_leaf(&r.to_canonical())).collect();
    assert_eq!(s.root, merkle::root(&leaves));
    assert_eq!(s.rows, rows.len() as u64);
    assert_eq!(s.format, DatasetFormat::Csv);
    assert_eq!(
        s.scope_rows,
        vec![
            ScopeRows {
                scope: DataScope::Glucose,
                rows: 2
            },
            ScopeRows {
                scope: DataScope::Insulin,
                rows: 3
            },
            ScopeRows {
                scope: DataScope::Nutrition,
                rows: 1
            },
            ScopeRows {
                scope: DataScope::DeviceEvents,
                rows: 9
            },
        ]
    );
    assert_eq!(s.participants, 3);
    assert_eq!(s.first_time, rows.iter().map(|r| r.time).min());
    assert_eq!(s.last_time, rows.iter().map(|r| r.time).max());
    assert_eq!((s.data_from_day, s.study_id), (Some(DATA_FROM_DAY), None));

    let n = summarize_ndjson(&ndjson(&rows)[..], ReadContext::default()).unwrap();
    assert_eq!(n.root, s.root);
    assert_eq!(n.format, DatasetFormat::FhirNdjson);
    assert_eq!(n.study_id, Some(STUDY));
    assert_eq!(
        DatasetSummary {
            format: DatasetFormat::Csv,
            study_id: None,
            ..n
        },
        s
    );
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["root"], hex::encode(s.root));
    assert_eq!(json["format"], "csv");
    assert_eq!(serde_json::from_value::<DatasetSummary>(json).unwrap(), s);
}

#[test]
fn an_empty_dataset_has_the_empty_root_and_no_period() {
    let s = summarize_csv(&csv(&[])[..], ReadContext::default()).unwrap();
    assert_eq!((s.rows, s.participants, s.first_time), (0, 0, None));
    assert_eq!(s.root, merkle::root(&[]));
    let s = summarize_ndjson(&b""[..], ReadContext::default()).unwrap();
    assert_eq!((s.rows, s.study_id), (0, None));
}

#[test]
fn the_file_of_a_manifest_has_no_mismatch() {
    for bytes in [csv(&assorted()), ndjson(&assorted())] {
        let s = match bytes[0] {
            b'{' => summarize_ndjson(&bytes[..], ReadContext::default()),
            _ => summarize_csv(&bytes[..], ReadContext::default()),
        }
        .unwrap();
        assert_eq!(check_against_manifest(&s, &facts(&s)), vec![]);
    }
}

#[test]
fn every_difference_from_the_manifest_is_listed_precisely() {
    let rows = assorted();
    let s = summarize_ndjson(&ndjson(&rows)[..], ReadContext::default()).unwrap();
    let mut m = facts(&s);
    m.root[0] ^= 1;
    m.rows += 1;
    m.members = 2;
    m.format = DatasetFormat::Csv;
    m.study_id = 9;
    m.scope_rows = vec![
        ScopeRows {
            scope: DataScope::Glucose,
            rows: 2,
        },
        ScopeRows {
            scope: DataScope::Nutrition,
            rows: 2,
        },
        ScopeRows {
            scope: DataScope::Insulin,
            rows: 3,
        },
    ];
    m.data_from += 1;
    m.data_to -= 1;
    let found = check_against_manifest(&s, &m);
    assert_eq!(
        found,
        vec![
            Mismatch::Format {
                manifest: DatasetFormat::Csv,
                file: DatasetFormat::FhirNdjson
            },
            Mismatch::Study {
                manifest: 9,
                file: STUDY
            },
            Mismatch::Root {
                manifest: m.root,
                file: s.root
            },
            Mismatch::Rows {
                manifest: s.rows + 1,
                file: s.rows
            },
            Mismatch::ScopeOrder,
            Mismatch::ScopeRows {
                scope: DataScope::Nutrition,
                manifest: 2,
                file: 1
            },
            Mismatch::ScopeRows {
                scope: DataScope::DeviceEvents,
                manifest: 0,
                file: 9
            },
            Mismatch::Members {
                manifest: 2,
                file: 3
            },
            Mismatch::BeforePeriod {
                first_time: s.first_time.unwrap(),
                bound: s.first_time.unwrap() + 1,
                time_shifted: false
            },
            Mismatch::AfterPeriod {
                last_time: s.last_time.unwrap(),
                bound: s.last_time.unwrap() - 1,
                time_shifted: false
            },
        ]
    );
    let text: Vec<String> = found.iter().map(ToString::to_string).collect();
    assert!(text[0].contains("fhir_ndjson"), "{}", text[0]);
    assert!(
        text[5].starts_with("rows of scope nutrition: the manifest records 2, the file has 1"),
        "{}",
        text[5]
    );
    let json = serde_json::to_value(&found[2]).unwrap();
    assert_eq!(json["mismatch"], "root");
    assert_eq!(json["file"], hex::encode(s.root));
}

#[test]
fn a_shifted_dataset_may_lie_up_to_seven_days_either_side_of_its_period() {
    let rows = [glucose(0, -7, 0, 1), glucose(1, 20, 86_399, 1)];
    let s = summarize_csv(&csv(&rows)[..], ReadContext::default()).unwrap();
    let mut m = facts(&s);
    m.data_from = (DAY0) as u64;
    m.data_to = (DAY0 + 13 * 86_400 + 86_399) as u64;
    m.time_shifted = true;
    assert_eq!(check_against_manifest(&s, &m), vec![]);
    m.data_from += 1;
    m.data_to -= 1;
    let found = check_against_manifest(&s, &m);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].to_string().contains("largest time shift"));
    m.time_shifted = false;
    m.data_from = m.data_to + 1;
    assert_eq!(
        check_against_manifest(&s, &m),
        vec![Mismatch::Period {
            data_from: m.data_from as i64,
            data_to: m.data_to as i64
        }]
    );
}

#[test]
fn a_file_that_cannot_be_read_has_no_summary() {
    let mut bytes = csv(&assorted());
    bytes.pop();
    let e = summarize_csv(&bytes[..], ReadContext::default()).unwrap_err();
    assert_eq!(e.row().unwrap().field, RowField::Line);
    let ctx = ReadContext {
        data_from_day: Some(DATA_FROM_DAY + 1),
        study_id: None,
    };
    let e = summarize_csv(&csv(&assorted())[..], ctx).unwrap_err();
    assert_eq!(
        (e.row().unwrap().line, e.row().unwrap().field),
        (Some(2), RowField::StudyDay)
    );
}
