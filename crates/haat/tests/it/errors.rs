//! Bad input is a clear 4xx in the one error shape, never a 5xx, and never writes: after
//! every refused request the seller's data is exactly as before. Markup is data: stored
//! as typed and escaped wherever it is shown.

use crate::support;

use reqwest::multipart::{Form, Part};
use reqwest::Method;
use serde_json::{json, Value};
use support::{Reply, TestApp};

const STORES: &str = "/api/v1/stores";
const STORE: &str = "/api/v1/stores/{s}";
const PRODUCTS: &str = "/api/v1/stores/{s}/products";
const PRODUCT: &str = "/api/v1/stores/{s}/products/{p}";

const POST: Method = Method::POST;
const PATCH: Method = Method::PATCH;
const GET: Method = Method::GET;
const PUT: Method = Method::PUT;
const DELETE: Method = Method::DELETE;

/// `(status, error code, error field)`
type Expected = (u16, &'static str, Option<&'static str>);

/// A seller with a store and one product, and a snapshot of all of it to compare against
/// after each refused request.
struct Ctx {
    app: TestApp,
    token: String,
    store_id: String,
    product_id: String,
    baseline: Value,
}

impl Ctx {
    async fn new() -> Ctx {
        let app = TestApp::spawn().await;
        let (token, store) = app.seller_with_store("Kiran Kirana").await;
        let store_id = store["id"].as_str().unwrap().to_owned();
        let product = app
            .create_product(
                &token,
                &store_id,
                json!({ "name": "Toor Dal 1kg", "price": "149.00", "description": "unpolished",
                        "category": "Pulses", "stock": 12 }),
            )
            .await;
        let product_id = product["id"].as_str().unwrap().to_owned();
        let mut ctx = Ctx {
            app,
            token,
            store_id,
            product_id,
            baseline: Value::Null,
        };
        ctx.baseline = ctx.snapshot().await;
        ctx
    }

    fn path(&self, template: &str) -> String {
        template
            .replace("{s}", &self.store_id)
            .replace("{p}", &self.product_id)
    }

    /// Everything a bad request could have changed.
    async fn snapshot(&self) -> Value {
        let mut parts = Vec::new();
        for path in [
            STORES,
            STORE,
            "/api/v1/stores/{s}/products?limit=100",
            PRODUCT,
            "/api/v1/stores/{s}/categories",
        ] {
            let (status, body) = self.app.get_json(&self.path(path), Some(&self.token)).await;
            assert_eq!(status, 200, "{path}: {body}");
            parts.push(body);
        }
        let (categories,): (i64,) = sqlx::query_as("SELECT count(*) FROM categories")
            .fetch_one(self.app.db.pool())
            .await
            .unwrap();
        let (stores,): (i64,) = sqlx::query_as("SELECT count(*) FROM stores")
            .fetch_one(self.app.db.pool())
            .await
            .unwrap();
        parts.push(json!({
            "products": self.app.product_count(&self.store_id).await,
            "images": self.app.image_count(&self.store_id).await,
            "categories": categories,
            "stores": stores,
        }));
        Value::Array(parts)
    }

    /// The reply is the expected refusal, in the one error shape, and nothing changed.
    async fn assert_refused(&self, what: &str, reply: &Reply, expected: Expected) {
        assert!(
            reply.status < 500,
            "{what}: a 5xx: {} {}",
            reply.status,
            reply.body
        );
        assert_eq!(
            (reply.status, reply.code(), reply.field()),
            expected,
            "{what}: {}",
            reply.body
        );
        reply.assert_error_shape();
        assert_eq!(
            self.snapshot().await,
            self.baseline,
            "{what} changed something"
        );
    }

    /// A JSON request (any method) to a path template.
    async fn json(&self, method: Method, template: &str, body: Value, expected: Expected) {
        let what = format!("{method} {template} {body}");
        let reply = self
            .app
            .json(method, &self.path(template), Some(&self.token), Some(body))
            .await;
        self.assert_refused(&what, &reply, expected).await;
    }

    /// A request with a raw body and content type.
    async fn raw(
        &self,
        method: Method,
        template: &str,
        content_type: Option<&str>,
        body: impl Into<Vec<u8>>,
        expected: Expected,
    ) {
        let body = body.into();
        let what = format!(
            "{method} {template} {content_type:?} {:?}",
            String::from_utf8_lossy(&body[..body.len().min(120)])
        );
        let reply = self
            .app
            .raw(
                method,
                &self.path(template),
                Some(&self.token),
                content_type,
                Some(body),
            )
            .await;
        self.assert_refused(&what, &reply, expected).await;
    }

    /// A request without a body (GET, DELETE) to a path template.
    async fn empty(&self, method: Method, template: &str, expected: Expected) {
        let what = format!("{method} {template}");
        let reply = self
            .app
            .json(method, &self.path(template), Some(&self.token), None)
            .await;
        self.assert_refused(&what, &reply, expected).await;
    }

    /// A multipart/form-data product create.
    async fn form(&self, what: &str, form: Form, expected: Expected) {
        let reply = self
            .app
            .multipart(POST, &self.path(PRODUCTS), Some(&self.token), form)
            .await;
        self.assert_refused(what, &reply, expected).await;
    }
}

fn long(n: usize) -> String {
    "a".repeat(n)
}

#[tokio::test]
async fn malformed_bodies_are_400_and_write_nothing() {
    let ctx = Ctx::new().await;
    let json = Some("application/json");
    let invalid_json: Expected = (400, "invalid_json", None);
    for template in [PRODUCTS, PRODUCT, STORE, STORES] {
        let method = match template {
            PRODUCTS | STORES => POST,
            _ => PATCH,
        };
        ctx.raw(
            method.clone(),
            template,
            json,
            "{\"name\": \"x\", ",
            invalid_json,
        )
        .await;
        ctx.raw(
            method.clone(),
            template,
            json,
            "{\"name\": \"x",
            invalid_json,
        )
        .await;
        ctx.raw(method.clone(), template, json, "not json", invalid_json)
            .await;
        ctx.raw(method.clone(), template, json, "", invalid_json)
            .await;
        ctx.raw(
            method.clone(),
            template,
            json,
            "{\"name\": \"x\"} trailing",
            invalid_json,
        )
        .await;
        ctx.raw(
            method.clone(),
            template,
            json,
            "{'name': 'x'}",
            invalid_json,
        )
        .await;
        ctx.raw(
            method.clone(),
            template,
            json,
            b"{\"name\": \"\xff\xfe\"}".to_vec(),
            invalid_json,
        )
        .await;
        ctx.raw(
            method.clone(),
            template,
            json,
            b"\xef\xbb\xbf{\"name\": \"x\"}".to_vec(),
            invalid_json,
        )
        .await;
        ctx.raw(
            method.clone(),
            template,
            json,
            "[]",
            (400, "invalid_body", None),
        )
        .await;
        ctx.raw(
            method.clone(),
            template,
            json,
            "null",
            (400, "invalid_body", None),
        )
        .await;
        ctx.raw(
            method.clone(),
            template,
            json,
            "\"name\"",
            (400, "invalid_body", None),
        )
        .await;
        // No content type, or the wrong one: 415 even though the bytes are valid JSON.
        let body = "{\"name\": \"x\", \"price\": \"1\"}";
        let unsupported: Expected = (415, "unsupported_media_type", None);
        if template != STORES && template != STORE {
            ctx.raw(method.clone(), template, None, body, unsupported)
                .await;
            ctx.raw(
                method.clone(),
                template,
                Some("text/plain"),
                body,
                unsupported,
            )
            .await;
            ctx.raw(
                method.clone(),
                template,
                Some("application/x-www-form-urlencoded"),
                "name=x&price=1",
                unsupported,
            )
            .await;
        } else {
            let body = "{\"name\": \"x\"}";
            ctx.raw(method.clone(), template, None, body, unsupported)
                .await;
            ctx.raw(
                method.clone(),
                template,
                Some("text/plain"),
                body,
                unsupported,
            )
            .await;
        }
        // More than 64 KiB of JSON.
        let huge = json!({ "name": "x", "description": long(70 * 1024) }).to_string();
        let huge = if template == STORES {
            json!({ "name": long(70 * 1024) }).to_string()
        } else {
            huge
        };
        ctx.raw(
            method.clone(),
            template,
            json,
            huge,
            (413, "body_too_large", None),
        )
        .await;
    }
    ctx.app.stop().await;
}

#[tokio::test]
async fn wrong_types_and_unknown_fields_are_400_naming_the_field() {
    let ctx = Ctx::new().await;
    for (method, template) in [(POST, PRODUCTS), (PATCH, PRODUCT)] {
        let check =
            |body: Value, expected: Expected| ctx.json(method.clone(), template, body, expected);
        check(
            json!({ "name": 5, "price": "1" }),
            (400, "invalid_body", Some("name")),
        )
        .await;
        check(
            json!({ "name": ["x"], "price": "1" }),
            (400, "invalid_body", Some("name")),
        )
        .await;
        check(
            json!({ "name": { "en": "x" }, "price": "1" }),
            (400, "invalid_body", Some("name")),
        )
        .await;
        check(
            json!({ "name": "x", "price_minor": "100" }),
            (400, "invalid_body", Some("price_minor")),
        )
        .await;
        check(
            json!({ "name": "x", "price_minor": 1.5 }),
            (400, "invalid_body", Some("price_minor")),
        )
        .await;
        check(
            json!({ "name": "x", "price_minor": 1e30 }),
            (400, "invalid_body", Some("price_minor")),
        )
        .await;
        check(
            json!({ "name": "x", "price": "1", "stock": "5" }),
            (400, "invalid_body", Some("stock")),
        )
        .await;
        check(
            json!({ "name": "x", "price": "1", "stock": 1.5 }),
            (400, "invalid_body", Some("stock")),
        )
        .await;
        check(
            json!({ "name": "x", "price": "1", "active": "yes" }),
            (400, "invalid_body", Some("active")),
        )
        .await;
        check(
            json!({ "name": "x", "price": "1", "description": 7 }),
            (400, "invalid_body", Some("description")),
        )
        .await;
        check(
            json!({ "name": "x", "price": "1", "category": false }),
            (400, "invalid_body", Some("category")),
        )
        .await;
        check(
            json!({ "name": "x", "price": "1", "category_id": 5 }),
            (400, "invalid_body", Some("category_id")),
        )
        .await;
        // Unknown fields: a typo must not be silently ignored.
        check(
            json!({ "name": "x", "prise": "1" }),
            (400, "invalid_body", Some("prise")),
        )
        .await;
        check(
            json!({ "name": "x", "price": "1", "id": "x" }),
            (400, "invalid_body", Some("id")),
        )
        .await;
        check(
            json!({ "name": "x", "price": "1", "store_id": "x" }),
            (400, "invalid_body", Some("store_id")),
        )
        .await;
        // `price` is parsed from its exact text, so other JSON types are a 422 on price.
        check(
            json!({ "name": "x", "price": true }),
            (422, "invalid_price", Some("price")),
        )
        .await;
        check(
            json!({ "name": "x", "price": [1] }),
            (422, "invalid_price", Some("price")),
        )
        .await;
        check(
            json!({ "name": "x", "price": { "amount": 1 } }),
            (422, "invalid_price", Some("price")),
        )
        .await;
    }
    let check = |body: Value, expected: Expected| ctx.json(PATCH, STORE, body, expected);
    check(json!({ "name": 5 }), (400, "invalid_body", Some("name"))).await;
    check(
        json!({ "slug": "mine" }),
        (400, "invalid_body", Some("slug")),
    )
    .await;
    check(
        json!({ "whatsapp": 98123 }),
        (400, "invalid_body", Some("whatsapp")),
    )
    .await;
    let check = |body: Value, expected: Expected| ctx.json(POST, STORES, body, expected);
    check(json!({}), (400, "invalid_body", None)).await;
    check(json!({ "name": null }), (400, "invalid_body", Some("name"))).await;
    check(
        json!({ "name": "x", "seller_id": "y" }),
        (400, "invalid_body", Some("seller_id")),
    )
    .await;
    ctx.app.stop().await;
}

#[tokio::test]
async fn prices_are_exact_or_refused() {
    let ctx = Ctx::new().await;
    let price: Expected = (422, "invalid_price", Some("price"));
    let price_minor: Expected = (422, "invalid_price", Some("price_minor"));
    for (method, template) in [(POST, PRODUCTS), (PATCH, PRODUCT)] {
        let check = |body: &str, expected: Expected| {
            let body = format!("{{\"name\": \"Dal\", {body}}}");
            ctx.raw(
                method.clone(),
                template,
                Some("application/json"),
                body,
                expected,
            )
        };
        // Rounding would change the price: refused, never rounded.
        check("\"price\": \"1.005\"", price).await;
        check("\"price\": 1.005", price).await;
        check("\"price\": 0.001", price).await;
        check("\"price\": 1299.999999999999999", price).await;
        // Negative, absurd and not-quite-numbers.
        check("\"price\": -1", price).await;
        check("\"price\": \"-1\"", price).await;
        check("\"price\": -0.5", price).await;
        check("\"price\": 1e12", price).await;
        check("\"price\": 1E2", price).await;
        check("\"price\": \"1e3\"", price).await;
        check("\"price\": \"99999999999999\"", price).await;
        check("\"price\": 99999999999999", price).await;
        check("\"price\": 123456789012345678901234567890", price).await;
        check("\"price\": \"1000000000.01\"", price).await;
        check("\"price\": \"1,299\"", price).await;
        check("\"price\": \"₹100\"", price).await;
        check("\"price\": \"१००\"", price).await;
        check("\"price\": \"0x10\"", price).await;
        check("\"price\": \"NaN\"", price).await;
        check("\"price\": \"Infinity\"", price).await;
        check("\"price\": \"12.\"", price).await;
        check("\"price\": \".5\"", price).await;
        check("\"price\": \"\"", price).await;
        check("\"price\": \"  \"", price).await;
        check("\"price_minor\": -1", price_minor).await;
        check("\"price_minor\": 100000000001", price_minor).await;
        check(
            "\"price_minor\": 99999999999999999999",
            (400, "invalid_body", Some("price_minor")),
        )
        .await;
        // Both spellings at once is ambiguous.
        check(
            "\"price\": \"10\", \"price_minor\": 1000",
            (422, "ambiguous_price", Some("price")),
        )
        .await;
        check(
            "\"price\": 10, \"price_minor\": 1000",
            (422, "ambiguous_price", Some("price")),
        )
        .await;
    }
    // A create needs a price at all.
    ctx.json(
        POST,
        PRODUCTS,
        json!({ "name": "Dal" }),
        (422, "missing_field", Some("price")),
    )
    .await;
    ctx.json(
        POST,
        PRODUCTS,
        json!({ "name": "Dal", "price": null }),
        (422, "missing_field", Some("price")),
    )
    .await;
    ctx.json(
        POST,
        PRODUCTS,
        json!({ "price": "1" }),
        (422, "missing_field", Some("name")),
    )
    .await;
    ctx.app.stop().await;
}

#[tokio::test]
async fn names_descriptions_and_other_values_are_checked() {
    let ctx = Ctx::new().await;
    let name: Expected = (422, "invalid_name", Some("name"));
    let description: Expected = (422, "invalid_description", Some("description"));
    for (method, template) in [(POST, PRODUCTS), (PATCH, PRODUCT)] {
        let check = |fields: Value, expected: Expected| {
            let mut body = json!({ "name": "Dal", "price": "10" });
            for (key, value) in fields.as_object().unwrap() {
                body[key] = value.clone();
            }
            ctx.json(method.clone(), template, body, expected)
        };
        check(json!({ "name": "" }), name).await;
        check(json!({ "name": "   \t\n " }), name).await;
        check(json!({ "name": "\u{200B}\u{FEFF}" }), name).await;
        check(json!({ "name": long(201) }), name).await;
        check(json!({ "name": "é".repeat(201) }), name).await;
        check(json!({ "name": "Dal\u{0}" }), name).await;
        check(json!({ "name": "Dal\u{7}" }), name).await;
        check(json!({ "name": "Dal\u{1b}[31m" }), name).await;
        check(json!({ "name": "Dal\u{7f}" }), name).await;
        check(json!({ "name": "Dal\u{202E}lad" }), name).await;
        check(json!({ "name": "Dal\u{2066}" }), name).await;
        check(json!({ "description": long(5001) }), description).await;
        check(json!({ "description": "line\u{0}" }), description).await;
        check(json!({ "description": "bell\u{7}" }), description).await;
        check(json!({ "description": "\u{202D}override" }), description).await;
        check(
            json!({ "category": long(61) }),
            (422, "invalid_name", Some("category")),
        )
        .await;
        check(
            json!({ "category": "Dal\u{0}" }),
            (422, "invalid_name", Some("category")),
        )
        .await;
        check(
            json!({ "category_id": "not-a-uuid" }),
            (422, "invalid_id", Some("category_id")),
        )
        .await;
        check(
            json!({ "category_id": "../../etc/passwd" }),
            (422, "invalid_id", Some("category_id")),
        )
        .await;
        check(
            json!({ "category_id": "00000000-0000-0000-0000-000000000000" }),
            (422, "unknown_category", Some("category_id")),
        )
        .await;
        check(
            json!({ "category": "Pulses", "category_id": "00000000-0000-0000-0000-000000000000" }),
            (422, "ambiguous_category", Some("category")),
        )
        .await;
        check(
            json!({ "stock": -1 }),
            (422, "invalid_stock", Some("stock")),
        )
        .await;
        check(
            json!({ "stock": 10_000_000_000i64 }),
            (422, "invalid_stock", Some("stock")),
        )
        .await;
    }
    let check = |body: Value, expected: Expected| ctx.json(PATCH, STORE, body, expected);
    check(json!({ "name": "" }), name).await;
    check(json!({ "name": long(81) }), name).await;
    check(json!({ "name": "Shop\u{0}" }), name).await;
    check(json!({ "description": long(5001) }), description).await;
    check(
        json!({ "accent_colour": "red" }),
        (422, "invalid_colour", Some("accent_colour")),
    )
    .await;
    check(
        json!({ "accent_colour": "#12345g" }),
        (422, "invalid_colour", Some("accent_colour")),
    )
    .await;
    check(
        json!({ "currency": "BTC" }),
        (422, "invalid_currency", Some("currency")),
    )
    .await;
    check(
        json!({ "whatsapp": "abc" }),
        (422, "invalid_phone", Some("whatsapp")),
    )
    .await;
    check(
        json!({ "whatsapp": "12345" }),
        (422, "invalid_phone", Some("whatsapp")),
    )
    .await;
    let check = |body: Value, expected: Expected| ctx.json(POST, STORES, body, expected);
    check(json!({ "name": "" }), name).await;
    check(json!({ "name": "\u{7}" }), name).await;
    check(json!({ "name": long(81) }), name).await;
    ctx.app.stop().await;
}

#[tokio::test]
async fn bad_multipart_bodies_are_refused() {
    let ctx = Ctx::new().await;
    let text = |name: &str, price: &str| {
        Form::new()
            .text("name", name.to_owned())
            .text("price", price.to_owned())
    };
    ctx.form(
        "unknown field",
        text("Dal", "10").text("prise", "1"),
        (400, "unknown_field", Some("prise")),
    )
    .await;
    ctx.form(
        "duplicate field",
        text("Dal", "10").text("name", "Dal 2"),
        (400, "duplicate_field", Some("name")),
    )
    .await;
    ctx.form(
        "invalid utf-8",
        Form::new()
            .part("name", Part::bytes(vec![b'D', 0xff, 0xfe]))
            .text("price", "10"),
        (400, "invalid_utf8", Some("name")),
    )
    .await;
    ctx.form(
        "field over 64 KiB",
        text("Dal", "10").text("description", long(70 * 1024)),
        (413, "field_too_large", Some("description")),
    )
    .await;
    ctx.form(
        "rounding price",
        text("Dal", "1.005"),
        (422, "invalid_price", Some("price")),
    )
    .await;
    ctx.form(
        "negative price",
        text("Dal", "-1"),
        (422, "invalid_price", Some("price")),
    )
    .await;
    ctx.form(
        "absurd price",
        text("Dal", "99999999999999"),
        (422, "invalid_price", Some("price")),
    )
    .await;
    ctx.form(
        "both prices",
        text("Dal", "10").text("price_minor", "1000"),
        (422, "ambiguous_price", Some("price")),
    )
    .await;
    ctx.form(
        "fractional price_minor",
        Form::new().text("name", "Dal").text("price_minor", "10.5"),
        (422, "invalid_price", Some("price_minor")),
    )
    .await;
    ctx.form(
        "no price",
        Form::new().text("name", "Dal"),
        (422, "missing_field", Some("price")),
    )
    .await;
    ctx.form(
        "no name",
        Form::new().text("price", "10"),
        (422, "missing_field", Some("name")),
    )
    .await;
    ctx.form(
        "empty name",
        text("", "10"),
        (422, "invalid_name", Some("name")),
    )
    .await;
    ctx.form(
        "control character",
        text("Dal\u{7}", "10"),
        (422, "invalid_name", Some("name")),
    )
    .await;
    ctx.form(
        "bad stock",
        text("Dal", "10").text("stock", "-3"),
        (422, "invalid_stock", Some("stock")),
    )
    .await;
    let multipart = |boundary: &str| format!("multipart/form-data; boundary={boundary}");
    ctx.raw(
        POST,
        PRODUCTS,
        Some(&multipart("XYZ")),
        "garbage",
        (400, "invalid_multipart", None),
    )
    .await;
    ctx.raw(
        POST,
        PRODUCTS,
        Some(&multipart("XYZ")),
        "--XYZ\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nDal",
        (400, "invalid_multipart", None),
    )
    .await;
    ctx.raw(
        POST,
        PRODUCTS,
        Some("multipart/form-data"),
        "--x--",
        (400, "invalid_multipart", None),
    )
    .await;
    ctx.app.stop().await;
}

#[tokio::test]
async fn bad_ids_in_paths_are_404() {
    let ctx = Ctx::new().await;
    let not_found: Expected = (404, "not_found", None);
    let p = "{p}";
    let s = "{s}";
    for template in [
        "/api/v1/stores/..%2F..%2Fetc/products".to_owned(),
        "/api/v1/stores/..%2F..%2Fetc%2Fpasswd".to_owned(),
        "/api/v1/stores/123/products".to_owned(),
        "/api/v1/stores/{s}%00/products".to_owned(),
        "/api/v1/stores/%7B{s}%7D/products".to_owned(),
        "/api/v1/stores/00000000-0000-0000-0000-000000000000/products".to_owned(),
        "/api/v1/stores/00000000000000000000000000000000/products".to_owned(),
        format!("/api/v1/stores/{}/categories", "9".repeat(5000)),
        format!("/api/v1/stores/{s}/products/..%2F..%2F{p}"),
        format!("/api/v1/stores/{s}/products/{p}%2F..%2F{p}"),
        format!("/api/v1/stores/{s}/products/not-a-uuid"),
        format!("/api/v1/stores/{s}/products/urn:uuid:{p}"),
        format!("/api/v1/stores/{s}/products/00000000-0000-0000-0000-000000000000"),
    ] {
        ctx.empty(GET, &template, not_found).await;
        if template.contains("/products/") {
            ctx.empty(DELETE, &template, not_found).await;
            ctx.json(PATCH, &template, json!({ "name": "Gone" }), not_found)
                .await;
            ctx.raw(
                PUT,
                &format!("{template}/image"),
                Some("image/jpeg"),
                support::jpeg(8, 8),
                not_found,
            )
            .await;
        } else if template.ends_with("/products") {
            ctx.json(
                POST,
                &template,
                json!({ "name": "Lost", "price": "1" }),
                not_found,
            )
            .await;
        }
    }
    for template in ["/api/v1/stores/..%2F..%2Fetc", "/api/v1/stores/not-a-store"] {
        ctx.json(PATCH, template, json!({ "name": "Gone" }), not_found)
            .await;
        ctx.raw(
            PUT,
            &format!("{template}/logo"),
            Some("image/jpeg"),
            support::jpeg(8, 8),
            not_found,
        )
        .await;
    }
    ctx.app.stop().await;
}

#[tokio::test]
async fn bad_listing_queries_are_refused() {
    let ctx = Ctx::new().await;
    let price_cursor = format!("p.100.{}", ctx.product_id);
    let seller = &ctx;
    let check = |query: String, expected: Expected| async move {
        seller
            .empty(GET, &format!("{PRODUCTS}?{query}"), expected)
            .await;
    };
    check("sort=cheapest".into(), (422, "invalid_sort", Some("sort"))).await;
    check("sort=PRICE_ASC".into(), (422, "invalid_sort", Some("sort"))).await;
    check(
        "sort=name;drop%20table%20products".into(),
        (422, "invalid_sort", Some("sort")),
    )
    .await;
    check(
        "after=garbage".into(),
        (422, "invalid_cursor", Some("after")),
    )
    .await;
    check(
        "after=..%2F..%2Fetc".into(),
        (422, "invalid_cursor", Some("after")),
    )
    .await;
    check(
        format!("after={}", "a".repeat(5000)),
        (422, "invalid_cursor", Some("after")),
    )
    .await;
    check(
        format!("sort=name&after={price_cursor}"),
        (422, "invalid_cursor", Some("after")),
    )
    .await;
    check(
        format!("after={price_cursor}"),
        (422, "invalid_cursor", Some("after")),
    )
    .await;
    check(
        "sort=price_asc&after=p.abc.x".into(),
        (422, "invalid_cursor", Some("after")),
    )
    .await;
    check("limit=0".into(), (400, "invalid_limit", Some("limit"))).await;
    check("limit=101".into(), (400, "invalid_limit", Some("limit"))).await;
    check("limit=-1".into(), (400, "invalid_query", None)).await;
    check("limit=abc".into(), (400, "invalid_query", None)).await;
    check("limit=1.5".into(), (400, "invalid_query", None)).await;
    check("limit=99999999999".into(), (400, "invalid_query", None)).await;
    // The public catalog refuses the same mistakes.
    let (status, store) = ctx.app.get_json(&ctx.path(STORE), Some(&ctx.token)).await;
    assert_eq!(status, 200);
    let slug = store["slug"].as_str().unwrap();
    for (query, field) in [
        ("sort=cheapest", "sort"),
        ("after=garbage", "after"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=abc", "limit"),
        ("category=12", "category"),
    ] {
        let reply = ctx
            .app
            .json(
                GET,
                &format!("/api/v1/storefront/{slug}?{query}"),
                None,
                None,
            )
            .await;
        assert_eq!(
            (reply.status, reply.field()),
            (422, Some(field)),
            "{query}: {}",
            reply.body
        );
        reply.assert_error_shape();
    }
    ctx.app.stop().await;
}

#[tokio::test]
async fn markup_is_stored_as_typed_and_escaped_when_shown() {
    let app = TestApp::spawn().await;
    let (token, store) = app.seller_with_store("Mehta <b>Stores</b>").await;
    assert_eq!(store["name"], "Mehta <b>Stores</b>");
    let store_id = store["id"].as_str().unwrap();
    let slug = store["slug"].as_str().unwrap();
    let name = "<script>alert(1)</script>";
    let description = "<img src=x onerror=alert(2)> & \"quotes\" 'too'";
    let product = app
        .create_product(
            &token,
            store_id,
            json!({ "name": name, "price": "10", "description": description,
                    "category": "<i>Snacks</i>" }),
        )
        .await;
    assert_eq!(product["name"], name);
    assert_eq!(product["description"], description);
    assert_eq!(product["category"]["name"], "<i>Snacks</i>");
    let product_id = product["id"].as_str().unwrap();

    // The JSON APIs give the text back exactly.
    let (_, stored) = app
        .get_json(
            &format!("/api/v1/stores/{store_id}/products/{product_id}"),
            Some(&token),
        )
        .await;
    assert_eq!(
        (&stored["name"], &stored["description"]),
        (&json!(name), &json!(description))
    );
    let (_, catalog) = app
        .get_json(&format!("/api/v1/storefront/{slug}"), None)
        .await;
    assert_eq!(catalog["products"][0]["name"], name);
    assert_eq!(catalog["products"][0]["description"], description);
    assert_eq!(catalog["store"]["name"], "Mehta <b>Stores</b>");

    // The pages escape it.
    for path in [format!("/{slug}"), format!("/{slug}/p/{product_id}")] {
        let (status, html) = app.get_text(&path).await;
        assert_eq!(status, 200, "{path}");
        for raw in [
            "<script>alert(1)</script>",
            "<img src=x",
            "<b>Stores</b>",
            "<i>Snacks</i>",
        ] {
            assert!(!html.contains(raw), "{path} shows {raw} unescaped:\n{html}");
        }
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{path}:\n{html}"
        );
        assert!(
            html.contains("Mehta &lt;b&gt;Stores&lt;/b&gt;"),
            "{path}:\n{html}"
        );
    }
    let (_, html) = app.get_text(&format!("/{slug}/p/{product_id}")).await;
    assert!(
        html.contains("&lt;img src=x onerror=alert(2)&gt;"),
        "{html}"
    );
    app.stop().await;
}

#[tokio::test]
async fn unknown_api_routes_and_methods_answer_in_the_error_shape() {
    let ctx = Ctx::new().await;
    let check = |method: Method, template: &'static str, expected: Expected| {
        ctx.empty(method, template, expected)
    };
    let not_found: Expected = (404, "not_found", None);
    let not_allowed: Expected = (405, "method_not_allowed", None);
    check(GET, "/api/v1/nope", not_found).await;
    check(
        GET,
        "/api/v1/stores/{s}/products/{p}/image/extra",
        not_found,
    )
    .await;
    check(GET, "/api/v2/stores", not_found).await;
    check(PUT, STORES, not_allowed).await;
    check(DELETE, STORE, not_allowed).await;
    check(POST, PRODUCT, not_allowed).await;
    check(GET, "/api/v1/stores/{s}/logo", not_allowed).await;
    check(DELETE, "/api/v1/openapi.json", not_allowed).await;
    ctx.app.stop().await;
}
