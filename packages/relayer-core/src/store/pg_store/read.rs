//! Reads: batches by id or by (device, seq), decrypted readings, the anchoring queues, counts.

use diachain_std::Reading;
use postgres::Transaction;

use super::codec::{self, key};
use super::{keys, PgStore};
use crate::store::crypto::{open, reading_aad};
use crate::store::{BatchId, StateCounts, StoreError, StoredBatch};

fn one(
    tx: &mut Transaction,
    sql: &str,
    params: &[&(dyn postgres::types::ToSql + Sync)],
) -> Result<Option<StoredBatch>, StoreError> {
    tx.query_opt(sql, params)?
        .map(|r| codec::decode_batch(r.get::<_, &[u8]>(0)))
        .transpose()
}

pub(super) fn many(
    tx: &mut Transaction,
    sql: &str,
    params: &[&(dyn postgres::types::ToSql + Sync)],
) -> Result<Vec<StoredBatch>, StoreError> {
    tx.query(sql, params)?
        .iter()
        .map(|r| codec::decode_batch(r.get::<_, &[u8]>(0)))
        .collect()
}

pub(super) fn batch(store: &PgStore, id: BatchId) -> Result<Option<StoredBatch>, StoreError> {
    let id = codec::id(id)?;
    store.with_snapshot(|tx| one(tx, "SELECT record FROM batches WHERE id = $1", &[&id]))
}

pub(super) fn find_batch(
    store: &PgStore,
    device: &str,
    seq: u64,
) -> Result<Option<StoredBatch>, StoreError> {
    let found = store.with_snapshot(|tx| {
        one(
            tx,
            "SELECT record FROM batches WHERE device_id = $1 AND first_seq <= $2
             ORDER BY first_seq DESC LIMIT 1",
            &[&device, &key(seq)],
        )
    })?;
    Ok(found.filter(|b| b.header.last_seq >= seq))
}

pub(super) fn head(store: &PgStore, device: &str) -> Result<Option<StoredBatch>, StoreError> {
    store.with_snapshot(|tx| {
        one(
            tx,
            "SELECT record FROM batches WHERE device_id = $1 ORDER BY first_seq DESC LIMIT 1",
            &[&device],
        )
    })
}

pub(super) fn readings(store: &PgStore, batch: &StoredBatch) -> Result<Vec<Reading>, StoreError> {
    let patient = batch.patient.as_str();
    let id = codec::id(batch.id)?;
    store.with_snapshot(|tx| {
        // Missing data of a patient who asked for erasure was erased, not lost.
        let erased: bool = tx
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM erasures WHERE patient = $1)",
                &[&patient],
            )?
            .get(0);
        let missing = |what: String| {
            if erased {
                StoreError::Erased(batch.id)
            } else {
                StoreError::Corrupt(what)
            }
        };
        let cipher = keys::for_read(&store.keys, tx, patient)?
            .ok_or_else(|| missing(format!("no data key for patient {patient}")))?;
        let rows = tx.query(
            "SELECT seq, sealed FROM readings WHERE batch_id = $1 ORDER BY seq",
            &[&id],
        )?;
        let device = batch.header.device_id.as_str();
        let mut out = Vec::with_capacity(rows.len());
        let mut rows = rows.iter();
        for seq in batch.header.first_seq..=batch.header.last_seq {
            let what = || format!("reading {device}/{seq}");
            let row = rows
                .next()
                .filter(|r| codec::unkey(r.get(0)) == seq)
                .ok_or_else(|| missing(format!("{} is missing", what())))?;
            let plain = open(
                &cipher,
                &reading_aad(patient, device, seq),
                row.get::<_, &[u8]>(1),
            )
            .ok_or_else(|| StoreError::Tampered(what()))?;
            let reading =
                Reading::decode(&plain).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            if reading.device_id != device || reading.seq != seq {
                return Err(StoreError::Tampered(what()));
            }
            out.push(reading);
        }
        Ok(out)
    })
}

/// A batch never spans more than one UTC day, so one whose first reading is over a day before
/// `from` cannot reach it.
const MAX_BATCH_SPAN: u64 = 86_400;

pub(super) fn patient_batches(
    store: &PgStore,
    patient: &str,
    from: u64,
    to: u64,
    limit: usize,
) -> Result<Vec<StoredBatch>, StoreError> {
    store.with_snapshot(|tx| {
        many(
            tx,
            "SELECT record FROM batches
             WHERE patient = $1 AND indexed AND first_time BETWEEN $2 AND $3 AND last_time >= $4
             ORDER BY first_time, id LIMIT $5",
            &[
                &patient,
                &key(from.saturating_sub(MAX_BATCH_SPAN)),
                &key(to),
                &key(from),
                &codec::limit(limit),
            ],
        )
    })
}

/// Batches in `state`, in ingest order, at most `limit`.
pub(super) fn queue(
    store: &PgStore,
    state: &'static str,
    limit: usize,
) -> Result<Vec<StoredBatch>, StoreError> {
    store.with_snapshot(|tx| {
        many(
            tx,
            "SELECT record FROM batches WHERE state = $1 ORDER BY id LIMIT $2",
            &[&state, &codec::limit(limit)],
        )
    })
}

pub(super) fn counts(store: &PgStore) -> Result<StateCounts, StoreError> {
    store.with_snapshot(|tx| {
        let row = tx.query_one(
            "SELECT (SELECT count(*) FROM batches WHERE state = 'pending'),
                    (SELECT count(*) FROM batches WHERE state = 'in_flight'),
                    coalesce((SELECT value FROM counters WHERE name = 'anchored'), 0),
                    coalesce((SELECT value FROM counters WHERE name = 'failed'), 0)",
            &[],
        )?;
        Ok(StateCounts {
            pending: codec::unid(row.get(0))?,
            in_flight: codec::unid(row.get(1))?,
            anchored: codec::unid(row.get(2))?,
            failed: codec::unid(row.get(3))?,
        })
    })
}

/// Batches received at or after `since` (Unix seconds), newest first, at most `limit`.
pub(super) fn received_since(
    store: &PgStore,
    since: u64,
    limit: usize,
) -> Result<Vec<StoredBatch>, StoreError> {
    store.with_snapshot(|tx| {
        many(
            tx,
            "SELECT record FROM batches WHERE received_at >= $1
             ORDER BY id DESC LIMIT $2",
            &[&key(since), &codec::limit(limit)],
        )
    })
}
