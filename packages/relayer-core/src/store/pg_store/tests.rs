//! The PostgreSQL store against a real server: encryption at rest, tamper detection, placement,
//! anchoring states, erasure, and several instances sharing one database (claims, leases,
//! concurrent ingest). Each test has a database of its own (see [`super::test_db`]).

use std::sync::Arc;
use std::time::Duration;

use super::test_db::{fresh_database, fresh_store, options};
use super::{PgStore, PgStoreOptions};
use crate::store::crypto::MasterKey;
use crate::store::test_support::{new_batch, stored, DEV, DEV2, OTHER_PATIENT};
use crate::store::{
    AnchorState, AnchoringStore, BatchLookup, DataStore, ErasureRecord, ErasureStore,
    IngestOutcome, IngestStore, OutboxMsg, OutboxStore, SeqRange, StoreError,
};
use diachain_relayer_fixtures::{DAY0, PATIENT};

fn raw(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).expect("connect")
}

#[test]
#[ignore = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh"]
fn wrong_master_key_is_refused_and_the_right_one_reads_everything_back() {
    let url = fresh_database();
    let master = MasterKey::generate();
    let store = PgStore::open(&url, &master, PgStoreOptions::default()).unwrap();
    let id = stored(&store.ingest(&[new_batch(DEV, PATIENT, 1, DAY0)]).unwrap()[0]);
    drop(store);
    let err = PgStore::open(&url, &MasterKey::generate(), PgStoreOptions::default())
        .expect_err("another master key");
    assert!(matches!(err, StoreError::WrongMasterKey), "{err}");
    let store = PgStore::open(&url, &master, PgStoreOptions::default()).unwrap();
    let b = store.batch(id).unwrap().expect("batch");
    let readings = store.readings(&b).unwrap();
    assert_eq!(readings.len(), 12);
    assert_eq!(readings[0].seq, 1);
}

#[test]
#[ignore = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh"]
fn the_database_holds_no_reading_in_the_clear_and_a_changed_byte_is_tampering() {
    let url = fresh_database();
    let store = PgStore::open(&url, &MasterKey::generate(), PgStoreOptions::default()).unwrap();
    let batch = new_batch(DEV, PATIENT, 1, DAY0);
    let plain: Vec<Vec<u8>> = batch.readings.iter().map(|r| r.encode().unwrap()).collect();
    let id = stored(&store.ingest(&[batch]).unwrap()[0]);
    let mut db = raw(&url);
    for row in db.query("SELECT sealed FROM readings", &[]).unwrap() {
        let sealed: Vec<u8> = row.get(0);
        for p in &plain {
            assert!(!sealed.windows(p.len()).any(|w| w == p.as_slice()));
        }
    }
    db.execute(
        "UPDATE readings SET sealed = set_byte(sealed, 30, get_byte(sealed, 30) # 1)
         WHERE batch_id = $1 AND seq = $2",
        &[&(id as i64), &super::codec::key(5)],
    )
    .unwrap();
    let b = store.batch(id).unwrap().unwrap();
    assert!(matches!(store.readings(&b), Err(StoreError::Tampered(_))));
    // A blob copied onto another seq does not open either.
    db.execute(
        "UPDATE readings SET sealed = (SELECT sealed FROM readings WHERE batch_id = $1 AND seq = $2)
         WHERE batch_id = $1 AND seq = $3",
        &[&(id as i64), &super::codec::key(1), &super::codec::key(2)],
    )
    .unwrap();
    assert!(matches!(store.readings(&b), Err(StoreError::Tampered(_))));
}

#[test]
#[ignore = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh"]
fn placement_answers_duplicate_overlap_behind_head_gap_and_day_backwards() {
    let store = fresh_store().expect("a store");
    let first = new_batch(DEV, PATIENT, 20, DAY0 + 86_400);
    stored(&store.ingest(std::slice::from_ref(&first)).unwrap()[0]);
    let out = store
        .ingest(&[
            first.clone(),
            new_batch(DEV, PATIENT, 25, DAY0 + 86_400),
            new_batch(DEV, PATIENT, 1, DAY0),
            new_batch(DEV, PATIENT, 40, DAY0),
            new_batch(DEV, PATIENT, 60, DAY0 + 90_000),
            new_batch(DEV, PATIENT, 72, DAY0 + 90_000 + 11 * 300 + 30),
        ])
        .unwrap();
    assert!(matches!(out[0], IngestOutcome::Duplicate(ref b) if b.id == 1));
    let held = SeqRange {
        first_seq: 20,
        last_seq: 31,
    };
    assert_eq!(out[1], IngestOutcome::Overlap { conflict: held });
    assert_eq!(out[2], IngestOutcome::BehindHead { head: held });
    assert_eq!(
        out[3],
        IngestOutcome::DayBackwards {
            day: DAY0 / 86_400,
            held_day: DAY0 / 86_400 + 1
        }
    );
    match &out[4] {
        IngestOutcome::Stored(b) => assert_eq!(
            b.gap,
            Some(SeqRange {
                first_seq: 32,
                last_seq: 59
            })
        ),
        other => panic!("{other:?}"),
    }
    assert!(
        matches!(out[5], IngestOutcome::TooSoonAfterLast { .. }),
        "{:?}",
        out[5]
    );
    assert_eq!(store.counts().unwrap().pending, 2);
    assert_eq!(
        store.device_head(DEV).unwrap().unwrap().header.first_seq,
        60
    );
    assert_eq!(
        store.find_batch(DEV, 31).unwrap().unwrap().header.first_seq,
        20
    );
    assert!(store.find_batch(DEV, 32).unwrap().is_none());
}

#[test]
#[ignore = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh"]
fn sequence_numbers_at_the_top_of_the_range_keep_their_order() {
    let store = fresh_store().expect("a store");
    let low = new_batch(DEV, PATIENT, 1, DAY0);
    let mut high = new_batch(DEV, PATIENT, u64::MAX - 11, DAY0 + 3_600);
    high.min_interval_seconds = 0;
    let out = store.ingest(&[low, high]).unwrap();
    let ids: Vec<u64> = out.iter().map(stored).collect();
    assert_eq!(store.device_head(DEV).unwrap().unwrap().id, ids[1]);
    assert_eq!(store.find_batch(DEV, u64::MAX).unwrap().unwrap().id, ids[1]);
    assert_eq!(store.find_batch(DEV, 12).unwrap().unwrap().id, ids[0]);
    let again = store
        .ingest(&[new_batch(DEV, PATIENT, 100, DAY0 + 7_200)])
        .unwrap();
    assert!(matches!(again[0], IngestOutcome::BehindHead { .. }));
}

#[test]
#[ignore = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh"]
fn anchoring_states_move_only_forward_and_are_counted() {
    let store = fresh_store().expect("a store");
    let out = store
        .ingest(&[
            new_batch(DEV, PATIENT, 1, DAY0),
            new_batch(DEV2, OTHER_PATIENT, 1, DAY0),
            new_batch(DEV, PATIENT, 13, DAY0 + 3_600),
        ])
        .unwrap();
    let ids: Vec<u64> = out.iter().map(stored).collect();
    let claimed: Vec<u64> = store
        .claim_pending(10)
        .unwrap()
        .iter()
        .map(|b| b.id)
        .collect();
    assert_eq!(claimed, ids);
    store.mark_in_flight(&ids[..2], "T1", 9).unwrap();
    assert!(matches!(
        store.mark_in_flight(&ids[..1], "T2", 9),
        Err(StoreError::InvalidTransition {
            from: "in_flight",
            ..
        })
    ));
    store.replace_in_flight(&ids[..2], "T1", "T1b", 12).unwrap();
    store.mark_anchored(&ids[..1], "T1b", 5).unwrap();
    store.requeue(&ids[1..2]).unwrap();
    store
        .mark_failed(ids[2], "batch 0: device revoked")
        .unwrap();
    let c = store.counts().unwrap();
    assert_eq!((c.pending, c.in_flight, c.anchored, c.failed), (1, 0, 1, 1));
    assert!(matches!(
        store.mark_in_flight(&[ids[0]], "T3", 9),
        Err(StoreError::InvalidTransition {
            from: "anchored",
            ..
        })
    ));
    assert!(matches!(
        store.requeue(&[999]),
        Err(StoreError::UnknownBatch(999))
    ));
    assert_eq!(
        store.batch(ids[0]).unwrap().unwrap().state,
        AnchorState::Anchored {
            tx_hash: "T1b".into(),
            height: 5
        }
    );
    // A refused transition of several batches changes none of them.
    assert!(store.mark_anchored(&[ids[1], ids[0]], "T9", 7).is_err());
    assert_eq!(
        store.batch(ids[1]).unwrap().unwrap().state,
        AnchorState::Pending
    );
}

#[test]
#[ignore = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh"]
fn a_patients_batches_by_time_and_erasure_shreds_their_readings() {
    let store = fresh_store().expect("a store");
    let out = store
        .ingest(&[
            new_batch(DEV, PATIENT, 1, DAY0),
            new_batch(DEV, PATIENT, 13, DAY0 + 3_600),
            new_batch(DEV2, OTHER_PATIENT, 1, DAY0),
        ])
        .unwrap();
    let ids: Vec<u64> = out.iter().map(stored).collect();
    let found = store
        .patient_batches(PATIENT, DAY0 + 3_000, DAY0 + 90_000, 10)
        .unwrap();
    assert_eq!(found.iter().map(|b| b.id).collect::<Vec<_>>(), ids[..2]);
    assert_eq!(
        store
            .patient_batches(PATIENT, 0, u64::MAX, 1)
            .unwrap()
            .len(),
        1
    );
    let record = ErasureRecord {
        patient: PATIENT.into(),
        requested_by: PATIENT.into(),
        request: String::new(),
        public_key: String::new(),
        signature: String::new(),
        request_hash: vec![7u8; 32].into(),
        requested_at: DAY0 + 100_000,
        erased_at: DAY0 + 100_000,
        batches: 0,
        readings: 0,
        outbox_id: 0,
    };
    let msg = OutboxMsg::Erasure {
        patient: PATIENT.into(),
        request_hash: vec![7u8; 32].into(),
        requested_at: DAY0 + 100_000,
    };
    let done = store.erase_patient(record, msg).unwrap();
    assert_eq!((done.batches, done.readings), (2, 24));
    assert!(done.outbox_id > 0);
    let b = store.batch(ids[0]).unwrap().expect("the header stays");
    assert!(matches!(store.readings(&b), Err(StoreError::Erased(_))));
    assert!(store
        .patient_batches(PATIENT, 0, u64::MAX, 10)
        .unwrap()
        .is_empty());
    let other = store.batch(ids[2]).unwrap().unwrap();
    assert_eq!(store.readings(&other).unwrap().len(), 12);
    assert_eq!(store.erasures(PATIENT).unwrap().len(), 1);
    assert_eq!(store.outbox_counts().unwrap(), (1, 0));
    // New data of the patient after the erasure is sealed under a new key and readable.
    let later = stored(
        &store
            .ingest(&[new_batch(DEV, PATIENT, 25, DAY0 + 200_000)])
            .unwrap()[0],
    );
    let later = store.batch(later).unwrap().unwrap();
    assert_eq!(store.readings(&later).unwrap().len(), 12);
}

fn two_instances(lease: Duration) -> (String, PgStore, PgStore) {
    let url = fresh_database();
    let master = MasterKey::generate();
    let a = PgStore::open(&url, &master, options("a", lease)).unwrap();
    let b = PgStore::open(&url, &master, options("b", lease)).unwrap();
    (url, a, b)
}

#[test]
#[ignore = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh"]
fn two_instances_never_claim_the_same_device_and_the_loser_cannot_send() {
    let (_url, a, b) = two_instances(Duration::from_secs(60));
    a.ingest(&[
        new_batch(DEV, PATIENT, 1, DAY0),
        new_batch(DEV2, PATIENT, 1, DAY0),
    ])
    .unwrap();
    let by_a = a.claim_pending(1).unwrap();
    assert_eq!(by_a.len(), 1);
    let by_b = b.claim_pending(10).unwrap();
    assert_eq!(by_b.len(), 1);
    assert_ne!(by_a[0].header.device_id, by_b[0].header.device_id);
    // b may not put a's batch in flight.
    assert!(matches!(
        b.mark_in_flight(&[by_a[0].id], "TB", 9),
        Err(StoreError::ClaimLost(_))
    ));
    a.mark_in_flight(&[by_a[0].id], "TA", 9).unwrap();
    // a's device has a batch in flight: b gets nothing new of it, nor a's in-flight batch.
    a.ingest(&[new_batch(
        &by_a[0].header.device_id,
        PATIENT,
        13,
        DAY0 + 3_600,
    )])
    .unwrap();
    let again = b.claim_pending(10).unwrap();
    assert!(again
        .iter()
        .all(|x| x.header.device_id == by_b[0].header.device_id));
    assert!(b.claim_in_flight().unwrap().is_empty());
    assert_eq!(a.claim_in_flight().unwrap().len(), 1);
}

#[test]
#[ignore = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh"]
fn a_dead_instances_work_in_flight_is_taken_over_once_its_lease_runs_out() {
    let (_url, a, b) = two_instances(Duration::from_millis(800));
    let id = stored(&a.ingest(&[new_batch(DEV, PATIENT, 1, DAY0)]).unwrap()[0]);
    assert_eq!(a.claim_pending(10).unwrap().len(), 1);
    a.mark_in_flight(&[id], "TA", 9).unwrap();
    // a "dies": no heartbeat renews its claim.
    assert!(
        b.claim_in_flight().unwrap().is_empty(),
        "a's lease is still running"
    );
    std::thread::sleep(Duration::from_millis(1_200));
    let taken = b.claim_in_flight().unwrap();
    assert_eq!(taken.len(), 1);
    assert_eq!(taken[0].id, id);
    // b settles it (the transaction never landed): requeued, then b sends it.
    b.requeue(&[id]).unwrap();
    assert_eq!(b.claim_pending(10).unwrap().len(), 1);
    b.mark_in_flight(&[id], "TB", 20).unwrap();
    // a, back from the dead, can no longer send the device's batches.
    a.ingest(&[new_batch(DEV, PATIENT, 13, DAY0 + 3_600)])
        .unwrap();
    assert!(a.claim_pending(10).unwrap().is_empty());
    b.mark_anchored(&[id], "TB", 15).unwrap();
    assert_eq!(a.counts().unwrap().anchored, 1);
}

#[test]
#[ignore = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh"]
fn a_heartbeat_keeps_a_live_instances_claims() {
    let (_url, a, b) = two_instances(Duration::from_millis(600));
    let a = Arc::new(a);
    let _beat = a.heartbeat();
    a.ingest(&[new_batch(DEV, PATIENT, 1, DAY0)]).unwrap();
    assert_eq!(a.claim_pending(10).unwrap().len(), 1);
    std::thread::sleep(Duration::from_millis(1_500));
    assert!(b.claim_pending(10).unwrap().is_empty());
}

#[test]
#[ignore = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh"]
fn two_instances_ingesting_one_device_at_once_store_each_range_once() {
    let (_url, a, b) = two_instances(Duration::from_secs(60));
    let (a, b) = (Arc::new(a), Arc::new(b));
    let batches: Vec<_> = (0..40u64)
        .map(|i| new_batch(DEV, PATIENT, 1 + 12 * i, DAY0 + 3_600 * i))
        .collect();
    let run = |s: Arc<PgStore>, batches: Vec<crate::store::NewBatch>| {
        std::thread::spawn(move || {
            let mut stored = 0;
            for b in batches {
                if let IngestOutcome::Stored(_) = &s.ingest(&[b]).unwrap()[0] {
                    stored += 1;
                }
            }
            stored
        })
    };
    let ta = run(a.clone(), batches.clone());
    let tb = run(b.clone(), batches);
    let total = ta.join().unwrap() + tb.join().unwrap();
    assert_eq!(total, 40, "each batch is stored by exactly one instance");
    assert_eq!(a.counts().unwrap().pending, 40);
}

#[test]
#[ignore = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh"]
fn outbox_items_are_claimed_by_one_instance() {
    let (_url, a, b) = two_instances(Duration::from_secs(60));
    let msg = |n: u64| OutboxMsg::Erasure {
        patient: PATIENT.into(),
        request_hash: vec![n as u8; 32].into(),
        requested_at: n,
    };
    a.enqueue(&[msg(1), msg(2), msg(3)], 10).unwrap();
    let by_a = a.claim_outbox(false, 2).unwrap();
    let by_b = b.claim_outbox(false, 10).unwrap();
    assert_eq!(by_a.len(), 2);
    assert_eq!(by_b.len(), 1);
    assert!(by_a.iter().all(|x| by_b.iter().all(|y| x.id != y.id)));
    assert_eq!(a.outbox(false, 10).unwrap().len(), 3);
}

#[test]
#[ignore = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh"]
fn migrations_are_recorded_and_a_changed_or_newer_schema_is_refused() {
    let url = fresh_database();
    let master = MasterKey::generate();
    drop(PgStore::open(&url, &master, PgStoreOptions::default()).unwrap());
    drop(PgStore::open(&url, &master, PgStoreOptions::default()).unwrap());
    let mut db = raw(&url);
    let n: i64 = db
        .query_one("SELECT count(*) FROM schema_migrations", &[])
        .unwrap()
        .get(0);
    assert_eq!(n as usize, super::migrate::MIGRATIONS.len());
    db.execute(
        "UPDATE schema_migrations SET sha256 = '\\x00' WHERE version = 1",
        &[],
    )
    .unwrap();
    let err = PgStore::open(&url, &master, PgStoreOptions::default()).unwrap_err();
    assert!(matches!(err, StoreError::Schema(_)), "{err}");
    db.execute(
        "INSERT INTO schema_migrations (version, name, sha256) VALUES (999, 'future', '\\x00')",
        &[],
    )
    .unwrap();
    let err = PgStore::open(&url, &master, PgStoreOptions::default()).unwrap_err();
    assert!(err.to_string().contains("newer"), "{err}");
}

#[test]
fn an_unreachable_server_is_unavailable_not_broken() {
    let opts = PgStoreOptions {
        connect_timeout: Duration::from_millis(300),
        ..PgStoreOptions::default()
    };
    // Nothing listens on port 1.
    let err = PgStore::open(
        "postgres://nobody@127.0.0.1:1/none",
        &MasterKey::generate(),
        opts,
    )
    .expect_err("nothing listens there");
    assert!(err.is_transient(), "{err}");
}
