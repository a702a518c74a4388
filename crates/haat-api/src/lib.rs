//! The api role: the seller JSON API, the seller dashboard and authentication.
//!
//! Boundary: handlers are thin (parse → authorise the tenant → call `haat_db` → render);
//! every store-scoped handler first loads the store *for this seller*, so another
//! seller's store is a 404 exactly like one that does not exist.

pub mod auth;
pub mod dashboard;
mod error;
pub mod input;
mod openapi;
mod reads;
pub mod routes;
mod upload;
pub mod wire;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
use axum::Router;
use haat_db::{Db, OtpLimits, ProductRecord, Reads, StoreRecord};
use haat_media::{ImageProcessor, MediaStore};
use haat_sms::SmsSender;
use url::Url;

pub use auth::{IpLimit, SecretKey};
pub use error::{Error, Result};
pub use openapi::openapi;

use auth::IpLimiter;
use wire::{ProductBody, StoreBody};

#[derive(Clone, Debug)]
pub struct ApiConfig {
    pub public_url: Url,
    pub media_base_url: Url,
    pub otp_limits: OtpLimits,
    pub otp_ip_limit: IpLimit,
    pub verify_ip_limit: IpLimit,
    pub api_session_ttl: Duration,
    pub dashboard_session_ttl: Duration,
    /// Use the first `X-Forwarded-For` hop as the client address (only behind a proxy
    /// that sets it).
    pub trust_forwarded_for: bool,
    /// Production mode: dashboard cookies are `Secure`.
    pub production: bool,
}

struct Inner {
    db: Db,
    reads: Reads,
    sms: SmsSender,
    images: ImageProcessor,
    media: MediaStore,
    secret: SecretKey,
    config: ApiConfig,
    otp_ip_limiter: IpLimiter,
    verify_ip_limiter: IpLimiter,
}

/// Shared state of the api role; cheap to clone.
#[derive(Clone)]
pub struct ApiState(Arc<Inner>);

impl ApiState {
    /// `reads` holds the primary (every write goes there) and any read replicas.
    pub fn new(
        reads: Reads,
        sms: SmsSender,
        images: ImageProcessor,
        media: MediaStore,
        secret: SecretKey,
        config: ApiConfig,
    ) -> ApiState {
        ApiState(Arc::new(Inner {
            otp_ip_limiter: IpLimiter::new(config.otp_ip_limit),
            verify_ip_limiter: IpLimiter::new(config.verify_ip_limit),
            db: reads.primary().clone(),
            reads,
            sms,
            images,
            media,
            secret,
            config,
        }))
    }

    /// The primary: writes, and reads that must see the latest commit.
    pub fn db(&self) -> &Db {
        &self.0.db
    }
    /// Where reads that may be slightly stale go (replicas, with read-your-writes).
    pub fn reads(&self) -> &Reads {
        &self.0.reads
    }
    pub fn sms(&self) -> &SmsSender {
        &self.0.sms
    }
    pub fn images(&self) -> &ImageProcessor {
        &self.0.images
    }
    pub fn media(&self) -> &MediaStore {
        &self.0.media
    }
    pub fn secret(&self) -> &SecretKey {
        &self.0.secret
    }
    pub fn config(&self) -> &ApiConfig {
        &self.0.config
    }
    pub(crate) fn otp_ip_limiter(&self) -> &IpLimiter {
        &self.0.otp_ip_limiter
    }
    pub(crate) fn verify_ip_limiter(&self) -> &IpLimiter {
        &self.0.verify_ip_limiter
    }

    pub fn store_body(&self, store: &StoreRecord) -> StoreBody {
        StoreBody::new(
            store,
            &self.0.config.public_url,
            &self.0.config.media_base_url,
        )
    }

    pub fn product_body(&self, product: &ProductRecord, store: &StoreRecord) -> ProductBody {
        ProductBody::new(
            product,
            store,
            &self.0.config.public_url,
            &self.0.config.media_base_url,
        )
    }
}

/// JSON bodies are small; only image uploads may be large.
pub(crate) const JSON_BODY_LIMIT: usize = 64 * 1024;
/// 15 MiB of photo plus multipart framing and text fields.
const UPLOAD_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// The api role's routes (JSON API and OpenAPI document).
pub fn router(state: ApiState) -> Router {
    use routes::{auth, orders, products, stores};
    let uploads = Router::new()
        .route(
            "/api/v1/stores/{store_id}/products",
            get(products::list).post(products::create),
        )
        .route(
            "/api/v1/stores/{store_id}/products/{product_id}/image",
            put(products::put_image),
        )
        .route("/api/v1/stores/{store_id}/logo", put(stores::put_logo))
        .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT));
    Router::new()
        .route("/api/v1/auth/otp", post(auth::request_otp))
        .route("/api/v1/auth/verify", post(auth::verify))
        .route("/api/v1/auth/logout", post(auth::logout))
        .route("/api/v1/stores", get(stores::list).post(stores::create))
        .route(
            "/api/v1/stores/{store_id}",
            get(stores::get).patch(stores::update),
        )
        .route(
            "/api/v1/stores/{store_id}/synonyms",
            get(stores::get_synonyms).put(stores::put_synonyms),
        )
        .route(
            "/api/v1/stores/{store_id}/products/{product_id}",
            get(products::get)
                .patch(products::update)
                .delete(products::delete),
        )
        .route(
            "/api/v1/stores/{store_id}/categories",
            get(products::categories),
        )
        .route("/api/v1/stores/{store_id}/orders", get(orders::list))
        .route("/api/v1/stores/{store_id}/orders.csv", get(orders::export))
        .route(
            "/api/v1/stores/{store_id}/orders/{order_id}",
            get(orders::get),
        )
        .route(
            "/api/v1/stores/{store_id}/orders/{order_id}/transitions",
            post(orders::transition),
        )
        .route(
            "/api/v1/stores/{store_id}/orders/{order_id}/mark-paid",
            post(orders::mark_paid),
        )
        .route(
            "/api/v1/stores/{store_id}/orders/{order_id}/invoice.pdf",
            get(orders::invoice),
        )
        .route(
            "/api/v1/stores/{store_id}/discounts",
            get(orders::list_discounts).post(orders::create_discount),
        )
        .route(
            "/api/v1/stores/{store_id}/discounts/{discount_id}",
            axum::routing::patch(orders::update_discount).delete(orders::delete_discount),
        )
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT))
        .merge(uploads)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            reads::record_writes,
        ))
        .with_state(state)
}
