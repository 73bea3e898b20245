//! Deployment of the DiaChain suite (device-registry, reading-anchors, consent, data-union) on a
//! wasmd chain through [`diachain_chain_client`], with the contracts' own message types from
//! `diachain-std`: a renamed field fails to compile here instead of failing on chain.
//!
//! - [`settings`]: the command line and the two modes (remote: every setting a flag; local: the
//!   network's files under `.chain/<chain-id>/`).
//! - [`msgs`]: the instantiate, migrate and wiring messages.
//! - [`plan`]: what to store, reuse, migrate or instantiate, given the chain's state (pure).
//! - [`record`]: `deployments/<chain-id>.json`, read and written atomically.
//! - [`handover`]: what handing the contracts to the consortium's multisig still needs (pure).
//! - [`govern`]: the governance part of a deployment: the group and the multisig, the
//!   handover, and the proposal that completes it.
//! - [`run`]: the deployment itself.
//!
//! `scripts/deploy.sh` is the command users run; it builds and calls the `diachain-deploy`
//! binary.

pub mod govern;
pub mod handover;
pub mod msgs;
pub mod plan;
pub mod record;
pub mod run;
pub mod settings;

use std::fmt;

/// The four contracts, in deployment order.
pub const CONTRACTS: [&str; 4] = [
    "device-registry",
    "reading-anchors",
    "consent",
    "data-union",
];

/// Why a deployment stopped: one sentence for the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure(pub String);

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Failure {}

/// A [`Failure`] saying `msg`.
pub fn fail(msg: impl Into<String>) -> Failure {
    Failure(msg.into())
}

/// The result of a deployment step.
pub type Result<T> = std::result::Result<T, Failure>;

/// Prints a progress line the way `scripts/deploy.sh` always did (`deploy: …` on stderr; other
/// scripts grep these lines).
pub fn log(line: &str) {
    eprintln!("deploy: {line}");
}
