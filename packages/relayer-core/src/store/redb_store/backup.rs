//! [`RedbStore::backup_to`]: a snapshot of the live store, copied into a new redb file through
//! [`RedbFileSink`] (the same export another backend loads), in one write transaction ending
//! with the backup marker; synced, then renamed into place.

use std::borrow::Borrow;
use std::fs::File;
use std::path::{Path, PathBuf};

use redb::{Database, Durability, Key, TableDefinition, Value, WriteTransaction};

use super::tables::*;
use super::RedbStore;
use crate::store::backup::{BackupError, BackupMarker, BACKUP_FORMAT, BACKUP_MARKER_KEY};
use crate::store::snapshot::{SnapshotRecord, SnapshotSink};
use crate::store::StoreError;

impl RedbStore {
    /// Writes a consistent backup of the store to `to` (a new file: an existing one is never
    /// replaced) while the store goes on serving: one read snapshot copied into `to.partial`,
    /// committed durably with its marker last, synced, renamed to `to`, and the directory
    /// synced. Returns the marker written.
    pub fn backup_to(&self, to: &Path) -> Result<BackupMarker, BackupError> {
        if to.exists() {
            return Err(BackupError::Exists(to.to_path_buf()));
        }
        let partial = partial_path(to, "partial");
        remove_if_exists(&partial)?;
        let result = self.write_backup(&partial);
        let marker = match result {
            Ok(m) => m,
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                return Err(e);
            }
        };
        sync_file(&partial)?;
        if to.exists() {
            let _ = std::fs::remove_file(&partial);
            return Err(BackupError::Exists(to.to_path_buf()));
        }
        std::fs::rename(&partial, to).map_err(BackupError::io(to))?;
        sync_parent(to)?;
        Ok(marker)
    }

    fn write_backup(&self, partial: &Path) -> Result<BackupMarker, BackupError> {
        let db = Database::builder()
            .set_cache_size(self.options.cache_bytes)
            .create(partial)
            .map_err(StoreError::from)?;
        let mut txn = db.begin_write().map_err(StoreError::from)?;
        txn.set_durability(Durability::Immediate)
            .map_err(|e| StoreError::Db(e.into()))?;
        let taken_at = crate::clock::unix_now();
        let mut sink = RedbFileSink { txn: &txn };
        let counts = self.export_snapshot(&mut sink)?;
        let marker = BackupMarker {
            format: BACKUP_FORMAT.to_string(),
            taken_at,
            counts,
        };
        let bytes = serde_json::to_vec(&marker)
            .map_err(|e| StoreError::Corrupt(format!("backup marker: {e}")))?;
        put(&txn, META, BACKUP_MARKER_KEY, bytes.as_slice())?;
        txn.commit().map_err(StoreError::from)?;
        db.close().map_err(StoreError::from)?;
        Ok(marker)
    }
}

/// Writes each record into the same table of a new redb file, as it is.
pub(crate) struct RedbFileSink<'t> {
    pub(crate) txn: &'t WriteTransaction,
}

fn put<'k, 'v, K: Key + 'static, V: Value + 'static>(
    txn: &WriteTransaction,
    def: TableDefinition<'static, K, V>,
    k: impl Borrow<K::SelfType<'k>>,
    v: impl Borrow<V::SelfType<'v>>,
) -> Result<(), StoreError> {
    txn.open_table(def)?.insert(k, v)?;
    Ok(())
}

impl SnapshotSink for RedbFileSink<'_> {
    fn record(&mut self, record: SnapshotRecord<'_>) -> Result<(), StoreError> {
        use SnapshotRecord as R;
        let t = self.txn;
        match record {
            R::Meta { name, value } => put(t, META, name, value),
            R::DataKey { patient, wrapped } => put(t, DATA_KEYS, patient, wrapped),
            R::Batch { batch, record } => put(t, BATCHES, batch.id, record),
            R::Reading {
                batch_id,
                seq,
                sealed,
            } => put(t, READINGS, (batch_id, seq), sealed),
            R::Erasure {
                patient,
                number,
                record,
            } => put(t, ERASURES, (patient, number), record),
            R::Outbox { id, record } => put(t, OUTBOX, id, record),
            R::Uploader { device_id, sealed } => put(t, UPLOADERS, device_id, sealed),
            R::UploaderSkips {
                patient,
                device_id,
                sealed,
            } => put(t, UPLOADER_SKIPS, (patient, device_id), sealed),
            R::NsDoc {
                patient,
                collection,
                time_ms,
                number,
                sealed,
            } => put(t, NS_DOCS, (patient, collection, time_ms, number), sealed),
            R::Follower { id, sealed } => put(t, FOLLOWERS, id, sealed),
            R::HeldTime {
                device_id,
                measured_at,
                seq,
                value,
            } => put(t, HELD_TIMES, (device_id, measured_at, seq), value),
            R::AlertSettings { patient, record } => put(t, ALERT_SETTINGS, patient, record),
            R::Alert {
                patient,
                number,
                sealed,
            } => put(t, ALERTS, (patient, number), sealed),
            R::Webhook { id, sealed } => put(t, WEBHOOKS, id, sealed),
            R::Delivery {
                due_ms,
                number,
                record,
            } => put(t, DELIVERIES, (due_ms, number), record),
            R::Range {
                device_id,
                first_seq,
                last_seq,
                batch_id,
                day,
            } => put(t, RANGES, (device_id, first_seq), (last_seq, batch_id, day)),
            R::Pending { batch_id } => put(t, PENDING, batch_id, ()),
            R::InFlight { batch_id } => put(t, IN_FLIGHT, batch_id, ()),
            R::PatientBatch {
                patient,
                first_time,
                batch_id,
                last_time,
            } => put(
                t,
                PATIENT_BATCHES,
                (patient, first_time, batch_id),
                last_time,
            ),
            R::OutboxQueued { id } => put(t, OUTBOX_QUEUED, id, ()),
            R::OutboxInFlight { id } => put(t, OUTBOX_IN_FLIGHT, id, ()),
            R::UploaderToken {
                token_hash,
                device_id,
            } => put(t, UPLOADER_TOKENS, token_hash, device_id),
            R::FollowerToken {
                token_hash,
                follower_id,
            } => put(t, FOLLOWER_TOKENS, token_hash, follower_id),
            R::NsDocId {
                patient,
                collection,
                identifier,
                time_ms,
                number,
            } => put(
                t,
                NS_DOC_IDS,
                (patient, collection, identifier),
                (time_ms, number),
            ),
            R::NsDocModified {
                patient,
                collection,
                modified_ms,
                number,
                time_ms,
            } => put(
                t,
                NS_DOC_MODIFIED,
                (patient, collection, modified_ms, number),
                time_ms,
            ),
            R::AlertId {
                patient,
                alert_id,
                number,
            } => put(t, ALERT_IDS, (patient, alert_id), number),
            R::AlertLast {
                patient,
                kind,
                number,
            } => put(t, ALERT_LAST, (patient, kind), number),
            R::PatientWebhook {
                patient,
                webhook_id,
            } => put(t, PATIENT_WEBHOOKS, (patient, webhook_id), ()),
        }
    }
}

/// `<path>.<suffix>`, next to `path` (so that a rename is atomic).
pub(crate) fn partial_path(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

pub(crate) fn remove_if_exists(path: &Path) -> Result<(), BackupError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(BackupError::io(path)(e)),
    }
}

pub(crate) fn sync_file(path: &Path) -> Result<(), BackupError> {
    File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(BackupError::io(path))
}

/// Makes a rename in `path`'s directory durable.
pub(crate) fn sync_parent(path: &Path) -> Result<(), BackupError> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    File::open(&dir)
        .and_then(|f| f.sync_all())
        .map_err(BackupError::io(&dir))
}
