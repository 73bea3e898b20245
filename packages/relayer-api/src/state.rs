//! What the handlers share. Each group of routes sees only the store roles it uses.

use std::sync::Arc;

use diachain_relayer_core::anchor::AnchoringStatus;
use diachain_relayer_core::chain::UploaderChain;
use diachain_relayer_core::clock::Clock;
use diachain_relayer_core::consent::ConsentView;
use diachain_relayer_core::health::Health;
use diachain_relayer_core::ingest::Pipeline;
use diachain_relayer_core::metrics::Metrics;
use diachain_relayer_core::store::{
    AnchoringStore, DataStore, ErasureStore, FollowerStore, NsDocStore, OutboxStore, UploaderStore,
};

use crate::auth::request::RequestAuth;
use crate::cors::CorsOrigins;
use crate::nightscout::uploader::{UploadLocks, UploaderIds};

/// Everything the handlers share.
pub struct AppState {
    /// `POST /v1/batches` (and the batches of Nightscout uploads).
    pub pipeline: Pipeline,
    pub metrics: Arc<Metrics>,
    /// `/healthz`.
    pub health: Health,
    /// `GET /v1/status`.
    pub status: StatusSources,
    /// Bodies over this size are refused (413) before they are parsed.
    pub max_body_bytes: usize,
    /// The data API (`None` without a chain to check consent on: a development registry).
    pub data: Option<Arc<DataApi>>,
    /// The Nightscout-compatible upload (`None` without a chain to register uploaders on).
    pub nightscout: Option<Arc<NightscoutApi>>,
    /// Alerts' settings, lists, streams and webhooks (`None` without the data API).
    pub alerts: Option<Arc<crate::alerts::AlertsApi>>,
    /// Origins whose browser pages may call the API (none by default).
    pub cors: Arc<CorsOrigins>,
}

/// What `GET /v1/status` reads.
pub struct StatusSources {
    /// Batches per anchoring state.
    pub batches: Arc<dyn AnchoringStore>,
    /// Records still owed to the chain.
    pub outbox: Arc<dyn OutboxStore>,
    /// The anchoring task's status (`None` when nothing is anchored: a development registry).
    pub anchoring: Option<Arc<AnchoringStatus>>,
}

/// Whether a device's key is one the relayer holds (a Nightscout uploader's).
pub type RelayerHeld = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// What the data API needs.
pub struct DataApi {
    pub auth: RequestAuth,
    pub consent: Arc<dyn ConsentView>,
    /// Patients' batches and readings.
    pub data: Arc<dyn DataStore>,
    /// Accesses served, queued for the chain (and erasures' records read back).
    pub outbox: Arc<dyn OutboxStore>,
    pub erasure: Arc<dyn ErasureStore>,
    pub clock: Clock,
    /// The chain's bech32 account prefix.
    pub prefix: String,
    pub chain_id: String,
    pub anchors_contract: String,
    pub relayer_held: RelayerHeld,
    /// Largest signed request body.
    pub max_body_bytes: usize,
    /// Research dataset exports (`None` without a data-union contract configured).
    pub exports: Option<Arc<diachain_relayer_core::export::ExportService>>,
}

/// What the Nightscout endpoints need.
pub struct NightscoutApi {
    /// Uploader records and their tokens.
    pub store: Arc<dyn UploaderStore>,
    /// Where an uploader's next batch starts, the readings it holds (to tell a re-send from a
    /// correction).
    pub batches: Arc<dyn DataStore>,
    /// A patient's erasures: what they erased is not stored again.
    pub erasures: Arc<dyn ErasureStore>,
    /// Followers' tokens.
    pub followers: Arc<dyn FollowerStore>,
    /// Treatments, device statuses and profiles as the apps sent them.
    pub docs: Arc<dyn NsDocStore>,
    /// Signs the JWTs followers exchange their tokens for.
    pub jwt: crate::nightscout::follower::JwtKey,
    pub chain: Arc<dyn UploaderChain>,
    pub uploaders: UploaderIds,
    /// One upload at a time per uploader.
    pub upload_locks: UploadLocks,
}
