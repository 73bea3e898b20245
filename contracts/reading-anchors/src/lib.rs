//! reading-anchors: device-signed batch commitments, sequence continuity and gaps, inclusion
//! proofs and per-patient daily coverage. See `docs/reading-anchors.md`.

pub mod contract;
pub mod error;
pub mod execute;
pub mod msg;
pub mod query;
pub mod state;

#[cfg(test)]
mod tests;

pub use crate::error::ContractError;
