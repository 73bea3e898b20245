//! Nightscout API v3 writes by an uploader (AndroidAPS): create, patch, delete; and reading
//! one document.
//!
//! What AndroidAPS does with the answers (`NSAndroidClientImpl.kt`, `NSClientV3Plugin.kt`):
//! 200/201 store the `identifier`; 400 and 404 are logged and the record is passed over; any
//! other 4xx stops its upload queue. So a document that cannot be kept is answered 400 with the
//! reason (the queue goes on, and the patient's skip log has it), never another 4xx.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use diachain_relayer_core::store::{NsCollection, UploaderRecord};
use serde_json::{json, Value};

use super::nightscout::{read_body, upload_entries};
use super::records::{delete_doc, store, Change};
use super::v3::{caller, unknown_collection, Caller, Collection};
use crate::nightscout::entries::{SkipReason, Skipped};
use crate::nightscout::served::{self, Values};
use crate::nightscout::v3::{self, Created};
use crate::reply::{blocking, ApiError};
use crate::state::{AppState, NightscoutApi};

/// The uploader a write needs (a follower only reads).
fn writer(caller: &Caller) -> Option<&UploaderRecord> {
    match caller {
        Caller::Uploader(u) => Some(u),
        Caller::Follower(_) => None,
    }
}

/// 403, as Nightscout answers a missing permission.
fn forbidden(collection: &str, op: &str) -> Response {
    v3::status(
        StatusCode::FORBIDDEN,
        &format!("Missing permission api:{collection}:{op}"),
    )
}

/// The uploader and the document collection of a request on one document, or its answer
/// (an unknown collection, a follower, entries: nothing of them is changed this way).
async fn document_writer<'a>(
    app: &'a AppState,
    headers: &HeaderMap,
    name: &str,
    op: &str,
) -> Result<(&'a NightscoutApi, UploaderRecord, NsCollection), Box<Response>> {
    let (ns, caller) = caller(app, headers).await.map_err(Box::new)?;
    let collection = Collection::of(name).ok_or_else(|| Box::new(unknown_collection()))?;
    let uploader = writer(&caller)
        .cloned()
        .ok_or_else(|| Box::new(forbidden(name, op)))?;
    match collection {
        Collection::Docs(c) => Ok((ns, uploader, c)),
        other => Err(Box::new(not_kept(other))),
    }
}

/// 400 with the reason an item was left out.
fn left_out(s: &Skipped) -> Response {
    let mut r = v3::status(
        StatusCode::BAD_REQUEST,
        &format!("{}: {}", s.reason.as_str(), s.detail),
    );
    if let Ok(v) = axum::http::HeaderValue::from_str(s.reason.as_str()) {
        r.headers_mut()
            .insert(super::nightscout::SKIP_REASONS_HEADER, v);
    }
    r
}

/// `POST /api/v3/{collection}`: one document.
pub(super) async fn create(
    State(app): State<Arc<AppState>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let (ns, caller) = match caller(&app, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(collection) = Collection::of(&name) else {
        return unknown_collection();
    };
    let Some(uploader) = writer(&caller) else {
        return forbidden(&name, "create");
    };
    let body = match read_body(&headers, body).await {
        Ok(b) => b,
        Err(e) => return v3::error(e),
    };
    if serde_json::from_slice::<Value>(&body).map_or(true, |v| !v.is_object()) {
        return v3::status(
            StatusCode::BAD_REQUEST,
            "The body must be one JSON document.",
        );
    }
    let answer = match collection {
        Collection::Empty(what) => {
            return v3::status(
                StatusCode::NOT_FOUND,
                &format!("{what} is not kept by this server"),
            )
        }
        Collection::Entries => create_entry(&app, ns, uploader, &body).await,
        Collection::Docs(c) => create_doc(&app, ns, c, uploader, &body).await,
    };
    answer.unwrap_or_else(v3::error)
}

async fn create_entry(
    app: &AppState,
    ns: &NightscoutApi,
    uploader: &UploaderRecord,
    body: &[u8],
) -> Result<Response, ApiError> {
    let (stored, skipped) = upload_entries(app, ns, uploader, body).await?;
    let now = (app.pipeline.chain_clock)().saturating_mul(1000);
    if let Some(e) = stored.first() {
        return Ok(v3::created(Created::New {
            identifier: e.id.clone(),
            modified: now,
        }));
    }
    let Some(s) = skipped.first() else {
        return Ok(v3::status(
            StatusCode::BAD_REQUEST,
            "The body holds no entry.",
        ));
    };
    if s.reason != SkipReason::AlreadyStored {
        return Ok(left_out(s));
    }
    // Already stored: its identifier is the latest version held at its second.
    let date = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v["date"].as_u64())
        .unwrap_or_default();
    let (store, device) = (ns.batches.clone(), uploader.device_id.clone());
    let t = date / 1000;
    let held = blocking(move || store.held_times(&device, t, t)).await?;
    let seq = held
        .times
        .iter()
        .filter(|h| h.is_entry())
        .map(|h| h.seq)
        .max();
    Ok(match seq {
        Some(seq) => v3::created(Created::Deduplicated {
            identifier: format!("{}-{seq}", uploader.device_id),
            modified: now,
        }),
        None => left_out(s),
    })
}

async fn create_doc(
    app: &AppState,
    ns: &NightscoutApi,
    c: NsCollection,
    uploader: &UploaderRecord,
    body: &[u8],
) -> Result<Response, ApiError> {
    let stored = store(app, ns, c, uploader, body).await?;
    if let Some((doc, change)) = stored.docs.first() {
        let (identifier, modified) = (doc.identifier.clone(), doc.srv_modified);
        return Ok(v3::created(match change {
            Change::Created => Created::New {
                identifier,
                modified,
            },
            Change::Replaced | Change::Unchanged => Created::Deduplicated {
                identifier,
                modified,
            },
        }));
    }
    Ok(match stored.skipped.first() {
        Some(s) => left_out(s),
        None => v3::status(StatusCode::BAD_REQUEST, "The body holds no document."),
    })
}

/// Fields a patch may not change (cgm-remote-monitor `update/validate.js`).
const IMMUTABLE: &[&str] = &[
    "identifier",
    "date",
    "utcOffset",
    "eventType",
    "device",
    "app",
    "srvCreated",
    "subject",
    "srvModified",
    "modifiedBy",
    "isValid",
];

/// `PATCH /api/v3/{collection}/{identifier}`: changes fields of a kept document; its readings
/// follow (a changed dose is a correction, anchored). Entries are readings, corrected by
/// posting their new value: 404, which AndroidAPS passes over.
pub(super) async fn patch(
    State(app): State<Arc<AppState>>,
    Path((name, identifier)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let (ns, uploader, c) = match document_writer(&app, &headers, &name, "update").await {
        Ok(t) => t,
        Err(r) => return *r,
    };
    let uploader = &uploader;
    let changes = match read_body(&headers, body)
        .await
        .map(|b| serde_json::from_slice::<Value>(&b))
    {
        Ok(Ok(Value::Object(m))) => m,
        Ok(_) => return v3::status(StatusCode::BAD_REQUEST, "The body must be one JSON object."),
        Err(e) => return v3::error(e),
    };
    let existing = match find(ns, &uploader.patient, c, &identifier).await {
        Ok(Some(d)) => d,
        Ok(None) => return v3::status(StatusCode::NOT_FOUND, "No such document."),
        Err(e) => return v3::error(e),
    };
    if !existing.is_valid {
        // 404, not Nightscout's 410: AndroidAPS passes over a 404 and stops its queue on a 410.
        return v3::status(StatusCode::NOT_FOUND, "The document was deleted.");
    }
    let mut merged = existing.body.as_object().cloned().unwrap_or_default();
    for (k, v) in changes {
        if IMMUTABLE.contains(&k.as_str()) {
            if merged.get(&k).is_some_and(|old| *old != v) && !v.is_null() {
                return v3::status(
                    StatusCode::BAD_REQUEST,
                    &format!("Field {k} cannot be modified by the client"),
                );
            }
            continue;
        }
        merged.insert(k, v);
    }
    merged.insert("identifier".into(), json!(identifier));
    let body = Value::Object(merged).to_string();
    match store(&app, ns, c, uploader, body.as_bytes()).await {
        Ok(s) if !s.docs.is_empty() => v3::status(StatusCode::OK, "updated"),
        Ok(s) => s.skipped.first().map_or_else(
            || v3::status(StatusCode::BAD_REQUEST, "Not kept."),
            left_out,
        ),
        Err(e) => v3::error(e),
    }
}

fn not_kept(collection: Collection) -> Response {
    match collection {
        Collection::Entries => v3::status(
            StatusCode::NOT_FOUND,
            "Entries are readings anchored as they were measured: a value is corrected by posting the entry again with the new value.",
        ),
        _ => v3::status(StatusCode::NOT_FOUND, "Nothing of this collection is kept."),
    }
}

async fn find(
    ns: &NightscoutApi,
    patient: &str,
    c: NsCollection,
    identifier: &str,
) -> Result<Option<diachain_relayer_core::store::NsDoc>, ApiError> {
    let (store, patient, id) = (ns.docs.clone(), patient.to_string(), identifier.to_string());
    blocking(move || store.ns_doc(&patient, c, &id)).await
}

/// `DELETE /api/v3/{collection}/{identifier}`: the document is marked deleted (not served in
/// searches; in the history with `isValid: false`) and its readings withdrawn by anchored
/// corrections (the chain keeps what was uploaded, and that it was withdrawn).
pub(super) async fn delete(
    State(app): State<Arc<AppState>>,
    Path((name, identifier)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let (ns, uploader, c) = match document_writer(&app, &headers, &name, "delete").await {
        Ok(t) => t,
        Err(r) => return *r,
    };
    let uploader = &uploader;
    match delete_doc(&app, ns, c, uploader, &identifier).await {
        Ok(Some(s)) if !s.docs.is_empty() => v3::status(StatusCode::OK, "deleted"),
        Ok(Some(s)) => s.skipped.first().map_or_else(
            || v3::status(StatusCode::BAD_REQUEST, "Not deleted."),
            left_out,
        ),
        Ok(None) => v3::status(StatusCode::NOT_FOUND, "No such document."),
        Err(e) => v3::error(e),
    }
}

/// `GET /api/v3/{collection}/{identifier}`: one of the patient's documents, for their own
/// apps (a follower searches).
pub(super) async fn read_one(
    State(app): State<Arc<AppState>>,
    Path((name, identifier)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let (ns, uploader, c) = match document_writer(&app, &headers, &name, "read one").await {
        Ok(t) => t,
        Err(r) => return *r,
    };
    let uploader = &uploader;
    match find(ns, &uploader.patient, c, &identifier).await {
        Ok(Some(d)) if d.is_valid => v3::ok(served::owner_doc(c, &d, &Values::default())),
        Ok(Some(_)) => v3::status(StatusCode::NOT_FOUND, "The document was deleted."),
        Ok(None) => v3::status(StatusCode::NOT_FOUND, "No such document."),
        Err(e) => v3::error(e),
    }
}
