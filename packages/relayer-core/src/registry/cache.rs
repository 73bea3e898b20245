//! A cache of device records in front of a [`RegistryView`].
//!
//! Freshness: every entry remembers the registry epoch it was fetched in. A block watcher (the
//! chain client, polling each block) calls [`RegistryCache::on_new_block`], which starts a new
//! epoch, so every entry is fetched again before its next use: a revoked or rotated key stops
//! being accepted within one block of the change. A watcher that knows which devices changed
//! (from the registry's events) may call [`RegistryCache::invalidate`] instead. `max_age` bounds
//! an entry's life even if no block is seen (a stalled watcher). Unknown devices are cached too
//! (a registration in the next block starts a new epoch as well).
//!
//! When the registry cannot be queried (the chain is down), an entry younger than `max_age`
//! is still served, whatever its epoch: no newer registry state can be known then, and a
//! chain that is down cannot revoke anything. Past `max_age` ingest is refused (503).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use diachain_std::registry::AnchoringDevice;

use super::{RegistryError, RegistryView};

/// Most device records kept; the cache is emptied when it would grow past this (unknown ids
/// sent by anyone must not grow it without bound).
const MAX_ENTRIES: usize = 100_000;

#[derive(Clone)]
struct Entry {
    device: Option<AnchoringDevice>,
    epoch: u64,
    fetched: Instant,
}

pub struct RegistryCache {
    view: Arc<dyn RegistryView>,
    entries: RwLock<HashMap<String, Entry>>,
    epoch: AtomicU64,
    max_age: Duration,
}

impl RegistryCache {
    pub fn new(view: Arc<dyn RegistryView>, max_age: Duration) -> Self {
        RegistryCache {
            view,
            entries: RwLock::new(HashMap::new()),
            epoch: AtomicU64::new(0),
            max_age,
        }
    }

    /// The device's anchoring view: cached if fetched in the current epoch and younger than
    /// `max_age`, fetched from the registry otherwise.
    pub async fn device(&self, id: &str) -> Result<Option<AnchoringDevice>, RegistryError> {
        let epoch = self.epoch.load(Ordering::Acquire);
        if let Some(entry) = self.fresh(id, epoch) {
            return Ok(entry.device);
        }
        let ids = [id.to_string()];
        let device = match self.view.anchoring_devices(&ids).await {
            Ok(mut found) => found.pop().flatten(),
            Err(e) => {
                return match self.younger_than_max_age(id) {
                    Some(entry) => {
                        tracing::debug!(device = id, error = %e, "registry unavailable: serving the cached record");
                        Ok(entry.device)
                    }
                    None => Err(e),
                }
            }
        };
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(
            id.to_string(),
            Entry {
                device: device.clone(),
                epoch,
                fetched: Instant::now(),
            },
        );
        Ok(device)
    }

    fn fresh(&self, id: &str, epoch: u64) -> Option<Entry> {
        let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        entries
            .get(id)
            .filter(|e| e.epoch == epoch && e.fetched.elapsed() < self.max_age)
            .cloned()
    }

    fn younger_than_max_age(&self, id: &str) -> Option<Entry> {
        let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        entries
            .get(id)
            .filter(|e| e.fetched.elapsed() < self.max_age)
            .cloned()
    }

    /// A new block was seen: every cached entry must be fetched again before its next use.
    pub fn on_new_block(&self, _height: u64) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
    }

    /// These devices changed: forget them.
    pub fn invalidate(&self, ids: &[String]) {
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        for id in ids {
            entries.remove(id);
        }
    }

    /// How many devices are cached (for metrics and tests).
    pub fn len(&self) -> usize {
        self.entries
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Mutex;

    use diachain_std::testing::TestKey;
    use diachain_std::KeyAlgorithm;

    use super::*;
    use crate::BoxFuture;
    use diachain_relayer_fixtures::{device_record, PATIENT};

    /// A registry the test changes, and takes down.
    #[derive(Default)]
    struct Registry {
        devices: Mutex<HashMap<String, AnchoringDevice>>,
        unreachable: AtomicBool,
    }

    impl RegistryView for Registry {
        fn anchoring_devices<'a>(
            &'a self,
            device_ids: &'a [String],
        ) -> BoxFuture<'a, Result<Vec<Option<AnchoringDevice>>, RegistryError>> {
            let answer = if self.unreachable.load(Ordering::SeqCst) {
                Err(RegistryError::Unreachable)
            } else {
                let devices = self.devices.lock().unwrap();
                Ok(device_ids
                    .iter()
                    .map(|id| devices.get(id).cloned())
                    .collect())
            };
            Box::pin(std::future::ready(answer))
        }
    }

    #[tokio::test]
    async fn a_new_block_refetches_and_an_unreachable_registry_serves_young_entries_only() {
        let view = Arc::new(Registry::default());
        let put = |d: AnchoringDevice| {
            view.devices
                .lock()
                .unwrap()
                .insert("dev-00000001".to_string(), d);
        };
        let key = TestKey::new(KeyAlgorithm::Ed25519, 1);
        put(device_record(&key, Some(PATIENT)));
        let cache = RegistryCache::new(view.clone(), Duration::from_millis(300));
        assert!(cache.device("dev-00000001").await.unwrap().is_some());

        // Revoked (gone) in the next block: seen at once.
        put(device_record(&key, None));
        cache.on_new_block(2);
        let d = cache.device("dev-00000001").await.unwrap().unwrap();
        assert!(d.owner.is_none());

        // The chain goes down: the young entry serves, an unknown device does not.
        view.unreachable.store(true, Ordering::SeqCst);
        cache.on_new_block(3);
        let served = cache.device("dev-00000001").await.unwrap().unwrap();
        assert!(
            served.owner.is_none(),
            "the record of the last block, not an older one"
        );
        assert!(cache.device("dev-00000002").await.is_err());
        // Past max_age nothing is served.
        std::thread::sleep(Duration::from_millis(350));
        assert!(cache.device("dev-00000001").await.is_err());
    }
}
