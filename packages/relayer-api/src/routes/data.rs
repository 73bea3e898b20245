//! `GET /v1/patients/{patient}/readings?scope=&from=&to=`: a patient's readings, to the patient,
//! their guardian, or a grantee the consent contract allows at the current block; each reading
//! with its salt and inclusion proof and its batch's signed header (root included) and anchor,
//! so that every value can be checked against the chain without trusting the relayer. An
//! access by a grant is queued durably for the chain before it is answered.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use diachain_relayer_core::consent::{AccessRequest, Decision};
use diachain_relayer_core::store::{AnchorState, OutboxId, OutboxMsg, StoreError, StoredBatch};
use diachain_relayer_types::data::{
    AccessBasis, Attestation, Basis, ReadingsQuery, ReadingsResponse, ServedBatch,
};
use diachain_relayer_types::proof::{prove_selected, ProvenReading};
use diachain_relayer_types::ErrorCode;
use diachain_std::{DataScope, Reading};

use crate::reply::{blocking, ApiError};
use crate::signed::{DataRequest, Signed};
use crate::state::{AppState, DataApi};

/// The longest period one request may ask for.
pub const MAX_PERIOD_SECONDS: u64 = 31 * 86_400;
/// Most batches one answer may draw on; a request needing more is refused (ask for a shorter
/// period).
pub const MAX_BATCHES: usize = 2_000;

pub(super) async fn get_readings(State(app): State<Arc<AppState>>, req: DataRequest) -> Response {
    match readings(req, parse_query).await {
        Ok(r) => {
            app.metrics.served(r.access.basis.as_str());
            (StatusCode::OK, Json(r)).into_response()
        }
        Err(e) => {
            app.metrics.refused(e.code.as_str());
            e.into_response()
        }
    }
}

fn parse_query(uri: &Uri) -> Result<ReadingsQuery, ApiError> {
    let q = Query::<ReadingsQuery>::try_from_uri(uri).map_err(|e| {
        ApiError::new(
            ErrorCode::BadQuery,
            format!(
                "The query must be scope=<scope>&from=<unix s>&to=<unix s>: {}",
                e.body_text()
            ),
        )
    })?;
    check_query(q.0)
}

/// The period and scope rules every data request keeps.
pub(super) fn check_query(q: ReadingsQuery) -> Result<ReadingsQuery, ApiError> {
    if q.from > q.to {
        return Err(ApiError::new(
            ErrorCode::BadPeriod,
            "from must not be after to.",
        ));
    }
    if q.to - q.from > MAX_PERIOD_SECONDS {
        return Err(ApiError::new(
            ErrorCode::PeriodTooLong,
            format!("One request covers at most {MAX_PERIOD_SECONDS} s (31 days); ask for shorter periods."),
        )
        .with("max_seconds", MAX_PERIOD_SECONDS));
    }
    if q.scope == DataScope::SummariesOnly {
        return Err(ApiError::new(
            ErrorCode::SummariesOnly,
            "The summaries_only scope gives aggregates, never individual readings: ask \
             GET /v1/patients/{patient}/summary?from=&to= for the period's CGM summary.",
        )
        .with("summary", "/v1/patients/{patient}/summary"));
    }
    Ok(q)
}

/// A signed, consent-checked request for readings: the answer, with the access queued for the
/// chain when a grant allowed it. `parse` reads the query.
pub(super) async fn readings(
    req: DataRequest,
    parse: fn(&Uri) -> Result<ReadingsQuery, ApiError>,
) -> Result<ReadingsResponse, ApiError> {
    let data = req.data.clone();
    let data = data.as_ref();
    let Signed {
        caller,
        patient,
        uri,
        ..
    } = req.verify().await?;
    let patient = patient.as_str();
    let q = parse(&uri)?;
    let request = AccessRequest {
        patient: patient.to_string(),
        grantee: caller.clone(),
        scope: q.scope,
        data_from: q.from,
        data_to: q.to,
    };
    let (basis, grant) = decide(data, &request).await?;
    let batches = load(data, patient, &q).await?;
    let count = batches.iter().map(|b| b.readings.len() as u64).sum();
    let record = match grant {
        Some((grant_id, at_ns)) => Some(queue_access(data, &request, grant_id, at_ns).await?),
        None => None,
    };
    let grant = grant.map(|(id, _)| id);
    tracing::info!(patient, caller = %caller, basis = basis.as_str(), ?grant, count, "data served");
    Ok(ReadingsResponse {
        patient: patient.to_string(),
        scope: q.scope,
        from: q.from,
        to: q.to,
        chain_id: data.chain_id.clone(),
        anchors_contract: data.anchors_contract.clone(),
        access: AccessBasis {
            basis,
            grant_id: grant,
            record,
        },
        count,
        batches,
    })
}

/// The basis of an access and the grant (and block time) to record it under, or the refusal.
pub(crate) async fn decide(
    data: &DataApi,
    r: &AccessRequest,
) -> Result<(Basis, Option<(u64, u64)>), ApiError> {
    if r.grantee == r.patient {
        return Ok((Basis::Owner, None));
    }
    let consent = &data.consent;
    if consent
        .is_guardian(&r.patient, &r.grantee)
        .await
        .map_err(|e| ApiError::chain_unavailable(&e))?
    {
        return Ok((Basis::Guardian, None));
    }
    match consent
        .check_access(r)
        .await
        .map_err(|e| ApiError::chain_unavailable(&e))?
    {
        Decision::Allowed {
            grant_id,
            break_glass,
            at_ns,
        } => {
            // Served only if it can be recorded: the relayer must be an admitted custodian.
            if !consent
                .is_custodian()
                .await
                .map_err(|e| ApiError::chain_unavailable(&e))?
            {
                return Err(ApiError::new(
                    ErrorCode::NotACustodian,
                    "This relayer is not an admitted custodian of the consent contract, so it \
                     cannot record the access and does not serve it.",
                ));
            }
            let basis = if break_glass {
                Basis::BreakGlass
            } else {
                Basis::Grant
            };
            Ok((basis, Some((grant_id, at_ns))))
        }
        Decision::Denied(refusal) => {
            let mut e = ApiError::new(refusal.code, refusal.message);
            if let Some(id) = refusal.grant_id {
                e = e.with("grant_id", id);
            }
            if let Some(by) = refusal.revoked_by {
                e = e.with("revoked_by", by.as_str());
            }
            Err(e)
        }
    }
}

pub(crate) async fn queue_access(
    data: &DataApi,
    r: &AccessRequest,
    grant_id: u64,
    served_at_ns: u64,
) -> Result<OutboxId, ApiError> {
    let msg = OutboxMsg::Access {
        patient: r.patient.clone(),
        grantee: r.grantee.clone(),
        scope: r.scope,
        data_from: r.data_from,
        data_to: r.data_to,
        grant_id,
        served_at_ns,
    };
    let outbox = data.outbox.clone();
    let ids = blocking(move || outbox.enqueue(&[msg], served_at_ns / 1_000_000_000)).await?;
    ids.first()
        .copied()
        .ok_or_else(|| ApiError::store_failed(&StoreError::Corrupt("no outbox id".into())))
}

pub(super) async fn load(
    data: &DataApi,
    patient: &str,
    q: &ReadingsQuery,
) -> Result<Vec<ServedBatch>, ApiError> {
    let store = data.data.clone();
    let (patient, scope, from, to) = (patient.to_string(), q.scope, q.from, q.to);
    let relayer_held = data.relayer_held.clone();
    tokio::task::spawn_blocking(move || {
        let batches = store.patient_batches(&patient, from, to, MAX_BATCHES + 1)?;
        if batches.len() > MAX_BATCHES {
            return Ok(Err(ApiError::new(
                ErrorCode::TooMuchData,
                format!("The period holds more than {MAX_BATCHES} batches; ask for a shorter one."),
            )));
        }
        let mut out = Vec::new();
        for b in batches {
            if matches!(b.state, AnchorState::Failed { .. }) {
                continue;
            }
            let readings = store.readings(&b)?;
            let keep =
                |r: &Reading| r.kind.scope() == scope && (from..=to).contains(&r.measured_at);
            let proven = prove_selected(&readings, keep)
                .map_err(|e| StoreError::Corrupt(format!("batch {}: {e}", b.id)))?;
            if !proven.is_empty() {
                out.push(served(b, proven, relayer_held.as_ref()));
            }
        }
        Ok(Ok(out))
    })
    .await
    .map_err(|_| ApiError::store_failed(&StoreError::Closed))?
    .map_err(|e: StoreError| ApiError::store_failed(&e))?
}

fn served(
    b: StoredBatch,
    readings: Vec<ProvenReading>,
    relayer_held: &dyn Fn(&str) -> bool,
) -> ServedBatch {
    let attestation = if relayer_held(&b.header.device_id) {
        Attestation::RelayerAttested
    } else {
        Attestation::DeviceSigned
    };
    ServedBatch {
        batch_id: b.id,
        received_at: b.received_at,
        received_at_ms: b.received_at_ms,
        header: b.header,
        signature: b.signature,
        attestation,
        anchoring: b.state,
        readings,
    }
}
