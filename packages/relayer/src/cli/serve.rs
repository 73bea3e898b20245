//! `serve`: open the store, start the writer and the API, run until a signal.

use std::sync::Arc;

use tokio::net::TcpListener;

use super::{CliResult, ServeArgs};
use crate::api::AppState;
use crate::config::FileConfig;
use crate::health::Health;
use crate::ingest::{system_clock, Pipeline};
use crate::metrics::Metrics;
use crate::registry::{InMemoryRegistry, RegistryCache, RegistryView};
use crate::server;
use crate::store::{GroupCommit, RedbStore, RedbStoreOptions, Store};

pub async fn serve(args: ServeArgs, file: FileConfig) -> CliResult {
    let store_cfg = args.store.or(file.store);
    let server_cfg = args.server.or(file.server);
    let registry_cfg = args.registry.or(file.registry);
    let (chain_id, anchors_contract) = args.chain.or(file.chain).domain()?;

    let master = store_cfg.master_key()?;
    let options = RedbStoreOptions {
        two_phase_commit: store_cfg.two_phase_commit.unwrap_or(false),
        ..RedbStoreOptions::default()
    };
    let path = store_cfg.path();
    let store = Arc::new(
        RedbStore::open(&path, &master, options)
            .map_err(|e| format!("cannot open the store {}: {e}", path.display()))?,
    );
    let view: Arc<dyn RegistryView> = match &registry_cfg.file {
        Some(f) => Arc::new(InMemoryRegistry::from_json_file(f)?),
        None => {
            return Err(
                "no registry source: the chain-backed registry is not built yet; \
                        pass --registry-file (development only)"
                    .into(),
            )
        }
    };
    let writer = Arc::new(GroupCommit::start(store.clone(), store_cfg.max_group())?);
    let metrics = Arc::new(Metrics::new());
    metrics
        .batches_pending
        .set(i64::try_from(store.counts()?.pending).unwrap_or(i64::MAX));
    let state = Arc::new(AppState {
        pipeline: Pipeline {
            chain_id,
            anchors_contract,
            registry: Arc::new(RegistryCache::new(view, registry_cfg.max_age())),
            store: store.clone() as Arc<dyn Store>,
            writer: writer.clone(),
            clock: system_clock(),
            verifier: Default::default(),
        },
        metrics,
        health: Health::default(),
        max_body_bytes: server_cfg.max_body_bytes(),
    });
    let listener = TcpListener::bind(server_cfg.listen()).await?;
    tracing::info!(address = %listener.local_addr()?, store = %path.display(), "relayer listening");
    server::run(listener, state, writer, server::shutdown_signal()).await?;
    tracing::info!("relayer stopped; every acknowledged batch is on disk");
    Ok(())
}
