//! A browser for dashboard tests: forms, cookies and the CSRF token, as a phone's
//! browser with JavaScript off would handle them.

use std::collections::HashMap;

use reqwest::multipart::{Form, Part};
use reqwest::{Response, StatusCode};

use crate::support::{random_phone, TestApp};

/// A browser: keeps cookies (reqwest's cookie store is not enabled in this workspace)
/// and remembers the CSRF token of the last form it saw.
pub struct Browser<'a> {
    app: &'a TestApp,
    pub cookies: HashMap<String, String>,
    csrf: Option<String>,
}

/// What a page answered.
pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub headers: reqwest::header::HeaderMap,
    pub html: String,
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Browser<'a> {
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

    pub async fn read(&mut self, response: Response) -> Page {
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

    pub async fn get(&mut self, path: &str) -> Page {
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
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
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

    pub async fn post_multipart(&mut self, path: &str, form: Form) -> Page {
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
    pub fn multipart_form(&self, fields: &[(&'static str, &'static str)]) -> Form {
        let mut form = Form::new().text("csrf", self.csrf.clone().expect("a form was seen"));
        for (name, value) in fields {
            form = form.text(*name, *value);
        }
        form
    }

    /// Signs in through the dashboard's own forms; returns the phone used.
    pub async fn sign_in(&mut self) -> String {
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

    pub async fn create_store(&mut self, name: &str) {
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

/// The attribute value that follows the first `marker`.
pub fn attribute_after(html: &str, marker: &str) -> String {
    let start = html.find(marker).expect("the marker") + marker.len();
    let end = html[start..].find('"').expect("a closing quote");
    html[start..start + end].to_owned()
}

/// The id in the first `/dashboard/products/{id}/edit` link.
pub fn first_product_id(html: &str) -> String {
    let marker = "class=\"product\" href=\"/dashboard/products/";
    let start = html.find(marker).expect("a product link") + marker.len();
    let end = html[start..].find("/edit").expect("an edit link");
    html[start..start + end].to_owned()
}

pub fn photo(bytes: Vec<u8>, mime: &str) -> Part {
    Part::bytes(bytes)
        .file_name("IMG_0001.jpg")
        .mime_str(mime)
        .unwrap()
}
