//! How the storefront uses the page cache: one canonical key per page (so `?utm_source=…`
//! and reordered parameters share an entry), builds that turn a source answer into a
//! [`CachedPage`], and the headers a cached answer carries.

use askama::Template;
use axum::response::Response;
use bytes::Bytes;
use haat_cache::{CachedPage, Miss};
use haat_domain::catalog::{CatalogPage, CatalogQuery, StoreProfile};
use haat_domain::StoreSlug;
use http::{header, HeaderMap, HeaderValue};

use crate::html::{html_security_headers, CATALOG_CACHE_CONTROL};
use crate::{CatalogError, StorefrontState};

pub(crate) const HTML: &str = "text/html; charset=utf-8";
pub(crate) const JSON: &str = "application/json";

/// `kind/slug?sort&category&after&limit`: everything that changes the page, nothing else.
pub(crate) fn listing_key(kind: &str, slug: &str, query: &CatalogQuery) -> String {
    use std::fmt::Write as _;
    // Built by pushing (no format machinery): this runs on every page-cache hit.
    let mut key = String::with_capacity(kind.len() + slug.len() + 48);
    key.push_str(kind);
    key.push('/');
    key.push_str(slug);
    key.push('?');
    key.push_str(query.sort.as_str());
    key.push('&');
    if let Some(category) = query.category {
        let _ = write!(key, "{category}");
    }
    key.push('&');
    if let Some(cursor) = &query.after {
        key.push_str(&cursor.encode());
    }
    key.push('&');
    push_decimal(&mut key, query.limit);
    key
}

fn push_decimal(out: &mut String, mut n: u32) {
    let mut digits = [0u8; 10];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &digit in &digits[start..] {
        out.push(char::from(digit));
    }
}

pub(crate) fn unavailable(error: CatalogError) -> Miss {
    Miss::Unavailable(error.reason.into())
}

/// One page of the catalog from the source, for a build: a missing store is
/// [`Miss::NotFound`], a failing source [`Miss::Unavailable`].
pub(crate) async fn catalog_page(
    state: &StorefrontState,
    slug: &StoreSlug,
    query: &CatalogQuery,
) -> Result<CatalogPage, Miss> {
    state
        .catalog
        .catalog_page(slug, query)
        .await
        .map_err(unavailable)?
        .ok_or(Miss::NotFound)
}

/// A rendered template as a cache entry of `store`.
pub(crate) fn html_entry(
    store: &StoreProfile,
    template: &impl Template,
) -> Result<CachedPage, Miss> {
    let body = template.render().map_err(|error| {
        tracing::error!(%error, "storefront template failed to render");
        Miss::Failed(error.to_string().into())
    })?;
    Ok(entry(store, HTML, Bytes::from(body)))
}

pub(crate) fn entry(store: &StoreProfile, content_type: &'static str, body: Bytes) -> CachedPage {
    CachedPage::build(store.id.as_uuid(), store.change_seq, content_type, body)
}

/// The response for a cached page: negotiated encoding or `304`, plus the catalog's
/// caching policy (and, for HTML, the security headers every page carries).
pub(crate) fn respond(
    state: &StorefrontState,
    page: &CachedPage,
    request: &HeaderMap,
    html: bool,
) -> Response {
    let mut response = page.respond(request);
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CATALOG_CACHE_CONTROL),
    );
    if html {
        html_security_headers(headers, &state.csp);
    }
    response
}

/// A fresh page-cache hit for `GET /{slug}` (any listing query), answered in full
/// (negotiation, `304`, the page's headers, a request id, the request's metrics and log
/// line) without the router and its middleware; `None` sends the request down the
/// normal path (a miss, a stale page, another route, a bad parameter). The binary puts
/// this in front of everything: on a hit nothing can wait, fail or panic, which is what
/// the stack's timeout and guards are for.
pub async fn serve_hit(
    state: &StorefrontState,
    request: &http::request::Parts,
) -> Option<Response> {
    let started = std::time::Instant::now();
    if request.method != http::Method::GET {
        return None;
    }
    let raw_slug = request.uri.path().strip_prefix('/')?;
    if raw_slug.contains('/') {
        return None;
    }
    let slug = StoreSlug::parse(raw_slug).ok()?;
    let params = crate::query::ListingParams::from_query_string(request.uri.query());
    let query = params.catalog_query(state.config.page_size()).ok()?;
    let page = state
        .pages
        .fresh_hit(&listing_key("store", slug.as_str(), &query))
        .await?;
    let mut response = respond(state, &page, &request.headers, true);
    let request_id = request
        .headers
        .get("x-request-id")
        .cloned()
        .unwrap_or_else(haat_http::new_request_id);
    response.headers_mut().insert(
        http::HeaderName::from_static("x-request-id"),
        request_id.clone(),
    );
    static STORE_PAGE: haat_http::RouteRecorder =
        haat_http::RouteRecorder::new(http::Method::GET, "/{slug}");
    STORE_PAGE.record(response.status(), &request_id, started);
    Some(response)
}

#[cfg(test)]
mod tests {
    use haat_domain::catalog::{CatalogQuery, CatalogSort};
    use haat_domain::CategoryId;

    use super::listing_key;

    #[test]
    fn listing_keys_name_everything_that_changes_the_page() {
        let category = CategoryId::parse("5f0c6a8e-2c4b-4d3e-9a1b-1234567890ab").unwrap();
        let check = |query: CatalogQuery, expected: &str| {
            assert_eq!(listing_key("store", "sharma-store", &query), expected);
        };
        let default = CatalogQuery {
            sort: CatalogSort::parse("").unwrap(),
            category: None,
            after: None,
            limit: 50,
        };
        check(
            default.clone(),
            &format!("store/sharma-store?{}&&&50", default.sort.as_str()),
        );
        check(
            CatalogQuery {
                category: Some(category),
                limit: 7,
                ..default.clone()
            },
            &format!("store/sharma-store?{}&{category}&&7", default.sort.as_str()),
        );
        for limit in [0, 1, 9, 10, 100, u32::MAX] {
            let key = listing_key(
                "json",
                "s",
                &CatalogQuery {
                    limit,
                    ..default.clone()
                },
            );
            assert!(key.ends_with(&format!("&&&{limit}")), "{key}");
        }
    }
}
