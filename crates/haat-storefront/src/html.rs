//! HTML responses: the headers every page carries, and the friendly pages shown when
//! something is missing, malformed or briefly unavailable.
//!
//! A shopper who followed a broken or old link sees a page in plain words with a way
//! back, never a stack trace or a bare status code.

use askama::Template;
use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, StatusCode};

use crate::view::Theme;

/// Catalog pages and JSON (docs/FRESHNESS.md): a browser revalidates every time (a
/// cheap `304` thanks to the ETag); a CDN may keep a copy for one second and serve it
/// up to five more while it revalidates in the background.
pub(crate) const CATALOG_CACHE_CONTROL: &str =
    "public, max-age=0, s-maxage=1, stale-while-revalidate=5";

/// Error pages other than 5xx: short-lived, so a store that opens (or a product that
/// comes back) is seen at once.
const ERROR_CACHE_CONTROL: &str = "public, max-age=0, must-revalidate";

/// Seconds a shopper (or a crawler) is told to wait when the catalog is unavailable.
const RETRY_AFTER_SECONDS: u32 = 5;

/// A rendered page with its status and the headers every storefront page carries.
/// `image_origin` is the origin images are loaded from when a CDN fronts the media.
pub fn html_page(status: StatusCode, body: String, image_origin: Option<&str>) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    let cache_control = if status.is_server_error() {
        "no-store"
    } else {
        ERROR_CACHE_CONTROL
    };
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    html_security_headers(headers, &content_security_policy(image_origin));
    response
}

/// The content security policy of every storefront page. Only Haat's own script file
/// may run (the optional cart enhancement); never inline script: store names and
/// descriptions are seller-written, so even if an escaping bug slipped through, the
/// browser would refuse to run what it injected.
pub(crate) fn content_security_policy(image_origin: Option<&str>) -> HeaderValue {
    let image_sources = match image_origin {
        Some(origin) => format!("'self' data: {origin}"),
        None => "'self' data:".to_owned(),
    };
    let policy = format!(
        "default-src 'none'; img-src {image_sources}; style-src 'unsafe-inline'; \
         script-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'"
    );
    HeaderValue::from_str(&policy)
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'"))
}

pub(crate) fn html_security_headers(headers: &mut http::HeaderMap, policy: &HeaderValue) {
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CONTENT_SECURITY_POLICY, policy.clone());
}

/// The plain 500 page for a bug (a template that failed to render), without internals.
pub(crate) fn failed_page() -> Response {
    MessagePage::new(
        "Something went wrong",
        "Something went wrong on our side",
        "Please try again in a moment.",
    )
    .into_response_with(StatusCode::INTERNAL_SERVER_ERROR)
}

/// Renders a page template; a render failure (a bug, not bad input) is logged and shown
/// as a plain 500 without internals.
pub fn render(template: &impl Template, image_origin: Option<&str>) -> Response {
    match template.render() {
        Ok(body) => html_page(StatusCode::OK, body, image_origin),
        Err(error) => {
            tracing::error!(%error, "storefront template failed to render");
            failed_page()
        }
    }
}

/// A page built for one request and not kept in the page cache (search results, whose
/// keys are as many as the things shoppers type): the catalog's caching policy and the
/// headers every page carries. A render failure is the plain 500 page.
pub(crate) fn uncached_page(template: &impl Template, policy: &HeaderValue) -> Response {
    let body = match template.render() {
        Ok(body) => body,
        Err(error) => {
            tracing::error!(%error, "storefront template failed to render");
            return failed_page();
        }
    };
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CATALOG_CACHE_CONTROL),
    );
    html_security_headers(headers, policy);
    response
}

/// The friendly 404 page for paths no route knows. The binary sets it as the fallback of
/// the whole application.
pub async fn not_found() -> Response {
    not_found_page()
}

pub fn not_found_page() -> Response {
    MessagePage::new(
        "Page not found",
        "We couldn't find this page",
        "The link may be old or mistyped. Ask the shop to send you their store link again.",
    )
    .into_response_with(StatusCode::NOT_FOUND)
}

/// No store has this address (or the address cannot be one).
pub fn store_not_found_page() -> Response {
    MessagePage::new(
        "Store not found",
        "We couldn't find this store",
        "Check the link you were sent: the store may have moved to a new address or closed.",
    )
    .into_response_with(StatusCode::NOT_FOUND)
}

/// The store may exist, but this product does not (any more).
pub(crate) fn product_not_found_page(store_url: Option<String>) -> Response {
    let mut page = MessagePage::new(
        "Product not found",
        "This product is no longer available",
        "It may have been sold out and removed, or the link is incomplete.",
    );
    page.link = store_url.map(|href| Link {
        href,
        label: "See the rest of the store",
    });
    page.into_response_with(StatusCode::NOT_FOUND)
}

/// A listing parameter could not be understood: usually a hand-edited or truncated link.
/// `reason` comes from a `ParseError`, which never echoes the input.
pub(crate) fn bad_request_page(reason: &str, store_url: String) -> Response {
    let mut page = MessagePage::new(
        "Link not understood",
        "This link doesn't look quite right",
        "",
    );
    page.message = format!("We couldn't open this page: {reason}. The full store is one tap away.");
    page.link = Some(Link {
        href: store_url,
        label: "See all products",
    });
    page.into_response_with(StatusCode::BAD_REQUEST)
}

/// The catalog source failed (database down, timeout).
pub fn unavailable_page() -> Response {
    let mut page = MessagePage::new(
        "Back in a moment",
        "This store is taking a break",
        "We couldn't load it just now. Please try again in a moment.",
    );
    page.link = Some(Link {
        // Reloads the same address, query string included.
        href: String::new(),
        label: "Try again",
    });
    let mut response = page.into_response_with(StatusCode::SERVICE_UNAVAILABLE);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
    response
}

pub(crate) struct Link {
    pub href: String,
    pub label: &'static str,
}

#[derive(Template)]
#[template(path = "message.html")]
pub(crate) struct MessagePage {
    title: &'static str,
    heading: &'static str,
    message: String,
    link: Option<Link>,
    theme: Theme,
}

impl MessagePage {
    fn new(title: &'static str, heading: &'static str, message: &str) -> MessagePage {
        MessagePage {
            title,
            heading,
            message: message.to_owned(),
            link: None,
            theme: Theme::default(),
        }
    }

    fn into_response_with(self, status: StatusCode) -> Response {
        // The message template has no dynamic parts that can fail; fall back to text if
        // it ever does, so an error page never turns into a second error.
        let body = self
            .render()
            .unwrap_or_else(|_| format!("{} – {}", self.heading, self.message));
        html_page(status, body, None)
    }
}
