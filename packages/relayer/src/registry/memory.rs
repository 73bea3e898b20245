//! An in-memory registry: for tests, benchmarks, and local development without a chain (loaded
//! from a JSON file of `{ "<device id>": AnchoringDevice }`). Tests can make it unreachable, as
//! a chain that is down would be.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{PoisonError, RwLock};

use cosmwasm_std::Timestamp;
use diachain_std::registry::AnchoringDevice;

use super::{BoxFuture, RegistryError, RegistryView};

#[derive(Default)]
pub struct InMemoryRegistry {
    devices: RwLock<HashMap<String, AnchoringDevice>>,
    queries: AtomicU64,
    unreachable: AtomicBool,
}

impl InMemoryRegistry {
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads `{ "<device id>": AnchoringDevice, ... }` (the registry's JSON types).
    pub fn from_json_file(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let devices: HashMap<String, AnchoringDevice> = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not a device map: {e}", path.display()))?;
        Ok(InMemoryRegistry {
            devices: RwLock::new(devices),
            ..InMemoryRegistry::default()
        })
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

    /// How many lookups were answered (to observe the cache in tests).
    pub fn queries(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }
}

impl RegistryView for InMemoryRegistry {
    fn anchoring_devices<'a>(
        &'a self,
        device_ids: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Option<AnchoringDevice>>, RegistryError>> {
        if self.unreachable.load(Ordering::SeqCst) {
            let down = RegistryError::Unavailable("the registry is unreachable".into());
            return Box::pin(std::future::ready(Err(down)));
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
