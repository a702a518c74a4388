//! `/dashboard/discounts`: the store's discount codes — a list with uses and state, a
//! form to add one, and pause / resume / delete buttons (`POST
//! /dashboard/discounts/{id}` with `action`).
//!
//! Parsing is the JSON API's (`routes::orders::parse_discount`). The form asks for dates,
//! not instants: a code runs from 00:00 on its first day to 24:00 on its last day, India
//! time (stores are Indian sellers; a per-store time zone would replace the constant).

use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::Form;
use haat_db::{DiscountRecord, ShopStore};
use haat_domain::{format_money, DiscountId, DiscountKind};
use haat_http::ApiError;
use http::StatusCode;
use time::macros::format_description;
use time::{Date, Duration, OffsetDateTime, UtcOffset};

use crate::dashboard::csrf::CsrfToken;
use crate::dashboard::form::{self, csrf_ok, text, FieldErrors, Fields};
use crate::dashboard::home::require_shop_store;
use crate::dashboard::page::{self, PageResult, EXPIRED_FORM};
use crate::dashboard::session::DashboardSeller;
use crate::dashboard::views::Layout;
use crate::routes::orders::{parse_discount, DiscountRequest};
use crate::ApiState;

/// The inputs of the add form, for placing error messages.
const FIELDS: [&str; 8] = [
    "code",
    "kind",
    "value",
    "min_order",
    "starts_on",
    "ends_on",
    "max_uses",
    "max_uses_per_phone",
];

/// India Standard Time: the day boundaries of a code's dates.
fn ist() -> UtcOffset {
    UtcOffset::from_hms(5, 30, 0).unwrap_or(UtcOffset::UTC)
}

/// The add form as typed.
#[derive(Clone, Debug)]
pub(crate) struct DiscountValues {
    pub code: String,
    pub kind: String,
    pub value: String,
    pub min_order: String,
    pub starts_on: String,
    pub ends_on: String,
    pub max_uses: String,
    pub max_uses_per_phone: String,
}

impl Default for DiscountValues {
    fn default() -> Self {
        DiscountValues {
            code: String::new(),
            kind: "percent".into(),
            value: String::new(),
            min_order: String::new(),
            starts_on: String::new(),
            ends_on: String::new(),
            max_uses: String::new(),
            max_uses_per_phone: String::new(),
        }
    }
}

impl DiscountValues {
    fn from_fields(fields: &Fields) -> DiscountValues {
        DiscountValues {
            code: text(fields, "code"),
            kind: text(fields, "kind"),
            value: text(fields, "value"),
            min_order: text(fields, "min_order"),
            starts_on: text(fields, "starts_on"),
            ends_on: text(fields, "ends_on"),
            max_uses: text(fields, "max_uses"),
            max_uses_per_phone: text(fields, "max_uses_per_phone"),
        }
    }
}

/// One code in the list.
pub(crate) struct DiscountRow {
    pub id: String,
    pub code: String,
    pub what: String,
    pub rules: String,
    pub uses: String,
    pub active: bool,
}

impl DiscountRow {
    fn new(store: &ShopStore, d: &DiscountRecord) -> DiscountRow {
        let money = |minor| format_money(minor, store.currency);
        let what = match d.kind {
            DiscountKind::Percent(p) => format!("{p}% off"),
            DiscountKind::Fixed(minor) => format!("{} off", money(minor)),
        };
        let day = |at: OffsetDateTime| {
            at.to_offset(ist())
                .format(format_description!(
                    "[day padding:none] [month repr:short] [year]"
                ))
                .unwrap_or_default()
        };
        let mut rules = Vec::new();
        if d.min_order_minor > 0 {
            rules.push(format!("orders from {}", money(d.min_order_minor)));
        }
        match (d.starts_at, d.ends_at) {
            (Some(start), Some(end)) => rules.push(format!(
                "{} – {}",
                day(start),
                day(end - Duration::seconds(1))
            )),
            (Some(start), None) => rules.push(format!("from {}", day(start))),
            (None, Some(end)) => rules.push(format!("until {}", day(end - Duration::seconds(1)))),
            (None, None) => {}
        }
        if let Some(per_phone) = d.max_uses_per_phone {
            rules.push(format!("{per_phone} per customer"));
        }
        DiscountRow {
            id: d.id.to_string(),
            code: d.code.clone(),
            what,
            rules: rules.join(" · "),
            uses: match d.max_uses {
                Some(max) => format!("used {} of {max}", d.uses),
                None => format!("used {}", d.uses),
            },
            active: d.active,
        }
    }
}

#[derive(Template)]
#[template(path = "dashboard/discounts.html")]
pub(crate) struct DiscountsPage {
    pub layout: Layout,
    pub csrf: String,
    pub rows: Vec<DiscountRow>,
    pub values: DiscountValues,
    pub errors: FieldErrors,
    pub currency_symbol: &'static str,
}

struct Shown {
    status: StatusCode,
    values: DiscountValues,
    errors: FieldErrors,
    alert: Option<String>,
    notice: Option<&'static str>,
}

impl Shown {
    fn fresh(notice: Option<&'static str>) -> Shown {
        Shown {
            status: StatusCode::OK,
            values: DiscountValues::default(),
            errors: FieldErrors::default(),
            alert: None,
            notice,
        }
    }
}

async fn discounts_page(
    state: &ApiState,
    csrf: &CsrfToken,
    store: &ShopStore,
    shown: Shown,
) -> PageResult {
    let codes = state.db().discounts(store.id).await?;
    let mut layout =
        Layout::new("Discount codes").with_alert(shown.alert.or_else(|| shown.errors.general()));
    layout.notice = shown.notice.map(str::to_owned);
    let view = DiscountsPage {
        layout,
        csrf: csrf.value().to_owned(),
        rows: codes.iter().map(|d| DiscountRow::new(store, d)).collect(),
        values: shown.values,
        errors: shown.errors,
        currency_symbol: store.currency.symbol(),
    };
    Ok(page::render(shown.status, &view, Some(csrf)))
}

#[derive(serde::Deserialize)]
pub(crate) struct DoneQuery {
    done: Option<String>,
}

fn notice(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "added" => "Discount code added. Share it with your customers.",
        "paused" => "Discount code paused: shoppers cannot use it until you resume it.",
        "resumed" => "Discount code is on again.",
        "deleted" => "Discount code deleted.",
        _ => return None,
    })
}

/// `GET /dashboard/discounts`
pub(crate) async fn list(
    State(state): State<ApiState>,
    csrf: CsrfToken,
    seller: DashboardSeller,
    axum::extract::Query(query): axum::extract::Query<DoneQuery>,
) -> PageResult {
    let store = require_shop_store(&state, &seller).await?;
    let shown = Shown::fresh(notice(query.done.as_deref()));
    discounts_page(&state, &csrf, &store, shown).await
}

/// `POST /dashboard/discounts`: adds a code.
pub(crate) async fn create(
    State(state): State<ApiState>,
    csrf: CsrfToken,
    seller: DashboardSeller,
    form: Result<Form<Fields>, FormRejection>,
) -> PageResult {
    let store = require_shop_store(&state, &seller).await?;
    let fields = form::urlencoded(form)?;
    let values = DiscountValues::from_fields(&fields);
    if !csrf_ok(&csrf, &fields) {
        page::count_csrf_rejection();
        let shown = Shown {
            status: StatusCode::FORBIDDEN,
            values,
            errors: FieldErrors::default(),
            alert: Some(EXPIRED_FORM.to_owned()),
            notice: None,
        };
        return discounts_page(&state, &csrf, &store, shown).await;
    }
    let refused = |errors: Vec<ApiError>, values: DiscountValues| {
        let status = errors
            .first()
            .map_or(StatusCode::UNPROCESSABLE_ENTITY, |error| error.status);
        Shown {
            status,
            errors: FieldErrors::from_api_errors(&errors, &FIELDS, ""),
            values,
            alert: None,
            notice: None,
        }
    };
    let new = match parse_values(&store, &values) {
        Ok(new) => new,
        Err(errors) => {
            return discounts_page(&state, &csrf, &store, refused(errors, values)).await;
        }
    };
    match state.db().create_discount(store.id, &new).await {
        Ok(created) => {
            tracing::info!(store.id = %store.id, discount.id = %created.id, "discount code added");
            metrics::counter!("haat_dashboard_actions_total", "action" => "discount_added")
                .increment(1);
            Ok(page::see_other("/dashboard/discounts?done=added"))
        }
        Err(error) => {
            let error = crate::Error::from(error);
            let api = error.to_api_error();
            if api.status.is_server_error() {
                return Err(error.into());
            }
            // A taken code or an end before the start: shown next to the field.
            let field = match api.field.as_deref() {
                None if api.code == "code_taken" => Some("code"),
                Some("ends_at") => Some("ends_on"),
                _ => None,
            };
            let api = match field {
                Some(field) => api.with_field(field),
                None => api,
            };
            discounts_page(&state, &csrf, &store, refused(vec![api], values)).await
        }
    }
}

/// `POST /dashboard/discounts/{id}` with `action` = `pause` | `resume` | `delete`.
pub(crate) async fn act(
    State(state): State<ApiState>,
    csrf: CsrfToken,
    seller: DashboardSeller,
    Path(id): Path<String>,
    form: Result<Form<Fields>, FormRejection>,
) -> PageResult {
    let store = require_shop_store(&state, &seller).await?;
    let id = DiscountId::parse(&id).map_err(|_| ApiError::not_found("discount"))?;
    let fields = form::urlencoded(form)?;
    if !csrf_ok(&csrf, &fields) {
        page::count_csrf_rejection();
        let shown = Shown {
            status: StatusCode::FORBIDDEN,
            alert: Some(EXPIRED_FORM.to_owned()),
            ..Shown::fresh(None)
        };
        return discounts_page(&state, &csrf, &store, shown).await;
    }
    let db = state.db();
    let done = match fields.get("action").map(String::as_str) {
        Some("pause") => db
            .set_discount_active(store.id, id, false)
            .await
            .map(|_| "paused"),
        Some("resume") => db
            .set_discount_active(store.id, id, true)
            .await
            .map(|_| "resumed"),
        Some("delete") => db.delete_discount(store.id, id).await.map(|()| "deleted"),
        _ => {
            return Err(ApiError::bad_request("invalid_action", "unknown action")
                .with_field("action")
                .into())
        }
    }?;
    tracing::info!(store.id = %store.id, discount.id = %id, action = done, "discount code changed");
    metrics::counter!("haat_dashboard_actions_total", "action" => "discount_changed").increment(1);
    Ok(page::see_other(&format!(
        "/dashboard/discounts?done={done}"
    )))
}

/// A form date (`YYYY-MM-DD`) as the RFC 3339 instant the API takes: the start of that
/// day in India, or of the next day for an end date (so the last day is included).
fn day_start(field: &'static str, text: &str, next_day: bool) -> Result<Option<String>, ApiError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let date = Date::parse(text, format_description!("[year]-[month]-[day]")).map_err(|_| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_date",
            "use a date like 2026-12-31",
        )
        .with_field(field)
    })?;
    let date = if next_day {
        date.next_day().unwrap_or(date)
    } else {
        date
    };
    let at = date.midnight().assume_offset(ist());
    Ok(Some(
        at.format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
    ))
}

fn whole_number(field: &'static str, text: &str) -> Result<Option<i64>, ApiError> {
    match text.trim() {
        "" => Ok(None),
        text => text.parse().map(Some).map_err(|_| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_discount",
                "a limit is a whole number from 1 to 1000000",
            )
            .with_field(field)
        }),
    }
}

/// The form as the API's request: every problem, one per field.
fn parse_values(
    store: &ShopStore,
    values: &DiscountValues,
) -> Result<haat_db::NewDiscount, Vec<ApiError>> {
    let mut errors = Vec::new();
    let mut keep = |result: Result<Option<String>, ApiError>| {
        result.unwrap_or_else(|error| {
            errors.push(error);
            None
        })
    };
    let starts_at = keep(day_start("starts_on", &values.starts_on, false));
    let ends_at = keep(day_start("ends_on", &values.ends_on, true));
    let mut number = |field, text: &str| {
        whole_number(field, text).unwrap_or_else(|error| {
            errors.push(error);
            None
        })
    };
    let max_uses = number("max_uses", &values.max_uses);
    let max_uses_per_phone = number("max_uses_per_phone", &values.max_uses_per_phone);
    let request = DiscountRequest {
        code: values.code.clone(),
        kind: values.kind.clone(),
        value: serde_json::Value::String(values.value.clone()),
        min_order: Some(values.min_order.clone()),
        starts_at,
        ends_at,
        max_uses,
        max_uses_per_phone,
    };
    let parse = |request: &DiscountRequest| {
        parse_discount(store, request).map_err(|error| error.to_api_error())
    };
    match parse(&request) {
        Ok(new) if errors.is_empty() => return Ok(new),
        Ok(_) => {}
        Err(first) => {
            errors.insert(0, first);
            // Each field alone, against good values for the rest.
            let good = DiscountRequest {
                code: "CHECK".into(),
                kind: "percent".into(),
                value: serde_json::Value::from(10),
                min_order: None,
                starts_at: None,
                ends_at: None,
                max_uses: None,
                max_uses_per_phone: None,
            };
            let variants = [
                DiscountRequest {
                    code: request.code.clone(),
                    ..good.clone()
                },
                DiscountRequest {
                    kind: request.kind.clone(),
                    value: request.value.clone(),
                    ..good.clone()
                },
                DiscountRequest {
                    min_order: request.min_order.clone(),
                    ..good.clone()
                },
                DiscountRequest {
                    max_uses: request.max_uses,
                    max_uses_per_phone: request.max_uses_per_phone,
                    ..good.clone()
                },
            ];
            errors.extend(variants.iter().filter_map(|v| parse(v).err()));
        }
    }
    // The API names the fields it parses; the form's date inputs have their own names.
    Err(errors
        .into_iter()
        .map(|error| {
            let renamed = match error.field.as_deref() {
                Some("starts_at") => Some("starts_on"),
                Some("ends_at") => Some("ends_on"),
                _ => None,
            };
            match renamed {
                Some(field) => error.with_field(field),
                None => error,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> ShopStore {
        ShopStore {
            id: haat_domain::StoreId::new(),
            seller_id: haat_domain::SellerId::new(),
            slug: "s".into(),
            name: "S".into(),
            currency: haat_domain::Currency::Inr,
            upi_id: None,
            delivery_fee_minor: 0,
            pickup_enabled: true,
            whatsapp: None,
            address: String::new(),
            gstin: None,
            tax_rate_bps: None,
            accent_colour: "#000000".into(),
            logo_hash: None,
            logo_width: None,
            seller_phone: "+919812345678".into(),
        }
    }

    fn values() -> DiscountValues {
        DiscountValues {
            code: "diwali10".into(),
            kind: "percent".into(),
            value: "10".into(),
            min_order: "500".into(),
            starts_on: "2026-11-01".into(),
            ends_on: "2026-11-30".into(),
            max_uses: "100".into(),
            max_uses_per_phone: "1".into(),
        }
    }

    #[test]
    fn dates_cover_whole_days_in_india() {
        let new = parse_values(&store(), &values()).unwrap();
        assert_eq!(new.code.key(), "DIWALI10");
        assert_eq!(new.min_order.minor(), 50_000);
        let start = new.starts_at.unwrap();
        let end = new.ends_at.unwrap();
        assert_eq!(
            start.to_offset(UtcOffset::UTC).to_string(),
            "2026-10-31 18:30:00.0 +00:00:00"
        );
        assert_eq!(end - start, Duration::days(30), "the 30th is included");
        assert_eq!((new.max_uses, new.max_uses_per_phone), (Some(100), Some(1)));

        let fixed = DiscountValues {
            kind: "fixed".into(),
            value: "49.50".into(),
            starts_on: String::new(),
            ends_on: String::new(),
            max_uses: String::new(),
            ..values()
        };
        let new = parse_values(&store(), &fixed).unwrap();
        assert_eq!(new.kind, DiscountKind::Fixed(4950));
        assert!(new.starts_at.is_none() && new.ends_at.is_none() && new.max_uses.is_none());
    }

    #[test]
    fn every_bad_field_is_reported() {
        let bad = DiscountValues {
            code: "x".into(),
            value: "250".into(),
            min_order: "lots".into(),
            starts_on: "yesterday".into(),
            ends_on: "31/12/2026".into(),
            max_uses: "0".into(),
            max_uses_per_phone: "one".into(),
            ..values()
        };
        let errors = parse_values(&store(), &bad).unwrap_err();
        let errors = FieldErrors::from_api_errors(&errors, &FIELDS, "");
        for field in [
            "code",
            "value",
            "min_order",
            "starts_on",
            "ends_on",
            "max_uses",
            "max_uses_per_phone",
        ] {
            assert!(errors.get(field).is_some(), "{field}: {errors:?}");
        }
        let kind = DiscountValues {
            kind: "bogof".into(),
            ..values()
        };
        let errors = parse_values(&store(), &kind).unwrap_err();
        let errors = FieldErrors::from_api_errors(&errors, &FIELDS, "");
        assert!(errors.get("kind").is_some(), "{errors:?}");
    }

    #[test]
    fn rows_read_like_a_sentence() {
        let new = parse_values(&store(), &values()).unwrap();
        let record = DiscountRecord {
            id: DiscountId::new(),
            code: new.code.as_str().to_owned(),
            kind: new.kind,
            min_order_minor: new.min_order.minor(),
            starts_at: new.starts_at,
            ends_at: new.ends_at,
            max_uses: new.max_uses,
            max_uses_per_phone: new.max_uses_per_phone,
            uses: 3,
            active: true,
            created_at: OffsetDateTime::now_utc(),
        };
        let row = DiscountRow::new(&store(), &record);
        assert_eq!(row.what, "10% off");
        assert_eq!(row.uses, "used 3 of 100");
        assert!(
            row.rules.contains("1 Nov 2026 – 30 Nov 2026"),
            "{}",
            row.rules
        );
        assert!(row.rules.contains("1 per customer"), "{}", row.rules);
    }
}
