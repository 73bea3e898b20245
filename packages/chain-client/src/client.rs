//! [`ChainClient`]: one node connection, its chain id and settings. Its queries are in
//! `query.rs`, simulation, broadcast and inclusion in `broadcast.rs`.

use std::sync::Arc;

use crate::config::ClientConfig;
use crate::error::Error;
use crate::rpc::{HttpRpc, Rpc};
use crate::types::NodeStatus;

/// A client of one wasmd node. Cheap to clone (clones share the connection).
///
/// Generic over its transport so that tests can run it against a fake chain; the default,
/// [`HttpRpc`], is CometBFT's HTTP RPC.
#[derive(Debug)]
pub struct ChainClient<R = HttpRpc> {
    pub(crate) rpc: Arc<R>,
    pub(crate) config: Arc<ClientConfig>,
    pub(crate) chain_id: Arc<str>,
}

impl<R> Clone for ChainClient<R> {
    fn clone(&self) -> Self {
        ChainClient {
            rpc: Arc::clone(&self.rpc),
            config: Arc::clone(&self.config),
            chain_id: Arc::clone(&self.chain_id),
        }
    }
}

impl ChainClient<HttpRpc> {
    /// Connects to `config.rpc_url` (CometBFT compatibility mode 0.38) and reads the node's
    /// status; fails if the node is unreachable or serves another chain than
    /// `config.chain_id`.
    pub async fn connect(config: ClientConfig) -> Result<Self, Error> {
        let rpc = HttpRpc::new(&config.rpc_url, config.request_timeout)?;
        Self::with_rpc(rpc, config).await
    }
}

impl<R: Rpc> ChainClient<R> {
    /// A client over `rpc`; reads the node's status to learn (or check) the chain id.
    pub async fn with_rpc(rpc: R, config: ClientConfig) -> Result<Self, Error> {
        let status = rpc.status().await?;
        if let Some(expected) = &config.chain_id {
            if *expected != status.chain_id {
                return Err(Error::ChainIdMismatch {
                    expected: expected.clone(),
                    actual: status.chain_id,
                });
            }
        }
        Ok(ChainClient {
            rpc: Arc::new(rpc),
            config: Arc::new(config),
            chain_id: status.chain_id.into(),
        })
    }

    /// The chain id transactions are signed for.
    pub fn chain_id(&self) -> &str {
        &self.chain_id
    }

    /// The settings.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The transport.
    pub fn rpc(&self) -> &R {
        &self.rpc
    }

    /// The node's status: chain id, node version, latest block height and time.
    pub async fn status(&self) -> Result<NodeStatus, Error> {
        self.rpc.status().await
    }

    /// The latest block height.
    pub async fn latest_height(&self) -> Result<u64, Error> {
        Ok(self.rpc.status().await?.latest_height)
    }
}
