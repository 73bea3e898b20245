//! Records owed to the chain. Sending them is claimed per item, like anchoring work, so that
//! two instances never record the same access twice.

use postgres::Transaction;

use super::claims::lease_secs;
use super::codec;
use super::PgStore;
use crate::store::{OutboxId, OutboxItem, OutboxMsg, OutboxState, StoreError};

fn encode(item: &OutboxItem) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(item).map_err(|e| StoreError::Corrupt(format!("outbox item: {e}")))
}

fn decode(bytes: &[u8]) -> Result<OutboxItem, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt(format!("outbox item: {e}")))
}

/// Appends `msgs` to the outbox inside the caller's transaction.
pub(super) fn append(
    tx: &mut Transaction,
    msgs: &[OutboxMsg],
    queued_at: u64,
) -> Result<Vec<OutboxId>, StoreError> {
    let mut ids = Vec::with_capacity(msgs.len());
    for msg in msgs {
        let id: i64 = tx.query_one("SELECT nextval('outbox_ids')", &[])?.get(0);
        let item = OutboxItem {
            id: codec::unid(id)?,
            msg: msg.clone(),
            state: OutboxState::Queued,
            queued_at,
        };
        tx.execute(
            "INSERT INTO outbox (id, state, queued_at, record) VALUES ($1, 'queued', $2, $3)",
            &[&id, &codec::key(queued_at), &encode(&item)?],
        )?;
        ids.push(item.id);
    }
    Ok(ids)
}

pub(super) fn enqueue(
    store: &PgStore,
    msgs: &[OutboxMsg],
    queued_at: u64,
) -> Result<Vec<OutboxId>, StoreError> {
    store.with_tx(|tx| append(tx, msgs, queued_at))
}

fn queue_name(in_flight: bool) -> &'static str {
    if in_flight {
        "in_flight"
    } else {
        "queued"
    }
}

pub(super) fn list(
    store: &PgStore,
    in_flight: bool,
    limit: usize,
) -> Result<Vec<OutboxItem>, StoreError> {
    store.with_snapshot(|tx| {
        tx.query(
            "SELECT record FROM outbox WHERE state = $1 ORDER BY id LIMIT $2",
            &[&queue_name(in_flight), &codec::limit(limit)],
        )?
        .iter()
        .map(|r| decode(r.get::<_, &[u8]>(0)))
        .collect()
    })
}

/// Claims and returns items of the queue (or in flight) that are free, this instance's, or
/// whose claim ran out, oldest first, at most `limit`.
pub(super) fn claim(
    store: &PgStore,
    in_flight: bool,
    limit: usize,
) -> Result<Vec<OutboxItem>, StoreError> {
    let me = store.instance().to_string();
    let lease = lease_secs(store);
    store.with_tx(|tx| {
        tx.query(
            "UPDATE outbox SET claimed_by = $3, claimed_until = now() + make_interval(secs => $4)
             WHERE id IN (SELECT id FROM outbox WHERE state = $1
                          AND (claimed_by IS NULL OR claimed_by = $3 OR claimed_until < now())
                          ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
             RETURNING record",
            &[&queue_name(in_flight), &codec::limit(limit), &me, &lease],
        )?
        .iter()
        .map(|r| decode(r.get::<_, &[u8]>(0)))
        .collect::<Result<Vec<_>, _>>()
        .map(|mut items| {
            items.sort_by_key(|i| i.id);
            items
        })
    })
}

pub(super) fn item(store: &PgStore, id: OutboxId) -> Result<Option<OutboxItem>, StoreError> {
    let id = codec::id(id)?;
    store.with_snapshot(|tx| {
        tx.query_opt("SELECT record FROM outbox WHERE id = $1", &[&id])?
            .map(|r| decode(r.get::<_, &[u8]>(0)))
            .transpose()
    })
}

pub(super) fn set_state(
    store: &PgStore,
    ids: &[OutboxId],
    state: &OutboxState,
) -> Result<(), StoreError> {
    let keys: Vec<i64> = ids
        .iter()
        .map(|&id| codec::id(id))
        .collect::<Result<_, _>>()?;
    let done = !matches!(state, OutboxState::Queued | OutboxState::InFlight { .. });
    store.with_tx(|tx| {
        let rows = tx.query(
            "SELECT id, record FROM outbox WHERE id = ANY($1) FOR UPDATE",
            &[&keys],
        )?;
        for &id in ids {
            let row = rows
                .iter()
                .find(|r| codec::unid(r.get(0)).is_ok_and(|v| v == id))
                .ok_or(StoreError::UnknownOutboxItem(id))?;
            let mut item = decode(row.get::<_, &[u8]>(1))?;
            item.state = state.clone();
            tx.execute(
                "UPDATE outbox SET state = $2, record = $3,
                     claimed_by = CASE WHEN $4 THEN NULL ELSE claimed_by END,
                     claimed_until = CASE WHEN $4 THEN NULL ELSE claimed_until END
                 WHERE id = $1",
                &[&codec::id(id)?, &state.name(), &encode(&item)?, &done],
            )?;
        }
        Ok(())
    })
}

pub(super) fn counts(store: &PgStore) -> Result<(u64, u64), StoreError> {
    store.with_snapshot(|tx| {
        let row = tx.query_one(
            "SELECT (SELECT count(*) FROM outbox WHERE state = 'queued'),
                    (SELECT count(*) FROM outbox WHERE state = 'in_flight')",
            &[],
        )?;
        Ok((codec::unid(row.get(0))?, codec::unid(row.get(1))?))
    })
}
