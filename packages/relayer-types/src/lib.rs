//! The DiaChain relayer's wire types: what gateways, patients, grantees, Nightscout uploaders
//! and operators send to a relayer and get back (`schema/relayer-api.json` is generated from
//! them), every refusal code with its HTTP status ([`ErrorCode`]), a reading's inclusion proof
//! and its offline verifier, the gateway side of a signed batch (building, signing), and the
//! research datasets' format ([`dataset`]: rows, root, CSV and FHIR NDJSON, data dictionary).
//!
//! The lowest of the relayer's crates: `diachain-relayer-types` ← `diachain-relayer-core` ←
//! `diachain-relayer-api` ← the `diachain-relayer` binary, and `diachain-simulate` on this
//! crate alone (see `docs/conventions.md`). Nothing here talks to a chain, a store or a socket.

pub mod alerts;
pub mod cgm;
pub mod crypto;
pub mod data;
pub mod dataset;
pub mod error;
pub mod events;
pub mod exports;
pub mod fhir;
pub mod gateway;
pub mod nightscout;
pub mod proof;
pub mod request;
pub mod state;
pub mod status;
pub mod verify;
pub mod wire;

pub use error::{ErrorBody, ErrorCode};
pub use state::{AnchorState, BatchId, OutboxId, OutboxState, SeqRange, StateCounts};
pub use wire::{BatchRequest, ReadingJson, Receipt, REPLAY_HEADER};
