//! `/api/v1/stores/{store_id}/products` and `/categories`.

use axum::extract::{FromRequest, Request, State};
use haat_db::IdempotencyKey;
use haat_db::StoreRecord;
use haat_domain::catalog::{CatalogCursor, CatalogSort};
use haat_domain::ProductId;
use haat_http::{ApiError, Json, Path, Query};
use http::{HeaderName, StatusCode};

use crate::auth::AuthSeller;
use crate::input::{
    parse_idempotency_key, parse_product_fields, parse_product_request, product_fingerprint,
};
use crate::routes::stores::parse_store_id;
use crate::upload::{image_from_request, is_multipart, read_multipart, store_image};
use crate::wire::{
    CategoryBody, CategoryList, ProductBody, ProductList, ProductListQuery, ProductRequest,
};
use crate::{ApiState, Result};

const DEFAULT_LIMIT: u32 = 50;

/// The seller's store, or 404 exactly as if it did not exist.
async fn owned_store(state: &ApiState, seller: &AuthSeller, store_id: &str) -> Result<StoreRecord> {
    let store_id = parse_store_id(store_id)?;
    Ok(state
        .db()
        .store_for_seller(seller.seller.id, store_id)
        .await?)
}

fn parse_product_id(text: &str) -> Result<ProductId> {
    ProductId::parse(text).map_err(|_| ApiError::not_found("product").into())
}

#[utoipa::path(post, path = "/api/v1/stores/{store_id}/products", tag = "products",
    security(("bearer" = [])),
    params(("store_id" = String, Path),
           ("Idempotency-Key" = Option<String>, Header, description = "retrying with the same key and request returns the first product (header `Idempotent-Replayed: true`); the same key with another request is a 422")),
    request_body(content = ProductRequest, description = "JSON, or multipart/form-data with the same fields as text plus an optional `image` file part"),
    responses((status = 201, body = ProductBody), (status = 404, body = haat_http::ErrorBody),
              (status = 422, body = haat_http::ErrorBody), (status = 413, body = haat_http::ErrorBody)))]
pub async fn create(
    State(state): State<ApiState>,
    seller: AuthSeller,
    Path(store_id): Path<String>,
    request: Request,
) -> Result<(
    StatusCode,
    [(HeaderName, &'static str); 1],
    Json<ProductBody>,
)> {
    let store = owned_store(&state, &seller, &store_id).await?;
    let idempotency_key = request
        .headers()
        .get("idempotency-key")
        .map(|value| parse_idempotency_key(value.to_str().unwrap_or("")))
        .transpose()?;
    let new = if is_multipart(&request) {
        let form = read_multipart(&state, request).await?;
        let mut new = parse_product_fields(&form.fields, store.currency, false)?.into_new()?;
        // The image is processed only once the text fields are known to be valid.
        if let Some(bytes) = form.image {
            new.image = Some(store_image(&state, bytes).await?);
        }
        new
    } else {
        // The route takes photo-sized multipart bodies; a JSON body keeps the JSON limit.
        let request = request.map(|body| {
            axum::body::Body::new(http_body_util::Limited::new(body, crate::JSON_BODY_LIMIT))
        });
        let Json(body) = Json::<ProductRequest>::from_request(request, &state).await?;
        parse_product_request(body, store.currency)?.into_new()?
    };
    let (product, replayed) = match idempotency_key {
        Some(key) => {
            let key = IdempotencyKey {
                seller: seller.seller.id,
                key,
                request_hash: product_fingerprint(&new),
            };
            let created = state.db().create_product_once(store.id, &new, &key).await?;
            let replayed = created.is_replay();
            (created.into_inner(), replayed)
        }
        None => (state.db().create_product(store.id, &new).await?, false),
    };
    if replayed {
        tracing::info!(store.id = %store.id, product.id = %product.id, "product creation replayed");
    } else {
        tracing::info!(store.id = %store.id, product.id = %product.id, "product created");
        metrics::counter!("haat_products_created_total").increment(1);
    }
    let replayed_header = [(
        HeaderName::from_static("idempotent-replayed"),
        if replayed { "true" } else { "false" },
    )];
    Ok((
        StatusCode::CREATED,
        replayed_header,
        Json(state.product_body(&product, &store)),
    ))
}

#[utoipa::path(get, path = "/api/v1/stores/{store_id}/products", tag = "products",
    security(("bearer" = [])), params(("store_id" = String, Path), ProductListQuery),
    responses((status = 200, body = ProductList), (status = 400, body = haat_http::ErrorBody),
              (status = 404, body = haat_http::ErrorBody)))]
pub async fn list(
    State(state): State<ApiState>,
    seller: AuthSeller,
    Path(store_id): Path<String>,
    Query(query): Query<ProductListQuery>,
) -> Result<Json<ProductList>> {
    let store = owned_store(&state, &seller, &store_id).await?;
    let sort = match query.sort.as_deref() {
        None | Some("") => CatalogSort::Newest,
        Some(text) => CatalogSort::parse(text).map_err(|e| ApiError::invalid("sort", e))?,
    };
    let after = query
        .after
        .as_deref()
        .filter(|text| !text.is_empty())
        .map(|text| CatalogCursor::decode(text, sort).map_err(|e| ApiError::invalid("after", e)))
        .transpose()?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=100).contains(&limit) {
        return Err(
            ApiError::bad_request("invalid_limit", "limit must be between 1 and 100")
                .with_field("limit")
                .into(),
        );
    }
    let after = &after;
    let (products, next) = state
        .read(seller.read_floor, |db| async move {
            db.list_products(store.id, sort, after.as_ref(), limit)
                .await
        })
        .await?;
    Ok(Json(ProductList {
        products: products
            .iter()
            .map(|product| state.product_body(product, &store))
            .collect(),
        next_cursor: next.map(|cursor| cursor.encode()),
    }))
}

#[utoipa::path(get, path = "/api/v1/stores/{store_id}/products/{product_id}", tag = "products",
    security(("bearer" = [])), params(("store_id" = String, Path), ("product_id" = String, Path)),
    responses((status = 200, body = ProductBody), (status = 404, body = haat_http::ErrorBody)))]
pub async fn get(
    State(state): State<ApiState>,
    seller: AuthSeller,
    Path((store_id, product_id)): Path<(String, String)>,
) -> Result<Json<ProductBody>> {
    let store = owned_store(&state, &seller, &store_id).await?;
    let product = state
        .db()
        .product(store.id, parse_product_id(&product_id)?)
        .await?;
    Ok(Json(state.product_body(&product, &store)))
}

#[utoipa::path(patch, path = "/api/v1/stores/{store_id}/products/{product_id}", tag = "products",
    security(("bearer" = [])), params(("store_id" = String, Path), ("product_id" = String, Path)),
    request_body = ProductRequest,
    responses((status = 200, body = ProductBody), (status = 404, body = haat_http::ErrorBody),
              (status = 422, body = haat_http::ErrorBody)))]
pub async fn update(
    State(state): State<ApiState>,
    seller: AuthSeller,
    Path((store_id, product_id)): Path<(String, String)>,
    Json(body): Json<ProductRequest>,
) -> Result<Json<ProductBody>> {
    let store = owned_store(&state, &seller, &store_id).await?;
    let product_id = parse_product_id(&product_id)?;
    let patch = parse_product_request(body, store.currency)?.into_patch();
    let product = state
        .db()
        .update_product(store.id, product_id, &patch)
        .await?;
    tracing::info!(store.id = %store.id, product.id = %product.id, "product updated");
    Ok(Json(state.product_body(&product, &store)))
}

#[utoipa::path(delete, path = "/api/v1/stores/{store_id}/products/{product_id}", tag = "products",
    security(("bearer" = [])), params(("store_id" = String, Path), ("product_id" = String, Path)),
    responses((status = 204), (status = 404, body = haat_http::ErrorBody)))]
pub async fn delete(
    State(state): State<ApiState>,
    seller: AuthSeller,
    Path((store_id, product_id)): Path<(String, String)>,
) -> Result<StatusCode> {
    let store = owned_store(&state, &seller, &store_id).await?;
    let product_id = parse_product_id(&product_id)?;
    state.db().delete_product(store.id, product_id).await?;
    tracing::info!(store.id = %store.id, product.id = %product_id, "product deleted");
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(put, path = "/api/v1/stores/{store_id}/products/{product_id}/image", tag = "products",
    security(("bearer" = [])), params(("store_id" = String, Path), ("product_id" = String, Path)),
    request_body(content = Vec<u8>, description = "the image bytes, or multipart/form-data with an `image` part", content_type = "image/*"),
    responses((status = 200, body = ProductBody), (status = 404, body = haat_http::ErrorBody),
              (status = 413, body = haat_http::ErrorBody), (status = 415, body = haat_http::ErrorBody)))]
pub async fn put_image(
    State(state): State<ApiState>,
    seller: AuthSeller,
    Path((store_id, product_id)): Path<(String, String)>,
    request: Request,
) -> Result<Json<ProductBody>> {
    let store = owned_store(&state, &seller, &store_id).await?;
    let product_id = parse_product_id(&product_id)?;
    // Refuse an unknown product before spending CPU on its image.
    state.db().product(store.id, product_id).await?;
    let image = image_from_request(&state, request).await?;
    let product = state
        .db()
        .set_product_image(store.id, product_id, &image)
        .await?;
    Ok(Json(state.product_body(&product, &store)))
}

#[utoipa::path(get, path = "/api/v1/stores/{store_id}/categories", tag = "products",
    security(("bearer" = [])), params(("store_id" = String, Path)),
    responses((status = 200, body = CategoryList), (status = 404, body = haat_http::ErrorBody)))]
pub async fn categories(
    State(state): State<ApiState>,
    seller: AuthSeller,
    Path(store_id): Path<String>,
) -> Result<Json<CategoryList>> {
    let store = owned_store(&state, &seller, &store_id).await?;
    let categories = state.db().categories(store.id).await?;
    Ok(Json(CategoryList {
        categories: categories.iter().map(CategoryBody::from).collect(),
    }))
}
