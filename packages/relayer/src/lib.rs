//! DiaChain relayer: gateway ingest, verification against the device registry, an encrypted
//! crash-safe store, and (later) anchoring on chain. See `docs/relayer.md`.

pub mod store;
