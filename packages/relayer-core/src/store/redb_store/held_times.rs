//! The measured times held for devices whose stream is sequenced by arrival (relayer-held
//! keys: Nightscout uploaders), so that an upload can tell a backfilled reading from one it
//! already holds, and keep every kept reading a minute from its neighbours, without opening
//! the readings. Times only: no value, no patient.

use diachain_std::Reading;
use redb::{ReadableTable, Table};

use super::tables::{self, WriteTables};
use super::RedbStore;
use crate::store::crypto::{open, reading_aad};
use crate::store::held_code::{decode, encode as value};
use crate::store::{HeldTime, HeldTimes, StoreError, StoredBatch};

type TimesTable<'t> = Table<'t, (&'static str, u64, u64), u32>;

/// Records the times of a stored batch's readings, with their milliseconds (`millis`, in
/// reading order; 0 where missing).
pub(super) fn record(
    table: &mut TimesTable,
    device: &str,
    readings: &[Reading],
    millis: &[u16],
) -> Result<(), StoreError> {
    for (i, r) in readings.iter().enumerate() {
        let ms = millis.get(i).copied().unwrap_or(0);
        table.insert((device, r.measured_at, r.seq), value(ms, r))?;
    }
    Ok(())
}

/// Forgets the times of an erased batch.
pub(super) fn forget(table: &mut TimesTable, batch: &StoredBatch) -> Result<(), StoreError> {
    let h = &batch.header;
    let device = h.device_id.as_str();
    let keys: Vec<(u64, u64)> = table
        .range((device, h.first_time, 0u64)..=(device, h.last_time, u64::MAX))?
        .map(|e| e.map(|(k, _)| (k.value().1, k.value().2)))
        .collect::<Result<_, _>>()?;
    for (time, seq) in keys {
        if (h.first_seq..=h.last_seq).contains(&seq) {
            table.remove((device, time, seq))?;
        }
    }
    Ok(())
}

/// The times of the readings held for `device` measured in `from..=to`, and its newest.
pub(super) fn read(
    store: &RedbStore,
    device: &str,
    from: u64,
    to: u64,
) -> Result<HeldTimes, StoreError> {
    let txn = store.begin_read()?;
    let table = txn.open_table(tables::HELD_TIMES)?;
    let times: Vec<HeldTime> = table
        .range((device, from, 0u64)..=(device, to, u64::MAX))?
        .map(|e| {
            e.map(|(k, v)| {
                let (_, time, seq) = k.value();
                decode(time, seq, v.value())
            })
        })
        .collect::<Result<_, _>>()?;
    let newest = table
        .range((device, 0u64, 0u64)..=(device, u64::MAX, u64::MAX))?
        .next_back()
        .transpose()?
        .map(|(k, _)| k.value().1);
    Ok(HeldTimes { newest, times })
}

/// Indexes the readings of every Nightscout uploader of a store made before this index
/// existed (each one's readings are opened once, with its patient's data key).
pub(super) fn index_uploaders(
    store: &RedbStore,
    t: &mut WriteTables,
    uploaders: &[String],
) -> Result<(), StoreError> {
    for device in uploaders {
        let ids: Vec<u64> = t
            .ranges
            .range((device.as_str(), 0u64)..=(device.as_str(), u64::MAX))?
            .map(|e| e.map(|(_, v)| v.value().1))
            .collect::<Result<_, _>>()?;
        for id in ids {
            let batch = tables::load_batch(&t.batches, id)?
                .ok_or_else(|| StoreError::Corrupt(format!("range names missing batch {id}")))?;
            // An erased patient's readings (and data key) are gone: nothing to index.
            let Some(cipher) = store.keys.for_read(&t.data_keys, &batch.patient)? else {
                continue;
            };
            for seq in batch.header.first_seq..=batch.header.last_seq {
                let Some(blob) = t.readings.get((id, seq))? else {
                    continue;
                };
                let what = || format!("reading {device}/{seq}");
                let plain = open(
                    &cipher,
                    &reading_aad(&batch.patient, device, seq),
                    blob.value(),
                )
                .ok_or_else(|| StoreError::Tampered(what()))?;
                let reading =
                    Reading::decode(&plain).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                t.held_times.insert(
                    (device.as_str(), reading.measured_at, seq),
                    value(0, &reading),
                )?;
            }
        }
    }
    t.meta
        .insert(tables::HELD_TIMES_INDEX_KEY, [1u8].as_slice())?;
    Ok(())
}
