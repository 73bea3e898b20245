//! A relayer-held key's stream (a Nightscout uploader's): batches measured before its newest
//! one are kept, their times are held (and erased with the readings), and a store made before
//! the times were held indexes its uploaders' readings when opened.

use cosmwasm_std::Binary;

use super::data_tests::erasure;
use super::tables;
use super::tests::{new_batch, open, stored, temp_store, DEV, DEV2};
use crate::store::{BatchLookup, ErasureStore, IngestOutcome, IngestStore, NewBatch};
use crate::store::{UploaderRecord, UploaderStore};
use diachain_relayer_fixtures::{DAY0, PATIENT};

fn held_batch(first_seq: u64, first_time: u64) -> NewBatch {
    NewBatch {
        backfill: true,
        millis: (0..12).map(|i| 100 + i).collect(),
        ..new_batch(DEV, PATIENT, first_seq, first_time)
    }
}

/// Twelve readings five minutes apart from `first`.
fn times(first: u64) -> Vec<u64> {
    (0..12).map(|i| first + i * 300).collect()
}

#[test]
fn a_held_keys_batch_may_be_measured_before_its_newest_and_its_times_are_held() {
    let (_dir, _path, _master, store) = temp_store();
    let later = DAY0 + 7_200;
    stored(&store.ingest(&[held_batch(1, later)]).unwrap()[0]);
    // Earlier the same day, and the day before: kept, not refused.
    stored(&store.ingest(&[held_batch(13, DAY0)]).unwrap()[0]);
    stored(&store.ingest(&[held_batch(25, DAY0 - 7_200)]).unwrap()[0]);
    let held = store.held_times(DEV, DAY0, DAY0 + 3_300).unwrap();
    let held_at: Vec<u64> = held.times.iter().map(|t| t.time).collect();
    assert_eq!(held_at, times(DAY0));
    let millis: Vec<u16> = held.times.iter().map(|t| t.millis).collect();
    assert_eq!(
        millis,
        (100..112).collect::<Vec<u16>>(),
        "the uploader's milliseconds"
    );
    assert!(held.times.iter().all(|t| !t.meter));
    assert_eq!(held.newest, Some(later + 11 * 300));
    // A device that signs its own readings still only goes forward.
    stored(&store.ingest(&[new_batch(DEV2, PATIENT, 1, later)]).unwrap()[0]);
    assert!(matches!(
        store.ingest(&[new_batch(DEV2, PATIENT, 13, DAY0)]).unwrap()[0],
        IngestOutcome::TooSoonAfterLast { .. }
    ));
    assert!(store
        .held_times(DEV2, 0, u64::MAX)
        .unwrap()
        .times
        .is_empty());
}

#[test]
fn erasure_forgets_the_held_times_with_the_readings() {
    let (_dir, _path, _master, store) = temp_store();
    stored(&store.ingest(&[held_batch(1, DAY0)]).unwrap()[0]);
    let (record, msg) = erasure(PATIENT, DAY0 + 7_200);
    store.erase_patient(record, msg).unwrap();
    let held = store.held_times(DEV, 0, u64::MAX).unwrap();
    assert!(held.times.is_empty() && held.newest.is_none(), "{held:?}");
}

/// An uploader's skip log is kept per patient, sealed, and erased with the patient's data
/// (its sentences may hold values).
#[test]
fn skip_logs_are_kept_per_patient_and_erased_with_the_patient() {
    use crate::store::SkippedItem;
    let (_dir, path, master, store) = temp_store();
    let item = |index: u64| SkippedItem {
        at: DAY0,
        collection: "entries".into(),
        index,
        reason: "too_close".into(),
        detail: "measured at 1, 30 s from the sensor reading at 31".into(),
    };
    store
        .record_skips(PATIENT, DEV, (0..60).map(item).collect())
        .unwrap();
    store
        .record_skips("wasm1other", DEV2, vec![item(7)])
        .unwrap();
    let log = store.skips(PATIENT, DEV).unwrap();
    assert_eq!((log.total, log.recent.len()), (60, 50));
    assert_eq!(log.recent[0].index, 59, "newest first");
    assert_eq!(log.by_reason["too_close"], 60);
    assert_eq!(store.skips(PATIENT, DEV2).unwrap().total, 0);
    drop(store);
    let raw = std::fs::read(&path).unwrap();
    assert!(
        !raw.windows(12).any(|w| w == b"sensor readi"),
        "the sentences are sealed"
    );
    let store = open(&path, &master);
    let (record, msg) = erasure(PATIENT, DAY0 + 7_200);
    store.erase_patient(record, msg).unwrap();
    assert_eq!(store.skips(PATIENT, DEV).unwrap().total, 0);
    assert_eq!(store.skips("wasm1other", DEV2).unwrap().total, 1);
}

/// A store whose uploader readings were stored before `held_times` existed: opening it
/// indexes them, so a re-sent queue is still recognised as held.
#[test]
fn opening_a_store_made_before_held_times_indexes_its_uploaders() {
    let (_dir, path, master, store) = temp_store();
    store
        .put_uploader(&UploaderRecord {
            device_id: DEV.to_string(),
            patient: PATIENT.to_string(),
            secret_key: Binary::new(vec![1; 32]),
            token_hash: Binary::new(vec![2; 32]),
            secret512_hash: None,
            created_at: DAY0,
            registered_tx: None,
            name: None,
            revoked_at: None,
        })
        .unwrap();
    stored(&store.ingest(&[held_batch(1, DAY0)]).unwrap()[0]);
    // As an older relayer left it: no held times, no index mark.
    {
        let txn = store.begin_write().unwrap();
        txn.delete_table(tables::HELD_TIMES).unwrap();
        txn.open_table(tables::META)
            .unwrap()
            .remove(tables::HELD_TIMES_INDEX_KEY)
            .unwrap();
        txn.commit().unwrap();
    }
    drop(store);
    let store = open(&path, &master);
    let held_at: Vec<u64> = store
        .held_times(DEV, 0, u64::MAX)
        .unwrap()
        .times
        .iter()
        .map(|t| t.time)
        .collect();
    assert_eq!(held_at, times(DAY0));
    let txn = store.begin_read().unwrap();
    let meta = txn.open_table(tables::META).unwrap();
    assert!(meta.get(tables::HELD_TIMES_INDEX_KEY).unwrap().is_some());
}
