//! A whole store, record by record, from ONE consistent snapshot: what a backup copies and what
//! an export into another backend (embedded → PostgreSQL) loads.
//!
//! [`RedbStore::export_snapshot`](super::RedbStore::export_snapshot) reads every table in one
//! read transaction (an MVCC snapshot: ingest goes on meanwhile, and the snapshot holds every
//! batch either with all its readings or not at all) and hands each record to a
//! [`SnapshotSink`], in this order:
//!
//! 1. [`SnapshotRecord::Meta`], then [`SnapshotRecord::DataKey`];
//! 2. each [`SnapshotRecord::Batch`] in id (ingest) order, directly followed by its
//!    [`SnapshotRecord::Reading`]s in sequence order (none for a patient who was erased);
//! 3. the other primary records, table by table;
//! 4. the derived records ([`SnapshotRecord::is_derived`]): indexes and queues a backend can
//!    rebuild from the primary ones. A backup copies them as they are; another backend may
//!    skip them and build its own.
//!
//! Nothing is decrypted on the way: values sealed in the store (readings under their patient's
//! data key; uploaders, followers and webhooks under the master key) come out sealed, data keys
//! come out wrapped by the master key, and the master key itself is never part of a snapshot.
//! A sealed value's associated data is built from its key fields (see `crypto::reading_aad` and
//! the `aad` functions of `redb_store`), so a sink must keep those fields exactly as given for
//! the value to open again under the same master key.
//!
//! JSON values (`record` fields) are the store's serde encodings of the types named on each
//! variant (`serde_json::from_slice` reads them).

use super::{BatchId, OutboxId, StoreError, StoredBatch};

/// One stored record. Borrowed: a sink copies what it keeps.
#[derive(Debug, Clone, Copy)]
pub enum SnapshotRecord<'a> {
    /// `meta`: `format` (the store format, `diachain-relayer-store/1`), `master_check` (a
    /// value sealed under the master key: whether a master key opens this store), the counters
    /// `count/anchored` and `count/failed` (u64, big-endian), index flags (`index/…`), the
    /// write probe (`probe`) and, in a backup, `backup/complete` (JSON of
    /// [`BackupMarker`](super::BackupMarker)).
    Meta { name: &'a str, value: &'a [u8] },
    /// `data_keys`: a patient's data key, wrapped (sealed) by the master key with associated
    /// data `crypto::data_key_aad(patient)`. Absent once the patient was erased.
    DataKey { patient: &'a str, wrapped: &'a [u8] },
    /// `batches`: an accepted batch — signed header, device signature, patient, gap revealed,
    /// receipt times and anchoring state — decoded, with its stored JSON (`record`).
    Batch {
        batch: &'a StoredBatch,
        record: &'a [u8],
    },
    /// `readings`: one reading of the batch just given, sealed under its patient's data key
    /// (associated data `crypto::reading_aad(patient, device_id, seq)`); the canonical reading
    /// encoding with its salt inside.
    Reading {
        batch_id: BatchId,
        seq: u64,
        sealed: &'a [u8],
    },
    /// `erasures`: a patient's erasure number `number` (JSON of `ErasureRecord`).
    Erasure {
        patient: &'a str,
        number: u64,
        record: &'a [u8],
    },
    /// `outbox`: a chain message owed and its state (JSON of `OutboxItem`).
    Outbox { id: OutboxId, record: &'a [u8] },
    /// `uploaders`: a Nightscout uploader (JSON of `UploaderRecord`, with the device key the
    /// relayer holds) sealed under the master key.
    Uploader {
        device_id: &'a str,
        sealed: &'a [u8],
    },
    /// `uploader_skips`: what an uploader's uploads left out (JSON of `SkipLog`), sealed under
    /// the patient's data key.
    UploaderSkips {
        patient: &'a str,
        device_id: &'a str,
        sealed: &'a [u8],
    },
    /// `ns_docs`: a Nightscout document (`NsCollection` code, time, document number; JSON of
    /// `NsDoc`) sealed under the patient's data key.
    NsDoc {
        patient: &'a str,
        collection: u8,
        time_ms: u64,
        number: u64,
        sealed: &'a [u8],
    },
    /// `followers`: a Nightscout follower (JSON of `FollowerRecord`) sealed under the master key.
    Follower { id: &'a str, sealed: &'a [u8] },
    /// `held_reading_times`: for a device sequenced by arrival, a reading's uploader
    /// millisecond (low 16 bits) and bit 16 for a meter reading.
    HeldTime {
        device_id: &'a str,
        measured_at: u64,
        seq: u64,
        value: u32,
    },
    /// `alert_settings`: a patient's alert settings (JSON of `AlertSettings`).
    AlertSettings { patient: &'a str, record: &'a [u8] },
    /// `alerts`: an alert raised (JSON of `Alert`) sealed under the patient's data key.
    Alert {
        patient: &'a str,
        number: u64,
        sealed: &'a [u8],
    },
    /// `webhooks`: a webhook with its signing secret (JSON of `WebhookRecord`) sealed under
    /// the master key.
    Webhook { id: &'a str, sealed: &'a [u8] },
    /// `deliveries`: an alert owed to a webhook (JSON of `Delivery`), due at `due_ms`.
    Delivery {
        due_ms: u64,
        number: u64,
        record: &'a [u8],
    },

    // Derived records.
    /// `ranges`: the sequence range a batch holds for its device, and its UTC day.
    Range {
        device_id: &'a str,
        first_seq: u64,
        last_seq: u64,
        batch_id: BatchId,
        day: u64,
    },
    /// `pending`: a batch waiting to be anchored (its state says so too).
    Pending { batch_id: BatchId },
    /// `in_flight`: a batch whose anchoring transaction was broadcast (its state says so too).
    InFlight { batch_id: BatchId },
    /// `patient_batches`: a patient's batch by time, for the data API (erased ones removed).
    PatientBatch {
        patient: &'a str,
        first_time: u64,
        batch_id: BatchId,
        last_time: u64,
    },
    /// `outbox_queued`: an outbox item still to send.
    OutboxQueued { id: OutboxId },
    /// `outbox_in_flight`: an outbox item sent, outcome not yet known.
    OutboxInFlight { id: OutboxId },
    /// `uploader_tokens`: SHA-256 of an uploader's `api-secret` → its device id.
    UploaderToken {
        token_hash: &'a [u8],
        device_id: &'a str,
    },
    /// `follower_tokens`: SHA-256 of a follower's token (and of its SHA-1 hex) → follower id.
    FollowerToken {
        token_hash: &'a [u8],
        follower_id: &'a str,
    },
    /// `ns_doc_ids`: a document's identifier → (time, document number).
    NsDocId {
        patient: &'a str,
        collection: u8,
        identifier: &'a str,
        time_ms: u64,
        number: u64,
    },
    /// `ns_doc_modified`: a document by last change (for API v3 history) → its time.
    NsDocModified {
        patient: &'a str,
        collection: u8,
        modified_ms: u64,
        number: u64,
        time_ms: u64,
    },
    /// `alert_ids`: an alert's id → its number (an alert raised twice is kept once).
    AlertId {
        patient: &'a str,
        alert_id: &'a str,
        number: u64,
    },
    /// `alert_last`: the number of the patient's latest alert of a kind.
    AlertLast {
        patient: &'a str,
        kind: u8,
        number: u64,
    },
    /// `patient_webhooks`: a patient's webhook.
    PatientWebhook {
        patient: &'a str,
        webhook_id: &'a str,
    },
}

impl SnapshotRecord<'_> {
    /// Whether the record is an index or queue another backend may rebuild from the primary
    /// records instead of loading it.
    pub fn is_derived(&self) -> bool {
        use SnapshotRecord::*;
        matches!(
            self,
            Range { .. }
                | Pending { .. }
                | InFlight { .. }
                | PatientBatch { .. }
                | OutboxQueued { .. }
                | OutboxInFlight { .. }
                | UploaderToken { .. }
                | FollowerToken { .. }
                | NsDocId { .. }
                | NsDocModified { .. }
                | AlertId { .. }
                | AlertLast { .. }
                | PatientWebhook { .. }
        )
    }
}

/// Receives a snapshot's records (see the module's documentation for their order).
pub trait SnapshotSink {
    /// Takes one record; an error stops the export and is returned by it.
    fn record(&mut self, record: SnapshotRecord<'_>) -> Result<(), StoreError>;
}

/// What an export handed over.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SnapshotCounts {
    pub batches: u64,
    pub readings: u64,
    /// Every record, readings and batches included.
    pub records: u64,
}
