//! `status` and `export-proof`: read the store (the embedded file, or the PostgreSQL database).

use diachain_relayer_core::proof::reading_proof;

use super::store::open_shared;
use super::CliResult;
use crate::config::StoreSection;

pub fn status(section: StoreSection) -> CliResult {
    let master = section.master_key()?;
    let store = open_shared(&section, &master)?.store;
    let counts = store.counts()?;
    println!("{}", serde_json::to_string_pretty(&counts)?);
    Ok(())
}

pub fn export_proof(section: StoreSection, device: &str, seq: u64) -> CliResult {
    let master = section.master_key()?;
    let store = open_shared(&section, &master)?.store;
    let proof = reading_proof(store.as_ref(), device, seq)?;
    println!("{}", serde_json::to_string_pretty(&proof)?);
    Ok(())
}
