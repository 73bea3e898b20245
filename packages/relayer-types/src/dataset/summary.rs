//! What a dataset file holds, computed while reading it, and how it compares with the manifest
//! recorded on chain (`docs/research-data.md` section 1).

use std::collections::{BTreeMap, HashSet};
use std::io::BufRead;

use diachain_std::merkle::Hash;
use diachain_std::DataScope;
use serde::{Deserialize, Serialize};

use super::csv::CsvReader;
use super::error::DatasetError;
use super::merkle::MerkleBuilder;
use super::names::scope_name;
use super::ndjson::NdjsonReader;
use super::row::DatasetRow;
use super::time::{format_time, SECONDS_PER_DAY};
use super::ReadContext;

/// The most a time shift moves a row, either way (`docs/research-data.md` section 3).
pub const MAX_SHIFT_DAYS: i64 = 7;

/// A dataset's file format (the manifest's `format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DatasetFormat {
    Csv,
    FhirNdjson,
}

impl DatasetFormat {
    /// The manifest's name of the format (`csv`, `fhir_ndjson`).
    pub const fn as_str(self) -> &'static str {
        match self {
            DatasetFormat::Csv => "csv",
            DatasetFormat::FhirNdjson => "fhir_ndjson",
        }
    }
}

impl std::fmt::Display for DatasetFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Rows of one scope (the manifest's `scope_rows`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeRows {
    pub scope: DataScope,
    pub rows: u64,
}

/// What a dataset file holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetSummary {
    pub format: DatasetFormat,
    pub rows: u64,
    /// Rows per scope, in scope order, only scopes with rows.
    pub scope_rows: Vec<ScopeRows>,
    /// Distinct pseudonyms.
    pub participants: u64,
    /// The earliest and latest `time_utc` (unix seconds, as shifted); none without rows.
    pub first_time: Option<i64>,
    pub last_time: Option<i64>,
    /// The Merkle root of the rows (hex in JSON).
    #[serde(with = "hex_hash")]
    pub root: Hash,
    /// The study's `data_from_day`: given, or implied by the rows (none without rows).
    pub data_from_day: Option<u64>,
    /// The study of an NDJSON file's Observations (none for CSV, or without rows).
    pub study_id: Option<u64>,
}

mod hex_hash {
    use diachain_std::merkle::Hash;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(h: &Hash, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(h))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Hash, D::Error> {
        let text = String::deserialize(d)?;
        let mut h = [0u8; 32];
        hex::decode_to_slice(&text, &mut h).map_err(serde::de::Error::custom)?;
        Ok(h)
    }
}

/// Builds a [`DatasetSummary`] one row at a time (what the export job does as it writes, and
/// the readers as they read): O(participants) memory for the distinct count, O(log n) for the
/// root.
#[derive(Clone, Debug, Default)]
pub struct SummaryBuilder {
    tree: MerkleBuilder,
    scopes: BTreeMap<DataScope, u64>,
    participants: HashSet<String>,
    first_time: Option<i64>,
    last_time: Option<i64>,
}

impl SummaryBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the next row (in file order).
    pub fn push(&mut self, row: &DatasetRow) {
        self.tree.push(row.leaf());
        *self.scopes.entry(row.scope).or_default() += 1;
        if !self.participants.contains(&row.participant) {
            self.participants.insert(row.participant.clone());
        }
        self.first_time = Some(self.first_time.map_or(row.time, |t| t.min(row.time)));
        self.last_time = Some(self.last_time.map_or(row.time, |t| t.max(row.time)));
    }

    pub fn finish(
        self,
        format: DatasetFormat,
        data_from_day: Option<u64>,
        study_id: Option<u64>,
    ) -> DatasetSummary {
        DatasetSummary {
            format,
            rows: self.tree.len(),
            scope_rows: self
                .scopes
                .into_iter()
                .map(|(scope, rows)| ScopeRows { scope, rows })
                .collect(),
            participants: self.participants.len() as u64,
            first_time: self.first_time,
            last_time: self.last_time,
            root: self.tree.finish(),
            data_from_day,
            study_id,
        }
    }
}

/// Reads a whole CSV dataset ([`CsvReader`]) and summarises it; the first error in the file
/// is the error.
pub fn summarize_csv(
    reader: impl BufRead,
    ctx: ReadContext,
) -> Result<DatasetSummary, DatasetError> {
    let mut rows = CsvReader::new(reader, ctx);
    let mut summary = SummaryBuilder::new();
    for item in rows.by_ref() {
        summary.push(&item?.row);
    }
    Ok(summary.finish(DatasetFormat::Csv, rows.data_from_day(), None))
}

/// Reads a whole NDJSON dataset ([`NdjsonReader`]) and summarises it.
pub fn summarize_ndjson(
    reader: impl BufRead,
    ctx: ReadContext,
) -> Result<DatasetSummary, DatasetError> {
    let mut rows = NdjsonReader::new(reader, ctx);
    let mut summary = SummaryBuilder::new();
    for item in rows.by_ref() {
        summary.push(&item?.row);
    }
    let (days, study) = (rows.data_from_day(), rows.study_id());
    Ok(summary.finish(DatasetFormat::FhirNdjson, days, study))
}

/// The manifest's fields a dataset is checked against (`diachain_std::union::Manifest` has
/// them all; the caller converts).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFacts {
    pub study_id: u64,
    pub members: u64,
    pub rows: u64,
    pub scope_rows: Vec<ScopeRows>,
    /// Unix seconds, inclusive: the period the rows were measured in, before any shift.
    pub data_from: u64,
    pub data_to: u64,
    pub format: DatasetFormat,
    pub time_shifted: bool,
    #[serde(with = "hex_hash")]
    pub root: Hash,
}

/// One way a file differs from its manifest.
#[derive(thiserror::Error, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mismatch", rename_all = "snake_case")]
pub enum Mismatch {
    #[error(
        "root: the manifest records {}, the file's rows give {}",
        hex::encode(manifest),
        hex::encode(file)
    )]
    Root {
        #[serde(with = "hex_hash")]
        manifest: Hash,
        #[serde(with = "hex_hash")]
        file: Hash,
    },
    #[error("rows: the manifest records {manifest}, the file has {file}")]
    Rows { manifest: u64, file: u64 },
    #[error("rows of scope {}: the manifest records {manifest}, the file has {file}", scope_name(*scope))]
    ScopeRows {
        scope: DataScope,
        manifest: u64,
        file: u64,
    },
    #[error("scope_rows: the manifest's list is not sorted by scope with each scope once")]
    ScopeOrder,
    #[error("members: the manifest records {manifest}, the file has {file} distinct participants")]
    Members { manifest: u64, file: u64 },
    #[error("format: the manifest records {manifest}, the file is {file}")]
    Format {
        manifest: DatasetFormat,
        file: DatasetFormat,
    },
    #[error("study: the manifest is of study {manifest}, the file's Observations of study {file}")]
    Study { manifest: u64, file: u64 },
    #[error("period: the manifest's data_from ({}) is after its data_to ({})", format_time(*data_from), format_time(*data_to))]
    Period { data_from: i64, data_to: i64 },
    #[error("period: the first row ({}) is before the manifest's data_from ({}){}", format_time(*first_time), format_time(*bound), shifted(*time_shifted))]
    BeforePeriod {
        first_time: i64,
        bound: i64,
        time_shifted: bool,
    },
    #[error("period: the last row ({}) is after the manifest's data_to ({}){}", format_time(*last_time), format_time(*bound), shifted(*time_shifted))]
    AfterPeriod {
        last_time: i64,
        bound: i64,
        time_shifted: bool,
    },
}

fn shifted(time_shifted: bool) -> &'static str {
    if time_shifted {
        ", even with the largest time shift (7 days)"
    } else {
        ""
    }
}

/// Every way `summary` differs from `manifest`, in this order: format, study (NDJSON), root,
/// rows, each scope's rows (and a manifest list out of order), members (= distinct
/// participants), the period. The period: without a time shift every row's time lies in
/// `data_from..=data_to`; with one, in the period widened by [`MAX_SHIFT_DAYS`] either side
/// (all a shift can do). Empty when the file is the manifest's.
pub fn check_against_manifest(summary: &DatasetSummary, manifest: &ManifestFacts) -> Vec<Mismatch> {
    let mut found = Vec::new();
    if summary.format != manifest.format {
        found.push(Mismatch::Format {
            manifest: manifest.format,
            file: summary.format,
        });
    }
    if let Some(file) = summary.study_id.filter(|s| *s != manifest.study_id) {
        found.push(Mismatch::Study {
            manifest: manifest.study_id,
            file,
        });
    }
    if summary.root != manifest.root {
        found.push(Mismatch::Root {
            manifest: manifest.root,
            file: summary.root,
        });
    }
    if summary.rows != manifest.rows {
        found.push(Mismatch::Rows {
            manifest: manifest.rows,
            file: summary.rows,
        });
    }
    found.extend(scope_mismatches(&summary.scope_rows, &manifest.scope_rows));
    if summary.participants != manifest.members {
        found.push(Mismatch::Members {
            manifest: manifest.members,
            file: summary.participants,
        });
    }
    found.extend(period_mismatches(summary, manifest));
    found
}

fn scope_mismatches(file: &[ScopeRows], manifest: &[ScopeRows]) -> Vec<Mismatch> {
    let mut found = Vec::new();
    if manifest.windows(2).any(|w| w[0].scope >= w[1].scope) {
        found.push(Mismatch::ScopeOrder);
    }
    let count = |list: &[ScopeRows], scope: DataScope| -> u64 {
        list.iter()
            .filter(|s| s.scope == scope)
            .map(|s| s.rows)
            .sum()
    };
    for &scope in DataScope::ALL {
        let (m, f) = (count(manifest, scope), count(file, scope));
        let listed =
            manifest.iter().any(|s| s.scope == scope) || file.iter().any(|s| s.scope == scope);
        if listed && m != f {
            found.push(Mismatch::ScopeRows {
                scope,
                manifest: m,
                file: f,
            });
        }
    }
    found
}

fn period_mismatches(summary: &DatasetSummary, manifest: &ManifestFacts) -> Vec<Mismatch> {
    let (from, to) = (
        i64::try_from(manifest.data_from).unwrap_or(i64::MAX),
        i64::try_from(manifest.data_to).unwrap_or(i64::MAX),
    );
    if from > to {
        return vec![Mismatch::Period {
            data_from: from,
            data_to: to,
        }];
    }
    let slack = if manifest.time_shifted {
        MAX_SHIFT_DAYS * SECONDS_PER_DAY
    } else {
        0
    };
    let mut found = Vec::new();
    if let Some(first) = summary
        .first_time
        .filter(|t| *t < from.saturating_sub(slack))
    {
        found.push(Mismatch::BeforePeriod {
            first_time: first,
            bound: from.saturating_sub(slack),
            time_shifted: manifest.time_shifted,
        });
    }
    if let Some(last) = summary.last_time.filter(|t| *t > to.saturating_add(slack)) {
        found.push(Mismatch::AfterPeriod {
            last_time: last,
            bound: to.saturating_add(slack),
            time_shifted: manifest.time_shifted,
        });
    }
    found
}
