//! The core roles on PostgreSQL, as the embedded store's tests run them
//! (`redb_store/tests.rs`, `redb_store/data_tests.rs`): the master-key check, sealing and
//! tamper detection, placement, the anchoring states (through this instance's claims), a
//! patient's batches by time, erasure and the outbox.

use std::time::Duration;

use cosmwasm_std::Binary;
use diachain_std::testing::TestKey;
use diachain_std::{DataScope, KeyAlgorithm};

use super::codec::key;
use super::test_db::{fresh_database, open, options};
use super::PgStore;
use crate::store::crypto::MasterKey;
use crate::store::{
    AnchorState, AnchoringStore, BatchLookup, DataStore, ErasureRecord, ErasureStore,
    IngestOutcome, IngestStore, NewBatch, OutboxMsg, OutboxState, OutboxStore, SeqRange,
    StoreError,
};
use diachain_relayer_fixtures::{self as fixtures, DAY0, PATIENT};

const DEV: &str = "cgm-7f3a9c2e51d04b88";
const DEV2: &str = "cgm-00aa11bb22cc33dd";
const OTHER_PATIENT: &str = "wasm1otherpatientaddress00000000000000000";
const SPAN: u64 = 11 * 300;

fn new_batch(device: &str, patient: &str, first_seq: u64, first_time: u64) -> NewBatch {
    let key = TestKey::new(KeyAlgorithm::Ed25519, 0x11);
    let b = fixtures::batch(&key, device, first_seq, 12, first_time);
    NewBatch {
        header: b.header,
        signature: b.signature.as_slice().try_into().expect("64 bytes"),
        patient: patient.to_string(),
        readings: b.readings,
        received_at: first_time + 60,
        received_at_ms: 0,
        min_interval_seconds: 60,
        backfill: false,
        millis: Vec::new(),
    }
}

fn stored(outcome: &IngestOutcome) -> u64 {
    match outcome {
        IngestOutcome::Stored(b) => b.id,
        other => panic!("not stored: {other:?}"),
    }
}

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

/// Claims the pending batches (as the anchoring task does first), so that this instance may
/// move them.
fn claim(store: &PgStore) {
    store.claim_pending(1000).unwrap();
}

#[test]
#[ignore = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh"]
fn wrong_master_key_fails_loudly_and_the_right_one_reads_every_reading_back() {
    let (url, master, store) = temp_store();
    let batch = new_batch(DEV, PATIENT, 1, DAY0);
    store.ingest(std::slice::from_ref(&batch)).unwrap();
    drop(store);
    let err = PgStore::open(
        &url,
        &MasterKey::generate(),
        options("x", Duration::from_secs(30)),
    )
    .expect_err("another master key must not open the store");
    assert!(matches!(err, StoreError::WrongMasterKey));
    assert!(err.to_string().contains("master key"), "{err}");
    let store = reopen(&url, &master);
    let found = store.find_batch(DEV, 12).unwrap().expect("batch");
    assert_eq!(store.readings(&found).unwrap(), batch.readings);
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
fn flipped_copied_and_moved_reading_blobs_fail_authentication() {
    let (url, _master, store) = temp_store();
    store
        .ingest(&[
            new_batch(DEV, PATIENT, 1, DAY0),
            new_batch(DEV2, OTHER_PATIENT, 1, DAY0),
        ])
        .unwrap();
    let mut bytes = blob(&url, DEV, 5);
    let last = bytes.len() - 20;
    bytes[last] ^= 0x01;
    put_blob(&url, DEV, 5, &bytes);
    let batch = store.find_batch(DEV, 5).unwrap().unwrap();
    let err = store.readings(&batch).expect_err("tampering is detected");
    assert!(
        matches!(err, StoreError::Tampered(ref what) if what.contains("/5")),
        "{err}"
    );
    put_blob(&url, DEV2, 2, &blob(&url, DEV2, 1));
    put_blob(&url, DEV2, 3, &blob(&url, DEV, 3));
    let theirs = store.find_batch(DEV2, 2).unwrap().unwrap();
    assert!(matches!(
        store.readings(&theirs),
        Err(StoreError::Tampered(_))
    ));
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
fn placement_answers_duplicate_overlap_behind_head_gap_and_day_backwards() {
    let (_url, _master, store) = temp_store();
    let first = new_batch(DEV, PATIENT, 20, DAY0 + 86_400);
    let out = store.ingest(std::slice::from_ref(&first)).unwrap();
    let first_id = stored(&out[0]);
    let out = store
        .ingest(&[
            first.clone(),
            new_batch(DEV, PATIENT, 25, DAY0 + 86_400),
            new_batch(DEV, PATIENT, 1, DAY0),
            new_batch(DEV, PATIENT, 40, DAY0),
            new_batch(DEV, PATIENT, 60, DAY0 + 90_000),
        ])
        .unwrap();
    assert!(matches!(out[0], IngestOutcome::Duplicate(ref b) if b.id == first_id));
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
    assert_eq!(store.counts().unwrap().pending, 2);
}

#[test]
#[ignore = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh"]
fn the_anchoring_states_move_as_in_the_embedded_store() {
    let (url, master, store) = temp_store();
    let out = store
        .ingest(&[
            new_batch(DEV, PATIENT, 1, DAY0),
            new_batch(DEV2, OTHER_PATIENT, 1, DAY0),
            new_batch(DEV, PATIENT, 13, DAY0 + 3_600),
        ])
        .unwrap();
    let ids: Vec<u64> = out.iter().map(stored).collect();
    let pending: Vec<u64> = store.pending(10).unwrap().iter().map(|b| b.id).collect();
    assert_eq!(pending, ids, "ingest order");
    assert_eq!(store.pending(2).unwrap().len(), 2);
    claim(&store);
    store.mark_in_flight(&ids[..2], "ABCD", 50).unwrap();
    assert_eq!(store.pending(10).unwrap().len(), 1);
    let in_flight = store.in_flight().unwrap();
    assert_eq!(
        in_flight[0].state,
        AnchorState::InFlight {
            tx_hash: "ABCD".into(),
            timeout_height: 50
        }
    );
    assert!(matches!(
        store.mark_in_flight(&ids[..1], "T2", 9),
        Err(StoreError::InvalidTransition {
            from: "in_flight",
            ..
        })
    ));
    assert!(matches!(
        store.replace_in_flight(&ids[2..], "ABCD", "T2", 9),
        Err(StoreError::InvalidTransition {
            from: "pending",
            ..
        })
    ));
    assert!(matches!(
        store.replace_in_flight(&ids[..1], "OTHER", "T2", 9),
        Err(StoreError::InvalidTransition { .. })
    ));
    store
        .replace_in_flight(&ids[..2], "ABCD", "EF01", 60)
        .unwrap();
    store.requeue(&ids[1..2]).unwrap();
    let pending: Vec<u64> = store.pending(10).unwrap().iter().map(|b| b.id).collect();
    assert_eq!(pending, ids[1..], "requeued in ingest order");
    store.mark_anchored(&ids[..1], "EF01", 42).unwrap();
    store
        .mark_failed(ids[2], "batch 0: device revoked")
        .unwrap();
    drop(store);
    let store = reopen(&url, &master);
    let c = store.counts().unwrap();
    assert_eq!((c.pending, c.in_flight, c.anchored, c.failed), (1, 0, 1, 1));
    assert_eq!(
        store.batch(ids[0]).unwrap().unwrap().state,
        AnchorState::Anchored {
            tx_hash: "EF01".into(),
            height: 42
        }
    );
    assert_eq!(
        store.batch(ids[2]).unwrap().unwrap().state,
        AnchorState::Failed {
            reason: "batch 0: device revoked".into()
        }
    );
    claim(&store);
    assert!(matches!(
        store.mark_in_flight(&ids[..1], "T3", 9),
        Err(StoreError::InvalidTransition {
            from: "anchored",
            ..
        })
    ));
    assert!(matches!(
        store.requeue(&ids[..1]),
        Err(StoreError::InvalidTransition { .. })
    ));
    assert!(matches!(
        store.mark_in_flight(&[999], "T3", 9),
        Err(StoreError::UnknownBatch(999))
    ));
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

fn erasure(patient: &str, at: u64) -> (ErasureRecord, OutboxMsg) {
    let hash = Binary::new(vec![7; 32]);
    (
        ErasureRecord {
            patient: patient.to_string(),
            requested_by: patient.to_string(),
            request: "DIACHAIN-REQUEST/v1\nPOST\n/v1/patients/x/erasure\n\n00\n1\nn".into(),
            public_key: "AA==".into(),
            signature: "AA==".into(),
            request_hash: hash.clone(),
            requested_at: at,
            erased_at: at,
            batches: 0,
            readings: 0,
            outbox_id: 0,
        },
        OutboxMsg::Erasure {
            patient: patient.to_string(),
            request_hash: hash,
            requested_at: at,
        },
    )
}

#[test]
#[ignore = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh"]
fn erasure_destroys_the_key_and_readings_and_keeps_headers_for_anchoring() {
    let (url, master, store) = temp_store();
    let a = stored(&store.ingest(&[new_batch(DEV, PATIENT, 1, DAY0)]).unwrap()[0]);
    let other = stored(
        &store
            .ingest(&[new_batch(DEV2, OTHER_PATIENT, 1, DAY0)])
            .unwrap()[0],
    );
    let batch = store.batch(a).unwrap().unwrap();
    assert_eq!(store.readings(&batch).unwrap().len(), 12);
    let (record, msg) = erasure(PATIENT, DAY0 + 100);
    let done = store.erase_patient(record, msg.clone()).unwrap();
    assert_eq!((done.batches, done.readings), (1, 12));
    assert!(matches!(
        store.readings(&batch),
        Err(StoreError::Erased(id)) if id == a
    ));
    assert!(store
        .patient_batches(PATIENT, 0, u64::MAX, 100)
        .unwrap()
        .is_empty());
    assert_eq!(store.pending(10).unwrap().len(), 2, "headers stay");
    assert_eq!(
        store.erasures(PATIENT).unwrap(),
        std::slice::from_ref(&done)
    );
    let queued = store.outbox(false, 10).unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!((queued[0].id, &queued[0].msg), (done.outbox_id, &msg));
    let theirs = store.batch(other).unwrap().unwrap();
    assert_eq!(store.readings(&theirs).unwrap().len(), 12);
    let keys: i64 = db(&url)
        .query_one(
            "SELECT count(*) FROM data_keys WHERE patient = $1",
            &[&PATIENT],
        )
        .unwrap()
        .get(0);
    assert_eq!(keys, 0, "the wrapped key is gone from the database");
    drop(store);
    let store = reopen(&url, &master);
    assert!(matches!(store.readings(&batch), Err(StoreError::Erased(_))));
    // New data after the erasure is stored under a new key and served (a key cached before
    // the erasure is never used after it).
    let later = stored(
        &store
            .ingest(&[new_batch(DEV, PATIENT, 13, DAY0 + 3_600)])
            .unwrap()[0],
    );
    let later = store.batch(later).unwrap().unwrap();
    assert_eq!(store.readings(&later).unwrap().len(), 12);
    assert!(matches!(store.readings(&batch), Err(StoreError::Erased(_))));
    assert_eq!(
        store
            .patient_batches(PATIENT, 0, u64::MAX, 100)
            .unwrap()
            .len(),
        1
    );
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
