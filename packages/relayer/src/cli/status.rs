//! `status` and `export-proof`: read the local store.

use diachain_relayer_core::proof::reading_proof;
use diachain_relayer_core::store::{AnchoringStore, RedbStore, RedbStoreOptions};

use super::{CliError, CliResult};
use crate::config::StoreSection;

fn open(section: &StoreSection) -> Result<RedbStore, CliError> {
    let master = section.master_key()?;
    let path = section.path();
    RedbStore::open(&path, &master, RedbStoreOptions::default())
        .map_err(|source| CliError::OpenStore { path, source })
}

pub fn status(section: StoreSection) -> CliResult {
    let store = open(&section)?;
    let counts = store.counts()?;
    println!("{}", serde_json::to_string_pretty(&counts)?);
    Ok(())
}

pub fn export_proof(section: StoreSection, device: &str, seq: u64) -> CliResult {
    let store = open(&section)?;
    let proof = reading_proof(&store, device, seq)?;
    println!("{}", serde_json::to_string_pretty(&proof)?);
    Ok(())
}
