//! `GET /v1/status`, `/healthz` and `/metrics`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use diachain_relayer_types::status::{HealthStatus, OutboxCounts, StatusResponse};
use diachain_relayer_types::ErrorCode;

use crate::reply::ApiError;
use crate::state::AppState;

pub(super) async fn healthz(State(app): State<Arc<AppState>>) -> Response {
    let report = app.health.report(app.pipeline.store.clone()).await;
    let status = if report.status == HealthStatus::Failing {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    (status, Json(report)).into_response()
}

/// Batch counts per anchoring state, the anchoring task's status (last transaction, recent
/// failures with the contract's reasons, last error), and the accesses and erasures still to
/// be recorded on chain (`outbox`).
pub(super) async fn status(State(app): State<Arc<AppState>>) -> Response {
    let (batches, outbox) = (app.status.batches.clone(), app.status.outbox.clone());
    let read = move || {
        Ok::<_, diachain_relayer_core::store::StoreError>((
            batches.counts()?,
            outbox.outbox_counts()?,
        ))
    };
    match tokio::task::spawn_blocking(read).await {
        Ok(Ok((counts, (queued, in_flight)))) => {
            let body = StatusResponse {
                counts,
                anchoring: app.status.anchoring.as_ref().map(|a| a.snapshot()),
                outbox: OutboxCounts { queued, in_flight },
            };
            (StatusCode::OK, Json(body)).into_response()
        }
        _ => ApiError::new(ErrorCode::StoreFailed, "The store could not be read.").into_response(),
    }
}

pub(super) async fn metrics(State(app): State<Arc<AppState>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        app.metrics.encode(),
    )
        .into_response()
}
