//! What the anchoring task learns while it runs: how many batches a transaction may carry
//! (halved when the chain refuses a transaction as a whole, e.g. for its gas, grown back after
//! each success), and batches set aside for a while (measured "in the future" for the chain's
//! last block: they become acceptable as the chain's clock moves on).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::store::BatchId;

#[derive(Default)]
pub struct Tuning {
    /// Batches per transaction now (0: not yet set, the configured maximum).
    limit: AtomicUsize,
    deferred: Mutex<HashMap<BatchId, Instant>>,
}

impl Tuning {
    /// The current limit, at most `max`.
    pub fn limit(&self, max: usize) -> usize {
        match self.limit.load(Ordering::Acquire) {
            0 => max,
            n => n.min(max),
        }
    }

    /// A transaction of `sent` batches was refused as a whole: the next carries half.
    pub fn shrink(&self, sent: usize) {
        let next = (sent / 2).max(1);
        self.limit.store(next, Ordering::Release);
        tracing::info!(
            batches_per_tx = next,
            "anchoring: smaller transactions after a refusal"
        );
    }

    /// A transaction landed: allow a quarter more next time, up to `max`.
    pub fn grow(&self, max: usize) {
        let now = self.limit(max);
        let next = now.saturating_add((now / 4).max(1)).min(max);
        self.limit.store(next, Ordering::Release);
    }

    /// Sets batch `id` aside for `duration`.
    pub fn defer(&self, id: BatchId, duration: Duration) {
        let mut d = self.deferred.lock().unwrap_or_else(PoisonError::into_inner);
        d.insert(id, Instant::now() + duration);
    }

    /// Whether batch `id` is set aside now (expired entries are dropped).
    pub fn is_deferred(&self, id: BatchId) -> bool {
        let mut d = self.deferred.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        d.retain(|_, until| *until > now);
        d.contains_key(&id)
    }

    /// How many batches are set aside.
    pub fn deferred_count(&self) -> usize {
        self.deferred
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_halves_on_refusal_and_grows_back_to_the_maximum() {
        let t = Tuning::default();
        assert_eq!(t.limit(400), 400);
        t.shrink(400);
        assert_eq!(t.limit(400), 200);
        t.shrink(1);
        assert_eq!(t.limit(400), 1);
        for _ in 0..40 {
            t.grow(400);
        }
        assert_eq!(t.limit(400), 400);
    }
}
