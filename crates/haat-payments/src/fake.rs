//! A fake payment gateway: a real HTTP server that signs and sends `haatpay` webhooks,
//! exactly as a production gateway would (`docs/payments.md`). Used by the tests, the
//! browser test and `haat serve --demo`; started alone with `haat fake-gateway`.
//!
//! - `POST /v1/payments` `{"order_ref","amount_minor","currency","status"?}`: makes an
//!   event (status `captured` unless given), delivers it, answers
//!   `{"event_id","delivered","response_status"}`;
//! - `POST /v1/events/{event_id}/redeliver`: sends the same event again (same id, fresh
//!   timestamp and signature), as a gateway retrying after a timeout would;
//! - `GET /pay?order_ref=…&amount_minor=…&currency=…&return_to=…`: a page with a "Pay"
//!   button (the shopper's side of a payment); `POST /pay` captures and redirects (303)
//!   back to `return_to` if it is on Haat's own origin.
//!
//! It checks only what it needs to build an event; validating the event is Haat's job,
//! so tests can send it nonsense through here too.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::rejection::{FormRejection, JsonRejection};
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use haat_domain::{format_money, Currency};
use haat_http::signature::{sign, SIGNATURE_HEADER};
use haat_http::{ApiError, Path, Query};
use http::StatusCode;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::protocol::WireEvent;

/// Delivery attempts per event (the first and two retries) on network errors and 5xx.
const ATTEMPTS: u32 = 3;
/// Each attempt's timeout.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Clone, Debug)]
pub struct FakeGatewaySettings {
    /// Haat's webhook endpoint, e.g. `http://127.0.0.1:8080/api/v1/payments/webhooks/haatpay`.
    pub webhook_url: Url,
    /// The shared secret (Haat's `HAAT_PAYMENTS_WEBHOOK_SECRET`).
    pub secret: String,
    /// Haat's public URL: `return_to` links must be on its origin. `None`: never redirect.
    pub haat_url: Option<Url>,
}

/// Serves the fake gateway on `listener` until `shutdown` resolves, then drains.
pub async fn serve_fake_gateway(
    listener: tokio::net::TcpListener,
    settings: FakeGatewaySettings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(settings))
        .with_graceful_shutdown(shutdown)
        .await
}

/// The gateway's routes, for callers that serve them their own way.
pub fn router(settings: FakeGatewaySettings) -> Router {
    let gateway = Gateway {
        settings: Arc::new(settings),
        client: reqwest::Client::builder()
            .timeout(ATTEMPT_TIMEOUT)
            .connect_timeout(ATTEMPT_TIMEOUT)
            .build()
            .unwrap_or_default(),
        events: Arc::default(),
    };
    Router::new()
        .route("/v1/payments", post(create_payment))
        .route("/v1/events/{event_id}/redeliver", post(redeliver))
        .route("/pay", get(pay_page).post(pay))
        .with_state(gateway)
}

#[derive(Clone)]
struct Gateway {
    settings: Arc<FakeGatewaySettings>,
    client: reqwest::Client,
    /// Every event made, by id, for redelivery.
    events: Arc<Mutex<HashMap<String, WireEvent>>>,
}

/// The result of one delivery.
#[derive(Debug, Serialize)]
struct Delivery {
    event_id: String,
    /// Haat answered 2xx.
    delivered: bool,
    /// Haat's last answer; `null` when it never answered.
    response_status: Option<u16>,
}

impl Gateway {
    /// Signs and POSTs `event`; retries with backoff on network errors and 5xx, stops on
    /// any other answer (2xx: done; 4xx: retrying would not help).
    async fn deliver(&self, event: &WireEvent) -> Delivery {
        let body = serde_json::to_vec(event).unwrap_or_default();
        let mut status = None;
        for attempt in 1..=ATTEMPTS {
            // A fresh timestamp per attempt, as the protocol asks.
            let timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
            let result = self
                .client
                .post(self.settings.webhook_url.clone())
                .header("content-type", "application/json")
                .header(
                    SIGNATURE_HEADER,
                    sign(&self.settings.secret, timestamp, &body),
                )
                .body(body.clone())
                .send()
                .await;
            match result {
                Ok(response) if !response.status().is_server_error() => {
                    status = Some(response.status().as_u16());
                    break;
                }
                Ok(response) => {
                    status = Some(response.status().as_u16());
                    tracing::warn!(
                        attempt,
                        status = response.status().as_u16(),
                        "fake gateway delivery refused"
                    );
                }
                Err(error) => {
                    status = None;
                    tracing::warn!(%error, attempt, "fake gateway delivery failed");
                }
            }
            if attempt < ATTEMPTS {
                tokio::time::sleep(Duration::from_millis(200 * 2u64.pow(attempt - 1))).await;
            }
        }
        Delivery {
            event_id: event.event_id.clone(),
            delivered: status.is_some_and(|s| (200..300).contains(&s)),
            response_status: status,
        }
    }

    /// Makes a new event and delivers it.
    async fn create(&self, request: PaymentRequest) -> Delivery {
        let event = WireEvent {
            event_id: format!("evt_{}", uuid::Uuid::now_v7().simple()),
            order_ref: request.order_ref,
            amount_minor: request.amount_minor,
            currency: request.currency,
            status: request.status.unwrap_or_else(|| "captured".to_owned()),
        };
        if let Ok(mut events) = self.events.lock() {
            events.insert(event.event_id.clone(), event.clone());
        }
        self.deliver(&event).await
    }

    /// `return_to`, if it is on Haat's origin (no open redirect).
    fn return_url(&self, return_to: Option<&str>) -> Option<Url> {
        let haat = self.settings.haat_url.as_ref()?;
        let url = Url::parse(return_to?).ok()?;
        (url.origin() == haat.origin()).then_some(url)
    }
}

#[derive(Debug, Deserialize)]
struct PaymentRequest {
    order_ref: String,
    amount_minor: i64,
    currency: String,
    #[serde(default)]
    status: Option<String>,
}

async fn create_payment(
    State(gateway): State<Gateway>,
    request: Result<Json<PaymentRequest>, JsonRejection>,
) -> Response {
    match request {
        Ok(Json(request)) => Json(gateway.create(request).await).into_response(),
        Err(rejection) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_payment",
            rejection.body_text(),
        )
        .into_response(),
    }
}

async fn redeliver(State(gateway): State<Gateway>, Path(event_id): Path<String>) -> Response {
    let event = gateway
        .events
        .lock()
        .ok()
        .and_then(|events| events.get(&event_id).cloned());
    match event {
        Some(event) => Json(gateway.deliver(&event).await).into_response(),
        None => ApiError::not_found("event").into_response(),
    }
}

/// The shopper's side: what the pay page shows and its form posts back.
#[derive(Debug, Deserialize)]
struct PayForm {
    order_ref: String,
    amount_minor: i64,
    currency: String,
    #[serde(default)]
    return_to: Option<String>,
}

impl PayForm {
    fn amount_text(&self) -> Result<String, ApiError> {
        let currency = Currency::parse(&self.currency)
            .map_err(|error| ApiError::invalid("currency", error))?;
        if self.amount_minor < 0 {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_amount",
                "amount_minor must be 0 or more",
            )
            .with_field("amount_minor"));
        }
        Ok(format_money(self.amount_minor, currency))
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

async fn pay_page(Query(form): Query<PayForm>) -> Response {
    let amount = match form.amount_text() {
        Ok(amount) => escape(&amount),
        Err(error) => return error.into_response(),
    };
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>HaatPay test gateway — Pay {amount}</title></head>\
         <body style=\"font-family:system-ui;max-width:420px;margin:40px auto;padding:0 16px\">\
         <h1>HaatPay test gateway — Pay {amount}</h1>\
         <p>This is a test payment: no money moves.</p>\
         <p>Order reference <code>{order_ref}</code>.</p>\
         <form method=\"post\" action=\"/pay\">\
         <input type=\"hidden\" name=\"order_ref\" value=\"{order_ref}\">\
         <input type=\"hidden\" name=\"amount_minor\" value=\"{amount_minor}\">\
         <input type=\"hidden\" name=\"currency\" value=\"{currency}\">\
         <input type=\"hidden\" name=\"return_to\" value=\"{return_to}\">\
         <button type=\"submit\" style=\"font:inherit;padding:12px 20px\">Pay {amount}</button>\
         </form></body></html>",
        order_ref = escape(&form.order_ref),
        amount_minor = form.amount_minor,
        currency = escape(&form.currency),
        return_to = escape(form.return_to.as_deref().unwrap_or("")),
    ))
    .into_response()
}

async fn pay(
    State(gateway): State<Gateway>,
    form: Result<Form<PayForm>, FormRejection>,
) -> Response {
    let form = match form {
        Ok(Form(form)) => form,
        Err(rejection) => {
            return ApiError::bad_request("invalid_form", rejection.body_text()).into_response()
        }
    };
    if let Err(error) = form.amount_text() {
        return error.into_response();
    }
    let back = gateway.return_url(form.return_to.as_deref());
    let delivery = gateway
        .create(PaymentRequest {
            order_ref: form.order_ref,
            amount_minor: form.amount_minor,
            currency: form.currency,
            status: None,
        })
        .await;
    match back {
        Some(url) => Redirect::to(url.as_str()).into_response(),
        None => Html(format!(
            "<!doctype html><meta charset=\"utf-8\"><title>HaatPay test gateway</title>\
             <p>Payment sent: {}.</p>",
            if delivery.delivered {
                "confirmed by the store"
            } else {
                "the store did not confirm it"
            }
        ))
        .into_response(),
    }
}
