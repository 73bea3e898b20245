//! What the recorder needs from the chain, as a trait so that its decisions are tested against
//! a scripted chain; [`TxRecordChain`] is the real one, over the chain client.

use super::msgs::RecordMsg;
use diachain_chain_client::{execute_msg, Error, Gas, Rpc, TxOutcome, TxSender};

use crate::anchor::BeforeBroadcast;
use crate::BoxFuture;

pub trait RecordChain: Send + Sync + 'static {
    /// The latest block height.
    fn latest_height(&self) -> BoxFuture<'_, Result<u64, Error>>;
    /// Simulates, signs and broadcasts `msgs` (to the consent or data-union contract) in one transaction that
    /// no block above `timeout_height` may include; its hash once CheckTx accepted it.
    fn submit<'a>(
        &'a self,
        msgs: Vec<RecordMsg>,
        timeout_height: u64,
        before_broadcast: BeforeBroadcast<'a>,
    ) -> BoxFuture<'a, Result<String, Error>>;
    /// The transaction if it is in a block.
    fn find_tx<'a>(&'a self, hash: &'a str) -> BoxFuture<'a, Result<Option<TxOutcome>, Error>>;
}

/// The relayer's account (shared with the anchoring task, so one sequence counter), the
/// consent contract and, when exports are on, the data-union contract.
pub struct TxRecordChain<R> {
    pub sender: std::sync::Arc<TxSender<R>>,
    pub consent_contract: String,
    pub union_contract: Option<String>,
}

impl<R: Rpc + 'static> RecordChain for TxRecordChain<R> {
    fn latest_height(&self) -> BoxFuture<'_, Result<u64, Error>> {
        Box::pin(self.sender.client().latest_height())
    }

    fn submit<'a>(
        &'a self,
        msgs: Vec<RecordMsg>,
        timeout_height: u64,
        before_broadcast: BeforeBroadcast<'a>,
    ) -> BoxFuture<'a, Result<String, Error>> {
        Box::pin(async move {
            let from = self.sender.address();
            let anys = msgs
                .iter()
                .map(|m| match m {
                    RecordMsg::Consent(m) => execute_msg(from, &self.consent_contract, m, vec![]),
                    RecordMsg::Union(m) => match &self.union_contract {
                        Some(union) => execute_msg(from, union, m, vec![]),
                        None => Err(Error::Contract {
                            message: "no data-union contract is configured \
                                      ([chain] union_contract): a manifest cannot be recorded"
                                .into(),
                            log: String::new(),
                            tx: None,
                        }),
                    },
                })
                .collect::<Result<Vec<_>, _>>()?;
            let signed = self
                .sender
                .submit_until(anys, "", Gas::Auto, timeout_height, |tx| {
                    before_broadcast(&tx.hash)
                })
                .await?;
            Ok(signed.hash)
        })
    }

    fn find_tx<'a>(&'a self, hash: &'a str) -> BoxFuture<'a, Result<Option<TxOutcome>, Error>> {
        Box::pin(self.sender.client().find_tx(hash))
    }
}
