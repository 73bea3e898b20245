//! The followers table (records sealed under the master key) and its token index.

use redb::ReadableTable;

use super::tables;
use super::RedbStore;
use crate::store::{FollowerRecord, StoreError};

pub(in crate::store) fn aad(id: &str) -> Vec<u8> {
    [b"DIACHAIN/RELAYER/FOLLOWER/v1".as_slice(), id.as_bytes()].concat()
}

/// Keeps the record; indexes its hashes unless it is revoked (then they go).
pub(super) fn put(store: &RedbStore, r: &FollowerRecord) -> Result<(), StoreError> {
    let plain = serde_json::to_vec(r).map_err(|e| StoreError::Corrupt(format!("follower: {e}")))?;
    let sealed = store.keys.seal_secret(&aad(&r.id), &plain)?;
    let txn = store.begin_write()?;
    {
        let mut t = txn.open_table(tables::FOLLOWERS)?;
        t.insert(r.id.as_str(), sealed.as_slice())?;
        let mut tokens = txn.open_table(tables::FOLLOWER_TOKENS)?;
        for hash in [&r.token_hash, &r.secret_hash]
            .into_iter()
            .chain(&r.secret512_hash)
        {
            if r.revoked_at.is_some() {
                tokens.remove(hash.as_slice())?;
            } else {
                tokens.insert(hash.as_slice(), r.id.as_str())?;
            }
        }
    }
    txn.commit()?;
    Ok(())
}

fn open(store: &RedbStore, id: &str, blob: &[u8]) -> Result<FollowerRecord, StoreError> {
    let plain = store
        .keys
        .open_secret(&aad(id), blob)
        .ok_or_else(|| StoreError::Tampered(format!("follower {id}")))?;
    serde_json::from_slice(&plain).map_err(|e| StoreError::Corrupt(format!("follower: {e}")))
}

pub(super) fn get(store: &RedbStore, id: &str) -> Result<Option<FollowerRecord>, StoreError> {
    let txn = store.begin_read()?;
    let t = txn.open_table(tables::FOLLOWERS)?;
    let found = t.get(id)?;
    found.map(|v| open(store, id, v.value())).transpose()
}

pub(super) fn by_hash(
    store: &RedbStore,
    hash: &[u8],
) -> Result<Option<FollowerRecord>, StoreError> {
    let id = {
        let txn = store.begin_read()?;
        let tokens = txn.open_table(tables::FOLLOWER_TOKENS)?;
        let found = tokens.get(hash)?;
        found.map(|v| v.value().to_string())
    };
    match id {
        Some(id) => get(store, &id),
        None => Ok(None),
    }
}

pub(super) fn of_patient(
    store: &RedbStore,
    patient: &str,
) -> Result<Vec<FollowerRecord>, StoreError> {
    let txn = store.begin_read()?;
    let t = txn.open_table(tables::FOLLOWERS)?;
    let mut out = Vec::new();
    for entry in t.iter()? {
        let (k, v) = entry?;
        let r = open(store, k.value(), v.value())?;
        if r.patient == patient {
            out.push(r);
        }
    }
    Ok(out)
}
