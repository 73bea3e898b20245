//! device-registry: manufacturers, relayers, devices, keys, owners, guardians and device status.
//! See `docs/device-registry.md`.

pub mod contract;
pub mod error;
pub mod execute;
pub mod msg;
pub mod query;
pub mod state;

#[cfg(test)]
mod tests;

pub use crate::error::ContractError;
