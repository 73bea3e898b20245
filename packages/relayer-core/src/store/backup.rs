//! Backups of the embedded store: what they hold, what checking one found, why one failed.
//!
//! A backup is a redb file laid out exactly as a store (every table, every record copied as it
//! is, sealed values still sealed, data keys still wrapped, no master key), written from one
//! read snapshot of the live store ([`RedbStore::backup_to`](super::RedbStore::backup_to)),
//! in ONE write transaction whose last row is the [`BackupMarker`]: a backup cut short has no
//! marker, and one whose counts disagree with its marker is refused. See `docs/backup.md`.

use std::path::PathBuf;

use super::snapshot::SnapshotCounts;
use super::StoreError;

/// The `meta` row a complete backup ends with.
pub const BACKUP_MARKER_KEY: &str = "backup/complete";
/// The marker's format.
pub const BACKUP_FORMAT: &str = "diachain-relayer-backup/1";

/// Written into a backup last: what it holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BackupMarker {
    /// [`BACKUP_FORMAT`].
    pub format: String,
    /// When the snapshot was taken (Unix seconds).
    pub taken_at: u64,
    /// What the snapshot held.
    pub counts: SnapshotCounts,
}

/// What checking a backup found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BackupReport {
    pub marker: BackupMarker,
    /// Batches in the backup.
    pub batches: u64,
    /// Readings in the backup, each decrypted and authenticated under the master key.
    pub readings: u64,
    /// Batches of erased patients (headers kept, readings shredded).
    pub erased_batches: u64,
    /// Size of the backup file.
    pub bytes: u64,
}

/// Why a backup, a check or a restore failed.
#[derive(thiserror::Error, Debug)]
pub enum BackupError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} already exists: choose another file (or --force to replace a store)", .0.display())]
    Exists(PathBuf),
    #[error("{} is open in a running relayer: stop it before restoring over it", .0.display())]
    InUse(PathBuf),
    #[error(
        "{} is not a complete backup (no `{BACKUP_MARKER_KEY}` marker of format \
         {BACKUP_FORMAT}): it was cut short or is not a backup",
        .0.display()
    )]
    Incomplete(PathBuf),
    #[error("the backup's marker says {expected} {what}, but it holds {found}")]
    Mismatch {
        what: &'static str,
        expected: u64,
        found: u64,
    },
}

impl BackupError {
    pub(crate) fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> Self + '_ {
        move |source| BackupError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
