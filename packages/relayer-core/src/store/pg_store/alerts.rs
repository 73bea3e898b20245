//! Alert settings and the alerts raised (sealed under the patient's data key, as the embedded
//! store seals them); webhooks and the delivery queue are in [`super::webhooks`].
//!
//! Alerts are numbered from one sequence, as the embedded store numbers them from one counter
//! (an erasure does not start a patient's numbers again, so a stream resuming after a number
//! misses nothing). Raising takes the locks of the alerts' patients ([`locks`]) before it
//! numbers anything, so a patient's alerts commit in the order of their numbers, even with
//! several instances, and an alert id already kept is seen and kept once.

use std::collections::HashMap;

use diachain_relayer_types::alerts::{Alert, AlertKind, AlertSettings};
use postgres::Transaction;

use super::codec;
use super::webhooks::{corrupt, patient_webhooks};
use super::{erasure, keys, locks, PgStore};
use crate::store::crypto::{open, seal};
use crate::store::keys::Staged;
use crate::store::redb_store::alerts::alert_aad;
use crate::store::{Delivery, StoreError, WebhookRecord};

pub(super) fn settings(
    store: &PgStore,
    patient: &str,
) -> Result<Option<AlertSettings>, StoreError> {
    store.with_snapshot(|tx| {
        tx.query_opt(
            "SELECT record FROM alert_settings WHERE patient = $1",
            &[&patient],
        )?
        .map(|r| {
            serde_json::from_slice(r.get::<_, &[u8]>(0)).map_err(|e| corrupt("alert settings", e))
        })
        .transpose()
    })
}

pub(super) fn put_settings(
    store: &PgStore,
    patient: &str,
    s: &AlertSettings,
) -> Result<(), StoreError> {
    let bytes = serde_json::to_vec(s).map_err(|e| corrupt("alert settings", e))?;
    store.with_tx(|tx| {
        tx.execute(
            "INSERT INTO alert_settings (patient, record) VALUES ($1, $2)
             ON CONFLICT (patient) DO UPDATE SET record = EXCLUDED.record",
            &[&patient, &bytes],
        )?;
        Ok(())
    })
}

pub(super) fn raise(
    store: &PgStore,
    alerts: Vec<Alert>,
    due_ms: u64,
) -> Result<Vec<Alert>, StoreError> {
    if alerts.is_empty() {
        return Ok(Vec::new());
    }
    let (kept, staged) = store.with_tx(|tx| {
        locks::lock_patients(tx, alerts.iter().map(|a| a.patient.as_str()))?;
        let mut staged = Staged::new();
        let mut hooks: HashMap<String, Vec<WebhookRecord>> = HashMap::new();
        let mut kept = Vec::new();
        for alert in &alerts {
            let patient = alert.patient.as_str();
            if !is_new(tx, alert)? {
                continue;
            }
            if !hooks.contains_key(patient) {
                hooks.insert(patient.to_string(), patient_webhooks(store, tx, patient)?);
            }
            let wanting: Vec<&WebhookRecord> = hooks
                .get(patient)
                .map(|h| h.iter().filter(|h| h.wants(alert.kind)).collect())
                .unwrap_or_default();
            let alert = keep(store, tx, &mut staged, alert.clone())?;
            for hook in wanting {
                queue_delivery(tx, hook, &alert, due_ms)?;
            }
            kept.push(alert);
        }
        Ok((kept, staged))
    })?;
    store.keys.promote(staged);
    Ok(kept)
}

/// Whether `alert` is to be kept: its patient has none with its id, and it was not raised from
/// readings the patient has erased since (in between, or a silence counted from an erased
/// reading).
fn is_new(tx: &mut Transaction, alert: &Alert) -> Result<bool, StoreError> {
    let patient = alert.patient.as_str();
    let known = tx
        .query_opt(
            "SELECT 1 FROM alerts WHERE patient = $1 AND alert_id = $2",
            &[&patient, &alert.id],
        )?
        .is_some();
    if known {
        return Ok(false);
    }
    Ok(erasure::last_erasure(tx, patient)?.is_none_or(|at| alert.at > at))
}

/// Numbers `alert`, seals it and keeps it.
fn keep(
    store: &PgStore,
    tx: &mut Transaction,
    staged: &mut Staged,
    mut alert: Alert,
) -> Result<Alert, StoreError> {
    let patient = alert.patient.clone();
    let cipher = keys::for_write(&store.keys, tx, staged, &patient)?;
    let n: i64 = tx.query_one("SELECT nextval('alert_numbers')", &[])?.get(0);
    alert.seq = codec::unid(n)?;
    let plain = serde_json::to_vec(&alert).map_err(|e| corrupt("alert", e))?;
    let sealed = seal(&cipher, &alert_aad(&patient, alert.seq), &plain)?;
    tx.execute(
        "INSERT INTO alerts (patient, n, alert_id, kind, sealed) VALUES ($1, $2, $3, $4, $5)",
        &[
            &patient,
            &n,
            &alert.id,
            &i16::from(alert.kind.code()),
            &sealed,
        ],
    )?;
    Ok(alert)
}

fn queue_delivery(
    tx: &mut Transaction,
    hook: &WebhookRecord,
    alert: &Alert,
    due_ms: u64,
) -> Result<(), StoreError> {
    let n: i64 = tx
        .query_one("SELECT nextval('delivery_numbers')", &[])?
        .get(0);
    let d = Delivery {
        due_ms,
        no: codec::unid(n)?,
        webhook_id: hook.id.clone(),
        patient: alert.patient.clone(),
        alert_seq: alert.seq,
        attempts: 0,
        recorded: false,
    };
    let bytes = serde_json::to_vec(&d).map_err(|e| corrupt("delivery", e))?;
    tx.execute(
        "INSERT INTO deliveries (n, due_ms, patient, record) VALUES ($1, $2, $3, $4)",
        &[&n, &codec::key(due_ms), &d.patient, &bytes],
    )?;
    Ok(())
}

/// The alerts `sql` selects (`n, sealed`, ordered; the patient as `$1`), opened; none when the
/// patient has no data key (erased).
fn load(
    store: &PgStore,
    patient: &str,
    sql: &str,
    more: &[&(dyn postgres::types::ToSql + Sync)],
) -> Result<Vec<Alert>, StoreError> {
    store.with_snapshot(|tx| {
        let mut params: Vec<&(dyn postgres::types::ToSql + Sync)> = vec![&patient];
        params.extend_from_slice(more);
        let rows = tx.query(sql, &params)?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let Some(cipher) = keys::for_read(&store.keys, tx, patient)? else {
            return Ok(Vec::new());
        };
        rows.iter()
            .map(|r| {
                let seq = codec::unid(r.get(0))?;
                let plain = open(&cipher, &alert_aad(patient, seq), r.get::<_, &[u8]>(1))
                    .ok_or_else(|| StoreError::Tampered(format!("alert {seq}")))?;
                serde_json::from_slice(&plain).map_err(|e| corrupt("alert", e))
            })
            .collect()
    })
}

/// A number the caller gives, as the `n` column compares it (numbers beyond `bigint` are above
/// every alert's).
fn number(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

pub(super) fn list(
    store: &PgStore,
    patient: &str,
    since: u64,
    limit: usize,
) -> Result<Vec<Alert>, StoreError> {
    load(
        store,
        patient,
        "SELECT n, sealed FROM alerts WHERE patient = $1 AND n > $2 ORDER BY n LIMIT $3",
        &[&number(since), &codec::limit(limit)],
    )
}

pub(super) fn latest(
    store: &PgStore,
    patient: &str,
    limit: usize,
) -> Result<Vec<Alert>, StoreError> {
    let mut newest_first = load(
        store,
        patient,
        "SELECT n, sealed FROM alerts WHERE patient = $1 ORDER BY n DESC LIMIT $2",
        &[&codec::limit(limit)],
    )?;
    newest_first.reverse();
    Ok(newest_first)
}

pub(super) fn one(store: &PgStore, patient: &str, seq: u64) -> Result<Option<Alert>, StoreError> {
    let Ok(n) = i64::try_from(seq) else {
        return Ok(None);
    };
    let found = load(
        store,
        patient,
        "SELECT n, sealed FROM alerts WHERE patient = $1 AND n = $2",
        &[&n],
    )?;
    Ok(found.into_iter().next())
}

pub(super) fn last(
    store: &PgStore,
    patient: &str,
    kind: AlertKind,
) -> Result<Option<Alert>, StoreError> {
    let found = load(
        store,
        patient,
        "SELECT n, sealed FROM alerts WHERE patient = $1 AND kind = $2 ORDER BY n DESC LIMIT 1",
        &[&i16::from(kind.code())],
    )?;
    Ok(found.into_iter().next())
}
