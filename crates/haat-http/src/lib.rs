//! What every Haat HTTP role shares: the one JSON error shape, extractors that turn
//! malformed input into that shape instead of a 5xx, request ids, per-route metrics,
//! readiness with graceful drain, and the server loop.
//!
//! Boundary: this crate knows nothing of the database or of any feature; roles (api,
//! storefront) build routers and hand them to [`serve`].

mod error;
mod extract;
mod layers;
mod server;
pub mod signature;

pub use error::{ApiError, ErrorBody};
pub use extract::{client_ip, Json, Path, Query};
pub use layers::{
    install_metrics_recorder, new_request_id, observability_layers, request_id_of, RequestId,
    RouteRecorder,
};
pub use server::{serve, shutdown_signal, Readiness};
