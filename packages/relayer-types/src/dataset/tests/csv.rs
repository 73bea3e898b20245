use super::{assorted, glucose, DATA_FROM_DAY};
use crate::dataset::*;

fn file(rows: &[DatasetRow]) -> Vec<u8> {
    let mut out = Vec::new();
    write_csv(&mut out, rows).unwrap();
    out
}

fn read(bytes: &[u8], ctx: ReadContext) -> Result<Vec<LineRow>, DatasetError> {
    CsvReader::new(bytes, ctx).collect()
}

fn error(bytes: &[u8]) -> RowError {
    match read(bytes, ReadContext::default()) {
        Err(DatasetError::Row(e)) => e,
        other => panic!("{other:?} for {:?}", String::from_utf8_lossy(bytes)),
    }
}

#[test]
fn a_written_file_reads_back_with_line_numbers() {
    let rows = assorted();
    let bytes = file(&rows);
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(text.starts_with(&format!("{CSV_HEADER}\n")));
    assert!(text.ends_with('\n') && !text.ends_with("\n\n"));
    assert_eq!(text.lines().count(), rows.len() + 1);
    let back = read(&bytes, ReadContext::default()).unwrap();
    assert_eq!(back.iter().map(|r| r.row.clone()).collect::<Vec<_>>(), rows);
    assert_eq!(
        back.iter().map(|r| r.line).collect::<Vec<_>>(),
        (2..rows.len() as u64 + 2).collect::<Vec<_>>()
    );
    let mut reader = CsvReader::new(&bytes[..], ReadContext::default());
    reader.by_ref().for_each(|r| {
        r.unwrap();
    });
    assert_eq!(reader.data_from_day(), Some(DATA_FROM_DAY));
    // A header alone is a dataset of no rows.
    assert_eq!(read(&file(&[]), ReadContext::default()).unwrap(), vec![]);
}

#[test]
fn the_header_must_be_exactly_the_header() {
    let rows = file(&[glucose(0, 0, 0, 1)]);
    let body = &rows[CSV_HEADER.len() + 1..];
    let e = error(b"");
    assert_eq!((e.line, e.field), (Some(1), RowField::Header));
    for header in [
        "participant,study_day,time_utc,scope,kind,value,unit,trend",
        "Participant,study_day,time_utc,scope,kind,value,unit,trend,flags",
        "\u{feff}participant,study_day,time_utc,scope,kind,value,unit,trend,flags",
        "participant, study_day,time_utc,scope,kind,value,unit,trend,flags",
    ] {
        let bytes = [format!("{header}\n").as_bytes(), body].concat();
        let e = error(&bytes);
        assert_eq!((e.line, e.field), (Some(1), RowField::Header), "{header}");
    }
    // No header: the first row is not one.
    let e = error(body);
    assert_eq!((e.line, e.field), (Some(1), RowField::Header));
}

#[test]
fn crlf_blank_lines_and_a_missing_final_newline_are_refused_with_their_line() {
    let good = String::from_utf8(file(&[glucose(0, 0, 0, 1), glucose(1, 0, 60, 2)])).unwrap();
    let cases = [
        (good.replace('\n', "\r\n"), 1),
        (good.replacen("\n", "\r\n", 2).replacen("\r\n", "\n", 1), 2),
        (good.trim_end().to_string(), 3),
        (format!("{good}\n"), 4),
        (good.replacen('\n', "\n\n", 2).replacen("\n\n", "\n", 1), 3),
        (format!("{good}garbage"), 4),
        (format!("{good}garbage\n"), 4),
        (format!("{good} \n"), 4),
    ];
    for (text, line) in cases {
        let e = error(text.as_bytes());
        assert_eq!(e.line, Some(line), "{text:?}: {e}");
        assert!(
            matches!(e.field, RowField::Line | RowField::Fields),
            "{text:?}: {e}"
        );
    }
}

#[test]
fn the_first_error_ends_the_reading_and_names_its_line() {
    let rows = [
        glucose(0, 0, 0, 1),
        glucose(1, 0, 60, 2),
        glucose(2, 0, 120, 3),
    ];
    let text = String::from_utf8(file(&rows))
        .unwrap()
        .replace(",0.002,", ",0.0020,");
    let mut reader = CsvReader::new(text.as_bytes(), ReadContext::default());
    assert_eq!(reader.next().unwrap().unwrap().line, 2);
    let e = reader.next().unwrap().unwrap_err();
    let e = e.row().unwrap();
    assert_eq!((e.line, e.field), (Some(3), RowField::Value));
    assert!(e.to_string().starts_with("line 3, value: "), "{e}");
    assert!(reader.next().is_none());
}

#[test]
fn every_row_of_a_file_is_of_one_studys_days() {
    let mut rows = vec![glucose(0, 0, 0, 1), glucose(1, 1, 0, 2)];
    assert!(read(&file(&rows), ReadContext::default()).is_ok());
    rows[1].study_day = 2;
    let bytes = file(&rows);
    let e = read(&bytes, ReadContext::default()).unwrap_err();
    assert_eq!(
        (e.row().unwrap().line, e.row().unwrap().field),
        (Some(3), RowField::StudyDay)
    );
    // With the study's first day given, the first row is checked too.
    let ctx = ReadContext {
        data_from_day: Some(DATA_FROM_DAY - 1),
        study_id: None,
    };
    let e = read(&file(&rows[..1]), ctx).unwrap_err();
    assert_eq!(e.row().unwrap().line, Some(2));
    // A first row whose study day puts the first day before 1970.
    let e = read(
        &file(&[DatasetRow {
            study_day: 30_000,
            ..glucose(0, 0, 0, 1)
        }]),
        ReadContext::default(),
    )
    .unwrap_err();
    assert_eq!(e.row().unwrap().field, RowField::StudyDay);
}

#[test]
fn an_over_long_line_is_refused_without_reading_it_all() {
    let mut bytes = file(&[glucose(0, 0, 0, 1)]);
    bytes.extend(std::iter::repeat_n(b'x', 10 * MAX_CSV_LINE));
    bytes.push(b'\n');
    let e = error(&bytes);
    assert_eq!((e.line, e.field), (Some(3), RowField::Line));
}

#[test]
fn a_reader_error_is_an_io_error() {
    struct Failing;
    impl std::io::Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk"))
        }
    }
    let r = std::io::BufReader::new(Failing);
    let e = CsvReader::new(r, ReadContext::default())
        .next()
        .unwrap()
        .unwrap_err();
    assert!(matches!(e, DatasetError::Io(_)), "{e}");
}
