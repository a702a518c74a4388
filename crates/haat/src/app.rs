//! Wiring: turns configuration and a database into the router of one or all roles,
//! with health, readiness and metrics, and serves it with graceful shutdown.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use haat_api::{ApiConfig, ApiState, IpLimit, SecretKey};
use haat_checkout::{CheckoutConfig, CheckoutState};
use haat_db::{Db, OtpLimits};
use haat_http::{install_metrics_recorder, observability_layers, Readiness};
use haat_media::{ImagePolicy, ImageProcessor, MediaStore, S3Config};
use haat_payments::PaymentsState;
use haat_sms::{SmsProviderKind, SmsSender, SmsSettings};
use haat_storefront::{StorefrontConfig, StorefrontState};
use http::StatusCode;
use metrics_exporter_prometheus::PrometheusHandle;
use secrecy::ExposeSecret;
use tower_http::compression::CompressionLayer;

use crate::catalog::DbCatalog;
use crate::config::{Config, SmsProvider};
use crate::secret::load_secret_key;

/// Which routes a process serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Everything in one process (`haat serve`).
    All,
    /// Seller API, dashboard and auth (`haat api`).
    Api,
    /// Public store pages and media (`haat storefront`).
    Storefront,
}

impl Role {
    fn serves_api(self) -> bool {
        matches!(self, Role::All | Role::Api)
    }
    fn serves_storefront(self) -> bool {
        matches!(self, Role::All | Role::Storefront)
    }
}

/// Knobs tests turn: rate limits that would otherwise trip on a suite's many logins.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub otp: OtpLimits,
    pub otp_ip: IpLimit,
    pub verify_ip: IpLimit,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            otp: OtpLimits::default(),
            otp_ip: IpLimit {
                per_hour: 30,
                burst: 10,
            },
            verify_ip: IpLimit {
                per_hour: 120,
                burst: 30,
            },
        }
    }
}

#[derive(Clone)]
struct Infra {
    db: Db,
    readiness: Readiness,
    metrics: PrometheusHandle,
    openapi_json: Arc<str>,
}

/// The OpenAPI document of every JSON endpoint Haat has, whichever role serves it: the
/// seller API and storefront catalog, the checkout, and the payment webhooks. Composed
/// here because the binary is the one crate that knows all of them.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = haat_api::openapi();
    doc.merge(haat_checkout::openapi());
    doc.merge(haat_payments::openapi());
    doc
}

pub fn media_store(config: &Config) -> anyhow::Result<MediaStore> {
    match &config.media_s3_bucket {
        Some(bucket) => Ok(MediaStore::s3(S3Config {
            bucket: bucket.clone(),
            region: config
                .media_s3_region
                .clone()
                .unwrap_or_else(|| "us-east-1".to_owned()),
            endpoint: config.media_s3_endpoint.clone(),
            access_key_id: config.media_s3_access_key_id.clone().unwrap_or_default(),
            secret_access_key: config
                .media_s3_secret_access_key
                .as_ref()
                .map(|s| s.expose_secret().to_owned())
                .unwrap_or_default(),
            allow_http: config
                .media_s3_endpoint
                .as_deref()
                .is_some_and(|e| e.starts_with("http://")),
        })?),
        None => Ok(MediaStore::local(&config.media_dir())?),
    }
}

pub fn sms_sender(config: &Config) -> anyhow::Result<SmsSender> {
    let settings = SmsSettings {
        provider: match config.sms_provider {
            SmsProvider::File => SmsProviderKind::File,
            SmsProvider::Webhook => SmsProviderKind::Webhook,
        },
        outbox: config.sms_outbox(),
        webhook_url: config.sms_webhook_url.clone(),
        webhook_secret: config
            .sms_webhook_secret
            .as_ref()
            .map(|s| s.expose_secret().to_owned()),
        timeout: Duration::from_secs(5),
        attempts: 3,
        production: config.is_production(),
    };
    Ok(SmsSender::from_settings(&settings)?)
}

/// What one process serves: its HTTP service, its readiness flag, and (for roles that serve
/// the storefront) the page cache its invalidation feed must keep fresh
/// ([`crate::background::spawn_invalidation`]).
pub struct App {
    pub service: HttpService,
    pub readiness: Readiness,
    pub pages: Option<haat_cache::PageCache>,
    /// The node's search (storefront roles), whose indexer the caller starts
    /// ([`crate::background::spawn_indexer`]).
    pub search: Option<Arc<crate::search::SearchNode>>,
    /// Where slightly stale reads go; the caller runs its replica monitor
    /// ([`crate::background::spawn_replica_monitor`]).
    pub reads: haat_db::Reads,
}

pub fn build_app(config: &Config, role: Role, db: Db, limits: Limits) -> anyhow::Result<App> {
    let readiness = Readiness::default();
    let reads = crate::database::reads(config, &db)?;
    let infra = Infra {
        db: db.clone(),
        readiness: readiness.clone(),
        metrics: install_metrics_recorder(),
        openapi_json: openapi()
            .to_json()
            .context("serialising the OpenAPI document")?
            .into(),
    };
    let media = media_store(config).context("opening media storage")?;
    let mut router = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_page))
        .route("/api/v1/openapi.json", get(openapi_document))
        .with_state(infra);
    if role.serves_api() {
        let api = ApiState::new(
            reads.clone(),
            sms_sender(config).context("configuring sms")?,
            ImageProcessor::new(ImagePolicy::default()),
            media.clone(),
            SecretKey::new(load_secret_key(config)?),
            ApiConfig {
                public_url: config.public_url(),
                media_base_url: config.media_base_url(),
                otp_limits: limits.otp,
                otp_ip_limit: limits.otp_ip,
                verify_ip_limit: limits.verify_ip,
                api_session_ttl: Duration::from_secs(90 * 24 * 3600),
                dashboard_session_ttl: Duration::from_secs(30 * 24 * 3600),
                trust_forwarded_for: config.trust_forwarded_for,
                production: config.is_production(),
            },
        );
        router = router
            .merge(haat_api::router(api.clone()))
            .merge(haat_api::dashboard::router(api))
            .merge(haat_payments::router(PaymentsState::new(
                db.clone(),
                config
                    .payments_webhook_secret
                    .as_ref()
                    .map(|s| s.expose_secret().to_owned()),
            )));
    }
    let mut pages = None;
    let mut hits = None;
    let mut search = None;
    if role.serves_storefront() {
        let cache = crate::cache::page_cache(config, &db)?;
        let mut storefront_config = StorefrontConfig::new(config.public_url());
        storefront_config.media_base_url = config.media_base_url();
        let node = crate::search::SearchNode::open(config, &db, reads.clone());
        let storefront = StorefrontState::new(
            Arc::new(DbCatalog::new(reads.clone(), cache.clone())),
            media.clone(),
            storefront_config,
            cache.clone(),
        )
        .with_search(node.clone());
        search = Some(node);
        pages = Some(cache);
        hits = Some(storefront.clone());
        router = router.merge(haat_storefront::router(storefront));
        let checkout = CheckoutState::new(
            db.clone(),
            media.clone(),
            CheckoutConfig {
                public_url: config.public_url(),
                media_base_url: config.media_base_url(),
                secure_cookies: config.is_production(),
                test_gateway_url: config.payments_test_gateway_url.clone(),
            },
        );
        router = router.merge(haat_checkout::router(checkout));
    }
    let router = router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(CompressionLayer::new().gzip(true).br(true));
    let router = observability_layers(
        router,
        Duration::from_secs(config.request_timeout_secs.max(1)),
    );
    Ok(App {
        service: HttpService { hits, router },
        readiness,
        pages,
        search,
        reads,
    })
}

/// The process's HTTP service: a fresh store-page hit (storefront roles) is answered
/// before routing, by [`haat_storefront::serve_hit`], which keeps the request id, the
/// security headers, the route's metrics and its log line; everything else goes through
/// the router and its whole middleware stack. A layer on the `Router` would run after
/// route matching (axum layers each route); this wraps the router instead, so a hit costs
/// no matching, no per-route service clone and no stack (the measured hot path,
/// docs/BENCHMARKS.md).
#[derive(Clone)]
pub struct HttpService {
    hits: Option<StorefrontState>,
    router: Router,
}

impl tower::Service<axum::extract::Request> for HttpService {
    type Response = axum::response::Response;
    type Error = std::convert::Infallible;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<Self::Response, Self::Error>> + Send>,
    >;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        // The router is always ready.
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: axum::extract::Request) -> Self::Future {
        let hits = self.hits.clone();
        let mut router = self.router.clone();
        Box::pin(async move {
            let Some(storefront) = hits else {
                return router.call(request).await;
            };
            let (parts, body) = request.into_parts();
            match haat_storefront::serve_hit(&storefront, &parts).await {
                Some(response) => Ok(response),
                None => {
                    router
                        .call(axum::extract::Request::from_parts(parts, body))
                        .await
                }
            }
        })
    }
}

/// Unknown paths: a JSON error under `/api/`, the friendly HTML page elsewhere.
async fn not_found(uri: http::Uri) -> axum::response::Response {
    if uri.path().starts_with("/api/") {
        return haat_http::ApiError::not_found("route").into_response();
    }
    haat_storefront::not_found().await
}

async fn method_not_allowed() -> axum::response::Response {
    haat_http::ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this method is not allowed on this path",
    )
    .into_response()
}

/// `GET /healthz`: the process is alive.
async fn healthz() -> impl IntoResponse {
    Json(serde_json::json!({ "status": "ok" }))
}

/// `GET /readyz`: the database answers and migrations are applied, and the process is
/// not draining. A balancer sends traffic only while this is 200.
async fn readyz(State(infra): State<Infra>) -> impl IntoResponse {
    if infra.readiness.is_draining() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({ "status": "draining" })),
        );
    }
    let check = tokio::time::timeout(Duration::from_secs(2), infra.db.is_ready()).await;
    match check {
        Ok(Ok(true)) => (
            StatusCode::OK,
            Json(serde_json::json!({ "status": "ready" })),
        ),
        Ok(Ok(false)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({ "status": "not_ready", "reason": "migrations pending" })),
        ),
        Ok(Err(_)) | Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({ "status": "not_ready", "reason": "database unreachable" })),
        ),
    }
}

/// `GET /metrics`: Prometheus text format. Pool gauges are sampled at scrape time.
async fn openapi_document(State(infra): State<Infra>) -> impl IntoResponse {
    (
        [(http::header::CONTENT_TYPE, "application/json")],
        infra.openapi_json.to_string(),
    )
}

async fn metrics_page(State(infra): State<Infra>) -> impl IntoResponse {
    let stats = infra.db.pool_stats();
    metrics::gauge!("haat_db_pool_connections", "state" => "idle").set(f64::from(stats.idle));
    metrics::gauge!("haat_db_pool_connections", "state" => "in_use")
        .set(f64::from(stats.size.saturating_sub(stats.idle)));
    metrics::gauge!("haat_db_pool_max_connections").set(f64::from(stats.max));
    if let Some(dropped) = crate::telemetry::dropped_lines() {
        metrics::counter!("haat_log_lines_dropped_total").absolute(dropped);
    }
    (
        [(http::header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        infra.metrics.render(),
    )
}
