//! Opening the store the configuration names: the embedded file or a PostgreSQL database.

use std::sync::Arc;

use diachain_relayer_core::store::crypto::MasterKey;
use diachain_relayer_core::store::{Heartbeat, PgStore, RedbStore, RedbStoreOptions, Store};

use super::CliError;
use crate::config::{StoreBackend, StoreSection};

/// An open store, what to call it in logs, and (PostgreSQL) the heartbeat that keeps this
/// instance's claims while it runs.
pub(super) struct Opened {
    pub store: Arc<dyn Store>,
    /// The embedded store itself (its online backups), when that is the store.
    pub redb: Option<Arc<RedbStore>>,
    pub label: String,
    pub heartbeat: Option<Heartbeat>,
}

pub(super) fn open_shared(section: &StoreSection, master: &MasterKey) -> Result<Opened, CliError> {
    match section.backend() {
        StoreBackend::Redb => {
            let options = RedbStoreOptions {
                two_phase_commit: section.two_phase_commit.unwrap_or(false),
                cache_bytes: section.cache_bytes()?,
                min_free_bytes: section.min_free_bytes(),
                ..RedbStoreOptions::default()
            };
            let path = section.path();
            let store =
                RedbStore::open(&path, master, options).map_err(|source| CliError::OpenStore {
                    path: path.clone(),
                    source,
                })?;
            let store = Arc::new(store);
            Ok(Opened {
                store: store.clone(),
                redb: Some(store),
                label: path.display().to_string(),
                heartbeat: None,
            })
        }
        StoreBackend::Postgres => {
            let (url, options) = section.pg_options()?;
            let store = Arc::new(
                PgStore::open(&url, master, options)
                    .map_err(|source| CliError::OpenDatabase { source })?,
            );
            let label = format!("postgres (instance {})", store.instance());
            tracing::info!(instance = store.instance(), "store: PostgreSQL");
            Ok(Opened {
                heartbeat: Some(store.heartbeat()),
                store,
                redb: None,
                label,
            })
        }
    }
}
