//! The on-chain manifest of a research dataset export (`docs/research-data.md`, section 1): a
//! custodian of the consent contract records, for a data-union study, that it exported a dataset
//! of so many rows of so many members over a period, with the Merkle root of its canonical rows.
//! Counts, times, scopes and a hash only: no row, no participant and no free text is on chain.
//! Part of the union's messages: [`crate::union`] re-exports these types, and its `ExecuteMsg`
//! and `QueryMsg` carry `RecordManifest`, `Manifest`, `Manifests` and `ManifestByExport`.
//!
//! Why a module of its own, at the top and named `manifests`: only data-union uses these types,
//! and the other contracts' wasm must not change (`docs/conventions.md`, "Versions and
//! migrations"). Their non-generic impls (`JsonSchema`, `Debug`) are compiled into this crate and
//! name strings other contracts also use (`"scope"`, `"root"`). rustc emits a crate's functions
//! in the order of their symbol names, and a string shared by several functions is placed where
//! the first of them uses it, which decides where it lands in every contract's data. In `union`
//! (or any module whose symbols sort early) these impls came first, moved those strings and
//! changed reading-anchors' wasm; the symbols of `diachain_std::manifests` sort after those of
//! every other module, which leaves the other contracts' bytes as they were.

use cosmwasm_std::{Addr, Binary, Timestamp};

use crate::scopes::DataScope;
use crate::wire;

/// Most manifests one study may hold.
pub const MAX_MANIFESTS_PER_STUDY: u64 = 1_000;
/// Longest a manifest may be recorded after its export (`NewManifest::exported_at`), in seconds.
pub const MAX_MANIFEST_DELAY_SECONDS: u64 = 86_400;
/// Bytes of an export id (random per export).
pub const EXPORT_ID_LEN: usize = 16;
/// Bytes of a dataset's root: a SHA-256 Merkle root (`crate::merkle::Hash`).
pub const ROOT_LEN: usize = 32;
// The root is a hash of the crate's Merkle tree.
const _: () = assert!(ROOT_LEN == std::mem::size_of::<crate::merkle::Hash>());

/// The file format of an export. Both hold the same canonical rows, so the root is the same.
#[wire]
#[derive(Copy, Eq, Hash, PartialOrd, Ord)]
pub enum DatasetFormat {
    /// CSV, one canonical row per line after the header.
    Csv,
    /// FHIR NDJSON, one Observation per row.
    FhirNdjson,
}

/// How many rows of one scope a dataset holds.
#[wire]
#[derive(Copy, Eq)]
pub struct ScopeRows {
    pub scope: DataScope,
    /// At least 1.
    pub rows: u64,
}

/// What a custodian records of one export (`ExecuteMsg::RecordManifest`).
#[wire]
pub struct NewManifest {
    pub study_id: u64,
    /// `EXPORT_ID_LEN` random bytes, chosen per export. A study records an export id once: a
    /// repeat is refused with an error whose text starts "manifest already recorded".
    pub export_id: Binary,
    /// When the export was made (chain time): not after the block, at most
    /// `MAX_MANIFEST_DELAY_SECONDS` before it.
    pub exported_at: Timestamp,
    /// Participants in the dataset: at least 1, at most the study's members ever joined.
    pub members: u64,
    /// Rows in the dataset: at least 1, and the sum of `scope_rows`.
    pub rows: u64,
    /// Rows per scope: sorted by scope, no scope twice, each a scope of the study (never
    /// `summaries_only`), each with at least 1 row.
    pub scope_rows: Vec<ScopeRows>,
    /// The period the rows were measured in (before any time shift), inclusive: `data_from ≤
    /// data_to`, both inside the study's data period (`data_from_day × 86,400 ..=
    /// (data_to_day + 1) × 86,400 − 1` seconds).
    pub data_from: Timestamp,
    pub data_to: Timestamp,
    pub format: DatasetFormat,
    /// Whether each participant's times are shifted by whole days (`docs/research-data.md`,
    /// section 3).
    pub time_shifted: bool,
    /// `ROOT_LEN` bytes: the Merkle root of the canonical rows (`docs/research-data.md`,
    /// section 2).
    pub root: Binary,
}

/// A recorded manifest: the custodian's [`NewManifest`] with its id (per study, from 1), who
/// recorded it and when (the block's time and height).
#[wire]
pub struct Manifest {
    pub id: u64,
    pub study_id: u64,
    pub custodian: Addr,
    pub recorded_at: Timestamp,
    pub height: u64,
    pub export_id: Binary,
    pub exported_at: Timestamp,
    pub members: u64,
    pub rows: u64,
    pub scope_rows: Vec<ScopeRows>,
    pub data_from: Timestamp,
    pub data_to: Timestamp,
    pub format: DatasetFormat,
    pub time_shifted: bool,
    pub root: Binary,
}
