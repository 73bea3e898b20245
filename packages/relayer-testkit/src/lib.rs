//! The relayer's test kit (a dev-dependency only): fixtures (device records, signed batches
//! and their request bodies), fakes of the core's chain views with the hooks tests drive them
//! by ([`registry::TestRegistry`]: `put`, `refuse_from`, `set_unreachable`, `queries`;
//! [`consent::FakeConsent`]; [`uploaders::FakeUploaderChain`]), a relayer over a temporary
//! store ([`TestRelayer`]) and an HTTP client ([`http::Client`]).

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use diachain_std::testing::{SignedBatch, TestKey};

use diachain_chain_client::WASM_PREFIX;
use diachain_relayer_api::alerts::deliver::Deliverer;
use diachain_relayer_api::alerts::AlertsApi;
use diachain_relayer_api::auth::request::RequestAuth;
use diachain_relayer_api::cors::CorsOrigins;
use diachain_relayer_api::nightscout::uploader::UploaderIds;
use diachain_relayer_api::StatusSources;
use diachain_relayer_api::{AppState, DataApi, NightscoutApi};
use diachain_relayer_core::alerts::{AlertHub, Raiser};
use diachain_relayer_core::clock::Clock;
use diachain_relayer_core::consent::ConsentView;
use diachain_relayer_core::health::Health;
use diachain_relayer_core::ingest::Pipeline;
use diachain_relayer_core::metrics::Metrics;
use diachain_relayer_core::registry::RegistryCache;
use diachain_relayer_core::store::crypto::MasterKey;
use diachain_relayer_core::store::{GroupCommit, RedbStore, RedbStoreOptions, Store};
use diachain_relayer_types::{BatchRequest, ReadingJson};

use crate::registry::TestRegistry;

pub mod consent;
pub mod http;
pub mod registry;
pub mod studies;
pub mod uploaders;

pub use diachain_relayer_fixtures::*;

pub fn request(b: &SignedBatch) -> BatchRequest {
    BatchRequest {
        header: b.header.clone(),
        signature: b.signature.clone(),
        readings: b.readings.iter().map(ReadingJson::from).collect(),
    }
}

/// The JSON body of `POST /v1/batches` for `b`.
pub fn body(b: &SignedBatch) -> Vec<u8> {
    serde_json::to_vec(&request(b)).unwrap_or_default()
}

/// A relayer over a temporary store and an in-memory registry.
pub struct TestRelayer {
    /// The uploader chain behind the Nightscout endpoints (with the data API).
    pub uploader_chain: Option<Arc<uploaders::FakeUploaderChain>>,
    pub dir: tempfile::TempDir,
    pub master: MasterKey,
    pub store: Arc<dyn Store>,
    pub writer: Arc<GroupCommit>,
    pub registry: Arc<TestRegistry>,
    pub cache: Arc<RegistryCache>,
    pub state: Arc<AppState>,
}

impl TestRelayer {
    /// Clock fixed at `DAY0` + 30 days; bodies up to `max_body_bytes`.
    pub fn new(max_body_bytes: usize) -> std::io::Result<Self> {
        let now = DAY0 + 30 * 86_400;
        Self::with_clock(max_body_bytes, Arc::new(move || now))
    }

    pub fn with_clock(max_body_bytes: usize, clock: Clock) -> std::io::Result<Self> {
        Self::build(max_body_bytes, clock, None)
    }

    /// A relayer whose data API asks `consent`; requests stamped before `DAY0` + 30 days are
    /// refused.
    pub fn with_data_api(
        max_body_bytes: usize,
        clock: Clock,
        consent: Arc<dyn ConsentView>,
    ) -> std::io::Result<Self> {
        Self::build(max_body_bytes, clock, Some(consent))
    }

    fn build(
        max_body_bytes: usize,
        clock: Clock,
        consent: Option<Arc<dyn ConsentView>>,
    ) -> std::io::Result<Self> {
        let dir = tempfile::tempdir()?;
        let master = MasterKey::generate();
        let store = RedbStore::open(
            &dir.path().join("relayer.redb"),
            &master,
            RedbStoreOptions::default(),
        )
        .map_err(std::io::Error::other)?;
        Self::build_on(max_body_bytes, clock, consent, dir, master, Arc::new(store))
    }

    /// A relayer over `store` (opened under `master`), clock fixed at `DAY0` + 30 days: how a
    /// benchmark runs the same relayer on PostgreSQL.
    pub fn on_store(
        max_body_bytes: usize,
        master: MasterKey,
        store: Arc<dyn Store>,
    ) -> std::io::Result<Self> {
        let now = DAY0 + 30 * 86_400;
        let dir = tempfile::tempdir()?;
        Self::build_on(
            max_body_bytes,
            Arc::new(move || now),
            None,
            dir,
            master,
            store,
        )
    }

    fn build_on(
        max_body_bytes: usize,
        clock: Clock,
        consent: Option<Arc<dyn ConsentView>>,
        dir: tempfile::TempDir,
        master: MasterKey,
        store: Arc<dyn Store>,
    ) -> std::io::Result<Self> {
        let writer = Arc::new(GroupCommit::start(store.clone(), 512)?);
        let registry = Arc::new(TestRegistry::new());
        let cache = Arc::new(RegistryCache::new(
            registry.clone(),
            Duration::from_secs(3600),
        ));
        let uploader_ids = UploaderIds::default();
        let uploader_chain = consent.as_ref().map(|_| {
            Arc::new(uploaders::FakeUploaderChain {
                registry: registry.clone(),
                refuse: Default::default(),
            })
        });
        let nightscout = uploader_chain.clone().map(|chain| {
            Arc::new(NightscoutApi {
                store: store.clone(),
                batches: store.clone(),
                erasures: store.clone(),
                followers: store.clone(),
                docs: store.clone(),
                jwt: Default::default(),
                chain,
                uploaders: uploader_ids.clone(),
                upload_locks: Default::default(),
            })
        });
        let metrics = Arc::new(Metrics::new());
        let alerts = consent.as_ref().map(|_| {
            Arc::new(AlertsApi {
                store: store.clone(),
                hub: Arc::new(AlertHub::default()),
                // The tests' webhook receivers listen on loopback.
                allow_private_webhooks: true,
                streams: Default::default(),
                metrics: metrics.clone(),
            })
        });
        let feed = match &alerts {
            Some(a) => Some(
                Raiser::new(store.clone(), clock.clone(), a.hub.clone())
                    .with_metrics(metrics.clone())
                    .start(Arc::new(AtomicBool::new(false)))?
                    .0,
            ),
            None => None,
        };
        let data = consent.map(|consent| {
            Arc::new(DataApi {
                auth: RequestAuth::new(WASM_PREFIX, DAY0 + 30 * 86_400),
                consent,
                data: store.clone(),
                outbox: store.clone(),
                erasure: store.clone(),
                clock: clock.clone(),
                prefix: WASM_PREFIX.into(),
                chain_id: CHAIN_ID.into(),
                anchors_contract: ANCHORS.into(),
                relayer_held: Arc::new(move |d: &str| uploader_ids.contains(d)),
                max_body_bytes,
                exports: None,
            })
        });
        let pipeline = Pipeline {
            chain_id: CHAIN_ID.into(),
            anchors_contract: ANCHORS.into(),
            registry: cache.clone(),
            store: store.clone(),
            writer: writer.clone(),
            chain_clock: clock.clone(),
            limits: Default::default(),
            clock,
            verifier: Default::default(),
            alerts: feed,
        };
        let state = Arc::new(AppState {
            pipeline,
            metrics,
            health: Health::default(),
            status: StatusSources {
                batches: store.clone(),
                outbox: store.clone(),
                anchoring: None,
            },
            max_body_bytes,
            data,
            nightscout,
            alerts,
            cors: Default::default(),
        });
        Ok(TestRelayer {
            uploader_chain,
            dir,
            master,
            store,
            writer,
            registry,
            cache,
            state,
        })
    }

    /// The same relayer, exporting research datasets of the studies `studies` answers for
    /// (with the data API; the pseudonym secret is derived from the test master key).
    pub fn with_exports(
        mut self,
        studies: Arc<dyn diachain_relayer_core::export::StudyView>,
    ) -> Self {
        let state = Arc::get_mut(&mut self.state).expect("with_exports: the state is shared");
        let data = state.data.as_mut().expect("with_exports: no data API");
        let data = Arc::get_mut(data).expect("with_exports: the data API is shared");
        let svc = diachain_relayer_core::export::ExportService::new(
            studies,
            data.consent.clone(),
            self.store.clone(),
            self.store.clone(),
            diachain_relayer_core::export::PseudonymSecret::from_master(&self.master),
            self.dir.path().join("exports"),
            Default::default(),
        )
        .expect("the exports directory");
        data.exports = Some(Arc::new(svc));
        self
    }

    /// The same relayer, with `health` behind `/healthz` and the Nightscout `status.json`.
    pub fn with_health(mut self, health: Health) -> Self {
        match Arc::get_mut(&mut self.state) {
            Some(state) => state.health = health,
            None => panic!("with_health: the state is already shared"),
        }
        self
    }

    /// The same relayer, answering browser pages from `origins` (`[server] cors_origins`).
    pub fn with_cors(mut self, origins: CorsOrigins) -> Self {
        match Arc::get_mut(&mut self.state) {
            Some(state) => state.cors = Arc::new(origins),
            None => panic!("with_cors: the state is already shared"),
        }
        self
    }

    /// Starts delivering alerts to webhooks (with the data API); stops when the sender is
    /// dropped or sends `true`.
    pub fn start_deliverer(&self) -> tokio::sync::watch::Sender<bool> {
        let (tx, rx) = tokio::sync::watch::channel(false);
        if let (Some(alerts), Some(data)) = (&self.state.alerts, &self.state.data) {
            match Deliverer::new(alerts.clone(), data.clone()) {
                Ok(d) => {
                    tokio::spawn(d.run(rx));
                }
                Err(e) => panic!("the webhook client: {e}"),
            }
        }
        tx
    }

    /// Registers `id` with `key`, bound to the test patient.
    pub fn register(&self, id: &str, key: &TestKey) {
        self.registry.put(id, device_record(key, Some(PATIENT)));
    }
}
