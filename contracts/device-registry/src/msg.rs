//! The registry's messages live in the shared package, so that every contract and client
//! speaks them with the same types.
pub use diachain_std::registry::*;
