//! A fake payment gateway: a real HTTP server that signs and sends `haatpay` webhooks,
//! exactly as a production gateway would (`docs/payments.md`). Used by the tests, the
//! browser test and `haat serve --demo`; started alone with `haat fake-gateway`.
//!
//! - `POST /v1/payments` `{"order_ref","amount_minor","currency","status"?}`: makes an
//!   event (status `captured` unless given), delivers it, answers
//!   `{"event_id","delivered","response_status"}`;
//! - `POST /v1/events/{event_id}/redeliver`: sends the same event again (same id, fresh
//!   signature), as a gateway retrying after a timeout would;
//! - `GET /pay?order_ref=…&amount_minor=…&currency=…&return_to=…`: a page with a "Pay"
//!   button (the shopper's side of a payment); `POST /pay` captures and redirects back to
//!   `return_to` if it is on Haat's own origin.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use haat_http::signature::{sign, SIGNATURE_HEADER};
use http::StatusCode;
use serde::Deserialize;
use url::Url;

use crate::protocol::WireEvent;

#[derive(Clone, Debug)]
pub struct FakeGatewaySettings {
    /// Haat's webhook endpoint, e.g. `http://127.0.0.1:8080/api/v1/payments/webhooks/haatpay`.
    pub webhook_url: Url,
    pub secret: String,
    /// `return_to` links must be on this origin (Haat's public URL).
    pub haat_url: Option<Url>,
}

#[derive(Clone)]
struct Gateway {
    settings: Arc<FakeGatewaySettings>,
    client: reqwest::Client,
    events: Arc<Mutex<HashMap<String, WireEvent>>>,
}

/// The result of one delivery.
#[derive(Debug, serde::Serialize)]
struct Delivery {
    event_id: String,
    delivered: bool,
    response_status: Option<u16>,
}

impl Gateway {
    /// Signs and POSTs `event`, retrying on network errors and 5xx (3 attempts).
    async fn deliver(&self, event: &WireEvent) -> Delivery {
        let body = serde_json::to_vec(event).unwrap_or_default();
        let mut status = None;
        for attempt in 1..=3u32 {
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
                Ok(response) => {
                    let code = response.status();
                    status = Some(code.as_u16());
                    if !code.is_server_error() {
                        break;
                    }
                }
                Err(error) => tracing::warn!(%error, attempt, "fake gateway delivery failed"),
            }
            tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
        }
        Delivery {
            event_id: event.event_id.clone(),
            delivered: status.is_some_and(|s| (200..300).contains(&s)),
            response_status: status,
        }
    }

    async fn capture(&self, request: PaymentRequest) -> Delivery {
        let event = WireEvent {
            event_id: format!("evt_{}", uuid::Uuid::new_v4().simple()),
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
}

#[derive(Debug, Deserialize)]
struct PaymentRequest {
    order_ref: String,
    amount_minor: i64,
    currency: String,
    #[serde(default)]
    status: Option<String>,
}

async fn create_payment(State(gateway): State<Gateway>, body: Bytes) -> Response {
    match serde_json::from_slice::<PaymentRequest>(&body) {
        Ok(request) => Json(gateway.capture(request).await).into_response(),
        Err(error) => (StatusCode::UNPROCESSABLE_ENTITY, error.to_string()).into_response(),
    }
}

async fn redeliver(
    State(gateway): State<Gateway>,
    axum::extract::Path(event_id): axum::extract::Path<String>,
) -> Response {
    let event = gateway
        .events
        .lock()
        .ok()
        .and_then(|events| events.get(&event_id).cloned());
    match event {
        Some(event) => Json(gateway.deliver(&event).await).into_response(),
        None => (StatusCode::NOT_FOUND, "no such event").into_response(),
    }
}

#[derive(Debug, Deserialize)]
struct PayPage {
    order_ref: String,
    amount_minor: i64,
    currency: String,
    #[serde(default)]
    return_to: Option<String>,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn pay_page(Query(page): Query<PayPage>) -> Response {
    let amount = format!("{}.{:02}", page.amount_minor / 100, page.amount_minor % 100);
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>HaatPay test gateway</title></head>\
         <body style=\"font-family:system-ui;max-width:420px;margin:40px auto;padding:0 16px\">\
         <h1>HaatPay test gateway</h1><p>This is a test payment: no money moves.</p>\
         <p>Pay <strong>{} {amount}</strong> for order reference <code>{}</code>.</p>\
         <form method=\"post\" action=\"/pay\">\
         <input type=\"hidden\" name=\"order_ref\" value=\"{}\">\
         <input type=\"hidden\" name=\"amount_minor\" value=\"{}\">\
         <input type=\"hidden\" name=\"currency\" value=\"{}\">\
         <input type=\"hidden\" name=\"return_to\" value=\"{}\">\
         <button type=\"submit\" style=\"font:inherit;padding:12px 20px\">Pay {} {amount}</button>\
         </form></body></html>",
        escape(&page.currency),
        escape(&page.order_ref),
        escape(&page.order_ref),
        page.amount_minor,
        escape(&page.currency),
        escape(page.return_to.as_deref().unwrap_or("")),
        escape(&page.currency),
    ))
    .into_response()
}

async fn pay(State(gateway): State<Gateway>, body: Bytes) -> Response {
    let Ok(page) = serde_urlencoded_form(&body) else {
        return (StatusCode::UNPROCESSABLE_ENTITY, "bad form").into_response();
    };
    let delivery = gateway
        .capture(PaymentRequest {
            order_ref: page.order_ref,
            amount_minor: page.amount_minor,
            currency: page.currency,
            status: None,
        })
        .await;
    let back = page
        .return_to
        .as_deref()
        .and_then(|to| Url::parse(to).ok())
        .filter(|to| {
            gateway
                .settings
                .haat_url
                .as_ref()
                .is_some_and(|haat| haat.origin() == to.origin())
        });
    match back {
        Some(url) => Redirect::to(url.as_str()).into_response(),
        None => Html(format!(
            "<!doctype html><p>Payment sent: {}</p>",
            if delivery.delivered {
                "confirmed by the store"
            } else {
                "the store did not confirm"
            }
        ))
        .into_response(),
    }
}

/// Form bodies via the JSON value route, to avoid another dependency.
fn serde_urlencoded_form(body: &[u8]) -> Result<PayPage, ()> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    Ok(PayPage {
        order_ref: get("order_ref").ok_or(())?,
        amount_minor: get("amount_minor").and_then(|v| v.parse().ok()).ok_or(())?,
        currency: get("currency").ok_or(())?,
        return_to: get("return_to").filter(|v| !v.is_empty()),
    })
}

pub fn router(settings: FakeGatewaySettings) -> Router {
    let gateway = Gateway {
        settings: Arc::new(settings),
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
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

/// Serves the fake gateway on `listener` until `shutdown` resolves.
pub async fn serve_fake_gateway(
    listener: tokio::net::TcpListener,
    settings: FakeGatewaySettings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(settings))
        .with_graceful_shutdown(shutdown)
        .await
}
