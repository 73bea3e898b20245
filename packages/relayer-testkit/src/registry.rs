//! A registry the test sets and changes (and takes down, as a chain that is down would be),
//! counting the lookups that reach it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{PoisonError, RwLock};

use cosmwasm_std::Timestamp;
use diachain_relayer_core::registry::{RegistryError, RegistryView};
use diachain_relayer_core::BoxFuture;
use diachain_std::registry::AnchoringDevice;

#[derive(Default)]
pub struct TestRegistry {
    devices: RwLock<HashMap<String, AnchoringDevice>>,
    queries: AtomicU64,
    unreachable: AtomicBool,
}

impl TestRegistry {
    pub fn new() -> Self {
        Self::default()
    }

    /// The record held for `id`.
    pub fn get(&self, id: &str) -> Option<AnchoringDevice> {
        let devices = self.devices.read().unwrap_or_else(PoisonError::into_inner);
        devices.get(id).cloned()
    }

    pub fn put(&self, id: &str, device: AnchoringDevice) {
        let mut devices = self.devices.write().unwrap_or_else(PoisonError::into_inner);
        devices.insert(id.to_string(), device);
    }

    /// Refuses the device's data measured at or after `from` (a revocation or suspension).
    pub fn refuse_from(&self, id: &str, from: Timestamp) {
        let mut devices = self.devices.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(d) = devices.get_mut(id) {
            d.refuses_from = Some(from);
        }
    }

    /// While set, every lookup fails as an unreachable chain's would.
    pub fn set_unreachable(&self, unreachable: bool) {
        self.unreachable.store(unreachable, Ordering::SeqCst);
    }

    /// How many lookups were answered (to observe the cache).
    pub fn queries(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }
}

impl RegistryView for TestRegistry {
    fn anchoring_devices<'a>(
        &'a self,
        device_ids: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Option<AnchoringDevice>>, RegistryError>> {
        if self.unreachable.load(Ordering::SeqCst) {
            return Box::pin(std::future::ready(Err(RegistryError::Unreachable)));
        }
        self.queries.fetch_add(1, Ordering::Relaxed);
        let devices = self.devices.read().unwrap_or_else(PoisonError::into_inner);
        let found = device_ids
            .iter()
            .map(|id| devices.get(id).cloned())
            .collect();
        Box::pin(std::future::ready(Ok(found)))
    }
}
