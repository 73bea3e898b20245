//! DiaChain relayer: gateway ingest, verification against the device registry, an encrypted
//! crash-safe store, and (later) anchoring on chain. See `docs/relayer.md`.

pub mod api;
pub mod health;
pub mod ingest;
pub mod metrics;
pub mod registry;
pub mod store;
pub mod wire;

#[cfg(feature = "testkit")]
pub mod testkit;
