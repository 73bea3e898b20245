//! Alerts on PostgreSQL, as the embedded store's tests run them (`alerts/raiser_tests.rs`):
//! the raiser on a real store, alerts kept once and numbered as the embedded store numbers
//! them, the last alert of a kind, webhook limits, and erasure; plus what several instances
//! sharing the database must not break (numbering, ids kept once, limits).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cosmwasm_std::Binary;
use diachain_relayer_fixtures as fixtures;
use diachain_relayer_fixtures::{DAY0, PATIENT};
use diachain_relayer_types::alerts::{Alert, AlertKind, AlertSettings};
use diachain_std::device::KeyAlgorithm;
use diachain_std::testing::TestKey;

use super::test_db::{fresh_database, fresh_store, open, options};
use super::PgStore;
use crate::alerts::{alert_id, AlertHub, Raiser};
use crate::store::crypto::MasterKey;
use crate::store::{
    AlertStore, BatchLookup, ErasureRecord, ErasureStore, IngestOutcome, IngestStore, NewBatch,
    OutboxMsg, Settle, WebhookLimits, WebhookRecord, SUSPEND_AFTER,
};

const DEV: &str = "cgm-alerts-1";

struct Fixture {
    store: Arc<PgStore>,
    now: Arc<AtomicU64>,
    raiser: Raiser,
}

fn fixture() -> Fixture {
    let store = Arc::new(fresh_store().expect("a test store"));
    let now = Arc::new(AtomicU64::new(DAY0 + 3600));
    let clock_now = now.clone();
    let raiser = Raiser::new(
        store.clone(),
        Arc::new(move || clock_now.load(Ordering::SeqCst)),
        Arc::new(AlertHub::default()),
    );
    Fixture { store, now, raiser }
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
            .put_webhook(&webhook(id, PATIENT, kinds))
            .unwrap();
    }
}

pub(super) fn webhook(id: &str, patient: &str, kinds: Vec<AlertKind>) -> WebhookRecord {
    WebhookRecord {
        id: id.into(),
        patient: patient.into(),
        owner: patient.into(),
        url: "https://example.org/hook".into(),
        kinds,
        secret: Binary::new(vec![1; 32]),
        created_at: DAY0,
        revoked_at: None,
        delivered: 0,
        failed: 0,
        last_outcome: None,
        failures_in_a_row: 0,
    }
}

pub(super) fn erase(store: &PgStore, patient: &str, at: u64) {
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

/// An alert as the raiser makes one (kept only by `raise_alerts`).
pub(super) fn alert(patient: &str, kind: AlertKind, at: u64) -> Alert {
    Alert {
        id: alert_id(patient, kind, at),
        seq: 0,
        patient: patient.into(),
        kind,
        at,
        device_id: Some(DEV.into()),
        value_mgdl: Some(50),
        rate_mgdl_per_min: None,
        threshold: 55,
        received_at_ms: at * 1000,
        raised_at_ms: at * 1000,
    }
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
#[ignore = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh"]
fn a_low_is_kept_once_and_queued_to_the_webhooks_that_want_it() {
    let f = fixture();
    f.webhook("wh-all", AlertKind::ALL.to_vec());
    f.webhook("wh-high", vec![AlertKind::High]);
    let t = f.now.load(Ordering::SeqCst) - 600;
    let raised = f.feed(1, t, &[80, 75, 66]);
    assert_eq!(kinds(&raised), vec![AlertKind::Low]);
    let low = &raised[0];
    assert_eq!(low.id, alert_id(PATIENT, AlertKind::Low, t + 600));
    assert_eq!((low.value_mgdl, low.threshold, low.seq), (Some(66), 70, 1));
    let due = f.store.due_deliveries(u64::MAX, 10).unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(
        (due[0].webhook_id.as_str(), due[0].alert_seq, due[0].no),
        ("wh-all", 1, 0)
    );
    // Evaluated again (a restart), nothing new is kept or queued.
    let b = f.store.find_batch(DEV, 1).unwrap().unwrap();
    assert!(f.raiser.batch(&b).unwrap().is_empty());
    f.raiser.recover().unwrap();
    assert_eq!(f.store.alerts(PATIENT, 0, 10).unwrap(), raised);
    assert_eq!(f.store.due_deliveries(u64::MAX, 10).unwrap().len(), 1);
    assert_eq!(
        f.store.last_alert(PATIENT, AlertKind::Low).unwrap(),
        Some(low.clone())
    );
    assert_eq!(f.store.alert(PATIENT, 1).unwrap(), Some(low.clone()));
    assert_eq!(f.store.alert(PATIENT, u64::MAX).unwrap(), None);
    assert!(f.store.alerts(PATIENT, u64::MAX, 10).unwrap().is_empty());
}

#[test]
#[ignore = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh"]
fn silence_raises_no_data_once_per_gap_and_the_latest_come_oldest_first() {
    let f = fixture();
    let now = f.now.load(Ordering::SeqCst);
    f.feed(1, now - 300, &[120, 121]);
    assert!(f.raiser.check_silence().unwrap().is_empty());
    f.now.store(now + 30 * 60, Ordering::SeqCst);
    let raised = f.raiser.check_silence().unwrap();
    assert_eq!(kinds(&raised), vec![AlertKind::NoData]);
    assert!(f.raiser.check_silence().unwrap().is_empty());
    f.feed(3, now + 31 * 60, &[118]);
    f.now.store(now + 61 * 60, Ordering::SeqCst);
    assert_eq!(
        kinds(&f.raiser.check_silence().unwrap()),
        vec![AlertKind::NoData]
    );
    assert_eq!(f.store.alerts(PATIENT, 0, 10).unwrap().len(), 2);
    let latest = f.store.latest_alerts(PATIENT, 1).unwrap();
    assert_eq!(latest.len(), 1);
    assert_eq!(latest[0].at, now + 31 * 60);
    let after = f.store.alerts(PATIENT, latest[0].seq - 1, 10).unwrap();
    assert_eq!(after, latest);
    let both = f.store.latest_alerts(PATIENT, 5).unwrap();
    assert!(both[0].seq < both[1].seq, "oldest first");
}

#[test]
#[ignore = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh"]
fn deliveries_settle_and_an_erasure_takes_the_alerts() {
    let f = fixture();
    f.webhook("wh-1", AlertKind::ALL.to_vec());
    let now = f.now.load(Ordering::SeqCst);
    f.feed(1, now - 300, &[100, 50]);
    let d = f.store.due_deliveries(u64::MAX, 10).unwrap().remove(0);
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
    assert_eq!((w.delivered, w.failed, w.failures_in_a_row), (1, 0, 0));
    assert!(f.store.due_deliveries(u64::MAX, 10).unwrap().is_empty());
    assert_eq!(f.store.next_delivery_due().unwrap(), None);

    no_snooze(&f);
    f.feed(3, now - 60, &[120, 40]);
    assert_eq!(f.store.due_deliveries(u64::MAX, 10).unwrap().len(), 1);
    let late = f.store.alerts(PATIENT, 0, 10).unwrap().pop().unwrap();
    erase(&f.store, PATIENT, now);
    assert!(f.store.due_deliveries(u64::MAX, 10).unwrap().is_empty());
    let again = Alert {
        id: alert_id(PATIENT, AlertKind::Low, now - 1),
        at: now - 1,
        ..late.clone()
    };
    assert!(f.store.raise_alerts(vec![again], 0).unwrap().is_empty());
    assert!(f.store.alerts(PATIENT, 0, 10).unwrap().is_empty());
    assert!(f
        .store
        .last_alert(PATIENT, AlertKind::UrgentLow)
        .unwrap()
        .is_none());
    // An alert after the erasure is kept, numbered after every earlier one (numbers never start
    // again: a stream resuming after `late` misses nothing).
    let after = alert(PATIENT, AlertKind::Low, now + 1);
    let kept = f.store.raise_alerts(vec![after], 0).unwrap();
    assert_eq!(kept.len(), 1);
    assert!(kept[0].seq > late.seq, "{} > {}", kept[0].seq, late.seq);
    assert_eq!(f.store.alerts(PATIENT, late.seq, 10).unwrap(), kept);
}

#[test]
#[ignore = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh"]
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
    let w = f.store.webhook("wh-bad").unwrap().unwrap();
    assert_eq!((w.failures_in_a_row, w.delivered), (0, 1));
    f.feed(3, now - 60, &[120, 45]);
    for _ in 0..SUSPEND_AFTER {
        let d = f.store.due_deliveries(u64::MAX, 1).unwrap().remove(0);
        f.store.settle_delivery(&d, &retry(&d)).unwrap();
    }
    let w = f.store.webhook("wh-bad").unwrap().unwrap();
    assert!(w.revoked_at.is_some(), "{w:?}");
    assert!(w.last_outcome.unwrap().contains("in a row"));
    let before = f.store.due_deliveries(u64::MAX, 100).unwrap().len();
    f.now.store(now + 3600, Ordering::SeqCst);
    f.feed(5, now + 3000, &[120, 44]);
    assert_eq!(f.store.due_deliveries(u64::MAX, 100).unwrap().len(), before);
    // Dropped and refused count as failures; refused revokes.
    f.webhook("wh-2", AlertKind::ALL.to_vec());
    let kept = f
        .store
        .raise_alerts(vec![alert(PATIENT, AlertKind::Low, now + 4000)], 7)
        .unwrap();
    assert_eq!(kept.len(), 1);
    let d = f.store.due_deliveries(7, 10).unwrap();
    assert_eq!(d.len(), 1, "only the live webhook is owed it");
    let refused = Settle::Refused {
        why: "no grant".into(),
        at: now + 4001,
    };
    f.store.settle_delivery(&d[0], &refused).unwrap();
    let w = f.store.webhook("wh-2").unwrap().unwrap();
    assert_eq!((w.failed, w.revoked_at), (1, Some(now + 4001)));
}

#[test]
#[ignore = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh"]
fn alerts_are_numbered_across_patients_kept_once_and_the_last_of_a_kind_is_found() {
    let store = fresh_store().expect("a test store");
    let other = "wasm1other";
    let t = DAY0 + 600;
    let batch = vec![
        alert(PATIENT, AlertKind::Low, t),
        alert(other, AlertKind::Low, t),
        alert(PATIENT, AlertKind::High, t + 60),
        // The same id twice in one call, and again later: kept once.
        alert(PATIENT, AlertKind::Low, t),
        alert(PATIENT, AlertKind::Low, t + 120),
    ];
    let kept = store.raise_alerts(batch.clone(), 0).unwrap();
    let seqs: Vec<u64> = kept.iter().map(|a| a.seq).collect();
    assert_eq!(seqs, [1, 2, 3, 4], "one numbering, in the order raised");
    assert!(store.raise_alerts(batch, 0).unwrap().is_empty());
    let mine: Vec<u64> = store
        .alerts(PATIENT, 0, 10)
        .unwrap()
        .iter()
        .map(|a| a.seq)
        .collect();
    assert_eq!(mine, [1, 3, 4]);
    assert_eq!(store.alerts(PATIENT, 1, 1).unwrap()[0].seq, 3, "limit");
    assert_eq!(store.alert(PATIENT, 2).unwrap(), None, "another's number");
    assert_eq!(store.alert(other, 2).unwrap().unwrap().patient, other);
    let last_low = store.last_alert(PATIENT, AlertKind::Low).unwrap().unwrap();
    assert_eq!((last_low.seq, last_low.at), (4, t + 120));
    assert_eq!(
        store
            .last_alert(PATIENT, AlertKind::High)
            .unwrap()
            .unwrap()
            .seq,
        3
    );
    assert!(store
        .last_alert(PATIENT, AlertKind::NoData)
        .unwrap()
        .is_none());
    assert_eq!(store.alert_settings(PATIENT).unwrap(), None);
    let s = AlertSettings {
        snooze_minutes: 5,
        ..AlertSettings::default()
    };
    store.put_alert_settings(PATIENT, &s).unwrap();
    assert_eq!(store.alert_settings(PATIENT).unwrap(), Some(s));
}

#[test]
#[ignore = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh"]
fn two_instances_raising_the_same_alerts_keep_each_once_in_order() {
    let url = fresh_database();
    let master = MasterKey::generate();
    let a = open(&url, &master, options("a", Duration::from_secs(30)));
    let b = open(&url, &master, options("b", Duration::from_secs(30)));
    a.put_webhook(&webhook("wh", PATIENT, AlertKind::ALL.to_vec()))
        .unwrap();
    let alerts: Vec<Alert> = (0..40)
        .map(|i| alert(PATIENT, AlertKind::Low, DAY0 + i * 60))
        .collect();
    let (ka, kb) = std::thread::scope(|s| {
        let ha = s.spawn(|| {
            alerts
                .chunks(4)
                .flat_map(|c| a.raise_alerts(c.to_vec(), 0).unwrap())
                .collect::<Vec<_>>()
        });
        let hb = s.spawn(|| {
            alerts
                .chunks(3)
                .flat_map(|c| b.raise_alerts(c.to_vec(), 0).unwrap())
                .collect::<Vec<_>>()
        });
        (ha.join().unwrap(), hb.join().unwrap())
    });
    assert_eq!(ka.len() + kb.len(), 40, "each alert kept by one instance");
    let kept = a.alerts(PATIENT, 0, 100).unwrap();
    assert_eq!(kept.len(), 40);
    let mut ids: Vec<&str> = kept.iter().map(|x| x.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 40);
    assert_eq!(a.due_deliveries(u64::MAX, 100).unwrap().len(), 40);
}

fn hook_of(id: &str, owner: &str) -> WebhookRecord {
    WebhookRecord {
        owner: owner.into(),
        ..webhook(id, PATIENT, vec![AlertKind::Low])
    }
}

#[test]
#[ignore = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh"]
fn add_webhook_keeps_the_limits_even_with_two_instances_adding_at_once() {
    let url = fresh_database();
    let master = MasterKey::generate();
    let a = open(&url, &master, options("a", Duration::from_secs(30)));
    let b = open(&url, &master, options("b", Duration::from_secs(30)));
    let limits = WebhookLimits {
        live_per_owner: 2,
        live_per_patient: 3,
        kept_per_patient: 4,
    };
    assert!(a.add_webhook(&hook_of("w1", "alice"), limits).unwrap());
    assert!(a.add_webhook(&hook_of("w2", "alice"), limits).unwrap());
    assert!(
        !a.add_webhook(&hook_of("w3", "alice"), limits).unwrap(),
        "per owner"
    );
    assert!(a.add_webhook(&hook_of("w3", "bob"), limits).unwrap());
    assert!(
        !a.add_webhook(&hook_of("w4", "carol"), limits).unwrap(),
        "live per patient"
    );
    let mut revoked = a.webhook("w1").unwrap().unwrap();
    revoked.revoked_at = Some(DAY0);
    a.put_webhook(&revoked).unwrap();
    assert!(a.add_webhook(&hook_of("w4", "carol"), limits).unwrap());
    let mut revoked = a.webhook("w4").unwrap().unwrap();
    revoked.revoked_at = Some(DAY0);
    a.put_webhook(&revoked).unwrap();
    assert!(
        !a.add_webhook(&hook_of("w5", "dave"), limits).unwrap(),
        "kept per patient"
    );
    let ids: Vec<String> = a
        .webhooks_of(PATIENT)
        .unwrap()
        .into_iter()
        .map(|w| w.id)
        .collect();
    assert_eq!(ids, ["w1", "w2", "w3", "w4"]);
    assert!(a.webhooks_of("wasm1other").unwrap().is_empty());

    // Two instances adding many at once: never more than the limit.
    let other = "wasm1racing";
    let limits = WebhookLimits {
        live_per_owner: 100,
        live_per_patient: 5,
        kept_per_patient: 100,
    };
    let run = |store: &PgStore, tag: &'static str| {
        (0..10)
            .filter(|i| {
                let w = webhook(&format!("{tag}{i}"), other, vec![AlertKind::Low]);
                store.add_webhook(&w, limits).unwrap()
            })
            .count()
    };
    let added = std::thread::scope(|s| {
        let ha = s.spawn(|| run(&a, "a"));
        let hb = s.spawn(|| run(&b, "b"));
        ha.join().unwrap() + hb.join().unwrap()
    });
    assert_eq!(added, 5);
    assert_eq!(b.webhooks_of(other).unwrap().len(), 5);
}

#[test]
#[ignore = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh"]
fn webhooks_are_sealed_and_a_swapped_record_fails_authentication() {
    let url = fresh_database();
    let store = open(
        &url,
        &MasterKey::generate(),
        options("a", Duration::from_secs(30)),
    );
    let mut w = webhook("wh-x", PATIENT, vec![AlertKind::Low]);
    w.secret = Binary::new(b"a-very-secret-hmac-key-0123456789".to_vec());
    store.put_webhook(&w).unwrap();
    store
        .put_webhook(&webhook("wh-y", PATIENT, vec![AlertKind::High]))
        .unwrap();
    assert_eq!(store.webhook("wh-x").unwrap(), Some(w));
    let mut db = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let leaked: i64 = db
        .query_one(
            "SELECT count(*) FROM webhooks WHERE position('very-secret'::bytea in sealed) > 0
                 OR position('example.org'::bytea in sealed) > 0",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(leaked, 0, "the secret and the URL are sealed");
    db.execute(
        "UPDATE webhooks SET sealed = (SELECT sealed FROM webhooks WHERE id = 'wh-y')
         WHERE id = 'wh-x'",
        &[],
    )
    .unwrap();
    assert!(matches!(
        store.webhook("wh-x"),
        Err(crate::store::StoreError::Tampered(_))
    ));
}
