//! DiaChain's client of a wasmd chain, used by the relayer (anchoring, registry lookups) and by
//! deployment and end-to-end code.
//!
//! - [`ChainClient`]: a connection to a CometBFT 0.39 node's RPC (tendermint-rpc in
//!   compatibility mode 0.38): status, contract smart and raw queries, accounts, balances,
//!   simulation, broadcast, waiting for inclusion, lookup of a transaction by hash; the
//!   chain's stored codes (id, creator, checksum) and a contract's info (code, admin, label).
//! - Message builders: execute, bank send, and for deployment store code, instantiate,
//!   migrate, update a contract's wasm admin and a code's instantiate permission
//!   (`packages/deploy` and `packages/governance` use them).
//! - [`Signer`]: a secp256k1 key from a BIP-39 mnemonic (`m/44'/118'/0'/0/0`) or a raw key file,
//!   and its `wasm1…` address.
//! - [`TxSender`]: one account that tracks its own sequence, simulates gas, signs
//!   (SIGN_MODE_DIRECT), broadcasts, resynchronises after "account sequence mismatch", retries
//!   while a restarted node is not ready, and waits for the block.
//! - [`Error`]: transport (retryable), CheckTx refusals, the contract's own error, failures in
//!   the block, timeouts, decode errors.
//!
//! ```no_run
//! # async fn demo() -> Result<(), diachain_chain_client::Error> {
//! use diachain_chain_client::{ChainClient, ClientConfig, Signer, TxSender};
//! let config = ClientConfig::new("http://127.0.0.1:26657", "0.025udia")?
//!     .with_chain_id("diachain-local-1");
//! let client = ChainClient::connect(config).await?;
//! let signer = Signer::from_key_file("relayer.key", "wasm")?;
//! let sender = TxSender::new(client.clone(), signer);
//! let cfg: serde_json::Value = client.smart_query("wasm1…", &serde_json::json!({"config": {}})).await?;
//! let tx = sender.execute("wasm1…", &serde_json::json!({"ping": {}}), 0).await?;
//! println!("{cfg} in block {} as {}", tx.height, tx.hash);
//! # Ok(()) }
//! ```

mod broadcast;
mod client;
mod config;
mod error;
mod query;
mod rpc;
mod sender;
mod signer;
pub mod time;
mod tx;
mod types;

#[cfg(test)]
mod fake;
#[cfg(test)]
mod sender_tests;

pub use broadcast::{outcome_result, GasEstimate, SIMULATE_PATH};
pub use client::ChainClient;
pub use config::{read_env_file, ClientConfig};
pub use error::{
    classify, classify_simulation, contract_message, expected_sequence, Error, CODE_UNAUTHORIZED,
    CODE_WASM_EXECUTE_FAILED, CODE_WRONG_SEQUENCE, SDK_CODESPACE, WASM_CODESPACE,
};
pub use query::{
    ACCOUNT_QUERY_PATH, BALANCE_QUERY_PATH, CODES_QUERY_PATH, CONTRACT_INFO_QUERY_PATH,
    RAW_QUERY_PATH, SMART_QUERY_PATH,
};
pub use rpc::{HttpRpc, Rpc, COMPAT_MODE};
pub use sender::{Gas, TxSender};
pub use signer::{Signer, COSMOS_HD_PATH, WASM_PREFIX};
pub use tx::{
    account_id, coin, execute_msg, instantiate_msg, migrate_msg, send_msg, sign_tx, store_code_msg,
    tx_hash, update_admin_msg, update_instantiate_config_msg, GasPrice, SignParams, SignedTx,
};
pub use types::{
    AbciResponse, AccountInfo, CheckTxResponse, CodeInfo, ContractInfo, Event, NodeStatus,
    TxOutcome,
};

/// Re-exported so that users build messages and `Any`s with the same versions.
pub use cosmrs;
