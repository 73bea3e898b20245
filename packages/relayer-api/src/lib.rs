//! The DiaChain relayer's HTTP API (axum): `POST /v1/batches` for gateways; the data API
//! (signed requests, consent checks, the on-chain access log, FHIR R4 export, erasure) for
//! patients, guardians and grantees; the Nightscout-compatible upload for uploader apps;
//! `GET /v1/status`, `/healthz` and `/metrics` for operators. `schema/relayer-api.json`
//! ([`schema::openapi`]) describes every route with the types of `diachain-relayer-types`.
//!
//! | module | concern |
//! | --- | --- |
//! | [`routes`] | the router and one file of handlers per group of routes |
//! | [`reply`] | refusals as HTTP answers ([`reply::ApiError`], one [`ErrorCode`] each) |
//! | [`alerts`] | alerts to the dashboard (server-sent events) and to webhooks (at least once, SSRF-guarded) |
//! | [`auth`] | ADR-036 signed requests: signatures, nonces, clock |
//! | [`fhir`] | FHIR R4 export of served readings (HL7 CGM IG) |
//! | [`nightscout`] | Nightscout uploads: entries, batches signed with the uploader key, uploaders |
//! | [`cors`] | which browser origins may call the API |
//! | [`server`] | serving with graceful shutdown |
//! | [`schema`] | the OpenAPI document |
//!
//! Above `diachain-relayer-core` (`docs/conventions.md`): handlers decode, call the core and
//! encode; what the relayer decides lives in the core. A new route goes in [`routes`], its
//! types in `diachain-relayer-types`, and the schema's [`schema::ENDPOINTS`].

pub mod alerts;
pub mod auth;
pub mod cors;
pub mod fhir;
pub mod nightscout;
pub mod reply;
pub mod routes;
pub mod schema;
pub mod server;
mod signed;
mod state;

pub use diachain_relayer_types::{ErrorCode, REPLAY_HEADER};
pub use routes::router;
pub use state::{AppState, DataApi, NightscoutApi, RelayerHeld, StatusSources};
