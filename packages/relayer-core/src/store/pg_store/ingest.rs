//! The ingest transaction, as in the embedded store: each batch placed against the ranges held
//! for its device, then its record, its sealed readings and its place in the anchoring queue,
//! all in one commit. The devices' rows are locked first, in name order, so that instances
//! sharing the database place a device's batches one at a time and never deadlock.

use diachain_std::encoding::utc_day;
use postgres::Transaction;

use super::codec::{self, key};
use super::{held_times, keys, locks, PgStore};
use crate::store::crypto::{reading_aad, seal};
use crate::store::keys::Staged;
use crate::store::{AnchorState, IngestOutcome, NewBatch, SeqRange, StoreError, StoredBatch};

/// Where a new range falls among the ranges held for its device.
enum Placement {
    SameStart(StoredBatch),
    Overlap(SeqRange),
    BehindHead(SeqRange),
    Next {
        gap: Option<SeqRange>,
        head: Option<StoredBatch>,
    },
}

pub(super) fn ingest(
    store: &PgStore,
    batches: &[NewBatch],
) -> Result<Vec<IngestOutcome>, StoreError> {
    if batches.is_empty() {
        return Ok(Vec::new());
    }
    let mut devices: Vec<String> = batches.iter().map(|b| b.header.device_id.clone()).collect();
    devices.sort();
    devices.dedup();
    let (outcomes, staged) = store.with_tx(|tx| {
        lock_devices(tx, &devices)?;
        // An erasure of one of these patients waits, or is waited for: never a reading
        // sealed under a key it destroyed.
        locks::lock_patients(tx, batches.iter().map(|b| b.patient.as_str()))?;
        let mut staged = Staged::new();
        let mut outcomes = Vec::with_capacity(batches.len());
        for batch in batches {
            outcomes.push(ingest_one(store, tx, &mut staged, batch)?);
        }
        Ok((outcomes, staged))
    })?;
    store.keys.promote(staged);
    Ok(outcomes)
}

fn lock_devices(tx: &mut Transaction, devices: &[String]) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO devices (device_id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING",
        &[&devices],
    )?;
    tx.execute(
        "SELECT 1 FROM devices WHERE device_id = ANY($1) ORDER BY device_id FOR UPDATE",
        &[&devices],
    )?;
    Ok(())
}

fn ingest_one(
    store: &PgStore,
    tx: &mut Transaction,
    staged: &mut Staged,
    batch: &NewBatch,
) -> Result<IngestOutcome, StoreError> {
    let h = &batch.header;
    let day = utc_day(h.first_time);
    let gap = match place(tx, &h.device_id, h.first_seq, h.last_seq)? {
        Placement::SameStart(stored) => {
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
        Placement::Next {
            head: Some(head), ..
        } if day < utc_day(head.header.first_time) => {
            let held_day = utc_day(head.header.first_time);
            return Ok(IngestOutcome::DayBackwards { day, held_day });
        }
        Placement::Next { gap, head } => {
            if let Some(outcome) = too_soon(batch, head.as_ref()) {
                return Ok(outcome);
            }
            gap
        }
    };

    let id: i64 = tx.query_one("SELECT nextval('batch_ids')", &[])?.get(0);
    let cipher = keys::for_write(&store.keys, tx, staged, &batch.patient)?;
    let device = h.device_id.as_str();
    let mut seqs = Vec::with_capacity(batch.readings.len());
    let mut blobs = Vec::with_capacity(batch.readings.len());
    for r in &batch.readings {
        let plain = r
            .encode()
            .map_err(|e| StoreError::Corrupt(format!("reading encoding: {e}")))?;
        blobs.push(seal(
            &cipher,
            &reading_aad(&batch.patient, device, r.seq),
            &plain,
        )?);
        seqs.push(key(r.seq));
    }
    let stored = StoredBatch {
        id: codec::unid(id)?,
        header: batch.header.clone(),
        signature: batch.signature.to_vec().into(),
        patient: batch.patient.clone(),
        gap,
        received_at: batch.received_at,
        received_at_ms: batch.received_at_ms,
        state: AnchorState::Pending,
    };
    tx.execute(
        "INSERT INTO batches (id, device_id, first_seq, last_seq, day, patient, first_time,
                              last_time, received_at, state, record)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', $10)",
        &[
            &id,
            &device,
            &key(h.first_seq),
            &key(h.last_seq),
            &codec::id(day)?,
            &batch.patient,
            &key(h.first_time),
            &key(h.last_time),
            &key(batch.received_at),
            &codec::encode_batch(&stored)?,
        ],
    )?;
    tx.execute(
        "INSERT INTO readings (batch_id, seq, sealed)
         SELECT $1, s, b FROM unnest($2::bigint[], $3::bytea[]) AS r(s, b)",
        &[&id, &seqs, &blobs],
    )?;
    if batch.backfill {
        held_times::record(tx, device, &batch.readings, &batch.millis)?;
    }
    Ok(IngestOutcome::Stored(stored))
}

fn load(
    tx: &mut Transaction,
    sql: &str,
    device: &str,
    seq: u64,
) -> Result<Option<StoredBatch>, StoreError> {
    tx.query_opt(sql, &[&device, &key(seq)])?
        .map(|r| codec::decode_batch(r.get::<_, &[u8]>(0)))
        .transpose()
}

fn place(
    tx: &mut Transaction,
    device: &str,
    first_seq: u64,
    last_seq: u64,
) -> Result<Placement, StoreError> {
    // The held batch starting at or below our last seq with the highest start: the only one
    // that can overlap us, since held ranges never overlap each other.
    let pred = load(
        tx,
        "SELECT record FROM batches WHERE device_id = $1 AND first_seq <= $2
         ORDER BY first_seq DESC LIMIT 1",
        device,
        last_seq,
    )?;
    if let Some(p) = &pred {
        if p.header.first_seq == first_seq {
            return Ok(Placement::SameStart(p.clone()));
        }
        if p.header.last_seq >= first_seq {
            return Ok(Placement::Overlap(p.range()));
        }
    }
    if last_seq < u64::MAX {
        let above = load(
            tx,
            "SELECT record FROM batches WHERE device_id = $1 AND first_seq > $2
             ORDER BY first_seq DESC LIMIT 1",
            device,
            last_seq,
        )?;
        if let Some(a) = above {
            return Ok(Placement::BehindHead(a.range()));
        }
    }
    let gap = pred.as_ref().and_then(|p| {
        let end = p.header.last_seq;
        (end + 1 < first_seq).then_some(SeqRange {
            first_seq: end + 1,
            last_seq: first_seq - 1,
        })
    });
    Ok(Placement::Next { gap, head: pred })
}

/// The batch starts less than the device kind's minimum interval after the last reading held
/// for the device (reading-anchors' `TooSoonAfterLast`).
fn too_soon(batch: &NewBatch, head: Option<&StoredBatch>) -> Option<IngestOutcome> {
    let (Some(head), interval) = (head, batch.min_interval_seconds) else {
        return None;
    };
    if interval == 0 {
        return None;
    }
    let earliest = head.header.last_time.saturating_add(u64::from(interval));
    (batch.header.first_time < earliest).then_some(IngestOutcome::TooSoonAfterLast {
        first_time: batch.header.first_time,
        held_last_time: head.header.last_time,
        min_interval_seconds: interval,
    })
}
