//! The event backbone and the page cache's freshness, for each log engine (the
//! PostgreSQL log, then NATS JetStream with a real `nats-server -js`):
//!
//! - **Freshness.** While wrk loads the store page (64 connections), prices of a product
//!   on that page are changed one after another by SQL (autocommit). After each commit
//!   is acknowledged the page is fetched back to back until it shows the new price; the
//!   time from the acknowledgement to that response is one sample.
//! - **Burst.** 100,000 product updates (100 transactions of 1,000) as fast as
//!   PostgreSQL takes them, followed from the log by a separate reader (relay inside
//!   `haat serve` → log → this consumer): events per second end to end, and the largest
//!   lag seen (events committed but not yet read; age of the oldest event read late).
//!
//! Every loop is bounded; every child process is stopped at the end.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use haat::config::Config;
use haat::database::Database;
use haat_domain::{format_money, Currency};
use haat_events::{EventLog, NatsEventLog, NatsSettings, PgEventLog, Tail};
use uuid::Uuid;

use crate::load::{free_port, start_haat, wait_ready, Tools, BROWSER_ACCEPT_ENCODING};
use crate::wrk::{self, Processes};

pub const BURST_UPDATES: u64 = 100_000;
const BURST_CHUNK: usize = 1_000;

#[derive(Debug, Default)]
pub struct EngineReport {
    pub engine: &'static str,
    /// Milliseconds from commit acknowledgement to the first response showing it.
    pub freshness_ms: Vec<f64>,
    /// Updates never seen within 10 s.
    pub unseen: usize,
    /// wrk's throughput on the store page meanwhile, and its errors.
    pub load_rps: f64,
    pub load_errors: u64,
    pub burst: Burst,
}

#[derive(Debug, Default)]
pub struct Burst {
    pub events: u64,
    /// From the first update to the last event read.
    pub seconds: f64,
    /// Writing alone (commits of every update).
    pub write_seconds: f64,
    pub max_lag_events: u64,
    pub max_lag_seconds: f64,
}

pub struct EventOptions<'a> {
    pub haat: &'a Path,
    pub data_dir: &'a Path,
    /// The store whose page is loaded and whose product prices change.
    pub page_slug: &'a str,
    /// The store whose products take the burst.
    pub burst_store: Uuid,
    pub duration: Duration,
}

enum Engine {
    Postgres,
    Nats(haat_testkit::nats::NatsServer),
}

pub async fn run(tools: &Tools, options: &EventOptions<'_>) -> anyhow::Result<Vec<EngineReport>> {
    let mut reports = Vec::new();
    for engine in [
        Engine::Postgres,
        Engine::Nats(haat_testkit::nats::start_nats().await),
    ] {
        reports.push(run_engine(tools, options, engine).await?);
    }
    Ok(reports)
}

async fn run_engine(
    tools: &Tools,
    options: &EventOptions<'_>,
    engine: Engine,
) -> anyhow::Result<EngineReport> {
    let (name, env): (&'static str, Vec<(&str, String)>) = match &engine {
        Engine::Postgres => ("PostgreSQL log", Vec::new()),
        Engine::Nats(server) => (
            "NATS JetStream",
            vec![("HAAT_EVENT_LOG", server.url.clone())],
        ),
    };
    println!("events: {name}");
    let port = free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut haat = start_haat(options.haat, options.data_dir, port, &env)?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    wait_ready(&client, &format!("{base}/readyz"), &mut haat).await?;
    let config = Config {
        data_dir: options.data_dir.to_path_buf(),
        listen: "127.0.0.1:0".parse()?,
        ..Config::default()
    };
    let database = Database::open(&config).await?;
    let result = async {
        let mut report = EngineReport {
            engine: name,
            ..EngineReport::default()
        };
        freshness(
            tools,
            options,
            &database,
            &client,
            &base,
            haat.pid(),
            &mut report,
        )
        .await?;
        report.burst = match &engine {
            Engine::Postgres => {
                burst(&database, options, PgEventLog::new(database.db.clone())).await?
            }
            Engine::Nats(server) => {
                let log = NatsEventLog::connect(&server.url, NatsSettings::default())
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                burst(&database, options, log).await?
            }
        };
        Ok::<_, anyhow::Error>(report)
    }
    .await;
    database.close_if_started().await;
    tokio::task::spawn_blocking(move || haat.terminate(Duration::from_secs(60))).await?;
    drop(engine);
    result
}

/// The first product on the store page and its price.
async fn page_product(database: &Database, slug: &str) -> anyhow::Result<(Uuid, i64)> {
    sqlx::query_as(
        "SELECT p.id, p.price_minor FROM products p JOIN stores s ON s.id = p.store_id
         WHERE s.slug = $1 AND p.active
         ORDER BY coalesce(p.category_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid),
                  lower(p.name) COLLATE \"C\", p.id
         LIMIT 1",
    )
    .bind(slug)
    .fetch_one(database.db.pool())
    .await
    .context("finding a product on the store page")
}

async fn freshness(
    tools: &Tools,
    options: &EventOptions<'_>,
    database: &Database,
    client: &reqwest::Client,
    base: &str,
    haat_pid: u32,
    report: &mut EngineReport,
) -> anyhow::Result<()> {
    let url = format!("{base}/{}", options.page_slug);
    let (product, _) = page_product(database, options.page_slug).await?;
    let page = client.get(&url).send().await?.text().await?;
    if !page.contains(&product.to_string()) {
        bail!("the product chosen for freshness is not on the store page");
    }
    let none = Vec::new;
    let server = move || vec![haat_pid];
    let processes = Processes {
        server: &server,
        database: &none,
    };
    let load = wrk::run(
        &tools.wrk,
        wrk::Target {
            url: &url,
            script: None,
            headers: &[BROWSER_ACCEPT_ENCODING],
        },
        64,
        options.duration + Duration::from_secs(2),
        "haat",
        &processes,
        || {},
    );
    let updates = async {
        // Let wrk get going.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let started = Instant::now();
        // Prices no other product has: ₹9,87,654.32 and up.
        let mut price = 98_765_432_i64;
        while started.elapsed() < options.duration {
            price += 1;
            sqlx::query(
                "UPDATE products SET price_minor = $2, version = version + 1, updated_at = now()
                 WHERE id = $1",
            )
            .bind(product)
            .bind(price)
            .execute(database.db.pool())
            .await?;
            let committed = Instant::now();
            let wanted = format_money(price, Currency::Inr);
            let mut seen = false;
            while committed.elapsed() < Duration::from_secs(10) {
                let body = client.get(&url).send().await?.text().await?;
                if body.contains(&wanted) {
                    seen = true;
                    break;
                }
            }
            if seen {
                report
                    .freshness_ms
                    .push(committed.elapsed().as_secs_f64() * 1e3);
            } else {
                report.unseen += 1;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok::<_, anyhow::Error>(())
    };
    let (load, updates) = tokio::join!(load, updates);
    updates?;
    let load = load?;
    report.load_rps = load.requests_per_sec;
    report.load_errors = load.errors;
    Ok(())
}

async fn burst<L: EventLog>(
    database: &Database,
    options: &EventOptions<'_>,
    log: L,
) -> anyhow::Result<Burst> {
    let ids: Vec<(Uuid,)> =
        sqlx::query_as("SELECT id FROM products WHERE store_id = $1 ORDER BY id")
            .bind(options.burst_store)
            .fetch_all(database.db.pool())
            .await?;
    let ids: Vec<Uuid> = ids.into_iter().map(|(id,)| id).collect();
    if ids.is_empty() {
        bail!("the burst store has no products");
    }
    let mut tail = log
        .follow(None)
        .await
        .map_err(|e| anyhow::anyhow!("following the log: {e}"))?;
    println!("events: burst of {BURST_UPDATES} updates");
    let committed = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let writer = {
        let db = database.db.clone();
        let committed = committed.clone();
        tokio::spawn(async move {
            let mut written = 0_u64;
            let mut chunks = ids.chunks(BURST_CHUNK).cycle();
            while written < BURST_UPDATES {
                let chunk = chunks.next().unwrap_or_default();
                let take = chunk.len().min((BURST_UPDATES - written) as usize);
                sqlx::query(
                    "UPDATE products SET price_minor = price_minor + 1, version = version + 1
                     WHERE id = ANY($1)",
                )
                .bind(&chunk[..take])
                .execute(db.pool())
                .await?;
                written += take as u64;
                committed.store(written, Ordering::SeqCst);
            }
            Ok::<_, anyhow::Error>(started.elapsed())
        })
    };
    let mut read = 0_u64;
    let mut burst = Burst::default();
    let deadline = Instant::now() + Duration::from_secs(600);
    while read < BURST_UPDATES {
        if Instant::now() > deadline {
            bail!("the burst was not read within 10 minutes ({read} events)");
        }
        let events = tail
            .next_batch(5_000, Duration::from_millis(200))
            .await
            .map_err(|e| anyhow::anyhow!("reading the log: {e}"))?;
        let now = time::OffsetDateTime::now_utc();
        for event in &events {
            if event.entity == "product" && event.op == "update" {
                read += 1;
                let age = (now - event.committed_at).as_seconds_f64();
                burst.max_lag_seconds = burst.max_lag_seconds.max(age);
            }
        }
        let behind = committed.load(Ordering::SeqCst).saturating_sub(read);
        burst.max_lag_events = burst.max_lag_events.max(behind);
    }
    burst.seconds = started.elapsed().as_secs_f64();
    burst.write_seconds = writer.await??.as_secs_f64();
    burst.events = read;
    Ok(burst)
}

fn percentile(values: &[f64], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub fn render(reports: &[EngineReport]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### Freshness: commit → first store-page response showing the new price\n\n\
         While wrk loads the store page (64 connections, browser `Accept-Encoding`), a product's price is \
         updated by SQL again and again; after each commit the page is fetched back to back until it shows \
         the new price.\n\n\
         | log engine | updates | p50 | p99 | max | not seen within 10 s | store page under load meanwhile |\n|---|--:|--:|--:|--:|--:|--:|"
    );
    for r in reports {
        let max = r.freshness_ms.iter().copied().fold(f64::NAN, f64::max);
        let _ = writeln!(
            out,
            "| {} | {} | {:.0} ms | {:.0} ms | {:.0} ms | {} | {:.0} req/s, {} errors |",
            r.engine,
            r.freshness_ms.len() + r.unseen,
            percentile(&r.freshness_ms, 50.0),
            percentile(&r.freshness_ms, 99.0),
            max,
            r.unseen,
            r.load_rps,
            r.load_errors
        );
    }
    let _ = writeln!(
        out,
        "\n### Event throughput: relay (in `haat serve`) → log → a consumer, burst of {} product updates\n\n\
         | log engine | events read | writing took | all read after | **events/s end to end** | max lag (events) | max lag (age of an event when read) |\n|---|--:|--:|--:|--:|--:|--:|",
        crate::report::thousands(BURST_UPDATES as usize)
    );
    for r in reports {
        let b = &r.burst;
        let _ = writeln!(
            out,
            "| {} | {} | {:.1} s | {:.1} s | **{:.0}** | {} | {:.2} s |",
            r.engine,
            crate::report::thousands(b.events as usize),
            b.write_seconds,
            b.seconds,
            b.events as f64 / b.seconds,
            crate::report::thousands(b.max_lag_events as usize),
            b.max_lag_seconds
        );
    }
    out
}
