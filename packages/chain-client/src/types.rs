//! Plain data the client returns: node status, accounts, query and CheckTx answers, and the
//! outcome of an included transaction with its events.

use serde::{Deserialize, Serialize};

/// What the node says about itself and its chain (`/status`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeStatus {
    /// The chain id (`node_info.network`).
    pub chain_id: String,
    /// The node software's version (CometBFT's, e.g. `0.39.0`).
    pub node_version: String,
    /// Height of the latest block.
    pub latest_height: u64,
    /// Time of the latest block, RFC 3339.
    pub latest_block_time: String,
    /// Time of the latest block, unix seconds.
    pub latest_block_unix: i64,
    /// Whether the node is still catching up with its peers.
    pub catching_up: bool,
}

/// An account's number and next sequence, as the chain has them committed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountInfo {
    /// The account number (fixed when the account was created).
    pub account_number: u64,
    /// The sequence the next transaction signed by this account must carry.
    pub sequence: u64,
}

/// The answer to an ABCI query.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AbciResponse {
    /// 0 on success.
    pub code: u32,
    /// Module of a failure's code.
    pub codespace: String,
    /// A failure's log.
    pub log: String,
    /// The protobuf-encoded answer.
    pub value: Vec<u8>,
    /// Height the query was answered at.
    pub height: u64,
}

/// CheckTx's answer to `broadcast_tx_sync`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckTxResponse {
    /// 0 when the transaction entered the mempool.
    pub code: u32,
    /// Module of a refusal's code.
    pub codespace: String,
    /// A refusal's log.
    pub log: String,
    /// The transaction's hash (uppercase hex).
    pub hash: String,
}

/// One ABCI event of a transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The event type (`wasm`, `message`, `transfer`, `wasm-<custom>`, ...).
    pub kind: String,
    /// Its attributes, `(key, value)` in order.
    pub attributes: Vec<(String, String)>,
}

/// A transaction as it was executed in a block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxOutcome {
    /// The transaction's hash (uppercase hex).
    pub hash: String,
    /// The block that includes it.
    pub height: u64,
    /// 0 on success.
    pub code: u32,
    /// Module of a failure's code.
    pub codespace: String,
    /// The log (a failure's reason; empty on success in SDK 0.50+).
    pub raw_log: String,
    /// Gas limit the transaction declared.
    pub gas_wanted: u64,
    /// Gas it consumed.
    pub gas_used: u64,
    /// Its events.
    pub events: Vec<Event>,
}

impl TxOutcome {
    /// Whether the transaction succeeded.
    pub fn is_ok(&self) -> bool {
        self.code == 0
    }

    /// The values of attribute `key` in events of type `kind`, in order.
    pub fn attributes<'a>(&'a self, kind: &'a str, key: &'a str) -> impl Iterator<Item = &'a str> {
        self.events
            .iter()
            .filter(move |e| e.kind == kind)
            .flat_map(|e| e.attributes.iter())
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of attribute `key` in an event of type `kind`.
    pub fn attribute(&self, kind: &str, key: &str) -> Option<&str> {
        self.events
            .iter()
            .filter(|e| e.kind == kind)
            .flat_map(|e| e.attributes.iter())
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_are_found_by_event_type_and_key() {
        let tx = TxOutcome {
            hash: "AB".into(),
            height: 3,
            code: 0,
            codespace: String::new(),
            raw_log: String::new(),
            gas_wanted: 10,
            gas_used: 5,
            events: vec![
                Event {
                    kind: "message".into(),
                    attributes: vec![("action".into(), "x".into())],
                },
                Event {
                    kind: "wasm".into(),
                    attributes: vec![("action".into(), "a".into()), ("n".into(), "1".into())],
                },
                Event {
                    kind: "wasm".into(),
                    attributes: vec![("action".into(), "b".into())],
                },
            ],
        };
        assert_eq!(tx.attribute("wasm", "action"), Some("a"));
        assert_eq!(
            tx.attributes("wasm", "action").collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(tx.attribute("wasm", "missing"), None);
        assert!(tx.is_ok());
    }
}

/// A code stored on chain, as `cosmwasm.wasm.v1.Query/Codes` lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeInfo {
    /// Its code id.
    pub code_id: u64,
    /// Who stored it.
    pub creator: String,
    /// SHA-256 of its wasm, lowercase hex.
    pub checksum: String,
}

/// A contract instance, as `cosmwasm.wasm.v1.Query/ContractInfo` describes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractInfo {
    /// Its address.
    pub address: String,
    /// The code it runs.
    pub code_id: u64,
    /// Who instantiated it.
    pub creator: String,
    /// Its wasm admin (who may migrate it), if any.
    pub admin: Option<String>,
    /// Its label.
    pub label: String,
}
