//! The storefront page cache end to end (ADR 0016, docs/FRESHNESS.md): HTTP caching
//! (ETag, 304, gzip/brotli, Vary), freshness after a seller's change, two nodes sharing
//! a real Redis, Redis stopped under load, and the real `haat serve` processes killed
//! with SIGKILL (and NATS killed) in the middle of a stream of price changes: every event
//! reaches the log once, in order, and every page converges to the database.

use crate::support;

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use haat::app::Role;
use haat_cache::{RedisSettings, SharedTier};
use haat_db::{Db, PoolSettings};
use haat_domain::{format_money, Currency};
use secrecy::SecretString;
use serde_json::json;
use support::{test_limits, TestApp};
use uuid::Uuid;

fn rupees(minor: i64) -> String {
    format_money(minor, Currency::Inr)
}

async fn get(client: &reqwest::Client, url: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = client.get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("request")
}

/// Polls `url` until its body contains every one of `wanted` (bounded: 15 s).
async fn until_shows(client: &reqwest::Client, url: &str, wanted: &[String]) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let body = match client.get(url).send().await {
            Ok(response) if response.status().is_success() => {
                response.text().await.unwrap_or_default()
            }
            _ => String::new(),
        };
        let missing: Vec<&String> = wanted.iter().filter(|w| !body.contains(*w)).collect();
        if missing.is_empty() {
            return;
        }
        assert!(Instant::now() < deadline, "{url} never showed {missing:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The seller changes a product's price through the API.
async fn set_price(
    app: &TestApp,
    token: &str,
    store_id: &str,
    product: &serde_json::Value,
    price: &str,
) {
    let path = format!(
        "/api/v1/stores/{store_id}/products/{}",
        product["id"].as_str().unwrap()
    );
    let (status, body) = app
        .send(
            reqwest::Method::PATCH,
            &path,
            Some(token),
            Some(json!({ "price": price })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn store_pages_negotiate_revalidate_and_show_a_change_within_the_bound() {
    let app = TestApp::spawn().await;
    let (token, store) = app.seller_with_store("Cache Kirana").await;
    let store_id = store["id"].as_str().unwrap();
    let slug = store["slug"].as_str().unwrap();
    let product = app
        .create_product(
            &token,
            store_id,
            json!({ "name": "Atta 5 kg", "price": "245" }),
        )
        .await;
    let page_url = app.url(&format!("/{slug}"));
    until_shows(&app.client, &page_url, &[rupees(24_500)]).await;

    // Identity, gzip and brotli: the same page, each with its own strong validator.
    let plain = get(&app.client, &page_url, &[]).await;
    assert_eq!(plain.status(), 200);
    assert_eq!(plain.headers()["vary"], "accept-encoding");
    assert_eq!(
        plain.headers()["cache-control"],
        "public, max-age=0, s-maxage=1, stale-while-revalidate=5"
    );
    assert!(plain.headers().get("content-encoding").is_none());
    assert!(plain.headers().get("content-security-policy").is_some());
    let etag = plain.headers()["etag"].to_str().unwrap().to_owned();
    let html = plain.text().await.unwrap();
    assert!(html.contains("Atta 5 kg"));

    let gzip = get(
        &app.client,
        &page_url,
        &[("accept-encoding", "gzip, deflate")],
    )
    .await;
    assert_eq!(gzip.headers()["content-encoding"], "gzip");
    let gzip_etag = gzip.headers()["etag"].to_str().unwrap().to_owned();
    let mut unzipped = String::new();
    flate2::read::GzDecoder::new(&gzip.bytes().await.unwrap()[..])
        .read_to_string(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, html);

    let br = get(
        &app.client,
        &page_url,
        &[("accept-encoding", "gzip, deflate, br, zstd")],
    )
    .await;
    assert_eq!(br.headers()["content-encoding"], "br");
    let mut unbrotlied = String::new();
    brotli::Decompressor::new(&br.bytes().await.unwrap()[..], 4096)
        .read_to_string(&mut unbrotlied)
        .unwrap();
    assert_eq!(unbrotlied, html);
    assert_ne!(etag, gzip_etag);

    // Hits are answered before routing, with everything the full stack adds: a request
    // id (kept when the client sent one), the security headers, the route's metrics.
    let hit = get(&app.client, &page_url, &[("x-request-id", "trace-hit-1")]).await;
    assert_eq!(hit.status(), 200);
    assert_eq!(hit.headers()["x-request-id"], "trace-hit-1");
    assert_eq!(hit.headers()["x-content-type-options"], "nosniff");
    assert_eq!(hit.headers()["etag"].to_str().unwrap(), etag);
    let hit = get(&app.client, &page_url, &[]).await;
    assert!(!hit.headers()["x-request-id"].is_empty());
    let (_, metrics) = app.get_text("/metrics").await;
    assert!(
        metrics
            .contains("haat_http_requests_total{method=\"GET\",route=\"/{slug}\",status=\"200\"}"),
        "{metrics}"
    );

    // Revalidation: a 304 without a body for any of the page's validators.
    for validator in [&etag, &gzip_etag] {
        let again = get(
            &app.client,
            &page_url,
            &[("if-none-match", validator), ("accept-encoding", "gzip")],
        )
        .await;
        assert_eq!(again.status(), 304);
        assert!(again.headers().get("etag").is_some());
        assert!(again.bytes().await.unwrap().is_empty());
    }

    // The seller changes the price: the page shows it (within the freshness bound), and
    // the old validator no longer matches.
    set_price(&app, &token, store_id, &product, "199").await;
    until_shows(&app.client, &page_url, &[rupees(19_900)]).await;
    let changed = get(&app.client, &page_url, &[("if-none-match", &etag)]).await;
    assert_eq!(changed.status(), 200);
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), etag);

    // The product page and the catalog JSON too.
    let product_url = app.url(&format!("/{slug}/p/{}", product["id"].as_str().unwrap()));
    until_shows(&app.client, &product_url, &[rupees(19_900)]).await;
    app.storefront_json_until(&format!("/api/v1/storefront/{slug}"), |catalog| {
        catalog["products"][0]["price_minor"] == 19_900
    })
    .await;

    // Hits are counted.
    let (_, metrics) = app.get_text("/metrics").await;
    assert!(
        metrics.contains("haat_cache_lookups_total{tier=\"memory\",outcome=\"hit\"}"),
        "{metrics}"
    );
    assert!(
        metrics.contains("haat_cache_invalidation_healthy 1"),
        "the feed is running"
    );
    app.stop().await;
}

fn with_redis(url: &str) -> impl FnOnce(&mut haat::Config) + '_ {
    move |config| config.redis_url = Some(SecretString::from(url.to_owned()))
}

/// The key the storefront gives the default store page (docs: haat-storefront cached.rs).
fn store_page_key(slug: &str) -> String {
    format!("store/{slug}?category&&&48")
}

#[tokio::test]
async fn two_nodes_sharing_redis_serve_each_others_pages_and_both_follow_changes() {
    let redis = haat_testkit::redis::start_redis().await;
    let url = haat_testkit::fresh_database().await;
    let a = TestApp::spawn_configured(
        Role::All,
        test_limits(),
        url.clone(),
        with_redis(&redis.url),
    )
    .await;
    let b = TestApp::spawn_configured(Role::Storefront, test_limits(), url, with_redis(&redis.url))
        .await;
    let (token, store) = a.seller_with_store("Shared Sweets").await;
    let store_id = store["id"].as_str().unwrap();
    let slug = store["slug"].as_str().unwrap();
    let product = a
        .create_product(
            &token,
            store_id,
            json!({ "name": "Kaju Katli", "price": "900" }),
        )
        .await;
    until_shows(&a.client, &a.url(&format!("/{slug}")), &[rupees(90_000)]).await;
    // A's copy reaches Redis; B, which never built it, serves the same bytes.
    let shared = SharedTier::new(RedisSettings::new(&redis.url)).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let copy = loop {
        if let Some(copy) = shared.get(&store_page_key(slug)).await {
            break copy;
        }
        assert!(Instant::now() < deadline, "A's page never reached Redis");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let from_b = get(&b.client, &b.url(&format!("/{slug}")), &[]).await;
    assert_eq!(from_b.status(), 200);
    assert_eq!(
        from_b.headers()["etag"],
        copy.etag(haat_cache::Encoding::Identity),
        "B served the shared copy"
    );

    // A change through A's API: both nodes show it; the stale Redis copy is not served
    // by either.
    set_price(&a, &token, store_id, &product, "850").await;
    for node in [&a, &b] {
        until_shows(
            &node.client,
            &node.url(&format!("/{slug}")),
            &[rupees(85_000)],
        )
        .await;
    }
    // Once a node shows the change, it never goes back to the old price.
    for _ in 0..50 {
        for node in [&a, &b] {
            let (_, html) = node.get_text(&format!("/{slug}")).await;
            assert!(html.contains(&rupees(85_000)) && !html.contains(&rupees(90_000)));
        }
    }
    b.stop().await;
    a.stop().await;
}

#[tokio::test]
async fn stopping_redis_mid_load_costs_no_request_and_redis_is_used_again_after() {
    let mut redis = haat_testkit::redis::start_redis().await;
    let url = haat_testkit::fresh_database().await;
    let app =
        TestApp::spawn_configured(Role::All, test_limits(), url, with_redis(&redis.url)).await;
    let (token, store) = app.seller_with_store("Redis Rasoi").await;
    let store_id = store["id"].as_str().unwrap().to_owned();
    let slug = store["slug"].as_str().unwrap().to_owned();
    let mut paths = vec![format!("/{slug}"), format!("/api/v1/storefront/{slug}")];
    for n in 0..5 {
        let product = app
            .create_product(
                &token,
                &store_id,
                json!({ "name": format!("Thali {n}"), "price": "150" }),
            )
            .await;
        paths.push(format!("/{slug}/p/{}", product["id"].as_str().unwrap()));
    }
    let failures = Arc::new(AtomicU64::new(0));
    let served = Arc::new(AtomicU64::new(0));
    let stop = tokio_util::sync::CancellationToken::new();
    let shoppers: Vec<_> = (0..8)
        .map(|n| {
            let client = app.client.clone();
            let base = app.base.clone();
            let paths = paths.clone();
            let failures = failures.clone();
            let served = served.clone();
            let stop = stop.clone();
            tokio::spawn(async move {
                // Bounded: at most 20,000 requests per shopper.
                for i in 0..20_000usize {
                    if stop.is_cancelled() {
                        break;
                    }
                    let path = &paths[(i + n) % paths.len()];
                    let ok = client
                        .get(format!("{base}{path}"))
                        .send()
                        .await
                        .is_ok_and(|r| r.status().is_success());
                    if ok {
                        served.fetch_add(1, Ordering::Relaxed);
                    } else {
                        failures.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    // A writer keeps changing prices, so pages are rebuilt (and Redis asked) throughout.
    let writer = {
        let client = app.client.clone();
        let base = app.base.clone();
        let token = token.clone();
        let store_id = store_id.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            for price in 151..100_000 {
                if stop.is_cancelled() {
                    break;
                }
                let _ = client
                    .patch(format!("{base}/api/v1/stores/{store_id}"))
                    .bearer_auth(&token)
                    .json(&json!({ "description": format!("Fresh at {price}") }))
                    .send()
                    .await;
                tokio::time::sleep(Duration::from_millis(30)).await;
            }
        })
    };
    tokio::time::sleep(Duration::from_millis(700)).await;
    redis.kill();
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    redis.restart().await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    stop.cancel();
    for shopper in shoppers {
        shopper.await.unwrap();
    }
    writer.await.unwrap();
    assert!(served.load(Ordering::Relaxed) > 100);
    assert_eq!(
        failures.load(Ordering::Relaxed),
        0,
        "no shopper saw an error"
    );

    // The breaker closes again and new pages reach the fresh Redis.
    let shared = SharedTier::new(RedisSettings::new(&redis.url)).unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut n = 0u32;
    loop {
        n += 1;
        let limit = n % 100 + 1;
        let (status, _) = app
            .get_text(&format!(
                "/api/v1/storefront/{slug}?sort=newest&limit={limit}"
            ))
            .await;
        assert_eq!(status, 200);
        let key = format!("json/{slug}?newest&&&{limit}");
        tokio::time::sleep(Duration::from_millis(50)).await;
        if shared.get(&key).await.is_some() {
            break;
        }
        assert!(Instant::now() < deadline, "Redis was never used again");
    }
    let (_, metrics) = app.get_text("/metrics").await;
    assert!(
        metrics.contains("haat_cache_breaker_trips_total{dependency=\"redis\"}"),
        "{metrics}"
    );
    app.stop().await;
}

// ---------------------------------------------------------------------------------------
// Real processes, killed.

/// A seller, a store and `count` products, by SQL; returns (store id, slug, products).
async fn catalog(db: &Db, count: usize) -> (Uuid, String, Vec<Uuid>) {
    let seeded = haat_testkit::seed::store_with_products(db, count).await;
    (seeded.id, seeded.slug, seeded.products)
}

/// Price changes round after round, with a pause, so the stream lasts a while.
async fn stream_of_updates(db: Db, products: Vec<Uuid>, rounds: i64) -> u64 {
    let mut committed = 0;
    for round in 0..rounds {
        for product in &products {
            sqlx::query(
                "UPDATE products SET price_minor = $2, version = version + 1 WHERE id = $1",
            )
            .bind(product)
            .bind(10_000 + round * 100)
            .execute(db.pool())
            .await
            .unwrap();
            committed += 1;
        }
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
    committed
}

struct Serve {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Serve {
    fn start(env: &[(&str, &str)]) -> Serve {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = tempfile::tempdir().unwrap();
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let child = spawn_serve(port, dir.path(), &env);
        Serve {
            child,
            port,
            _dir: dir,
            env,
        }
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn kill_and_restart(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().unwrap();
        self.child = spawn_serve(self.port, self._dir.path(), &self.env);
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_serve(port: u16, dir: &Path, env: &[(String, String)]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_haat"))
        .arg("serve")
        .env("HAAT_LISTEN", format!("127.0.0.1:{port}"))
        .env("HAAT_DATA_DIR", dir)
        .env(
            "HAAT_SECRET_KEY",
            "test-secret-key-that-is-long-enough-0123",
        )
        .env("HAAT_DRAIN_DELAY_MS", "0")
        .env("HAAT_JOBS_WORKERS", "0")
        .env("RUST_LOG", "warn")
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("starting haat serve")
}

async fn wait_ready(client: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !client
        .get(format!("{base}/readyz"))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
    {
        assert!(Instant::now() < deadline, "{base} never became ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Shoppers keep loading every page of both nodes (errors from a killed node are
/// expected here), so caches hold intermediate versions throughout.
fn shoppers(
    client: &reqwest::Client,
    bases: Vec<String>,
    paths: Vec<String>,
    stop: tokio_util::sync::CancellationToken,
) -> tokio::task::JoinHandle<()> {
    let client = client.clone();
    tokio::spawn(async move {
        for i in 0..1_000_000usize {
            if stop.is_cancelled() {
                break;
            }
            let base = &bases[i % bases.len()];
            let path = &paths[i % paths.len()];
            let _ = client.get(format!("{base}{path}")).send().await;
        }
    })
}

/// Every page of every node shows the database's current prices.
async fn converged(
    client: &reqwest::Client,
    db: &Db,
    bases: &[String],
    slug: &str,
    products: &[Uuid],
) {
    let prices: HashMap<Uuid, i64> =
        sqlx::query_as::<_, (Uuid, i64)>("SELECT id, price_minor FROM products WHERE id = ANY($1)")
            .bind(products)
            .fetch_all(db.pool())
            .await
            .unwrap()
            .into_iter()
            .collect();
    for base in bases {
        let all: Vec<String> = prices.values().map(|&p| rupees(p)).collect();
        until_shows(client, &format!("{base}/{slug}"), &all).await;
        for (id, price) in &prices {
            until_shows(client, &format!("{base}/{slug}/p/{id}"), &[rupees(*price)]).await;
        }
    }
}

async fn drained(db: &Db) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while db.outbox_depth().await.unwrap() > 0 {
        assert!(
            Instant::now() < deadline,
            "the relays did not drain the outbox"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Per store, numbers 1..=n in order, each once; returns the product updates.
fn check_order(events: &[(Uuid, i64, String, String)]) -> u64 {
    let mut next: HashMap<Uuid, i64> = HashMap::new();
    let mut updates = 0;
    for (store, seq, entity, op) in events {
        let expected = next.entry(*store).or_insert(1);
        assert_eq!(*seq, *expected, "per-store order, no gap, no double");
        *expected += 1;
        if entity == "product" && op == "update" {
            updates += 1;
        }
    }
    updates
}

#[tokio::test]
async fn killing_serve_processes_mid_stream_loses_nothing_and_every_page_converges() {
    let redis = haat_testkit::redis::start_redis().await;
    let url = haat_testkit::fresh_database().await;
    let db = Db::connect_lazy(&url, &PoolSettings::default()).unwrap();
    let (_, slug, products) = catalog(&db, 6).await;
    let env = [
        ("HAAT_DATABASE_URL", url.as_str()),
        ("HAAT_REDIS_URL", redis.url.as_str()),
    ];
    let mut nodes = [Serve::start(&env), Serve::start(&env)];
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    for node in &nodes {
        wait_ready(&client, &node.base()).await;
    }
    let bases: Vec<String> = nodes.iter().map(Serve::base).collect();
    let mut paths = vec![format!("/{slug}")];
    paths.extend(products.iter().map(|id| format!("/{slug}/p/{id}")));
    let stop = tokio_util::sync::CancellationToken::new();
    let load = shoppers(&client, bases.clone(), paths, stop.clone());
    let writer = tokio::spawn(stream_of_updates(db.clone(), products.clone(), 120));
    // SIGKILL one node or the other at varied moments (relay, feed, rebuilds and Redis
    // writes in flight), restarting it each time.
    for (n, pause_ms) in [150u64, 40, 260, 90, 10, 200, 120, 300]
        .into_iter()
        .enumerate()
    {
        tokio::time::sleep(Duration::from_millis(pause_ms)).await;
        nodes[n % 2].kill_and_restart();
    }
    let committed = writer.await.unwrap();
    for node in &nodes {
        wait_ready(&client, &node.base()).await;
    }
    drained(&db).await;
    stop.cancel();
    load.await.unwrap();

    // Every committed change is in the log exactly once, in per-store order.
    let log: Vec<(Uuid, i64, String, String)> = db
        .read_events(0, 1_000_000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| {
            (
                e.change.store_id,
                e.change.store_seq,
                e.change.entity,
                e.change.op,
            )
        })
        .collect();
    assert_eq!(check_order(&log), committed, "every update, once");
    // And every page of both nodes shows the database's prices.
    converged(&client, &db, &bases, &slug, &products).await;
}

#[tokio::test]
async fn killing_nats_mid_stream_loses_no_event_and_pages_converge() {
    use haat_events::EventLog;

    let mut nats = haat_testkit::nats::start_nats().await;
    let url = haat_testkit::fresh_database().await;
    let db = Db::connect_lazy(&url, &PoolSettings::default()).unwrap();
    let (_, slug, products) = catalog(&db, 4).await;
    let node = Serve::start(&[
        ("HAAT_DATABASE_URL", url.as_str()),
        ("HAAT_EVENT_LOG", nats.url.as_str()),
    ]);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    wait_ready(&client, &node.base()).await;
    let mut paths = vec![format!("/{slug}")];
    paths.extend(products.iter().map(|id| format!("/{slug}/p/{id}")));
    let stop = tokio_util::sync::CancellationToken::new();
    let load = shoppers(&client, vec![node.base()], paths, stop.clone());
    let writer = tokio::spawn(stream_of_updates(db.clone(), products.clone(), 100));
    tokio::time::sleep(Duration::from_millis(400)).await;
    nats.kill();
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    nats.restart().await;
    let committed = writer.await.unwrap();
    drained(&db).await;
    stop.cancel();
    load.await.unwrap();

    let log = haat_events::NatsEventLog::connect(&nats.url, haat_events::NatsSettings::default())
        .await
        .unwrap();
    let events = log.replay(0, 1_000_000).await.unwrap();
    let offsets: Vec<u64> = events.iter().map(|e| e.offset).collect();
    assert_eq!(
        offsets,
        (1..=events.len() as u64).collect::<Vec<_>>(),
        "no gap, no double"
    );
    let events: Vec<(Uuid, i64, String, String)> = events
        .into_iter()
        .map(|e| (e.store_id, e.store_seq, e.entity, e.op))
        .collect();
    assert_eq!(check_order(&events), committed, "every update, once");
    converged(&client, &db, &[node.base()], &slug, &products).await;
}

#[tokio::test]
async fn status_shows_the_nats_groups_and_redis_and_fails_when_redis_is_gone() {
    use haat_events::{EventLog, Subscription};

    let nats = haat_testkit::nats::start_nats().await;
    let mut redis = haat_testkit::redis::start_redis().await;
    let url = haat_testkit::fresh_database().await;
    let db = Db::connect_lazy(&url, &PoolSettings::default()).unwrap();
    let config = haat::Config {
        event_log: Some(nats.url.parse().unwrap()),
        redis_url: Some(SecretString::from(redis.url.clone())),
        ..haat::Config::default()
    };
    // A durable group on the stream (and an ordered tail, which is not a group).
    let log = haat_events::NatsEventLog::connect(&nats.url, haat_events::NatsSettings::default())
        .await
        .unwrap();
    let mut group = log.subscribe("search").await.unwrap();
    assert!(group
        .next_batch(1, Duration::from_millis(50))
        .await
        .unwrap()
        .is_empty());
    let _tail = log.follow(None).await.unwrap();

    let parts = haat::status::Parts::from_config(&config).await;
    let report = haat::status::report_with(&db, &parts).await;
    let text = report.render();
    assert!(report.healthy(), "{text}");
    for line in ["event log (NATS)", "consumer search", "redis (page cache)"] {
        assert!(text.contains(line), "{text}");
    }
    assert_eq!(
        text.matches("consumer ").count(),
        1,
        "only durable groups: {text}"
    );

    redis.kill();
    let report = haat::status::report_with(&db, &parts).await;
    assert!(!report.healthy());
    assert!(
        report.render().contains("FAIL  redis (page cache)"),
        "{}",
        report.render()
    );
}
