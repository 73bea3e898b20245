//! Webhooks (sealed under the master key, as the embedded store seals them) and the queue of
//! alert deliveries.
//!
//! With several instances sharing the database, [`due`] claims what it returns, like the
//! outbox's items ([`super::outbox`]): deliveries that are free, already this instance's, or
//! whose claim ran out, taken with `FOR UPDATE SKIP LOCKED` and held for the lease (renewed by
//! the [`super::Heartbeat`]), so two instances never attempt the same delivery at once and a
//! dead instance's deliveries are taken over. Settling one ends its claim.

use postgres::Transaction;

use super::claims::lease_secs;
use super::codec::{self, key, unkey};
use super::{locks, PgStore};
use crate::store::redb_store::alerts::{count, webhook_aad};
use crate::store::{Delivery, Settle, StoreError, WebhookLimits, WebhookRecord};

pub(super) fn corrupt(what: &str, e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

fn open_webhook(store: &PgStore, id: &str, blob: &[u8]) -> Result<WebhookRecord, StoreError> {
    let plain = store
        .keys
        .open_secret(&webhook_aad(id), blob)
        .ok_or_else(|| StoreError::Tampered(format!("webhook {id}")))?;
    serde_json::from_slice(&plain).map_err(|e| corrupt("webhook", e))
}

fn seal_webhook(store: &PgStore, w: &WebhookRecord) -> Result<Vec<u8>, StoreError> {
    let plain = serde_json::to_vec(w).map_err(|e| corrupt("webhook", e))?;
    store.keys.seal_secret(&webhook_aad(&w.id), &plain)
}

/// The patient's webhooks, revoked ones too, by id, in the caller's transaction.
pub(super) fn patient_webhooks(
    store: &PgStore,
    tx: &mut Transaction,
    patient: &str,
) -> Result<Vec<WebhookRecord>, StoreError> {
    tx.query(
        "SELECT id, sealed FROM webhooks WHERE patient = $1 ORDER BY id",
        &[&patient],
    )?
    .iter()
    .map(|r| open_webhook(store, r.get(0), r.get::<_, &[u8]>(1)))
    .collect()
}

fn upsert(tx: &mut Transaction, w: &WebhookRecord, sealed: &[u8]) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO webhooks (id, patient, sealed) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET patient = EXCLUDED.patient, sealed = EXCLUDED.sealed",
        &[&w.id, &w.patient, &sealed],
    )?;
    Ok(())
}

pub(super) fn put_webhook(store: &PgStore, w: &WebhookRecord) -> Result<(), StoreError> {
    let sealed = seal_webhook(store, w)?;
    store.with_tx(|tx| {
        // Taking turns with `add_webhook`'s count.
        locks::lock_patient(tx, &w.patient)?;
        upsert(tx, w, &sealed)
    })
}

pub(super) fn add_webhook(
    store: &PgStore,
    w: &WebhookRecord,
    limits: WebhookLimits,
) -> Result<bool, StoreError> {
    let sealed = seal_webhook(store, w)?;
    store.with_tx(|tx| {
        // Counted and kept under the patient's lock: instances adding at once take turns.
        locks::lock_patient(tx, &w.patient)?;
        let kept = patient_webhooks(store, tx, &w.patient)?;
        let live = kept.iter().filter(|h| h.revoked_at.is_none()).count();
        let mine = kept
            .iter()
            .filter(|h| h.revoked_at.is_none() && h.owner == w.owner)
            .count();
        if kept.len() >= limits.kept_per_patient
            || live >= limits.live_per_patient
            || mine >= limits.live_per_owner
        {
            return Ok(false);
        }
        upsert(tx, w, &sealed)?;
        Ok(true)
    })
}

pub(super) fn webhook(store: &PgStore, id: &str) -> Result<Option<WebhookRecord>, StoreError> {
    store.with_snapshot(|tx| {
        tx.query_opt("SELECT sealed FROM webhooks WHERE id = $1", &[&id])?
            .map(|r| open_webhook(store, id, r.get::<_, &[u8]>(0)))
            .transpose()
    })
}

pub(super) fn webhooks_of(
    store: &PgStore,
    patient: &str,
) -> Result<Vec<WebhookRecord>, StoreError> {
    store.with_snapshot(|tx| patient_webhooks(store, tx, patient))
}

fn decode_delivery(bytes: &[u8]) -> Result<Delivery, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| corrupt("delivery", e))
}

/// Claims and returns the deliveries due at or before `now_ms` that no other instance holds,
/// soonest first, at most `limit`: this instance's claims (read, not written again: the
/// heartbeat renews them, and a deliverer scanning while its attempts are in flight then
/// writes nothing) and the free or lapsed ones, claimed now.
pub(super) fn due(store: &PgStore, now_ms: u64, limit: usize) -> Result<Vec<Delivery>, StoreError> {
    let me = store.instance().to_string();
    let lease = lease_secs(store);
    store.with_tx(|tx| {
        let held = tx.query(
            "SELECT record FROM deliveries
             WHERE due_ms <= $1 AND claimed_by = $3 AND claimed_until >= now()
             ORDER BY due_ms, n LIMIT $2",
            &[&key(now_ms), &codec::limit(limit), &me],
        )?;
        let taken = tx.query(
            "UPDATE deliveries
             SET claimed_by = $3, claimed_until = now() + make_interval(secs => $4)
             WHERE n IN (SELECT n FROM deliveries WHERE due_ms <= $1
                         AND (claimed_by IS NULL OR claimed_until < now())
                         ORDER BY due_ms, n LIMIT $2 FOR UPDATE SKIP LOCKED)
             RETURNING record",
            &[&key(now_ms), &codec::limit(limit), &me, &lease],
        )?;
        let mut due = held
            .iter()
            .chain(&taken)
            .map(|r| decode_delivery(r.get::<_, &[u8]>(0)))
            .collect::<Result<Vec<_>, _>>()?;
        // What is claimed beyond the limit stays this instance's: the next scan returns it.
        due.sort_by_key(|d| (d.due_ms, d.no));
        due.truncate(limit);
        Ok(due)
    })
}

/// When the next delivery is due that this instance may attempt (another instance's, while
/// its claim lasts, is that instance's to settle).
pub(super) fn next_due(store: &PgStore) -> Result<Option<u64>, StoreError> {
    let me = store.instance().to_string();
    store.with_snapshot(|tx| {
        let first: Option<i64> = tx
            .query_one(
                "SELECT min(due_ms) FROM deliveries
                 WHERE claimed_by IS NULL OR claimed_by = $1 OR claimed_until < now()",
                &[&me],
            )?
            .get(0);
        Ok(first.map(unkey))
    })
}

pub(super) fn settle(store: &PgStore, settled: &[(Delivery, Settle)]) -> Result<(), StoreError> {
    if settled.is_empty() {
        return Ok(());
    }
    let me = store.instance().to_string();
    let numbers: Vec<i64> = settled
        .iter()
        .map(|(d, _)| codec::id(d.no))
        .collect::<Result<_, _>>()?;
    let mut hooks: Vec<&str> = settled.iter().map(|(d, _)| d.webhook_id.as_str()).collect();
    hooks.sort_unstable();
    hooks.dedup();
    store.with_tx(|tx| {
        // Rows locked in one order (deliveries, then webhooks): settles never deadlock.
        tx.execute(
            "SELECT 1 FROM deliveries WHERE n = ANY($1) ORDER BY n FOR UPDATE",
            &[&numbers],
        )?;
        tx.execute(
            "SELECT 1 FROM webhooks WHERE id = ANY($1) ORDER BY id FOR UPDATE",
            &[&hooks],
        )?;
        for (d, outcome) in settled {
            if settle_one(tx, &me, d, outcome)? {
                count_on_webhook(store, tx, d, outcome)?;
            }
        }
        Ok(())
    })
}

/// Ends or reschedules `d`; whether it was still queued as `d` (and not held by another
/// instance, whose own settling counts).
fn settle_one(
    tx: &mut Transaction,
    me: &str,
    d: &Delivery,
    outcome: &Settle,
) -> Result<bool, StoreError> {
    let n = codec::id(d.no)?;
    let found = tx.query_opt(
        "SELECT coalesce(claimed_by <> $3 AND claimed_until >= now(), false)
         FROM deliveries WHERE n = $1 AND due_ms = $2",
        &[&n, &key(d.due_ms), &me],
    )?;
    match found {
        None => return Ok(false),
        Some(r) if r.get::<_, bool>(0) => return Ok(false),
        Some(_) => {}
    }
    if let Settle::Retry {
        due_ms, recorded, ..
    } = outcome
    {
        let next = Delivery {
            due_ms: *due_ms,
            attempts: d.attempts.saturating_add(1),
            recorded: *recorded,
            ..d.clone()
        };
        let bytes = serde_json::to_vec(&next).map_err(|e| corrupt("delivery", e))?;
        tx.execute(
            "UPDATE deliveries SET due_ms = $2, record = $3, claimed_by = NULL,
                 claimed_until = NULL
             WHERE n = $1",
            &[&n, &key(next.due_ms), &bytes],
        )?;
    } else {
        tx.execute("DELETE FROM deliveries WHERE n = $1", &[&n])?;
    }
    Ok(true)
}

fn count_on_webhook(
    store: &PgStore,
    tx: &mut Transaction,
    d: &Delivery,
    outcome: &Settle,
) -> Result<(), StoreError> {
    let found = tx.query_opt(
        "SELECT sealed FROM webhooks WHERE id = $1",
        &[&d.webhook_id],
    )?;
    let Some(row) = found else {
        return Ok(());
    };
    let mut w = open_webhook(store, &d.webhook_id, row.get::<_, &[u8]>(0))?;
    count(&mut w, d, outcome);
    let sealed = seal_webhook(store, &w)?;
    tx.execute(
        "UPDATE webhooks SET sealed = $2 WHERE id = $1",
        &[&w.id, &sealed],
    )?;
    Ok(())
}
