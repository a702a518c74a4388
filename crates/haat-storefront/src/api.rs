//! `GET /api/v1/storefront/{slug}`: the store page's catalog as JSON, for headless
//! storefronts and apps, with its OpenAPI description.
//!
//! The wire types below are the public contract: they are converted by hand from the
//! domain's read model, so renaming a Rust field never silently changes the API.
//! Errors use the shared `{"error": {"code", "message", "field"?}}` shape.

use axum::extract::{RawQuery, Request, State};
use axum::response::Response;
use bytes::Bytes;
use haat_cache::Miss;
use haat_domain::catalog::{CatalogPage, CategoryEntry, ImageRef, ProductCard, StoreProfile};
use haat_domain::{decimal_string, Currency, StoreSlug};
use haat_http::{ApiError, ErrorBody, Path};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use crate::cached;
use crate::images::{image_urls, ImageVariantUrls};
use crate::query::ListingParams;
use crate::{urls, PageTimer, StorefrontConfig, StorefrontState};

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

#[derive(OpenApi)]
#[openapi(
    paths(catalog_json),
    components(schemas(
        StorefrontCatalog,
        StorefrontStore,
        StorefrontCategory,
        StorefrontProduct,
        StorefrontImage,
        ImageVariantUrls,
        ErrorBody
    )),
    tags((name = "storefront", description = "Public, read-only store catalogs"))
)]
struct StorefrontApiDoc;

/// The OpenAPI description of the storefront's JSON endpoint, generated from the
/// handler's annotations and the wire types.
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
