//! Nightscout documents, sealed under the patient's data key (as the embedded store seals them),
//! found by identifier, by time and by last change.
//!
//! A put takes the patient's lock ([`locks`]) before it reads the collection's last change, so
//! that instances sharing the database raise `srv_modified` one after the other and commit in
//! that order: a history read (changes after a time) never misses a change committed later
//! with an earlier stamp.

use postgres::Transaction;

use super::codec::{self, key, unkey};
use super::{erasure, keys, locks, PgStore};
use crate::store::crypto::{open, seal};
use crate::store::keys::{Cipher, Staged};
use crate::store::redb_store::nsdocs::aad;
use crate::store::{NsCollection, NsDoc, PutOutcome, StoreError};

fn code(collection: NsCollection) -> i16 {
    i16::from(collection.code())
}

fn decode(
    cipher: &Cipher,
    patient: &str,
    collection: NsCollection,
    n: i64,
    blob: &[u8],
) -> Result<NsDoc, StoreError> {
    let doc_no = codec::unid(n)?;
    let plain = open(cipher, &aad(patient, collection, doc_no), blob)
        .ok_or_else(|| StoreError::Tampered(format!("document {doc_no}")))?;
    serde_json::from_slice(&plain).map_err(|e| StoreError::Corrupt(format!("document: {e}")))
}

pub(super) fn put(
    store: &PgStore,
    patient: &str,
    collection: NsCollection,
    doc: &mut NsDoc,
) -> Result<PutOutcome, StoreError> {
    let given: &NsDoc = doc;
    let (outcome, srv_modified, staged) = store.with_tx(|tx| {
        locks::lock_patient(tx, patient)?;
        let erased = erasure::last_erasure(tx, patient)?;
        if let Some(at) = erased.filter(|at| given.date_ms / 1000 <= *at) {
            return Ok((PutOutcome::Erased(at), given.srv_modified, Staged::new()));
        }
        let mut staged = Staged::new();
        let cipher = keys::for_write(&store.keys, tx, &mut staged, patient)?;
        let (outcome, srv_modified) = write(tx, &cipher, patient, collection, given)?;
        Ok((outcome, srv_modified, staged))
    })?;
    store.keys.promote(staged);
    doc.srv_modified = srv_modified;
    Ok(outcome)
}

/// Keeps `given` (its change raised above the collection's last) in the caller's transaction,
/// which holds the patient's lock; what it did, and the change it was stamped with.
fn write(
    tx: &mut Transaction,
    cipher: &Cipher,
    patient: &str,
    collection: NsCollection,
    given: &NsDoc,
) -> Result<(PutOutcome, u64), StoreError> {
    let c = code(collection);
    let last: Option<i64> = tx
        .query_one(
            "SELECT max(modified_ms) FROM ns_docs WHERE patient = $1 AND collection = $2",
            &[&patient, &c],
        )?
        .get(0);
    let mut doc = given.clone();
    if let Some(last) = last.map(unkey) {
        doc.srv_modified = doc.srv_modified.max(last.saturating_add(1));
    }
    let existing = tx.query_opt(
        "SELECT n, sealed FROM ns_docs WHERE patient = $1 AND collection = $2 AND identifier = $3",
        &[&patient, &c, &doc.identifier],
    )?;
    let (n, outcome) = match existing {
        Some(row) => {
            let n: i64 = row.get(0);
            let old = decode(cipher, patient, collection, n, row.get::<_, &[u8]>(1))?;
            (n, PutOutcome::Replaced(Box::new(old)))
        }
        None => {
            let n: i64 = tx
                .query_one("SELECT nextval('ns_doc_numbers')", &[])?
                .get(0);
            (n, PutOutcome::Created)
        }
    };
    let plain =
        serde_json::to_vec(&doc).map_err(|e| StoreError::Corrupt(format!("document: {e}")))?;
    let sealed = seal(cipher, &aad(patient, collection, codec::unid(n)?), &plain)?;
    tx.execute(
        "INSERT INTO ns_docs (patient, collection, n, identifier, time_ms, modified_ms, sealed)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (patient, collection, n) DO UPDATE
         SET time_ms = EXCLUDED.time_ms, modified_ms = EXCLUDED.modified_ms,
             sealed = EXCLUDED.sealed",
        &[
            &patient,
            &c,
            &n,
            &doc.identifier,
            &key(doc.date_ms),
            &key(doc.srv_modified),
            &sealed,
        ],
    )?;
    Ok((outcome, doc.srv_modified))
}

/// The documents `sql` selects (`n, sealed`, with the patient and the collection as `$1` and
/// `$2`), opened, in the order selected.
fn load(
    store: &PgStore,
    patient: &str,
    collection: NsCollection,
    sql: &str,
    more: &[&(dyn postgres::types::ToSql + Sync)],
) -> Result<Vec<NsDoc>, StoreError> {
    let c = code(collection);
    store.with_snapshot(|tx| {
        let mut params: Vec<&(dyn postgres::types::ToSql + Sync)> = vec![&patient, &c];
        params.extend_from_slice(more);
        let rows = tx.query(sql, &params)?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let Some(cipher) = keys::for_read(&store.keys, tx, patient)? else {
            return Ok(Vec::new());
        };
        rows.iter()
            .map(|r| decode(&cipher, patient, collection, r.get(0), r.get::<_, &[u8]>(1)))
            .collect()
    })
}

pub(super) fn by_identifier(
    store: &PgStore,
    patient: &str,
    collection: NsCollection,
    identifier: &str,
) -> Result<Option<NsDoc>, StoreError> {
    let found = load(
        store,
        patient,
        collection,
        "SELECT n, sealed FROM ns_docs WHERE patient = $1 AND collection = $2 AND identifier = $3",
        &[&identifier],
    )?;
    Ok(found.into_iter().next())
}

pub(super) fn in_period(
    store: &PgStore,
    patient: &str,
    collection: NsCollection,
    (from_ms, to_ms): (u64, u64),
    limit: usize,
    newest_first: bool,
) -> Result<Vec<NsDoc>, StoreError> {
    let sql = if newest_first {
        "SELECT n, sealed FROM ns_docs
         WHERE patient = $1 AND collection = $2 AND time_ms BETWEEN $3 AND $4
         ORDER BY time_ms DESC, n DESC LIMIT $5"
    } else {
        "SELECT n, sealed FROM ns_docs
         WHERE patient = $1 AND collection = $2 AND time_ms BETWEEN $3 AND $4
         ORDER BY time_ms, n LIMIT $5"
    };
    load(
        store,
        patient,
        collection,
        sql,
        &[&key(from_ms), &key(to_ms), &codec::limit(limit)],
    )
}

pub(super) fn modified_after(
    store: &PgStore,
    patient: &str,
    collection: NsCollection,
    after_ms: u64,
    limit: usize,
) -> Result<Vec<NsDoc>, StoreError> {
    load(
        store,
        patient,
        collection,
        "SELECT n, sealed FROM ns_docs
         WHERE patient = $1 AND collection = $2 AND modified_ms >= $3
         ORDER BY modified_ms, n LIMIT $4",
        &[&key(after_ms.saturating_add(1)), &codec::limit(limit)],
    )
}

pub(super) fn last_modified(
    store: &PgStore,
    patient: &str,
    collection: NsCollection,
) -> Result<Option<u64>, StoreError> {
    let c = code(collection);
    store.with_snapshot(|tx| {
        let last: Option<i64> = tx
            .query_one(
                "SELECT max(modified_ms) FROM ns_docs WHERE patient = $1 AND collection = $2",
                &[&patient, &c],
            )?
            .get(0);
        Ok(last.map(unkey))
    })
}
