//! `POST /v1/patients/{patient}/erasure` (body `{"confirm": true}`), signed by the patient or
//! their guardian: crypto-shredding of the patient's data held so far (see
//! `Store::erase_patient`), recorded on chain by the recorder; and
//! `GET /v1/patients/{patient}/erasures`: what was erased and whether the chain has it yet.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use cosmwasm_std::Binary;
use diachain_relayer_core::store::{OutboxMsg, OutboxState};
use diachain_relayer_types::data::{ErasureRecord, ErasureRequest, ErasureView, ErasuresResponse};
use diachain_relayer_types::ErrorCode;

use crate::reply::{blocking, ApiError};
use crate::signed::{DataRequest, Signed};
use crate::state::{AppState, DataApi};

pub(super) async fn post_erasure(State(app): State<Arc<AppState>>, req: DataRequest) -> Response {
    match erase(req).await {
        Ok(view) => {
            app.metrics.erasures.inc();
            (StatusCode::OK, Json(view)).into_response()
        }
        Err(e) => e.into_response(),
    }
}

pub(super) async fn get_erasures(req: DataRequest) -> Response {
    let data = req.data.clone();
    let listed = async {
        let signed = req.verify().await?;
        let patient = signed.patient.clone();
        ensure_patient_or_guardian(&data, &patient, &signed.caller).await?;
        let (erasures, outbox) = (data.erasure.clone(), data.outbox.clone());
        let p = patient.clone();
        let views = blocking(move || {
            let mut out = Vec::new();
            for e in erasures.erasures(&p)? {
                let state = outbox.outbox_item(e.outbox_id)?.map(|i| i.state);
                out.push(ErasureView {
                    erasure: e,
                    chain_record: state,
                });
            }
            Ok(out)
        })
        .await?;
        Ok::<_, ApiError>(ErasuresResponse {
            patient: patient.clone(),
            erasures: views,
        })
    };
    match listed.await {
        Ok(r) => (StatusCode::OK, Json(r)).into_response(),
        Err(e) => e.into_response(),
    }
}

pub(super) async fn ensure_patient_or_guardian(
    data: &DataApi,
    patient: &str,
    caller: &str,
) -> Result<(), ApiError> {
    if caller == patient
        || data
            .consent
            .is_guardian(patient, caller)
            .await
            .map_err(|e| ApiError::chain_unavailable(&e))?
    {
        return Ok(());
    }
    Err(ApiError::new(
        ErrorCode::NotPatientOrGuardian,
        "Only the patient or their guardian may do this.",
    ))
}

async fn erase(req: DataRequest) -> Result<ErasureView, ApiError> {
    let data = req.data.clone();
    let data = data.as_ref();
    let signed = req.verify().await?;
    let patient = signed.patient.as_str();
    let confirmed = serde_json::from_slice::<ErasureRequest>(&signed.body)
        .map_err(|e| {
            ApiError::new(
                ErrorCode::BadBody,
                format!("The body must be {{\"confirm\": true}}: {e}"),
            )
        })?
        .confirm;
    if !confirmed {
        return Err(ApiError::new(
            ErrorCode::NotConfirmed,
            "Erasure destroys the data for good; send {\"confirm\": true} to go ahead.",
        ));
    }
    ensure_patient_or_guardian(data, patient, &signed.caller).await?;
    // Recorded as requested at the latest block's time: the contract takes no future time.
    let at = data
        .consent
        .block_time()
        .await
        .map_err(|e| ApiError::chain_unavailable(&e))?
        / 1_000_000_000;
    let record = erasure_record(data, patient, &signed, at);
    let msg = OutboxMsg::Erasure {
        patient: patient.to_string(),
        request_hash: record.request_hash.clone(),
        requested_at: record.requested_at,
    };
    let store = data.erasure.clone();
    let done = blocking(move || store.erase_patient(record, msg)).await?;
    tracing::info!(
        patient,
        requested_by = %done.requested_by,
        batches = done.batches,
        readings = done.readings,
        "patient data erased (data key destroyed)"
    );
    Ok(ErasureView {
        erasure: done,
        chain_record: Some(OutboxState::Queued),
    })
}

fn erasure_record(data: &DataApi, patient: &str, signed: &Signed, at: u64) -> ErasureRecord {
    let now = (data.clock)();
    ErasureRecord {
        patient: patient.to_string(),
        requested_by: signed.caller.clone(),
        request: String::from_utf8_lossy(&signed.canonical).into_owned(),
        public_key: signed.public_key.clone(),
        signature: signed.signature.clone(),
        request_hash: Binary::new(signed.digest.to_vec()),
        requested_at: at,
        erased_at: now,
        batches: 0,
        readings: 0,
        outbox_id: 0,
    }
}
