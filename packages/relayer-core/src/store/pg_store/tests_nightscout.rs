//! The Nightscout side on PostgreSQL, as the embedded store's tests run it
//! (`redb_store/nsdocs_tests.rs`, the skip-log test of `held_times_tests.rs`): documents
//! sealed, replaced by identifier, found by time and by change, erased with the patient; skip
//! logs; uploaders and followers (sealed under the master key, found by their token hashes);
//! and `srv_modified` kept monotonic with two instances writing at once.

use std::time::Duration;

use cosmwasm_std::Binary;
use diachain_std::encoding::ReadingKind;
use serde_json::json;

use super::test_db::{fresh_database, fresh_store, open, options};
use super::tests_alerts::erase;
use super::PgStore;
use crate::store::crypto::MasterKey;
use crate::store::{
    DocReading, FollowerRecord, FollowerStore, NsCollection, NsDoc, NsDocStore, PutOutcome,
    SkippedItem, StoreError, UploaderRecord, UploaderStore,
};
use diachain_relayer_fixtures::{DAY0, PATIENT};

const T: NsCollection = NsCollection::Treatments;
const DEV: &str = "cgm-7f3a9c2e51d04b88";
const DEV2: &str = "cgm-00aa11bb22cc33dd";

fn doc(identifier: &str, date_ms: u64, modified: u64, insulin: f64) -> NsDoc {
    NsDoc {
        identifier: identifier.into(),
        device_id: "ns-0011223344556677".into(),
        date_ms,
        srv_created: modified,
        srv_modified: modified,
        is_valid: true,
        readings: vec![DocReading {
            time: date_ms / 1000,
            kind: ReadingKind::InsulinBolus,
        }],
        body: json!({"eventType": "Correction Bolus", "insulin": insulin, "notes": "pizza at Luigi's"}),
    }
}

fn a_store(url: &str, master: &MasterKey, instance: &str) -> PgStore {
    open(url, master, options(instance, Duration::from_secs(30)))
}

/// How many rows of `table` hold `needle` in their `column` (a bytea).
fn rows_holding(url: &str, table: &str, column: &str, needle: &[u8]) -> i64 {
    let mut db = postgres::Client::connect(url, postgres::NoTls).unwrap();
    db.query_one(
        &format!("SELECT count(*) FROM {table} WHERE position($1::bytea in {column}) > 0"),
        &[&needle],
    )
    .unwrap()
    .get(0)
}

#[test]
#[ignore = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh"]
fn documents_are_sealed_replaced_by_identifier_and_found_by_time_and_change() {
    let url = fresh_database();
    let master = MasterKey::generate();
    let store = a_store(&url, &master, "a");
    let t0 = DAY0 * 1000;
    for (i, id) in ["a", "b", "c"].iter().enumerate() {
        let at = t0 + i as u64 * 60_000;
        assert_eq!(
            store
                .put_ns_doc(PATIENT, T, &mut doc(id, at, at + 5, 1.0))
                .unwrap(),
            PutOutcome::Created
        );
    }
    store
        .put_ns_doc("wasm1other", T, &mut doc("a", t0, t0, 9.0))
        .unwrap();
    store
        .put_ns_doc(
            PATIENT,
            NsCollection::DeviceStatus,
            &mut doc("a", t0, t0, 9.0),
        )
        .unwrap();

    let newest = store
        .ns_docs(PATIENT, T, (t0, t0 + 120_000), 2, true)
        .unwrap();
    let ids: Vec<&str> = newest.iter().map(|d| d.identifier.as_str()).collect();
    assert_eq!(ids, ["c", "b"]);
    let oldest = store
        .ns_docs(PATIENT, T, (t0 + 1, u64::MAX), 10, false)
        .unwrap();
    assert_eq!(oldest.len(), 2, "the period bounds the time");

    let mut moved = doc("a", t0 + 300_000, t0 + 400_000, 2.5);
    let PutOutcome::Replaced(old) = store.put_ns_doc(PATIENT, T, &mut moved).unwrap() else {
        panic!("replaced")
    };
    assert_eq!(old.body["insulin"], 1.0);
    let all = store.ns_docs(PATIENT, T, (0, u64::MAX), 10, false).unwrap();
    let ids: Vec<&str> = all.iter().map(|d| d.identifier.as_str()).collect();
    assert_eq!(ids, ["b", "c", "a"]);
    assert_eq!(store.ns_doc(PATIENT, T, "a").unwrap(), Some(moved));
    let changed = store
        .ns_docs_modified_after(PATIENT, T, t0 + 60_005, 10)
        .unwrap();
    let ids: Vec<&str> = changed.iter().map(|d| d.identifier.as_str()).collect();
    assert_eq!(ids, ["c", "a"], "after b's change, in the order of change");
    assert_eq!(
        store.ns_last_modified(PATIENT, T).unwrap(),
        Some(t0 + 400_000)
    );
    assert_eq!(
        rows_holding(&url, "ns_docs", "sealed", b"Luigi"),
        0,
        "sealed"
    );
    drop(store);

    let store = a_store(&url, &master, "b");
    let mut late = doc("d", t0 + 600_000, t0 + 1, 1.0);
    store.put_ns_doc(PATIENT, T, &mut late).unwrap();
    assert_eq!(
        late.srv_modified,
        t0 + 400_001,
        "raised above the last change"
    );
    assert_eq!(store.ns_doc(PATIENT, T, "d").unwrap(), Some(late));
    erase(&store, PATIENT, DAY0 + 7_200);
    assert_eq!(
        store
            .put_ns_doc(PATIENT, T, &mut doc("e", t0 + 60_000, t0 + 900_000, 1.0))
            .unwrap(),
        PutOutcome::Erased(DAY0 + 7_200)
    );
    assert!(store.ns_doc(PATIENT, T, "e").unwrap().is_none());
    assert!(store
        .ns_docs(PATIENT, T, (0, u64::MAX), 10, false)
        .unwrap()
        .is_empty());
    assert_eq!(store.ns_doc(PATIENT, T, "b").unwrap(), None);
    assert_eq!(store.ns_last_modified(PATIENT, T).unwrap(), None);
    assert!(store
        .ns_docs(
            PATIENT,
            NsCollection::DeviceStatus,
            (0, u64::MAX),
            10,
            false
        )
        .unwrap()
        .is_empty());
    assert_eq!(
        store
            .ns_docs("wasm1other", T, (0, u64::MAX), 10, false)
            .unwrap()
            .len(),
        1
    );
    // Measured after the erasure: kept again, under a new key.
    let mut after = doc("f", (DAY0 + 7_201) * 1000, 1, 3.0);
    assert_eq!(
        store.put_ns_doc(PATIENT, T, &mut after).unwrap(),
        PutOutcome::Created
    );
    assert_eq!(store.ns_doc(PATIENT, T, "f").unwrap(), Some(after));
}

#[test]
#[ignore = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh"]
fn a_document_moved_to_another_number_fails_authentication() {
    let url = fresh_database();
    let store = a_store(&url, &MasterKey::generate(), "a");
    let t0 = DAY0 * 1000;
    store
        .put_ns_doc(PATIENT, T, &mut doc("a", t0, t0, 1.0))
        .unwrap();
    store
        .put_ns_doc(PATIENT, T, &mut doc("b", t0 + 1, t0, 2.0))
        .unwrap();
    let mut db = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    db.execute(
        "UPDATE ns_docs SET sealed = (SELECT sealed FROM ns_docs WHERE identifier = 'b')
         WHERE identifier = 'a'",
        &[],
    )
    .unwrap();
    assert!(matches!(
        store.ns_doc(PATIENT, T, "a"),
        Err(StoreError::Tampered(_))
    ));
}

#[test]
#[ignore = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh"]
fn two_instances_writing_documents_at_once_stamp_every_change_apart() {
    let url = fresh_database();
    let master = MasterKey::generate();
    let a = a_store(&url, &master, "a");
    let b = a_store(&url, &master, "b");
    let t0 = DAY0 * 1000;
    // Every put stamped with the same time: each must be raised above the one before.
    std::thread::scope(|s| {
        for (store, tag) in [(&a, "a"), (&b, "b")] {
            s.spawn(move || {
                for i in 0..25u64 {
                    let mut d = doc(&format!("{tag}{i}"), t0 + i, t0, 1.0);
                    store.put_ns_doc(PATIENT, T, &mut d).unwrap();
                }
            });
        }
    });
    let history = a.ns_docs_modified_after(PATIENT, T, 0, 100).unwrap();
    assert_eq!(history.len(), 50);
    let stamps: Vec<u64> = history.iter().map(|d| d.srv_modified).collect();
    assert_eq!(
        stamps,
        (t0..t0 + 50).collect::<Vec<_>>(),
        "one apart, none twice"
    );
    assert_eq!(b.ns_last_modified(PATIENT, T).unwrap(), Some(t0 + 49));
}

fn item(index: u64) -> SkippedItem {
    SkippedItem {
        at: DAY0,
        collection: "entries".into(),
        index,
        reason: "too_close".into(),
        detail: "measured at 1, 30 s from the sensor reading at 31".into(),
    }
}

#[test]
#[ignore = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh"]
fn skip_logs_are_kept_per_patient_and_erased_with_the_patient() {
    let url = fresh_database();
    let master = MasterKey::generate();
    let store = a_store(&url, &master, "a");
    store
        .record_skips(PATIENT, DEV, (0..60).map(item).collect())
        .unwrap();
    store
        .record_skips("wasm1other", DEV2, vec![item(7)])
        .unwrap();
    store.record_skips(PATIENT, DEV, Vec::new()).unwrap();
    let log = store.skips(PATIENT, DEV).unwrap();
    assert_eq!((log.total, log.recent.len()), (60, 50));
    assert_eq!(log.recent[0].index, 59, "newest first");
    assert_eq!(log.by_reason["too_close"], 60);
    assert_eq!(store.skips(PATIENT, DEV2).unwrap().total, 0);
    assert_eq!(
        rows_holding(&url, "uploader_skips", "sealed", b"sensor readi"),
        0,
        "the sentences are sealed"
    );
    let store = a_store(&url, &master, "b");
    store.record_skips(PATIENT, DEV, vec![item(60)]).unwrap();
    assert_eq!(store.skips(PATIENT, DEV).unwrap().total, 61);
    erase(&store, PATIENT, DAY0 + 7_200);
    assert_eq!(store.skips(PATIENT, DEV).unwrap().total, 0);
    assert_eq!(store.skips("wasm1other", DEV2).unwrap().total, 1);
}

fn uploader(device_id: &str, token: u8) -> UploaderRecord {
    UploaderRecord {
        device_id: device_id.into(),
        patient: PATIENT.into(),
        secret_key: Binary::new(b"ed25519-secret-key-of-the-upldr!".to_vec()),
        token_hash: Binary::new(vec![token; 32]),
        secret512_hash: Some(Binary::new(vec![token.wrapping_add(100); 32])),
        created_at: DAY0,
        registered_tx: None,
        name: Some("Lena's phone".into()),
        revoked_at: None,
    }
}

#[test]
#[ignore = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh"]
fn uploaders_are_sealed_found_by_either_hash_and_a_rotated_or_revoked_secret_goes() {
    let url = fresh_database();
    let master = MasterKey::generate();
    let store = a_store(&url, &master, "a");
    let one = uploader("ns-bbbb", 1);
    store.put_uploader(&one).unwrap();
    store.put_uploader(&uploader("ns-aaaa", 2)).unwrap();
    store.put_uploader(&uploader("ns-B", 3)).unwrap();
    assert_eq!(store.uploader("ns-bbbb").unwrap(), Some(one.clone()));
    assert_eq!(store.uploader("ns-none").unwrap(), None);
    assert_eq!(
        store.uploader_by_token(&[1; 32]).unwrap(),
        Some(one.clone())
    );
    assert_eq!(
        store.uploader_by_token(&[101; 32]).unwrap(),
        Some(one.clone())
    );
    assert_eq!(store.uploader_by_token(&[9; 32]).unwrap(), None);
    assert_eq!(
        store.uploader_ids().unwrap(),
        ["ns-B", "ns-aaaa", "ns-bbbb"],
        "byte order"
    );
    assert_eq!(
        rows_holding(&url, "uploaders", "sealed", b"ed25519-secret"),
        0,
        "the key is sealed"
    );
    // A new secret: the old hashes no longer find it.
    let rotated = UploaderRecord {
        token_hash: Binary::new(vec![4; 32]),
        secret512_hash: None,
        ..one.clone()
    };
    store.put_uploader(&rotated).unwrap();
    assert_eq!(store.uploader_by_token(&[1; 32]).unwrap(), None);
    assert_eq!(store.uploader_by_token(&[101; 32]).unwrap(), None);
    assert_eq!(
        store.uploader_by_token(&[4; 32]).unwrap(),
        Some(rotated.clone())
    );
    // Revoked: no secret finds it; the record stays.
    let revoked = UploaderRecord {
        revoked_at: Some(DAY0 + 1),
        ..rotated
    };
    store.put_uploader(&revoked).unwrap();
    assert_eq!(store.uploader_by_token(&[4; 32]).unwrap(), None);
    assert_eq!(store.uploader("ns-bbbb").unwrap(), Some(revoked));
    // Another master key cannot open the database at all; a record moved onto another
    // uploader's id fails authentication.
    assert!(matches!(
        PgStore::open(
            &url,
            &MasterKey::generate(),
            options("c", Duration::from_secs(30))
        ),
        Err(StoreError::WrongMasterKey)
    ));
    let mut db = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    db.execute(
        "UPDATE uploaders SET sealed = (SELECT sealed FROM uploaders WHERE device_id = 'ns-aaaa')
         WHERE device_id = 'ns-B'",
        &[],
    )
    .unwrap();
    assert!(matches!(
        store.uploader("ns-B"),
        Err(StoreError::Tampered(_))
    ));
}

fn follower(id: &str, patient: &str, token: u8) -> FollowerRecord {
    FollowerRecord {
        id: id.into(),
        patient: patient.into(),
        grantee: "wasm1grantee".into(),
        token_hash: Binary::new(vec![token; 32]),
        secret_hash: Binary::new(vec![token.wrapping_add(50); 32]),
        secret512_hash: Some(Binary::new(vec![token.wrapping_add(100); 32])),
        created_at: DAY0,
        revoked_at: None,
    }
}

#[test]
#[ignore = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh"]
fn followers_are_found_by_each_hash_listed_per_patient_and_revoked_tokens_go() {
    let store = fresh_store().expect("a test store");
    let mum = follower("mum-0a1b2c3d", PATIENT, 1);
    let dad = follower("dad-99887766", PATIENT, 2);
    store.put_follower(&mum).unwrap();
    store.put_follower(&dad).unwrap();
    store
        .put_follower(&follower("gran-00000000", "wasm1other", 3))
        .unwrap();
    for hash in [[1u8; 32], [51; 32], [101; 32]] {
        assert_eq!(store.follower_by_hash(&hash).unwrap(), Some(mum.clone()));
    }
    assert_eq!(store.follower_by_hash(&[9; 32]).unwrap(), None);
    assert_eq!(store.follower("dad-99887766").unwrap(), Some(dad.clone()));
    assert_eq!(store.follower("nobody").unwrap(), None);
    let revoked = FollowerRecord {
        revoked_at: Some(DAY0 + 60),
        ..mum.clone()
    };
    store.put_follower(&revoked).unwrap();
    for hash in [[1u8; 32], [51; 32], [101; 32]] {
        assert_eq!(store.follower_by_hash(&hash).unwrap(), None);
    }
    assert_eq!(
        store.followers_of(PATIENT).unwrap(),
        vec![dad, revoked],
        "revoked ones too, by id"
    );
    assert_eq!(store.followers_of("wasm1other").unwrap().len(), 1);
    assert!(store.followers_of("wasm1nobody").unwrap().is_empty());
}

#[test]
#[ignore = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh"]
fn an_erasure_racing_uploads_leaves_nothing_under_the_destroyed_key() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let url = fresh_database();
    let master = MasterKey::generate();
    let uploads = a_store(&url, &master, "a");
    let eraser = a_store(&url, &master, "b");
    let mut db = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    for round in 0..5u64 {
        let erased_at = DAY0 + (round + 1) * 1000;
        let done = AtomicBool::new(false);
        std::thread::scope(|s| {
            s.spawn(|| {
                let mut i = 0u64;
                while !done.load(Ordering::SeqCst) {
                    i += 1;
                    // Measured before the erasure: erased with the rest, or refused.
                    let mut d = doc(&format!("r{round}-{i}"), (erased_at - 1) * 1000, 0, 1.0);
                    uploads.put_ns_doc(PATIENT, T, &mut d).unwrap();
                    uploads.record_skips(PATIENT, DEV, vec![item(i)]).unwrap();
                }
            });
            s.spawn(|| {
                std::thread::sleep(Duration::from_millis(40));
                erase(&eraser, PATIENT, erased_at);
                done.store(true, Ordering::SeqCst);
            });
        });
        let left: i64 = db
            .query_one(
                "SELECT count(*) FROM ns_docs WHERE patient = $1",
                &[&PATIENT],
            )
            .unwrap()
            .get(0);
        assert_eq!(left, 0, "round {round}: a document outlived the erasure");
        // A log started after the erasure is under the new key: it opens.
        uploads.skips(PATIENT, DEV).unwrap();
    }
}
