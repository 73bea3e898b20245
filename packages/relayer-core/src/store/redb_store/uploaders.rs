//! The uploaders table (records sealed under the master key) and the token index.

use redb::ReadableTable;

use super::tables;
use super::RedbStore;
use crate::store::{StoreError, UploaderRecord};

fn aad(device_id: &str) -> Vec<u8> {
    [
        b"DIACHAIN/RELAYER/UPLOADER/v1".as_slice(),
        device_id.as_bytes(),
    ]
    .concat()
}

pub(super) fn put(store: &RedbStore, r: &UploaderRecord) -> Result<(), StoreError> {
    let plain = serde_json::to_vec(r).map_err(|e| StoreError::Corrupt(format!("uploader: {e}")))?;
    let sealed = store.keys.seal_secret(&aad(&r.device_id), &plain)?;
    let txn = store.begin_write()?;
    {
        let mut t = txn.open_table(tables::UPLOADERS)?;
        t.insert(r.device_id.as_str(), sealed.as_slice())?;
        // One secret per uploader: a rotated secret's entry goes, and a revoked uploader has none.
        let mut tokens = txn.open_table(tables::UPLOADER_TOKENS)?;
        let stale: Vec<Vec<u8>> = tokens
            .iter()?
            .filter_map(|e| match e {
                Ok((k, v)) if v.value() == r.device_id => Some(Ok(k.value().to_vec())),
                Ok(_) => None,
                Err(e) => Some(Err(e)),
            })
            .collect::<Result<_, _>>()?;
        for k in stale {
            tokens.remove(k.as_slice())?;
        }
        if r.revoked_at.is_none() {
            for hash in std::iter::once(&r.token_hash).chain(&r.secret512_hash) {
                tokens.insert(hash.as_slice(), r.device_id.as_str())?;
            }
        }
    }
    txn.commit()?;
    Ok(())
}

fn open(store: &RedbStore, device_id: &str, blob: &[u8]) -> Result<UploaderRecord, StoreError> {
    let plain = store
        .keys
        .open_secret(&aad(device_id), blob)
        .ok_or_else(|| StoreError::Tampered(format!("uploader {device_id}")))?;
    serde_json::from_slice(&plain).map_err(|e| StoreError::Corrupt(format!("uploader: {e}")))
}

pub(super) fn get(
    store: &RedbStore,
    device_id: &str,
) -> Result<Option<UploaderRecord>, StoreError> {
    let txn = store.begin_read()?;
    let t = txn.open_table(tables::UPLOADERS)?;
    let found = t.get(device_id)?;
    found.map(|v| open(store, device_id, v.value())).transpose()
}

pub(super) fn by_token(
    store: &RedbStore,
    token_hash: &[u8],
) -> Result<Option<UploaderRecord>, StoreError> {
    let device = {
        let txn = store.begin_read()?;
        let tokens = txn.open_table(tables::UPLOADER_TOKENS)?;
        let found = tokens.get(token_hash)?;
        found.map(|v| v.value().to_string())
    };
    match device {
        Some(d) => get(store, &d),
        None => Ok(None),
    }
}

pub(super) fn ids(store: &RedbStore) -> Result<Vec<String>, StoreError> {
    let txn = store.begin_read()?;
    let t = txn.open_table(tables::UPLOADERS)?;
    let mut out = Vec::new();
    for entry in t.iter()? {
        out.push(entry?.0.value().to_string());
    }
    Ok(out)
}
