//! `/healthz` and `/metrics`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::AppState;

pub(super) async fn healthz(State(app): State<Arc<AppState>>) -> Response {
    let report = app.health.report(app.pipeline.store.clone()).await;
    let status = if report.store.ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(report)).into_response()
}

/// Batch counts per anchoring state, the anchoring task's status (last transaction, recent
/// failures with the contract's reasons, last error), and the accesses and erasures still to
/// be recorded on chain (`outbox`).
pub(super) async fn status(State(app): State<Arc<AppState>>) -> Response {
    let store = app.pipeline.store.clone();
    let read = move || Ok::<_, crate::store::StoreError>((store.counts()?, store.outbox_counts()?));
    match tokio::task::spawn_blocking(read).await {
        Ok(Ok((counts, (queued, in_flight)))) => {
            let mut body = serde_json::to_value(counts).unwrap_or_default();
            if let Some(obj) = body.as_object_mut() {
                if let Some(a) = &app.anchoring {
                    obj.insert(
                        "anchoring".into(),
                        serde_json::to_value(a.snapshot()).unwrap_or_default(),
                    );
                }
                obj.insert(
                    "outbox".into(),
                    serde_json::json!({ "queued": queued, "in_flight": in_flight }),
                );
            }
            (StatusCode::OK, Json(body)).into_response()
        }
        _ => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(serde_json::json!({
                "error": "store_failed",
                "message": "The store could not be read."
            })),
        )
            .into_response(),
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
