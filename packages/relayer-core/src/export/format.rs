//! Rows as the file's lines: CSV (a header, then the canonical lines) or FHIR NDJSON (one
//! Observation per row, no header). The canonical line is returned for the Merkle tree.

use std::io::Write;

use diachain_relayer_types::dataset::{self, DatasetRow, CSV_HEADER};
use diachain_std::union::DatasetFormat;

pub fn write_header(out: &mut dyn Write, format: DatasetFormat) -> std::io::Result<()> {
    match format {
        DatasetFormat::Csv => writeln!(out, "{CSV_HEADER}"),
        DatasetFormat::FhirNdjson => Ok(()),
    }
}

/// Writes the row; returns its canonical line.
pub fn write_row(
    mut out: &mut dyn Write,
    format: DatasetFormat,
    study_id: u64,
    row: &DatasetRow,
) -> std::io::Result<String> {
    let line = row.to_canonical();
    match format {
        DatasetFormat::Csv => dataset::write_row(&mut out, row)?,
        DatasetFormat::FhirNdjson => dataset::write_observation(&mut out, row, study_id)?,
    }
    Ok(line)
}
