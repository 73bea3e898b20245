//! Core roles on PostgreSQL beyond `tests.rs`, as the embedded store's tests run them
//! (`redb_store/tests.rs`, `redb_store/data_tests.rs`): identical readings of two patients
//! sealed apart and no salt in the clear, a blob moved to another patient's device and wrapped
//! keys swapped between patients detected, a patient's batches by the time any reading spans,
//! the outbox's states across a restart.

use std::time::Duration;

use diachain_std::DataScope;

use super::codec::key;
use super::test_db::{fresh_database, open, options};
use super::PgStore;
use crate::store::crypto::MasterKey;
use crate::store::test_support::{new_batch, stored, DEV, DEV2, OTHER_PATIENT};
use crate::store::{
    BatchLookup, DataStore, IngestStore, OutboxMsg, OutboxState, OutboxStore, StoreError,
};
use diachain_relayer_fixtures::{DAY0, PATIENT};

const SPAN: u64 = 11 * 300;

/// A store on a fresh database: (its URL, its master key, the store).
fn temp_store() -> (String, MasterKey, PgStore) {
    let url = fresh_database();
    let master = MasterKey::generate();
    let store = reopen(&url, &master);
    (url, master, store)
}

fn reopen(url: &str, master: &MasterKey) -> PgStore {
    open(
        url,
        master,
        options("test-instance", Duration::from_secs(30)),
    )
}

fn db(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).unwrap()
}

fn blob(url: &str, device: &str, seq: u64) -> Vec<u8> {
    db(url)
        .query_one(
            "SELECT r.sealed FROM readings r JOIN batches b ON b.id = r.batch_id
             WHERE b.device_id = $1 AND r.seq = $2",
            &[&device, &key(seq)],
        )
        .unwrap()
        .get(0)
}

fn put_blob(url: &str, device: &str, seq: u64, bytes: &[u8]) {
    let n = db(url)
        .execute(
            "UPDATE readings r SET sealed = $3 FROM batches b
             WHERE b.id = r.batch_id AND b.device_id = $1 AND r.seq = $2",
            &[&device, &key(seq), &bytes],
        )
        .unwrap();
    assert_eq!(n, 1);
}

#[test]
#[ignore = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh"]
fn the_database_holds_no_reading_salt_or_plaintext_and_patients_differ() {
    let (url, _master, store) = temp_store();
    let mine = new_batch(DEV, PATIENT, 1, DAY0);
    let mut other = new_batch(DEV2, OTHER_PATIENT, 1, DAY0);
    other.readings[0].salt = mine.readings[0].salt;
    store.ingest(&[mine.clone(), other]).unwrap();
    assert_ne!(blob(&url, DEV, 1)[25..], blob(&url, DEV2, 1)[25..]);
    let mut c = db(&url);
    for r in &mine.readings {
        let plain = r.encode().unwrap();
        for needle in [plain.as_slice(), r.salt.as_slice()] {
            let n: i64 = c
                .query_one(
                    "SELECT (SELECT count(*) FROM readings WHERE position($1::bytea in sealed) > 0)
                          + (SELECT count(*) FROM batches WHERE position($1::bytea in record) > 0)",
                    &[&needle],
                )
                .unwrap()
                .get(0);
            assert_eq!(n, 0, "reading {} or its salt in the clear", r.seq);
        }
    }
}

#[test]
#[ignore = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh"]
fn a_reading_blob_moved_to_another_patients_device_fails_authentication() {
    let (url, _master, store) = temp_store();
    store
        .ingest(&[
            new_batch(DEV, PATIENT, 1, DAY0),
            new_batch(DEV2, OTHER_PATIENT, 1, DAY0),
        ])
        .unwrap();
    put_blob(&url, DEV2, 3, &blob(&url, DEV, 3));
    let theirs = store.find_batch(DEV2, 3).unwrap().unwrap();
    let err = store
        .readings(&theirs)
        .expect_err("a moved blob is detected");
    assert!(
        matches!(err, StoreError::Tampered(ref what) if what.contains(&format!("{DEV2}/3"))),
        "{err}"
    );
    let mine = store.find_batch(DEV, 3).unwrap().unwrap();
    assert_eq!(
        store.readings(&mine).unwrap().len(),
        12,
        "the original still opens"
    );
}

#[test]
#[ignore = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh"]
fn wrapped_data_keys_swapped_between_patients_fail_authentication() {
    let (url, master, store) = temp_store();
    store
        .ingest(&[
            new_batch(DEV, PATIENT, 1, DAY0),
            new_batch(DEV2, OTHER_PATIENT, 1, DAY0),
        ])
        .unwrap();
    drop(store);
    db(&url)
        .batch_execute(&format!(
            "UPDATE data_keys SET patient = 'swap' WHERE patient = '{PATIENT}';
             UPDATE data_keys SET patient = '{PATIENT}' WHERE patient = '{OTHER_PATIENT}';
             UPDATE data_keys SET patient = '{OTHER_PATIENT}' WHERE patient = 'swap';"
        ))
        .unwrap();
    let store = reopen(&url, &master);
    let batch = store.find_batch(DEV, 1).unwrap().unwrap();
    let err = store
        .readings(&batch)
        .expect_err("a swapped data key is detected");
    assert!(
        matches!(err, StoreError::Tampered(ref w) if w.contains("data key")),
        "{err}"
    );
}

#[test]
#[ignore = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh"]
fn a_patients_batches_come_by_measurement_time_and_only_theirs() {
    let (_url, _master, store) = temp_store();
    let a = stored(&store.ingest(&[new_batch(DEV, PATIENT, 1, DAY0)]).unwrap()[0]);
    let b = stored(
        &store
            .ingest(&[new_batch(DEV, PATIENT, 13, DAY0 + 3_600)])
            .unwrap()[0],
    );
    let c = stored(
        &store
            .ingest(&[new_batch(DEV2, PATIENT, 1, DAY0 + 600)])
            .unwrap()[0],
    );
    store
        .ingest(&[new_batch(DEV, OTHER_PATIENT, 100, DAY0 + 7_200)])
        .unwrap();
    let ids = |from, to, limit| -> Vec<u64> {
        store
            .patient_batches(PATIENT, from, to, limit)
            .unwrap()
            .iter()
            .map(|b| b.id)
            .collect()
    };
    assert_eq!(ids(DAY0, DAY0 + 86_399, 100), [a, c, b]);
    assert_eq!(ids(DAY0 + SPAN, DAY0 + SPAN, 100), [a, c]);
    assert_eq!(ids(DAY0 + SPAN + 1, DAY0 + 3_599, 100), [c]);
    assert_eq!(ids(DAY0, DAY0 + 86_399, 2), [a, c]);
    assert!(ids(DAY0 + 86_400, u64::MAX, 100).is_empty());
    assert!(ids(0, DAY0 - 1, 100).is_empty());
    assert!(store
        .patient_batches("wasm1nobody", 0, u64::MAX, 100)
        .unwrap()
        .is_empty());
}

fn access(n: u64) -> OutboxMsg {
    OutboxMsg::Access {
        patient: PATIENT.into(),
        grantee: OTHER_PATIENT.into(),
        scope: DataScope::Glucose,
        data_from: n,
        data_to: n + 1,
        grant_id: 1,
        served_at_ns: DAY0 * 1_000_000_000,
    }
}

#[test]
#[ignore = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh"]
fn outbox_items_move_between_queues_and_survive_a_restart() {
    let (url, master, store) = temp_store();
    let ids = store
        .enqueue(&[access(1), access(2), access(3)], DAY0)
        .unwrap();
    assert_eq!(ids, [1, 2, 3]);
    let flight = OutboxState::InFlight {
        tx_hash: "AB".into(),
        timeout_height: 9,
    };
    store.set_outbox_state(&ids[..2], &flight).unwrap();
    assert_eq!(store.outbox_counts().unwrap(), (1, 2));
    drop(store);
    let store = reopen(&url, &master);
    let in_flight = store.outbox(true, 10).unwrap();
    assert_eq!(in_flight.iter().map(|i| i.id).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(in_flight[0].state, flight);
    let recorded = OutboxState::Recorded {
        tx_hash: "AB".into(),
        height: 8,
    };
    store.set_outbox_state(&[1], &recorded).unwrap();
    store.set_outbox_state(&[2], &OutboxState::Queued).unwrap();
    assert_eq!(store.outbox_counts().unwrap(), (2, 0));
    assert_eq!(store.outbox_item(1).unwrap().unwrap().state, recorded);
    assert_eq!(
        store
            .outbox(false, 10)
            .unwrap()
            .iter()
            .map(|i| i.id)
            .collect::<Vec<_>>(),
        [2, 3]
    );
    assert!(matches!(
        store.set_outbox_state(&[99], &OutboxState::Queued),
        Err(StoreError::UnknownOutboxItem(99))
    ));
    assert_eq!(store.enqueue(&[access(4)], DAY0).unwrap(), [4]);
}

#[test]
#[ignore = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh"]
fn a_deadlock_is_run_again_and_both_transactions_commit_and_errors_name_their_sqlstate() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Barrier};

    let (_, _, store) = temp_store();
    store
        .with_tx(|tx| {
            tx.batch_execute(
                "CREATE TABLE t (k int PRIMARY KEY, v int NOT NULL DEFAULT 0);
                 INSERT INTO t (k) VALUES (1), (2)",
            )?;
            Ok(())
        })
        .unwrap();
    // Two transactions each lock one row, meet, then want the other's: PostgreSQL aborts one
    // with deadlock_detected (40P01), which is run again from the start and commits.
    let store = Arc::new(store);
    let met = Arc::new(Barrier::new(2));
    let runs = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = [(1, 2), (2, 1)]
        .into_iter()
        .map(|(first, second)| {
            let (store, met, runs) = (store.clone(), met.clone(), runs.clone());
            let first_run = AtomicUsize::new(0);
            std::thread::spawn(move || {
                store.with_tx(|tx| {
                    runs.fetch_add(1, Ordering::SeqCst);
                    tx.execute("UPDATE t SET v = v + 1 WHERE k = $1", &[&first])?;
                    if first_run.fetch_add(1, Ordering::SeqCst) == 0 {
                        met.wait();
                    }
                    tx.execute("UPDATE t SET v = v + 1 WHERE k = $1", &[&second])?;
                    Ok(())
                })
            })
        })
        .collect();
    for t in threads {
        t.join()
            .expect("thread")
            .expect("committed, after a retry for one of them");
    }
    assert_eq!(runs.load(Ordering::SeqCst), 3, "one of the two ran twice");
    let totals: Vec<i32> = store
        .with_snapshot(|tx| {
            Ok(tx
                .query("SELECT v FROM t ORDER BY k", &[])?
                .iter()
                .map(|r| r.get(0))
                .collect())
        })
        .unwrap();
    assert_eq!(totals, [2, 2], "each transaction's two updates, once");
    // Any other error names its SQLSTATE and the server's message (not "db error").
    let err = store
        .with_tx(|tx| {
            tx.execute("INSERT INTO t (k) VALUES (1)", &[])?;
            Ok(())
        })
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Pg(m) if m.starts_with("23505: duplicate key value")),
        "{err:?}"
    );
}
