//! `GET /{slug}`: what a shopper sees of a store.

use crate::support::*;

/// Renders `uri` against `catalog` and checks the 200 page holds every `expected`
/// fragment and none of the `unexpected` ones.
async fn check(catalog: MemoryCatalog, uri: &str, expected: &[&str], unexpected: &[&str]) {
    let response = get(&app(catalog), uri).await;
    assert_eq!(response.status, 200, "{uri}: {}", response.body);
    assert_fragments(uri, &response.body, expected, unexpected);
}

const MEDIA: &str = "http://127.0.0.1:8080/media";

#[tokio::test]
async fn renders_store_and_products() {
    check(
        chai_point(),
        "/chai-point",
        &[
            "<html lang=\"en\">",
            "<title>Chai Point</title>",
            "<h1>Chai Point</h1>",
        ],
        &[],
    )
    .await;
    check(
        chai_point(),
        "/chai-point",
        &["<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"],
        &[],
    )
    .await;
    check(
        chai_point(),
        "/chai-point",
        &["<p class=\"tagline\">Fresh chai &amp; snacks\nsince 1998</p>"],
        &[],
    )
    .await;
    check(
        chai_point(),
        "/chai-point",
        &["<p class=\"name\">Masala Chai</p><span class=\"price\">₹1,299.50</span>"],
        &[],
    )
    .await;
    check(
        chai_point(),
        "/chai-point",
        &[
            "<span class=\"price\">₹20</span>",
            "<span class=\"price\">₹500</span>",
        ],
        &[],
    )
    .await;
    check(
        chai_point(),
        "/chai-point",
        &[&format!(
            "href=\"http://127.0.0.1:8080/chai-point/p/{MASALA_CHAI}\""
        )],
        &[],
    )
    .await;
    check(
        chai_point(),
        "/chai-point",
        &[
            "<a class=\"card out\"",
            "<span class=\"badge\">Sold out</span>",
        ],
        &[],
    )
    .await;
    check(
        chai_point(),
        "/chai-point",
        &["<span class=\"badge low\">Only 3 left</span>"],
        &[],
    )
    .await;
    check(
        chai_point(),
        "/chai-point",
        &[
            "<meta name=\"theme-color\" content=\"#b45309\">",
            "--accent:#b45309;",
        ],
        &[],
    )
    .await;
    check(
        chai_point(),
        "/chai-point",
        &["<span class=\"ini\" aria-hidden=\"true\">S</span>"],
        &[],
    )
    .await;
}

#[tokio::test]
async fn images_are_responsive_webp() {
    let a = "a".repeat(64);
    let srcset = format!("srcset=\"{MEDIA}/{a}/160.webp 160w, {MEDIA}/{a}/480.webp 480w, {MEDIA}/{a}/960.webp 960w\"");
    check(
        chai_point(),
        "/chai-point",
        &[
            &srcset,
            "width=\"1200\" height=\"900\" alt=\"Masala Chai\"",
            "decoding=\"async\"",
        ],
        &["1600.webp"],
    )
    .await;
    check(
        chai_point(),
        "/chai-point",
        &[
            &format!("src=\"{MEDIA}/{a}/160.jpg\""),
            "sizes=\"(min-width: 1040px) 250px",
        ],
        &[],
    )
    .await;
    let response = get(&app(big_store(10, true)), "/big").await;
    assert_eq!(response.body.matches("loading=\"eager\"").count(), 4);
    assert_eq!(response.body.matches("loading=\"lazy\"").count(), 6);
}

#[tokio::test]
async fn groups_by_category_in_category_order() {
    check(
        chai_point(),
        "/chai-point",
        &["<h2>Tea</h2>", "<h2>Snacks</h2>", "<h2>More</h2>"],
        &[],
    )
    .await;
    check(
        chai_point(),
        "/chai-point?sort=price_asc",
        &["<option value=\"price_asc\" selected>"],
        &["<h2>"],
    )
    .await;
    check(big_store(5, false), "/big", &["Product 001"], &["<h2>"]).await;
    let body = get(&app(chai_point()), "/chai-point").await.body;
    let position = |text: &str| body.find(text).unwrap_or_else(|| panic!("{text}"));
    assert!(position("<h2>Tea</h2>") < position("Masala Chai"));
    assert!(position("Masala Chai") < position("<h2>Snacks</h2>"));
    assert!(position("<h2>Snacks</h2>") < position("Samosa"));
    assert!(position("Samosa") < position("<h2>More</h2>"));
    assert!(position("<h2>More</h2>") < position("Cake"));
}

#[tokio::test]
async fn sort_form_and_category_chips_work_without_javascript() {
    check(
        chai_point(),
        "/chai-point",
        &[
            "<form class=\"sort\" method=\"get\">",
            "<select id=\"sort\" name=\"sort\">",
            "<option value=\"category\" selected>Featured</option>",
            "<button type=\"submit\">",
            // "Add to cart" is a plain form post; the script only enhances it.
            "<form class=\"add\" method=\"post\" action=\"/chai-point/cart\" data-cart-add>",
            "<a class=\"btn btn-light cartlink\" href=\"/chai-point/cart\"",
        ],
        &["<script>"],
    )
    .await;
    check(
        chai_point(),
        "/chai-point",
        &[
            "<a class=\"chip on\" href=\"?\" aria-current=\"page\">All</a>",
            &format!("<a class=\"chip\" href=\"?category={TEA}\">Tea</a>"),
        ],
        &[],
    )
    .await;
    check(
        chai_point(),
        "/chai-point?sort=name",
        &[&format!("href=\"?sort=name&amp;category={SNACKS}\"")],
        &[],
    )
    .await;
    check(
        chai_point(),
        &format!("/chai-point?category={TEA}"),
        &[
            "Masala Chai",
            &format!("<input type=\"hidden\" name=\"category\" value=\"{TEA}\">"),
            "<title>Tea · Chai Point</title>",
        ],
        &["Samosa", "Cake"],
    )
    .await;
    check(
        chai_point(),
        "/chai-point?utm_source=whatsapp&fbclid=abc",
        &["Masala Chai"],
        &[],
    )
    .await;
}

#[tokio::test]
async fn seller_text_is_escaped() {
    check(
        chai_point(),
        "/chai-point",
        &["&lt;script&gt;alert(1)&lt;/script&gt; Cake"],
        &["<script>", "alert(1)</script>"],
    )
    .await;
    let mut catalog = chai_point();
    catalog.store.name = "\"><script>x</script>".to_owned();
    catalog.store.description = "<b>bold</b>".to_owned();
    catalog.store.accent_colour = "red;}</style><script>".to_owned();
    check(
        catalog,
        "/chai-point",
        &[
            "&lt;b&gt;bold&lt;/b&gt;",
            "&quot;&gt;&lt;script&gt;",
            "--accent:#0f766e;",
        ],
        &["<script>", "<b>", "red;}"],
    )
    .await;
}

#[tokio::test]
async fn link_previews_use_absolute_urls_and_jpeg() {
    let a = "a".repeat(64);
    check(
        chai_point(),
        "/chai-point",
        &[
            "<meta property=\"og:url\" content=\"http://127.0.0.1:8080/chai-point\">",
            "<link rel=\"canonical\" href=\"http://127.0.0.1:8080/chai-point\">",
        ],
        &[],
    )
    .await;
    check(
        chai_point(),
        "/chai-point",
        &[
            "<meta property=\"og:title\" content=\"Chai Point\">",
            "<meta property=\"og:type\" content=\"website\">",
        ],
        &[],
    )
    .await;
    check(
        chai_point(),
        "/chai-point",
        &["<meta property=\"og:description\" content=\"Fresh chai &amp; snacks since 1998\">"],
        &[],
    )
    .await;
    check(
        chai_point(),
        "/chai-point",
        &[
            &format!("<meta property=\"og:image\" content=\"{MEDIA}/{a}/960.jpg\">"),
            "og:image:width\" content=\"960\"",
            "og:image:height\" content=\"720\"",
        ],
        &[],
    )
    .await;
    check(
        chai_point(),
        "/chai-point",
        &["<meta name=\"twitter:card\" content=\"summary_large_image\">"],
        &[],
    )
    .await;
    check(
        big_store(3, false),
        "/big",
        &[
            "<meta property=\"og:description\" content=\"Shop Big Bazaar on Haat\">",
            "twitter:card\" content=\"summary\"",
        ],
        &["og:image"],
    )
    .await;
}

#[tokio::test]
async fn whatsapp_buttons() {
    check(
        chai_point(),
        "/chai-point",
        &["href=\"https://wa.me/919876543210\"", "Chat on WhatsApp"],
        &[],
    )
    .await;
    check(chai_point(), "/chai-point", &["href=\"https://wa.me/?text=Chai%20Point%20%E2%80%93%20http%3A%2F%2F127.0.0.1%3A8080%2Fchai-point\""], &[]).await;
    check(
        big_store(1, false),
        "/big",
        &["Share on WhatsApp"],
        &["Chat on WhatsApp"],
    )
    .await;
}

#[tokio::test]
async fn empty_states() {
    check(
        big_store(0, false),
        "/big",
        &["No products yet", "Big Bazaar is setting up shop"],
        &["<ul class=\"grid\">", "Next page"],
    )
    .await;
    let mut catalog = chai_point();
    let empty = catalog.category("Sweets");
    check(
        catalog,
        &format!("/chai-point?category={empty}"),
        &["Nothing here right now", "See all products"],
        &[],
    )
    .await;
}

/// A store of `count` products named `Product 001`…, with photos when `photos` is set.
fn big_store(count: usize, photos: bool) -> MemoryCatalog {
    let mut catalog = MemoryCatalog::new(store("big", "Big Bazaar"));
    for index in 1..=count {
        let mut card = product(&format!("Product {index:03}"), index as i64 * 100);
        if photos {
            card.image = Some(photo('b'));
        }
        catalog.add(card);
    }
    catalog
}
