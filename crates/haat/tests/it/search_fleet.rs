//! Search across a fleet, on a real PostgreSQL: `haat search reindex` reaches every
//! running node (and search stays on the index throughout), a node that was down
//! carries the request out when it starts, with no node running the command rebuilds
//! its own data directory's index, and a new node starts from another node's snapshot
//! and follows the log from there.
//!
//! Index and database are made to disagree by renaming a product with change capture
//! switched off for that one transaction (`session_replication_role = replica`): no
//! event reaches the log, so the index finds the product by its old name until a
//! rebuild from the database (and a node restored from a snapshot finds it by the old
//! name too, which only the snapshot explains). Result cards are read from PostgreSQL,
//! so they always show the current name.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use haat::app::Role;
use haat::search::{reindex, WatchSettings};
use secrecy::ExposeSecret;
use serde_json::json;
use uuid::Uuid;

use crate::search::names;
use crate::support::{test_limits, TestApp};

fn quiet() -> WatchSettings {
    WatchSettings {
        bars: false,
        ..WatchSettings::default()
    }
}

/// Polls until the node's index (not the fallback) finds exactly `expected` for `q`.
async fn finds(app: &TestApp, slug: &str, q: &str, expected: &[&str]) {
    let path = format!("/api/v1/storefront/{slug}/search?q={q}");
    app.storefront_json_until(&path, |body| {
        body["engine"] == "index" && names(body) == expected
    })
    .await;
}

struct Shop {
    token: String,
    store_id: String,
    slug: String,
    product: String,
}

async fn shop(app: &TestApp, store: &str, product: &str) -> Shop {
    let (token, store) = app.seller_with_store(store).await;
    let store_id = store["id"].as_str().unwrap().to_owned();
    let slug = store["slug"].as_str().unwrap().to_owned();
    let created = app
        .create_product(&token, &store_id, json!({ "name": product, "price": "60" }))
        .await;
    Shop {
        token,
        store_id,
        slug,
        product: created["id"].as_str().unwrap().to_owned(),
    }
}

fn database_url(app: &TestApp) -> String {
    app.config
        .database_url
        .as_ref()
        .unwrap()
        .expose_secret()
        .to_owned()
}

/// Waits until `count` nodes report themselves (bounded).
async fn nodes_reporting(app: &TestApp, count: usize) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let nodes = app.db.search_nodes().await.unwrap();
        if nodes.len() == count {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "expected {count} search nodes, have {nodes:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn reindex_reaches_every_running_node_while_search_stays_online() {
    let url = haat_testkit::fresh_database().await;
    let api = TestApp::spawn_on(Role::All, test_limits(), url.clone()).await;
    let storefront = TestApp::spawn_on(Role::Storefront, test_limits(), url).await;
    let kulfi = shop(&api, "Kulfi Corner", "Malai Kulfi").await;
    let other = shop(&api, "Chai Point", "Masala Chai").await;
    for node in [&api, &storefront] {
        finds(node, &kulfi.slug, "malai", &["Malai Kulfi"]).await;
        finds(node, &other.slug, "chai", &["Masala Chai"]).await;
    }
    nodes_reporting(&api, 2).await;
    // Nodes report every 5 s: wait for both to report the two products.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let status = haat::status::report(&api.db).await;
        let ready: Vec<_> = status
            .checks
            .iter()
            .filter(|check| check.part.starts_with("search ") && check.healthy)
            .filter(|check| check.detail.starts_with("ready, 2 products"))
            .collect();
        if status.healthy() && ready.len() == 2 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{}",
            status.render()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    rename_behind_the_logs_back(&api.db, &kulfi.product, "Kesar Kulfi").await;
    rename_behind_the_logs_back(&api.db, &other.product, "Adrak Chai").await;
    // The index has not heard of either change: it still finds the product by its old
    // name (result cards are read from PostgreSQL, so they show the new one).
    finds(&storefront, &kulfi.slug, "malai", &["Kesar Kulfi"]).await;
    finds(&storefront, &kulfi.slug, "kesar", &[]).await;

    let store = kulfi.store_id.parse().unwrap();
    let outcome = reindex(&api.config, &api.db, Some(store), &quiet())
        .await
        .unwrap();
    assert!(outcome.succeeded(), "{outcome:?}");
    assert_eq!(outcome.local, None);
    assert_eq!(outcome.nodes.len(), 2, "{outcome:?}");
    for node in &outcome.nodes {
        assert_eq!(node.products, 1, "{node:?}");
    }
    assert!(outcome.render().contains("1 products reindexed"));
    for node in [&api, &storefront] {
        finds(node, &kulfi.slug, "kesar", &["Kesar Kulfi"]).await;
        finds(node, &kulfi.slug, "malai", &[]).await;
        // Another store's products are left as they were: the request named one store.
        finds(node, &other.slug, "masala", &["Adrak Chai"]).await;
    }

    let everything = reindex(&api.config, &api.db, None, &quiet()).await.unwrap();
    assert!(everything.succeeded(), "{everything:?}");
    assert!(everything.nodes.iter().all(|node| node.products == 2));
    for node in [&api, &storefront] {
        finds(node, &other.slug, "adrak", &["Adrak Chai"]).await;
        finds(node, &other.slug, "masala", &[]).await;
    }
    // Each node reports the last request it carried out.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !api
        .db
        .search_nodes()
        .await
        .unwrap()
        .iter()
        .all(|node| node.reindexed == everything.request && node.ready)
    {
        assert!(tokio::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Changes made through the API still follow after the rebuilds.
    api.create_product(
        &kulfi.token,
        &kulfi.store_id,
        json!({ "name": "Choco Cone", "price": "40" }),
    )
    .await;
    finds(&storefront, &kulfi.slug, "choco", &["Choco Cone"]).await;

    // A node that stopped reporting without leaving (killed, cut off) fails the status.
    storefront.stop().await;
    nodes_reporting(&api, 1).await;
    api.db
        .report_search_node(&haat_db::SearchNodeReport {
            node: "crashed-node",
            started_at: time::OffsetDateTime::now_utc(),
            ready: true,
            position: Some(1),
            products: 2,
            lag_seconds: Some(0.0),
            reindexed: 0,
        })
        .await
        .unwrap();
    sqlx::query("UPDATE search_nodes SET seen_at = now() - interval '5 minutes' WHERE node = 'crashed-node'")
        .execute(api.db.pool())
        .await
        .unwrap();
    let status = haat::status::report(&api.db).await;
    assert!(!status.healthy());
    let crashed = status
        .checks
        .iter()
        .find(|check| check.part == "search crashed-node")
        .unwrap();
    assert!(
        crashed.detail.contains("not heard from") && crashed.detail.contains("pending"),
        "{crashed:?}"
    );
    api.stop().await;
}

#[tokio::test]
async fn a_node_that_was_down_reindexes_when_it_starts_and_with_none_running_the_command_rebuilds_here(
) {
    let url = haat_testkit::fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    let on_dir = |config: &mut haat::config::Config| config.data_dir = dir.path().to_path_buf();
    let app = TestApp::spawn_configured(Role::All, test_limits(), url.clone(), on_dir).await;
    let kulfi = shop(&app, "Kulfi Corner", "Malai Kulfi").await;
    finds(&app, &kulfi.slug, "malai", &["Malai Kulfi"]).await;
    nodes_reporting(&app, 1).await;
    let (config, db) = (app.config.clone(), app.db.clone());
    app.stop().await;
    // A clean stop leaves the fleet.
    assert!(db.search_nodes().await.unwrap().is_empty());

    // Requested while the node is down: carried out when it starts.
    rename_behind_the_logs_back(&db, &kulfi.product, "Kesar Kulfi").await;
    db.request_reindex(Some(kulfi.store_id.parse().unwrap()))
        .await
        .unwrap();
    let app = TestApp::spawn_configured(Role::All, test_limits(), url.clone(), on_dir).await;
    finds(&app, &kulfi.slug, "kesar", &["Kesar Kulfi"]).await;
    app.stop().await;

    // No node running: the command rebuilds this data directory's index itself.
    rename_behind_the_logs_back(&db, &kulfi.product, "Pista Kulfi").await;
    let outcome = reindex(&config, &db, None, &quiet()).await.unwrap();
    assert!(outcome.nodes.is_empty());
    assert_eq!(outcome.local, Some(1));
    let index = haat_search::SearchIndex::open(&config.search_index_dir()).unwrap();
    let found = index
        .search(&haat_search::SearchRequest {
            store_id: kulfi.store_id.parse().unwrap(),
            text: "pista",
            limit: 10,
            ..haat_search::SearchRequest::default()
        })
        .unwrap();
    assert_eq!(found.hits.len(), 1);
    assert_eq!(
        index.checkpoint().unwrap().unwrap().reindex,
        outcome.request
    );
    drop(index);
    // The node starts on that index and has nothing left to do for the request.
    let app = TestApp::spawn_configured(Role::All, test_limits(), url, on_dir).await;
    finds(&app, &kulfi.slug, "pista", &["Pista Kulfi"]).await;
    app.stop().await;
}

/// Renames a product without an event: the log never hears of it.
async fn rename_behind_the_logs_back(db: &haat_db::Db, product: &str, name: &str) {
    let mut tx = db.pool().begin().await.unwrap();
    sqlx::query("SET LOCAL session_replication_role = replica")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("UPDATE products SET name = $2 WHERE id = $1")
        .bind(product.parse::<Uuid>().unwrap())
        .bind(name)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn a_new_node_starts_from_a_snapshot_and_follows_the_log() {
    let url = haat_testkit::fresh_database().await;
    let first = TestApp::spawn_on(Role::All, test_limits(), url.clone()).await;
    let kulfi = shop(&first, "Kulfi Corner", "Malai Kulfi").await;
    finds(&first, &kulfi.slug, "malai", &["Malai Kulfi"]).await;
    let snapshots = tempfile::tempdir().unwrap();
    let file = snapshots.path().join("search.tar");
    // Taken from the running node's index.
    let info = haat::search::snapshot(&first.config, &file).unwrap();
    assert_eq!(info.products, 1);

    // The database moves on without the log: a node built from the database would
    // show the new name, a node restored from the snapshot shows the old one.
    rename_behind_the_logs_back(&first.db, &kulfi.product, "Kesar Kulfi").await;
    let snapshot = file.clone();
    let second = TestApp::spawn_configured(Role::Storefront, test_limits(), url, move |config| {
        config.search_snapshot = Some(snapshot);
    })
    .await;
    finds(&second, &kulfi.slug, "malai", &["Kesar Kulfi"]).await;
    finds(&second, &kulfi.slug, "kesar", &[]).await;
    // What the log carries after the snapshot reaches the new node.
    first
        .create_product(
            &kulfi.token,
            &kulfi.store_id,
            json!({ "name": "Choco Cone", "price": "40" }),
        )
        .await;
    finds(&second, &kulfi.slug, "choco", &["Choco Cone"]).await;

    // A running node's index cannot be replaced under it.
    let refused = haat::search::restore(&second.config, &file).unwrap_err();
    assert!(refused.to_string().contains("stop it first"), "{refused}");
    second.stop().await;
    first.stop().await;
}

fn haat_command(url: &str, data_dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_haat"));
    command
        .env("HAAT_DATABASE_URL", url)
        .env("HAAT_DATA_DIR", data_dir)
        .env("RUST_LOG", "warn");
    command
}

#[tokio::test]
async fn the_search_commands_of_the_binary() {
    let url = haat_testkit::fresh_database().await;
    let app = TestApp::spawn_on(Role::All, test_limits(), url.clone()).await;
    let kulfi = shop(&app, "Kulfi Corner", "Malai Kulfi").await;
    finds(&app, &kulfi.slug, "malai", &["Malai Kulfi"]).await;
    nodes_reporting(&app, 1).await;
    rename_behind_the_logs_back(&app.db, &kulfi.product, "Kesar Kulfi").await;
    let elsewhere = tempfile::tempdir().unwrap();
    let database = database_url(&app);
    let reindexed = tokio::task::spawn_blocking({
        let (database, slug, dir) = (
            database.clone(),
            kulfi.slug.clone(),
            elsewhere.path().to_owned(),
        );
        move || {
            haat_command(&database, &dir)
                .args(["search", "reindex", "--store", &slug])
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&reindexed.stdout);
    assert!(
        reindexed.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&reindexed.stderr)
    );
    assert!(stdout.contains("1 products reindexed"), "{stdout}");
    finds(&app, &kulfi.slug, "kesar", &["Kesar Kulfi"]).await;

    let unknown = haat_command(&database, elsewhere.path())
        .args(["search", "reindex", "--store", "no-such-store"])
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no store"));

    // A snapshot of the running node's index, restored into another data directory.
    let file = elsewhere.path().join("search.tar");
    let snapshot = haat_command(&database, &app.config.data_dir)
        .args(["search", "snapshot", "--to"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(snapshot.status.success(), "{snapshot:?}");
    let restore = haat_command(&database, elsewhere.path())
        .args(["search", "restore", "--from"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(restore.status.success(), "{restore:?}");
    assert!(String::from_utf8_lossy(&restore.stdout).contains("1 products"));
    app.stop().await;
}
