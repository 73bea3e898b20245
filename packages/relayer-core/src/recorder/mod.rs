//! The recorder: sends the outbox (accesses served, erasures done) to the consent contract as
//! the custodian, one transaction at a time, and follows each to its block.
//!
//! The same discipline as anchoring keeps every record exactly once: items are marked in flight
//! with the transaction's hash and timeout height before it is broadcast; after a restart (or a
//! lost answer) the hash is looked up; only once the chain is past the timeout height without it
//! do they go back to the queue. A transaction the contract refuses is split: each of its items
//! is sent alone, and one refused alone is marked failed with the contract's message (a record
//! the contract will never take, such as an access by a grant that never allowed it).

mod chain;
mod msgs;
#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use diachain_chain_client::{outcome_result, Error as ChainError, TxOutcome};
use tokio::sync::watch;

use crate::task::Pacing;
pub use crate::task::Step;

pub use chain::{RecordChain, TxRecordChain};
pub use msgs::{to_execute_msgs, RecordMsg};

use crate::metrics::Metrics;
use crate::store::{OutboxId, OutboxItem, OutboxState, OutboxStore, StoreError};

#[derive(Clone, Debug)]
pub struct RecorderSettings {
    /// Most items in one transaction.
    pub max_items_per_tx: usize,
    pub timeout_blocks: u64,
    pub lost_margin_blocks: u64,
    pub poll: Duration,
    pub backoff_min: Duration,
    pub backoff_max: Duration,
}

impl Default for RecorderSettings {
    fn default() -> Self {
        RecorderSettings {
            max_items_per_tx: 100,
            timeout_blocks: 20,
            lost_margin_blocks: 2,
            poll: Duration::from_millis(250),
            backoff_min: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
        }
    }
}

#[derive(thiserror::Error, Debug)]
pub enum RecordError {
    #[error(transparent)]
    Chain(#[from] ChainError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct Recorder<C> {
    pub chain: C,
    pub store: Arc<dyn OutboxStore>,
    pub metrics: Arc<Metrics>,
    pub settings: RecorderSettings,
    /// Items of a refused transaction, to be sent alone.
    solo: Mutex<HashSet<OutboxId>>,
}

impl<C: RecordChain> Recorder<C> {
    pub fn new(
        chain: C,
        store: Arc<dyn OutboxStore>,
        metrics: Arc<Metrics>,
        settings: RecorderSettings,
    ) -> Self {
        Recorder {
            chain,
            store,
            metrics,
            settings,
            solo: Mutex::default(),
        }
    }

    /// Runs until `stop` turns true.
    pub async fn run(self, stop: watch::Receiver<bool>) {
        let pacing = Pacing {
            poll: self.settings.poll,
            backoff_min: self.settings.backoff_min,
            backoff_max: self.settings.backoff_max,
        };
        crate::task::run(pacing, stop, || self.step(), |e| self.on_error(e)).await;
    }

    fn on_error(&self, e: &RecordError) {
        let kind = match e {
            RecordError::Chain(c) if c.is_retryable() => "unreachable",
            RecordError::Chain(_) => "refused",
            RecordError::Store(_) => "store",
        };
        self.metrics.chain_error(kind);
        tracing::warn!(error = %e, kind, "recording accesses: retrying after backoff");
    }

    /// Settles what is in flight, or sends the next transaction.
    pub async fn step(&self) -> Result<Step, RecordError> {
        let in_flight = self.blocking(|s| s.claim_outbox(true, usize::MAX)).await?;
        if !in_flight.is_empty() {
            return self.resolve(in_flight).await;
        }
        let limit = self.settings.max_items_per_tx.max(1);
        let queued = self.blocking(move |s| s.claim_outbox(false, limit)).await?;
        self.refresh_gauge();
        let Some(first) = queued.first() else {
            return Ok(Step::Idle);
        };
        let batch: Vec<OutboxItem> = if self.is_solo(first.id) {
            vec![first.clone()]
        } else {
            queued.into_iter().filter(|i| !self.is_solo(i.id)).collect()
        };
        self.send(batch).await
    }

    fn is_solo(&self, id: OutboxId) -> bool {
        self.solo
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(&id)
    }

    async fn send(&self, items: Vec<OutboxItem>) -> Result<Step, RecordError> {
        let ids: Vec<OutboxId> = items.iter().map(|i| i.id).collect();
        let msgs = to_execute_msgs(&items);
        let timeout_height = self
            .chain
            .latest_height()
            .await?
            .saturating_add(self.settings.timeout_blocks);
        let mut hook = {
            let (store, ids) = (self.store.clone(), ids.clone());
            move |hash: &str| -> Result<(), String> {
                let state = OutboxState::InFlight {
                    tx_hash: hash.to_string(),
                    timeout_height,
                };
                store
                    .set_outbox_state(&ids, &state)
                    .map_err(|e| format!("cannot record the transaction in flight: {e}"))
            }
        };
        match self.chain.submit(msgs, timeout_height, &mut hook).await {
            Ok(hash) => {
                tracing::info!(tx = %hash, items = ids.len(), "recording accesses: broadcast");
                Ok(Step::Progress)
            }
            Err(ChainError::Contract { message, .. }) => {
                // Refused in simulation or CheckTx: nothing was broadcast (or it can never
                // land); the items are still queued or recorded in flight with a dead hash.
                self.refused(&ids, &message).await?;
                Ok(Step::Progress)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Items the contract refused together: each goes alone next; one refused alone fails.
    async fn refused(&self, ids: &[OutboxId], message: &str) -> Result<(), RecordError> {
        if let [id] = ids {
            let state = OutboxState::Failed {
                reason: message.to_string(),
            };
            let id = *id;
            self.blocking(move |s| s.set_outbox_state(&[id], &state))
                .await?;
            self.metrics.outbox_failed.inc();
            tracing::warn!(
                item = id,
                reason = message,
                "recording: the contract refused an item"
            );
            return Ok(());
        }
        self.solo
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(ids.iter().copied());
        let ids = ids.to_vec();
        self.blocking(move |s| s.set_outbox_state(&ids, &OutboxState::Queued))
            .await?;
        Ok(())
    }

    async fn resolve(&self, in_flight: Vec<OutboxItem>) -> Result<Step, RecordError> {
        let mut step = Step::Progress;
        let mut txs: Vec<(String, u64, Vec<OutboxId>)> = Vec::new();
        for item in in_flight {
            if let OutboxState::InFlight {
                tx_hash,
                timeout_height,
            } = item.state
            {
                match txs.iter_mut().find(|t| t.0 == tx_hash) {
                    Some(t) => t.2.push(item.id),
                    None => txs.push((tx_hash, timeout_height, vec![item.id])),
                }
            }
        }
        for (hash, timeout_height, ids) in txs {
            // The height first: past the timeout before the lookup means every block that could
            // hold it was committed before we looked.
            let height = self.chain.latest_height().await?;
            if let Some(found) = self.chain.find_tx(&hash).await? {
                self.settle(&ids, found).await?;
                continue;
            }
            let lost_after = timeout_height.saturating_add(self.settings.lost_margin_blocks);
            if height > lost_after {
                tracing::info!(tx = %hash, "recording: transaction never landed; requeued");
                self.blocking(move |s| s.set_outbox_state(&ids, &OutboxState::Queued))
                    .await?;
            } else {
                step = Step::Waiting;
            }
        }
        Ok(step)
    }

    async fn settle(&self, ids: &[OutboxId], tx: TxOutcome) -> Result<(), RecordError> {
        match outcome_result(tx) {
            Ok(tx) => {
                let state = OutboxState::Recorded {
                    tx_hash: tx.hash.clone(),
                    height: tx.height,
                };
                let owned = ids.to_vec();
                self.blocking(move |s| s.set_outbox_state(&owned, &state))
                    .await?;
                self.metrics.outbox_recorded.inc_by(ids.len() as u64);
                tracing::info!(tx = %tx.hash, height = tx.height, items = ids.len(), "recorded on chain");
                Ok(())
            }
            Err(ChainError::Contract { message, .. }) => self.refused(ids, &message).await,
            // Out of gas or another failure that is not the contract's verdict: try again.
            Err(e) => {
                tracing::warn!(error = %e, "recording: transaction failed; requeued");
                let owned = ids.to_vec();
                self.blocking(move |s| s.set_outbox_state(&owned, &OutboxState::Queued))
                    .await?;
                Ok(())
            }
        }
    }

    fn refresh_gauge(&self) {
        if let Ok((queued, in_flight)) = self.store.outbox_counts() {
            self.metrics
                .outbox_pending
                .set(i64::try_from(queued.saturating_add(in_flight)).unwrap_or(i64::MAX));
        }
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn OutboxStore) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, RecordError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || f(store.as_ref()))
            .await
            .map_err(|_| StoreError::Closed)?
            .map_err(RecordError::from)
    }
}
