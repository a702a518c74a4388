//! Search: `GET /{slug}/search` (HTML), `GET /api/v1/storefront/{slug}/search` and
//! `…/search/suggest` (JSON), against a fake `ProductSearch` that records what it was
//! asked. The engines themselves are tested in haat-search and haat-db; these tests look
//! at what the storefront asks and what a shopper (or a client) gets back.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use haat_domain::{CategoryId, ProductId};
use haat_storefront::{
    SearchEngine, SearchQuery, SearchSort, Suggestion, MAX_SEARCH_CHARS, MAX_SEARCH_PAGES,
};
use serde_json::{json, Value};

use crate::support::*;

const HTML_CACHE_CONTROL: &str = "public, max-age=0, s-maxage=1, stale-while-revalidate=5";

/// The sample store with a search that finds its three products.
fn searchable() -> (Router, Arc<FakeSearch>) {
    searchable_with(|_| {})
}

/// The sample store with a search adjusted by `adjust`.
fn searchable_with(adjust: impl FnOnce(&mut FakeSearch)) -> (Router, Arc<FakeSearch>) {
    let catalog = chai_point();
    let mut search = FakeSearch::of(&catalog);
    adjust(&mut search);
    let search = Arc::new(search);
    (app_with_search(catalog, Arc::clone(&search)), search)
}

/// A store of `count` products named `Product 001`…, all found by any search.
fn big_store(count: usize) -> (Router, Arc<FakeSearch>) {
    let mut catalog = MemoryCatalog::new(store("big", "Big Bazaar"));
    for index in 1..=count {
        catalog.add(product(&format!("Product {index:03}"), index as i64 * 100));
    }
    let search = Arc::new(FakeSearch::of(&catalog));
    (app_with_search(catalog, Arc::clone(&search)), search)
}

/// Requests `uri` and checks a 200 HTML search page carrying the usual headers, every
/// `expected` fragment and none of the `unexpected` ones; returns the body.
async fn check_page(router: &Router, uri: &str, expected: &[&str], unexpected: &[&str]) -> String {
    let response = get(router, uri).await;
    assert_eq!(response.status, 200, "{uri}: {}", response.body);
    assert_eq!(
        response.header("content-type"),
        "text/html; charset=utf-8",
        "{uri}"
    );
    assert_eq!(
        response.header("cache-control"),
        HTML_CACHE_CONTROL,
        "{uri}"
    );
    assert!(
        response
            .header("content-security-policy")
            .contains("default-src 'none'"),
        "{uri}"
    );
    assert_eq!(
        response.header("x-content-type-options"),
        "nosniff",
        "{uri}"
    );
    assert!(response.body.starts_with("<!doctype html>"), "{uri}");
    assert_fragments(uri, &response.body, expected, unexpected);
    response.body
}

fn tea() -> CategoryId {
    CategoryId::parse(TEA).unwrap()
}

#[tokio::test]
async fn results_page_shows_count_facets_sort_and_cards() {
    let (router, search) = searchable();
    check_page(
        &router,
        "/chai-point/search?q=chai",
        &[
            "<meta name=\"robots\" content=\"noindex\">",
            "<title>Search results for “chai” · Chai Point</title>",
            "<h1>Chai Point</h1>",
            "<input type=\"search\" name=\"q\" id=\"q\" value=\"chai\"",
            "<h2 class=\"count\">3 results for “chai”</h2>",
            // Cards are the store page's cards.
            "<p class=\"name\">Masala Chai</p><span class=\"price\">₹1,299.50</span>",
            &format!("href=\"http://127.0.0.1:8080/chai-point/p/{MASALA_CHAI}\""),
            "<span class=\"badge\">Sold out</span>",
            "<form class=\"add\" method=\"post\" action=\"/chai-point/cart\" data-cart-add>",
            "&lt;script&gt;alert(1)&lt;/script&gt; Cake",
            // Facet chips with counts; links keep the search.
            "<a class=\"chip on\" href=\"?q=chai\" aria-current=\"page\">All <span class=\"n\">3</span></a>",
            &format!(
                "<a class=\"chip\" href=\"?q=chai&amp;category={TEA}\">Tea <span class=\"n\">1</span></a>"
            ),
            &format!(
                "<a class=\"chip\" href=\"?q=chai&amp;category={SNACKS}\">Snacks <span class=\"n\">1</span></a>"
            ),
            // The sort and filter form keeps the text.
            "<form class=\"sort filters\" method=\"get\">",
            "<input type=\"hidden\" name=\"q\" value=\"chai\">",
            "<label for=\"min_price\">Min ₹</label>",
            "<option value=\"relevance\" selected>Best match</option>",
            "<option value=\"price_asc\">Price: low to high</option>",
            "<option value=\"newest\">Newest first</option>",
            "<a class=\"btn btn-outline\" href=\"http://127.0.0.1:8080/chai-point\">See all products</a>",
        ],
        &[
            "<script>",
            "No results",
            "Popular in",
            "class=\"pager",
            "name=\"category\"",
        ],
    )
    .await;
    assert_eq!(
        search.queries(),
        [SearchQuery {
            text: "chai".to_owned(),
            page: 1,
            per_page: 48,
            ..SearchQuery::default()
        }]
    );
}

#[tokio::test]
async fn filters_reach_the_search_and_stay_in_the_form() {
    let (router, search) = searchable();
    check_page(
        &router,
        &format!(
            "/chai-point/search?q=masala+chai&category={TEA}&min_price=100&max_price=2000.5&sort=price_desc&utm_source=whatsapp"
        ),
        &[
            &format!("<input type=\"hidden\" name=\"category\" value=\"{TEA}\">"),
            "name=\"min_price\" value=\"100\"",
            "name=\"max_price\" value=\"2000.50\"",
            "<option value=\"price_desc\" selected>",
            &format!(
                "<a class=\"chip on\" href=\"?q=masala+chai&amp;category={TEA}&amp;min_price=100&amp;max_price=2000.50&amp;sort=price_desc\" aria-current=\"page\">Tea"
            ),
            "<a class=\"chip\" href=\"?q=masala+chai&amp;min_price=100&amp;max_price=2000.50&amp;sort=price_desc\">All",
        ],
        &[],
    )
    .await;
    assert_eq!(
        search.last_query(),
        SearchQuery {
            text: "masala chai".to_owned(),
            category: Some(tea()),
            min_price_minor: Some(10000),
            max_price_minor: Some(200050),
            sort: SearchSort::PriceDesc,
            page: 1,
            per_page: 48,
        }
    );
}

#[tokio::test]
async fn pages_link_to_each_other() {
    let (router, search) = big_store(100);
    let body = check_page(
        &router,
        "/big/search?q=product&sort=price_asc&page=2",
        &[
            "<h2 class=\"count\">100 results for “product”</h2>",
            "<nav class=\"pager pages\" aria-label=\"Page 2 of 3\">",
            "<a class=\"btn btn-outline\" rel=\"prev\" href=\"?q=product&amp;sort=price_asc\">Previous</a>",
            "<a class=\"pg\" href=\"?q=product&amp;sort=price_asc\">1</a>",
            "<span class=\"pg on\" aria-current=\"page\">2</span>",
            "<a class=\"pg\" href=\"?q=product&amp;sort=price_asc&amp;page=3\">3</a>",
            "<a class=\"btn btn-accent\" rel=\"next\" href=\"?q=product&amp;sort=price_asc&amp;page=3\">Next</a>",
            "Product 049",
        ],
        &["Product 048<", "Product 097"],
    )
    .await;
    assert_eq!(body.matches("<li class=\"cell\">").count(), 48);
    assert_eq!(search.last_query().page, 2);

    // A shared link past the last page shows the last page, not an empty one.
    let (router, search) = big_store(100);
    let body = check_page(
        &router,
        "/big/search?q=product&page=9",
        &["Page 3 of 3", "Product 100", "rel=\"prev\""],
        &["rel=\"next\"", "No results"],
    )
    .await;
    assert_eq!(body.matches("<li class=\"cell\">").count(), 4);
    let pages: Vec<u32> = search.queries().iter().map(|query| query.page).collect();
    assert_eq!(pages, [9, 3]);

    // Never more page links than a shopper may open.
    let (router, _) = big_store(2000);
    check_page(
        &router,
        "/big/search?q=product&page=20",
        &[
            "aria-label=\"Page 20 of 20\"",
            "<span class=\"pg gap\">…</span>",
        ],
        &["page=21", "rel=\"next\""],
    )
    .await;
}

#[tokio::test]
async fn nothing_found_offers_a_correction_and_popular_products() {
    let (router, search) = searchable_with(|search| {
        *search = FakeSearch::of(&chai_point()).finding_nothing();
        search.did_you_mean = Some("masala chai".to_owned());
    });
    let body = check_page(
        &router,
        "/chai-point/search?q=masla+chia&sort=newest",
        &[
            "<h2>No results for “masla chia”</h2>",
            "<p class=\"dym\">Did you mean <a href=\"?q=masala+chai&amp;sort=newest\">masala chai</a>?</p>",
            "Check the spelling",
            "<h2>Popular in Chai Point</h2>",
            "<p class=\"name\">Masala Chai</p>",
            "<p class=\"name\">Samosa</p>",
            "value=\"masla chia\"",
        ],
        &["Cake", "class=\"count\"", "class=\"pager", "<form class=\"sort"],
    )
    .await;
    // The popular products' photos are the first on the page: loaded at once.
    assert!(body.contains("loading=\"eager\""));
    assert_eq!(search.last_query().sort, SearchSort::Newest);

    // No correction found: no "did you mean"; filters on: a way to drop them.
    let (router, _) = searchable_with(|search| {
        *search = FakeSearch::of(&chai_point()).finding_nothing();
    });
    check_page(
        &router,
        &format!("/chai-point/search?q=kulfi&category={TEA}&max_price=50"),
        &[
            "No results for “kulfi”",
            "<a class=\"btn btn-accent\" href=\"?q=kulfi\">Search without filters</a>",
            // The filters stay editable.
            "name=\"max_price\" value=\"50\"",
            "Popular in Chai Point",
        ],
        &["Did you mean"],
    )
    .await;

    // A store with no products at all still gets a page with words on it.
    let empty = MemoryCatalog::new(store("empty-shop", "Empty Shop"));
    let search = Arc::new(FakeSearch::of(&empty));
    let router = app_with_search(empty, search);
    check_page(
        &router,
        "/empty-shop/search?q=anything",
        &["No results for “anything”", "See all products"],
        &["Popular in", "<ul class=\"grid\">"],
    )
    .await;
    check_page(
        &router,
        "/empty-shop/search",
        &["No products yet", "Empty Shop is setting up shop"],
        &["<ul class=\"grid\">"],
    )
    .await;
}

#[tokio::test]
async fn an_empty_query_shows_the_box_and_popular_products() {
    let (router, search) = searchable();
    for uri in [
        "/chai-point/search",
        "/chai-point/search?q=",
        "/chai-point/search?q=+%09+",
    ] {
        check_page(
            &router,
            uri,
            &[
                "<title>Search · Chai Point</title>",
                "<input type=\"search\" name=\"q\" id=\"q\" value=\"\"",
                "<h2>Popular in Chai Point</h2>",
                "<p class=\"name\">Masala Chai</p>",
                "<link rel=\"canonical\" href=\"http://127.0.0.1:8080/chai-point/search\">",
            ],
            &[
                "class=\"count\"",
                "No results",
                "class=\"chip",
                "<form class=\"sort",
            ],
        )
        .await;
        assert_eq!(search.last_query().text, "");
    }
}

#[tokio::test]
async fn store_pages_carry_the_search_box() {
    let (router, _) = searchable();
    let form = [
        "<form class=\"search\" method=\"get\" action=\"/chai-point/search\" role=\"search\">",
        "<label class=\"vh\" for=\"q\">Search Chai Point</label>",
        "<input type=\"search\" name=\"q\" id=\"q\" value=\"\"",
        "<button class=\"btn btn-light\" type=\"submit\">Search</button>",
    ];
    for uri in ["/chai-point", "/chai-point?sort=price_asc"] {
        let response = get(&router, uri).await;
        assert_eq!(response.status, 200, "{uri}");
        for fragment in form {
            assert!(
                response.body.contains(fragment),
                "{uri}: missing {fragment}"
            );
        }
    }
    // Without search, no box that would lead to a 404.
    let response = get(&app(chai_point()), "/chai-point").await;
    assert_eq!(response.status, 200);
    assert!(!response.body.contains("/chai-point/search"));
}

/// What a shopper's link may hold; none of it may break the page.
fn garbage() -> Vec<String> {
    let long = "chai+".repeat(2000);
    [
        format!("q={long}"),
        "q=%E2%98%95%F0%9F%8D%B0+chai".to_owned(),
        "q=name%3Afoo+OR+*".to_owned(),
        "q=%22unterminated".to_owned(),
        "q=%5C".to_owned(),
        "q=%3Cscript%3Ealert(1)%3C%2Fscript%3E".to_owned(),
        "q=%22%3E%3Cimg+src%3Dx+onerror%3Dalert(1)%3E".to_owned(),
        "q=%FF%FE%00%01".to_owned(),
        "q=chai&min_price=-5&max_price=abc".to_owned(),
        "q=chai&min_price=1e9&max_price=NaN".to_owned(),
        "q=chai&min_price=99999999999999999999".to_owned(),
        "q=chai&min_price=500&max_price=100".to_owned(),
        "q=chai&page=0".to_owned(),
        "q=chai&page=99999".to_owned(),
        "q=chai&page=abc".to_owned(),
        "q=chai&page=-1".to_owned(),
        "q=chai&page=99999999999999999999999".to_owned(),
        "q=chai&sort=bogus".to_owned(),
        "q=chai&sort=%3Cscript%3E".to_owned(),
        "q=chai&category=12".to_owned(),
        "q=chai&category=%3Cscript%3E".to_owned(),
        "q=chai&q=%3Cscript%3E&page=2&page=x".to_owned(),
        "q&&&=&==&q=%25%25".to_owned(),
    ]
    .into()
}

/// What a case expects of the search it caused.
type QueryCheck = fn(&SearchQuery) -> bool;

#[tokio::test]
async fn html_never_breaks_on_garbage_parameters() {
    for nothing_found in [false, true] {
        let (router, search) = searchable_with(|search| {
            if nothing_found {
                *search = FakeSearch::of(&chai_point()).finding_nothing();
                search.did_you_mean = Some("<script>x</script>".to_owned());
            }
        });
        for query in garbage() {
            let uri = format!("/chai-point/search?{query}");
            check_page(
                &router,
                &uri,
                &["<input type=\"search\" name=\"q\""],
                &["<script>", "<img src=x"],
            )
            .await;
            let asked = search.last_query();
            assert!(asked.text.chars().count() <= MAX_SEARCH_CHARS, "{query}");
            assert!((1..=MAX_SEARCH_PAGES).contains(&asked.page), "{query}");
            assert_eq!(asked.per_page, 48, "{query}");
            if let (Some(min), Some(max)) = (asked.min_price_minor, asked.max_price_minor) {
                assert!(min <= max, "{query}");
            }
        }
    }
    // What the lenient reading makes of a few of them.
    let (router, search) = searchable();
    let cases: [(&str, QueryCheck); 7] = [
        ("q=%3Cscript%3E", |q| q.text == "<script>"),
        ("q=chai&page=0", |q| q.page == 1),
        ("q=chai&page=99999", |q| q.page == MAX_SEARCH_PAGES),
        ("q=chai&page=abc", |q| q.page == 1),
        ("q=chai&sort=bogus", |q| q.sort == SearchSort::Relevance),
        ("q=chai&min_price=-5&max_price=abc", |q| {
            q.min_price_minor.is_none() && q.max_price_minor.is_none()
        }),
        ("q=chai&min_price=500&max_price=100", |q| {
            (q.min_price_minor, q.max_price_minor) == (Some(10000), Some(50000))
        }),
    ];
    for (query, expected) in cases {
        let before = search.queries().len();
        let response = get(&router, &format!("/chai-point/search?{query}")).await;
        assert_eq!(response.status, 200, "{query}");
        // The first search of the request (a page past the last one is asked again).
        let asked = search.queries().swap_remove(before);
        assert!(expected(&asked), "{query}: {asked:?}");
    }
    let body = get(
        &router,
        "/chai-point/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    )
    .await
    .body;
    assert!(body.contains("value=\"&lt;script&gt;alert(1)&lt;/script&gt;\""));
    assert!(body.contains("for “&lt;script&gt;alert(1)&lt;/script&gt;”"));
    let long = get(
        &router,
        &format!("/chai-point/search?q={}", "x".repeat(5000)),
    )
    .await;
    assert_eq!(long.status, 200);
    assert_eq!(search.last_query().text, "x".repeat(MAX_SEARCH_CHARS));
}

/// Requests `uri` and checks the status and that the answer is JSON; returns the body.
async fn check_json(router: &Router, uri: &str, status: u16) -> Value {
    let response = get(router, uri).await;
    assert_eq!(response.status, status, "{uri}: {}", response.body);
    assert_eq!(response.header("content-type"), "application/json", "{uri}");
    if status == 200 {
        assert_eq!(
            response.header("cache-control"),
            HTML_CACHE_CONTROL,
            "{uri}"
        );
    }
    response.json()
}

#[tokio::test]
async fn search_json_shape() {
    let (router, search) = searchable();
    let body = check_json(&router, "/api/v1/storefront/chai-point/search?q=chai", 200).await;
    // Products have exactly the catalog JSON's shape.
    let catalog = check_json(&router, "/api/v1/storefront/chai-point", 200).await;
    assert_eq!(body["products"], catalog["products"]);
    assert_eq!(
        body["facets"],
        json!([
            {"category_id": TEA, "name": "Tea", "count": 1},
            {"category_id": SNACKS, "name": "Snacks", "count": 1},
            {"category_id": null, "name": null, "count": 1},
        ])
    );
    let mut fields: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "did_you_mean",
            "engine",
            "facets",
            "page",
            "per_page",
            "popular",
            "products",
            "total"
        ]
    );
    assert_eq!(
        (
            &body["total"],
            &body["page"],
            &body["per_page"],
            &body["did_you_mean"],
            &body["popular"],
            &body["engine"]
        ),
        (
            &json!(3),
            &json!(1),
            &json!(48),
            &Value::Null,
            &json!([]),
            &json!("index")
        )
    );
    let uri = format!(
        "/api/v1/storefront/chai-point/search?q=chai&category={TEA}&min_price=499.50&max_price=1500&sort=newest&page=2"
    );
    let body = check_json(&router, &uri, 200).await;
    assert_eq!(body["page"], 2);
    assert_eq!(
        search.last_query(),
        SearchQuery {
            text: "chai".to_owned(),
            category: Some(tea()),
            min_price_minor: Some(49950),
            max_price_minor: Some(150000),
            sort: SearchSort::Newest,
            page: 2,
            per_page: 48,
        }
    );

    let (router, _) = searchable_with(|search| {
        *search = FakeSearch::of(&chai_point()).finding_nothing();
        search.did_you_mean = Some("masala chai".to_owned());
        search.engine = SearchEngine::Fallback;
    });
    let body = check_json(&router, "/api/v1/storefront/chai-point/search?q=masla", 200).await;
    assert_eq!(body["total"], 0);
    assert_eq!(body["products"], json!([]));
    assert_eq!(body["did_you_mean"], "masala chai");
    assert_eq!(body["engine"], "fallback");
    let popular: Vec<&str> = body["popular"]
        .as_array()
        .unwrap()
        .iter()
        .map(|product| product["name"].as_str().unwrap())
        .collect();
    assert_eq!(popular, ["Masala Chai", "Samosa"]);
    assert_eq!(body["popular"][0]["price"], "1299.50");
}

#[tokio::test]
async fn search_json_names_the_bad_parameter() {
    let (router, search) = searchable();
    let cases = [
        ("category=12", "category", "invalid_id"),
        ("category=%3Cscript%3E", "category", "invalid_id"),
        ("min_price=abc", "min_price", "invalid_price"),
        ("min_price=-5", "min_price", "invalid_price"),
        ("max_price=1e9", "max_price", "invalid_price"),
        ("max_price=10.999", "max_price", "invalid_price"),
        (
            "min_price=99999999999999999999",
            "min_price",
            "invalid_price",
        ),
        ("min_price=500&max_price=100", "max_price", "invalid_price"),
        ("sort=bogus", "sort", "invalid_sort"),
        ("sort=category", "sort", "invalid_sort"),
        ("page=0", "page", "invalid_page"),
        ("page=21", "page", "invalid_page"),
        ("page=99999", "page", "invalid_page"),
        ("page=abc", "page", "invalid_page"),
        ("page=-1", "page", "invalid_page"),
    ];
    for (query, field, code) in cases {
        let uri = format!("/api/v1/storefront/chai-point/search?q=chai&{query}");
        let body = check_json(&router, &uri, 422).await;
        assert_eq!(body["error"]["field"], field, "{query}: {body}");
        assert_eq!(body["error"]["code"], code, "{query}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|message| !message.is_empty() && !message.contains("<script>")),
            "{query}: {body}"
        );
    }
    assert!(search.queries().is_empty(), "refused before searching");

    // Free text is never refused: it is capped.
    for query in [
        format!("q={}", "x".repeat(5000)),
        "q=name%3Afoo+OR+*".to_owned(),
        "q=%22unterminated%5C".to_owned(),
        "q=%E2%98%95".to_owned(),
        "q=%3Cscript%3E".to_owned(),
    ] {
        let uri = format!("/api/v1/storefront/chai-point/search?{query}");
        check_json(&router, &uri, 200).await;
        assert!(search.last_query().text.chars().count() <= MAX_SEARCH_CHARS);
    }
}

#[tokio::test]
async fn suggestions_are_capped_at_eight() {
    let (router, search) = searchable_with(|search| {
        search.suggestions = (1..=12)
            .map(|index| Suggestion {
                product_id: ProductId::new(),
                name: format!("Chai {index}"),
                price_minor: 129950,
            })
            .collect();
    });
    let body = check_json(
        &router,
        "/api/v1/storefront/chai-point/search/suggest?q=ch",
        200,
    )
    .await;
    let suggestions = body["suggestions"].as_array().unwrap();
    assert_eq!(suggestions.len(), 8);
    let first = &suggestions[0];
    let id = first["product_id"].as_str().unwrap();
    assert_eq!(
        first,
        &json!({
            "product_id": id,
            "name": "Chai 1",
            "price": "1299.50",
            "price_minor": 129950,
            "url": format!("http://127.0.0.1:8080/chai-point/p/{id}"),
        })
    );
    assert_eq!(search.suggested(), [("ch".to_owned(), 8)]);

    let long = format!(
        "/api/v1/storefront/chai-point/search/suggest?q={}",
        "☕".repeat(500)
    );
    check_json(&router, &long, 200).await;
    let (text, _) = search.suggested().pop().unwrap();
    assert_eq!(text.chars().count(), MAX_SEARCH_CHARS);
    check_json(&router, "/api/v1/storefront/chai-point/search/suggest", 200).await;
    assert_eq!(search.suggested().pop().unwrap().0, "");
}

#[tokio::test]
async fn unknown_stores_are_404s() {
    let (router, _) = searchable();
    for uri in [
        "/no-such-store/search?q=chai",
        "/NOT_A_SLUG/search?q=chai",
        "/search/search",
        "/%FF/search",
    ] {
        let response = get(&router, uri).await;
        assert_eq!(response.status, 404, "{uri}");
        assert!(response.body.contains("find this store"), "{uri}");
    }
    for uri in [
        "/api/v1/storefront/no-such-store/search?q=chai",
        "/api/v1/storefront/NOT_A_SLUG/search",
        "/api/v1/storefront/no-such-store/search/suggest?q=ch",
        "/api/v1/storefront/%FF/search/suggest?q=ch",
    ] {
        let body = check_json(&router, uri, 404).await;
        assert_eq!(body["error"]["code"], "not_found", "{uri}");
    }
}

#[tokio::test]
async fn without_search_every_search_route_is_a_404() {
    let router = app(chai_point());
    let response = get(&router, "/chai-point/search?q=chai").await;
    assert_eq!(response.status, 404);
    assert!(response.body.contains("We couldn&#x27;t find this page"));
    for uri in [
        "/api/v1/storefront/chai-point/search?q=chai",
        "/api/v1/storefront/chai-point/search/suggest?q=ch",
    ] {
        let body = check_json(&router, uri, 404).await;
        assert_eq!(body["error"]["code"], "not_found", "{uri}");
    }
}

#[tokio::test]
async fn search_failures_are_friendly_503s() {
    let (router, _) = searchable_with(|search| search.failing = true);
    let response = get(&router, "/chai-point/search?q=chai").await;
    assert_eq!(response.status, 503);
    assert!(response.body.contains("This store is taking a break"));
    assert_eq!(response.header("retry-after"), "5");
    assert_eq!(response.header("cache-control"), "no-store");
    assert!(!response.body.contains("index corrupt"));
    for uri in [
        "/api/v1/storefront/chai-point/search?q=chai",
        "/api/v1/storefront/chai-point/search/suggest?q=ch",
    ] {
        let response = get(&router, uri).await;
        assert_eq!(response.status, 503, "{uri}");
        assert_eq!(response.header("retry-after"), "5", "{uri}");
        let body = response.json();
        assert_eq!(body["error"]["code"], "search_unavailable", "{uri}");
        assert!(!response.body.contains("index corrupt"), "{uri}");
    }
}

#[tokio::test]
async fn search_routes_leave_the_other_pages_alone() {
    let (router, search) = searchable();
    let product = get(&router, &format!("/chai-point/p/{MASALA_CHAI}")).await;
    assert_eq!(product.status, 200);
    // "search" as a product id is a missing product, not a search.
    let response = get(&router, "/chai-point/p/search").await;
    assert_eq!(response.status, 404);
    assert!(response.body.contains("no longer available"));
    for uri in [
        "/chai-point/search/more",
        "/chai-point/search/suggest?q=ch",
        "/api/v1/storefront/chai-point/search/suggest/more",
    ] {
        let response = get(&router, uri).await;
        assert_eq!(response.status, 404, "{uri}");
    }
    assert!(search.queries().is_empty());
    assert_eq!(get(&router, "/chai-point/search/").await.status, 404);
}

#[test]
fn openapi_documents_search() {
    let doc = serde_json::to_value(haat_storefront::openapi()).unwrap();
    let parameters = |operation: &Value| -> Vec<String> {
        operation["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let search = &doc["paths"]["/api/v1/storefront/{slug}/search"]["get"];
    assert_eq!(search["operationId"], "storefront_search");
    assert_eq!(
        parameters(search),
        [
            "slug",
            "q",
            "category",
            "min_price",
            "max_price",
            "sort",
            "page"
        ]
    );
    for status in ["200", "422", "404", "503"] {
        assert!(search["responses"][status].is_object(), "{status}");
    }
    let suggest = &doc["paths"]["/api/v1/storefront/{slug}/search/suggest"]["get"];
    assert_eq!(suggest["operationId"], "storefront_search_suggest");
    assert_eq!(parameters(suggest), ["slug", "q"]);
    let schemas = &doc["components"]["schemas"];
    for schema in [
        "StorefrontSearchResults",
        "StorefrontSearchFacet",
        "StorefrontSearchEngine",
        "StorefrontSuggestions",
        "StorefrontSuggestion",
    ] {
        assert!(schemas[schema].is_object(), "{schema}");
    }
    let required = schemas["StorefrontSearchResults"]["required"]
        .as_array()
        .unwrap();
    assert!(required.contains(&json!("did_you_mean")));
    assert_eq!(
        schemas["StorefrontSearchEngine"]["enum"],
        json!(["index", "fallback"])
    );
}

/// Remembers each metric as `name{label=value,...}` with its count.
#[derive(Default)]
struct CapturingRecorder {
    metrics: Mutex<Vec<(String, Arc<AtomicU64>)>>,
}

struct Count(Arc<AtomicU64>);

impl metrics::CounterFn for Count {
    fn increment(&self, value: u64) {
        self.0.fetch_add(value, Ordering::Relaxed);
    }
    fn absolute(&self, value: u64) {
        self.0.store(value, Ordering::Relaxed);
    }
}

impl metrics::HistogramFn for Count {
    fn record(&self, _value: f64) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

impl CapturingRecorder {
    fn handle(&self, key: &metrics::Key) -> Arc<Count> {
        let labels: Vec<String> = key
            .labels()
            .map(|label| format!("{}={}", label.key(), label.value()))
            .collect();
        let name = format!("{}{{{}}}", key.name(), labels.join(","));
        let mut metrics = self.metrics.lock().unwrap();
        let total = match metrics.iter().find(|(existing, _)| *existing == name) {
            Some((_, total)) => Arc::clone(total),
            None => {
                let total = Arc::new(AtomicU64::new(0));
                metrics.push((name, Arc::clone(&total)));
                total
            }
        };
        Arc::new(Count(total))
    }

    fn total(&self, name: &str) -> u64 {
        let metrics = self.metrics.lock().unwrap();
        metrics
            .iter()
            .find(|(existing, _)| existing == name)
            .map_or(0, |(_, total)| total.load(Ordering::Relaxed))
    }
}

impl metrics::Recorder for CapturingRecorder {
    fn describe_counter(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn describe_gauge(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn describe_histogram(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn register_counter(&self, key: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Counter {
        metrics::Counter::from_arc(self.handle(key))
    }
    fn register_gauge(&self, _: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Gauge {
        metrics::Gauge::noop()
    }
    fn register_histogram(
        &self,
        key: &metrics::Key,
        _: &metrics::Metadata<'_>,
    ) -> metrics::Histogram {
        metrics::Histogram::from_arc(self.handle(key))
    }
}

/// The metric names and labels dashboards depend on. A current-thread runtime (the
/// tokio test default) keeps every handler on this thread, under the local recorder.
#[tokio::test]
async fn searches_are_counted_by_engine_and_outcome() {
    let recorder = CapturingRecorder::default();
    let _guard = metrics::set_default_local_recorder(&recorder);
    let (router, _) = searchable();
    get(&router, "/chai-point/search?q=chai").await;
    get(&router, "/api/v1/storefront/chai-point/search?q=chai").await;
    get(&router, "/api/v1/storefront/chai-point/search/suggest?q=ch").await;
    // An empty box is not a search that found nothing.
    get(&router, "/chai-point/search").await;
    let (router, _) = searchable_with(|search| {
        *search = FakeSearch::of(&chai_point()).finding_nothing();
        search.engine = SearchEngine::Fallback;
    });
    get(&router, "/chai-point/search?q=kulfi").await;

    let total = |name: &str| recorder.total(name);
    assert_eq!(
        total("haat_storefront_search_total{engine=index,outcome=results}"),
        2
    );
    assert_eq!(
        total("haat_storefront_search_total{engine=fallback,outcome=empty}"),
        1
    );
    assert_eq!(
        total("haat_storefront_search_total{engine=index,outcome=empty}"),
        0
    );
    assert_eq!(total("haat_storefront_page_build_seconds{page=search}"), 3);
    assert_eq!(
        total("haat_storefront_page_build_seconds{page=search_json}"),
        1
    );
    assert_eq!(total("haat_storefront_page_build_seconds{page=suggest}"), 1);
}
