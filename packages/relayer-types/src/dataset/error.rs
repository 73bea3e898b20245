//! What is wrong with a dataset, and where: the line and the field.

use serde::{Deserialize, Serialize};

/// The part of a row (or of a file) an error is about: the nine columns, and the framing
/// around them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowField {
    Participant,
    StudyDay,
    TimeUtc,
    Scope,
    Kind,
    Value,
    Unit,
    Trend,
    Flags,
    /// The row as a whole: its number of fields.
    Fields,
    /// A line's framing: its terminator, a blank line, bytes that are not UTF-8, its length.
    Line,
    /// The CSV file's first line.
    Header,
    /// An NDJSON line that is not JSON, not an Observation of this format, or not byte for byte
    /// the Observation its row gives (in a part that is none of the columns).
    Observation,
    /// An NDJSON Observation's study (its subject's identifier system).
    Study,
}

impl RowField {
    /// The name in error messages and in the test vectors: a column's name, or `fields`,
    /// `line`, `header`, `observation`, `study`.
    pub const fn as_str(self) -> &'static str {
        match self {
            RowField::Participant => "participant",
            RowField::StudyDay => "study_day",
            RowField::TimeUtc => "time_utc",
            RowField::Scope => "scope",
            RowField::Kind => "kind",
            RowField::Value => "value",
            RowField::Unit => "unit",
            RowField::Trend => "trend",
            RowField::Flags => "flags",
            RowField::Fields => "fields",
            RowField::Line => "line",
            RowField::Header => "header",
            RowField::Observation => "observation",
            RowField::Study => "study",
        }
    }
}

impl std::fmt::Display for RowField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A row (or a line of a file) that is not in the dataset format: which line (1-based; the
/// CSV header is line 1, when known), which field, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: Option<u64>,
    pub field: RowField,
    pub problem: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}, ")?;
        }
        write!(f, "{}: {}", self.field, self.problem)
    }
}

impl std::error::Error for RowError {}

impl RowError {
    pub fn new(field: RowField, problem: impl Into<String>) -> Self {
        RowError {
            line: None,
            field,
            problem: problem.into(),
        }
    }

    /// The same error, on line `line`.
    pub fn at(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }
}

/// Why a dataset file could not be read: the reader failed, or a line is not in the format.
#[derive(thiserror::Error, Debug)]
pub enum DatasetError {
    #[error("reading the dataset: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Row(#[from] RowError),
}

impl DatasetError {
    /// The row error, if that is what this is.
    pub fn row(&self) -> Option<&RowError> {
        match self {
            DatasetError::Row(e) => Some(e),
            DatasetError::Io(_) => None,
        }
    }
}
