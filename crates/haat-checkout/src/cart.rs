//! The cart: an unguessable token in an `HttpOnly` cookie, its SHA-256 as the key of a
//! server-side cart per store. Plain form posts work with JavaScript off; the optional
//! script posts the same forms with `Accept: application/json` and updates the page.

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use haat_db::{CartLine, DbError, CART_TTL_DAYS};
use haat_domain::{format_money, ProductId, Quantity};
use haat_http::{ApiError, Path};
use http::{header, HeaderMap, HeaderValue, StatusCode};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::api::load_store;
use crate::error::{Error, Result};
use crate::form::FormFields;
use crate::CheckoutState;

pub(crate) const CART_COOKIE: &str = "haat_cart";

/// The cart token from the cookie, if it has the shape of one (32 hex characters).
pub(crate) fn cart_token(jar: &CookieJar) -> Option<String> {
    jar.get(CART_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|t| t.len() == 32 && t.bytes().all(|b| b.is_ascii_hexdigit()))
}

pub(crate) fn cart_key(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The existing cart token, or a new one set on the returned jar.
fn token_or_new(jar: CookieJar, secure: bool) -> (CookieJar, String) {
    if let Some(token) = cart_token(&jar) {
        return (jar, token);
    }
    let token = uuid::Uuid::new_v4().simple().to_string();
    let cookie = Cookie::build((CART_COOKIE, token.clone()))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(time::Duration::days(CART_TTL_DAYS))
        .build();
    (jar.add(cookie), token)
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("application/json"))
}

/// A cart as the script sees it.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Cart)]
pub(crate) struct CartBody {
    /// Units in the cart.
    pub count: i64,
    pub total: String,
    pub lines: Vec<CartLineBody>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = CartLine)]
pub(crate) struct CartLineBody {
    pub product_id: String,
    pub name: String,
    pub quantity: i32,
    pub unit_price_minor: i64,
    pub available: bool,
}

fn cart_body(lines: &[CartLine], currency: haat_domain::Currency) -> CartBody {
    CartBody {
        count: lines.iter().map(|l| i64::from(l.quantity)).sum(),
        total: format_money(
            lines
                .iter()
                .filter(|l| l.orderable())
                .map(|l| l.unit_price_minor * i64::from(l.quantity))
                .sum(),
            currency,
        ),
        lines: lines
            .iter()
            .map(|line| CartLineBody {
                product_id: line.product_id.to_string(),
                name: line.name.clone(),
                quantity: line.quantity,
                unit_price_minor: line.unit_price_minor,
                available: line.orderable(),
            })
            .collect(),
    }
}

/// `POST /{slug}/cart` with `product_id` and `quantity` (default 1).
pub(crate) async fn add(
    State(state): State<CheckoutState>,
    Path(slug): Path<String>,
    jar: CookieJar,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let json = wants_json(&headers);
    match add_inner(&state, &slug, jar, json, &body).await {
        Ok(response) => response,
        Err(error) => respond_error(error, json, &slug),
    }
}

/// Errors as JSON for the script, as a friendly page for a plain form post.
fn respond_error(error: Error, json: bool, slug: &str) -> Response {
    if json {
        error.into_response()
    } else {
        crate::pages::error_page(&error, slug)
    }
}

async fn add_inner(
    state: &CheckoutState,
    slug: &str,
    jar: CookieJar,
    json: bool,
    body: &[u8],
) -> Result<Response> {
    let store = load_store(state, slug).await?;
    let form = FormFields::parse(body);
    let product = ProductId::parse(form.get("product_id"))
        .map_err(|e| crate::error::invalid("product_id", e))?;
    let quantity = match form.get("quantity") {
        "" => Quantity::from_i64(1),
        text => Quantity::parse(text),
    }
    .map_err(|e| crate::error::invalid("quantity", e))?;
    let (jar, token) = token_or_new(jar, state.config().secure_cookies);
    let key = cart_key(&token);
    let db = state.db().clone();
    let (cart, store_id) = (key.clone(), store.id);
    let added = crate::detached(async move {
        match db.cart_add(&cart, store_id, product, quantity).await {
            Err(DbError::NotFound) => Ok(false),
            other => other.map(|()| true),
        }
    })
    .await;
    match added {
        Ok(true) => {}
        Ok(false) => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "product_unavailable",
                "this product is not available in this store",
            )
            .with_field("product_id")
            .into())
        }
        Err(error) => return Err(error),
    }
    metrics::counter!("haat_cart_adds_total").increment(1);
    if json {
        let lines = state.db().cart_lines(&key, store.id).await?;
        return Ok((jar, axum::Json(cart_body(&lines, store.currency))).into_response());
    }
    Ok((jar, Redirect::to(&format!("/{}/cart", store.slug))).into_response())
}

/// `POST /{slug}/cart/{product_id}` with `quantity` (0 or `remove` removes the line).
pub(crate) async fn update(
    State(state): State<CheckoutState>,
    Path((slug, product)): Path<(String, String)>,
    jar: CookieJar,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let json = wants_json(&headers);
    match update_inner(&state, &slug, &product, jar, json, &body).await {
        Ok(response) => response,
        Err(error) => respond_error(error, json, &slug),
    }
}

async fn update_inner(
    state: &CheckoutState,
    slug: &str,
    product: &str,
    jar: CookieJar,
    json: bool,
    body: &[u8],
) -> Result<Response> {
    let store = load_store(state, slug).await?;
    let product = ProductId::parse(product).map_err(|e| crate::error::invalid("product_id", e))?;
    let form = FormFields::parse(body);
    let quantity = match form.get("quantity").trim() {
        _ if form.get("action") == "remove" => None,
        "0" | "" => None,
        text => Some(Quantity::parse(text).map_err(|e| crate::error::invalid("quantity", e))?),
    };
    // No cart yet: nothing to change.
    if let Some(token) = cart_token(&jar) {
        let db = state.db().clone();
        let (cart, store_id) = (cart_key(&token), store.id);
        crate::detached(async move { db.cart_set(&cart, store_id, product, quantity).await })
            .await?;
    }
    if json {
        let lines = match cart_token(&jar) {
            Some(token) => state.db().cart_lines(&cart_key(&token), store.id).await?,
            None => Vec::new(),
        };
        return Ok(axum::Json(cart_body(&lines, store.currency)).into_response());
    }
    Ok(Redirect::to(&format!("/{}/cart", store.slug)).into_response())
}

/// `GET /api/v1/storefront/{slug}/cart`: the shopper's cart (empty without a cookie).
#[utoipa::path(get, path = "/api/v1/storefront/{slug}/cart", tag = "storefront",
    params(("slug" = String, Path)),
    responses((status = 200, body = CartBody, description = "The cart of the `haat_cart` cookie; empty without one"),
              (status = 404, body = haat_http::ErrorBody)))]
pub(crate) async fn cart_json(
    State(state): State<CheckoutState>,
    Path(slug): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let store = load_store(&state, &slug).await?;
    let lines = match cart_token(&jar) {
        Some(token) => state.db().cart_lines(&cart_key(&token), store.id).await?,
        None => Vec::new(),
    };
    let mut response = axum::Json(cart_body(&lines, store.currency)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// The enhancement script: "Add to cart" without leaving the page, and the cart count in
/// the header. Without it every form still works by a normal post.
const CART_SCRIPT: &str = include_str!("../assets/cart.js");

pub(crate) async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CART_SCRIPT,
    )
        .into_response()
}
