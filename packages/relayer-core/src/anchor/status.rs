//! What the anchoring task reports: `/v1/status` (last transaction, recent failures with the
//! contract's reasons, last error) and `/healthz` (anchoring lag).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use diachain_relayer_types::status::{
    AnchorRefusal, AnchoringLag, AnchoringReport, AnchoringSnapshot, AnchoringState, FailedBatch,
    LastAnchor,
};

use crate::store::{AnchoringStore, StoreError, StoredBatch};

/// Most recent failures kept for `/v1/status`.
const RECENT_FAILURES: usize = 20;

/// Shared between the task and the API.
#[derive(Default)]
pub struct AnchoringStatus {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    snapshot: AnchoringSnapshot,
    failures: VecDeque<FailedBatch>,
}

impl AnchoringStatus {
    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        f(&mut self.inner.lock().unwrap_or_else(PoisonError::into_inner))
    }

    pub fn snapshot(&self) -> AnchoringSnapshot {
        self.with(|i| {
            let mut s = i.snapshot.clone();
            s.recent_failures = i.failures.iter().cloned().collect();
            s
        })
    }

    pub(super) fn set_idle(&self) {
        self.with(|i| {
            i.snapshot.state = AnchoringState::Idle;
            i.snapshot.in_flight_tx = None;
        });
    }

    pub(super) fn set_in_flight(&self, hash: &str) {
        self.with(|i| {
            i.snapshot.state = AnchoringState::InFlight;
            i.snapshot.in_flight_tx = Some(hash.to_string());
        });
    }

    pub(super) fn set_last_error(&self, error: String) {
        self.with(|i| {
            i.snapshot.state = AnchoringState::Retrying;
            i.snapshot.last_error = Some(error);
        });
    }

    pub(super) fn record_anchored(&self, batches: usize, tx_hash: &str, height: u64) {
        self.with(|i| {
            i.snapshot.state = AnchoringState::Idle;
            i.snapshot.in_flight_tx = None;
            i.snapshot.last_error = None;
            i.snapshot.last_anchor = Some(LastAnchor {
                tx_hash: tx_hash.to_string(),
                height,
                batches: batches as u64,
            });
        });
    }

    pub(super) fn record_failure(&self, b: &StoredBatch, code: AnchorRefusal, reason: &str) {
        self.with(|i| {
            if i.failures.len() == RECENT_FAILURES {
                i.failures.pop_front();
            }
            i.failures.push_back(FailedBatch {
                batch_id: b.id,
                device_id: b.header.device_id.clone(),
                first_seq: b.header.first_seq,
                last_seq: b.header.last_seq,
                code,
                reason: reason.to_string(),
            });
        });
    }
}

/// `/healthz`'s anchoring component: the age of the oldest batch not yet anchored.
pub struct AnchoringHealth {
    pub store: Arc<dyn AnchoringStore>,
    pub status: Arc<AnchoringStatus>,
    /// Oldest acceptable age, in seconds, of a batch waiting for its anchor.
    pub max_lag_seconds: u64,
}

impl AnchoringHealth {
    pub async fn report(&self) -> AnchoringReport {
        let store = self.store.clone();
        let oldest = tokio::task::spawn_blocking(move || {
            let first_in_flight = store.in_flight()?.into_iter().next();
            let first_pending = store.pending(1)?.into_iter().next();
            Ok::<_, StoreError>(
                [first_in_flight, first_pending]
                    .into_iter()
                    .flatten()
                    .map(|b| b.received_at)
                    .min(),
            )
        })
        .await;
        let now = crate::clock::unix_now();
        let snapshot = self.status.snapshot();
        match oldest {
            Ok(Ok(oldest)) => {
                let lag = oldest.map_or(0, |t| now.saturating_sub(t));
                AnchoringReport {
                    ok: lag <= self.max_lag_seconds,
                    lag_seconds: Some(lag),
                    detail: Some(AnchoringLag {
                        max_lag_seconds: self.max_lag_seconds,
                        state: snapshot.state,
                        last_error: snapshot.last_error,
                    }),
                }
            }
            _ => AnchoringReport {
                ok: false,
                lag_seconds: None,
                detail: None,
            },
        }
    }
}
