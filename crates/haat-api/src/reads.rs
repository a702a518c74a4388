//! Read-your-writes on read replicas (ADR 0022). Reads that may be slightly stale (the
//! seller's lists and exports) run through [`ApiState::read`] with the seller's floor;
//! [`record_writes`] raises that floor after every write a signed-in seller makes, before
//! the response leaves, so the very next request already sees its own change.
//! With no replica configured both are free: the read runs on the primary and no floor
//! is recorded.

use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use haat_db::{Db, DbError, Lsn};
use haat_domain::SellerId;

use crate::ApiState;

/// Put on a write request by [`record_writes`]; the seller extractors fill it in.
#[derive(Clone, Default)]
pub(crate) struct WriteMark(Arc<OnceLock<SellerId>>);

impl WriteMark {
    /// Notes the signed-in seller of a write request, if the request is being watched.
    pub(crate) fn note(parts: &http::request::Parts, seller: SellerId) {
        if let Some(mark) = parts.extensions.get::<WriteMark>() {
            let _ = mark.0.set(seller);
        }
    }
}

/// How long raising a floor may take before the response goes without it (the seller
/// may then see the replica's older view for at most the replica lag threshold).
const RECORD_TIMEOUT: Duration = Duration::from_secs(2);

/// Middleware: after a non-safe request by a signed-in seller, raise their read floor to
/// the primary's WAL position (every transaction the handler committed ends before it).
pub(crate) async fn record_writes(
    State(state): State<ApiState>,
    mut request: Request,
    next: Next,
) -> Response {
    if !state.reads().has_replicas() || request.method().is_safe() {
        return next.run(request).await;
    }
    let mark = WriteMark::default();
    request.extensions_mut().insert(mark.clone());
    let response = next.run(request).await;
    if let Some(seller) = mark.0.get() {
        let recorded = tokio::time::timeout(RECORD_TIMEOUT, state.db().record_write(*seller));
        match recorded.await {
            Ok(Ok(_)) => metrics::counter!("haat_db_read_floors_recorded_total").increment(1),
            Ok(Err(error)) => {
                metrics::counter!("haat_db_read_floor_failures_total").increment(1);
                tracing::warn!(%error, "recording the seller's read floor failed");
            }
            Err(_) => {
                metrics::counter!("haat_db_read_floor_failures_total").increment(1);
                tracing::warn!("recording the seller's read floor timed out");
            }
        }
    }
    response
}

impl ApiState {
    /// A read that may be slightly stale, on a replica that has this seller's last write
    /// (`floor`), else on the primary (`haat_db::Reads::run`).
    pub(crate) async fn read<T, F, Fut>(&self, floor: Option<Lsn>, read: F) -> Result<T, DbError>
    where
        F: Fn(Db) -> Fut,
        Fut: Future<Output = Result<T, DbError>>,
    {
        self.reads().run(floor, read).await
    }
}
