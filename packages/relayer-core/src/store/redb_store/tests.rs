//! The redb store: encryption at rest, tamper detection, placement and anchoring states.

use std::path::{Path, PathBuf};

use super::{tables, RedbStore, RedbStoreOptions};
use crate::store::crypto::{self, MasterKey};
use crate::store::{
    AnchorState, AnchoringStore, BatchLookup, DataStore, IngestOutcome, IngestStore, SeqRange,
    StoreError,
};
use diachain_relayer_fixtures::{DAY0, PATIENT};

pub(super) use crate::store::test_support::{new_batch, stored, DEV, DEV2, OTHER_PATIENT};

pub(super) fn open(path: &Path, master: &MasterKey) -> RedbStore {
    RedbStore::open(path, master, RedbStoreOptions::default()).expect("store opens")
}

pub(super) fn temp_store() -> (tempfile::TempDir, PathBuf, MasterKey, RedbStore) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("s.redb");
    let master = MasterKey::generate();
    let store = open(&path, &master);
    (dir, path, master, store)
}

fn batch_id(store: &RedbStore, device: &str, seq: u64) -> u64 {
    store.find_batch(device, seq).unwrap().expect("batch").id
}

fn blob(store: &RedbStore, device: &str, seq: u64) -> Vec<u8> {
    use redb::ReadableDatabase;
    let id = batch_id(store, device, seq);
    let txn = store.db.begin_read().unwrap();
    let t = txn.open_table(tables::READINGS).unwrap();
    let v = t.get((id, seq)).unwrap().expect("blob").value().to_vec();
    v
}

fn put_blob(store: &RedbStore, device: &str, seq: u64, bytes: &[u8]) {
    let id = batch_id(store, device, seq);
    let txn = store.db.begin_write().unwrap();
    txn.open_table(tables::READINGS)
        .unwrap()
        .insert((id, seq), bytes)
        .unwrap();
    txn.commit().unwrap();
}

#[test]
fn wrong_master_key_fails_loudly_when_the_store_is_opened() {
    let (_dir, path, _master, store) = temp_store();
    store.ingest(&[new_batch(DEV, PATIENT, 1, DAY0)]).unwrap();
    drop(store);
    let err = RedbStore::open(&path, &MasterKey::generate(), RedbStoreOptions::default())
        .expect_err("another master key must not open the store");
    assert!(matches!(err, StoreError::WrongMasterKey));
    assert!(err.to_string().contains("master key"), "{err}");
}

#[test]
fn right_master_key_reopens_the_store_and_reads_every_reading_back() {
    let (_dir, path, master, store) = temp_store();
    let batch = new_batch(DEV, PATIENT, 1, DAY0);
    store.ingest(std::slice::from_ref(&batch)).unwrap();
    drop(store);
    let store = open(&path, &master);
    let found = store.find_batch(DEV, 12).unwrap().expect("batch");
    assert_eq!(store.readings(&found).unwrap(), batch.readings);
}

#[test]
fn sealing_the_same_reading_twice_gives_different_ciphertext() {
    let (_k, cipher) = crypto::new_data_key();
    let plain = new_batch(DEV, PATIENT, 1, DAY0).readings[0]
        .encode()
        .unwrap();
    let aad = crypto::reading_aad(PATIENT, DEV, 1);
    let a = crypto::seal(&cipher, &aad, &plain).unwrap();
    let b = crypto::seal(&cipher, &aad, &plain).unwrap();
    assert_ne!(a, b);
    assert_eq!(crypto::open(&cipher, &aad, &a).unwrap(), plain);
    assert_eq!(crypto::open(&cipher, &aad, &b).unwrap(), plain);
}

#[test]
fn identical_readings_of_two_patients_are_stored_as_different_ciphertext() {
    let (_dir, _path, _master, store) = temp_store();
    let mut other = new_batch(DEV2, OTHER_PATIENT, 1, DAY0);
    let mine = new_batch(DEV, PATIENT, 1, DAY0);
    other.readings[0].salt = mine.readings[0].salt;
    store.ingest(&[mine, other]).unwrap();
    assert_ne!(blob(&store, DEV, 1)[25..], blob(&store, DEV2, 1)[25..]);
}

#[test]
fn the_database_file_holds_no_reading_salt_or_plaintext() {
    let (_dir, path, _master, store) = temp_store();
    let batch = new_batch(DEV, PATIENT, 1, DAY0);
    store.ingest(std::slice::from_ref(&batch)).unwrap();
    drop(store);
    let file = std::fs::read(&path).unwrap();
    for r in &batch.readings {
        let plain = r.encode().unwrap();
        assert!(!file.windows(plain.len()).any(|w| w == plain.as_slice()));
        assert!(
            !file.windows(16).any(|w| w == r.salt.as_slice()),
            "salt of {}",
            r.seq
        );
    }
}

#[test]
fn a_flipped_byte_in_a_stored_reading_is_detected_as_tampering() {
    let (_dir, _path, _master, store) = temp_store();
    store.ingest(&[new_batch(DEV, PATIENT, 1, DAY0)]).unwrap();
    let mut bytes = blob(&store, DEV, 5);
    let last = bytes.len() - 20;
    bytes[last] ^= 0x01;
    put_blob(&store, DEV, 5, &bytes);
    let batch = store.find_batch(DEV, 5).unwrap().unwrap();
    let err = store.readings(&batch).expect_err("tampering is detected");
    assert!(
        matches!(err, StoreError::Tampered(ref what) if what.contains("/5")),
        "{err}"
    );
}

#[test]
fn a_reading_blob_copied_onto_another_seq_fails_authentication() {
    let (_dir, _path, _master, store) = temp_store();
    store.ingest(&[new_batch(DEV, PATIENT, 1, DAY0)]).unwrap();
    put_blob(&store, DEV, 2, &blob(&store, DEV, 1));
    let batch = store.find_batch(DEV, 2).unwrap().unwrap();
    assert!(matches!(
        store.readings(&batch),
        Err(StoreError::Tampered(_))
    ));
}

#[test]
fn a_reading_blob_moved_to_another_patients_device_fails_authentication() {
    let (_dir, _path, _master, store) = temp_store();
    store
        .ingest(&[
            new_batch(DEV, PATIENT, 1, DAY0),
            new_batch(DEV2, OTHER_PATIENT, 1, DAY0),
        ])
        .unwrap();
    put_blob(&store, DEV2, 3, &blob(&store, DEV, 3));
    let batch = store.find_batch(DEV2, 3).unwrap().unwrap();
    assert!(matches!(
        store.readings(&batch),
        Err(StoreError::Tampered(_))
    ));
}

#[test]
fn wrapped_data_keys_swapped_between_patients_fail_authentication() {
    use redb::ReadableDatabase;
    let (_dir, path, master, store) = temp_store();
    store
        .ingest(&[
            new_batch(DEV, PATIENT, 1, DAY0),
            new_batch(DEV2, OTHER_PATIENT, 1, DAY0),
        ])
        .unwrap();
    let (a, b) = {
        let txn = store.db.begin_read().unwrap();
        let t = txn.open_table(tables::DATA_KEYS).unwrap();
        let a = t.get(PATIENT).unwrap().unwrap().value().to_vec();
        let b = t.get(OTHER_PATIENT).unwrap().unwrap().value().to_vec();
        (a, b)
    };
    {
        let txn = store.db.begin_write().unwrap();
        let mut t = txn.open_table(tables::DATA_KEYS).unwrap();
        t.insert(PATIENT, b.as_slice()).unwrap();
        t.insert(OTHER_PATIENT, a.as_slice()).unwrap();
        drop(t);
        txn.commit().unwrap();
    }
    drop(store);
    let store = open(&path, &master);
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
fn placement_answers_duplicate_overlap_behind_head_gap_and_day_backwards() {
    let (_dir, _path, _master, store) = temp_store();
    let first = new_batch(DEV, PATIENT, 20, DAY0 + 86_400);
    let out = store.ingest(std::slice::from_ref(&first)).unwrap();
    stored(&out[0]);
    let out = store
        .ingest(&[
            first.clone(),
            new_batch(DEV, PATIENT, 25, DAY0 + 86_400),
            new_batch(DEV, PATIENT, 1, DAY0),
            new_batch(DEV, PATIENT, 40, DAY0),
            new_batch(DEV, PATIENT, 60, DAY0 + 90_000),
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
    assert_eq!(store.counts().unwrap().pending, 2);
}

#[test]
fn pending_batches_are_listed_in_ingest_order() {
    let (_dir, _path, _master, store) = temp_store();
    let out = store
        .ingest(&[
            new_batch(DEV, PATIENT, 1, DAY0),
            new_batch(DEV2, OTHER_PATIENT, 1, DAY0),
            new_batch(DEV, PATIENT, 13, DAY0 + 3_600),
        ])
        .unwrap();
    let ids: Vec<u64> = out.iter().map(stored).collect();
    let pending: Vec<u64> = store.pending(10).unwrap().iter().map(|b| b.id).collect();
    assert_eq!(pending, ids);
    assert_eq!(store.pending(2).unwrap().len(), 2);
}

#[test]
fn in_flight_then_anchored_leaves_the_queue_and_is_counted() {
    let (_dir, path, master, store) = temp_store();
    let out = store
        .ingest(&[
            new_batch(DEV, PATIENT, 1, DAY0),
            new_batch(DEV2, PATIENT, 1, DAY0),
        ])
        .unwrap();
    let ids: Vec<u64> = out.iter().map(stored).collect();
    store.mark_in_flight(&ids, "ABCD", 50).unwrap();
    assert!(store.pending(10).unwrap().is_empty());
    let in_flight = store.in_flight().unwrap();
    assert_eq!(in_flight.len(), 2);
    assert_eq!(
        in_flight[0].state,
        AnchorState::InFlight {
            tx_hash: "ABCD".into(),
            timeout_height: 50
        }
    );
    store.mark_anchored(&ids, "ABCD", 42).unwrap();
    drop(store);
    let store = open(&path, &master);
    let c = store.counts().unwrap();
    assert_eq!((c.pending, c.in_flight, c.anchored, c.failed), (0, 0, 2, 0));
    let b = store.batch(ids[0]).unwrap().unwrap();
    assert_eq!(
        b.state,
        AnchorState::Anchored {
            tx_hash: "ABCD".into(),
            height: 42
        }
    );
}

#[test]
fn a_failed_batch_keeps_its_reason_and_leaves_the_queue() {
    let (_dir, _path, _master, store) = temp_store();
    let id = stored(&store.ingest(&[new_batch(DEV, PATIENT, 1, DAY0)]).unwrap()[0]);
    store.mark_failed(id, "batch 0: device revoked").unwrap();
    assert!(store.pending(10).unwrap().is_empty());
    assert_eq!(store.counts().unwrap().failed, 1);
    let b = store.batch(id).unwrap().unwrap();
    assert_eq!(
        b.state,
        AnchorState::Failed {
            reason: "batch 0: device revoked".into()
        }
    );
}

#[test]
fn an_anchored_batch_can_never_be_put_in_flight_again() {
    let (_dir, _path, _master, store) = temp_store();
    let id = stored(&store.ingest(&[new_batch(DEV, PATIENT, 1, DAY0)]).unwrap()[0]);
    store.mark_in_flight(&[id], "T1", 9).unwrap();
    store.mark_anchored(&[id], "T1", 5).unwrap();
    let err = store
        .mark_in_flight(&[id], "T2", 9)
        .expect_err("anchored is final");
    assert!(matches!(
        err,
        StoreError::InvalidTransition {
            from: "anchored",
            ..
        }
    ));
    assert!(matches!(
        store.requeue(&[id]),
        Err(StoreError::InvalidTransition { .. })
    ));
    assert!(matches!(
        store.mark_in_flight(&[999], "T3", 9),
        Err(StoreError::UnknownBatch(999))
    ));
}

#[test]
fn requeue_puts_in_flight_batches_back_in_ingest_order() {
    let (_dir, _path, _master, store) = temp_store();
    let out = store
        .ingest(&[
            new_batch(DEV, PATIENT, 1, DAY0),
            new_batch(DEV, PATIENT, 13, DAY0 + 3_600),
            new_batch(DEV2, PATIENT, 1, DAY0),
        ])
        .unwrap();
    let ids: Vec<u64> = out.iter().map(stored).collect();
    store.mark_in_flight(&ids[..2], "T1", 9).unwrap();
    store.requeue(&ids[..2]).unwrap();
    let pending: Vec<u64> = store.pending(10).unwrap().iter().map(|b| b.id).collect();
    assert_eq!(pending, ids);
    assert!(store.in_flight().unwrap().is_empty());
}

#[test]
fn only_the_transaction_recorded_in_flight_can_be_replaced_by_its_re_signed_copy() {
    let (_dir, _path, _master, store) = temp_store();
    let id = stored(&store.ingest(&[new_batch(DEV, PATIENT, 1, DAY0)]).unwrap()[0]);
    assert!(matches!(
        store.replace_in_flight(&[id], "T1", "T2", 9),
        Err(StoreError::InvalidTransition {
            from: "pending",
            ..
        })
    ));
    store.mark_in_flight(&[id], "T1", 9).unwrap();
    assert!(matches!(
        store.mark_in_flight(&[id], "T2", 9),
        Err(StoreError::InvalidTransition {
            from: "in_flight",
            ..
        })
    ));
    assert!(matches!(
        store.replace_in_flight(&[id], "OTHER", "T2", 9),
        Err(StoreError::InvalidTransition { .. })
    ));
    store.replace_in_flight(&[id], "T1", "T2", 12).unwrap();
    assert_eq!(
        store.batch(id).unwrap().unwrap().state,
        AnchorState::InFlight {
            tx_hash: "T2".into(),
            timeout_height: 12
        }
    );
}
