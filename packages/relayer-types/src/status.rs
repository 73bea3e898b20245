//! What operators read: `GET /v1/status` (batches per anchoring state, the anchoring task, the
//! records owed to the chain) and `GET /healthz`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::state::{BatchId, StateCounts};

/// The answer to `GET /v1/status`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StatusResponse {
    #[serde(flatten)]
    pub counts: StateCounts,
    /// The anchoring task's status (absent when nothing is anchored: a development registry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "may_be_absent::<AnchoringSnapshot>")]
    pub anchoring: Option<AnchoringSnapshot>,
    /// Accesses served and erasures done, still to be recorded on chain.
    pub outbox: OutboxCounts,
}

/// The schema of an `Option` field that is left out when `None` (serde's `skip_serializing_if`
/// hides its default from schemars): nullable, with the default `null`, so that clients read it
/// as optional.
fn may_be_absent<T: JsonSchema>(
    gen: &mut schemars::gen::SchemaGenerator,
) -> schemars::schema::Schema {
    let mut schema = gen.subschema_for::<Option<T>>().into_object();
    schema.metadata().default = Some(serde_json::Value::Null);
    schema.into()
}

/// Outbox items by state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct OutboxCounts {
    pub queued: u64,
    pub in_flight: u64,
}

/// What the anchoring task is doing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AnchoringState {
    /// Nothing to send.
    #[default]
    Idle,
    /// A transaction is waiting for its block.
    InFlight,
    /// Waiting after a chain error.
    Retrying,
}

impl AnchoringState {
    pub fn as_str(self) -> &'static str {
        match self {
            AnchoringState::Idle => "idle",
            AnchoringState::InFlight => "in_flight",
            AnchoringState::Retrying => "retrying",
        }
    }
}

/// Why the reading-anchors contract refused a batch header: a short stable code read from its
/// message (`overlap`, `device_not_accepting`, …; `other` for a message not known here). The
/// label of `batches_failed_total{reason}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AnchorRefusal {
    UnknownDevice,
    DeviceNotBound,
    DeviceNotAccepting,
    Overlap,
    DayBackwards,
    MeasuredBeforeOwner,
    TooDense,
    TooSoonAfterLast,
    InvalidSignature,
    CountMismatch,
    CrossesMidnight,
    FutureReading,
    TimesInverted,
    SeqOutOfRange,
    BatchSize,
    TooDenseForScope,
    InvalidScopes,
    KeyHolderNotInGoodStanding,
    MeasuredWhileHolderLapsed,
    HeldKeyQueueClosed,
    DayFull,
    Other,
}

impl AnchorRefusal {
    pub fn as_str(self) -> &'static str {
        use AnchorRefusal::*;
        match self {
            UnknownDevice => "unknown_device",
            DeviceNotBound => "device_not_bound",
            DeviceNotAccepting => "device_not_accepting",
            Overlap => "overlap",
            DayBackwards => "day_backwards",
            MeasuredBeforeOwner => "measured_before_owner",
            TooDense => "too_dense",
            TooSoonAfterLast => "too_soon_after_last",
            InvalidSignature => "invalid_signature",
            CountMismatch => "count_mismatch",
            CrossesMidnight => "crosses_midnight",
            FutureReading => "future_reading",
            TimesInverted => "times_inverted",
            SeqOutOfRange => "seq_out_of_range",
            BatchSize => "batch_size",
            TooDenseForScope => "too_dense_for_scope",
            InvalidScopes => "invalid_scopes",
            KeyHolderNotInGoodStanding => "key_holder_not_in_good_standing",
            MeasuredWhileHolderLapsed => "measured_while_holder_lapsed",
            HeldKeyQueueClosed => "held_key_queue_closed",
            DayFull => "day_full",
            Other => "other",
        }
    }
}

/// A batch the chain refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct FailedBatch {
    pub batch_id: BatchId,
    pub device_id: String,
    pub first_seq: u64,
    pub last_seq: u64,
    pub code: AnchorRefusal,
    /// The contract's message.
    pub reason: String,
}

/// The last anchoring transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LastAnchor {
    pub tx_hash: String,
    pub height: u64,
    pub batches: u64,
}

/// The anchoring task's status in `GET /v1/status`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AnchoringSnapshot {
    pub state: AnchoringState,
    pub in_flight_tx: Option<String>,
    pub last_anchor: Option<LastAnchor>,
    pub last_error: Option<String>,
    /// The 20 most recent refusals, oldest first.
    pub recent_failures: Vec<FailedBatch>,
}

/// `ok`, `degraded` (the chain or anchoring failing: the relayer still ingests and queues) or
/// `failing` (the store).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    Ok,
    Degraded,
    Failing,
}

/// The answer to `GET /healthz` (200 while the store takes a durable write, else 503).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct HealthReport {
    pub status: HealthStatus,
    pub store: StoreReport,
    /// `null` with a development registry (no chain).
    pub chain: Option<ChainReport>,
    /// `null` with a development registry (nothing is anchored).
    pub anchoring: Option<AnchoringReport>,
}

/// Whether the store takes a durable write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct StoreReport {
    pub ok: bool,
    pub writable: bool,
    /// Not writable because the disk is full (or below the store's free-space reserve): reads
    /// go on, and writes resume by themselves once space is freed.
    #[serde(default)]
    pub disk_full: bool,
}

/// The chain as the block watcher sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ChainReport {
    /// Reachable: polled successfully within the last 10 s.
    pub ok: bool,
    /// Consecutive failed polls.
    pub failed_polls: u64,
    pub latest_height: u64,
    pub reachable: bool,
    /// Since the last successful poll (`null`: never).
    pub seconds_since_seen: Option<f64>,
}

/// Anchoring lag: the age of the oldest batch not yet anchored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AnchoringReport {
    /// The lag is within its limit.
    pub ok: bool,
    /// `null` when the store could not be read.
    pub lag_seconds: Option<u64>,
    /// The rest, when the store could be read.
    #[serde(flatten)]
    pub detail: Option<AnchoringLag>,
}

/// The lag's limit and the anchoring task's state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AnchoringLag {
    pub max_lag_seconds: u64,
    pub state: AnchoringState,
    #[serde(default)]
    pub last_error: Option<String>,
}
