//! The FHIR Bulk Data NDJSON file: one Observation per line, in row order, each line the
//! compact JSON `serde_json` writes for [`observation`] (keys sorted, no spaces), ending in
//! `\n`, as the CSV's lines do.

use std::io::{self, BufRead, Write};

use serde_json::Value;

use super::csv::{shorten, LineRow, StudyDays};
use super::error::{DatasetError, RowError, RowField};
use super::fhir::{decode_observation, observation};
use super::lines::Lines;
use super::row::{check_study_day, DatasetRow};
use super::ReadContext;

/// The longest line an NDJSON reader takes (an Observation is under 1.5 KB).
pub const MAX_NDJSON_LINE: usize = 8192;

/// A row's NDJSON line, without its `\n`.
pub fn observation_line(row: &DatasetRow, study_id: u64) -> String {
    observation(row, study_id).to_string()
}

/// Writes one row's Observation line. A row the format cannot hold is not written (as
/// [`super::write_row`]).
pub fn write_observation(w: &mut impl Write, row: &DatasetRow, study_id: u64) -> io::Result<()> {
    row.check()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    w.write_all(observation_line(row, study_id).as_bytes())?;
    w.write_all(b"\n")
}

/// Every row: a whole NDJSON file.
pub fn write_ndjson<'a>(
    w: &mut impl Write,
    rows: impl IntoIterator<Item = &'a DatasetRow>,
    study_id: u64,
) -> io::Result<()> {
    rows.into_iter()
        .try_for_each(|row| write_observation(w, row, study_id))
}

/// Reads an NDJSON dataset as it streams by, each row with its line number (from 1). Every
/// line must be exactly the [`observation_line`] of the row it decodes to; every Observation of
/// one study (the context's, or the first line's); `study_day`s as the CSV reader checks them.
/// The first error ends the reading.
pub struct NdjsonReader<R> {
    lines: Lines<R>,
    days: StudyDays,
    study_id: Option<u64>,
    done: bool,
}

impl<R: BufRead> NdjsonReader<R> {
    pub fn new(reader: R, ctx: ReadContext) -> Self {
        NdjsonReader {
            lines: Lines::new(reader, MAX_NDJSON_LINE),
            days: StudyDays {
                data_from_day: ctx.data_from_day,
            },
            study_id: ctx.study_id,
            done: false,
        }
    }

    /// The study: the context's, or the first line's.
    pub fn study_id(&self) -> Option<u64> {
        self.study_id
    }

    pub fn data_from_day(&self) -> Option<u64> {
        self.days.data_from_day
    }

    fn next_row(&mut self) -> Option<Result<LineRow, DatasetError>> {
        let (line, text) = match self.lines.next_line()? {
            Ok(l) => l,
            Err(e) => return Some(Err(e)),
        };
        let read = read_line(text, self.study_id, &mut self.days);
        Some(match read {
            Ok((study, row)) => {
                self.study_id = Some(study);
                Ok(LineRow { line, row })
            }
            Err(e) => Err(e.at(line).into()),
        })
    }
}

fn read_line(
    text: &str,
    study_id: Option<u64>,
    days: &mut StudyDays,
) -> Result<(u64, DatasetRow), RowError> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        RowError::new(
            RowField::Observation,
            format!("not JSON ({e}): `{}`", shorten(text)),
        )
    })?;
    let (study, row) = decode_observation(&value)?;
    if let Some(expected) = study_id.filter(|s| *s != study) {
        return Err(RowError::new(
            RowField::Study,
            format!("an Observation of study {study} in a dataset of study {expected}"),
        ));
    }
    if observation_line(&row, study) != text {
        return Err(RowError::new(
            RowField::Observation,
            "not the compact JSON of its row's Observation (keys sorted, no spaces, numbers as written)",
        ));
    }
    if let Some(first) = days.data_from_day {
        check_study_day(&row, first)?;
    }
    days.learn(&row)?;
    Ok((study, row))
}

impl<R: BufRead> Iterator for NdjsonReader<R> {
    type Item = Result<LineRow, DatasetError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = self.next_row();
        self.done = !matches!(item, Some(Ok(_)));
        item
    }
}
