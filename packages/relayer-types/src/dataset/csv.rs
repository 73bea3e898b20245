//! The CSV file: the header line, then one canonical row per line, every line ending in `\n`.

use std::io::{self, BufRead, Write};

use super::error::{DatasetError, RowError, RowField};
use super::lines::Lines;
use super::row::{parse_csv_line, DatasetRow};
use super::ReadContext;

/// The CSV file's first line (without its `\n`).
pub const CSV_HEADER: &str = "participant,study_day,time_utc,scope,kind,value,unit,trend,flags";
/// The longest line a CSV reader takes: a row is at most about 160 bytes.
pub const MAX_CSV_LINE: usize = 512;

/// Writes the header line.
pub fn write_header(w: &mut impl Write) -> io::Result<()> {
    w.write_all(CSV_HEADER.as_bytes())?;
    w.write_all(b"\n")
}

/// Writes one row's line. A row the format cannot hold ([`DatasetRow::check`]) is not written:
/// the error is `InvalidInput`, with the [`RowError`] inside.
pub fn write_row(w: &mut impl Write, row: &DatasetRow) -> io::Result<()> {
    row.check()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    w.write_all(row.to_canonical().as_bytes())?;
    w.write_all(b"\n")
}

/// The header and every row: a whole CSV file.
pub fn write_csv<'a>(
    w: &mut impl Write,
    rows: impl IntoIterator<Item = &'a DatasetRow>,
) -> io::Result<()> {
    write_header(w)?;
    rows.into_iter().try_for_each(|row| write_row(w, row))
}

/// A row read from a file, with its line number (1-based; in a CSV file the header is line 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineRow {
    pub line: u64,
    pub row: DatasetRow,
}

/// The study-day rule across a file: the context's `data_from_day`, else the first row's.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct StudyDays {
    pub(crate) data_from_day: Option<u64>,
}

impl StudyDays {
    /// The `data_from_day` to check the next row against (none for a file's first row without
    /// a context), and, once the row is read, learns it from that row.
    pub(crate) fn learn(&mut self, row: &DatasetRow) -> Result<(), RowError> {
        if self.data_from_day.is_none() {
            let first = u64::try_from(row.data_from_day()).map_err(|_| {
                RowError::new(
                    RowField::StudyDay,
                    format!(
                        "{} puts the study's first day before 1970-01-01",
                        row.study_day
                    ),
                )
            })?;
            self.data_from_day = Some(first);
        }
        Ok(())
    }
}

/// Reads a CSV dataset as it streams by: the header, then each row with its line number. The
/// first error ends the reading (the iterator yields it, then nothing). Every row is checked
/// by [`parse_csv_line`]; its `study_day` against the context's `data_from_day`, or without
/// one, against the `data_from_day` the file's first row implies (one study per file).
pub struct CsvReader<R> {
    lines: Lines<R>,
    days: StudyDays,
    header_read: bool,
    done: bool,
}

impl<R: BufRead> CsvReader<R> {
    pub fn new(reader: R, ctx: ReadContext) -> Self {
        CsvReader {
            lines: Lines::new(reader, MAX_CSV_LINE),
            days: StudyDays {
                data_from_day: ctx.data_from_day,
            },
            header_read: false,
            done: false,
        }
    }

    /// The study's `data_from_day`: the context's, or the one the first row implied.
    pub fn data_from_day(&self) -> Option<u64> {
        self.days.data_from_day
    }

    fn read_header(&mut self) -> Result<(), DatasetError> {
        match self.lines.next_line() {
            None => Err(RowError::new(RowField::Header, "the file is empty: no header").at(1))?,
            Some(Err(e)) => Err(e),
            Some(Ok((_, text))) if text == CSV_HEADER => Ok(()),
            Some(Ok((n, text))) => Err(RowError::new(
                RowField::Header,
                format!("`{}` is not the header `{CSV_HEADER}`", shorten(text)),
            )
            .at(n))?,
        }
    }

    fn next_row(&mut self) -> Option<Result<LineRow, DatasetError>> {
        if !self.header_read {
            self.header_read = true;
            if let Err(e) = self.read_header() {
                return Some(Err(e));
            }
        }
        let (line, text) = match self.lines.next_line()? {
            Ok(l) => l,
            Err(e) => return Some(Err(e)),
        };
        let read = parse_csv_line(text, self.days.data_from_day)
            .and_then(|row| self.days.learn(&row).map(|()| row));
        Some(
            read.map(|row| LineRow { line, row })
                .map_err(|e| e.at(line).into()),
        )
    }
}

impl<R: BufRead> Iterator for CsvReader<R> {
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

/// At most 80 characters of a line, for an error message.
pub(crate) fn shorten(text: &str) -> String {
    match text.char_indices().nth(80) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}
