//! Where the chain and the member's key are, as `diachain-deploy` resolves them: remote
//! (`--node`, `--gas-prices`, `--key-file`/`--mnemonic-file`) or local (`.chain/<chain-id>/`:
//! the node and gas price from `network.env`, keys by name from `logs/key-<name>.json`).

use std::path::{Path, PathBuf};

use diachain_chain_client::{ChainClient, ClientConfig, Signer, TxSender, WASM_PREFIX};

use super::NetArgs;
use crate::chain::chain_failure;
use crate::deployment::Suite;
use crate::{check_address, refused, usage, Result};

/// The resolved network settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Net {
    pub chain_id: String,
    pub node: String,
    pub gas_prices: String,
    /// The local network's `logs/` (key files by name), if local.
    pub logs: Option<PathBuf>,
    /// The signing key's file and whether it holds a mnemonic (else a hex secret).
    pub key: Option<(PathBuf, bool)>,
    pub deployment_file: PathBuf,
}

impl Net {
    /// The settings `args` mean, reading the local network's files when no node is given.
    pub fn resolve(args: &NetArgs) -> Result<Net> {
        let mut key = match (&args.key_file, &args.mnemonic_file) {
            (Some(p), _) => Some((p.clone(), false)),
            (None, Some(p)) => Some((p.clone(), true)),
            (None, None) => None,
        };
        let deployment_file = args.deployments.join(format!("{}.json", args.chain_id));
        if let Some(node) = &args.node {
            let gas_prices = args
                .gas_prices
                .clone()
                .ok_or_else(|| usage("--gas-prices is required with --node"))?;
            if args.from.is_some() && key.is_none() {
                return Err(usage(
                    "--from names a key of a local network; with --node give --key-file or --mnemonic-file (scripts/gov.sh exports a keyring key)",
                ));
            }
            return Ok(Net {
                chain_id: args.chain_id.clone(),
                node: node.clone(),
                gas_prices,
                logs: None,
                key,
                deployment_file,
            });
        }
        let net = args.root.join(".chain").join(&args.chain_id);
        let env = diachain_chain_client::read_env_file(&net.join("network.env")).map_err(|_| {
            usage(format!(
                "no --node given and no local network {id} (start one: scripts/chain.sh start --chain-id {id})",
                id = args.chain_id
            ))
        })?;
        let get = |k: &str| {
            env.get(k)
                .cloned()
                .ok_or_else(|| usage(format!("{} has no {k}", net.join("network.env").display())))
        };
        let logs = net.join("logs");
        if key.is_none() {
            key = args
                .from
                .as_ref()
                .map(|name| (logs.join(format!("key-{name}.json")), true));
        }
        Ok(Net {
            chain_id: args.chain_id.clone(),
            node: get("DIACHAIN_NODE")?,
            gas_prices: match &args.gas_prices {
                Some(g) => g.clone(),
                None => get("DIACHAIN_GAS_PRICE")?,
            },
            logs: Some(logs),
            key,
            deployment_file,
        })
    }

    /// The signing key; a usage error if none was given.
    pub fn signer(&self) -> Result<Signer> {
        let (path, mnemonic) = self.key.as_ref().ok_or_else(|| {
            usage("this command signs a transaction: give the member's key with --from NAME (local network) or --key-file/--mnemonic-file")
        })?;
        let signer = if *mnemonic {
            Signer::from_mnemonic_file(path, WASM_PREFIX)
        } else {
            Signer::from_key_file(path, WASM_PREFIX)
        };
        signer.map_err(|e| usage(format!("the member's key cannot be read: {e}")))
    }

    /// `s` as an address: a `wasm1…` address, or on a local network the address of key `s`.
    pub fn address(&self, s: &str) -> Result<String> {
        if s.starts_with("wasm1") {
            check_address(s, "address")?;
            return Ok(s.to_string());
        }
        match &self.logs {
            Some(logs) => local_address(logs, s),
            None => Err(usage(format!(
                "{s:?} is not a wasm1… address (key names work on a local network only)"
            ))),
        }
    }

    /// Connects to the node, checking its chain id.
    pub async fn connect(&self) -> Result<ChainClient> {
        let config = ClientConfig::new(&self.node, &self.gas_prices)
            .map_err(|e| usage(format!("bad --node or --gas-prices: {e}")))?
            .with_chain_id(&self.chain_id);
        ChainClient::connect(config)
            .await
            .map_err(|e| chain_failure(&format!("node {}", self.node), e))
    }

    /// The deployment's addresses.
    pub fn suite(&self) -> Result<Suite> {
        let suite = Suite::load(&self.deployment_file)?;
        if suite.chain_id != self.chain_id {
            return Err(refused(format!(
                "{} is the deployment of {}, not {}",
                self.deployment_file.display(),
                suite.chain_id,
                self.chain_id
            )));
        }
        Ok(suite)
    }

    /// A sender for the member's key.
    pub fn sender(&self, client: &ChainClient) -> Result<TxSender> {
        Ok(TxSender::new(client.clone(), self.signer()?))
    }
}

/// The address of the local network's key `name` (`address` of its `logs/key-<name>.json`).
pub fn local_address(logs: &Path, name: &str) -> Result<String> {
    let path = logs.join(format!("key-{name}.json"));
    let text = std::fs::read_to_string(&path).map_err(|_| {
        usage(format!(
            "{name:?} is neither a wasm1… address nor a key of the local network ({} is missing)",
            path.display()
        ))
    })?;
    serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v["address"].as_str().map(str::to_string))
        .ok_or_else(|| usage(format!("{} holds no address", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn args(a: &[&str]) -> NetArgs {
        super::super::Cli::try_parse_from(
            std::iter::once("diachain-gov")
                .chain(a.iter().copied())
                .chain(["members"]),
        )
        .unwrap()
        .net
    }

    fn local_net(root: &Path) {
        let net = root.join(".chain/gov-1");
        std::fs::create_dir_all(net.join("logs")).unwrap();
        std::fs::write(
            net.join("network.env"),
            "DIACHAIN_NODE=http://127.0.0.1:28657\nDIACHAIN_GAS_PRICE=0.025udia\n",
        )
        .unwrap();
        std::fs::write(
            net.join("logs/key-org1.json"),
            r#"{"name":"org1","address":"wasm1qyqszqgpqyqszqgpqyqszqgpqyqszqgpc0styh","mnemonic":"m"}"#,
        )
        .unwrap();
    }

    #[test]
    fn local_mode_reads_the_network_and_names_keys() {
        let dir = tempfile::tempdir().unwrap();
        local_net(dir.path());
        let root = dir.path().to_str().unwrap();
        let net = Net::resolve(&args(&[
            "--root",
            root,
            "--chain-id",
            "gov-1",
            "--from",
            "org1",
        ]))
        .unwrap();
        assert_eq!(net.node, "http://127.0.0.1:28657");
        assert_eq!(net.gas_prices, "0.025udia");
        assert_eq!(
            net.key,
            Some((dir.path().join(".chain/gov-1/logs/key-org1.json"), true))
        );
        assert_eq!(net.deployment_file, PathBuf::from("deployments/gov-1.json"));
        assert_eq!(
            net.address("org1").unwrap(),
            "wasm1qyqszqgpqyqszqgpqyqszqgpqyqszqgpc0styh"
        );
        let e = net.address("org9").unwrap_err();
        assert!(e
            .to_string()
            .starts_with("\"org9\" is neither a wasm1… address nor a key"));
        assert!(net.address("wasm1bad").is_err());
        // A key file named by --from that holds no mnemonic is a usage error, not a panic.
        assert_eq!(net.signer().unwrap_err().exit_code(), 2);
    }

    #[test]
    fn remote_mode_needs_gas_prices_and_a_key_file_and_takes_addresses_only() {
        let e = Net::resolve(&args(&["--node", "http://n:26657"])).unwrap_err();
        assert_eq!(e.to_string(), "--gas-prices is required with --node");
        let e = Net::resolve(&args(&[
            "--node",
            "http://n",
            "--gas-prices",
            "1u",
            "--from",
            "k",
        ]))
        .unwrap_err();
        assert!(e
            .to_string()
            .starts_with("--from names a key of a local network"));
        let net = Net::resolve(&args(&["--node", "http://n", "--gas-prices", "1u"])).unwrap();
        assert!(net
            .address("org1")
            .unwrap_err()
            .to_string()
            .contains("local network only"));
        let e = net.signer().unwrap_err();
        assert!(e
            .to_string()
            .starts_with("this command signs a transaction"));
        let dir = tempfile::tempdir().unwrap();
        let e = Net::resolve(&args(&[
            "--root",
            dir.path().to_str().unwrap(),
            "--chain-id",
            "none-1",
        ]))
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "no --node given and no local network none-1 (start one: scripts/chain.sh start --chain-id none-1)"
        );
    }
}
