//! The ingest transaction: place each batch against the ranges held for its device, then store
//! its header, its sealed readings and its queue entry, all in one durable commit.

use diachain_std::encoding::utc_day;
use redb::ReadableTable;

use super::held_times;
use super::tables::{self, WriteTables};
use super::RedbStore;
use crate::store::keys::Staged;
use crate::store::placement::{self, Head, Placement};
use crate::store::{IngestOutcome, NewBatch, SeqRange, StoreError, StoredBatch};

pub(super) fn ingest(
    store: &RedbStore,
    batches: &[NewBatch],
) -> Result<Vec<IngestOutcome>, StoreError> {
    let txn = store.begin_write()?;
    let mut staged = Staged::new();
    let mut outcomes = Vec::with_capacity(batches.len());
    {
        let mut t = WriteTables::open(&txn)?;
        for batch in batches {
            outcomes.push(ingest_one(store, &mut t, &mut staged, batch)?);
        }
    }
    txn.commit()?;
    store.keys.promote(staged);
    Ok(outcomes)
}

fn ingest_one(
    store: &RedbStore,
    t: &mut WriteTables,
    staged: &mut Staged,
    batch: &NewBatch,
) -> Result<IngestOutcome, StoreError> {
    let h = &batch.header;
    let day = utc_day(h.first_time);
    let (below, above) = neighbours(&t.ranges, &h.device_id, h.last_seq)?;
    let gap = match placement::place(h.first_seq, below, above) {
        Placement::SameStart((id, _)) => {
            let stored = load(t, id)?;
            return Ok(if stored.header == *h {
                IngestOutcome::Duplicate(stored)
            } else {
                IngestOutcome::Overlap {
                    conflict: stored.range(),
                }
            });
        }
        Placement::Overlap(conflict) => return Ok(IngestOutcome::Overlap { conflict }),
        Placement::BehindHead(head) => return Ok(IngestOutcome::BehindHead { head }),
        Placement::Next { gap, head } => {
            let held: &WriteTables = t;
            let head = head.map(|(id, day)| Head {
                day,
                last_time: move || load(held, id).map(|b| b.header.last_time),
            });
            if let Some(outcome) = placement::refused_after(batch, head)? {
                return Ok(outcome);
            }
            gap
        }
    };

    let id = match t.batches.last()? {
        Some((k, _)) => k.value() + 1,
        None => 1,
    };
    let cipher = store
        .keys
        .for_write(&mut t.data_keys, staged, &batch.patient)?;
    let device = h.device_id.as_str();
    for sealed in batch.sealed_readings(&cipher) {
        let (seq, blob) = sealed?;
        t.readings.insert((id, seq), blob.as_slice())?;
    }
    let stored = batch.stored(id, gap);
    t.batches
        .insert(id, tables::encode_batch(&stored)?.as_slice())?;
    t.ranges
        .insert((device, h.first_seq), (h.last_seq, id, day))?;
    t.pending.insert(id, ())?;
    if batch.backfill {
        held_times::record(&mut t.held_times, device, &batch.readings, &batch.millis)?;
    }
    t.patient_batches
        .insert((batch.patient.as_str(), h.first_time, id), h.last_time)?;
    Ok(IngestOutcome::Stored(stored))
}

/// A held batch by id (one a held range names).
fn load(t: &WriteTables, id: u64) -> Result<StoredBatch, StoreError> {
    tables::load_batch(&t.batches, id)?
        .ok_or_else(|| StoreError::Corrupt(format!("range names missing batch {id}")))
}

/// The held ranges a new range ending at `last_seq` is placed against (`placement`): the one
/// starting at or below `last_seq` with the highest start, with its batch id and day, and the
/// highest-starting one above `last_seq`.
#[allow(clippy::type_complexity)]
fn neighbours(
    ranges: &impl ReadableTable<(&'static str, u64), (u64, u64, u64)>,
    device: &str,
    last_seq: u64,
) -> Result<(Option<(SeqRange, (u64, u64))>, Option<SeqRange>), StoreError> {
    let below = match ranges
        .range((device, 0u64)..=(device, last_seq))?
        .next_back()
    {
        Some(entry) => {
            let (k, v) = entry?;
            let (end, id, day) = v.value();
            Some((
                SeqRange {
                    first_seq: k.value().1,
                    last_seq: end,
                },
                (id, day),
            ))
        }
        None => None,
    };
    let above = if last_seq < u64::MAX {
        match ranges
            .range((device, last_seq + 1)..=(device, u64::MAX))?
            .next_back()
        {
            Some(entry) => {
                let (k, v) = entry?;
                Some(SeqRange {
                    first_seq: k.value().1,
                    last_seq: v.value().0,
                })
            }
            None => None,
        }
    } else {
        None
    };
    Ok((below, above))
}
