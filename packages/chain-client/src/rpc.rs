//! The four CometBFT RPC calls the client needs, behind a small trait ([`Rpc`]) so that the
//! sequence and retry logic can be tested against a fake chain, and their implementation over
//! HTTP with `tendermint-rpc` ([`HttpRpc`]).
//!
//! CometBFT 0.39 is not recognised by tendermint-rpc's automatic version detection; its RPC is
//! compatible with 0.38's, so [`HttpRpc`] always sets [`CompatMode::V0_38`] explicitly.

use std::future::Future;
use std::str::FromStr;
use std::time::Duration;

use tendermint_rpc::client::CompatMode;
use tendermint_rpc::error::ErrorDetail;
use tendermint_rpc::{Client, HttpClient, HttpClientUrl};

use crate::error::Error;
use crate::types::{AbciResponse, CheckTxResponse, Event, NodeStatus, TxOutcome};

/// The RPC compatibility mode used with CometBFT 0.39 nodes.
pub const COMPAT_MODE: CompatMode = CompatMode::V0_38;

/// The node calls the client makes. Implemented over HTTP by [`HttpRpc`]; tests implement it
/// with a fake chain.
pub trait Rpc: Send + Sync {
    /// `abci_query` at the latest height, without proof.
    fn abci_query(
        &self,
        path: &str,
        data: Vec<u8>,
    ) -> impl Future<Output = Result<AbciResponse, Error>> + Send;

    /// `broadcast_tx_sync`: CheckTx's answer.
    fn broadcast_tx_sync(
        &self,
        tx: Vec<u8>,
    ) -> impl Future<Output = Result<CheckTxResponse, Error>> + Send;

    /// `tx`: the transaction with this hash (uppercase hex) if it is in a block, `None` if the
    /// node does not know it (not yet included, never included, or pruned).
    fn tx(&self, hash: &str) -> impl Future<Output = Result<Option<TxOutcome>, Error>> + Send;

    /// `status`: chain id, latest height and time.
    fn status(&self) -> impl Future<Output = Result<NodeStatus, Error>> + Send;
}

/// [`Rpc`] over CometBFT's HTTP JSON-RPC, in compatibility mode [`COMPAT_MODE`].
#[derive(Clone, Debug)]
pub struct HttpRpc {
    client: HttpClient,
}

impl HttpRpc {
    /// A client of the node at `url` (`http://127.0.0.1:26657`), each request timing out after
    /// `timeout`. Does not contact the node.
    pub fn new(url: &str, timeout: Duration) -> Result<Self, Error> {
        let url = HttpClientUrl::from_str(url)
            .map_err(|e| Error::Invalid(format!("RPC URL {url}: {e}")))?;
        let client = HttpClient::builder(url)
            .compat_mode(COMPAT_MODE)
            .timeout(timeout)
            .build()
            .map_err(|e| Error::Invalid(format!("RPC client: {e}")))?;
        Ok(HttpRpc { client })
    }

    /// The underlying tendermint-rpc client, for calls this crate does not wrap.
    pub fn inner(&self) -> &HttpClient {
        &self.client
    }
}

fn to_u64(what: &str, v: i64) -> Result<u64, Error> {
    u64::try_from(v).map_err(|_| Error::decode(what, format!("negative value {v}")))
}

/// Converts tendermint's events, decoding attributes as UTF-8 (lossily for the pre-0.37 byte form).
fn events(events: Vec<cosmrs::tendermint::abci::Event>) -> Vec<Event> {
    events
        .into_iter()
        .map(|e| Event {
            kind: e.kind,
            attributes: e
                .attributes
                .iter()
                .map(|a| {
                    (
                        String::from_utf8_lossy(a.key_bytes()).into_owned(),
                        String::from_utf8_lossy(a.value_bytes()).into_owned(),
                    )
                })
                .collect(),
        })
        .collect()
}

/// Whether a `tx` RPC error means "this node does not know the transaction".
fn is_tx_not_found(e: &tendermint_rpc::Error) -> bool {
    match e.detail() {
        ErrorDetail::Response(r) => {
            let r = &r.source;
            r.data().is_some_and(|d| d.contains("not found")) || r.message().contains("not found")
        }
        _ => false,
    }
}

impl Rpc for HttpRpc {
    async fn abci_query(&self, path: &str, data: Vec<u8>) -> Result<AbciResponse, Error> {
        let r = self
            .client
            .abci_query(Some(path.to_string()), data, None, false)
            .await
            .map_err(Error::transport)?;
        Ok(AbciResponse {
            code: r.code.value(),
            codespace: r.codespace,
            log: r.log,
            value: r.value,
            height: r.height.value(),
        })
    }

    async fn broadcast_tx_sync(&self, tx: Vec<u8>) -> Result<CheckTxResponse, Error> {
        let r = self
            .client
            .broadcast_tx_sync(tx)
            .await
            .map_err(Error::transport)?;
        Ok(CheckTxResponse {
            code: r.code.value(),
            codespace: r.codespace,
            log: r.log,
            hash: r.hash.to_string(),
        })
    }

    async fn tx(&self, hash: &str) -> Result<Option<TxOutcome>, Error> {
        let h = cosmrs::tendermint::Hash::from_str(hash)
            .map_err(|e| Error::Invalid(format!("transaction hash {hash}: {e}")))?;
        match self.client.tx(h, false).await {
            Ok(r) => {
                let res = r.tx_result;
                Ok(Some(TxOutcome {
                    hash: r.hash.to_string(),
                    height: r.height.value(),
                    code: res.code.value(),
                    codespace: res.codespace,
                    raw_log: res.log,
                    gas_wanted: to_u64("gas_wanted", res.gas_wanted)?,
                    gas_used: to_u64("gas_used", res.gas_used)?,
                    events: events(res.events),
                }))
            }
            Err(e) if is_tx_not_found(&e) => Ok(None),
            Err(e) => Err(Error::transport(e)),
        }
    }

    async fn status(&self) -> Result<NodeStatus, Error> {
        let s = self.client.status().await.map_err(Error::transport)?;
        Ok(NodeStatus {
            chain_id: s.node_info.network.to_string(),
            node_version: s.node_info.version.to_string(),
            latest_height: s.sync_info.latest_block_height.value(),
            latest_block_time: s.sync_info.latest_block_time.to_rfc3339(),
            latest_block_unix: s.sync_info.latest_block_time.unix_timestamp(),
            catching_up: s.sync_info.catching_up,
        })
    }
}
