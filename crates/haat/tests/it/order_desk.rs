//! The seller's order desk over HTTP: list, filter, search, detail, the state machine,
//! mark paid, invoice, CSV export, discount codes, checkout settings, and isolation.

use crate::support;

use serde_json::{json, Value};
use support::*;

/// A seller with a store, a product and `n` placed orders: (token, store, product id).
async fn desk(app: &TestApp, names: &[&str]) -> (String, Value, String) {
    let (token, store) = app.seller_with_store("Desk Dhaba").await;
    let store_id = store["id"].as_str().unwrap();
    let product = app
        .create_product(
            &token,
            store_id,
            json!({ "name": "Thali", "price": "150", "stock": 50 }),
        )
        .await;
    let product_id = product["id"].as_str().unwrap().to_owned();
    for (i, name) in names.iter().enumerate() {
        let reply = app
            .client
            .post(app.url(&format!(
                "/api/v1/storefront/{}/orders",
                store["slug"].as_str().unwrap()
            )))
            .header("Idempotency-Key", format!("desk-{i}"))
            .json(&json!({
                "items": [{ "product_id": product_id, "quantity": 2 }],
                "customer": { "name": name, "phone": "9876543210", "address": "1 Main Road" },
                "payment_method": "cod"
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 201);
    }
    (token, store, product_id)
}

#[tokio::test]
async fn the_desk_lists_filters_and_moves_orders() {
    let app = TestApp::spawn().await;
    let (token, store, product) = desk(&app, &["Asha", "Ravi", "Meena"]).await;
    let id = store["id"].as_str().unwrap();
    let base = format!("/api/v1/stores/{id}/orders");
    let (status, list) = app.get_json(&base, Some(&token)).await;
    assert_eq!(status, 200, "{list}");
    let numbers: Vec<i64> = list["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["number"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, vec![1003, 1002, 1001], "newest first");
    let (_, page) = app.get_json(&format!("{base}?limit=2"), Some(&token)).await;
    let next = page["next"].as_str().unwrap();
    let (_, rest) = app
        .get_json(&format!("{base}?limit=2&before={next}"), Some(&token))
        .await;
    assert_eq!(rest["orders"][0]["number"], 1001);
    let (_, found) = app
        .get_json(&format!("{base}?q=%231002"), Some(&token))
        .await;
    assert_eq!(found["orders"].as_array().unwrap().len(), 1);
    let (_, found) = app.get_json(&format!("{base}?q=mee"), Some(&token)).await;
    assert_eq!(found["orders"][0]["customer_name"], "Meena");
    let (status, bad) = app
        .get_json(&format!("{base}?status=lost"), Some(&token))
        .await;
    assert_eq!(status, 422, "{bad}");

    let order = list["orders"][2]["id"].as_str().unwrap().to_owned();
    let path = format!("{base}/{order}");
    let (status, detail) = app.get_json(&path, Some(&token)).await;
    assert_eq!(status, 200);
    assert_eq!(detail["next_statuses"], json!(["accepted", "cancelled"]));
    assert!(detail["whatsapp_url"]
        .as_str()
        .unwrap()
        .starts_with("https://wa.me/919876543210?text="));
    let moves = format!("{path}/transitions");
    let step = |body: Value| app.post_json(&moves, Some(&token), body);
    let (status, body) = step(json!({ "status": "delivered" })).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("invalid_transition"))
    );
    assert_eq!(step(json!({ "status": "accepted" })).await.0, 200);
    let (status, body) =
        step(json!({ "status": "shipped", "shipping_provider": "delhivery" })).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("tracking_id")),
        "{body}"
    );
    let (status, body) = step(
        json!({ "status": "shipped", "shipping_provider": "delhivery", "tracking_id": "DL99" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["tracking_url"],
        "https://www.delhivery.com/track/package/DL99"
    );
    let (status, _) = step(json!({ "status": "cancelled" })).await;
    assert_eq!(status, 409, "a shipped order cannot be cancelled");
    assert_eq!(step(json!({ "status": "delivered" })).await.0, 200);

    // Cash received, once.
    let (status, paid) = app
        .post_json(&format!("{path}/mark-paid"), Some(&token), json!({}))
        .await;
    assert_eq!(status, 200, "{paid}");
    assert_eq!(paid["payment_status"], "paid");
    assert_eq!(paid["payments"][0]["provider"], "manual");
    let (status, again) = app
        .post_json(&format!("{path}/mark-paid"), Some(&token), json!({}))
        .await;
    assert_eq!(
        (status, again["error"]["code"].as_str()),
        (409, Some("already_paid"))
    );

    // Cancelling another order puts its stock back.
    let other = list["orders"][0]["id"].as_str().unwrap();
    let (status, _) = app
        .post_json(
            &format!("{base}/{other}/transitions"),
            Some(&token),
            json!({ "status": "cancelled", "reason": "out of gas" }),
        )
        .await;
    assert_eq!(status, 200);
    let (_, product) = app
        .get_json(
            &format!("/api/v1/stores/{id}/products/{product}"),
            Some(&token),
        )
        .await;
    assert_eq!(product["stock"], 46, "50 - 3×2 + 2");

    // Invoice and CSV.
    let pdf = app
        .client
        .get(app.url(&format!("{path}/invoice.pdf")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), 200);
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF-"));
    let today = time::OffsetDateTime::now_utc().date();
    let csv = app
        .client
        .get(app.url(&format!(
            "/api/v1/stores/{id}/orders.csv?from={}&to={}",
            today.previous_day().unwrap(),
            today.next_day().unwrap()
        )))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    let text = csv.text().await.unwrap();
    assert_eq!(text.lines().count(), 4, "{text}");
    assert!(text
        .lines()
        .next()
        .unwrap()
        .starts_with("number,created_at,status"));
    for query in [
        "from=2026-01-01&to=2025-01-01",
        "from=2024-01-01&to=2026-01-01",
        "from=yesterday&to=2026-01-01",
        "",
    ] {
        let (status, body) = app
            .get_json(
                &format!("/api/v1/stores/{id}/orders.csv?{query}"),
                Some(&token),
            )
            .await;
        assert_eq!(status, 422, "{query}: {body}");
    }
}

#[tokio::test]
async fn csv_cells_cannot_become_formulas() {
    let app = TestApp::spawn().await;
    let (token, store, _) = desk(&app, &["=HYPERLINK(\"http://evil\")"]).await;
    let id = store["id"].as_str().unwrap();
    let today = time::OffsetDateTime::now_utc().date();
    let text = app
        .client
        .get(app.url(&format!(
            "/api/v1/stores/{id}/orders.csv?from={today}&to={}",
            today.next_day().unwrap()
        )))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("'=HYPERLINK"), "{text}");
}

#[tokio::test]
async fn checkout_settings_and_discount_codes_are_validated() {
    let app = TestApp::spawn().await;
    let (token, store, product) = desk(&app, &[]).await;
    let id = store["id"].as_str().unwrap();
    let store_path = format!("/api/v1/stores/{id}");
    let patch = |body: Value| {
        app.send(
            reqwest::Method::PATCH,
            &store_path,
            Some(&token),
            Some(body),
        )
    };
    for (body, field) in [
        (json!({ "upi_id": "not an id" }), "upi_id"),
        (json!({ "gstin": "27AAPFU0939F1ZW" }), "gstin"),
        (json!({ "delivery_fee": "-5" }), "delivery_fee"),
        (json!({ "tax_rate_percent": "101" }), "tax_rate_percent"),
    ] {
        let (status, reply) = patch(body).await;
        assert_eq!(
            (status, reply["error"]["field"].as_str()),
            (422, Some(field)),
            "{reply}"
        );
    }
    let (status, saved) = patch(json!({ "upi_id": "desk@okaxis", "delivery_fee": "30", "gstin": "27AAPFU0939F1ZV", "tax_rate_percent": "5" })).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["checkout"]["upi_id"], "desk@okaxis");
    assert_eq!(saved["checkout"]["tax_rate_bps"], 500);

    let discounts = format!("/api/v1/stores/{id}/discounts");
    for (body, field) in [
        (
            json!({ "code": "X", "kind": "percent", "value": 10 }),
            "code",
        ),
        (
            json!({ "code": "OK10", "kind": "bogus", "value": 10 }),
            "kind",
        ),
        (
            json!({ "code": "OK10", "kind": "percent", "value": 0 }),
            "value",
        ),
        (
            json!({ "code": "OK10", "kind": "percent", "value": 101 }),
            "value",
        ),
        (
            json!({ "code": "OK10", "kind": "fixed", "value": "-1" }),
            "value",
        ),
        (
            json!({ "code": "OK10", "kind": "percent", "value": 10, "starts_at": "2026-12-01T00:00:00Z", "ends_at": "2026-11-01T00:00:00Z" }),
            "ends_at",
        ),
        (
            json!({ "code": "OK10", "kind": "percent", "value": 10, "max_uses": 0 }),
            "max_uses",
        ),
    ] {
        let (status, reply) = app.post_json(&discounts, Some(&token), body).await;
        assert_eq!(
            (status, reply["error"]["field"].as_str()),
            (422, Some(field)),
            "{reply}"
        );
    }
    let (status, code) = app
        .post_json(
            &discounts,
            Some(&token),
            json!({ "code": "Thali20", "kind": "fixed", "value": "20", "min_order": "100" }),
        )
        .await;
    assert_eq!(status, 201, "{code}");
    let (status, _) = app
        .post_json(
            &discounts,
            Some(&token),
            json!({ "code": "THALI20", "kind": "percent", "value": 5 }),
        )
        .await;
    assert_eq!(status, 409, "codes are unique ignoring case");
    // A shopper uses it.
    let reply = app
        .client
        .post(app.url(&format!(
            "/api/v1/storefront/{}/orders",
            store["slug"].as_str().unwrap()
        )))
        .header("Idempotency-Key", "with-code")
        .json(&json!({
            "items": [{ "product_id": product, "quantity": 1 }],
            "customer": { "name": "Asha", "phone": "9876543210", "address": "1 Main Road" },
            "payment_method": "upi", "discount_code": "thali20"
        }))
        .send()
        .await
        .unwrap();
    let (status, order) = into_json(reply).await;
    assert_eq!(status, 201, "{order}");
    assert_eq!(order["total_minor"], 15_000 - 2_000 + 3_000);
    assert!(order["upi_uri"]
        .as_str()
        .unwrap()
        .contains("pa=desk@okaxis"));
    let (_, list) = app.get_json(&discounts, Some(&token)).await;
    assert_eq!(list[0]["uses"], 1);
    let code_id = code["id"].as_str().unwrap();
    let (status, off) = app
        .send(
            reqwest::Method::PATCH,
            &format!("{discounts}/{code_id}"),
            Some(&token),
            Some(json!({ "active": false })),
        )
        .await;
    assert_eq!((status, off["active"].as_bool()), (200, Some(false)));
}

#[tokio::test]
async fn another_seller_reaches_none_of_it() {
    let app = TestApp::spawn().await;
    let (_, store, _) = desk(&app, &["Asha"]).await;
    let (owner_token, _) = (app.login(&random_phone()).await, ());
    let _ = owner_token;
    let (intruder, _) = app.seller_with_store("Other Shop").await;
    let id = store["id"].as_str().unwrap();
    let (order_id,): (uuid::Uuid,) = sqlx::query_as("SELECT id FROM orders LIMIT 1")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let (code_id,): (uuid::Uuid,) = sqlx::query_as(
        "INSERT INTO discounts (id, store_id, code, code_key, kind, value) VALUES (gen_random_uuid(), $1::uuid, 'A10', 'A10', 'percent', 10) RETURNING id",
    )
    .bind(id)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    let routes: Vec<(reqwest::Method, String, Option<Value>)> = vec![
        (
            reqwest::Method::GET,
            format!("/api/v1/stores/{id}/orders"),
            None,
        ),
        (
            reqwest::Method::GET,
            format!("/api/v1/stores/{id}/orders.csv?from=2026-01-01&to=2026-12-31"),
            None,
        ),
        (
            reqwest::Method::GET,
            format!("/api/v1/stores/{id}/orders/{order_id}"),
            None,
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/stores/{id}/orders/{order_id}/transitions"),
            Some(json!({ "status": "accepted" })),
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/stores/{id}/orders/{order_id}/mark-paid"),
            Some(json!({})),
        ),
        (
            reqwest::Method::GET,
            format!("/api/v1/stores/{id}/orders/{order_id}/invoice.pdf"),
            None,
        ),
        (
            reqwest::Method::GET,
            format!("/api/v1/stores/{id}/discounts"),
            None,
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/stores/{id}/discounts"),
            Some(json!({ "code": "MINE", "kind": "percent", "value": 5 })),
        ),
        (
            reqwest::Method::PATCH,
            format!("/api/v1/stores/{id}/discounts/{code_id}"),
            Some(json!({ "active": false })),
        ),
        (
            reqwest::Method::DELETE,
            format!("/api/v1/stores/{id}/discounts/{code_id}"),
            None,
        ),
        (
            reqwest::Method::PATCH,
            format!("/api/v1/stores/{id}"),
            Some(json!({ "upi_id": "thief@ybl" })),
        ),
    ];
    for (method, path, body) in routes {
        let (status, reply) = app.send(method.clone(), &path, Some(&intruder), body).await;
        assert_eq!(status, 404, "{method} {path}: {reply}");
    }
    let (status, state, payment, discounts, upi): (i64, String, String, i64, Option<String>) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM orders), o.status, o.payment_status,
                (SELECT count(*) FROM discounts WHERE active), (SELECT upi_id FROM stores WHERE id = $1::uuid)
         FROM orders o LIMIT 1",
    )
    .bind(id)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(
        (status, state.as_str(), payment.as_str(), discounts, upi),
        (1, "placed", "pending", 1, None)
    );
}
