//! `diachain-gov`: the members' command line. `propose` an admin action, `vote`, `execute`,
//! `close`, `list` and `show` proposals, `members` (who holds what), `upload` a wasm the
//! multisig may migrate to. Human lines by default, one JSON object on stdout with `--json`;
//! exit 0 ok, 1 refused (by the chain, a contract, or a check against the chain's state), 2 bad
//! usage.

pub mod commands;
pub mod net;
pub mod propose;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::cw::Vote;

/// Governance of a DiaChain deployment by its member organisations: proposals of the
/// cw3-flex-multisig that administers every contract, voted by the cw4-group's members.
#[derive(Clone, Debug, Parser)]
#[command(name = "diachain-gov")]
pub struct Cli {
    #[command(flatten)]
    pub net: NetArgs,
    /// Print one JSON object on stdout instead of lines (errors too: {"error": ...}).
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// Where the chain and the signing key are (as diachain-deploy takes them).
#[derive(Clone, Debug, Args)]
pub struct NetArgs {
    /// The chain (its deployment file is deployments/<chain-id>.json).
    #[arg(
        long,
        global = true,
        env = "DIACHAIN_CHAIN_ID",
        default_value = "diachain-local-1"
    )]
    pub chain_id: String,
    /// CometBFT RPC of a node; without it, the local network .chain/<chain-id>/.
    #[arg(long, global = true)]
    pub node: Option<String>,
    /// Gas price, e.g. 0.025ustake (required with --node).
    #[arg(long, global = true)]
    pub gas_prices: Option<String>,
    /// File holding the member's secret key as 64 hex digits.
    #[arg(long, global = true, conflicts_with = "mnemonic_file")]
    pub key_file: Option<PathBuf>,
    /// File holding the member's mnemonic (plain, or wasmd keys-add JSON).
    #[arg(long, global = true)]
    pub mnemonic_file: Option<PathBuf>,
    /// Local network: the member's key name in .chain/<chain-id>/logs/key-<name>.json.
    #[arg(long, global = true)]
    pub from: Option<String>,
    /// Where deployment files live.
    #[arg(long, global = true, default_value = "deployments")]
    pub deployments: PathBuf,
    /// The repository root (.chain/ is under it).
    #[arg(long, global = true, default_value = ".")]
    pub root: PathBuf,
}

#[derive(Clone, Debug, Subcommand)]
pub enum Command {
    /// Open a proposal of an admin action (the proposer's weight votes yes at once).
    Propose(ProposeArgs),
    /// Vote on a proposal: yes, no, abstain or veto.
    Vote {
        id: u64,
        #[arg(value_parser = parse_vote)]
        vote: Vote,
    },
    /// Execute a passed proposal's messages (any member).
    Execute { id: u64 },
    /// Mark an expired proposal that did not pass as rejected (anyone).
    Close { id: u64 },
    /// Proposals newest first: those still open or passed, or all with --all.
    List {
        #[arg(long)]
        all: bool,
    },
    /// One proposal: status, votes with weights, threshold, expiry, what it executes.
    Show { id: u64 },
    /// The group's members and weights, the threshold, and who holds each contract's admin.
    Members,
    /// Store a wasm that the multisig may migrate contracts to (needs code upload permission);
    /// prints its code id and checksum for `propose migrate`.
    Upload { wasm: PathBuf },
}

fn parse_vote(s: &str) -> std::result::Result<Vote, String> {
    s.parse()
}

/// `propose <action> [args]` and the proposal's own flags.
#[derive(Clone, Debug, Args)]
pub struct ProposeArgs {
    #[command(subcommand)]
    pub action: ActionCmd,
    /// The proposal's title (default: what it executes, in words).
    #[arg(long, global = true)]
    pub title: Option<String>,
    /// A longer explanation for the members.
    #[arg(long, global = true, default_value = "")]
    pub description: String,
    /// Voting ends this many seconds from now (default and at most: the multisig's maximum
    /// voting period).
    #[arg(long, global = true)]
    pub expires_in: Option<u64>,
}

/// The admin actions. ADDR is a wasm1… address, or on a local network a key name.
#[derive(Clone, Debug, Subcommand)]
pub enum ActionCmd {
    /// device-registry: admit a manufacturer.
    AdmitManufacturer {
        addr: String,
        #[arg(long, default_value = "diachain manufacturer")]
        label: String,
    },
    /// device-registry: admit a relayer.
    AdmitRelayer {
        addr: String,
        #[arg(long, default_value = "diachain relayer")]
        label: String,
    },
    /// device-registry: suspend a manufacturer (it keeps its records but may not act).
    SuspendManufacturer {
        addr: String,
        #[arg(long)]
        reason: String,
    },
    /// device-registry: suspend a relayer.
    SuspendRelayer {
        addr: String,
        #[arg(long)]
        reason: String,
    },
    /// device-registry: lift a manufacturer's suspension.
    #[command(alias = "unsuspend-manufacturer")]
    ReinstateManufacturer { addr: String },
    /// device-registry: lift a relayer's suspension.
    #[command(alias = "unsuspend-relayer")]
    ReinstateRelayer { addr: String },
    /// device-registry: remove a manufacturer (its devices stay registered).
    RemoveManufacturer { addr: String },
    /// device-registry: remove a relayer.
    RemoveRelayer { addr: String },
    /// consent: admit an emergency provider (break-glass access).
    AdmitEmergency { addr: String },
    /// consent: remove an emergency provider (its open sessions stop at once).
    RemoveEmergency { addr: String },
    /// consent: admit a custodian (serves data and records accesses).
    AdmitCustodian { addr: String },
    /// consent: remove a custodian.
    RemoveCustodian { addr: String },
    /// reading-anchors: minimum interval between readings per device kind, e.g. cgm=60 pump=5.
    SetSamplingLimits {
        #[arg(required = true)]
        limits: Vec<String>,
    },
    /// The multisig accepts the admin role of contracts that offered it (default: every
    /// contract whose pending admin is the multisig).
    AcceptAdmin { contracts: Vec<String> },
    /// group: add members, ADDR[:WEIGHT] (weight 1 by default).
    AddMember {
        #[arg(required = true)]
        members: Vec<String>,
    },
    /// group: remove members (refused if the rest could not reach the threshold).
    RemoveMember {
        #[arg(required = true)]
        members: Vec<String>,
    },
    /// group: change members' weights, ADDR:WEIGHT.
    SetWeight {
        #[arg(required = true)]
        members: Vec<String>,
    },
    /// group: replace a member's key in one proposal (a lost key out, the new one in with the
    /// same weight).
    ReplaceMember { old: String, new: String },
    /// Migrate a contract to a stored code, verified first: the code's checksum on chain must
    /// be the sha256 of --wasm (your own build) or --checksum.
    Migrate {
        /// device-registry, reading-anchors, consent or data-union.
        contract: String,
        #[arg(long)]
        code_id: u64,
        #[arg(long, conflicts_with = "checksum")]
        wasm: Option<PathBuf>,
        #[arg(long)]
        checksum: Option<String>,
    },
}

/// What a command prints: lines for people, one JSON value for scripts.
#[derive(Clone, Debug, PartialEq)]
pub struct Output {
    pub human: String,
    pub json: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cli(args: &[&str]) -> std::result::Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("diachain-gov").chain(args.iter().copied()))
    }

    #[test]
    fn propose_takes_its_flags_before_or_after_the_action() {
        let c = cli(&[
            "propose",
            "--title",
            "T",
            "admit-manufacturer",
            "wasm1x",
            "--expires-in",
            "60",
            "--json",
            "--from",
            "org1",
        ])
        .unwrap();
        assert!(c.json);
        assert_eq!(c.net.from.as_deref(), Some("org1"));
        let Command::Propose(p) = c.command else {
            panic!("not propose")
        };
        assert_eq!((p.title.as_deref(), p.expires_in), (Some("T"), Some(60)));
        assert!(matches!(
            p.action,
            ActionCmd::AdmitManufacturer { ref addr, ref label } if addr == "wasm1x" && label == "diachain manufacturer"
        ));
    }

    #[test]
    fn votes_and_aliases_parse_and_bad_words_do_not() {
        let c = cli(&["vote", "4", "veto"]).unwrap();
        assert!(matches!(
            c.command,
            Command::Vote {
                id: 4,
                vote: Vote::Veto
            }
        ));
        assert!(cli(&["vote", "4", "maybe"]).is_err());
        assert!(cli(&["vote", "x", "yes"]).is_err());
        let c = cli(&["propose", "unsuspend-relayer", "wasm1r"]).unwrap();
        let Command::Propose(p) = c.command else {
            panic!()
        };
        assert!(matches!(p.action, ActionCmd::ReinstateRelayer { .. }));
        assert!(cli(&["propose", "suspend-relayer", "wasm1r"]).is_err()); // --reason required
        assert!(cli(&["propose", "set-sampling-limits"]).is_err());
        assert!(cli(&[
            "propose",
            "migrate",
            "consent",
            "--code-id",
            "3",
            "--wasm",
            "a",
            "--checksum",
            "b"
        ])
        .is_err());
        assert!(cli(&["--key-file", "a", "--mnemonic-file", "b", "members"]).is_err());
        assert!(cli(&["list", "--all"]).is_ok());
    }
}
