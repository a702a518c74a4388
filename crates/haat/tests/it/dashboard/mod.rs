//! The seller dashboard over real HTTP, as a phone's browser with JavaScript off would
//! use it: forms, cookies and redirects. Covers the whole loop (phone → code → store →
//! product with a photo → the store page lists it), CSRF refusals, validation that keeps
//! what was typed, and that one seller cannot reach another's products.

use crate::support;

pub(crate) mod browser;
mod desk;

use browser::{attribute_after, first_product_id, photo, Browser};
use reqwest::multipart::Form;
use reqwest::StatusCode;
use support::{jpeg, random_phone, TestApp};

#[tokio::test]
async fn seller_goes_from_phone_to_a_shared_store_with_a_product() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);

    // Signed out: the phone form, with the development notice and safe headers.
    let page = browser.get("/dashboard").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(page.headers["cache-control"], "no-store");
    assert_eq!(page.headers["x-frame-options"], "DENY");
    let policy = page.headers["content-security-policy"].to_str().unwrap();
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert!(page.html.contains("inputmode=\"tel\""));
    assert!(page
        .html
        .contains("Development mode: SMS messages are written to"));
    let csrf_cookie = page.headers["set-cookie"].to_str().unwrap();
    assert!(csrf_cookie.contains("SameSite=Strict") && csrf_cookie.contains("HttpOnly"));

    // A malformed phone comes back with the message and what was typed.
    let page = browser.post("/dashboard/login", &[("phone", "12ab")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("value=\"12ab\""), "{}", page.html);

    // Phone → code form → a wrong code → the right code.
    let phone = random_phone();
    let page = browser.post("/dashboard/login", &[("phone", &phone)]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(page.html.contains("autocomplete=\"one-time-code\""));
    assert!(page
        .html
        .contains(&format!("+91******{}", &phone[phone.len() - 4..])));
    let code = app.last_code(&phone).expect("a code in the outbox");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let page = browser
        .post("/dashboard/verify", &[("phone", &phone), ("code", wrong)])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("attempts left"), "{}", page.html);
    let page = browser
        .post("/dashboard/verify", &[("phone", &phone), ("code", &code)])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    let session_cookie = page.headers["set-cookie"].to_str().unwrap();
    for attribute in [
        "haat_session=haat_",
        "HttpOnly",
        "SameSite=Lax",
        "Path=/",
        "Max-Age=",
    ] {
        assert!(session_cookie.contains(attribute), "{session_cookie}");
    }

    // Name the store; the home shows the link, WhatsApp sharing and no products yet.
    browser.create_store("Meena's Pickles").await;
    let page = browser.get("/dashboard?done=created").await;
    let store_url = attribute_after(&page.html, "class=\"store-link\" href=\"");
    assert!(store_url.starts_with(&app.url("/meena")), "{store_url}");
    assert!(page.html.contains("https://wa.me/?text="));
    assert!(page.html.contains("No products yet"));

    // A product without a price is refused, keeping what was typed.
    browser.get("/dashboard/products/new").await;
    let form = browser.multipart_form(&[("name", "Mango pickle"), ("price", ""), ("active", "on")]);
    let page = browser.post_multipart("/dashboard/products", form).await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.html
    );
    assert!(page.html.contains("value=\"Mango pickle\""));
    assert!(page.html.contains("id=\"price-error\""));

    // Every problem shows at once, each by its field.
    let form = browser.multipart_form(&[("name", " "), ("price", "abc"), ("stock", "-1")]);
    let page = browser.post_multipart("/dashboard/products", form).await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.html
    );
    for field in ["name", "price", "stock"] {
        assert!(
            page.html.contains(&format!("id=\"{field}-error\"")),
            "{field}"
        );
    }

    // A file that is not a photo: a friendly 415, nothing created.
    let form = browser
        .multipart_form(&[("name", "Mango pickle"), ("price", "120")])
        .part("image", photo(b"GIF89a not really".to_vec(), "image/gif"));
    let page = browser.post_multipart("/dashboard/products", form).await;
    assert_eq!(
        page.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "{}",
        page.html
    );
    assert!(
        page.html
            .contains("only JPEG, PNG or WebP photos up to 15 MB"),
        "{}",
        page.html
    );

    // The real thing: a photo from the phone.
    let form = browser
        .multipart_form(&[
            ("name", "Mango pickle"),
            ("price", "1299.50"),
            ("description", "Grandma's recipe"),
            ("category", "Pickles"),
            ("stock", ""),
            ("active", "on"),
        ])
        .part("image", photo(jpeg(800, 600), "image/jpeg"));
    let page = browser.post_multipart("/dashboard/products", form).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    assert_eq!(page.location.as_deref(), Some("/dashboard?done=added"));
    let page = browser.get("/dashboard").await;
    assert!(page.html.contains("Mango pickle"), "{}", page.html);
    assert!(page.html.contains("₹1,299.50"));
    assert!(page.html.contains("/160.webp"), "{}", page.html);
    assert!(page.html.contains("Unlimited stock"));
    let product_id = first_product_id(&page.html);

    // The shared link shows it.
    let (status, html) = app.get_text(&store_url[app.base.len()..]).await;
    assert_eq!(status, 200);
    assert!(html.contains("Mango pickle"), "{html}");

    // Edit without a new photo: the photo stays, sold out shows.
    let page = browser
        .get(&format!("/dashboard/products/{product_id}/edit"))
        .await;
    assert!(page.html.contains("value=\"1299.50\""), "{}", page.html);
    assert!(page.html.contains("<option value=\"Pickles\">"));
    let form = browser.multipart_form(&[
        ("name", "Mango pickle (hot)"),
        ("price", "99"),
        ("description", ""),
        ("category", "Pickles"),
        ("stock", "0"),
        ("active", "on"),
    ]);
    let page = browser
        .post_multipart(&format!("/dashboard/products/{product_id}"), form)
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    let page = browser.get("/dashboard").await;
    assert!(page.html.contains("Mango pickle (hot)"));
    assert!(page.html.contains("Sold out"));
    assert!(page.html.contains("/160.webp"), "the photo was kept");

    // Settings: a bad WhatsApp number is refused by its field; a good one is saved.
    browser.get("/dashboard/settings").await;
    let settings = |browser: &Browser, whatsapp: &'static str| {
        browser.multipart_form(&[
            ("name", "Meena's Pickles"),
            ("description", "Homemade"),
            ("whatsapp", whatsapp),
            ("accent_colour", "#aa3300"),
            ("currency", "INR"),
        ])
    };
    let page = browser
        .post_multipart("/dashboard/settings", settings(&browser, "12"))
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.html
    );
    assert!(page.html.contains("id=\"whatsapp-error\""));
    let page = browser
        .post_multipart("/dashboard/settings", settings(&browser, "98123 45678"))
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    let page = browser.get("/dashboard/settings").await;
    assert!(
        page.html.contains("value=\"+919812345678\""),
        "{}",
        page.html
    );
    assert!(page.html.contains("value=\"#aa3300\""));

    // Delete, then log out: the old cookie no longer signs anyone in.
    browser
        .get(&format!("/dashboard/products/{product_id}/edit"))
        .await;
    let page = browser
        .post(&format!("/dashboard/products/{product_id}/delete"), &[])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    let page = browser.get("/dashboard").await;
    assert!(!page.html.contains("Mango pickle"));
    let old_session = browser.cookies["haat_session"].clone();
    let page = browser.post("/dashboard/logout", &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(!browser.cookies.contains_key("haat_session"));
    browser
        .cookies
        .insert("haat_session".to_owned(), old_session);
    let page = browser.get("/dashboard").await;
    assert!(page.html.contains("Enter your phone number"));
    app.stop().await;
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);

    // No cookie and no field: a 403 page with a fresh form.
    let response = app
        .client
        .post(app.url("/dashboard/login"))
        .form(&[("phone", "9812345678")])
        .send()
        .await
        .unwrap();
    let page = browser.read(response).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page
        .html
        .contains("This form has expired, please try again."));
    assert!(
        browser.cookies.contains_key("haat_csrf"),
        "a fresh token is set"
    );
    assert!(app.last_code("+919812345678").is_none(), "no code was sent");

    browser.sign_in().await;
    let wrong = "ab".repeat(32);
    let page = browser
        .post("/dashboard/store", &[("name", "Sneaky"), ("csrf", &wrong)])
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(
        page.html.contains("value=\"Sneaky\""),
        "the typed name is kept"
    );
    browser.create_store("Honest Store").await;

    // Multipart too, and nothing is created.
    let form = Form::new()
        .text("csrf", wrong.clone())
        .text("name", "Forged")
        .text("price", "10");
    let page = browser.post_multipart("/dashboard/products", form).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = browser.get("/dashboard").await;
    assert!(page.html.contains("No products yet"));

    // A form's address opened directly leads back to a page, not a bare 405.
    for (path, location) in [
        ("/dashboard/login", "/dashboard"),
        ("/dashboard/products", "/dashboard/products/new"),
        ("/dashboard/products/nonsense", "/dashboard"),
    ] {
        let page = browser.get(path).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(page.location.as_deref(), Some(location), "{path}");
    }
    let page = browser.get("/dashboard/no-such-page").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.html.contains("Page not found"));

    // Logging out needs the token as well.
    let page = browser.post("/dashboard/logout", &[("csrf", &wrong)]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(browser.cookies.contains_key("haat_session"));
    app.stop().await;
}

#[tokio::test]
async fn a_seller_cannot_reach_another_sellers_products() {
    let app = TestApp::spawn().await;
    let mut owner = Browser::new(&app);
    owner.sign_in().await;
    owner.create_store("Owner's Shop").await;
    owner.get("/dashboard/products/new").await;
    let form =
        owner.multipart_form(&[("name", "Private thing"), ("price", "10"), ("active", "on")]);
    let page = owner.post_multipart("/dashboard/products", form).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    let product_id = first_product_id(&owner.get("/dashboard").await.html);

    let mut other = Browser::new(&app);
    other.sign_in().await;
    other.create_store("Other Shop").await;
    let page = other
        .get(&format!("/dashboard/products/{product_id}/edit"))
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.html.contains("Product not found"));
    other.get("/dashboard").await;
    let form = other.multipart_form(&[("name", "Hijacked"), ("price", "1")]);
    let page = other
        .post_multipart(&format!("/dashboard/products/{product_id}"), form)
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    let page = other
        .post(&format!("/dashboard/products/{product_id}/delete"), &[])
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    let page = other.get("/dashboard/products/not-a-uuid/edit").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);

    // Untouched.
    let page = owner.get("/dashboard").await;
    assert!(page.html.contains("Private thing"));
    assert!(!page.html.contains("Hijacked"));

    // An API (bearer) token in the cookie is not a dashboard session.
    let token = app.login(&random_phone()).await;
    let mut api_user = Browser::new(&app);
    api_user.cookies.insert("haat_session".to_owned(), token);
    let page = api_user.get("/dashboard").await;
    assert!(page.html.contains("Enter your phone number"));
    app.stop().await;
}

#[tokio::test]
async fn a_resubmitted_add_form_creates_one_product() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    browser.sign_in().await;
    browser.create_store("Double Tap Dhaba").await;
    let page = browser.get("/dashboard/products/new").await;
    let key = attribute_after(&page.html, "name=\"idempotency_key\" value=\"");
    assert_eq!(key.len(), 32, "{}", page.html);
    // The same form sent twice (a double tap, or "resend" after a lost response).
    for _ in 0..2 {
        let form = browser
            .multipart_form(&[("name", "Paneer tikka"), ("price", "180"), ("active", "on")])
            .text("idempotency_key", key.clone());
        let page = browser.post_multipart("/dashboard/products", form).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    }
    let page = browser.get("/dashboard").await;
    assert_eq!(
        page.html.matches("Paneer tikka").count(),
        1,
        "{}",
        page.html
    );
    // A fresh form has a fresh key, so adding the same dish again on purpose works.
    let page = browser.get("/dashboard/products/new").await;
    assert_ne!(
        attribute_after(&page.html, "name=\"idempotency_key\" value=\""),
        key
    );
    app.stop().await;
}
