//! A patient's Nightscout uploaders, managed by signed requests of the patient or their
//! guardian: list them, rename one, give one a new secret, revoke one. Every answer is about
//! the patient's own uploaders: an id that is not one of theirs is `unknown_uploader` (404),
//! whether or not it exists.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use diachain_relayer_core::store::UploaderRecord;
use diachain_relayer_types::nightscout::{
    RenameUploader, RevokedUploader, RotatedSecret, UploaderInfo,
};
use diachain_relayer_types::ErrorCode;
use serde_json::json;

use super::erasure::ensure_patient_or_guardian;
use crate::nightscout::uploader::{new_secret, uploader_name};
use crate::reply::{blocking, json_or_refusal, ApiError};
use crate::signed::{DataRequest, Signed};
use crate::state::{AppState, NightscoutApi};

/// `GET /v1/patients/{patient}/nightscout/uploaders`: every uploader of the patient, revoked
/// ones included, oldest first.
pub(super) async fn list(State(app): State<Arc<AppState>>, req: DataRequest) -> Response {
    json_or_refusal(async {
        let (ns, signed) = authorised(&app, req).await?;
        let records = of_patient(ns, &signed.patient).await?;
        let mut out = Vec::with_capacity(records.len());
        for r in records {
            out.push(info(&app, &r).await?);
        }
        Ok(out)
    })
    .await
}

/// `PATCH /v1/patients/{patient}/nightscout/uploaders/{device_id}`: `{"name": …}`.
pub(super) async fn rename(State(app): State<Arc<AppState>>, req: DataRequest) -> Response {
    json_or_refusal(async {
        let device_id = device_param(&req);
        let (ns, signed) = authorised(&app, req).await?;
        let body: RenameUploader = serde_json::from_slice(&signed.body).map_err(|e| {
            ApiError::new(
                ErrorCode::BadBody,
                format!("The body must be {{\"name\": \"…\"}}: {e}"),
            )
        })?;
        let name = uploader_name(&body.name)
            .map_err(|why| ApiError::new(ErrorCode::BadUploaderName, why))?;
        let mut record = active(ns, &signed.patient, &device_id).await?;
        record.name = Some(name);
        save(ns, &record).await?;
        info(&app, &record).await
    })
    .await
}

/// `POST /v1/patients/{patient}/nightscout/uploaders/{device_id}/secret`: a new secret, shown
/// only now; the old one no longer uploads.
pub(super) async fn rotate(State(app): State<Arc<AppState>>, req: DataRequest) -> Response {
    json_or_refusal(async {
        let device_id = device_param(&req);
        let (ns, signed) = authorised(&app, req).await?;
        let mut record = active(ns, &signed.patient, &device_id).await?;
        let secret = new_secret();
        record.token_hash = secret.token_hash;
        record.secret512_hash = Some(secret.secret512_hash);
        let api_secret = secret.api_secret;
        save(ns, &record).await?;
        tracing::info!(patient = %signed.patient, device_id = %record.device_id, "nightscout uploader secret rotated");
        Ok(RotatedSecret {
            device_id: record.device_id,
            api_secret,
        })
    })
    .await
}

/// `DELETE /v1/patients/{patient}/nightscout/uploaders/{device_id}`: its secret no longer
/// uploads and the relayer signs nothing more with its key (what it stored stays, and is
/// anchored); the answer has the message that ends its binding on chain, which only the patient
/// may send. Revoking a revoked uploader answers it again.
pub(super) async fn revoke(State(app): State<Arc<AppState>>, req: DataRequest) -> Response {
    json_or_refusal(async {
        let device_id = device_param(&req);
        let (ns, signed) = authorised(&app, req).await?;
        let mut record = owned(ns, &signed.patient, &device_id).await?;
        if record.revoked_at.is_none() {
            record.revoked_at = Some((app.pipeline.clock)());
            save(ns, &record).await?;
            tracing::info!(patient = %signed.patient, device_id = %record.device_id, "nightscout uploader revoked");
        }
        let uploader = info(&app, &record).await?;
        let (_, registry_contract) = ns.chain.bind_domain();
        let unbind_device = uploader
            .bound
            .then(|| json!({ "unbind_device": { "device_id": record.device_id } }));
        Ok(RevokedUploader {
            uploader,
            registry_contract,
            unbind_device,
        })
    })
    .await
}

fn device_param(req: &DataRequest) -> String {
    req.params.get("device_id").cloned().unwrap_or_default()
}

/// The Nightscout API, and the request once signed by the patient or their guardian.
async fn authorised(
    app: &AppState,
    req: DataRequest,
) -> Result<(&NightscoutApi, Signed), ApiError> {
    let ns = app
        .nightscout
        .as_deref()
        .ok_or_else(super::nightscout::disabled)?;
    let data = req.data.clone();
    let signed = req.verify().await?;
    ensure_patient_or_guardian(&data, &signed.patient, &signed.caller).await?;
    Ok((ns, signed))
}

/// The patient's uploaders, oldest first.
pub(super) async fn of_patient(
    ns: &NightscoutApi,
    patient: &str,
) -> Result<Vec<UploaderRecord>, ApiError> {
    let store = ns.store.clone();
    let patient = patient.to_string();
    blocking(move || {
        let mut out = Vec::new();
        for id in store.uploader_ids()? {
            if let Some(r) = store.uploader(&id)?.filter(|u| u.patient == patient) {
                out.push(r);
            }
        }
        out.sort_by(|a, b| (a.created_at, &a.device_id).cmp(&(b.created_at, &b.device_id)));
        Ok(out)
    })
    .await
}

/// The patient's uploader `device_id`, revoked or not.
async fn owned(
    ns: &NightscoutApi,
    patient: &str,
    device_id: &str,
) -> Result<UploaderRecord, ApiError> {
    let store = ns.store.clone();
    let id = device_id.to_string();
    let found = blocking(move || store.uploader(&id)).await?;
    found.filter(|r| r.patient == patient).ok_or_else(|| {
        ApiError::new(
            ErrorCode::UnknownUploader,
            format!("The patient has no uploader {device_id:?}."),
        )
    })
}

/// The same, not revoked.
async fn active(
    ns: &NightscoutApi,
    patient: &str,
    device_id: &str,
) -> Result<UploaderRecord, ApiError> {
    let record = owned(ns, patient, device_id).await?;
    match record.revoked_at {
        Some(at) => Err(ApiError::new(
            ErrorCode::UploaderRevoked,
            format!("The uploader {device_id} was revoked at {at}."),
        )
        .with("revoked_at", at)),
        None => Ok(record),
    }
}

async fn save(ns: &NightscoutApi, record: &UploaderRecord) -> Result<(), ApiError> {
    let store = ns.store.clone();
    let record = record.clone();
    blocking(move || store.put_uploader(&record)).await
}

/// Whether the registry has the uploader bound to its patient now.
pub(super) async fn is_bound(app: &AppState, r: &UploaderRecord) -> Result<bool, ApiError> {
    let device = app
        .pipeline
        .registry
        .device(&r.device_id)
        .await
        .map_err(|e| {
            ApiError::new(
                ErrorCode::RegistryUnavailable,
                format!("The chain's device registry could not be queried: {e}"),
            )
        })?;
    Ok(device
        .and_then(|d| d.owner)
        .is_some_and(|o| o.as_str() == r.patient))
}

async fn info(app: &AppState, r: &UploaderRecord) -> Result<UploaderInfo, ApiError> {
    let skipped = match app.nightscout.as_deref() {
        Some(ns) => {
            let store = ns.store.clone();
            let (patient, device) = (r.patient.clone(), r.device_id.clone());
            blocking(move || store.skips(&patient, &device)).await?
        }
        None => Default::default(),
    };
    Ok(UploaderInfo {
        skipped,
        device_id: r.device_id.clone(),
        name: r.name.clone(),
        created_at: r.created_at,
        registered_tx: r.registered_tx.clone(),
        bound: is_bound(app, r).await?,
        revoked_at: r.revoked_at,
    })
}

/// Why a patient may not create another uploader now, if so: at most
/// `MAX_UPLOADERS_PER_PATIENT` bound and `MAX_UNBOUND_UPLOADERS` created but not yet bound
/// (each registration costs the relayer a transaction), revoked ones not counted.
pub(super) async fn creation_refused(
    app: &AppState,
    ns: &NightscoutApi,
    patient: &str,
) -> Result<Option<ApiError>, ApiError> {
    use super::nightscout::{MAX_UNBOUND_UPLOADERS, MAX_UPLOADERS_PER_PATIENT};
    let (mut bound, mut unbound) = (0usize, 0usize);
    for r in of_patient(ns, patient).await? {
        if r.revoked_at.is_some() {
            continue;
        }
        if is_bound(app, &r).await? {
            bound += 1;
        } else {
            unbound += 1;
        }
    }
    Ok(if bound >= MAX_UPLOADERS_PER_PATIENT {
        Some(
            ApiError::new(
                ErrorCode::TooManyUploaders,
                format!(
                    "A patient has at most {MAX_UPLOADERS_PER_PATIENT} bound uploaders; revoke one first."
                ),
            )
            .with("max", MAX_UPLOADERS_PER_PATIENT),
        )
    } else if unbound >= MAX_UNBOUND_UPLOADERS {
        Some(
            ApiError::new(
                ErrorCode::TooManyUnboundUploaders,
                format!(
                    "A patient has at most {MAX_UNBOUND_UPLOADERS} uploaders waiting to be bound; bind or revoke one first."
                ),
            )
            .with("max", MAX_UNBOUND_UPLOADERS),
        )
    } else {
        None
    })
}
