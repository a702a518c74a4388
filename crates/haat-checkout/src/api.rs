//! The headless checkout: `POST /api/v1/storefront/{slug}/orders` and
//! `GET /api/v1/storefront/{slug}/orders/{token}`, documented by [`openapi`].

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use haat_db::{Fulfilment, NewOrder, OrderLineRequest, OrderRecord, OrderRequestKey, ShopStore};
use haat_domain::{
    Address, CustomerName, DiscountCode, OrderNote, PaymentMethod, Phone, ProductId, Quantity,
    StoreSlug,
};
use haat_http::{ApiError, Json, Path};
use http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;
use utoipa::{OpenApi, ToSchema};

use crate::error::{invalid, Result};
use crate::{upi, CheckoutState};

/// `POST /api/v1/storefront/{slug}/orders`. Quantities are JSON numbers; prices are never
/// sent, except optionally as what the client expects to pay (checked).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct OrderRequestBody {
    pub items: Vec<OrderItemRequest>,
    pub customer: CustomerBody,
    /// `cod` (cash on delivery) or `upi`.
    pub payment_method: String,
    #[serde(default)]
    pub discount_code: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    /// If given, must be the store's currency.
    #[serde(default)]
    pub currency: Option<String>,
    /// If given, the order is refused (409 `total_changed`) unless the total is this.
    #[serde(default)]
    pub expected_total_minor: Option<i64>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct OrderItemRequest {
    pub product_id: String,
    /// A whole number, 1 to 999.
    #[schema(value_type = i64)]
    pub quantity: serde_json::Value,
    /// If given, the order is refused (409 `price_changed`) unless the price is this.
    #[serde(default)]
    pub unit_price_minor: Option<i64>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct CustomerBody {
    pub name: String,
    /// An Indian 10-digit number or any number in international form.
    pub phone: String,
    /// A delivery address; absent or null for pickup from the store.
    #[serde(default)]
    pub address: Option<String>,
}

/// An order as the shopper (holder of its token) sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderBody {
    pub id: String,
    /// The store's order number (`1042`, shown as `#1042`).
    pub number: i64,
    pub display_number: String,
    /// The unguessable key of the order's status page.
    pub token: String,
    /// `placed` | `accepted` | `shipped` | `delivered` | `cancelled`
    pub status: String,
    /// `pending` | `paid` | `flagged` | `refunded`
    pub payment_status: String,
    /// `cod` | `upi`
    pub payment_method: String,
    /// The reference a payment gateway quotes back (`tr` of the UPI link).
    pub payment_ref: String,
    pub currency: String,
    pub subtotal_minor: i64,
    pub discount_minor: i64,
    pub discount_code: Option<String>,
    pub delivery_fee_minor: i64,
    pub total_minor: i64,
    /// `delivery` | `pickup`
    pub fulfilment: String,
    pub items: Vec<OrderItemBody>,
    pub history: Vec<HistoryBody>,
    pub payments: Vec<PaymentBody>,
    pub tracking: Option<TrackingBody>,
    /// `upi://pay?…` for an unpaid UPI order.
    pub upi_uri: Option<String>,
    pub status_url: String,
    pub invoice_url: String,
    pub created_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderItemBody {
    pub product_id: String,
    pub name: String,
    pub quantity: i32,
    pub unit_price_minor: i64,
    pub line_total_minor: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryBody {
    /// `status` or `payment`
    pub kind: String,
    pub from: Option<String>,
    pub to: String,
    pub at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentBody {
    pub provider: String,
    /// `captured` | `failed` | `refunded`
    pub status: String,
    pub amount_minor: i64,
    pub currency: String,
    pub updated_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrackingBody {
    pub provider: String,
    pub tracking_id: Option<String>,
    pub url: Option<String>,
}

#[derive(OpenApi)]
#[openapi(
    paths(place_order, order_json, crate::cart::cart_json),
    components(schemas(
        crate::cart::CartBody,
        crate::cart::CartLineBody,
        OrderRequestBody,
        OrderItemRequest,
        CustomerBody,
        OrderBody,
        OrderItemBody,
        HistoryBody,
        PaymentBody,
        TrackingBody,
        haat_http::ErrorBody
    ))
)]
struct CheckoutApi;

/// The checkout's OpenAPI fragment, merged into the storefront's document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    CheckoutApi::openapi()
}

fn rfc3339(at: time::OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

impl OrderBody {
    pub(crate) fn new(
        state: &CheckoutState,
        store: &ShopStore,
        order: &OrderRecord,
        payments: Vec<PaymentBody>,
    ) -> OrderBody {
        let status_url = crate::view::order_url(state, &store.slug, &order.token);
        OrderBody {
            id: order.id.to_string(),
            number: order.number.get(),
            display_number: order.number.to_string(),
            token: order.token.as_str().to_owned(),
            status: order.status.as_str().to_owned(),
            payment_status: order.payment_status.as_str().to_owned(),
            payment_method: order.payment_method.as_str().to_owned(),
            payment_ref: order.payment_ref.as_str().to_owned(),
            currency: order.currency.code().to_owned(),
            subtotal_minor: order.totals.subtotal_minor,
            discount_minor: order.totals.discount_minor,
            discount_code: order.discount_code.clone(),
            delivery_fee_minor: order.totals.delivery_fee_minor,
            total_minor: order.totals.total_minor,
            fulfilment: if order.address.is_some() {
                "delivery"
            } else {
                "pickup"
            }
            .to_owned(),
            items: order
                .items
                .iter()
                .map(|item| OrderItemBody {
                    product_id: item.product_id.to_string(),
                    name: item.name.clone(),
                    quantity: item.quantity,
                    unit_price_minor: item.unit_price_minor,
                    line_total_minor: item.line_total_minor,
                })
                .collect(),
            history: order
                .events
                .iter()
                .map(|event| HistoryBody {
                    kind: event.kind.clone(),
                    from: event.from_state.clone(),
                    to: event.to_state.clone(),
                    at: rfc3339(event.at),
                })
                .collect(),
            payments,
            tracking: order.shipping_provider.map(|provider| TrackingBody {
                provider: provider.as_str().to_owned(),
                tracking_id: order.tracking_id.clone(),
                url: order.tracking_url(),
            }),
            upi_uri: upi::upi_uri_for(store, order),
            invoice_url: format!("{status_url}/invoice.pdf"),
            status_url,
            created_at: rfc3339(order.created_at),
        }
    }
}

/// The longest `Idempotency-Key` accepted.
const MAX_KEY_LEN: usize = 200;

fn idempotency_key(headers: &HeaderMap) -> Result<String> {
    let value = headers.get("idempotency-key").ok_or_else(|| {
        ApiError::bad_request(
            "idempotency_key_required",
            "send an Idempotency-Key header (a unique id per order attempt)",
        )
    })?;
    let key = value
        .to_str()
        .ok()
        .filter(|k| {
            !k.is_empty() && k.len() <= MAX_KEY_LEN && k.bytes().all(|b| b.is_ascii_graphic())
        })
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_idempotency_key",
                "Idempotency-Key must be 1 to 200 visible ASCII characters",
            )
        })?;
    Ok(format!("api:{key}"))
}

/// Turns the wire request into the domain order, field by field, each error naming its
/// field.
fn parse_request(body: &OrderRequestBody) -> Result<NewOrder> {
    if body.items.is_empty() {
        return Err(invalid(
            "items",
            haat_domain::ParseError::new("empty_order", "add at least one item"),
        ));
    }
    if body.items.len() > haat_domain::MAX_ORDER_LINES {
        return Err(invalid(
            "items",
            haat_domain::ParseError::new(
                "too_many_items",
                "an order can have at most 50 different products",
            ),
        ));
    }
    let mut lines = Vec::with_capacity(body.items.len());
    for (index, item) in body.items.iter().enumerate() {
        let product = ProductId::parse(&item.product_id)
            .map_err(|e| invalid(&format!("items[{index}].product_id"), e))?;
        let quantity = match item.quantity.as_i64() {
            Some(count) => Quantity::from_i64(count),
            None => Err(haat_domain::ParseError::new(
                "invalid_quantity",
                "quantity must be a whole number",
            )),
        }
        .map_err(|e| invalid(&format!("items[{index}].quantity"), e))?;
        lines.push(OrderLineRequest {
            product,
            quantity,
            expected_unit_price_minor: item.unit_price_minor,
        });
    }
    let customer_name =
        CustomerName::parse(&body.customer.name).map_err(|e| invalid("customer.name", e))?;
    let customer_phone =
        Phone::parse(&body.customer.phone).map_err(|e| invalid("customer.phone", e))?;
    let fulfilment = match body.customer.address.as_deref() {
        None => Fulfilment::Pickup,
        Some(address) => Fulfilment::Delivery(
            Address::parse(address).map_err(|e| invalid("customer.address", e))?,
        ),
    };
    let payment_method =
        PaymentMethod::parse(&body.payment_method).map_err(|e| invalid("payment_method", e))?;
    let discount_code = body
        .discount_code
        .as_deref()
        .filter(|c| !c.trim().is_empty())
        .map(DiscountCode::parse)
        .transpose()
        .map_err(|e| invalid("discount_code", e))?;
    let note =
        OrderNote::parse(body.note.as_deref().unwrap_or("")).map_err(|e| invalid("note", e))?;
    Ok(NewOrder {
        lines,
        customer_name,
        customer_phone,
        fulfilment,
        note,
        payment_method,
        discount_code,
        currency: body.currency.clone(),
        expected_total_minor: body.expected_total_minor,
        cart: None,
    })
}

pub(crate) async fn load_store(state: &CheckoutState, slug: &str) -> Result<ShopStore> {
    let slug = StoreSlug::parse(slug).map_err(|_| ApiError::not_found("store"))?;
    state
        .db()
        .shop_store(&slug)
        .await?
        .ok_or_else(|| ApiError::not_found("store").into())
}

/// Places an order; the same `Idempotency-Key` with the same body returns the first
/// order (200), with another body `422`.
#[utoipa::path(
    post,
    path = "/api/v1/storefront/{slug}/orders",
    params(("slug" = String, Path), ("Idempotency-Key" = String, Header)),
    request_body = OrderRequestBody,
    responses(
        (status = 201, body = OrderBody, description = "Order placed"),
        (status = 200, body = OrderBody, description = "Replay of an earlier request with this key"),
        (status = 400, body = haat_http::ErrorBody),
        (status = 404, body = haat_http::ErrorBody),
        (status = 409, body = haat_http::ErrorBody, description = "Out of stock, price changed, discount used up"),
        (status = 422, body = haat_http::ErrorBody),
    )
)]
pub(crate) async fn place_order(
    State(state): State<CheckoutState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    Json(body): Json<OrderRequestBody>,
) -> Result<Response> {
    let store = load_store(&state, &slug).await?;
    let key = idempotency_key(&headers)?;
    let order = parse_request(&body)?;
    // The fingerprint of the request as parsed, so whitespace or key order in the JSON
    // does not make a retry look different.
    let request_hash = Sha256::digest(serde_json::to_vec(&body).unwrap_or_default()).to_vec();
    let key = OrderRequestKey { key, request_hash };
    let placed = crate::place_detached(&state, &store, order, key).await?;
    let status = if placed.is_replay() {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let order = placed.into_inner();
    let payments = crate::pages::payments_of(&state, &order).await?;
    let body = OrderBody::new(&state, &store, &order, payments);
    let location = body.status_url.clone();
    Ok((
        status,
        [(http::header::LOCATION, location)],
        axum::Json(body),
    )
        .into_response())
}

/// An order by its token (only within its own store).
#[utoipa::path(
    get,
    path = "/api/v1/storefront/{slug}/orders/{token}",
    params(("slug" = String, Path), ("token" = String, Path)),
    responses(
        (status = 200, body = OrderBody),
        (status = 404, body = haat_http::ErrorBody),
    )
)]
pub(crate) async fn order_json(
    State(state): State<CheckoutState>,
    Path((slug, token)): Path<(String, String)>,
) -> Result<Response> {
    let (store, order) = crate::pages::order_for(&state, &slug, &token).await?;
    let payments = crate::pages::payments_of(&state, &order).await?;
    let mut response = axum::Json(OrderBody::new(&state, &store, &order, payments)).into_response();
    response.headers_mut().insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}
