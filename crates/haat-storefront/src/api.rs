//! `GET /api/v1/storefront/{slug}`: the store page's catalog as JSON, for headless
//! storefronts and apps; `GET /api/v1/storefront/{slug}/search` and `…/search/suggest`:
//! product search and autocomplete; with their OpenAPI description.
//!
//! The wire types below are the public contract: they are converted by hand from the
//! domain's read model, so renaming a Rust field never silently changes the API.
//! Errors use the shared `{"error": {"code", "message", "field"?}}` shape.

use axum::extract::{RawQuery, Request, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use haat_cache::Miss;
use haat_domain::catalog::{CatalogPage, CategoryEntry, ImageRef, ProductCard, StoreProfile};
use haat_domain::{decimal_string, Currency, StoreSlug};
use haat_http::{ApiError, ErrorBody, Path};
use http::{header, HeaderValue};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use crate::cached;
use crate::html::CATALOG_CACHE_CONTROL;
use crate::images::{image_urls, ImageVariantUrls};
use crate::pages::search_page_size;
use crate::query::{search_text, ListingParams, SearchParams};
use crate::search::{record_search, SUGGEST_LIMIT};
use crate::{
    urls, CatalogError, CategoryFacet, PageTimer, SearchEngine, SearchOutcome, StorefrontConfig,
    StorefrontState, SuggestOutcome,
};

/// One page of a store's catalog.
#[derive(Serialize, ToSchema, Debug)]
pub struct StorefrontCatalog {
    pub store: StorefrontStore,
    /// Every category of the store, in display order.
    pub categories: Vec<StorefrontCategory>,
    pub products: Vec<StorefrontProduct>,
    /// Pass as `after` to get the next page; `null` on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema, Debug)]
pub struct StorefrontStore {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub description: String,
    /// E.164 number for "chat on WhatsApp", when the seller published one.
    #[schema(required = true)]
    pub whatsapp: Option<String>,
    /// `#rrggbb`
    pub accent_colour: String,
    /// ISO 4217 code, e.g. `INR`.
    pub currency: String,
    /// Absolute URL of the store page.
    pub url: String,
    #[schema(required = true)]
    pub logo: Option<StorefrontImage>,
}

#[derive(Serialize, ToSchema, Debug)]
pub struct StorefrontCategory {
    pub id: String,
    pub name: String,
}

#[derive(Serialize, ToSchema, Debug)]
pub struct StorefrontProduct {
    pub id: String,
    pub name: String,
    pub description: String,
    /// Decimal string with every minor digit, e.g. `1299.50`.
    pub price: String,
    /// The price in the currency's minor unit (paise for INR).
    pub price_minor: i64,
    pub currency: String,
    #[schema(required = true)]
    pub category_id: Option<String>,
    /// Units in stock; `null` means unlimited.
    #[schema(required = true)]
    pub stock: Option<i32>,
    pub sold_out: bool,
    /// Absolute URL of the product page.
    pub url: String,
    #[schema(required = true)]
    pub image: Option<StorefrontImage>,
}

/// A photo: its original size and the URL of every stored variant.
#[derive(Serialize, ToSchema, Debug)]
pub struct StorefrontImage {
    pub width: u32,
    pub height: u32,
    /// Narrowest first.
    pub variants: Vec<ImageVariantUrls>,
}

/// One page of a store's search results.
#[derive(Serialize, ToSchema, Debug)]
pub struct StorefrontSearchResults {
    /// Products matching the text and filters, over every page.
    pub total: u64,
    /// This page's number, from 1.
    pub page: u32,
    /// Products per page; the last page may hold fewer.
    pub per_page: u32,
    /// This page of the matches, best first (or in the asked `sort`).
    pub products: Vec<StorefrontProduct>,
    /// How many products match the text in each category, filters aside.
    pub facets: Vec<StorefrontSearchFacet>,
    /// When nothing matched: the text with its words corrected from the store's own
    /// product names, if a correction was found.
    #[schema(required = true)]
    pub did_you_mean: Option<String>,
    /// When nothing matched (or `q` is empty): the store's popular products.
    pub popular: Vec<StorefrontProduct>,
    pub engine: StorefrontSearchEngine,
}

/// Matching products in one category.
#[derive(Serialize, ToSchema, Debug)]
pub struct StorefrontSearchFacet {
    /// `null` for products without a category.
    #[schema(required = true)]
    pub category_id: Option<String>,
    /// `null` for products without a category.
    #[schema(required = true)]
    pub name: Option<String>,
    pub count: u64,
}

/// Which engine answered: the node's search `index`, or the database's full-text search
/// as a `fallback` while the index is missing or rebuilding (same shape, plainer ranking).
#[derive(Serialize, ToSchema, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum StorefrontSearchEngine {
    Index,
    Fallback,
}

/// Products whose names complete what the shopper is typing.
#[derive(Serialize, ToSchema, Debug)]
pub struct StorefrontSuggestions {
    /// At most 8, best first.
    pub suggestions: Vec<StorefrontSuggestion>,
}

#[derive(Serialize, ToSchema, Debug)]
pub struct StorefrontSuggestion {
    pub product_id: String,
    pub name: String,
    /// Decimal string with every minor digit, e.g. `1299.50`.
    pub price: String,
    /// The price in the currency's minor unit (paise for INR).
    pub price_minor: i64,
    /// Absolute URL of the product page.
    pub url: String,
}

#[derive(OpenApi)]
#[openapi(
    paths(catalog_json, search_json, suggest_json),
    components(schemas(
        StorefrontCatalog,
        StorefrontStore,
        StorefrontCategory,
        StorefrontProduct,
        StorefrontImage,
        ImageVariantUrls,
        StorefrontSearchResults,
        StorefrontSearchFacet,
        StorefrontSearchEngine,
        StorefrontSuggestions,
        StorefrontSuggestion,
        ErrorBody
    )),
    tags((name = "storefront", description = "Public, read-only store catalogs"))
)]
struct StorefrontApiDoc;

/// The OpenAPI description of the storefront's JSON endpoints, generated from the
/// handlers' annotations and the wire types.
pub fn openapi() -> utoipa::openapi::OpenApi {
    StorefrontApiDoc::openapi()
}

/// A page of a store's active products, in the same order and pages as the store page.
#[utoipa::path(
    get,
    path = "/api/v1/storefront/{slug}",
    tag = "storefront",
    operation_id = "storefront_catalog",
    params(
        ("slug" = String, Path, description = "The store's address, e.g. `jain-shikanji`"),
        ("sort" = Option<String>, Query, description = "One of `category` (default), `newest`, `price_asc`, `price_desc`, `name`"),
        ("category" = Option<String>, Query, description = "Only products of this category id"),
        ("after" = Option<String>, Query, description = "`next_cursor` of the previous page, for the same `sort`"),
        ("limit" = Option<u32>, Query, description = "Products per page, 1 to 100; default 48"),
    ),
    responses(
        (status = 200, description = "One page of the catalog", body = StorefrontCatalog),
        (status = 404, description = "No store has this address", body = ErrorBody),
        (status = 422, description = "A query parameter is not valid; `field` names it", body = ErrorBody),
        (status = 503, description = "The catalog is briefly unavailable; retry after `Retry-After`", body = ErrorBody),
    )
)]
pub(crate) async fn catalog_json(
    State(state): State<StorefrontState>,
    Path(raw_slug): Path<String>,
    RawQuery(raw_query): RawQuery,
    request: Request,
) -> Result<Response, ApiError> {
    let _timer = PageTimer::start("catalog_json");
    let slug = StoreSlug::parse(&raw_slug).map_err(|_| ApiError::not_found("store"))?;
    let config = &state.config;
    let params = ListingParams::from_query_string(raw_query.as_deref());
    let query = params
        .limit(config.page_size())
        .and_then(|limit| params.catalog_query(limit))
        .map_err(|invalid| ApiError::invalid(invalid.field, invalid.error))?;
    let key = cached::listing_key("json", slug.as_str(), &query);
    let build = || {
        let state = state.clone();
        let slug = slug.clone();
        async move {
            let page = cached::catalog_page(&state, &slug, &query).await?;
            let body = serde_json::to_vec(&catalog_body(&state.config, &page))
                .map_err(|error| Miss::Failed(error.to_string().into()))?;
            Ok(cached::entry(&page.store, cached::JSON, Bytes::from(body)))
        }
    };
    match state.pages.get_or_build(&key, build).await {
        Ok(page) => Ok(cached::respond(&state, &page, request.headers(), false)),
        Err(Miss::NotFound) => Err(ApiError::not_found("store")),
        Err(Miss::Unavailable(reason)) => {
            tracing::warn!(store.slug = %slug, error = %reason, "storefront catalog unavailable");
            Err(ApiError::unavailable(
                "catalog_unavailable",
                "the catalog is briefly unavailable; try again in a moment",
            ))
        }
        Err(Miss::Failed(reason)) => {
            let error = std::io::Error::other(reason.to_string());
            Err(ApiError::internal(&error))
        }
    }
}

/// A store's products matching a search, with category counts; its popular products
/// when nothing matched.
#[utoipa::path(
    get,
    path = "/api/v1/storefront/{slug}/search",
    tag = "storefront",
    operation_id = "storefront_search",
    params(
        ("slug" = String, Path, description = "The store's address, e.g. `jain-shikanji`"),
        ("q" = Option<String>, Query, description = "What to search for; only the first 200 characters count. Empty: no matches, the store's popular products"),
        ("category" = Option<String>, Query, description = "Only products of this category id"),
        ("min_price" = Option<String>, Query, description = "Lowest price in major units as a shopper writes it, e.g. `500` or `499.50`"),
        ("max_price" = Option<String>, Query, description = "Highest price in major units, e.g. `1000`; not below `min_price`"),
        ("sort" = Option<String>, Query, description = "One of `relevance` (default), `price_asc`, `price_desc`, `newest`"),
        ("page" = Option<u32>, Query, description = "Page number, 1 to 20; default 1"),
    ),
    responses(
        (status = 200, description = "One page of the matches", body = StorefrontSearchResults),
        (status = 422, description = "A query parameter is not valid; `field` names it", body = ErrorBody),
        (status = 404, description = "No store has this address, or search is not enabled", body = ErrorBody),
        (status = 503, description = "Search is briefly unavailable; retry after `Retry-After`", body = ErrorBody),
    )
)]
pub(crate) async fn search_json(
    State(state): State<StorefrontState>,
    Path(raw_slug): Path<String>,
    RawQuery(raw_query): RawQuery,
) -> Result<Response, ApiError> {
    let _timer = PageTimer::start("search_json");
    let slug = StoreSlug::parse(&raw_slug).map_err(|_| ApiError::not_found("store"))?;
    let search = state.search.as_ref().ok_or_else(search_not_enabled)?;
    let params = SearchParams::from_query_string(raw_query.as_deref());
    let query = params
        .search_query(search_page_size(&state))
        .map_err(|invalid| ApiError::invalid(invalid.field, invalid.error))?;
    let outcome = search
        .search(&slug, &query)
        .await
        .map_err(|error| search_unavailable(&slug, error))?
        .ok_or_else(|| ApiError::not_found("store"))?;
    record_search(&slug, &query, &outcome);
    Ok(json_response(&search_body(
        &state.config,
        query.page,
        query.per_page,
        &outcome,
    )))
}

/// Up to 8 products whose names complete what the shopper is typing, for a search box's
/// suggestions; the last word of `q` is taken as unfinished.
#[utoipa::path(
    get,
    path = "/api/v1/storefront/{slug}/search/suggest",
    tag = "storefront",
    operation_id = "storefront_search_suggest",
    params(
        ("slug" = String, Path, description = "The store's address, e.g. `jain-shikanji`"),
        ("q" = Option<String>, Query, description = "What the shopper has typed so far; only the first 200 characters count"),
    ),
    responses(
        (status = 200, description = "The suggestions, best first", body = StorefrontSuggestions),
        (status = 404, description = "No store has this address, or search is not enabled", body = ErrorBody),
        (status = 503, description = "Search is briefly unavailable; retry after `Retry-After`", body = ErrorBody),
    )
)]
pub(crate) async fn suggest_json(
    State(state): State<StorefrontState>,
    Path(raw_slug): Path<String>,
    RawQuery(raw_query): RawQuery,
) -> Result<Response, ApiError> {
    let _timer = PageTimer::start("suggest");
    let slug = StoreSlug::parse(&raw_slug).map_err(|_| ApiError::not_found("store"))?;
    let search = state.search.as_ref().ok_or_else(search_not_enabled)?;
    let raw_text = url::form_urlencoded::parse(raw_query.unwrap_or_default().as_bytes())
        .find(|(name, value)| name == "q" && !value.is_empty())
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default();
    let text = search_text(&raw_text);
    let outcome = search
        .suggest(&slug, &text, SUGGEST_LIMIT)
        .await
        .map_err(|error| search_unavailable(&slug, error))?
        .ok_or_else(|| ApiError::not_found("store"))?;
    Ok(json_response(&suggestions_body(&state.config, &outcome)))
}

fn search_not_enabled() -> ApiError {
    ApiError::new(
        http::StatusCode::NOT_FOUND,
        "not_found",
        "search is not available here",
    )
}

fn search_unavailable(slug: &StoreSlug, error: CatalogError) -> ApiError {
    tracing::warn!(store.slug = %slug, error = %error.reason, "storefront search unavailable");
    ApiError::unavailable(
        "search_unavailable",
        "search is briefly unavailable; try again in a moment",
    )
}

/// A JSON answer built for one request, with the catalog's caching policy.
fn json_response(body: &impl Serialize) -> Response {
    let mut response = Json(body).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CATALOG_CACHE_CONTROL),
    );
    response
}

fn search_body(
    config: &StorefrontConfig,
    page: u32,
    per_page: u32,
    outcome: &SearchOutcome,
) -> StorefrontSearchResults {
    let store = &outcome.store;
    let products = |products: &[ProductCard]| {
        products
            .iter()
            .map(|product| product_body(config, store, product))
            .collect()
    };
    StorefrontSearchResults {
        total: outcome.total,
        page,
        per_page,
        products: products(&outcome.products),
        facets: outcome.facets.iter().map(facet_body).collect(),
        did_you_mean: outcome.did_you_mean.clone(),
        popular: products(&outcome.popular),
        engine: match outcome.engine {
            SearchEngine::Index => StorefrontSearchEngine::Index,
            SearchEngine::Fallback => StorefrontSearchEngine::Fallback,
        },
    }
}

fn facet_body(facet: &CategoryFacet) -> StorefrontSearchFacet {
    StorefrontSearchFacet {
        category_id: facet.category.as_ref().map(|entry| entry.id.to_string()),
        name: facet.category.as_ref().map(|entry| entry.name.clone()),
        count: facet.count,
    }
}

fn suggestions_body(config: &StorefrontConfig, outcome: &SuggestOutcome) -> StorefrontSuggestions {
    let store = &outcome.store;
    StorefrontSuggestions {
        suggestions: outcome
            .suggestions
            .iter()
            .take(SUGGEST_LIMIT)
            .map(|suggestion| {
                let id = suggestion.product_id.to_string();
                StorefrontSuggestion {
                    url: urls::product_url(&config.public_url, &store.slug, &id),
                    product_id: id,
                    name: suggestion.name.clone(),
                    price: decimal_string(suggestion.price_minor, store.currency),
                    price_minor: suggestion.price_minor,
                }
            })
            .collect(),
    }
}

fn catalog_body(config: &StorefrontConfig, page: &CatalogPage) -> StorefrontCatalog {
    StorefrontCatalog {
        store: store_body(config, &page.store),
        categories: page.categories.iter().map(category_body).collect(),
        products: page
            .products
            .iter()
            .map(|product| product_body(config, &page.store, product))
            .collect(),
        next_cursor: page.next.as_ref().map(|cursor| cursor.encode()),
    }
}

fn store_body(config: &StorefrontConfig, store: &StoreProfile) -> StorefrontStore {
    StorefrontStore {
        id: store.id.to_string(),
        slug: store.slug.clone(),
        name: store.name.clone(),
        description: store.description.clone(),
        whatsapp: store.whatsapp.clone(),
        accent_colour: store.accent_colour.clone(),
        currency: currency_code(store.currency),
        url: urls::store_url(&config.public_url, &store.slug),
        logo: store.logo.as_ref().map(|logo| image_body(config, logo)),
    }
}

fn category_body(category: &CategoryEntry) -> StorefrontCategory {
    StorefrontCategory {
        id: category.id.to_string(),
        name: category.name.clone(),
    }
}

fn product_body(
    config: &StorefrontConfig,
    store: &StoreProfile,
    product: &ProductCard,
) -> StorefrontProduct {
    let id = product.id.to_string();
    StorefrontProduct {
        url: urls::product_url(&config.public_url, &store.slug, &id),
        id,
        name: product.name.clone(),
        description: product.description.clone(),
        price: decimal_string(product.price_minor, store.currency),
        price_minor: product.price_minor,
        currency: currency_code(store.currency),
        category_id: product.category_id.map(|id| id.to_string()),
        stock: product.stock,
        sold_out: product.is_sold_out(),
        image: product
            .image
            .as_ref()
            .map(|image| image_body(config, image)),
    }
}

fn image_body(config: &StorefrontConfig, image: &ImageRef) -> StorefrontImage {
    StorefrontImage {
        width: image.width,
        height: image.height,
        variants: image_urls(config, image),
    }
}

fn currency_code(currency: Currency) -> String {
    currency.code().to_owned()
}
