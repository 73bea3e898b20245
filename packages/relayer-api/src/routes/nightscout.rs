//! Nightscout-compatible endpoints, so that an unchanged uploader app pointed at the relayer
//! works: `POST /api/v1/entries` (and `/api/v1/entries.json`) with the `api-secret` header of
//! one patient's uploader, and `GET /api/v1/status.json`. Plus, for the patient (signed request):
//! `POST /v1/patients/{patient}/nightscout/uploaders`, which creates their uploader.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::header::CONTENT_ENCODING;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use diachain_relayer_core::ingest::Rejection;
use diachain_relayer_core::store::{DataStore, HeldTime, SkippedItem, StoreError, UploaderRecord};
use diachain_relayer_types::nightscout::{
    NewUploader, NightscoutSettings, NightscoutStatus, NightscoutThresholds, StoredEntry,
};
use diachain_relayer_types::status::HealthStatus;
use diachain_relayer_types::ErrorCode;
use diachain_std::Domain;
use flate2::read::GzDecoder;
use http_body_util::{BodyExt, Limited};

use super::erasure::ensure_patient_or_guardian;
use crate::nightscout::entries::{self, Entries, Skipped};
use crate::nightscout::upload::{plan, stored_entry, Held};
use crate::nightscout::uploader::{bind_message, generate, key_of, token_hash};
use crate::reply::{blocking, ApiError};
use crate::signed::DataRequest;
use crate::state::{AppState, NightscoutApi};

/// Largest `POST /api/v1/entries` body (uploaders backfill up to thousands of entries).
pub const MAX_ENTRIES_BODY_BYTES: usize = 8 << 20;
/// Most uploaders one patient may have (each is a registration the relayer pays for).
pub const MAX_UPLOADERS_PER_PATIENT: usize = 4;
/// Most uploaders one patient may have created and not yet bound (each registration costs the
/// relayer a transaction, bound or not).
pub const MAX_UNBOUND_UPLOADERS: usize = 2;
/// The header Nightscout uploaders authenticate with: the SHA-1 hex of the upload secret.
pub const API_SECRET_HEADER: &str = "api-secret";

pub(super) fn disabled() -> ApiError {
    ApiError::new(
        ErrorCode::NightscoutDisabled,
        "This relayer runs without a chain to register uploaders on, so it takes no Nightscout \
         uploads.",
    )
}

/// `GET /api/v1/status.json`: what uploaders check before they upload. `status` is the
/// relayer's health as `/healthz` reports it: `ok`; `degraded` (uploads are stored, but the
/// chain cannot be reached or anchoring lags: they are anchored later); `failing` (the store
/// cannot be written: uploads are refused), answered with 503 so that an uploader keeps its
/// queue and retries. `apiEnabled` is whether uploads are taken now.
pub(super) async fn status_json(State(app): State<Arc<AppState>>) -> Response {
    let now_ms = diachain_relayer_core::clock::now_ms();
    let health = app.health.report(app.pipeline.store.clone()).await;
    let (status, code) = match health.status {
        HealthStatus::Ok => ("ok", StatusCode::OK),
        HealthStatus::Degraded => ("degraded", StatusCode::OK),
        HealthStatus::Failing => ("failing", StatusCode::SERVICE_UNAVAILABLE),
    };
    let body = NightscoutStatus {
        api_enabled: app.nightscout.is_some() && health.store.writable,
        careportal_enabled: false,
        name: "diachain-relayer".into(),
        server_time: diachain_chain_client::time::rfc3339_ms(now_ms),
        server_time_epoch: now_ms,
        settings: NightscoutSettings {
            enable: Vec::new(),
            units: "mg/dl".into(),
            thresholds: NightscoutThresholds {
                bg_high: 260,
                bg_target_top: 180,
                bg_target_bottom: 70,
                bg_low: 55,
            },
        },
        status: status.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        authorized: None,
    };
    (code, Json(body)).into_response()
}

/// `POST /api/v1/entries`.
pub(super) async fn post_entries(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match upload(&app, &headers, body).await {
        Ok((stored, skipped)) => {
            app.metrics.nightscout_stored(stored.len());
            for s in &skipped {
                app.metrics.nightscout_skipped(s.reason.as_str());
            }
            let mut answer = (StatusCode::OK, Json(stored)).into_response();
            skip_headers(answer.headers_mut(), &skipped);
            answer
        }
        Err(e) => {
            app.metrics.rejected(e.code.as_str());
            e.into_response()
        }
    }
}

pub(super) async fn uploader_of(
    ns: &NightscoutApi,
    headers: &HeaderMap,
) -> Result<UploaderRecord, ApiError> {
    let Some(secret) = headers.get(API_SECRET_HEADER).and_then(|v| v.to_str().ok()) else {
        return Err(ApiError::new(
            ErrorCode::MissingApiSecret,
            "Send the api-secret header: the SHA-1 (or SHA-512) hex of your uploader's secret.",
        ));
    };
    let hash = token_hash(secret);
    let store = ns.store.clone();
    blocking(move || store.uploader_by_token(&hash))
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::BadApiSecret, "No uploader has this secret."))
}

/// The header with the number of entries an upload left out, and the one with their reasons
/// (`reason=count`, comma-separated); each entry left out is also logged with its index.
pub const SKIPPED_HEADER: &str = "x-diachain-skipped";
pub const SKIP_REASONS_HEADER: &str = "x-diachain-skip-reasons";

pub(super) fn skip_headers(headers: &mut HeaderMap, skipped: &[Skipped]) {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for s in skipped {
        *counts.entry(s.reason.as_str()).or_default() += 1;
    }
    let reasons: Vec<String> = counts.iter().map(|(r, n)| format!("{r}={n}")).collect();
    headers.insert(SKIPPED_HEADER, HeaderValue::from(skipped.len()));
    if let Ok(v) = HeaderValue::from_str(&reasons.join(",")) {
        headers.insert(SKIP_REASONS_HEADER, v);
    }
    // The sentences go back to the uploader that sent the values, not into the relayer's log.
    let mut detail = String::new();
    for s in skipped.iter().take(DETAILED_SKIPS) {
        let item = format!("{} {}: {}", s.index, s.reason.as_str(), s.detail);
        let item: String = item
            .chars()
            .filter(|c| c.is_ascii_graphic() || *c == ' ')
            .collect();
        if detail.len() + item.len() + 2 > MAX_DETAIL_BYTES {
            break;
        }
        if !detail.is_empty() {
            detail.push_str("; ");
        }
        detail.push_str(&item);
    }
    if let Ok(v) = HeaderValue::from_str(&detail) {
        if !detail.is_empty() {
            headers.insert(SKIPPED_ENTRIES_HEADER, v);
        }
    }
}

/// The header with the first skipped entries, each `index reason: sentence`, `; `-separated.
pub const SKIPPED_ENTRIES_HEADER: &str = "x-diachain-skipped-entries";
/// Most skipped entries described one by one per upload (the rest are counted).
const DETAILED_SKIPS: usize = 20;
/// Most bytes of that header (proxies refuse larger headers).
const MAX_DETAIL_BYTES: usize = 4_096;

/// Stores what an upload holds that can be stored; returns it with the entries left out.
async fn upload(
    app: &AppState,
    headers: &HeaderMap,
    body: Body,
) -> Result<(Vec<StoredEntry>, Vec<Skipped>), ApiError> {
    let ns = app.nightscout.as_ref().ok_or_else(disabled)?;
    let uploader = uploader_of(ns, headers).await?;
    let body = read_body(headers, body).await?;
    upload_entries(app, ns, &uploader, &body).await
}

/// Stores the entries of `body` that can be stored for `uploader`.
pub(super) async fn upload_entries(
    app: &AppState,
    ns: &NightscoutApi,
    uploader: &UploaderRecord,
    body: &[u8],
) -> Result<(Vec<StoredEntry>, Vec<Skipped>), ApiError> {
    let uploader = uploader.clone();
    let now_ms = (app.pipeline.chain_clock)().saturating_mul(1000);
    let parsed =
        entries::parse(body, now_ms).map_err(|e| ApiError::new(e.code(), e.to_string()))?;
    let key = key_of(&uploader)
        .ok_or_else(|| ApiError::store_failed(&StoreError::Tampered(uploader.to_string())))?;
    let bound_since = bound_since(app, &uploader.device_id).await?;
    // From reading what is held to storing the last batch, this upload is the uploader's only
    // one.
    let _one_at_a_time = ns.upload_locks.lock(&uploader.device_id).await;
    let held = held_for(ns, &uploader, &parsed).await?;
    let domain = Domain {
        chain_id: &app.pipeline.chain_id,
        contract: &app.pipeline.anchors_contract,
    };
    let planned = plan(
        &parsed,
        &held,
        bound_since,
        &uploader.device_id,
        &key,
        &domain,
    )
    .map_err(|e| ApiError::new(ErrorCode::UploaderExhausted, e.to_string()))?;
    let mut stored = Vec::new();
    for batch in &planned.batches {
        let bytes = serde_json::to_vec(&batch.request)
            .map_err(|e| ApiError::store_failed(&StoreError::Corrupt(e.to_string())))?;
        match app
            .pipeline
            .submit_stamped(&bytes, batch.millis.clone())
            .await
        {
            Ok(_) => {
                for (seq, sgv) in &batch.entries {
                    stored.push(stored_entry(&uploader.device_id, *seq, sgv));
                }
            }
            Err(r) => return Err(refused(r, stored.len())),
        }
    }
    let mut skipped = parsed.skipped;
    skipped.extend(planned.skipped);
    skipped.sort_by_key(|s| s.index);
    let now = (app.pipeline.clock)();
    record_skips(ns, &uploader, log_items(&skipped, "entries", now)).await?;
    // Index and reason only: a sentence may hold the entry's glucose value.
    for s in skipped.iter().take(DETAILED_SKIPS) {
        tracing::info!(
            device_id = %uploader.device_id,
            index = s.index,
            reason = s.reason.as_str(),
            "nightscout entry skipped"
        );
    }
    tracing::info!(
        device_id = %uploader.device_id,
        stored = stored.len(),
        skipped = skipped.len(),
        "nightscout upload"
    );
    Ok((stored, skipped))
}

/// The items of an upload's skip list that the patient's skip log keeps: those not held.
pub(crate) fn log_items(skipped: &[Skipped], collection: &str, at: u64) -> Vec<SkippedItem> {
    skipped
        .iter()
        .filter(|s| s.reason.loses_data())
        .map(|s| SkippedItem {
            at,
            collection: collection.to_string(),
            index: s.index as u64,
            reason: s.reason.as_str().to_string(),
            detail: s.detail.clone(),
        })
        .collect()
}

/// Adds them to the uploader's skip log.
pub(crate) async fn record_skips(
    ns: &NightscoutApi,
    uploader: &UploaderRecord,
    items: Vec<SkippedItem>,
) -> Result<(), ApiError> {
    if items.is_empty() {
        return Ok(());
    }
    let store = ns.store.clone();
    let (patient, device) = (uploader.patient.clone(), uploader.device_id.clone());
    blocking(move || store.record_skips(&patient, &device, items)).await
}

/// What the relayer holds for the uploader around the upload's entries: its last sequence
/// number, its newest reading, the readings of the entries' days, the latest value held at each
/// entry's second, and the patient's last erasure.
async fn held_for(
    ns: &NightscoutApi,
    uploader: &UploaderRecord,
    parsed: &Entries,
) -> Result<Held, ApiError> {
    let seconds: BTreeSet<u64> = parsed.sgv.iter().map(|s| s.date_ms / 1000).collect();
    let (from, to) = match (seconds.first(), seconds.last()) {
        (Some(first), Some(last)) => Held::window(*first, *last),
        _ => (1, 0),
    };
    let (store, erasures) = (ns.batches.clone(), ns.erasures.clone());
    let (device, patient) = (uploader.device_id.clone(), uploader.patient.clone());
    blocking(move || {
        let last_seq = store.device_head(&device)?.map(|b| b.header.last_seq);
        let mut held = store.held_times(&device, from, to)?;
        // The entries' stream: a treatment's or device status's reading is another scope's.
        held.times.retain(HeldTime::is_entry);
        let latest = latest_values(store.as_ref(), &device, &held.times, &seconds)?;
        let erased_through = erasures.erasures(&patient)?.last().map(|e| e.erased_at);
        Ok(Held {
            last_seq,
            newest: held.newest,
            times: held.times,
            latest,
            erased_through,
        })
    })
    .await
}

/// The value of the latest version (highest seq) of the sensor and of the meter reading held
/// at each of `seconds`, read from the store (values are never kept outside the readings).
fn latest_values(
    store: &dyn DataStore,
    device: &str,
    times: &[HeldTime],
    seconds: &BTreeSet<u64>,
) -> Result<BTreeMap<(u64, bool), i64>, StoreError> {
    let mut latest_seq: BTreeMap<(u64, bool), u64> = BTreeMap::new();
    for h in times.iter().filter(|h| seconds.contains(&h.time)) {
        let seq = latest_seq.entry((h.time, h.meter)).or_default();
        *seq = (*seq).max(h.seq);
    }
    super::records::values_at(store, device, latest_seq, false)
}

/// An upload's body, at most `MAX_ENTRIES_BODY_BYTES`, decompressed if it came gzip-compressed.
pub(super) async fn read_body(headers: &HeaderMap, body: Body) -> Result<Vec<u8>, ApiError> {
    let body = Limited::new(body, MAX_ENTRIES_BODY_BYTES)
        .collect()
        .await
        .map_err(|_| too_large())?
        .to_bytes();
    decoded(headers, &body)
}

fn too_large() -> ApiError {
    ApiError::new(
        ErrorCode::BodyTooLarge,
        format!("An upload is at most {MAX_ENTRIES_BODY_BYTES} bytes; send it in parts."),
    )
    .with("limit", MAX_ENTRIES_BODY_BYTES)
}

/// The upload's bytes: a `Content-Encoding: gzip` body (xDrip+ compresses its uploads) is
/// decompressed, at most `MAX_ENTRIES_BODY_BYTES` of it, so that a small body that expands a
/// thousandfold is refused like a large one.
fn decoded(headers: &HeaderMap, body: &[u8]) -> Result<Vec<u8>, ApiError> {
    let encoding = headers
        .get(CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap_or("?").trim().to_ascii_lowercase());
    match encoding.as_deref() {
        None | Some("identity") => Ok(body.to_vec()),
        Some("gzip" | "x-gzip") => {
            let mut out = Vec::new();
            let limit = u64::try_from(MAX_ENTRIES_BODY_BYTES)
                .unwrap_or(u64::MAX)
                .saturating_add(1);
            GzDecoder::new(body)
                .take(limit)
                .read_to_end(&mut out)
                .map_err(|e| {
                    ApiError::new(
                        ErrorCode::BadEncoding,
                        format!("The gzip body cannot be decompressed: {e}."),
                    )
                })?;
            if out.len() > MAX_ENTRIES_BODY_BYTES {
                return Err(too_large());
            }
            Ok(out)
        }
        Some(other) => Err(ApiError::new(
            ErrorCode::UnsupportedContentEncoding,
            format!("Content-Encoding {other:?} is not taken; send the body as it is or gzip-compressed."),
        )
        .with("encoding", other)),
    }
}

/// When the uploader was bound to its patient, in whole seconds rounded up (0 when it is not
/// bound: the pipeline then refuses the upload as it refuses any unbound device).
pub(super) async fn bound_since(app: &AppState, device_id: &str) -> Result<u64, ApiError> {
    let device = app.pipeline.registry.device(device_id).await.map_err(|e| {
        tracing::warn!(error = %e, device = %device_id, "registry lookup failed");
        refused(
            Rejection::RegistryUnavailable {
                reason: "the chain's device registry could not be queried".into(),
            },
            0,
        )
    })?;
    Ok(device
        .filter(|d| d.owner.is_some())
        .map_or(0, |d| d.owner_since.nanos().div_ceil(1_000_000_000)))
}

/// A batch the pipeline refused: its reason, and how many entries were stored before it (a
/// retry of the same upload stores the rest, never twice).
pub(super) fn refused(r: Rejection, stored: usize) -> ApiError {
    ApiError::new(r.code(), r.message()).with("stored_entries", stored)
}

/// `POST /v1/patients/{patient}/nightscout/uploaders` (signed by the patient or guardian).
pub(super) async fn create_uploader(
    State(app): State<Arc<AppState>>,
    req: DataRequest,
) -> Response {
    match create(&app, req).await {
        Ok(u) => (StatusCode::CREATED, Json(u)).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn create(app: &AppState, req: DataRequest) -> Result<NewUploader, ApiError> {
    let ns = app.nightscout.as_ref().ok_or_else(disabled)?;
    let data = req.data.clone();
    let data = data.as_ref();
    let signed = req.verify().await?;
    let patient = signed.patient.as_str();
    ensure_patient_or_guardian(data, patient, &signed.caller).await?;
    if let Some(refusal) = super::uploaders::creation_refused(app, ns, patient).await? {
        return Err(refusal);
    }
    let (mut record, api_secret) = generate(patient, (data.clock)());
    let key = key_of(&record)
        .ok_or_else(|| ApiError::store_failed(&StoreError::Corrupt("uploader key".into())))?;
    let chain_error = |e: diachain_chain_client::Error| match e {
        diachain_chain_client::Error::Contract { message, .. } => ApiError::new(
            ErrorCode::RegistrationRefused,
            format!("The registry refused the uploader: {message}"),
        ),
        e => ApiError::chain_unavailable(&e),
    };
    let tx = ns
        .chain
        .register(&record.device_id, key.public_key())
        .await
        .map_err(chain_error)?;
    record.registered_tx = Some(tx.clone());
    let store = ns.store.clone();
    let kept = record.clone();
    blocking(move || store.put_uploader(&kept)).await?;
    ns.uploaders.insert(&record.device_id);
    let nonce = ns
        .chain
        .nonce(&record.device_id)
        .await
        .map_err(chain_error)?;
    let (chain_id, registry) = ns.chain.bind_domain();
    let domain = Domain {
        chain_id: &chain_id,
        contract: &registry,
    };
    let bind = bind_message(&key, &record, &domain, nonce)
        .map_err(|e| ApiError::store_failed(&StoreError::Corrupt(e.to_string())))?;
    tracing::info!(patient, device_id = %record.device_id, tx = %tx, "nightscout uploader created");
    Ok(NewUploader {
        device_id: record.device_id,
        api_secret,
        registered_tx: tx,
        registry_contract: registry,
        bind_device: bind,
    })
}
