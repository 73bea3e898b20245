//! `verify`: checks one reading's proof JSON against the reading-anchors contract on chain,
//! by itself (see [`crate::verify`]). Exit codes: 0 verified, 1 the proof does not hold
//! (reason on stderr, verdict on stdout), 2 usage or connection errors.

use std::io::Read as _;
use std::path::PathBuf;

use clap::Args;
use cosmwasm_std::Binary;
use diachain_chain_client::{ChainClient, ClientConfig};
use diachain_std::anchors::{BatchInfo, ConfigResponse, ProofResponse, QueryMsg};
use diachain_std::device::{Device, KeyCustody};
use diachain_std::merkle::Hash;

use crate::config::ChainSection;
use crate::proof::ReadingProof;
use crate::verify::{verify, AnchorSource};

use super::CliResult;

/// Exit code for usage and connection errors (a failing proof exits 1).
pub const EXIT_UNUSABLE: i32 = 2;

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The proof JSON (as `export-proof` prints it); `-` or omitted reads stdin
    #[arg(long)]
    pub proof: Option<PathBuf>,
    /// The chain: --node (required), --chain-id (optional: the node must then serve it) and
    /// the reading-anchors contract (--anchors-contract, required); the key and registry
    /// settings are not used
    #[command(flatten)]
    pub chain: ChainSection,
}

/// The reading-anchors contract through the chain client.
struct ChainAnchors {
    client: ChainClient,
    contract: String,
}

impl AnchorSource for ChainAnchors {
    async fn batch(&self, device_id: &str, seq: u64) -> Result<Option<BatchInfo>, String> {
        crate::chain::anchored_batch(&self.client, &self.contract, device_id, seq)
            .await
            .map_err(|e| format!("the Batch query failed: {e}"))
    }

    async fn verify_proof(
        &self,
        device_id: &str,
        seq: u64,
        leaf_hash: &Hash,
        path: &[Hash],
    ) -> Result<Option<bool>, String> {
        let msg = QueryMsg::VerifyProof {
            device_id: device_id.to_string(),
            seq,
            leaf_hash: Binary::new(leaf_hash.to_vec()),
            path: path.iter().map(|h| Binary::new(h.to_vec())).collect(),
        };
        let answer: ProofResponse = self
            .client
            .smart_query(&self.contract, &msg)
            .await
            .map_err(|e| format!("the VerifyProof query failed: {e}"))?;
        Ok(Some(answer.valid))
    }

    async fn key_custody(&self, device_id: &str) -> Result<Option<KeyCustody>, String> {
        let config: ConfigResponse = self
            .client
            .smart_query(&self.contract, &QueryMsg::Config {})
            .await
            .map_err(|e| format!("the anchors Config query failed: {e}"))?;
        let q = diachain_std::registry::QueryMsg::Device {
            id: device_id.to_string(),
        };
        let device: Device = self
            .client
            .smart_query(config.registry.as_str(), &q)
            .await
            .map_err(|e| format!("the registry Device query failed: {e}"))?;
        Ok(Some(device.key_custody))
    }
}

/// Runs `verify`; exits 2 itself on usage and connection errors, returns `Err` (exit 1) when the
/// proof does not hold.
pub fn run(args: VerifyArgs, file_chain: ChainSection) -> CliResult {
    let chain = args.chain.or(file_chain);
    let prepared = read_proof(args.proof.as_ref()).and_then(|proof| {
        let contract = chain
            .anchors_contract
            .clone()
            .ok_or_else(|| "missing setting: --anchors-contract".to_string())?;
        let node = chain
            .node
            .clone()
            .ok_or_else(|| "missing setting: --node".to_string())?;
        Ok((proof, contract, node))
    });
    let (proof, contract, node) = prepared.unwrap_or_else(|e| unusable(&e));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let verdict = runtime
        .block_on(async {
            let mut config =
                ClientConfig::new(&node, chain.gas_prices()).map_err(|e| format!("--node: {e}"))?;
            if let Some(id) = &chain.chain_id {
                config = config.with_chain_id(id);
            }
            let client = ChainClient::connect(config)
                .await
                .map_err(|e| format!("cannot use the node {node}: {e}"))?;
            verify(&proof, &ChainAnchors { client, contract }).await
        })
        .unwrap_or_else(|e| unusable(&e));
    println!("{}", serde_json::to_string_pretty(&verdict)?);
    match verdict.reason {
        None => Ok(()),
        Some(reason) => Err(format!("proof not verified: {reason}").into()),
    }
}

/// The proof from a file, or stdin for `-` or no file.
fn read_proof(path: Option<&PathBuf>) -> Result<ReadingProof, String> {
    let text = match path.filter(|p| p.as_os_str() != "-") {
        Some(p) => std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?,
        None => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| format!("stdin: {e}"))?;
            s
        }
    };
    serde_json::from_str(&text).map_err(|e| format!("not a reading proof: {e}"))
}

/// Usage or connection error: one line on stderr (the transport's errors may carry a
/// backtrace on further lines), exit code 2.
fn unusable(message: &str) -> ! {
    let line = message.lines().next().unwrap_or(message);
    eprintln!("diachain-relayer verify: {line}");
    std::process::exit(EXIT_UNUSABLE)
}
