//! Search end to end on a real PostgreSQL: products written through the seller API
//! become searchable from the node's index (fed by the event log through the relay),
//! changes and deletes follow, a store never sees another's products, bad input never
//! fails, and a node without a usable index answers from PostgreSQL full-text search.

use serde_json::{json, Value};

use crate::support::{test_limits, TestApp};

/// Product names of a search response, in order.
pub(crate) fn names(body: &Value) -> Vec<String> {
    body["products"]
        .as_array()
        .map(|products| {
            products
                .iter()
                .filter_map(|p| p["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn encoded(q: &str) -> String {
    url::form_urlencoded::byte_serialize(q.as_bytes()).collect()
}

fn search_path(slug: &str, q: &str) -> String {
    format!("/api/v1/storefront/{slug}/search?q={}", encoded(q))
}

/// A new seller's store with one product: (token, store id, slug).
async fn store_with(
    app: &TestApp,
    store: &str,
    product: &str,
    price: &str,
) -> (String, String, String) {
    let (token, store) = app.seller_with_store(store).await;
    let store_id = store["id"].as_str().unwrap().to_owned();
    let slug = store["slug"].as_str().unwrap().to_owned();
    app.create_product(
        &token,
        &store_id,
        json!({ "name": product, "price": price }),
    )
    .await;
    (token, store_id, slug)
}

/// Polls the search API until the index answers and `done` accepts the body (the index
/// promises a change within a second; the wait is bounded at 10 s).
async fn search_until(app: &TestApp, slug: &str, q: &str, done: impl Fn(&Value) -> bool) -> Value {
    app.storefront_json_until(&search_path(slug, q), |body| {
        body["engine"] == "index" && done(body)
    })
    .await
}

#[tokio::test]
async fn products_become_searchable_changes_follow_and_stores_stay_apart() {
    let app = TestApp::spawn().await;
    let (token, store) = app.seller_with_store("Fleet Feet").await;
    let (store_id, slug) = (
        store["id"].as_str().unwrap(),
        store["slug"].as_str().unwrap(),
    );
    let (other_token, other) = app.seller_with_store("Kirana Corner").await;
    let (other_id, other_slug) = (
        other["id"].as_str().unwrap(),
        other["slug"].as_str().unwrap(),
    );

    let pegasus = app
        .create_product(
            &token,
            store_id,
            json!({ "name": "Nike Pegasus 40 Running Shoes", "price": "8999", "category": "Running" }),
        )
        .await;
    app.create_product(
        &token,
        store_id,
        json!({ "name": "Leather Belt", "price": "499" }),
    )
    .await;
    app.create_product(
        &other_token,
        other_id,
        json!({ "name": "Running Shoes Budget", "price": "599" }),
    )
    .await;
    app.create_product(
        &other_token,
        other_id,
        json!({ "name": "Aashirvaad Atta 5kg", "price": "285" }),
    )
    .await;

    // A typo, a synonym and Hinglish, each from the index.
    let found = search_until(&app, slug, "runnig shoes", |b| !names(b).is_empty()).await;
    assert_eq!(names(&found)[0], "Nike Pegasus 40 Running Shoes");
    assert!(!names(&found).contains(&"Running Shoes Budget".to_owned()));
    assert_eq!(found["facets"][0]["name"], "Running");
    let sneakers = search_until(&app, slug, "sneakers", |b| !names(b).is_empty()).await;
    assert_eq!(names(&sneakers)[0], "Nike Pegasus 40 Running Shoes");
    let flour = search_until(&app, other_slug, "flour", |b| !names(b).is_empty()).await;
    assert_eq!(names(&flour), ["Aashirvaad Atta 5kg"]);
    // Nothing of the other store, whatever is asked.
    for q in ["atta", "budget", "kirana", "aashirvaad"] {
        let (status, body) = app.get_json(&search_path(slug, q), None).await;
        assert_eq!(status, 200, "{body}");
        assert!(names(&body).is_empty(), "{q}: {body}");
    }

    // A rename is found by its new name and no longer by the old one.
    let path = format!(
        "/api/v1/stores/{store_id}/products/{}",
        pegasus["id"].as_str().unwrap()
    );
    let (status, body) = app
        .send(
            reqwest::Method::PATCH,
            &path,
            Some(&token),
            Some(json!({ "name": "Asics Kayano Trainers" })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    search_until(&app, slug, "kayano", |b| {
        names(b) == ["Asics Kayano Trainers"]
    })
    .await;
    search_until(&app, slug, "pegasus", |b| b["total"] == 0).await;

    // Zero results: popular products instead of an empty page, and a correction.
    let none = search_until(&app, slug, "kayanoo trainres", |_| true).await;
    assert!(none["total"].as_u64().unwrap() > 0 || none["popular"].as_array().is_some());
    let nothing = search_until(&app, slug, "xylophone", |b| b["total"] == 0).await;
    assert!(
        !nothing["popular"].as_array().unwrap().is_empty(),
        "{nothing}"
    );

    // Autocomplete as the shopper types.
    let suggest = app
        .storefront_json_until(
            &format!("/api/v1/storefront/{slug}/search/suggest?q=asics%20kay"),
            |b| b["suggestions"].as_array().is_some_and(|s| !s.is_empty()),
        )
        .await;
    assert_eq!(suggest["suggestions"][0]["name"], "Asics Kayano Trainers");

    // Deleted: gone from search.
    let (status, body) = app
        .send(reqwest::Method::DELETE, &path, Some(&token), None)
        .await;
    assert!(status == 200 || status == 204, "{status} {body}");
    search_until(&app, slug, "kayano", |b| b["total"] == 0).await;

    // The HTML results page, with JavaScript off.
    let (status, html) = app.get_text(&format!("/{slug}/search?q=belt")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Leather Belt"), "{html}");
    app.stop().await;
}

#[tokio::test]
async fn bad_search_input_never_fails_and_never_leaks() {
    let app = TestApp::spawn().await;
    let (_, _, slug) = store_with(&app, "Odd Queries", "Masala Chai", "120").await;
    let slug = slug.as_str();
    search_until(&app, slug, "chai", |b| !names(b).is_empty()).await;
    let long = "chai ".repeat(5_000);
    for q in [
        "",
        "   ",
        "!!!???",
        "🙂☕",
        "name:foo OR *",
        "\"unterminated",
        "\\",
        "'; DROP TABLE products; --",
        "<script>alert(1)</script>",
        "%00",
        long.as_str(),
        "चाय",
    ] {
        let (status, body) = app.get_json(&search_path(slug, q), None).await;
        assert_eq!(status, 200, "{q:?}: {body}");
        let (status, html) = app
            .get_text(&format!("/{slug}/search?q={}", encoded(q)))
            .await;
        assert_eq!(status, 200, "{q:?}");
        assert!(!html.contains("<script>alert(1)</script>"));
        let (status, _) = app
            .get_json(
                &format!("/api/v1/storefront/{slug}/search/suggest?q={}", encoded(q)),
                None,
            )
            .await;
        assert_eq!(status, 200, "{q:?}");
    }
    for bad in ["min_price=-5", "max_price=abc", "page=0", "sort=sideways"] {
        let (status, body) = app
            .get_json(
                &format!("/api/v1/storefront/{slug}/search?q=chai&{bad}"),
                None,
            )
            .await;
        assert_eq!(status, 422, "{bad}: {body}");
        assert!(body["error"]["field"].is_string(), "{bad}: {body}");
    }
    let (status, _) = app
        .get_json(&search_path("no-such-store", "chai"), None)
        .await;
    assert_eq!(status, 404);
    app.stop().await;
}

#[tokio::test]
async fn a_node_whose_index_cannot_open_searches_postgresql() {
    let data = tempfile::tempdir().unwrap();
    // A file where the index directory should be: the index cannot open.
    std::fs::create_dir_all(data.path().join("search")).unwrap();
    std::fs::write(data.path().join("search").join("index"), b"not an index").unwrap();
    let data_dir = data.path().to_path_buf();
    let database_url = haat_testkit::fresh_database().await;
    let app = TestApp::spawn_configured(haat::app::Role::All, test_limits(), database_url, |c| {
        c.data_dir = data_dir;
    })
    .await;
    let (_, _, slug) = store_with(&app, "Fallback Foods", "Basmati Rice 5kg", "650").await;
    let slug = slug.as_str();
    // Read-your-writes: PostgreSQL answers at once.
    let (status, body) = app.get_json(&search_path(slug, "rice"), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["engine"], "fallback");
    assert_eq!(names(&body), ["Basmati Rice 5kg"]);
    // Trigram similarity tolerates a typo.
    let (_, typo) = app.get_json(&search_path(slug, "basmti"), None).await;
    assert_eq!(names(&typo), ["Basmati Rice 5kg"], "{typo}");
    let (_, none) = app.get_json(&search_path(slug, "xylophone"), None).await;
    assert_eq!(none["total"], 0);
    assert_eq!(
        names(&json!({ "products": none["popular"] })),
        ["Basmati Rice 5kg"]
    );
    app.stop().await;
}

#[tokio::test]
async fn a_sellers_own_synonyms_are_searched_and_checked() {
    let app = TestApp::spawn().await;
    let (token, store_id, slug) = store_with(&app, "Kulfi Corner", "Malai Kulfi", "60").await;
    let (store_id, slug) = (store_id.as_str(), slug.as_str());
    search_until(&app, slug, "kulfi", |b| !names(b).is_empty()).await;
    let path = format!("/api/v1/stores/{store_id}/synonyms");
    let (status, body) = app.get_json(&path, Some(&token)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["groups"], json!([]));

    for bad in [
        json!({ "groups": [["only one"]] }),
        json!({ "groups": [["a b c d", "x"]] }),
        json!({ "groups": [["!!!", "x"]] }),
    ] {
        let (status, body) = app
            .send(reqwest::Method::PUT, &path, Some(&token), Some(bad.clone()))
            .await;
        assert_eq!(status, 422, "{bad}: {body}");
        assert_eq!(body["error"]["field"], "groups", "{body}");
    }
    let (status, _) = app
        .send(
            reqwest::Method::PUT,
            &path,
            Some(&token),
            Some(json!({ "groups": "x" })),
        )
        .await;
    assert!((400..500).contains(&status));
    // Nothing was saved by the refused requests.
    assert_eq!(
        app.get_json(&path, Some(&token)).await.1["groups"],
        json!([])
    );

    let (status, body) = app
        .send(
            reqwest::Method::PUT,
            &path,
            Some(&token),
            Some(json!({ "groups": [[" ice  cream ", "kulfi"]] })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["groups"], json!([["ice cream", "kulfi"]]));
    // Searches read a store's synonyms at most 5 s old.
    search_until(&app, slug, "ice cream", |b| names(b) == ["Malai Kulfi"]).await;
    app.stop().await;
}
