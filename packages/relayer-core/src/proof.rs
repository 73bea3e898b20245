//! A reading's inclusion proof from the local store (what `diachain-relayer export-proof`
//! prints; [`diachain_relayer_types::verify`] checks it against the chain).

use cosmwasm_std::Binary;
use diachain_relayer_types::data::Attestation;
use diachain_relayer_types::proof::{leaves_of, ReadingProof};
use diachain_relayer_types::wire::ReadingJson;
use diachain_std::encoding::EncodingError;
use diachain_std::merkle;

use crate::store::{DataStore, StoreError, UploaderStore};

#[derive(thiserror::Error, Debug)]
pub enum ProofError {
    #[error("no stored batch of device {device_id} holds seq {seq}")]
    NotFound { device_id: String, seq: u64 },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("stored reading cannot be encoded: {0}")]
    Encoding(#[from] EncodingError),
}

/// The proof of reading `seq` of `device_id`, built from the local store.
pub fn reading_proof<S: DataStore + UploaderStore + ?Sized>(
    store: &S,
    device_id: &str,
    seq: u64,
) -> Result<ReadingProof, ProofError> {
    let held = store.uploader(device_id)?.is_some();
    reading_proof_in(store, device_id, seq, held)
}

/// The same proof from any data store, `relayer_held` saying whether the device's key is one
/// the relayer holds (a Nightscout uploader's).
pub fn reading_proof_in<S: DataStore + ?Sized>(
    store: &S,
    device_id: &str,
    seq: u64,
    relayer_held: bool,
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
        attestation: if relayer_held {
            Attestation::RelayerAttested
        } else {
            Attestation::DeviceSigned
        },
    })
}
