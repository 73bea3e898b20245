//! A full disk: writes refused with `StorageFull`, reads going on; a reopened handle.

use super::tests::{new_batch, stored, temp_store, DEV};
use super::{RedbStore, RedbStoreOptions};
use crate::store::{AnchoringStore, BatchLookup, DataStore, IngestStore, StoreError};
use diachain_relayer_fixtures::{DAY0, PATIENT};

#[test]
fn below_the_free_space_reserve_writes_are_refused_and_reads_go_on() {
    let (dir, path, master, store) = temp_store();
    stored(&store.ingest(&[new_batch(DEV, PATIENT, 1, DAY0)]).unwrap()[0]);
    drop(store);
    let options = RedbStoreOptions {
        min_free_bytes: u64::MAX,
        ..RedbStoreOptions::default()
    };
    let store = RedbStore::open(&path, &master, options).unwrap();
    let refused = store.ingest(&[new_batch(DEV, PATIENT, 13, DAY0 + 3_600)]);
    assert!(
        matches!(refused, Err(StoreError::StorageFull)),
        "{refused:?}"
    );
    assert!(matches!(
        store.probe_writable(),
        Err(StoreError::StorageFull)
    ));
    let held = store
        .find_batch(DEV, 1)
        .unwrap()
        .expect("the batch is readable");
    assert_eq!(store.readings(&held).unwrap().len(), 12);
    assert!(store.find_batch(DEV, 13).unwrap().is_none());
    assert_eq!(store.counts().unwrap().pending, 1);
    drop(dir);
}

#[test]
fn a_reopened_store_keeps_every_commit_and_serves_reads_begun_before() {
    let (_dir, _path, _master, store) = temp_store();
    stored(&store.ingest(&[new_batch(DEV, PATIENT, 1, DAY0)]).unwrap()[0]);
    // A read transaction begun on the old handle: closed under it, then retried by read_op.
    let old = store.begin_read().unwrap();
    store.slot.reopen(store.slot.generation()).unwrap();
    drop(old);
    let held = store.find_batch(DEV, 1).unwrap().expect("kept");
    assert_eq!(store.readings(&held).unwrap().len(), 12);
    stored(
        &store
            .ingest(&[new_batch(DEV, PATIENT, 13, DAY0 + 3_600)])
            .unwrap()[0],
    );
    // A stale generation does not reopen twice, nor does a reopen right after another.
    let before = store.slot.generation();
    store.slot.reopen(before.wrapping_sub(1)).unwrap();
    store.slot.reopen(before).unwrap();
    assert_eq!(store.slot.generation(), before);
}
