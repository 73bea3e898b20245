//! Nightscout treatments, device statuses and profiles (API v1): `POST` by an uploader
//! (`api-secret`), kept as documents with their numbers as anchored readings
//! (`nightscout::records`, `nightscout::record_plan`); `GET` by the patient's uploader or a
//! follower, consent-checked per scope and recorded like every read (`nightscout::served`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use diachain_relayer_core::consent::AccessRequest;
use diachain_relayer_core::store::{
    DataStore, HeldTime, NsCollection, NsDoc, PutOutcome, StoreError, UploaderRecord,
};
use diachain_relayer_types::ErrorCode;
use diachain_std::encoding::ReadingKind;
use diachain_std::{DataScope, Domain};
use serde_json::Value;

use super::data::{load, queue_access};
use super::follow::{follower_access, reader, Reader};
use super::nightscout::{
    bound_since, disabled, log_items, read_body, record_skips, refused, skip_headers, uploader_of,
};
use crate::nightscout::entries::Skipped;
use crate::nightscout::record_plan::{self, RecordsHeld};
use crate::nightscout::records::{self, ParsedDocs};
use crate::nightscout::served::{self, Values};
use crate::nightscout::{read, uploader::key_of};
use crate::reply::{blocking, json_or_refusal, ApiError};
use crate::state::{AppState, NightscoutApi};

/// What happened to a kept document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Created,
    Replaced,
    /// The same document was kept already (a re-send).
    Unchanged,
}

/// An upload's outcome: the documents kept, and what was left out.
pub struct Stored {
    pub docs: Vec<(NsDoc, Change)>,
    pub skipped: Vec<Skipped>,
}

/// `POST /api/v1/{treatments|devicestatus|profile}[.json]`.
pub(super) async fn post(
    app: &AppState,
    collection: NsCollection,
    headers: &HeaderMap,
    body: Body,
) -> Response {
    let outcome = async {
        let ns = app.nightscout.as_deref().ok_or_else(disabled)?;
        let uploader = uploader_of(ns, headers).await?;
        let body = read_body(headers, body).await?;
        store(app, ns, collection, &uploader, &body).await
    }
    .await;
    match outcome {
        Ok(stored) => {
            for s in &stored.skipped {
                app.metrics.nightscout_skipped(s.reason.as_str());
            }
            let docs: Vec<Value> = stored
                .docs
                .iter()
                .map(|(d, _)| served::owner_doc(collection, d, &Values::default()))
                .collect();
            let mut answer = (StatusCode::OK, Json(docs)).into_response();
            skip_headers(answer.headers_mut(), &stored.skipped);
            answer
        }
        Err(e) => {
            app.metrics.rejected(e.code.as_str());
            e.into_response()
        }
    }
}

pub(super) async fn post_treatments(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    post(&app, NsCollection::Treatments, &headers, body).await
}

pub(super) async fn post_devicestatus(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    post(&app, NsCollection::DeviceStatus, &headers, body).await
}

pub(super) async fn post_profile(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    post(&app, NsCollection::Profile, &headers, body).await
}

/// Keeps what a body of `collection` holds that can be kept, for `uploader`.
pub(super) async fn store(
    app: &AppState,
    ns: &NightscoutApi,
    collection: NsCollection,
    uploader: &UploaderRecord,
    body: &[u8],
) -> Result<Stored, ApiError> {
    let now_ms = (app.pipeline.chain_clock)().saturating_mul(1000);
    let parsed = records::parse(collection, body, now_ms)
        .map_err(|e| ApiError::new(e.code(), e.to_string()))?;
    let key = key_of(uploader)
        .ok_or_else(|| ApiError::store_failed(&StoreError::Tampered(uploader.to_string())))?;
    let bound_since = bound_since(app, &uploader.device_id).await?;
    let _one_at_a_time = ns.upload_locks.lock(&uploader.device_id).await;
    let held = held_for(ns, uploader, collection, &parsed).await?;
    let domain = Domain {
        chain_id: &app.pipeline.chain_id,
        contract: &app.pipeline.anchors_contract,
    };
    let planned = record_plan::plan(
        &parsed,
        &held,
        bound_since,
        &uploader.device_id,
        &key,
        &domain,
    )
    .map_err(|e| ApiError::new(ErrorCode::UploaderExhausted, e.to_string()))?;
    for batch in &planned.batches {
        let bytes = serde_json::to_vec(&batch.request)
            .map_err(|e| ApiError::store_failed(&StoreError::Corrupt(e.to_string())))?;
        if let Err(r) = app
            .pipeline
            .submit_stamped(&bytes, batch.millis.clone())
            .await
        {
            // The documents are kept after their readings: a retry keeps them, never twice.
            return Err(refused(r, 0));
        }
    }
    let patient = uploader.patient.clone();
    let store = ns.docs.clone();
    let device = uploader.device_id.clone();
    let kept: Vec<(records::ParsedDoc, Vec<_>)> = planned
        .kept
        .iter()
        .map(|k| (parsed.docs[k.doc].clone(), k.readings.clone()))
        .collect();
    let docs = blocking(move || {
        let mut modified = store
            .ns_last_modified(&patient, collection)?
            .map_or(now_ms, |m| m.saturating_add(1).max(now_ms));
        let mut out = Vec::with_capacity(kept.len());
        for (p, readings) in kept {
            let existing = store.ns_doc(&patient, collection, &p.identifier)?;
            if let Some(e) = existing.filter(|e| {
                e.body == p.body && e.readings == readings && e.device_id == device && e.is_valid
            }) {
                out.push((e, Change::Unchanged));
                continue;
            }
            let srv_created = store
                .ns_doc(&patient, collection, &p.identifier)?
                .map_or(modified, |e| e.srv_created);
            let doc = NsDoc {
                identifier: p.identifier,
                device_id: device.clone(),
                date_ms: p.date_ms,
                srv_created,
                srv_modified: modified,
                is_valid: true,
                readings,
                body: p.body,
            };
            modified = modified.saturating_add(1);
            let change = match store.put_ns_doc(&patient, collection, &doc)? {
                PutOutcome::Created => Change::Created,
                PutOutcome::Replaced(_) => Change::Replaced,
            };
            out.push((doc, change));
        }
        Ok(out)
    })
    .await?;
    let mut skipped = parsed.skipped;
    skipped.extend(planned.skipped);
    skipped.sort_by_key(|s| s.index);
    let at = (app.pipeline.clock)();
    record_skips(ns, uploader, log_items(&skipped, collection.name(), at)).await?;
    tracing::info!(
        device_id = %uploader.device_id,
        collection = collection.name(),
        kept = docs.len(),
        skipped = skipped.len(),
        "nightscout documents"
    );
    Ok(Stored { docs, skipped })
}

/// What the relayer holds for the uploader around the documents' days: its last sequence
/// number and newest reading, every reading of those days, the value of the latest version of
/// each record reading at the documents' seconds and the document holding it, and the
/// patient's last erasure.
async fn held_for(
    ns: &NightscoutApi,
    uploader: &UploaderRecord,
    collection: NsCollection,
    parsed: &ParsedDocs,
) -> Result<RecordsHeld, ApiError> {
    let keys: BTreeSet<(u64, ReadingKind)> = parsed
        .docs
        .iter()
        .flat_map(|d| d.items.iter().map(|i| (i.time, i.kind)))
        .collect();
    let (from, to) = match (keys.first(), keys.last()) {
        (Some(first), Some(last)) => RecordsHeld::window(first.0, last.0),
        _ => (1, 0),
    };
    let (store, erasures, docs) = (ns.batches.clone(), ns.erasures.clone(), ns.docs.clone());
    let (device, patient) = (uploader.device_id.clone(), uploader.patient.clone());
    blocking(move || {
        let last_seq = store.device_head(&device)?.map(|b| b.header.last_seq);
        let held = store.held_times(&device, from, to)?;
        let latest = latest_values(store.as_ref(), &device, &held.times, &keys)?;
        let mut owners = BTreeMap::new();
        if from <= to {
            let period = (from.saturating_mul(1000), to.saturating_mul(1000) + 999);
            for d in docs.ns_docs(&patient, collection, period, usize::MAX, false)? {
                for r in &d.readings {
                    owners.insert((r.time, r.kind), d.identifier.clone());
                }
            }
        }
        let erased_through = erasures.erasures(&patient)?.last().map(|e| e.erased_at);
        Ok(RecordsHeld {
            last_seq,
            newest: held.newest,
            times: held.times,
            latest,
            owners,
            erased_through,
        })
    })
    .await
}

/// The value of the latest version of each record reading held at `keys`.
fn latest_values(
    store: &dyn DataStore,
    device: &str,
    times: &[HeldTime],
    keys: &BTreeSet<(u64, ReadingKind)>,
) -> Result<BTreeMap<(u64, ReadingKind), i64>, StoreError> {
    let mut latest_seq: BTreeMap<(u64, ReadingKind), u64> = BTreeMap::new();
    for h in times {
        let Some(kind) = h.record.filter(|k| keys.contains(&(h.time, *k))) else {
            continue;
        };
        let seq = latest_seq.entry((h.time, kind)).or_default();
        *seq = (*seq).max(h.seq);
    }
    let mut out = BTreeMap::new();
    for (key, seq) in latest_seq {
        let Some(batch) = store.find_batch(device, seq)? else {
            continue;
        };
        if let Some(r) = store.readings(&batch)?.into_iter().find(|r| r.seq == seq) {
            out.insert(key, r.value);
        }
    }
    Ok(out)
}

/// The scopes a collection's documents are read under.
pub(super) fn scopes_of(collection: NsCollection) -> &'static [DataScope] {
    match collection {
        NsCollection::Treatments => &[
            DataScope::Insulin,
            DataScope::Nutrition,
            DataScope::DeviceEvents,
        ],
        NsCollection::DeviceStatus => &[DataScope::DeviceEvents],
        // A profile is insulin therapy's settings: basal rates, ratios, sensitivities.
        NsCollection::Profile => &[DataScope::Insulin],
    }
}

pub(super) async fn get_treatments(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    json_or_refusal(get(&app, NsCollection::Treatments, &headers, &uri)).await
}

pub(super) async fn get_devicestatus(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    json_or_refusal(get(&app, NsCollection::DeviceStatus, &headers, &uri)).await
}

pub(super) async fn get_profile(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    json_or_refusal(get(&app, NsCollection::Profile, &headers, &uri)).await
}

/// Most documents one read looks at (a follower without some of a collection's scopes gets
/// fewer than `count`).
const MAX_DOCS_READ: usize = 4_000;
/// Most documents one read answers: a larger `count` is lowered to it (Nightscout's clients ask
/// for a few hundred at most).
pub const MAX_DOC_COUNT: usize = 1_000;

async fn get(
    app: &AppState,
    collection: NsCollection,
    headers: &HeaderMap,
    uri: &Uri,
) -> Result<Vec<Value>, ApiError> {
    let query = uri.query().unwrap_or("");
    let reader = reader(app, headers, query).await?;
    let now_ms = (app.pipeline.chain_clock)().saturating_mul(1000);
    let mut q =
        read::parse(query, now_ms, None).map_err(|why| ApiError::new(ErrorCode::BadQuery, why))?;
    q.count = q.count.min(MAX_DOC_COUNT);
    let read = Read {
        collection,
        q,
        newest_first: true,
    };
    read_docs(app, &reader, read).await
}

/// A read of a collection.
pub(super) struct Read {
    pub collection: NsCollection,
    pub q: read::EntriesQuery,
    pub newest_first: bool,
}

/// The documents `reader` may read, as Nightscout answers them, newest (or oldest) first, at most `count`; a follower's
/// read is checked per scope against its grantee's grants (a scope not granted is left out,
/// with the fields it covers) and recorded on chain per scope served.
pub(super) async fn read_docs(
    app: &AppState,
    reader: &Reader,
    mut read: Read,
) -> Result<Vec<Value>, ApiError> {
    let data = app.data.clone().ok_or_else(ApiError::data_api_disabled)?;
    let ns = app.nightscout.as_deref().ok_or_else(disabled)?;
    let (patient, grants) = match reader {
        Reader::Owner { patient } => (patient.clone(), None),
        Reader::Follower(f) => {
            let mut allowed = BTreeMap::new();
            let mut first_refusal = None;
            for scope in scopes_of(read.collection) {
                match follower_access(&data, f, &mut read.q, *scope).await {
                    Ok(grant) => {
                        allowed.insert(*scope, grant);
                    }
                    Err(e) if e.code == ErrorCode::ChainUnavailable => return Err(e),
                    Err(e) => {
                        first_refusal.get_or_insert(e);
                    }
                }
            }
            if allowed.is_empty() {
                return Err(first_refusal.unwrap_or_else(|| {
                    ApiError::new(ErrorCode::NoGrant, "The follower's grantee has no grant.")
                }));
            }
            (f.patient.clone(), Some((f.grantee.clone(), allowed)))
        }
    };
    let scopes: BTreeSet<DataScope> = match &grants {
        None => scopes_of(read.collection).iter().copied().collect(),
        Some((_, allowed)) => allowed.keys().copied().collect(),
    };
    let store = ns.docs.clone();
    let (p, collection, period) = (
        patient.clone(),
        read.collection,
        (read.q.from_ms, read.q.to_ms),
    );
    let limit = read.q.count.saturating_mul(4).min(MAX_DOCS_READ);
    let newest_first = read.newest_first;
    let mut docs =
        blocking(move || store.ns_docs(&p, collection, period, limit, newest_first)).await?;
    docs.retain(|d| d.is_valid && served::readable(collection, d, &scopes));
    docs.truncate(read.q.count);
    let values = values_of(&data, &patient, &docs, &scopes).await?;
    let out = docs
        .iter()
        .map(|d| match grants {
            None => served::owner_doc(collection, d, &values),
            Some(_) => served::follower_doc(collection, d, &values, &scopes),
        })
        .collect();
    if let Some((grantee, allowed)) = grants {
        for (scope, (grant_id, at_ns)) in allowed {
            let request = AccessRequest {
                patient: patient.clone(),
                grantee: grantee.clone(),
                scope,
                data_from: read.q.period().0,
                data_to: read.q.period().1,
            };
            queue_access(&data, &request, grant_id, at_ns).await?;
        }
    }
    Ok(out)
}

/// The anchored values of the documents' readings in `scopes`.
async fn values_of(
    data: &crate::state::DataApi,
    patient: &str,
    docs: &[NsDoc],
    scopes: &BTreeSet<DataScope>,
) -> Result<Values, ApiError> {
    let times: BTreeSet<u64> = docs
        .iter()
        .flat_map(|d| d.readings.iter().map(|r| r.time))
        .collect();
    let (Some(from), Some(to)) = (times.first().copied(), times.last().copied()) else {
        return Ok(Values::default());
    };
    let mut values = Values::default();
    for scope in scopes {
        let rq = diachain_relayer_types::data::ReadingsQuery {
            scope: *scope,
            from,
            to,
        };
        for b in load(data, patient, &rq).await? {
            for p in &b.readings {
                values.add(&p.reading);
            }
        }
    }
    Ok(values)
}
