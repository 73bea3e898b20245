//! The anchoring task: packs pending batches into `SubmitBatches` transactions and follows each
//! to its block.
//!
//! Rules (see docs/relayer.md, "Anchoring"):
//! - One transaction at a time, of at most `max_batches_per_tx` pending batches in ingest order.
//! - Before a transaction is broadcast its batches are recorded in flight with its hash and its
//!   timeout height (the last height that may include it). After a crash or a lost answer, the
//!   transaction is looked up: in a block → anchored (or refused); not in a block while the chain
//!   is past its timeout height (plus a margin for the node's indexer) → it can never land, its
//!   batches go back to the queue. Nothing is ever sent while a transaction may still land, so a
//!   range is never anchored twice (and the contract refuses overlaps anyway).
//! - A header the contract refuses (its errors name the header's index) is marked failed with
//!   the contract's message and the rest are sent again without it.
//! - Chain errors (unreachable, not admitted, fees) keep the queue and retry with exponential
//!   backoff.

mod chain;
mod refusal;
mod resolve;
mod status;
mod submit;
#[cfg(test)]
mod tests;
mod tuning;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::task::Pacing;
pub use crate::task::Step;

pub use chain::{AnchorChain, BeforeBroadcast, TxAnchorChain};
pub use refusal::{refusal_code, refused_index};
pub use status::{AnchoringHealth, AnchoringStatus};
pub use tuning::Tuning;

use crate::metrics::Metrics;
use crate::store::{AnchoringStore, StoreError};

/// How the anchoring task works.
///
/// `max_batches_per_tx` bounds a transaction; the task halves it when the chain refuses a
/// transaction as a whole (too much gas for a block, ...) and grows it back as transactions
/// land (see [`Tuning`]).
#[derive(Clone, Debug)]
pub struct AnchorSettings {
    /// Most batches per transaction (at most reading-anchors' `MAX_BATCHES_PER_SUBMIT`).
    pub max_batches_per_tx: usize,
    /// Blocks after the current height that may include a transaction.
    pub timeout_blocks: u64,
    /// Blocks past a transaction's timeout height before it is declared lost (the node's
    /// transaction index may trail its latest height).
    pub lost_margin_blocks: u64,
    /// How often to look for pending batches and for the block of a transaction.
    pub poll: Duration,
    /// How long a batch the chain judged "measured in the future" waits before it is tried
    /// again (the chain's clock moves on meanwhile).
    pub defer_for: Duration,
    /// First and longest wait after a chain error.
    pub backoff_min: Duration,
    pub backoff_max: Duration,
}

impl Default for AnchorSettings {
    fn default() -> Self {
        AnchorSettings {
            // ~22k gas per batch of a device's first anchoring: ~5.5M, well under the
            // local network's 10M block gas limit even after the 1.3 gas multiplier.
            max_batches_per_tx: 250,
            timeout_blocks: 20,
            lost_margin_blocks: 2,
            poll: Duration::from_millis(250),
            defer_for: Duration::from_secs(10),
            backoff_min: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
        }
    }
}

/// The anchoring task.
pub struct Anchorer<C> {
    pub chain: C,
    pub store: Arc<dyn AnchoringStore>,
    pub metrics: Arc<Metrics>,
    pub status: Arc<AnchoringStatus>,
    pub settings: AnchorSettings,
    pub tuning: Tuning,
}

/// A step's failure: the chain (retried with backoff) or the store.
#[derive(thiserror::Error, Debug)]
pub enum AnchorError {
    #[error(transparent)]
    Chain(#[from] diachain_chain_client::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the chain refused the submission as a whole: {0}")]
    Refused(String),
}

impl<C: AnchorChain> Anchorer<C> {
    /// Runs until `stop` turns true; a transaction in flight is left recorded and is resolved
    /// at the next start.
    pub async fn run(self, stop: watch::Receiver<bool>) {
        let pacing = Pacing {
            poll: self.settings.poll,
            backoff_min: self.settings.backoff_min,
            backoff_max: self.settings.backoff_max,
        };
        crate::task::run(pacing, stop, || self.step(), |e| self.on_error(e)).await;
    }

    fn on_error(&self, e: &AnchorError) {
        let kind = match e {
            AnchorError::Chain(c) if c.is_retryable() => "unreachable",
            AnchorError::Chain(_) => "refused",
            AnchorError::Refused(_) => "submission_refused",
            AnchorError::Store(_) => "store",
        };
        self.metrics.chain_error(kind);
        self.status.set_last_error(e.to_string());
        tracing::warn!(error = %e, kind, "anchoring: retrying after backoff");
    }

    /// One step: settle a transaction in flight if there is one, else send the next.
    pub async fn step(&self) -> Result<Step, AnchorError> {
        let in_flight = self.blocking(|s| s.claim_in_flight()).await?;
        if !in_flight.is_empty() {
            return self.resolve(in_flight).await;
        }
        let limit = self.tuning.limit(self.settings.max_batches_per_tx);
        let pending = self
            .blocking({
                let with_deferred = limit.saturating_add(self.tuning.deferred_count());
                move |s| s.claim_pending(with_deferred)
            })
            .await?;
        let pending: Vec<_> = pending
            .into_iter()
            .filter(|b| !self.tuning.is_deferred(b.id))
            .take(limit)
            .collect();
        if pending.is_empty() {
            self.status.set_idle();
            return Ok(Step::Idle);
        }
        self.send(pending).await
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn AnchoringStore) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, AnchorError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || f(store.as_ref()))
            .await
            .map_err(|_| StoreError::Closed)?
            .map_err(AnchorError::from)
    }

    fn refresh_pending_gauge(&self) {
        if let Ok(c) = self.store.counts() {
            self.metrics
                .batches_pending
                .set(i64::try_from(c.pending.saturating_add(c.in_flight)).unwrap_or(i64::MAX));
        }
    }
}
