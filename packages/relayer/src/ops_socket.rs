//! The operator socket: a Unix socket through which the relayer's owner asks the running relayer
//! for an online backup (the running process holds the store's file lock, so only it can read
//! a consistent snapshot while it serves).
//!
//! Who may ask: the relayer's HTTP API has no operator authentication (`/v1/status`,
//! `/healthz` and `/metrics` are public), so backups are not an HTTP route. The socket is
//! created owner-only (mode 0600), and every connection is checked by the kernel's peer
//! credentials (`SO_PEERCRED`): only the user the relayer runs as (the socket's owner) or root
//! is served. Nothing listens on the network, and no token is kept.
//!
//! Protocol: one JSON line each way. The request `{"backup_to": "/absolute/path"}`; the answer
//! `{"ok": <BackupMarker>}` or `{"error": "<sentence>"}`.

use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use diachain_relayer_core::store::{BackupMarker, RedbStore};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::watch;

/// A request on the operator socket.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpsRequest {
    /// Where to write the backup (absolute; a new file).
    pub backup_to: PathBuf,
}

/// The answer to a request.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpsReply {
    Ok(BackupMarker),
    Error(String),
}

/// Longest request line read.
const MAX_REQUEST: u64 = 8 * 1024;
/// How long a connection may take to send its request.
const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Binds the socket at `path` (replacing a stale socket a stopped relayer left; never another
/// kind of file) and serves it until `stop`. Call after the store is open: holding its lock
/// proves no other relayer serves this socket.
pub fn start(
    path: &Path,
    store: Arc<RedbStore>,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<tokio::task::JoinHandle<()>> {
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if !meta.file_type().is_socket() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!("{} exists and is not a socket", path.display()),
            ));
        }
        std::fs::remove_file(path)?;
    }
    let listener = UnixListener::bind(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    let owner = std::fs::metadata(path)?.uid();
    let path = path.to_path_buf();
    tracing::info!(socket = %path.display(), "operator socket listening (backups)");
    Ok(tokio::spawn(async move {
        loop {
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => {
                        tokio::spawn(serve_one(stream, owner, store.clone()));
                    }
                    Err(e) => tracing::warn!(error = %e, "operator socket: accept failed"),
                },
                _ = stop.changed() => break,
            }
        }
        let _ = std::fs::remove_file(&path);
    }))
}

async fn serve_one(stream: UnixStream, owner: u32, store: Arc<RedbStore>) {
    let uid = stream.peer_cred().map(|c| c.uid()).ok();
    let (read, mut write) = stream.into_split();
    let reply = match uid {
        Some(uid) if uid == owner || uid == 0 => answer(read, store).await,
        _ => {
            tracing::warn!(peer_uid = ?uid, "operator socket: a connection from another user refused");
            OpsReply::Error("only the relayer's own user (or root) may use this socket".into())
        }
    };
    let mut line = serde_json::to_vec(&reply).unwrap_or_else(|_| b"{\"error\":\"reply\"}".to_vec());
    line.push(b'\n');
    let _ = write.write_all(&line).await;
    let _ = write.shutdown().await;
}

async fn answer(read: tokio::net::unix::OwnedReadHalf, store: Arc<RedbStore>) -> OpsReply {
    let mut line = String::new();
    let mut reader = BufReader::new(tokio::io::AsyncReadExt::take(read, MAX_REQUEST));
    match tokio::time::timeout(REQUEST_TIMEOUT, reader.read_line(&mut line)).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => return OpsReply::Error(format!("unreadable request: {e}")),
        Err(_) => return OpsReply::Error("no request within 10 s".into()),
    }
    let request: OpsRequest = match serde_json::from_str(&line) {
        Ok(r) => r,
        Err(e) => return OpsReply::Error(format!("not a request: {e}")),
    };
    if !request.backup_to.is_absolute() {
        return OpsReply::Error("backup_to must be an absolute path".into());
    }
    tracing::info!(to = %request.backup_to.display(), "online backup requested");
    let started = std::time::Instant::now();
    let to = request.backup_to.clone();
    match tokio::task::spawn_blocking(move || store.backup_to(&to)).await {
        Ok(Ok(marker)) => {
            tracing::info!(
                to = %request.backup_to.display(),
                batches = marker.counts.batches,
                readings = marker.counts.readings,
                took_ms = started.elapsed().as_millis() as u64,
                "online backup written"
            );
            OpsReply::Ok(marker)
        }
        Ok(Err(e)) => {
            tracing::error!(error = %e, "online backup failed");
            OpsReply::Error(e.to_string())
        }
        Err(_) => OpsReply::Error("the backup task stopped".into()),
    }
}
