//! What the anchoring task needs from the chain, as a trait so that its decisions (what to
//! mark anchored, failed, requeued or still in flight) are tested against a scripted chain;
//! [`TxAnchorChain`] is the real one, over the chain client.

use cosmwasm_std::Binary;
use diachain_chain_client::{execute_msg, Error, Gas, Rpc, TxOutcome, TxSender};
use diachain_std::anchors::{BatchInfo, ExecuteMsg};

use crate::BoxFuture;

/// Called with each signed transaction's hash just before it is broadcast; an `Err` aborts.
pub type BeforeBroadcast<'a> = &'a mut (dyn FnMut(&str) -> Result<(), String> + Send);

pub trait AnchorChain: Send + Sync + 'static {
    /// The latest block height.
    fn latest_height(&self) -> BoxFuture<'_, Result<u64, Error>>;
    /// Simulates, signs and broadcasts one `SubmitBatches { batches: payload }` that no block
    /// above `timeout_height` may include; returns its hash once CheckTx accepted it.
    fn submit<'a>(
        &'a self,
        payload: Binary,
        timeout_height: u64,
        before_broadcast: BeforeBroadcast<'a>,
    ) -> BoxFuture<'a, Result<String, Error>>;
    /// The transaction if it is in a block.
    fn find_tx<'a>(&'a self, hash: &'a str) -> BoxFuture<'a, Result<Option<TxOutcome>, Error>>;
    /// The batch of `device_id` anchored on chain that holds `seq`, if any.
    fn anchored_batch<'a>(
        &'a self,
        device_id: &'a str,
        seq: u64,
    ) -> BoxFuture<'a, Result<Option<BatchInfo>, Error>>;
}

/// The real chain: the relayer's account ([`TxSender`]) and the reading-anchors contract.
pub struct TxAnchorChain<R> {
    pub sender: std::sync::Arc<TxSender<R>>,
    pub anchors_contract: String,
}

impl<R: Rpc + 'static> AnchorChain for TxAnchorChain<R> {
    fn latest_height(&self) -> BoxFuture<'_, Result<u64, Error>> {
        Box::pin(self.sender.client().latest_height())
    }

    fn submit<'a>(
        &'a self,
        payload: Binary,
        timeout_height: u64,
        before_broadcast: BeforeBroadcast<'a>,
    ) -> BoxFuture<'a, Result<String, Error>> {
        Box::pin(async move {
            let msg = ExecuteMsg::SubmitBatches { batches: payload };
            let any = execute_msg(self.sender.address(), &self.anchors_contract, &msg, vec![])?;
            let signed = self
                .sender
                .submit_until(vec![any], "", Gas::Auto, timeout_height, |tx| {
                    before_broadcast(&tx.hash)
                })
                .await?;
            Ok(signed.hash)
        })
    }

    fn find_tx<'a>(&'a self, hash: &'a str) -> BoxFuture<'a, Result<Option<TxOutcome>, Error>> {
        Box::pin(self.sender.client().find_tx(hash))
    }

    fn anchored_batch<'a>(
        &'a self,
        device_id: &'a str,
        seq: u64,
    ) -> BoxFuture<'a, Result<Option<BatchInfo>, Error>> {
        Box::pin(crate::chain::anchored_batch(
            self.sender.client(),
            &self.anchors_contract,
            device_id,
            seq,
        ))
    }
}
