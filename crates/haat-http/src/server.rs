//! The server loop shared by every role: bind, serve until a shutdown signal, then drain.
//!
//! Drain order: readiness turns false first (so a balancer stops sending new requests),
//! the listener stops accepting, in-flight requests finish, and only then does the
//! caller close its database pool.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use std::convert::Infallible;

use axum::extract::Request;
use axum::response::Response;
use axum::ServiceExt;
use tokio::net::TcpListener;
use tower::Service;

/// Whether this process should receive traffic. Flipped to draining on shutdown.
#[derive(Clone, Debug, Default)]
pub struct Readiness {
    draining: Arc<AtomicBool>,
}

impl Readiness {
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }

    pub fn start_draining(&self) {
        self.draining.store(true, Ordering::SeqCst);
    }
}

/// Resolves on SIGTERM or SIGINT (Ctrl-C).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("received SIGINT, shutting down"),
        () = terminate => tracing::info!("received SIGTERM, shutting down"),
    }
}

/// Serves `service` (a `Router`, or a service wrapping one) on `listener` until `shutdown` resolves; then marks the process as
/// draining, waits `drain_delay` so balancers see `/readyz` fail, stops accepting and
/// waits for in-flight requests to finish.
pub async fn serve<S>(
    listener: TcpListener,
    service: S,
    readiness: Readiness,
    drain_delay: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + Sync + 'static,
    S::Future: Send,
{
    let graceful = async move {
        shutdown.await;
        readiness.start_draining();
        if !drain_delay.is_zero() {
            tracing::info!(drain_delay_ms = drain_delay.as_millis() as u64, "draining");
            tokio::time::sleep(drain_delay).await;
        }
    };
    axum::serve(
        listener,
        ServiceExt::<Request>::into_make_service_with_connect_info::<SocketAddr>(service),
    )
    .with_graceful_shutdown(graceful)
    .await
}
