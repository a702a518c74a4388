//! `GET/POST /dashboard/checkout`: how the store gets paid and hands orders over — the
//! UPI id (without one the store offers cash on delivery only), the delivery fee,
//! whether shoppers may pick up, the address printed on invoices, GSTIN and tax rate.
//!
//! Parsing is the JSON API's (`routes::orders::parse_checkout_settings`), so the two
//! front doors cannot disagree. Every field is checked on its own too, so a form with
//! three mistakes shows all three at once; nothing is saved unless all are good.

use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::State;
use axum::Form;
use haat_db::{CheckoutSettingsPatch, ShopStore};
use haat_domain::{decimal_string, Currency};
use haat_http::ApiError;
use http::StatusCode;

use crate::dashboard::csrf::CsrfToken;
use crate::dashboard::form::{self, csrf_ok, text, FieldErrors, Fields};
use crate::dashboard::home::require_shop_store;
use crate::dashboard::page::{self, PageResult, EXPIRED_FORM};
use crate::dashboard::session::DashboardSeller;
use crate::dashboard::views::Layout;
use crate::routes::orders::parse_checkout_settings;
use crate::ApiState;

/// The inputs of the form, for placing error messages.
const FIELDS: [&str; 6] = [
    "upi_id",
    "delivery_fee",
    "pickup_enabled",
    "address",
    "gstin",
    "tax_rate_percent",
];

/// The form as shown: from the store, or as the seller typed it.
#[derive(Clone, Debug, Default)]
pub(crate) struct CheckoutValues {
    pub upi_id: String,
    pub delivery_fee: String,
    pub pickup_enabled: bool,
    pub address: String,
    pub gstin: String,
    pub tax_rate_percent: String,
}

impl CheckoutValues {
    fn from_store(store: &ShopStore) -> CheckoutValues {
        CheckoutValues {
            upi_id: store.upi_id.clone().unwrap_or_default(),
            delivery_fee: match store.delivery_fee_minor {
                0 => String::new(),
                fee => decimal_string(fee, store.currency),
            },
            pickup_enabled: store.pickup_enabled,
            address: store.address.clone(),
            gstin: store.gstin.clone().unwrap_or_default(),
            tax_rate_percent: store
                .tax_rate_bps
                .and_then(|bps| haat_domain::TaxRate::from_bps(i64::from(bps)).ok())
                .map(|rate| rate.percent_text().trim_end_matches('%').to_owned())
                .unwrap_or_default(),
        }
    }

    fn from_fields(fields: &Fields) -> CheckoutValues {
        CheckoutValues {
            upi_id: text(fields, "upi_id"),
            delivery_fee: text(fields, "delivery_fee"),
            // An unchecked checkbox is simply absent from the form.
            pickup_enabled: fields.contains_key("pickup_enabled"),
            address: text(fields, "address"),
            gstin: text(fields, "gstin"),
            tax_rate_percent: text(fields, "tax_rate_percent"),
        }
    }
}

#[derive(Template)]
#[template(path = "dashboard/checkout.html")]
pub(crate) struct CheckoutPage {
    pub layout: Layout,
    pub csrf: String,
    pub values: CheckoutValues,
    pub errors: FieldErrors,
    pub currency_symbol: &'static str,
}

fn checkout_page(
    csrf: &CsrfToken,
    status: StatusCode,
    currency: Currency,
    values: CheckoutValues,
    errors: FieldErrors,
    alert: Option<String>,
) -> axum::response::Response {
    let alert = alert.or_else(|| errors.general());
    let view = CheckoutPage {
        layout: Layout::new("Payments & delivery").with_alert(alert),
        csrf: csrf.value().to_owned(),
        values,
        errors,
        currency_symbol: currency.symbol(),
    };
    page::render(status, &view, Some(csrf))
}

/// `GET /dashboard/checkout`
pub(crate) async fn show(
    State(state): State<ApiState>,
    csrf: CsrfToken,
    seller: DashboardSeller,
) -> PageResult {
    let store = require_shop_store(&state, &seller).await?;
    let values = CheckoutValues::from_store(&store);
    Ok(checkout_page(
        &csrf,
        StatusCode::OK,
        store.currency,
        values,
        FieldErrors::default(),
        None,
    ))
}

/// `POST /dashboard/checkout`
pub(crate) async fn save(
    State(state): State<ApiState>,
    csrf: CsrfToken,
    seller: DashboardSeller,
    form: Result<Form<Fields>, FormRejection>,
) -> PageResult {
    let store = require_shop_store(&state, &seller).await?;
    let fields = form::urlencoded(form)?;
    let values = CheckoutValues::from_fields(&fields);
    if !csrf_ok(&csrf, &fields) {
        page::count_csrf_rejection();
        return Ok(checkout_page(
            &csrf,
            StatusCode::FORBIDDEN,
            store.currency,
            values,
            FieldErrors::default(),
            Some(EXPIRED_FORM.to_owned()),
        ));
    }
    let patch = match parse_values(store.currency, &values) {
        Ok(patch) => patch,
        Err(errors) => {
            let status = errors
                .first()
                .map_or(StatusCode::UNPROCESSABLE_ENTITY, |error| error.status);
            let errors = FieldErrors::from_api_errors(&errors, &FIELDS, "");
            return Ok(checkout_page(
                &csrf,
                status,
                store.currency,
                values,
                errors,
                None,
            ));
        }
    };
    state
        .db()
        .update_checkout_settings(seller.seller.id, store.id, &patch)
        .await?;
    tracing::info!(
        store.id = %store.id,
        upi = patch.upi_id.as_ref().is_some_and(Option::is_some),
        "checkout settings saved"
    );
    metrics::counter!("haat_dashboard_actions_total", "action" => "checkout_saved").increment(1);
    Ok(page::see_other("/dashboard?done=checkout"))
}

/// The whole form as one patch (every field is written: a blank UPI id, GSTIN or tax
/// rate removes it, a blank fee is no fee); on failure, one error per bad field.
fn parse_values(
    currency: Currency,
    values: &CheckoutValues,
) -> Result<CheckoutSettingsPatch, Vec<ApiError>> {
    let fee = match values.delivery_fee.trim() {
        "" => "0",
        fee => fee,
    };
    let parse = |upi: Option<&str>,
                 fee: Option<&str>,
                 pickup: Option<bool>,
                 address: Option<&str>,
                 gstin: Option<&str>,
                 tax: Option<&str>| {
        let some = |v: Option<&str>| v.map(|text| Some(text.to_owned()));
        parse_checkout_settings(
            currency,
            &some(upi),
            fee,
            pickup,
            address,
            &some(gstin),
            &some(tax),
        )
        .map_err(|error| error.to_api_error())
    };
    let all = parse(
        Some(&values.upi_id),
        Some(fee),
        Some(values.pickup_enabled),
        Some(&values.address),
        Some(&values.gstin),
        Some(&values.tax_rate_percent),
    );
    let first = match all {
        Ok(patch) => return Ok(patch),
        Err(error) => error,
    };
    let one_by_one = [
        parse(Some(&values.upi_id), None, None, None, None, None),
        parse(None, Some(fee), None, None, None, None),
        parse(None, None, None, Some(&values.address), None, None),
        parse(None, None, None, None, Some(&values.gstin), None),
        parse(None, None, None, None, None, Some(&values.tax_rate_percent)),
    ];
    let mut errors = vec![first];
    errors.extend(one_by_one.into_iter().filter_map(Result::err));
    Err(errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> CheckoutValues {
        CheckoutValues {
            upi_id: "asha@okbank".into(),
            delivery_fee: "40".into(),
            pickup_enabled: true,
            address: "12 MG Road, Pune".into(),
            gstin: String::new(),
            tax_rate_percent: "5".into(),
        }
    }

    #[test]
    fn a_good_form_is_one_full_patch() {
        let patch = parse_values(Currency::Inr, &values()).unwrap();
        assert_eq!(patch.upi_id.unwrap().unwrap().as_str(), "asha@okbank");
        assert_eq!(patch.delivery_fee.unwrap().minor(), 4000);
        assert_eq!(patch.pickup_enabled, Some(true));
        assert_eq!(patch.gstin, Some(None), "a blank GSTIN removes it");
        assert_eq!(patch.tax_rate.unwrap().unwrap().bps(), 500);

        let blank = CheckoutValues {
            delivery_fee: " ".into(),
            upi_id: String::new(),
            ..values()
        };
        let patch = parse_values(Currency::Inr, &blank).unwrap();
        assert_eq!(patch.upi_id, Some(None), "a blank UPI id removes it");
        assert_eq!(patch.delivery_fee.unwrap().minor(), 0);
    }

    #[test]
    fn every_bad_field_is_reported() {
        let bad = CheckoutValues {
            upi_id: "not a upi".into(),
            delivery_fee: "-3".into(),
            gstin: "22AAAAA0000A1Z4".into(),
            tax_rate_percent: "150".into(),
            ..values()
        };
        let errors = parse_values(Currency::Inr, &bad).unwrap_err();
        let errors = FieldErrors::from_api_errors(&errors, &FIELDS, "");
        for field in ["upi_id", "delivery_fee", "gstin", "tax_rate_percent"] {
            assert!(errors.get(field).is_some(), "{field}: {errors:?}");
        }
        assert!(errors.get("address").is_none());
    }

    #[test]
    fn stored_settings_fill_the_form() {
        let store = ShopStore {
            id: haat_domain::StoreId::new(),
            seller_id: haat_domain::SellerId::new(),
            slug: "s".into(),
            name: "S".into(),
            currency: Currency::Inr,
            upi_id: Some("ab@okbank".into()),
            delivery_fee_minor: 2550,
            pickup_enabled: false,
            whatsapp: None,
            address: "Lane 1".into(),
            gstin: None,
            tax_rate_bps: Some(1250),
            accent_colour: "#000000".into(),
            logo_hash: None,
            logo_width: None,
            seller_phone: "+919812345678".into(),
        };
        let values = CheckoutValues::from_store(&store);
        assert_eq!(values.delivery_fee, "25.50");
        assert_eq!(values.tax_rate_percent, "12.5");
        assert!(!values.pickup_enabled);
        // And they parse back to the same settings.
        let patch = parse_values(Currency::Inr, &values).unwrap();
        assert_eq!(patch.tax_rate.unwrap().unwrap().bps(), 1250);
        assert_eq!(patch.delivery_fee.unwrap().minor(), 2550);
    }
}
