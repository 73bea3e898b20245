//! The HTTP API: `POST /v1/batches` for gateways; `GET /v1/status`, `/healthz` and `/metrics`
//! for operators.

mod batches;
mod error;
mod ops;

use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;

use crate::anchor::AnchoringStatus;
use crate::health::Health;
use crate::ingest::Pipeline;
use crate::metrics::Metrics;

pub use batches::REPLAY_HEADER;
pub use error::status_of;

/// Everything the handlers share.
pub struct AppState {
    pub pipeline: Pipeline,
    pub metrics: Arc<Metrics>,
    pub health: Health,
    /// Bodies over this size are refused (413) before they are parsed.
    pub max_body_bytes: usize,
    /// The anchoring task's status (`None` when nothing is anchored: a development registry).
    pub anchoring: Option<Arc<AnchoringStatus>>,
}

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/v1/batches", post(batches::post_batch))
        .route("/v1/status", get(ops::status))
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(ops::metrics))
        .with_state(state)
}
