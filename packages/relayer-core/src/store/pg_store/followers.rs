//! Nightscout followers (sealed under the master key, as the embedded store seals them) and
//! the index of their token hashes.

use super::PgStore;
use crate::store::redb_store::followers::aad;
use crate::store::{FollowerRecord, StoreError};

/// Keeps the record; indexes its hashes unless it is revoked (then they go).
pub(super) fn put(store: &PgStore, r: &FollowerRecord) -> Result<(), StoreError> {
    let plain = serde_json::to_vec(r).map_err(|e| StoreError::Corrupt(format!("follower: {e}")))?;
    let sealed = store.keys.seal_secret(&aad(&r.id), &plain)?;
    store.with_tx(|tx| {
        tx.execute(
            "INSERT INTO followers (id, patient, sealed) VALUES ($1, $2, $3)
             ON CONFLICT (id) DO UPDATE SET patient = EXCLUDED.patient, sealed = EXCLUDED.sealed",
            &[&r.id, &r.patient, &sealed],
        )?;
        for hash in [&r.token_hash, &r.secret_hash]
            .into_iter()
            .chain(&r.secret512_hash)
        {
            if r.revoked_at.is_some() {
                tx.execute(
                    "DELETE FROM follower_tokens WHERE hash = $1",
                    &[&hash.as_slice()],
                )?;
            } else {
                tx.execute(
                    "INSERT INTO follower_tokens (hash, follower_id) VALUES ($1, $2)
                     ON CONFLICT (hash) DO UPDATE SET follower_id = EXCLUDED.follower_id",
                    &[&hash.as_slice(), &r.id],
                )?;
            }
        }
        Ok(())
    })
}

fn open(store: &PgStore, id: &str, blob: &[u8]) -> Result<FollowerRecord, StoreError> {
    let plain = store
        .keys
        .open_secret(&aad(id), blob)
        .ok_or_else(|| StoreError::Tampered(format!("follower {id}")))?;
    serde_json::from_slice(&plain).map_err(|e| StoreError::Corrupt(format!("follower: {e}")))
}

pub(super) fn get(store: &PgStore, id: &str) -> Result<Option<FollowerRecord>, StoreError> {
    store.with_snapshot(|tx| {
        tx.query_opt("SELECT sealed FROM followers WHERE id = $1", &[&id])?
            .map(|row| open(store, id, row.get::<_, &[u8]>(0)))
            .transpose()
    })
}

pub(super) fn by_hash(store: &PgStore, hash: &[u8]) -> Result<Option<FollowerRecord>, StoreError> {
    store.with_snapshot(|tx| {
        tx.query_opt(
            "SELECT f.id, f.sealed FROM follower_tokens t
             JOIN followers f ON f.id = t.follower_id WHERE t.hash = $1",
            &[&hash],
        )?
        .map(|row| open(store, row.get(0), row.get::<_, &[u8]>(1)))
        .transpose()
    })
}

/// The patient's followers, revoked ones too, in the embedded store's order (by id).
pub(super) fn of_patient(
    store: &PgStore,
    patient: &str,
) -> Result<Vec<FollowerRecord>, StoreError> {
    store.with_snapshot(|tx| {
        let mut out = Vec::new();
        for row in tx.query(
            "SELECT id, sealed FROM followers WHERE patient = $1 ORDER BY id",
            &[&patient],
        )? {
            // The record itself says whose it is (the column is only its index).
            let r = open(store, row.get(0), row.get::<_, &[u8]>(1))?;
            if r.patient == patient {
                out.push(r);
            }
        }
        Ok(out)
    })
}
