//! Fixtures for tests and benchmarks (feature `testkit`): device records, signed request
//! bodies, and a relayer over a temporary store and an in-memory registry.

use std::sync::Arc;
use std::time::Duration;

use cosmwasm_std::{Addr, Timestamp};
use diachain_std::registry::AnchoringDevice;
use diachain_std::testing::{signed_batch, SignedBatch, TestKey};
use diachain_std::{DeviceKind, Domain};

use diachain_chain_client::WASM_PREFIX;

use crate::api::nightscout::NightscoutApi;
use crate::api::{AppState, DataApi};
use crate::auth::request::RequestAuth;
use crate::consent::ConsentView;
use crate::health::Health;
use crate::ingest::{Clock, Pipeline};
use crate::metrics::Metrics;
use crate::nightscout::uploader::UploaderIds;
use crate::registry::{InMemoryRegistry, RegistryCache};
use crate::store::crypto::MasterKey;
use crate::store::{GroupCommit, RedbStore, RedbStoreOptions, Store};
use crate::wire::{BatchRequest, ReadingJson};

pub mod consent;
pub mod http;
pub mod uploaders;

pub const CHAIN_ID: &str = "diachain-local-1";
pub const ANCHORS: &str = "wasm14hj2tavq8fpesdwxxcu44rty3hh90vhujrvcmstl4zr3txmfvw9s0phg4d";
pub const PATIENT: &str = "wasm1j2mmggve9m6fpuahtzvwcrj3rud9cqjz9vmqhr";
/// 2026-01-01 00:00 UTC.
pub const DAY0: u64 = 1_767_225_600;
/// CGM sampling interval.
pub const INTERVAL: u64 = 300;

pub fn domain() -> Domain<'static> {
    Domain {
        chain_id: CHAIN_ID,
        contract: ANCHORS,
    }
}

/// A CGM registered with `key`, bound to `owner` (unbound when `None`) since the epoch.
pub fn device_record(key: &TestKey, owner: Option<&str>) -> AnchoringDevice {
    AnchoringDevice {
        kind: DeviceKind::Cgm,
        owner: owner.map(Addr::unchecked),
        owner_since: Timestamp::from_seconds(0),
        owner_since_height: 1,
        public_key: key.public_key(),
        key_since: Timestamp::from_seconds(0),
        previous_key: None,
        refuses_from: None,
        key_holder: None,
    }
}

/// `count` CGM readings from `first_seq`, every 5 minutes from `first_time`, signed by `key`.
pub fn batch(
    key: &TestKey,
    device: &str,
    first_seq: u64,
    count: u32,
    first_time: u64,
) -> SignedBatch {
    signed_batch(
        key,
        device,
        first_seq,
        count,
        first_time,
        INTERVAL,
        &domain(),
    )
}

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
    pub store: Arc<RedbStore>,
    pub writer: Arc<GroupCommit>,
    pub registry: Arc<InMemoryRegistry>,
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
        let store = Arc::new(store);
        let writer = Arc::new(GroupCommit::start(store.clone(), 512)?);
        let registry = Arc::new(InMemoryRegistry::new());
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
                store: store.clone() as Arc<dyn Store>,
                chain,
                uploaders: uploader_ids.clone(),
            })
        });
        let data = consent.map(|consent| {
            Arc::new(DataApi {
                auth: RequestAuth::new(WASM_PREFIX, DAY0 + 30 * 86_400),
                consent,
                store: store.clone() as Arc<dyn Store>,
                clock: clock.clone(),
                prefix: WASM_PREFIX.into(),
                chain_id: CHAIN_ID.into(),
                anchors_contract: ANCHORS.into(),
                relayer_held: Arc::new(move |d: &str| uploader_ids.contains(d)),
                max_body_bytes,
            })
        });
        let pipeline = Pipeline {
            chain_id: CHAIN_ID.into(),
            anchors_contract: ANCHORS.into(),
            registry: cache.clone(),
            store: store.clone() as Arc<dyn Store>,
            writer: writer.clone(),
            chain_clock: clock.clone(),
            limits: Default::default(),
            clock,
            verifier: Default::default(),
        };
        let state = Arc::new(AppState {
            pipeline,
            metrics: Arc::new(Metrics::new()),
            health: Health::default(),
            max_body_bytes,
            anchoring: None,
            data,
            nightscout,
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

    /// The same relayer, answering browser pages from `origins` (`[server] cors_origins`).
    pub fn with_cors(mut self, origins: crate::api::cors::CorsOrigins) -> Self {
        match Arc::get_mut(&mut self.state) {
            Some(state) => state.cors = Arc::new(origins),
            None => panic!("with_cors: the state is already shared"),
        }
        self
    }

    /// Registers `id` with `key`, bound to the test patient.
    pub fn register(&self, id: &str, key: &TestKey) {
        self.registry.put(id, device_record(key, Some(PATIENT)));
    }
}
