//! The middleware stack every role shares: request ids (generated or propagated, on
//! every log line and in the `x-request-id` response header), a tracing span per request,
//! per-route Prometheus metrics, panic capture and a request timeout.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use http::request::Parts;
use http::{HeaderName, StatusCode};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use tracing::Span;

use crate::ApiError;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The request id of the current request, as set by [`observability_layers`].
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

pub fn request_id_of(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(REQUEST_ID)
        .and_then(|value| value.to_str().ok())
}

/// Installs the process-wide Prometheus recorder once and returns its handle; later
/// calls (several test apps in one process) get the same handle.
pub fn install_metrics_recorder() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let buckets = [
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                10.0,
            ];
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), &buckets)
                .expect("static bucket list is not empty")
                .build_recorder();
            let handle = recorder.handle();
            // Another recorder may already be installed (e.g. by a test harness); metrics
            // then go there and this handle renders an empty page, which is harmless.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// Wraps a role's router with the shared layers. `timeout` bounds a whole request.
pub fn observability_layers(router: Router, timeout: Duration) -> Router {
    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &Request| {
            let request_id = request
                .headers()
                .get(REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            // The route template, never the raw path: paths may carry order tokens.
            let route = request
                .extensions()
                .get::<MatchedPath>()
                .map_or("unmatched", MatchedPath::as_str);
            tracing::info_span!(
                "request",
                request_id = %request_id,
                http.method = %request.method(),
                http.route = %route,
            )
        })
        .on_request(())
        .on_response(
            |response: &http::Response<_>, latency: Duration, _span: &Span| {
                tracing::info!(
                    http.status = response.status().as_u16(),
                    duration_ms = latency.as_secs_f64() * 1000.0,
                    "request finished"
                );
            },
        )
        .on_failure(());
    router
        .layer(middleware::from_fn(track_metrics))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(trace)
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(CatchPanicLayer::custom(|_| {
                    tracing::error!("handler panicked");
                    ApiError::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "internal",
                        "something went wrong on our side; quote the x-request-id header when reporting it",
                    )
                    .into_response()
                }))
                .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, timeout)),
        )
}

/// Counts requests and errors and records latency per route template.
async fn track_metrics(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let response = next.run(request).await;
    let status = response.status();
    let labels = [
        ("method", method),
        ("route", route),
        ("status", status.as_u16().to_string()),
    ];
    metrics::counter!("haat_http_requests_total", &labels).increment(1);
    if status.is_server_error() {
        metrics::counter!("haat_http_errors_total", &labels).increment(1);
    }
    metrics::histogram!("haat_http_request_duration_seconds", &labels[..2])
        .record(started.elapsed().as_secs_f64());
    response
}
