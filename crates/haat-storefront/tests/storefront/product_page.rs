//! `GET /{slug}/p/{product_id}`: one product.

use crate::support::*;

/// Renders product `id` of the sample store and checks the 200 page holds every
/// `expected` fragment and none of the `unexpected` ones.
async fn check(id: &str, expected: &[&str], unexpected: &[&str]) {
    let uri = format!("/chai-point/p/{id}");
    let response = get(&app(chai_point()), &uri).await;
    assert_eq!(response.status, 200, "{uri}: {}", response.body);
    assert_fragments(&uri, &response.body, expected, unexpected);
}

#[tokio::test]
async fn product_page() {
    let a = "a".repeat(64);
    let url = format!("http://127.0.0.1:8080/chai-point/p/{MASALA_CHAI}");
    check(
        MASALA_CHAI,
        &[
            "<h1 class=\"pname\">Masala Chai</h1>",
            "<p class=\"pprice\">₹1,299.50</p>",
        ],
        &["Sold out"],
    )
    .await;
    check(
        MASALA_CHAI,
        &[
            "<title>Masala Chai · Chai Point</title>",
            "<p class=\"desc\">Strong &amp; sweet.\nServed hot.</p>",
        ],
        &[],
    )
    .await;
    check(
        MASALA_CHAI,
        &[&format!("/{a}/1600.webp 1600w\""), "loading=\"eager\""],
        &["loading=\"lazy\""],
    )
    .await;
    check(
        MASALA_CHAI,
        &[&format!(
            "<a class=\"crumb\" href=\"http://127.0.0.1:8080/chai-point?category={TEA}\">Tea</a>"
        )],
        &[],
    )
    .await;
    check(MASALA_CHAI, &["<a class=\"btn btn-outline\" href=\"http://127.0.0.1:8080/chai-point\">Back to store</a>"], &[]).await;
    check(
        MASALA_CHAI,
        &[
            &format!("<meta property=\"og:url\" content=\"{url}\">"),
            &format!(
                "<meta property=\"og:image\" content=\"http://127.0.0.1:8080/media/{a}/960.jpg\">"
            ),
        ],
        &[],
    )
    .await;
    check(MASALA_CHAI, &["https://wa.me/?text=Masala%20Chai%20%E2%80%93%20%E2%82%B91%2C299.50%20at%20Chai%20Point%3A%20http%3A%2F%2F127.0.0.1%3A8080%2Fchai-point%2Fp%2F"], &[]).await;
    check(MASALA_CHAI, &["href=\"https://wa.me/919876543210?text=Hi%21%20I%27d%20like%20to%20order%20Masala%20Chai", "Order on WhatsApp"], &[]).await;
}

#[tokio::test]
async fn sold_out_and_placeholder() {
    check(
        SAMOSA,
        &[
            "<span class=\"badge\">Sold out</span>",
            "<span class=\"ini\" aria-hidden=\"true\">S</span>",
            "This product is sold out",
            "href=\"https://wa.me/919876543210\" rel=\"noopener\">",
        ],
        &["Order on WhatsApp", "og:image\""],
    )
    .await;
    check(
        &SAMOSA.to_uppercase(),
        &[
            "<h1 class=\"pname\">Samosa</h1>",
            &format!("content=\"http://127.0.0.1:8080/chai-point/p/{SAMOSA}\""),
        ],
        &[],
    )
    .await;
}

#[tokio::test]
async fn product_text_is_escaped() {
    check(
        CAKE,
        &[
            "&lt;script&gt;alert(1)&lt;/script&gt; Cake",
            "&lt;img src=x onerror=alert(1)&gt; &quot;quoted&quot;",
        ],
        &["<script>", "<img src=x"],
    )
    .await;
}
