//! Client settings: the node, the chain, gas, and the timing of polls and retries.

use std::time::Duration;

use crate::error::Error;
use crate::signer::WASM_PREFIX;
use crate::tx::GasPrice;

/// How a [`ChainClient`](crate::ChainClient) talks to its chain.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// CometBFT RPC endpoint, e.g. `http://127.0.0.1:26657`.
    pub rpc_url: String,
    /// The chain the node must serve; `None` accepts whatever the node reports (its chain id is
    /// then used to sign).
    pub chain_id: Option<String>,
    /// Bech32 account prefix (`wasm`).
    pub prefix: String,
    /// Gas price and fee denom, e.g. `0.025udia`.
    pub gas_price: GasPrice,
    /// Gas limit = simulated gas × this (covers what simulation cannot see, e.g. signature
    /// verification differences and state changed by other transactions in between).
    pub gas_multiplier: f64,
    /// Timeout of one RPC request.
    pub request_timeout: Duration,
    /// Pause between two lookups of a transaction while waiting for its block, and between two
    /// attempts after "node not ready".
    pub poll_interval: Duration,
    /// How long to wait for a transaction accepted by CheckTx to appear in a block.
    pub inclusion_timeout: Duration,
    /// How many times one submission resynchronises its sequence after "account sequence
    /// mismatch" before giving up with [`Error::SequenceMismatch`].
    pub max_sequence_retries: u32,
    /// How many times one submission is retried after "node not ready" (code 4 with account
    /// number 0) before giving up with [`Error::NodeNotReady`].
    pub max_not_ready_retries: u32,
}

impl ClientConfig {
    /// Settings for the node at `rpc_url` with gas price `gas_price` (`0.025udia`), and the
    /// defaults: prefix `wasm`, gas multiplier 1.3, 10 s requests, 500 ms polls, 60 s inclusion
    /// timeout, 5 sequence resynchronisations and 10 not-ready retries per submission.
    pub fn new(rpc_url: &str, gas_price: &str) -> Result<Self, Error> {
        Ok(ClientConfig {
            rpc_url: rpc_url.to_string(),
            chain_id: None,
            prefix: WASM_PREFIX.to_string(),
            gas_price: gas_price.parse()?,
            gas_multiplier: 1.3,
            request_timeout: Duration::from_secs(10),
            poll_interval: Duration::from_millis(500),
            inclusion_timeout: Duration::from_secs(60),
            max_sequence_retries: 5,
            max_not_ready_retries: 10,
        })
    }

    /// The same settings, requiring the node to serve `chain_id`.
    pub fn with_chain_id(mut self, chain_id: &str) -> Self {
        self.chain_id = Some(chain_id.to_string());
        self
    }

    /// The gas limit for a simulated consumption of `gas_used`.
    pub fn gas_limit(&self, gas_used: u64) -> u64 {
        let m = if self.gas_multiplier.is_finite() && self.gas_multiplier >= 1.0 {
            self.gas_multiplier
        } else {
            1.0
        };
        // Float precision is ample here: gas is far below 2^53.
        (gas_used as f64 * m).ceil() as u64
    }
}

/// The `KEY=VALUE` lines of an env file such as the `.chain/<chain-id>/network.env` that
/// `scripts/chain.sh` writes (lines starting with `#` are comments; keys and values trimmed).
pub fn read_env_file(
    path: &std::path::Path,
) -> std::io::Result<std::collections::HashMap<String, String>> {
    let text = std::fs::read_to_string(path)?;
    Ok(text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gas_limit_applies_the_multiplier_and_never_shrinks() {
        let mut c = ClientConfig::new("http://127.0.0.1:1", "0.025udia").unwrap();
        assert_eq!(c.gas_limit(100_000), 130_000);
        c.gas_multiplier = 0.5;
        assert_eq!(c.gas_limit(100_000), 100_000);
        c.gas_multiplier = f64::NAN;
        assert_eq!(c.gas_limit(7), 7);
        assert!(ClientConfig::new("x", "free").is_err());
    }

    #[test]
    fn env_files_give_trimmed_pairs_and_skip_comments() {
        let path = std::env::temp_dir().join(format!("diachain-env-{}.env", std::process::id()));
        std::fs::write(
            &path,
            "# comment
DIACHAIN_NODE = http://127.0.0.1:26657
not a pair
A=b=c
",
        )
        .unwrap();
        let env = read_env_file(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(env.len(), 2);
        assert_eq!(env["DIACHAIN_NODE"], "http://127.0.0.1:26657");
        assert_eq!(env["A"], "b=c");
        assert!(read_env_file(&path).is_err());
    }
}
