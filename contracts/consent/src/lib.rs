//! DiaChain consent: patients (or their guardians) grant, amend and revoke access to their
//! data; admitted emergency providers open short break-glass sessions; admitted custodians
//! record every access they serve; listeners hear when a research consent ends early.
//! See `docs/consent.md`.

pub mod access;
pub mod contract;
pub mod error;
pub mod execute;
pub mod msg;
pub mod query;
pub mod state;

#[cfg(test)]
mod tests;

pub use crate::error::ContractError;
