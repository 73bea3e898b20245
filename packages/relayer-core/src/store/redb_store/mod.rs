//! The embedded default store: one redb file.
//!
//! redb is an ACID key-value store in pure Rust: copy-on-write B-trees, a commit is made
//! durable with fsync before `commit()` returns, and after a crash the file opens at its last
//! committed state (every page is checksummed, the commit slot is chosen by checksum), so a
//! transaction is either all there or not at all. See `docs/relayer.md`.

pub(super) mod alerts;
mod anchoring;
mod backup;
mod erasure;
mod export;
pub(super) mod followers;
mod held_times;
mod ingest;
pub(super) mod nsdocs;
mod outbox;
mod read;
mod restore;
mod slot;
mod space;
mod tables;
pub(super) mod uploaders;

use std::path::Path;

use diachain_std::Reading;
use redb::{Durability, ReadableDatabase, ReadableTable, ReadableTableMetadata};

use super::crypto::MasterKey;
use super::keys::DataKeys;
use super::{AlertStore, Delivery, Settle, WebhookRecord};
use super::{
    AnchoringStore, BatchId, BatchLookup, DataStore, ErasureRecord, ErasureStore, HeldTimes,
    IngestOutcome, IngestStore, NewBatch, OutboxId, OutboxItem, OutboxMsg, OutboxState,
    OutboxStore, StateCounts, StoreError, StoredBatch, UploaderStore,
};
use super::{FollowerRecord, FollowerStore};
use super::{NsCollection, NsDoc, NsDocStore, PutOutcome};
use super::{SkipLog, SkippedItem, UploaderRecord};
use diachain_relayer_types::alerts::{Alert, AlertKind, AlertSettings};
use tables::WriteTables;

pub use restore::{restore_backup, verify_backup};

/// Tuning of the redb store.
#[derive(Clone, Debug)]
pub struct RedbStoreOptions {
    /// redb's page cache, in bytes.
    pub cache_bytes: usize,
    /// Commit in two phases (two fsyncs per commit; guards against a crafted torn write at the
    /// cost of commit latency). The default one-phase commit is crash-safe through checksums.
    pub two_phase_commit: bool,
    /// Free space the store's file system must keep: below it, writes are refused with
    /// [`StoreError::StorageFull`] before redb meets a full disk (0: only a failed write stops
    /// them). See `docs/backup.md`.
    pub min_free_bytes: u64,
    /// Verify every page's checksum when opening (slow: reads the whole file), reporting a file
    /// altered outside redb as corrupt rather than trusting it. Used for backups being checked.
    pub check_integrity_on_open: bool,
}

/// The default free-space reserve: room for a few large commits and redb's file growth.
pub const DEFAULT_MIN_FREE_BYTES: u64 = 32 * 1024 * 1024;

impl Default for RedbStoreOptions {
    fn default() -> Self {
        RedbStoreOptions {
            cache_bytes: 64 * 1024 * 1024,
            two_phase_commit: false,
            min_free_bytes: DEFAULT_MIN_FREE_BYTES,
            check_integrity_on_open: false,
        }
    }
}

pub struct RedbStore {
    slot: slot::DbSlot,
    space: space::SpaceGate,
    keys: DataKeys,
    options: RedbStoreOptions,
}

impl std::fmt::Debug for RedbStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedbStore").finish_non_exhaustive()
    }
}

impl RedbStore {
    /// Opens the store at `path`, creating it (and its tables) if needed. Fails with
    /// [`StoreError::WrongMasterKey`] when the store was created under another master key.
    pub fn open(
        path: &Path,
        master: &MasterKey,
        options: RedbStoreOptions,
    ) -> Result<Self, StoreError> {
        let store = RedbStore {
            slot: slot::DbSlot::open(path, options.cache_bytes, options.check_integrity_on_open)?,
            space: space::SpaceGate::new(path, options.min_free_bytes),
            keys: DataKeys::new(master),
            options,
        };
        store.init()?;
        Ok(store)
    }

    /// Creates the tables and the master-key check on first use; checks both afterwards.
    fn init(&self) -> Result<(), StoreError> {
        let txn = self.begin_write()?;
        {
            let mut t = WriteTables::open(&txn)?;
            match t.meta.get(tables::FORMAT_KEY)? {
                Some(v) if v.value() != tables::FORMAT_VERSION => {
                    return Err(StoreError::Corrupt("unknown store format".into()));
                }
                _ => {}
            }
            let check = t
                .meta
                .get(tables::MASTER_CHECK_KEY)?
                .map(|v| v.value().to_vec());
            match check {
                Some(check) => self.keys.verify_master(&check)?,
                None if !t.batches.is_empty()? || !t.data_keys.is_empty()? => {
                    return Err(StoreError::Corrupt(
                        "the master-key check is missing".into(),
                    ));
                }
                None => {
                    let check = self.keys.master_check()?;
                    t.meta.insert(tables::MASTER_CHECK_KEY, check.as_slice())?;
                    t.meta.insert(tables::FORMAT_KEY, tables::FORMAT_VERSION)?;
                }
            }
            if t.meta.get(tables::PATIENT_INDEX_KEY)?.is_none() {
                index_patients(&mut t)?;
            }
            if t.meta.get(tables::HELD_TIMES_INDEX_KEY)?.is_none() {
                let uploaders: Vec<String> = txn
                    .open_table(tables::UPLOADERS)?
                    .iter()?
                    .map(|e| e.map(|(k, _)| k.value().to_string()))
                    .collect::<Result<_, _>>()?;
                held_times::index_uploaders(self, &mut t, &uploaders)?;
            }
        }
        // Tables only some writes touch: created here so that every read finds them.
        txn.open_table(tables::ERASURES)?;
        txn.open_table(tables::OUTBOX)?;
        txn.open_table(tables::OUTBOX_QUEUED)?;
        txn.open_table(tables::OUTBOX_IN_FLIGHT)?;
        txn.open_table(tables::UPLOADERS)?;
        txn.open_table(tables::UPLOADER_TOKENS)?;
        txn.open_table(tables::FOLLOWERS)?;
        txn.open_table(tables::FOLLOWER_TOKENS)?;
        txn.open_table(tables::UPLOADER_SKIPS)?;
        txn.open_table(tables::NS_DOCS)?;
        txn.open_table(tables::NS_DOC_IDS)?;
        txn.open_table(tables::NS_DOC_MODIFIED)?;
        txn.open_table(tables::ALERT_SETTINGS)?;
        txn.open_table(tables::ALERTS)?;
        txn.open_table(tables::ALERT_IDS)?;
        txn.open_table(tables::ALERT_LAST)?;
        txn.open_table(tables::WEBHOOKS)?;
        txn.open_table(tables::PATIENT_WEBHOOKS)?;
        txn.open_table(tables::DELIVERIES)?;
        txn.commit()?;
        Ok(())
    }

    /// A durable write transaction.
    fn begin_write(&self) -> Result<redb::WriteTransaction, StoreError> {
        let mut txn = self.slot.get()?.begin_write()?;
        txn.set_durability(Durability::Immediate)
            .map_err(|e| StoreError::Db(e.into()))?;
        txn.set_two_phase_commit(self.options.two_phase_commit);
        Ok(txn)
    }

    fn begin_read(&self) -> Result<redb::ReadTransaction, StoreError> {
        Ok(self.slot.get()?.begin_read()?)
    }

    /// The store file's path.
    pub fn path(&self) -> &Path {
        self.slot.path()
    }

    /// Runs a read; if the database handle failed (an I/O error latched, or a reopen closed it
    /// under this read), opens it again and runs the read once more.
    fn read_op<T>(&self, f: impl Fn() -> Result<T, StoreError>) -> Result<T, StoreError> {
        let seen = self.slot.generation();
        match f() {
            Err(e) if space::needs_reopen(&e) => {
                tracing::warn!(error = %e, "store read failed; opening the store again");
                self.slot.reopen(seen)?;
                f()
            }
            other => other,
        }
    }

    /// Runs a write unless the disk is full ([`StoreError::StorageFull`]); a write that fails
    /// for lack of space marks it full, and one that leaves the handle unusable reopens it (so
    /// that reads go on). Nothing of a failed write was committed.
    fn write_op<T>(&self, f: impl FnOnce() -> Result<T, StoreError>) -> Result<T, StoreError> {
        self.space.admit()?;
        let seen = self.slot.generation();
        match f() {
            Ok(v) => {
                self.space.succeeded();
                Ok(v)
            }
            Err(e) => {
                let full = space::is_out_of_space(&e);
                if full {
                    self.space.failed_full();
                }
                if space::needs_reopen(&e) {
                    if let Err(reopen) = self.slot.reopen(seen) {
                        tracing::error!(error = %reopen, "the store could not be reopened");
                    }
                }
                Err(if full { StoreError::StorageFull } else { e })
            }
        }
    }
}

/// Builds `patient_batches` from the stored batches (a store made before it existed).
fn index_patients(t: &mut WriteTables) -> Result<(), StoreError> {
    for entry in t.batches.iter()? {
        let (_, v) = entry?;
        let b = tables::decode_batch(v.value())?;
        t.patient_batches.insert(
            (b.patient.as_str(), b.header.first_time, b.id),
            b.header.last_time,
        )?;
    }
    t.meta.insert(tables::PATIENT_INDEX_KEY, [1u8].as_slice())?;
    Ok(())
}

impl BatchLookup for RedbStore {
    fn batch(&self, id: BatchId) -> Result<Option<StoredBatch>, StoreError> {
        self.read_op(|| read::batch(self, id))
    }
    fn find_batch(&self, device_id: &str, seq: u64) -> Result<Option<StoredBatch>, StoreError> {
        self.read_op(|| read::find_batch(self, device_id, seq))
    }
    fn device_head(&self, device_id: &str) -> Result<Option<StoredBatch>, StoreError> {
        self.read_op(|| read::head(self, device_id))
    }
    fn held_times(&self, device_id: &str, from: u64, to: u64) -> Result<HeldTimes, StoreError> {
        self.read_op(|| held_times::read(self, device_id, from, to))
    }
}

impl IngestStore for RedbStore {
    fn ingest(&self, batches: &[NewBatch]) -> Result<Vec<IngestOutcome>, StoreError> {
        self.write_op(|| ingest::ingest(self, batches))
    }
    fn probe_writable(&self) -> Result<(), StoreError> {
        self.write_op(|| {
            let txn = self.begin_write()?;
            {
                let mut meta = txn.open_table(tables::META)?;
                meta.insert(tables::PROBE_KEY, [1u8].as_slice())?;
            }
            txn.commit()?;
            Ok(())
        })
    }
}

impl AnchoringStore for RedbStore {
    fn pending(&self, limit: usize) -> Result<Vec<StoredBatch>, StoreError> {
        self.read_op(|| read::queue(self, tables::PENDING, limit))
    }
    fn in_flight(&self) -> Result<Vec<StoredBatch>, StoreError> {
        self.read_op(|| read::queue(self, tables::IN_FLIGHT, usize::MAX))
    }
    fn mark_in_flight(
        &self,
        ids: &[BatchId],
        tx_hash: &str,
        timeout_height: u64,
    ) -> Result<(), StoreError> {
        self.write_op(|| anchoring::mark_in_flight(self, ids, tx_hash, timeout_height))
    }
    fn replace_in_flight(
        &self,
        ids: &[BatchId],
        old_hash: &str,
        tx_hash: &str,
        timeout_height: u64,
    ) -> Result<(), StoreError> {
        self.write_op(|| anchoring::replace_in_flight(self, ids, old_hash, tx_hash, timeout_height))
    }
    fn mark_anchored(&self, ids: &[BatchId], tx_hash: &str, height: u64) -> Result<(), StoreError> {
        self.write_op(|| anchoring::mark_anchored(self, ids, tx_hash, height))
    }
    fn mark_failed(&self, id: BatchId, reason: &str) -> Result<(), StoreError> {
        self.write_op(|| anchoring::mark_failed(self, id, reason))
    }
    fn requeue(&self, ids: &[BatchId]) -> Result<(), StoreError> {
        self.write_op(|| anchoring::requeue(self, ids))
    }
    fn counts(&self) -> Result<StateCounts, StoreError> {
        self.read_op(|| read::counts(self))
    }
}

impl AlertStore for RedbStore {
    fn alert_settings(&self, patient: &str) -> Result<Option<AlertSettings>, StoreError> {
        self.read_op(|| alerts::settings(self, patient))
    }
    fn put_alert_settings(&self, patient: &str, s: &AlertSettings) -> Result<(), StoreError> {
        self.write_op(|| alerts::put_settings(self, patient, s))
    }
    fn raise_alerts(&self, new: Vec<Alert>, due_ms: u64) -> Result<Vec<Alert>, StoreError> {
        self.write_op(|| alerts::raise(self, new, due_ms))
    }
    fn alerts(&self, patient: &str, since: u64, limit: usize) -> Result<Vec<Alert>, StoreError> {
        self.read_op(|| alerts::list(self, patient, since, limit))
    }
    fn latest_alerts(&self, patient: &str, limit: usize) -> Result<Vec<Alert>, StoreError> {
        self.read_op(|| alerts::latest(self, patient, limit))
    }
    fn alert(&self, patient: &str, seq: u64) -> Result<Option<Alert>, StoreError> {
        self.read_op(|| alerts::one(self, patient, seq))
    }
    fn last_alert(&self, patient: &str, kind: AlertKind) -> Result<Option<Alert>, StoreError> {
        self.read_op(|| alerts::last(self, patient, kind))
    }
    fn put_webhook(&self, w: &WebhookRecord) -> Result<(), StoreError> {
        self.write_op(|| alerts::put_webhook(self, w))
    }
    fn add_webhook(
        &self,
        w: &WebhookRecord,
        limits: crate::store::WebhookLimits,
    ) -> Result<bool, StoreError> {
        self.write_op(|| alerts::add_webhook(self, w, limits))
    }
    fn webhook(&self, id: &str) -> Result<Option<WebhookRecord>, StoreError> {
        self.read_op(|| alerts::webhook(self, id))
    }
    fn webhooks_of(&self, patient: &str) -> Result<Vec<WebhookRecord>, StoreError> {
        self.read_op(|| alerts::webhooks_of(self, patient))
    }
    fn due_deliveries(&self, now_ms: u64, limit: usize) -> Result<Vec<Delivery>, StoreError> {
        self.read_op(|| alerts::due(self, now_ms, limit))
    }
    fn next_delivery_due(&self) -> Result<Option<u64>, StoreError> {
        self.read_op(|| alerts::next_due(self))
    }
    fn settle_deliveries(&self, settled: &[(Delivery, Settle)]) -> Result<(), StoreError> {
        self.write_op(|| alerts::settle(self, settled))
    }
    fn received_since(&self, since: u64, limit: usize) -> Result<Vec<StoredBatch>, StoreError> {
        self.read_op(|| alerts::received_since(self, since, limit))
    }
}

impl DataStore for RedbStore {
    fn readings(&self, batch: &StoredBatch) -> Result<Vec<Reading>, StoreError> {
        self.read_op(|| read::readings(self, batch))
    }
    fn patient_batches(
        &self,
        patient: &str,
        from: u64,
        to: u64,
        limit: usize,
    ) -> Result<Vec<StoredBatch>, StoreError> {
        self.read_op(|| read::patient_batches(self, patient, from, to, limit))
    }
}

impl ErasureStore for RedbStore {
    fn erase_patient(
        &self,
        record: ErasureRecord,
        msg: OutboxMsg,
    ) -> Result<ErasureRecord, StoreError> {
        self.write_op(|| erasure::erase(self, record, msg))
    }
    fn erasures(&self, patient: &str) -> Result<Vec<ErasureRecord>, StoreError> {
        self.read_op(|| erasure::list(self, patient))
    }
}

impl UploaderStore for RedbStore {
    fn put_uploader(&self, r: &UploaderRecord) -> Result<(), StoreError> {
        self.write_op(|| uploaders::put(self, r))
    }
    fn uploader(&self, device_id: &str) -> Result<Option<UploaderRecord>, StoreError> {
        self.read_op(|| uploaders::get(self, device_id))
    }
    fn uploader_by_token(&self, token_hash: &[u8]) -> Result<Option<UploaderRecord>, StoreError> {
        self.read_op(|| uploaders::by_token(self, token_hash))
    }
    fn record_skips(
        &self,
        patient: &str,
        device_id: &str,
        items: Vec<SkippedItem>,
    ) -> Result<(), StoreError> {
        self.write_op(|| uploaders::record_skips(self, patient, device_id, items))
    }
    fn skips(&self, patient: &str, device_id: &str) -> Result<SkipLog, StoreError> {
        self.read_op(|| uploaders::skips(self, patient, device_id))
    }
    fn uploader_ids(&self) -> Result<Vec<String>, StoreError> {
        self.read_op(|| uploaders::ids(self))
    }
}

impl FollowerStore for RedbStore {
    fn put_follower(&self, r: &FollowerRecord) -> Result<(), StoreError> {
        self.write_op(|| followers::put(self, r))
    }
    fn follower(&self, id: &str) -> Result<Option<FollowerRecord>, StoreError> {
        self.read_op(|| followers::get(self, id))
    }
    fn follower_by_hash(&self, hash: &[u8]) -> Result<Option<FollowerRecord>, StoreError> {
        self.read_op(|| followers::by_hash(self, hash))
    }
    fn followers_of(&self, patient: &str) -> Result<Vec<FollowerRecord>, StoreError> {
        self.read_op(|| followers::of_patient(self, patient))
    }
}

impl OutboxStore for RedbStore {
    fn enqueue(&self, msgs: &[OutboxMsg], queued_at: u64) -> Result<Vec<OutboxId>, StoreError> {
        self.write_op(|| outbox::enqueue(self, msgs, queued_at))
    }
    fn outbox(&self, in_flight: bool, limit: usize) -> Result<Vec<OutboxItem>, StoreError> {
        self.read_op(|| outbox::list(self, in_flight, limit))
    }
    fn outbox_item(&self, id: OutboxId) -> Result<Option<OutboxItem>, StoreError> {
        self.read_op(|| outbox::item(self, id))
    }
    fn set_outbox_state(&self, ids: &[OutboxId], state: &OutboxState) -> Result<(), StoreError> {
        self.write_op(|| outbox::set_state(self, ids, state))
    }
    fn outbox_counts(&self) -> Result<(u64, u64), StoreError> {
        self.read_op(|| outbox::counts(self))
    }
}

#[cfg(test)]
mod backup_tests;
#[cfg(test)]
mod data_tests;
#[cfg(test)]
mod held_times_tests;
#[cfg(test)]
mod nsdocs_tests;
#[cfg(test)]
mod space_tests;
#[cfg(test)]
mod tests;

impl NsDocStore for RedbStore {
    fn put_ns_doc(
        &self,
        patient: &str,
        collection: NsCollection,
        doc: &mut NsDoc,
    ) -> Result<PutOutcome, StoreError> {
        self.write_op(|| nsdocs::put(self, patient, collection, doc))
    }
    fn ns_doc(
        &self,
        patient: &str,
        collection: NsCollection,
        identifier: &str,
    ) -> Result<Option<NsDoc>, StoreError> {
        self.read_op(|| nsdocs::by_identifier(self, patient, collection, identifier))
    }
    fn ns_docs(
        &self,
        patient: &str,
        collection: NsCollection,
        period_ms: (u64, u64),
        limit: usize,
        newest_first: bool,
    ) -> Result<Vec<NsDoc>, StoreError> {
        self.read_op(|| {
            nsdocs::in_period(self, patient, collection, period_ms, limit, newest_first)
        })
    }
    fn ns_docs_modified_after(
        &self,
        patient: &str,
        collection: NsCollection,
        after_ms: u64,
        limit: usize,
    ) -> Result<Vec<NsDoc>, StoreError> {
        self.read_op(|| nsdocs::modified_after(self, patient, collection, after_ms, limit))
    }
    fn ns_last_modified(
        &self,
        patient: &str,
        collection: NsCollection,
    ) -> Result<Option<u64>, StoreError> {
        self.read_op(|| nsdocs::last_modified(self, patient, collection))
    }
}
