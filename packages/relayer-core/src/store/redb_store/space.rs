//! Disk space: writes are refused ([`StoreError::StorageFull`]) while the store's disk is full,
//! and tried again once space returns, without restarting anything.
//!
//! Two guards: before each write transaction, the free space of the store's file system is
//! compared with a reserve (`min_free_bytes`), so that in the usual case redb never meets a
//! full disk; and a write that failed for lack of space anyway (the reserve was 0, or another
//! process filled the disk mid-commit) puts the gate in the full state, where writes are refused
//! without touching the database until the reserve is free again, at most one try per
//! [`RETRY_INTERVAL`] (each failed try costs redb a reopen, see [`super::slot`]).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::store::StoreError;

/// Least time between two write attempts while the disk is full.
pub(crate) const RETRY_INTERVAL: Duration = Duration::from_secs(1);

#[derive(Default)]
struct FullState {
    /// When a write last failed for lack of space (`None`: not full).
    failed_at: Option<Instant>,
    /// Whether the reserve check refused writes (logged once per episode).
    below_reserve: bool,
}

pub(crate) struct SpaceGate {
    dir: PathBuf,
    min_free_bytes: u64,
    state: Mutex<FullState>,
}

impl SpaceGate {
    pub(crate) fn new(store_path: &Path, min_free_bytes: u64) -> Self {
        let dir = match store_path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        SpaceGate {
            dir,
            min_free_bytes,
            state: Mutex::new(FullState::default()),
        }
    }

    /// Bytes available to this process on the store's file system (`None` if unknown).
    pub(crate) fn available(&self) -> Option<u64> {
        let st = rustix::fs::statvfs(&self.dir).ok()?;
        st.f_bavail.checked_mul(st.f_frsize)
    }

    /// Whether a write may be tried now.
    pub(crate) fn admit(&self) -> Result<(), StoreError> {
        let available = self.available();
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if available.is_some_and(|a| a < self.min_free_bytes) {
            if !state.below_reserve {
                tracing::error!(
                    available_bytes = available,
                    reserve_bytes = self.min_free_bytes,
                    "the store's disk is below its free-space reserve: writes are refused until \
                     space is freed"
                );
                state.below_reserve = true;
            }
            return Err(StoreError::StorageFull);
        }
        if state
            .failed_at
            .is_some_and(|at| at.elapsed() < RETRY_INTERVAL)
        {
            return Err(StoreError::StorageFull);
        }
        Ok(())
    }

    /// A write failed for lack of space.
    pub(crate) fn failed_full(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.failed_at.is_none() {
            tracing::error!(
                "the store's disk is full: writes are refused until space is freed (reads go on)"
            );
        }
        state.failed_at = Some(Instant::now());
    }

    /// A write succeeded: the disk has room again.
    pub(crate) fn succeeded(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.failed_at.is_some() || state.below_reserve {
            tracing::warn!("the store's disk has room again: writes are accepted");
            *state = FullState::default();
        }
    }
}

/// Whether `e` is the file system refusing to grow the store (ENOSPC, or EDQUOT: a quota).
pub(crate) fn is_out_of_space(e: &StoreError) -> bool {
    match e {
        StoreError::StorageFull => true,
        StoreError::Db(redb::Error::Io(io)) => {
            io.kind() == std::io::ErrorKind::StorageFull
                || io.kind() == std::io::ErrorKind::QuotaExceeded
        }
        _ => false,
    }
}

/// Whether `e` leaves redb's handle unusable (it latched an I/O failure, or was closed under a
/// reader by a reopen): the database must be opened again.
pub(crate) fn needs_reopen(e: &StoreError) -> bool {
    matches!(
        e,
        StoreError::Db(redb::Error::Io(_) | redb::Error::PreviousIo | redb::Error::DatabaseClosed)
    )
}
