//! The data API's JSON: a patient's readings for a signed, consent-checked request, each with
//! its inclusion proof and its batch's signed header and anchor; a period's CGM summary (for
//! `summaries_only` grantees); and erasures.

use cosmwasm_std::Binary;
use diachain_std::{BatchHeader, DataScope};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::cgm::{DayMetrics, GlucoseMetrics, GlucoseSelection};
use crate::proof::ProvenReading;
use crate::state::{AnchorState, BatchId, OutboxId, OutboxState};

/// `GET /v1/patients/{patient}/readings?scope=&from=&to=`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadingsQuery {
    pub scope: DataScope,
    /// Measurement times, Unix seconds, inclusive.
    pub from: u64,
    pub to: u64,
}

/// `GET /v1/patients/{patient}/fhir/Observation?from=&to=` (scope glucose).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FhirQuery {
    /// Measurement times, Unix seconds, inclusive.
    pub from: u64,
    pub to: u64,
}

/// On what ground data is served.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// The caller is the patient.
    Owner,
    /// The caller is the patient's guardian.
    Guardian,
    /// A grant of the patient allows it.
    Grant,
    /// An emergency provider's break-glass session allows it.
    BreakGlass,
}

impl Basis {
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Owner => "owner",
            Basis::Guardian => "guardian",
            Basis::Grant => "grant",
            Basis::BreakGlass => "break_glass",
        }
    }
}

/// On what ground the data is served, and the record of the access.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct AccessBasis {
    pub basis: Basis,
    pub grant_id: Option<u64>,
    /// The outbox item that records this access on chain (grants and break-glass only).
    pub record: Option<OutboxId>,
}

/// How a batch's readings are vouched for.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Attestation {
    /// Signed by the device's own key, registered on chain by its manufacturer.
    #[default]
    DeviceSigned,
    /// Signed by an uploader key the relayer holds for the patient (Nightscout uploads).
    RelayerAttested,
}

/// One batch of served readings: its signed header and anchor, and the readings asked for,
/// each with its inclusion proof.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct ServedBatch {
    pub batch_id: BatchId,
    /// Unix seconds when the relayer received the batch and checked its signature.
    pub received_at: u64,
    /// The same in milliseconds (0 for batches received before it was kept): when its readings
    /// became the relayer's, Nightscout API v3's `srvModified` of its entries.
    #[serde(default)]
    pub received_at_ms: u64,
    pub header: BatchHeader,
    pub signature: Binary,
    pub attestation: Attestation,
    pub anchoring: AnchorState,
    pub readings: Vec<ProvenReading>,
}

/// The answer to `GET /v1/patients/{patient}/readings`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct ReadingsResponse {
    pub patient: String,
    pub scope: DataScope,
    pub from: u64,
    pub to: u64,
    pub chain_id: String,
    pub anchors_contract: String,
    pub access: AccessBasis,
    /// How many readings the batches hold in all.
    pub count: u64,
    pub batches: Vec<ServedBatch>,
}

/// `GET /v1/patients/{patient}/summary?from=&to=&utc_offset_minutes=`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SummaryQuery {
    /// Measurement times, Unix seconds, inclusive (at most 31 days apart).
    pub from: u64,
    pub to: u64,
    /// The days of `days` are those of the clock this many minutes ahead of UTC (-840..=840;
    /// default 0: UTC days).
    #[serde(default)]
    #[schemars(range(min = -840, max = 840))]
    pub utc_offset_minutes: i64,
}

/// An anchored batch a summary drew on: what the anchors contract holds for it
/// (`Batch { device_id, seq }`), so that the summary can be related to on-chain coverage.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct SummaryBatch {
    pub batch_id: BatchId,
    pub device_id: String,
    pub first_seq: u64,
    pub last_seq: u64,
    /// The batch's Merkle root (the relayer recomputed it from the readings it summarised).
    pub root: Binary,
    pub tx_hash: String,
    pub height: u64,
    /// Its glucose-scope readings measured in the period (every version, before selection).
    pub readings: u64,
}

/// The lowest and highest block height the summarised batches were anchored at.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct HeightRange {
    pub min: u64,
    pub max: u64,
}

/// Glucose-scope readings of the period the summary leaves out because the chain does not
/// vouch for them (yet).
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct LeftOut {
    /// In batches not anchored yet (pending or in flight): ask again once they are.
    pub not_anchored_batches: u64,
    pub not_anchored_readings: u64,
    /// In batches the anchors contract refused for good: never summarised.
    pub failed_batches: u64,
    pub failed_readings: u64,
}

/// The answer to `GET /v1/patients/{patient}/summary`: the consensus CGM metrics of a period and
/// of each of its days, computed by the relayer from the patient's glucose readings in batches
/// anchored on chain (each batch's root recomputed from its readings first). No reading is
/// served: the numbers cannot be checked value by value, only related to the anchored batches
/// they were computed from (`batches`) and to the chain's daily coverage.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct SummaryResponse {
    pub patient: String,
    pub from: u64,
    pub to: u64,
    pub utc_offset_minutes: i64,
    pub chain_id: String,
    pub anchors_contract: String,
    /// The scope the access was allowed under and is recorded with: `summaries_only`, or
    /// `glucose` for a grantee whose grant covers the glucose readings but not summaries (the
    /// patient and their guardian: `summaries_only`, and nothing is recorded).
    pub scope: DataScope,
    pub access: AccessBasis,
    /// What became of the period's glucose-scope readings in anchored batches.
    pub selection: GlucoseSelection,
    pub left_out: LeftOut,
    /// The whole period's metrics.
    pub metrics: GlucoseMetrics,
    /// Each day's (of `utc_offset_minutes`), the first and last cut to the period.
    pub days: Vec<DayMetrics>,
    /// `null` when no anchored batch holds a glucose-scope reading of the period.
    pub anchored_heights: Option<HeightRange>,
    /// The anchored batches the summary drew on, by anchoring height then batch id.
    pub batches: Vec<SummaryBatch>,
}

/// `POST /v1/patients/{patient}/erasure`: erasure destroys the data for good, so it must be
/// confirmed.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErasureRequest {
    pub confirm: bool,
}

/// An erasure carried out: what the relayer keeps of it (and shows the patient).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ErasureRecord {
    pub patient: String,
    /// Who asked: the patient or their guardian.
    pub requested_by: String,
    /// The request as signed (its canonical text), the signer's public key and its ADR-036
    /// signature (base64): proof that they asked.
    pub request: String,
    pub public_key: String,
    pub signature: String,
    /// SHA-256 of `request`: what the chain records.
    pub request_hash: Binary,
    pub requested_at: u64,
    /// Unix seconds when the key was destroyed.
    pub erased_at: u64,
    /// Batches whose readings became unreadable, and how many readings they held.
    pub batches: u64,
    pub readings: u64,
    /// The outbox item that records it on chain.
    pub outbox_id: OutboxId,
}

/// An erasure and where its on-chain record is.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct ErasureView {
    pub erasure: ErasureRecord,
    pub chain_record: Option<OutboxState>,
}

/// The answer to `GET /v1/patients/{patient}/erasures`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct ErasuresResponse {
    pub patient: String,
    pub erasures: Vec<ErasureView>,
}
