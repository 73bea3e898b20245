//! Table layout of the redb store, and the codec of its records.
//!
//! | table | key | value |
//! | --- | --- | --- |
//! | `meta` | name | format version, master-key check value, anchored / failed counters |
//! | `data_keys` | patient address | data key wrapped by the master key |
//! | `batches` | batch id (ingest order) | batch record (JSON: header, signature, patient, gap, state) |
//! | `ranges` | (device id, first seq) | (last seq, batch id, UTC day): the ranges held per device |
//! | `readings` | (batch id, seq) | sealed canonical reading (salt included); keyed by batch id so
//!   that inserts append to the tree (few pages touched per commit) |
//! | `pending` | batch id | () : the anchoring queue, in ingest order |
//! | `in_flight` | batch id | () : batches whose transaction was broadcast |
//! | `patient_batches` | (patient, first reading time, batch id) | last reading time: a
//!   patient's batches in time order, for the data API; erased batches are removed |
//! | `erasures` | (patient, erasure number) | erasure record (JSON) |
//! | `outbox` | item id | chain message to send and its state (JSON): accesses served and
//!   erasures done, to record on chain |
//! | `outbox_queued`, `outbox_in_flight` | item id | () : the outbox's queues |
//! | `uploaders` | device id | Nightscout uploader (its key), sealed under the master key |
//! | `uploader_tokens` | SHA-256 of the `api-secret` header | device id |
//! | `uploader_skips` | (patient, device id) | what the uploader's uploads left out (counts by
//!   reason, the latest one by one), sealed under the patient's data key; erased with the patient |
//! | `ns_docs` | (patient, collection, time ms, document number) | a Nightscout document
//!   (treatment, device status, profile) sealed under the patient's data key; erased with the
//!   patient |
//! | `ns_doc_ids` | (patient, collection, identifier) | (time ms, document number) |
//! | `ns_doc_modified` | (patient, collection, last change ms, document number) | time ms: for
//!   API v3 history |
//! | `followers` | follower id | Nightscout follower (its grantee), sealed under the master key |
//! | `follower_tokens` | SHA-256 of a follower's token, and of its SHA-1 hex | follower id |
//! | `held_reading_times` | (device id, measured at, seq) | the uploader's millisecond (low 16
//!   bits) and bit 16 for a meter reading: the readings of devices sequenced by arrival
//!   (relayer-held keys), for backfill, corrections and Nightscout's `date`; erased with the
//!   readings |
//! | `alert_settings` | patient | their alert settings (JSON) |
//! | `alerts` | (patient, alert number) | an alert raised, sealed under the patient's data key;
//!   erased with the patient |
//! | `alert_ids` | (patient, alert id) | alert number: an alert raised twice is kept once |
//! | `alert_last` | (patient, kind code) | the number of the patient's latest alert of the kind |
//! | `webhooks` | webhook id | a webhook (its signing secret), sealed under the master key |
//! | `patient_webhooks` | (patient, webhook id) | () |
//! | `deliveries` | (due ms, delivery number) | an alert owed to a webhook (JSON): the queue |

use redb::{ReadableTable, Table, TableDefinition, WriteTransaction};

use crate::store::{BatchId, StoreError, StoredBatch};

pub(crate) const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
pub(crate) const DATA_KEYS: TableDefinition<&str, &[u8]> = TableDefinition::new("data_keys");
pub(crate) const BATCHES: TableDefinition<u64, &[u8]> = TableDefinition::new("batches");
pub(crate) const RANGES: TableDefinition<(&str, u64), (u64, u64, u64)> =
    TableDefinition::new("ranges");
pub(crate) const READINGS: TableDefinition<(u64, u64), &[u8]> = TableDefinition::new("readings");
pub(crate) const PENDING: TableDefinition<u64, ()> = TableDefinition::new("pending");
pub(crate) const IN_FLIGHT: TableDefinition<u64, ()> = TableDefinition::new("in_flight");
pub(crate) const PATIENT_BATCHES: TableDefinition<(&str, u64, u64), u64> =
    TableDefinition::new("patient_batches");
pub(crate) const ERASURES: TableDefinition<(&str, u64), &[u8]> = TableDefinition::new("erasures");
pub(crate) const OUTBOX: TableDefinition<u64, &[u8]> = TableDefinition::new("outbox");
pub(crate) const OUTBOX_QUEUED: TableDefinition<u64, ()> = TableDefinition::new("outbox_queued");
pub(crate) const UPLOADERS: TableDefinition<&str, &[u8]> = TableDefinition::new("uploaders");
pub(crate) const UPLOADER_TOKENS: TableDefinition<&[u8], &str> =
    TableDefinition::new("uploader_tokens");
pub(crate) const OUTBOX_IN_FLIGHT: TableDefinition<u64, ()> =
    TableDefinition::new("outbox_in_flight");
pub(crate) const UPLOADER_SKIPS: TableDefinition<(&str, &str), &[u8]> =
    TableDefinition::new("uploader_skips");
pub(crate) const NS_DOCS: TableDefinition<(&str, u8, u64, u64), &[u8]> =
    TableDefinition::new("ns_docs");
pub(crate) const NS_DOC_IDS: TableDefinition<(&str, u8, &str), (u64, u64)> =
    TableDefinition::new("ns_doc_ids");
pub(crate) const NS_DOC_MODIFIED: TableDefinition<(&str, u8, u64, u64), u64> =
    TableDefinition::new("ns_doc_modified");
pub(crate) const FOLLOWERS: TableDefinition<&str, &[u8]> = TableDefinition::new("followers");
pub(crate) const FOLLOWER_TOKENS: TableDefinition<&[u8], &str> =
    TableDefinition::new("follower_tokens");
pub(crate) const HELD_TIMES: TableDefinition<(&str, u64, u64), u32> =
    TableDefinition::new("held_reading_times");
pub(crate) const ALERT_SETTINGS: TableDefinition<&str, &[u8]> =
    TableDefinition::new("alert_settings");
pub(crate) const ALERTS: TableDefinition<(&str, u64), &[u8]> = TableDefinition::new("alerts");
pub(crate) const ALERT_IDS: TableDefinition<(&str, &str), u64> = TableDefinition::new("alert_ids");
pub(crate) const ALERT_LAST: TableDefinition<(&str, u8), u64> = TableDefinition::new("alert_last");
pub(crate) const WEBHOOKS: TableDefinition<&str, &[u8]> = TableDefinition::new("webhooks");
pub(crate) const PATIENT_WEBHOOKS: TableDefinition<(&str, &str), ()> =
    TableDefinition::new("patient_webhooks");
pub(crate) const DELIVERIES: TableDefinition<(u64, u64), &[u8]> =
    TableDefinition::new("deliveries");

pub(crate) const FORMAT_KEY: &str = "format";
pub(crate) const FORMAT_VERSION: &[u8] = b"diachain-relayer-store/1";
pub(crate) const MASTER_CHECK_KEY: &str = "master_check";
pub(crate) const ANCHORED_COUNT: &str = "count/anchored";
pub(crate) const FAILED_COUNT: &str = "count/failed";
pub(crate) const PROBE_KEY: &str = "probe";
/// Set once `patient_batches` holds every stored batch (stores made before it existed are
/// indexed when first opened).
pub(crate) const PATIENT_INDEX_KEY: &str = "index/patient_batches";
/// Set once `held_reading_times` holds the times of every uploader's readings.
pub(crate) const HELD_TIMES_INDEX_KEY: &str = "index/held_reading_times";

/// Every table of a write transaction, opened once.
pub(crate) struct WriteTables<'t> {
    pub meta: Table<'t, &'static str, &'static [u8]>,
    pub data_keys: Table<'t, &'static str, &'static [u8]>,
    pub batches: Table<'t, u64, &'static [u8]>,
    pub ranges: Table<'t, (&'static str, u64), (u64, u64, u64)>,
    pub readings: Table<'t, (u64, u64), &'static [u8]>,
    pub pending: Table<'t, u64, ()>,
    pub in_flight: Table<'t, u64, ()>,
    pub patient_batches: Table<'t, (&'static str, u64, u64), u64>,
    pub held_times: Table<'t, (&'static str, u64, u64), u32>,
}

impl<'t> WriteTables<'t> {
    pub(crate) fn open(txn: &'t WriteTransaction) -> Result<Self, StoreError> {
        Ok(WriteTables {
            meta: txn.open_table(META)?,
            data_keys: txn.open_table(DATA_KEYS)?,
            batches: txn.open_table(BATCHES)?,
            ranges: txn.open_table(RANGES)?,
            readings: txn.open_table(READINGS)?,
            pending: txn.open_table(PENDING)?,
            in_flight: txn.open_table(IN_FLIGHT)?,
            patient_batches: txn.open_table(PATIENT_BATCHES)?,
            held_times: txn.open_table(HELD_TIMES)?,
        })
    }
}

pub(crate) fn encode_batch(batch: &StoredBatch) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(batch).map_err(|e| StoreError::Corrupt(format!("batch record: {e}")))
}

pub(crate) fn decode_batch(bytes: &[u8]) -> Result<StoredBatch, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt(format!("batch record: {e}")))
}

pub(crate) fn load_batch(
    table: &impl ReadableTable<u64, &'static [u8]>,
    id: BatchId,
) -> Result<Option<StoredBatch>, StoreError> {
    match table.get(id)? {
        None => Ok(None),
        Some(guard) => decode_batch(guard.value()).map(Some),
    }
}

pub(crate) fn read_counter(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    name: &str,
) -> Result<u64, StoreError> {
    match table.get(name)? {
        None => Ok(0),
        Some(guard) => {
            let bytes: [u8; 8] = guard
                .value()
                .try_into()
                .map_err(|_| StoreError::Corrupt(format!("counter {name}")))?;
            Ok(u64::from_be_bytes(bytes))
        }
    }
}

pub(crate) fn bump_counter(
    table: &mut Table<&'static str, &'static [u8]>,
    name: &str,
) -> Result<(), StoreError> {
    let next = read_counter(table, name)?.saturating_add(1);
    table.insert(name, next.to_be_bytes().as_slice())?;
    Ok(())
}
