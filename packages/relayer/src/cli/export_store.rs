//! `export-store`: moves the embedded store (its file, or a backup of it) into an empty
//! PostgreSQL database, all in one transaction, so that a custodian changes backend without
//! losing a reading (`docs/backup.md`).

use std::path::PathBuf;

use diachain_relayer_core::store::{import_redb, PgStore, RedbStore, RedbStoreOptions};

use super::{CliError, CliResult};
use crate::config::{ConfigError, FileConfig, StoreSection};

#[derive(clap::Args, Debug)]
pub struct ExportStoreArgs {
    /// The embedded store (--store-path, --master-key-file) and the database to fill
    /// (--database-url; it must be empty, and the relayer later runs on it with --store
    /// postgres and the same master key)
    #[command(flatten)]
    pub store: StoreSection,
    /// Read this backup (`backup --to`) instead of the store file: how to move a store whose
    /// relayer keeps running meanwhile
    #[arg(long)]
    pub from: Option<PathBuf>,
}

pub fn run(args: ExportStoreArgs, file: FileConfig) -> CliResult {
    let section = args.store.or(file.store);
    let master = section.master_key()?;
    let url = section.database_url.clone().ok_or(ConfigError::Missing(
        "--database-url (or DIACHAIN_RELAYER_DATABASE_URL): the database to export into",
    ))?;
    let path = args.from.unwrap_or_else(|| section.path());
    let options = RedbStoreOptions {
        min_free_bytes: 0,
        ..RedbStoreOptions::default()
    };
    let source = match RedbStore::open(&path, &master, options) {
        Ok(s) => s,
        Err(e) if e.is_in_use() => {
            return Err(CliError::StoreBusy {
                path,
                socket: section.ops_socket(),
            })
        }
        Err(source) => return Err(CliError::OpenStore { path, source }),
    };
    let (_, pg_options) = section.pg_options()?;
    let target = PgStore::open(&url, &master, pg_options)
        .map_err(|source| CliError::OpenDatabase { source })?;
    let report = import_redb(&target, &url, &source)?;
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
