//! `backup`: an online backup through the running relayer's operator socket, or, when no
//! relayer runs, one read from the store file directly; `backup --verify` checks a backup.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

use diachain_relayer_core::store::{verify_backup, RedbStore, RedbStoreOptions};
use serde_json::json;

use super::{CliError, CliResult};
use crate::config::{FileConfig, StoreSection};
use crate::ops_socket::{OpsReply, OpsRequest};

#[derive(clap::Args, Debug)]
pub struct BackupArgs {
    #[command(flatten)]
    pub store: StoreSection,
    /// Write a consistent, still-encrypted backup of the store to this new file (never
    /// replaced). While the relayer runs, it takes the backup itself (through --ops-socket)
    /// and goes on serving; otherwise the store file is read directly.
    #[arg(long, required_unless_present = "verify", conflicts_with = "verify")]
    pub to: Option<PathBuf>,
    /// Check a backup instead: it opens under the master key, its format and counts, and every
    /// reading decrypts. Prints what it holds (JSON).
    #[arg(long)]
    pub verify: Option<PathBuf>,
}

pub fn run(args: BackupArgs, file: FileConfig) -> CliResult {
    let section = args.store.or(file.store);
    if let Some(backup) = args.verify {
        let report = verify_backup(&backup, &section.master_key()?)?;
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    let to = args
        .to
        .ok_or(crate::config::ConfigError::Missing("--to or --verify"))?;
    let to = std::path::absolute(&to)?;
    let socket = section.ops_socket();
    let (mode, marker) = match UnixStream::connect(&socket) {
        Ok(stream) => ("online", ask(stream, &socket, &to)?),
        Err(_) => ("offline", offline(&section, &socket, &to)?),
    };
    let out = json!({ "mode": mode, "to": to, "marker": marker });
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

/// Asks the running relayer for the backup.
fn ask(
    mut stream: UnixStream,
    socket: &Path,
    to: &Path,
) -> Result<diachain_relayer_core::store::BackupMarker, CliError> {
    let io = |source| CliError::OpsSocket {
        socket: socket.to_path_buf(),
        source,
    };
    let mut line = serde_json::to_vec(&OpsRequest {
        backup_to: to.to_path_buf(),
    })?;
    line.push(b'\n');
    stream.write_all(&line).map_err(io)?;
    let mut answer = String::new();
    BufReader::new(stream).read_line(&mut answer).map_err(io)?;
    match serde_json::from_str(&answer)? {
        OpsReply::Ok(marker) => Ok(marker),
        OpsReply::Error(reason) => Err(CliError::OnlineBackup { reason }),
    }
}

/// No relayer answers on the socket: reads the store file itself.
fn offline(
    section: &StoreSection,
    socket: &Path,
    to: &Path,
) -> Result<diachain_relayer_core::store::BackupMarker, CliError> {
    let path = section.path();
    let options = RedbStoreOptions {
        min_free_bytes: 0,
        ..RedbStoreOptions::default()
    };
    let store = match RedbStore::open(&path, &section.master_key()?, options) {
        Ok(s) => s,
        Err(e) if e.is_in_use() => {
            return Err(CliError::StoreBusy {
                path,
                socket: socket.to_path_buf(),
            })
        }
        Err(source) => return Err(CliError::OpenStore { path, source }),
    };
    Ok(store.backup_to(to)?)
}
