//! The uploaders table (records sealed under the master key) and the token index.

use redb::ReadableTable;

use super::tables;
use super::RedbStore;
use crate::store::{SkipLog, SkippedItem, StoreError, UploaderRecord};

pub(in crate::store) fn aad(device_id: &str) -> Vec<u8> {
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

pub(in crate::store) fn skips_aad(patient: &str, device_id: &str) -> Vec<u8> {
    [
        b"DIACHAIN/RELAYER/UPLOADER-SKIPS/v1".as_slice(),
        patient.as_bytes(),
        &[0],
        device_id.as_bytes(),
    ]
    .concat()
}

/// Sealed under the patient's data key: an erasure shreds it with their readings.
pub(in crate::store) fn open_skips(
    cipher: &crate::store::keys::Cipher,
    patient: &str,
    device_id: &str,
    blob: &[u8],
) -> Result<SkipLog, StoreError> {
    let plain = crate::store::crypto::open(cipher, &skips_aad(patient, device_id), blob)
        .ok_or_else(|| StoreError::Tampered(format!("skip log of uploader {device_id}")))?;
    serde_json::from_slice(&plain).map_err(|e| StoreError::Corrupt(format!("skip log: {e}")))
}

pub(super) fn record_skips(
    store: &RedbStore,
    patient: &str,
    device_id: &str,
    items: Vec<SkippedItem>,
) -> Result<(), StoreError> {
    if items.is_empty() {
        return Ok(());
    }
    let mut staged = crate::store::keys::Staged::new();
    let txn = store.begin_write()?;
    {
        let mut keys = txn.open_table(tables::DATA_KEYS)?;
        let cipher = store.keys.for_write(&mut keys, &mut staged, patient)?;
        let mut t = txn.open_table(tables::UPLOADER_SKIPS)?;
        let found = t.get((patient, device_id))?.map(|v| v.value().to_vec());
        let mut log = match found {
            Some(blob) => open_skips(&cipher, patient, device_id, &blob)?,
            None => SkipLog::default(),
        };
        log.add(items);
        let plain =
            serde_json::to_vec(&log).map_err(|e| StoreError::Corrupt(format!("skip log: {e}")))?;
        let sealed = crate::store::crypto::seal(&cipher, &skips_aad(patient, device_id), &plain)?;
        t.insert((patient, device_id), sealed.as_slice())?;
    }
    txn.commit()?;
    store.keys.promote(staged);
    Ok(())
}

pub(super) fn skips(
    store: &RedbStore,
    patient: &str,
    device_id: &str,
) -> Result<SkipLog, StoreError> {
    let txn = store.begin_read()?;
    let t = txn.open_table(tables::UPLOADER_SKIPS)?;
    let found = t.get((patient, device_id))?;
    let Some(blob) = found else {
        return Ok(SkipLog::default());
    };
    let keys = txn.open_table(tables::DATA_KEYS)?;
    match store.keys.for_read(&keys, patient)? {
        Some(cipher) => open_skips(&cipher, patient, device_id, blob.value()),
        None => Ok(SkipLog::default()),
    }
}

/// Forgets the skip logs of a patient's uploaders (their sentences may hold values).
pub(super) fn forget_skips(
    table: &mut redb::Table<(&'static str, &'static str), &'static [u8]>,
    patient: &str,
) -> Result<(), StoreError> {
    let mut keys: Vec<String> = Vec::new();
    for entry in table.range((patient, "")..)? {
        let (k, _) = entry?;
        let (p, device) = k.value();
        if p != patient {
            break;
        }
        keys.push(device.to_string());
    }
    for d in keys {
        table.remove((patient, d.as_str()))?;
    }
    Ok(())
}
