//! Anchoring-state transitions, each one transaction that changes nothing when any batch may
//! not make it (so a range is never anchored twice), and the claiming of anchoring work by an
//! instance ([`super::claims`]).

use postgres::Transaction;

use super::claims::{self, CLAIM_LOCK};
use super::codec;
use super::read::many;
use super::PgStore;
use crate::store::{AnchorState, BatchId, StoreError, StoredBatch};

/// Applies `next` to every batch of `ids`, after checking each may make that transition (and,
/// for `check_claims`, that this instance still holds the claim on each one's device).
fn transition(
    store: &PgStore,
    ids: &[BatchId],
    allowed: &(dyn Fn(&AnchorState) -> bool + Sync),
    next: &AnchorState,
    check_claims: bool,
) -> Result<(), StoreError> {
    let keys: Vec<i64> = ids
        .iter()
        .map(|&id| codec::id(id))
        .collect::<Result<_, _>>()?;
    store.with_tx(|tx| {
        let found = many(
            tx,
            "SELECT record FROM batches WHERE id = ANY($1) ORDER BY id FOR UPDATE",
            &[&keys],
        )?;
        for &id in ids {
            let batch = found
                .iter()
                .find(|b| b.id == id)
                .ok_or(StoreError::UnknownBatch(id))?;
            if !allowed(&batch.state) {
                return Err(StoreError::InvalidTransition {
                    id,
                    from: batch.state.name(),
                    to: next.name(),
                });
            }
        }
        if check_claims {
            let mut devices: Vec<String> =
                found.iter().map(|b| b.header.device_id.clone()).collect();
            devices.sort();
            devices.dedup();
            claims::ensure_devices(store, tx, &devices)?;
        }
        write_states(tx, found, next)
    })
}

fn write_states(
    tx: &mut Transaction,
    batches: Vec<StoredBatch>,
    next: &AnchorState,
) -> Result<(), StoreError> {
    let tx_hash = match next {
        AnchorState::InFlight { tx_hash, .. } => Some(tx_hash.as_str()),
        _ => None,
    };
    let count = codec::id(batches.len() as u64)?;
    for mut batch in batches {
        batch.state = next.clone();
        tx.execute(
            "UPDATE batches SET state = $2, tx_hash = $3, record = $4 WHERE id = $1",
            &[
                &codec::id(batch.id)?,
                &codec::state_name(next),
                &tx_hash,
                &codec::encode_batch(&batch)?,
            ],
        )?;
    }
    let counter = match next {
        AnchorState::Anchored { .. } => "anchored",
        AnchorState::Failed { .. } => "failed",
        _ => return Ok(()),
    };
    tx.execute(
        "INSERT INTO counters (name, value) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET value = counters.value + EXCLUDED.value",
        &[&counter, &count],
    )?;
    Ok(())
}

fn is_pending(s: &AnchorState) -> bool {
    matches!(s, AnchorState::Pending)
}

fn is_in_flight(s: &AnchorState) -> bool {
    matches!(s, AnchorState::InFlight { .. })
}

fn is_queued(s: &AnchorState) -> bool {
    is_pending(s) || is_in_flight(s)
}

pub(super) fn mark_in_flight(
    store: &PgStore,
    ids: &[BatchId],
    tx_hash: &str,
    timeout_height: u64,
) -> Result<(), StoreError> {
    let next = AnchorState::InFlight {
        tx_hash: tx_hash.to_string(),
        timeout_height,
    };
    transition(store, ids, &is_pending, &next, true)
}

pub(super) fn replace_in_flight(
    store: &PgStore,
    ids: &[BatchId],
    old_hash: &str,
    tx_hash: &str,
    timeout_height: u64,
) -> Result<(), StoreError> {
    let next = AnchorState::InFlight {
        tx_hash: tx_hash.to_string(),
        timeout_height,
    };
    let same_tx =
        |s: &AnchorState| matches!(s, AnchorState::InFlight { tx_hash, .. } if tx_hash == old_hash);
    transition(store, ids, &same_tx, &next, true)
}

pub(super) fn mark_anchored(
    store: &PgStore,
    ids: &[BatchId],
    tx_hash: &str,
    height: u64,
) -> Result<(), StoreError> {
    let next = AnchorState::Anchored {
        tx_hash: tx_hash.to_string(),
        height,
    };
    transition(store, ids, &is_queued, &next, false)
}

pub(super) fn mark_failed(store: &PgStore, id: BatchId, reason: &str) -> Result<(), StoreError> {
    let next = AnchorState::Failed {
        reason: reason.to_string(),
    };
    transition(store, &[id], &is_queued, &next, false)
}

pub(super) fn requeue(store: &PgStore, ids: &[BatchId]) -> Result<(), StoreError> {
    transition(store, ids, &is_in_flight, &AnchorState::Pending, false)
}

/// The devices this instance may take: free, its own, or whose claim's lease ran out.
const CLAIMABLE: &str = "(c.owner IS NULL OR c.owner = $1 OR c.until < now())";

/// Claims and returns the in-flight batches this instance must settle: those of its devices
/// and of devices whose claim ran out (an instance that died with a transaction in flight).
pub(super) fn claim_in_flight(store: &PgStore) -> Result<Vec<StoredBatch>, StoreError> {
    let me = store.instance().to_string();
    store.with_tx(|tx| {
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&CLAIM_LOCK])?;
        let found = many(
            tx,
            &format!(
                "SELECT b.record FROM batches b LEFT JOIN device_claims c USING (device_id)
                 WHERE b.state = 'in_flight' AND {CLAIMABLE} ORDER BY b.id"
            ),
            &[&me],
        )?;
        claims::take_devices(store, tx, &devices_of(&found))?;
        Ok(found)
    })
}

/// Claims and returns pending batches, in ingest order, at most `limit`: of devices that are
/// free, this instance's, or whose claim ran out, and that have nothing in flight (settled
/// first, by [`claim_in_flight`]). Releases this instance's claims on devices with nothing
/// queued, so that the work spreads over the instances.
pub(super) fn claim_pending(store: &PgStore, limit: usize) -> Result<Vec<StoredBatch>, StoreError> {
    let me = store.instance().to_string();
    let limit = codec::limit(limit);
    store.with_tx(|tx| {
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&CLAIM_LOCK])?;
        tx.execute(
            "DELETE FROM device_claims c WHERE owner = $1 AND NOT EXISTS (
                 SELECT 1 FROM batches b WHERE b.device_id = c.device_id
                 AND b.state IN ('pending', 'in_flight'))",
            &[&me],
        )?;
        let found = many(
            tx,
            &format!(
                "SELECT b.record FROM batches b LEFT JOIN device_claims c USING (device_id)
                 WHERE b.state = 'pending' AND {CLAIMABLE}
                 AND NOT EXISTS (SELECT 1 FROM batches f
                                 WHERE f.device_id = b.device_id AND f.state = 'in_flight')
                 ORDER BY b.id LIMIT $2"
            ),
            &[&me, &limit],
        )?;
        claims::take_devices(store, tx, &devices_of(&found))?;
        Ok(found)
    })
}

fn devices_of(batches: &[StoredBatch]) -> Vec<String> {
    let mut devices: Vec<String> = batches.iter().map(|b| b.header.device_id.clone()).collect();
    devices.sort();
    devices.dedup();
    devices
}
