//! `/healthz`: the store must be writable; chain reachability (the block watcher) and
//! anchoring lag (the anchoring task) are reported when the relayer has a chain.

use std::sync::Arc;

use diachain_relayer_types::status::{HealthReport, HealthStatus, StoreReport};

use crate::anchor::AnchoringHealth;
use crate::chain::ChainHealth;
use crate::store::IngestStore;

/// What `/healthz` asks.
#[derive(Clone, Default)]
pub struct Health {
    pub chain: Option<Arc<ChainHealth>>,
    pub anchoring: Option<Arc<AnchoringHealth>>,
}

impl Health {
    pub async fn report(&self, store: Arc<dyn IngestStore>) -> HealthReport {
        let probe = tokio::task::spawn_blocking(move || store.probe_writable()).await;
        let (writable, disk_full) = match probe {
            Ok(Ok(())) => (true, false),
            Ok(Err(e)) => {
                tracing::error!(error = %e, "store is not writable");
                (false, e.is_storage_full())
            }
            Err(_) => (false, false),
        };
        let chain = self.chain.as_ref().map(|c| c.report());
        let anchoring = match &self.anchoring {
            Some(a) => Some(a.report().await),
            None => None,
        };
        let others_ok = chain.iter().all(|c| c.ok) && anchoring.iter().all(|a| a.ok);
        let status = match (writable, others_ok) {
            (false, _) => HealthStatus::Failing,
            (true, false) => HealthStatus::Degraded,
            (true, true) => HealthStatus::Ok,
        };
        HealthReport {
            status,
            store: StoreReport {
                ok: writable,
                writable,
                disk_full,
            },
            chain,
            anchoring,
        }
    }
}
