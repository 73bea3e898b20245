//! `verify`: checks one reading's proof JSON against the reading-anchors contract on chain,
//! by itself (see [`diachain_relayer_types::verify`]). Exit codes: 0 verified, 1 the proof does not hold
//! (reason on stderr, verdict on stdout), 2 usage or connection errors.

use std::io::Read as _;
use std::path::PathBuf;

use clap::Args;
use cosmwasm_std::Binary;
use diachain_chain_client::{ChainClient, ClientConfig};
use diachain_std::anchors::{BatchInfo, ConfigResponse, ProofResponse, QueryMsg};
use diachain_std::device::{Device, KeyCustody};
use diachain_std::merkle::Hash;

use diachain_relayer_types::proof::ReadingProof;
use diachain_relayer_types::verify::{verify, AnchorSource};

use super::{CliError, CliResult};
use crate::config::{ChainSection, ConfigError};

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
pub(super) struct ChainAnchors {
    pub client: ChainClient,
    pub contract: String,
}

/// A query the chain did not answer.
#[derive(thiserror::Error, Debug)]
#[error("the {query} query failed: {source}")]
pub struct QueryError {
    query: &'static str,
    source: diachain_chain_client::Error,
}

fn failed(query: &'static str) -> impl FnOnce(diachain_chain_client::Error) -> QueryError {
    move |source| QueryError { query, source }
}

impl AnchorSource for ChainAnchors {
    type Error = QueryError;

    async fn batch(&self, device_id: &str, seq: u64) -> Result<Option<BatchInfo>, QueryError> {
        diachain_relayer_core::chain::anchored_batch(&self.client, &self.contract, device_id, seq)
            .await
            .map_err(failed("Batch"))
    }

    async fn verify_proof(
        &self,
        device_id: &str,
        seq: u64,
        leaf_hash: &Hash,
        path: &[Hash],
    ) -> Result<Option<bool>, QueryError> {
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
            .map_err(failed("VerifyProof"))?;
        Ok(Some(answer.valid))
    }

    async fn key_custody(&self, device_id: &str) -> Result<Option<KeyCustody>, QueryError> {
        let config: ConfigResponse = self
            .client
            .smart_query(&self.contract, &QueryMsg::Config {})
            .await
            .map_err(failed("anchors Config"))?;
        let q = diachain_std::registry::QueryMsg::Device {
            id: device_id.to_string(),
        };
        let device: Device = self
            .client
            .smart_query(config.registry.as_str(), &q)
            .await
            .map_err(failed("registry Device"))?;
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
            .ok_or(ConfigError::Missing("--anchors-contract"))?;
        let node = chain.node.clone().ok_or(ConfigError::Missing("--node"))?;
        Ok((proof, contract, node))
    });
    let (proof, contract, node) = prepared.unwrap_or_else(|e| unusable("verify", &e));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let verdict = runtime
        .block_on(async {
            let client = connect(&node, &chain).await?;
            Ok::<_, CliError>(verify(&proof, &ChainAnchors { client, contract }).await?)
        })
        .unwrap_or_else(|e| unusable("verify", &e));
    println!("{}", serde_json::to_string_pretty(&verdict)?);
    match verdict.reason {
        None => Ok(()),
        Some(reason) => Err(CliError::NotVerified { reason }),
    }
}

/// A client of the node `node` (of the chain `--chain-id` names, when given).
pub(super) async fn connect(node: &str, chain: &ChainSection) -> Result<ChainClient, CliError> {
    let mut config = ClientConfig::new(node, chain.gas_prices()).map_err(CliError::NodeUrl)?;
    if let Some(id) = &chain.chain_id {
        config = config.with_chain_id(id);
    }
    ChainClient::connect(config)
        .await
        .map_err(|source| CliError::Node {
            node: node.to_string(),
            source,
        })
}

/// The proof from a file, or stdin for `-` or no file.
fn read_proof(path: Option<&PathBuf>) -> Result<ReadingProof, CliError> {
    let read = |path: PathBuf, r: std::io::Result<String>| {
        r.map_err(|source| CliError::Read { path, source })
    };
    let text = match path.filter(|p| p.as_os_str() != "-") {
        Some(p) => read(p.clone(), std::fs::read_to_string(p))?,
        None => {
            let mut s = String::new();
            let r = std::io::stdin().read_to_string(&mut s).map(|_| s);
            read(PathBuf::from("stdin"), r)?
        }
    };
    serde_json::from_str(&text).map_err(CliError::NotAProof)
}

/// Usage or connection error: one line on stderr (the transport's errors may carry a
/// backtrace on further lines), exit code 2.
pub(super) fn unusable(command: &str, error: &CliError) -> ! {
    let message = error.to_string();
    let line = message.lines().next().unwrap_or(&message);
    eprintln!("diachain-relayer {command}: {line}");
    std::process::exit(EXIT_UNUSABLE)
}
