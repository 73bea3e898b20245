//! The command line and the two modes.
//!
//! Remote (`--node` given): every setting is a flag; the deployer's key comes from `--key-file`
//! (the secret as hex, e.g. exported from a wasmd keyring by `scripts/deploy.sh`) or
//! `--mnemonic-file`.
//! Local (no `--node`): the network `scripts/chain.sh` started, from `.chain/<chain-id>/`: the
//! node and gas price from `network.env`, the deployer's key and the roles' addresses from
//! `logs/key-<name>.json`. Flags still override.
//!
//! Governance (`--governance`): the group's `--members` (addresses, or on a local network key
//! names, each with an optional `:WEIGHT`), the multisig's `--threshold` and
//! `--voting-period`, and `--vote-as` (local keys that vote the handover through). On a rerun
//! they may be left out: the deployment file and the chain have them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use clap::Parser;

use diachain_governance::actions::parse_member;
use diachain_governance::cw::Member;

use crate::msgs::{DEFAULT_FEE_BPS, DEFAULT_GRACE_PERIOD};
use crate::{fail, Result};

/// Deploys the DiaChain suite: stores, instantiates, migrates and wires the four contracts and
/// writes deployments/<chain-id>.json. Normally run through scripts/deploy.sh.
#[derive(Clone, Debug, Parser)]
#[command(name = "diachain-deploy")]
pub struct Cli {
    /// The chain to deploy to.
    #[arg(long, default_value = "diachain-local-1")]
    pub chain_id: String,
    /// CometBFT RPC of a node; without it, the local network .chain/<chain-id>/.
    #[arg(long)]
    pub node: Option<String>,
    /// Gas price, e.g. 0.025ustake (required with --node).
    #[arg(long)]
    pub gas_prices: Option<String>,
    /// File holding the deployer's secret key as 64 hex digits.
    #[arg(long, conflicts_with = "mnemonic_file")]
    pub key_file: Option<PathBuf>,
    /// File holding the deployer's mnemonic (plain, or wasmd keys-add JSON).
    #[arg(long)]
    pub mnemonic_file: Option<PathBuf>,
    /// Local mode: the name of the deployer's key in the network's logs/key-<name>.json.
    #[arg(long, default_value = "consortium")]
    pub from: String,
    /// Folder of <contract>.wasm files to deploy.
    #[arg(long, default_value = "artifacts")]
    pub artifacts: PathBuf,
    /// Where deployment files live.
    #[arg(long, default_value = "deployments")]
    pub deployments: PathBuf,
    /// The repository root (.chain/ is under it).
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// Data-union fee in basis points.
    #[arg(long, default_value_t = DEFAULT_FEE_BPS)]
    pub fee_bps: u16,
    /// Data-union claim period in seconds.
    #[arg(long = "grace-period", default_value_t = DEFAULT_GRACE_PERIOD)]
    pub grace_period: u64,
    #[arg(long)]
    pub manufacturer: Option<String>,
    #[arg(long)]
    pub relayer: Option<String>,
    #[arg(long)]
    pub emergency: Option<String>,
    #[arg(long)]
    pub custodian: Option<String>,
    /// Receives the data union's fees (default: the deployer).
    #[arg(long)]
    pub treasury: Option<String>,
    /// Recorded as `wasmd_client` in the deployment file (deploy.sh passes `wasmd version`).
    #[arg(long, default_value = "")]
    pub wasmd_client: String,
    /// Hand every contract to an N-of-M multisig of member organisations (a cw4-group and a
    /// cw3-flex-multisig from <artifacts>/cw4-group.wasm and cw3-flex-multisig.wasm).
    #[arg(long)]
    pub governance: bool,
    /// The group's members: KEY_OR_ADDR[:WEIGHT],... (weight 1 by default; key names on a
    /// local network).
    #[arg(long, value_delimiter = ',')]
    pub members: Vec<String>,
    /// Yes weight a proposal needs (at most the members' total weight).
    #[arg(long)]
    pub threshold: Option<u64>,
    /// Longest a proposal stays open, in seconds (default 604800, a week).
    #[arg(long)]
    pub voting_period: Option<u64>,
    /// Local keys of members that vote the handover proposal through (and execute it).
    #[arg(long, value_delimiter = ',')]
    pub vote_as: Vec<String>,
}

/// A proposal's longest voting period unless `--voting-period` says otherwise: a week.
pub const DEFAULT_VOTING_PERIOD: u64 = 604_800;

/// The governance flags, resolved.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GovFlags {
    /// `--governance` was given.
    pub requested: bool,
    /// The members asked for (`None`: the chain's or the deployment file's).
    pub members: Option<Vec<Member>>,
    pub threshold: Option<u64>,
    pub voting_period: Option<u64>,
    /// Keys that vote the handover proposal: name and mnemonic file.
    pub vote_as: Vec<(String, PathBuf)>,
}

/// Where the deployer's key comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// A raw secret key file (hex).
    Secret(PathBuf),
    /// A mnemonic file.
    Mnemonic(PathBuf),
}

/// The resolved settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub chain_id: String,
    pub node: String,
    pub gas_prices: String,
    pub key: KeySource,
    pub artifacts: PathBuf,
    pub deployment_file: PathBuf,
    pub fee_bps: u16,
    pub grace_period: u64,
    /// Role addresses by role name (`manufacturer`, ..., `treasury`); absent roles are skipped
    /// (treasury: the deployer).
    pub roles: HashMap<String, String>,
    pub wasmd_client: String,
    pub governance: GovFlags,
}

/// The roles the deployment admits, in order.
pub const ROLES: [&str; 5] = [
    "manufacturer",
    "relayer",
    "emergency",
    "custodian",
    "treasury",
];

impl Cli {
    fn role_flag(&self, role: &str) -> Option<&String> {
        match role {
            "manufacturer" => self.manufacturer.as_ref(),
            "relayer" => self.relayer.as_ref(),
            "emergency" => self.emergency.as_ref(),
            "custodian" => self.custodian.as_ref(),
            "treasury" => self.treasury.as_ref(),
            _ => None,
        }
    }

    /// The settings these flags mean, reading the local network's files when no node is given.
    pub fn resolve(&self) -> Result<Settings> {
        let key_flag = match (&self.key_file, &self.mnemonic_file) {
            (Some(p), _) => Some(KeySource::Secret(p.clone())),
            (None, Some(p)) => Some(KeySource::Mnemonic(p.clone())),
            (None, None) => None,
        };
        let mut roles = HashMap::new();
        let logs = self.root.join(".chain").join(&self.chain_id).join("logs");
        let (node, gas_prices, key) = match &self.node {
            Some(node) => {
                let gas = self
                    .gas_prices
                    .clone()
                    .ok_or_else(|| fail("--gas-prices is required with --node"))?;
                let key = key_flag.ok_or_else(|| {
                    fail("--key-file or --mnemonic-file (the deployer's key) is required with --node")
                })?;
                (node.clone(), gas, key)
            }
            None => {
                let net = self.root.join(".chain").join(&self.chain_id);
                let env = diachain_chain_client::read_env_file(&net.join("network.env")).map_err(|_| {
                    fail(format!(
                        "no --node given and no local network {id} (start one: scripts/chain.sh start --chain-id {id})",
                        id = self.chain_id
                    ))
                })?;
                let get = |k: &str| {
                    env.get(k).cloned().ok_or_else(|| {
                        fail(format!("{} has no {k}", net.join("network.env").display()))
                    })
                };
                let node = get("DIACHAIN_NODE")?;
                let gas = match &self.gas_prices {
                    Some(g) => g.clone(),
                    None => get("DIACHAIN_GAS_PRICE")?,
                };
                let key = key_flag.unwrap_or_else(|| {
                    KeySource::Mnemonic(logs.join(format!("key-{}.json", self.from)))
                });
                for role in ROLES {
                    if self.role_flag(role).is_none() {
                        roles.insert(role.to_string(), local_address(&logs, role)?);
                    }
                }
                (node, gas, key)
            }
        };
        for role in ROLES {
            if let Some(a) = self.role_flag(role) {
                roles.insert(role.to_string(), a.clone());
            }
        }
        let local = self.node.is_none().then_some(logs.as_path());
        let governance = self.governance_flags(local)?;
        Ok(Settings {
            chain_id: self.chain_id.clone(),
            node,
            gas_prices,
            key,
            artifacts: self.artifacts.clone(),
            deployment_file: self.deployments.join(format!("{}.json", self.chain_id)),
            fee_bps: self.fee_bps,
            grace_period: self.grace_period,
            roles,
            wasmd_client: self.wasmd_client.clone(),
            governance,
        })
    }

    /// The governance flags, with key names resolved in the local network's `logs` (`None`:
    /// remote, addresses only).
    fn governance_flags(&self, logs: Option<&Path>) -> Result<GovFlags> {
        let any = !self.members.is_empty()
            || self.threshold.is_some()
            || self.voting_period.is_some()
            || !self.vote_as.is_empty();
        if any && !self.governance {
            return Err(fail(
                "--members, --threshold, --voting-period and --vote-as go with --governance",
            ));
        }
        let members = if self.members.is_empty() {
            None
        } else {
            Some(resolve_members(&self.members, logs)?)
        };
        if let (Some(ms), Some(t)) = (&members, self.threshold) {
            check_threshold(ms, t)?;
        }
        if self.threshold == Some(0) {
            return Err(fail("--threshold must be at least 1"));
        }
        if self.voting_period == Some(0) {
            return Err(fail("--voting-period must be at least 1 second"));
        }
        let vote_as = match logs {
            None if !self.vote_as.is_empty() => {
                return Err(fail(
                    "--vote-as takes keys of a local network; on a remote network each member votes with scripts/gov.sh vote",
                ))
            }
            None => vec![],
            Some(logs) => self
                .vote_as
                .iter()
                .map(|name| {
                    local_address(logs, name)?;
                    Ok((name.clone(), logs.join(format!("key-{name}.json"))))
                })
                .collect::<Result<_>>()?,
        };
        Ok(GovFlags {
            requested: self.governance,
            members,
            threshold: self.threshold,
            voting_period: self.voting_period,
            vote_as,
        })
    }
}

/// `KEY_OR_ADDR[:WEIGHT]` items as members: addresses as they are, key names (local network)
/// as their addresses; each member once.
fn resolve_members(items: &[String], logs: Option<&Path>) -> Result<Vec<Member>> {
    let mut out: Vec<Member> = Vec::new();
    for item in items.iter().filter(|i| !i.is_empty()) {
        let m = parse_member(item).map_err(|e| fail(format!("--members: {e}")))?;
        let addr = if m.addr.starts_with("wasm1") {
            diachain_governance::check_address(&m.addr, "member")
                .map_err(|e| fail(format!("--members: {e}")))?;
            m.addr
        } else {
            match logs {
                Some(logs) => local_address(logs, &m.addr)?,
                None => {
                    return Err(fail(format!(
                        "--members: {:?} is not a wasm1… address (key names work on a local network only)",
                        m.addr
                    )))
                }
            }
        };
        if out.iter().any(|o| o.addr == addr) {
            return Err(fail(format!("--members names {addr} twice")));
        }
        out.push(Member {
            addr,
            weight: m.weight,
        });
    }
    if out.is_empty() {
        return Err(fail("--members names nobody"));
    }
    Ok(out)
}

/// Refuses a threshold no proposal could reach (or 0).
pub fn check_threshold(members: &[Member], threshold: u64) -> Result<()> {
    let total = members
        .iter()
        .try_fold(0u64, |t, m| t.checked_add(m.weight))
        .ok_or_else(|| fail("the members' weights overflow"))?;
    if threshold == 0 || threshold > total {
        return Err(fail(format!(
            "--threshold {threshold} is not reachable: the members' total weight is {total} (1..={total})"
        )));
    }
    Ok(())
}

/// The address of the local network's key `name` (the `address` field of its
/// `logs/key-<name>.json`, as `wasmd keys add --output json` wrote it).
pub fn local_address(logs: &Path, name: &str) -> Result<String> {
    let path = logs.join(format!("key-{name}.json"));
    let text = std::fs::read_to_string(&path).map_err(|e| {
        fail(format!(
            "the local network has no key {name} ({}: {e})",
            path.display()
        ))
    })?;
    serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v["address"].as_str().map(str::to_string))
        .ok_or_else(|| fail(format!("{} holds no address", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cli(args: &[&str]) -> std::result::Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("diachain-deploy").chain(args.iter().copied()))
    }

    fn local_net(root: &Path, id: &str) {
        let net = root.join(".chain").join(id);
        std::fs::create_dir_all(net.join("logs")).unwrap();
        std::fs::write(
            net.join("network.env"),
            "DIACHAIN_CHAIN_ID=x\nDIACHAIN_NODE=http://127.0.0.1:24657\nDIACHAIN_GAS_PRICE=0.025udia\n",
        )
        .unwrap();
        for name in [
            "consortium",
            "patient",
            "manufacturer",
            "relayer",
            "emergency",
            "custodian",
            "treasury",
        ] {
            std::fs::write(
                net.join(format!("logs/key-{name}.json")),
                format!(r#"{{"name":"{name}","address":"wasm1{name}","mnemonic":"m"}}"#),
            )
            .unwrap();
        }
    }

    #[test]
    fn remote_mode_needs_gas_prices_and_a_key() {
        let e = cli(&["--node", "http://n:26657"])
            .unwrap()
            .resolve()
            .unwrap_err();
        assert_eq!(e.0, "--gas-prices is required with --node");
        let e = cli(&["--node", "http://n:26657", "--gas-prices", "1u"])
            .unwrap()
            .resolve()
            .unwrap_err();
        assert!(e.0.starts_with("--key-file or --mnemonic-file"));
        let s = cli(&[
            "--node",
            "http://n:26657",
            "--gas-prices",
            "1u",
            "--key-file",
            "/k",
            "--chain-id",
            "t-1",
            "--relayer",
            "wasm1r",
        ])
        .unwrap()
        .resolve()
        .unwrap();
        assert_eq!(s.key, KeySource::Secret("/k".into()));
        assert_eq!(s.deployment_file, PathBuf::from("deployments/t-1.json"));
        assert_eq!(s.roles.len(), 1);
        assert_eq!((s.fee_bps, s.grace_period), (200, 604_800));
    }

    #[test]
    fn local_mode_reads_the_network_files_and_flags_override() {
        let dir = tempfile::tempdir().unwrap();
        local_net(dir.path(), "dep-1");
        let root = dir.path().to_str().unwrap();
        let s = cli(&[
            "--root",
            root,
            "--chain-id",
            "dep-1",
            "--custodian",
            "wasm1mine",
        ])
        .unwrap()
        .resolve()
        .unwrap();
        assert_eq!(s.node, "http://127.0.0.1:24657");
        assert_eq!(s.gas_prices, "0.025udia");
        assert_eq!(
            s.key,
            KeySource::Mnemonic(dir.path().join(".chain/dep-1/logs/key-consortium.json"))
        );
        assert_eq!(s.roles["relayer"], "wasm1relayer");
        assert_eq!(s.roles["custodian"], "wasm1mine");
        assert_eq!(s.roles.len(), 5);
    }

    #[test]
    fn refusals_are_one_sentence() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_str().unwrap();
        let e = cli(&["--root", root, "--chain-id", "nowhere-1"])
            .unwrap()
            .resolve()
            .unwrap_err();
        assert_eq!(
            e.0,
            "no --node given and no local network nowhere-1 (start one: scripts/chain.sh start --chain-id nowhere-1)"
        );
        local_net(dir.path(), "dep-1");
        std::fs::remove_file(dir.path().join(".chain/dep-1/logs/key-treasury.json")).unwrap();
        let e = cli(&["--root", root, "--chain-id", "dep-1"])
            .unwrap()
            .resolve()
            .unwrap_err();
        assert!(
            e.0.starts_with("the local network has no key treasury"),
            "{e}"
        );
        assert!(cli(&["--fee-bps", "70000"]).is_err());
        assert!(cli(&["--grace-period", "-1"]).is_err());
        assert!(cli(&["--bogus"]).is_err());
        assert!(cli(&["--key-file", "a", "--mnemonic-file", "b"]).is_err());
    }

    #[test]
    fn governance_flags_resolve_key_names_and_weights() {
        let dir = tempfile::tempdir().unwrap();
        local_net(dir.path(), "dep-1");
        let root = dir.path().to_str().unwrap();
        let s = cli(&[
            "--root",
            root,
            "--chain-id",
            "dep-1",
            "--governance",
            "--members",
            "consortium,patient:2,wasm1qyqszqgpqyqszqgpqyqszqgpqyqszqgpc0styh",
            "--threshold",
            "3",
            "--voting-period",
            "60",
            "--vote-as",
            "patient",
        ])
        .unwrap()
        .resolve()
        .unwrap();
        let g = s.governance;
        assert!(g.requested);
        assert_eq!(
            g.members.unwrap(),
            vec![
                Member {
                    addr: "wasm1consortium".into(),
                    weight: 1
                },
                Member {
                    addr: "wasm1patient".into(),
                    weight: 2
                },
                Member {
                    addr: "wasm1qyqszqgpqyqszqgpqyqszqgpqyqszqgpc0styh".into(),
                    weight: 1
                },
            ]
        );
        assert_eq!((g.threshold, g.voting_period), (Some(3), Some(60)));
        assert_eq!(g.vote_as[0].0, "patient");
        assert!(g.vote_as[0].1.ends_with("logs/key-patient.json"));
        // Nothing asked: nothing set.
        let s = cli(&["--root", root, "--chain-id", "dep-1"])
            .unwrap()
            .resolve()
            .unwrap();
        assert_eq!(s.governance, GovFlags::default());
    }

    #[test]
    fn governance_flags_that_cannot_work_are_refused_in_one_sentence() {
        let dir = tempfile::tempdir().unwrap();
        local_net(dir.path(), "dep-1");
        let root = dir.path().to_str().unwrap();
        let err = |extra: &[&str]| {
            let mut a = vec!["--root", root, "--chain-id", "dep-1"];
            a.extend_from_slice(extra);
            cli(&a).unwrap().resolve().unwrap_err().0
        };
        assert_eq!(
            err(&["--threshold", "2"]),
            "--members, --threshold, --voting-period and --vote-as go with --governance"
        );
        assert_eq!(
            err(&[
                "--governance",
                "--members",
                "consortium,patient",
                "--threshold",
                "3"
            ]),
            "--threshold 3 is not reachable: the members' total weight is 2 (1..=2)"
        );
        assert_eq!(
            err(&["--governance", "--members", "consortium,consortium:2"]),
            "--members names wasm1consortium twice"
        );
        assert!(err(&["--governance", "--members", "nobody"])
            .starts_with("the local network has no key nobody"));
        assert!(err(&["--governance", "--members", "patient:0"]).contains("weight of 0"));
        assert_eq!(
            err(&["--governance", "--threshold", "0"]),
            "--threshold must be at least 1"
        );
        assert_eq!(
            err(&["--governance", "--voting-period", "0"]),
            "--voting-period must be at least 1 second"
        );
        let remote = cli(&[
            "--node",
            "http://n",
            "--gas-prices",
            "1u",
            "--key-file",
            "k",
            "--governance",
            "--members",
            "consortium",
        ])
        .unwrap()
        .resolve()
        .unwrap_err();
        assert!(
            remote.0.contains("key names work on a local network only"),
            "{remote}"
        );
        let remote = cli(&[
            "--node",
            "http://n",
            "--gas-prices",
            "1u",
            "--key-file",
            "k",
            "--governance",
            "--vote-as",
            "consortium",
        ])
        .unwrap()
        .resolve()
        .unwrap_err();
        assert!(remote
            .0
            .starts_with("--vote-as takes keys of a local network"));
    }
}
