//! The middleware stack every role shares: request ids (generated or propagated, on
//! every log line and in the `x-request-id` response header), a tracing span per request,
//! per-route Prometheus metrics, panic capture and a request timeout.

use std::borrow::Cow;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use http::request::Parts;
use http::{HeaderName, StatusCode};
use metrics::SharedString;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId as TowerRequestId, SetRequestIdLayer,
};
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

/// Request ids for requests that come without one: a random 64-bit prefix drawn once per
/// process and a counter (`9f2c41d07a3be215-1a`). Unique across a fleet without a
/// random draw per request (a v4 UUID costs a `getrandom` call each).
#[derive(Clone, Copy, Debug, Default)]
struct MakeSequentialId;

static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

const HEX: &[u8; 16] = b"0123456789abcdef";

/// The process prefix as 16 hex digits, drawn once.
fn process_prefix() -> &'static [u8; 16] {
    static PREFIX: OnceLock<[u8; 16]> = OnceLock::new();
    PREFIX.get_or_init(|| {
        let bytes = *uuid::Uuid::new_v4().as_bytes();
        let prefix = u64::from_le_bytes(bytes[..8].try_into().unwrap_or_default());
        let mut digits = [0; 16];
        for (i, digit) in digits.iter_mut().enumerate() {
            *digit = HEX[((prefix >> (60 - 4 * i)) & 0xf) as usize];
        }
        digits
    })
}

fn request_id_value(n: u64) -> http::HeaderValue {
    let mut id = [0u8; 33];
    id[..16].copy_from_slice(process_prefix());
    id[16] = b'-';
    let digits = (16 - n.leading_zeros() as usize / 4).max(1);
    for i in 0..digits {
        id[17 + i] = HEX[((n >> (4 * (digits - 1 - i))) & 0xf) as usize];
    }
    http::HeaderValue::from_bytes(&id[..17 + digits])
        .unwrap_or_else(|_| http::HeaderValue::from_static("-"))
}

impl MakeRequestId for MakeSequentialId {
    fn make_request_id<B>(&mut self, _request: &http::Request<B>) -> Option<TowerRequestId> {
        Some(TowerRequestId::new(new_request_id()))
    }
}

/// A new request id (as the stack makes for a request without one), written into a
/// stack buffer: the hot path formats nothing.
pub fn new_request_id() -> http::HeaderValue {
    request_id_value(NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
}

/// Records a request answered outside the middleware stack (a page-cache hit served
/// before routing) for one fixed route: the same metrics and the same request log line
/// as the stack's, its handles for `200` and `304` resolved once (other statuses take
/// the shared table):
/// `static STORE_PAGE: RouteRecorder = RouteRecorder::new(Method::GET, "/{slug}");`.
pub struct RouteRecorder {
    method: http::Method,
    route: &'static str,
    ok: OnceLock<std::sync::Arc<RouteMetrics>>,
    not_modified: OnceLock<std::sync::Arc<RouteMetrics>>,
}

impl RouteRecorder {
    pub const fn new(method: http::Method, route: &'static str) -> RouteRecorder {
        RouteRecorder {
            method,
            route,
            ok: OnceLock::new(),
            not_modified: OnceLock::new(),
        }
    }

    pub fn record(&self, status: StatusCode, request_id: &http::HeaderValue, started: Instant) {
        let resolve = || route_metrics(&self.method, self.route, status);
        let other;
        let handles = match status {
            StatusCode::OK => self.ok.get_or_init(resolve),
            StatusCode::NOT_MODIFIED => self.not_modified.get_or_init(resolve),
            _ => {
                other = resolve();
                &other
            }
        };
        record_with(
            handles,
            &self.method,
            self.route,
            status,
            request_id,
            started,
        );
    }
}

fn record_with(
    handles: &RouteMetrics,
    method: &http::Method,
    route: &str,
    status: StatusCode,
    request_id: &http::HeaderValue,
    started: Instant,
) {
    let elapsed = started.elapsed();
    handles.requests.increment(1);
    if let Some(errors) = &handles.errors {
        errors.increment(1);
    }
    handles.duration.record(elapsed.as_secs_f64());
    tracing::info!(
        request_id = request_id.to_str().unwrap_or("-"),
        http.method = %method,
        http.route = route,
        http.status = status.as_u16(),
        duration_ms = millis(elapsed),
        "request finished"
    );
}

/// A duration in milliseconds, to the microsecond (`0.002522`, not the
/// `0.0025220000000000004` that multiplying seconds gives).
fn millis(duration: Duration) -> f64 {
    duration.as_micros() as f64 / 1000.0
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
                    duration_ms = millis(latency),
                    "request finished"
                );
            },
        )
        .on_failure(());
    router
        .layer(middleware::from_fn(track_metrics))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeSequentialId))
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

/// One route's metric handles, registered once (registering builds and hashes a key
/// with its labels; the hot path only bumps atomics).
struct RouteMetrics {
    route: String,
    method: http::Method,
    status: u16,
    requests: metrics::Counter,
    errors: Option<metrics::Counter>,
    duration: metrics::Histogram,
}

type RouteTable =
    std::sync::RwLock<std::collections::HashMap<u64, Vec<std::sync::Arc<RouteMetrics>>>>;

fn route_metrics(
    method: &http::Method,
    route: &str,
    status: StatusCode,
) -> std::sync::Arc<RouteMetrics> {
    use std::hash::{Hash, Hasher};
    static TABLE: OnceLock<RouteTable> = OnceLock::new();
    let table = TABLE.get_or_init(Default::default);
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (method.as_str(), route, status.as_u16()).hash(&mut hasher);
    let hash = hasher.finish();
    let matches = |m: &&std::sync::Arc<RouteMetrics>| {
        m.method == *method && m.route == route && m.status == status.as_u16()
    };
    if let Some(found) = table
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .get(&hash)
        .and_then(|bucket| bucket.iter().find(matches).cloned())
    {
        return found;
    }
    let labels = [
        ("method", SharedString::from(method_label(method))),
        ("route", SharedString::from(route.to_owned())),
        ("status", status_label(status)),
    ];
    let entry = std::sync::Arc::new(RouteMetrics {
        route: route.to_owned(),
        method: method.clone(),
        status: status.as_u16(),
        requests: metrics::counter!("haat_http_requests_total", &labels),
        errors: status
            .is_server_error()
            .then(|| metrics::counter!("haat_http_errors_total", &labels)),
        duration: metrics::histogram!("haat_http_request_duration_seconds", &labels[..2]),
    });
    table
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .entry(hash)
        .or_default()
        .push(entry.clone());
    entry
}

/// Counts requests and errors and records latency per route template.
async fn track_metrics(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let matched = request.extensions().get::<MatchedPath>().cloned();
    let response = next.run(request).await;
    let route = matched.as_ref().map_or("unmatched", MatchedPath::as_str);
    let handles = route_metrics(&method, route, response.status());
    handles.requests.increment(1);
    if let Some(errors) = &handles.errors {
        errors.increment(1);
    }
    handles.duration.record(started.elapsed().as_secs_f64());
    response
}

/// Labels without an allocation for the usual methods and statuses.
fn method_label(method: &http::Method) -> Cow<'static, str> {
    match *method {
        http::Method::GET => Cow::Borrowed("GET"),
        http::Method::POST => Cow::Borrowed("POST"),
        http::Method::PATCH => Cow::Borrowed("PATCH"),
        http::Method::PUT => Cow::Borrowed("PUT"),
        http::Method::DELETE => Cow::Borrowed("DELETE"),
        http::Method::HEAD => Cow::Borrowed("HEAD"),
        _ => Cow::Owned(method.as_str().to_owned()),
    }
}

fn status_label(status: StatusCode) -> SharedString {
    match status.as_u16() {
        200 => SharedString::const_str("200"),
        201 => SharedString::const_str("201"),
        204 => SharedString::const_str("204"),
        303 => SharedString::const_str("303"),
        304 => SharedString::const_str("304"),
        400 => SharedString::const_str("400"),
        404 => SharedString::const_str("404"),
        422 => SharedString::const_str("422"),
        other => SharedString::from(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_request_ids_are_unique_and_share_the_process_prefix() {
        let request = http::Request::new(());
        let mut make = MakeSequentialId;
        let ids: Vec<String> = (0..3)
            .map(|_| {
                let id = make.make_request_id(&request).unwrap();
                id.header_value().to_str().unwrap().to_owned()
            })
            .collect();
        assert_ne!(ids[0], ids[1]);
        assert_ne!(ids[1], ids[2]);
        let prefix = |id: &String| id.split('-').next().unwrap().to_owned();
        assert_eq!(prefix(&ids[0]), prefix(&ids[2]));
        assert_eq!(prefix(&ids[0]).len(), 16);
    }

    #[test]
    fn request_ids_are_the_prefix_and_the_counter_in_lowercase_hex() {
        let text = |n: u64| request_id_value(n).to_str().unwrap().to_owned();
        let prefix = std::str::from_utf8(process_prefix()).unwrap().to_owned();
        assert_eq!(prefix.len(), 16);
        assert!(prefix
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        for n in [0, 1, 15, 16, 255, 0x1234_abcd, u64::MAX] {
            assert_eq!(text(n), format!("{prefix}-{n:x}"));
        }
    }
}
