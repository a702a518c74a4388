//! Products over HTTP: create (every price spelling), categories by name or id, stock,
//! PATCH semantics, delete, keyset pagination in every order for the seller and the
//! public catalog, and the OpenAPI document.

use crate::support;

use std::cmp::Reverse;
use std::collections::HashSet;

use reqwest::multipart::Form;
use reqwest::Method;
use serde_json::{json, Value};
use support::TestApp;

struct Seller {
    app: TestApp,
    token: String,
    store_id: String,
    slug: String,
}

impl Seller {
    async fn new() -> Seller {
        let app = TestApp::spawn().await;
        let (token, store) = app.seller_with_store("Joota Ghar").await;
        Seller {
            token,
            store_id: store["id"].as_str().unwrap().to_owned(),
            slug: store["slug"].as_str().unwrap().to_owned(),
            app,
        }
    }

    fn products(&self) -> String {
        format!("/api/v1/stores/{}/products", self.store_id)
    }

    fn product(&self, id: &str) -> String {
        format!("{}/{id}", self.products())
    }

    async fn create(&self, body: Value) -> Value {
        self.app
            .create_product(&self.token, &self.store_id, body)
            .await
    }

    async fn patch(&self, id: &str, body: Value) -> Value {
        let reply = self
            .app
            .json(
                Method::PATCH,
                &self.product(id),
                Some(&self.token),
                Some(body.clone()),
            )
            .await;
        assert_eq!(reply.status, 200, "PATCH {body}: {}", reply.body);
        reply.body
    }

    async fn get(&self, id: &str) -> (u16, Value) {
        self.app
            .get_json(&self.product(id), Some(&self.token))
            .await
    }
}

/// `body` with `updated_at` removed, for comparing what a PATCH changed.
fn without_updated_at(mut body: Value) -> Value {
    body.as_object_mut().unwrap().remove("updated_at");
    body
}

#[tokio::test]
async fn every_price_spelling_is_exact() {
    let seller = Seller::new().await;
    let check = |price: &'static str, minor: i64, text: &'static str| {
        let seller = &seller;
        async move {
            let body = format!("{{\"name\": \"Chappal\", {price}}}");
            let reply = seller
                .app
                .raw(
                    Method::POST,
                    &seller.products(),
                    Some(&seller.token),
                    Some("application/json"),
                    Some(body.into_bytes()),
                )
                .await;
            assert_eq!(reply.status, 201, "{price}: {}", reply.body);
            assert_eq!(
                (
                    &reply.body["price_minor"],
                    &reply.body["price"],
                    &reply.body["currency"]
                ),
                (&json!(minor), &json!(text), &json!("INR")),
                "{price}"
            );
            // And it reads back the same.
            let (_, stored) = seller.get(reply.body["id"].as_str().unwrap()).await;
            assert_eq!(stored["price_minor"], minor, "{price}");
        }
    };
    check("\"price\": \"1299.50\"", 129_950, "1299.50").await;
    check("\"price\": 1299.5", 129_950, "1299.50").await;
    check("\"price\": 1299.50", 129_950, "1299.50").await;
    check("\"price\": \"1299.5\"", 129_950, "1299.50").await;
    check("\"price\": \" 1299.50 \"", 129_950, "1299.50").await;
    check("\"price\": \"1299.500\"", 129_950, "1299.50").await;
    check("\"price_minor\": 129950", 129_950, "1299.50").await;
    check("\"price\": 1299", 129_900, "1299.00").await;
    check("\"price\": \"007\"", 700, "7.00").await;
    check("\"price\": 0.1", 10, "0.10").await;
    check("\"price\": 0.01", 1, "0.01").await;
    check("\"price\": 0", 0, "0.00").await;
    check("\"price_minor\": 0", 0, "0.00").await;
    check(
        "\"price\": \"1000000000.00\"",
        100_000_000_000,
        "1000000000.00",
    )
    .await;
    check(
        "\"price_minor\": 100000000000",
        100_000_000_000,
        "1000000000.00",
    )
    .await;
    check("\"price\": null, \"price_minor\": 5", 5, "0.05").await;
    // A form sends text.
    let form = Form::new().text("name", "Chappal").text("price", "1299.50");
    let reply = seller
        .app
        .multipart(Method::POST, &seller.products(), Some(&seller.token), form)
        .await;
    assert_eq!(
        (reply.status, &reply.body["price_minor"]),
        (201, &json!(129_950))
    );
    let form = Form::new()
        .text("name", "Chappal")
        .text("price_minor", "129950");
    let reply = seller
        .app
        .multipart(Method::POST, &seller.products(), Some(&seller.token), form)
        .await;
    assert_eq!(
        (reply.status, &reply.body["price"]),
        (201, &json!("1299.50"))
    );
    // PATCH reads prices the same way.
    let id = reply.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        seller.patch(&id, json!({ "price": 49.9 })).await["price_minor"],
        4990
    );
    assert_eq!(
        seller.patch(&id, json!({ "price": "49.95" })).await["price_minor"],
        4995
    );
    assert_eq!(
        seller.patch(&id, json!({ "price_minor": 1 })).await["price"],
        "0.01"
    );
    seller.app.stop().await;
}

#[tokio::test]
async fn categories_by_name_are_created_once_and_by_id_are_picked() {
    let seller = Seller::new().await;
    let shoes = seller
        .create(json!({ "name": "Mojari", "price": "1", "category": "Shoes" }))
        .await;
    let shoes_id = shoes["category"]["id"].as_str().unwrap().to_owned();
    assert_eq!(shoes["category"]["name"], "Shoes");
    let check = |category: Value, expected: Option<(&'static str, &'static str)>| {
        let seller = &seller;
        let shoes_id = shoes_id.clone();
        async move {
            let product = seller
                .create(json!({ "name": "Juti", "price": "1", "category": category.clone() }))
                .await;
            match expected {
                None => assert_eq!(product["category"], Value::Null, "{category}"),
                Some((id, name)) => {
                    let id = if id == "shoes" { shoes_id.as_str() } else { id };
                    if id == "new" {
                        assert_ne!(product["category"]["id"], json!(shoes_id), "{category}");
                    } else {
                        assert_eq!(product["category"]["id"], id, "{category}");
                    }
                    assert_eq!(product["category"]["name"], name, "{category}");
                }
            }
        }
    };
    // One category per name, whatever the letter case or spacing; the first spelling wins.
    check(json!("shoes"), Some(("shoes", "Shoes"))).await;
    check(json!("SHOES"), Some(("shoes", "Shoes"))).await;
    check(json!("  Shoes  "), Some(("shoes", "Shoes"))).await;
    check(json!("sHoEs"), Some(("shoes", "Shoes"))).await;
    check(json!("Sandals"), Some(("new", "Sandals"))).await;
    check(json!("Shoes & Socks"), Some(("new", "Shoes & Socks"))).await;
    check(json!(null), None).await;
    check(json!(""), None).await;
    let (_, list) = seller
        .app
        .get_json(
            &format!("/api/v1/stores/{}/categories", seller.store_id),
            Some(&seller.token),
        )
        .await;
    let names: Vec<&str> = list["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Shoes", "Sandals", "Shoes & Socks"]);
    let sandals_id = list["categories"][1]["id"].as_str().unwrap().to_owned();

    // `category_id` picks an existing category.
    let product = seller
        .create(json!({ "name": "Kolhapuri", "price": "1", "category_id": sandals_id }))
        .await;
    assert_eq!(
        product["category"],
        json!({ "id": sandals_id, "name": "Sandals" })
    );
    let form = Form::new()
        .text("name", "Kolhapuri")
        .text("price", "1")
        .text("category_id", shoes_id.clone());
    let reply = seller
        .app
        .multipart(Method::POST, &seller.products(), Some(&seller.token), form)
        .await;
    assert_eq!(
        reply.body["category"],
        json!({ "id": shoes_id, "name": "Shoes" })
    );
    let (_, again) = seller
        .app
        .get_json(
            &format!("/api/v1/stores/{}/categories", seller.store_id),
            Some(&seller.token),
        )
        .await;
    assert_eq!(again, list, "picking by id creates nothing");
    seller.app.stop().await;
}

#[tokio::test]
async fn stock_null_is_unlimited() {
    let seller = Seller::new().await;
    let check = |stock: Option<Value>, expected: Value, sold_out: bool| {
        let seller = &seller;
        async move {
            let mut body = json!({ "name": "Sneaker", "price": "1" });
            if let Some(stock) = &stock {
                body["stock"] = stock.clone();
            }
            let product = seller.create(body).await;
            assert_eq!(product["stock"], expected, "{stock:?}");
            let catalog = seller
                .app
                .storefront_json_until(
                    &format!("/api/v1/storefront/{}?sort=newest&limit=1", seller.slug),
                    |catalog| catalog["products"][0]["id"] == product["id"],
                )
                .await;
            let card = &catalog["products"][0];
            assert_eq!(
                (&card["stock"], &card["sold_out"]),
                (&expected, &json!(sold_out)),
                "{stock:?}"
            );
        }
    };
    check(None, Value::Null, false).await;
    check(Some(Value::Null), Value::Null, false).await;
    check(Some(json!(0)), json!(0), true).await;
    check(Some(json!(5)), json!(5), false).await;
    check(Some(json!(1_000_000_000)), json!(1_000_000_000), false).await;
    seller.app.stop().await;
}

#[tokio::test]
async fn patch_leaves_absent_fields_and_null_clears() {
    let seller = Seller::new().await;
    let created = seller
        .create(
            json!({ "name": "Boot", "price": "2500", "description": "leather\nsize 9",
                        "category": "Shoes", "stock": 4, "active": true }),
        )
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let shoes = created["category"].clone();
    let mut expected = without_updated_at(created.clone());
    // Each PATCH, and the fields it must change on top of everything before it.
    let cases: Vec<(Value, Value)> = vec![
        (json!({}), json!({})),
        (
            json!({ "name": "  Chelsea   Boot " }),
            json!({ "name": "Chelsea Boot" }),
        ),
        (
            json!({ "price": "2499.99" }),
            json!({ "price": "2499.99", "price_minor": 249_999 }),
        ),
        (
            json!({ "price_minor": 100 }),
            json!({ "price": "1.00", "price_minor": 100 }),
        ),
        (json!({ "stock": 0 }), json!({ "stock": 0 })),
        (json!({ "stock": null }), json!({ "stock": null })),
        (json!({ "stock": 3 }), json!({ "stock": 3 })),
        (
            json!({ "description": "suede" }),
            json!({ "description": "suede" }),
        ),
        (json!({ "description": null }), json!({ "description": "" })),
        (
            json!({ "description": "a\r\nb" }),
            json!({ "description": "a\nb" }),
        ),
        (json!({ "description": "" }), json!({ "description": "" })),
        (json!({ "category": null }), json!({ "category": null })),
        (
            json!({ "category": "shoes" }),
            json!({ "category": shoes.clone() }),
        ),
        (json!({ "category_id": null }), json!({ "category": null })),
        (
            json!({ "category_id": shoes["id"] }),
            json!({ "category": shoes.clone() }),
        ),
        (json!({ "category": "" }), json!({ "category": null })),
        (json!({ "active": false }), json!({ "active": false })),
        (
            json!({ "active": true, "stock": null, "name": "Boot" }),
            json!({ "active": true, "stock": null, "name": "Boot" }),
        ),
    ];
    for (patch, changes) in cases {
        let body = seller.patch(&id, patch.clone()).await;
        for (key, value) in changes.as_object().unwrap() {
            expected[key] = value.clone();
        }
        assert_eq!(without_updated_at(body), expected, "after PATCH {patch}");
        let (_, stored) = seller.get(&id).await;
        assert_eq!(
            without_updated_at(stored),
            expected,
            "read back after PATCH {patch}"
        );
    }
    // `updated_at` moves; `created_at`, `id` and `url` never do.
    let (_, last) = seller.get(&id).await;
    assert_ne!(last["updated_at"], created["updated_at"]);
    assert_eq!(
        (&last["created_at"], &last["id"], &last["url"]),
        (&created["created_at"], &created["id"], &created["url"])
    );
    seller.app.stop().await;
}

#[tokio::test]
async fn deleted_products_are_gone() {
    let seller = Seller::new().await;
    let keep = seller.create(json!({ "name": "Keep", "price": "1" })).await;
    let gone = seller.create(json!({ "name": "Gone", "price": "1" })).await;
    let gone_id = gone["id"].as_str().unwrap();
    let reply = seller
        .app
        .json(
            Method::DELETE,
            &seller.product(gone_id),
            Some(&seller.token),
            None,
        )
        .await;
    assert_eq!(reply.status, 204, "{}", reply.body);
    let (status, body) = seller.get(gone_id).await;
    assert_eq!((status, &body["error"]["code"]), (404, &json!("not_found")));
    for (method, body) in [
        (Method::DELETE, None),
        (Method::PATCH, Some(json!({ "name": "Back" }))),
    ] {
        let reply = seller
            .app
            .json(method, &seller.product(gone_id), Some(&seller.token), body)
            .await;
        assert_eq!(reply.status, 404, "{}", reply.body);
    }
    let (_, list) = seller
        .app
        .get_json(&seller.products(), Some(&seller.token))
        .await;
    assert_eq!(list["products"].as_array().unwrap().len(), 1);
    assert_eq!(list["products"][0]["id"], keep["id"]);
    let (_, catalog) = seller
        .app
        .get_json(&format!("/api/v1/storefront/{}", seller.slug), None)
        .await;
    assert_eq!(catalog["products"].as_array().unwrap().len(), 1);
    let (status, _) = seller
        .app
        .get_text(&format!("/{}/p/{gone_id}", seller.slug))
        .await;
    assert_eq!(status, 404);
    seller.app.stop().await;
}

/// A product as the listing orders see it, read from the database.
#[derive(Debug, Clone)]
struct Row {
    id: String,
    name_key: String,
    price_minor: i64,
    /// The category id, or the largest uuid for none (uncategorised sorts last).
    category_key: String,
    created_micros: i64,
    active: bool,
}

async fn rows(app: &TestApp, store_id: &str) -> Vec<Row> {
    let rows: Vec<(String, String, i64, Option<String>, i64, bool)> = sqlx::query_as(
        "SELECT id::text, name, price_minor, category_id::text,
                (extract(epoch FROM created_at) * 1000000)::bigint, active
         FROM products WHERE store_id = $1::uuid",
    )
    .bind(store_id)
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    rows.into_iter()
        .map(
            |(id, name, price_minor, category, created_micros, active)| Row {
                id,
                // Names here are ASCII, so Rust's lowercase is PostgreSQL's `lower`.
                name_key: name.to_lowercase(),
                price_minor,
                category_key: category
                    .unwrap_or_else(|| "ffffffff-ffff-ffff-ffff-ffffffffffff".into()),
                created_micros,
                active,
            },
        )
        .collect()
}

/// The ids in the order `sort` must list them. Canonical lowercase UUID text sorts like
/// the UUID's bytes, so string comparison is PostgreSQL's order.
fn expected_order(mut rows: Vec<Row>, sort: &str) -> Vec<String> {
    match sort {
        "newest" => rows.sort_by_key(|r| Reverse((r.created_micros, r.id.clone()))),
        "price_asc" => rows.sort_by_key(|r| (r.price_minor, r.id.clone())),
        "price_desc" => rows.sort_by_key(|r| Reverse((r.price_minor, r.id.clone()))),
        "name" => rows.sort_by_key(|r| (r.name_key.clone(), r.id.clone())),
        "category" => {
            rows.sort_by_key(|r| (r.category_key.clone(), r.name_key.clone(), r.id.clone()))
        }
        other => panic!("unknown sort {other}"),
    }
    rows.into_iter().map(|r| r.id).collect()
}

/// Follows `next_cursor` from the first page to the last; returns every id in order.
async fn walk(app: &TestApp, path: &str, token: Option<&str>, limit: usize) -> Vec<String> {
    let mut ids = Vec::new();
    let mut after: Option<String> = None;
    for _page in 0..1000 {
        let mut url = format!("{path}&limit={limit}");
        if let Some(cursor) = &after {
            url.push_str(&format!("&after={cursor}"));
        }
        let (status, body) = app.get_json(&url, token).await;
        assert_eq!(status, 200, "{url}: {body}");
        let page: Vec<String> = body["products"]
            .as_array()
            .unwrap()
            .iter()
            .map(|product| product["id"].as_str().unwrap().to_owned())
            .collect();
        assert!(page.len() <= limit, "{url}");
        ids.extend(page.iter().cloned());
        match body["next_cursor"].as_str() {
            Some(cursor) => {
                // Only a full page has a next page.
                assert_eq!(page.len(), limit, "{url}");
                after = Some(cursor.to_owned());
            }
            None => return ids,
        }
    }
    panic!("{path} never reached a last page");
}

#[tokio::test]
async fn listings_paginate_in_every_order_without_gaps_or_repeats() {
    let seller = Seller::new().await;
    let categories = [
        Some("Shoes"),
        Some("Bags"),
        Some("shoes"),
        None,
        Some("Belts"),
    ];
    for i in 0..125usize {
        // Many equal names (in two letter cases) and prices, so ties are common and
        // only the id can break them.
        let name = if i % 3 == 0 {
            format!("item {:02}", i % 40)
        } else {
            format!("Item {:02}", i % 40)
        };
        let mut body = json!({
            "name": name,
            "price_minor": (i * 37 % 20) as i64 * 50,
            "active": i % 9 != 4,
        });
        if let Some(category) = categories[i % categories.len()] {
            body["category"] = json!(category);
        }
        seller.create(body).await;
    }
    let all = rows(&seller.app, &seller.store_id).await;
    assert_eq!(all.len(), 125);
    let active: Vec<Row> = all.iter().filter(|r| r.active).cloned().collect();
    assert!(active.len() < all.len());

    let token = Some(seller.token.as_str());
    let seller_list = seller.products();
    let catalog = format!("/api/v1/storefront/{}", seller.slug);
    for sort in ["newest", "price_asc", "price_desc", "name", "category"] {
        for limit in [20, 1, 100] {
            let expected = expected_order(all.clone(), sort);
            let listed = walk(
                &seller.app,
                &format!("{seller_list}?sort={sort}"),
                token,
                limit,
            )
            .await;
            let unique: HashSet<&String> = listed.iter().collect();
            assert_eq!(
                unique.len(),
                listed.len(),
                "repeats in seller list by {sort}"
            );
            assert_eq!(listed, expected, "seller list by {sort}, {limit} a page");

            let expected = expected_order(active.clone(), sort);
            let listed = walk(&seller.app, &format!("{catalog}?sort={sort}"), None, limit).await;
            assert_eq!(listed, expected, "storefront by {sort}, {limit} a page");
        }
    }
    // The defaults: newest for the seller, by category for shoppers.
    let listed = walk(&seller.app, &format!("{seller_list}?"), token, 20).await;
    assert_eq!(listed, expected_order(all.clone(), "newest"));
    let listed = walk(&seller.app, &format!("{catalog}?"), None, 20).await;
    assert_eq!(listed, expected_order(active.clone(), "category"));
    // The storefront's category filter pages through one category.
    let (_, page) = seller.app.get_json(&catalog, None).await;
    let shoes = page["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Shoes")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for sort in ["name", "price_desc", "category"] {
        let listed = walk(
            &seller.app,
            &format!("{catalog}?sort={sort}&category={shoes}"),
            None,
            20,
        )
        .await;
        let in_shoes: Vec<Row> = active
            .iter()
            .filter(|r| r.category_key == shoes)
            .cloned()
            .collect();
        assert!(in_shoes.len() > 20);
        assert_eq!(listed, expected_order(in_shoes, sort), "shoes by {sort}");
    }
    // An inactive product is not public anywhere, but its seller still sees it.
    let hidden = all.iter().find(|r| !r.active).unwrap();
    let (status, _) = seller
        .app
        .get_text(&format!("/{}/p/{}", seller.slug, hidden.id))
        .await;
    assert_eq!(status, 404);
    let (status, _) = seller.get(&hidden.id).await;
    assert_eq!(status, 200);
    seller.app.stop().await;
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let doc: Value = serde_json::from_str(&response.text().await.unwrap()).expect("valid JSON");
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        doc["openapi"]
    );
    assert!(doc["info"]["title"].is_string());

    // Every API route of the router, with its methods.
    let routes: [(&str, &[&str]); 26] = [
        ("/api/v1/auth/otp", &["post"]),
        ("/api/v1/auth/verify", &["post"]),
        ("/api/v1/auth/logout", &["post"]),
        ("/api/v1/stores", &["get", "post"]),
        ("/api/v1/stores/{store_id}", &["get", "patch"]),
        ("/api/v1/stores/{store_id}/logo", &["put"]),
        ("/api/v1/stores/{store_id}/products", &["get", "post"]),
        (
            "/api/v1/stores/{store_id}/products/{product_id}",
            &["get", "patch", "delete"],
        ),
        (
            "/api/v1/stores/{store_id}/products/{product_id}/image",
            &["put"],
        ),
        ("/api/v1/stores/{store_id}/categories", &["get"]),
        ("/api/v1/stores/{store_id}/synonyms", &["get", "put"]),
        ("/api/v1/storefront/{slug}", &["get"]),
        ("/api/v1/storefront/{slug}/search", &["get"]),
        ("/api/v1/storefront/{slug}/search/suggest", &["get"]),
        ("/api/v1/storefront/{slug}/cart", &["get"]),
        ("/api/v1/storefront/{slug}/orders", &["post"]),
        ("/api/v1/storefront/{slug}/orders/{token}", &["get"]),
        ("/api/v1/stores/{store_id}/orders", &["get"]),
        ("/api/v1/stores/{store_id}/orders.csv", &["get"]),
        ("/api/v1/stores/{store_id}/orders/{order_id}", &["get"]),
        (
            "/api/v1/stores/{store_id}/orders/{order_id}/transitions",
            &["post"],
        ),
        (
            "/api/v1/stores/{store_id}/orders/{order_id}/mark-paid",
            &["post"],
        ),
        (
            "/api/v1/stores/{store_id}/orders/{order_id}/invoice.pdf",
            &["get"],
        ),
        ("/api/v1/stores/{store_id}/discounts", &["get", "post"]),
        (
            "/api/v1/stores/{store_id}/discounts/{discount_id}",
            &["patch", "delete"],
        ),
        ("/api/v1/payments/webhooks/{provider}", &["post"]),
    ];
    let paths = doc["paths"].as_object().expect("paths");
    for (path, methods) in routes {
        let item = paths
            .get(path)
            .unwrap_or_else(|| panic!("{path} is not documented"));
        let mut documented: Vec<&str> = item
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .filter(|key| ["get", "post", "put", "patch", "delete"].contains(key))
            .collect();
        documented.sort_unstable();
        let mut methods = methods.to_vec();
        methods.sort_unstable();
        assert_eq!(documented, methods, "{path}");
    }
    // Nothing documented that the router does not serve.
    let mut documented: Vec<&str> = paths.keys().map(String::as_str).collect();
    documented.sort_unstable();
    let mut served: Vec<&str> = routes.iter().map(|(path, _)| *path).collect();
    served.sort_unstable();
    assert_eq!(documented, served);

    // Each operation declares exactly the path parameters its template has, and has
    // responses; the seller routes say they need the bearer token.
    for (path, item) in paths {
        let placeholders: HashSet<&str> = path
            .split('/')
            .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        for (method, operation) in item.as_object().unwrap() {
            let declared: HashSet<&str> = operation["parameters"]
                .as_array()
                .map(|parameters| {
                    parameters
                        .iter()
                        .filter(|p| p["in"] == "path")
                        .map(|p| p["name"].as_str().unwrap())
                        .collect()
                })
                .unwrap_or_default();
            assert_eq!(declared, placeholders, "{method} {path}");
            assert!(
                operation["responses"]
                    .as_object()
                    .is_some_and(|r| !r.is_empty()),
                "{method} {path}"
            );
            let public = path.starts_with("/api/v1/storefront")
                || path.starts_with("/api/v1/payments/webhooks")
                || ["/api/v1/auth/otp", "/api/v1/auth/verify"].contains(&path.as_str());
            assert_eq!(operation["security"].is_array(), !public, "{method} {path}");
        }
    }
    // Every schema reference resolves (the crates' documents are merged, so two types
    // with one name, or a type left out of `components`, would show up here).
    fn refs<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
        match value {
            Value::Object(map) => {
                for (key, inner) in map {
                    match (key.as_str(), inner.as_str()) {
                        ("$ref", Some(target)) => found.push(target),
                        _ => refs(inner, found),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|item| refs(item, found)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(found.len() > 20, "{found:?}");
    for target in found {
        let name = target
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("{target}"));
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{target} is not defined"
        );
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );

    // Every `$ref` points at a schema that exists.
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    assert!(!refs.is_empty());
    for reference in refs {
        let name = reference
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected $ref {reference}"));
        assert!(
            doc["components"]["schemas"].get(name).is_some(),
            "dangling $ref {reference}"
        );
    }
    app.stop().await;
}

fn collect_refs(value: &Value, refs: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("$ref", Value::String(reference)) => refs.push(reference.clone()),
                    _ => collect_refs(value, refs),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_refs(item, refs)),
        _ => {}
    }
}

#[tokio::test]
async fn concurrent_creates_share_one_category() {
    let seller = Seller::new().await;
    let creates = (0..12).map(|i| {
        let category = ["Tea", "tea", "TEA"][i % 3];
        seller.create(json!({ "name": format!("Chai {i}"), "price": "10", "category": category }))
    });
    let products = futures::future::join_all(creates).await;
    let ids: HashSet<&str> = products
        .iter()
        .map(|product| product["category"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 1, "{products:?}");
    let (_, list) = seller
        .app
        .get_json(
            &format!("/api/v1/stores/{}/categories", seller.store_id),
            Some(&seller.token),
        )
        .await;
    assert_eq!(list["categories"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(seller.app.product_count(&seller.store_id).await, 12);
    seller.app.stop().await;
}
