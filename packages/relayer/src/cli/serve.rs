//! `serve`: open the store, connect to the chain, start the writer, the block watcher, the
//! anchoring task and the API; run until a signal, then stop in order (API, writer, tasks).

use std::sync::Arc;
use std::time::Duration;

use diachain_chain_client::{ChainClient, ClientConfig, HttpRpc, TxSender};
use diachain_relayer_api::{server, AppState, StatusSources};
use diachain_relayer_core::anchor::{Anchorer, AnchoringHealth, AnchoringStatus, TxAnchorChain};
use diachain_relayer_core::chain::{BlockWatcher, ChainHealth};
use diachain_relayer_core::clock::{system_clock, unix_now};
use diachain_relayer_core::export::PseudonymSecret;
use diachain_relayer_core::health::Health;
use diachain_relayer_core::ingest::Pipeline;
use diachain_relayer_core::metrics::Metrics;
use diachain_relayer_core::registry::{
    ChainRegistry, FileRegistry, RegistryCache, RegistryView, SamplingLimits,
};
use diachain_relayer_core::store::{GroupCommit, Heartbeat, Store};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::{load_signer, CliError, CliResult, ServeArgs};
use crate::config::{ChainSection, ConfigError, FileConfig};

/// How often the block watcher polls the node (blocks are 1 s on the local network).
const BLOCK_POLL: Duration = Duration::from_millis(200);
/// How long to wait for the node at start.
const CONNECT_PATIENCE: Duration = Duration::from_secs(60);

/// The chain side of a running relayer.
struct ChainLink {
    view: Arc<dyn RegistryView>,
    client: ChainClient<HttpRpc>,
    anchor_chain: TxAnchorChain<HttpRpc>,
    registry_contract: String,
}

pub async fn serve(args: ServeArgs, file: FileConfig) -> CliResult {
    let store_cfg = args.store.or(file.store);
    let server_cfg = args.server.or(file.server);
    let registry_cfg = args.registry.or(file.registry);
    let anchoring_cfg = args.anchoring.or(file.anchoring);
    let chain_cfg = args.chain.or(file.chain);
    let (chain_id, anchors_contract) = chain_cfg.domain()?;
    let settings = anchoring_cfg.settings()?;
    let cors = server_cfg.cors_origins()?;
    if !cors.is_empty() {
        tracing::info!(origins = ?cors, "browser pages from these origins may call the API");
    }

    let master = store_cfg.master_key()?;
    let opened = super::store::open_shared(&store_cfg, &master)?;
    let store: Arc<dyn Store> = opened.store;
    // Renews this instance's claims on shared work while it runs (PostgreSQL only).
    let _heartbeat: Option<Heartbeat> = opened.heartbeat;
    let link = match &registry_cfg.file {
        Some(f) => {
            tracing::warn!(file = %f.display(), "development registry from a file: nothing will be anchored");
            None
        }
        None => Some(connect(&chain_cfg, &chain_id, &anchors_contract).await?),
    };
    let view: Arc<dyn RegistryView> = match (&registry_cfg.file, &link) {
        (Some(f), _) => Arc::new(FileRegistry::from_json_file(f)?),
        (None, Some(l)) => l.view.clone(),
        (None, None) => return Err(ConfigError::Missing("--node or --registry-file").into()),
    };
    let registry = Arc::new(RegistryCache::new(view, registry_cfg.max_age()?));
    let writer = Arc::new(GroupCommit::start(store.clone(), store_cfg.max_group())?);
    let metrics = Arc::new(Metrics::new());
    let counts = store.counts()?;
    metrics
        .batches_pending
        .set(i64::try_from(counts.pending.saturating_add(counts.in_flight)).unwrap_or(i64::MAX));

    let (stop_tx, stop) = watch::channel(false);
    let mut health = Health::default();
    let mut chain_clock = system_clock();
    let limits = Arc::new(SamplingLimits::default());
    let mut anchoring = None;
    let mut data: Option<Arc<diachain_relayer_api::DataApi>> = None;
    let mut nightscout = None;
    let mut alerts = None;
    let mut tasks: Vec<JoinHandle<()>> = Vec::new();
    if let Some(link) = link {
        match &chain_cfg.consent_contract {
            Some(consent) => {
                let started = unix_now();
                let (d, ns) = super::serve_data::start(
                    &link.client,
                    super::serve_data::DataLink {
                        sender: link.anchor_chain.sender.clone(),
                        consent_contract: consent.clone(),
                        union_contract: chain_cfg.union_contract.clone(),
                        exports_dir: store_cfg.exports_dir(),
                        pseudonyms: PseudonymSecret::from_master(&master),
                        registry_contract: link.registry_contract.clone(),
                        chain_id: chain_id.clone(),
                        anchors_contract: anchors_contract.clone(),
                        started,
                        max_body_bytes: server_cfg.max_body_bytes(),
                    },
                    store.clone(),
                    metrics.clone(),
                    &stop,
                    &mut tasks,
                )?;
                data = Some(d);
                nightscout = Some(ns);
            }
            None => tracing::warn!(
                "no --consent-contract: the data API is off (data requests get 503) and no \
                 access is recorded"
            ),
        }
        let chain_health = Arc::new(ChainHealth::new(Duration::from_secs(10)));
        let watcher = BlockWatcher {
            client: link.client,
            cache: registry.clone(),
            anchors_contract: anchors_contract.clone(),
            limits: limits.clone(),
            health: chain_health.clone(),
            interval: BLOCK_POLL,
        };
        tasks.push(tokio::spawn(watcher.run(stop.clone())));
        chain_clock = {
            let h = chain_health.clone();
            Arc::new(move || h.chain_now())
        };
        let status = Arc::new(AnchoringStatus::default());
        let anchorer = Anchorer {
            chain: link.anchor_chain,
            store: store.clone(),
            metrics: metrics.clone(),
            status: status.clone(),
            settings,
            tuning: Default::default(),
        };
        tasks.push(tokio::spawn(anchorer.run(stop.clone())));
        health.chain = Some(chain_health);
        health.anchoring = Some(Arc::new(AnchoringHealth {
            store: store.clone(),
            status: status.clone(),
            max_lag_seconds: anchoring_cfg.max_lag_secs(),
        }));
        anchoring = Some(status);
        if let Some(d) = &data {
            alerts = Some(super::serve_alerts::start(
                store.clone(),
                d.clone(),
                chain_clock.clone(),
                metrics.clone(),
                server_cfg.allow_private_webhooks(),
                &stop,
                &mut tasks,
            )?);
        }
    }

    let state = Arc::new(AppState {
        pipeline: Pipeline {
            chain_id,
            anchors_contract,
            registry,
            store: store.clone(),
            writer: writer.clone(),
            clock: system_clock(),
            chain_clock,
            limits,
            verifier: Default::default(),
            alerts: alerts.as_ref().map(|a| a.feed.clone()),
        },
        metrics,
        health,
        status: StatusSources {
            batches: store.clone(),
            outbox: store.clone(),
            anchoring,
        },
        max_body_bytes: server_cfg.max_body_bytes(),
        data,
        nightscout,
        alerts: alerts.as_ref().map(|a| a.api.clone()),
        cors: Arc::new(cors),
    });
    let listener = TcpListener::bind(server_cfg.listen()).await?;
    tracing::info!(address = %listener.local_addr()?, store = %opened.label, "relayer listening");
    server::run(listener, state, writer, server::shutdown_signal()).await?;
    // The API and the writer have stopped; the tasks finish their current step.
    let _ = stop_tx.send(true);
    for task in tasks {
        if tokio::time::timeout(Duration::from_secs(15), task)
            .await
            .is_err()
        {
            tracing::warn!("a background task did not stop in time");
        }
    }
    if let Some(a) = alerts {
        a.stop();
    }
    tracing::info!("relayer stopped; every acknowledged batch is on disk");
    Ok(())
}

/// Connects to the node (waiting up to a minute for it), loads the key and checks that the
/// relayer is admitted.
async fn connect(
    chain: &ChainSection,
    chain_id: &str,
    anchors_contract: &str,
) -> Result<ChainLink, CliError> {
    let node = chain.node.clone().ok_or(ConfigError::Missing(
        "--node (the chain's RPC address), or --registry-file",
    ))?;
    let registry_contract = chain
        .registry_contract
        .clone()
        .ok_or(ConfigError::Missing("--registry-contract"))?;
    let signer = load_signer(chain)?;
    let config = ClientConfig::new(&node, chain.gas_prices())?.with_chain_id(chain_id);
    let started = tokio::time::Instant::now();
    let client = loop {
        match ChainClient::connect(config.clone()).await {
            Ok(c) => break c,
            Err(e) if e.is_retryable() && started.elapsed() < CONNECT_PATIENCE => {
                tracing::warn!(error = %e, node, "waiting for the node");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(source) => return Err(CliError::Node { node, source }),
        }
    };
    let registry = ChainRegistry::new(
        client.clone(),
        registry_contract.clone(),
        signer.address().into(),
    );
    match registry.relayer_active().await {
        Ok(true) => {}
        Ok(false) => tracing::warn!(
            address = signer.address(),
            "this relayer is not an active relayer in the registry: batches are accepted but \
             cannot be anchored until the consortium admits it"
        ),
        Err(e) => tracing::warn!(error = %e, "cannot tell whether this relayer is admitted"),
    }
    tracing::info!(
        address = signer.address(),
        node,
        chain_id,
        "connected to the chain"
    );
    Ok(ChainLink {
        view: Arc::new(registry),
        anchor_chain: TxAnchorChain {
            sender: Arc::new(TxSender::new(client.clone(), signer)),
            anchors_contract: anchors_contract.to_string(),
        },
        client,
        registry_contract,
    })
}
