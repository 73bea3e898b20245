//! What the relayer owes the chain besides anchors: each access it served and each erasure it
//! carried out, recorded with the consent contract as the custodian, and each research export's
//! manifest, recorded with the data-union contract. Queued durably before the
//! data is served (or in the erasure's own transaction), sent in batches, followed to their
//! block like anchoring transactions, so that none is lost and none is recorded twice.

use cosmwasm_std::Binary;
use diachain_relayer_types::state::{OutboxId, OutboxState};
use diachain_std::union::NewManifest;
use diachain_std::DataScope;
use serde::{Deserialize, Serialize};

/// One thing to record on chain.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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
    /// A research dataset export's manifest, for the data-union contract.
    Manifest { manifest: NewManifest },
}

/// One record owed to the chain and where it stands.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutboxItem {
    pub id: OutboxId,
    pub msg: OutboxMsg,
    pub state: OutboxState,
    /// Unix seconds when it was queued.
    pub queued_at: u64,
}
