//! Sending one `SubmitBatches` transaction for pending batches.

use std::sync::{Arc, Mutex, PoisonError};

use cosmwasm_std::Binary;
use diachain_chain_client::Error as ChainError;
use diachain_std::anchors::encode_submission;

use diachain_relayer_types::status::AnchorRefusal;

use super::{refusal, AnchorChain, AnchorError, Anchorer, Step};
use crate::store::{AnchorState, BatchId, StoredBatch};

/// The hash the batches are recorded in flight with, once the hook ran.
type Recorded = Arc<Mutex<Option<String>>>;

impl<C: AnchorChain> Anchorer<C> {
    /// Sends `pending` in one transaction, records it in flight just before the broadcast and
    /// follows it to its block.
    pub(super) async fn send(&self, pending: Vec<StoredBatch>) -> Result<Step, AnchorError> {
        let ids: Vec<BatchId> = pending.iter().map(|b| b.id).collect();
        let signed: Vec<_> = pending
            .iter()
            .map(|b| (b.header.clone(), b.signature.clone()))
            .collect();
        let payload = encode_submission(&signed)
            .map_err(|e| AnchorError::Refused(format!("cannot encode the submission: {e}")))?;
        let timeout_height = self
            .chain
            .latest_height()
            .await?
            .saturating_add(self.settings.timeout_blocks);

        let recorded: Recorded = Arc::default();
        let mut hook = {
            let (store, ids, recorded) = (self.store.clone(), ids.clone(), recorded.clone());
            move |hash: &str| -> Result<(), String> {
                let mut slot = recorded.lock().unwrap_or_else(PoisonError::into_inner);
                let written = match slot.as_deref() {
                    None => store.mark_in_flight(&ids, hash, timeout_height),
                    Some(old) => store.replace_in_flight(&ids, old, hash, timeout_height),
                };
                written.map_err(|e| format!("cannot record the transaction in flight: {e}"))?;
                *slot = Some(hash.to_string());
                Ok(())
            }
        };
        let sent = self
            .chain
            .submit(Binary::new(payload), timeout_height, &mut hook)
            .await;
        let recorded_hash = recorded
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        match sent {
            Ok(hash) => {
                tracing::info!(tx = %hash, batches = ids.len(), timeout_height, "anchoring: broadcast");
                self.status.set_in_flight(&hash);
                // Follow it now; `resolve` also handles it after a restart.
                let in_flight = self.blocking(|s| s.claim_in_flight()).await?;
                self.resolve(in_flight).await
            }
            Err(e) => self.on_send_error(e, &ids, recorded_hash).await,
        }
    }

    async fn on_send_error(
        &self,
        e: ChainError,
        ids: &[BatchId],
        recorded: Option<String>,
    ) -> Result<Step, AnchorError> {
        // The broadcast itself may have reached the node: leave the batches in flight and
        // settle them by looking the transaction up.
        let maybe_sent = matches!(
            &e,
            ChainError::Transport {
                tx_hash: Some(_),
                ..
            }
        ) || matches!(&e, ChainError::Timeout { .. });
        if maybe_sent && recorded.is_some() {
            return Err(e.into());
        }
        // Anything else was refused before reaching a mempool (simulation or CheckTx).
        if recorded.is_some() {
            let ids = ids.to_vec();
            self.blocking(move |s| s.requeue(&ids)).await?;
        }
        if let ChainError::Contract { message, .. } = &e {
            if let Some(id) = refusal::refused_index(message).and_then(|i| ids.get(i)) {
                self.on_refused_header(*id, message).await?;
                return Ok(Step::Progress);
            }
            self.tuning.shrink(ids.len());
            return Err(AnchorError::Refused(message.clone()));
        }
        if matches!(e, ChainError::Rejected { .. }) {
            // CheckTx refused the whole transaction (e.g. its gas exceeds a block's).
            self.tuning.shrink(ids.len());
        }
        Err(e.into())
    }

    /// The contract refused header `id` of a submission.
    async fn on_refused_header(&self, id: BatchId, message: &str) -> Result<(), AnchorError> {
        match refusal::refusal_code(message) {
            // Judged against the last block's time: acceptable once the chain's clock moves on.
            AnchorRefusal::FutureReading => {
                tracing::info!(
                    batch = id,
                    "anchoring: measured after the last block; deferred"
                );
                self.tuning.defer(id, self.settings.defer_for);
                Ok(())
            }
            // Already anchored (by a transaction this relayer lost track of)?
            AnchorRefusal::Overlap if self.anchored_on_chain(id).await? => Ok(()),
            _ => self.fail(id, message).await,
        }
    }

    /// Whether batch `id` is anchored on chain with its very root; if so it is marked anchored
    /// (with the height the chain recorded and the transaction it was last in flight in, if
    /// known).
    pub(super) async fn anchored_on_chain(&self, id: BatchId) -> Result<bool, AnchorError> {
        let Some(b) = self.blocking(move |s| s.batch(id)).await? else {
            return Ok(false);
        };
        let h = &b.header;
        let Some(info) = self.chain.anchored_batch(&h.device_id, h.first_seq).await? else {
            return Ok(false);
        };
        let same =
            info.first_seq == h.first_seq && info.last_seq == h.last_seq && info.root == h.root;
        if !same {
            return Ok(false);
        }
        let tx_hash = match &b.state {
            AnchorState::InFlight { tx_hash, .. } => tx_hash.clone(),
            _ => String::new(),
        };
        let height = info.anchored_height;
        self.blocking(move |s| s.mark_anchored(&[id], &tx_hash, height))
            .await?;
        self.metrics.batches_anchored.inc();
        tracing::info!(batch = id, height, "anchoring: found anchored on chain");
        Ok(true)
    }

    /// Marks batch `id` failed with the contract's `message`.
    pub(super) async fn fail(&self, id: BatchId, message: &str) -> Result<(), AnchorError> {
        let reason = message.to_string();
        let batch = self
            .blocking(move |s| {
                s.mark_failed(id, &reason)?;
                s.batch(id)
            })
            .await?;
        let code = refusal::refusal_code(message);
        self.metrics.failed(code.as_str());
        if let Some(b) = batch {
            tracing::warn!(batch = id, device = %b.header.device_id, first_seq = b.header.first_seq,
                last_seq = b.header.last_seq, code = code.as_str(), reason = message, "anchoring: the chain refused a batch");
            self.status.record_failure(&b, code, message);
        }
        self.refresh_pending_gauge();
        Ok(())
    }
}
