//! An embedded store moved into PostgreSQL: everything it held, readable under the same master
//! key, nothing served that was erased, numbering continuing after it; a database that holds
//! a store already, or another master key, refused with nothing written.

use cosmwasm_std::Binary;
use diachain_relayer_fixtures::{DAY0, PATIENT};
use diachain_relayer_types::alerts::AlertKind;

use super::import::import_redb;
use super::test_db::{fresh_database, open, options};
use super::tests_alerts::{alert, webhook};
use crate::store::crypto::MasterKey;
use crate::store::test_support::{new_batch, stored, DEV2, OTHER_PATIENT};
use crate::store::{
    AlertStore, AnchoringStore, BatchLookup, DataStore, ErasureRecord, ErasureStore, IngestStore,
    OutboxMsg, OutboxStore, RedbStore, RedbStoreOptions, StoreError,
};

const DEV: &str = crate::store::test_support::DEV;

fn erase(store: &dyn ErasureStore, patient: &str, at: u64) {
    let hash = Binary::new(vec![9; 32]);
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

/// An embedded store with two patients (one erased), batches in every anchoring state, an
/// alert, a webhook and the outbox.
fn embedded(master: &MasterKey) -> (tempfile::TempDir, RedbStore, Vec<u64>) {
    let dir = tempfile::tempdir().unwrap();
    let store = RedbStore::open(
        &dir.path().join("s.redb"),
        master,
        RedbStoreOptions::default(),
    )
    .unwrap();
    let out = store
        .ingest(&[
            new_batch(DEV, PATIENT, 1, DAY0),
            new_batch(DEV, PATIENT, 13, DAY0 + 3_600),
            new_batch(DEV, PATIENT, 25, DAY0 + 7_200),
            new_batch(DEV2, OTHER_PATIENT, 1, DAY0),
        ])
        .unwrap();
    let ids: Vec<u64> = out.iter().map(stored).collect();
    store.mark_in_flight(&ids[..2], "T1", 40).unwrap();
    store.mark_anchored(&ids[..1], "T1", 12).unwrap();
    store
        .put_webhook(&webhook("wh-1", PATIENT, vec![AlertKind::Low]))
        .unwrap();
    store
        .raise_alerts(vec![alert(PATIENT, AlertKind::Low, DAY0 + 100)], 5)
        .unwrap();
    erase(&store, OTHER_PATIENT, DAY0 + 9_000);
    (dir, store, ids)
}

#[test]
#[ignore = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh"]
fn an_embedded_store_moves_into_postgres_with_everything_readable_and_nothing_erased_served() {
    let master = MasterKey::generate();
    let (_dir, source, ids) = embedded(&master);
    let url = fresh_database();
    let pg = open(
        &url,
        &master,
        options("import", std::time::Duration::from_secs(30)),
    );
    let report = import_redb(&pg, &url, &source).unwrap();
    assert_eq!((report.batches, report.readings), (4, 36));

    // Every batch, its state, and every reading that was readable still is.
    for &id in &ids {
        let (a, b) = (
            source.batch(id).unwrap().unwrap(),
            pg.batch(id).unwrap().unwrap(),
        );
        assert_eq!(a, b);
        match source.readings(&a) {
            Ok(r) => assert_eq!(pg.readings(&b).unwrap(), r),
            Err(StoreError::Erased(_)) => {
                assert!(matches!(pg.readings(&b), Err(StoreError::Erased(_))))
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(pg.counts().unwrap(), source.counts().unwrap());
    assert_eq!(pg.in_flight().unwrap(), source.in_flight().unwrap());
    assert_eq!(pg.pending(10).unwrap(), source.pending(10).unwrap());
    assert_eq!(
        pg.patient_batches(PATIENT, 0, u64::MAX, 10).unwrap(),
        source.patient_batches(PATIENT, 0, u64::MAX, 10).unwrap()
    );
    assert!(pg
        .patient_batches(OTHER_PATIENT, 0, u64::MAX, 10)
        .unwrap()
        .is_empty());
    assert_eq!(
        pg.erasures(OTHER_PATIENT).unwrap(),
        source.erasures(OTHER_PATIENT).unwrap()
    );
    assert_eq!(
        pg.outbox(false, 10).unwrap(),
        source.outbox(false, 10).unwrap()
    );
    assert_eq!(
        pg.latest_alerts(PATIENT, 10).unwrap(),
        source.latest_alerts(PATIENT, 10).unwrap()
    );
    assert_eq!(
        pg.webhooks_of(PATIENT).unwrap(),
        source.webhooks_of(PATIENT).unwrap()
    );
    assert_eq!(pg.due_deliveries(u64::MAX, 10).unwrap().len(), 1);
    assert_eq!(
        pg.device_head(DEV).unwrap(),
        source.device_head(DEV).unwrap()
    );

    // Numbering goes on after what was moved: the next batch and alert are new ones.
    let next = stored(
        &pg.ingest(&[new_batch(DEV, PATIENT, 37, DAY0 + 10_800)])
            .unwrap()[0],
    );
    assert!(next > *ids.iter().max().unwrap());
    let raised = pg
        .raise_alerts(vec![alert(PATIENT, AlertKind::Low, DAY0 + 200)], 6)
        .unwrap();
    let before = source.latest_alerts(PATIENT, 10).unwrap();
    assert!(raised[0].seq > before.iter().map(|a| a.seq).max().unwrap());
}

#[test]
#[ignore = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh"]
fn an_export_into_a_database_holding_a_store_or_under_another_master_key_writes_nothing() {
    let master = MasterKey::generate();
    let (_dir, source, _) = embedded(&master);
    // Another master key: refused, the database stays empty.
    let url = fresh_database();
    let other = open(
        &url,
        &MasterKey::generate(),
        options("x", std::time::Duration::from_secs(30)),
    );
    let err = import_redb(&other, &url, &source).unwrap_err();
    assert!(matches!(err, StoreError::WrongMasterKey), "{err}");
    assert_eq!(other.counts().unwrap().pending, 0);
    // A database that holds a store already: refused.
    let url = fresh_database();
    let pg = open(
        &url,
        &master,
        options("y", std::time::Duration::from_secs(30)),
    );
    import_redb(&pg, &url, &source).unwrap();
    let again = import_redb(&pg, &url, &source).unwrap_err();
    assert!(again.to_string().contains("empty"), "{again}");
}
