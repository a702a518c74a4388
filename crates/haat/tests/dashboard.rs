//! The seller dashboard over real HTTP, as a phone's browser with JavaScript off would
//! use it: forms, cookies and redirects. Covers the whole loop (phone → code → store →
//! product with a photo → the store page lists it), CSRF refusals, validation that keeps
//! what was typed, and that one seller cannot reach another's products.

mod support;

use std::collections::HashMap;

use reqwest::multipart::{Form, Part};
use reqwest::{Response, StatusCode};
use support::{jpeg, random_phone, TestApp};

/// A browser: keeps cookies (reqwest's cookie store is not enabled in this workspace)
/// and remembers the CSRF token of the last form it saw.
struct Browser<'a> {
    app: &'a TestApp,
    cookies: HashMap<String, String>,
    csrf: Option<String>,
}

/// What a page answered.
struct Page {
    status: StatusCode,
    location: Option<String>,
    headers: reqwest::header::HeaderMap,
    html: String,
}

impl<'a> Browser<'a> {
    fn new(app: &'a TestApp) -> Browser<'a> {
        Browser {
            app,
            cookies: HashMap::new(),
            csrf: None,
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn read(&mut self, response: Response) -> Page {
        for set_cookie in response.headers().get_all("set-cookie") {
            let text = set_cookie.to_str().unwrap();
            let (pair, attributes) = text.split_once(';').unwrap_or((text, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || attributes.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let status = response.status();
        let headers = response.headers().clone();
        let location = headers
            .get("location")
            .map(|value| value.to_str().unwrap().to_owned());
        let html = response.text().await.unwrap();
        if let Some(csrf) = hidden_value(&html, "csrf") {
            self.csrf = Some(csrf);
        }
        Page {
            status,
            location,
            headers,
            html,
        }
    }

    async fn get(&mut self, path: &str) -> Page {
        let response = self
            .app
            .client
            .get(self.app.url(path))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.read(response).await
    }

    /// Posts an urlencoded form; the page's CSRF token is added unless `fields` has one.
    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut fields: Vec<(String, String)> = fields
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        if !fields.iter().any(|(name, _)| name == "csrf") {
            fields.push((
                "csrf".to_owned(),
                self.csrf.clone().expect("a form was seen"),
            ));
        }
        let response = self
            .app
            .client
            .post(self.app.url(path))
            .header("cookie", self.cookie_header())
            .form(&fields)
            .send()
            .await
            .unwrap();
        self.read(response).await
    }

    async fn post_multipart(&mut self, path: &str, form: Form) -> Page {
        let response = self
            .app
            .client
            .post(self.app.url(path))
            .header("cookie", self.cookie_header())
            .multipart(form)
            .send()
            .await
            .unwrap();
        self.read(response).await
    }

    /// A multipart form as a phone submits it, with this page's CSRF token.
    fn multipart_form(&self, fields: &[(&'static str, &'static str)]) -> Form {
        let mut form = Form::new().text("csrf", self.csrf.clone().expect("a form was seen"));
        for (name, value) in fields {
            form = form.text(*name, *value);
        }
        form
    }

    /// Signs in through the dashboard's own forms; returns the phone used.
    async fn sign_in(&mut self) -> String {
        let phone = random_phone();
        let page = self.get("/dashboard").await;
        assert!(
            page.html.contains("Enter your phone number"),
            "{}",
            page.html
        );
        let page = self.post("/dashboard/login", &[("phone", &phone)]).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.html);
        let code = self.app.last_code(&phone).expect("a code in the outbox");
        let page = self
            .post("/dashboard/verify", &[("phone", &phone), ("code", &code)])
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
        assert_eq!(page.location.as_deref(), Some("/dashboard"));
        phone
    }

    async fn create_store(&mut self, name: &str) {
        let page = self.get("/dashboard").await;
        assert!(page.html.contains("Name your store"), "{}", page.html);
        let page = self.post("/dashboard/store", &[("name", name)]).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    }
}

/// The value of the first hidden input named `name`.
fn hidden_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_owned())
}

/// The id in the first `/dashboard/products/{id}/edit` link.
fn first_product_id(html: &str) -> String {
    let marker = "class=\"product\" href=\"/dashboard/products/";
    let start = html.find(marker).expect("a product link") + marker.len();
    let end = html[start..].find("/edit").expect("an edit link");
    html[start..start + end].to_owned()
}

fn photo(bytes: Vec<u8>, mime: &str) -> Part {
    Part::bytes(bytes)
        .file_name("IMG_0001.jpg")
        .mime_str(mime)
        .unwrap()
}

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
    let store_url = app.url("/meena-s-pickles");
    assert!(page.html.contains(&store_url), "{}", page.html);
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
    let (status, html) = app.get_text("/meena-s-pickles").await;
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
