//! The gateway API's JSON types. Byte strings are base64 (as in every DiaChain contract
//! message); the header is the shared [`BatchHeader`], readings mirror the shared [`Reading`].

use cosmwasm_std::Binary;
use diachain_std::encoding::{ReadingKind, Trend, Unit, SALT_LEN};
use diachain_std::{BatchHeader, Reading};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::state::{BatchId, SeqRange};

/// Set (to `true`) on the answer to an exact resubmission; status and body are the same as the
/// first answer's.
pub const REPLAY_HEADER: &str = "idempotent-replayed";

/// `POST /v1/batches`: a device-signed batch with every reading and its salt.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    pub header: BatchHeader,
    /// The device's 64-byte signature over `header.sign_bytes(domain)`.
    pub signature: Binary,
    pub readings: Vec<ReadingJson>,
}

/// One reading with its 16-byte salt (the canonical fields of [`Reading`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadingJson {
    pub device_id: String,
    pub seq: u64,
    pub measured_at: u64,
    pub kind: ReadingKind,
    pub unit: Unit,
    /// Fixed point, three decimals (142000 = 142.000).
    pub value: i64,
    pub trend: Trend,
    #[serde(default)]
    pub flags: u16,
    pub salt: Binary,
}

/// A salt that is not [`SALT_LEN`] bytes.
#[derive(thiserror::Error, Debug, Clone, Copy, PartialEq, Eq)]
#[error("salt is {len} bytes; expected {SALT_LEN}")]
pub struct SaltLength {
    pub len: usize,
}

impl ReadingJson {
    /// The canonical reading; fails when the salt is not 16 bytes.
    pub fn to_reading(&self) -> Result<Reading, SaltLength> {
        let salt: [u8; SALT_LEN] = self.salt.as_slice().try_into().map_err(|_| SaltLength {
            len: self.salt.len(),
        })?;
        Ok(Reading {
            salt,
            device_id: self.device_id.clone(),
            seq: self.seq,
            measured_at: self.measured_at,
            kind: self.kind,
            unit: self.unit,
            value: self.value,
            trend: self.trend,
            flags: self.flags,
        })
    }
}

impl From<&Reading> for ReadingJson {
    fn from(r: &Reading) -> Self {
        ReadingJson {
            device_id: r.device_id.clone(),
            seq: r.seq,
            measured_at: r.measured_at,
            kind: r.kind,
            unit: r.unit,
            value: r.value,
            trend: r.trend,
            flags: r.flags,
            salt: Binary::new(r.salt.to_vec()),
        }
    }
}

/// The answer to an accepted batch (201). A resubmission gets the very same receipt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Receipt {
    pub batch_id: BatchId,
    pub device_id: String,
    pub first_seq: u64,
    pub last_seq: u64,
    pub count: u32,
    pub root: Binary,
    /// Sequence numbers skipped since the device's previous batch held here, if any.
    pub gap: Option<SeqRange>,
    pub received_at: u64,
}
