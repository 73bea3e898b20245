//! DiaChain relayer: gateway ingest, verification against the device registry, an encrypted
//! crash-safe store, and anchoring on chain. See `docs/relayer.md`.

pub mod anchor;
pub mod api;
pub mod auth;
pub mod chain;
pub mod cli;
pub mod config;
pub mod consent;
pub mod fhir;
pub mod health;
pub mod ingest;
pub mod metrics;
pub mod nightscout;
pub mod proof;
pub mod recorder;
pub mod registry;
pub mod server;
pub mod simulator;
pub mod store;
pub mod task;
pub mod telemetry;
pub use diachain_chain_client::time;
pub mod verify;
pub mod wire;

#[cfg(feature = "testkit")]
pub mod testkit;
