//! The raiser on a real store: alerts kept once, deliveries queued to the webhooks that want
//! them, history across batches, snoozing, freshness, silence, erasure.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use cosmwasm_std::Binary;
use diachain_relayer_fixtures as fixtures;
use diachain_relayer_fixtures::{DAY0, PATIENT};
use diachain_relayer_types::alerts::{AlertKind, AlertSettings};
use diachain_std::device::KeyAlgorithm;
use diachain_std::testing::TestKey;

use super::*;
use crate::store::crypto::MasterKey;
use crate::store::{
    AlertStore, BatchLookup, ErasureRecord, ErasureStore, IngestOutcome, IngestStore, NewBatch,
    OutboxMsg, RedbStore, RedbStoreOptions, Settle, WebhookRecord,
};

const DEV: &str = "cgm-alerts-1";

struct Fixture {
    _dir: tempfile::TempDir,
    store: Arc<RedbStore>,
    now: Arc<AtomicU64>,
    raiser: Raiser,
    hub: Arc<AlertHub>,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(
        RedbStore::open(
            &dir.path().join("s.redb"),
            &MasterKey::generate(),
            RedbStoreOptions::default(),
        )
        .unwrap(),
    );
    let now = Arc::new(AtomicU64::new(DAY0 + 3600));
    let clock_now = now.clone();
    let hub = Arc::new(AlertHub::default());
    let raiser = Raiser::new(
        store.clone(),
        Arc::new(move || clock_now.load(Ordering::SeqCst)),
        hub.clone(),
    );
    Fixture {
        _dir: dir,
        store,
        now,
        raiser,
        hub,
    }
}

impl Fixture {
    /// Stores a batch of 5-minute glucose `values` (mg/dL) from `first_time` and evaluates it.
    fn feed(&self, first_seq: u64, first_time: u64, values: &[u16]) -> Vec<Alert> {
        let key = TestKey::new(KeyAlgorithm::Ed25519, 0x21);
        let b = fixtures::batch(&key, DEV, first_seq, values.len() as u32, first_time);
        let mut readings = b.readings;
        for (r, v) in readings.iter_mut().zip(values) {
            r.value = i64::from(*v) * 1000;
        }
        let nb = NewBatch {
            header: b.header,
            signature: b.signature.as_slice().try_into().unwrap(),
            patient: PATIENT.to_string(),
            readings,
            received_at: first_time,
            received_at_ms: first_time * 1000,
            min_interval_seconds: 0,
            backfill: false,
            millis: Vec::new(),
        };
        let stored = match self.store.ingest(&[nb]).unwrap().remove(0) {
            IngestOutcome::Stored(b) => b,
            other => panic!("not stored: {other:?}"),
        };
        self.raiser.batch(&stored).unwrap()
    }

    fn webhook(&self, id: &str, kinds: Vec<AlertKind>) {
        self.store
            .put_webhook(&WebhookRecord {
                id: id.into(),
                patient: PATIENT.into(),
                owner: PATIENT.into(),
                url: "https://example.org/hook".into(),
                kinds,
                secret: Binary::new(vec![1; 32]),
                created_at: DAY0,
                revoked_at: None,
                delivered: 0,
                failed: 0,
                last_outcome: None,
                failures_in_a_row: 0,
            })
            .unwrap();
    }
}

fn erase(store: &RedbStore, patient: &str, at: u64) {
    let hash = Binary::new(vec![7; 32]);
    let record = ErasureRecord {
        patient: patient.into(),
        requested_by: patient.into(),
        request: "r".into(),
        public_key: "AA==".into(),
        signature: "AA==".into(),
        request_hash: hash.clone(),
        requested_at: at,
        erased_at: at,
        batches: 0,
        readings: 0,
        outbox_id: 0,
    };
    let msg = OutboxMsg::Erasure {
        patient: patient.into(),
        request_hash: hash,
        requested_at: at,
    };
    store.erase_patient(record, msg).unwrap();
}

fn no_snooze(f: &Fixture) {
    let s = AlertSettings {
        snooze_minutes: 0,
        ..AlertSettings::default()
    };
    f.store.put_alert_settings(PATIENT, &s).unwrap();
}

fn kinds(alerts: &[Alert]) -> Vec<AlertKind> {
    alerts.iter().map(|a| a.kind).collect()
}

#[test]
fn a_low_is_kept_once_published_and_queued_to_the_webhooks_that_want_it() {
    let f = fixture();
    f.webhook("wh-all", AlertKind::ALL.to_vec());
    f.webhook("wh-high", vec![AlertKind::High]);
    let mut events = f.hub.subscribe();
    let t = f.now.load(Ordering::SeqCst) - 600;
    let raised = f.feed(1, t, &[80, 75, 66]);
    assert_eq!(kinds(&raised), vec![AlertKind::Low]);
    let low = &raised[0];
    assert_eq!(low.id, alert_id(PATIENT, AlertKind::Low, t + 600));
    assert_eq!((low.value_mgdl, low.threshold, low.seq), (Some(66), 70, 1));
    assert_eq!(low.device_id.as_deref(), Some(DEV));
    // The stream hears the reading, then the alert.
    assert!(matches!(events.try_recv().unwrap(), HubEvent::Reading(r) if r.count == 3));
    assert!(matches!(events.try_recv().unwrap(), HubEvent::Alert(a) if a.id == low.id));
    // One delivery, to the webhook that wants lows.
    let due = f.store.due_deliveries(u64::MAX, 10).unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(
        (due[0].webhook_id.as_str(), due[0].alert_seq),
        ("wh-all", 1)
    );
    // Evaluated again (a restart), nothing new is kept or queued.
    let b = f.store.find_batch(DEV, 1).unwrap().unwrap();
    assert!(f.raiser.batch(&b).unwrap().is_empty());
    f.raiser.recover().unwrap();
    assert_eq!(f.store.alerts(PATIENT, 0, 10).unwrap().len(), 1);
    assert_eq!(f.store.due_deliveries(u64::MAX, 10).unwrap().len(), 1);
}

#[test]
fn an_episode_continuing_in_the_next_batch_raises_nothing_more() {
    let f = fixture();
    let t = f.now.load(Ordering::SeqCst) - 900;
    assert_eq!(kinds(&f.feed(1, t, &[80, 60])), vec![AlertKind::Low]);
    // Still low five minutes later, then urgently low.
    assert!(f.feed(3, t + 600, &[58]).is_empty());
    assert_eq!(
        kinds(&f.feed(4, t + 900, &[50])),
        vec![AlertKind::UrgentLow]
    );
}

#[test]
fn a_second_low_within_the_snooze_is_left_out_and_after_it_raised() {
    let f = fixture();
    let base = f.now.load(Ordering::SeqCst);
    assert_eq!(
        kinds(&f.feed(1, base - 600, &[80, 65])),
        vec![AlertKind::Low]
    );
    // Back in range and low again 15 minutes after the first low: snoozed (30 minutes).
    f.now.store(base + 900, Ordering::SeqCst);
    assert!(f.feed(3, base + 300, &[90, 64]).is_empty());
    // 35 minutes after the first: raised.
    f.now.store(base + 2100, Ordering::SeqCst);
    assert_eq!(
        kinds(&f.feed(5, base + 1800, &[95, 63])),
        vec![AlertKind::Low]
    );
    // With the snooze at 0, every new episode alerts.
    f.store
        .put_alert_settings(
            PATIENT,
            &AlertSettings {
                snooze_minutes: 0,
                ..AlertSettings::default()
            },
        )
        .unwrap();
    f.now.store(base + 2700, Ordering::SeqCst);
    assert_eq!(
        kinds(&f.feed(7, base + 2400, &[90, 62])),
        vec![AlertKind::Low]
    );
}

#[test]
fn old_readings_raise_nothing_and_settings_turn_alerts_off() {
    let f = fixture();
    let now = f.now.load(Ordering::SeqCst);
    assert!(f.feed(1, now - 3600, &[40, 40]).is_empty());
    f.store
        .put_alert_settings(
            PATIENT,
            &AlertSettings {
                high_mgdl: None,
                ..AlertSettings::default()
            },
        )
        .unwrap();
    assert!(f.feed(3, now - 300, &[300, 320]).is_empty());
}

#[test]
fn silence_raises_no_data_once_per_gap() {
    let f = fixture();
    let now = f.now.load(Ordering::SeqCst);
    f.feed(1, now - 300, &[120, 121]);
    assert!(f.raiser.check_silence().unwrap().is_empty());
    f.now.store(now + 30 * 60, Ordering::SeqCst);
    let raised = f.raiser.check_silence().unwrap();
    assert_eq!(kinds(&raised), vec![AlertKind::NoData]);
    assert_eq!((raised[0].at, raised[0].threshold), (now, 30));
    assert!(f.raiser.check_silence().unwrap().is_empty());
    // New data, then silence again: a new alert.
    f.feed(3, now + 31 * 60, &[118]);
    f.now.store(now + 61 * 60, Ordering::SeqCst);
    assert_eq!(
        kinds(&f.raiser.check_silence().unwrap()),
        vec![AlertKind::NoData]
    );
    // After a restart the same silence is not raised again.
    let again = Raiser::new(f.store.clone(), f.raiser.chain_clock.clone(), f.hub.clone());
    again.recover().unwrap();
    assert!(again.check_silence().unwrap().is_empty());
    assert_eq!(f.store.alerts(PATIENT, 0, 10).unwrap().len(), 2);
    // The latest first-of-two, oldest first; after the first, the second.
    let latest = f.store.latest_alerts(PATIENT, 1).unwrap();
    assert_eq!(latest.len(), 1);
    assert_eq!(latest[0].at, now + 31 * 60);
    let after = f.store.alerts(PATIENT, latest[0].seq - 1, 10).unwrap();
    assert_eq!(after, latest);
}

#[test]
fn deliveries_settle_and_an_erasure_takes_the_alerts() {
    let f = fixture();
    f.webhook("wh-1", AlertKind::ALL.to_vec());
    let now = f.now.load(Ordering::SeqCst);
    f.feed(1, now - 300, &[100, 50]);
    let d = f.store.due_deliveries(u64::MAX, 10).unwrap().remove(0);
    // Not yet due before its time.
    assert!(f.store.due_deliveries(d.due_ms - 1, 10).unwrap().is_empty());
    let retry = Settle::Retry {
        due_ms: d.due_ms + 2_000,
        why: "HTTP 500".into(),
        recorded: false,
    };
    f.store.settle_delivery(&d, &retry).unwrap();
    let d2 = f.store.due_deliveries(u64::MAX, 10).unwrap().remove(0);
    assert_eq!((d2.attempts, d2.due_ms), (1, d.due_ms + 2_000));
    assert_eq!(f.store.next_delivery_due().unwrap(), Some(d.due_ms + 2_000));
    // Settling the old one again changes nothing.
    f.store.settle_delivery(&d, &Settle::Delivered).unwrap();
    assert_eq!(f.store.webhook("wh-1").unwrap().unwrap().delivered, 0);
    f.store.settle_delivery(&d2, &Settle::Delivered).unwrap();
    let w = f.store.webhook("wh-1").unwrap().unwrap();
    assert_eq!((w.delivered, w.failed), (1, 0));
    assert!(f.store.due_deliveries(u64::MAX, 10).unwrap().is_empty());
    assert_eq!(f.store.next_delivery_due().unwrap(), None);

    // A low owed to the webhook, then the erasure: the alerts and what was owed go, and an alert
    // raised from the erased readings afterwards (a raiser that read them just before) is not kept.
    no_snooze(&f);
    f.feed(3, now - 60, &[120, 40]);
    assert_eq!(f.store.due_deliveries(u64::MAX, 10).unwrap().len(), 1);
    let late = f.store.alerts(PATIENT, 0, 10).unwrap().pop().unwrap();
    erase(&f.store, PATIENT, now);
    assert!(f.store.due_deliveries(u64::MAX, 10).unwrap().is_empty());
    let again = Alert {
        id: alert_id(PATIENT, AlertKind::Low, now - 1),
        at: now - 1,
        ..late
    };
    assert!(f.store.raise_alerts(vec![again], 0).unwrap().is_empty());

    assert!(f.store.alerts(PATIENT, 0, 10).unwrap().is_empty());
    assert!(f
        .store
        .last_alert(PATIENT, AlertKind::UrgentLow)
        .unwrap()
        .is_none());
}

#[test]
fn an_erased_batch_holds_up_neither_the_others_nor_recovery() {
    let f = fixture();
    let now = f.now.load(Ordering::SeqCst);
    let key = TestKey::new(KeyAlgorithm::Ed25519, 0x22);
    let store_one = |patient: &str, device: &str, v: u16| {
        let b = fixtures::batch(&key, device, 1, 1, now - 60);
        let mut readings = b.readings;
        readings[0].value = i64::from(v) * 1000;
        let nb = NewBatch {
            header: b.header,
            signature: b.signature.as_slice().try_into().unwrap(),
            patient: patient.to_string(),
            readings,
            received_at: now,
            received_at_ms: now * 1000,
            min_interval_seconds: 0,
            backfill: false,
            millis: Vec::new(),
        };
        match f.store.ingest(&[nb]).unwrap().remove(0) {
            IngestOutcome::Stored(b) => b,
            other => panic!("not stored: {other:?}"),
        }
    };
    let other = "wasm1other";
    let erased = store_one(PATIENT, "cgm-erased", 50);
    let kept = store_one(other, "cgm-other", 50);
    erase(&f.store, PATIENT, now);
    let raised = f.raiser.batches(&[erased, kept]).unwrap();
    assert_eq!(raised.len(), 1);
    assert_eq!(raised[0].patient, other);
    f.raiser.recover().unwrap();
}

#[test]
fn a_webhook_failing_fifty_times_in_a_row_is_revoked_and_a_delivery_resets_the_count() {
    let f = fixture();
    no_snooze(&f);
    f.webhook("wh-bad", AlertKind::ALL.to_vec());
    let now = f.now.load(Ordering::SeqCst);
    f.feed(1, now - 300, &[100, 50]);
    let retry = |d: &crate::store::Delivery| Settle::Retry {
        due_ms: d.due_ms + 1,
        why: "HTTP 500".into(),
        recorded: false,
    };
    let d = f.store.due_deliveries(u64::MAX, 1).unwrap().remove(0);
    f.store.settle_delivery(&d, &retry(&d)).unwrap();
    let d = f.store.due_deliveries(u64::MAX, 1).unwrap().remove(0);
    f.store.settle_delivery(&d, &Settle::Delivered).unwrap();
    assert_eq!(
        f.store
            .webhook("wh-bad")
            .unwrap()
            .unwrap()
            .failures_in_a_row,
        0
    );
    f.feed(3, now - 60, &[120, 45]);
    for _ in 0..crate::store::SUSPEND_AFTER {
        let d = f.store.due_deliveries(u64::MAX, 1).unwrap().remove(0);
        f.store.settle_delivery(&d, &retry(&d)).unwrap();
    }
    let w = f.store.webhook("wh-bad").unwrap().unwrap();
    assert!(w.revoked_at.is_some(), "{w:?}");
    assert!(w.last_outcome.unwrap().contains("in a row"));
    // A revoked webhook is owed nothing new.
    let before = f.store.due_deliveries(u64::MAX, 100).unwrap().len();
    f.now.store(now + 3600, Ordering::SeqCst);
    f.feed(5, now + 3000, &[120, 44]);
    assert_eq!(f.store.due_deliveries(u64::MAX, 100).unwrap().len(), before);
}
