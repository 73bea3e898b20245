//! The command line and the two modes.
//!
//! Remote (`--node` given): every setting is a flag; the deployer's key comes from `--key-file`
//! (the secret as hex, e.g. exported from a wasmd keyring by `scripts/deploy.sh`) or
//! `--mnemonic-file`.
//! Local (no `--node`): the network `scripts/chain.sh` started, from `.chain/<chain-id>/`: the
//! node and gas price from `network.env`, the deployer's key and the roles' addresses from
//! `logs/key-<name>.json`. Flags still override.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use clap::Parser;

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
                let logs = net.join("logs");
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
        })
    }
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
}
