//! Glucose alerts: raised at ingest from each patient's new readings against their settings
//! ([`evaluate`]), kept in the store with a delivery queued for each webhook that wants them,
//! and published live on the [`AlertHub`] (the API's event streams and the webhook deliverer
//! listen there).
//!
//! The [`Raiser`] runs on a thread of its own, fed by the ingest pipeline through an
//! [`AlertFeed`] after each batch is durably stored, so that evaluation never delays an
//! acknowledgement. Alerts are at least once: an alert's id is derived from what raised it, so
//! after a restart the raiser evaluates the batches of the last minutes again and the store keeps
//! each id once.

pub mod evaluate;
mod raiser;

pub use raiser::{alert_id, Raiser};

use diachain_relayer_types::alerts::{Alert, ReadingEvent};
use tokio::sync::{broadcast, Notify};

use crate::store::StoredBatch;

/// What the relayer publishes live.
#[derive(Clone, Debug)]
pub enum HubEvent {
    Alert(Alert),
    Reading(ReadingEvent),
}

/// The live side of alerts: subscribers (event streams) and the deliverer's wake-up.
pub struct AlertHub {
    events: broadcast::Sender<HubEvent>,
    /// Notified when deliveries were queued.
    pub queued: Notify,
}

impl Default for AlertHub {
    fn default() -> Self {
        AlertHub {
            events: broadcast::channel(1024).0,
            queued: Notify::new(),
        }
    }
}

impl AlertHub {
    pub fn subscribe(&self) -> broadcast::Receiver<HubEvent> {
        self.events.subscribe()
    }

    pub fn publish(&self, e: HubEvent) {
        // No subscriber is not an error: the store has the alert.
        let _ = self.events.send(e);
    }
}

/// The ingest pipeline's side: batches just stored, for the raiser.
#[derive(Clone, Debug)]
pub struct AlertFeed(std::sync::mpsc::Sender<StoredBatch>);

impl AlertFeed {
    /// Hands a stored batch to the raiser (never blocks; a stopped raiser is not an error: the
    /// batch is evaluated again when it starts).
    pub fn stored(&self, b: &StoredBatch) {
        let _ = self.0.send(b.clone());
    }
}
