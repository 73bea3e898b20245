//! Tests of the dataset format: rows, files, FHIR, summaries, and random rows through both
//! formats. The shared vectors (`tests/vectors/dataset.json`) are checked by
//! `tests/dataset_vectors.rs`.

mod csv;
mod fhir;
mod props;
mod row;
mod summary;

use diachain_std::encoding::{flags, ReadingKind, Trend, Unit};
use diachain_std::DataScope;

use super::DatasetRow;

/// 2026-01-01T00:00:00Z, day 20454: the fixtures' study's first day.
pub const DAY0: i64 = 1_767_225_600;
pub const DATA_FROM_DAY: u64 = 20_454;
pub const STUDY: u64 = 7;

/// A glucose row of participant `p` (0..) on study day `day`, `secs` into it.
pub fn glucose(p: u8, day: i64, secs: i64, value: i64) -> DatasetRow {
    DatasetRow {
        participant: format!("P-{:016x}", 0x0123_4567_89ab_cdef_u64 ^ u64::from(p)),
        study_day: day,
        time: DAY0 + day * 86_400 + secs,
        scope: DataScope::Glucose,
        kind: ReadingKind::Glucose,
        value,
        unit: Unit::MgPerDl,
        trend: Trend::Flat,
        flags: 0,
    }
}

/// One row of each kind, varied units, trends, flags, signs and days.
pub fn assorted() -> Vec<DatasetRow> {
    let mut rows = Vec::new();
    for (i, &kind) in ReadingKind::ALL.iter().enumerate() {
        let i = i as i64;
        let unit = match kind {
            ReadingKind::Glucose => Unit::MgPerDl,
            ReadingKind::Ketones => Unit::MmolPerL,
            ReadingKind::InsulinBolus | ReadingKind::PumpReservoir => Unit::InsulinUnits,
            ReadingKind::InsulinBasal | ReadingKind::TempBasal => Unit::InsulinUnitsPerHour,
            ReadingKind::Carbohydrates => Unit::Grams,
            ReadingKind::HeartRate => Unit::BeatsPerMinute,
            ReadingKind::Steps => Unit::Count,
            ReadingKind::UploaderBattery | ReadingKind::PumpBattery => Unit::Percent,
            _ => Unit::None,
        };
        rows.push(DatasetRow {
            kind,
            scope: kind.scope(),
            unit,
            value: [
                142_000,
                7_850,
                -1_500,
                0,
                12_500_030,
                1,
                999_999_999_999_999,
            ][i as usize % 7],
            trend: Trend::ALL[i as usize % Trend::ALL.len()],
            flags: [
                0,
                flags::BELOW_RANGE,
                flags::ABOVE_RANGE,
                flags::METER,
                0x1ff,
            ][i as usize % 5],
            ..glucose((i % 3) as u8, i - 7, i * 3_600 + 17, 0)
        });
    }
    rows
}
