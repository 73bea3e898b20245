//! [`TxSender`]: one signing account that keeps its own sequence counter, and the submission
//! loop — simulate, sign, broadcast, resynchronise or retry, wait for the block.
//!
//! Rules (see docs/chain-client.md):
//! - The sequence is read from the chain once (first use, or after [`TxSender::forget_sequence`])
//!   and then counted locally: +1 for every transaction CheckTx accepts, whatever happens to it
//!   in its block (a transaction that fails in its block still uses its sequence).
//! - "account sequence mismatch" (code 32, from CheckTx or the simulation) resynchronises: to the
//!   sequence the node says it expects, or else to the account as queried; then the transaction
//!   is signed again, at most `max_sequence_retries` times per submission.
//! - "signature verification failed; please verify account number (0)" (code 4 right after a
//!   node restart) waits `poll_interval` and broadcasts again, at most `max_not_ready_retries`
//!   times.
//! - Anything else ends the submission with its error; nothing was added to the mempool, so the
//!   counter stays.

use serde::Serialize;
use tokio::sync::Mutex;

use crate::broadcast::outcome_result;
use crate::client::ChainClient;
use crate::error::Error;
use crate::rpc::{HttpRpc, Rpc};
use crate::signer::Signer;
use crate::tx::{coin, execute_msg, sign_tx, SignParams, SignedTx};
use crate::types::{AccountInfo, TxOutcome};
use cosmrs::Any;

/// How a transaction's gas limit is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gas {
    /// Simulate, then use the simulated gas × the configured multiplier. A message the contract
    /// refuses fails in the simulation: nothing is broadcast.
    Auto,
    /// This limit, without simulation. A message the contract refuses fails in its block, is
    /// charged and uses its sequence.
    Fixed(u64),
}

/// A signing account on one chain, with its locally tracked sequence.
///
/// Submissions through one `TxSender` are serialised (they share the sequence); use one
/// `TxSender` per key, never two for the same key.
#[derive(Debug)]
pub struct TxSender<R = HttpRpc> {
    client: ChainClient<R>,
    signer: Signer,
    account: Mutex<Option<AccountInfo>>,
}

impl<R: Rpc> TxSender<R> {
    /// A sender for `signer`'s account through `client`. Reads nothing until first used.
    pub fn new(client: ChainClient<R>, signer: Signer) -> Self {
        TxSender {
            client,
            signer,
            account: Mutex::new(None),
        }
    }

    /// The account's address.
    pub fn address(&self) -> &str {
        self.signer.address()
    }

    /// The signing key.
    pub fn signer(&self) -> &Signer {
        &self.signer
    }

    /// The client.
    pub fn client(&self) -> &ChainClient<R> {
        &self.client
    }

    /// The sequence the next transaction will carry, as counted locally (`None` before the
    /// account was read).
    pub async fn sequence(&self) -> Option<u64> {
        self.account.lock().await.map(|a| a.sequence)
    }

    /// Overrides the local counter (the account is read first if it was not yet). For operators
    /// and tests; a wrong value is corrected by the next submission's resynchronisation.
    pub async fn set_sequence(&self, sequence: u64) -> Result<(), Error> {
        let mut state = self.account.lock().await;
        let mut acct = match *state {
            Some(a) => a,
            None => self.client.account(self.signer.address()).await?,
        };
        acct.sequence = sequence;
        *state = Some(acct);
        Ok(())
    }

    /// Forgets the counter: the next submission reads the account from the chain.
    pub async fn forget_sequence(&self) {
        *self.account.lock().await = None;
    }

    /// Reads the account from the chain now and resets the counter to its committed sequence.
    pub async fn resync(&self) -> Result<AccountInfo, Error> {
        let acct = self.client.account(self.signer.address()).await?;
        *self.account.lock().await = Some(acct);
        Ok(acct)
    }

    /// Executes `msg` on `contract` (with `funds` in the fee denom, 0 for none) in one
    /// transaction with simulated gas, and waits for its block.
    pub async fn execute<M: Serialize + ?Sized>(
        &self,
        contract: &str,
        msg: &M,
        funds: u128,
    ) -> Result<TxOutcome, Error> {
        let funds = if funds == 0 {
            vec![]
        } else {
            vec![coin(funds, &self.client.config.gas_price.denom)?]
        };
        let any = execute_msg(self.address(), contract, msg, funds)?;
        self.send(vec![any], "", Gas::Auto).await
    }

    /// Signs `msgs` into one transaction, broadcasts it and waits for its block.
    ///
    /// `Ok` only for a transaction that succeeded in its block. A failure in the block is
    /// [`Error::Contract`] (the contract's message and the transaction) or [`Error::TxFailed`];
    /// no block within the timeout is [`Error::Timeout`].
    pub async fn send(&self, msgs: Vec<Any>, memo: &str, gas: Gas) -> Result<TxOutcome, Error> {
        let signed = self.submit(msgs, memo, gas, |_| Ok(())).await?;
        let tx = self.client.wait_for_tx(&signed.hash).await?;
        outcome_result(tx)
    }

    /// Signs `msgs` into one transaction and broadcasts it until CheckTx accepts it, resyncing
    /// the sequence and retrying as the module docs say; does not wait for the block (use
    /// [`ChainClient::wait_for_tx`]).
    ///
    /// `before_broadcast` sees every signed transaction just before it is broadcast (a retry
    /// is signed again and has another hash): record it durably there to find it after a crash.
    /// An `Err` from it aborts the submission with [`Error::Aborted`].
    pub async fn submit<F>(
        &self,
        msgs: Vec<Any>,
        memo: &str,
        gas: Gas,
        before_broadcast: F,
    ) -> Result<SignedTx, Error>
    where
        F: FnMut(&SignedTx) -> Result<(), String> + Send,
    {
        self.submit_until(msgs, memo, gas, 0, before_broadcast)
            .await
    }

    /// [`TxSender::submit`] for a transaction that only blocks up to `timeout_height` may include
    /// (0: no limit). After a crash, a transaction that is not in a block once the chain is past
    /// its timeout height can never land: its messages may be sent again.
    pub async fn submit_until<F>(
        &self,
        msgs: Vec<Any>,
        memo: &str,
        gas: Gas,
        timeout_height: u64,
        mut before_broadcast: F,
    ) -> Result<SignedTx, Error>
    where
        F: FnMut(&SignedTx) -> Result<(), String> + Send,
    {
        let cfg = &self.client.config;
        let mut state = self.account.lock().await;
        let (mut seq_retries, mut not_ready_retries) = (0u32, 0u32);
        loop {
            let acct = match *state {
                Some(a) => a,
                None => {
                    let a = self.client.account(self.signer.address()).await?;
                    *state = Some(a);
                    a
                }
            };
            let attempt = async {
                let gas_limit = match gas {
                    Gas::Fixed(g) => g,
                    Gas::Auto => {
                        // A fee of 1 so that the simulation charges the fee transfer like
                        // the real transaction (a zero fee skips it: ~18,000 gas less).
                        let probe = self.sign(&msgs, memo, acct, (0, 1), timeout_height)?;
                        cfg.gas_limit(self.client.simulate(&probe.bytes).await?.gas_used)
                    }
                };
                let fee = cfg.gas_price.fee_amount(gas_limit);
                let signed = self.sign(&msgs, memo, acct, (gas_limit, fee), timeout_height)?;
                before_broadcast(&signed).map_err(Error::Aborted)?;
                self.client.broadcast(&signed).await?;
                Ok(signed)
            };
            match attempt.await {
                Ok(signed) => {
                    *state = Some(AccountInfo {
                        sequence: acct.sequence + 1,
                        ..acct
                    });
                    return Ok(signed);
                }
                Err(Error::SequenceMismatch { expected, log })
                    if seq_retries < cfg.max_sequence_retries =>
                {
                    seq_retries += 1;
                    tracing::info!(address = self.address(), local = acct.sequence, ?expected, %log,
                        "account sequence mismatch: resynchronising");
                    *state = match expected {
                        Some(sequence) => Some(AccountInfo { sequence, ..acct }),
                        None => Some(self.client.account(self.signer.address()).await?),
                    };
                }
                Err(Error::NodeNotReady { log })
                    if not_ready_retries < cfg.max_not_ready_retries =>
                {
                    not_ready_retries += 1;
                    tracing::info!(%log, "node not ready (account number 0 after a restart): retrying");
                    tokio::time::sleep(cfg.poll_interval).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn sign(
        &self,
        msgs: &[Any],
        memo: &str,
        acct: AccountInfo,
        (gas_limit, fee_amount): (u64, u128),
        timeout_height: u64,
    ) -> Result<SignedTx, Error> {
        sign_tx(
            &self.signer,
            msgs,
            &SignParams {
                chain_id: self.client.chain_id(),
                account_number: acct.account_number,
                sequence: acct.sequence,
                gas_limit,
                fee_amount,
                fee_denom: &self.client.config.gas_price.denom,
                memo,
                timeout_height,
            },
        )
    }
}
