//! Backups: consistent while writes go on, a restore equal to its source, and refusals of a
//! wrong master key and of a truncated or corrupted backup.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use cosmwasm_std::Binary;
use redb::TableHandle;

use super::data_tests::erasure;
use super::tests::{new_batch, open, stored, temp_store, DEV, DEV2, OTHER_PATIENT};
use super::{export, restore_backup, tables, verify_backup, RedbStore};
use crate::store::crypto::MasterKey;
use crate::store::{
    BackupError, BatchLookup, ErasureStore, IngestStore, SnapshotRecord, SnapshotSink, StoreError,
    UploaderRecord, UploaderStore, BACKUP_MARKER_KEY,
};
use diachain_relayer_fixtures::{DAY0, PATIENT};

/// Every record of a snapshot, as text (the backup marker left out).
#[derive(Default)]
struct Collect(Vec<String>);

impl SnapshotSink for Collect {
    fn record(&mut self, r: SnapshotRecord<'_>) -> Result<(), StoreError> {
        if !matches!(r, SnapshotRecord::Meta { name, .. } if name == BACKUP_MARKER_KEY) {
            self.0.push(format!("{r:?}"));
        }
        Ok(())
    }
}

fn records(store: &RedbStore) -> Vec<String> {
    let mut c = Collect::default();
    store.export_snapshot(&mut c).unwrap();
    c.0
}

/// A store with two patients' batches, one patient erased, an outbox item and an uploader.
fn populated() -> (tempfile::TempDir, MasterKey, RedbStore) {
    let (dir, _path, master, store) = temp_store();
    for i in 0..5u64 {
        let t = DAY0 + i * 3_600;
        stored(
            &store
                .ingest(&[new_batch(DEV, PATIENT, 1 + i * 12, t)])
                .unwrap()[0],
        );
        stored(
            &store
                .ingest(&[new_batch(DEV2, OTHER_PATIENT, 1 + i * 12, t)])
                .unwrap()[0],
        );
    }
    let (record, msg) = erasure(OTHER_PATIENT, DAY0 + 86_000);
    store.erase_patient(record, msg).unwrap();
    store
        .put_uploader(&UploaderRecord {
            device_id: "ns-uploader-1".into(),
            patient: PATIENT.into(),
            secret_key: Binary::new(vec![1; 32]),
            token_hash: Binary::new(vec![2; 32]),
            secret512_hash: None,
            created_at: DAY0,
            registered_tx: None,
            name: None,
            revoked_at: None,
        })
        .unwrap();
    (dir, master, store)
}

#[test]
fn an_export_reads_every_table_of_the_store() {
    let (_dir, _m, store) = populated();
    let txn = store.begin_read().unwrap();
    let held: BTreeSet<String> = txn
        .list_tables()
        .unwrap()
        .map(|t| t.name().to_string())
        .collect();
    let exported: BTreeSet<String> = export::exported_tables().into_iter().collect();
    assert_eq!(
        held, exported,
        "a table the export does not read would be lost"
    );
}

#[test]
fn a_restore_equals_its_source_record_for_record() {
    let (dir, master, store) = populated();
    let backup = dir.path().join("b.backup");
    let marker = store.backup_to(&backup).unwrap();
    assert_eq!((marker.counts.batches, marker.counts.readings), (10, 60));
    let restored = dir.path().join("restored.redb");
    let report = restore_backup(&backup, &restored, &master, false).unwrap();
    // The erased patient's 5 batches keep their headers; their 60 readings are gone.
    assert_eq!(
        (report.batches, report.readings, report.erased_batches),
        (10, 60, 5)
    );
    let again = open(&restored, &master);
    assert_eq!(records(&again), records(&store));
    let b = again.find_batch(DEV, 13).unwrap().expect("batch restored");
    assert_eq!(b.header.first_seq, 13);
    // A restore never replaces a store unless forced.
    assert!(matches!(
        restore_backup(&backup, &restored, &master, false),
        Err(BackupError::Exists(_))
    ));
    // Nor one a relayer has open.
    assert!(matches!(
        restore_backup(&backup, &restored, &master, true),
        Err(BackupError::InUse(_))
    ));
    drop(again);
    restore_backup(&backup, &restored, &master, true).unwrap();
}

#[test]
fn a_backup_never_replaces_a_file() {
    let (dir, _m, store) = populated();
    let backup = dir.path().join("b.backup");
    std::fs::write(&backup, b"keep me").unwrap();
    assert!(matches!(
        store.backup_to(&backup),
        Err(BackupError::Exists(_))
    ));
    assert_eq!(std::fs::read(&backup).unwrap(), b"keep me");
}

#[test]
fn a_backup_under_another_master_key_is_refused() {
    let (dir, _master, store) = populated();
    let backup = dir.path().join("b.backup");
    store.backup_to(&backup).unwrap();
    let other = MasterKey::generate();
    assert!(matches!(
        verify_backup(&backup, &other),
        Err(BackupError::Store(StoreError::WrongMasterKey))
    ));
    let target = dir.path().join("restored.redb");
    assert!(matches!(
        restore_backup(&backup, &target, &other, false),
        Err(BackupError::Store(StoreError::WrongMasterKey))
    ));
    assert!(
        !target.exists(),
        "nothing is installed from a refused backup"
    );
}

#[test]
fn a_truncated_backup_is_refused() {
    let (dir, master, store) = populated();
    let backup = dir.path().join("b.backup");
    store.backup_to(&backup).unwrap();
    let bytes = std::fs::read(&backup).unwrap();
    for cut in [0, 4096, bytes.len() / 2, bytes.len() - 1] {
        let short = dir.path().join(format!("short-{cut}.backup"));
        std::fs::write(&short, &bytes[..cut]).unwrap();
        let target = dir.path().join(format!("r-{cut}.redb"));
        let result = restore_backup(&short, &target, &master, false);
        assert!(result.is_err(), "a backup cut at {cut} bytes was restored");
        assert!(!target.exists());
    }
}

#[test]
fn a_corrupted_backup_is_refused() {
    let (dir, master, store) = populated();
    let backup = dir.path().join("b.backup");
    store.backup_to(&backup).unwrap();
    // Alter one byte inside a sealed reading as stored in the backup file.
    let blob = reading_blob(&store, DEV, 13);
    let mut bytes = std::fs::read(&backup).unwrap();
    let at = find(&bytes, &blob).expect("the sealed reading is in the backup as it is");
    bytes[at + blob.len() / 2] ^= 0x01;
    std::fs::write(&backup, &bytes).unwrap();
    let err = verify_backup(&backup, &master).expect_err("a corrupted backup was accepted");
    assert!(
        matches!(
            err,
            BackupError::Store(StoreError::Tampered(_) | StoreError::Db(_))
        ),
        "{err}"
    );
}

fn reading_blob(store: &RedbStore, device: &str, seq: u64) -> Vec<u8> {
    let id = store.find_batch(device, seq).unwrap().expect("batch").id;
    let txn = store.begin_read().unwrap();
    let t = txn.open_table(tables::READINGS).unwrap();
    let v = t.get((id, seq)).unwrap().expect("blob").value().to_vec();
    v
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Backups taken while another thread ingests hold a prefix of the batches, each with all its
/// readings.
#[test]
fn a_backup_taken_during_ingest_holds_whole_batches_only() {
    let (dir, path, master, store) = temp_store();
    let store = Arc::new(store);
    let done = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicU64::new(0));
    let writer = {
        let (store, done, written) = (store.clone(), done.clone(), written.clone());
        std::thread::spawn(move || {
            let mut i = 0u64;
            while !done.load(Ordering::Acquire) && i < 2_000 {
                let b = new_batch(DEV, PATIENT, 1 + i * 12, DAY0 + i * 3_600);
                stored(&store.ingest(&[b]).unwrap()[0]);
                i += 1;
                written.store(i, Ordering::Release);
            }
        })
    };
    let mut seen = Vec::new();
    for n in 0..4 {
        while written.load(Ordering::Acquire) < 20 * (n + 1) {
            std::thread::yield_now();
        }
        let before = written.load(Ordering::Acquire);
        let backup = dir.path().join(format!("b{n}.backup"));
        let marker = store.backup_to(&backup).unwrap();
        let after = written.load(Ordering::Acquire);
        assert!(before <= marker.counts.batches && marker.counts.batches <= after);
        let report = verify_backup(&backup, &master).unwrap();
        assert_eq!(report.readings, report.batches * 12);
        assert_ids_are_a_prefix(&backup, &master, report.batches);
        seen.push(report.batches);
    }
    done.store(true, Ordering::Release);
    writer.join().unwrap();
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
    drop(path);
}

fn assert_ids_are_a_prefix(backup: &Path, master: &MasterKey, n: u64) {
    let copy = backup.with_extension("check.redb");
    std::fs::copy(backup, &copy).unwrap();
    let store = open(&copy, master);
    for id in 1..=n {
        assert!(
            store.batch(id).unwrap().is_some(),
            "batch {id} of {n} is missing"
        );
    }
    assert!(store.batch(n + 1).unwrap().is_none());
}

/// How long a backup and its check take for a store of `DIACHAIN_BACKUP_BATCHES` batches
/// (default 20,000: 240,000 readings). A measurement, not a check: run with
/// `cargo test --release -p diachain-relayer-core backup_throughput -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement (minutes in a debug build): run with --ignored --nocapture"]
fn backup_throughput() {
    let n: u64 = std::env::var("DIACHAIN_BACKUP_BATCHES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let (dir, path, master, store) = temp_store();
    let devices = 100u64;
    let per_device = n.div_ceil(devices);
    for round in 0..per_device {
        let group: Vec<_> = (0..devices)
            .map(|d| {
                let dev = format!("cgm-throughput-{d:04}");
                new_batch(&dev, PATIENT, 1 + round * 12, DAY0 + round * 3_600)
            })
            .collect();
        store.ingest(&group).unwrap();
    }
    let bytes = std::fs::metadata(&path).unwrap().len();
    let backup = dir.path().join("t.backup");
    let started = std::time::Instant::now();
    let marker = store.backup_to(&backup).unwrap();
    let took = started.elapsed();
    let started = std::time::Instant::now();
    let report = verify_backup(&backup, &master).unwrap();
    let checked = started.elapsed();
    eprintln!(
        "store {bytes} bytes, {} batches, {} readings: backup {:.2} s ({} bytes), verify {:.2} s",
        marker.counts.batches,
        marker.counts.readings,
        took.as_secs_f64(),
        report.bytes,
        checked.as_secs_f64()
    );
}

#[test]
fn a_backup_holds_no_plaintext_salt_or_master_key() {
    let (dir, _path, master, store) = temp_store();
    let batch = new_batch(DEV, PATIENT, 1, DAY0);
    store.ingest(std::slice::from_ref(&batch)).unwrap();
    let backup = dir.path().join("b.backup");
    store.backup_to(&backup).unwrap();
    let file = std::fs::read(&backup).unwrap();
    let has = |needle: &[u8]| file.windows(needle.len()).any(|w| w == needle);
    for r in &batch.readings {
        assert!(!has(&r.encode().unwrap()), "plaintext of {}", r.seq);
        assert!(!has(r.salt.as_slice()), "salt of {}", r.seq);
    }
    let hex_key = master.to_hex();
    assert!(!has(hex_key.as_bytes()));
    assert!(!has(&hex::decode(&hex_key).unwrap()));
    // What it holds is still there, sealed: the same ciphertext as the store's.
    assert!(has(&reading_blob(&store, DEV, 1)));
}
