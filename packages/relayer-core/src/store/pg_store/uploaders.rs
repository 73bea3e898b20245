//! Nightscout uploaders (sealed under the master key, as the embedded store seals them), the
//! index of their tokens, and their skip logs (sealed under the patient's data key).

use postgres::Transaction;

use super::{keys, locks, PgStore};
use crate::store::crypto::seal;
use crate::store::keys::Staged;
use crate::store::redb_store::uploaders::{aad, open_skips, skips_aad};
use crate::store::{SkipLog, SkippedItem, StoreError, UploaderRecord};

pub(super) fn put(store: &PgStore, r: &UploaderRecord) -> Result<(), StoreError> {
    let plain = serde_json::to_vec(r).map_err(|e| StoreError::Corrupt(format!("uploader: {e}")))?;
    let sealed = store.keys.seal_secret(&aad(&r.device_id), &plain)?;
    store.with_tx(|tx| {
        tx.execute(
            "INSERT INTO uploaders (device_id, sealed) VALUES ($1, $2)
             ON CONFLICT (device_id) DO UPDATE SET sealed = EXCLUDED.sealed",
            &[&r.device_id, &sealed],
        )?;
        // One secret per uploader: a rotated secret's entry goes, and a revoked uploader has none.
        tx.execute(
            "DELETE FROM uploader_tokens WHERE device_id = $1",
            &[&r.device_id],
        )?;
        if r.revoked_at.is_none() {
            for hash in std::iter::once(&r.token_hash).chain(&r.secret512_hash) {
                tx.execute(
                    "INSERT INTO uploader_tokens (token_hash, device_id) VALUES ($1, $2)
                     ON CONFLICT (token_hash) DO UPDATE SET device_id = EXCLUDED.device_id",
                    &[&hash.as_slice(), &r.device_id],
                )?;
            }
        }
        Ok(())
    })
}

fn open(store: &PgStore, device_id: &str, blob: &[u8]) -> Result<UploaderRecord, StoreError> {
    let plain = store
        .keys
        .open_secret(&aad(device_id), blob)
        .ok_or_else(|| StoreError::Tampered(format!("uploader {device_id}")))?;
    serde_json::from_slice(&plain).map_err(|e| StoreError::Corrupt(format!("uploader: {e}")))
}

pub(super) fn get(store: &PgStore, device_id: &str) -> Result<Option<UploaderRecord>, StoreError> {
    store.with_snapshot(|tx| {
        tx.query_opt(
            "SELECT sealed FROM uploaders WHERE device_id = $1",
            &[&device_id],
        )?
        .map(|row| open(store, device_id, row.get::<_, &[u8]>(0)))
        .transpose()
    })
}

pub(super) fn by_token(
    store: &PgStore,
    token_hash: &[u8],
) -> Result<Option<UploaderRecord>, StoreError> {
    store.with_snapshot(|tx| {
        tx.query_opt(
            "SELECT u.device_id, u.sealed FROM uploader_tokens t
             JOIN uploaders u ON u.device_id = t.device_id WHERE t.token_hash = $1",
            &[&token_hash],
        )?
        .map(|row| open(store, row.get(0), row.get::<_, &[u8]>(1)))
        .transpose()
    })
}

/// Every uploader's device id, in the embedded store's (byte) order.
pub(super) fn ids(store: &PgStore) -> Result<Vec<String>, StoreError> {
    store.with_snapshot(|tx| {
        Ok(tx
            .query("SELECT device_id FROM uploaders ORDER BY device_id", &[])?
            .iter()
            .map(|r| r.get(0))
            .collect())
    })
}

pub(super) fn record_skips(
    store: &PgStore,
    patient: &str,
    device_id: &str,
    items: Vec<SkippedItem>,
) -> Result<(), StoreError> {
    if items.is_empty() {
        return Ok(());
    }
    let staged = store.with_tx(|tx| {
        // Taking turns with an erasure of the patient: the log is erased, or starts anew.
        locks::lock_patient(tx, patient)?;
        let mut staged = Staged::new();
        let cipher = keys::for_write(&store.keys, tx, &mut staged, patient)?;
        let mut log = match stored_skips(tx, patient, device_id)? {
            Some(blob) => open_skips(&cipher, patient, device_id, &blob)?,
            None => SkipLog::default(),
        };
        log.add(items.iter().cloned());
        let plain =
            serde_json::to_vec(&log).map_err(|e| StoreError::Corrupt(format!("skip log: {e}")))?;
        let sealed = seal(&cipher, &skips_aad(patient, device_id), &plain)?;
        tx.execute(
            "INSERT INTO uploader_skips (patient, device_id, sealed) VALUES ($1, $2, $3)
             ON CONFLICT (patient, device_id) DO UPDATE SET sealed = EXCLUDED.sealed",
            &[&patient, &device_id, &sealed],
        )?;
        Ok(staged)
    })?;
    store.keys.promote(staged);
    Ok(())
}

fn stored_skips(
    tx: &mut Transaction,
    patient: &str,
    device_id: &str,
) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(tx
        .query_opt(
            "SELECT sealed FROM uploader_skips WHERE patient = $1 AND device_id = $2",
            &[&patient, &device_id],
        )?
        .map(|r| r.get(0)))
}

pub(super) fn skips(
    store: &PgStore,
    patient: &str,
    device_id: &str,
) -> Result<SkipLog, StoreError> {
    store.with_snapshot(|tx| {
        let Some(blob) = stored_skips(tx, patient, device_id)? else {
            return Ok(SkipLog::default());
        };
        match keys::for_read(&store.keys, tx, patient)? {
            Some(cipher) => open_skips(&cipher, patient, device_id, &blob),
            None => Ok(SkipLog::default()),
        }
    })
}
