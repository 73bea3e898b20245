//! Delivering alerts: to the dashboard live ([`stream`], server-sent events on a signed
//! request) and to webhooks ([`deliver`], at least once, signed with the webhook's secret),
//! each delivery to a grantee consent-checked and recorded on chain like any other access.
//! Webhook URLs are checked against server-side request forgery ([`url`]).

pub mod deliver;
pub mod stream;
pub mod url;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use diachain_relayer_core::alerts::AlertHub;
use diachain_relayer_core::store::AlertStore;

/// What the alert routes and the deliverer need.
pub struct AlertsApi {
    pub store: Arc<dyn AlertStore>,
    pub hub: Arc<AlertHub>,
    /// Webhooks may point at loopback and private addresses (a local network; off by default).
    pub allow_private_webhooks: bool,
    /// Open event streams per caller.
    pub streams: StreamSlots,
    pub metrics: Arc<diachain_relayer_core::metrics::Metrics>,
}

/// Most event streams one caller may hold open at once, and in all.
pub const MAX_STREAMS_PER_CALLER: usize = 4;
pub const MAX_STREAMS: usize = 1_000;

/// Counts open event streams.
#[derive(Default)]
pub struct StreamSlots(Mutex<HashMap<String, usize>>);

/// An open stream's slot, given back when dropped.
pub struct StreamSlot {
    slots: Arc<AlertsApi>,
    caller: String,
}

impl StreamSlots {
    /// A slot for `caller`, unless they (or everyone) hold the most allowed.
    pub fn take(api: &Arc<AlertsApi>, caller: &str) -> Option<StreamSlot> {
        let mut map = api.streams.0.lock().ok()?;
        let total: usize = map.values().sum();
        let mine = map.get(caller).copied().unwrap_or(0);
        if total >= MAX_STREAMS || mine >= MAX_STREAMS_PER_CALLER {
            return None;
        }
        map.insert(caller.to_string(), mine + 1);
        Some(StreamSlot {
            slots: api.clone(),
            caller: caller.to_string(),
        })
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        if let Ok(mut map) = self.slots.streams.0.lock() {
            if let Some(n) = map.get_mut(&self.caller) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    map.remove(&self.caller);
                }
            }
        }
    }
}
