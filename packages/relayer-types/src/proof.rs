//! A reading's inclusion proof: the reading with its salt, its leaf hash, the audit path to the
//! batch root, the signed header and where the batch is on its way to the chain. Checkable with
//! `diachain_std::merkle::verify_inclusion`, the anchors contract's `VerifyProof` query, and
//! [`crate::verify`] (what `diachain-relayer verify` runs).

use cosmwasm_std::Binary;
use diachain_std::encoding::EncodingError;
use diachain_std::merkle;
use diachain_std::{BatchHeader, Reading};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::data::Attestation;
use crate::state::{AnchorState, BatchId};
use crate::wire::ReadingJson;

/// One reading's proof, as `diachain-relayer export-proof` prints it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
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

/// One reading of a batch with what proves it is in the batch's root.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ProvenReading {
    pub reading: ReadingJson,
    pub leaf_hash: Binary,
    /// The leaf's position in the batch (`seq - first_seq`).
    pub index: u64,
    /// RFC 9162 audit path, from the leaf upwards.
    pub path: Vec<Binary>,
}

/// The readings' leaf hashes.
pub fn leaves_of(readings: &[Reading]) -> Result<Vec<merkle::Hash>, EncodingError> {
    readings.iter().map(Reading::leaf_hash).collect()
}

/// The readings of a batch (all of them, in sequence order) that `keep` selects, each with
/// its inclusion proof.
pub fn prove_selected(
    readings: &[Reading],
    keep: impl Fn(&Reading) -> bool,
) -> Result<Vec<ProvenReading>, EncodingError> {
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
