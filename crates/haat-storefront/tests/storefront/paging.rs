//! Following "next page" links walks the whole catalog: every product once, none twice,
//! in every order, through the HTML pages and through the JSON cursors alike.

use std::collections::HashSet;

use haat_domain::catalog::CatalogSort;

use crate::support::*;

const PRODUCT_COUNT: usize = 130;

/// A store of 130 products over three categories (every fourth uncategorised), with
/// repeated names and prices so orders need their id tiebreakers.
fn big_store() -> MemoryCatalog {
    let mut catalog = MemoryCatalog::new(store("big", "Big Bazaar"));
    let categories = [
        catalog.category("Rice"),
        catalog.category("Dal"),
        catalog.category("Oil"),
    ];
    for index in 0..PRODUCT_COUNT {
        let mut card = product(&format!("Item {}", index % 40), (index as i64 % 25) * 1000);
        card.category_id = (index % 4 != 3).then(|| categories[index % 3]);
        catalog.add(card);
    }
    catalog
}

fn all_ids(catalog: &MemoryCatalog) -> HashSet<String> {
    catalog
        .products
        .iter()
        .map(|product| product.id.to_string())
        .collect()
}

/// Starts at `/big?sort=<sort>` and follows the `rel="next"` link until there is none.
async fn check_html_walk(sort: CatalogSort) {
    let catalog = big_store();
    let expected = all_ids(&catalog);
    let app = app(catalog);
    let product_prefix = "href=\"http://127.0.0.1:8080/big/p/";
    let mut seen: Vec<String> = Vec::new();
    let mut uri = format!("/big?sort={}", sort.as_str());
    let mut pages = 0;
    loop {
        pages += 1;
        assert!(pages <= 10, "{sort:?}: too many pages");
        let response = get(&app, &uri).await;
        assert_eq!(response.status, 200, "{uri}: {}", response.body);
        let page_ids: Vec<String> = response
            .body
            .split(product_prefix)
            .skip(1)
            .map(|rest| rest[..36].to_owned())
            .collect();
        assert!(page_ids.len() <= 48, "{uri}");
        seen.extend(page_ids);
        let Some((_, rest)) = response.body.split_once("rel=\"next\" href=\"") else {
            break;
        };
        let href = rest[..rest.find('"').unwrap()].replace("&amp;", "&");
        assert!(href.starts_with('?'), "{href}");
        uri = format!("/big{href}");
    }
    assert_eq!(pages, 3, "{sort:?}");
    let unique: HashSet<String> = seen.iter().cloned().collect();
    assert_eq!(seen.len(), PRODUCT_COUNT, "{sort:?}: duplicates or gaps");
    assert_eq!(unique, expected, "{sort:?}");
}

/// The same walk through the JSON endpoint with small pages.
async fn check_json_walk(sort: CatalogSort, limit: usize) {
    let catalog = big_store();
    let expected = all_ids(&catalog);
    let app = app(catalog);
    let mut seen: Vec<String> = Vec::new();
    let mut after = String::new();
    loop {
        let uri = format!(
            "/api/v1/storefront/big?sort={}&limit={limit}&after={after}",
            sort.as_str()
        );
        let body = get(&app, &uri).await.json();
        let products = body["products"]
            .as_array()
            .unwrap_or_else(|| panic!("{uri}: {body}"));
        assert!(products.len() <= limit);
        seen.extend(
            products
                .iter()
                .map(|product| product["id"].as_str().unwrap().to_owned()),
        );
        match body["next_cursor"].as_str() {
            Some(cursor) => after = cursor.to_owned(),
            None => break,
        }
    }
    let unique: HashSet<String> = seen.iter().cloned().collect();
    assert_eq!(
        seen.len(),
        PRODUCT_COUNT,
        "{sort:?}/{limit}: duplicates or gaps"
    );
    assert_eq!(unique, expected);
}

#[tokio::test]
async fn html_next_links_walk_the_whole_store() {
    check_html_walk(CatalogSort::Category).await;
    check_html_walk(CatalogSort::Newest).await;
    check_html_walk(CatalogSort::PriceAsc).await;
    check_html_walk(CatalogSort::PriceDesc).await;
    check_html_walk(CatalogSort::Name).await;
}

#[tokio::test]
async fn json_cursors_walk_the_whole_store() {
    check_json_walk(CatalogSort::Category, 7).await;
    check_json_walk(CatalogSort::Newest, 100).await;
    check_json_walk(CatalogSort::PriceAsc, 1).await;
    check_json_walk(CatalogSort::PriceDesc, 13).await;
    check_json_walk(CatalogSort::Name, 48).await;
}

#[tokio::test]
async fn later_pages_link_back_to_the_first() {
    let app = app(big_store());
    let first = get(&app, "/big").await.body;
    assert!(!first.contains("First page"));
    let (_, rest) = first.split_once("rel=\"next\" href=\"").unwrap();
    let href = rest[..rest.find('"').unwrap()].replace("&amp;", "&");
    let second = get(&app, &format!("/big{href}")).await.body;
    assert!(
        second.contains("<a class=\"btn btn-outline\" href=\"?\">First page</a>"),
        "{second}"
    );
}
