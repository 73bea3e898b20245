//! `POST /v1/batches`.

use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header::CONTENT_LENGTH;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use diachain_relayer_core::ingest::{Accepted, Rejection};
use diachain_relayer_types::{Receipt, REPLAY_HEADER};
use http_body_util::{BodyExt, LengthLimitError, Limited};

use crate::reply::ApiError;
use crate::state::AppState;

pub(super) async fn post_batch(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let started = Instant::now();
    let result = match read_body(&headers, body, app.max_body_bytes).await {
        Ok(bytes) => app.pipeline.submit(&bytes).await,
        Err(r) => Err(r),
    };
    match result {
        Ok(accepted) => {
            record_accepted(&app, &accepted);
            app.metrics
                .ack_latency
                .observe(started.elapsed().as_secs_f64());
            accepted_response(&accepted)
        }
        Err(r) => {
            app.metrics.rejected(r.code().as_str());
            tracing::debug!(error = %r.code(), "batch refused");
            ApiError::from(&r).into_response()
        }
    }
}

/// The body, refused with 413 as soon as it is known to exceed `limit`: from its declared
/// length before reading anything, or while reading a body sent without one.
async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes, Rejection> {
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(Rejection::BodyTooLarge { limit });
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => {
            Err(Rejection::BodyTooLarge { limit })
        }
        Err(_) => Err(Rejection::BadEncoding {
            reason: "the request body could not be read".into(),
        }),
    }
}

fn record_accepted(app: &AppState, accepted: &Accepted) {
    let b = &accepted.batch;
    if accepted.replay {
        app.metrics.batches_resubmitted.inc();
        tracing::debug!(device_id = %b.header.device_id, batch_id = b.id, "resubmission answered");
        return;
    }
    app.metrics.batches_ingested.inc();
    app.metrics
        .readings_ingested
        .inc_by(u64::from(b.header.count));
    app.metrics.batches_pending.inc();
    tracing::debug!(
        device_id = %b.header.device_id,
        first_seq = b.header.first_seq,
        last_seq = b.header.last_seq,
        batch_id = b.id,
        "batch stored"
    );
}

fn accepted_response(accepted: &Accepted) -> Response {
    let receipt = Receipt::from(&accepted.batch);
    let mut response = (StatusCode::CREATED, Json(receipt)).into_response();
    if accepted.replay {
        response
            .headers_mut()
            .insert(REPLAY_HEADER, HeaderValue::from_static("true"));
    }
    response
}
