//! Crypto-shredding a patient's data in one durable transaction.

use redb::ReadableTable;

use super::tables;
use super::{held_times, nsdocs, outbox, uploaders, RedbStore};
use crate::store::{ErasureRecord, OutboxMsg, StoreError};

fn encode(r: &ErasureRecord) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(r).map_err(|e| StoreError::Corrupt(format!("erasure record: {e}")))
}

pub(super) fn erase(
    store: &RedbStore,
    mut record: ErasureRecord,
    msg: OutboxMsg,
) -> Result<ErasureRecord, StoreError> {
    let patient = record.patient.clone();
    let txn = store.begin_write()?;
    let wrapped = {
        let mut index = txn.open_table(tables::PATIENT_BATCHES)?;
        let mut readings = txn.open_table(tables::READINGS)?;
        let batches = txn.open_table(tables::BATCHES)?;
        let mut held = txn.open_table(tables::HELD_TIMES)?;
        let rows: Vec<(u64, u64)> = index
            .range((patient.as_str(), 0u64, 0u64)..=(patient.as_str(), u64::MAX, u64::MAX))?
            .map(|e| e.map(|(k, _)| (k.value().1, k.value().2)))
            .collect::<Result<_, _>>()?;
        let (mut batch_count, mut reading_count) = (0u64, 0u64);
        for (first_time, id) in rows {
            let b = tables::load_batch(&batches, id)?.ok_or(StoreError::UnknownBatch(id))?;
            for seq in b.header.first_seq..=b.header.last_seq {
                if readings.remove((id, seq))?.is_some() {
                    reading_count += 1;
                }
            }
            index.remove((patient.as_str(), first_time, id))?;
            held_times::forget(&mut held, &b)?;
            batch_count += 1;
        }
        uploaders::forget_skips(&mut txn.open_table(tables::UPLOADER_SKIPS)?, &patient)?;
        nsdocs::forget(&txn, &patient)?;
        super::alerts::forget(&txn, &patient)?;
        record.batches = batch_count;
        record.readings = reading_count;
        let mut keys = txn.open_table(tables::DATA_KEYS)?;
        let removed = keys.remove(patient.as_str())?;
        removed.map(|v| v.value().to_vec())
    };
    let ids = outbox::append(&txn, std::slice::from_ref(&msg), record.erased_at)?;
    record.outbox_id = ids.first().copied().unwrap_or_default();
    {
        let mut erasures = txn.open_table(tables::ERASURES)?;
        let n = erasures
            .range((patient.as_str(), 0u64)..=(patient.as_str(), u64::MAX))?
            .next_back()
            .transpose()?
            .map_or(0, |(k, _)| k.value().1 + 1);
        erasures.insert((patient.as_str(), n), encode(&record)?.as_slice())?;
    }
    txn.commit()?;
    if let Some(wrapped) = wrapped {
        store.keys.shred(&patient, wrapped);
    }
    Ok(record)
}

pub(super) fn list(store: &RedbStore, patient: &str) -> Result<Vec<ErasureRecord>, StoreError> {
    let txn = store.begin_read()?;
    let erasures = txn.open_table(tables::ERASURES)?;
    let mut out = Vec::new();
    for entry in erasures.range((patient, 0u64)..=(patient, u64::MAX))? {
        let (_, v) = entry?;
        out.push(
            serde_json::from_slice(v.value())
                .map_err(|e| StoreError::Corrupt(format!("erasure record: {e}")))?,
        );
    }
    Ok(out)
}

/// Whether the patient has had their data erased.
pub(super) fn any(
    erasures: &impl ReadableTable<(&'static str, u64), &'static [u8]>,
    patient: &str,
) -> Result<bool, StoreError> {
    Ok(erasures
        .range((patient, 0u64)..=(patient, u64::MAX))?
        .next()
        .is_some())
}

/// When the patient last erased their data (Unix seconds).
pub(super) fn last_erasure(
    erasures: &impl ReadableTable<(&'static str, u64), &'static [u8]>,
    patient: &str,
) -> Result<Option<u64>, StoreError> {
    erasures
        .range((patient, 0u64)..=(patient, u64::MAX))?
        .next_back()
        .transpose()?
        .map(|(_, v)| {
            serde_json::from_slice::<ErasureRecord>(v.value())
                .map(|r| r.erased_at)
                .map_err(|e| StoreError::Corrupt(format!("erasure record: {e}")))
        })
        .transpose()
}
