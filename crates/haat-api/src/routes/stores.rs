//! `/api/v1/stores`: create, list, read, edit, logo, search synonyms.

use axum::extract::{Request, State};
use haat_domain::{StoreId, StoreSlug};
use haat_http::{ApiError, Json, Path};
use http::StatusCode;

use crate::auth::AuthSeller;
use crate::input::{parse_store_name, parse_store_patch};
use crate::upload::image_from_request;
use crate::wire::{CreateStoreRequest, StoreBody, StoreList, SynonymsBody, UpdateStoreRequest};
use crate::{ApiState, Result};

pub(crate) fn parse_store_id(text: &str) -> Result<StoreId> {
    StoreId::parse(text).map_err(|_| ApiError::not_found("store").into())
}

#[utoipa::path(post, path = "/api/v1/stores", tag = "stores", request_body = CreateStoreRequest,
    security(("bearer" = [])),
    responses((status = 201, body = StoreBody), (status = 422, body = haat_http::ErrorBody)))]
pub async fn create(
    State(state): State<ApiState>,
    seller: AuthSeller,
    Json(body): Json<CreateStoreRequest>,
) -> Result<(StatusCode, Json<StoreBody>)> {
    let name = parse_store_name(&body.name)?;
    let store = state
        .db()
        .create_store(seller.seller.id, &name, &StoreSlug::derive(&name))
        .await?;
    tracing::info!(store.id = %store.id, store.slug = %store.slug, "store created");
    metrics::counter!("haat_stores_created_total").increment(1);
    Ok((StatusCode::CREATED, Json(state.store_body(&store))))
}

#[utoipa::path(get, path = "/api/v1/stores", tag = "stores", security(("bearer" = [])),
    responses((status = 200, body = StoreList)))]
pub async fn list(State(state): State<ApiState>, seller: AuthSeller) -> Result<Json<StoreList>> {
    let stores = state.db().stores_of_seller(seller.seller.id).await?;
    Ok(Json(StoreList {
        stores: stores.iter().map(|store| state.store_body(store)).collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/stores/{store_id}", tag = "stores", security(("bearer" = [])),
    params(("store_id" = String, Path)),
    responses((status = 200, body = StoreBody), (status = 404, body = haat_http::ErrorBody)))]
pub async fn get(
    State(state): State<ApiState>,
    seller: AuthSeller,
    Path(store_id): Path<String>,
) -> Result<Json<StoreBody>> {
    let store_id = parse_store_id(&store_id)?;
    let store = state
        .db()
        .store_for_seller(seller.seller.id, store_id)
        .await?;
    let mut body = state.store_body(&store);
    body.checkout = Some((&state.db().shop_store_by_id(store_id).await?).into());
    Ok(Json(body))
}

#[utoipa::path(patch, path = "/api/v1/stores/{store_id}", tag = "stores", security(("bearer" = [])),
    params(("store_id" = String, Path)), request_body = UpdateStoreRequest,
    responses((status = 200, body = StoreBody), (status = 404, body = haat_http::ErrorBody),
              (status = 422, body = haat_http::ErrorBody)))]
pub async fn update(
    State(state): State<ApiState>,
    seller: AuthSeller,
    Path(store_id): Path<String>,
    Json(body): Json<UpdateStoreRequest>,
) -> Result<Json<StoreBody>> {
    let store_id = parse_store_id(&store_id)?;
    let patch = parse_store_patch(&body)?;
    let current = state
        .db()
        .store_for_seller(seller.seller.id, store_id)
        .await?;
    let checkout = crate::routes::orders::parse_checkout_settings(
        patch.currency.unwrap_or(current.currency),
        &body.upi_id,
        body.delivery_fee.as_deref(),
        body.pickup_enabled,
        body.address.as_deref(),
        &body.gstin,
        &body.tax_rate_percent,
    )?;
    // Both parts validated, then written in one transaction.
    let store = state
        .db()
        .update_store_and_checkout(seller.seller.id, store_id, &patch, &checkout)
        .await?;
    tracing::info!(store.id = %store.id, "store updated");
    let mut body = state.store_body(&store);
    body.checkout = Some((&state.db().shop_store_by_id(store_id).await?).into());
    Ok(Json(body))
}

#[utoipa::path(put, path = "/api/v1/stores/{store_id}/logo", tag = "stores", security(("bearer" = [])),
    params(("store_id" = String, Path)),
    request_body(content = Vec<u8>, description = "the image bytes, or multipart/form-data with an `image` part", content_type = "image/*"),
    responses((status = 200, body = StoreBody), (status = 404, body = haat_http::ErrorBody),
              (status = 413, body = haat_http::ErrorBody), (status = 415, body = haat_http::ErrorBody)))]
pub async fn put_logo(
    State(state): State<ApiState>,
    seller: AuthSeller,
    Path(store_id): Path<String>,
    request: Request,
) -> Result<Json<StoreBody>> {
    let store_id = parse_store_id(&store_id)?;
    // Ownership before any image work: another seller's id costs nothing to refuse.
    state
        .db()
        .store_for_seller(seller.seller.id, store_id)
        .await?;
    let image = image_from_request(&state, request).await?;
    let store = state
        .db()
        .set_store_logo(seller.seller.id, store_id, &image)
        .await?;
    Ok(Json(state.store_body(&store)))
}

#[utoipa::path(get, path = "/api/v1/stores/{store_id}/synonyms", tag = "stores", security(("bearer" = [])),
    params(("store_id" = String, Path)),
    responses((status = 200, body = SynonymsBody), (status = 404, body = haat_http::ErrorBody)))]
pub async fn get_synonyms(
    State(state): State<ApiState>,
    seller: AuthSeller,
    Path(store_id): Path<String>,
) -> Result<Json<SynonymsBody>> {
    let store_id = parse_store_id(&store_id)?;
    state
        .db()
        .store_for_seller(seller.seller.id, store_id)
        .await?;
    let groups = state.db().store_synonyms(store_id).await?;
    Ok(Json(SynonymsBody { groups }))
}

/// Replaces the store's own search synonyms; shoppers' searches use them within seconds
/// (docs/search.md).
#[utoipa::path(put, path = "/api/v1/stores/{store_id}/synonyms", tag = "stores", security(("bearer" = [])),
    params(("store_id" = String, Path)), request_body = SynonymsBody,
    responses((status = 200, body = SynonymsBody), (status = 404, body = haat_http::ErrorBody),
              (status = 422, body = haat_http::ErrorBody)))]
pub async fn put_synonyms(
    State(state): State<ApiState>,
    seller: AuthSeller,
    Path(store_id): Path<String>,
    Json(body): Json<SynonymsBody>,
) -> Result<Json<SynonymsBody>> {
    let store_id = parse_store_id(&store_id)?;
    let groups = haat_domain::SynonymGroups::parse(&body.groups)
        .map_err(|error| ApiError::invalid("groups", error))?;
    state
        .db()
        .store_for_seller(seller.seller.id, store_id)
        .await?;
    state
        .db()
        .set_store_synonyms(store_id, groups.groups())
        .await?;
    tracing::info!(store.id = %store_id, groups = groups.groups().len(), "store synonyms replaced");
    Ok(Json(SynonymsBody {
        groups: groups.groups().to_vec(),
    }))
}
