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
    DataStore, DocReading, HeldTime, NsCollection, NsDoc, PutOutcome, StoreError, UploaderRecord,
};
use diachain_relayer_types::ErrorCode;
use diachain_std::encoding::ReadingKind;
use diachain_std::{DataScope, Domain};
use serde_json::Value;

use super::data::queue_access;
use super::follow::{follower_access, reader, Reader};
use super::nightscout::{
    bound_since, disabled, log_items, read_body, record_skips, refused, skip_headers, uploader_of,
};
use crate::nightscout::entries::{SkipReason, Skipped};
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
    keep(app, ns, collection, uploader, parsed, Keep::Documents).await
}

/// What [`keep`] does with the documents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Keep {
    Documents,
    /// Marks them deleted (their readings withdrawn).
    Deleted,
}

/// Plans, stores and keeps parsed documents of `uploader`: their readings first (a document
/// whose batch the pipeline refuses is skipped with the refusal; a refusal that a retry may not
/// meet — the store or the chain unavailable — fails the upload), then the documents.
pub(super) async fn keep(
    app: &AppState,
    ns: &NightscoutApi,
    collection: NsCollection,
    uploader: &UploaderRecord,
    mut parsed: ParsedDocs,
    how: Keep,
) -> Result<Stored, ApiError> {
    let now_ms = (app.pipeline.chain_clock)().saturating_mul(1000);
    let key = key_of(uploader)
        .ok_or_else(|| ApiError::store_failed(&StoreError::Tampered(uploader.to_string())))?;
    let bound_since = bound_since(app, &uploader.device_id).await?;
    let _one_at_a_time = ns.upload_locks.lock(&uploader.device_id).await;
    let existing = existing_docs(ns, &uploader.patient, collection, &parsed).await?;
    let mut skipped = std::mem::take(&mut parsed.skipped);
    parsed.docs.retain(|d| match existing.get(&d.identifier) {
        Some(e) if e.device_id != uploader.device_id => {
            skipped.push(Skipped {
                index: d.index,
                reason: SkipReason::OtherUploader,
                detail: format!(
                    "the document {:?} was uploaded by another of the patient's uploaders ({}); change it from that one",
                    d.identifier, e.device_id
                ),
            });
            false
        }
        _ => true,
    });
    for d in &mut parsed.docs {
        if let Some(e) = existing.get(&d.identifier) {
            d.withdraw = e
                .readings
                .iter()
                .filter(|r| !d.items.iter().any(|i| (i.time, i.kind) == (r.time, r.kind)))
                .map(records::withdrawal)
                .collect();
        }
    }
    let held = held_for(ns, uploader, collection, &parsed, bound_since).await?;
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
    let mut refused_docs: BTreeMap<usize, String> = BTreeMap::new();
    for batch in &planned.batches {
        let bytes = serde_json::to_vec(&batch.request)
            .map_err(|e| ApiError::store_failed(&StoreError::Corrupt(e.to_string())))?;
        if let Err(r) = app
            .pipeline
            .submit_stamped(&bytes, batch.millis.clone())
            .await
        {
            // The uploader's own state (not bound, suspended) or the relayer's (the store, the
            // chain unreachable) fails the upload: the app keeps its queue and retries, and the
            // documents are kept after their readings, so a retry keeps them, never twice. A
            // refusal of this batch's readings skips its documents.
            let status = r.code().status();
            if status == 403 || status >= 500 {
                return Err(refused(r, 0));
            }
            for d in &batch.docs {
                refused_docs.insert(*d, format!("{}: {}", r.code().as_str(), r.message()));
            }
        }
    }
    skipped.extend(planned.skipped);
    let mut kept = Vec::new();
    for k in &planned.kept {
        let p = &parsed.docs[k.doc];
        match refused_docs.get(&k.doc) {
            Some(why) => skipped.push(Skipped {
                index: p.index,
                reason: SkipReason::Refused,
                detail: format!("its readings were refused: {why}"),
            }),
            None => kept.push((p.clone(), k.readings.clone())),
        }
    }
    let (docs, erased) = put_docs(ns, uploader, collection, kept, how, now_ms).await?;
    skipped.extend(erased);
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

/// Deletes a kept document of `uploader`'s patient (AndroidAPS's `DELETE /api/v3/…`, xDrip+'s
/// `DELETE /api/v1/treatments/{id}`): its readings are withdrawn (anchored corrections) and it
/// is marked deleted. `None` when there is no such document.
pub(super) async fn delete_doc(
    app: &AppState,
    ns: &NightscoutApi,
    collection: NsCollection,
    uploader: &UploaderRecord,
    identifier: &str,
) -> Result<Option<Stored>, ApiError> {
    let (store, patient, id) = (
        ns.docs.clone(),
        uploader.patient.clone(),
        identifier.to_string(),
    );
    let Some(doc) = blocking(move || store.ns_doc(&patient, collection, &id)).await? else {
        return Ok(None);
    };
    if !doc.is_valid {
        return Ok(Some(Stored {
            docs: vec![(doc, Change::Unchanged)],
            skipped: Vec::new(),
        }));
    }
    let parsed = ParsedDocs {
        docs: vec![records::ParsedDoc {
            index: 0,
            identifier: doc.identifier,
            date_ms: doc.date_ms,
            items: Vec::new(),
            withdraw: Vec::new(),
            body: doc.body,
        }],
        skipped: Vec::new(),
    };
    keep(app, ns, collection, uploader, parsed, Keep::Deleted)
        .await
        .map(Some)
}

/// `DELETE /api/v1/{treatments|devicestatus|profile}/{identifier}` (xDrip+ deletes the
/// treatments deleted on the phone): 200 `{"deleted": n}`, as Nightscout.
pub(super) async fn delete_v1(
    State(app): State<Arc<AppState>>,
    axum::extract::Path((name, identifier)): axum::extract::Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    json_or_refusal(async {
        let ns = app.nightscout.as_deref().ok_or_else(disabled)?;
        let uploader = uploader_of(ns, &headers).await?;
        let collection = NsCollection::from_name(&name).ok_or_else(|| {
            ApiError::new(
                ErrorCode::BadQuery,
                format!("/api/v1/{name} keeps no documents"),
            )
        })?;
        let deleted = match delete_doc(&app, ns, collection, &uploader, &identifier).await? {
            None => 0,
            Some(s) if s.docs.is_empty() => {
                let why = s
                    .skipped
                    .first()
                    .map_or(String::new(), |s| s.detail.clone());
                return Err(ApiError::new(
                    ErrorCode::BadQuery,
                    format!("Not deleted: {why}"),
                ));
            }
            Some(_) => 1,
        };
        Ok(serde_json::json!({ "n": deleted, "ok": 1, "deleted": deleted }))
    })
    .await
}

/// The kept versions of the parsed documents (by identifier).
async fn existing_docs(
    ns: &NightscoutApi,
    patient: &str,
    collection: NsCollection,
    parsed: &ParsedDocs,
) -> Result<BTreeMap<String, NsDoc>, ApiError> {
    let ids: Vec<String> = parsed.docs.iter().map(|d| d.identifier.clone()).collect();
    let (store, patient) = (ns.docs.clone(), patient.to_string());
    blocking(move || {
        let mut out = BTreeMap::new();
        for id in ids {
            if let Some(d) = store.ns_doc(&patient, collection, &id)? {
                out.insert(id, d);
            }
        }
        Ok(out)
    })
    .await
}

/// Keeps the documents whose readings are stored; those measured before an erasure that
/// happened meanwhile are skipped.
async fn put_docs(
    ns: &NightscoutApi,
    uploader: &UploaderRecord,
    collection: NsCollection,
    kept: Vec<(records::ParsedDoc, Vec<DocReading>)>,
    how: Keep,
    now_ms: u64,
) -> Result<(Vec<(NsDoc, Change)>, Vec<Skipped>), ApiError> {
    let store = ns.docs.clone();
    let (patient, device) = (uploader.patient.clone(), uploader.device_id.clone());
    blocking(move || {
        let mut out = Vec::with_capacity(kept.len());
        let mut erased = Vec::new();
        for (p, readings) in kept {
            let existing = store.ns_doc(&patient, collection, &p.identifier)?;
            let is_valid = how == Keep::Documents;
            let readings = if is_valid { readings } else { Vec::new() };
            if let Some(e) = existing.as_ref().filter(|e| {
                e.body == p.body
                    && e.readings == readings
                    && e.device_id == device
                    && e.is_valid == is_valid
            }) {
                out.push((e.clone(), Change::Unchanged));
                continue;
            }
            let mut doc = NsDoc {
                identifier: p.identifier,
                device_id: device.clone(),
                date_ms: p.date_ms,
                srv_created: existing.as_ref().map_or(now_ms, |e| e.srv_created),
                srv_modified: now_ms,
                is_valid,
                readings,
                body: p.body,
            };
            let change = match store.put_ns_doc(&patient, collection, &mut doc)? {
                PutOutcome::Created => Change::Created,
                PutOutcome::Replaced(_) => Change::Replaced,
                PutOutcome::Erased(at) => {
                    erased.push(Skipped {
                        index: p.index,
                        reason: SkipReason::Erased,
                        detail: format!(
                            "the patient erased their data at {at}, while it was being uploaded"
                        ),
                    });
                    continue;
                }
            };
            out.push((doc, change));
        }
        Ok((out, erased))
    })
    .await
}

/// What the relayer holds for the uploader on the UTC days the documents' readings may touch
/// (only documents measured since the binding): its last sequence number and newest reading,
/// the readings of those days, the value of the latest version of each record reading the
/// documents may hold (a therapy event may move up to a minute on), the document holding it
/// (deleted ones hold nothing), and the patient's last erasure.
async fn held_for(
    ns: &NightscoutApi,
    uploader: &UploaderRecord,
    collection: NsCollection,
    parsed: &ParsedDocs,
    bound_since: u64,
) -> Result<RecordsHeld, ApiError> {
    let mut keys: BTreeSet<(u64, ReadingKind)> = BTreeSet::new();
    for d in parsed
        .docs
        .iter()
        .filter(|d| d.date_ms / 1000 >= bound_since)
    {
        for i in d.items.iter().chain(&d.withdraw) {
            let last = match i.kind {
                ReadingKind::TherapyEvent => i.time + record_plan::THERAPY_SHIFT_SECONDS,
                _ => i.time,
            };
            keys.extend((i.time..=last).map(|t| (t, i.kind)));
        }
    }
    let days: BTreeSet<u64> = keys.iter().map(|(t, _)| t - t % 86_400).collect();
    let (store, erasures, docs) = (ns.batches.clone(), ns.erasures.clone(), ns.docs.clone());
    let (device, patient) = (uploader.device_id.clone(), uploader.patient.clone());
    blocking(move || {
        let last_seq = store.device_head(&device)?.map(|b| b.header.last_seq);
        let mut newest = None;
        let mut times = Vec::new();
        let mut owners = BTreeMap::new();
        for day in days {
            let held = store.held_times(&device, day, day + 86_399)?;
            newest = held.newest;
            times.extend(held.times);
            let period = (day * 1000, (day + 86_400) * 1000 + 60_000);
            for d in docs.ns_docs(&patient, collection, period, MAX_DOCS_PER_DAY, false)? {
                if d.is_valid {
                    for r in &d.readings {
                        owners.insert((r.time, r.kind), d.identifier.clone());
                    }
                }
            }
        }
        if newest.is_none() {
            newest = store.held_times(&device, 0, 0)?.newest;
        }
        let latest = latest_values(store.as_ref(), &device, &times, &keys)?;
        let erased_through = erasures.erasures(&patient)?.last().map(|e| e.erased_at);
        Ok(RecordsHeld {
            last_seq,
            newest,
            times,
            latest,
            owners,
            erased_through,
        })
    })
    .await
}

/// Most documents of one collection read for one UTC day while planning an upload (a device
/// status every minute is 1,440).
const MAX_DOCS_PER_DAY: usize = 20_000;

/// The value of the latest version of each record reading held at `keys`.
fn latest_values(
    store: &dyn DataStore,
    device: &str,
    times: &[HeldTime],
    keys: &BTreeSet<(u64, ReadingKind)>,
) -> Result<BTreeMap<(u64, ReadingKind), i64>, StoreError> {
    values_at(store, device, latest_seqs(times, keys), false)
}

/// The sequence number of the latest version of each record reading held at `keys`.
fn latest_seqs(
    times: &[HeldTime],
    keys: &BTreeSet<(u64, ReadingKind)>,
) -> BTreeMap<(u64, ReadingKind), u64> {
    let mut latest: BTreeMap<(u64, ReadingKind), u64> = BTreeMap::new();
    for h in times {
        let Some(kind) = h.record.filter(|k| keys.contains(&(h.time, *k))) else {
            continue;
        };
        let seq = latest.entry((h.time, kind)).or_default();
        *seq = (*seq).max(h.seq);
    }
    latest
}

/// The values of `device`'s readings at the given sequence numbers, by key (`anchorable`:
/// only those of batches the chain did not refuse).
pub(super) fn values_at<K: Ord>(
    store: &dyn DataStore,
    device: &str,
    seqs: BTreeMap<K, u64>,
    anchorable: bool,
) -> Result<BTreeMap<K, i64>, StoreError> {
    let mut out = BTreeMap::new();
    let mut batches: BTreeMap<u64, Vec<diachain_std::Reading>> = BTreeMap::new();
    for (key, seq) in seqs {
        let Some(batch) = store.find_batch(device, seq)? else {
            continue;
        };
        if anchorable
            && matches!(
                batch.state,
                diachain_relayer_types::state::AnchorState::Failed { .. }
            )
        {
            continue;
        }
        let readings = match batches.entry(batch.id) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => e.insert(store.readings(&batch)?),
        };
        if let Some(r) = readings.iter().find(|r| r.seq == seq) {
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
    if read.q.from_ms > read.q.to_ms {
        // Nothing can be in an empty window (an app asking for what is newer than its newest).
        return Ok(Vec::new());
    }
    let (patient, grants) = match reader {
        Reader::Owner { patient } => (patient.clone(), None),
        Reader::Follower(f) => {
            let mut allowed = BTreeMap::new();
            let mut first_refusal = None;
            for scope in scopes_of(read.collection) {
                // Each scope on a copy: a refused scope's narrowing is not the others'.
                let mut q = read.q.clone();
                match follower_access(&data, f, &mut q, *scope).await {
                    Ok(grant) => {
                        read.q = q;
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
    let values = values_of(ns, &docs).await?;
    let out = docs
        .iter()
        .map(|d| match grants {
            None => served::owner_doc(collection, d, &values),
            Some(_) => served::follower_doc(collection, d, &values, &scopes),
        })
        .collect();
    if let Some((grantee, allowed)) = grants {
        // One access per scope of what was served.
        let served: BTreeSet<DataScope> = docs
            .iter()
            .flat_map(|d| served::scopes_served(collection, d, &scopes))
            .collect();
        for (scope, (grant_id, at_ns)) in allowed.into_iter().filter(|(s, _)| served.contains(s)) {
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

/// The anchored values (the latest version of each) of the documents' readings, read from
/// the store by the uploaders' held times: no more than the documents hold.
async fn values_of(ns: &NightscoutApi, docs: &[NsDoc]) -> Result<Values, ApiError> {
    let mut wanted: BTreeMap<String, BTreeSet<(u64, ReadingKind)>> = BTreeMap::new();
    for d in docs {
        wanted
            .entry(d.device_id.clone())
            .or_default()
            .extend(d.readings.iter().map(|r| (r.time, r.kind)));
    }
    let store = ns.batches.clone();
    blocking(move || {
        let mut values = Values::default();
        for (device, keys) in wanted {
            let (Some(first), Some(last)) = (keys.first(), keys.last()) else {
                continue;
            };
            // One read of the held times the documents span, not one per second.
            let held = store.held_times(&device, first.0, last.0)?;
            let seqs = latest_seqs(&held.times, &keys);
            for ((t, kind), v) in values_at(store.as_ref(), &device, seqs.clone(), true)? {
                values.insert(&device, t, kind, seqs[&(t, kind)], v);
            }
        }
        Ok(values)
    })
    .await
}
