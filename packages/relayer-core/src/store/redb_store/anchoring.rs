//! Anchoring-state transitions. Each call is one durable transaction; a transition from a
//! state that does not allow it changes nothing and fails, so a range is never anchored twice.

use super::tables::{self, WriteTables};
use super::RedbStore;
use crate::store::{AnchorState, BatchId, StoreError};

/// Applies `next` to every batch of `ids`, after checking each may make that transition.
fn transition(
    store: &RedbStore,
    ids: &[BatchId],
    allowed: &dyn Fn(&AnchorState) -> bool,
    next: &AnchorState,
) -> Result<(), StoreError> {
    let txn = store.begin_write()?;
    {
        let mut t = WriteTables::open(&txn)?;
        for &id in ids {
            let mut batch =
                tables::load_batch(&t.batches, id)?.ok_or(StoreError::UnknownBatch(id))?;
            if !allowed(&batch.state) {
                return Err(StoreError::InvalidTransition {
                    id,
                    from: batch.state.name(),
                    to: next.name(),
                });
            }
            t.pending.remove(id)?;
            t.in_flight.remove(id)?;
            match next {
                AnchorState::Pending => {
                    t.pending.insert(id, ())?;
                }
                AnchorState::InFlight { .. } => {
                    t.in_flight.insert(id, ())?;
                }
                AnchorState::Anchored { .. } => {
                    tables::bump_counter(&mut t.meta, tables::ANCHORED_COUNT)?
                }
                AnchorState::Failed { .. } => {
                    tables::bump_counter(&mut t.meta, tables::FAILED_COUNT)?
                }
            }
            batch.state = next.clone();
            t.batches
                .insert(id, tables::encode_batch(&batch)?.as_slice())?;
        }
    }
    txn.commit()?;
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
    store: &RedbStore,
    ids: &[BatchId],
    tx_hash: &str,
    timeout_height: u64,
) -> Result<(), StoreError> {
    let next = AnchorState::InFlight {
        tx_hash: tx_hash.to_string(),
        timeout_height,
    };
    transition(store, ids, &is_pending, &next)
}

pub(super) fn replace_in_flight(
    store: &RedbStore,
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
    transition(store, ids, &same_tx, &next)
}

pub(super) fn mark_anchored(
    store: &RedbStore,
    ids: &[BatchId],
    tx_hash: &str,
    height: u64,
) -> Result<(), StoreError> {
    let next = AnchorState::Anchored {
        tx_hash: tx_hash.to_string(),
        height,
    };
    transition(store, ids, &is_queued, &next)
}

pub(super) fn mark_failed(store: &RedbStore, id: BatchId, reason: &str) -> Result<(), StoreError> {
    let next = AnchorState::Failed {
        reason: reason.to_string(),
    };
    transition(store, &[id], &is_queued, &next)
}

pub(super) fn requeue(store: &RedbStore, ids: &[BatchId]) -> Result<(), StoreError> {
    transition(store, ids, &is_in_flight, &AnchorState::Pending)
}
