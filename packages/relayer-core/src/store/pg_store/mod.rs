//! The PostgreSQL store: the same records, encryption and acknowledgement rule as the embedded
//! store, in a database several relayer instances share.
//!
//! * **Durability**: every write is one transaction, committed (the server's WAL flushed, with
//!   the default `synchronous_commit = on`) before the call returns, so a batch is acknowledged
//!   only once it is durable, with all its readings or none.
//! * **Encryption**: what the database holds is sealed by the relayer first, under per-patient
//!   data keys wrapped by the master key, which never reaches the database; the master-key check
//!   value in `meta` refuses a relayer started with another master key.
//! * **Schema**: versioned migrations in `packages/relayer-core/migrations/` ([`migrate`]).
//! * **Pooling**: r2d2 keeps up to [`PgStoreOptions::pool_size`] connections.
//! * **Several instances**: ingests of one device are placed one at a time (a row lock on the
//!   device); anchoring work is claimed per device ([`claims`]) with a lease an instance renews
//!   while it lives, so no batch is sent by two instances and a dead instance's work (pending
//!   or in flight) is taken over once its lease runs out. Outbox items and webhook deliveries
//!   are claimed the same way, per item.
//!
//! Calls block, like the embedded store's: the synchronous `postgres` client runs its own
//! runtime, so a call made on an async runtime's thread is run on a scoped thread of its own.

mod alerts;
mod anchoring;
mod claims;
pub(crate) mod codec;
mod erasure;
mod followers;
mod held_times;
mod import;
mod ingest;
mod keys;
mod locks;
mod migrate;
mod nsdocs;
mod outbox;
mod read;
mod uploaders;
mod webhooks;

#[cfg(test)]
pub(crate) mod test_db;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_alerts;
#[cfg(test)]
mod tests_core;
#[cfg(test)]
mod tests_deliveries;
#[cfg(test)]
mod tests_import;
#[cfg(test)]
mod tests_nightscout;
#[cfg(test)]
mod tests_placement;

use std::sync::Arc;
use std::time::Duration;

use postgres::NoTls;
use r2d2_postgres::PostgresConnectionManager;

use super::crypto::MasterKey;
use super::keys::DataKeys;
use super::StoreError;

pub use claims::Heartbeat;
pub use import::{import_redb, ImportReport};

type Pool = r2d2::Pool<PostgresConnectionManager<NoTls>>;

/// Settings of the PostgreSQL store.
#[derive(Clone, Debug)]
pub struct PgStoreOptions {
    /// Connections kept in the pool.
    pub pool_size: u32,
    /// How long to wait for a connection (the server down: the call fails as unavailable).
    pub connect_timeout: Duration,
    /// How long an instance's claim on anchoring work lasts without renewal.
    pub lease: Duration,
    /// This instance's name in claims (unique per running process).
    pub instance: String,
}

impl Default for PgStoreOptions {
    fn default() -> Self {
        PgStoreOptions {
            pool_size: 8,
            connect_timeout: Duration::from_secs(2),
            lease: Duration::from_secs(30),
            instance: claims::instance_name(),
        }
    }
}

pub struct PgStore {
    /// Always `Some` until dropped (see the `Drop` impl).
    pool: Option<Pool>,
    keys: DataKeys,
    options: PgStoreOptions,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("instance", &self.options.instance)
            .finish_non_exhaustive()
    }
}

impl Drop for PgStore {
    /// Closing a connection of the synchronous client blocks on its own runtime, which an async
    /// runtime's thread may not do: the pool is dropped on a thread of its own then.
    fn drop(&mut self) {
        let Some(pool) = self.pool.take() else {
            return;
        };
        if tokio::runtime::Handle::try_current().is_err() {
            drop(pool);
        } else {
            let _ = std::thread::spawn(move || drop(pool)).join();
        }
    }
}

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        if e.is_closed() || (e.code().is_none() && e.as_db_error().is_none()) {
            return StoreError::Unavailable(e.to_string());
        }
        match e.code() {
            // admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections
            Some(c)
                if c.code().starts_with("57P")
                    || c.code().starts_with("08")
                    || c.code() == "53300" =>
            {
                StoreError::Unavailable(e.to_string())
            }
            _ => StoreError::Pg(describe(&e)),
        }
    }
}

/// A server's error as `SQLSTATE: message` (postgres::Error's own text is only "db error").
/// The detail, which can quote the values of a row, is left out.
fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => e.to_string(),
    }
}

/// SQLSTATEs after which a transaction is simply tried again: deadlock_detected and
/// serialization_failure.
const RETRYABLE: [&str; 2] = ["40P01", "40001"];

fn is_retryable(e: &StoreError) -> bool {
    matches!(e, StoreError::Pg(m) if RETRYABLE.iter().any(|code| m.starts_with(&format!("{code}: "))))
}

impl PgStore {
    /// Connects to `url` (`postgres://user@host:port/db` or key=value form), applies the
    /// schema's migrations and checks the master key (storing its check value in a new
    /// database). Fails with [`StoreError::WrongMasterKey`] when the database was made under
    /// another master key.
    pub fn open(
        url: &str,
        master: &MasterKey,
        options: PgStoreOptions,
    ) -> Result<Self, StoreError> {
        let mut config: postgres::Config = url
            .parse()
            .map_err(|e| StoreError::Schema(format!("the database URL: {e}")))?;
        config.connect_timeout(options.connect_timeout);
        config.application_name("diachain-relayer");
        let manager = PostgresConnectionManager::new(config, NoTls);
        let pool = r2d2::Pool::builder()
            .max_size(options.pool_size.max(1))
            .min_idle(Some(1))
            .connection_timeout(options.connect_timeout)
            .test_on_check_out(true)
            .build(manager)
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let store = PgStore {
            pool: Some(pool),
            keys: DataKeys::new(master),
            options,
        };
        store.with_client(|c| migrate::migrate(c).map(|_| ()))?;
        store.with_tx(|tx| keys::check_master(&store.keys, tx))?;
        store.with_client(|c| claims::register(c, &store.options.instance))?;
        Ok(store)
    }

    /// This instance's name in claims.
    pub fn instance(&self) -> &str {
        &self.options.instance
    }

    /// Starts the thread that renews this instance's claims every third of the lease, until
    /// the returned [`Heartbeat`] is dropped.
    pub fn heartbeat(self: &Arc<Self>) -> Heartbeat {
        claims::Heartbeat::start(self.clone())
    }

    /// Runs `f` with a pooled connection, on a scoped thread when called from an async
    /// runtime's thread (the synchronous client cannot block one).
    fn with_client<T: Send>(
        &self,
        f: impl Fn(&mut postgres::Client) -> Result<T, StoreError> + Send + Sync,
    ) -> Result<T, StoreError> {
        let run = || -> Result<T, StoreError> {
            let mut conn = self
                .pool
                .as_ref()
                .ok_or(StoreError::Closed)?
                .get()
                .map_err(|e| StoreError::Unavailable(e.to_string()))?;
            let mut tries = 0u32;
            loop {
                match f(&mut conn) {
                    Err(e) if is_retryable(&e) && tries < 5 => tries += 1,
                    other => return other,
                }
            }
        };
        if tokio::runtime::Handle::try_current().is_err() {
            return run();
        }
        std::thread::scope(|s| match s.spawn(run).join() {
            Ok(r) => r,
            Err(panic) => std::panic::resume_unwind(panic),
        })
    }

    /// Runs `f` in one transaction, committed before this returns (retried from the start
    /// after a deadlock or a serialization failure).
    fn with_tx<T: Send>(
        &self,
        f: impl Fn(&mut postgres::Transaction) -> Result<T, StoreError> + Send + Sync,
    ) -> Result<T, StoreError> {
        self.with_client(|c| {
            let mut tx = c.transaction()?;
            let out = f(&mut tx)?;
            tx.commit()?;
            Ok(out)
        })
    }

    /// Runs `f` on a consistent snapshot (a read-only repeatable-read transaction).
    fn with_snapshot<T: Send>(
        &self,
        f: impl Fn(&mut postgres::Transaction) -> Result<T, StoreError> + Send + Sync,
    ) -> Result<T, StoreError> {
        self.with_client(|c| {
            let mut tx = c
                .build_transaction()
                .isolation_level(postgres::IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()?;
            let out = f(&mut tx)?;
            tx.commit()?;
            Ok(out)
        })
    }
}

use super::{
    AlertStore, Delivery, FollowerRecord, FollowerStore, NsCollection, NsDoc, NsDocStore,
    PutOutcome, Settle, SkipLog, SkippedItem, UploaderRecord, UploaderStore, WebhookLimits,
    WebhookRecord,
};
use super::{
    AnchoringStore, BatchId, BatchLookup, DataStore, ErasureRecord, ErasureStore, HeldTimes,
    IngestOutcome, IngestStore, NewBatch, OutboxId, OutboxItem, OutboxMsg, OutboxState,
    OutboxStore, StateCounts, StoredBatch,
};
use diachain_relayer_types::alerts::{Alert, AlertKind, AlertSettings};
use diachain_std::Reading;

impl BatchLookup for PgStore {
    fn batch(&self, id: BatchId) -> Result<Option<StoredBatch>, StoreError> {
        read::batch(self, id)
    }
    fn find_batch(&self, device_id: &str, seq: u64) -> Result<Option<StoredBatch>, StoreError> {
        read::find_batch(self, device_id, seq)
    }
    fn device_head(&self, device_id: &str) -> Result<Option<StoredBatch>, StoreError> {
        read::head(self, device_id)
    }
    fn held_times(&self, device_id: &str, from: u64, to: u64) -> Result<HeldTimes, StoreError> {
        held_times::read(self, device_id, from, to)
    }
}

impl IngestStore for PgStore {
    fn ingest(&self, batches: &[NewBatch]) -> Result<Vec<IngestOutcome>, StoreError> {
        ingest::ingest(self, batches)
    }
    fn probe_writable(&self) -> Result<(), StoreError> {
        self.with_tx(|tx| {
            tx.execute(
                "INSERT INTO meta (name, value) VALUES ('probe', '\\x01')
                 ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value",
                &[],
            )?;
            Ok(())
        })
    }
}

impl AnchoringStore for PgStore {
    fn pending(&self, limit: usize) -> Result<Vec<StoredBatch>, StoreError> {
        read::queue(self, "pending", limit)
    }
    fn in_flight(&self) -> Result<Vec<StoredBatch>, StoreError> {
        read::queue(self, "in_flight", usize::MAX)
    }
    fn claim_pending(&self, limit: usize) -> Result<Vec<StoredBatch>, StoreError> {
        anchoring::claim_pending(self, limit)
    }
    fn claim_in_flight(&self) -> Result<Vec<StoredBatch>, StoreError> {
        anchoring::claim_in_flight(self)
    }
    fn mark_in_flight(
        &self,
        ids: &[BatchId],
        tx_hash: &str,
        timeout_height: u64,
    ) -> Result<(), StoreError> {
        anchoring::mark_in_flight(self, ids, tx_hash, timeout_height)
    }
    fn replace_in_flight(
        &self,
        ids: &[BatchId],
        old_hash: &str,
        tx_hash: &str,
        timeout_height: u64,
    ) -> Result<(), StoreError> {
        anchoring::replace_in_flight(self, ids, old_hash, tx_hash, timeout_height)
    }
    fn mark_anchored(&self, ids: &[BatchId], tx_hash: &str, height: u64) -> Result<(), StoreError> {
        anchoring::mark_anchored(self, ids, tx_hash, height)
    }
    fn mark_failed(&self, id: BatchId, reason: &str) -> Result<(), StoreError> {
        anchoring::mark_failed(self, id, reason)
    }
    fn requeue(&self, ids: &[BatchId]) -> Result<(), StoreError> {
        anchoring::requeue(self, ids)
    }
    fn counts(&self) -> Result<StateCounts, StoreError> {
        read::counts(self)
    }
}

impl DataStore for PgStore {
    fn readings(&self, batch: &StoredBatch) -> Result<Vec<Reading>, StoreError> {
        read::readings(self, batch)
    }
    fn patient_batches(
        &self,
        patient: &str,
        from: u64,
        to: u64,
        limit: usize,
    ) -> Result<Vec<StoredBatch>, StoreError> {
        read::patient_batches(self, patient, from, to, limit)
    }
}

impl ErasureStore for PgStore {
    fn erase_patient(
        &self,
        record: ErasureRecord,
        msg: OutboxMsg,
    ) -> Result<ErasureRecord, StoreError> {
        erasure::erase(self, record, msg)
    }
    fn erasures(&self, patient: &str) -> Result<Vec<ErasureRecord>, StoreError> {
        erasure::list(self, patient)
    }
}

impl OutboxStore for PgStore {
    fn enqueue(&self, msgs: &[OutboxMsg], queued_at: u64) -> Result<Vec<OutboxId>, StoreError> {
        outbox::enqueue(self, msgs, queued_at)
    }
    fn outbox(&self, in_flight: bool, limit: usize) -> Result<Vec<OutboxItem>, StoreError> {
        outbox::list(self, in_flight, limit)
    }
    fn claim_outbox(&self, in_flight: bool, limit: usize) -> Result<Vec<OutboxItem>, StoreError> {
        outbox::claim(self, in_flight, limit)
    }
    fn outbox_item(&self, id: OutboxId) -> Result<Option<OutboxItem>, StoreError> {
        outbox::item(self, id)
    }
    fn set_outbox_state(&self, ids: &[OutboxId], state: &OutboxState) -> Result<(), StoreError> {
        outbox::set_state(self, ids, state)
    }
    fn outbox_counts(&self) -> Result<(u64, u64), StoreError> {
        outbox::counts(self)
    }
}

impl UploaderStore for PgStore {
    fn put_uploader(&self, r: &UploaderRecord) -> Result<(), StoreError> {
        uploaders::put(self, r)
    }
    fn uploader(&self, device_id: &str) -> Result<Option<UploaderRecord>, StoreError> {
        uploaders::get(self, device_id)
    }
    fn uploader_by_token(&self, token_hash: &[u8]) -> Result<Option<UploaderRecord>, StoreError> {
        uploaders::by_token(self, token_hash)
    }
    fn uploader_ids(&self) -> Result<Vec<String>, StoreError> {
        uploaders::ids(self)
    }
    fn record_skips(
        &self,
        patient: &str,
        device_id: &str,
        items: Vec<SkippedItem>,
    ) -> Result<(), StoreError> {
        uploaders::record_skips(self, patient, device_id, items)
    }
    fn skips(&self, patient: &str, device_id: &str) -> Result<SkipLog, StoreError> {
        uploaders::skips(self, patient, device_id)
    }
}

impl FollowerStore for PgStore {
    fn put_follower(&self, r: &FollowerRecord) -> Result<(), StoreError> {
        followers::put(self, r)
    }
    fn follower(&self, id: &str) -> Result<Option<FollowerRecord>, StoreError> {
        followers::get(self, id)
    }
    fn follower_by_hash(&self, hash: &[u8]) -> Result<Option<FollowerRecord>, StoreError> {
        followers::by_hash(self, hash)
    }
    fn followers_of(&self, patient: &str) -> Result<Vec<FollowerRecord>, StoreError> {
        followers::of_patient(self, patient)
    }
}

impl NsDocStore for PgStore {
    fn put_ns_doc(
        &self,
        patient: &str,
        collection: NsCollection,
        doc: &mut NsDoc,
    ) -> Result<PutOutcome, StoreError> {
        nsdocs::put(self, patient, collection, doc)
    }
    fn ns_doc(
        &self,
        patient: &str,
        collection: NsCollection,
        identifier: &str,
    ) -> Result<Option<NsDoc>, StoreError> {
        nsdocs::by_identifier(self, patient, collection, identifier)
    }
    fn ns_docs(
        &self,
        patient: &str,
        collection: NsCollection,
        period_ms: (u64, u64),
        limit: usize,
        newest_first: bool,
    ) -> Result<Vec<NsDoc>, StoreError> {
        nsdocs::in_period(self, patient, collection, period_ms, limit, newest_first)
    }
    fn ns_docs_modified_after(
        &self,
        patient: &str,
        collection: NsCollection,
        after_ms: u64,
        limit: usize,
    ) -> Result<Vec<NsDoc>, StoreError> {
        nsdocs::modified_after(self, patient, collection, after_ms, limit)
    }
    fn ns_last_modified(
        &self,
        patient: &str,
        collection: NsCollection,
    ) -> Result<Option<u64>, StoreError> {
        nsdocs::last_modified(self, patient, collection)
    }
}

impl AlertStore for PgStore {
    fn alert_settings(&self, patient: &str) -> Result<Option<AlertSettings>, StoreError> {
        alerts::settings(self, patient)
    }
    fn put_alert_settings(&self, patient: &str, s: &AlertSettings) -> Result<(), StoreError> {
        alerts::put_settings(self, patient, s)
    }
    fn raise_alerts(&self, new: Vec<Alert>, due_ms: u64) -> Result<Vec<Alert>, StoreError> {
        alerts::raise(self, new, due_ms)
    }
    fn alerts(&self, patient: &str, since: u64, limit: usize) -> Result<Vec<Alert>, StoreError> {
        alerts::list(self, patient, since, limit)
    }
    fn latest_alerts(&self, patient: &str, limit: usize) -> Result<Vec<Alert>, StoreError> {
        alerts::latest(self, patient, limit)
    }
    fn alert(&self, patient: &str, seq: u64) -> Result<Option<Alert>, StoreError> {
        alerts::one(self, patient, seq)
    }
    fn last_alert(&self, patient: &str, kind: AlertKind) -> Result<Option<Alert>, StoreError> {
        alerts::last(self, patient, kind)
    }
    fn put_webhook(&self, w: &WebhookRecord) -> Result<(), StoreError> {
        webhooks::put_webhook(self, w)
    }
    fn add_webhook(&self, w: &WebhookRecord, limits: WebhookLimits) -> Result<bool, StoreError> {
        webhooks::add_webhook(self, w, limits)
    }
    fn webhook(&self, id: &str) -> Result<Option<WebhookRecord>, StoreError> {
        webhooks::webhook(self, id)
    }
    fn webhooks_of(&self, patient: &str) -> Result<Vec<WebhookRecord>, StoreError> {
        webhooks::webhooks_of(self, patient)
    }
    /// Claims what it returns for this instance (see [`webhooks`]).
    fn due_deliveries(&self, now_ms: u64, limit: usize) -> Result<Vec<Delivery>, StoreError> {
        webhooks::due(self, now_ms, limit)
    }
    fn next_delivery_due(&self) -> Result<Option<u64>, StoreError> {
        webhooks::next_due(self)
    }
    fn settle_deliveries(&self, settled: &[(Delivery, Settle)]) -> Result<(), StoreError> {
        webhooks::settle(self, settled)
    }
    fn received_since(&self, since: u64, limit: usize) -> Result<Vec<StoredBatch>, StoreError> {
        read::received_since(self, since, limit)
    }
}

/// What the relayer is assembled from (`relayer-api`'s state): checked when this compiles.
const _: fn() = || {
    fn assembled_from<T: super::Store + FollowerStore + NsDocStore>() {}
    assembled_from::<PgStore>();
};
