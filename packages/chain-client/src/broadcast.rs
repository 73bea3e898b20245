//! Simulation, broadcast and inclusion of signed transactions, and lookup by hash. These are the
//! single steps; `TxSender` (sender.rs) combines them with the account sequence.

use std::time::Instant;

use cosmrs::proto::cosmos::tx::v1beta1::{SimulateRequest, SimulateResponse};
use cosmrs::proto::prost::Message;

use crate::client::ChainClient;
use crate::error::{classify, classify_simulation, contract_message, Error};
use crate::rpc::Rpc;
use crate::tx::SignedTx;
use crate::types::TxOutcome;

/// gRPC path of the tx service's simulation.
pub const SIMULATE_PATH: &str = "/cosmos.tx.v1beta1.Service/Simulate";

/// Gas a simulation reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GasEstimate {
    /// Gas the transaction consumed in the simulation.
    pub gas_used: u64,
}

impl<R: Rpc> ChainClient<R> {
    /// Simulates the signed transaction `tx_bytes` on the latest state. A refusal is classified
    /// ([`Error::SequenceMismatch`], [`Error::Contract`] or [`Error::Rejected`]).
    pub async fn simulate(&self, tx_bytes: &[u8]) -> Result<GasEstimate, Error> {
        let req = SimulateRequest {
            tx_bytes: tx_bytes.to_vec(),
            ..Default::default()
        };
        let r = self
            .rpc
            .abci_query(SIMULATE_PATH, req.encode_to_vec())
            .await?;
        if r.code != 0 {
            return Err(classify_simulation(&r.codespace, r.code, &r.log));
        }
        let resp = SimulateResponse::decode(r.value.as_slice())
            .map_err(|e| Error::decode("simulation", e))?;
        let gas = resp
            .gas_info
            .ok_or_else(|| Error::decode("simulation", "no gas info"))?;
        Ok(GasEstimate {
            gas_used: gas.gas_used,
        })
    }

    /// Broadcasts `tx` (`broadcast_tx_sync`) and returns its hash once CheckTx accepted it.
    ///
    /// A refusal is classified (see [`classify`]); a transport failure is
    /// [`Error::Transport`] carrying the transaction's hash, since it may have reached the node.
    pub async fn broadcast(&self, tx: &SignedTx) -> Result<String, Error> {
        let r = match self.rpc.broadcast_tx_sync(tx.bytes.clone()).await {
            Ok(r) => r,
            Err(Error::Transport { reason, .. }) => {
                return Err(Error::Transport {
                    reason,
                    tx_hash: Some(tx.hash.clone()),
                })
            }
            Err(e) => return Err(e),
        };
        if r.code != 0 {
            return Err(classify(&r.codespace, r.code, &r.log));
        }
        Ok(tx.hash.clone())
    }

    /// The transaction with hash `hash` (hex) if the node has it in a block; `None` if it does
    /// not know it (still in the mempool, dropped, or never sent). For a relayer that crashed
    /// with a transaction in flight: `Some` means it landed (check its code), `None` after the
    /// mempool had time to include it means it did not.
    pub async fn find_tx(&self, hash: &str) -> Result<Option<TxOutcome>, Error> {
        self.rpc.tx(&hash.to_ascii_uppercase()).await
    }

    /// Waits until the transaction `hash` is in a block (polling every `poll_interval`, for at
    /// most `inclusion_timeout`) and returns it as it was executed, whether it succeeded or not.
    /// Transport errors while polling are tolerated until the timeout, which is
    /// [`Error::Timeout`].
    pub async fn wait_for_tx(&self, hash: &str) -> Result<TxOutcome, Error> {
        let start = Instant::now();
        loop {
            match self.find_tx(hash).await {
                Ok(Some(tx)) => return Ok(tx),
                Ok(None) => {}
                Err(e @ Error::Invalid(_)) => return Err(e),
                Err(e) => tracing::debug!(hash, error = %e, "looking up a transaction"),
            }
            if start.elapsed() >= self.config.inclusion_timeout {
                return Err(Error::Timeout {
                    tx_hash: hash.to_string(),
                    waited: start.elapsed(),
                });
            }
            tokio::time::sleep(self.config.poll_interval).await;
        }
    }
}

/// `Ok` for a successful transaction; a failed one becomes [`Error::Contract`] (with the
/// contract's message) or [`Error::TxFailed`].
pub fn outcome_result(tx: TxOutcome) -> Result<TxOutcome, Error> {
    if tx.is_ok() {
        return Ok(tx);
    }
    match contract_message(&tx.codespace, tx.code, &tx.raw_log) {
        Some(message) => Err(Error::Contract {
            message,
            log: tx.raw_log.clone(),
            tx: Some(Box::new(tx)),
        }),
        None => Err(Error::TxFailed { tx: Box::new(tx) }),
    }
}
