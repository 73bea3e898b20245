//! The alerts' part of `serve`: the raiser's thread (fed by ingest), the webhook deliverer's
//! task, and the state of the alert routes.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use diachain_relayer_api::alerts::deliver::Deliverer;
use diachain_relayer_api::alerts::AlertsApi;
use diachain_relayer_api::DataApi;
use diachain_relayer_core::alerts::{AlertFeed, AlertHub, Raiser};
use diachain_relayer_core::clock::Clock;
use diachain_relayer_core::metrics::Metrics;
use diachain_relayer_core::store::Store;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::CliError;

pub(super) struct Alerts {
    pub api: Arc<AlertsApi>,
    pub feed: AlertFeed,
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

pub(super) fn start(
    store: Arc<dyn Store>,
    data: Arc<DataApi>,
    chain_clock: Clock,
    metrics: Arc<Metrics>,
    allow_private_webhooks: bool,
    stop: &watch::Receiver<bool>,
    tasks: &mut Vec<JoinHandle<()>>,
) -> Result<Alerts, CliError> {
    let hub = Arc::new(AlertHub::default());
    let api = Arc::new(AlertsApi {
        store: store.clone(),
        hub: hub.clone(),
        allow_private_webhooks,
        streams: Default::default(),
        metrics: metrics.clone(),
    });
    let deliverer = Deliverer::new(api.clone(), data)
        .map_err(|e| std::io::Error::other(format!("the webhook client: {e}")))?;
    tasks.push(tokio::spawn(deliverer.run(stop.clone())));
    let halt = Arc::new(AtomicBool::new(false));
    let (feed, thread) = Raiser::new(store, chain_clock, hub)
        .with_metrics(metrics)
        .start(halt.clone())?;
    if allow_private_webhooks {
        tracing::warn!("alert webhooks may point at loopback and private addresses");
    }
    Ok(Alerts {
        api,
        feed,
        stop: halt,
        thread,
    })
}

impl Alerts {
    /// Stops the raiser (what it has not evaluated is evaluated again at the next start).
    pub fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        if self.thread.join().is_err() {
            tracing::error!("the alerts thread panicked");
        }
    }
}
