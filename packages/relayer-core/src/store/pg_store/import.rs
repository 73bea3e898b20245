//! Moving an embedded store into PostgreSQL: every record of one consistent snapshot of a
//! [`RedbStore`] (see [`crate::store::snapshot`]) written into an empty database in ONE
//! transaction, so that the move is all or nothing.
//!
//! Nothing is decrypted to be stored again: sealed values are copied as they are (both stores
//! seal with the same associated data, so they open under the same master key). The few
//! columns PostgreSQL keeps in the clear beside a sealed value (a follower's or webhook's
//! patient, an alert's id and kind, a document's identifier and last change) are read by
//! opening the value with the master key or the patient's data key, in memory only. Indexes
//! and queues the embedded store keeps separately come from the records' own columns here;
//! only which batches the data API may still serve (erased ones not) is taken from its index.

use std::collections::HashMap;

use postgres::Client;

use super::codec::{self, key};
use super::PgStore;
use crate::store::alerts::Delivery;
use crate::store::crypto::open;
use crate::store::keys::Cipher;
use crate::store::redb_store::{alerts, followers, nsdocs};
use crate::store::snapshot::{SnapshotCounts, SnapshotRecord, SnapshotSink};
use crate::store::{
    AnchorState, FollowerRecord, NsCollection, NsDoc, OutboxItem, RedbStore, StoreError,
    WebhookRecord,
};
use diachain_relayer_types::alerts::Alert;

/// Readings are inserted this many at a time.
const READINGS_PER_INSERT: usize = 2_000;

/// What an import wrote, checked against what the snapshot held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    pub snapshot: SnapshotCounts,
    pub batches: u64,
    pub readings: u64,
}

/// Writes everything `source` holds into the (empty) database of `store`, in one
/// transaction on a connection to `url`; refuses a database that holds anything already.
pub fn import_redb(
    store: &PgStore,
    url: &str,
    source: &RedbStore,
) -> Result<ImportReport, StoreError> {
    let mut client = Client::connect(url, postgres::NoTls)?;
    let held: bool = client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM batches) OR EXISTS (SELECT 1 FROM data_keys)
                 OR EXISTS (SELECT 1 FROM uploaders) OR EXISTS (SELECT 1 FROM outbox)",
            &[],
        )?
        .get(0);
    if held {
        return Err(StoreError::Schema(
            "the database already holds a store: an export goes into an empty one".into(),
        ));
    }
    client.batch_execute("BEGIN")?;
    let mut sink = Import {
        store,
        client: &mut client,
        ciphers: HashMap::new(),
        seqs: Vec::new(),
        blobs: Vec::new(),
        ids: Vec::new(),
    };
    let snapshot = match source
        .export_snapshot(&mut sink)
        .and_then(|c| sink.finish().map(|()| c))
    {
        Ok(c) => c,
        Err(e) => {
            let _ = client.batch_execute("ROLLBACK");
            return Err(e);
        }
    };
    let row = client.query_one(
        "SELECT (SELECT count(*) FROM batches), (SELECT count(*) FROM readings)",
        &[],
    )?;
    let (batches, readings) = (codec::unid(row.get(0))?, codec::unid(row.get(1))?);
    if batches != snapshot.batches || readings != snapshot.readings {
        client.batch_execute("ROLLBACK")?;
        return Err(StoreError::Corrupt(format!(
            "the export wrote {batches} batches and {readings} readings of the snapshot's \
             {} and {}: nothing was kept",
            snapshot.batches, snapshot.readings
        )));
    }
    client.batch_execute("COMMIT")?;
    Ok(ImportReport {
        snapshot,
        batches,
        readings,
    })
}

struct Import<'a> {
    store: &'a PgStore,
    client: &'a mut Client,
    /// Patients' data keys, unwrapped (to read an alert's or document's clear columns).
    ciphers: HashMap<String, Cipher>,
    /// Readings waiting to be inserted: batch, seq, sealed.
    ids: Vec<i64>,
    seqs: Vec<i64>,
    blobs: Vec<Vec<u8>>,
}

fn json<T: serde::de::DeserializeOwned>(what: &str, bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

impl Import<'_> {
    fn exec(
        &mut self,
        sql: &str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<(), StoreError> {
        self.client.execute(sql, params)?;
        Ok(())
    }

    fn flush_readings(&mut self) -> Result<(), StoreError> {
        if self.ids.is_empty() {
            return Ok(());
        }
        let (ids, seqs, blobs) = (
            std::mem::take(&mut self.ids),
            std::mem::take(&mut self.seqs),
            std::mem::take(&mut self.blobs),
        );
        self.exec(
            "INSERT INTO readings (batch_id, seq, sealed)
             SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bytea[])",
            &[&ids, &seqs, &blobs],
        )
    }

    /// A value sealed under the master key, opened.
    fn secret<T: serde::de::DeserializeOwned>(
        &self,
        what: &str,
        aad: &[u8],
        sealed: &[u8],
    ) -> Result<T, StoreError> {
        let plain = self
            .store
            .keys
            .open_secret(aad, sealed)
            .ok_or_else(|| StoreError::Tampered(what.to_string()))?;
        json(what, &plain)
    }

    /// A value sealed under `patient`'s data key, opened.
    fn sealed<T: serde::de::DeserializeOwned>(
        &self,
        what: &str,
        patient: &str,
        aad: &[u8],
        sealed: &[u8],
    ) -> Result<T, StoreError> {
        let cipher = self.ciphers.get(patient).ok_or_else(|| {
            StoreError::Corrupt(format!("{what} of a patient without a data key"))
        })?;
        let plain = open(cipher, aad, sealed).ok_or_else(|| StoreError::Tampered(what.into()))?;
        json(what, &plain)
    }

    fn batch(&mut self, b: &crate::store::StoredBatch, record: &[u8]) -> Result<(), StoreError> {
        let h = &b.header;
        let tx_hash = match &b.state {
            AnchorState::InFlight { tx_hash, .. } => Some(tx_hash.as_str()),
            _ => None,
        };
        self.exec(
            "INSERT INTO devices (device_id) VALUES ($1) ON CONFLICT DO NOTHING",
            &[&h.device_id],
        )?;
        // Not in the data index until the snapshot's index says so (an erased patient's
        // batches are not).
        self.exec(
            "INSERT INTO batches (id, device_id, first_seq, last_seq, day, patient, first_time,
                                  last_time, received_at, state, tx_hash, indexed, record)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, false, $12)",
            &[
                &codec::id(b.id)?,
                &h.device_id,
                &key(h.first_seq),
                &key(h.last_seq),
                &codec::id(diachain_std::encoding::utc_day(h.first_time))?,
                &b.patient,
                &key(h.first_time),
                &key(h.last_time),
                &key(b.received_at),
                &codec::state_name(&b.state),
                &tx_hash,
                &record,
            ],
        )
    }

    fn meta(&mut self, name: &str, value: &[u8]) -> Result<(), StoreError> {
        match name {
            // The database was made under this master key; the store's must be the same one.
            "master_check" => self.store.keys.verify_master(value),
            "count/anchored" | "count/failed" => {
                let bytes: [u8; 8] = value
                    .try_into()
                    .map_err(|_| StoreError::Corrupt(format!("counter {name}")))?;
                let n = codec::id(u64::from_be_bytes(bytes))?;
                let counter = name.trim_start_matches("count/");
                self.exec(
                    "INSERT INTO counters (name, value) VALUES ($1, $2)
                     ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value",
                    &[&counter, &n],
                )
            }
            _ => Ok(()),
        }
    }

    fn alert(&mut self, patient: &str, number: u64, sealed: &[u8]) -> Result<(), StoreError> {
        let a: Alert = self.sealed(
            "alert",
            patient,
            &alerts::alert_aad(patient, number),
            sealed,
        )?;
        self.exec(
            "INSERT INTO alerts (patient, n, alert_id, kind, sealed) VALUES ($1, $2, $3, $4, $5)",
            &[
                &patient,
                &codec::id(number)?,
                &a.id,
                &i16::from(a.kind.code()),
                &sealed,
            ],
        )
    }

    fn ns_doc(
        &mut self,
        patient: &str,
        code: u8,
        time_ms: u64,
        number: u64,
        sealed: &[u8],
    ) -> Result<(), StoreError> {
        let collection = NsCollection::ALL
            .into_iter()
            .find(|c| c.code() == code)
            .ok_or_else(|| StoreError::Corrupt(format!("document collection {code}")))?;
        let aad = nsdocs::aad(patient, collection, number);
        let doc: NsDoc = self.sealed("Nightscout document", patient, &aad, sealed)?;
        self.exec(
            "INSERT INTO ns_docs (patient, collection, n, identifier, time_ms, modified_ms, sealed)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &patient,
                &i16::from(code),
                &codec::id(number)?,
                &doc.identifier,
                &key(time_ms),
                &key(doc.srv_modified),
                &sealed,
            ],
        )
    }

    /// Numbers the store makes itself continue after the highest imported.
    fn finish(&mut self) -> Result<(), StoreError> {
        self.flush_readings()?;
        self.client.batch_execute(
            "SELECT setval('batch_ids', coalesce((SELECT max(id) FROM batches), 1),
                           (SELECT count(*) > 0 FROM batches));
             SELECT setval('outbox_ids', coalesce((SELECT max(id) FROM outbox), 1),
                           (SELECT count(*) > 0 FROM outbox));
             SELECT setval('alert_numbers', coalesce((SELECT max(n) FROM alerts), 1),
                           (SELECT count(*) > 0 FROM alerts));
             SELECT setval('ns_doc_numbers', coalesce((SELECT max(n) FROM ns_docs), 0),
                           (SELECT count(*) > 0 FROM ns_docs));
             SELECT setval('delivery_numbers', coalesce((SELECT max(n) FROM deliveries), 0),
                           (SELECT count(*) > 0 FROM deliveries));",
        )?;
        Ok(())
    }
}

impl SnapshotSink for Import<'_> {
    fn record(&mut self, record: SnapshotRecord<'_>) -> Result<(), StoreError> {
        use SnapshotRecord as R;
        if !matches!(record, R::Reading { .. }) {
            self.flush_readings()?;
        }
        match record {
            R::Meta { name, value } => self.meta(name, value),
            R::DataKey { patient, wrapped } => {
                let cipher = self.store.keys.for_wrapped(patient, wrapped)?;
                self.ciphers.insert(patient.to_string(), cipher);
                self.exec(
                    "INSERT INTO data_keys (patient, wrapped) VALUES ($1, $2)",
                    &[&patient, &wrapped],
                )
            }
            R::Batch { batch, record } => self.batch(batch, record),
            R::Reading {
                batch_id,
                seq,
                sealed,
            } => {
                self.ids.push(codec::id(batch_id)?);
                self.seqs.push(key(seq));
                self.blobs.push(sealed.to_vec());
                if self.ids.len() >= READINGS_PER_INSERT {
                    self.flush_readings()?;
                }
                Ok(())
            }
            R::Erasure {
                patient,
                number,
                record,
            } => self.exec(
                "INSERT INTO erasures (patient, n, record) VALUES ($1, $2, $3)",
                &[&patient, &codec::id(number)?, &record],
            ),
            R::Outbox { id, record } => {
                let item: OutboxItem = json("outbox item", record)?;
                self.exec(
                    "INSERT INTO outbox (id, state, queued_at, record) VALUES ($1, $2, $3, $4)",
                    &[
                        &codec::id(id)?,
                        &item.state.name(),
                        &key(item.queued_at),
                        &record,
                    ],
                )
            }
            R::Uploader { device_id, sealed } => self.exec(
                "INSERT INTO uploaders (device_id, sealed) VALUES ($1, $2)",
                &[&device_id, &sealed],
            ),
            R::UploaderToken {
                token_hash,
                device_id,
            } => self.exec(
                "INSERT INTO uploader_tokens (token_hash, device_id) VALUES ($1, $2)",
                &[&token_hash, &device_id],
            ),
            R::UploaderSkips {
                patient,
                device_id,
                sealed,
            } => self.exec(
                "INSERT INTO uploader_skips (patient, device_id, sealed) VALUES ($1, $2, $3)",
                &[&patient, &device_id, &sealed],
            ),
            R::NsDoc {
                patient,
                collection,
                time_ms,
                number,
                sealed,
            } => self.ns_doc(patient, collection, time_ms, number, sealed),
            R::Follower { id, sealed } => {
                let f: FollowerRecord = self.secret("follower", &followers::aad(id), sealed)?;
                self.exec(
                    "INSERT INTO followers (id, patient, sealed) VALUES ($1, $2, $3)",
                    &[&id, &f.patient, &sealed],
                )
            }
            R::FollowerToken {
                token_hash,
                follower_id,
            } => self.exec(
                "INSERT INTO follower_tokens (hash, follower_id) VALUES ($1, $2)",
                &[&token_hash, &follower_id],
            ),
            R::HeldTime {
                device_id,
                measured_at,
                seq,
                value,
            } => self.exec(
                "INSERT INTO held_times (device_id, time, seq, value) VALUES ($1, $2, $3, $4)",
                // The same 32 bits, kept in an int.
                &[&device_id, &key(measured_at), &key(seq), &(value as i32)],
            ),
            R::AlertSettings { patient, record } => self.exec(
                "INSERT INTO alert_settings (patient, record) VALUES ($1, $2)",
                &[&patient, &record],
            ),
            R::Alert {
                patient,
                number,
                sealed,
            } => self.alert(patient, number, sealed),
            R::Webhook { id, sealed } => {
                let w: WebhookRecord = self.secret("webhook", &alerts::webhook_aad(id), sealed)?;
                self.exec(
                    "INSERT INTO webhooks (id, patient, sealed) VALUES ($1, $2, $3)",
                    &[&id, &w.patient, &sealed],
                )
            }
            R::Delivery {
                due_ms,
                number,
                record,
            } => {
                let d: Delivery = json("delivery", record)?;
                self.exec(
                    "INSERT INTO deliveries (n, due_ms, patient, record) VALUES ($1, $2, $3, $4)",
                    &[&codec::id(number)?, &key(due_ms), &d.patient, &record],
                )
            }
            R::PatientBatch { batch_id, .. } => self.exec(
                "UPDATE batches SET indexed = true WHERE id = $1",
                &[&codec::id(batch_id)?],
            ),
            // Rebuilt from the records' own columns here.
            R::Range { .. }
            | R::Pending { .. }
            | R::InFlight { .. }
            | R::OutboxQueued { .. }
            | R::OutboxInFlight { .. }
            | R::NsDocId { .. }
            | R::NsDocModified { .. }
            | R::AlertId { .. }
            | R::AlertLast { .. }
            | R::PatientWebhook { .. } => Ok(()),
        }
    }
}
