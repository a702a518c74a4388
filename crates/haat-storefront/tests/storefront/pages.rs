//! Status codes and headers of every HTML answer: found, missing, malformed, unavailable.
//! A shopper never sees a 5xx for bad input, and every page is HTML.

use haat_domain::catalog::{CatalogCursor, CatalogSort};
use haat_domain::ProductId;

use crate::support::*;

/// Requests `uri` from the sample store (or a failing copy of it) and checks the status,
/// that the answer is an HTML page, and that it says `phrase`.
async fn check(uri: &str, catalog_up: bool, status: u16, phrase: &str) {
    let mut catalog = chai_point();
    catalog.failing = !catalog_up;
    let response = get(&app(catalog), uri).await;
    assert_eq!(response.status, status, "{uri}: {}", response.body);
    assert_eq!(
        response.header("content-type"),
        "text/html; charset=utf-8",
        "{uri}"
    );
    assert!(response.body.starts_with("<!doctype html>"), "{uri}");
    assert!(
        response.body.contains(phrase),
        "{uri}: missing {phrase:?} in\n{}",
        response.body
    );
    // Found pages may sit briefly in a CDN (docs/FRESHNESS.md); error pages revalidate
    // every time; a 503 is never stored.
    let cache_control = match status {
        503 => "no-store",
        200 => "public, max-age=0, s-maxage=1, stale-while-revalidate=5",
        _ => "public, max-age=0, must-revalidate",
    };
    if status == 200 {
        assert_eq!(response.header("vary"), "accept-encoding", "{uri}");
        assert!(response.header("etag").starts_with('"'), "{uri}");
    }
    assert_eq!(response.header("cache-control"), cache_control, "{uri}");
    assert!(
        response
            .header("content-security-policy")
            .contains("default-src 'none'"),
        "{uri}"
    );
}

const UP: bool = true;
const DOWN: bool = false;

#[tokio::test]
async fn found_pages() {
    check("/chai-point", UP, 200, "Masala Chai").await;
    check("/chai-point?sort=newest", UP, 200, "Masala Chai").await;
    check("/chai-point?sort=&category=&after=", UP, 200, "Masala Chai").await;
    check(
        &format!("/chai-point/p/{MASALA_CHAI}"),
        UP,
        200,
        "Masala Chai",
    )
    .await;
}

#[tokio::test]
async fn unknown_stores_and_products_are_friendly_404s() {
    check(
        "/no-such-store",
        UP,
        404,
        "We couldn&#x27;t find this store",
    )
    .await;
    check("/Chai-Point", UP, 404, "find this store").await;
    check("/a", UP, 404, "find this store").await;
    check("/api", UP, 404, "find this store").await;
    check("/%FF%FE", UP, 404, "find this store").await;
    check(&format!("/{}", "x".repeat(500)), UP, 404, "find this store").await;
    check(
        &format!("/no-such-store/p/{MASALA_CHAI}"),
        UP,
        404,
        "no longer available",
    )
    .await;
    check(
        &format!("/chai-point/p/{}", ProductId::new()),
        UP,
        404,
        "no longer available",
    )
    .await;
    check(
        "/chai-point/p/not-a-uuid",
        UP,
        404,
        "See the rest of the store",
    )
    .await;
    check("/chai-point/p/%00", UP, 404, "no longer available").await;
    check("/chai-point/p/", UP, 404, "this page").await;
    check(
        "/chai-point/nope/deeper",
        UP,
        404,
        "We couldn&#x27;t find this page",
    )
    .await;
}

#[tokio::test]
async fn malformed_listing_parameters_are_400s() {
    let price_cursor = CatalogCursor::Price {
        price_minor: 5,
        id: ProductId::new(),
    }
    .encode();
    check("/chai-point?sort=cheapest", UP, 400, "sort must be one of").await;
    check("/chai-point?sort=%FF", UP, 400, "sort must be one of").await;
    check(
        "/chai-point?category=12",
        UP,
        400,
        "not a valid category id",
    )
    .await;
    check(
        "/chai-point?after=garbage",
        UP,
        400,
        "the page cursor is not valid",
    )
    .await;
    check(
        "/chai-point?after=..%2F..%2Fetc%2Fpasswd",
        UP,
        400,
        "cursor",
    )
    .await;
    check(
        &format!("/chai-point?sort=name&after={price_cursor}"),
        UP,
        400,
        "cursor",
    )
    .await;
    check(
        &format!("/chai-point?after={}", "c".repeat(5000)),
        UP,
        400,
        "cursor",
    )
    .await;
    check(
        "/chai-point?sort=cheapest",
        UP,
        400,
        "href=\"http://127.0.0.1:8080/chai-point\"",
    )
    .await;
    let cursor = CatalogCursor::Name {
        name_key: "x".into(),
        id: ProductId::new(),
    }
    .encode();
    check(
        &format!(
            "/chai-point?sort={}&after={cursor}",
            CatalogSort::Name.as_str()
        ),
        UP,
        200,
        "seen everything",
    )
    .await;
}

#[tokio::test]
async fn catalog_failures_are_friendly_503s() {
    check("/chai-point", DOWN, 503, "This store is taking a break").await;
    check(
        &format!("/chai-point/p/{MASALA_CHAI}"),
        DOWN,
        503,
        "try again in a moment",
    )
    .await;
    let mut catalog = chai_point();
    catalog.failing = true;
    let response = get(&app(catalog), "/chai-point").await;
    assert_eq!(response.header("retry-after"), "5");
    assert!(!response.body.contains("connection refused"));
}
