//! The HTML side: the cart page with its checkout form, placing an order from the form,
//! the order status page and its PDF invoice.

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use haat_db::{Fulfilment, NewOrder, OrderLineRequest, OrderRecord, OrderRequestKey, ShopStore};
use haat_domain::{
    Address, CustomerName, DiscountCode, OrderNote, OrderToken, PaymentMethod, Phone, ProductId,
    Quantity,
};
use haat_http::{ApiError, Path};
use haat_storefront::page;
use http::{header, HeaderValue, StatusCode};
use sha2::{Digest, Sha256};

use crate::api::{load_store, PaymentBody};
use crate::cart::{cart_key, cart_token};
use crate::error::{invalid, Error, Result};
use crate::form::FormFields;
use crate::view::{CartPage, CheckoutValues, OrderPage};
use crate::CheckoutState;

/// A refusal shown as a page (for plain form posts): the message and a way back.
pub(crate) fn error_page(error: &Error, slug: &str) -> Response {
    let api = error.to_api_error();
    if api.status == StatusCode::NOT_FOUND {
        return page::store_not_found_page();
    }
    if api.status.is_server_error() {
        return page::unavailable_page();
    }
    // Plain words and a link back to the cart; the message never echoes input.
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Could not update your cart</title></head><body style=\"font-family:system-ui;\
         max-width:520px;margin:40px auto;padding:0 16px\"><h1>That didn't work</h1><p>{}</p>\
         <p><a href=\"/{}/cart\">Back to your cart</a></p></body></html>",
        escape(&api.message),
        escape(slug)
    );
    page::html_page(api.status, body, None)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `GET /{slug}/cart`
pub(crate) async fn cart_page(
    State(state): State<CheckoutState>,
    Path(slug): Path<String>,
    jar: CookieJar,
) -> Response {
    match cart_page_inner(&state, &slug, &jar).await {
        Ok(response) => response,
        Err(error) => error_page(&error, &slug),
    }
}

async fn cart_page_inner(state: &CheckoutState, slug: &str, jar: &CookieJar) -> Result<Response> {
    let store = load_store(state, slug).await?;
    let lines = match cart_token(jar) {
        Some(token) => state.db().cart_lines(&cart_key(&token), store.id).await?,
        None => Vec::new(),
    };
    let view = CartPage::new(state, &store, &lines);
    Ok(no_store(page::render(&view, None)))
}

/// The checkout form parsed into an order; the error names the form field at fault.
fn parse_form(form: &FormFields) -> Result<NewOrder> {
    let mut lines = Vec::new();
    for item in form.all("item") {
        let mut parts = item.splitn(3, ':');
        let product =
            ProductId::parse(parts.next().unwrap_or("")).map_err(|e| invalid("items", e))?;
        let quantity =
            Quantity::parse(parts.next().unwrap_or("")).map_err(|e| invalid("items", e))?;
        let price = parts.next().and_then(|p| p.parse::<i64>().ok());
        lines.push(OrderLineRequest {
            product,
            quantity,
            expected_unit_price_minor: price,
        });
    }
    let customer_name = CustomerName::parse(form.get("name")).map_err(|e| invalid("name", e))?;
    let customer_phone = Phone::parse(form.get("phone")).map_err(|e| invalid("phone", e))?;
    let fulfilment = match form.get("fulfilment") {
        "pickup" => Fulfilment::Pickup,
        _ => Fulfilment::Delivery(
            Address::parse(form.get("address")).map_err(|e| invalid("address", e))?,
        ),
    };
    let note = OrderNote::parse(form.get("note")).map_err(|e| invalid("note", e))?;
    let payment_method = PaymentMethod::parse(match form.get("payment_method") {
        "" => "cod",
        method => method,
    })
    .map_err(|e| invalid("payment_method", e))?;
    let discount_code = match form.get("discount_code").trim() {
        "" => None,
        code => Some(DiscountCode::parse(code).map_err(|e| invalid("discount_code", e))?),
    };
    Ok(NewOrder {
        lines,
        customer_name,
        customer_phone,
        fulfilment,
        note,
        payment_method,
        discount_code,
        currency: None,
        expected_total_minor: None,
        cart: None,
    })
}

/// The form's field for an API field name, to highlight it.
fn form_field(field: Option<&str>) -> &'static str {
    match field.unwrap_or("") {
        "name" | "customer.name" => "name",
        "phone" | "customer.phone" => "phone",
        "address" | "customer.address" => "address",
        "note" => "note",
        "discount_code" => "discount_code",
        "payment_method" => "payment_method",
        _ => "",
    }
}

/// `POST /{slug}/checkout`: places the order shown on the cart page. The form's one-time
/// token is the idempotency key, so a double tap or a refresh returns the first order.
pub(crate) async fn checkout(
    State(state): State<CheckoutState>,
    Path(slug): Path<String>,
    jar: CookieJar,
    body: Bytes,
) -> Response {
    let form = FormFields::parse(&body);
    match checkout_inner(&state, &slug, &jar, &form).await {
        Ok(response) => response,
        Err(error) => {
            // Show the cart again with the message and what the shopper typed.
            let api = error.to_api_error();
            if api.status == StatusCode::NOT_FOUND || api.status.is_server_error() {
                return error_page(&error, &slug);
            }
            match rerender(&state, &slug, &jar, &form, &api).await {
                Ok(response) => response,
                Err(error) => error_page(&error, &slug),
            }
        }
    }
}

async fn checkout_inner(
    state: &CheckoutState,
    slug: &str,
    jar: &CookieJar,
    form: &FormFields,
) -> Result<Response> {
    let store = load_store(state, slug).await?;
    let token = form.get("checkout_token");
    if token.len() != 32 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::bad_request(
            "invalid_checkout_token",
            "this checkout form is out of date; please review your cart and try again",
        )
        .into());
    }
    let mut order = parse_form(form)?;
    order.cart = cart_token(jar).map(|t| cart_key(&t));
    let key = OrderRequestKey {
        key: format!("form:{token}"),
        request_hash: Sha256::digest(form.fingerprint(&[])).to_vec(),
    };
    let placed = crate::place_detached(state, &store, order, key).await?;
    let order = placed.into_inner();
    let url = format!("/{}/o/{}?placed=1", store.slug, order.token.as_str());
    Ok(Redirect::to(&url).into_response())
}

async fn rerender(
    state: &CheckoutState,
    slug: &str,
    jar: &CookieJar,
    form: &FormFields,
    error: &ApiError,
) -> Result<Response> {
    let store = load_store(state, slug).await?;
    let lines = match cart_token(jar) {
        Some(token) => state.db().cart_lines(&cart_key(&token), store.id).await?,
        None => Vec::new(),
    };
    let mut view = CartPage::new(state, &store, &lines);
    view.values = CheckoutValues {
        name: form.get("name").to_owned(),
        phone: form.get("phone").to_owned(),
        pickup: form.get("fulfilment") == "pickup",
        address: form.get("address").to_owned(),
        note: form.get("note").to_owned(),
        upi: form.get("payment_method") == "upi",
        discount_code: form.get("discount_code").to_owned(),
    };
    view.error = Some(capitalise(&error.message));
    view.error_field = form_field(error.field.as_deref()).to_owned();
    let mut response = no_store(page::render(&view, None));
    *response.status_mut() = error.status;
    Ok(response)
}

fn capitalise(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

pub(crate) async fn order_for(
    state: &CheckoutState,
    slug: &str,
    token: &str,
) -> Result<(ShopStore, OrderRecord)> {
    let store = load_store(state, slug).await?;
    let token = OrderToken::parse(token).map_err(|_| ApiError::not_found("order"))?;
    let order = state
        .db()
        .order_by_token(store.id, &token)
        .await?
        .ok_or(Error::Api(ApiError::not_found("order")))?;
    Ok((store, order))
}

/// `GET /{slug}/o/{token}`
pub(crate) async fn order_page(
    State(state): State<CheckoutState>,
    Path((slug, token)): Path<(String, String)>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Response {
    // `?placed=1` after the checkout's redirect shows the thank-you note.
    let just_placed = query.is_some_and(|q| q.split('&').any(|pair| pair == "placed=1"));
    match order_for(&state, &slug, &token).await {
        Ok((store, order)) => {
            let view = OrderPage::new(&state, &store, &order, just_placed);
            no_store(page::render(&view, None))
        }
        Err(error) if error.to_api_error().status == StatusCode::NOT_FOUND => {
            page::not_found_page()
        }
        Err(error) => error_page(&error, &slug),
    }
}

/// The payments recorded for an order, for the JSON body.
pub(crate) async fn payments_of(
    state: &CheckoutState,
    order: &OrderRecord,
) -> Result<Vec<PaymentBody>> {
    let payments = state
        .db()
        .payments_of_order(order.store_id, order.id)
        .await?;
    Ok(payments
        .into_iter()
        .map(|payment| PaymentBody {
            provider: payment.provider,
            status: payment.status,
            amount_minor: payment.amount_minor,
            currency: payment.currency,
            updated_at: payment
                .updated_at
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
        })
        .collect())
}

/// The store's smallest JPEG logo for the invoice; the invoice goes without it if the
/// media store does not answer within a second.
async fn logo_jpeg(state: &CheckoutState, store: &haat_db::ShopStore) -> Option<Vec<u8>> {
    let (hash, width) = (store.logo_hash.as_deref()?, store.logo_width?);
    state
        .media()
        .variant_for_embedding(
            hash,
            u32::try_from(width).ok()?,
            haat_media::VariantFormat::Jpeg,
            std::time::Duration::from_secs(1),
        )
        .await
        .map(|bytes| bytes.to_vec())
}

/// `GET /{slug}/o/{token}/invoice.pdf`: rendered on the blocking pool.
pub(crate) async fn invoice(
    State(state): State<CheckoutState>,
    Path((slug, token)): Path<(String, String)>,
) -> Response {
    let (store, order) = match order_for(&state, &slug, &token).await {
        Ok(found) => found,
        Err(error) if error.to_api_error().status == StatusCode::NOT_FOUND => {
            return page::not_found_page()
        }
        Err(error) => return error_page(&error, &slug),
    };
    let mut invoice = haat_invoice::Invoice::from_order(&store, &order);
    invoice.logo_jpeg = logo_jpeg(&state, &store).await;
    let number = order.number.get();
    match tokio::task::spawn_blocking(move || haat_invoice::render(&invoice)).await {
        Ok(Ok(pdf)) => {
            metrics::counter!("haat_invoices_rendered_total", "by" => "shopper").increment(1);
            (
                [
                    (header::CONTENT_TYPE, "application/pdf".to_owned()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("inline; filename=\"invoice-{number}.pdf\""),
                    ),
                    (header::CACHE_CONTROL, "no-store".to_owned()),
                ],
                pdf,
            )
                .into_response()
        }
        Ok(Err(error)) => {
            tracing::error!(%error, "invoice rendering failed");
            page::unavailable_page()
        }
        Err(error) => {
            tracing::error!(%error, "invoice task failed");
            page::unavailable_page()
        }
    }
}
