//! The dashboard's order desk, payments & delivery settings and discount codes, as a
//! phone's browser with JavaScript off uses them: pages render, forms validate and keep
//! what was typed, CSRF is enforced, actions reach the shopper's side, and another
//! seller gets a 404 for everything.

use reqwest::StatusCode;
use serde_json::{json, Value};

use super::browser::{attribute_after, first_product_id, photo, Browser};
use crate::support::TestApp;

/// A signed-in seller with a store and one product: (slug, product id).
async fn seller_with_product(browser: &mut Browser<'_>, store: &str) -> (String, String) {
    browser.sign_in().await;
    browser.create_store(store).await;
    browser.get("/dashboard/products/new").await;
    let form = browser.multipart_form(&[
        ("name", "Masala dosa"),
        ("price", "120"),
        ("stock", "20"),
        ("active", "on"),
    ]);
    let page = browser.post_multipart("/dashboard/products", form).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    let home = browser.get("/dashboard").await;
    let store_url = attribute_after(&home.html, "class=\"store-link\" href=\"");
    let slug = store_url.rsplit('/').next().unwrap().to_owned();
    (slug, first_product_id(&home.html))
}

async fn place_order(
    app: &TestApp,
    slug: &str,
    product: &str,
    key: &str,
    extra: Value,
) -> (u16, Value) {
    let mut body = json!({
        "items": [{ "product_id": product, "quantity": 2 }],
        "customer": { "name": "Asha Verma", "phone": "9876543210", "address": "4 Lake Road" },
        "payment_method": "cod"
    });
    for (name, value) in extra.as_object().unwrap() {
        body[name] = value.clone();
    }
    let response = app
        .client
        .post(app.url(&format!("/api/v1/storefront/{slug}/orders")))
        .header("Idempotency-Key", key)
        .json(&body)
        .send()
        .await
        .unwrap();
    crate::support::into_json(response).await
}

/// The first `/dashboard/orders/{id}` link of the list page.
fn first_order_path(html: &str) -> String {
    let path = attribute_after(html, "class=\"product\" href=\"");
    assert!(path.starts_with("/dashboard/orders/"), "{path}");
    path
}

#[tokio::test]
async fn the_order_desk_moves_an_order_from_the_phone() {
    let app = TestApp::spawn().await;
    let mut seller = Browser::new(&app);
    let (slug, product) = seller_with_product(&mut seller, "Dosa Corner").await;
    // A logo, for the invoice.
    seller.get("/dashboard/settings").await;
    let form = seller
        .multipart_form(&[
            ("name", "Dosa Corner"),
            ("description", ""),
            ("whatsapp", ""),
            ("accent_colour", "#0f766e"),
            ("currency", "INR"),
        ])
        .part("image", photo(crate::support::jpeg(400, 300), "image/jpeg"));
    let page = seller.post_multipart("/dashboard/settings", form).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);

    let page = seller.get("/dashboard/orders").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("No orders here yet"), "{}", page.html);

    let (status, order) = place_order(&app, &slug, &product, "desk-1", json!({})).await;
    assert_eq!(status, 201, "{order}");
    let page = seller.get("/dashboard/orders").await;
    assert!(page.html.contains("#1001") && page.html.contains("Asha Verma"));
    assert!(page.html.contains("₹240"), "{}", page.html);
    let path = first_order_path(&page.html);
    assert!(path.ends_with(order["id"].as_str().unwrap()), "{path}");
    let page = seller.get("/dashboard/orders?status=accepted").await;
    assert!(page.html.contains("No orders here yet"));
    let page = seller.get("/dashboard/orders?q=asha").await;
    assert!(page.html.contains("#1001"));

    // Detail: the actions the state machine allows.
    let page = seller.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("Accept order"), "{}", page.html);
    assert!(page.html.contains("4 Lake Road"));
    assert!(
        page.html.contains("https://wa.me/"),
        "WhatsApp to the customer"
    );

    // Without the token nothing moves.
    let wrong = "ab".repeat(32);
    let page = seller
        .post(&path, &[("status", "accepted"), ("csrf", &wrong)])
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.html.contains("This form has expired"));
    let token = order["token"].as_str().unwrap();
    let status_path = format!("/api/v1/storefront/{slug}/orders/{token}");
    let (_, seen) = app.get_json(&status_path, None).await;
    assert_eq!(seen["status"], "placed");

    // Accept, then an impossible step is refused with the reason and the order kept.
    seller.get(&path).await;
    let page = seller.post(&path, &[("status", "accepted")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    assert_eq!(page.location.as_deref(), Some(path.as_str()));
    let page = seller.post(&path, &[("status", "delivered")]).await;
    assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.html);
    assert!(page.html.contains("Accepted"));
    let page = seller.post(&path, &[("status", "teleported")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Ship with a tracking id; the shopper's page shows it.
    let page = seller
        .post(
            &path,
            &[
                ("status", "shipped"),
                ("shipping_provider", "delhivery"),
                ("tracking_id", "EE123456789IN"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    let (_, seen) = app.get_json(&status_path, None).await;
    assert_eq!(seen["status"], "shipped", "{seen}");
    assert_eq!(seen["tracking"]["tracking_id"], "EE123456789IN");
    assert!(seen["tracking"]["url"]
        .as_str()
        .unwrap()
        .contains("EE123456789IN"));

    // Cash received: mark paid once.
    seller.get(&path).await;
    let page = seller.post(&path, &[("action", "mark_paid")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    let (_, seen) = app.get_json(&status_path, None).await;
    assert_eq!(seen["payment_status"], "paid");
    let page = seller.get(&path).await;
    assert!(!page.html.contains("Mark paid"), "offered once only");

    // Invoice and export.
    let invoice = seller.get(&format!("{path}/invoice.pdf")).await;
    assert_eq!(invoice.status, StatusCode::OK);
    assert_eq!(invoice.headers["content-type"], "application/pdf");
    assert!(
        invoice.html.contains("/DCTDecode"),
        "the store's logo is on it"
    );
    let (status, shopper_copy) = app
        .get_text(&format!("/{slug}/o/{token}/invoice.pdf"))
        .await;
    assert_eq!(status, 200);
    assert!(
        shopper_copy.contains("/DCTDecode"),
        "on the shopper's copy too"
    );
    let today = time::OffsetDateTime::now_utc().date();
    let export = seller
        .get(&format!(
            "/dashboard/orders/export?from={}&to={}",
            today.previous_day().unwrap(),
            today.next_day().unwrap()
        ))
        .await;
    assert_eq!(export.status, StatusCode::OK);
    assert!(export.html.contains("Asha Verma"), "{}", export.html);
    let bad = seller
        .get("/dashboard/orders/export?from=yesterday&to=2026-01-01")
        .await;
    assert!(bad.status.is_client_error());
    app.stop().await;
}

#[tokio::test]
async fn payments_and_delivery_settings_reach_the_checkout() {
    let app = TestApp::spawn().await;
    let mut seller = Browser::new(&app);
    let (slug, product) = seller_with_product(&mut seller, "Chai Point").await;

    // No UPI yet: a UPI order is refused.
    let (status, reply) = place_order(
        &app,
        &slug,
        &product,
        "upi-0",
        json!({"payment_method": "upi"}),
    )
    .await;
    assert_eq!(status, 422, "{reply}");

    let page = seller.get("/dashboard").await;
    assert!(page.html.contains("href=\"/dashboard/checkout\""));
    let page = seller.get("/dashboard/checkout").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.html.contains("Payments &amp; delivery"),
        "{}",
        page.html
    );

    // Every mistake at once, what was typed kept, nothing saved.
    let page = seller
        .post(
            "/dashboard/checkout",
            &[
                ("upi_id", "not a upi"),
                ("delivery_fee", "-5"),
                ("address", "Stall 9"),
                ("gstin", "22AAAAA0000A1Z4"),
                ("tax_rate_percent", "500"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["upi_id", "delivery_fee", "gstin", "tax_rate_percent"] {
        assert!(
            page.html.contains(&format!("id=\"{field}-error\"")),
            "{field}: {}",
            page.html
        );
    }
    assert!(page.html.contains("value=\"not a upi\""));
    let page = seller.get("/dashboard/checkout").await;
    assert!(!page.html.contains("Stall 9"), "nothing was saved");

    // A forged form changes nothing.
    let wrong = "cd".repeat(32);
    let page = seller
        .post(
            "/dashboard/checkout",
            &[("upi_id", "thief@okbank"), ("csrf", &wrong)],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);

    // Saved: UPI orders open, the fee is charged, pickup is off.
    seller.get("/dashboard/checkout").await;
    let page = seller
        .post(
            "/dashboard/checkout",
            &[
                ("upi_id", "ChaiPoint@okHDFC"),
                ("delivery_fee", "30"),
                ("address", "Stall 9, Station Road"),
                ("gstin", "27AAPFU0939F1ZV"),
                ("tax_rate_percent", "5"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    assert_eq!(page.location.as_deref(), Some("/dashboard?done=checkout"));
    let page = seller.get("/dashboard/checkout").await;
    assert!(
        page.html.contains("value=\"chaipoint@okhdfc\""),
        "{}",
        page.html
    );
    assert!(page.html.contains("value=\"30.00\""));
    assert!(!page.html.contains(" checked>"), "pickup is off");
    let (status, order) = place_order(
        &app,
        &slug,
        &product,
        "upi-1",
        json!({"payment_method": "upi"}),
    )
    .await;
    assert_eq!(status, 201, "{order}");
    assert!(order["upi_uri"]
        .as_str()
        .unwrap()
        .contains("pa=chaipoint@okhdfc"));
    assert_eq!(order["total_minor"], 24_000 + 3_000, "{order}");

    // Blank fields remove the UPI id again.
    let page = seller
        .post(
            "/dashboard/checkout",
            &[
                ("upi_id", ""),
                ("delivery_fee", ""),
                ("pickup_enabled", "on"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    let (status, _) = place_order(
        &app,
        &slug,
        &product,
        "upi-2",
        json!({"payment_method": "upi"}),
    )
    .await;
    assert_eq!(status, 422);
    app.stop().await;
}

#[tokio::test]
async fn discount_codes_are_added_paused_and_deleted() {
    let app = TestApp::spawn().await;
    let mut seller = Browser::new(&app);
    let (slug, product) = seller_with_product(&mut seller, "Sweet Home").await;
    let page = seller.get("/dashboard/discounts").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("No discount codes yet"), "{}", page.html);

    let bad = seller
        .post(
            "/dashboard/discounts",
            &[
                ("code", "x"),
                ("kind", "percent"),
                ("value", "250"),
                ("ends_on", "someday"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["code", "value", "ends_on"] {
        assert!(
            bad.html.contains(&format!("id=\"{field}-error\"")),
            "{field}: {}",
            bad.html
        );
    }
    let good = [
        ("code", "sweet10"),
        ("kind", "percent"),
        ("value", "10"),
        ("min_order", "100"),
        ("max_uses", "50"),
    ];
    let page = seller.post("/dashboard/discounts", &good).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    let page = seller.get("/dashboard/discounts?done=added").await;
    assert!(page.html.contains("sweet10") && page.html.contains("10% off"));
    assert!(page.html.contains("used 0 of 50"), "{}", page.html);
    // The same code again (any case) is refused next to the field.
    let again = [("code", "SWEET10"), ("kind", "fixed"), ("value", "5")];
    let page = seller.post("/dashboard/discounts", &again).await;
    assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.html);
    assert!(page.html.contains("id=\"code-error\""));

    // Shoppers can use it.
    let (status, order) = place_order(
        &app,
        &slug,
        &product,
        "d-1",
        json!({"discount_code": "SWEET10"}),
    )
    .await;
    assert_eq!(status, 201, "{order}");
    assert_eq!(order["total_minor"], 21_600);

    // Another seller can neither see nor change it.
    let page = seller.get("/dashboard/discounts").await;
    let action = attribute_after(&page.html, "<form method=\"post\" action=\"");
    assert!(action.starts_with("/dashboard/discounts/"), "{action}");
    let mut other = Browser::new(&app);
    other.sign_in().await;
    other.create_store("Rival Sweets").await;
    let theirs = other.get("/dashboard/discounts").await;
    assert!(!theirs.html.contains("sweet10"));
    for verb in ["pause", "delete"] {
        let page = other.post(&action, &[("action", verb)]).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{verb}");
    }

    // Forged: refused. Pause: shoppers are refused. Resume, delete.
    let wrong = "ef".repeat(32);
    let page = seller
        .post(&action, &[("action", "delete"), ("csrf", &wrong)])
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    seller.get("/dashboard/discounts").await;
    let page = seller.post(&action, &[("action", "pause")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(seller
        .get("/dashboard/discounts")
        .await
        .html
        .contains("Paused"));
    let (status, _) = place_order(
        &app,
        &slug,
        &product,
        "d-2",
        json!({"discount_code": "SWEET10"}),
    )
    .await;
    assert_eq!(status, 422);
    let page = seller.post(&action, &[("action", "resume")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let page = seller.post(&action, &[("action", "explode")]).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    let page = seller.post(&action, &[("action", "delete")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let page = seller.get("/dashboard/discounts?done=deleted").await;
    assert!(page.html.contains("No discount codes yet"));
    app.stop().await;
}

#[tokio::test]
async fn another_seller_cannot_reach_an_order() {
    let app = TestApp::spawn().await;
    let mut owner = Browser::new(&app);
    let (slug, product) = seller_with_product(&mut owner, "Owner Foods").await;
    let (status, order) = place_order(&app, &slug, &product, "iso-1", json!({})).await;
    assert_eq!(status, 201);
    let path = format!("/dashboard/orders/{}", order["id"].as_str().unwrap());

    let mut other = Browser::new(&app);
    other.sign_in().await;
    other.create_store("Other Foods").await;
    let list = other.get("/dashboard/orders").await;
    assert!(!list.html.contains("Asha Verma"));
    assert_eq!(other.get(&path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        other.get(&format!("{path}/invoice.pdf")).await.status,
        StatusCode::NOT_FOUND
    );
    let page = other.post(&path, &[("status", "cancelled")]).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    let page = other.post(&path, &[("action", "mark_paid")]).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    let export = other
        .get("/dashboard/orders/export?from=2020-01-01&to=2030-01-01")
        .await;
    assert!(!export.html.contains("Asha Verma"));
    assert_eq!(
        other.get("/dashboard/orders/nonsense").await.status,
        StatusCode::NOT_FOUND
    );

    // Signed out: the sign-in page, never the order.
    let mut stranger = Browser::new(&app);
    let page = stranger.get(&path).await;
    assert!(!page.html.contains("Asha Verma"));

    let (_, seen) = app
        .get_json(
            &format!(
                "/api/v1/storefront/{slug}/orders/{}",
                order["token"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(seen["status"], "placed", "untouched");
    app.stop().await;
}

#[tokio::test]
async fn search_words_are_edited_in_the_dashboard_and_searched() {
    let app = TestApp::spawn().await;
    let mut seller = Browser::new(&app);
    let (slug, _) = seller_with_product(&mut seller, "Dosa Corner").await;
    let page = seller.get("/dashboard").await;
    assert!(page.html.contains("href=\"/dashboard/search\""));
    let page = seller.get("/dashboard/search").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("Search words"), "{}", page.html);

    // A bad line: the message, what was typed kept, nothing saved.
    let page = seller
        .post("/dashboard/search", &[("synonyms", "tiffin, dosa\nlonely")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("id=\"synonyms-error\""), "{}", page.html);
    assert!(page.html.contains("tiffin, dosa\nlonely"));
    let page = seller.get("/dashboard/search").await;
    assert!(!page.html.contains("tiffin"), "nothing was saved");

    // A forged form changes nothing.
    let wrong = "cd".repeat(32);
    let page = seller
        .post(
            "/dashboard/search",
            &[("synonyms", "tiffin, dosa"), ("csrf", &wrong)],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);

    seller.get("/dashboard/search").await;
    let page = seller
        .post("/dashboard/search", &[("synonyms", " tiffin ,  dosa \n\n")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    assert_eq!(page.location.as_deref(), Some("/dashboard?done=synonyms"));
    let page = seller.get("/dashboard/search").await;
    assert!(
        page.html.contains(">tiffin, dosa</textarea>"),
        "{}",
        page.html
    );

    // Shoppers searching the seller's word find the product.
    let body = app
        .storefront_json_until(&format!("/api/v1/storefront/{slug}/search?q=tiffin"), |b| {
            b["engine"] == "index" && b["total"] == 1
        })
        .await;
    assert_eq!(body["products"][0]["name"], "Masala dosa");
}
