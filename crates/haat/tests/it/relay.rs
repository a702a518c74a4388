//! The relay as it runs in production: in-process next to writers, and as the real
//! `haat relay` process killed with SIGKILL at arbitrary moments of a stream of product
//! updates. Every committed change reaches the log exactly once, in per-store order.

use std::collections::HashMap;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use haat_db::{Db, PoolSettings};
use uuid::Uuid;

async fn database() -> (String, Db) {
    let url = haat_testkit::fresh_database().await;
    let db = Db::connect_lazy(&url, &PoolSettings::default()).unwrap();
    (url, db)
}

/// A seller, a store and `count` products, by SQL (the capture triggers fire as for any
/// other writer).
async fn catalog(db: &Db, count: usize) -> (Uuid, Vec<Uuid>) {
    let seeded = haat_testkit::seed::store_with_products(db, count).await;
    (seeded.id, seeded.products)
}

async fn update_prices(db: &Db, products: &[Uuid], rounds: i64) -> u64 {
    let mut committed = 0;
    for round in 0..rounds {
        for product in products {
            sqlx::query(
                "UPDATE products SET price_minor = $2, version = version + 1 WHERE id = $1",
            )
            .bind(product)
            .bind(1_000 + round)
            .execute(db.pool())
            .await
            .unwrap();
            committed += 1;
        }
    }
    committed
}

/// Waits (bounded) until the outbox is empty.
async fn drained(db: &Db) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while db.outbox_depth().await.unwrap() > 0 {
        assert!(
            Instant::now() < deadline,
            "the relay did not drain the outbox"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The whole log: offsets 1..=n, each store's numbers 1..=m in order, no event twice.
async fn checked_log(db: &Db) -> Vec<haat_db::LoggedEvent> {
    let log = db.read_events(0, 1_000_000).await.unwrap();
    let mut next: HashMap<Uuid, i64> = HashMap::new();
    for (index, event) in log.iter().enumerate() {
        assert_eq!(event.offset, index as i64 + 1, "gap-free offsets");
        let expected = next.entry(event.change.store_id).or_insert(1);
        assert_eq!(event.change.store_seq, *expected, "per-store order");
        *expected += 1;
    }
    log
}

#[tokio::test]
async fn the_in_process_relay_keeps_up_and_stops_on_shutdown() {
    let (_, db) = database().await;
    let stop = tokio_util::sync::CancellationToken::new();
    let settings = haat::relay::RelaySettings {
        batch: 50,
        poll: Duration::from_millis(10),
        ..haat::relay::RelaySettings::default()
    };
    let relay = tokio::spawn(haat::relay::run(
        db.clone(),
        haat::relay::Target::Postgres,
        settings,
        stop.clone().cancelled_owned(),
    ));
    let (_, products) = catalog(&db, 5).await;
    let updates = update_prices(&db, &products, 30).await;
    drained(&db).await;
    let log = checked_log(&db).await;
    let product_updates = log
        .iter()
        .filter(|e| e.change.entity == "product" && e.change.op == "update")
        .count() as u64;
    assert_eq!(product_updates, updates);
    stop.cancel();
    tokio::time::timeout(Duration::from_secs(10), relay)
        .await
        .expect("the relay stops when asked")
        .unwrap();
}

fn start_relay(url: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_haat"))
        .arg("relay")
        .env("HAAT_DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .env(
            "HAAT_DATA_DIR",
            std::env::temp_dir().join("haat-relay-test-unused"),
        )
        .spawn()
        .expect("starting haat relay")
}

#[tokio::test]
async fn killing_the_relay_process_at_any_moment_loses_and_doubles_nothing() {
    let (url, db) = database().await;
    let (_, products) = catalog(&db, 8).await;
    let writer = {
        let db = db.clone();
        let products = products.clone();
        tokio::spawn(async move { update_prices(&db, &products, 150).await })
    };
    // Kill -9 the relay at varied moments while the writer runs, restarting it each time.
    let mut relay = start_relay(&url);
    let mut relayed_while_killing = Vec::new();
    for pause_ms in [150u64, 40, 260, 90, 10, 200, 120] {
        tokio::time::sleep(Duration::from_millis(pause_ms)).await;
        relay.kill().expect("SIGKILL");
        relay.wait().unwrap();
        relayed_while_killing.push(db.read_events(0, 1_000_000).await.unwrap().len());
        relay = start_relay(&url);
    }
    assert!(
        relayed_while_killing.iter().any(|&n| n > 0),
        "the killed relays did relay: {relayed_while_killing:?}"
    );
    let updates = writer.await.unwrap();
    drained(&db).await;
    relay.kill().unwrap();
    relay.wait().unwrap();
    let log = checked_log(&db).await;
    let product_updates = log
        .iter()
        .filter(|e| e.change.entity == "product" && e.change.op == "update")
        .count() as u64;
    assert_eq!(
        product_updates, updates,
        "every committed update, exactly once"
    );
}

#[tokio::test]
async fn status_reports_every_part_and_fails_on_a_lagging_consumer() {
    let (url, db) = database().await;
    let report = haat::status::report(&db).await;
    assert!(report.healthy(), "{}", report.render());
    let text = report.render();
    for part in [
        "database",
        "relay / event log",
        "consumers",
        "background jobs",
    ] {
        assert!(text.contains(part), "{text}");
    }

    // The real command, against the same database: exit 0 and the same lines.
    let output = Command::new(env!("CARGO_BIN_EXE_haat"))
        .arg("status")
        .env("HAAT_DATABASE_URL", &url)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("ok    database"));

    // A consumer that has not moved while events aged past the limit: unhealthy.
    catalog(&db, 1).await;
    while db.relay_to_log(1000).await.unwrap().moved > 0 {}
    db.commit_position("search", 0).await.unwrap();
    sqlx::query("UPDATE event_log SET committed_at = now() - interval '5 minutes'")
        .execute(db.pool())
        .await
        .unwrap();
    let report = haat::status::report(&db).await;
    assert!(!report.healthy());
    let line = report
        .checks
        .iter()
        .find(|check| check.part == "consumer search")
        .expect("a line per consumer");
    assert!(!line.healthy && line.detail.contains("events"), "{line:?}");
    let output = Command::new(env!("CARGO_BIN_EXE_haat"))
        .arg("status")
        .env("HAAT_DATABASE_URL", &url)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(!output.status.success(), "unhealthy exits non-zero");
    assert!(String::from_utf8_lossy(&output.stdout).contains("FAIL  consumer search"));
}

#[tokio::test]
async fn with_haat_event_log_set_to_nats_the_relay_process_fills_the_stream() {
    use haat_events::EventLog;

    let nats = haat_testkit::nats::start_nats().await;
    let (url, db) = database().await;
    let (_, products) = catalog(&db, 3).await;
    let updates = update_prices(&db, &products, 10).await;
    let mut relay = Command::new(env!("CARGO_BIN_EXE_haat"))
        .arg("relay")
        .env("HAAT_DATABASE_URL", &url)
        .env("HAAT_EVENT_LOG", &nats.url)
        .env("RUST_LOG", "warn")
        .spawn()
        .unwrap();
    drained(&db).await;
    relay.kill().unwrap();
    relay.wait().unwrap();
    assert!(
        db.read_events(0, 10).await.unwrap().is_empty(),
        "nothing went to the PostgreSQL log"
    );
    let log = haat_events::NatsEventLog::connect(&nats.url, haat_events::NatsSettings::default())
        .await
        .unwrap();
    let events = log.replay(0, 10_000).await.unwrap();
    let product_updates = events
        .iter()
        .filter(|e| e.entity == "product" && e.op == "update")
        .count() as u64;
    assert_eq!(product_updates, updates);
    let offsets: Vec<u64> = events.iter().map(|e| e.offset).collect();
    assert_eq!(offsets, (1..=events.len() as u64).collect::<Vec<_>>());
}
