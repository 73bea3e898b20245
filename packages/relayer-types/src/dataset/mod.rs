//! Research datasets (`docs/research-data.md` sections 2 and 4): the pure format shared by the
//! relayer's export job, the `verify-dataset` command and the TypeScript client
//! (`clients/ts/src/dataset.ts`, tested against the same vectors). No chain, no store, no HTTP.
//!
//! - [`DatasetRow`]: one row; its canonical text is its CSV line ([`DatasetRow::to_canonical`],
//!   read back strictly by [`parse_csv_line`]).
//! - [`row_leaf`] and [`MerkleBuilder`]: the dataset's root, RFC 9162 over
//!   `leaf_hash(b"diachain-dataset-row/v1\n" ++ line)` in file order, streamed.
//! - [`CsvReader`] / [`write_row`]: the CSV file; [`NdjsonReader`] / [`write_observation`] the
//!   FHIR Bulk Data NDJSON file ([`observation`], [`row_from_observation`]): the same rows, the
//!   same root.
//! - [`Dictionary`]: the data dictionary; [`DatasetSummary`] and [`check_against_manifest`]:
//!   what a file holds and how it differs from its on-chain manifest.
//!
//! Both files are UTF-8 with every line ending in `\n` alone, the last one too: a CR anywhere
//! (so CRLF), a blank line or a missing final newline is an error, so a file has exactly one
//! form and any edit of it shows.

mod csv;
mod dictionary;
mod error;
mod fhir;
mod lines;
mod merkle;
pub mod names;
mod ndjson;
mod row;
mod summary;
pub mod time;

#[cfg(test)]
mod tests;

pub use csv::{write_csv, write_header, write_row, CsvReader, LineRow, CSV_HEADER, MAX_CSV_LINE};
pub use dictionary::{Column, Dictionary, Flag, KindCode, NdjsonMapping, UnitCode, FORMAT};
pub use error::{DatasetError, RowError, RowField};
pub use fhir::{
    category, decode_observation, observation, observation_code, observation_id,
    participant_system, row_from_observation, row_glucose_code, ucum_code, DATASET_ROW_EXTENSION,
    OBSERVATION_ID_PREFIX, READING_KIND_SYSTEM,
};
pub use merkle::{row_leaf, MerkleBuilder, ROW_DOMAIN};
pub use ndjson::{
    observation_line, write_ndjson, write_observation, NdjsonReader, MAX_NDJSON_LINE,
};
pub use row::{
    check_study_day, format_value, is_pseudonym, parse_csv_line, parse_value, DatasetRow, COLUMNS,
    MAX_STUDY_DAY, MAX_VALUE, PSEUDONYM_HEX_DIGITS,
};
pub use summary::{
    check_against_manifest, summarize_csv, summarize_ndjson, DatasetFormat, DatasetSummary,
    ManifestFacts, Mismatch, ScopeRows, SummaryBuilder, MAX_SHIFT_DAYS,
};

/// What a reader knows of the study beforehand. Without `data_from_day`, the file's first row
/// implies it and every other row must agree; without `study_id`, an NDJSON file's first
/// Observation names it and every other must agree.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadContext {
    /// The study's first day of data (`Study::data_from_day`, a UTC day number).
    pub data_from_day: Option<u64>,
    pub study_id: Option<u64>,
}
