//! Research dataset exports, as the relayer's API takes and answers them
//! (`docs/research-data.md`, `docs/data-api.md#study-datasets`).

use std::collections::BTreeMap;

use diachain_std::union::{DatasetFormat, NewManifest};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::state::{OutboxId, OutboxState};
use crate::ErrorBody;

/// `POST /v1/studies/{study_id}/exports`: the sponsor asks for the study's dataset.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportRequest {
    pub format: DatasetFormat,
    /// Shift each participant's times by their own whole number of days (−7…7).
    #[serde(default)]
    pub shift_times: bool,
}

/// Where an export stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExportPhase {
    /// Reading the study, its members and their consents from the chain.
    Planning,
    /// Writing the rows.
    Writing,
    /// Written; the manifest (and the accesses) are being recorded on chain.
    Recording,
    /// The manifest is on chain: the dataset can be downloaded.
    Ready,
    /// Nothing to download (`error` says why).
    Failed,
}

/// The manifest's record on chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ManifestRecord {
    pub outbox_id: OutboxId,
    pub state: OutboxState,
}

/// `GET /v1/studies/{study_id}/exports/{export_id}` (and the answer to the `POST`).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct ExportStatus {
    /// 32 lowercase hex digits: the manifest's `export_id`.
    pub export_id: String,
    pub study_id: u64,
    pub format: DatasetFormat,
    pub shift_times: bool,
    pub phase: ExportPhase,
    /// The chain's time when the export began (Unix seconds): its consent decisions' time.
    pub exported_at: u64,
    /// Members of the study, and how many of them the export holds rows of.
    pub members: u64,
    pub participants: u64,
    pub participants_done: u64,
    pub rows: u64,
    /// Members left out, by reason (`no_live_consent`, `consent_to_another`, `no_common_scope`,
    /// `no_common_period`, `access_refused`, `no_rows`).
    pub excluded: BTreeMap<String, u64>,
    /// Batches in the participants' windows left out because they were not anchored yet.
    pub unanchored_batches: u64,
    /// Bytes of the dataset file, once written.
    pub bytes: Option<u64>,
    /// The manifest as recorded on chain, once written.
    pub manifest: Option<NewManifest>,
    pub record: Option<ManifestRecord>,
    /// Unix seconds after which the relayer deletes the files.
    pub expires_at: u64,
    pub error: Option<ErrorBody>,
}

/// One line of `GET …/exports/{export_id}/rowmap`: a row of the dataset, the participant it
/// belongs to and the anchored reading it was made from, for an auditor whose grants cover that
/// participant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RowMapEntry {
    /// The row's position in the dataset (0 = the first row after any header).
    pub row: u64,
    pub participant: String,
    pub patient: String,
    /// The participant's time shift, seconds.
    pub shift_secs: i64,
    pub proof: crate::proof::ReadingProof,
}
