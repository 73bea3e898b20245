//! The data API's side of the store: a patient's batches by time, crypto-shredding and the
//! outbox of chain records.

use cosmwasm_std::Binary;
use diachain_std::DataScope;

use super::tables;
use super::tests::{new_batch, open, stored, temp_store, DEV, DEV2, OTHER_PATIENT};
use crate::store::{
    AnchoringStore, BatchLookup, DataStore, ErasureRecord, ErasureStore, IngestStore, OutboxMsg,
    OutboxState, OutboxStore, StoreError,
};
use diachain_relayer_fixtures::{DAY0, PATIENT};

const SPAN: u64 = 11 * 300;

pub(super) fn erasure(patient: &str, at: u64) -> (ErasureRecord, OutboxMsg) {
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
fn a_patients_batches_come_by_measurement_time_and_only_theirs() {
    let (_dir, _path, _m, store) = temp_store();
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
    // A batch is found by any reading time it spans, not only its first.
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

#[test]
fn erasure_destroys_the_key_and_readings_and_keeps_headers_for_anchoring() {
    let (_dir, path, master, store) = temp_store();
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
    // The header stays: it is still anchored (or to be anchored) and proves nothing revealing.
    assert_eq!(store.pending(10).unwrap().len(), 2);
    assert_eq!(
        store.erasures(PATIENT).unwrap(),
        std::slice::from_ref(&done)
    );
    let queued = store.outbox(false, 10).unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!((queued[0].id, &queued[0].msg), (done.outbox_id, &msg));
    // Nobody else's data is touched.
    let theirs = store.batch(other).unwrap().unwrap();
    assert_eq!(store.readings(&theirs).unwrap().len(), 12);

    // The wrapped key is gone from the file, not only from memory.
    {
        let txn = store.begin_read().unwrap();
        let keys = txn.open_table(tables::DATA_KEYS).unwrap();
        assert!(keys.get(PATIENT).unwrap().is_none());
    }
    drop(store);
    let store = open(&path, &master);
    assert!(matches!(store.readings(&batch), Err(StoreError::Erased(_))));

    // New data after the erasure is stored under a new key and served.
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

#[test]
fn a_key_cached_before_an_erasure_is_never_used_after_it() {
    let (_dir, _path, _m, store) = temp_store();
    let a = stored(&store.ingest(&[new_batch(DEV, PATIENT, 1, DAY0)]).unwrap()[0]);
    let batch = store.batch(a).unwrap().unwrap();
    store.readings(&batch).unwrap(); // caches the key
    let (record, msg) = erasure(PATIENT, DAY0);
    store.erase_patient(record, msg).unwrap();
    // The next batch must get a new key: sealing it with the shredded one would make it
    // unreadable.
    let b = stored(
        &store
            .ingest(&[new_batch(DEV, PATIENT, 13, DAY0 + 3_600)])
            .unwrap()[0],
    );
    let b = store.batch(b).unwrap().unwrap();
    assert_eq!(store.readings(&b).unwrap().len(), 12);
}

#[test]
fn outbox_items_move_between_queues_and_survive_a_restart() {
    let (_dir, path, master, store) = temp_store();
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
    let store = open(&path, &master);
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
fn a_store_made_before_the_patient_index_is_indexed_when_opened() {
    let (_dir, path, master, store) = temp_store();
    let a = stored(&store.ingest(&[new_batch(DEV, PATIENT, 1, DAY0)]).unwrap()[0]);
    {
        let txn = store.begin_write().unwrap();
        txn.delete_table(tables::PATIENT_BATCHES).unwrap();
        txn.open_table(tables::META)
            .unwrap()
            .remove(tables::PATIENT_INDEX_KEY)
            .unwrap();
        txn.commit().unwrap();
        let _ = store.begin_read();
    }
    drop(store);
    let store = open(&path, &master);
    let found = store.patient_batches(PATIENT, DAY0, DAY0, 10).unwrap();
    assert_eq!(found.iter().map(|b| b.id).collect::<Vec<_>>(), [a]);
}
