//! The order desk as JSON: `/api/v1/stores/{store_id}/orders…` (list, detail, state
//! transitions, mark paid, invoice, CSV export) and the store's discount codes. Every
//! handler first loads the store for this seller, so another seller's store, order or
//! code is a 404.

use axum::extract::{Query as RawQuery, State};
use axum::response::{IntoResponse, Response};
use haat_db::{
    CheckoutSettingsPatch, DiscountRecord, NewDiscount, OrderFilter, OrderRecord, OrderSummary,
    ShopStore, Transition,
};
use haat_domain::{
    decimal_string, CancelReason, DiscountCode, DiscountId, DiscountKind, Gstin, OrderId,
    OrderStatus, Price, ShippingProvider, StoreAddress, TaxRate, TrackingId, UpiId,
};
use haat_http::{ApiError, Json, Path};
use http::{header, StatusCode};
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::auth::AuthSeller;
use crate::routes::stores::parse_store_id;
use crate::{ApiState, Error, Result};

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

fn invalid(field: &str, error: haat_domain::ParseError) -> Error {
    ApiError::invalid(field, error).into()
}

/// The store (with its checkout settings) if this seller owns it.
pub(crate) async fn owned_store(
    state: &ApiState,
    seller: &AuthSeller,
    store: &str,
) -> Result<ShopStore> {
    let store_id = parse_store_id(store)?;
    state
        .db()
        .store_for_seller(seller.seller.id, store_id)
        .await?;
    Ok(state.db().shop_store_by_id(store_id).await?)
}

fn parse_order_id(text: &str) -> Result<OrderId> {
    OrderId::parse(text).map_err(|_| ApiError::not_found("order").into())
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = DeskOrderSummary)]
pub struct OrderSummaryBody {
    pub id: String,
    pub number: i64,
    pub display_number: String,
    pub status: &'static str,
    pub payment_method: &'static str,
    pub payment_status: &'static str,
    pub customer_name: String,
    pub item_count: i64,
    pub total_minor: i64,
    pub currency: &'static str,
    pub created_at: String,
}

impl From<&OrderSummary> for OrderSummaryBody {
    fn from(order: &OrderSummary) -> Self {
        OrderSummaryBody {
            id: order.id.to_string(),
            number: order.number.get(),
            display_number: order.number.to_string(),
            status: order.status.as_str(),
            payment_method: order.payment_method.as_str(),
            payment_status: order.payment_status.as_str(),
            customer_name: order.customer_name.clone(),
            item_count: order.item_count,
            total_minor: order.total_minor,
            currency: order.currency.code(),
            created_at: rfc3339(order.created_at),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = DeskOrderList)]
pub struct OrderList {
    pub orders: Vec<OrderSummaryBody>,
    /// Pass as `before` for the next page; absent on the last page.
    pub next: Option<String>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    pub status: Option<String>,
    pub q: Option<String>,
    pub before: Option<String>,
    pub limit: Option<u32>,
}

/// `before` cursors are `<created_at RFC 3339>_<order id>`.
fn parse_before(text: &str) -> Result<(OffsetDateTime, OrderId)> {
    let bad = || {
        ApiError::bad_request("invalid_cursor", "this page link is not valid").with_field("before")
    };
    let (at, id) = text.rsplit_once('_').ok_or_else(bad)?;
    let at = OffsetDateTime::parse(at, &Rfc3339).map_err(|_| bad())?;
    let id = OrderId::parse(id).map_err(|_| bad())?;
    Ok((at, id))
}

pub(crate) fn parse_filter(query: &ListQuery) -> Result<OrderFilter> {
    let status = match query.status.as_deref().map(str::trim) {
        None | Some("") | Some("all") => None,
        Some(text) => Some(OrderStatus::parse(text).map_err(|e| invalid("status", e))?),
    };
    Ok(OrderFilter {
        status,
        search: query.q.clone().filter(|q| q.chars().count() <= 100),
        before: query.before.as_deref().map(parse_before).transpose()?,
        limit: query.limit.unwrap_or(50).clamp(1, 200),
    })
}

pub(crate) async fn list_page(
    state: &ApiState,
    read_floor: Option<haat_db::Lsn>,
    store: &ShopStore,
    filter: &OrderFilter,
) -> Result<OrderList> {
    let orders = state
        .read(read_floor, |db| async move {
            db.list_orders(store.id, filter).await
        })
        .await?;
    let next = (orders.len() as u32 == filter.limit)
        .then(|| {
            orders
                .last()
                .map(|o| format!("{}_{}", rfc3339(o.created_at), o.id))
        })
        .flatten();
    Ok(OrderList {
        orders: orders.iter().map(OrderSummaryBody::from).collect(),
        next,
    })
}

#[utoipa::path(get, path = "/api/v1/stores/{store_id}/orders", tag = "orders", security(("bearer" = [])), 
    params(("store_id" = String, Path), ("status" = Option<String>, Query), ("q" = Option<String>, Query, description = "An order number (#1042) or part of a customer's name"),
           ("before" = Option<String>, Query, description = "The `next` cursor of the previous page"), ("limit" = Option<u32>, Query)),
    responses((status = 200, body = OrderList), (status = 422, body = haat_http::ErrorBody), (status = 401, body = haat_http::ErrorBody), (status = 404, body = haat_http::ErrorBody)))]
pub async fn list(
    State(state): State<ApiState>,
    seller: AuthSeller,
    Path(store): Path<String>,
    RawQuery(query): RawQuery<ListQuery>,
) -> Result<Json<OrderList>> {
    let store = owned_store(&state, &seller, &store).await?;
    let filter = parse_filter(&query)?;
    Ok(Json(
        list_page(&state, seller.read_floor, &store, &filter).await?,
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = DeskOrder)]
pub struct OrderDetailBody {
    pub id: String,
    pub number: i64,
    pub display_number: String,
    pub status: &'static str,
    /// The statuses this order may move to next.
    pub next_statuses: Vec<&'static str>,
    pub payment_method: &'static str,
    pub payment_status: &'static str,
    pub payment_ref: String,
    pub customer: CustomerBody,
    pub note: String,
    pub currency: &'static str,
    pub subtotal_minor: i64,
    pub discount_minor: i64,
    pub discount_code: Option<String>,
    pub delivery_fee_minor: i64,
    pub total_minor: i64,
    pub items: Vec<ItemBody>,
    pub history: Vec<HistoryBody>,
    pub payments: Vec<PaymentBody>,
    pub tracking_id: Option<String>,
    pub shipping_provider: Option<&'static str>,
    pub tracking_url: Option<String>,
    pub cancel_reason: Option<String>,
    /// The shopper's status page.
    pub status_url: String,
    /// A WhatsApp chat with the customer, the order summary typed in.
    pub whatsapp_url: Option<String>,
    pub created_at: String,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = DeskCustomer)]
pub struct CustomerBody {
    pub name: String,
    pub phone: String,
    pub address: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = DeskItem)]
pub struct ItemBody {
    pub product_id: String,
    pub name: String,
    pub quantity: i32,
    pub unit_price_minor: i64,
    pub line_total_minor: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = DeskHistory)]
pub struct HistoryBody {
    pub kind: String,
    pub from: Option<String>,
    pub to: String,
    pub actor: String,
    pub detail: String,
    pub at: String,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = DeskPayment)]
pub struct PaymentBody {
    pub provider: String,
    pub status: String,
    pub amount_minor: i64,
    pub currency: String,
    pub recorded_by: String,
    pub updated_at: String,
}

/// The order summary a seller sends the customer on WhatsApp.
pub(crate) fn whatsapp_summary(store: &ShopStore, order: &OrderRecord) -> String {
    let items: Vec<String> = order
        .items
        .iter()
        .map(|item| format!("{} × {}", item.quantity, item.name))
        .collect();
    format!(
        "Hi {}, this is {} about your order {}: {}. Total {}. Status: {}.",
        order.customer_name,
        store.name,
        order.number,
        items.join(", "),
        haat_domain::format_money(order.totals.total_minor, order.currency),
        order.status.label()
    )
}

pub(crate) async fn detail_body(
    state: &ApiState,
    store: &ShopStore,
    order: &OrderRecord,
) -> Result<OrderDetailBody> {
    let payments = state.db().payments_of_order(store.id, order.id).await?;
    let base = state
        .config()
        .public_url
        .as_str()
        .trim_end_matches('/')
        .to_owned();
    Ok(OrderDetailBody {
        id: order.id.to_string(),
        number: order.number.get(),
        display_number: order.number.to_string(),
        status: order.status.as_str(),
        next_statuses: order
            .status
            .next_steps()
            .iter()
            .map(|s| s.as_str())
            .collect(),
        payment_method: order.payment_method.as_str(),
        payment_status: order.payment_status.as_str(),
        payment_ref: order.payment_ref.as_str().to_owned(),
        customer: CustomerBody {
            name: order.customer_name.clone(),
            phone: order.customer_phone.clone(),
            address: order.address.clone(),
        },
        note: order.note.clone(),
        currency: order.currency.code(),
        subtotal_minor: order.totals.subtotal_minor,
        discount_minor: order.totals.discount_minor,
        discount_code: order.discount_code.clone(),
        delivery_fee_minor: order.totals.delivery_fee_minor,
        total_minor: order.totals.total_minor,
        items: order
            .items
            .iter()
            .map(|item| ItemBody {
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
                actor: event.actor.clone(),
                detail: event.detail.clone(),
                at: rfc3339(event.at),
            })
            .collect(),
        payments: payments
            .into_iter()
            .map(|p| PaymentBody {
                provider: p.provider,
                status: p.status,
                amount_minor: p.amount_minor,
                currency: p.currency,
                recorded_by: p.recorded_by,
                updated_at: rfc3339(p.updated_at),
            })
            .collect(),
        tracking_id: order.tracking_id.clone(),
        shipping_provider: order.shipping_provider.map(|p| p.as_str()),
        tracking_url: order.tracking_url(),
        cancel_reason: order.cancel_reason.clone(),
        status_url: format!("{base}/{}/o/{}", store.slug, order.token.as_str()),
        whatsapp_url: haat_storefront::urls::whatsapp_message_url(
            &order.customer_phone,
            &whatsapp_summary(store, order),
        ),
        created_at: rfc3339(order.created_at),
    })
}

#[utoipa::path(get, path = "/api/v1/stores/{store_id}/orders/{order_id}", tag = "orders", security(("bearer" = [])), 
    params(("store_id" = String, Path), ("order_id" = String, Path)),
    responses((status = 200, body = OrderDetailBody), (status = 401, body = haat_http::ErrorBody), (status = 404, body = haat_http::ErrorBody)))]
pub async fn get(
    State(state): State<ApiState>,
    seller: AuthSeller,
    Path((store, order)): Path<(String, String)>,
) -> Result<Json<OrderDetailBody>> {
    let store = owned_store(&state, &seller, &store).await?;
    let order = state.db().order(store.id, parse_order_id(&order)?).await?;
    Ok(Json(detail_body(&state, &store, &order).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct TransitionRequest {
    pub status: String,
    #[serde(default)]
    pub tracking_id: Option<String>,
    #[serde(default)]
    pub shipping_provider: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// Parses a transition request (shared with the dashboard's forms).
pub(crate) fn parse_transition(
    status: &str,
    tracking_id: Option<&str>,
    provider: Option<&str>,
    reason: Option<&str>,
) -> Result<Transition> {
    let to = OrderStatus::parse(status).map_err(|e| invalid("status", e))?;
    let shipping = match to {
        OrderStatus::Shipped => {
            let provider = ShippingProvider::parse(provider.unwrap_or(""))
                .map_err(|e| invalid("shipping_provider", e))?;
            let tracking = match tracking_id.map(str::trim).filter(|t| !t.is_empty()) {
                Some(text) => Some(TrackingId::parse(text).map_err(|e| invalid("tracking_id", e))?),
                None => None,
            };
            Some((provider, tracking))
        }
        _ => None,
    };
    let reason = CancelReason::parse(reason.unwrap_or("")).map_err(|e| invalid("reason", e))?;
    Ok(Transition {
        to,
        shipping,
        reason,
    })
}

/// Moves an order along its state machine (`409` when the step is not allowed).
#[utoipa::path(post, path = "/api/v1/stores/{store_id}/orders/{order_id}/transitions", tag = "orders", security(("bearer" = [])), 
    params(("store_id" = String, Path), ("order_id" = String, Path)), request_body = TransitionRequest,
    responses((status = 200, body = OrderDetailBody), (status = 409, body = haat_http::ErrorBody),
              (status = 422, body = haat_http::ErrorBody), (status = 401, body = haat_http::ErrorBody), (status = 404, body = haat_http::ErrorBody)))]
pub async fn transition(
    State(state): State<ApiState>,
    seller: AuthSeller,
    Path((store, order)): Path<(String, String)>,
    Json(body): Json<TransitionRequest>,
) -> Result<Json<OrderDetailBody>> {
    let store = owned_store(&state, &seller, &store).await?;
    let order = parse_order_id(&order)?;
    let transition = parse_transition(
        &body.status,
        body.tracking_id.as_deref(),
        body.shipping_provider.as_deref(),
        body.reason.as_deref(),
    )?;
    let db = state.db().clone();
    let seller_id = seller.seller.id;
    let moved = tokio::spawn(async move {
        db.transition_order(store_id_of(&store), order, seller_id, &transition)
            .await
            .map(|o| (store, o))
    })
    .await
    .map_err(|e| ApiError::internal(&e))??;
    metrics::counter!("haat_order_desk_actions_total", "action" => moved.1.status.as_str())
        .increment(1);
    Ok(Json(detail_body(&state, &moved.0, &moved.1).await?))
}

fn store_id_of(store: &ShopStore) -> haat_domain::StoreId {
    store.id
}

/// Records a payment the seller received outside Haat (cash on delivery).
#[utoipa::path(post, path = "/api/v1/stores/{store_id}/orders/{order_id}/mark-paid", tag = "orders", security(("bearer" = [])), 
    params(("store_id" = String, Path), ("order_id" = String, Path)),
    responses((status = 200, body = OrderDetailBody), (status = 409, body = haat_http::ErrorBody), (status = 401, body = haat_http::ErrorBody), (status = 404, body = haat_http::ErrorBody)))]
pub async fn mark_paid(
    State(state): State<ApiState>,
    seller: AuthSeller,
    Path((store, order)): Path<(String, String)>,
) -> Result<Json<OrderDetailBody>> {
    let store = owned_store(&state, &seller, &store).await?;
    let order = parse_order_id(&order)?;
    let db = state.db().clone();
    let (store_id, seller_id) = (store.id, seller.seller.id);
    tokio::spawn(async move {
        db.mark_order_paid_by_seller(store_id, order, seller_id)
            .await
    })
    .await
    .map_err(|e| ApiError::internal(&e))??;
    metrics::counter!("haat_order_desk_actions_total", "action" => "mark_paid").increment(1);
    let order = state.db().order(store.id, order).await?;
    Ok(Json(detail_body(&state, &store, &order).await?))
}

/// The order's PDF invoice, rendered on the blocking pool, with the store's smallest
/// JPEG logo (left out if the media store does not answer within a second).
pub(crate) async fn invoice_response(
    state: &ApiState,
    store: &ShopStore,
    order: &OrderRecord,
) -> Result<Response> {
    let mut invoice = haat_invoice::Invoice::from_order(store, order);
    if let (Some(hash), Some(width)) = (store.logo_hash.as_deref(), store.logo_width) {
        invoice.logo_jpeg = state
            .media()
            .variant_for_embedding(
                hash,
                u32::try_from(width).unwrap_or(160),
                haat_media::VariantFormat::Jpeg,
                std::time::Duration::from_secs(1),
            )
            .await
            .map(|bytes| bytes.to_vec());
    }
    let number = order.number.get();
    let pdf = tokio::task::spawn_blocking(move || haat_invoice::render(&invoice))
        .await
        .map_err(|e| ApiError::internal(&e))?
        .map_err(|e| ApiError::internal(&e))?;
    metrics::counter!("haat_invoices_rendered_total", "by" => "seller").increment(1);
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"invoice-{number}.pdf\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        pdf,
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/stores/{store_id}/orders/{order_id}/invoice.pdf", tag = "orders", security(("bearer" = [])), 
    params(("store_id" = String, Path), ("order_id" = String, Path)),
    responses((status = 200, content_type = "application/pdf", description = "The invoice as PDF"), (status = 401, body = haat_http::ErrorBody), (status = 404, body = haat_http::ErrorBody)))]
pub async fn invoice(
    State(state): State<ApiState>,
    seller: AuthSeller,
    Path((store, order)): Path<(String, String)>,
) -> Result<Response> {
    let store = owned_store(&state, &seller, &store).await?;
    let order = state.db().order(store.id, parse_order_id(&order)?).await?;
    invoice_response(&state, &store, &order).await
}

#[derive(Deserialize)]
pub struct ExportQuery {
    pub from: Option<String>,
    pub to: Option<String>,
}

/// India Standard Time, where the export's dates are read.
const IST: time::UtcOffset = match time::UtcOffset::from_hms(5, 30, 0) {
    Ok(offset) => offset,
    Err(_) => time::UtcOffset::UTC,
};
const MAX_EXPORT_DAYS: i64 = 366;
const MAX_EXPORT_ROWS: u32 = 50_000;

fn parse_date(field: &str, text: Option<&str>) -> Result<time::Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    text.and_then(|t| time::Date::parse(t.trim(), &format).ok())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_date",
                "use a date like 2026-11-22",
            )
            .with_field(field)
            .into()
        })
}

/// A spreadsheet cell that cannot be read as a formula.
fn cell(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    }
}

/// The CSV of the store's orders placed on the dates `[from, to]` (inclusive, in IST).
pub(crate) async fn export_csv(
    state: &ApiState,
    read_floor: Option<haat_db::Lsn>,
    store: &ShopStore,
    query: &ExportQuery,
) -> Result<Response> {
    let from = parse_date("from", query.from.as_deref())?;
    let to = parse_date("to", query.to.as_deref())?;
    if to < from {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_range",
            "the end date is before the start date",
        )
        .with_field("to")
        .into());
    }
    if (to - from).whole_days() >= MAX_EXPORT_DAYS {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "range_too_long",
            "export at most 366 days at a time",
        )
        .with_field("to")
        .into());
    }
    let start = from.midnight().assume_offset(IST);
    let end = to.next_day().unwrap_or(to).midnight().assume_offset(IST);
    let orders = state
        .read(read_floor, |db| async move {
            db.orders_between(store.id, start, end, MAX_EXPORT_ROWS)
                .await
        })
        .await?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header = [
        "number",
        "created_at",
        "status",
        "payment_method",
        "payment_status",
        "customer_name",
        "customer_phone",
        "fulfilment",
        "address",
        "items",
        "subtotal",
        "discount",
        "discount_code",
        "delivery_fee",
        "total",
        "currency",
        "tracking_id",
        "shipping_provider",
    ];
    let csv_error = |e: csv::Error| Error::from(ApiError::internal(&e));
    writer.write_record(header).map_err(csv_error)?;
    for order in &orders {
        let money = |minor| decimal_string(minor, order.currency);
        let items: Vec<String> = order
            .items
            .iter()
            .map(|i| format!("{} × {}", i.quantity, i.name))
            .collect();
        let row = [
            order.number.get().to_string(),
            order
                .created_at
                .to_offset(IST)
                .format(&Rfc3339)
                .unwrap_or_default(),
            order.status.as_str().to_owned(),
            order.payment_method.as_str().to_owned(),
            order.payment_status.as_str().to_owned(),
            cell(&order.customer_name),
            cell(&order.customer_phone),
            if order.address.is_some() {
                "delivery"
            } else {
                "pickup"
            }
            .to_owned(),
            cell(order.address.as_deref().unwrap_or("")),
            cell(&items.join("; ")),
            money(order.totals.subtotal_minor),
            money(order.totals.discount_minor),
            cell(order.discount_code.as_deref().unwrap_or("")),
            money(order.totals.delivery_fee_minor),
            money(order.totals.total_minor),
            order.currency.code().to_owned(),
            cell(order.tracking_id.as_deref().unwrap_or("")),
            order
                .shipping_provider
                .map(|p| p.as_str())
                .unwrap_or("")
                .to_owned(),
        ];
        writer.write_record(&row).map_err(csv_error)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| ApiError::internal(&e.into_error()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"orders-{from}-to-{to}.csv\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// Orders placed between two dates (inclusive, India time) as CSV.
#[utoipa::path(get, path = "/api/v1/stores/{store_id}/orders.csv", tag = "orders", security(("bearer" = [])), 
    params(("store_id" = String, Path), ("from" = String, Query, example = "2026-11-01"), ("to" = String, Query, example = "2026-11-30")),
    responses((status = 200, content_type = "text/csv", description = "One row per order line"),
              (status = 422, body = haat_http::ErrorBody), (status = 401, body = haat_http::ErrorBody), (status = 404, body = haat_http::ErrorBody)))]
pub async fn export(
    State(state): State<ApiState>,
    seller: AuthSeller,
    Path(store): Path<String>,
    RawQuery(query): RawQuery<ExportQuery>,
) -> Result<Response> {
    let store = owned_store(&state, &seller, &store).await?;
    export_csv(&state, seller.read_floor, &store, &query).await
}

// Discount codes.

#[derive(Clone, Deserialize, utoipa::ToSchema)]
pub struct DiscountRequest {
    pub code: String,
    /// `percent` or `fixed`
    pub kind: String,
    /// Percent: a whole number 1–100; fixed: a decimal amount like `"50.00"`.
    #[schema(value_type = String, example = "10")]
    pub value: serde_json::Value,
    #[serde(default)]
    pub min_order: Option<String>,
    #[serde(default)]
    pub starts_at: Option<String>,
    #[serde(default)]
    pub ends_at: Option<String>,
    #[serde(default)]
    pub max_uses: Option<i64>,
    #[serde(default)]
    pub max_uses_per_phone: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DiscountBody {
    pub id: String,
    pub code: String,
    pub kind: &'static str,
    pub value: i64,
    pub min_order_minor: i64,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub max_uses: Option<i32>,
    pub max_uses_per_phone: Option<i32>,
    pub uses: i32,
    pub active: bool,
}

impl From<&DiscountRecord> for DiscountBody {
    fn from(d: &DiscountRecord) -> Self {
        DiscountBody {
            id: d.id.to_string(),
            code: d.code.clone(),
            kind: d.kind.kind_str(),
            value: d.kind.value(),
            min_order_minor: d.min_order_minor,
            starts_at: d.starts_at.map(rfc3339),
            ends_at: d.ends_at.map(rfc3339),
            max_uses: d.max_uses,
            max_uses_per_phone: d.max_uses_per_phone,
            uses: d.uses,
            active: d.active,
        }
    }
}

fn limit(field: &str, value: Option<i64>) -> Result<Option<i32>> {
    match value {
        None => Ok(None),
        Some(n) if (1..=1_000_000).contains(&n) => Ok(Some(n as i32)),
        Some(_) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_discount",
            "a limit is a whole number from 1 to 1000000",
        )
        .with_field(field)
        .into()),
    }
}

fn instant(field: &str, text: Option<&str>) -> Result<Option<OffsetDateTime>> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(text) => OffsetDateTime::parse(text, &Rfc3339)
            .map(Some)
            .map_err(|_| {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_date",
                    "use an RFC 3339 time like 2026-11-22T00:00:00+05:30",
                )
                .with_field(field)
                .into()
            }),
    }
}

pub(crate) fn parse_discount(store: &ShopStore, body: &DiscountRequest) -> Result<NewDiscount> {
    let code = DiscountCode::parse(&body.code).map_err(|e| invalid("code", e))?;
    let kind = match body.kind.as_str() {
        "percent" => {
            let value = body
                .value
                .as_i64()
                .or_else(|| body.value.as_str().and_then(|s| s.trim().parse().ok()));
            DiscountKind::percent(value.unwrap_or(0)).map_err(|e| invalid("value", e))?
        }
        "fixed" => {
            let text = match &body.value {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let price =
                Price::parse_decimal(&text, store.currency).map_err(|e| invalid("value", e))?;
            DiscountKind::fixed(price.minor()).map_err(|e| invalid("value", e))?
        }
        _ => {
            return Err(invalid(
                "kind",
                haat_domain::ParseError::new("invalid_discount", "kind is percent or fixed"),
            ))
        }
    };
    let min_order = match body
        .min_order
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        None => Price::ZERO,
        Some(text) => {
            Price::parse_decimal(text, store.currency).map_err(|e| invalid("min_order", e))?
        }
    };
    Ok(NewDiscount {
        code,
        kind,
        min_order,
        starts_at: instant("starts_at", body.starts_at.as_deref())?,
        ends_at: instant("ends_at", body.ends_at.as_deref())?,
        max_uses: limit("max_uses", body.max_uses)?,
        max_uses_per_phone: limit("max_uses_per_phone", body.max_uses_per_phone)?,
    })
}

#[utoipa::path(get, path = "/api/v1/stores/{store_id}/discounts", tag = "discounts", security(("bearer" = [])), 
    params(("store_id" = String, Path)), responses((status = 200, body = Vec<DiscountBody>), (status = 401, body = haat_http::ErrorBody), (status = 404, body = haat_http::ErrorBody)))]
pub async fn list_discounts(
    State(state): State<ApiState>,
    seller: AuthSeller,
    Path(store): Path<String>,
) -> Result<Json<Vec<DiscountBody>>> {
    let store = owned_store(&state, &seller, &store).await?;
    let discounts = state
        .read(seller.read_floor, |db| async move {
            db.discounts(store.id).await
        })
        .await?;
    Ok(Json(discounts.iter().map(DiscountBody::from).collect()))
}

#[utoipa::path(post, path = "/api/v1/stores/{store_id}/discounts", tag = "discounts", security(("bearer" = [])), 
    params(("store_id" = String, Path)), request_body = DiscountRequest,
    responses((status = 201, body = DiscountBody), (status = 409, body = haat_http::ErrorBody),
              (status = 422, body = haat_http::ErrorBody), (status = 401, body = haat_http::ErrorBody), (status = 404, body = haat_http::ErrorBody)))]
pub async fn create_discount(
    State(state): State<ApiState>,
    seller: AuthSeller,
    Path(store): Path<String>,
    Json(body): Json<DiscountRequest>,
) -> Result<(StatusCode, Json<DiscountBody>)> {
    let store = owned_store(&state, &seller, &store).await?;
    let new = parse_discount(&store, &body)?;
    let created = state.db().create_discount(store.id, &new).await?;
    Ok((StatusCode::CREATED, Json(DiscountBody::from(&created))))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct DiscountPatch {
    pub active: bool,
}

fn parse_discount_id(text: &str) -> Result<DiscountId> {
    DiscountId::parse(text).map_err(|_| ApiError::not_found("discount").into())
}

#[utoipa::path(patch, path = "/api/v1/stores/{store_id}/discounts/{discount_id}", tag = "discounts", security(("bearer" = [])), 
    params(("store_id" = String, Path), ("discount_id" = String, Path)), request_body = DiscountPatch,
    responses((status = 200, body = DiscountBody), (status = 401, body = haat_http::ErrorBody), (status = 404, body = haat_http::ErrorBody)))]
pub async fn update_discount(
    State(state): State<ApiState>,
    seller: AuthSeller,
    Path((store, discount)): Path<(String, String)>,
    Json(body): Json<DiscountPatch>,
) -> Result<Json<DiscountBody>> {
    let store = owned_store(&state, &seller, &store).await?;
    let updated = state
        .db()
        .set_discount_active(store.id, parse_discount_id(&discount)?, body.active)
        .await?;
    Ok(Json(DiscountBody::from(&updated)))
}

#[utoipa::path(delete, path = "/api/v1/stores/{store_id}/discounts/{discount_id}", tag = "discounts", security(("bearer" = [])), 
    params(("store_id" = String, Path), ("discount_id" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 401, body = haat_http::ErrorBody), (status = 404, body = haat_http::ErrorBody)))]
pub async fn delete_discount(
    State(state): State<ApiState>,
    seller: AuthSeller,
    Path((store, discount)): Path<(String, String)>,
) -> Result<StatusCode> {
    let store = owned_store(&state, &seller, &store).await?;
    state
        .db()
        .delete_discount(store.id, parse_discount_id(&discount)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// Checkout settings, as part of `PATCH /api/v1/stores/{id}`.

/// The checkout fields of a store patch request.
pub(crate) fn parse_checkout_settings(
    store_currency: haat_domain::Currency,
    upi_id: &Option<Option<String>>,
    delivery_fee: Option<&str>,
    pickup_enabled: Option<bool>,
    address: Option<&str>,
    gstin: &Option<Option<String>>,
    tax_rate_percent: &Option<Option<String>>,
) -> Result<CheckoutSettingsPatch> {
    let blank_is_none = |v: &Option<Option<String>>| -> Option<Option<String>> {
        v.as_ref()
            .map(|inner| inner.clone().filter(|t| !t.trim().is_empty()))
    };
    Ok(CheckoutSettingsPatch {
        upi_id: match blank_is_none(upi_id) {
            None => None,
            Some(None) => Some(None),
            Some(Some(text)) => Some(Some(UpiId::parse(&text).map_err(|e| invalid("upi_id", e))?)),
        },
        delivery_fee: delivery_fee
            .map(|text| {
                Price::parse_decimal(text, store_currency).map_err(|e| invalid("delivery_fee", e))
            })
            .transpose()?,
        pickup_enabled,
        address: address
            .map(|text| StoreAddress::parse(text).map_err(|e| invalid("address", e)))
            .transpose()?,
        gstin: match blank_is_none(gstin) {
            None => None,
            Some(None) => Some(None),
            Some(Some(text)) => Some(Some(Gstin::parse(&text).map_err(|e| invalid("gstin", e))?)),
        },
        tax_rate: match blank_is_none(tax_rate_percent) {
            None => None,
            Some(None) => Some(None),
            Some(Some(text)) => Some(Some(
                TaxRate::parse_percent(&text).map_err(|e| invalid("tax_rate_percent", e))?,
            )),
        },
    })
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CheckoutSettingsBody {
    pub upi_id: Option<String>,
    pub delivery_fee: String,
    pub pickup_enabled: bool,
    pub address: String,
    pub gstin: Option<String>,
    pub tax_rate_bps: Option<i32>,
}

impl From<&ShopStore> for CheckoutSettingsBody {
    fn from(store: &ShopStore) -> Self {
        CheckoutSettingsBody {
            upi_id: store.upi_id.clone(),
            delivery_fee: decimal_string(store.delivery_fee_minor, store.currency),
            pickup_enabled: store.pickup_enabled,
            address: store.address.clone(),
            gstin: store.gstin.clone(),
            tax_rate_bps: store.tax_rate_bps,
        }
    }
}
