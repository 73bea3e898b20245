use diachain_std::encoding::{ReadingKind, Trend, Unit};
use diachain_std::DataScope;

use super::{assorted, glucose, DATA_FROM_DAY};
use crate::dataset::*;

const LINE: &str = "P-0123456789abcdef,3,2026-01-04T10:15:00Z,glucose,glucose,142,mg_per_dl,flat,0";

fn field_of(line: &str, ctx: Option<u64>) -> RowField {
    parse_csv_line(line, ctx).expect_err(line).field
}

#[test]
fn a_row_is_its_csv_line_and_reads_back() {
    let row = glucose(0, 3, 36_900, 142_000);
    assert_eq!(row.to_canonical(), LINE);
    assert_eq!(parse_csv_line(LINE, None), Ok(row.clone()));
    assert_eq!(parse_csv_line(LINE, Some(DATA_FROM_DAY)), Ok(row.clone()));
    assert_eq!(row.leaf(), row_leaf(LINE));
    for row in assorted() {
        let line = row.to_canonical();
        assert_eq!(
            parse_csv_line(&line, Some(DATA_FROM_DAY)),
            Ok(row.clone()),
            "{line}"
        );
        row.check().unwrap();
    }
}

#[test]
fn values_are_written_without_trailing_zeros() {
    for (v, text) in [
        (142_000, "142"),
        (7_850, "7.85"),
        (-1_500, "-1.5"),
        (0, "0"),
        (1, "0.001"),
        (-1, "-0.001"),
        (100, "0.1"),
        (10_000, "10"),
        (99_099, "99.099"),
        (MAX_VALUE, "999999999999.999"),
        (-MAX_VALUE, "-999999999999.999"),
    ] {
        assert_eq!(format_value(v), text);
        assert_eq!(parse_value(text), Some(v), "{text}");
    }
    assert_eq!(format_value(i64::MIN), "-9223372036854775.808");
    for bad in [
        "",
        "-",
        ".5",
        "5.",
        "1.2345",
        "1e3",
        "+1",
        "1,5",
        " 1",
        "--1",
        "9223372036854776",
    ] {
        assert_eq!(parse_value(bad), None, "{bad}");
    }
}

#[test]
fn every_field_must_be_in_its_canonical_form() {
    let with = |i: usize, text: &str| {
        let mut f: Vec<&str> = LINE.split(',').collect();
        f[i] = text;
        f.join(",")
    };
    let cases: &[(usize, &str, RowField)] = &[
        (0, "P-0123456789ABCDEF", RowField::Participant),
        (0, "P-0123456789abcde", RowField::Participant),
        (0, "P-0123456789abcdef0", RowField::Participant),
        (0, "p-0123456789abcdef", RowField::Participant),
        (0, "Q-0123456789abcdef", RowField::Participant),
        (0, "P-0123456789abcdeg", RowField::Participant),
        (1, "+3", RowField::StudyDay),
        (1, "03", RowField::StudyDay),
        (1, "-0", RowField::StudyDay),
        (1, "3.0", RowField::StudyDay),
        (1, "", RowField::StudyDay),
        (1, "99999999999999999999", RowField::StudyDay),
        (1, "2932897", RowField::StudyDay),
        (2, "2026-01-04T10:15:00.000Z", RowField::TimeUtc),
        (2, "2026-01-04T10:15:00+00:00", RowField::TimeUtc),
        (2, "2026-01-04 10:15:00Z", RowField::TimeUtc),
        (2, "1767521700", RowField::TimeUtc),
        (3, "Glucose", RowField::Scope),
        (3, "summaries_only", RowField::Scope),
        (3, "insulin", RowField::Scope),
        (4, "cgm", RowField::Kind),
        (4, "insulin_bolus", RowField::Scope),
        (5, "142.0", RowField::Value),
        (5, "142.000", RowField::Value),
        (5, "0142", RowField::Value),
        (5, "+142", RowField::Value),
        (5, "-0", RowField::Value),
        (5, "1.2345", RowField::Value),
        (5, "1e3", RowField::Value),
        (5, "1000000000000", RowField::Value),
        (5, "", RowField::Value),
        (6, "mg/dL", RowField::Unit),
        (6, "MG_PER_DL", RowField::Unit),
        (7, "Flat", RowField::Trend),
        (7, "", RowField::Trend),
        (8, "0x10", RowField::Flags),
        (8, "010", RowField::Flags),
        (8, "+1", RowField::Flags),
        (8, "65536", RowField::Flags),
        (8, "-1", RowField::Flags),
    ];
    for (i, text, field) in cases {
        let line = with(*i, text);
        let e = parse_csv_line(&line, None).expect_err(&line);
        assert_eq!(e.field, *field, "{line}: {e}");
        assert_eq!(e.line, None);
    }
    assert_eq!(field_of(&format!("{LINE},"), None), RowField::Fields);
    assert_eq!(field_of("P-0123456789abcdef,3", None), RowField::Fields);
    assert_eq!(field_of("", None), RowField::Fields);
    assert_eq!(
        field_of(&format!("\"{LINE}\""), None),
        RowField::Participant
    );
    assert_eq!(field_of(&format!("{LINE}\r"), None), RowField::Line);
    assert_eq!(field_of(&format!(" {LINE}"), None), RowField::Participant);
    assert_eq!(field_of(&format!("{LINE} "), None), RowField::Flags);
}

#[test]
fn the_study_day_must_be_the_rows_day_from_the_studys_first_day() {
    assert!(parse_csv_line(LINE, Some(DATA_FROM_DAY)).is_ok());
    let e = parse_csv_line(LINE, Some(DATA_FROM_DAY + 1)).unwrap_err();
    assert_eq!(e.field, RowField::StudyDay);
    assert!(e.to_string().contains("20457"), "{e}");
    // Shifted before the first day: a negative study day.
    let early = glucose(1, -5, 60, 90_000);
    assert_eq!(
        parse_csv_line(&early.to_canonical(), Some(DATA_FROM_DAY)),
        Ok(early)
    );
}

#[test]
fn a_row_the_format_cannot_hold_is_refused_by_check_and_the_writer() {
    let bad = [
        DatasetRow {
            participant: "alice".into(),
            ..glucose(0, 0, 0, 1)
        },
        DatasetRow {
            scope: DataScope::Insulin,
            ..glucose(0, 0, 0, 1)
        },
        DatasetRow {
            scope: DataScope::SummariesOnly,
            ..glucose(0, 0, 0, 1)
        },
        DatasetRow {
            time: -1,
            ..glucose(0, 0, 0, 1)
        },
        DatasetRow {
            time: i64::MAX,
            ..glucose(0, 0, 0, 1)
        },
        DatasetRow {
            value: MAX_VALUE + 1,
            ..glucose(0, 0, 0, 1)
        },
        DatasetRow {
            value: i64::MIN,
            ..glucose(0, 0, 0, 1)
        },
        DatasetRow {
            study_day: i64::MIN,
            ..glucose(0, 0, 0, 1)
        },
        DatasetRow {
            participant: "P-0123456789abcdef,x".into(),
            ..glucose(0, 0, 0, 1)
        },
    ];
    for row in bad {
        assert!(row.check().is_err(), "{row:?}");
        let mut out = Vec::new();
        let e = write_row(&mut out, &row).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
        assert!(out.is_empty());
        assert!(write_observation(&mut out, &row, 1).is_err());
        assert!(out.is_empty());
    }
    let ok = DatasetRow {
        kind: ReadingKind::InsulinBolus,
        scope: DataScope::Insulin,
        unit: Unit::InsulinUnits,
        trend: Trend::Unknown,
        ..glucose(0, 0, 0, 1)
    };
    ok.check().unwrap();
}

#[test]
fn errors_name_the_line_and_the_field() {
    let e = parse_csv_line("x", None).unwrap_err().at(12);
    assert_eq!(e.to_string(), "line 12, fields: 1 fields; a row has 9");
    let e = parse_csv_line(&LINE.replace(",142,", ",142.0,"), None).unwrap_err();
    assert_eq!(
        e.to_string(),
        "value: `142.0` is not in canonical form (`142`)"
    );
}
