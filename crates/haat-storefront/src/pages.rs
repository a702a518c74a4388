//! The HTML handlers: `GET /{slug}` and `GET /{slug}/p/{product_id}`.
//!
//! Each one parses its input into domain types first (a slug or id that cannot exist is
//! a 404, a malformed listing parameter a 400), makes one call to the catalog source,
//! and renders. Logs carry the store slug (public) and never anything about the shopper.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use haat_domain::{ProductId, StoreSlug};

use crate::html::{
    bad_request_page, product_not_found_page, render, store_not_found_page, unavailable_page,
};
use crate::query::ListingParams;
use crate::view::{ProductPage, StorePage};
use crate::{urls, CatalogError, PageTimer, StorefrontState};

/// `GET /{slug}`: a page of the store's products, with sort, category and cursor.
pub(crate) async fn store_page(
    State(state): State<StorefrontState>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw_query): RawQuery,
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
    match state.catalog.catalog_page(&slug, &query).await {
        Ok(Some(page)) => render(
            &StorePage::new(config, &page, &query),
            config.image_origin().as_deref(),
        ),
        Ok(None) => store_not_found_page(),
        Err(error) => unavailable(&slug, &error),
    }
}

/// `GET /{slug}/p/{product_id}`: one product of the store.
pub(crate) async fn product_page(
    State(state): State<StorefrontState>,
    path: Result<Path<(String, String)>, PathRejection>,
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
    match state.catalog.product(&slug, product_id).await {
        Ok(Some(view)) => render(
            &ProductPage::new(config, &view),
            config.image_origin().as_deref(),
        ),
        Ok(None) => product_not_found_page(Some(store_url)),
        Err(error) => unavailable(&slug, &error),
    }
}

fn unavailable(slug: &StoreSlug, error: &CatalogError) -> Response {
    tracing::warn!(store.slug = %slug, error = %error, "storefront catalog unavailable");
    unavailable_page()
}
