//! Crypto-shredding a patient's data in one transaction (see the embedded store's `erasure`):
//! the data key and every reading it sealed go, the batches leave the data index (their
//! headers stay, for anchoring and proofs of existence), and so do the patient's uploader skip
//! logs, Nightscout documents, alerts and the deliveries owed for them; the record is kept and
//! the message for the chain queued.

use postgres::Transaction;

use super::codec;
use super::read::many;
use super::{held_times, locks, outbox, PgStore};
use crate::store::{ErasureRecord, OutboxMsg, StoreError};

fn encode(r: &ErasureRecord) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(r).map_err(|e| StoreError::Corrupt(format!("erasure record: {e}")))
}

pub(super) fn erase(
    store: &PgStore,
    record: ErasureRecord,
    msg: OutboxMsg,
) -> Result<ErasureRecord, StoreError> {
    let patient = record.patient.clone();
    let (record, wrapped) = store.with_tx(|tx| {
        // Writes under the patient's key (skip logs, documents, alerts) take turns with this.
        locks::lock_patient(tx, &patient)?;
        let mut record = record.clone();
        let (batches, readings) = shred_batches(tx, &patient)?;
        for table in ["uploader_skips", "ns_docs", "alerts", "deliveries"] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE patient = $1"),
                &[&patient],
            )?;
        }
        record.batches = batches;
        record.readings = readings;
        let wrapped: Option<Vec<u8>> = tx
            .query_opt(
                "DELETE FROM data_keys WHERE patient = $1 RETURNING wrapped",
                &[&patient],
            )?
            .map(|r| r.get(0));
        let ids = outbox::append(tx, std::slice::from_ref(&msg), record.erased_at)?;
        record.outbox_id = ids.first().copied().unwrap_or_default();
        let n: i64 = tx
            .query_one(
                "SELECT coalesce(max(n) + 1, 0) FROM erasures WHERE patient = $1",
                &[&patient],
            )?
            .get(0);
        tx.execute(
            "INSERT INTO erasures (patient, n, record) VALUES ($1, $2, $3)",
            &[&patient, &n, &encode(&record)?],
        )?;
        Ok((record, wrapped))
    })?;
    if let Some(wrapped) = wrapped {
        store.keys.shred(&patient, wrapped);
    }
    Ok(record)
}

/// Removes the readings of the patient's indexed batches and the batches from the index;
/// (batches, readings) removed.
fn shred_batches(tx: &mut Transaction, patient: &str) -> Result<(u64, u64), StoreError> {
    let batches = many(
        tx,
        "SELECT record FROM batches WHERE patient = $1 AND indexed ORDER BY id FOR UPDATE",
        &[&patient],
    )?;
    let mut readings = 0u64;
    for b in &batches {
        readings = readings.saturating_add(tx.execute(
            "DELETE FROM readings WHERE batch_id = $1",
            &[&codec::id(b.id)?],
        )?);
        held_times::forget(tx, b)?;
    }
    tx.execute(
        "UPDATE batches SET indexed = false WHERE patient = $1 AND indexed",
        &[&patient],
    )?;
    Ok((batches.len() as u64, readings))
}

pub(super) fn list(store: &PgStore, patient: &str) -> Result<Vec<ErasureRecord>, StoreError> {
    store.with_snapshot(|tx| {
        tx.query(
            "SELECT record FROM erasures WHERE patient = $1 ORDER BY n",
            &[&patient],
        )?
        .iter()
        .map(|r| {
            serde_json::from_slice(r.get::<_, &[u8]>(0))
                .map_err(|e| StoreError::Corrupt(format!("erasure record: {e}")))
        })
        .collect()
    })
}

/// When the patient last erased their data (Unix seconds), in the caller's transaction.
pub(super) fn last_erasure(tx: &mut Transaction, patient: &str) -> Result<Option<u64>, StoreError> {
    tx.query_opt(
        "SELECT record FROM erasures WHERE patient = $1 ORDER BY n DESC LIMIT 1",
        &[&patient],
    )?
    .map(|r| {
        serde_json::from_slice::<ErasureRecord>(r.get::<_, &[u8]>(0))
            .map(|e| e.erased_at)
            .map_err(|e| StoreError::Corrupt(format!("erasure record: {e}")))
    })
    .transpose()
}
