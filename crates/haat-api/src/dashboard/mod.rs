//! The seller dashboard: server-rendered HTML pages under `/dashboard` for a seller on a
//! phone. Sign in with a phone number and an SMS code, name a store, add products with a
//! photo, share the store link.
//!
//! Every page works with JavaScript off; `app.js` only adds a "Copy" button. Pages are
//! askama templates (autoescaped) in `templates/dashboard/`.
//!
//! Boundary: handlers reuse the JSON API's building blocks (`routes::auth` for codes,
//! `input` for parsing, `upload` for photos) so the two front doors cannot disagree on a
//! rule. The dashboard shows one store per seller: the first of `stores_of_seller`.
//!
//! Invariant: every POST checks the double-submit CSRF token (`csrf`) before it changes
//! anything, and every store or product is reached through the signed-in seller's own
//! store, so another seller's product id is a 404 exactly like one that does not exist.

mod checkout;
mod csrf;
mod discounts;
mod form;
mod home;
mod login;
mod orders;
mod page;
mod products;
mod session;
mod settings;
mod synonyms;
mod views;

use axum::extract::{DefaultBodyLimit, Path};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use haat_domain::ProductId;
use http::{header, HeaderValue, StatusCode};
use tower_http::set_header::SetResponseHeaderLayer;
use url::Url;

use crate::ApiState;

pub use session::{DashboardSeller, MaybeDashboardSeller};

/// 15 MiB of photo plus multipart framing and text fields, as in the JSON API.
const UPLOAD_BODY_LIMIT: usize = 16 * 1024 * 1024;
/// Plain forms carry a phone number, a code or a name: small.
const FORM_BODY_LIMIT: usize = 64 * 1024;

/// The dashboard's routes; the binary merges them next to the JSON API's.
pub fn router(state: ApiState) -> Router {
    let content_security_policy = content_security_policy(&state.config().media_base_url);
    let uploads = Router::new()
        .route(
            "/dashboard/settings",
            get(settings::show).post(settings::save),
        )
        .route(
            "/dashboard/products",
            get(redirect_to_new_product).post(products::create),
        )
        .route(
            "/dashboard/products/{product_id}",
            get(redirect_to_edit).post(products::update),
        )
        .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT));
    Router::new()
        .route("/dashboard", get(home::show))
        .route("/dashboard/", get(redirect_home))
        .route(
            "/dashboard/login",
            get(redirect_home).post(login::send_code),
        )
        .route("/dashboard/verify", get(redirect_home).post(login::verify))
        .route("/dashboard/logout", get(redirect_home).post(login::logout))
        .route(
            "/dashboard/store",
            get(redirect_home).post(home::create_store),
        )
        .route("/dashboard/products/new", get(products::new))
        .route("/dashboard/products/{product_id}/edit", get(products::edit))
        .route(
            "/dashboard/products/{product_id}/delete",
            get(redirect_to_edit).post(products::delete),
        )
        .route(
            "/dashboard/checkout",
            get(checkout::show).post(checkout::save),
        )
        .route(
            "/dashboard/search",
            get(synonyms::show).post(synonyms::save),
        )
        .route(
            "/dashboard/discounts",
            get(discounts::list).post(discounts::create),
        )
        .route(
            "/dashboard/discounts/{discount_id}",
            get(redirect_to_discounts).post(discounts::act),
        )
        .route("/dashboard/orders", get(orders::list))
        .route("/dashboard/orders/export", get(orders::export))
        .route(
            "/dashboard/orders/{order_id}",
            get(orders::show).post(orders::act),
        )
        .route(
            "/dashboard/orders/{order_id}/invoice.pdf",
            get(orders::invoice),
        )
        .route("/dashboard/app.js", get(script))
        .route("/dashboard/{*rest}", get(not_found))
        .layer(DefaultBodyLimit::max(FORM_BODY_LIMIT))
        .merge(uploads)
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            content_security_policy,
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::reads::record_writes,
        ))
        .with_state(state)
}

/// Only this origin's script and forms, inline styles (the layout's one `<style>`), and
/// images from here and the media origin (which may be a CDN).
fn content_security_policy(media_base_url: &Url) -> HeaderValue {
    let media_origin = match media_base_url.origin() {
        origin @ url::Origin::Tuple(..) => format!(" {}", origin.ascii_serialization()),
        url::Origin::Opaque(_) => String::new(),
    };
    let policy = format!(
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
         img-src 'self'{media_origin} data:; form-action 'self'; base-uri 'none'; \
         frame-ancestors 'none'"
    );
    HeaderValue::from_str(&policy).unwrap_or_else(|_| {
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
             img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        )
    })
}

/// The "Copy link" button: shown only when the clipboard API exists; the link stays in
/// a visible text field for everyone else.
const APP_JS: &str = include_str!("../../templates/dashboard/app.js");

async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        APP_JS,
    )
        .into_response()
}

/// A form's address opened directly (a reload after a POST, a shared URL, the Back
/// button) goes to the page that shows the form instead of a bare 405.
async fn redirect_home() -> Response {
    page::see_other("/dashboard")
}

async fn redirect_to_discounts() -> Response {
    page::see_other("/dashboard/discounts")
}

async fn redirect_to_new_product() -> Response {
    page::see_other("/dashboard/products/new")
}

async fn redirect_to_edit(Path(product_id): Path<String>) -> Response {
    match ProductId::parse(&product_id) {
        Ok(product_id) => page::see_other(&format!("/dashboard/products/{product_id}/edit")),
        Err(_) => page::see_other("/dashboard"),
    }
}

async fn not_found() -> Response {
    page::error_page(StatusCode::NOT_FOUND, page::ErrorKind::NotFound)
}

#[cfg(test)]
mod tests {
    use super::content_security_policy;

    #[test]
    fn csp_names_the_media_origin_only() {
        let check = |media: &str, expected: &str| {
            let policy = content_security_policy(&media.parse().unwrap());
            let policy = policy.to_str().unwrap();
            assert!(policy.contains(expected), "{policy}");
            assert!(policy.contains("frame-ancestors 'none'"));
            assert!(!policy.contains("unsafe-eval"));
        };
        check(
            "https://cdn.example/media/",
            "img-src 'self' https://cdn.example data:",
        );
        check(
            "http://localhost:8080/media",
            "img-src 'self' http://localhost:8080 data:",
        );
    }
}
