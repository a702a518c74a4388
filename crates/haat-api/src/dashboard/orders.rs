//! The order desk: `/dashboard/orders` (newest first, status tabs, search by number or
//! name, pages), `/dashboard/orders/{id}` (detail with the actions the state machine
//! allows, "mark paid", WhatsApp to the customer, invoice) and the CSV export. Actions
//! are CSRF-checked form posts; a refused action shows the order again with the reason.

use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::Form;
use haat_db::{OrderRecord, ShopStore};
use haat_domain::{format_money, OrderId, OrderStatus, ShippingProvider};
use http::StatusCode;

use crate::dashboard::csrf::CsrfToken;
use crate::dashboard::form::{self, csrf_ok, Fields};
use crate::dashboard::home::require_shop_store;
use crate::dashboard::page::{self, PageResult, EXPIRED_FORM};
use crate::dashboard::session::DashboardSeller;
use crate::dashboard::views::Layout;
use crate::routes::orders::{
    export_csv, list_page, parse_filter, parse_transition, whatsapp_summary, ExportQuery, ListQuery,
};
use crate::ApiState;

pub(crate) struct Row {
    pub url: String,
    pub number: String,
    pub customer: String,
    pub total: String,
    pub status: &'static str,
    pub payment: &'static str,
    pub when: String,
}

pub(crate) struct Tab {
    pub href: String,
    pub label: &'static str,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "dashboard/orders.html")]
pub(crate) struct OrdersPage {
    pub layout: Layout,
    pub tabs: Vec<Tab>,
    pub q: String,
    pub rows: Vec<Row>,
    pub next: Option<String>,
}

pub(crate) struct Action {
    pub status: &'static str,
    pub label: &'static str,
}

#[derive(Template)]
#[template(path = "dashboard/order.html")]
pub(crate) struct OrderPage {
    pub layout: Layout,
    pub csrf: String,
    pub id: String,
    pub number: String,
    pub status: &'static str,
    pub payment_method: &'static str,
    pub payment_status: &'static str,
    pub can_mark_paid: bool,
    pub customer: String,
    pub phone: String,
    pub address: Option<String>,
    pub note: String,
    pub items: Vec<(String, String)>,
    pub total: String,
    pub history: Vec<(String, String)>,
    pub actions: Vec<Action>,
    pub can_ship: bool,
    pub providers: Vec<(&'static str, &'static str)>,
    pub tracking: Option<String>,
    pub whatsapp_url: Option<String>,
    pub status_url: String,
    pub invoice_url: String,
}

fn when(at: time::OffsetDateTime) -> String {
    let ist = time::UtcOffset::from_hms(5, 30, 0).unwrap_or(time::UtcOffset::UTC);
    at.to_offset(ist)
        .format(time::macros::format_description!(
            "[day padding:none] [month repr:short], [hour repr:12 padding:none]:[minute] [period case:lower]"
        ))
        .unwrap_or_default()
}

/// `GET /dashboard/orders`
pub(crate) async fn list(
    State(state): State<ApiState>,
    seller: DashboardSeller,
    Query(query): Query<ListQuery>,
) -> PageResult {
    let store = require_shop_store(&state, &seller).await?;
    let filter = parse_filter(&query)?;
    let page = list_page(&state, seller.read_floor, &store, &filter).await?;
    let current = query.status.clone().unwrap_or_default();
    let q = query.q.clone().unwrap_or_default();
    let mut tabs = vec![Tab {
        href: "/dashboard/orders".into(),
        label: "All",
        active: current.is_empty() || current == "all",
    }];
    tabs.extend(OrderStatus::ALL.iter().map(|status| Tab {
        href: format!("/dashboard/orders?status={}", status.as_str()),
        label: status.label(),
        active: current == status.as_str(),
    }));
    let rows = page
        .orders
        .iter()
        .map(|order| Row {
            url: format!("/dashboard/orders/{}", order.id),
            number: order.display_number.clone(),
            customer: order.customer_name.clone(),
            total: format_money(order.total_minor, store.currency),
            status: OrderStatus::parse(order.status)
                .map(|s| s.label())
                .unwrap_or(""),
            payment: haat_domain::PaymentStatus::parse(order.payment_status)
                .map(|s| s.label())
                .unwrap_or(""),
            when: time::OffsetDateTime::parse(
                &order.created_at,
                &time::format_description::well_known::Rfc3339,
            )
            .map(when)
            .unwrap_or_default(),
        })
        .collect();
    let next = page.next.map(|cursor| {
        let mut url = url::Url::parse("http://x/dashboard/orders").expect("static url");
        {
            let mut pairs = url.query_pairs_mut();
            pairs.append_pair("before", &cursor);
            if !current.is_empty() {
                pairs.append_pair("status", &current);
            }
            if !q.is_empty() {
                pairs.append_pair("q", &q);
            }
        }
        format!("{}?{}", url.path(), url.query().unwrap_or(""))
    });
    let view = OrdersPage {
        layout: Layout::new("Orders"),
        tabs,
        q,
        rows,
        next,
    };
    Ok(page::render(StatusCode::OK, &view, None))
}

fn order_view(
    state: &ApiState,
    csrf: &CsrfToken,
    store: &ShopStore,
    order: &OrderRecord,
    alert: Option<String>,
) -> OrderPage {
    let money = |minor| format_money(minor, order.currency);
    let base = state
        .config()
        .public_url
        .as_str()
        .trim_end_matches('/')
        .to_owned();
    OrderPage {
        layout: Layout::new(format!("Order {}", order.number)).with_alert(alert),
        csrf: csrf.value().to_owned(),
        id: order.id.to_string(),
        number: order.number.to_string(),
        status: order.status.label(),
        payment_method: order.payment_method.label(),
        payment_status: order.payment_status.label(),
        can_mark_paid: matches!(
            order.payment_status,
            haat_domain::PaymentStatus::Pending | haat_domain::PaymentStatus::Flagged
        ) && order.status != OrderStatus::Cancelled,
        customer: order.customer_name.clone(),
        phone: order.customer_phone.clone(),
        address: order.address.clone(),
        note: order.note.clone(),
        items: order
            .items
            .iter()
            .map(|i| {
                (
                    format!("{} × {}", i.quantity, i.name),
                    money(i.line_total_minor),
                )
            })
            .collect(),
        total: money(order.totals.total_minor),
        history: order
            .events
            .iter()
            .map(|e| {
                let what = match e.detail.as_str() {
                    "" => e.to_state.clone(),
                    detail => format!("{} ({detail})", e.to_state),
                };
                (what, when(e.at))
            })
            .collect(),
        actions: order
            .status
            .next_steps()
            .into_iter()
            .filter(|s| !matches!(s, OrderStatus::Shipped | OrderStatus::Cancelled))
            .map(|s| Action {
                status: s.as_str(),
                label: match s {
                    OrderStatus::Accepted => "Accept order",
                    OrderStatus::Delivered => "Mark delivered",
                    _ => s.label(),
                },
            })
            .collect(),
        can_ship: order.status.can_become(OrderStatus::Shipped),
        providers: ShippingProvider::ALL
            .iter()
            .map(|p| (p.as_str(), p.label()))
            .collect(),
        tracking: order.shipping_provider.map(|p| match &order.tracking_id {
            Some(id) => format!("{} {id}", p.label()),
            None => p.label().to_owned(),
        }),
        whatsapp_url: haat_storefront::urls::whatsapp_message_url(
            &order.customer_phone,
            &whatsapp_summary(store, order),
        ),
        status_url: format!("{base}/{}/o/{}", store.slug, order.token.as_str()),
        invoice_url: format!("/dashboard/orders/{}/invoice.pdf", order.id),
    }
}

async fn load(
    state: &ApiState,
    store: &ShopStore,
    id: &str,
) -> Result<OrderRecord, page::PageError> {
    let id = OrderId::parse(id).map_err(|_| haat_http::ApiError::not_found("order"))?;
    Ok(state.db().order(store.id, id).await?)
}

/// `GET /dashboard/orders/{id}`
pub(crate) async fn show(
    State(state): State<ApiState>,
    csrf: CsrfToken,
    seller: DashboardSeller,
    Path(id): Path<String>,
) -> PageResult {
    let store = require_shop_store(&state, &seller).await?;
    let order = load(&state, &store, &id).await?;
    let view = order_view(&state, &csrf, &store, &order, None);
    Ok(page::render(StatusCode::OK, &view, Some(&csrf)))
}

/// `POST /dashboard/orders/{id}`: `action` = `status` (with `status`, and for shipping
/// `shipping_provider`/`tracking_id`, for cancelling `reason`) or `mark_paid`.
pub(crate) async fn act(
    State(state): State<ApiState>,
    csrf: CsrfToken,
    seller: DashboardSeller,
    Path(id): Path<String>,
    form: Result<Form<Fields>, FormRejection>,
) -> PageResult {
    let store = require_shop_store(&state, &seller).await?;
    let order = load(&state, &store, &id).await?;
    let fields = form::urlencoded(form)?;
    if !csrf_ok(&csrf, &fields) {
        page::count_csrf_rejection();
        let view = order_view(&state, &csrf, &store, &order, Some(EXPIRED_FORM.to_owned()));
        return Ok(page::render(StatusCode::FORBIDDEN, &view, Some(&csrf)));
    }
    let get = |name: &str| fields.get(name).map(String::as_str);
    let result: Result<(), crate::Error> = match get("action") {
        Some("mark_paid") => state
            .db()
            .mark_order_paid_by_seller(store.id, order.id, seller.seller.id)
            .await
            .map_err(Into::into),
        _ => match parse_transition(
            get("status").unwrap_or(""),
            get("tracking_id"),
            get("shipping_provider"),
            get("reason"),
        ) {
            Ok(transition) => state
                .db()
                .transition_order(store.id, order.id, seller.seller.id, &transition)
                .await
                .map(|_| ())
                .map_err(Into::into),
            Err(error) => Err(error),
        },
    };
    match result {
        Ok(()) => {
            metrics::counter!("haat_dashboard_actions_total", "action" => "order_updated")
                .increment(1);
            Ok(page::see_other(&format!("/dashboard/orders/{}", order.id)))
        }
        Err(error) => {
            let api = error.to_api_error();
            if api.status.is_server_error() {
                return Err(error.into());
            }
            let order = load(&state, &store, &id).await?;
            let alert = Some(form::sentence(&api.message));
            let view = order_view(&state, &csrf, &store, &order, alert);
            Ok(page::render(api.status, &view, Some(&csrf)))
        }
    }
}

/// `GET /dashboard/orders/{id}/invoice.pdf`
pub(crate) async fn invoice(
    State(state): State<ApiState>,
    seller: DashboardSeller,
    Path(id): Path<String>,
) -> PageResult {
    let store = require_shop_store(&state, &seller).await?;
    let order = load(&state, &store, &id).await?;
    Ok(crate::routes::orders::invoice_response(&state, &store, &order).await?)
}

/// `GET /dashboard/orders/export?from=YYYY-MM-DD&to=YYYY-MM-DD`
pub(crate) async fn export(
    State(state): State<ApiState>,
    seller: DashboardSeller,
    Query(query): Query<ExportQuery>,
) -> PageResult {
    let store = require_shop_store(&state, &seller).await?;
    Ok(export_csv(&state, seller.read_floor, &store, &query).await?)
}
