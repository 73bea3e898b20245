//! The database handle, and reopening it after an I/O failure.
//!
//! redb (4.6) latches the first failed write, sync or read of its file: every later operation of
//! that `Database` — reads too, once they miss the page cache — fails with
//! `StorageError::PreviousIo` until the handle is dropped and the file opened again; the open
//! then repairs the file to its last committed transaction (what redb does on a full disk is
//! in `docs/backup.md`; `packages/relayer/tests/disk_full.rs` checks it on a real one). So the slot
//! hands out the current handle, and [`DbSlot::reopen`] swaps in a new one: transactions never
//! borrow the handle (they keep what they need alive themselves), so a reopen waits for nobody
//! but the live write transaction that holds the file, whose close redb defers to its end.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use redb::Database;

use crate::store::StoreError;

/// How long a reopen waits for the old handle's file lock to be released.
const REOPEN_PATIENCE: Duration = Duration::from_secs(10);
/// Least time between two reopens of a working handle (each repairs, reading the whole file):
/// a file that keeps failing is not reopened on every failed read.
const MIN_REOPEN_INTERVAL: Duration = Duration::from_millis(500);

pub(crate) struct DbSlot {
    path: PathBuf,
    cache_bytes: usize,
    check_integrity: bool,
    db: RwLock<Option<Arc<Database>>>,
    /// Bumped by every reopen, so that threads that failed on the same handle reopen it once.
    generation: AtomicU64,
    /// Held while reopening; when the last reopen ended.
    reopening: Mutex<Option<Instant>>,
}

impl DbSlot {
    pub(crate) fn open(
        path: &Path,
        cache_bytes: usize,
        check_integrity: bool,
    ) -> Result<Self, StoreError> {
        let db = open_db(path, cache_bytes, check_integrity)?;
        Ok(DbSlot {
            path: path.to_path_buf(),
            cache_bytes,
            check_integrity,
            db: RwLock::new(Some(Arc::new(db))),
            generation: AtomicU64::new(0),
            reopening: Mutex::new(None),
        })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The handle of the current generation.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The current handle; opens the file again if the last reopen failed.
    pub(crate) fn get(&self) -> Result<Arc<Database>, StoreError> {
        if let Some(db) = self.current() {
            return Ok(db);
        }
        self.reopen(self.generation())?;
        self.current().ok_or_else(|| {
            StoreError::Unavailable(
                "the store file could not be opened again after an I/O failure".into(),
            )
        })
    }

    fn current(&self) -> Option<Arc<Database>> {
        self.db
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Closes the handle of generation `seen` and opens the file again (redb repairs it to its
    /// last committed transaction). Nothing to do if another thread already did since `seen`,
    /// or if the handle was reopened less than [`MIN_REOPEN_INTERVAL`] ago.
    pub(crate) fn reopen(&self, seen: u64) -> Result<(), StoreError> {
        let mut last = self
            .reopening
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let has_handle = self.current().is_some();
        if has_handle
            && (self.generation() != seen
                || last.is_some_and(|at| at.elapsed() < MIN_REOPEN_INTERVAL))
        {
            return Ok(());
        }
        // Dropping the last clone closes the file; a clone lives only inside a `begin_*` call.
        let old = self
            .db
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        drop(old);
        let started = Instant::now();
        let db = loop {
            match open_db(&self.path, self.cache_bytes, self.check_integrity) {
                Ok(db) => break db,
                // The old handle's write transaction has not ended yet.
                Err(StoreError::Db(redb::Error::DatabaseAlreadyOpen))
                    if started.elapsed() < REOPEN_PATIENCE =>
                {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(e) => {
                    tracing::error!(error = %e, "the store could not be opened again");
                    return Err(e);
                }
            }
        };
        *self.db.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(db));
        self.generation.fetch_add(1, Ordering::AcqRel);
        *last = Some(Instant::now());
        tracing::warn!(
            took_ms = started.elapsed().as_millis() as u64,
            "the store was opened again after an I/O failure"
        );
        Ok(())
    }
}

fn open_db(path: &Path, cache_bytes: usize, check_integrity: bool) -> Result<Database, StoreError> {
    Database::builder()
        .set_cache_size(cache_bytes)
        .set_check_integrity_on_open(check_integrity)
        .create(path)
        .map_err(StoreError::from)
}
