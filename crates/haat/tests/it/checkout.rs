//! The shopper's side over real HTTP: the order API (idempotency, bad input, stock under
//! concurrency), the cart and checkout forms with cookies, the status page and invoice.

use crate::support;

use std::sync::Arc;

use serde_json::{json, Value};
use support::*;

/// A store with products: (seller token, store json, [product ids]).
async fn shop(
    app: &TestApp,
    products: &[(&str, &str, Option<i64>)],
) -> (String, Value, Vec<String>) {
    let (token, store) = app.seller_with_store("Asha's Kitchen").await;
    let store_id = store["id"].as_str().unwrap().to_owned();
    let mut ids = Vec::new();
    for (name, price, stock) in products {
        let mut body = json!({ "name": name, "price": price });
        if let Some(stock) = stock {
            body["stock"] = json!(stock);
        }
        let product = app.create_product(&token, &store_id, body).await;
        ids.push(product["id"].as_str().unwrap().to_owned());
    }
    (token, store, ids)
}

fn slug(store: &Value) -> &str {
    store["slug"].as_str().unwrap()
}

fn order_body(items: &[(&str, i64)]) -> Value {
    json!({
        "items": items.iter().map(|(id, q)| json!({ "product_id": id, "quantity": q })).collect::<Vec<_>>(),
        "customer": { "name": "Ravi Kumar", "phone": "98765 43210", "address": "12 MG Road, Pune 411001" },
        "payment_method": "cod"
    })
}

async fn place(app: &TestApp, slug: &str, key: Option<&str>, body: &Value) -> Reply {
    let mut request = app
        .client
        .post(app.url(&format!("/api/v1/storefront/{slug}/orders")))
        .json(body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    Reply::from(request.send().await.unwrap()).await
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let (count,): (i64,) = sqlx::query_as(sql).fetch_one(app.db.pool()).await.unwrap();
    count
}

async fn stock_of(app: &TestApp, product: &str) -> Option<i32> {
    let (stock,): (Option<i32>,) = sqlx::query_as("SELECT stock FROM products WHERE id = $1::uuid")
        .bind(product)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    stock
}

#[tokio::test]
async fn an_order_is_placed_once_per_key() {
    let app = TestApp::spawn().await;
    let (_, store, ids) = shop(
        &app,
        &[
            ("Masala chai", "45", Some(10)),
            ("Plum cake", "250.50", None),
        ],
    )
    .await;
    let body = order_body(&[(&ids[0], 2), (&ids[1], 1)]);
    let first = place(&app, slug(&store), Some("attempt-1"), &body).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let order = &first.body;
    assert_eq!(order["number"], 1001);
    assert_eq!(order["display_number"], "#1001");
    assert_eq!(order["status"], "placed");
    assert_eq!(order["payment_status"], "pending");
    assert_eq!(order["payment_method"], "cod");
    assert_eq!(order["total_minor"], 34_050);
    assert_eq!(order["currency"], "INR");
    assert_eq!(order["token"].as_str().unwrap().len(), 32);
    assert!(order["payment_ref"].as_str().unwrap().starts_with("HT"));
    assert!(order["upi_uri"].is_null());
    assert_eq!(stock_of(&app, &ids[0]).await, Some(8));

    // The same key and body: the first order, not a second one.
    let again = place(&app, slug(&store), Some("attempt-1"), &body).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body["id"], order["id"]);
    assert_eq!(stock_of(&app, &ids[0]).await, Some(8));
    // The same key with another body is refused.
    let other = place(
        &app,
        slug(&store),
        Some("attempt-1"),
        &order_body(&[(&ids[0], 1)]),
    )
    .await;
    assert_eq!(other.status, 422, "{}", other.body);
    assert_eq!(other.code(), "idempotency_key_reused");
    // No key at all.
    let keyless = place(&app, slug(&store), None, &body).await;
    assert_eq!(keyless.status, 400);
    assert_eq!(keyless.code(), "idempotency_key_required");
    assert_eq!(count(&app, "SELECT count(*) FROM orders").await, 1);

    // The shopper reads it back by token, only under its own store.
    let token = order["token"].as_str().unwrap();
    let (status, read) = app
        .get_json(
            &format!("/api/v1/storefront/{}/orders/{token}", slug(&store)),
            None,
        )
        .await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(read["items"].as_array().unwrap().len(), 2);
    assert_eq!(read["history"][0]["to"], "placed");
    assert!(read["payments"].as_array().unwrap().is_empty());
    let (_, other_store, _) = shop(&app, &[]).await;
    for path in [
        format!("/api/v1/storefront/{}/orders/{token}", slug(&other_store)),
        format!(
            "/api/v1/storefront/{}/orders/{}",
            slug(&store),
            "0".repeat(32)
        ),
        format!("/api/v1/storefront/{}/orders/not-a-token", slug(&store)),
        format!("/api/v1/storefront/no-such-store/orders/{token}"),
    ] {
        let (status, body) = app.get_json(&path, None).await;
        assert_eq!(status, 404, "{path}: {body}");
    }
    let (status, _) = app
        .get_text(&format!("/{}/o/{token}", slug(&other_store)))
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn bad_orders_get_a_precise_error_and_change_nothing() {
    let app = TestApp::spawn().await;
    let (token, store, ids) = shop(
        &app,
        &[("Masala chai", "45", Some(3)), ("Hidden", "10", Some(5))],
    )
    .await;
    let store_id = store["id"].as_str().unwrap();
    let (status, _) = app
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/stores/{store_id}/products/{}", ids[1]),
            Some(&token),
            Some(json!({ "active": false })),
        )
        .await;
    assert_eq!(status, 200);
    let (_, foreign, foreign_ids) = shop(&app, &[("Someone else's", "5", None)]).await;
    let _ = foreign;
    let chai = ids[0].as_str();
    let with = |patch: fn(&mut Value)| {
        let mut body = order_body(&[(chai, 1)]);
        patch(&mut body);
        body
    };
    let cases: Vec<(Value, u16, &str, Option<&str>)> = vec![
        (order_body(&[]), 422, "empty_order", Some("items")),
        (
            order_body(&[(&uuid::Uuid::now_v7().to_string(), 1)]),
            422,
            "unknown_product",
            Some("items"),
        ),
        (
            order_body(&[(&foreign_ids[0], 1)]),
            422,
            "unknown_product",
            Some("items"),
        ),
        (
            order_body(&[(&ids[1], 1)]),
            422,
            "product_unavailable",
            Some("items"),
        ),
        (
            order_body(&[("not-a-uuid", 1)]),
            422,
            "invalid_id",
            Some("items[0].product_id"),
        ),
        (
            order_body(&[(chai, 0)]),
            422,
            "invalid_quantity",
            Some("items[0].quantity"),
        ),
        (
            order_body(&[(chai, -2)]),
            422,
            "invalid_quantity",
            Some("items[0].quantity"),
        ),
        (
            order_body(&[(chai, 1000)]),
            422,
            "invalid_quantity",
            Some("items[0].quantity"),
        ),
        (
            with(|b| b["items"][0]["quantity"] = json!(1.5)),
            422,
            "invalid_quantity",
            Some("items[0].quantity"),
        ),
        (
            with(|b| b["items"][0]["quantity"] = json!("2")),
            422,
            "invalid_quantity",
            Some("items[0].quantity"),
        ),
        (
            with(|b| b["items"][0]["quantity"] = json!(1e30)),
            422,
            "invalid_quantity",
            Some("items[0].quantity"),
        ),
        (order_body(&[(chai, 4)]), 409, "out_of_stock", Some("items")),
        (
            order_body(&[(chai, 2), (chai, 2)]),
            409,
            "out_of_stock",
            Some("items"),
        ),
        (
            with(|b| b["items"][0]["unit_price_minor"] = json!(1)),
            409,
            "price_changed",
            Some("items"),
        ),
        (
            with(|b| b["expected_total_minor"] = json!(1)),
            409,
            "total_changed",
            Some("expected_total_minor"),
        ),
        (
            with(|b| b["currency"] = json!("USD")),
            422,
            "currency_mismatch",
            Some("currency"),
        ),
        (
            with(|b| b["customer"]["phone"] = json!("12345")),
            422,
            "invalid_phone",
            Some("customer.phone"),
        ),
        (
            with(|b| b["customer"]["name"] = json!("   ")),
            422,
            "invalid_name",
            Some("customer.name"),
        ),
        (
            with(|b| b["customer"]["address"] = json!("")),
            422,
            "invalid_address",
            Some("customer.address"),
        ),
        (
            with(|b| b["payment_method"] = json!("card")),
            422,
            "invalid_status",
            Some("payment_method"),
        ),
        (
            with(|b| b["payment_method"] = json!("upi")),
            422,
            "upi_not_offered",
            Some("payment_method"),
        ),
        (
            with(|b| b["discount_code"] = json!("NOPE")),
            422,
            "unknown_discount",
            Some("discount_code"),
        ),
        (
            with(|b| b["discount_code"] = json!("no spaces!")),
            422,
            "invalid_discount",
            Some("discount_code"),
        ),
        (
            with(|b| b["note"] = json!("x".repeat(501))),
            422,
            "invalid_note",
            Some("note"),
        ),
    ];
    for (index, (body, status, code, field)) in cases.into_iter().enumerate() {
        let reply = place(&app, slug(&store), Some(&format!("bad-{index}")), &body).await;
        assert_eq!(reply.status, status, "case {index}: {}", reply.body);
        reply.assert_error_shape();
        assert_eq!(reply.code(), code, "case {index}: {}", reply.body);
        assert_eq!(reply.field(), field, "case {index}: {}", reply.body);
    }
    // Malformed JSON is a 4xx too.
    let reply = app
        .raw(
            reqwest::Method::POST,
            &format!("/api/v1/storefront/{}/orders", slug(&store)),
            None,
            Some("application/json"),
            Some(b"{\"items\": [".to_vec()),
        )
        .await;
    assert!((400..500).contains(&reply.status), "{}", reply.body);
    for table in [
        "orders",
        "order_items",
        "order_requests",
        "jobs",
        "discount_uses",
    ] {
        assert_eq!(
            count(&app, &format!("SELECT count(*) FROM {table}")).await,
            0,
            "{table}"
        );
    }
    assert_eq!(stock_of(&app, chai).await, Some(3));
}

#[tokio::test]
async fn two_hundred_concurrent_checkouts_sell_exactly_the_ten_in_stock() {
    let app = Arc::new(TestApp::spawn().await);
    let (_, store, ids) = shop(&app, &[("Flash sale kurta", "499", Some(10))]).await;
    let slug = slug(&store).to_owned();
    let attempts = (0..200).map(|i| {
        let app = app.clone();
        let slug = slug.clone();
        let body = order_body(&[(&ids[0], 1)]);
        tokio::spawn(async move { place(&app, &slug, Some(&format!("shopper-{i}")), &body).await })
    });
    let mut placed = 0;
    let mut sold_out = 0;
    for reply in futures::future::join_all(attempts).await {
        let reply = reply.unwrap();
        match reply.status {
            201 => placed += 1,
            409 => {
                assert_eq!(reply.code(), "out_of_stock", "{}", reply.body);
                sold_out += 1;
            }
            other => panic!("unexpected {other}: {}", reply.body),
        }
    }
    assert_eq!((placed, sold_out), (10, 190));
    assert_eq!(stock_of(&app, &ids[0]).await, Some(0));
    assert_eq!(count(&app, "SELECT count(*) FROM orders").await, 10);
    assert_eq!(
        count(&app, "SELECT max(number) - min(number) + 1 FROM orders").await,
        10
    );
}

/// The HTML flow with a cookie jar, as a browser with JavaScript off would do it.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Every `name="…" value="…"` hidden input of a form, in order.
fn hidden_inputs(html: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    for piece in html.split("<input type=\"hidden\" ").skip(1) {
        let attr = |name: &str| {
            let start = piece.find(&format!("{name}=\""))? + name.len() + 2;
            let end = piece[start..].find('"')? + start;
            Some(piece[start..end].to_owned())
        };
        if let (Some(name), Some(value)) = (attr("name"), attr("value")) {
            fields.push((name, value));
        }
    }
    fields
}

#[tokio::test]
async fn the_cart_and_checkout_forms_work_without_javascript() {
    let app = TestApp::spawn().await;
    let (_, store, ids) = shop(
        &app,
        &[("Masala chai", "45", Some(10)), ("Samosa", "20", None)],
    )
    .await;
    let slug = slug(&store);
    let shopper = browser();
    let post =
        |path: String, form: Vec<(String, String)>| shopper.post(app.url(&path)).form(&form).send();
    let added = post(
        format!("/{slug}/cart"),
        vec![("product_id".into(), ids[0].clone())],
    )
    .await
    .unwrap();
    assert_eq!(added.status(), 303);
    assert!(added.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("HttpOnly"));
    post(
        format!("/{slug}/cart"),
        vec![
            ("product_id".into(), ids[1].clone()),
            ("quantity".into(), "3".into()),
        ],
    )
    .await
    .unwrap();
    // Change the chai to 2, then remove the samosas.
    post(
        format!("/{slug}/cart/{}", ids[0]),
        vec![("quantity".into(), "2".into())],
    )
    .await
    .unwrap();
    let page = shopper
        .get(app.url(&format!("/{slug}/cart")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Masala chai") && page.contains("Samosa"),
        "{page}"
    );
    assert!(page.contains("₹150"), "{page}");
    post(
        format!("/{slug}/cart/{}", ids[1]),
        vec![("action".into(), "remove".into())],
    )
    .await
    .unwrap();
    let page = shopper
        .get(app.url(&format!("/{slug}/cart")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("Samosa"), "{page}");
    // The cart JSON agrees.
    let cart: Value = shopper
        .get(app.url(&format!("/api/v1/storefront/{slug}/cart")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(cart["count"], 2);

    // A bad phone re-renders the form with the message and what was typed.
    let mut form = hidden_inputs(&page);
    form.extend([
        ("name".to_owned(), "Ravi".to_owned()),
        ("phone".to_owned(), "123".to_owned()),
        ("fulfilment".to_owned(), "delivery".to_owned()),
        ("address".to_owned(), "12 MG Road".to_owned()),
        ("payment_method".to_owned(), "cod".to_owned()),
    ]);
    let refused = post(format!("/{slug}/checkout"), form.clone())
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    let html = refused.text().await.unwrap();
    assert!(html.contains("class=\"alert\""), "{html}");
    assert!(html.contains("value=\"Ravi\""), "{html}");
    assert_eq!(count(&app, "SELECT count(*) FROM orders").await, 0);

    // Fixed and submitted twice (a double tap): one order, the same page both times.
    for field in form.iter_mut() {
        if field.0 == "phone" {
            field.1 = "9876543210".into();
        }
    }
    let first = post(format!("/{slug}/checkout"), form.clone())
        .await
        .unwrap();
    assert_eq!(first.status(), 303);
    let location = first.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(&format!("/{slug}/o/")), "{location}");
    let second = post(format!("/{slug}/checkout"), form).await.unwrap();
    assert_eq!(second.headers()["location"].to_str().unwrap(), location);
    assert_eq!(count(&app, "SELECT count(*) FROM orders").await, 1);
    assert_eq!(stock_of(&app, &ids[0]).await, Some(8));
    // The cart was emptied by the order.
    let cart: Value = shopper
        .get(app.url(&format!("/api/v1/storefront/{slug}/cart")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(cart["count"], 0);

    let status = shopper.get(app.url(&location)).send().await.unwrap();
    assert_eq!(status.status(), 200);
    assert_eq!(status.headers()["cache-control"], "no-store");
    let html = status.text().await.unwrap();
    assert!(
        html.contains("Order #1001") && html.contains("Cash on delivery"),
        "{html}"
    );
    let path = location.split('?').next().unwrap();
    let pdf = shopper
        .get(app.url(&format!("{path}/invoice.pdf")))
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), 200);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF-"));
}

#[tokio::test]
async fn upi_orders_show_an_intent_link_and_a_qr_code() {
    let app = TestApp::spawn().await;
    let (_, store, ids) = shop(&app, &[("Masala chai", "45", None)]).await;
    sqlx::query("UPDATE stores SET upi_id = 'asha@okhdfc' WHERE id = $1::uuid")
        .bind(store["id"].as_str().unwrap())
        .execute(app.db.pool())
        .await
        .unwrap();
    let mut body = order_body(&[(&ids[0], 2)]);
    body["payment_method"] = json!("upi");
    let reply = place(&app, slug(&store), Some("upi-1"), &body).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let upi = reply.body["upi_uri"].as_str().unwrap();
    let reference = reply.body["payment_ref"].as_str().unwrap();
    assert_eq!(
        upi,
        format!("upi://pay?pa=asha@okhdfc&pn=Asha%27s%20Kitchen&am=90.00&cu=INR&tn=Order%20%231001%20at%20Asha%27s%20Kitchen&tr={reference}")
    );
    let token = reply.body["token"].as_str().unwrap();
    let (status, html) = app.get_text(&format!("/{}/o/{token}", slug(&store))).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("href=\"upi://pay?pa=asha@okhdfc&amp;"),
        "{html}"
    );
    assert!(html.contains("<svg"), "{html}");
}

#[tokio::test]
async fn a_cart_holds_only_its_own_stores_products() {
    let app = TestApp::spawn().await;
    let (_, store_a, ids_a) = shop(&app, &[("Masala chai", "45", None)]).await;
    let (_, store_b, ids_b) = shop(&app, &[("Samosa", "20", None)]).await;
    let shopper = browser();
    let add = |slug: String, product: String| {
        shopper
            .post(app.url(&format!("/{slug}/cart")))
            .header("accept", "application/json")
            .form(&[("product_id", product)])
            .send()
    };
    let reply = Reply::from(add(slug(&store_a).into(), ids_a[0].clone()).await.unwrap()).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["count"], 1);
    // Store B's product through store A's cart: refused, nothing added.
    let reply = Reply::from(add(slug(&store_a).into(), ids_b[0].clone()).await.unwrap()).await;
    assert_eq!((reply.status, reply.code()), (422, "product_unavailable"));
    for (bad, code) in [("not-an-id", "invalid_id"), ("", "invalid_id")] {
        let reply = Reply::from(add(slug(&store_a).into(), bad.into()).await.unwrap()).await;
        assert_eq!((reply.status, reply.code()), (422, code));
    }
    // The same cookie on store B sees an empty cart.
    let cart: Value = shopper
        .get(app.url(&format!("/api/v1/storefront/{}/cart", slug(&store_b))))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(cart["count"], 0);
    // Without JavaScript a refused add is a page with the reason, not JSON.
    let page = shopper
        .post(app.url(&format!("/{}/cart", slug(&store_a))))
        .form(&[("product_id", ids_b[0].clone())])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 422);
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("not available in this store"));
    let (count,): (i64,) = sqlx::query_as("SELECT count(*) FROM cart_items")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(count, 1);
}
