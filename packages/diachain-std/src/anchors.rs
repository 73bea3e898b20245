//! The reading-anchors contract's messages and its compact submission encoding.

use crate::wire;
use cosmwasm_schema::QueryResponses;
use cosmwasm_std::{Addr, Binary};

use crate::crypto::SIGNATURE_LEN;
use crate::device::DeviceKind;
use crate::encoding::{BatchHeader, EncodingError};
use crate::scopes::DataScope;

/// Widest day range one `Coverage` query may span.
pub const MAX_COVERAGE_DAYS: u64 = 366;
/// Most batch headers one `SubmitBatches` may carry.
pub const MAX_BATCHES_PER_SUBMIT: usize = 1_000;
/// Most readings one batch may commit to.
pub const MAX_READINGS_PER_BATCH: u32 = 10_000;
/// Most listeners the admin may set.
pub const MAX_LISTENERS: usize = 8;
/// How far past the block time a reading's measurement time may lie (device clock skew).
pub const MAX_CLOCK_SKEW_SECONDS: u64 = 300;
/// Largest sequence number a header may carry: 2^53 − 1. Every client language (JavaScript's
/// numbers included) represents it exactly, and no arithmetic on a stored range can overflow.
/// A device producing a reading a second would need 285 million years to get there.
pub const MAX_SEQ: u64 = (1 << 53) - 1;
/// Shortest and longest minimum interval between two readings of a device the consortium may
/// set for a kind.
pub const MIN_INTERVAL_FLOOR_SECONDS: u32 = 1;
pub const MIN_INTERVAL_CEILING_SECONDS: u32 = 86_400;

/// The shortest interval between two readings a device of `kind` can plausibly produce, unless
/// the consortium set another one (`SetSamplingLimits`): a batch's readings must fit its time
/// span at this rate, and a device's next batch starts at least this long after its last one.
pub fn default_min_interval_seconds(kind: DeviceKind) -> u32 {
    match kind {
        // CGMs sample every 1 to 5 minutes; a meter is a finger prick.
        DeviceKind::Cgm => 60,
        DeviceKind::Meter => 30,
        // Pumps and pens log deliveries and events, seconds apart at most.
        DeviceKind::Pump | DeviceKind::Pen => 5,
        // Wearables (heart rate, activity) and gateways (several devices behind one key).
        DeviceKind::Wearable | DeviceKind::Gateway => 1,
    }
}

/// The shortest interval between two readings of a scope in a version 2 header, whatever device
/// sends them: no glucose source measures more often than a 1-minute CGM, nor does anyone log
/// meals more often than once a minute; pumps log doses seconds apart. A version 2 header's
/// readings of a scope fit its span at the slower of this and the device kind's rate, and its
/// first reading comes at least the slowest such interval of its scopes after the device's last
/// anchored one; so a gateway (1 s) cannot anchor glucose faster than a CGM.
pub const fn scope_min_interval_seconds(scope: DataScope) -> u32 {
    match scope {
        DataScope::Glucose | DataScope::Nutrition => 60,
        DataScope::Insulin => 5,
        DataScope::DeviceEvents | DataScope::SummariesOnly => 1,
    }
}

/// The minimum interval between two readings of a device kind.
#[wire]
pub struct SamplingLimit {
    pub kind: DeviceKind,
    pub min_interval_seconds: u32,
}

#[wire]
pub struct InstantiateMsg {
    /// The consortium's address; the sender when omitted.
    pub admin: Option<String>,
    /// The device-registry contract.
    pub registry: String,
}

#[wire]
pub enum ExecuteMsg {
    /// Admitted relayer: anchor batch headers, encoded with [`encode_submission`]: for each
    /// batch, its header body followed by the device's 64-byte signature over the header's
    /// sign-bytes (chain id, this contract's address). All or nothing.
    SubmitBatches { batches: Binary },
    /// Admin: add a contract to be told of contributions (`AnchorsHookMsg`).
    AddListener { address: String },
    /// Admin: stop telling a contract.
    RemoveListener { address: String },
    /// Admin (the consortium): set the minimum interval between readings of the given kinds
    /// (`MIN_INTERVAL_FLOOR_SECONDS..=MIN_INTERVAL_CEILING_SECONDS`); kinds not named keep
    /// theirs. Defaults: [`default_min_interval_seconds`].
    SetSamplingLimits { limits: Vec<SamplingLimit> },
    /// Admin: propose a new admin; it takes effect when they accept.
    TransferAdmin { new_admin: String },
    /// Proposed admin: accept the transfer.
    AcceptAdmin {},
    /// Admin: withdraw a pending transfer.
    CancelAdminTransfer {},
}

#[wire]
pub struct MigrateMsg {}

#[wire]
#[derive(QueryResponses)]
pub enum QueryMsg {
    #[returns(ConfigResponse)]
    Config {},
    /// The batch of `device_id` that holds reading `seq`; an error if none does.
    #[returns(BatchInfo)]
    Batch { device_id: String, seq: u64 },
    /// A device's batches in sequence order; `start_after` is a `last_seq`.
    #[returns(crate::pagination::Page<BatchInfo>)]
    Batches {
        device_id: String,
        start_after: Option<u64>,
        limit: Option<u32>,
    },
    /// Missing sequence ranges noticed for a device; `start_after` is a gap's `from_seq`.
    #[returns(crate::pagination::Page<Gap>)]
    Gaps {
        device_id: String,
        start_after: Option<u64>,
        limit: Option<u32>,
    },
    /// The last anchored sequence number of a device (`None` before its first batch).
    #[returns(CursorResponse)]
    Cursor { device_id: String },
    /// Checks an inclusion proof of reading `seq` (its leaf hash and audit path) against the
    /// stored root of the batch that holds it.
    #[returns(ProofResponse)]
    VerifyProof {
        device_id: String,
        seq: u64,
        leaf_hash: Binary,
        path: Vec<Binary>,
    },
    /// Readings anchored for `patient` per UTC day and scope, for days `from_day..=to_day`
    /// (at most `MAX_COVERAGE_DAYS`); days and scopes with no readings are left out.
    #[returns(CoverageResponse)]
    Coverage {
        patient: String,
        from_day: u64,
        to_day: u64,
    },
}

#[wire]
pub struct ConfigResponse {
    pub admin: Addr,
    pub pending_admin: Option<Addr>,
    pub registry: Addr,
    pub listeners: Vec<Addr>,
    /// The minimum interval between readings in force for every device kind.
    pub sampling_limits: Vec<SamplingLimit>,
}

/// An anchored batch as stored.
#[wire]
pub struct BatchInfo {
    pub device_id: String,
    pub first_seq: u64,
    pub last_seq: u64,
    pub root: Binary,
    /// UTC day the batch's readings were measured on.
    pub day: u64,
    /// Block height of the transaction that anchored it.
    pub anchored_height: u64,
}

/// Sequence numbers `from_seq..=to_seq` never anchored, noticed when a later batch jumped
/// over them.
#[wire]
pub struct Gap {
    pub device_id: String,
    pub from_seq: u64,
    pub to_seq: u64,
    pub noticed_height: u64,
    pub noticed_time: u64,
}

#[wire]
pub struct CursorResponse {
    pub last_seq: Option<u64>,
}

#[wire]
pub struct ProofResponse {
    pub valid: bool,
    pub batch: BatchInfo,
}

#[wire]
pub struct CoverageResponse {
    /// Ordered by day, then scope.
    pub days: Vec<DayCoverage>,
}

#[wire]
pub struct DayCoverage {
    pub day: u64,
    pub scope: DataScope,
    pub readings: u64,
}

/// Encodes signed headers for `SubmitBatches`: each header body, then its signature.
pub fn encode_submission(batches: &[(BatchHeader, Binary)]) -> Result<Vec<u8>, EncodingError> {
    let mut out = Vec::with_capacity(batches.len() * 160);
    for (header, signature) in batches {
        if signature.len() != SIGNATURE_LEN {
            return Err(EncodingError::Truncated { field: "signature" });
        }
        out.extend(header.encode_body()?);
        out.extend_from_slice(signature.as_slice());
    }
    Ok(out)
}

/// Decodes a `SubmitBatches` payload into headers and signatures.
pub fn decode_submission(
    mut bytes: &[u8],
) -> Result<Vec<(BatchHeader, [u8; SIGNATURE_LEN])>, EncodingError> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let (header, rest) = BatchHeader::decode_body(bytes)?;
        if rest.len() < SIGNATURE_LEN {
            return Err(EncodingError::Truncated { field: "signature" });
        }
        let (sig, rest) = rest.split_at(SIGNATURE_LEN);
        let mut signature = [0u8; SIGNATURE_LEN];
        signature.copy_from_slice(sig);
        out.push((header, signature));
        bytes = rest;
    }
    Ok(out)
}
