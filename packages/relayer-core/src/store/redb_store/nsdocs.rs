//! Nightscout documents: sealed under the patient's data key, indexed by time, identifier
//! and last change.

use redb::ReadableTable;

use super::tables;
use super::RedbStore;
use crate::store::crypto::{open, seal};
use crate::store::keys::Staged;
use crate::store::{NsCollection, NsDoc, PutOutcome, StoreError};

pub(in crate::store) fn aad(patient: &str, collection: NsCollection, doc_no: u64) -> Vec<u8> {
    [
        b"DIACHAIN/RELAYER/NS-DOC/v1".as_slice(),
        patient.as_bytes(),
        &[0, collection.code()],
        &doc_no.to_be_bytes(),
    ]
    .concat()
}

const DOC_COUNTER: &str = "count/ns_docs";

pub(super) fn put(
    store: &RedbStore,
    patient: &str,
    collection: NsCollection,
    doc: &mut NsDoc,
) -> Result<PutOutcome, StoreError> {
    let c = collection.code();
    let mut staged = Staged::new();
    let txn = store.begin_write()?;
    {
        let erasures = txn.open_table(tables::ERASURES)?;
        let last = super::erasure::last_erasure(&erasures, patient)?;
        if let Some(erased_at) = last.filter(|at| doc.date_ms / 1000 <= *at) {
            return Ok(PutOutcome::Erased(erased_at));
        }
    }
    let outcome = {
        let mut docs = txn.open_table(tables::NS_DOCS)?;
        let mut ids = txn.open_table(tables::NS_DOC_IDS)?;
        let mut modified = txn.open_table(tables::NS_DOC_MODIFIED)?;
        let mut keys = txn.open_table(tables::DATA_KEYS)?;
        let mut meta = txn.open_table(tables::META)?;
        let cipher = store.keys.for_write(&mut keys, &mut staged, patient)?;
        let last_change = modified
            .range((patient, c, 0u64, 0u64)..=(patient, c, u64::MAX, u64::MAX))?
            .next_back()
            .transpose()?
            .map(|(k, _)| k.value().2);
        if let Some(last) = last_change {
            doc.srv_modified = doc.srv_modified.max(last.saturating_add(1));
        }
        let existing = ids
            .get((patient, c, doc.identifier.as_str()))?
            .map(|v| v.value());
        let (doc_no, outcome) = match existing {
            Some((date_ms, doc_no)) => {
                let old = docs
                    .remove((patient, c, date_ms, doc_no))?
                    .map(|v| v.value().to_vec())
                    .ok_or_else(|| {
                        StoreError::Corrupt(format!("document {doc_no} is indexed but missing"))
                    })?;
                let plain = open(&cipher, &aad(patient, collection, doc_no), &old)
                    .ok_or_else(|| StoreError::Tampered(format!("document {doc_no}")))?;
                let old: NsDoc = serde_json::from_slice(&plain)
                    .map_err(|e| StoreError::Corrupt(format!("document: {e}")))?;
                modified.remove((patient, c, old.srv_modified, doc_no))?;
                (doc_no, PutOutcome::Replaced(Box::new(old)))
            }
            None => {
                let n = tables::read_counter(&meta, DOC_COUNTER)?;
                tables::bump_counter(&mut meta, DOC_COUNTER)?;
                (n, PutOutcome::Created)
            }
        };
        let plain =
            serde_json::to_vec(&*doc).map_err(|e| StoreError::Corrupt(format!("document: {e}")))?;
        let sealed = seal(&cipher, &aad(patient, collection, doc_no), &plain)?;
        docs.insert((patient, c, doc.date_ms, doc_no), sealed.as_slice())?;
        ids.insert((patient, c, doc.identifier.as_str()), (doc.date_ms, doc_no))?;
        modified.insert((patient, c, doc.srv_modified, doc_no), doc.date_ms)?;
        outcome
    };
    txn.commit()?;
    store.keys.promote(staged);
    Ok(outcome)
}

/// Opens the documents at `keys` ((date, doc no)).
fn load(
    store: &RedbStore,
    patient: &str,
    collection: NsCollection,
    keys: &[(u64, u64)],
) -> Result<Vec<NsDoc>, StoreError> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let txn = store.begin_read()?;
    let docs = txn.open_table(tables::NS_DOCS)?;
    let data_keys = txn.open_table(tables::DATA_KEYS)?;
    let Some(cipher) = store.keys.for_read(&data_keys, patient)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::with_capacity(keys.len());
    for (date_ms, doc_no) in keys {
        let Some(blob) = docs.get((patient, collection.code(), *date_ms, *doc_no))? else {
            continue;
        };
        let plain = open(&cipher, &aad(patient, collection, *doc_no), blob.value())
            .ok_or_else(|| StoreError::Tampered(format!("document {doc_no}")))?;
        out.push(
            serde_json::from_slice(&plain)
                .map_err(|e| StoreError::Corrupt(format!("document: {e}")))?,
        );
    }
    Ok(out)
}

pub(super) fn by_identifier(
    store: &RedbStore,
    patient: &str,
    collection: NsCollection,
    identifier: &str,
) -> Result<Option<NsDoc>, StoreError> {
    let key = {
        let txn = store.begin_read()?;
        let ids = txn.open_table(tables::NS_DOC_IDS)?;
        let found = ids.get((patient, collection.code(), identifier))?;
        found.map(|v| v.value())
    };
    match key {
        Some(k) => Ok(load(store, patient, collection, &[k])?.pop()),
        None => Ok(None),
    }
}

pub(super) fn in_period(
    store: &RedbStore,
    patient: &str,
    collection: NsCollection,
    (from_ms, to_ms): (u64, u64),
    limit: usize,
    newest_first: bool,
) -> Result<Vec<NsDoc>, StoreError> {
    let c = collection.code();
    let keys: Vec<(u64, u64)> = {
        let txn = store.begin_read()?;
        let docs = txn.open_table(tables::NS_DOCS)?;
        let range = docs.range((patient, c, from_ms, 0u64)..=(patient, c, to_ms, u64::MAX))?;
        let keys = range.map(|e| e.map(|(k, _)| (k.value().2, k.value().3)));
        if newest_first {
            keys.rev().take(limit).collect::<Result<_, _>>()?
        } else {
            keys.take(limit).collect::<Result<_, _>>()?
        }
    };
    load(store, patient, collection, &keys)
}

pub(super) fn modified_after(
    store: &RedbStore,
    patient: &str,
    collection: NsCollection,
    after_ms: u64,
    limit: usize,
) -> Result<Vec<NsDoc>, StoreError> {
    let c = collection.code();
    let keys: Vec<(u64, u64)> = {
        let txn = store.begin_read()?;
        let modified = txn.open_table(tables::NS_DOC_MODIFIED)?;
        let start = after_ms.saturating_add(1);
        modified
            .range((patient, c, start, 0u64)..=(patient, c, u64::MAX, u64::MAX))?
            .take(limit)
            .map(|e| e.map(|(k, v)| (v.value(), k.value().3)))
            .collect::<Result<_, _>>()?
    };
    load(store, patient, collection, &keys)
}

pub(super) fn last_modified(
    store: &RedbStore,
    patient: &str,
    collection: NsCollection,
) -> Result<Option<u64>, StoreError> {
    let c = collection.code();
    let txn = store.begin_read()?;
    let modified = txn.open_table(tables::NS_DOC_MODIFIED)?;
    let last = modified
        .range((patient, c, 0u64, 0u64)..=(patient, c, u64::MAX, u64::MAX))?
        .next_back()
        .transpose()?
        .map(|(k, _)| k.value().2);
    Ok(last)
}

/// Removes a patient's documents (in the erasure's transaction).
pub(super) fn forget(txn: &redb::WriteTransaction, patient: &str) -> Result<u64, StoreError> {
    let mut docs = txn.open_table(tables::NS_DOCS)?;
    let mut ids = txn.open_table(tables::NS_DOC_IDS)?;
    let mut modified = txn.open_table(tables::NS_DOC_MODIFIED)?;
    let mut removed = 0u64;
    for c in NsCollection::ALL.map(NsCollection::code) {
        let keys: Vec<(u64, u64)> = docs
            .range((patient, c, 0u64, 0u64)..=(patient, c, u64::MAX, u64::MAX))?
            .map(|e| e.map(|(k, _)| (k.value().2, k.value().3)))
            .collect::<Result<_, _>>()?;
        for k in &keys {
            docs.remove((patient, c, k.0, k.1))?;
        }
        removed = removed.saturating_add(keys.len() as u64);
        let mkeys: Vec<(u64, u64)> = modified
            .range((patient, c, 0u64, 0u64)..=(patient, c, u64::MAX, u64::MAX))?
            .map(|e| e.map(|(k, _)| (k.value().2, k.value().3)))
            .collect::<Result<_, _>>()?;
        for k in mkeys {
            modified.remove((patient, c, k.0, k.1))?;
        }
        let mut idkeys: Vec<String> = Vec::new();
        for e in ids.range((patient, c, "")..)? {
            let (k, _) = e?;
            let (p, kc, id) = k.value();
            if p != patient || kc != c {
                break;
            }
            idkeys.push(id.to_string());
        }
        for id in idkeys {
            ids.remove((patient, c, id.as_str()))?;
        }
    }
    Ok(removed)
}
