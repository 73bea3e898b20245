//! [`BlockWatcher`]: polls the node for its latest height; each new block starts a new epoch of
//! the registry cache (so a revoked or rotated key stops being accepted within one block) and
//! feeds [`ChainHealth`] (`/healthz`: reachable, latest height, how long since it was seen).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use diachain_chain_client::{ChainClient, Rpc};
use diachain_relayer_types::status::ChainReport;
use diachain_std::anchors::{ConfigResponse, QueryMsg as AnchorsQuery};
use tokio::sync::watch;

use crate::clock::now_ms;
use crate::registry::{RegistryCache, SamplingLimits};

/// What the watcher last saw. Shared with `/healthz`.
#[derive(Default)]
pub struct ChainHealth {
    latest_height: AtomicU64,
    /// Unix milliseconds of the last successful poll (0: never).
    last_ok_ms: AtomicU64,
    /// Consecutive failed polls.
    failures: AtomicU64,
    /// The latest block's time (Unix seconds) and the local time it was seen, in ms.
    block_time: AtomicU64,
    block_seen_ms: AtomicU64,
    /// A poll older than this marks the chain unreachable.
    stale_after: Duration,
}

impl ChainHealth {
    pub fn new(stale_after: Duration) -> Self {
        ChainHealth {
            stale_after,
            ..ChainHealth::default()
        }
    }

    /// The latest height seen (0 before the first poll).
    pub fn latest_height(&self) -> u64 {
        self.latest_height.load(Ordering::Acquire)
    }

    /// The chain's time now: the latest block's time plus the time since it was seen (the
    /// contract judges readings against block time, which may differ from this machine's
    /// clock); the machine's clock before the first block is seen.
    pub fn chain_now(&self) -> u64 {
        let block = self.block_time.load(Ordering::Acquire);
        if block == 0 {
            return now_ms() / 1000;
        }
        let since = now_ms().saturating_sub(self.block_seen_ms.load(Ordering::Acquire));
        block.saturating_add(since / 1000)
    }

    fn seen(&self, height: u64, block_time: u64) {
        let fresh = height > self.latest_height() || self.block_time.load(Ordering::Acquire) == 0;
        if fresh || block_time == 0 {
            self.block_time.store(block_time, Ordering::Release);
            self.block_seen_ms.store(now_ms(), Ordering::Release);
        }
        self.latest_height.fetch_max(height, Ordering::AcqRel);
        self.last_ok_ms.store(now_ms(), Ordering::Release);
        self.failures.store(0, Ordering::Release);
    }

    fn failed(&self) -> u64 {
        self.failures
            .fetch_add(1, Ordering::AcqRel)
            .saturating_add(1)
    }

    /// Reachable: polled successfully within `stale_after`.
    pub fn reachable(&self) -> bool {
        let last = self.last_ok_ms.load(Ordering::Acquire);
        let limit = u64::try_from(self.stale_after.as_millis()).unwrap_or(u64::MAX);
        last != 0 && now_ms().saturating_sub(last) <= limit
    }
}

impl ChainHealth {
    /// `/healthz`'s chain component.
    pub fn report(&self) -> ChainReport {
        let last = self.last_ok_ms.load(Ordering::Acquire);
        let since = (last != 0).then(|| now_ms().saturating_sub(last) as f64 / 1000.0);
        ChainReport {
            ok: self.reachable(),
            failed_polls: self.failures.load(Ordering::Acquire),
            latest_height: self.latest_height(),
            reachable: self.reachable(),
            seconds_since_seen: since,
        }
    }
}

/// Polls the chain every `interval` until `stop` turns true.
pub struct BlockWatcher<R> {
    pub client: ChainClient<R>,
    pub cache: Arc<RegistryCache>,
    /// reading-anchors' address and the sampling limits read from it on every new block.
    pub anchors_contract: String,
    pub limits: Arc<SamplingLimits>,
    pub health: Arc<ChainHealth>,
    pub interval: Duration,
}

impl<R: Rpc> BlockWatcher<R> {
    async fn refresh_limits(&self) {
        let query = AnchorsQuery::Config {};
        match self
            .client
            .smart_query::<_, ConfigResponse>(&self.anchors_contract, &query)
            .await
        {
            Ok(config) => self.limits.update(&config.sampling_limits),
            Err(e) => tracing::debug!(error = %e, "cannot read the anchors' sampling limits"),
        }
    }

    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let mut last = 0u64;
        loop {
            match self.client.status().await {
                Ok(status) => {
                    let height = status.latest_height;
                    // A node still catching up reports an old block: keep this machine's
                    // clock then.
                    let block_time = if status.catching_up {
                        0
                    } else {
                        u64::try_from(status.latest_block_unix).unwrap_or(0)
                    };
                    self.health.seen(height, block_time);
                    if height != last {
                        // Also on a lower height (a node reset): the registry changed for sure.
                        self.cache.on_new_block(height);
                        last = height;
                        self.refresh_limits().await;
                    }
                }
                Err(e) => {
                    // Cached entries still expire after the cache's max age: an unreachable chain
                    // then refuses ingest (503) rather than trusting an old registry.
                    let failures = self.health.failed();
                    if failures == 1 || failures.is_multiple_of(20) {
                        tracing::warn!(error = %e, failures, "chain unreachable");
                    }
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(self.interval) => {}
                _ = stop.changed() => return,
            }
            if *stop.borrow() {
                return;
            }
        }
    }
}
