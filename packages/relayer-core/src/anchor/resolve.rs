//! Settling transactions recorded in flight: in a block, lost, or still to be waited for.

use diachain_chain_client::{contract_message, TxOutcome};

use super::{refusal, AnchorChain, AnchorError, Anchorer, Step};
use crate::store::{AnchorState, BatchId, StoredBatch};

/// The batches of one transaction in flight.
struct InFlightTx {
    hash: String,
    timeout_height: u64,
    batches: Vec<StoredBatch>,
}

fn group(batches: Vec<StoredBatch>) -> Vec<InFlightTx> {
    let mut txs: Vec<InFlightTx> = Vec::new();
    for b in batches {
        let AnchorState::InFlight {
            tx_hash,
            timeout_height,
        } = &b.state
        else {
            continue;
        };
        match txs.iter_mut().find(|t| &t.hash == tx_hash) {
            Some(t) => t.batches.push(b),
            None => txs.push(InFlightTx {
                hash: tx_hash.clone(),
                timeout_height: *timeout_height,
                batches: vec![b],
            }),
        }
    }
    txs
}

impl<C: AnchorChain> Anchorer<C> {
    /// Settles every transaction in flight it can; `Waiting` while one may still land.
    pub(super) async fn resolve(&self, in_flight: Vec<StoredBatch>) -> Result<Step, AnchorError> {
        let mut step = Step::Progress;
        for tx in group(in_flight) {
            if self.resolve_tx(tx).await? == Step::Waiting {
                step = Step::Waiting;
            }
        }
        Ok(step)
    }

    async fn resolve_tx(&self, tx: InFlightTx) -> Result<Step, AnchorError> {
        // The height first: if the chain was already past the timeout before the lookup, every
        // block that could hold the transaction was committed before we looked.
        let height = self.chain.latest_height().await?;
        if let Some(found) = self.chain.find_tx(&tx.hash).await? {
            self.settle_in_block(&tx, found).await?;
            return Ok(Step::Progress);
        }
        let lost_after = tx
            .timeout_height
            .saturating_add(self.settings.lost_margin_blocks);
        if tx.timeout_height != 0 && height > lost_after {
            tracing::warn!(tx = %tx.hash, timeout_height = tx.timeout_height, height,
                "anchoring: transaction not found past its timeout height");
            // A lagging transaction index could hide a transaction that landed: the contract's
            // own records decide, batch by batch.
            let mut lost = Vec::new();
            for b in &tx.batches {
                if !self.anchored_on_chain(b.id).await? {
                    lost.push(b.id);
                }
            }
            self.blocking(move |s| s.requeue(&lost)).await?;
            self.status.set_idle();
            return Ok(Step::Progress);
        }
        self.status.set_in_flight(&tx.hash);
        Ok(Step::Waiting)
    }

    async fn settle_in_block(&self, tx: &InFlightTx, found: TxOutcome) -> Result<(), AnchorError> {
        let ids = ids(&tx.batches);
        if found.is_ok() {
            let (hash, height) = (found.hash.clone(), found.height);
            {
                let ids = ids.clone();
                self.blocking(move |s| s.mark_anchored(&ids, &hash, height))
                    .await?;
            }
            self.on_anchored(&tx.batches, &found);
            return Ok(());
        }
        // It failed in its block (the state moved between simulation and execution): nothing
        // of it was written. Fail the header the contract names, requeue the rest.
        let message = contract_message(&found.codespace, found.code, &found.raw_log);
        let refused = message
            .as_deref()
            .and_then(refusal::refused_index)
            .and_then(|i| ids.get(i).copied());
        let rest: Vec<BatchId> = ids
            .iter()
            .copied()
            .filter(|id| Some(*id) != refused)
            .collect();
        self.blocking(move |s| s.requeue(&rest)).await?;
        if let (Some(id), Some(message)) = (refused, message.as_deref()) {
            self.fail(id, message).await?;
        } else {
            tracing::warn!(tx = %found.hash, code = found.code, log = %found.raw_log,
                "anchoring: transaction failed in its block; batches requeued");
        }
        self.status.set_idle();
        Ok(())
    }

    fn on_anchored(&self, batches: &[StoredBatch], tx: &TxOutcome) {
        let now_ms = crate::clock::now_ms();
        for b in batches {
            self.metrics.batches_anchored.inc();
            let received_ms = match b.received_at_ms {
                0 => b.received_at.saturating_mul(1000),
                ms => ms,
            };
            let seconds = now_ms.saturating_sub(received_ms) as f64 / 1000.0;
            self.metrics.ingest_to_anchor.observe(seconds);
        }
        self.status
            .record_anchored(batches.len(), &tx.hash, tx.height);
        self.tuning.grow(self.settings.max_batches_per_tx);
        self.refresh_pending_gauge();
        tracing::info!(tx = %tx.hash, height = tx.height, batches = batches.len(), "anchoring: anchored");
    }
}

fn ids(batches: &[StoredBatch]) -> Vec<BatchId> {
    batches.iter().map(|b| b.id).collect()
}
