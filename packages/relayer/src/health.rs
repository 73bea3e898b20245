//! `/healthz`: the store must be writable; chain reachability and anchoring lag come from
//! pluggable components (the chain client and the anchoring task), reported when present.

use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use crate::registry::BoxFuture;
use crate::store::Store;

/// One component's answer.
#[derive(Clone, Debug, Serialize)]
pub struct ComponentHealth {
    pub ok: bool,
    /// Whatever the component reports (e.g. `{"lag_seconds": 3}`).
    #[serde(flatten)]
    pub detail: serde_json::Map<String, Value>,
}

/// A component that reports its health (chain reachability, anchoring lag, ...).
pub trait HealthComponent: Send + Sync + 'static {
    fn check(&self) -> BoxFuture<'_, ComponentHealth>;
}

/// The `/healthz` answer.
#[derive(Clone, Debug, Serialize)]
pub struct HealthReport {
    /// `ok`, `degraded` (a non-critical component failing) or `failing` (the store).
    pub status: &'static str,
    pub store: ComponentHealth,
    pub chain: Option<ComponentHealth>,
    pub anchoring: Option<ComponentHealth>,
}

#[derive(Clone, Default)]
pub struct Health {
    pub chain: Option<Arc<dyn HealthComponent>>,
    pub anchoring: Option<Arc<dyn HealthComponent>>,
}

impl Health {
    pub async fn report(&self, store: Arc<dyn Store>) -> HealthReport {
        let probe = tokio::task::spawn_blocking(move || store.probe_writable()).await;
        let store = match probe {
            Ok(Ok(())) => component(true, serde_json::json!({ "writable": true })),
            Ok(Err(e)) => {
                tracing::error!(error = %e, "store is not writable");
                component(false, serde_json::json!({ "writable": false }))
            }
            Err(_) => component(false, serde_json::json!({ "writable": false })),
        };
        let chain = match &self.chain {
            Some(c) => Some(c.check().await),
            None => None,
        };
        let anchoring = match &self.anchoring {
            Some(c) => Some(c.check().await),
            None => None,
        };
        let others_ok = chain.iter().chain(anchoring.iter()).all(|c| c.ok);
        let status = match (store.ok, others_ok) {
            (false, _) => "failing",
            (true, false) => "degraded",
            (true, true) => "ok",
        };
        HealthReport {
            status,
            store,
            chain,
            anchoring,
        }
    }
}

fn component(ok: bool, detail: Value) -> ComponentHealth {
    ComponentHealth::new(ok, detail)
}

impl ComponentHealth {
    /// A component's answer; `detail` should be a JSON object (anything else is dropped).
    pub fn new(ok: bool, detail: Value) -> Self {
        let detail = match detail {
            Value::Object(map) => map,
            _ => serde_json::Map::new(),
        };
        ComponentHealth { ok, detail }
    }
}
