//! A reading's inclusion proof from the local store: the reading with its salt, its leaf hash,
//! the audit path to the batch root, the signed header and where the batch is on its way to the
//! chain. Checkable with `diachain_std::merkle::verify_inclusion` and the anchors contract's
//! `VerifyProof` query.

use cosmwasm_std::Binary;
use diachain_std::merkle;
use diachain_std::{BatchHeader, Reading};
use serde::{Deserialize, Serialize};

use crate::api::data::Attestation;
use crate::store::{AnchorState, BatchId, Store, StoreError};
use crate::wire::ReadingJson;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadingProof {
    pub device_id: String,
    pub seq: u64,
    pub reading: ReadingJson,
    pub leaf_hash: Binary,
    /// The leaf's position in the batch (`seq - first_seq`) and the batch's size.
    pub index: u64,
    pub tree_size: u64,
    /// RFC 9162 audit path, from the leaf upwards.
    pub path: Vec<Binary>,
    pub header: BatchHeader,
    pub signature: Binary,
    pub batch_id: BatchId,
    pub anchoring: AnchorState,
    /// Who vouches for the reading: its device's own key, or an uploader key the relayer holds
    /// for the patient (Nightscout uploads).
    #[serde(default)]
    pub attestation: Attestation,
}

#[derive(thiserror::Error, Debug)]
pub enum ProofError {
    #[error("no stored batch of device {device_id} holds seq {seq}")]
    NotFound { device_id: String, seq: u64 },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("stored reading cannot be encoded: {0}")]
    Encoding(String),
}

/// One reading of a batch with what proves it is in the batch's root.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvenReading {
    pub reading: ReadingJson,
    pub leaf_hash: Binary,
    /// The leaf's position in the batch (`seq - first_seq`).
    pub index: u64,
    /// RFC 9162 audit path, from the leaf upwards.
    pub path: Vec<Binary>,
}

fn leaves_of(readings: &[Reading]) -> Result<Vec<merkle::Hash>, ProofError> {
    readings
        .iter()
        .map(|r| {
            r.leaf_hash()
                .map_err(|e| ProofError::Encoding(e.to_string()))
        })
        .collect()
}

/// The readings of a batch (all of them, in sequence order) that `keep` selects, each with
/// its inclusion proof.
pub fn prove_selected(
    readings: &[Reading],
    keep: impl Fn(&Reading) -> bool,
) -> Result<Vec<ProvenReading>, ProofError> {
    let leaves = leaves_of(readings)?;
    // All paths at once: a batch of n readings costs O(n log n) hashes, not O(n) per reading.
    let paths = merkle::inclusion_proofs(&leaves);
    let mut out = Vec::new();
    for (position, reading) in readings.iter().enumerate().filter(|(_, r)| keep(r)) {
        out.push(ProvenReading {
            reading: ReadingJson::from(reading),
            leaf_hash: Binary::new(leaves[position].to_vec()),
            index: position as u64,
            path: paths[position]
                .iter()
                .map(|h| Binary::new(h.to_vec()))
                .collect(),
        });
    }
    Ok(out)
}

/// The proof of reading `seq` of `device_id`, built from the local store.
pub fn reading_proof(
    store: &dyn Store,
    device_id: &str,
    seq: u64,
) -> Result<ReadingProof, ProofError> {
    let not_found = || ProofError::NotFound {
        device_id: device_id.to_string(),
        seq,
    };
    let batch = store.find_batch(device_id, seq)?.ok_or_else(not_found)?;
    let readings = store.readings(&batch)?;
    let leaves = leaves_of(&readings)?;
    let index = seq - batch.header.first_seq;
    let position = usize::try_from(index).map_err(|_| not_found())?;
    let path = merkle::inclusion_proof(&leaves, position).ok_or_else(not_found)?;
    let reading = readings.get(position).ok_or_else(not_found)?;
    Ok(ReadingProof {
        device_id: device_id.to_string(),
        seq,
        reading: ReadingJson::from(reading),
        leaf_hash: Binary::new(leaves[position].to_vec()),
        index,
        tree_size: leaves.len() as u64,
        path: path.iter().map(|h| Binary::new(h.to_vec())).collect(),
        header: batch.header,
        signature: batch.signature,
        batch_id: batch.id,
        anchoring: batch.state,
        attestation: if store.uploader(device_id)?.is_some() {
            Attestation::RelayerAttested
        } else {
            Attestation::DeviceSigned
        },
    })
}
