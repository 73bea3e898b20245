//! Random rows through both formats: every valid row round-trips through its CSV line and its
//! Observation, and a list of them gives the same root from either file.

use diachain_std::encoding::{ReadingKind, Trend, Unit};
use proptest::prelude::*;

use super::{DATA_FROM_DAY, DAY0};
use crate::dataset::time::MAX_TIME;
use crate::dataset::*;

fn row() -> impl Strategy<Value = DatasetRow> {
    (
        any::<u64>(),
        0..ReadingKind::ALL.len(),
        0..Unit::ALL.len(),
        0..Trend::ALL.len(),
        any::<u16>(),
        prop_oneof![
            -MAX_VALUE..=MAX_VALUE,
            -1_000_000i64..=1_000_000,
            (0i64..1000).prop_map(|v| v * 1000),
        ],
        prop_oneof![(DAY0 - 7 * 86_400)..(DAY0 + 400 * 86_400), 0..=MAX_TIME],
    )
        .prop_map(|(p, k, u, t, flags, value, time)| {
            let kind = ReadingKind::ALL[k];
            DatasetRow {
                participant: format!("P-{p:016x}"),
                study_day: time.div_euclid(86_400) - DATA_FROM_DAY as i64,
                time,
                scope: kind.scope(),
                kind,
                value,
                unit: Unit::ALL[u],
                trend: Trend::ALL[t],
                flags,
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_row_round_trips_through_its_line_and_its_observation(row in row()) {
        let line = row.to_canonical();
        prop_assert_eq!(parse_csv_line(&line, Some(DATA_FROM_DAY)), Ok(row.clone()));
        let obs = observation(&row, 42);
        prop_assert_eq!(decode_observation(&obs), Ok((42, row.clone())));
        let text = observation_line(&row, 42);
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(row_from_observation(&back), Ok(row));
    }

    #[test]
    fn both_formats_give_the_same_rows_and_root(rows in proptest::collection::vec(row(), 0..40)) {
        let (mut csv, mut nd) = (Vec::new(), Vec::new());
        write_csv(&mut csv, &rows).unwrap();
        write_ndjson(&mut nd, &rows, 42).unwrap();
        let ctx = ReadContext { data_from_day: Some(DATA_FROM_DAY), study_id: Some(42) };
        let from_csv: Vec<DatasetRow> = CsvReader::new(&csv[..], ctx).map(|r| r.unwrap().row).collect();
        let from_nd: Vec<DatasetRow> = NdjsonReader::new(&nd[..], ctx).map(|r| r.unwrap().row).collect();
        prop_assert_eq!(&from_csv, &rows);
        prop_assert_eq!(&from_nd, &rows);
        let a = summarize_csv(&csv[..], ctx).unwrap();
        let b = summarize_ndjson(&nd[..], ctx).unwrap();
        let leaves: Vec<_> = rows.iter().map(DatasetRow::leaf).collect();
        prop_assert_eq!(a.root, diachain_std::merkle::root(&leaves));
        prop_assert_eq!(b.root, a.root);
        prop_assert_eq!((a.rows, a.participants, a.scope_rows.clone()), (b.rows, b.participants, b.scope_rows.clone()));
    }

    /// Any text that reads as a row is that row's own text: nothing else is accepted.
    #[test]
    fn a_line_that_reads_is_its_rows_canonical_text(row in row(), cut in 0usize..200, byte in 0u8..128) {
        let mut line = row.to_canonical().into_bytes();
        let at = cut % (line.len() + 1);
        line.insert(at, byte);
        if let Ok(text) = String::from_utf8(line) {
            if let Ok(parsed) = parse_csv_line(&text, None) {
                prop_assert_eq!(parsed.to_canonical(), text);
            }
        }
    }
}
