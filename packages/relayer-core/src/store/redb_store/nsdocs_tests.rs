//! Nightscout documents: kept sealed, replaced by identifier, found by time and by last change,
//! erased with the patient.

use diachain_std::encoding::ReadingKind;
use serde_json::json;

use super::data_tests::erasure;
use super::tables;
use super::tests::{open, temp_store};
use crate::store::{DocReading, ErasureStore, NsCollection, NsDoc, NsDocStore, PutOutcome};
use diachain_relayer_fixtures::{DAY0, PATIENT};

const T: NsCollection = NsCollection::Treatments;

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

#[test]
fn documents_are_sealed_replaced_by_identifier_and_found_by_time_and_change() {
    let (_dir, path, master, store) = temp_store();
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
    // Another patient's and another collection's are apart.
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

    // "a" changes its time and value: replaced, not doubled; its last change moves.
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
    drop(store);
    let raw = std::fs::read(&path).unwrap();
    assert!(
        !raw.windows(5).any(|w| w == b"Luigi"),
        "documents are sealed"
    );

    let store = open(&path, &master);
    // A change stamped before the last one is raised above it: a history read never skips it.
    let mut late = doc("d", t0 + 600_000, t0 + 1, 1.0);
    store.put_ns_doc(PATIENT, T, &mut late).unwrap();
    assert_eq!(late.srv_modified, t0 + 400_001);
    let (record, msg) = erasure(PATIENT, DAY0 + 7_200);
    store.erase_patient(record, msg).unwrap();
    // A document measured before the erasure is not kept again (an upload racing it).
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
    let txn = store.begin_read().unwrap();
    let t = txn.open_table(tables::NS_DOCS).unwrap();
    let left = t
        .range((PATIENT, 0u8, 0u64, 0u64)..=(PATIENT, u8::MAX, u64::MAX, u64::MAX))
        .unwrap()
        .count();
    assert_eq!(left, 0, "the rows go too");
}
