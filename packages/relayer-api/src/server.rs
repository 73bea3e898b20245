//! Running the HTTP API until a shutdown signal, then finishing every write in flight.

use std::future::Future;
use std::sync::Arc;

use tokio::net::TcpListener;

use diachain_relayer_core::store::GroupCommit;

use crate::routes::router;
use crate::state::AppState;

/// Serves `state` on `listener` until `shutdown` resolves. Graceful: the listener stops
/// accepting, requests in flight are answered (their batches written and fsync'd), then the
/// store writer drains and stops.
pub async fn run(
    listener: TcpListener,
    state: Arc<AppState>,
    writer: Arc<GroupCommit>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let served = axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await;
    let closed = tokio::task::spawn_blocking(move || writer.close()).await;
    if closed.is_err() {
        tracing::error!("the store writer did not stop cleanly");
    }
    served
}

/// Resolves on SIGTERM or SIGINT (Ctrl-C).
pub async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => tracing::info!("SIGINT: shutting down"),
        () = terminate => tracing::info!("SIGTERM: shutting down"),
    }
}
