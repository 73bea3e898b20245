//! `status` and `export-proof`: read the local store.

use crate::config::StoreSection;
use crate::proof::reading_proof;
use crate::store::{RedbStore, RedbStoreOptions, Store};

use super::CliResult;

fn open(section: &StoreSection) -> Result<RedbStore, Box<dyn std::error::Error + Send + Sync>> {
    let master = section.master_key()?;
    let path = section.path();
    RedbStore::open(&path, &master, RedbStoreOptions::default())
        .map_err(|e| format!("cannot open the store {}: {e}", path.display()).into())
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
