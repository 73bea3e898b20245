//! `GET /v1/patients/{patient}/summary?from=&to=&utc_offset_minutes=`: a period's consensus CGM
//! metrics (time in ranges, mean, SD, CV, GMI, % time active, hypoglycaemic events), for the
//! period and each of its days, computed by the relayer from the patient's glucose readings in
//! batches anchored on chain (`diachain_relayer_core::summary`); never a reading.
//!
//! Who: the patient and their guardian always; a grantee when the consent contract allows scope
//! `summaries_only` for the period (an insurer checking adherence, a study wanting aggregates),
//! else when it allows `glucose` (a grantee who may read the readings may read their summary).
//! The access is recorded on chain exactly as `/readings` records one, with the scope that
//! allowed it, queued durably before the answer is sent.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use diachain_relayer_core::consent::AccessRequest;
use diachain_relayer_core::store::StoreError;
use diachain_relayer_core::summary::{patient_summary, PatientSummary, SummaryError};
use diachain_relayer_types::cgm::{PeriodError, MAX_UTC_OFFSET_MINUTES, MIN_UTC_OFFSET_MINUTES};
use diachain_relayer_types::data::{AccessBasis, Basis, SummaryQuery, SummaryResponse};
use diachain_relayer_types::ErrorCode;
use diachain_std::DataScope;

use super::data::{decide, queue_access, MAX_BATCHES, MAX_PERIOD_SECONDS};
use crate::reply::ApiError;
use crate::signed::{DataRequest, Signed};
use crate::state::{AppState, DataApi};

/// The scopes a summary may be served under, in the order they are asked for.
const SCOPES: [DataScope; 2] = [DataScope::SummariesOnly, DataScope::Glucose];

pub(super) async fn get_summary(State(app): State<Arc<AppState>>, req: DataRequest) -> Response {
    match summary(req).await {
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

fn parse(uri: &Uri) -> Result<SummaryQuery, ApiError> {
    let q = Query::<SummaryQuery>::try_from_uri(uri)
        .map_err(|e| {
            ApiError::new(
                ErrorCode::BadQuery,
                format!(
                    "The query must be from=<unix s>&to=<unix s>, and optionally \
                     utc_offset_minutes=<-840..840>: {}",
                    e.body_text()
                ),
            )
        })?
        .0;
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
    if !(MIN_UTC_OFFSET_MINUTES..=MAX_UTC_OFFSET_MINUTES).contains(&q.utc_offset_minutes) {
        return Err(bad_offset(q.utc_offset_minutes));
    }
    Ok(q)
}

fn bad_offset(minutes: i64) -> ApiError {
    ApiError::new(
        ErrorCode::BadUtcOffset,
        format!(
            "utc_offset_minutes is {minutes}; days can be cut at offsets from -840 to 840 \
             minutes (UTC-14:00 to UTC+14:00)."
        ),
    )
    .with("min", MIN_UTC_OFFSET_MINUTES)
    .with("max", MAX_UTC_OFFSET_MINUTES)
}

async fn summary(req: DataRequest) -> Result<SummaryResponse, ApiError> {
    let data = req.data.clone();
    let data = data.as_ref();
    let Signed {
        caller,
        patient,
        uri,
        ..
    } = req.verify().await?;
    let q = parse(&uri)?;
    let (request, basis, grant) = decide_summary(data, &patient, &caller, &q).await?;
    let p = load(data, &patient, &q).await?;
    let record = match grant {
        Some((grant_id, at_ns)) => Some(queue_access(data, &request, grant_id, at_ns).await?),
        None => None,
    };
    let grant = grant.map(|(id, _)| id);
    tracing::info!(
        patient,
        caller = %caller,
        basis = basis.as_str(),
        scope = ?request.scope,
        ?grant,
        readings = p.summary.period.readings,
        "summary served"
    );
    let PatientSummary {
        summary,
        left_out,
        batches,
        anchored_heights,
    } = p;
    Ok(SummaryResponse {
        patient,
        from: q.from,
        to: q.to,
        utc_offset_minutes: q.utc_offset_minutes,
        chain_id: data.chain_id.clone(),
        anchors_contract: data.anchors_contract.clone(),
        scope: request.scope,
        access: AccessBasis {
            basis,
            grant_id: grant,
            record,
        },
        selection: summary.selection,
        left_out,
        metrics: summary.period,
        days: summary.days,
        anchored_heights,
        batches,
    })
}

/// The consent contract's refusals: another scope may still allow the access.
fn consent_rank(code: ErrorCode) -> Option<u8> {
    // The contract's order of checks (docs/consent.md): a refusal from a later check says more.
    Some(match code {
        ErrorCode::NoGrant => 0,
        ErrorCode::GrantRevoked => 1,
        ErrorCode::GrantExpired => 2,
        ErrorCode::ProviderNotAdmitted => 3,
        ErrorCode::ScopeNotGranted => 4,
        ErrorCode::PeriodNotCovered => 5,
        _ => return None,
    })
}

/// The access asked for (with the scope that allows it), its basis and the grant to record it
/// under: `summaries_only` first, then `glucose`. Both refused: the refusal that says more (the
/// later check of the contract; `summaries_only`'s on a tie), naming the scopes that would do.
async fn decide_summary(
    data: &DataApi,
    patient: &str,
    caller: &str,
    q: &SummaryQuery,
) -> Result<(AccessRequest, Basis, Option<(u64, u64)>), ApiError> {
    let mut refused: Option<ApiError> = None;
    for scope in SCOPES {
        let request = AccessRequest {
            patient: patient.to_string(),
            grantee: caller.to_string(),
            scope,
            data_from: q.from,
            data_to: q.to,
        };
        match decide(data, &request).await {
            Ok((basis, grant)) => return Ok((request, basis, grant)),
            Err(e) => {
                let Some(rank) = consent_rank(e.code) else {
                    // The chain unreachable, not a custodian: no other scope is tried.
                    return Err(e);
                };
                if refused
                    .as_ref()
                    .is_none_or(|r| consent_rank(r.code).is_some_and(|held| rank > held))
                {
                    refused = Some(e);
                }
            }
        }
    }
    let e = refused.unwrap_or_else(|| ApiError::new(ErrorCode::NoGrant, "No grant allows it."));
    Err(e.with("scopes", ["summaries_only", "glucose"].as_slice()))
}

async fn load(data: &DataApi, patient: &str, q: &SummaryQuery) -> Result<PatientSummary, ApiError> {
    let store = data.data.clone();
    let (patient, from, to, offset) = (patient.to_string(), q.from, q.to, q.utc_offset_minutes);
    tokio::task::spawn_blocking(move || {
        patient_summary(store.as_ref(), &patient, from, to, offset, MAX_BATCHES)
    })
    .await
    .map_err(|_| ApiError::store_failed(&StoreError::Closed))?
    .map_err(|e| match e {
        SummaryError::TooManyBatches(n) => ApiError::new(
            ErrorCode::TooMuchData,
            format!("The period holds more than {n} batches; ask for a shorter one."),
        )
        .with("max_batches", n as u64),
        SummaryError::Period(PeriodError::Offset(m)) => bad_offset(m),
        SummaryError::Period(p) => ApiError::new(ErrorCode::BadPeriod, p.to_string()),
        SummaryError::Store(e) => ApiError::store_failed(&e),
    })
}
