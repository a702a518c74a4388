//! The HTML handlers: `GET /{slug}`, `GET /{slug}/p/{product_id}` and
//! `GET /{slug}/search`.
//!
//! Each one parses its input into domain types first (a slug or id that cannot exist is
//! a 404, a malformed listing parameter a 400; a search reads every parameter leniently
//! and never refuses one), makes one call to the catalog source (or the search), and
//! renders. Logs carry the store slug (public) and never anything about the shopper.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, Request, State};
use axum::response::Response;
use haat_cache::Miss;
use haat_domain::{ProductId, StoreSlug};

use crate::cached::{self, html_entry};
use crate::html::{
    bad_request_page, failed_page, not_found_page, product_not_found_page, store_not_found_page,
    unavailable_page, uncached_page,
};
use crate::query::{ListingParams, SearchParams};
use crate::search::{page_count, record_search};
use crate::view::{ProductPage, SearchPage, StorePage};
use crate::{urls, PageTimer, StorefrontState};

/// `GET /{slug}`: a page of the store's products, with sort, category and cursor.
pub(crate) async fn store_page(
    State(state): State<StorefrontState>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw_query): RawQuery,
    request: Request,
) -> Response {
    let _timer = PageTimer::start("store");
    let Ok(Path(raw_slug)) = path else {
        return store_not_found_page();
    };
    let Ok(slug) = StoreSlug::parse(&raw_slug) else {
        return store_not_found_page();
    };
    let config = &state.config;
    let params = ListingParams::from_query_string(raw_query.as_deref());
    let query = match params.catalog_query(config.page_size()) {
        Ok(query) => query,
        Err(invalid) => {
            tracing::debug!(store.slug = %slug, field = invalid.field, "invalid listing parameter");
            let store_url = urls::store_url(&config.public_url, slug.as_str());
            return bad_request_page(&invalid.error.message, store_url);
        }
    };
    let key = cached::listing_key("store", slug.as_str(), &query);
    // Cloned only on a miss: a hit costs no copy of the state.
    let build = || {
        let state = state.clone();
        let slug = slug.clone();
        async move {
            let page = cached::catalog_page(&state, &slug, &query).await?;
            let search = state.search.is_some();
            let view = StorePage::new(&state.config, &page, &query, search);
            html_entry(&page.store, &view)
        }
    };
    match state.pages.get_or_build(&key, build).await {
        Ok(page) => cached::respond(&state, &page, request.headers(), true),
        Err(Miss::NotFound) => store_not_found_page(),
        Err(miss) => failure(&slug, &miss),
    }
}

/// `GET /{slug}/p/{product_id}`: one product of the store.
pub(crate) async fn product_page(
    State(state): State<StorefrontState>,
    path: Result<Path<(String, String)>, PathRejection>,
    request: Request,
) -> Response {
    let _timer = PageTimer::start("product");
    let Ok(Path((raw_slug, raw_product_id))) = path else {
        return product_not_found_page(None);
    };
    let Ok(slug) = StoreSlug::parse(&raw_slug) else {
        return store_not_found_page();
    };
    let config = &state.config;
    let store_url = urls::store_url(&config.public_url, slug.as_str());
    let Ok(product_id) = ProductId::parse(&raw_product_id) else {
        return product_not_found_page(Some(store_url));
    };
    let key = format!("product/{slug}/{product_id}");
    let build = || {
        let state = state.clone();
        let slug = slug.clone();
        async move {
            let view = state
                .catalog
                .product(&slug, product_id)
                .await
                .map_err(cached::unavailable)?
                .ok_or(Miss::NotFound)?;
            html_entry(&view.store, &ProductPage::new(&state.config, &view))
        }
    };
    match state.pages.get_or_build(&key, build).await {
        Ok(page) => cached::respond(&state, &page, request.headers(), true),
        // The store or the product is gone: either way, offer the store's page.
        Err(Miss::NotFound) => product_not_found_page(Some(store_url)),
        Err(miss) => failure(&slug, &miss),
    }
}

/// `GET /{slug}/search?q=…&category=…&min_price=…&max_price=…&sort=…&page=…`: the
/// store's products matching a search, or its popular products when nothing matched or
/// nothing was asked. A shopper's link never breaks: invalid parameters are dropped or
/// clamped (see [`SearchParams::lenient_search_query`]). Not cached: see
/// [`uncached_page`].
pub(crate) async fn search_page(
    State(state): State<StorefrontState>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw_query): RawQuery,
) -> Response {
    let _timer = PageTimer::start("search");
    let Ok(Path(raw_slug)) = path else {
        return store_not_found_page();
    };
    let Ok(slug) = StoreSlug::parse(&raw_slug) else {
        return store_not_found_page();
    };
    let Some(search) = &state.search else {
        return not_found_page();
    };
    let params = SearchParams::from_query_string(raw_query.as_deref());
    let mut query = params.lenient_search_query(search_page_size(&state));
    let mut answer = search.search(&slug, &query).await;
    // A link past the last page (the results shrank since it was shared): show the last
    // page rather than an empty one. Costs a second search only for such links.
    if let Ok(Some(outcome)) = &answer {
        let last = page_count(outcome.total, query.per_page);
        if outcome.products.is_empty() && outcome.total > 0 && query.page > last {
            query.page = last;
            answer = search.search(&slug, &query).await;
        }
    }
    match answer {
        Ok(Some(outcome)) => {
            record_search(&slug, &query, &outcome);
            uncached_page(
                &SearchPage::new(&state.config, &query, &outcome),
                &state.csp,
            )
        }
        Ok(None) => store_not_found_page(),
        Err(error) => {
            tracing::warn!(store.slug = %slug, error = %error.reason, "storefront search unavailable");
            unavailable_page()
        }
    }
}

/// Results per search page: the store page's size, at most `MAX_SEARCH_PAGE_SIZE`.
pub(crate) fn search_page_size(state: &StorefrontState) -> u32 {
    state.config.page_size().min(crate::MAX_SEARCH_PAGE_SIZE)
}

/// The answer for a page that could not be built: a friendly 503 when the catalog is
/// unavailable, the plain 500 page for a bug.
pub(crate) fn failure(slug: &StoreSlug, miss: &Miss) -> Response {
    match miss {
        Miss::Failed(_) => failed_page(),
        Miss::Unavailable(reason) => {
            tracing::warn!(store.slug = %slug, error = %reason, "storefront catalog unavailable");
            unavailable_page()
        }
        Miss::NotFound => store_not_found_page(),
    }
}
