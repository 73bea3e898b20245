//! The relayer's durable state, behind traits split by role, so that each task sees only what
//! it uses and a server database (PostgreSQL, shared by several relayer instances) can be added
//! next to the embedded default ([`RedbStore`], one file) by implementing them:
//!
//! | trait | who uses it | what |
//! | --- | --- | --- |
//! | [`BatchLookup`] | all below | stored batches by id, by (device, seq), a device's latest |
//! | [`IngestStore`] | the ingest pipeline, [`GroupCommit`], `/healthz` | durable ingest of verified batches; the write probe |
//! | [`AnchoringStore`] | the anchoring task, `/v1/status` | the anchoring queue and its transitions, counts |
//! | [`DataStore`] | the data API, proofs | a patient's batches by time, decrypted readings |
//! | [`ErasureStore`] | the erasure endpoints | crypto-shredding and the erasure records |
//! | [`UploaderStore`] | the Nightscout adapter | uploaders and their tokens |
//! | [`OutboxStore`] | the data API, the recorder | records owed to the chain and their states |
//! | [`AlertStore`] | the alert raiser, the alert routes, webhook delivery | alert settings, alerts, webhooks, the delivery queue |
//! | [`Store`] | where the relayer is assembled | all of them |
//!
//! What a store keeps:
//! * every accepted batch: its signed header, the device signature, the patient it belongs to,
//!   the gap it revealed and its anchoring state (pending → in flight → anchored, or failed);
//! * every reading, encrypted at rest with XChaCha20-Poly1305 under its patient's data key
//!   ([`crypto`]); data keys are wrapped by a master key that is never stored with the data;
//! * per device, the sequence ranges it holds, so overlaps and replays are refused.
//!
//! A whole store can be read from one consistent snapshot as typed, still-sealed records
//! ([`snapshot`]: backups, and an export into another backend); [`RedbStore::backup_to`],
//! [`verify_backup`] and [`restore_backup`] are the embedded store's backups (`docs/backup.md`).
//!
//! Every write is one ACID transaction made durable (fsync) before the call returns; a batch is
//! stored with all its readings or not at all. [`GroupCommit`] funnels concurrent ingests into
//! one transaction per commit (group commit) so that one fsync acknowledges many batches. Calls
//! block: run them off the async executor.

mod alerts;
mod backup;
pub mod crypto;
mod error;
mod follower;
mod group_commit;
mod held_code;
mod keys;
mod nsdocs;
mod outbox;
mod pg_store;
mod placement;
mod redb_store;
pub mod snapshot;
#[cfg(test)]
pub(crate) mod test_support;
mod types;
mod uploader;

pub use alerts::{Delivery, Settle, WebhookLimits, WebhookRecord, SUSPEND_AFTER};
pub use backup::{BackupError, BackupMarker, BackupReport, BACKUP_FORMAT, BACKUP_MARKER_KEY};
pub use diachain_relayer_types::data::ErasureRecord;
pub use diachain_relayer_types::nightscout::{SkipLog, SkippedItem};
pub use diachain_relayer_types::state::{
    AnchorState, BatchId, OutboxId, OutboxState, SeqRange, StateCounts,
};
pub use error::StoreError;
pub use follower::FollowerRecord;
pub use group_commit::GroupCommit;
pub use nsdocs::{DocReading, NsCollection, NsDoc, PutOutcome};
pub use outbox::{OutboxItem, OutboxMsg};
pub use pg_store::{import_redb, Heartbeat, ImportReport, PgStore, PgStoreOptions};
pub use redb_store::DEFAULT_MIN_FREE_BYTES;
pub use redb_store::{restore_backup, verify_backup, RedbStore, RedbStoreOptions};
pub use snapshot::{SnapshotCounts, SnapshotRecord, SnapshotSink};
pub use types::{HeldTime, HeldTimes, IngestOutcome, NewBatch, StoredBatch};
pub use uploader::UploaderRecord;

use diachain_relayer_types::alerts::{Alert, AlertKind, AlertSettings};
use diachain_std::Reading;

/// Stored batches by key: what every role reads.
pub trait BatchLookup: Send + Sync + 'static {
    /// One batch by id.
    fn batch(&self, id: BatchId) -> Result<Option<StoredBatch>, StoreError>;
    /// The stored batch of `device_id` whose range holds `seq`.
    fn find_batch(&self, device_id: &str, seq: u64) -> Result<Option<StoredBatch>, StoreError>;
    /// The device's latest stored batch (where its next one must start).
    fn device_head(&self, device_id: &str) -> Result<Option<StoredBatch>, StoreError>;
    /// The measured times of the readings held for a device sequenced by arrival (a
    /// relayer-held key, [`NewBatch::backfill`]) in `from..=to`, and its newest.
    fn held_times(&self, device_id: &str, from: u64, to: u64) -> Result<HeldTimes, StoreError>;
}

/// Storing verified batches.
pub trait IngestStore: BatchLookup {
    /// Stores each batch with its readings, in order, in ONE durable transaction. A batch that
    /// conflicts with what is held (overlap, replay of another batch, going backwards) is not
    /// stored and its outcome says why; an exact resubmission of a stored batch stores nothing
    /// and returns [`IngestOutcome::Duplicate`].
    fn ingest(&self, batches: &[NewBatch]) -> Result<Vec<IngestOutcome>, StoreError>;
    /// Proves the store is writable with a small durable write.
    fn probe_writable(&self) -> Result<(), StoreError>;
}

/// The anchoring queue. A transition from a state that does not allow it fails and changes
/// nothing: an anchored batch can never be queued again.
pub trait AnchoringStore: BatchLookup {
    /// Pending batches in ingest order (per device, in sequence order), at most `limit`.
    fn pending(&self, limit: usize) -> Result<Vec<StoredBatch>, StoreError>;
    /// Batches recorded in flight (broadcast, outcome not yet known), in ingest order.
    fn in_flight(&self) -> Result<Vec<StoredBatch>, StoreError>;
    /// The anchoring task's [`AnchoringStore::pending`]: where several relayer instances share
    /// the store, only batches this instance may anchor (see `PgStore`), claimed for it.
    fn claim_pending(&self, limit: usize) -> Result<Vec<StoredBatch>, StoreError> {
        self.pending(limit)
    }
    /// The anchoring task's [`AnchoringStore::in_flight`]: where several instances share the
    /// store, the batches this instance must settle (its own, and those of an instance that
    /// stopped), claimed for it.
    fn claim_in_flight(&self) -> Result<Vec<StoredBatch>, StoreError> {
        self.in_flight()
    }
    /// Records that `ids` (all pending) are being anchored by transaction `tx_hash`, which no
    /// block above `timeout_height` may include; call it before broadcasting, so that after a
    /// crash the transaction can be looked up (and, once the chain is past its timeout height
    /// without it, known never to land).
    fn mark_in_flight(
        &self,
        ids: &[BatchId],
        tx_hash: &str,
        timeout_height: u64,
    ) -> Result<(), StoreError>;
    /// Records that `ids`, in flight in `old_hash` (which CheckTx refused, so it never reached
    /// a mempool), are now in flight in the re-signed `tx_hash`.
    fn replace_in_flight(
        &self,
        ids: &[BatchId],
        old_hash: &str,
        tx_hash: &str,
        timeout_height: u64,
    ) -> Result<(), StoreError>;
    /// Records that `ids` (pending or in flight) were anchored by `tx_hash` at `height`.
    fn mark_anchored(&self, ids: &[BatchId], tx_hash: &str, height: u64) -> Result<(), StoreError>;
    /// Records that the chain refused batch `id` (pending or in flight) for `reason`.
    fn mark_failed(&self, id: BatchId, reason: &str) -> Result<(), StoreError>;
    /// Puts in-flight batches back in the queue (their transaction did not land).
    fn requeue(&self, ids: &[BatchId]) -> Result<(), StoreError>;
    /// How many batches are in each anchoring state.
    fn counts(&self) -> Result<StateCounts, StoreError>;
}

/// Reading a patient's data: for the data API and proofs.
pub trait DataStore: BatchLookup {
    /// A batch's readings, decrypted and authenticated, in sequence order.
    fn readings(&self, batch: &StoredBatch) -> Result<Vec<Reading>, StoreError>;
    /// The patient's stored batches holding readings measured in `from..=to` (Unix seconds),
    /// in time order, at most `limit`; erased batches are not among them.
    fn patient_batches(
        &self,
        patient: &str,
        from: u64,
        to: u64,
        limit: usize,
    ) -> Result<Vec<StoredBatch>, StoreError>;
}

/// Erasure on a patient's request.
pub trait ErasureStore: Send + Sync + 'static {
    /// Crypto-shredding: destroys the patient's data key and the readings it sealed, removes
    /// their batches from the data API's index (headers stay, for anchoring and proofs of
    /// existence), keeps `record` and queues `msg` for the chain, all in one durable
    /// transaction. Returns the record with its counts and outbox id filled in.
    fn erase_patient(
        &self,
        record: ErasureRecord,
        msg: OutboxMsg,
    ) -> Result<ErasureRecord, StoreError>;
    /// The patient's erasures, oldest first.
    fn erasures(&self, patient: &str) -> Result<Vec<ErasureRecord>, StoreError>;
}

/// Nightscout uploaders: keys the relayer holds for patients.
pub trait UploaderStore: Send + Sync + 'static {
    /// Keeps a Nightscout uploader (sealed under the master key) and indexes its token.
    fn put_uploader(&self, r: &UploaderRecord) -> Result<(), StoreError>;
    fn uploader(&self, device_id: &str) -> Result<Option<UploaderRecord>, StoreError>;
    /// The uploader whose `api-secret` header hashes (SHA-256) to `token_hash`.
    fn uploader_by_token(&self, token_hash: &[u8]) -> Result<Option<UploaderRecord>, StoreError>;
    /// Every uploader's device id.
    fn uploader_ids(&self) -> Result<Vec<String>, StoreError>;
    /// Adds what an upload of `device_id` (an uploader of `patient`) left out to its skip log.
    fn record_skips(
        &self,
        patient: &str,
        device_id: &str,
        items: Vec<SkippedItem>,
    ) -> Result<(), StoreError>;
    /// The uploader's skip log (empty if nothing was left out, or the patient erased it).
    fn skips(&self, patient: &str, device_id: &str) -> Result<SkipLog, StoreError>;
}

/// Nightscout followers' tokens.
pub trait FollowerStore: Send + Sync + 'static {
    /// Keeps a follower (sealed under the master key) and indexes its token hashes (removes
    /// them when it is revoked).
    fn put_follower(&self, r: &FollowerRecord) -> Result<(), StoreError>;
    fn follower(&self, id: &str) -> Result<Option<FollowerRecord>, StoreError>;
    /// The follower whose token, or its SHA-1 hex, hashes (SHA-256) to `hash`.
    fn follower_by_hash(&self, hash: &[u8]) -> Result<Option<FollowerRecord>, StoreError>;
    /// A patient's followers, revoked ones too.
    fn followers_of(&self, patient: &str) -> Result<Vec<FollowerRecord>, StoreError>;
}

/// Nightscout documents (treatments, device statuses, profiles) of a patient's uploaders.
pub trait NsDocStore: Send + Sync + 'static {
    /// Keeps `doc`, replacing the patient's document of the collection with its identifier,
    /// unless it is measured at or before the patient's last erasure. Its `srv_modified` is
    /// raised, in the same transaction, above every other change of the collection (so a
    /// history read never misses it).
    fn put_ns_doc(
        &self,
        patient: &str,
        collection: NsCollection,
        doc: &mut NsDoc,
    ) -> Result<PutOutcome, StoreError>;
    fn ns_doc(
        &self,
        patient: &str,
        collection: NsCollection,
        identifier: &str,
    ) -> Result<Option<NsDoc>, StoreError>;
    /// The documents whose time is in `period_ms` (inclusive), oldest or newest first, at most
    /// `limit`.
    fn ns_docs(
        &self,
        patient: &str,
        collection: NsCollection,
        period_ms: (u64, u64),
        limit: usize,
        newest_first: bool,
    ) -> Result<Vec<NsDoc>, StoreError>;
    /// The documents changed after `after_ms`, in the order of their last change, at most
    /// `limit`.
    fn ns_docs_modified_after(
        &self,
        patient: &str,
        collection: NsCollection,
        after_ms: u64,
        limit: usize,
    ) -> Result<Vec<NsDoc>, StoreError>;
    /// The last change of any of the patient's documents of the collection.
    fn ns_last_modified(
        &self,
        patient: &str,
        collection: NsCollection,
    ) -> Result<Option<u64>, StoreError>;
}

/// Records owed to the chain (accesses served, erasures done) and their states.
pub trait OutboxStore: Send + Sync + 'static {
    /// Queues `msgs` for the chain in one durable transaction; returns their ids.
    fn enqueue(&self, msgs: &[OutboxMsg], queued_at: u64) -> Result<Vec<OutboxId>, StoreError>;
    /// Outbox items queued (`in_flight` false) or in flight (whatever their hash), oldest
    /// first, at most `limit`.
    fn outbox(&self, in_flight: bool, limit: usize) -> Result<Vec<OutboxItem>, StoreError>;
    /// The recorder's [`OutboxStore::outbox`]: where several relayer instances share the
    /// store, only items no other instance is sending, claimed for this one.
    fn claim_outbox(&self, in_flight: bool, limit: usize) -> Result<Vec<OutboxItem>, StoreError> {
        self.outbox(in_flight, limit)
    }
    /// One outbox item.
    fn outbox_item(&self, id: OutboxId) -> Result<Option<OutboxItem>, StoreError>;
    /// Moves `ids` to `state` (and into or out of the queues) in one durable transaction.
    fn set_outbox_state(&self, ids: &[OutboxId], state: &OutboxState) -> Result<(), StoreError>;
    /// (queued, in flight) outbox items.
    fn outbox_counts(&self) -> Result<(u64, u64), StoreError>;
}

/// Alerts: settings, the alerts raised, webhooks and the delivery queue.
pub trait AlertStore: DataStore {
    /// The patient's settings, if they set any.
    fn alert_settings(&self, patient: &str) -> Result<Option<AlertSettings>, StoreError>;
    fn put_alert_settings(&self, patient: &str, s: &AlertSettings) -> Result<(), StoreError>;
    /// Keeps the alerts whose id their patient has none of yet (numbering them) and, in the same
    /// durable transaction, queues a delivery due at `due_ms` for each to each of its patient's
    /// webhooks that wants its kind. Returns the alerts kept now, numbered.
    fn raise_alerts(&self, alerts: Vec<Alert>, due_ms: u64) -> Result<Vec<Alert>, StoreError>;
    /// The patient's alerts numbered after `since`, oldest first, at most `limit`.
    fn alerts(&self, patient: &str, since: u64, limit: usize) -> Result<Vec<Alert>, StoreError>;
    /// The patient's latest `limit` alerts, oldest first.
    fn latest_alerts(&self, patient: &str, limit: usize) -> Result<Vec<Alert>, StoreError>;
    /// One of the patient's alerts.
    fn alert(&self, patient: &str, seq: u64) -> Result<Option<Alert>, StoreError>;
    /// The patient's latest alert of `kind`.
    fn last_alert(&self, patient: &str, kind: AlertKind) -> Result<Option<Alert>, StoreError>;
    /// Keeps a webhook (sealed under the master key), replacing one with its id.
    fn put_webhook(&self, w: &WebhookRecord) -> Result<(), StoreError>;
    /// Keeps a new webhook unless it would pass `limits` (counted in the same transaction);
    /// whether it was kept.
    fn add_webhook(&self, w: &WebhookRecord, limits: WebhookLimits) -> Result<bool, StoreError>;
    fn webhook(&self, id: &str) -> Result<Option<WebhookRecord>, StoreError>;
    /// The patient's webhooks, revoked ones too.
    fn webhooks_of(&self, patient: &str) -> Result<Vec<WebhookRecord>, StoreError>;
    /// Deliveries due at or before `now_ms`, soonest first, at most `limit`.
    fn due_deliveries(&self, now_ms: u64, limit: usize) -> Result<Vec<Delivery>, StoreError>;
    /// When the next delivery is due, if any is queued.
    fn next_delivery_due(&self) -> Result<Option<u64>, StoreError>;
    /// Ends or reschedules deliveries and counts them on their webhooks, in one durable
    /// transaction (a delivery settled before is left as it is).
    fn settle_deliveries(&self, settled: &[(Delivery, Settle)]) -> Result<(), StoreError>;
    /// One delivery, settled.
    fn settle_delivery(&self, d: &Delivery, outcome: &Settle) -> Result<(), StoreError> {
        self.settle_deliveries(&[(d.clone(), outcome.clone())])
    }
    /// Batches received at or after `since` (Unix seconds), newest first, at most `limit`.
    fn received_since(&self, since: u64, limit: usize) -> Result<Vec<StoredBatch>, StoreError>;
}

/// Every role: what a backend implements, and what the relayer is assembled from.
pub trait Store:
    IngestStore
    + AnchoringStore
    + DataStore
    + ErasureStore
    + UploaderStore
    + OutboxStore
    + AlertStore
    + FollowerStore
    + NsDocStore
{
}

impl<T> Store for T where
    T: IngestStore
        + AnchoringStore
        + DataStore
        + ErasureStore
        + UploaderStore
        + OutboxStore
        + AlertStore
        + FollowerStore
        + NsDocStore
{
}
