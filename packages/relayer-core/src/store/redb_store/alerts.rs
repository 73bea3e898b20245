//! Alerts (sealed under the patient's data key), alert settings, webhooks (sealed under the
//! master key) and the delivery queue.

use std::collections::HashMap;

use diachain_relayer_types::alerts::{Alert, AlertKind, AlertSettings};
use redb::{ReadableTable, ReadableTableMetadata};

use super::tables;
use super::RedbStore;
use crate::store::crypto::{open, seal};
use crate::store::keys::Staged;
use crate::store::{
    Delivery, Settle, StoreError, StoredBatch, WebhookLimits, WebhookRecord, SUSPEND_AFTER,
};

const ALERT_COUNTER: &str = "count/alerts";
const DELIVERY_COUNTER: &str = "count/deliveries";

pub(in crate::store) fn alert_aad(patient: &str, seq: u64) -> Vec<u8> {
    [
        b"DIACHAIN/RELAYER/ALERT/v1".as_slice(),
        patient.as_bytes(),
        &[0],
        &seq.to_be_bytes(),
    ]
    .concat()
}

pub(in crate::store) fn webhook_aad(id: &str) -> Vec<u8> {
    [b"DIACHAIN/RELAYER/WEBHOOK/v1".as_slice(), id.as_bytes()].concat()
}

fn corrupt(what: &str, e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

pub(super) fn settings(
    store: &RedbStore,
    patient: &str,
) -> Result<Option<AlertSettings>, StoreError> {
    let txn = store.begin_read()?;
    let t = txn.open_table(tables::ALERT_SETTINGS)?;
    let found = t.get(patient)?;
    found
        .map(|v| serde_json::from_slice(v.value()).map_err(|e| corrupt("alert settings", e)))
        .transpose()
}

pub(super) fn put_settings(
    store: &RedbStore,
    patient: &str,
    s: &AlertSettings,
) -> Result<(), StoreError> {
    let bytes = serde_json::to_vec(s).map_err(|e| corrupt("alert settings", e))?;
    let txn = store.begin_write()?;
    txn.open_table(tables::ALERT_SETTINGS)?
        .insert(patient, bytes.as_slice())?;
    txn.commit()?;
    Ok(())
}

pub(super) fn raise(
    store: &RedbStore,
    alerts: Vec<Alert>,
    due_ms: u64,
) -> Result<Vec<Alert>, StoreError> {
    let mut staged = Staged::new();
    let txn = store.begin_write()?;
    let mut kept = Vec::new();
    {
        let mut table = txn.open_table(tables::ALERTS)?;
        let mut ids = txn.open_table(tables::ALERT_IDS)?;
        let mut last = txn.open_table(tables::ALERT_LAST)?;
        let mut keys = txn.open_table(tables::DATA_KEYS)?;
        let mut meta = txn.open_table(tables::META)?;
        let mut deliveries = txn.open_table(tables::DELIVERIES)?;
        let mut hooks: HashMap<String, Vec<WebhookRecord>> = HashMap::new();
        let erasures = txn.open_table(tables::ERASURES)?;
        for mut alert in alerts {
            let patient = alert.patient.clone();
            let patient = patient.as_str();
            if ids.get((patient, alert.id.as_str()))?.is_some() {
                continue;
            }
            // Raised from readings the patient has erased since (in between, or a silence
            // counted from an erased reading): nothing of it is kept.
            if super::erasure::last_erasure(&erasures, patient)?.is_some_and(|at| alert.at <= at) {
                continue;
            }
            if !hooks.contains_key(patient) {
                hooks.insert(patient.to_string(), webhooks_in(store, &txn, patient)?);
            }
            let cipher = store.keys.for_write(&mut keys, &mut staged, patient)?;
            let seq = tables::read_counter(&meta, ALERT_COUNTER)?.saturating_add(1);
            tables::bump_counter(&mut meta, ALERT_COUNTER)?;
            alert.seq = seq;
            let plain = serde_json::to_vec(&alert).map_err(|e| corrupt("alert", e))?;
            let sealed = seal(&cipher, &alert_aad(patient, seq), &plain)?;
            table.insert((patient, seq), sealed.as_slice())?;
            ids.insert((patient, alert.id.as_str()), seq)?;
            last.insert((patient, alert.kind.code()), seq)?;
            let wanting = hooks
                .get(patient)
                .map(|h| h.iter().filter(|h| h.wants(alert.kind)).collect::<Vec<_>>())
                .unwrap_or_default();
            for hook in wanting {
                let no = tables::read_counter(&meta, DELIVERY_COUNTER)?;
                tables::bump_counter(&mut meta, DELIVERY_COUNTER)?;
                let d = Delivery {
                    due_ms,
                    no,
                    webhook_id: hook.id.clone(),
                    patient: patient.to_string(),
                    alert_seq: seq,
                    attempts: 0,
                    recorded: false,
                };
                let bytes = serde_json::to_vec(&d).map_err(|e| corrupt("delivery", e))?;
                deliveries.insert((due_ms, no), bytes.as_slice())?;
            }
            kept.push(alert);
        }
    }
    txn.commit()?;
    store.keys.promote(staged);
    Ok(kept)
}

fn webhooks_in(
    store: &RedbStore,
    txn: &redb::WriteTransaction,
    patient: &str,
) -> Result<Vec<WebhookRecord>, StoreError> {
    let index = txn.open_table(tables::PATIENT_WEBHOOKS)?;
    let hooks = txn.open_table(tables::WEBHOOKS)?;
    patient_webhooks(store, &index, &hooks, patient)
}

/// The patient's webhooks, revoked ones too.
fn patient_webhooks(
    store: &RedbStore,
    index: &impl ReadableTable<(&'static str, &'static str), ()>,
    hooks: &impl ReadableTable<&'static str, &'static [u8]>,
    patient: &str,
) -> Result<Vec<WebhookRecord>, StoreError> {
    let mut out = Vec::new();
    for id in patient_webhook_ids(index, patient)? {
        if let Some(v) = hooks.get(id.as_str())? {
            out.push(open_webhook(store, &id, v.value())?);
        }
    }
    Ok(out)
}

fn patient_webhook_ids(
    index: &impl ReadableTable<(&'static str, &'static str), ()>,
    patient: &str,
) -> Result<Vec<String>, StoreError> {
    let mut ids = Vec::new();
    for e in index.range((patient, "")..)? {
        let (k, _) = e?;
        let (p, id) = k.value();
        if p != patient {
            break;
        }
        ids.push(id.to_string());
    }
    Ok(ids)
}

fn open_alerts(
    store: &RedbStore,
    patient: &str,
    rows: Vec<(u64, Vec<u8>)>,
    data_keys: &impl ReadableTable<&'static str, &'static [u8]>,
) -> Result<Vec<Alert>, StoreError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let Some(cipher) = store.keys.for_read(data_keys, patient)? else {
        return Ok(Vec::new());
    };
    rows.into_iter()
        .map(|(seq, blob)| {
            let plain = open(&cipher, &alert_aad(patient, seq), &blob)
                .ok_or_else(|| StoreError::Tampered(format!("alert {seq}")))?;
            serde_json::from_slice(&plain).map_err(|e| corrupt("alert", e))
        })
        .collect()
}

pub(super) fn list(
    store: &RedbStore,
    patient: &str,
    since: u64,
    limit: usize,
) -> Result<Vec<Alert>, StoreError> {
    let txn = store.begin_read()?;
    let table = txn.open_table(tables::ALERTS)?;
    let rows: Vec<(u64, Vec<u8>)> = table
        .range((patient, since.saturating_add(1))..=(patient, u64::MAX))?
        .take(limit)
        .map(|e| e.map(|(k, v)| (k.value().1, v.value().to_vec())))
        .collect::<Result<_, _>>()?;
    open_alerts(store, patient, rows, &txn.open_table(tables::DATA_KEYS)?)
}

pub(super) fn latest(
    store: &RedbStore,
    patient: &str,
    limit: usize,
) -> Result<Vec<Alert>, StoreError> {
    let txn = store.begin_read()?;
    let table = txn.open_table(tables::ALERTS)?;
    let mut rows: Vec<(u64, Vec<u8>)> = table
        .range((patient, 0u64)..=(patient, u64::MAX))?
        .rev()
        .take(limit)
        .map(|e| e.map(|(k, v)| (k.value().1, v.value().to_vec())))
        .collect::<Result<_, _>>()?;
    rows.reverse();
    open_alerts(store, patient, rows, &txn.open_table(tables::DATA_KEYS)?)
}

pub(super) fn one(store: &RedbStore, patient: &str, seq: u64) -> Result<Option<Alert>, StoreError> {
    let txn = store.begin_read()?;
    let table = txn.open_table(tables::ALERTS)?;
    let row = table.get((patient, seq))?.map(|v| v.value().to_vec());
    let rows = row.map(|b| vec![(seq, b)]).unwrap_or_default();
    Ok(open_alerts(store, patient, rows, &txn.open_table(tables::DATA_KEYS)?)?.pop())
}

pub(super) fn last(
    store: &RedbStore,
    patient: &str,
    kind: AlertKind,
) -> Result<Option<Alert>, StoreError> {
    let seq = {
        let txn = store.begin_read()?;
        let t = txn.open_table(tables::ALERT_LAST)?;
        let found = t.get((patient, kind.code()))?;
        found.map(|v| v.value())
    };
    match seq {
        Some(seq) => one(store, patient, seq),
        None => Ok(None),
    }
}

fn open_webhook(store: &RedbStore, id: &str, blob: &[u8]) -> Result<WebhookRecord, StoreError> {
    let plain = store
        .keys
        .open_secret(&webhook_aad(id), blob)
        .ok_or_else(|| StoreError::Tampered(format!("webhook {id}")))?;
    serde_json::from_slice(&plain).map_err(|e| corrupt("webhook", e))
}

fn seal_webhook(store: &RedbStore, w: &WebhookRecord) -> Result<Vec<u8>, StoreError> {
    let plain = serde_json::to_vec(w).map_err(|e| corrupt("webhook", e))?;
    store.keys.seal_secret(&webhook_aad(&w.id), &plain)
}

pub(super) fn put_webhook(store: &RedbStore, w: &WebhookRecord) -> Result<(), StoreError> {
    let sealed = seal_webhook(store, w)?;
    let txn = store.begin_write()?;
    {
        txn.open_table(tables::WEBHOOKS)?
            .insert(w.id.as_str(), sealed.as_slice())?;
        txn.open_table(tables::PATIENT_WEBHOOKS)?
            .insert((w.patient.as_str(), w.id.as_str()), ())?;
    }
    txn.commit()?;
    Ok(())
}

pub(super) fn add_webhook(
    store: &RedbStore,
    w: &WebhookRecord,
    limits: WebhookLimits,
) -> Result<bool, StoreError> {
    let sealed = seal_webhook(store, w)?;
    let txn = store.begin_write()?;
    {
        let mut index = txn.open_table(tables::PATIENT_WEBHOOKS)?;
        let mut hooks = txn.open_table(tables::WEBHOOKS)?;
        let kept = patient_webhooks(store, &index, &hooks, &w.patient)?;
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
        hooks.insert(w.id.as_str(), sealed.as_slice())?;
        index.insert((w.patient.as_str(), w.id.as_str()), ())?;
    }
    txn.commit()?;
    Ok(true)
}

pub(super) fn webhook(store: &RedbStore, id: &str) -> Result<Option<WebhookRecord>, StoreError> {
    let txn = store.begin_read()?;
    let t = txn.open_table(tables::WEBHOOKS)?;
    let found = t.get(id)?;
    found
        .map(|v| open_webhook(store, id, v.value()))
        .transpose()
}

pub(super) fn webhooks_of(
    store: &RedbStore,
    patient: &str,
) -> Result<Vec<WebhookRecord>, StoreError> {
    let txn = store.begin_read()?;
    let index = txn.open_table(tables::PATIENT_WEBHOOKS)?;
    let hooks = txn.open_table(tables::WEBHOOKS)?;
    patient_webhooks(store, &index, &hooks, patient)
}

pub(super) fn due(
    store: &RedbStore,
    now_ms: u64,
    limit: usize,
) -> Result<Vec<Delivery>, StoreError> {
    let txn = store.begin_read()?;
    let t = txn.open_table(tables::DELIVERIES)?;
    let rows = t
        .range((0u64, 0u64)..=(now_ms, u64::MAX))?
        .take(limit)
        .map(|e| {
            let (_, v) = e?;
            serde_json::from_slice(v.value()).map_err(|e| corrupt("delivery", e))
        })
        .collect::<Result<Vec<Delivery>, StoreError>>()?;
    Ok(rows)
}

pub(super) fn next_due(store: &RedbStore) -> Result<Option<u64>, StoreError> {
    let txn = store.begin_read()?;
    let t = txn.open_table(tables::DELIVERIES)?;
    if t.is_empty()? {
        return Ok(None);
    }
    let first = t.first()?.map(|(k, _)| k.value().0);
    Ok(first)
}

pub(super) fn settle(store: &RedbStore, settled: &[(Delivery, Settle)]) -> Result<(), StoreError> {
    let txn = store.begin_write()?;
    {
        let mut t = txn.open_table(tables::DELIVERIES)?;
        let mut hooks = txn.open_table(tables::WEBHOOKS)?;
        for (d, outcome) in settled {
            if t.remove((d.due_ms, d.no))?.is_none() {
                continue;
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
                t.insert((next.due_ms, next.no), bytes.as_slice())?;
            }
            let found = hooks
                .get(d.webhook_id.as_str())?
                .map(|v| v.value().to_vec());
            let Some(blob) = found else { continue };
            let mut w = open_webhook(store, &d.webhook_id, &blob)?;
            count(&mut w, d, outcome);
            hooks.insert(w.id.as_str(), seal_webhook(store, &w)?.as_slice())?;
        }
    }
    txn.commit()?;
    Ok(())
}

/// A delivery's outcome on its webhook's counts; a webhook failing [`SUSPEND_AFTER`] attempts
/// in a row, or whose owner consent refuses, is revoked.
pub(in crate::store) fn count(w: &mut WebhookRecord, d: &Delivery, outcome: &Settle) {
    match outcome {
        Settle::Delivered => {
            w.delivered = w.delivered.saturating_add(1);
            w.failures_in_a_row = 0;
            w.last_outcome = Some(format!("alert {} delivered", d.alert_seq));
        }
        Settle::Retry { why, .. } => {
            w.failures_in_a_row = w.failures_in_a_row.saturating_add(1);
            w.last_outcome = Some(format!(
                "alert {}: attempt {} failed ({why}); retrying",
                d.alert_seq,
                d.attempts.saturating_add(1)
            ));
        }
        Settle::Dropped { why } => {
            w.failed = w.failed.saturating_add(1);
            w.failures_in_a_row = w.failures_in_a_row.saturating_add(1);
            w.last_outcome = Some(format!("alert {} not delivered: {why}", d.alert_seq));
        }
        Settle::Refused { why, at } => {
            w.failed = w.failed.saturating_add(1);
            w.revoked_at.get_or_insert(*at);
            w.last_outcome = Some(format!(
                "revoked: the owner may no longer receive these alerts ({why})"
            ));
        }
    }
    if w.failures_in_a_row >= SUSPEND_AFTER && w.revoked_at.is_none() {
        w.revoked_at = Some(d.due_ms / 1000);
        w.last_outcome = Some(format!(
            "revoked after {SUSPEND_AFTER} failed attempts in a row (the last: {})",
            w.last_outcome.take().unwrap_or_default()
        ));
    }
}

pub(super) fn received_since(
    store: &RedbStore,
    since: u64,
    limit: usize,
) -> Result<Vec<StoredBatch>, StoreError> {
    let txn = store.begin_read()?;
    let batches = txn.open_table(tables::BATCHES)?;
    let mut out = Vec::new();
    for e in batches.iter()?.rev() {
        let (_, v) = e?;
        let b = tables::decode_batch(v.value())?;
        if b.received_at < since || out.len() >= limit {
            break;
        }
        out.push(b);
    }
    Ok(out)
}

/// Removes a patient's alerts (in the erasure's transaction): they hold glucose values.
pub(super) fn forget(txn: &redb::WriteTransaction, patient: &str) -> Result<(), StoreError> {
    let mut table = txn.open_table(tables::ALERTS)?;
    let seqs: Vec<u64> = table
        .range((patient, 0u64)..=(patient, u64::MAX))?
        .map(|e| e.map(|(k, _)| k.value().1))
        .collect::<Result<_, _>>()?;
    for s in seqs {
        table.remove((patient, s))?;
    }
    let mut ids = txn.open_table(tables::ALERT_IDS)?;
    let mut keys = Vec::new();
    for e in ids.range((patient, "")..)? {
        let (k, _) = e?;
        let (p, id) = k.value();
        if p != patient {
            break;
        }
        keys.push(id.to_string());
    }
    for id in keys {
        ids.remove((patient, id.as_str()))?;
    }
    let mut last = txn.open_table(tables::ALERT_LAST)?;
    for kind in AlertKind::ALL {
        last.remove((patient, kind.code()))?;
    }
    // What was owed to the patient's webhooks goes too.
    let mut deliveries = txn.open_table(tables::DELIVERIES)?;
    let mut owed = Vec::new();
    for e in deliveries.iter()? {
        let (k, v) = e?;
        let d: Delivery = serde_json::from_slice(v.value()).map_err(|e| corrupt("delivery", e))?;
        if d.patient == patient {
            owed.push(k.value());
        }
    }
    for k in owed {
        deliveries.remove(k)?;
    }
    Ok(())
}
