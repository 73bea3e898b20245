//! Reads: batches by id or by (device, seq), decrypted readings, the anchoring queues, counts.

use diachain_std::Reading;
use redb::{ReadableTable, ReadableTableMetadata, TableDefinition};

use super::tables;
use super::RedbStore;
use crate::store::crypto::{open, reading_aad};
use crate::store::{BatchId, StateCounts, StoreError, StoredBatch};

pub(super) fn batch(store: &RedbStore, id: BatchId) -> Result<Option<StoredBatch>, StoreError> {
    let txn = store.begin_read()?;
    let batches = txn.open_table(tables::BATCHES)?;
    tables::load_batch(&batches, id)
}

pub(super) fn find_batch(
    store: &RedbStore,
    device: &str,
    seq: u64,
) -> Result<Option<StoredBatch>, StoreError> {
    let txn = store.begin_read()?;
    let ranges = txn.open_table(tables::RANGES)?;
    let mut below = ranges.range((device, 0u64)..=(device, seq))?;
    let Some(entry) = below.next_back() else {
        return Ok(None);
    };
    let (_, v) = entry?;
    let (last_seq, id, _) = v.value();
    if last_seq < seq {
        return Ok(None);
    }
    let batches = txn.open_table(tables::BATCHES)?;
    tables::load_batch(&batches, id)
}

pub(super) fn readings(store: &RedbStore, batch: &StoredBatch) -> Result<Vec<Reading>, StoreError> {
    let txn = store.begin_read()?;
    let keys = txn.open_table(tables::DATA_KEYS)?;
    let table = txn.open_table(tables::READINGS)?;
    let patient = batch.patient.as_str();
    let erasures = txn.open_table(tables::ERASURES)?;
    // Missing data of a patient who asked for erasure was erased, not lost.
    let missing = |what: String| -> StoreError {
        match super::erasure::any(&erasures, patient) {
            Ok(true) => StoreError::Erased(batch.id),
            Ok(false) => StoreError::Corrupt(what),
            Err(e) => e,
        }
    };
    let cipher = store
        .keys
        .for_read(&keys, patient)?
        .ok_or_else(|| missing(format!("no data key for patient {patient}")))?;
    let device = batch.header.device_id.as_str();
    let mut out = Vec::with_capacity(batch.header.count as usize);
    for seq in batch.header.first_seq..=batch.header.last_seq {
        let what = || format!("reading {device}/{seq}");
        let blob = table
            .get((batch.id, seq))?
            .ok_or_else(|| missing(format!("{} is missing", what())))?;
        let plain = open(&cipher, &reading_aad(patient, device, seq), blob.value())
            .ok_or_else(|| StoreError::Tampered(what()))?;
        let reading = Reading::decode(&plain).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        if reading.device_id != device || reading.seq != seq {
            return Err(StoreError::Tampered(what()));
        }
        out.push(reading);
    }
    Ok(out)
}

/// A batch never spans more than one UTC day, so one whose first reading is over a day before
/// `from` cannot reach it.
const MAX_BATCH_SPAN: u64 = 86_400;

pub(super) fn patient_batches(
    store: &RedbStore,
    patient: &str,
    from: u64,
    to: u64,
    limit: usize,
) -> Result<Vec<StoredBatch>, StoreError> {
    let txn = store.begin_read()?;
    let index = txn.open_table(tables::PATIENT_BATCHES)?;
    let batches = txn.open_table(tables::BATCHES)?;
    let start = (patient, from.saturating_sub(MAX_BATCH_SPAN), 0u64);
    let mut out = Vec::new();
    for entry in index.range(start..=(patient, to, u64::MAX))? {
        if out.len() >= limit {
            break;
        }
        let (k, last_time) = entry?;
        if last_time.value() < from {
            continue;
        }
        let id = k.value().2;
        out.push(tables::load_batch(&batches, id)?.ok_or(StoreError::UnknownBatch(id))?);
    }
    Ok(out)
}

pub(super) fn queue(
    store: &RedbStore,
    definition: TableDefinition<u64, ()>,
    limit: usize,
) -> Result<Vec<StoredBatch>, StoreError> {
    let txn = store.begin_read()?;
    let queue = txn.open_table(definition)?;
    let batches = txn.open_table(tables::BATCHES)?;
    let mut out = Vec::new();
    for entry in queue.iter()?.take(limit) {
        let id = entry?.0.value();
        let batch = tables::load_batch(&batches, id)?.ok_or(StoreError::UnknownBatch(id))?;
        out.push(batch);
    }
    Ok(out)
}

pub(super) fn counts(store: &RedbStore) -> Result<StateCounts, StoreError> {
    let txn = store.begin_read()?;
    let meta = txn.open_table(tables::META)?;
    Ok(StateCounts {
        pending: txn.open_table(tables::PENDING)?.len()?,
        in_flight: txn.open_table(tables::IN_FLIGHT)?.len()?,
        anchored: tables::read_counter(&meta, tables::ANCHORED_COUNT)?,
        failed: tables::read_counter(&meta, tables::FAILED_COUNT)?,
    })
}

/// The device's latest stored batch.
pub(super) fn head(store: &RedbStore, device: &str) -> Result<Option<StoredBatch>, StoreError> {
    let txn = store.begin_read()?;
    let ranges = txn.open_table(tables::RANGES)?;
    let last = ranges
        .range((device, 0u64)..=(device, u64::MAX))?
        .next_back()
        .transpose()?;
    let Some((_, v)) = last else {
        return Ok(None);
    };
    let batches = txn.open_table(tables::BATCHES)?;
    tables::load_batch(&batches, v.value().1)
}
