//! `TestApp`: the whole Haat app started in-process on port 0 against a fresh database
//! of the shared test cluster, talked to over real HTTP. External providers are real
//! too: SMS goes to the file provider's outbox, which tests read like a developer would.
#![allow(dead_code)]

use std::path::PathBuf;

use haat::app::{build_app, Limits, Role};
use haat::config::Config;
use haat_api::IpLimit;
use haat_db::{Db, PoolSettings};
use haat_http::{serve, Readiness};
use rand::Rng;
use secrecy::SecretString;
use serde_json::{json, Value};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub db: Db,
    /// Where slightly stale reads go (replicas when the test configured some).
    pub reads: haat_db::Reads,
    pub config: Config,
    pub readiness: Readiness,
    _dir: tempfile::TempDir,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    /// The relay and the page cache's invalidation feed, as `haat serve` runs them.
    background: tokio::task::JoinSet<()>,
    stop_background: tokio_util::sync::CancellationToken,
}

/// Generous per-IP limits: a suite logs in hundreds of times from 127.0.0.1. The
/// per-phone limits stay as in production.
pub fn test_limits() -> Limits {
    Limits {
        otp_ip: IpLimit {
            per_hour: 100_000,
            burst: 100_000,
        },
        verify_ip: IpLimit {
            per_hour: 100_000,
            burst: 100_000,
        },
        ..Limits::default()
    }
}

/// A random valid Indian mobile number in E.164.
/// The payment webhook secret every test app verifies with.
pub const WEBHOOK_SECRET: &str = "whsec-test-0123456789";

pub fn random_phone() -> String {
    format!(
        "+9198{:08}",
        rand::thread_rng().gen_range(0..100_000_000u32)
    )
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(Role::All, test_limits()).await
    }

    pub async fn spawn_with(role: Role, limits: Limits) -> TestApp {
        let url = haat_testkit::fresh_database().await;
        TestApp::spawn_on(role, limits, url).await
    }

    pub async fn spawn_on(role: Role, limits: Limits, database_url: String) -> TestApp {
        TestApp::spawn_configured(role, limits, database_url, |_| {}).await
    }

    /// As [`TestApp::spawn_on`], with settings changed by `configure` (e.g. a Redis).
    pub async fn spawn_configured(
        role: Role,
        limits: Limits,
        database_url: String,
        configure: impl FnOnce(&mut Config),
    ) -> TestApp {
        let dir = tempfile::tempdir().expect("tempdir");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("local addr");
        let mut config = Config {
            listen: address,
            public_url: Some(format!("http://{address}/").parse().unwrap()),
            data_dir: dir.path().to_path_buf(),
            database_url: Some(SecretString::from(database_url.clone())),
            secret_key: Some(SecretString::from(
                "test-secret-key-that-is-long-enough-0123",
            )),
            drain_delay_ms: 0,
            payments_webhook_secret: Some(SecretString::from(WEBHOOK_SECRET)),
            ..Config::default()
        };
        configure(&mut config);
        let settings = PoolSettings {
            pgbouncer: config.database_pgbouncer,
            ..PoolSettings::default()
        };
        let db = Db::connect_lazy(&database_url, &settings).expect("pool");
        let app = build_app(&config, role, db.clone(), limits).expect("router");
        let (service, readiness) = (app.service, app.readiness);
        let stop_background = tokio_util::sync::CancellationToken::new();
        let mut background = tokio::task::JoinSet::new();
        haat::background::spawn_replica_monitor(
            &app.reads,
            &mut background,
            stop_background.clone(),
        );
        if let Some(pages) = &app.pages {
            haat::background::spawn_invalidation(
                &config,
                &db,
                pages,
                &mut background,
                stop_background.clone(),
            );
        }
        if let Some(search) = &app.search {
            haat::background::spawn_indexer(
                &config,
                &db,
                search,
                &mut background,
                stop_background.clone(),
            );
        }
        if role != Role::Storefront {
            haat::background::spawn_relay(&config, &db, &mut background, stop_background.clone())
                .await
                .expect("relay");
        }
        let (shutdown, signal) = oneshot::channel::<()>();
        let serve_readiness = readiness.clone();
        let task = tokio::spawn(async move {
            serve(
                listener,
                service,
                serve_readiness,
                std::time::Duration::ZERO,
                async {
                    let _ = signal.await;
                },
            )
            .await
            .expect("server");
        });
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        TestApp {
            base: format!("http://{address}"),
            client,
            db,
            reads: app.reads.clone(),
            config,
            readiness,
            _dir: dir,
            shutdown: Some(shutdown),
            task: Some(task),
            background,
            stop_background,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn outbox(&self) -> PathBuf {
        self.config.sms_outbox()
    }

    /// The last code sent to `phone`, read from the SMS outbox.
    pub fn last_code(&self, phone: &str) -> Option<String> {
        let text = std::fs::read_to_string(self.outbox()).ok()?;
        text.lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .rfind(|line| line["to"] == phone)
            .and_then(|line| line["otp"].as_str().map(str::to_owned))
    }

    pub async fn post_json(&self, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
        let mut request = self.client.post(self.url(path)).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        into_json(request.send().await.expect("request")).await
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        into_json(request.send().await.expect("request")).await
    }

    pub async fn get_json(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, token, None).await
    }

    /// Signs a seller up (or in) through the real OTP flow; returns the bearer token.
    pub async fn login(&self, phone: &str) -> String {
        let (status, body) = self
            .post_json("/api/v1/auth/otp", None, json!({ "phone": phone }))
            .await;
        assert_eq!(status, 200, "{body}");
        let code = self.last_code(phone).expect("a code in the outbox");
        let (status, body) = self
            .post_json(
                "/api/v1/auth/verify",
                None,
                json!({ "phone": phone, "code": code }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["token"].as_str().expect("token").to_owned()
    }

    /// A new seller with one store; returns (token, store json).
    pub async fn seller_with_store(&self, name: &str) -> (String, Value) {
        let token = self.login(&random_phone()).await;
        let (status, store) = self
            .post_json("/api/v1/stores", Some(&token), json!({ "name": name }))
            .await;
        assert_eq!(status, 201, "{store}");
        (token, store)
    }

    pub async fn create_product(&self, token: &str, store_id: &str, body: Value) -> Value {
        let (status, product) = self
            .post_json(
                &format!("/api/v1/stores/{store_id}/products"),
                Some(token),
                body,
            )
            .await;
        assert_eq!(status, 201, "{product}");
        product
    }

    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let response = self.client.get(self.url(path)).send().await.expect("get");
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    }

    /// Polls a public (storefront) JSON path until `done` accepts it: the storefront is
    /// served from the page cache and promises freshness within a second of a commit
    /// (docs/FRESHNESS.md), not read-your-writes. Bounded: panics after 10 s.
    pub async fn storefront_json_until(&self, path: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let (status, body) = self.get_json(path, None).await;
            if status == 200 && done(&body) {
                return body;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{path} never showed the change: {status} {body}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        self.stop_background.cancel();
        while self.background.join_next().await.is_some() {}
    }
}

pub async fn into_json(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, value)
}

/// A small real JPEG, made in code.
pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 255) as u8, (y % 255) as u8, 128])
    });
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 80)
        .encode_image(&image)
        .unwrap();
    bytes
}

// ---------------------------------------------------------------------------------------
// Helpers for the isolation, errors, otp, uploads and products suites.

/// A response as tests look at it: status, headers and the body as JSON (or as a JSON
/// string holding the raw text when it is not JSON).
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    pub async fn from(response: reqwest::Response) -> Reply {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply {
            status,
            headers,
            body,
        }
    }

    /// The `error.code` of an error body.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    /// The `error.field` of an error body.
    pub fn field(&self) -> Option<&str> {
        self.body["error"]["field"].as_str()
    }

    /// Asserts the one error shape: `{"error":{"code","message","field"?}}` served as
    /// `application/json`.
    #[track_caller]
    pub fn assert_error_shape(&self) {
        let content_type = self
            .headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(
            content_type.starts_with("application/json"),
            "content-type {content_type:?} of {} {}",
            self.status,
            self.body
        );
        let error = self.body["error"]
            .as_object()
            .unwrap_or_else(|| panic!("no error object in {} {}", self.status, self.body));
        assert!(
            error["code"].as_str().is_some_and(|c| !c.is_empty()),
            "{}",
            self.body
        );
        assert!(error["message"].is_string(), "{}", self.body);
        assert!(
            error
                .keys()
                .all(|k| matches!(k.as_str(), "code" | "message" | "field")),
            "{}",
            self.body
        );
        if let Some(field) = error.get("field") {
            assert!(field.is_string(), "{}", self.body);
        }
    }

    /// `Retry-After` in seconds, if present.
    pub fn retry_after(&self) -> Option<u64> {
        self.headers
            .get(reqwest::header::RETRY_AFTER)?
            .to_str()
            .ok()?
            .parse()
            .ok()
    }
}

impl TestApp {
    /// Any request, with an optional bearer token, content type and raw body.
    pub async fn raw(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> Reply {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(content_type) = content_type {
            request = request.header(reqwest::header::CONTENT_TYPE, content_type);
        }
        if let Some(body) = body {
            request = request.body(body);
        }
        Reply::from(request.send().await.expect("request")).await
    }

    /// A JSON request (any method) returning the full reply.
    pub async fn json(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        Reply::from(request.send().await.expect("request")).await
    }

    /// A multipart/form-data request (any method).
    pub async fn multipart(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        form: reqwest::multipart::Form,
    ) -> Reply {
        let mut request = self.client.request(method, self.url(path)).multipart(form);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        Reply::from(request.send().await.expect("request")).await
    }

    /// Asks for a login code for `phone`; the reply as is.
    pub async fn request_code(&self, phone: &str) -> Reply {
        self.json(
            reqwest::Method::POST,
            "/api/v1/auth/otp",
            None,
            Some(json!({ "phone": phone })),
        )
        .await
    }

    /// Submits a code for `phone`; the reply as is.
    pub async fn verify_code(&self, phone: &str, code: &str) -> Reply {
        self.json(
            reqwest::Method::POST,
            "/api/v1/auth/verify",
            None,
            Some(json!({ "phone": phone, "code": code })),
        )
        .await
    }

    /// Moves every code sent to `phone` (E.164) `seconds` into the past, as if that much
    /// time had gone by: the per-phone limits can be tested without waiting.
    pub async fn age_codes(&self, phone: &str, seconds: i64) {
        sqlx::query(
            "UPDATE otp_challenges SET created_at = created_at - make_interval(secs => $2),
                                       expires_at = expires_at - make_interval(secs => $2)
             WHERE phone = $1",
        )
        .bind(phone)
        .bind(seconds as f64)
        .execute(self.db.pool())
        .await
        .expect("ageing codes");
    }

    /// Logs `phone` in again (a second session), first ageing its earlier codes past the
    /// 30 s minimum interval.
    pub async fn login_again(&self, phone: &str) -> String {
        self.age_codes(phone, 31).await;
        self.login(phone).await
    }

    /// How many products the store has, read straight from the database.
    pub async fn product_count(&self, store_id: &str) -> i64 {
        let (count,): (i64,) =
            sqlx::query_as("SELECT count(*) FROM products WHERE store_id = $1::uuid")
                .bind(store_id)
                .fetch_one(self.db.pool())
                .await
                .expect("counting products");
        count
    }

    /// How many image rows the store has, read straight from the database.
    pub async fn image_count(&self, store_id: &str) -> i64 {
        let (count,): (i64,) =
            sqlx::query_as("SELECT count(*) FROM images WHERE store_id = $1::uuid")
                .bind(store_id)
                .fetch_one(self.db.pool())
                .await
                .expect("counting images");
        count
    }
}

/// A small real PNG, made in code.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbaImage::from_fn(width, height, |x, y| {
        image::Rgba([(x % 255) as u8, (y % 255) as u8, 200, 255])
    });
    let mut bytes = Vec::new();
    image::DynamicImage::ImageRgba8(image)
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .unwrap();
    bytes
}

/// A small real (lossless) WebP, made in code.
pub fn webp(width: u32, height: u32) -> Vec<u8> {
    use image::ImageEncoder;
    let image = image::RgbaImage::from_fn(width, height, |x, y| {
        image::Rgba([(y % 255) as u8, 90, (x % 255) as u8, 255])
    });
    let mut bytes = Vec::new();
    image::codecs::webp::WebPEncoder::new_lossless(&mut bytes)
        .write_image(
            image.as_raw(),
            width,
            height,
            image::ExtendedColorType::Rgba8,
        )
        .unwrap();
    bytes
}

/// True when `needle` occurs anywhere in `haystack`.
pub fn contains_bytes(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty()
        && haystack
            .windows(needle.len())
            .any(|window| window == needle)
}
