//! Store errors.

use std::path::PathBuf;
use std::sync::Arc;

use super::BatchId;

/// Why a master key could not be read.
#[derive(thiserror::Error, Debug)]
pub enum MasterKeyError {
    #[error("a master key is {expected} bytes, got {got}")]
    Length { expected: usize, got: usize },
    #[error("a master key is {hex_chars} hex characters")]
    Hex { hex_chars: usize },
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is neither hex nor 32 raw bytes", path.display())]
    Format { path: PathBuf },
}

#[derive(thiserror::Error, Debug)]
pub enum StoreError {
    #[error(
        "the master key does not open this store: it was created with another master key \
         (check the master key file or the DIACHAIN_RELAYER_MASTER_KEY variable)"
    )]
    WrongMasterKey,
    #[error("master key: {0}")]
    MasterKey(#[from] MasterKeyError),
    #[error("stored data failed authentication ({0}): tampered with, swapped or corrupted")]
    Tampered(String),
    #[error("a stored record is unreadable: {0}")]
    Corrupt(String),
    #[error("batch {id} is {from}; it cannot become {to}")]
    InvalidTransition {
        id: BatchId,
        from: &'static str,
        to: &'static str,
    },
    #[error("batch {0} does not exist")]
    UnknownBatch(BatchId),
    #[error("the readings of batch {0} were erased at the patient's request")]
    Erased(BatchId),
    #[error("outbox item {0} does not exist")]
    UnknownOutboxItem(u64),
    #[error("database: {0}")]
    Db(#[from] redb::Error),
    #[error("the group commit failed: {0}")]
    GroupFailed(Arc<StoreError>),
    #[error("the store is closed (shutting down)")]
    Closed,
    /// The database server cannot be reached or refused the connection (retry later).
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error("database: {0}")]
    Pg(String),
    #[error("the database's schema: {0}")]
    Schema(String),
    /// Another relayer instance took over the anchoring of this device (this one stopped
    /// renewing its claim in time): nothing was changed.
    #[error("the anchoring of device {0} was taken over by another relayer instance")]
    ClaimLost(String),
    #[error(
        "the store's disk is full: writes are refused until space is freed (reads still work)"
    )]
    StorageFull,
}

impl StoreError {
    /// A failure that goes away by itself (the database is restarting, unreachable): the
    /// caller answers "try again" (503) rather than "broken" (500).
    pub fn is_transient(&self) -> bool {
        matches!(self, StoreError::Unavailable(_) | StoreError::ClaimLost(_))
    }

    /// Whether the store file is open in another relayer (redb's file lock is held).
    pub fn is_in_use(&self) -> bool {
        matches!(self, StoreError::Db(redb::Error::DatabaseAlreadyOpen))
    }

    /// Whether the write was refused because the store's disk is full (also through a failed
    /// group commit).
    pub fn is_storage_full(&self) -> bool {
        match self {
            StoreError::StorageFull => true,
            StoreError::GroupFailed(e) => e.is_storage_full(),
            _ => false,
        }
    }
}

macro_rules! from_redb {
    ($($t:ty),+) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self {
                StoreError::Db(e.into())
            }
        }
    )+};
}
from_redb!(
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);
