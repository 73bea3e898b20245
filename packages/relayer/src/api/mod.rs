//! The HTTP API: `POST /v1/batches` for gateways; the data API (signed requests) for patients,
//! guardians and grantees: `GET /v1/patients/{patient}/readings`,
//! `POST /v1/patients/{patient}/erasure`, `GET /v1/patients/{patient}/erasures`;
//! `GET /v1/status`, `/healthz` and `/metrics` for operators.

mod batches;
pub mod cors;
pub mod data;
pub mod erasure;
mod error;
mod fhir;
pub mod nightscout;
mod ops;
pub mod reply;
mod signed;

use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;

use crate::anchor::AnchoringStatus;
use crate::auth::request::RequestAuth;
use crate::consent::ConsentView;
use crate::health::Health;
use crate::ingest::{Clock, Pipeline};
use crate::metrics::Metrics;
use crate::store::Store;

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
    /// The data API (`None` without a chain to check consent on: a development registry).
    pub data: Option<Arc<DataApi>>,
    /// The Nightscout-compatible upload (`None` without a chain to register uploaders on).
    pub nightscout: Option<Arc<nightscout::NightscoutApi>>,
    /// Origins whose browser pages may call the API (none by default).
    pub cors: Arc<cors::CorsOrigins>,
}

/// Whether a device's key is one the relayer holds (a Nightscout uploader's).
pub type RelayerHeld = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// What the data API needs.
pub struct DataApi {
    pub auth: RequestAuth,
    pub consent: Arc<dyn ConsentView>,
    pub store: Arc<dyn Store>,
    pub clock: Clock,
    /// The chain's bech32 account prefix.
    pub prefix: String,
    pub chain_id: String,
    pub anchors_contract: String,
    pub relayer_held: RelayerHeld,
    /// Largest signed request body.
    pub max_body_bytes: usize,
}

fn data_api_disabled() -> reply::ApiError {
    reply::ApiError::new(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        "data_api_disabled",
        "This relayer runs without a chain (a development registry), so it cannot check \
         consent and serves no data.",
    )
}

pub fn router(state: Arc<AppState>) -> Router {
    let origins = state.cors.clone();
    Router::new()
        .route("/v1/batches", post(batches::post_batch))
        .route("/v1/patients/{patient}/readings", get(data::get_readings))
        .route(
            "/v1/patients/{patient}/fhir/Observation",
            get(fhir::get_observations),
        )
        .route(
            "/v1/patients/{patient}/erasure",
            post(erasure::post_erasure),
        )
        .route(
            "/v1/patients/{patient}/erasures",
            get(erasure::get_erasures),
        )
        .route(
            "/v1/patients/{patient}/nightscout/uploaders",
            post(nightscout::create_uploader),
        )
        .route("/api/v1/entries", post(nightscout::post_entries))
        .route("/api/v1/entries.json", post(nightscout::post_entries))
        .route("/api/v1/status.json", get(nightscout::status_json))
        .route("/v1/status", get(ops::status))
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(ops::metrics))
        .with_state(state)
        .layer(axum::middleware::from_fn_with_state(origins, cors::cors))
}
