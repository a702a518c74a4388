//! The seller's whole loop over HTTP: phone → code → store → product with a photo →
//! a live store link that shows it.

use crate::support;

use reqwest::multipart::{Form, Part};
use serde_json::json;
use support::{jpeg, random_phone, TestApp};

#[tokio::test]
async fn seller_signs_up_creates_store_adds_product_and_shares_link() {
    let app = TestApp::spawn().await;
    let phone = random_phone();

    // Sign up by phone + OTP (the code arrives in the development SMS outbox).
    let (status, body) = app
        .post_json("/api/v1/auth/otp", None, json!({ "phone": phone }))
        .await;
    assert_eq!(status, 200, "{body}");
    let code = app.last_code(&phone).expect("code sent");
    assert_eq!(code.len(), 6);
    let (status, session) = app
        .post_json(
            "/api/v1/auth/verify",
            None,
            json!({ "phone": phone, "code": code }),
        )
        .await;
    assert_eq!(status, 200, "{session}");
    assert_eq!(session["seller"]["phone"], phone);
    assert_eq!(session["new_seller"], true);
    let token = session["token"].as_str().unwrap().to_owned();

    // Name a store: the slug comes from the name and the link is absolute.
    let (status, store) = app
        .post_json(
            "/api/v1/stores",
            Some(&token),
            json!({ "name": "Jain Shikanji" }),
        )
        .await;
    assert_eq!(status, 201, "{store}");
    assert_eq!(store["slug"], "jain-shikanji");
    assert_eq!(store["url"], app.url("/jain-shikanji"));
    assert_eq!(store["currency"], "INR");
    let store_id = store["id"].as_str().unwrap();

    // Add a product with a photo, as a phone's browser would (multipart).
    let form = Form::new()
        .text("name", "Masala Shikanji")
        .text("price", "1299.50")
        .text("category", "Drinks")
        .part(
            "image",
            Part::bytes(jpeg(1200, 900))
                .file_name("IMG_0001.jpg")
                .mime_str("image/jpeg")
                .unwrap(),
        );
    let response = app
        .client
        .post(app.url(&format!("/api/v1/stores/{store_id}/products")))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let (status, product) = support::into_json(response).await;
    assert_eq!(status, 201, "{product}");
    assert_eq!(product["price_minor"], 129950);
    assert_eq!(product["price"], "1299.50");
    assert_eq!(product["category"]["name"], "Drinks");
    let variants = product["image"]["variants"].as_array().unwrap();
    assert!(variants.len() >= 3, "{product}");
    assert!(product["url"]
        .as_str()
        .unwrap()
        .starts_with(&app.url("/jain-shikanji/p/")));

    // The variant is served with an immutable cache header.
    let image_url = variants[0]["webp"].as_str().unwrap();
    let response = app.client.get(image_url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );

    // The shared link opens a store page showing the product.
    let (status, html) = app.get_text("/jain-shikanji").await;
    assert_eq!(status, 200);
    assert!(html.contains("Masala Shikanji"), "{html}");
    assert!(html.contains("₹1,299.50"), "{html}");
    assert!(html.contains("og:image"));

    // And the product page too.
    let (status, html) = app
        .get_text(&format!(
            "/jain-shikanji/p/{}",
            product["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("Masala Shikanji"));

    // Headless JSON for the same catalog.
    let (status, catalog) = app.get_json("/api/v1/storefront/jain-shikanji", None).await;
    assert_eq!(status, 200, "{catalog}");
    assert_eq!(catalog["products"][0]["name"], "Masala Shikanji");

    // Logging out revokes the token.
    let (status, _) = app
        .post_json("/api/v1/auth/logout", Some(&token), json!({}))
        .await;
    assert_eq!(status, 204);
    let (status, body) = app.get_json("/api/v1/stores", Some(&token)).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"]["code"], "unauthorized");
    app.stop().await;
}

#[tokio::test]
async fn slugs_are_unique_and_reserved_words_are_avoided() {
    let app = TestApp::spawn().await;
    let (token, first) = app.seller_with_store("Chai Point").await;
    assert_eq!(first["slug"], "chai-point");
    let (status, second) = app
        .post_json(
            "/api/v1/stores",
            Some(&token),
            json!({ "name": "Chai  Point" }),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(second["slug"], "chai-point-2");
    let (_, reserved) = app
        .post_json(
            "/api/v1/stores",
            Some(&token),
            json!({ "name": "Dashboard" }),
        )
        .await;
    assert_ne!(reserved["slug"], "dashboard");
    app.stop().await;
}

#[tokio::test]
async fn health_readiness_metrics_and_request_ids() {
    let app = TestApp::spawn().await;
    let response = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("x-request-id"));
    let (status, body) = app.get_json("/readyz", None).await;
    assert_eq!(status, 200, "{body}");
    // A client-chosen request id is propagated.
    let response = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "trace-me-123")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "trace-me-123");
    let (_, metrics) = app.get_text("/metrics").await;
    assert!(metrics.contains("haat_http_requests_total"), "{metrics}");
    assert!(metrics.contains("haat_http_request_duration_seconds"));
    assert!(metrics.contains("haat_db_pool_connections"));
    // Draining fails readiness first.
    app.readiness.start_draining();
    let (status, body) = app.get_json("/readyz", None).await;
    assert_eq!(status, 503);
    assert_eq!(body["status"], "draining");
    app.stop().await;
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_with_the_error_shape() {
    let app = TestApp::spawn().await;
    let (status, body) = app.get_json("/api/v1/nope", None).await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "not_found");
    let (status, html) = app.get_text("/no-such-store/and/more").await;
    assert_eq!(status, 404);
    assert!(html.contains("<html"), "{html}");
    let (status, body) = app
        .send(reqwest::Method::DELETE, "/api/v1/stores", None, None)
        .await;
    assert_eq!(status, 405);
    assert_eq!(body["error"]["code"], "method_not_allowed");
    app.stop().await;
}

#[tokio::test]
async fn api_and_storefront_roles_serve_only_their_own_routes() {
    let database = haat_testkit::fresh_database().await;
    let api = TestApp::spawn_on(haat::Role::Api, support::test_limits(), database.clone()).await;
    let storefront =
        TestApp::spawn_on(haat::Role::Storefront, support::test_limits(), database).await;

    // The api role takes the seller's writes…
    let (token, store) = api.seller_with_store("Split Roles").await;
    let store_id = store["id"].as_str().unwrap();
    api.create_product(&token, store_id, json!({ "name": "Chai", "price": "20" }))
        .await;
    let (status, _) = api.get_text("/dashboard").await;
    assert_eq!(status, 200);
    // …and does not serve store pages.
    let (status, _) = api.get_text("/split-roles").await;
    assert_eq!(status, 404);

    // The storefront role serves the page from the same database…
    let (status, html) = storefront.get_text("/split-roles").await;
    assert_eq!(status, 200);
    assert!(html.contains("Chai"));
    // …and has no seller API, dashboard or auth.
    for path in ["/dashboard", "/api/v1/stores", "/api/v1/auth/otp"] {
        let (status, _) = storefront.get_text(path).await;
        assert_eq!(status, 404, "{path}");
    }
    // Both report health.
    for app in [&api, &storefront] {
        let (status, _) = app.get_json("/readyz", None).await;
        assert_eq!(status, 200);
    }
    api.stop().await;
    storefront.stop().await;
}
