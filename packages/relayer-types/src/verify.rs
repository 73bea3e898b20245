//! Independent check of one reading's proof (the `ReadingProof` that `export-proof` prints)
//! against what the chain anchored, trusting nothing the relayer wrote except the reading with
//! its salt and the audit path: the leaf is recomputed from the reading, the root from the leaf
//! and the path, the leaf's position and the tree size from the anchored batch's range, and the
//! result compared with the root the reading-anchors contract holds.
//!
//! Fetching the anchored batch is behind [`AnchorSource`], so the checks run without a chain in
//! tests; `diachain-relayer verify` implements it with the chain client.

use cosmwasm_std::Binary;
use diachain_std::anchors::BatchInfo;
use diachain_std::device::KeyCustody;
use diachain_std::encoding::{utc_day, EncodingError};
use diachain_std::merkle::{self, Hash};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::data::Attestation;
use crate::proof::ReadingProof;
use crate::wire::SaltLength;

/// Where the anchored batch comes from (the reading-anchors contract, or a fake in tests).
pub trait AnchorSource {
    /// Why the source could not answer (a connection, a query).
    type Error: std::error::Error;

    /// The anchored batch of `device_id` that holds `seq`; `None` if no anchored batch does.
    fn batch(
        &self,
        device_id: &str,
        seq: u64,
    ) -> impl std::future::Future<Output = Result<Option<BatchInfo>, Self::Error>> + Send;

    /// The contract's own `VerifyProof` answer for `leaf_hash` and `path` (`None` if the
    /// source cannot run it).
    fn verify_proof(
        &self,
        device_id: &str,
        seq: u64,
        leaf_hash: &Hash,
        path: &[Hash],
    ) -> impl std::future::Future<Output = Result<Option<bool>, Self::Error>> + Send;

    /// Who holds the device's signing key, as the device registry says (`None` if the source
    /// cannot tell).
    fn key_custody(
        &self,
        device_id: &str,
    ) -> impl std::future::Future<Output = Result<Option<KeyCustody>, Self::Error>> + Send;
}

/// Why a proof does not hold. Each message is one line, precise enough to act on.
#[derive(thiserror::Error, Debug, PartialEq, Eq)]
pub enum Failure {
    #[error("the proof names device {proof_device} seq {proof_seq} but its reading is device {reading_device} seq {reading_seq}")]
    ReadingIdentity {
        proof_device: String,
        proof_seq: u64,
        reading_device: String,
        reading_seq: u64,
    },
    #[error("the reading cannot be encoded: {0}")]
    Salt(#[from] SaltLength),
    #[error("the reading cannot be encoded: {0}")]
    Reading(#[from] EncodingError),
    #[error("audit path entry {index} is {len} bytes; expected 32")]
    PathEntry { index: usize, len: usize },
    #[error("no batch anchored on chain holds seq {seq} of device {device_id}")]
    NotAnchored { device_id: String, seq: u64 },
    #[error("the anchored batch {first_seq}..={last_seq} does not hold seq {seq}")]
    OutsideBatch {
        seq: u64,
        first_seq: u64,
        last_seq: u64,
    },
    #[error("the proof's index {proof_index} / tree size {proof_size} are not the reading's position {index} / size {size} in the anchored batch")]
    Position {
        proof_index: u64,
        proof_size: u64,
        index: u64,
        size: u64,
    },
    #[error("the audit path ({len} hashes) does not fit position {index} of a {size}-leaf tree")]
    PathShape { len: usize, index: u64, size: u64 },
    #[error("the reading's leaf does not rebuild the anchored root (rebuilt {rebuilt}, anchored {anchored})")]
    RootMismatch { rebuilt: String, anchored: String },
    #[error("the reading was measured on UTC day {reading_day} but the anchored batch is of day {anchored_day}")]
    Day { reading_day: u64, anchored_day: u64 },
    #[error("the proof's header ({field}) does not match the anchored batch")]
    Header { field: &'static str },
    #[error("the anchors contract's VerifyProof query answers valid: false")]
    ContractRefused,
    #[error("the proof says {claimed:?} but the registry says the device's key is held by the {on_chain:?}")]
    Attestation {
        claimed: Attestation,
        on_chain: KeyCustody,
    },
}

/// What was checked, printed as JSON.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct Verdict {
    pub verified: bool,
    pub device_id: String,
    pub seq: u64,
    /// The leaf recomputed from the reading and its salt.
    pub leaf_hash: Binary,
    /// The anchored root (when a batch was found).
    pub root: Option<Binary>,
    pub anchored_height: Option<u64>,
    /// The anchored batch's range.
    pub batch_first_seq: Option<u64>,
    pub batch_last_seq: Option<u64>,
    /// The contract's `VerifyProof` answer, when it was asked.
    pub contract_verify_proof: Option<bool>,
    /// Set when the proof's own `leaf_hash` differs from the recomputed one.
    pub proof_leaf_hash_differs: bool,
    /// Who holds the device's key, as the registry says: `device` (device-signed readings) or
    /// `relayer` (relayer-attested: a Nightscout uploader's key).
    pub key_custody: Option<KeyCustody>,
    /// Why the proof fails (`None` when verified).
    pub reason: Option<String>,
}

/// The reading's leaf and the audit path as hashes: what the checks trust from the proof.
#[derive(Clone, Debug)]
pub struct ProofParts {
    pub leaf: Hash,
    pub path: Vec<Hash>,
}

/// Recomputes the leaf from the reading and its salt and parses the audit path.
pub fn proof_parts(proof: &ReadingProof) -> Result<ProofParts, Failure> {
    let r = &proof.reading;
    if r.device_id != proof.device_id || r.seq != proof.seq {
        return Err(Failure::ReadingIdentity {
            proof_device: proof.device_id.clone(),
            proof_seq: proof.seq,
            reading_device: r.device_id.clone(),
            reading_seq: r.seq,
        });
    }
    let reading = r.to_reading()?;
    let leaf = reading.leaf_hash()?;
    let path = proof
        .path
        .iter()
        .enumerate()
        .map(|(index, h)| {
            Hash::try_from(h.as_slice()).map_err(|_| Failure::PathEntry {
                index,
                len: h.len(),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ProofParts { leaf, path })
}

/// Checks the proof against the anchored batch `anchored` (what the chain holds for the
/// device and seq; `None` when nothing is anchored).
pub fn check_against(
    proof: &ReadingProof,
    parts: &ProofParts,
    anchored: Option<&BatchInfo>,
) -> Result<(), Failure> {
    let batch = anchored.ok_or_else(|| Failure::NotAnchored {
        device_id: proof.device_id.clone(),
        seq: proof.seq,
    })?;
    let (index, size) = position(proof.seq, batch)?;
    if proof.index != index || proof.tree_size != size {
        return Err(Failure::Position {
            proof_index: proof.index,
            proof_size: proof.tree_size,
            index,
            size,
        });
    }
    let rebuilt = merkle::root_from_proof(&parts.leaf, index, size, &parts.path).ok_or(
        Failure::PathShape {
            len: parts.path.len(),
            index,
            size,
        },
    )?;
    if rebuilt.as_slice() != batch.root.as_slice() {
        return Err(Failure::RootMismatch {
            rebuilt: Binary::new(rebuilt.to_vec()).to_base64(),
            anchored: batch.root.to_base64(),
        });
    }
    let reading_day = utc_day(proof.reading.measured_at);
    if reading_day != batch.day {
        return Err(Failure::Day {
            reading_day,
            anchored_day: batch.day,
        });
    }
    check_header(proof, batch)
}

/// The reading's position in the anchored batch and the batch's size, from the chain's range.
fn position(seq: u64, batch: &BatchInfo) -> Result<(u64, u64), Failure> {
    let outside = || Failure::OutsideBatch {
        seq,
        first_seq: batch.first_seq,
        last_seq: batch.last_seq,
    };
    if seq < batch.first_seq || seq > batch.last_seq {
        return Err(outside());
    }
    let index = seq.checked_sub(batch.first_seq).ok_or_else(outside)?;
    let size = batch
        .last_seq
        .checked_sub(batch.first_seq)
        .and_then(|d| d.checked_add(1))
        .ok_or_else(outside)?;
    Ok((index, size))
}

/// The header carried in the proof must be the anchored one.
fn check_header(proof: &ReadingProof, batch: &BatchInfo) -> Result<(), Failure> {
    let h = &proof.header;
    let field = if h.device_id != batch.device_id {
        Some("device_id")
    } else if h.first_seq != batch.first_seq {
        Some("first_seq")
    } else if h.last_seq != batch.last_seq {
        Some("last_seq")
    } else if h.root != batch.root {
        Some("root")
    } else if u64::from(h.count) != batch.last_seq.saturating_sub(batch.first_seq) + 1 {
        Some("count")
    } else if h.first_time > proof.reading.measured_at || proof.reading.measured_at > h.last_time {
        Some("first_time/last_time around the reading's time")
    } else {
        None
    };
    field.map_or(Ok(()), |field| Err(Failure::Header { field }))
}

/// Runs every check: the local ones, the anchored batch from `source`, and the contract's own
/// `VerifyProof`. `Err` only when `source` fails (connection, query); a failing proof is a
/// `Verdict` with `verified: false` and its reason.
pub async fn verify<S: AnchorSource>(
    proof: &ReadingProof,
    source: &S,
) -> Result<Verdict, S::Error> {
    let mut verdict = Verdict {
        verified: false,
        device_id: proof.device_id.clone(),
        seq: proof.seq,
        leaf_hash: Binary::default(),
        root: None,
        anchored_height: None,
        batch_first_seq: None,
        batch_last_seq: None,
        contract_verify_proof: None,
        proof_leaf_hash_differs: false,
        key_custody: None,
        reason: None,
    };
    let parts = match proof_parts(proof) {
        Ok(p) => p,
        Err(f) => return Ok(fail(verdict, &f)),
    };
    verdict.leaf_hash = Binary::new(parts.leaf.to_vec());
    verdict.proof_leaf_hash_differs = proof.leaf_hash.as_slice() != parts.leaf.as_slice();
    let anchored = source.batch(&proof.device_id, proof.seq).await?;
    if let Some(b) = &anchored {
        verdict.root = Some(b.root.clone());
        verdict.anchored_height = Some(b.anchored_height);
        verdict.batch_first_seq = Some(b.first_seq);
        verdict.batch_last_seq = Some(b.last_seq);
    }
    if let Err(f) = check_against(proof, &parts, anchored.as_ref()) {
        return Ok(fail(verdict, &f));
    }
    let contract = source
        .verify_proof(&proof.device_id, proof.seq, &parts.leaf, &parts.path)
        .await?;
    verdict.contract_verify_proof = contract;
    if contract == Some(false) {
        return Ok(fail(verdict, &Failure::ContractRefused));
    }
    // The kind of attestation is the chain's word, not the relayer's.
    let custody = source.key_custody(&proof.device_id).await?;
    verdict.key_custody = custody;
    let claimed = proof.attestation;
    let agrees = match custody {
        None => true,
        Some(KeyCustody::Device) => claimed == Attestation::DeviceSigned,
        Some(KeyCustody::Relayer) => claimed == Attestation::RelayerAttested,
    };
    if let (false, Some(on_chain)) = (agrees, custody) {
        return Ok(fail(verdict, &Failure::Attestation { claimed, on_chain }));
    }
    verdict.verified = true;
    Ok(verdict)
}

fn fail(mut verdict: Verdict, failure: &Failure) -> Verdict {
    verdict.verified = false;
    verdict.reason = Some(failure.to_string());
    verdict
}

#[cfg(test)]
#[path = "verify_tests.rs"]
mod tests;
