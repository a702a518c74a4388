//! The shopper's side of an order: the cart, the one-page checkout, the order status page,
//! and the same as JSON for headless clients.
//!
//! Routes (see [`router`]):
//! - `GET /{slug}/cart`: the cart with the checkout form (works with JavaScript off);
//! - `POST /{slug}/cart`: add a product (`product_id`, `quantity`); JSON when asked;
//! - `POST /{slug}/cart/{product_id}`: change a line's quantity (0 removes it);
//! - `POST /{slug}/checkout`: place the order from the form (one-time token, so a double
//!   tap or a refresh never makes two orders) and go to its status page;
//! - `GET /{slug}/o/{token}`: the order status page; `…/invoice.pdf`: its invoice;
//! - `POST /api/v1/storefront/{slug}/orders`: place an order (requires `Idempotency-Key`);
//! - `GET /api/v1/storefront/{slug}/orders/{token}`: an order as JSON;
//! - `GET /api/v1/storefront/{slug}/cart`: the cart as JSON (for the script);
//! - `GET /_haat/cart.js`: the optional script that makes "Add to cart" instant.
//!
//! Boundary: this crate writes orders, so unlike the catalog it talks to `haat-db`
//! directly and is never cached. Prices always come from the database: the client may
//! only state what it expects to pay, which is checked, never trusted.

mod api;
mod cart;
mod error;
mod form;
mod pages;
mod upi;
mod view;

use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;
use haat_db::Db;
use url::Url;

pub use api::{openapi, OrderBody, OrderItemBody, OrderRequestBody};
pub use upi::{upi_pay_url, upi_qr_svg};

/// How the checkout builds links and cookies.
#[derive(Clone, Debug)]
pub struct CheckoutConfig {
    pub public_url: Url,
    pub media_base_url: Url,
    /// Cart cookies get `Secure` (production, behind HTTPS).
    pub secure_cookies: bool,
    /// A payment page to offer next to the UPI link, for demos and tests (the fake
    /// gateway's `/pay`); never set in production.
    pub test_gateway_url: Option<Url>,
}

struct Inner {
    db: Db,
    media: haat_media::MediaStore,
    config: CheckoutConfig,
}

/// Shared state of the checkout routes; cheap to clone.
#[derive(Clone)]
pub struct CheckoutState(Arc<Inner>);

impl CheckoutState {
    pub fn new(db: Db, media: haat_media::MediaStore, config: CheckoutConfig) -> CheckoutState {
        CheckoutState(Arc::new(Inner { db, media, config }))
    }

    fn media(&self) -> &haat_media::MediaStore {
        &self.0.media
    }

    fn db(&self) -> &Db {
        &self.0.db
    }

    fn config(&self) -> &CheckoutConfig {
        &self.0.config
    }

    /// Where the seller's order desk is, for the new-order notification.
    fn desk_url(&self) -> String {
        format!(
            "{}/dashboard/orders",
            self.0.config.public_url.as_str().trim_end_matches('/')
        )
    }
}

/// Checkout bodies are small: a cart of at most 50 lines and a few fields.
const BODY_LIMIT: usize = 32 * 1024;

pub fn router(state: CheckoutState) -> Router {
    Router::new()
        .route("/{slug}/cart", get(pages::cart_page).post(cart::add))
        .route("/{slug}/cart/{product_id}", post(cart::update))
        .route("/{slug}/checkout", post(pages::checkout))
        .route("/{slug}/o/{token}", get(pages::order_page))
        .route("/{slug}/o/{token}/invoice.pdf", get(pages::invoice))
        .route("/api/v1/storefront/{slug}/orders", post(api::place_order))
        .route(
            "/api/v1/storefront/{slug}/orders/{token}",
            get(api::order_json),
        )
        .route("/api/v1/storefront/{slug}/cart", get(cart::cart_json))
        .route("/_haat/cart.js", get(cart::script))
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

/// The seller's "new order" SMS, queued in the order's own transaction.
fn notification(state: &CheckoutState, store: &haat_db::ShopStore) -> haat_db::OrderNotification {
    haat_db::OrderNotification {
        seller_phone: haat_domain::Phone::parse(&store.seller_phone).ok(),
        desk_url: state.desk_url(),
    }
}

/// Runs a database write on its own task, so its transaction always runs to its end
/// (commit or rollback) even if the client disconnects or a timeout drops the request: a
/// cancelled future must never leave a connection mid-transaction. For checkouts the
/// idempotency key then makes the client's retry return the order this task placed.
async fn detached<T: Send + 'static>(
    work: impl std::future::Future<Output = Result<T, haat_db::DbError>> + Send + 'static,
) -> error::Result<T> {
    match tokio::spawn(work).await {
        Ok(result) => Ok(result?),
        Err(error) => {
            tracing::error!(%error, "database task failed");
            Err(haat_http::ApiError::internal(&error).into())
        }
    }
}

async fn place_detached(
    state: &CheckoutState,
    store: &haat_db::ShopStore,
    order: haat_db::NewOrder,
    key: haat_db::OrderRequestKey,
) -> error::Result<haat_db::Created<haat_db::OrderRecord>> {
    let db = state.db().clone();
    let store = store.clone();
    let notify = notification(state, &store);
    detached(async move { db.place_order(&store, &order, &key, &notify).await }).await
}
