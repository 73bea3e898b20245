//! What the relayer owes the chain besides anchors: each access it served and each erasure it
//! carried out, recorded with the consent contract as the custodian. Queued durably before the
//! data is served (or in the erasure's own transaction), sent in batches, followed to their
//! block like anchoring transactions, so that none is lost and none is recorded twice.

use cosmwasm_std::Binary;
use diachain_std::DataScope;
use serde::{Deserialize, Serialize};

/// An outbox item's id: its position in queue order (from 1).
pub type OutboxId = u64;

/// One thing to record on chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OutboxMsg {
    /// `grantee` was served `patient`'s `scope` data measured in `data_from..=data_to` (Unix
    /// seconds) at `served_at_ns` (the block time, Unix nanoseconds, the grant was checked
    /// at), as allowed by `grant_id`.
    Access {
        patient: String,
        grantee: String,
        scope: DataScope,
        data_from: u64,
        data_to: u64,
        grant_id: u64,
        served_at_ns: u64,
    },
    /// The patient's data key was destroyed at their request (`request_hash`: SHA-256 of the
    /// signed request) made at `requested_at`.
    Erasure {
        patient: String,
        request_hash: Binary,
        requested_at: u64,
    },
}

/// Where an outbox item is on its way to the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxItem {
    pub id: OutboxId,
    pub msg: OutboxMsg,
    pub state: OutboxState,
    /// Unix seconds when it was queued.
    pub queued_at: u64,
}

/// An erasure carried out: what the relayer keeps of it (and shows the patient).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasureRecord {
    pub patient: String,
    /// Who asked: the patient or their guardian.
    pub requested_by: String,
    /// The request as signed (the canonical text of `auth::request`), the signer's public key
    /// and its ADR-036 signature (base64): proof that they asked.
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
