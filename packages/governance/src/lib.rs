//! N-of-M governance of the DiaChain suite: a cw4-group of member organisations and a
//! cw3-flex-multisig over it (cw-plus 2.0.0) hold every admin role of the four contracts and
//! their wasm (migration) admin. This crate is the members' client (`diachain-gov`) and the part
//! of a deployment that sets the governance up (`diachain-deploy --governance` uses it).
//!
//! - [`cw`]: JSON mirrors of the cw3/cw4 messages and answers (cw-plus is on cosmwasm-std 2 and
//!   cannot share Rust types with this workspace's std 3).
//! - [`wasm`]: the `CosmosMsg`s a proposal carries (execute, migrate, update admin).
//! - [`actions`]: typed admin actions, built with the contracts' own message types from
//!   `diachain-std`.
//! - [`describe`]: any proposal message as a sentence ("device-registry: admit manufacturer …").
//! - [`proposal`]: a proposal's state: status (with `expired`), votes, threshold, messages.
//! - [`verify`]: the check behind a migration proposal (the code's checksum on chain is the
//!   member's own build).
//! - [`deployment`]: the deployment file's addresses and `governance` section.
//! - [`chain`]: queries and transactions against the group and the multisig.
//! - [`cli`]: the `diachain-gov` command line.

pub mod actions;
pub mod chain;
pub mod cli;
pub mod cw;
pub mod deployment;
pub mod describe;
pub mod proposal;
pub mod verify;
pub mod wasm;

use std::fmt;

/// Why a command stopped, and with which exit status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The chain, a contract or a check against the chain's state refused (exit 1).
    Refused(String),
    /// The command was wrong (flags, arguments, files), found before anything was sent (exit 2).
    Usage(String),
}

impl Failure {
    /// The process exit status: 1 refused, 2 bad usage.
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Refused(_) => 1,
            Failure::Usage(_) => 2,
        }
    }

    /// The one sentence.
    pub fn message(&self) -> &str {
        match self {
            Failure::Refused(m) | Failure::Usage(m) => m,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for Failure {}

/// A [`Failure::Refused`] saying `msg`.
pub fn refused(msg: impl Into<String>) -> Failure {
    Failure::Refused(msg.into())
}

/// A [`Failure::Usage`] saying `msg`.
pub fn usage(msg: impl Into<String>) -> Failure {
    Failure::Usage(msg.into())
}

/// The result of a governance step.
pub type Result<T> = std::result::Result<T, Failure>;

/// Whether `addr` is a `wasm1…` bech32 address; a usage error naming `what` otherwise.
pub fn check_address(addr: &str, what: &str) -> Result<()> {
    match diachain_chain_client::account_id(addr) {
        Ok(id) if id.prefix() == diachain_chain_client::WASM_PREFIX => Ok(()),
        Ok(id) => Err(usage(format!(
            "{what} {addr} is an address of another chain (prefix {}, expected wasm)",
            id.prefix()
        ))),
        Err(_) => Err(usage(format!("{what} {addr:?} is not a wasm1… address"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_carry_their_exit_status() {
        assert_eq!(refused("no").exit_code(), 1);
        assert_eq!(usage("bad").exit_code(), 2);
        assert_eq!(refused("no").to_string(), "no");
    }

    #[test]
    fn only_wasm_addresses_pass() {
        let key = diachain_chain_client::Signer::from_secret(&[7u8; 32], "wasm").unwrap();
        check_address(key.address(), "member").unwrap();
        let cosmos = diachain_chain_client::Signer::from_secret(&[7u8; 32], "cosmos").unwrap();
        let e = check_address(cosmos.address(), "member").unwrap_err();
        assert!(
            e.to_string().contains("prefix cosmos, expected wasm"),
            "{e}"
        );
        let e = check_address("wasm1nope", "member").unwrap_err();
        assert_eq!(
            e.to_string(),
            "member \"wasm1nope\" is not a wasm1… address"
        );
        assert_eq!(e.exit_code(), 2);
    }
}
