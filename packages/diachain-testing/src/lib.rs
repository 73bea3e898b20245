//! The DiaChain test kit, a dev-dependency of the contracts and of the cross-contract suites.
//!
//! - [`contract_wrapper!`] wraps a contract module's entry points for cw-multi-test, and
//!   [`contracts`] has the four DiaChain contracts wrapped with it (one feature each);
//! - [`listener`]: one hook-recording listener contract (and one that refuses every hook);
//! - [`refusal`]: [`assert_refused`], the one refusal assertion, and [`Accepted`];
//! - [`events`]: the attributes of a multi-test response;
//! - [`suite`] (feature `suite`): the four contracts wired together, built by [`SuiteBuilder`];
//! - [`testing`]: `diachain_std::testing` (device keys, signed batches), re-exported.
//!
//! The kit depends on the contract crates (with `library`) for their entry points. A contract's
//! own unit tests (`src/tests`, compiled with `cfg(test)`) must not wrap the kit's copy of that
//! same contract: it is a second build of the crate, with its own `ContractError` type and
//! without the `cfg(test)` code. So the contract features are opt-in: a contract's
//! `[dev-dependencies]` enables only the *other* contracts it talks to (reading-anchors:
//! `registry`), and wraps itself with `contract_wrapper!(crate::contract)`. Messages live in
//! `diachain-std`, so they are the same types on both sides; refusals cross multi-test as text,
//! so [`assert_refused`] compares texts and works for any crate's `ContractError`. When the
//! features are unified in a workspace build the second copy is linked but never called, and
//! with `library` it exports no entry points, so no symbols clash.

pub mod contracts;
pub mod events;
pub mod listener;
pub mod refusal;
#[cfg(feature = "suite")]
pub mod suite;

pub use diachain_std::testing;
pub use events::{attribute, attributes};
pub use listener::{failing_listener, heard, hook_listener};
pub use refusal::{assert_refused, refused_with, Accepted};
#[cfg(feature = "suite")]
pub use suite::*;

#[doc(hidden)]
pub use cosmwasm_std as __cosmwasm_std;
#[doc(hidden)]
pub use cw_multi_test as __multi_test;
