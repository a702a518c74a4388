//! The `haatpay` webhook endpoint over real HTTP against a real PostgreSQL: exactly-once
//! application under duplicates, concurrency and reordering; mismatches flagged; forged,
//! stale and malformed deliveries refused with nothing but the audit row written; the
//! fake gateway as a second real server; manual "mark paid"; crash repair.

use std::sync::Arc;
use std::time::Duration;

use haat_db::{Db, DbError, PoolSettings};
use haat_domain::{OrderId, Phone, SellerId, StoreId, StoreName, StoreSlug};
use haat_http::signature::sign;
use haat_payments::fake::{serve_fake_gateway, FakeGatewaySettings};
use haat_payments::{router, PaymentsState};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use uuid::Uuid;

const SECRET: &str = "whsec_test_0123456789";
/// Every order in these tests costs ₹90.00.
const TOTAL: i64 = 9_000;

/// The webhook router on its own port, over a fresh database.
struct Haat {
    db: Db,
    base: String,
    client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
}

/// An order as the tests see it.
#[derive(Clone, Debug)]
struct Order {
    id: Uuid,
    payment_ref: String,
}

/// One HTTP answer.
#[derive(Debug)]
struct Reply {
    status: u16,
    body: Value,
}

impl Reply {
    fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    fn outcome(&self) -> &str {
        self.body["status"].as_str().unwrap_or("")
    }
}

impl Haat {
    async fn start() -> Haat {
        let url = haat_testkit::fresh_database().await;
        let settings = PoolSettings {
            max_connections: 60,
            ..PoolSettings::default()
        };
        let db = Db::connect_lazy(&url, &settings).expect("pool");
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let app = router(PaymentsState::new(db.clone(), Some(SECRET.to_owned())));
        let server = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
        });
        Haat {
            db,
            base,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            stop: Some(stop),
            server: Some(server),
        }
    }

    async fn shut_down(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.unwrap().unwrap();
        }
    }

    fn webhook_url(&self) -> String {
        format!("{}/api/v1/payments/webhooks/haatpay", self.base)
    }

    /// A seller with one store.
    async fn store(&self, phone: &str) -> (SellerId, StoreId) {
        let seller = self
            .db
            .ensure_seller(&Phone::parse(phone).unwrap())
            .await
            .unwrap();
        let name = StoreName::parse("Chai Point").unwrap();
        let store = self
            .db
            .create_store(seller.id, &name, &StoreSlug::derive(&name))
            .await
            .unwrap();
        (seller.id, store.id)
    }

    /// A ₹90 UPI order awaiting payment, written as the checkout would.
    async fn order(&self, store: StoreId) -> Order {
        let id = Uuid::now_v7();
        let payment_ref = haat_domain::PaymentRef::new().as_str().to_owned();
        sqlx::query(
            "INSERT INTO orders (id, store_id, number, token, payment_ref, payment_method,
                 customer_name, customer_phone, fulfilment, currency, subtotal_minor, total_minor)
             SELECT $1, $2, coalesce(max(number), 1000) + 1, $3, $4, 'upi',
                 'Ravi', '+919876543210', 'pickup', 'INR', $5, $5
             FROM orders WHERE store_id = $2",
        )
        .bind(id)
        .bind(store.as_uuid())
        .bind(Uuid::new_v4().simple().to_string())
        .bind(&payment_ref)
        .bind(TOTAL)
        .execute(self.db.pool())
        .await
        .unwrap();
        Order { id, payment_ref }
    }

    async fn post(&self, url: &str, body: &[u8], signature: Option<String>) -> Reply {
        let mut request = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .body(body.to_vec());
        if let Some(signature) = signature {
            request = request.header("Haat-Signature", signature);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("status {status}: a JSON body, not {text:?}"));
        Reply { status, body }
    }

    /// A delivery signed now with the right secret.
    async fn deliver(&self, body: &[u8]) -> Reply {
        self.post(&self.webhook_url(), body, Some(sign(SECRET, now(), body)))
            .await
    }

    async fn count(&self, sql: &str, order: &Order) -> i64 {
        let (count,): (i64,) = sqlx::query_as(sql)
            .bind(order.id)
            .fetch_one(self.db.pool())
            .await
            .unwrap();
        count
    }

    async fn payment_status(&self, order: &Order) -> String {
        let (status,): (String,) =
            sqlx::query_as("SELECT payment_status FROM orders WHERE id = $1")
                .bind(order.id)
                .fetch_one(self.db.pool())
                .await
                .unwrap();
        status
    }

    async fn payments(&self, order: &Order) -> i64 {
        self.count("SELECT count(*) FROM payments WHERE order_id = $1", order)
            .await
    }

    async fn paid_transitions(&self, order: &Order) -> i64 {
        self.count(
            "SELECT count(*) FROM order_events
             WHERE order_id = $1 AND kind = 'payment' AND to_state = 'paid'",
            order,
        )
        .await
    }

    async fn webhooks(&self) -> i64 {
        let (count,): (i64,) = sqlx::query_as("SELECT count(*) FROM payment_webhooks")
            .fetch_one(self.db.pool())
            .await
            .unwrap();
        count
    }

    /// (order_events, payment_events, payments) rows: what a refused delivery must not add.
    async fn effects(&self, order: &Order) -> (i64, i64, i64) {
        let (events,): (i64,) = sqlx::query_as("SELECT count(*) FROM order_events")
            .fetch_one(self.db.pool())
            .await
            .unwrap();
        let (applied,): (i64,) = sqlx::query_as("SELECT count(*) FROM payment_events")
            .fetch_one(self.db.pool())
            .await
            .unwrap();
        (events, applied, self.payments(order).await)
    }
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn event(order: &Order, event_id: &str, status: &str, amount: i64, currency: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "event_id": event_id,
        "order_ref": order.payment_ref,
        "amount_minor": amount,
        "currency": currency,
        "status": status,
        // Gateways add fields of their own; they are ignored.
        "method": "upi",
    }))
    .unwrap()
}

fn captured(order: &Order, event_id: &str) -> Vec<u8> {
    event(order, event_id, "captured", TOTAL, "INR")
}

#[tokio::test]
async fn a_valid_capture_pays_the_order_once() {
    let haat = Haat::start().await;
    let (_, store) = haat.store("9876543210").await;
    let order = haat.order(store).await;

    let reply = haat.deliver(&captured(&order, "evt_1")).await;
    assert_eq!((reply.status, reply.outcome()), (200, "paid"), "{reply:?}");
    assert_eq!(haat.payment_status(&order).await, "paid");
    assert_eq!(haat.payments(&order).await, 1);
    assert_eq!(haat.paid_transitions(&order).await, 1);
    let (version, paid_at_set, actor): (i64, bool, String) = sqlx::query_as(
        "SELECT o.version, o.paid_at IS NOT NULL, e.actor
         FROM orders o JOIN order_events e ON e.order_id = o.id WHERE o.id = $1",
    )
    .bind(order.id)
    .fetch_one(haat.db.pool())
    .await
    .unwrap();
    assert_eq!(
        (version, paid_at_set, actor.as_str()),
        (2, true, "gateway:haatpay")
    );
    let payments = haat
        .db
        .payments_of_order(store, OrderId::from_uuid(order.id))
        .await
        .unwrap();
    assert_eq!(payments.len(), 1);
    assert_eq!(
        (
            payments[0].provider.as_str(),
            payments[0].status.as_str(),
            payments[0].amount_minor,
            payments[0].currency.as_str(),
            payments[0].recorded_by.as_str()
        ),
        ("haatpay", "captured", TOTAL, "INR", "gateway:haatpay")
    );
    // The audit row: raw body, valid signature, the event id, the outcome.
    let (valid, event_id, outcome, processed): (bool, Option<String>, Option<String>, bool) =
        sqlx::query_as(
            "SELECT signature_valid, event_id, outcome, processed_at IS NOT NULL FROM payment_webhooks",
        )
        .fetch_one(haat.db.pool())
        .await
        .unwrap();
    assert_eq!(
        (valid, event_id.as_deref(), outcome.as_deref(), processed),
        (true, Some("evt_1"), Some("paid"), true)
    );

    // The same event again (a retry after a timeout): absorbed.
    let reply = haat.deliver(&captured(&order, "evt_1")).await;
    assert_eq!(
        (reply.status, reply.outcome()),
        (200, "duplicate"),
        "{reply:?}"
    );
    // A second capture event of another id for a paid order: recorded, nothing moves.
    let reply = haat.deliver(&captured(&order, "evt_2")).await;
    assert_eq!(
        (reply.status, reply.outcome()),
        (200, "already_paid"),
        "{reply:?}"
    );
    assert_eq!(haat.payments(&order).await, 1);
    assert_eq!(haat.paid_transitions(&order).await, 1);
    assert_eq!(haat.webhooks().await, 3);
    haat.shut_down().await;
}

#[tokio::test]
async fn fifty_concurrent_deliveries_make_one_payment_and_one_paid_transition() {
    let haat = Arc::new(Haat::start().await);
    let (_, store) = haat.store("9876543210").await;
    let order = haat.order(store).await;
    let body = captured(&order, "evt_concurrent");
    let deliveries: Vec<_> = (0..50)
        .map(|_| {
            let haat = haat.clone();
            let body = body.clone();
            tokio::spawn(async move { haat.deliver(&body).await })
        })
        .collect();
    let mut outcomes = Vec::new();
    for delivery in deliveries {
        let reply = delivery.await.unwrap();
        assert_eq!(reply.status, 200, "{reply:?}");
        outcomes.push(reply.outcome().to_owned());
    }
    let paid = outcomes.iter().filter(|o| *o == "paid").count();
    let duplicates = outcomes.iter().filter(|o| *o == "duplicate").count();
    assert_eq!((paid, duplicates), (1, 49), "{outcomes:?}");
    assert_eq!(haat.payments(&order).await, 1);
    assert_eq!(haat.paid_transitions(&order).await, 1);
    assert_eq!(haat.payment_status(&order).await, "paid");
    assert_eq!(haat.webhooks().await, 50, "every delivery is stored");
    let (applied,): (i64,) = sqlx::query_as("SELECT count(*) FROM payment_events")
        .fetch_one(haat.db.pool())
        .await
        .unwrap();
    assert_eq!(applied, 1);
    if let Ok(haat) = Arc::try_unwrap(haat) {
        haat.shut_down().await;
    }
}

#[tokio::test]
async fn events_out_of_order_never_undo_or_repeat_a_payment() {
    let haat = Haat::start().await;
    let (_, store) = haat.store("9876543210").await;
    let order = haat.order(store).await;
    // (event id, status, outcome, the order's payment status afterwards)
    let steps = [
        ("e1", "failed", "failed", "pending"),
        ("e2", "captured", "paid", "paid"),
        // The late failure of the first attempt.
        ("e3", "failed", "ignored_out_of_order", "paid"),
        ("e1", "failed", "duplicate", "paid"),
        ("e4", "refunded", "refunded", "refunded"),
        // A stale capture after the refund.
        ("e5", "captured", "ignored_out_of_order", "refunded"),
        ("e2", "captured", "duplicate", "refunded"),
        ("e6", "failed", "ignored_out_of_order", "refunded"),
    ];
    for (event_id, status, outcome, payment_status) in steps {
        let reply = haat
            .deliver(&event(&order, event_id, status, TOTAL, "INR"))
            .await;
        assert_eq!(
            (reply.status, reply.outcome()),
            (200, outcome),
            "{event_id} {status}: {reply:?}"
        );
        assert_eq!(
            haat.payment_status(&order).await,
            payment_status,
            "{event_id}"
        );
        assert_eq!(haat.payments(&order).await, 1, "{event_id}");
    }
    assert_eq!(haat.paid_transitions(&order).await, 1);
    let payments = haat
        .db
        .payments_of_order(store, OrderId::from_uuid(order.id))
        .await
        .unwrap();
    assert_eq!(payments[0].status, "refunded");
    let history: Vec<(Option<String>, String)> = sqlx::query_as(
        "SELECT from_state, to_state FROM order_events WHERE order_id = $1 ORDER BY id",
    )
    .bind(order.id)
    .fetch_all(haat.db.pool())
    .await
    .unwrap();
    let history: Vec<(Option<&str>, &str)> = history
        .iter()
        .map(|(from, to)| (from.as_deref(), to.as_str()))
        .collect();
    assert_eq!(
        history,
        [(Some("pending"), "paid"), (Some("paid"), "refunded")]
    );

    // A refund for an order still awaiting payment (the capture never reached us).
    let unpaid = haat.order(store).await;
    let reply = haat
        .deliver(&event(&unpaid, "r1", "refunded", TOTAL, "INR"))
        .await;
    assert_eq!(reply.outcome(), "refunded");
    assert_eq!(haat.payment_status(&unpaid).await, "refunded");
    let reply = haat.deliver(&captured(&unpaid, "r2")).await;
    assert_eq!(reply.outcome(), "ignored_out_of_order");
    assert_eq!(haat.paid_transitions(&unpaid).await, 0);
    haat.shut_down().await;
}

#[tokio::test]
async fn a_mismatched_amount_or_currency_is_flagged_and_never_paid() {
    let haat = Haat::start().await;
    let (seller, store) = haat.store("9876543210").await;
    for (amount, currency, what) in [
        (TOTAL - 1, "INR", "amount mismatch"),
        (TOTAL + 100_000, "INR", "amount mismatch"),
        (TOTAL, "USD", "currency mismatch"),
        (1, "EUR", "amount and currency mismatch"),
    ] {
        let order = haat.order(store).await;
        let reply = haat
            .deliver(&event(
                &order,
                &format!("m-{amount}-{currency}"),
                "captured",
                amount,
                currency,
            ))
            .await;
        assert_eq!(
            (reply.status, reply.outcome()),
            (200, "flagged"),
            "{reply:?}"
        );
        assert_eq!(haat.payment_status(&order).await, "flagged");
        assert_eq!(haat.paid_transitions(&order).await, 0);
        let (detail, actor): (String, String) = sqlx::query_as(
            "SELECT detail, actor FROM order_events WHERE order_id = $1 AND to_state = 'flagged'",
        )
        .bind(order.id)
        .fetch_one(haat.db.pool())
        .await
        .unwrap();
        assert!(detail.starts_with(what), "{detail}");
        assert_eq!(actor, "gateway:haatpay");
        // The payment record keeps what was actually received.
        let payments = haat
            .db
            .payments_of_order(store, OrderId::from_uuid(order.id))
            .await
            .unwrap();
        assert_eq!(
            (
                payments.len(),
                payments[0].amount_minor,
                payments[0].currency.as_str()
            ),
            (1, amount, currency)
        );
    }

    // A matching capture after a flag still leaves the decision to the seller …
    let order = haat.order(store).await;
    haat.deliver(&event(&order, "f1", "captured", 1, "INR"))
        .await;
    let reply = haat.deliver(&captured(&order, "f2")).await;
    assert_eq!(reply.outcome(), "flagged");
    assert_eq!(haat.payment_status(&order).await, "flagged");
    assert_eq!(haat.payments(&order).await, 1);
    // … who resolves it by marking it paid.
    haat.db
        .mark_order_paid_by_seller(store, OrderId::from_uuid(order.id), seller)
        .await
        .unwrap();
    assert_eq!(haat.payment_status(&order).await, "paid");
    assert_eq!(haat.paid_transitions(&order).await, 1);
    haat.shut_down().await;
}

#[tokio::test]
async fn forged_and_replayed_webhooks_are_refused_and_change_nothing() {
    let haat = Haat::start().await;
    let (_, store) = haat.store("9876543210").await;
    let order = haat.order(store).await;
    let body = captured(&order, "evt_forged");
    let other_body = event(&order, "evt_forged", "captured", 1, "INR");
    let zeros = "00".repeat(32);
    let cases: Vec<(&str, Option<String>, &[u8], &str)> = vec![
        ("missing header", None, &body, "invalid_signature"),
        (
            "wrong secret",
            Some(sign("not-the-secret", now(), &body)),
            &body,
            "invalid_signature",
        ),
        (
            "forged mac",
            Some(format!("t={},v1={zeros}", now())),
            &body,
            "invalid_signature",
        ),
        (
            "tampered body",
            Some(sign(SECRET, now(), &body)),
            &other_body,
            "invalid_signature",
        ),
        (
            "malformed",
            Some("nonsense".to_owned()),
            &body,
            "invalid_signature",
        ),
        (
            "bad hex",
            Some(format!("t={},v1=zz", now())),
            &body,
            "invalid_signature",
        ),
        (
            "no v1",
            Some(format!("t={}", now())),
            &body,
            "invalid_signature",
        ),
        (
            "huge timestamp",
            Some(format!("t={},v1={zeros}", i64::MAX)),
            &body,
            "stale_signature",
        ),
        (
            "six minutes old",
            Some(sign(SECRET, now() - 360, &body)),
            &body,
            "stale_signature",
        ),
        (
            "six minutes ahead",
            Some(sign(SECRET, now() + 360, &body)),
            &body,
            "stale_signature",
        ),
    ];
    let before = haat.effects(&order).await;
    for (name, signature, body, code) in &cases {
        let reply = haat
            .post(&haat.webhook_url(), body, signature.clone())
            .await;
        assert_eq!(
            (reply.status, reply.code()),
            (401, *code),
            "{name}: {reply:?}"
        );
        assert!(reply.body["error"]["message"].is_string(), "{name}");
    }
    assert_eq!(haat.effects(&order).await, before);
    assert_eq!(haat.payment_status(&order).await, "pending");
    // Nothing but the raw rows, each refused and closed.
    let (stored, valid, closed): (i64, i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE signature_valid),
                count(*) FILTER (WHERE processed_at IS NOT NULL)
         FROM payment_webhooks",
    )
    .fetch_one(haat.db.pool())
    .await
    .unwrap();
    assert_eq!(
        (stored, valid, closed),
        (cases.len() as i64, 0, cases.len() as i64)
    );
    // Refused rows are never re-applied.
    assert_eq!(
        haat_payments::reprocess_unprocessed_webhooks(&haat.db, Duration::ZERO, 100)
            .await
            .unwrap(),
        0
    );
    assert_eq!(haat.payment_status(&order).await, "pending");

    // Secret rotation: an old signature next to the current one is accepted.
    let t = now();
    let current = sign(SECRET, t, &body);
    let old = sign("the-old-secret", t, &body);
    let header = format!(
        "t={t},v1={},v1={}",
        old.split_once("v1=").unwrap().1,
        current.split_once("v1=").unwrap().1
    );
    let reply = haat.post(&haat.webhook_url(), &body, Some(header)).await;
    assert_eq!((reply.status, reply.outcome()), (200, "paid"), "{reply:?}");
    haat.shut_down().await;
}

#[tokio::test]
async fn malformed_events_are_422_and_change_nothing() {
    let haat = Haat::start().await;
    let (_, store) = haat.store("9876543210").await;
    let order = haat.order(store).await;
    let good = json!({
        "event_id": "evt_bad", "order_ref": order.payment_ref,
        "amount_minor": TOTAL, "currency": "INR", "status": "captured",
    });
    let with = |field: &str, value: Value| {
        let mut body = good.clone();
        body[field] = value;
        serde_json::to_vec(&body).unwrap()
    };
    let without = |field: &str| {
        let mut body = good.clone();
        body.as_object_mut().unwrap().remove(field);
        serde_json::to_vec(&body).unwrap()
    };
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"{not json".to_vec(), "body"),
        (Vec::new(), "body"),
        (b"[]".to_vec(), "body"),
        (b"null".to_vec(), "body"),
        (b"\xff\xfe".to_vec(), "body"),
        (without("event_id"), "event_id"),
        (without("order_ref"), "order_ref"),
        (without("amount_minor"), "amount_minor"),
        (without("currency"), "currency"),
        (without("status"), "status"),
        (with("event_id", json!("")), "event_id"),
        (with("event_id", json!("a b")), "event_id"),
        (with("event_id", json!("nul\u{0}byte")), "event_id"),
        (with("event_id", json!("x".repeat(201))), "event_id"),
        (with("event_id", json!(42)), "event_id"),
        (with("order_ref", json!("../etc")), "order_ref"),
        (with("amount_minor", json!(-1)), "amount_minor"),
        (with("amount_minor", json!(90.5)), "amount_minor"),
        (with("amount_minor", json!("9000")), "amount_minor"),
        (with("amount_minor", json!(u64::MAX)), "amount_minor"),
        (with("currency", json!("XYZ")), "currency"),
        (with("status", json!("pending")), "status"),
        (with("status", json!("CAPTURED")), "status"),
        (with("status", Value::Null), "status"),
    ];
    for (body, field) in &cases {
        let reply = haat.deliver(body).await;
        assert_eq!(
            (
                reply.status,
                reply.code(),
                reply.body["error"]["field"].as_str()
            ),
            (422, "invalid_event", Some(*field)),
            "{}: {reply:?}",
            String::from_utf8_lossy(body)
        );
    }
    assert_eq!(haat.payment_status(&order).await, "pending");
    assert_eq!(haat.effects(&order).await, (0, 0, 0));
    let (stored, invalid): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE outcome = 'invalid_event') FROM payment_webhooks",
    )
    .fetch_one(haat.db.pool())
    .await
    .unwrap();
    assert_eq!((stored, invalid), (cases.len() as i64, cases.len() as i64));
    // The well-formed event still applies afterwards.
    let reply = haat.deliver(&serde_json::to_vec(&good).unwrap()).await;
    assert_eq!(reply.outcome(), "paid");
    haat.shut_down().await;
}

#[tokio::test]
async fn unknown_orders_providers_and_oversized_bodies_are_4xx() {
    let haat = Haat::start().await;
    let unknown = json!({
        "event_id": "evt_unknown", "order_ref": "HT000000000000000000",
        "amount_minor": TOTAL, "currency": "INR", "status": "captured",
    });
    let body = serde_json::to_vec(&unknown).unwrap();
    let reply = haat.deliver(&body).await;
    assert_eq!(
        (reply.status, reply.code()),
        (404, "unknown_order"),
        "{reply:?}"
    );
    let (outcome,): (Option<String>,) = sqlx::query_as("SELECT outcome FROM payment_webhooks")
        .fetch_one(haat.db.pool())
        .await
        .unwrap();
    assert_eq!(outcome.as_deref(), Some("unknown_order"));
    // Unknown order: nothing applied, so the same event may succeed once the order exists.
    let (applied,): (i64,) = sqlx::query_as("SELECT count(*) FROM payment_events")
        .fetch_one(haat.db.pool())
        .await
        .unwrap();
    assert_eq!(applied, 0);

    let stripe = format!("{}/api/v1/payments/webhooks/stripe", haat.base);
    let reply = haat
        .post(&stripe, &body, Some(sign(SECRET, now(), &body)))
        .await;
    assert_eq!((reply.status, reply.code()), (404, "unknown_provider"));
    let weird = format!("{}/api/v1/payments/webhooks/%FF%00", haat.base);
    let reply = haat.post(&weird, &body, None).await;
    assert!((400..500).contains(&reply.status), "{reply:?}");

    let huge = vec![b' '; 65 * 1024];
    let reply = haat
        .post(&haat.webhook_url(), &huge, Some(sign(SECRET, now(), &huge)))
        .await;
    assert_eq!((reply.status, reply.code()), (413, "body_too_large"));
    assert_eq!(
        haat.webhooks().await,
        1,
        "only haatpay deliveries with a readable body are stored"
    );
    haat.shut_down().await;
}

#[tokio::test]
async fn a_delivery_is_stored_before_it_is_applied() {
    let haat = Arc::new(Haat::start().await);
    let (_, store) = haat.store("9876543210").await;
    let order = haat.order(store).await;
    // Hold the order row, so applying has to wait behind us.
    let mut blocker = haat.db.pool().begin().await.unwrap();
    sqlx::query("SELECT 1 FROM orders WHERE id = $1 FOR UPDATE")
        .bind(order.id)
        .execute(&mut *blocker)
        .await
        .unwrap();
    let delivery = {
        let haat = haat.clone();
        let body = captured(&order, "evt_stored_first");
        tokio::spawn(async move { haat.deliver(&body).await })
    };
    // The raw row appears, committed and unprocessed, while the order is still pending.
    let mut stored = None;
    for _ in 0..200 {
        let row: Option<(Option<String>, bool)> =
            sqlx::query_as("SELECT event_id, processed_at IS NULL FROM payment_webhooks")
                .fetch_optional(haat.db.pool())
                .await
                .unwrap();
        if row.is_some() {
            stored = row;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(stored, Some((Some("evt_stored_first".to_owned()), true)));
    assert_eq!(haat.payment_status(&order).await, "pending");
    blocker.rollback().await.unwrap();
    let reply = delivery.await.unwrap();
    assert_eq!(reply.outcome(), "paid");
    let (processed,): (bool,) =
        sqlx::query_as("SELECT processed_at IS NOT NULL FROM payment_webhooks")
            .fetch_one(haat.db.pool())
            .await
            .unwrap();
    assert!(processed);
    if let Ok(haat) = Arc::try_unwrap(haat) {
        haat.shut_down().await;
    }
}

#[tokio::test]
async fn the_fake_gateway_pays_an_order_and_its_redeliveries_are_absorbed() {
    let haat = Haat::start().await;
    let (_, store) = haat.store("9876543210").await;
    let order = haat.order(store).await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let gateway = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    let haat_url: url::Url = format!("{}/", haat.base).parse().unwrap();
    let server = tokio::spawn(serve_fake_gateway(
        listener,
        FakeGatewaySettings {
            webhook_url: haat.webhook_url().parse().unwrap(),
            secret: SECRET.to_owned(),
            haat_url: Some(haat_url.clone()),
        },
        async {
            let _ = stopped.await;
        },
    ));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let paid: Value = client
        .post(format!("{gateway}/v1/payments"))
        .json(&json!({ "order_ref": order.payment_ref, "amount_minor": TOTAL, "currency": "INR" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (&paid["delivered"], &paid["response_status"]),
        (&json!(true), &json!(200)),
        "{paid}"
    );
    assert_eq!(haat.payment_status(&order).await, "paid");
    let event_id = paid["event_id"].as_str().unwrap();
    for _ in 0..2 {
        let again: Value = client
            .post(format!("{gateway}/v1/events/{event_id}/redeliver"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(again["event_id"], event_id);
        assert_eq!(again["response_status"], 200);
    }
    let outcomes: Vec<(Option<String>,)> =
        sqlx::query_as("SELECT outcome FROM payment_webhooks ORDER BY received_at, id")
            .fetch_all(haat.db.pool())
            .await
            .unwrap();
    let outcomes: Vec<Option<&str>> = outcomes.iter().map(|(o,)| o.as_deref()).collect();
    assert_eq!(
        outcomes,
        [Some("paid"), Some("duplicate"), Some("duplicate")]
    );
    assert_eq!(haat.payments(&order).await, 1);
    assert_eq!(haat.paid_transitions(&order).await, 1);
    let missing = client
        .post(format!("{gateway}/v1/events/evt_nope/redeliver"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);

    // A failed attempt through the gateway.
    let second = haat.order(store).await;
    let failed: Value = client
        .post(format!("{gateway}/v1/payments"))
        .json(&json!({ "order_ref": second.payment_ref, "amount_minor": TOTAL, "currency": "INR", "status": "failed" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(failed["delivered"], true);
    assert_eq!(haat.payment_status(&second).await, "pending");

    // The shopper's pay page, and its button: captures, then back to Haat.
    let page = client
        .get(format!("{gateway}/pay"))
        .query(&[
            ("order_ref", second.payment_ref.as_str()),
            ("amount_minor", "9000"),
            ("currency", "INR"),
            ("return_to", "https://evil.example/\"><script>"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("HaatPay test gateway — Pay ₹90"), "{html}");
    assert!(!html.contains("<script>"));
    let return_to = format!("{}o/abc", haat_url);
    let redirect = client
        .post(format!("{gateway}/pay"))
        .form(&[
            ("order_ref", second.payment_ref.as_str()),
            ("amount_minor", "9000"),
            ("currency", "INR"),
            ("return_to", return_to.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(redirect.status(), 303);
    assert_eq!(redirect.headers()["location"], return_to.as_str());
    assert_eq!(haat.payment_status(&second).await, "paid");
    // Elsewhere is never a redirect target.
    let third = haat.order(store).await;
    let stay = client
        .post(format!("{gateway}/pay"))
        .form(&[
            ("order_ref", third.payment_ref.as_str()),
            ("amount_minor", "9000"),
            ("currency", "INR"),
            ("return_to", "https://evil.example/o/abc"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(stay.status(), 200);
    assert_eq!(haat.payment_status(&third).await, "paid");
    let bad = client
        .get(format!(
            "{gateway}/pay?order_ref=x&amount_minor=-5&currency=INR"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);

    let _ = stop.send(());
    server.await.unwrap().unwrap();
    haat.shut_down().await;
}

#[tokio::test]
async fn a_seller_marks_an_order_paid_by_hand_once() {
    let haat = Haat::start().await;
    let (seller, store) = haat.store("9876543210").await;
    let (_, other_store) = haat.store("9876543211").await;
    let order = haat.order(store).await;
    let order_id = OrderId::from_uuid(order.id);

    // Another store's order does not exist for this store.
    assert!(matches!(
        haat.db
            .mark_order_paid_by_seller(other_store, order_id, seller)
            .await,
        Err(DbError::NotFound)
    ));
    haat.db
        .mark_order_paid_by_seller(store, order_id, seller)
        .await
        .unwrap();
    assert_eq!(haat.payment_status(&order).await, "paid");
    let payments = haat.db.payments_of_order(store, order_id).await.unwrap();
    let who = format!("seller:{seller}");
    assert_eq!(payments.len(), 1);
    assert_eq!(
        (
            payments[0].provider.as_str(),
            payments[0].status.as_str(),
            payments[0].amount_minor,
            payments[0].recorded_by.as_str()
        ),
        ("manual", "captured", TOTAL, who.as_str())
    );
    let (actor, from, paid_at_set): (String, Option<String>, bool) = sqlx::query_as(
        "SELECT e.actor, e.from_state, o.paid_at IS NOT NULL
         FROM order_events e JOIN orders o ON o.id = e.order_id
         WHERE e.order_id = $1 AND e.to_state = 'paid'",
    )
    .bind(order.id)
    .fetch_one(haat.db.pool())
    .await
    .unwrap();
    assert_eq!(
        (actor.as_str(), from.as_deref(), paid_at_set),
        (who.as_str(), Some("pending"), true)
    );
    assert!(haat
        .db
        .payments_of_order(other_store, order_id)
        .await
        .unwrap()
        .is_empty());

    // Twice: a conflict, nothing added.
    match haat
        .db
        .mark_order_paid_by_seller(store, order_id, seller)
        .await
    {
        Err(DbError::Conflict(code, _)) => assert_eq!(code, "already_paid"),
        other => panic!("expected already_paid, got {other:?}"),
    }
    // The gateway's capture arriving afterwards: recorded, but no second paid transition.
    let reply = haat.deliver(&captured(&order, "evt_after_cash")).await;
    assert_eq!(reply.outcome(), "already_paid");
    assert_eq!(haat.paid_transitions(&order).await, 1);
    assert_eq!(haat.payments(&order).await, 2, "one record per provider");

    // Cancelled or refunded orders cannot be marked paid.
    let cancelled = haat.order(store).await;
    sqlx::query("UPDATE orders SET status = 'cancelled' WHERE id = $1")
        .bind(cancelled.id)
        .execute(haat.db.pool())
        .await
        .unwrap();
    assert!(matches!(
        haat.db
            .mark_order_paid_by_seller(store, OrderId::from_uuid(cancelled.id), seller)
            .await,
        Err(DbError::Conflict(_, _))
    ));
    // The gateway's capture for the cancelled order: flagged for a refund, never paid.
    let reply = haat
        .deliver(&captured(&cancelled, "evt_after_cancel"))
        .await;
    assert_eq!(reply.outcome(), "flagged");
    assert_eq!(haat.payment_status(&cancelled).await, "flagged");
    let (detail,): (String,) = sqlx::query_as(
        "SELECT detail FROM order_events WHERE order_id = $1 AND to_state = 'flagged'",
    )
    .bind(cancelled.id)
    .fetch_one(haat.db.pool())
    .await
    .unwrap();
    assert!(detail.contains("after the order was cancelled"), "{detail}");
    let refunded = haat.order(store).await;
    haat.deliver(&event(&refunded, "evt_refund", "refunded", TOTAL, "INR"))
        .await;
    assert!(matches!(
        haat.db
            .mark_order_paid_by_seller(store, OrderId::from_uuid(refunded.id), seller)
            .await,
        Err(DbError::Conflict(_, _))
    ));
    assert_eq!(haat.paid_transitions(&cancelled).await, 0);
    assert_eq!(haat.paid_transitions(&refunded).await, 0);
    assert_eq!(
        haat.db
            .mark_order_paid_by_seller(store, OrderId::from_uuid(Uuid::now_v7()), seller)
            .await
            .map_err(|e| e.to_string()),
        Err("not found".to_owned())
    );
    haat.shut_down().await;
}

#[tokio::test]
async fn stored_but_unapplied_webhooks_are_applied_by_reprocessing() {
    let haat = Haat::start().await;
    let (_, store) = haat.store("9876543210").await;
    let order = haat.order(store).await;
    // As if the process died right after storing each delivery.
    let stored = |body: Vec<u8>, valid: bool| {
        let db = haat.db.clone();
        async move {
            sqlx::query(
                "INSERT INTO payment_webhooks (id, provider, signature_valid, body, received_at)
                 VALUES ($1, 'haatpay', $2, $3, now() - interval '5 minutes')",
            )
            .bind(Uuid::now_v7())
            .bind(valid)
            .bind(body)
            .execute(db.pool())
            .await
            .unwrap();
        }
    };
    stored(captured(&order, "evt_crash"), true).await;
    stored(b"{broken".to_vec(), true).await;
    stored(captured(&order, "evt_forged"), false).await;
    // A fresh one may still be in flight on another process: left alone.
    let applied =
        haat_payments::reprocess_unprocessed_webhooks(&haat.db, Duration::from_secs(600), 10)
            .await
            .unwrap();
    assert_eq!(applied, 0);
    assert_eq!(haat.payment_status(&order).await, "pending");

    let applied = haat_payments::reprocess(&haat.db, Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(applied, 1);
    assert_eq!(haat.payment_status(&order).await, "paid");
    assert_eq!(haat.paid_transitions(&order).await, 1);
    let outcomes: Vec<(bool, Option<String>)> =
        sqlx::query_as("SELECT signature_valid, outcome FROM payment_webhooks ORDER BY id")
            .fetch_all(haat.db.pool())
            .await
            .unwrap();
    assert_eq!(
        outcomes,
        [
            (true, Some("paid".to_owned())),
            (true, Some("invalid_event".to_owned())),
            (false, None),
        ]
    );
    assert_eq!(
        haat_payments::reprocess(&haat.db, Duration::from_secs(60))
            .await
            .unwrap(),
        0
    );
    // The gateway's own retry of the same event, arriving later: a duplicate.
    let reply = haat.deliver(&captured(&order, "evt_crash")).await;
    assert_eq!(reply.outcome(), "duplicate");

    // Retention: settled deliveries past the window go; a valid one never applied stays
    // (for repair and for an operator), and so does the dedupe record, so the gateway
    // retrying after the raw body is gone is still a duplicate.
    stored(captured(&order, "evt_stuck"), true).await;
    sqlx::query("UPDATE payment_webhooks SET received_at = now() - interval '200 days'")
        .execute(haat.db.pool())
        .await
        .unwrap();
    let window = Duration::from_secs(180 * 24 * 3600);
    let deleted = haat.db.delete_settled_webhooks(window, 2).await.unwrap();
    assert_eq!(deleted, 2, "bounded by the limit");
    let deleted = haat.db.delete_settled_webhooks(window, 100).await.unwrap();
    assert_eq!(deleted, 2);
    let left: Vec<(Option<String>,)> = sqlx::query_as("SELECT outcome FROM payment_webhooks")
        .fetch_all(haat.db.pool())
        .await
        .unwrap();
    assert_eq!(left, [(None,)], "only the unapplied valid delivery is kept");
    let reply = haat.deliver(&captured(&order, "evt_crash")).await;
    assert_eq!(reply.outcome(), "duplicate");
    assert_eq!(haat.paid_transitions(&order).await, 1);
    haat.shut_down().await;
}
