//! The tenant isolation matrix: every seller route and verb, tried with another seller's
//! token. Another seller's store or product must look exactly like one that does not
//! exist (404 `not_found`) and nothing of it may change. A positive control runs the same
//! requests on the seller's own data, so a 404 here can only come from the tenant check.

use crate::support;

use std::time::Duration;

use haat_api::auth::generate_token;
use haat_db::{NewSession, SessionKind};
use haat_domain::SellerId;
use reqwest::multipart::{Form, Part};
use reqwest::Method;
use serde_json::{json, Value};
use support::{jpeg, Reply, TestApp};

/// A seller with a store, a categorised product and a logo.
struct Tenant {
    token: String,
    store_id: String,
    slug: String,
    product_id: String,
    category_id: String,
}

async fn tenant(app: &TestApp, name: &str) -> Tenant {
    let (token, store) = app.seller_with_store(name).await;
    let store_id = store["id"].as_str().unwrap().to_owned();
    let product = app
        .create_product(
            &token,
            &store_id,
            json!({ "name": format!("{name} special"), "price": "120.00", "category": "Tea",
                    "description": "made fresh", "stock": 7 }),
        )
        .await;
    let reply = app
        .raw(
            Method::PUT,
            &format!("/api/v1/stores/{store_id}/logo"),
            Some(&token),
            Some("image/jpeg"),
            Some(jpeg(64, 64)),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    Tenant {
        token,
        slug: store["slug"].as_str().unwrap().to_owned(),
        store_id,
        product_id: product["id"].as_str().unwrap().to_owned(),
        category_id: product["category"]["id"].as_str().unwrap().to_owned(),
    }
}

#[derive(Clone, Copy)]
enum Body {
    None,
    Json(fn() -> Value),
    RawImage,
    MultipartProduct,
    MultipartImage,
}

/// One seller route: method, path template (`{store}`, `{product}`), body, and the status
/// the owner gets.
struct Route {
    method: Method,
    path: &'static str,
    body: Body,
    owner_status: u16,
}

fn route(method: Method, path: &'static str, body: Body, owner_status: u16) -> Route {
    Route {
        method,
        path,
        body,
        owner_status,
    }
}

/// Every store-scoped seller route. DELETE comes last so the positive control can run
/// the list in order.
fn seller_routes() -> Vec<Route> {
    use Body::*;
    let store = "/api/v1/stores/{store}";
    let products = "/api/v1/stores/{store}/products";
    let product = "/api/v1/stores/{store}/products/{product}";
    let image = "/api/v1/stores/{store}/products/{product}/image";
    vec![
        route(Method::GET, store, None, 200),
        route(
            Method::PATCH,
            store,
            Json(|| json!({ "name": "Taken over", "description": "pwned", "whatsapp": null })),
            200,
        ),
        route(Method::PUT, "/api/v1/stores/{store}/logo", RawImage, 200),
        route(
            Method::PUT,
            "/api/v1/stores/{store}/logo",
            MultipartImage,
            200,
        ),
        route(Method::GET, products, None, 200),
        route(
            Method::GET,
            "/api/v1/stores/{store}/products?sort=price_asc&limit=1",
            None,
            200,
        ),
        route(
            Method::POST,
            products,
            Json(|| json!({ "name": "Planted", "price": "1.00" })),
            201,
        ),
        route(Method::POST, products, MultipartProduct, 201),
        route(Method::GET, "/api/v1/stores/{store}/categories", None, 200),
        route(Method::GET, "/api/v1/stores/{store}/synonyms", None, 200),
        route(
            Method::PUT,
            "/api/v1/stores/{store}/synonyms",
            Json(|| json!({ "groups": [["planted", "taken over"]] })),
            200,
        ),
        route(Method::GET, product, None, 200),
        route(
            Method::PATCH,
            product,
            Json(|| json!({ "price": "0.01", "active": false, "stock": null, "category": null })),
            200,
        ),
        route(Method::PUT, image, RawImage, 200),
        route(Method::PUT, image, MultipartImage, 200),
        route(Method::DELETE, product, None, 204),
    ]
}

fn image_part() -> Part {
    Part::bytes(jpeg(48, 48))
        .file_name("photo.jpg")
        .mime_str("image/jpeg")
        .unwrap()
}

/// Sends `route` for `store`/`product` with `token`.
async fn send(
    app: &TestApp,
    route: &Route,
    token: Option<&str>,
    store: &str,
    product: &str,
) -> Reply {
    let path = route
        .path
        .replace("{store}", store)
        .replace("{product}", product);
    let method = route.method.clone();
    match route.body {
        Body::None => app.json(method, &path, token, None).await,
        Body::Json(body) => app.json(method, &path, token, Some(body())).await,
        Body::RawImage => {
            app.raw(method, &path, token, Some("image/jpeg"), Some(jpeg(48, 48)))
                .await
        }
        Body::MultipartImage => {
            let form = Form::new().part("image", image_part());
            app.multipart(method, &path, token, form).await
        }
        Body::MultipartProduct => {
            let form = Form::new()
                .text("name", "Planted by form")
                .text("price", "2.00")
                .part("image", image_part());
            app.multipart(method, &path, token, form).await
        }
    }
}

/// The request must be refused with `status`/`code` in the one error shape.
#[track_caller]
fn check_refused(reply: &Reply, route: &Route, status: u16, code: &str, context: &str) {
    assert_eq!(
        (reply.status, reply.code()),
        (status, code),
        "{context}: {} {} answered {}",
        route.method,
        route.path,
        reply.body
    );
    reply.assert_error_shape();
}

/// Everything of a tenant that a request could change, as its owner sees it, plus the
/// raw row counts.
async fn snapshot(app: &TestApp, tenant: &Tenant) -> Value {
    let token = Some(tenant.token.as_str());
    let store = format!("/api/v1/stores/{}", tenant.store_id);
    let mut parts = Vec::new();
    for path in [
        "/api/v1/stores".to_owned(),
        store.clone(),
        format!("{store}/products?limit=100"),
        format!("{store}/products/{}", tenant.product_id),
        format!("{store}/categories"),
        format!("{store}/synonyms"),
    ] {
        let (status, body) = app.get_json(&path, token).await;
        assert_eq!(status, 200, "{path}: {body}");
        parts.push(body);
    }
    let (status, catalog) = app
        .get_json(&format!("/api/v1/storefront/{}", tenant.slug), None)
        .await;
    assert_eq!(status, 200, "{catalog}");
    parts.push(catalog);
    parts.push(json!({
        "products": app.product_count(&tenant.store_id).await,
        "images": app.image_count(&tenant.store_id).await,
    }));
    Value::Array(parts)
}

async fn seller_id_of(app: &TestApp, store_id: &str) -> SellerId {
    let (id,): (String,) = sqlx::query_as("SELECT seller_id::text FROM stores WHERE id = $1::uuid")
        .bind(store_id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    SellerId::parse(&id).unwrap()
}

/// A token for a session stored directly with the given kind and lifetime.
async fn planted_session(
    app: &TestApp,
    seller: SellerId,
    kind: SessionKind,
    ttl: Duration,
) -> String {
    let (token, token_hash) = generate_token();
    app.db
        .create_session(
            seller,
            &NewSession {
                token_hash,
                kind,
                ttl,
            },
        )
        .await
        .unwrap();
    token
}

#[tokio::test]
async fn another_sellers_store_and_products_are_invisible_and_untouchable() {
    let app = TestApp::spawn().await;
    let a = tenant(&app, "Asha Sweets").await;
    let b = tenant(&app, "Bala Snacks").await;
    let before = snapshot(&app, &b).await;
    let routes = seller_routes();

    for route in &routes {
        // A's token on B's store and B's product.
        let reply = send(&app, route, Some(&a.token), &b.store_id, &b.product_id).await;
        check_refused(&reply, route, 404, "not_found", "A on B");
        // The same with B's store id spelled in upper case (the same UUID).
        let upper = b.store_id.to_uppercase();
        let reply = send(&app, route, Some(&a.token), &upper, &b.product_id).await;
        check_refused(&reply, route, 404, "not_found", "A on B (upper case id)");
        if route.path.contains("{product}") {
            // A's own store with B's product id, and B's store with A's product id.
            let reply = send(&app, route, Some(&a.token), &a.store_id, &b.product_id).await;
            check_refused(&reply, route, 404, "not_found", "A's store, B's product");
            let reply = send(&app, route, Some(&a.token), &b.store_id, &a.product_id).await;
            check_refused(&reply, route, 404, "not_found", "B's store, A's product");
        }
    }

    // Nothing of B changed, byte for byte, as B sees it.
    assert_eq!(snapshot(&app, &b).await, before);

    // Positive control: the same requests on A's own data succeed, so the 404s above
    // came from the tenant check and not from a malformed request.
    for route in &routes {
        let reply = send(&app, route, Some(&a.token), &a.store_id, &a.product_id).await;
        assert_eq!(
            reply.status, route.owner_status,
            "owner: {} {} answered {}",
            route.method, route.path, reply.body
        );
    }
    assert_eq!(snapshot(&app, &b).await, before);
    app.stop().await;
}

#[tokio::test]
async fn seller_routes_need_a_live_api_token() {
    let app = TestApp::spawn().await;
    let b = tenant(&app, "Bala Snacks").await;
    let before = snapshot(&app, &b).await;
    let seller = seller_id_of(&app, &b.store_id).await;

    // A token that was revoked by logging out.
    let phone = support::random_phone();
    let revoked = app.login(&phone).await;
    let (status, _) = app
        .post_json("/api/v1/auth/logout", Some(&revoked), json!({}))
        .await;
    assert_eq!(status, 204);
    // B's own dashboard (cookie) session is not a bearer token, and an expired API
    // session is dead.
    let dashboard = planted_session(
        &app,
        seller,
        SessionKind::Dashboard,
        Duration::from_secs(3600),
    )
    .await;
    let expired = planted_session(&app, seller, SessionKind::Api, Duration::ZERO).await;

    let bad_tokens: Vec<(&str, Option<String>)> = vec![
        ("no token", None),
        ("empty token", Some(String::new())),
        ("garbage", Some("not-a-token".to_owned())),
        (
            "token-shaped garbage",
            Some(format!("haat_{}", "A".repeat(43))),
        ),
        ("overlong", Some("x".repeat(5000))),
        ("revoked", Some(revoked)),
        ("dashboard session", Some(dashboard)),
        ("expired", Some(expired)),
    ];
    let mut routes = seller_routes();
    routes.push(route(Method::GET, "/api/v1/stores", Body::None, 200));
    routes.push(route(
        Method::POST,
        "/api/v1/stores",
        Body::Json(|| json!({ "name": "Sneaky" })),
        201,
    ));
    routes.push(route(
        Method::POST,
        "/api/v1/auth/logout",
        Body::Json(|| json!({})),
        204,
    ));
    for (label, token) in &bad_tokens {
        for route in &routes {
            let reply = send(&app, route, token.as_deref(), &b.store_id, &b.product_id).await;
            check_refused(&reply, route, 401, "unauthorized", label);
        }
    }
    // A scheme other than Bearer is no token at all.
    let reply = app
        .client
        .get(app.url("/api/v1/stores"))
        .header("authorization", format!("Basic {}", b.token))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 401);

    assert_eq!(snapshot(&app, &b).await, before);
    app.stop().await;
}

#[tokio::test]
async fn listing_stores_shows_only_ones_own() {
    let app = TestApp::spawn().await;
    let a = tenant(&app, "Asha Sweets").await;
    let (status, second) = app
        .post_json(
            "/api/v1/stores",
            Some(&a.token),
            json!({ "name": "Asha Savouries" }),
        )
        .await;
    assert_eq!(status, 201, "{second}");
    let b = tenant(&app, "Bala Snacks").await;

    let check = |body: Value, expected: Vec<&str>| {
        let ids: Vec<&str> = body["stores"]
            .as_array()
            .unwrap()
            .iter()
            .map(|store| store["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, expected, "{body}");
    };
    let (_, body) = app.get_json("/api/v1/stores", Some(&a.token)).await;
    check(
        body.clone(),
        vec![&a.store_id, second["id"].as_str().unwrap()],
    );
    let (_, body) = app.get_json("/api/v1/stores", Some(&b.token)).await;
    check(body, vec![&b.store_id]);
    app.stop().await;
}

#[tokio::test]
async fn another_stores_category_cannot_be_attached() {
    let app = TestApp::spawn().await;
    let a = tenant(&app, "Asha Sweets").await;
    let b = tenant(&app, "Bala Snacks").await;
    let a_before = snapshot(&app, &a).await;
    let b_before = snapshot(&app, &b).await;
    let products = format!("/api/v1/stores/{}/products", a.store_id);
    let product = format!("{products}/{}", a.product_id);

    let check = |reply: Reply, what: &str| {
        assert_eq!(
            (reply.status, reply.code(), reply.field()),
            (422, "unknown_category", Some("category_id")),
            "{what}: {}",
            reply.body
        );
        reply.assert_error_shape();
    };
    let create = json!({ "name": "Borrowed", "price": "5", "category_id": b.category_id });
    check(
        app.json(Method::POST, &products, Some(&a.token), Some(create))
            .await,
        "create",
    );
    let patch = json!({ "category_id": b.category_id });
    check(
        app.json(Method::PATCH, &product, Some(&a.token), Some(patch))
            .await,
        "patch",
    );
    let form = Form::new()
        .text("name", "Borrowed")
        .text("price", "5")
        .text("category_id", b.category_id.clone());
    check(
        app.multipart(Method::POST, &products, Some(&a.token), form)
            .await,
        "multipart",
    );

    assert_eq!(snapshot(&app, &a).await, a_before);
    assert_eq!(snapshot(&app, &b).await, b_before);

    // A's own category id works.
    let patch = json!({ "category_id": a.category_id });
    let reply = app
        .json(Method::PATCH, &product, Some(&a.token), Some(patch))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["category"]["id"], a.category_id.as_str());
    app.stop().await;
}
