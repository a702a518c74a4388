//! Payments through the whole stack: an order placed over HTTP, a real fake-gateway
//! server sending signed webhooks to the real endpoint, and the exactly-once guarantees
//! under duplicates, concurrency, reordering, forgery and replays.

use crate::support;

use std::sync::Arc;

use haat_http::signature::sign;
use haat_payments::fake::{serve_fake_gateway, FakeGatewaySettings};
use serde_json::{json, Value};
use support::*;

/// A UPI order of ₹90 in a fresh store: (order json, slug).
async fn upi_order(app: &TestApp) -> (Value, String) {
    let (token, store) = app.seller_with_store("Chai Point").await;
    let store_id = store["id"].as_str().unwrap();
    sqlx::query("UPDATE stores SET upi_id = 'chai@okhdfc' WHERE id = $1::uuid")
        .bind(store_id)
        .execute(app.db.pool())
        .await
        .unwrap();
    let product = app
        .create_product(
            &token,
            store_id,
            json!({ "name": "Masala chai", "price": "45" }),
        )
        .await;
    let slug = store["slug"].as_str().unwrap().to_owned();
    let reply = app
        .client
        .post(app.url(&format!("/api/v1/storefront/{slug}/orders")))
        .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
        .json(&json!({
            "items": [{ "product_id": product["id"], "quantity": 2 }],
            "customer": { "name": "Ravi", "phone": "9876543210", "address": "12 MG Road" },
            "payment_method": "upi"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 201);
    (reply.json().await.unwrap(), slug)
}

fn event(order: &Value, event_id: &str, status: &str, amount: i64, currency: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "event_id": event_id,
        "order_ref": order["payment_ref"],
        "amount_minor": amount,
        "currency": currency,
        "status": status,
    }))
    .unwrap()
}

async fn deliver(app: &TestApp, body: &[u8], signature: Option<String>) -> Reply {
    let mut request = app
        .client
        .post(app.url("/api/v1/payments/webhooks/haatpay"))
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(signature) = signature {
        request = request.header("Haat-Signature", signature);
    }
    Reply::from(request.send().await.unwrap()).await
}

fn signed(body: &[u8]) -> Option<String> {
    Some(sign(WEBHOOK_SECRET, now(), body))
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

async fn count(app: &TestApp, sql: &str, order: &Value) -> i64 {
    let (count,): (i64,) = sqlx::query_as(sql)
        .bind(order["id"].as_str().unwrap())
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    count
}

async fn payment_status(app: &TestApp, slug: &str, order: &Value) -> Value {
    let (status, body) = app
        .get_json(
            &format!(
                "/api/v1/storefront/{slug}/orders/{}",
                order["token"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(status, 200);
    body
}

const PAID_TRANSITIONS: &str =
    "SELECT count(*) FROM order_events WHERE order_id = $1::uuid AND kind = 'payment' AND to_state = 'paid'";
const PAYMENTS: &str = "SELECT count(*) FROM payments WHERE order_id = $1::uuid";

#[tokio::test]
async fn fifty_concurrent_deliveries_make_one_payment() {
    let app = Arc::new(TestApp::spawn().await);
    let (order, slug) = upi_order(&app).await;
    let body = event(&order, "evt_concurrent", "captured", 9_000, "INR");
    let deliveries = (0..50).map(|_| {
        let app = app.clone();
        let body = body.clone();
        tokio::spawn(async move { deliver(&app, &body, signed(&body)).await })
    });
    let mut outcomes = Vec::new();
    for reply in futures::future::join_all(deliveries).await {
        let reply = reply.unwrap();
        assert_eq!(reply.status, 200, "{}", reply.body);
        outcomes.push(reply.body["status"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        outcomes.iter().filter(|o| *o == "paid").count(),
        1,
        "{outcomes:?}"
    );
    assert_eq!(outcomes.iter().filter(|o| *o == "duplicate").count(), 49);
    assert_eq!(count(&app, PAYMENTS, &order).await, 1);
    assert_eq!(count(&app, PAID_TRANSITIONS, &order).await, 1);
    let read = payment_status(&app, &slug, &order).await;
    assert_eq!(read["payment_status"], "paid");
    assert_eq!(read["payments"][0]["status"], "captured");
    assert!(read["upi_uri"].is_null());
    // Every delivery was stored raw.
    let (stored,): (i64,) = sqlx::query_as("SELECT count(*) FROM payment_webhooks")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(stored, 50);
}

#[tokio::test]
async fn out_of_order_and_mismatched_events_never_double_or_mislead() {
    let app = TestApp::spawn().await;
    let (order, slug) = upi_order(&app).await;
    // failed, then captured (a retry that worked), then a late `failed` for the first try.
    for (id, status) in [
        ("e1", "failed"),
        ("e2", "captured"),
        ("e3", "failed"),
        ("e2", "captured"),
    ] {
        let body = event(&order, id, status, 9_000, "INR");
        let reply = deliver(&app, &body, signed(&body)).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    assert_eq!(
        payment_status(&app, &slug, &order).await["payment_status"],
        "paid"
    );
    assert_eq!(count(&app, PAYMENTS, &order).await, 1);
    assert_eq!(count(&app, PAID_TRANSITIONS, &order).await, 1);
    // A refund, then a stale capture arriving after it: refunded stays refunded.
    for (id, status) in [("e4", "refunded"), ("e5", "captured")] {
        let body = event(&order, id, status, 9_000, "INR");
        assert_eq!(deliver(&app, &body, signed(&body)).await.status, 200);
    }
    assert_eq!(
        payment_status(&app, &slug, &order).await["payment_status"],
        "refunded"
    );
    assert_eq!(count(&app, PAID_TRANSITIONS, &order).await, 1);

    // Wrong amount or currency on a fresh order: flagged for the seller, never paid.
    for (amount, currency) in [(100, "INR"), (9_000, "USD")] {
        let (order, slug) = upi_order(&app).await;
        let body = event(
            &order,
            &format!("m-{currency}-{amount}"),
            "captured",
            amount,
            currency,
        );
        let reply = deliver(&app, &body, signed(&body)).await;
        assert_eq!(reply.body["status"], "flagged", "{}", reply.body);
        assert_eq!(
            payment_status(&app, &slug, &order).await["payment_status"],
            "flagged"
        );
        assert_eq!(count(&app, PAID_TRANSITIONS, &order).await, 0);
    }
}

#[tokio::test]
async fn forged_stale_and_malformed_webhooks_change_nothing() {
    let app = TestApp::spawn().await;
    let (order, slug) = upi_order(&app).await;
    let body = event(&order, "evt_forged", "captured", 9_000, "INR");
    let cases: Vec<(Vec<u8>, Option<String>, u16, &str)> = vec![
        (body.clone(), None, 401, "invalid_signature"),
        (
            body.clone(),
            Some(sign("not-the-secret", now(), &body)),
            401,
            "invalid_signature",
        ),
        (
            body.clone(),
            Some("t=1,v1=zz".into()),
            401,
            "invalid_signature",
        ),
        (
            body.clone(),
            Some(sign(WEBHOOK_SECRET, now() - 360, &body)),
            401,
            "stale_signature",
        ),
        (
            body.clone(),
            Some(sign(WEBHOOK_SECRET, now() + 360, &body)),
            401,
            "stale_signature",
        ),
        // Signed, but the body was changed on the way.
        (
            event(&order, "evt_forged", "captured", 1, "INR"),
            signed(&body),
            401,
            "invalid_signature",
        ),
        (
            b"{not json".to_vec(),
            signed(b"{not json"),
            422,
            "invalid_event",
        ),
        (
            br#"{"event_id":"x"}"#.to_vec(),
            signed(br#"{"event_id":"x"}"#),
            422,
            "invalid_event",
        ),
    ];
    for (index, (body, signature, status, code)) in cases.into_iter().enumerate() {
        let reply = deliver(&app, &body, signature).await;
        assert_eq!(reply.status, status, "case {index}: {}", reply.body);
        reply.assert_error_shape();
        assert_eq!(reply.code(), code, "case {index}");
    }
    let unknown = serde_json::to_vec(&json!({
        "event_id": "evt_unknown", "order_ref": "HT000000000000000000",
        "amount_minor": 9000, "currency": "INR", "status": "captured"
    }))
    .unwrap();
    let reply = deliver(&app, &unknown, signed(&unknown)).await;
    assert_eq!((reply.status, reply.code()), (404, "unknown_order"));
    let reply = app
        .client
        .post(app.url("/api/v1/payments/webhooks/stripe"))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 404);
    assert_eq!(
        payment_status(&app, &slug, &order).await["payment_status"],
        "pending"
    );
    assert_eq!(count(&app, PAYMENTS, &order).await, 0);
    let (stored, valid): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE signature_valid) FROM payment_webhooks",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(
        (stored, valid),
        (9, 3),
        "every delivery to haatpay is stored for audit"
    );
}

#[tokio::test]
async fn the_fake_gateway_pays_an_order_and_its_retries_are_absorbed() {
    let app = TestApp::spawn().await;
    let (order, slug) = upi_order(&app).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let gateway = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve_fake_gateway(
        listener,
        FakeGatewaySettings {
            webhook_url: app
                .url("/api/v1/payments/webhooks/haatpay")
                .parse()
                .unwrap(),
            secret: WEBHOOK_SECRET.to_owned(),
            haat_url: Some(app.url("/").parse().unwrap()),
        },
        async {
            let _ = stopped.await;
        },
    ));
    let client = reqwest::Client::new();
    let paid: Value = client
        .post(format!("{gateway}/v1/payments"))
        .json(
            &json!({ "order_ref": order["payment_ref"], "amount_minor": 9000, "currency": "INR" }),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(paid["delivered"], true, "{paid}");
    assert_eq!(
        payment_status(&app, &slug, &order).await["payment_status"],
        "paid"
    );
    // The gateway retries the same event (as after a timeout): absorbed.
    for _ in 0..3 {
        let again: Value = client
            .post(format!(
                "{gateway}/v1/events/{}/redeliver",
                paid["event_id"].as_str().unwrap()
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(again["response_status"], 200);
    }
    assert_eq!(count(&app, PAYMENTS, &order).await, 1);
    assert_eq!(count(&app, PAID_TRANSITIONS, &order).await, 1);
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

#[tokio::test]
async fn a_stored_but_unapplied_webhook_is_applied_later() {
    let app = TestApp::spawn().await;
    let (order, slug) = upi_order(&app).await;
    // As if the process died right after storing the delivery.
    let body = event(&order, "evt_crash", "captured", 9_000, "INR");
    sqlx::query(
        "INSERT INTO payment_webhooks (id, provider, signature_valid, event_id, body, received_at)
         VALUES (gen_random_uuid(), 'haatpay', true, 'evt_crash', $1, now() - interval '5 minutes')",
    )
    .bind(&body)
    .execute(app.db.pool())
    .await
    .unwrap();
    let applied = haat_payments::reprocess(&app.db, std::time::Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(applied, 1);
    assert_eq!(
        payment_status(&app, &slug, &order).await["payment_status"],
        "paid"
    );
    assert_eq!(
        haat_payments::reprocess(&app.db, std::time::Duration::from_secs(60))
            .await
            .unwrap(),
        0
    );
}
