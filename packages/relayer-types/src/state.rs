//! Where a batch, and a record owed to the chain, stand on their way to the chain: the states a
//! relayer keeps in its store and shows in its answers.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A batch's id in the relayer's store: its position in ingest order (from 1).
pub type BatchId = u64;

/// An outbox item's id: its position in queue order (from 1).
pub type OutboxId = u64;

/// An inclusive range of sequence numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SeqRange {
    pub first_seq: u64,
    pub last_seq: u64,
}

/// Where a batch is on its way to the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum AnchorState {
    Pending,
    /// Broadcast (or about to be) in transaction `tx_hash`, which no block above
    /// `timeout_height` may include.
    InFlight {
        tx_hash: String,
        #[serde(default)]
        timeout_height: u64,
    },
    Anchored {
        tx_hash: String,
        height: u64,
    },
    Failed {
        reason: String,
    },
}

impl AnchorState {
    pub fn name(&self) -> &'static str {
        match self {
            AnchorState::Pending => "pending",
            AnchorState::InFlight { .. } => "in_flight",
            AnchorState::Anchored { .. } => "anchored",
            AnchorState::Failed { .. } => "failed",
        }
    }
}

/// How many batches are in each anchoring state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct StateCounts {
    pub pending: u64,
    pub in_flight: u64,
    pub anchored: u64,
    pub failed: u64,
}

/// Where a record owed to the chain (an access served, an erasure done) is on its way there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum OutboxState {
    Queued,
    /// Broadcast (or about to be) in `tx_hash`, which no block above `timeout_height` may hold.
    InFlight {
        tx_hash: String,
        timeout_height: u64,
    },
    Recorded {
        tx_hash: String,
        height: u64,
    },
    /// The contract refused it for good (`reason`: its message).
    Failed {
        reason: String,
    },
}

impl OutboxState {
    pub fn name(&self) -> &'static str {
        match self {
            OutboxState::Queued => "queued",
            OutboxState::InFlight { .. } => "in_flight",
            OutboxState::Recorded { .. } => "recorded",
            OutboxState::Failed { .. } => "failed",
        }
    }
}
