//! Followers: a patient gives a follower app a Nightscout access token bound to a grantee; the
//! app reads the patient's glucose back as Nightscout entries, each read consent-checked
//! against that grantee's grant on chain and recorded as an access, like any other. The
//! patient's own uploader secret reads too (the patient's own data: nothing to record).
//!
//! Routes: `POST|GET /v1/patients/{patient}/nightscout/followers`, `DELETE …/{id}` (signed by
//! the patient or guardian); `GET /api/v1/entries[.json]`, `/api/v1/entries/{sgv|mbg|current}
//! [.json]`, `GET /api/v2/authorization/request/{token}`, `GET /api/v1/verifyauth`.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use diachain_relayer_core::consent::AccessRequest;
use diachain_relayer_core::store::{FollowerRecord, UploaderRecord};
use diachain_relayer_types::data::ServedBatch;
use diachain_relayer_types::nightscout::{
    AuthorizationToken, FollowerInfo, NewFollower, NewFollowerToken, StoredEntry, VerifyAuth,
    VerifyAuthMessage,
};
use diachain_relayer_types::ErrorCode;
use diachain_std::DataScope;

use super::data::{decide, load, queue_access};
use super::erasure::ensure_patient_or_guardian;
use super::nightscout::{disabled, API_SECRET_HEADER};
use crate::nightscout::follower::{generate, secret_hash, subject, token_hash};
use crate::nightscout::read::{self, EntryType};
use crate::nightscout::uploader;
use crate::reply::{blocking, json_or_refusal, ApiError};
use crate::signed::DataRequest;
use crate::state::{AppState, DataApi, NightscoutApi};

/// Most followers (live tokens) one patient may have.
pub const MAX_FOLLOWERS_PER_PATIENT: usize = 20;
/// Entries are read back in slices of this many seconds, newest first, until `count` is met.
const SLICE_SECONDS: u64 = 6 * 3600;

/// Who reads: the patient (through their uploader's secret) or a follower.
pub(super) enum Reader {
    Owner { patient: String },
    Follower(FollowerRecord),
}

fn unauthorized(code: ErrorCode, message: &str) -> ApiError {
    ApiError::new(code, message.to_string())
}

/// The reader a request's credentials name: `Authorization: Bearer <jwt>`, `api-secret`
/// (an uploader's or a follower token's SHA-1 hex, or `token=<token>`), `?secret=`, `?token=`.
pub(super) async fn reader(
    app: &AppState,
    headers: &HeaderMap,
    query: &str,
) -> Result<Reader, ApiError> {
    let ns = app.nightscout.as_deref().ok_or_else(disabled)?;
    let param = |name: &str| {
        query
            .split('&')
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    };
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let now = (app.pipeline.chain_clock)();
    if let Some(auth) = header("authorization") {
        let jwt = auth.strip_prefix("Bearer ").unwrap_or(&auth).trim();
        let claims = ns.jwt.check(jwt, now).ok_or_else(|| {
            unauthorized(
                ErrorCode::BadToken,
                "The bearer token is not one this relayer issued, or it expired: ask \
                 /api/v2/authorization/request/<token> for a new one.",
            )
        })?;
        return Ok(match token_holder(ns, &claims.access_token).await? {
            Holder::Follower(f) => Reader::Follower(f),
            Holder::Uploader(u) => Reader::Owner { patient: u.patient },
        });
    }
    if let Some(secret) = header(API_SECRET_HEADER).or_else(|| param("secret")) {
        if let Some(token) = secret.strip_prefix("token=") {
            return follower(ns, token_hash(token)).await;
        }
        let store = ns.store.clone();
        let hash = uploader::token_hash(&secret);
        if let Some(u) = blocking(move || store.uploader_by_token(&hash)).await? {
            return Ok(Reader::Owner { patient: u.patient });
        }
        return follower(ns, secret_hash(&secret)).await;
    }
    if let Some(token) = param("token") {
        return follower(ns, token_hash(&token)).await;
    }
    Err(unauthorized(
        ErrorCode::MissingApiSecret,
        "Send a follower token (?token=, or a bearer token from /api/v2/authorization/request) \
         or the api-secret header.",
    ))
}

/// Who holds an access token: a follower (its token), or an uploader (its secret: AndroidAPS's
/// API v3 client signs in with an access token, and an uploader's is its secret).
pub(super) enum Holder {
    Follower(FollowerRecord),
    Uploader(UploaderRecord),
}

pub(super) async fn token_holder(ns: &NightscoutApi, token: &str) -> Result<Holder, ApiError> {
    let store = ns.followers.clone();
    let hash = token_hash(token);
    if let Some(f) = blocking(move || store.follower_by_hash(&hash)).await? {
        return Ok(Holder::Follower(f));
    }
    let store = ns.store.clone();
    let hash = uploader::token_hash(&uploader::api_secret_header(token.trim()));
    match blocking(move || store.uploader_by_token(&hash)).await? {
        Some(u) => Ok(Holder::Uploader(u)),
        None => Err(unauthorized(
            ErrorCode::BadToken,
            "No follower has this token and no uploader this secret (it may have been revoked or rotated).",
        )),
    }
}

async fn follower(ns: &NightscoutApi, hash: [u8; 32]) -> Result<Reader, ApiError> {
    let store = ns.followers.clone();
    blocking(move || store.follower_by_hash(&hash))
        .await?
        .map(Reader::Follower)
        .ok_or_else(|| {
            unauthorized(
                ErrorCode::BadToken,
                "No follower has this token (it may have been revoked).",
            )
        })
}

/// `GET /api/v1/entries…`: `spec` is the path's last part (`sgv.json`, `current`, …), if any.
pub(super) async fn get_entries(
    State(app): State<Arc<AppState>>,
    spec: Option<Path<String>>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    json_or_refusal(entries(&app, spec.map(|p| p.0), &headers, &uri)).await
}

async fn entries(
    app: &AppState,
    spec: Option<String>,
    headers: &HeaderMap,
    uri: &Uri,
) -> Result<Vec<StoredEntry>, ApiError> {
    app.data.as_ref().ok_or_else(ApiError::data_api_disabled)?;
    let query = uri.query().unwrap_or("");
    let reader = reader(app, headers, query).await?;
    let spec = spec.unwrap_or_default();
    let (kind, current) = match spec.trim_end_matches(".json") {
        "" => (None, false),
        "sgv" => (Some(EntryType::Sgv), false),
        "mbg" => (Some(EntryType::Mbg), false),
        "current" => (None, true),
        other => {
            return Err(ApiError::new(
                ErrorCode::BadQuery,
                format!("/api/v1/entries/{other}: only sgv, mbg and current are served"),
            ))
        }
    };
    let now_ms = (app.pipeline.chain_clock)().saturating_mul(1000);
    let mut q =
        read::parse(query, now_ms, kind).map_err(|why| ApiError::new(ErrorCode::BadQuery, why))?;
    if current {
        q.count = 1;
    }
    Ok(read_entries(app, &reader, q).await?.0)
}

/// The entries `reader` may read for `q`, newest first, and the batches they come from; a
/// follower's read is checked against its grant and recorded.
pub(super) async fn read_entries(
    app: &AppState,
    reader: &Reader,
    mut q: read::EntriesQuery,
) -> Result<(Vec<StoredEntry>, Vec<ServedBatch>), ApiError> {
    let data = app.data.clone().ok_or_else(ApiError::data_api_disabled)?;
    let (patient, grant) = match reader {
        Reader::Owner { patient } => (patient.clone(), None),
        Reader::Follower(f) => {
            let grant = follower_access(&data, f, &mut q, DataScope::Glucose).await?;
            (f.patient.clone(), Some((f.grantee.clone(), grant)))
        }
    };
    let (batches, served_from) = newest_first(&data, &patient, &q).await?;
    let millis = uploader_millis(app, &batches, q.seconds()).await?;
    let answer = read::entries(&batches, &q, &|d, s| {
        millis.get(&(d.to_string(), s)).copied().unwrap_or(0)
    });
    if let Some((grantee, (grant_id, at_ns))) = grant {
        let request = AccessRequest {
            patient: patient.clone(),
            grantee,
            scope: DataScope::Glucose,
            data_from: served_from.max(q.period().0),
            data_to: q.period().1,
        };
        queue_access(&data, &request, grant_id, at_ns).await?;
    }
    Ok((answer, batches))
}

/// A follower's read, checked against its grantee's grant; a window reaching outside the
/// grant's data period is narrowed to it (apps ask for the last days by default).
pub(super) async fn follower_access(
    data: &DataApi,
    f: &FollowerRecord,
    q: &mut read::EntriesQuery,
    scope: DataScope,
) -> Result<(u64, u64), ApiError> {
    let request = |q: &read::EntriesQuery| AccessRequest {
        patient: f.patient.clone(),
        grantee: f.grantee.clone(),
        scope,
        data_from: q.period().0,
        data_to: q.period().1,
    };
    match decide(data, &request(q)).await {
        Ok((_, Some(grant))) => Ok(grant),
        Ok((_, None)) => Err(ApiError::new(
            ErrorCode::NoGrant,
            "The follower's grantee reads under a grant only.",
        )),
        Err(e) if e.code == ErrorCode::PeriodNotCovered => {
            let Some(grant_id) = e.details.get("grant_id").and_then(|v| v.as_u64()) else {
                return Err(e);
            };
            let period = data
                .consent
                .data_period(grant_id)
                .await
                .map_err(|err| ApiError::chain_unavailable(&err))?;
            let Some((from, to)) = period else {
                return Err(e);
            };
            q.from_ms = q.from_ms.max(from.saturating_mul(1000));
            q.to_ms = q.to_ms.min(to.saturating_mul(1000).saturating_add(999));
            if q.from_ms > q.to_ms {
                return Err(e);
            }
            match decide(data, &request(q)).await? {
                (_, Some(grant)) => Ok(grant),
                (_, None) => Err(e),
            }
        }
        Err(e) => Err(e),
    }
}

/// The patient's glucose batches for the query, read in slices from its end backwards until
/// `count` sensor entries (and the one before, for its delta) are in; and where the read began.
async fn newest_first(
    data: &DataApi,
    patient: &str,
    q: &read::EntriesQuery,
) -> Result<(Vec<ServedBatch>, u64), ApiError> {
    let (from, to) = q.seconds();
    let mut batches = Vec::new();
    let mut slice_to = to;
    loop {
        let slice_from = slice_to.saturating_sub(SLICE_SECONDS).max(from);
        let rq = diachain_relayer_types::data::ReadingsQuery {
            scope: DataScope::Glucose,
            from: slice_from,
            to: slice_to,
        };
        let mut slice = load(data, patient, &rq).await?;
        slice.append(&mut batches);
        batches = slice;
        let enough = read::entries(&batches, q, &|_, _| 0).len() >= q.count.saturating_add(1);
        if enough || slice_from <= from {
            return Ok((batches, slice_from));
        }
        slice_to = slice_from - 1;
    }
}

/// The uploaders' milliseconds of the readings in `batches` (only the relayer holds them).
async fn uploader_millis(
    app: &AppState,
    batches: &[ServedBatch],
    (from, to): (u64, u64),
) -> Result<BTreeMap<(String, u64), u16>, ApiError> {
    let Some(ns) = app.nightscout.as_deref() else {
        return Ok(BTreeMap::new());
    };
    let devices: std::collections::BTreeSet<String> = batches
        .iter()
        .filter(|b| b.attestation == diachain_relayer_types::data::Attestation::RelayerAttested)
        .map(|b| b.header.device_id.clone())
        .collect();
    let store = ns.batches.clone();
    blocking(move || {
        let mut out = BTreeMap::new();
        for d in devices {
            for h in store.held_times(&d, from, to)?.times {
                out.insert((d.clone(), h.seq), h.millis);
            }
        }
        Ok(out)
    })
    .await
}

/// `GET /api/v2/authorization/request/{token}`: a JWT (8 hours) for a follower's token (to
/// read) or an uploader's secret (to read and write: AndroidAPS's API v3 client).
pub(super) async fn authorization_request(
    State(app): State<Arc<AppState>>,
    Path(token): Path<String>,
) -> Response {
    let answer = async {
        let ns = app.nightscout.as_deref().ok_or_else(disabled)?;
        let (sub, permissions) = match token_holder(ns, &token).await? {
            Holder::Follower(f) => (
                f.id.split('-').next().unwrap_or_default().to_string(),
                ["entries", "treatments", "devicestatus", "profile"]
                    .map(|c| format!("api:{c}:read"))
                    .to_vec(),
            ),
            Holder::Uploader(_) => ("uploader".to_string(), vec!["*".to_string()]),
        };
        let (jwt, claims) = ns.jwt.issue(&token, (app.pipeline.chain_clock)());
        Ok::<_, ApiError>(AuthorizationToken {
            token: jwt,
            sub,
            permission_groups: vec![permissions],
            iat: claims.iat,
            exp: claims.exp,
        })
    };
    json_or_refusal(answer).await
}

/// `GET /api/v1/verifyauth`: what the credentials may do; always 200, as Nightscout.
pub(super) async fn verify_auth(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let found = reader(&app, &headers, uri.query().unwrap_or("")).await.ok();
    let (can_read, can_write) = match &found {
        Some(Reader::Owner { .. }) => (true, true),
        Some(Reader::Follower(_)) => (true, false),
        None => (false, false),
    };
    let body = VerifyAuth {
        status: 200,
        message: VerifyAuthMessage {
            can_read,
            can_write,
            is_admin: false,
            message: if found.is_some() {
                "OK"
            } else {
                "UNAUTHORIZED"
            }
            .into(),
            rolefound: if found.is_some() { "FOUND" } else { "NOTFOUND" }.into(),
            permissions: if found.is_some() { "ROLE" } else { "DEFAULT" }.into(),
        },
    };
    (StatusCode::OK, Json(body)).into_response()
}

/// `POST /v1/patients/{patient}/nightscout/followers` `{"name", "grantee"}`: a token for a
/// follower app (shown once), bound to a grantee whose grant must allow glucose, insulin,
/// nutrition or device events now.
pub(super) async fn create_follower(
    State(app): State<Arc<AppState>>,
    req: DataRequest,
) -> Response {
    match create(&app, req).await {
        Ok(t) => (StatusCode::CREATED, Json(t)).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn create(app: &AppState, req: DataRequest) -> Result<NewFollowerToken, ApiError> {
    let ns = app.nightscout.as_deref().ok_or_else(disabled)?;
    let data = req.data.clone();
    let signed = req.verify().await?;
    let patient = signed.patient.clone();
    ensure_patient_or_guardian(&data, &patient, &signed.caller).await?;
    let body: NewFollower = serde_json::from_slice(&signed.body).map_err(|e| {
        ApiError::new(
            ErrorCode::BadBody,
            format!("The body must be {{\"name\": \"…\", \"grantee\": \"<address>\"}}: {e}"),
        )
    })?;
    let subject = subject(&body.name).map_err(|why| ApiError::new(ErrorCode::BadFollower, why))?;
    let grantee = crate::signed::canonical_address(&data, &body.grantee)
        .map_err(|why| ApiError::new(ErrorCode::BadFollower, why))?;
    if grantee == patient {
        return Err(ApiError::new(
            ErrorCode::BadFollower,
            "The patient reads their own data with their uploader's secret; a follower is \
             someone else.",
        ));
    }
    // The grantee's grant must allow, now by the chain's clock, one of what followers read:
    // glucose, insulin, nutrition or device events (each read is checked again, per scope).
    let now = (app.pipeline.chain_clock)();
    let mut refusal = None;
    for scope in [
        DataScope::Glucose,
        DataScope::Insulin,
        DataScope::Nutrition,
        DataScope::DeviceEvents,
    ] {
        let check = AccessRequest {
            patient: patient.clone(),
            grantee: grantee.clone(),
            scope,
            data_from: now,
            data_to: now,
        };
        match decide(&data, &check).await {
            Ok(_) => {
                refusal = None;
                break;
            }
            Err(e) if e.code == ErrorCode::ChainUnavailable => return Err(e),
            Err(e) => {
                refusal.get_or_insert(e);
            }
        }
    }
    if let Some(e) = refusal {
        return Err(e);
    }
    let store = ns.followers.clone();
    let owner = patient.clone();
    let live = blocking(move || store.followers_of(&owner))
        .await?
        .iter()
        .filter(|f| f.revoked_at.is_none())
        .count();
    if live >= MAX_FOLLOWERS_PER_PATIENT {
        return Err(ApiError::new(
            ErrorCode::TooManyFollowers,
            format!(
                "A patient has at most {MAX_FOLLOWERS_PER_PATIENT} followers; revoke one first."
            ),
        )
        .with("max", MAX_FOLLOWERS_PER_PATIENT));
    }
    let (record, token) = generate(&patient, &grantee, &subject, now);
    let store = ns.followers.clone();
    let kept = record.clone();
    blocking(move || store.put_follower(&kept)).await?;
    // The id holds the name the patient gave the follower: not in the log.
    tracing::info!(patient = %patient, grantee = %record.grantee, "nightscout follower created");
    Ok(NewFollowerToken {
        follower: info(&record),
        token,
    })
}

fn info(f: &FollowerRecord) -> FollowerInfo {
    FollowerInfo {
        id: f.id.clone(),
        grantee: f.grantee.clone(),
        created_at: f.created_at,
        revoked_at: f.revoked_at,
    }
}

/// `GET /v1/patients/{patient}/nightscout/followers`: the patient's followers, revoked too.
pub(super) async fn list_followers(State(app): State<Arc<AppState>>, req: DataRequest) -> Response {
    let answer = async {
        let ns = app.nightscout.as_deref().ok_or_else(disabled)?;
        let data = req.data.clone();
        let signed = req.verify().await?;
        ensure_patient_or_guardian(&data, &signed.patient, &signed.caller).await?;
        let store = ns.followers.clone();
        let patient = signed.patient.clone();
        let mut all = blocking(move || store.followers_of(&patient)).await?;
        all.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok::<_, ApiError>(all.iter().map(info).collect::<Vec<_>>())
    };
    json_or_refusal(answer).await
}

/// `DELETE /v1/patients/{patient}/nightscout/followers/{id}`: its token reads no more (the
/// grant on chain is the patient's to revoke; revoking it stops the token too).
pub(super) async fn revoke_follower(
    State(app): State<Arc<AppState>>,
    req: DataRequest,
) -> Response {
    let answer = async {
        let ns = app.nightscout.as_deref().ok_or_else(disabled)?;
        let id = req.params.get("id").cloned().unwrap_or_default();
        let data = req.data.clone();
        let signed = req.verify().await?;
        ensure_patient_or_guardian(&data, &signed.patient, &signed.caller).await?;
        let store = ns.followers.clone();
        let wanted = id.clone();
        let found = blocking(move || store.follower(&wanted)).await?;
        let mut f = found
            .filter(|f| f.patient == signed.patient)
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::UnknownFollower,
                    format!("The patient has no follower {id:?}."),
                )
            })?;
        if f.revoked_at.is_none() {
            f.revoked_at = Some((data.clock)());
            let store = ns.followers.clone();
            let kept = f.clone();
            blocking(move || store.put_follower(&kept)).await?;
        }
        Ok::<_, ApiError>(info(&f))
    };
    json_or_refusal(answer).await
}
