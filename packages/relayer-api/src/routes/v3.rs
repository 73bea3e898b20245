//! Nightscout API v3, the subset AndroidAPS's NSClient v3 uses (`nightscout::v3` has the query
//! and reply shapes): `status`, `lastModified`, each collection's search and history, and
//! (`v3_write`) create, patch and delete.
//!
//! Every request carries `Authorization: Bearer <jwt>` from
//! `/api/v2/authorization/request/<access token>`, as in cgm-remote-monitor (`lib/api3/
//! security.js`): the access token is an uploader's secret (AndroidAPS uploads: every
//! permission) or a follower's token (reads, consent-checked like API v1's). Collections:
//! `entries` (the glucose readings), `treatments`, `devicestatus`, `profile`; `food` and
//! `settings` are answered empty (nothing of them is kept).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use diachain_relayer_core::consent::AccessRequest;
use diachain_relayer_core::store::{FollowerRecord, NsCollection, NsDoc, UploaderRecord};
use diachain_relayer_types::nightscout::StoredEntry;
use diachain_relayer_types::ErrorCode;
use diachain_std::DataScope;
use serde_json::{json, Map, Value};

use super::data::{decide, queue_access};
use super::follow::{follower_access, read_entries, token_holder, Holder, Reader};
use super::records::{read_docs, Read};
use crate::nightscout::read::EntriesQuery;
use crate::nightscout::served::{self, Values};
use crate::nightscout::v3::{self, Search};
use crate::reply::{blocking, ApiError};
use crate::state::{AppState, NightscoutApi};

/// A v3 collection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Collection {
    Entries,
    Docs(NsCollection),
    /// `food`, `settings`: answered empty, nothing kept.
    Empty(&'static str),
}

impl Collection {
    pub(super) fn of(name: &str) -> Option<Self> {
        match name {
            "entries" => Some(Collection::Entries),
            "food" => Some(Collection::Empty("food")),
            "settings" => Some(Collection::Empty("settings")),
            other => NsCollection::from_name(other).map(Collection::Docs),
        }
    }
}

pub(super) fn unknown_collection() -> Response {
    v3::status(StatusCode::NOT_FOUND, "Bad operation or collection")
}

/// Who calls: an uploader (every permission) or a follower (reads).
pub(super) enum Caller {
    Uploader(UploaderRecord),
    Follower(FollowerRecord),
}

impl Caller {
    pub(super) fn reader(&self) -> Reader {
        match self {
            Caller::Uploader(u) => Reader::Owner {
                patient: u.patient.clone(),
            },
            Caller::Follower(f) => Reader::Follower(f.clone()),
        }
    }

    pub(super) fn patient(&self) -> &str {
        match self {
            Caller::Uploader(u) => &u.patient,
            Caller::Follower(f) => &f.patient,
        }
    }
}

/// The caller of a v3 request: a bearer JWT this relayer issued for a live access token.
pub(super) async fn caller<'a>(
    app: &'a AppState,
    headers: &HeaderMap,
) -> Result<(&'a NightscoutApi, Caller), Response> {
    let ns = app
        .nightscout
        .as_deref()
        .ok_or_else(|| v3::error(super::nightscout::disabled()))?;
    let bad = || v3::status(StatusCode::UNAUTHORIZED, "Bad access token or JWT");
    let jwt = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            v3::status(
                StatusCode::UNAUTHORIZED,
                "Missing or bad access token or JWT",
            )
        })?;
    let claims = ns
        .jwt
        .check(jwt, (app.pipeline.chain_clock)())
        .ok_or_else(bad)?;
    match token_holder(ns, &claims.access_token).await {
        Ok(Holder::Uploader(u)) => Ok((ns, Caller::Uploader(u))),
        Ok(Holder::Follower(f)) => Ok((ns, Caller::Follower(f))),
        Err(_) => Err(bad()),
    }
}

fn now_ms(app: &AppState) -> u64 {
    (app.pipeline.chain_clock)().saturating_mul(1000)
}

/// `GET /api/v3/status` (and `/version`): what AndroidAPS checks first. All six collections
/// are listed, as AndroidAPS maps each (an uploader has `crud`, a follower `r`).
pub(super) async fn status(State(app): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let (_, caller) = match caller(&app, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let permission = match caller {
        Caller::Uploader(_) => "crud",
        Caller::Follower(_) => "r",
    };
    let permissions: Map<String, Value> = [
        "devicestatus",
        "entries",
        "food",
        "profile",
        "settings",
        "treatments",
    ]
    .into_iter()
    .map(|c| (c.to_string(), json!(permission)))
    .collect();
    v3::ok(json!({
        "version": env!("CARGO_PKG_VERSION"),
        "apiVersion": v3::API_VERSION,
        "srvDate": now_ms(&app),
        "storage": {"storage": "diachain-relayer", "version": env!("CARGO_PKG_VERSION")},
        "apiPermissions": permissions,
    }))
}

/// `GET /api/v3/lastModified`: the last change of each collection of the caller's patient
/// (entries: when the relayer last stored one of their uploaders' readings).
pub(super) async fn last_modified(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Response {
    let (ns, caller) = match caller(&app, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let patient = caller.patient().to_string();
    // A follower learns when a collection changed only while its grant allows what it holds.
    let mut readable: Vec<&str> = vec!["entries", "treatments", "devicestatus", "profile"];
    if let Caller::Follower(f) = &caller {
        match allowed_now(&app, f).await {
            Ok(scopes) => readable.retain(|c| {
                let needs: &[DataScope] = match *c {
                    "entries" => &[DataScope::Glucose],
                    other => NsCollection::from_name(other).map_or(&[], super::records::scopes_of),
                };
                needs.iter().any(|s| scopes.contains(s))
            }),
            Err(e) => return v3::error(e),
        }
    }
    let readable: Vec<String> = readable.into_iter().map(str::to_string).collect();
    let (docs, uploaders, batches) = (ns.docs.clone(), ns.store.clone(), ns.batches.clone());
    let found = blocking(move || {
        let mut out = Map::new();
        for c in NsCollection::ALL {
            if !readable.iter().any(|r| r == c.name()) {
                continue;
            }
            if let Some(m) = docs.ns_last_modified(&patient, c)? {
                out.insert(c.name().into(), json!(m));
            }
        }
        if !readable.iter().any(|r| r == "entries") {
            return Ok(out);
        }
        let mut entries: Option<u64> = None;
        for id in uploaders.uploader_ids()? {
            if uploaders
                .uploader(&id)?
                .is_some_and(|u| u.patient == patient)
            {
                if let Some(b) = batches.device_head(&id)? {
                    let at = b.received_at_ms.max(b.received_at.saturating_mul(1000));
                    entries = Some(entries.map_or(at, |e| e.max(at)));
                }
            }
        }
        if let Some(e) = entries {
            out.insert("entries".into(), json!(e));
        }
        Ok(out)
    })
    .await;
    match found {
        Ok(collections) => v3::ok(json!({"srvDate": now_ms(&app), "collections": collections})),
        Err(e) => v3::error(e),
    }
}

/// The scopes a follower's grantee may read now (by the chain's clock).
async fn allowed_now(
    app: &AppState,
    f: &FollowerRecord,
) -> Result<std::collections::BTreeSet<DataScope>, ApiError> {
    let data = app.data.clone().ok_or_else(ApiError::data_api_disabled)?;
    let now = (app.pipeline.chain_clock)();
    let mut out = std::collections::BTreeSet::new();
    for scope in [
        DataScope::Glucose,
        DataScope::Insulin,
        DataScope::Nutrition,
        DataScope::DeviceEvents,
    ] {
        let request = AccessRequest {
            patient: f.patient.clone(),
            grantee: f.grantee.clone(),
            scope,
            data_from: now,
            data_to: now,
        };
        match decide(&data, &request).await {
            Ok(_) => {
                out.insert(scope);
            }
            Err(e) if e.code == ErrorCode::ChainUnavailable => return Err(e),
            Err(_) => {}
        }
    }
    Ok(out)
}

/// `GET /api/v3/{collection}`: a search.
pub(super) async fn search(
    State(app): State<Arc<AppState>>,
    Path(collection): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let (_, caller) = match caller(&app, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(collection) = Collection::of(&collection) else {
        return unknown_collection();
    };
    let search = match v3::parse_search(uri.query().unwrap_or(""), now_ms(&app)) {
        Ok(s) => s,
        Err(why) => return v3::status(StatusCode::BAD_REQUEST, &why),
    };
    let reader = caller.reader();
    let result = match collection {
        Collection::Empty(_) => Ok(Vec::new()),
        Collection::Entries => search_entries(&app, &reader, search).await,
        Collection::Docs(c) => read_docs(
            &app,
            &reader,
            Read {
                collection: c,
                q: search.q,
                newest_first: search.newest_first,
            },
        )
        .await
        .map(|docs| docs.into_iter().map(valid).collect()),
    };
    match result {
        Ok(docs) => v3::ok(Value::Array(docs)),
        Err(e) => v3::error(e),
    }
}

fn valid(mut doc: Value) -> Value {
    if let Some(m) = doc.as_object_mut() {
        m.entry("isValid").or_insert(json!(true));
    }
    doc
}

const DAY_MS: u64 = 86_400_000;

/// Entries, newest first; oldest first (AndroidAPS's first load, `sort=date&date$gt=`) walks
/// forward a day at a time until it finds some, so that its next page starts after them.
async fn search_entries(
    app: &AppState,
    reader: &Reader,
    search: Search,
) -> Result<Vec<Value>, ApiError> {
    if search.newest_first {
        let (entries, batches) = read_entries(app, reader, search.q).await?;
        return Ok(entries.iter().map(|e| entry_doc(e, &batches)).collect());
    }
    // A follower's window is checked once, narrowed to its grant, and the read recorded once
    // for what was served; the days are then walked as the patient's own read.
    let mut window = search.q.clone();
    let (owner, grant) = match reader {
        Reader::Owner { patient } => (patient.clone(), None),
        Reader::Follower(f) => {
            let data = app.data.clone().ok_or_else(ApiError::data_api_disabled)?;
            let grant = follower_access(&data, f, &mut window, DataScope::Glucose).await?;
            (f.patient.clone(), Some((data, f, grant)))
        }
    };
    let own = Reader::Owner { patient: owner };
    let mut from = window.from_ms;
    while from <= window.to_ms {
        let q = EntriesQuery {
            count: crate::nightscout::read::MAX_COUNT,
            from_ms: from,
            to_ms: from.saturating_add(DAY_MS - 1).min(window.to_ms),
            kind: window.kind,
        };
        let (mut entries, batches) = read_entries(app, &own, q.clone()).await?;
        if !entries.is_empty() {
            entries.reverse();
            entries.truncate(window.count);
            if let Some((data, f, (grant_id, at_ns))) = grant {
                let last = entries.last().map_or(q.to_ms, |e| e.date);
                let request = AccessRequest {
                    patient: f.patient.clone(),
                    grantee: f.grantee.clone(),
                    scope: DataScope::Glucose,
                    data_from: window.from_ms / 1000,
                    data_to: last / 1000,
                };
                queue_access(&data, &request, grant_id, at_ns).await?;
            }
            return Ok(entries.iter().map(|e| entry_doc(e, &batches)).collect());
        }
        from = from.saturating_add(DAY_MS);
    }
    Ok(Vec::new())
}

/// An entry as API v3 serves it: its `identifier`, and when the relayer stored it.
pub(super) fn entry_doc(
    e: &StoredEntry,
    batches: &[diachain_relayer_types::data::ServedBatch],
) -> Value {
    let modified = received_ms(e, batches);
    let mut v = serde_json::to_value(e).unwrap_or(Value::Null);
    if let Some(m) = v.as_object_mut() {
        m.insert("identifier".into(), json!(e.id));
        m.insert("srvModified".into(), json!(modified));
        m.insert("srvCreated".into(), json!(modified));
        m.insert("isValid".into(), json!(true));
    }
    v
}

/// When the batch holding entry `e` (`<device>-<seq>`) was received, in milliseconds.
pub(super) fn received_ms(
    e: &StoredEntry,
    batches: &[diachain_relayer_types::data::ServedBatch],
) -> u64 {
    let seq: Option<u64> = e.id.rsplit_once('-').and_then(|(_, s)| s.parse().ok());
    batches
        .iter()
        .find(|b| {
            b.header.device_id == e.device
                && seq.is_some_and(|s| (b.header.first_seq..=b.header.last_seq).contains(&s))
        })
        .map_or(e.date, |b| {
            b.received_at_ms.max(b.received_at.saturating_mul(1000))
        })
}

/// `GET /api/v3/{collection}/history`: every change (from the start).
pub(super) async fn history_all(
    State(app): State<Arc<AppState>>,
    Path(collection): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    history_of(&app, &collection, "0", &headers, &uri).await
}

/// `GET /api/v3/{collection}/history/{from}`: the changes after `from` (ms), oldest first,
/// deleted documents included; `ETag: W/"<last change>"`.
pub(super) async fn history(
    State(app): State<Arc<AppState>>,
    Path((collection, from)): Path<(String, String)>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    history_of(&app, &collection, &from, &headers, &uri).await
}

/// How far before the bookmark an entries history looks for readings received after it (a
/// backfill measured longer ago is in the search, not the history).
const ENTRIES_HISTORY_LOOKBACK_MS: u64 = 2 * DAY_MS;

async fn history_of(
    app: &AppState,
    collection: &str,
    from: &str,
    headers: &HeaderMap,
    uri: &Uri,
) -> Response {
    let (ns, caller) = match caller(app, headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Ok(from) = from.parse::<u64>() else {
        return v3::status(
            StatusCode::BAD_REQUEST,
            "the history's start is a time in milliseconds",
        );
    };
    let Some(collection) = Collection::of(collection) else {
        return unknown_collection();
    };
    let Caller::Uploader(uploader) = &caller else {
        return v3::status(
            StatusCode::FORBIDDEN,
            "History is for the patient's own apps; a follower searches (or reads API v1).",
        );
    };
    let limit = match v3::parse_search(uri.query().unwrap_or(""), now_ms(app)) {
        Ok(s) => s.q.count,
        Err(why) => return v3::status(StatusCode::BAD_REQUEST, &why),
    };
    let result = match collection {
        Collection::Empty(_) => Ok((Vec::new(), None)),
        Collection::Docs(c) => {
            let store = ns.docs.clone();
            let patient = uploader.patient.clone();
            blocking(move || store.ns_docs_modified_after(&patient, c, from, limit))
                .await
                .map(|docs: Vec<NsDoc>| docs_history(c, &docs))
        }
        Collection::Entries => entries_history(app, &caller.reader(), from, limit).await,
    };
    match result {
        Ok((docs, last)) => v3::history(docs, last),
        Err(e) => v3::error(e),
    }
}

fn docs_history(c: NsCollection, docs: &[NsDoc]) -> (Vec<Value>, Option<u64>) {
    let last = docs.iter().map(|d| d.srv_modified).max();
    let out = docs
        .iter()
        .map(|d| {
            let mut v = served::owner_doc(c, d, &Values::default());
            if let Some(m) = v.as_object_mut() {
                m.insert("isValid".into(), json!(d.is_valid));
            }
            v
        })
        .collect();
    (out, last)
}

async fn entries_history(
    app: &AppState,
    reader: &Reader,
    from: u64,
    limit: usize,
) -> Result<(Vec<Value>, Option<u64>), ApiError> {
    let now = now_ms(app);
    let oldest = now.saturating_sub(crate::nightscout::read::MAX_DAYS * DAY_MS);
    let q = EntriesQuery {
        count: crate::nightscout::read::MAX_COUNT,
        from_ms: from.saturating_sub(ENTRIES_HISTORY_LOOKBACK_MS).max(oldest),
        to_ms: now,
        kind: None,
    };
    let (entries, batches) = read_entries(app, reader, q).await?;
    let mut changed: Vec<(u64, u64, Value)> = entries
        .iter()
        .map(|e| (received_ms(e, &batches), e.date, entry_doc(e, &batches)))
        .filter(|(m, _, _)| *m > from)
        .collect();
    changed.sort_by_key(|(m, d, _)| (*m, *d));
    // The entries of one batch share its `srvModified`: a page ends after the whole group its
    // last entry belongs to, so that the next page (after that time) misses none of them.
    if let Some(cut) = changed.get(limit.saturating_sub(1)).map(|(m, _, _)| *m) {
        let end = changed.partition_point(|(m, _, _)| *m <= cut);
        changed.truncate(end);
    }
    let last = changed.iter().map(|(m, _, _)| *m).max();
    Ok((changed.into_iter().map(|(_, _, v)| v).collect(), last))
}
