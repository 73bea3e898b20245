//! Alerts: `GET|PUT /v1/patients/{patient}/alerts/settings` (the patient or their guardian),
//! `GET …/alerts` (the alerts raised; a grantee's read is consent-checked and recorded),
//! `GET …/alerts/stream` (server-sent events, see `alerts::stream`), and
//! `POST|GET …/alerts/webhooks`, `DELETE …/alerts/webhooks/{id}` (the patient, their guardian,
//! or a grantee whose grant allows glucose now, for themselves).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use cosmwasm_std::Binary;
use diachain_relayer_core::consent::AccessRequest;
use diachain_relayer_core::store::{WebhookLimits, WebhookRecord};
use diachain_relayer_types::alerts::{
    AlertKind, AlertSettings, AlertSettingsView, AlertsQuery, AlertsResponse, NewWebhook,
    NewWebhookSecret, StreamQuery, WebhookInfo,
};
use diachain_relayer_types::data::Basis;
use diachain_relayer_types::ErrorCode;
use diachain_std::DataScope;
use ring::rand::SecureRandom;
use serde_json::json;

use super::data::{decide, queue_access};
use super::erasure::ensure_patient_or_guardian;
use crate::alerts::stream::{AlertStream, RECHECK, REPLAY_LIMIT};
use crate::alerts::{url, AlertsApi, StreamSlots};
use crate::reply::{blocking, ApiError};
use crate::signed::{DataRequest, Signed};
use crate::state::{AppState, DataApi};

/// Most live webhooks one caller may have for a patient, and a patient in all.
pub const MAX_WEBHOOKS_PER_CALLER: usize = 5;
pub const MAX_WEBHOOKS_PER_PATIENT: usize = 20;
/// Most webhooks kept for a patient, revoked ones included.
pub const MAX_WEBHOOK_RECORDS_PER_PATIENT: usize = 100;
/// Most alerts one `GET …/alerts` answers.
pub const MAX_ALERTS_PER_PAGE: usize = 500;

fn api(app: &AppState) -> Result<Arc<AlertsApi>, ApiError> {
    app.alerts.clone().ok_or_else(ApiError::data_api_disabled)
}

fn answer<T: serde::Serialize>(status: StatusCode, r: Result<T, ApiError>) -> Response {
    match r {
        Ok(v) => (status, Json(v)).into_response(),
        Err(e) => e.into_response(),
    }
}

/// Whether the caller reads the patient's alerts as a grantee (`true`) or as the patient or
/// guardian (`false`): a grantee's grant must allow glucose now, by the chain's clock (`now`:
/// grants' periods are the chain's time, which may run apart from this machine's).
async fn reader(data: &DataApi, signed: &Signed, now: u64) -> Result<bool, ApiError> {
    let request = AccessRequest {
        patient: signed.patient.clone(),
        grantee: signed.caller.clone(),
        scope: DataScope::Glucose,
        data_from: now,
        data_to: now,
    };
    let (basis, _) = decide(data, &request).await?;
    Ok(matches!(basis, Basis::Grant | Basis::BreakGlass))
}

pub(super) async fn get_settings(State(app): State<Arc<AppState>>, req: DataRequest) -> Response {
    answer(StatusCode::OK, settings(&app, req, false).await)
}

pub(super) async fn put_settings(State(app): State<Arc<AppState>>, req: DataRequest) -> Response {
    answer(StatusCode::OK, settings(&app, req, true).await)
}

async fn settings(
    app: &AppState,
    req: DataRequest,
    put: bool,
) -> Result<AlertSettingsView, ApiError> {
    let alerts = api(app)?;
    let data = req.data.clone();
    let signed = req.verify().await?;
    ensure_patient_or_guardian(&data, &signed.patient, &signed.caller).await?;
    let patient = signed.patient.clone();
    let store = alerts.store.clone();
    if put {
        let s: AlertSettings = serde_json::from_slice(&signed.body).map_err(|e| {
            ApiError::new(
                ErrorCode::BadAlertSettings,
                format!("The body must be the whole alert settings object: {e}"),
            )
        })?;
        s.check()
            .map_err(|why| ApiError::new(ErrorCode::BadAlertSettings, why))?;
        let p = patient.clone();
        let kept = s.clone();
        blocking(move || store.put_alert_settings(&p, &kept)).await?;
        tracing::info!(patient, by = %signed.caller, "alert settings changed");
        return Ok(AlertSettingsView {
            patient,
            defaults: false,
            settings: s,
        });
    }
    let p = patient.clone();
    let found = blocking(move || store.alert_settings(&p)).await?;
    Ok(AlertSettingsView {
        patient,
        defaults: found.is_none(),
        settings: found.unwrap_or_default(),
    })
}

pub(super) async fn list(State(app): State<Arc<AppState>>, req: DataRequest) -> Response {
    let listed = async {
        let alerts = api(&app)?;
        let data = req.data.clone();
        let signed = req.verify().await?;
        let q = Query::<AlertsQuery>::try_from_uri(&signed.uri)
            .map_err(|e| {
                ApiError::new(
                    ErrorCode::BadQuery,
                    format!(
                        "The query is since=<alert number>&limit=<n>: {}",
                        e.body_text()
                    ),
                )
            })?
            .0;
        let limit = q.limit.unwrap_or(100).clamp(1, MAX_ALERTS_PER_PAGE);
        let grantee = reader(&data, &signed, (app.pipeline.chain_clock)()).await?;
        let store = alerts.store.clone();
        let p = signed.patient.clone();
        let found = blocking(move || match q.since {
            Some(since) => store.alerts(&p, since, limit),
            None => store.latest_alerts(&p, limit),
        })
        .await?;
        if grantee && !found.is_empty() {
            let from = found.iter().map(|a| a.at).min().unwrap_or_default();
            let to = found.iter().map(|a| a.at).max().unwrap_or_default();
            let request = AccessRequest {
                patient: signed.patient.clone(),
                grantee: signed.caller.clone(),
                scope: DataScope::Glucose,
                data_from: from,
                data_to: to,
            };
            if let (_, Some((grant_id, at_ns))) = decide(&data, &request).await? {
                queue_access(&data, &request, grant_id, at_ns).await?;
            }
        }
        Ok::<_, ApiError>(AlertsResponse {
            patient: signed.patient,
            alerts: found,
        })
    };
    answer(StatusCode::OK, listed.await)
}

pub(super) async fn stream(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    req: DataRequest,
) -> Response {
    let opened = async {
        let alerts = api(&app)?;
        let data = req.data.clone();
        let signed = req.verify().await?;
        let q = Query::<StreamQuery>::try_from_uri(&signed.uri)
            .map_err(|e| {
                ApiError::new(
                    ErrorCode::BadQuery,
                    format!("The query is since=<alert number>: {}", e.body_text()),
                )
            })?
            .0;
        let grantee = reader(&data, &signed, (app.pipeline.chain_clock)()).await?;
        // A key about itself costs nothing to make: a stream of one's own alerts needs readings
        // of one's own here, so that fresh keys cannot take the relayer's stream slots.
        if signed.caller == signed.patient {
            let store = data.data.clone();
            let p = signed.patient.clone();
            let held = blocking(move || store.patient_batches(&p, 0, u64::MAX, 1)).await?;
            if held.is_empty() {
                return Err(ApiError::new(
                    ErrorCode::NoPatientData,
                    "This relayer holds no readings of yours yet: there is nothing to alert about.",
                ));
            }
        }
        let slot = StreamSlots::take(&alerts, &signed.caller).ok_or_else(|| {
            ApiError::new(
                ErrorCode::TooManyStreams,
                format!(
                    "At most {} event streams per caller ({} in all) may be open at once.",
                    crate::alerts::MAX_STREAMS_PER_CALLER,
                    crate::alerts::MAX_STREAMS
                ),
            )
        })?;
        let last_event: Option<u64> = headers
            .get("last-event-id")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        let since = match (q.since, last_event) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        // Subscribed before the replay is read, so nothing raised in between is missed (the
        // stream skips what it already sent by number).
        let rx = alerts.hub.subscribe();
        let store = alerts.store.clone();
        let p = signed.patient.clone();
        // Without `since`, the stream starts after the latest alert (a stream that falls behind
        // then refills from there, not from the first).
        let (replay, last_seq) = blocking(move || match since {
            Some(since) => Ok((store.alerts(&p, since, REPLAY_LIMIT)?.into(), since)),
            None => Ok((
                VecDeque::new(),
                store.latest_alerts(&p, 1)?.first().map_or(0, |a| a.seq),
            )),
        })
        .await?;
        let basis = if grantee {
            "grant"
        } else {
            "owner_or_guardian"
        };
        let ready = axum::response::sse::Event::default()
            .event("ready")
            .json_data(json!({"patient": signed.patient, "basis": basis}))
            .ok();
        tracing::info!(patient = %signed.patient, caller = %signed.caller, basis, "alert stream opened");
        let checked = signed.caller != signed.patient;
        Ok::<_, ApiError>(AlertStream {
            alerts,
            data,
            patient: signed.patient,
            caller: signed.caller,
            // Anyone but the patient is checked again (a grantee, a guardian who may be removed).
            checked,
            rx,
            replay,
            last_seq,
            chain_clock: app.pipeline.chain_clock.clone(),
            ready,
            next_check: tokio::time::Instant::now() + RECHECK,
            ended: false,
            slot,
        })
    };
    match opened.await {
        Ok(s) => Sse::new(s.events())
            .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
            .into_response(),
        Err(e) => e.into_response(),
    }
}

fn random_hex(bytes: usize) -> Result<Vec<u8>, ApiError> {
    let mut buf = vec![0u8; bytes];
    ring::rand::SystemRandom::new()
        .fill(&mut buf)
        .map_err(|_| {
            ApiError::store_failed(&diachain_relayer_core::store::StoreError::Corrupt(
                "no randomness".into(),
            ))
        })?;
    Ok(buf)
}

pub(super) async fn create_webhook(State(app): State<Arc<AppState>>, req: DataRequest) -> Response {
    answer(StatusCode::CREATED, create(&app, req).await)
}

async fn create(app: &AppState, req: DataRequest) -> Result<NewWebhookSecret, ApiError> {
    let alerts = api(app)?;
    let data = req.data.clone();
    let signed = req.verify().await?;
    reader(&data, &signed, (app.pipeline.chain_clock)()).await?;
    let body: NewWebhook = serde_json::from_slice(&signed.body).map_err(|e| {
        ApiError::new(
            ErrorCode::BadWebhook,
            format!(
                "The body must be {{\"url\": \"https://…\", \"kinds\": [\"urgent_low\", …]}}: {e}"
            ),
        )
    })?;
    let checked = url::check(body.url.trim(), alerts.allow_private_webhooks)
        .and_then(|u| url::check(u.as_str(), alerts.allow_private_webhooks))
        .map_err(|why| ApiError::new(ErrorCode::BadWebhook, why))?;
    let mut kinds = body.kinds.unwrap_or_else(|| AlertKind::ALL.to_vec());
    kinds.sort();
    kinds.dedup();
    if kinds.is_empty() {
        return Err(ApiError::new(
            ErrorCode::BadWebhook,
            "kinds is empty: name at least one kind of alert, or leave it out for all.",
        ));
    }
    let secret = random_hex(32)?;
    let record = WebhookRecord {
        id: format!("wh-{}", hex::encode(random_hex(8)?)),
        patient: signed.patient.clone(),
        owner: signed.caller.clone(),
        url: checked.to_string(),
        kinds,
        secret: Binary::new(secret.clone()),
        created_at: (data.clock)(),
        revoked_at: None,
        delivered: 0,
        failed: 0,
        last_outcome: None,
        failures_in_a_row: 0,
    };
    let store = alerts.store.clone();
    let kept = record.clone();
    let limits = WebhookLimits {
        live_per_owner: MAX_WEBHOOKS_PER_CALLER,
        live_per_patient: MAX_WEBHOOKS_PER_PATIENT,
        kept_per_patient: MAX_WEBHOOK_RECORDS_PER_PATIENT,
    };
    // Counted and kept in one transaction: parallel requests cannot pass the limits.
    if !blocking(move || store.add_webhook(&kept, limits)).await? {
        return Err(ApiError::new(
            ErrorCode::TooManyWebhooks,
            format!(
                "A caller may have {MAX_WEBHOOKS_PER_CALLER} live webhooks for a patient, a \
                 patient {MAX_WEBHOOKS_PER_PATIENT} in all, and {MAX_WEBHOOK_RECORDS_PER_PATIENT} \
                 kept, revoked ones included; revoke one first."
            ),
        ));
    }
    tracing::info!(patient = %record.patient, owner = %record.owner, id = %record.id, "webhook registered");
    Ok(NewWebhookSecret {
        webhook: record.info(),
        secret: hex::encode(secret),
    })
}

/// Whether the caller is the patient or their guardian (who see and revoke every webhook).
async fn owner_or_guardian(data: &DataApi, signed: &Signed) -> Result<bool, ApiError> {
    match ensure_patient_or_guardian(data, &signed.patient, &signed.caller).await {
        Ok(()) => Ok(true),
        Err(e) if e.code == ErrorCode::NotPatientOrGuardian => Ok(false),
        Err(e) => Err(e),
    }
}

pub(super) async fn list_webhooks(State(app): State<Arc<AppState>>, req: DataRequest) -> Response {
    let listed = async {
        let alerts = api(&app)?;
        let data = req.data.clone();
        let signed = req.verify().await?;
        let all = owner_or_guardian(&data, &signed).await?;
        let store = alerts.store.clone();
        let p = signed.patient.clone();
        let hooks = blocking(move || store.webhooks_of(&p)).await?;
        Ok::<_, ApiError>(
            hooks
                .iter()
                .filter(|h| all || h.owner == signed.caller)
                .map(WebhookRecord::info)
                .collect::<Vec<WebhookInfo>>(),
        )
    };
    answer(StatusCode::OK, listed.await)
}

pub(super) async fn revoke_webhook(State(app): State<Arc<AppState>>, req: DataRequest) -> Response {
    let revoked = async {
        let alerts = api(&app)?;
        let data = req.data.clone();
        let id = req.params.get("id").cloned().unwrap_or_default();
        let signed = req.verify().await?;
        let all = owner_or_guardian(&data, &signed).await?;
        let store = alerts.store.clone();
        let found = blocking(move || store.webhook(&id)).await?;
        let mut hook = found
            .filter(|h| h.patient == signed.patient && (all || h.owner == signed.caller))
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::UnknownWebhook,
                    "The patient has no webhook with this id that you may see.",
                )
            })?;
        if hook.revoked_at.is_none() {
            hook.revoked_at = Some((data.clock)());
            let store = alerts.store.clone();
            let kept = hook.clone();
            blocking(move || store.put_webhook(&kept)).await?;
            tracing::info!(patient = %hook.patient, id = %hook.id, by = %signed.caller, "webhook revoked");
        }
        Ok::<_, ApiError>(hook.info())
    };
    answer(StatusCode::OK, revoked.await)
}
