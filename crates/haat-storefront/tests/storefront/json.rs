//! `GET /api/v1/storefront/{slug}`: the catalog as JSON for headless use.

use serde_json::{json, Value};

use crate::support::*;

/// Requests `uri` from the sample store (failing when `catalog_up` is false) and checks
/// the status; returns the JSON body.
async fn check(uri: &str, catalog_up: bool, status: u16) -> Value {
    let mut catalog = chai_point();
    catalog.failing = !catalog_up;
    let response = get(&app(catalog), uri).await;
    assert_eq!(response.status, status, "{uri}: {}", response.body);
    assert!(
        response
            .header("content-type")
            .starts_with("application/json"),
        "{uri}"
    );
    response.json()
}

const UP: bool = true;
const DOWN: bool = false;

#[tokio::test]
async fn catalog_shape() {
    let body = check("/api/v1/storefront/chai-point", UP, 200).await;
    let store = &body["store"];
    assert_eq!(store["slug"], "chai-point");
    assert_eq!(store["name"], "Chai Point");
    assert_eq!(store["whatsapp"], "+919876543210");
    assert_eq!(store["accent_colour"], "#b45309");
    assert_eq!(store["currency"], "INR");
    assert_eq!(store["url"], "http://127.0.0.1:8080/chai-point");
    assert_eq!(store["logo"], Value::Null);
    assert!(store["id"].as_str().is_some_and(|id| id.len() == 36));
    assert_eq!(
        body["categories"],
        json!([{"id": TEA, "name": "Tea"}, {"id": SNACKS, "name": "Snacks"}])
    );
    assert_eq!(body["next_cursor"], Value::Null);
    let names: Vec<&str> = body["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Masala Chai", "Samosa", "<script>alert(1)</script> Cake"]
    );

    let chai = &body["products"][0];
    let a = "a".repeat(64);
    let variant = |width: u32| {
        json!({
            "width": width,
            "webp": format!("http://127.0.0.1:8080/media/{a}/{width}.webp"),
            "jpeg": format!("http://127.0.0.1:8080/media/{a}/{width}.jpg"),
        })
    };
    assert_eq!(
        chai,
        &json!({
            "id": MASALA_CHAI,
            "name": "Masala Chai",
            "description": "Strong & sweet.\nServed hot.",
            "price": "1299.50",
            "price_minor": 129950,
            "currency": "INR",
            "category_id": TEA,
            "stock": null,
            "sold_out": false,
            "url": format!("http://127.0.0.1:8080/chai-point/p/{MASALA_CHAI}"),
            "image": {"width": 1200, "height": 900, "variants": [variant(160), variant(480), variant(960), variant(1600)]},
        })
    );
    let samosa = &body["products"][1];
    assert_eq!(
        (
            &samosa["stock"],
            &samosa["sold_out"],
            &samosa["image"],
            &samosa["price"]
        ),
        (&json!(0), &json!(true), &Value::Null, &json!("20.00"))
    );
    assert_eq!(body["products"][2]["category_id"], Value::Null);
}

#[tokio::test]
async fn query_parameters() {
    let page = check(
        "/api/v1/storefront/chai-point?sort=price_desc&limit=2",
        UP,
        200,
    )
    .await;
    assert_eq!(page["products"].as_array().unwrap().len(), 2);
    assert_eq!(page["products"][0]["name"], "Masala Chai");
    let cursor = page["next_cursor"].as_str().unwrap();
    let rest = check(
        &format!("/api/v1/storefront/chai-point?sort=price_desc&limit=2&after={cursor}"),
        UP,
        200,
    )
    .await;
    assert_eq!(rest["products"][0]["name"], "Samosa");
    assert_eq!(rest["next_cursor"], Value::Null);
    let filtered = check(
        &format!("/api/v1/storefront/chai-point?category={SNACKS}"),
        UP,
        200,
    )
    .await;
    assert_eq!(filtered["products"].as_array().unwrap().len(), 1);
}

/// Checks that `uri` fails with `status` and the shared error shape naming `code` and,
/// for a bad parameter, the `field` at fault.
async fn check_error(uri: &str, catalog_up: bool, status: u16, code: &str, field: Option<&str>) {
    let body = check(uri, catalog_up, status).await;
    assert_eq!(body["error"]["code"], code, "{uri}: {body}");
    assert_eq!(body["error"]["field"].as_str(), field, "{uri}: {body}");
    assert!(body["error"]["message"]
        .as_str()
        .is_some_and(|message| !message.is_empty()));
}

#[tokio::test]
async fn errors_use_the_shared_shape() {
    check_error(
        "/api/v1/storefront/chai-point?sort=cheapest",
        UP,
        422,
        "invalid_sort",
        Some("sort"),
    )
    .await;
    check_error(
        "/api/v1/storefront/chai-point?category=1",
        UP,
        422,
        "invalid_id",
        Some("category"),
    )
    .await;
    check_error(
        "/api/v1/storefront/chai-point?after=zzz",
        UP,
        422,
        "invalid_cursor",
        Some("after"),
    )
    .await;
    check_error(
        "/api/v1/storefront/chai-point?limit=0",
        UP,
        422,
        "invalid_limit",
        Some("limit"),
    )
    .await;
    check_error(
        "/api/v1/storefront/chai-point?limit=101",
        UP,
        422,
        "invalid_limit",
        Some("limit"),
    )
    .await;
    check_error(
        "/api/v1/storefront/chai-point?limit=ten",
        UP,
        422,
        "invalid_limit",
        Some("limit"),
    )
    .await;
    check_error("/api/v1/storefront/nobody", UP, 404, "not_found", None).await;
    check_error("/api/v1/storefront/NOT_A_SLUG", UP, 404, "not_found", None).await;
    check_error("/api/v1/storefront/%FF", UP, 404, "not_found", None).await;
    check_error(
        "/api/v1/storefront/chai-point",
        DOWN,
        503,
        "catalog_unavailable",
        None,
    )
    .await;
}

#[test]
fn openapi_documents_the_endpoint() {
    let doc = serde_json::to_value(haat_storefront::openapi()).unwrap();
    let operation = &doc["paths"]["/api/v1/storefront/{slug}"]["get"];
    assert_eq!(operation["operationId"], "storefront_catalog");
    let params: Vec<&str> = operation["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(params, ["slug", "sort", "category", "after", "limit"]);
    for schema in [
        "StorefrontCatalog",
        "StorefrontProduct",
        "StorefrontStore",
        "StorefrontImage",
        "ImageVariantUrls",
    ] {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
    }
    let required = &doc["components"]["schemas"]["StorefrontProduct"]["required"];
    assert!(required.as_array().unwrap().contains(&json!("stock")));
}
