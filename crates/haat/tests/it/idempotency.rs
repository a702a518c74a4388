//! A retried or double-tapped product creation creates one product.

use crate::support;

use serde_json::{json, Value};
use support::TestApp;

async fn create_with_key(
    app: &TestApp,
    token: &str,
    store_id: &str,
    key: &str,
    body: &Value,
) -> (u16, Option<String>, Value) {
    let response = app
        .client
        .post(app.url(&format!("/api/v1/stores/{store_id}/products")))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await
        .unwrap();
    let replayed = response
        .headers()
        .get("idempotent-replayed")
        .map(|v| v.to_str().unwrap().to_owned());
    let (status, body) = support::into_json(response).await;
    (status, replayed, body)
}

async fn product_count(app: &TestApp, token: &str, store_id: &str) -> usize {
    let (_, list) = app
        .get_json(
            &format!("/api/v1/stores/{store_id}/products?limit=100"),
            Some(token),
        )
        .await;
    list["products"].as_array().unwrap().len()
}

#[tokio::test]
async fn same_key_same_request_returns_the_first_product() {
    let app = TestApp::spawn().await;
    let (token, store) = app.seller_with_store("Once Only").await;
    let store_id = store["id"].as_str().unwrap();
    let body = json!({ "name": "Rasmalai", "price": "120" });

    let (status, replayed, first) = create_with_key(&app, &token, store_id, "k-1", &body).await;
    assert_eq!(
        (status, replayed.as_deref()),
        (201, Some("false")),
        "{first}"
    );
    let (status, replayed, again) = create_with_key(&app, &token, store_id, "k-1", &body).await;
    assert_eq!(
        (status, replayed.as_deref()),
        (201, Some("true")),
        "{again}"
    );
    assert_eq!(first["id"], again["id"]);
    assert_eq!(product_count(&app, &token, store_id).await, 1);

    // The same key with another request is refused and changes nothing.
    let other = json!({ "name": "Rasmalai", "price": "130" });
    let (status, _, error) = create_with_key(&app, &token, store_id, "k-1", &other).await;
    assert_eq!(status, 422, "{error}");
    assert_eq!(error["error"]["code"], "idempotency_key_reused");
    assert_eq!(product_count(&app, &token, store_id).await, 1);

    // Keys are per seller: another seller's identical key is independent.
    let (other_token, other_store) = app.seller_with_store("Twice Nice").await;
    let other_id = other_store["id"].as_str().unwrap();
    let (status, replayed, _) = create_with_key(&app, &other_token, other_id, "k-1", &body).await;
    assert_eq!((status, replayed.as_deref()), (201, Some("false")));

    // A malformed key is a 400, not a silent non-idempotent create.
    let (status, _, error) = create_with_key(&app, &token, store_id, "bad key", &body).await;
    assert_eq!(status, 400, "{error}");
    assert_eq!(product_count(&app, &token, store_id).await, 1);
    app.stop().await;
}

#[tokio::test]
async fn concurrent_retries_with_one_key_create_one_product() {
    let app = TestApp::spawn().await;
    let (token, store) = app.seller_with_store("Race Day").await;
    let store_id = store["id"].as_str().unwrap().to_owned();
    let body = json!({ "name": "Jalebi", "price": "70" });
    let attempts = (0..12).map(|_| create_with_key(&app, &token, &store_id, "tap-tap", &body));
    let results = futures::future::join_all(attempts).await;
    let ids: std::collections::HashSet<String> = results
        .iter()
        .map(|(status, _, body)| {
            assert_eq!(*status, 201, "{body}");
            body["id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 1);
    assert_eq!(
        results
            .iter()
            .filter(|(_, replayed, _)| replayed.as_deref() == Some("false"))
            .count(),
        1
    );
    assert_eq!(product_count(&app, &token, &store_id).await, 1);
    app.stop().await;
}
