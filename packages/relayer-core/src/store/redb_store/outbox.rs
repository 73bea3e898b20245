//! The outbox tables: items to record on chain and their two queues.

use redb::{ReadableTable, ReadableTableMetadata, Table};

use super::tables;
use super::RedbStore;
use crate::store::{OutboxId, OutboxItem, OutboxMsg, OutboxState, StoreError};

fn encode(item: &OutboxItem) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(item).map_err(|e| StoreError::Corrupt(format!("outbox item: {e}")))
}

fn decode(bytes: &[u8]) -> Result<OutboxItem, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt(format!("outbox item: {e}")))
}

/// Appends `msgs` to the outbox inside the caller's transaction.
pub(super) fn append(
    txn: &redb::WriteTransaction,
    msgs: &[OutboxMsg],
    queued_at: u64,
) -> Result<Vec<OutboxId>, StoreError> {
    let mut outbox = txn.open_table(tables::OUTBOX)?;
    let mut queued = txn.open_table(tables::OUTBOX_QUEUED)?;
    let first = match outbox.last()? {
        Some((k, _)) => k.value() + 1,
        None => 1,
    };
    let mut ids = Vec::with_capacity(msgs.len());
    for (id, msg) in (first..).zip(msgs) {
        let item = OutboxItem {
            id,
            msg: msg.clone(),
            state: OutboxState::Queued,
            queued_at,
        };
        outbox.insert(id, encode(&item)?.as_slice())?;
        queued.insert(id, ())?;
        ids.push(id);
    }
    Ok(ids)
}

pub(super) fn enqueue(
    store: &RedbStore,
    msgs: &[OutboxMsg],
    queued_at: u64,
) -> Result<Vec<OutboxId>, StoreError> {
    let txn = store.begin_write()?;
    let ids = append(&txn, msgs, queued_at)?;
    txn.commit()?;
    Ok(ids)
}

pub(super) fn list(
    store: &RedbStore,
    in_flight: bool,
    limit: usize,
) -> Result<Vec<OutboxItem>, StoreError> {
    let txn = store.begin_read()?;
    let queue = txn.open_table(if in_flight {
        tables::OUTBOX_IN_FLIGHT
    } else {
        tables::OUTBOX_QUEUED
    })?;
    let outbox = txn.open_table(tables::OUTBOX)?;
    let mut out = Vec::new();
    for entry in queue.iter()?.take(limit) {
        let id = entry?.0.value();
        let item = outbox.get(id)?.ok_or(StoreError::UnknownOutboxItem(id))?;
        out.push(decode(item.value())?);
    }
    Ok(out)
}

pub(super) fn item(store: &RedbStore, id: OutboxId) -> Result<Option<OutboxItem>, StoreError> {
    let txn = store.begin_read()?;
    let outbox = txn.open_table(tables::OUTBOX)?;
    let found = outbox.get(id)?;
    found.map(|v| decode(v.value())).transpose()
}

fn set_membership(
    table: &mut Table<u64, ()>,
    id: OutboxId,
    member: bool,
) -> Result<(), StoreError> {
    if member {
        table.insert(id, ())?;
    } else {
        table.remove(id)?;
    }
    Ok(())
}

pub(super) fn set_state(
    store: &RedbStore,
    ids: &[OutboxId],
    state: &OutboxState,
) -> Result<(), StoreError> {
    let txn = store.begin_write()?;
    {
        let mut outbox = txn.open_table(tables::OUTBOX)?;
        let mut queued = txn.open_table(tables::OUTBOX_QUEUED)?;
        let mut in_flight = txn.open_table(tables::OUTBOX_IN_FLIGHT)?;
        for &id in ids {
            let mut item = {
                let found = outbox.get(id)?.ok_or(StoreError::UnknownOutboxItem(id))?;
                decode(found.value())?
            };
            item.state = state.clone();
            outbox.insert(id, encode(&item)?.as_slice())?;
            set_membership(&mut queued, id, matches!(state, OutboxState::Queued))?;
            set_membership(
                &mut in_flight,
                id,
                matches!(state, OutboxState::InFlight { .. }),
            )?;
        }
    }
    txn.commit()?;
    Ok(())
}

pub(super) fn counts(store: &RedbStore) -> Result<(u64, u64), StoreError> {
    let txn = store.begin_read()?;
    Ok((
        txn.open_table(tables::OUTBOX_QUEUED)?.len()?,
        txn.open_table(tables::OUTBOX_IN_FLIGHT)?.len()?,
    ))
}
