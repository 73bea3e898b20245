//! The ingest transaction: place each batch against the ranges held for its device, then store
//! its header, its sealed readings and its queue entry, all in one durable commit.

use diachain_std::encoding::utc_day;
use redb::ReadableTable;

use super::held_times;
use super::tables::{self, WriteTables};
use super::RedbStore;
use crate::store::crypto::{reading_aad, seal};
use crate::store::keys::Staged;
use crate::store::{AnchorState, IngestOutcome, NewBatch, SeqRange, StoreError, StoredBatch};

/// Where a new range falls among the ranges held for its device.
enum Placement {
    /// A stored batch starts at the same seq.
    SameStart(u64),
    Overlap(SeqRange),
    BehindHead(SeqRange),
    /// After everything held; `gap` if it does not follow the head directly.
    Next {
        gap: Option<SeqRange>,
        head_day: Option<u64>,
        head_id: Option<u64>,
    },
}

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
    let gap = match place(&t.ranges, &h.device_id, h.first_seq, h.last_seq)? {
        Placement::SameStart(id) => {
            let stored = tables::load_batch(&t.batches, id)?
                .ok_or_else(|| StoreError::Corrupt(format!("range names missing batch {id}")))?;
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
        Placement::Next { gap, .. } if batch.backfill => gap,
        Placement::Next { head_day, .. } if head_day.is_some_and(|d| day < d) => {
            let held_day = head_day.unwrap_or_default();
            return Ok(IngestOutcome::DayBackwards { day, held_day });
        }
        Placement::Next { gap, head_id, .. } => {
            if let Some(outcome) = too_soon(t, batch, head_id)? {
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
    for r in &batch.readings {
        let plain = r
            .encode()
            .map_err(|e| StoreError::Corrupt(format!("reading encoding: {e}")))?;
        let blob = seal(&cipher, &reading_aad(&batch.patient, device, r.seq), &plain)?;
        t.readings.insert((id, r.seq), blob.as_slice())?;
    }
    let stored = StoredBatch {
        id,
        header: batch.header.clone(),
        signature: batch.signature.to_vec().into(),
        patient: batch.patient.clone(),
        gap,
        received_at: batch.received_at,
        received_at_ms: batch.received_at_ms,
        state: AnchorState::Pending,
    };
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

fn place(
    ranges: &impl ReadableTable<(&'static str, u64), (u64, u64, u64)>,
    device: &str,
    first_seq: u64,
    last_seq: u64,
) -> Result<Placement, StoreError> {
    // The held batch starting at or below our last seq with the highest start: the only one
    // that can overlap us, since held ranges never overlap each other.
    let mut below = ranges.range((device, 0u64)..=(device, last_seq))?;
    let pred = match below.next_back() {
        Some(entry) => {
            let (k, v) = entry?;
            let (start, (end, id, day)) = (k.value().1, v.value());
            if start == first_seq {
                return Ok(Placement::SameStart(id));
            }
            if end >= first_seq {
                return Ok(Placement::Overlap(SeqRange {
                    first_seq: start,
                    last_seq: end,
                }));
            }
            Some((end, day, id))
        }
        None => None,
    };
    if last_seq < u64::MAX {
        let mut above = ranges.range((device, last_seq + 1)..=(device, u64::MAX))?;
        if let Some(entry) = above.next_back() {
            let (k, v) = entry?;
            return Ok(Placement::BehindHead(SeqRange {
                first_seq: k.value().1,
                last_seq: v.value().0,
            }));
        }
    }
    Ok(Placement::Next {
        gap: pred.and_then(|(end, _, _)| {
            (end + 1 < first_seq).then_some(SeqRange {
                first_seq: end + 1,
                last_seq: first_seq - 1,
            })
        }),
        head_day: pred.map(|(_, day, _)| day),
        head_id: pred.map(|(_, _, id)| id),
    })
}

/// The batch starts less than the device kind's minimum interval after the last reading held
/// for the device (reading-anchors' `TooSoonAfterLast`).
fn too_soon(
    t: &WriteTables,
    batch: &NewBatch,
    head_id: Option<u64>,
) -> Result<Option<IngestOutcome>, StoreError> {
    let (Some(head_id), interval) = (head_id, batch.min_interval_seconds) else {
        return Ok(None);
    };
    if interval == 0 {
        return Ok(None);
    }
    let head = tables::load_batch(&t.batches, head_id)?
        .ok_or_else(|| StoreError::Corrupt(format!("range names missing batch {head_id}")))?;
    let earliest = head.header.last_time.saturating_add(u64::from(interval));
    Ok(
        (batch.header.first_time < earliest).then_some(IngestOutcome::TooSoonAfterLast {
            first_time: batch.header.first_time,
            held_last_time: head.header.last_time,
            min_interval_seconds: interval,
        }),
    )
}
