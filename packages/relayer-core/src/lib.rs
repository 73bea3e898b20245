//! The DiaChain relayer's core: everything a relayer does between its HTTP API and the chain.
//!
//! | module | concern |
//! | --- | --- |
//! | [`alerts`] | glucose alerts: evaluation at ingest, the raiser thread, the live hub |
//! | [`store`] | the store's role traits ([`store::IngestStore`], [`store::AnchoringStore`], …), the embedded redb store, encryption at rest, group commit |
//! | [`ingest`] | the checks a gateway's batch passes before it is stored, and the pipeline that runs them |
//! | [`registry`] | the device registry as the relayer sees it, and its cache |
//! | [`anchor`] | the anchoring task: pending batches into `SubmitBatches` transactions |
//! | [`recorder`] | the outbox (accesses served, erasures done) recorded on chain |
//! | [`export`] | research dataset exports: pseudonyms, consent windows, the pass over the store, sealed files |
//! | [`consent`] | the consent view: `CheckAccess`, guardians, custodianship |
//! | [`chain`] | chain adapters: the block watcher, anchored batches, uploader registration |
//! | [`proof`] | a reading's inclusion proof from the store |
//! | [`summary`] | a patient's CGM summary of a period, from anchored batches only, each root rechecked |
//! | [`health`], [`metrics`] | `/healthz`'s checks and the Prometheus registry |
//! | [`clock`], [`task`] | this machine's clock; the loop of the chain tasks |
//!
//! Above `diachain-relayer-types`, below `diachain-relayer-api` (`docs/conventions.md`): no HTTP
//! here, and nothing from the API or the binaries.

pub mod alerts;
pub mod anchor;
pub mod chain;
pub mod clock;
pub mod consent;
pub mod export;
pub mod health;
pub mod ingest;
pub mod metrics;
pub mod proof;
pub mod recorder;
pub mod registry;
pub mod store;
pub mod summary;
pub mod task;

use std::future::Future;
use std::pin::Pin;

/// A boxed future, so that the traits of chain and registry views can be trait objects.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
