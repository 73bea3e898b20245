//! The data API's part of `serve`: the consent checks, the signed-request checker and the
//! recorder task that records served accesses and erasures on chain.

use std::sync::Arc;

use diachain_chain_client::{ChainClient, HttpRpc, TxSender, WASM_PREFIX};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use diachain_relayer_api::auth::request::RequestAuth;
use diachain_relayer_api::nightscout::uploader::UploaderIds;
use diachain_relayer_api::{DataApi, NightscoutApi};
use diachain_relayer_core::chain::ChainUploaders;
use diachain_relayer_core::clock::system_clock;
use diachain_relayer_core::consent::{ChainConsent, ConsentView};
use diachain_relayer_core::export::{ChainStudies, ExportService, ExportSettings, PseudonymSecret};
use diachain_relayer_core::metrics::Metrics;
use diachain_relayer_core::recorder::{Recorder, RecorderSettings, TxRecordChain};
use diachain_relayer_core::store::Store;

pub(super) struct DataLink {
    /// The relayer's account, shared with the anchoring task (one sequence counter).
    pub sender: Arc<TxSender<HttpRpc>>,
    pub consent_contract: String,
    /// The data-union contract: research exports are on with it.
    pub union_contract: Option<String>,
    /// Where exports keep their sealed files (emptied at start).
    pub exports_dir: std::path::PathBuf,
    pub pseudonyms: PseudonymSecret,
    pub registry_contract: String,
    pub chain_id: String,
    pub anchors_contract: String,
    /// Unix seconds at start: requests stamped earlier are refused (their nonces are not
    /// remembered across a restart).
    pub started: u64,
    pub max_body_bytes: usize,
}

/// Starts the recorder and returns the data API's and the Nightscout endpoints' state.
pub(super) fn start(
    client: &ChainClient<HttpRpc>,
    link: DataLink,
    store: Arc<dyn Store>,
    metrics: Arc<Metrics>,
    stop: &watch::Receiver<bool>,
    tasks: &mut Vec<JoinHandle<()>>,
) -> Result<(Arc<DataApi>, Arc<NightscoutApi>), super::CliError> {
    let uploaders = UploaderIds::new(store.uploader_ids()?);
    let nightscout = Arc::new(NightscoutApi {
        store: store.clone(),
        batches: store.clone(),
        erasures: store.clone(),
        followers: store.clone(),
        docs: store.clone(),
        jwt: Default::default(),
        chain: Arc::new(ChainUploaders {
            sender: link.sender.clone(),
            registry_contract: link.registry_contract.clone(),
        }),
        uploaders: uploaders.clone(),
        upload_locks: Default::default(),
    });
    let recorder = Recorder::new(
        TxRecordChain {
            sender: link.sender.clone(),
            consent_contract: link.consent_contract.clone(),
            union_contract: link.union_contract.clone(),
        },
        store.clone(),
        metrics,
        RecorderSettings::default(),
    );
    tasks.push(tokio::spawn(recorder.run(stop.clone())));
    tracing::info!(consent = %link.consent_contract, "data API on; accesses are recorded on chain");
    let consent: Arc<dyn ConsentView> = Arc::new(ChainConsent {
        client: client.clone(),
        consent_contract: link.consent_contract.clone(),
        registry_contract: link.registry_contract,
        custodian: link.sender.address().to_string(),
    });
    let exports = match &link.union_contract {
        Some(union) => {
            let studies = Arc::new(ChainStudies {
                client: client.clone(),
                union_contract: union.clone(),
                consent_contract: link.consent_contract.clone(),
            });
            let svc = ExportService::new(
                studies,
                consent.clone(),
                store.clone(),
                store.clone(),
                link.pseudonyms,
                link.exports_dir,
                ExportSettings::default(),
            )?;
            tracing::info!(union = %union, "research dataset exports on");
            Some(Arc::new(svc))
        }
        None => {
            tracing::info!("no --union-contract: research dataset exports are off");
            None
        }
    };
    let data = Arc::new(DataApi {
        auth: RequestAuth::new(WASM_PREFIX, link.started),
        consent,
        data: store.clone(),
        outbox: store.clone(),
        erasure: store,
        clock: system_clock(),
        prefix: WASM_PREFIX.to_string(),
        chain_id: link.chain_id,
        anchors_contract: link.anchors_contract,
        relayer_held: Arc::new(move |device: &str| uploaders.contains(device)),
        max_body_bytes: link.max_body_bytes,
        exports,
    });
    Ok((data, nightscout))
}
