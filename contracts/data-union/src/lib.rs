//! data-union: research studies with funded reward pools, patient membership, contributions
//! reported by reading-anchors, and claims. See `docs/data-union.md`.

pub mod contract;
pub mod error;
pub mod execute;
pub mod msg;
pub mod query;
pub mod rewards;
pub mod state;

#[cfg(test)]
mod tests;

pub use crate::error::ContractError;
