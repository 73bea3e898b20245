//! The router: every route of the relayer's HTTP API, one file of handlers per group. A new
//! route goes here, its wire types in `diachain-relayer-types` and its line in
//! [`crate::schema::ENDPOINTS`] (a test checks that every documented route is served).

mod alerts;
mod batches;
pub(crate) mod data;
mod erasure;
mod exports;
mod fhir;
mod follow;
mod nightscout;
mod ops;
mod records;
mod summary;
mod uploaders;
mod v3;
mod v3_write;

use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;

use crate::state::AppState;

pub use alerts::{MAX_ALERTS_PER_PAGE, MAX_WEBHOOKS_PER_CALLER, MAX_WEBHOOKS_PER_PATIENT};
pub use data::{MAX_BATCHES, MAX_PERIOD_SECONDS};
pub use follow::MAX_FOLLOWERS_PER_PATIENT;
pub use nightscout::{
    API_SECRET_HEADER, MAX_ENTRIES_BODY_BYTES, MAX_UNBOUND_UPLOADERS, MAX_UPLOADERS_PER_PATIENT,
};

pub fn router(state: Arc<AppState>) -> Router {
    let origins = state.cors.clone();
    Router::new()
        .route("/v1/batches", post(batches::post_batch))
        .route("/v1/patients/{patient}/readings", get(data::get_readings))
        .route("/v1/patients/{patient}/summary", get(summary::get_summary))
        .route(
            "/v1/patients/{patient}/fhir/Observation",
            get(fhir::get_observations),
        )
        .route(
            "/v1/studies/{study_id}/exports",
            post(exports::post_export).get(exports::list_exports),
        )
        .route(
            "/v1/studies/{study_id}/exports/{export_id}",
            get(exports::get_export),
        )
        .route(
            "/v1/studies/{study_id}/exports/{export_id}/data",
            get(exports::get_export_data),
        )
        .route(
            "/v1/studies/{study_id}/exports/{export_id}/rowmap",
            get(exports::get_row_map),
        )
        .route("/v1/datasets/dictionary", get(exports::get_dictionary))
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
            post(nightscout::create_uploader).get(uploaders::list),
        )
        .route(
            "/v1/patients/{patient}/nightscout/uploaders/{device_id}",
            axum::routing::patch(uploaders::rename).delete(uploaders::revoke),
        )
        .route(
            "/v1/patients/{patient}/nightscout/uploaders/{device_id}/secret",
            post(uploaders::rotate),
        )
        .route(
            "/v1/patients/{patient}/nightscout/followers",
            post(follow::create_follower).get(follow::list_followers),
        )
        .route(
            "/v1/patients/{patient}/nightscout/followers/{id}",
            axum::routing::delete(follow::revoke_follower),
        )
        .route(
            "/api/v1/entries",
            post(nightscout::post_entries).get(follow::get_entries),
        )
        .route(
            "/api/v1/entries.json",
            post(nightscout::post_entries).get(follow::get_entries),
        )
        .route("/api/v1/entries/{spec}", get(follow::get_entries))
        .route("/api/v1/verifyauth", get(follow::verify_auth))
        .route(
            "/api/v2/authorization/request/{token}",
            get(follow::authorization_request),
        )
        .route(
            "/api/v1/treatments",
            post(records::post_treatments).get(records::get_treatments),
        )
        .route(
            "/api/v1/treatments.json",
            post(records::post_treatments).get(records::get_treatments),
        )
        .route(
            "/api/v1/devicestatus",
            post(records::post_devicestatus).get(records::get_devicestatus),
        )
        .route(
            "/api/v1/devicestatus.json",
            post(records::post_devicestatus).get(records::get_devicestatus),
        )
        .route(
            "/api/v1/profile",
            post(records::post_profile).get(records::get_profile),
        )
        .route(
            "/api/v1/profile.json",
            post(records::post_profile).get(records::get_profile),
        )
        .route(
            "/api/v1/{collection}/{identifier}",
            axum::routing::delete(records::delete_v1),
        )
        .route("/api/v1/status.json", get(nightscout::status_json))
        .route("/api/v3/status", get(v3::status))
        .route("/api/v3/version", get(v3::status))
        .route("/api/v3/lastModified", get(v3::last_modified))
        .route(
            "/api/v3/{collection}",
            get(v3::search).post(v3_write::create),
        )
        .route("/api/v3/{collection}/history", get(v3::history_all))
        .route("/api/v3/{collection}/history/{from}", get(v3::history))
        .route(
            "/api/v3/{collection}/{identifier}",
            get(v3_write::read_one)
                .patch(v3_write::patch)
                .delete(v3_write::delete),
        )
        .route(
            "/v1/patients/{patient}/alerts/settings",
            get(alerts::get_settings).put(alerts::put_settings),
        )
        .route("/v1/patients/{patient}/alerts", get(alerts::list))
        .route("/v1/patients/{patient}/alerts/stream", get(alerts::stream))
        .route(
            "/v1/patients/{patient}/alerts/webhooks",
            post(alerts::create_webhook).get(alerts::list_webhooks),
        )
        .route(
            "/v1/patients/{patient}/alerts/webhooks/{id}",
            axum::routing::delete(alerts::revoke_webhook),
        )
        .route("/v1/status", get(ops::status))
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(ops::metrics))
        .with_state(state)
        .layer(axum::middleware::from_fn_with_state(
            origins,
            crate::cors::cors,
        ))
}
