//! Read replicas (ADR 0022, docs/replicas.md) on a real streaming replica: a dedicated
//! primary, a standby made with `pg_basebackup -R`, WAL replay paused and resumed with
//! `pg_wal_replay_pause()` / `pg_wal_replay_resume()`, the standby killed with SIGKILL, and
//! a real PgBouncer.
//!
//! What they prove: a seller sees their own change at once while the replica lags (their
//! reads move to the primary until the replica has replayed their write); another shopper
//! may see the old value only while the replica lags, and not even that once the node has
//! heard of the change (the page cache's floor); a replica lagging past the threshold
//! stops receiving reads and comes back when it catches up; killing the replica fails no
//! request; the request path works through PgBouncer (session mode: docs/replicas.md says
//! exactly why transaction mode does not).

use std::time::Duration;

use haat::app::Role;
use haat_testkit::replica::Replicated;
use secrecy::SecretString;
use serde_json::{json, Value};
use sqlx::Connection;

use reqwest::StatusCode;

use crate::dashboard::browser::{first_product_id, Browser};
use crate::support::{test_limits, TestApp};

/// The app on the pair's primary with the standby as its replica; the page cache is off
/// so every shopper read is a database read (the cache's own floors are tested below).
async fn app_on(pair: &Replicated, max_lag_ms: u64, cache: bool) -> TestApp {
    let replica = pair.replica_url.clone();
    TestApp::spawn_configured(
        Role::All,
        test_limits(),
        pair.primary_url.clone(),
        |config| {
            config.database_replica_urls = Some(SecretString::from(replica));
            config.replica_max_lag_ms = max_lag_ms;
            config.replica_poll_ms = 50;
            if !cache {
                config.cache_memory_mb = 0;
            }
        },
    )
    .await
}

/// Waits (bounded) until the monitor's view of the replica satisfies `done`.
async fn replica_until(app: &TestApp, what: &str, done: impl Fn(&haat_db::ReplicaStatus) -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let status = app.reads.status();
        if status.first().is_some_and(&done) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the replica never became {what}: {status:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until the monitor has seen the replica usable and replayed up to the primary's
/// current position (so a read without a floor goes to it).
async fn replica_caught_up(app: &TestApp, pair: &Replicated) {
    pair.wait_caught_up().await;
    let target = app.db.wal_position().await.expect("primary position");
    replica_until(app, "usable and caught up", |status| {
        status.usable && status.replayed.is_some_and(|replayed| replayed >= target)
    })
    .await;
}

async fn set_price(app: &TestApp, token: &str, store_id: &str, product_id: &str, price: &str) {
    let (status, body) = app
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/stores/{store_id}/products/{product_id}"),
            Some(token),
            Some(json!({ "price": price })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

/// The seller's own product list (a read that may go to a replica).
async fn seller_price(app: &TestApp, token: &str, store_id: &str) -> i64 {
    let (status, list) = app
        .get_json(&format!("/api/v1/stores/{store_id}/products"), Some(token))
        .await;
    assert_eq!(status, 200, "{list}");
    list["products"][0]["price_minor"]
        .as_i64()
        .expect("a price")
}

/// What a shopper sees in the headless catalog.
async fn shopper_price(app: &TestApp, slug: &str) -> i64 {
    let (status, catalog) = app
        .get_json(&format!("/api/v1/storefront/{slug}"), None)
        .await;
    assert_eq!(status, 200, "{catalog}");
    catalog["products"][0]["price_minor"]
        .as_i64()
        .expect("a price")
}

async fn store_with_product(app: &TestApp) -> (String, String, String, String) {
    let (token, store) = app.seller_with_store("Replica Kirana").await;
    let store_id = store["id"].as_str().unwrap().to_owned();
    let slug = store["slug"].as_str().unwrap().to_owned();
    let product = app
        .create_product(
            &token,
            &store_id,
            json!({ "name": "Basmati 5 kg", "price": "1000" }),
        )
        .await;
    let product_id = product["id"].as_str().unwrap().to_owned();
    (token, store_id, slug, product_id)
}

fn metric(metrics: &str, line_prefix: &str) -> f64 {
    metrics
        .lines()
        .find(|line| line.starts_with(line_prefix))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test]
async fn a_seller_sees_their_change_at_once_and_a_shopper_never_after_the_node_knows_of_it() {
    let pair = Replicated::start().await;
    // A threshold far above the test's pause: the replica stays in rotation while it lags.
    let app = app_on(&pair, 120_000, false).await;
    let (token, store_id, slug, product_id) = store_with_product(&app).await;
    let (other_token, other_store) = app.seller_with_store("Other Store").await;
    let other_id = other_store["id"].as_str().unwrap().to_owned();
    replica_caught_up(&app, &pair).await;
    assert_eq!(shopper_price(&app, &slug).await, 100_000);

    pair.pause_replay().await;
    set_price(&app, &token, &store_id, &product_id, "800").await;

    // The seller's next read already shows ₹800: the replica has not replayed the write,
    // so the read went to the primary. Repeatedly, not by luck of one read.
    for _ in 0..5 {
        assert_eq!(seller_price(&app, &token, &store_id).await, 80_000);
    }
    let metrics = app.get_text("/metrics").await.1;
    assert!(
        metric(&metrics, "haat_db_read_your_writes_redirects_total") >= 5.0,
        "{metrics}"
    );
    // The replica itself still has ₹1000: a shopper reading from it could see the old
    // price, but only until this node hears of the change from the event log; from then
    // on the store's catalog is read again from the primary (the floor of docs/FRESHNESS.md).
    let mut replica = sqlx::PgConnection::connect(&pair.replica_url)
        .await
        .expect("the replica");
    let (on_replica,): (i64,) = sqlx::query_as("SELECT price_minor FROM products")
        .fetch_one(&mut replica)
        .await
        .expect("the replica's price");
    assert_eq!(on_replica, 100_000);
    app.storefront_json_until(&format!("/api/v1/storefront/{slug}"), |catalog| {
        catalog["products"][0]["price_minor"] == 80_000
    })
    .await;

    // Another seller's reads are not held to this seller's floor: they use the replica.
    let before = metric(
        &app.get_text("/metrics").await.1,
        "haat_db_reads_total{target=\"replica\"}",
    );
    let (status, _) = app
        .get_json(
            &format!("/api/v1/stores/{other_id}/orders"),
            Some(&other_token),
        )
        .await;
    assert_eq!(status, 200);
    let after = metric(
        &app.get_text("/metrics").await.1,
        "haat_db_reads_total{target=\"replica\"}",
    );
    assert!(after > before, "another seller reads the lagging replica");

    pair.resume_replay().await;
    // And the seller's reads go back to the replica once it has their write.
    replica_caught_up(&app, &pair).await;
    let before = metric(
        &app.get_text("/metrics").await.1,
        "haat_db_read_your_writes_redirects_total",
    );
    assert_eq!(seller_price(&app, &token, &store_id).await, 80_000);
    let after = metric(
        &app.get_text("/metrics").await.1,
        "haat_db_read_your_writes_redirects_total",
    );
    assert_eq!(before, after, "a caught-up replica serves the seller");
    app.stop().await;
}

#[tokio::test]
async fn the_dashboard_shows_the_sellers_change_at_once_on_every_device() {
    let pair = Replicated::start().await;
    let app = app_on(&pair, 120_000, false).await;
    let mut browser = Browser::new(&app);
    let phone = browser.sign_in().await;
    browser.create_store("Replica Pickles").await;
    let form = browser.multipart_form(&[("name", "Mango pickle"), ("price", "1000")]);
    let page = browser.post_multipart("/dashboard/products", form).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    let page = browser.get("/dashboard").await;
    let product_id = first_product_id(&page.html);
    replica_caught_up(&app, &pair).await;

    pair.pause_replay().await;
    let form = browser.multipart_form(&[
        ("name", "Mango pickle"),
        ("price", "777"),
        ("description", ""),
        ("category", ""),
        ("stock", ""),
        ("active", "on"),
    ]);
    let page = browser
        .post_multipart(&format!("/dashboard/products/{product_id}"), form)
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    // The redirect's page is read at once: it shows ₹777, not the replica's ₹1,000.
    let page = browser.get("/dashboard").await;
    assert!(page.html.contains("₹777"), "{}", page.html);
    assert!(!page.html.contains("₹1,000"), "{}", page.html);
    // The floor belongs to the seller, not the session: their API token sees it too.
    let token = app.login_again(&phone).await;
    let (status, stores) = app.get_json("/api/v1/stores", Some(&token)).await;
    assert_eq!(status, 200, "{stores}");
    let store_id = stores["stores"][0]["id"]
        .as_str()
        .expect("a store")
        .to_owned();
    assert_eq!(seller_price(&app, &token, &store_id).await, 77_700);
    pair.resume_replay().await;
    app.stop().await;
}

#[tokio::test]
async fn a_replica_lagging_past_the_threshold_stops_receiving_reads_until_it_catches_up() {
    let pair = Replicated::start().await;
    let app = app_on(&pair, 1_000, false).await;
    let (token, store_id, slug, product_id) = store_with_product(&app).await;
    replica_caught_up(&app, &pair).await;

    pair.pause_replay().await;
    set_price(&app, &token, &store_id, &product_id, "900").await;
    // Lag grows past 1 s while replay is paused: out of rotation.
    replica_until(&app, "out of rotation", |status| !status.usable).await;
    let status = app.reads.status();
    assert!(status[0].lag_seconds > 1.0, "{status:?}");
    assert!(status[0].lag_bytes > 0, "{status:?}");
    // Every shopper read now goes to the primary: the new price, no error.
    for _ in 0..5 {
        assert_eq!(shopper_price(&app, &slug).await, 90_000);
    }
    let metrics = app.get_text("/metrics").await.1;
    assert!(
        metric(
            &metrics,
            "haat_db_reads_total{target=\"primary\",reason=\"no_usable_replica\"}"
        ) >= 5.0,
        "{metrics}"
    );
    assert!(
        metrics.contains("haat_db_replica_lag_seconds{"),
        "{metrics}"
    );
    assert!(metrics.contains("haat_db_replica_lag_bytes{"), "{metrics}");
    assert!(
        metric(&metrics, "haat_db_replica_usable{") == 0.0,
        "{metrics}"
    );

    // Replay resumes: the replica catches up and is put back.
    pair.resume_replay().await;
    replica_until(&app, "back in rotation", |status| status.usable).await;
    let before = metric(
        &app.get_text("/metrics").await.1,
        "haat_db_reads_total{target=\"replica\"}",
    );
    assert_eq!(shopper_price(&app, &slug).await, 90_000);
    let after = metric(
        &app.get_text("/metrics").await.1,
        "haat_db_reads_total{target=\"replica\"}",
    );
    assert!(after > before, "reads go to the replica again");
    app.stop().await;
}

#[tokio::test]
async fn killing_the_replica_fails_no_request() {
    let mut pair = Replicated::start().await;
    let app = app_on(&pair, 5_000, false).await;
    let (token, store_id, slug, _product_id) = store_with_product(&app).await;
    replica_caught_up(&app, &pair).await;

    let app = std::sync::Arc::new(app);
    let mut readers = tokio::task::JoinSet::new();
    for reader in 0..4 {
        let app = app.clone();
        let (token, store_id, slug) = (token.clone(), store_id.clone(), slug.clone());
        readers.spawn(async move {
            let mut failures: Vec<String> = Vec::new();
            for _ in 0..150 {
                let (path, auth) = if reader % 2 == 0 {
                    (format!("/api/v1/storefront/{slug}"), None)
                } else {
                    (
                        format!("/api/v1/stores/{store_id}/products"),
                        Some(token.as_str()),
                    )
                };
                let (status, body) = app.get_json(&path, auth).await;
                if status != 200 {
                    failures.push(format!("{path}: {status} {body}"));
                }
            }
            failures
        });
    }
    // Kill the standby while the readers run.
    tokio::time::sleep(Duration::from_millis(150)).await;
    pair.kill_replica();
    let mut failures: Vec<String> = Vec::new();
    while let Some(result) = readers.join_next().await {
        failures.extend(result.expect("reader"));
    }
    assert!(failures.is_empty(), "failed requests: {failures:?}");
    replica_until(&app, "out of rotation", |status| !status.usable).await;
    // Reads keep working from the primary.
    let (status, _) = app
        .get_json(&format!("/api/v1/storefront/{slug}"), None)
        .await;
    assert_eq!(status, 200);
    let (status, value) = app.get_json("/readyz", None).await;
    assert_eq!(
        status, 200,
        "a dead replica does not make the process unready: {value}"
    );
    match std::sync::Arc::try_unwrap(app) {
        Ok(app) => app.stop().await,
        Err(_) => panic!("readers still hold the app"),
    }
}

#[tokio::test]
async fn with_the_page_cache_a_lagging_replica_never_serves_a_page_below_its_floor() {
    let pair = Replicated::start().await;
    let app = app_on(&pair, 120_000, true).await;
    let (token, store_id, slug, product_id) = store_with_product(&app).await;
    replica_caught_up(&app, &pair).await;
    let (status, _) = app.get_text(&format!("/{slug}")).await;
    assert_eq!(status, 200);

    pair.pause_replay().await;
    set_price(&app, &token, &store_id, &product_id, "650").await;
    // The invalidation feed raises the store's floor from the event log (the primary);
    // the replica's store row is older, so the page is read again from the primary.
    app.storefront_json_until(&format!("/api/v1/storefront/{slug}"), |catalog| {
        catalog["products"][0]["price_minor"] == 65_000
    })
    .await;
    let metrics = app.get_text("/metrics").await.1;
    assert!(
        metric(
            &metrics,
            "haat_db_reads_total{target=\"primary\",reason=\"behind_floor\"}"
        ) >= 1.0,
        "{metrics}"
    );
    pair.resume_replay().await;
    app.stop().await;
}

#[tokio::test]
async fn the_request_path_works_through_pgbouncer_in_session_mode() {
    let mut pair = Replicated::start().await;
    let (primary, replica) = pair.start_pgbouncer("session").await;
    let app = TestApp::spawn_configured(Role::All, test_limits(), primary, |config| {
        config.database_replica_urls = Some(SecretString::from(replica));
        config.database_pgbouncer = true;
        config.replica_poll_ms = 50;
    })
    .await;
    // The seller's loop: sign up, a store, products, a change, lists; a shopper's pages.
    let (token, store_id, slug, product_id) = store_with_product(&app).await;
    replica_until(&app, "usable", |status| status.usable).await;
    set_price(&app, &token, &store_id, &product_id, "450").await;
    assert_eq!(seller_price(&app, &token, &store_id).await, 45_000);
    for path in [
        format!("/api/v1/stores/{store_id}/orders"),
        format!("/api/v1/stores/{store_id}/categories"),
        format!("/api/v1/stores/{store_id}/discounts"),
    ] {
        let (status, body) = app.get_json(&path, Some(&token)).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    app.storefront_json_until(&format!("/api/v1/storefront/{slug}"), |catalog| {
        catalog["products"][0]["price_minor"] == 45_000
    })
    .await;
    let (status, page) = app.get_text(&format!("/{slug}")).await;
    assert_eq!(status, 200, "{page}");
    // An order through the checkout transaction.
    let (status, order) = app
        .client
        .post(app.url(&format!("/api/v1/storefront/{slug}/orders")))
        .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
        .json(&json!({
            "items": [{ "product_id": product_id, "quantity": 2 }],
            "customer": { "name": "Test Shopper", "phone": "98765 00001", "address": "1 Test Road, Pune 411001" },
            "payment_method": "cod",
        }))
        .send()
        .await
        .map(|response| (response.status().as_u16(), response))
        .expect("order");
    let body: Value = order.json().await.unwrap_or(Value::Null);
    assert_eq!(status, 201, "{body}");
    app.stop().await;
}

#[tokio::test]
async fn status_reports_each_replica_and_fails_for_a_dead_one() {
    let mut pair = Replicated::start().await;
    let app = app_on(&pair, 5_000, false).await;
    let parts = haat::status::Parts {
        replicas: Some(haat::database::reads(&app.config, &app.db).expect("replicas")),
        ..haat::status::Parts::default()
    };
    let report = haat::status::report_with(&app.db, &parts).await;
    let line = report
        .checks
        .iter()
        .find(|check| check.part.starts_with("replica "))
        .expect("a replica line")
        .clone();
    assert!(line.healthy, "{line:?}");
    assert!(line.detail.contains("bytes"), "{line:?}");
    assert!(
        !line.part.contains("haat@"),
        "no user in the name: {line:?}"
    );

    pair.kill_replica();
    let report = haat::status::report_with(&app.db, &parts).await;
    let line = report
        .checks
        .iter()
        .find(|check| check.part.starts_with("replica "))
        .expect("a replica line");
    assert!(!line.healthy, "{line:?}");
    assert!(!report.healthy());
    app.stop().await;
}
