//! Checking a backup ([`verify_backup`]) and restoring one ([`restore_backup`]). Both work on a
//! private copy of the backup, opened as a store with every page's checksum verified, so that
//! the backup itself is never altered and a restore installs only a checked file, by rename.

use std::path::Path;

use redb::{Database, DatabaseError};

use super::backup::{partial_path, remove_if_exists, sync_file, sync_parent};
use super::{tables, RedbStore, RedbStoreOptions};
use crate::store::backup::{BackupError, BackupMarker, BackupReport, BACKUP_FORMAT};
use crate::store::crypto::MasterKey;
use crate::store::snapshot::{SnapshotRecord, SnapshotSink};
use crate::store::{DataStore, StoreError, BACKUP_MARKER_KEY};

/// Checks that `backup` is a complete backup that opens under `master`: its format, its marker
/// against what it holds, and every reading decrypted and authenticated. Leaves it untouched.
pub fn verify_backup(backup: &Path, master: &MasterKey) -> Result<BackupReport, BackupError> {
    let copy = partial_path(backup, "verifying");
    remove_if_exists(&copy)?;
    let result = copy_file(backup, &copy).and_then(|()| check(&copy, backup, master));
    let _ = std::fs::remove_file(&copy);
    result
}

/// Restores `backup` as the store at `store_path`: refuses to replace an existing store unless
/// `force` (and always while a relayer has it open), checks a copy as [`verify_backup`] does,
/// syncs it and renames it into place, so `store_path` is either the old store or the whole
/// restored one.
pub fn restore_backup(
    backup: &Path,
    store_path: &Path,
    master: &MasterKey,
    force: bool,
) -> Result<BackupReport, BackupError> {
    if store_path.exists() {
        if !force {
            return Err(BackupError::Exists(store_path.to_path_buf()));
        }
        refuse_if_in_use(store_path)?;
    }
    let staged = partial_path(store_path, "restoring");
    remove_if_exists(&staged)?;
    let report = match copy_file(backup, &staged).and_then(|()| check(&staged, backup, master)) {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_file(&staged);
            return Err(e);
        }
    };
    sync_file(&staged)?;
    std::fs::rename(&staged, store_path).map_err(BackupError::io(store_path))?;
    sync_parent(store_path)?;
    Ok(report)
}

fn refuse_if_in_use(store_path: &Path) -> Result<(), BackupError> {
    match Database::builder().open(store_path) {
        Err(DatabaseError::DatabaseAlreadyOpen) => {
            Err(BackupError::InUse(store_path.to_path_buf()))
        }
        // Closed again at once; a file redb cannot open is replaced (the caller forced it).
        _ => Ok(()),
    }
}

fn copy_file(from: &Path, to: &Path) -> Result<(), BackupError> {
    std::fs::copy(from, to).map_err(BackupError::io(from))?;
    Ok(())
}

/// Opens `copy` (of `shown`) as a store and checks it.
fn check(copy: &Path, shown: &Path, master: &MasterKey) -> Result<BackupReport, BackupError> {
    let options = RedbStoreOptions {
        check_integrity_on_open: true,
        min_free_bytes: 0,
        ..RedbStoreOptions::default()
    };
    let bytes = std::fs::metadata(shown)
        .map_err(BackupError::io(shown))?
        .len();
    let store = RedbStore::open(copy, master, options)?;
    let marker = store
        .backup_marker()?
        .filter(|m| m.format == BACKUP_FORMAT)
        .ok_or_else(|| BackupError::Incomplete(shown.to_path_buf()))?;
    let mut sink = VerifySink {
        store: &store,
        decrypted: 0,
        erased_batches: 0,
    };
    let counts = store.export_snapshot(&mut sink)?;
    let same = |what, expected, found| {
        if expected == found {
            Ok(())
        } else {
            Err(BackupError::Mismatch {
                what,
                expected,
                found,
            })
        }
    };
    same("batches", marker.counts.batches, counts.batches)?;
    same("readings", marker.counts.readings, counts.readings)?;
    same("decrypted readings", counts.readings, sink.decrypted)?;
    Ok(BackupReport {
        batches: counts.batches,
        readings: sink.decrypted,
        erased_batches: sink.erased_batches,
        bytes,
        marker,
    })
}

impl RedbStore {
    /// The marker of a backup (`None` in a store that is not one).
    pub fn backup_marker(&self) -> Result<Option<BackupMarker>, StoreError> {
        let txn = self.begin_read()?;
        let meta = txn.open_table(tables::META)?;
        let Some(v) = meta.get(BACKUP_MARKER_KEY)? else {
            return Ok(None);
        };
        serde_json::from_slice(v.value())
            .map(Some)
            .map_err(|e| StoreError::Corrupt(format!("backup marker: {e}")))
    }
}

/// Decrypts every batch's readings (a batch of an erased patient has none to decrypt).
struct VerifySink<'s> {
    store: &'s RedbStore,
    decrypted: u64,
    erased_batches: u64,
}

impl SnapshotSink for VerifySink<'_> {
    fn record(&mut self, record: SnapshotRecord<'_>) -> Result<(), StoreError> {
        let SnapshotRecord::Batch { batch, .. } = record else {
            return Ok(());
        };
        match self.store.readings(batch) {
            Ok(readings) => {
                let n = readings.len() as u64;
                if n != u64::from(batch.header.count) {
                    return Err(StoreError::Corrupt(format!(
                        "batch {} holds {n} readings, its header {}",
                        batch.id, batch.header.count
                    )));
                }
                self.decrypted = self.decrypted.saturating_add(n);
            }
            Err(StoreError::Erased(_)) => {
                self.erased_batches = self.erased_batches.saturating_add(1)
            }
            Err(e) => return Err(e),
        }
        Ok(())
    }
}
