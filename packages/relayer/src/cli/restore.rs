//! `restore`: installs a checked backup as the store (see `store::restore_backup`).

use std::path::PathBuf;

use diachain_relayer_core::store::restore_backup;

use super::CliResult;
use crate::config::{FileConfig, StoreSection};

#[derive(clap::Args, Debug)]
pub struct RestoreArgs {
    #[command(flatten)]
    pub store: StoreSection,
    /// The backup to restore (written by `backup --to`)
    #[arg(long)]
    pub from: PathBuf,
    /// Replace an existing store (never one a running relayer has open)
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: RestoreArgs, file: FileConfig) -> CliResult {
    let section = args.store.or(file.store);
    let path = section.path();
    let report = restore_backup(&args.from, &path, &section.master_key()?, args.force)?;
    let out = serde_json::json!({ "restored": path, "report": report });
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}
