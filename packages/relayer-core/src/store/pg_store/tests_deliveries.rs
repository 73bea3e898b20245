//! Webhook deliveries with two relayer instances on one database: `due_deliveries` claims
//! what it returns, so the instances never get the same delivery; a claim that ran out (its
//! instance stopped renewing it) is taken over; a live heartbeat keeps it.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use diachain_relayer_fixtures::{DAY0, PATIENT};
use diachain_relayer_types::alerts::AlertKind;

use super::test_db::{fresh_database, open, options};
use super::tests_alerts::{alert, webhook};
use super::PgStore;
use crate::store::crypto::MasterKey;
use crate::store::{AlertStore, Delivery, Settle};

/// Two instances on a fresh database (`lease_a` for the first), with `alerts` alerts of the
/// patient owed to one webhook, due at `DAY0` ms.
fn two_instances(lease_a: Duration, alerts: u64) -> (PgStore, PgStore) {
    let url = fresh_database();
    let master = MasterKey::generate();
    let a = open(&url, &master, options("instance-a", lease_a));
    let b = open(
        &url,
        &master,
        options("instance-b", Duration::from_secs(30)),
    );
    a.put_webhook(&webhook("wh", PATIENT, AlertKind::ALL.to_vec()))
        .unwrap();
    let new = (0..alerts)
        .map(|i| alert(PATIENT, AlertKind::Low, DAY0 + i * 60))
        .collect();
    assert_eq!(
        a.raise_alerts(new, DAY0 * 1000).unwrap().len() as u64,
        alerts
    );
    (a, b)
}

fn numbers(ds: &[Delivery]) -> BTreeSet<u64> {
    ds.iter().map(|d| d.no).collect()
}

#[test]
#[ignore = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh"]
fn two_instances_never_get_the_same_delivery() {
    let (a, b) = two_instances(Duration::from_secs(30), 10);
    let got_a = a.due_deliveries(u64::MAX, 6).unwrap();
    assert_eq!(numbers(&got_a), (0..6).collect(), "soonest first");
    let got_b = b.due_deliveries(u64::MAX, 10).unwrap();
    assert_eq!(
        numbers(&got_b),
        (6..10).collect(),
        "only what a does not hold"
    );
    // Each instance gets its own claims again (a restarted deliverer's scan), never the other's.
    assert_eq!(
        numbers(&a.due_deliveries(u64::MAX, 10).unwrap()),
        numbers(&got_a)
    );
    assert_eq!(
        numbers(&b.due_deliveries(u64::MAX, 10).unwrap()),
        numbers(&got_b)
    );
    // Not due yet: nothing, whoever asks.
    assert!(a.due_deliveries(DAY0 * 1000 - 1, 10).unwrap().is_empty());
    // Settling ends the claim: a retry is due again for either instance.
    let retry = Settle::Retry {
        due_ms: DAY0 * 1000 + 5,
        why: "HTTP 503".into(),
        recorded: false,
    };
    a.settle_delivery(&got_a[0], &retry).unwrap();
    let again = b.due_deliveries(u64::MAX, 10).unwrap();
    assert!(again.iter().any(|d| d.no == got_a[0].no && d.attempts == 1));
    // b may not settle what a holds: the holder's outcome counts.
    b.settle_delivery(&got_a[1], &Settle::Delivered).unwrap();
    assert_eq!(a.webhook("wh").unwrap().unwrap().delivered, 0);
    a.settle_deliveries(
        &got_a[1..]
            .iter()
            .map(|d| (d.clone(), Settle::Delivered))
            .collect::<Vec<_>>(),
    )
    .unwrap();
    assert_eq!(a.webhook("wh").unwrap().unwrap().delivered, 5);
}

#[test]
#[ignore = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh"]
fn two_instances_delivering_at_once_deliver_each_alert_once() {
    let (a, b) = two_instances(Duration::from_secs(30), 60);
    let deliver = |store: &PgStore| {
        let mut mine = Vec::new();
        loop {
            let due = store.due_deliveries(u64::MAX, 4).unwrap();
            if due.is_empty() && store.next_delivery_due().unwrap().is_none() {
                return mine;
            }
            let settled: Vec<(Delivery, Settle)> =
                due.iter().map(|d| (d.clone(), Settle::Delivered)).collect();
            store.settle_deliveries(&settled).unwrap();
            mine.extend(due.into_iter().map(|d| d.no));
        }
    };
    let (da, db) = std::thread::scope(|s| {
        let ha = s.spawn(|| deliver(&a));
        let hb = s.spawn(|| deliver(&b));
        (ha.join().unwrap(), hb.join().unwrap())
    });
    let mut all: Vec<u64> = da.iter().chain(&db).copied().collect();
    all.sort_unstable();
    assert_eq!(
        all,
        (0..60).collect::<Vec<_>>(),
        "each once: a {da:?}, b {db:?}"
    );
    let w = a.webhook("wh").unwrap().unwrap();
    assert_eq!(w.delivered, 60);
}

#[test]
#[ignore = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh"]
fn a_lapsed_claim_is_taken_over_and_a_heartbeat_keeps_a_live_one() {
    let lease = Duration::from_millis(1500);
    let (a, b) = two_instances(lease, 4);
    // a claims two and stops renewing (no heartbeat: as if it died).
    let held = a.due_deliveries(u64::MAX, 2).unwrap();
    assert_eq!(held.len(), 2);
    let mine = b.due_deliveries(u64::MAX, 10).unwrap();
    assert_eq!(numbers(&mine), (2..4).collect());
    // b's next due is among its own; a's are a's while its lease lasts.
    assert_eq!(b.next_delivery_due().unwrap(), Some(DAY0 * 1000));
    let retry = Settle::Retry {
        due_ms: DAY0 * 1000 + 9,
        why: "timeout".into(),
        recorded: true,
    };
    b.settle_delivery(&mine[0], &retry).unwrap();
    std::thread::sleep(lease + Duration::from_millis(300));
    let taken = b.due_deliveries(u64::MAX, 10).unwrap();
    assert_eq!(
        numbers(&taken),
        (0..4).collect(),
        "a's lapsed claims are b's now"
    );
    assert!(taken
        .iter()
        .any(|d| d.no == mine[0].no && d.attempts == 1 && d.recorded));
    // a, come back, finds them b's: its late outcome is not counted; b's is.
    assert!(a.due_deliveries(u64::MAX, 10).unwrap().is_empty());
    a.settle_delivery(&held[0], &Settle::Delivered).unwrap();
    assert_eq!(b.webhook("wh").unwrap().unwrap().delivered, 0);
    b.settle_delivery(&held[0], &Settle::Delivered).unwrap();
    assert_eq!(b.webhook("wh").unwrap().unwrap().delivered, 1);

    // With its heartbeat running, an instance keeps its claims past the lease.
    let (a, b) = two_instances(lease, 3);
    let a = Arc::new(a);
    let beat = a.heartbeat();
    assert_eq!(a.due_deliveries(u64::MAX, 10).unwrap().len(), 3);
    std::thread::sleep(lease * 2);
    assert!(b.due_deliveries(u64::MAX, 10).unwrap().is_empty());
    assert_eq!(b.next_delivery_due().unwrap(), None, "a's to settle");
    drop(beat);
    std::thread::sleep(lease + Duration::from_millis(300));
    assert_eq!(b.due_deliveries(u64::MAX, 10).unwrap().len(), 3);
}
