//! The read-replica benchmark of issue #6 (`--replicas-only`, written to `replicas.md`):
//! storefront and dashboard throughput with the primary only, one replica and two
//! replicas, all on this one machine, with how much of the database work the primary
//! still does.
//!
//! A primary (fsync on) and two standbys made with `pg_basebackup -R`
//! (`haat_testkit::replica`), the bench's three stores seeded on the primary; for each
//! setting a release `haat serve` with `HAAT_DATABASE_REPLICA_URLS`, the page cache off
//! (so every store page is a catalog read: what a cache miss costs), and wrk on:
//! - the 2,000-product store page, as a shopper;
//! - the seller's product list (`GET /api/v1/stores/{id}/products`), with a bearer token.
//!
//! On one box replicas add no capacity (they share the same two cores); the figures show
//! the overhead of routing and the primary's share of the work falling.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use haat::config::Config;
use haat_testkit::replica::Replicated;
use sqlx::{Connection, PgConnection};

use crate::load::{start_haat, wait_ready, Tools};
use crate::procfs;
use crate::seed::{self, BenchStore, LOAD_STORE};
use crate::wrk::{self, Processes, Target, WrkRun};

/// One setting of the benchmark: how many replicas `haat serve` reads from.
#[derive(Clone, Copy, Debug)]
struct Setting {
    replicas: usize,
}

impl Setting {
    fn label(self) -> &'static str {
        match self.replicas {
            0 => "primary only",
            1 => "1 replica",
            _ => "2 replicas",
        }
    }
}

/// One wrk run plus where the database work went.
struct Measured {
    setting: Setting,
    page: &'static str,
    run: WrkRun,
    /// CPU seconds of the primary's PostgreSQL processes, and of the standbys'.
    primary_cpu: f64,
    replicas_cpu: f64,
    /// Transactions committed on the primary's and the standbys' `haat` database.
    primary_xacts: i64,
    replica_xacts: i64,
}

pub struct Options<'a> {
    pub haat: &'a Path,
    pub tools: &'a Tools,
    pub duration: Duration,
    pub connections: u32,
    pub rounds: usize,
}

pub async fn run(options: &Options<'_>) -> anyhow::Result<String> {
    println!("starting a primary and two standbys (pg_basebackup -R) ...");
    let pair = Replicated::start_many(2, false).await;
    let temp = crate::temp_dir("haat-bench-replicas-")?;
    let data_dir = temp.path().join("seed");
    crate::open_dir(&data_dir)?;
    let config = Config {
        data_dir: data_dir.clone(),
        database_url: Some(pair.primary_url.clone().into()),
        ..Config::default()
    };
    let db = haat_db::Db::connect_lazy(&pair.primary_url, &haat_db::PoolSettings::default())?;
    let stores = seed::seed(&db, &config).await?;
    let store = &stores[LOAD_STORE];
    let token = seller_token(&db, store).await?;
    db.close().await;
    pair.wait_caught_up().await;

    let mut measured = Vec::new();
    for round in 0..options.rounds {
        for replicas in [0, 1, 2] {
            let setting = Setting { replicas };
            println!("round {} — {}", round + 1, setting.label());
            measured.extend(run_setting(options, &pair, &temp, setting, store, &token).await?);
        }
    }
    Ok(render(&measured, options))
}

/// A bearer token of the load store's seller, as the sign-in would create it.
async fn seller_token(db: &haat_db::Db, store: &BenchStore) -> anyhow::Result<String> {
    let token = format!("haat_bench_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(
        "INSERT INTO sessions (token_hash, seller_id, kind, expires_at)
         SELECT $1, seller_id, 'api', now() + interval '1 day' FROM stores WHERE id = $2",
    )
    .bind(haat_api::auth::token_hash(&token))
    .bind(store.id.as_uuid())
    .execute(db.pool())
    .await
    .context("creating the seller's session")?;
    Ok(token)
}

async fn run_setting(
    options: &Options<'_>,
    pair: &Replicated,
    temp: &tempfile::TempDir,
    setting: Setting,
    store: &BenchStore,
    token: &str,
) -> anyhow::Result<Vec<Measured>> {
    let data_dir = temp.path().join(format!("serve-{}", setting.replicas));
    crate::open_dir(&data_dir)?;
    let port = crate::load::free_port()?;
    let replica_urls = pair.replica_urls[..setting.replicas].join(",");
    let mut env = vec![
        ("HAAT_DATABASE_URL", pair.primary_url.as_str()),
        ("HAAT_CACHE_MEMORY_MB", "0"),
        ("HAAT_JOBS_WORKERS", "0"),
        ("RUST_LOG", "warn"),
    ];
    if setting.replicas > 0 {
        env.push(("HAAT_DATABASE_REPLICA_URLS", replica_urls.as_str()));
    }
    let mut child = start_haat(options.haat, &data_dir, port, &env)?;
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    wait_ready(&client, &format!("{base}/readyz"), &mut child).await?;
    wait_replicas_usable(&client, &base, setting.replicas).await?;
    let haat_pid = child.pid();
    let primary_dir = pair.primary_data_dir().to_path_buf();
    let server = move || procfs::with_children(haat_pid);
    let database = move || postmaster_tree(&primary_dir);
    let standbys = pair.standby_pids()[..setting.replicas].to_vec();
    let processes = Processes {
        server: &server,
        database: &database,
    };
    let store_url = format!("{base}/{}", store.slug);
    let list_url = format!("{base}/api/v1/stores/{}/products?limit=50", store.id);
    let authorization = format!("Authorization: Bearer {token}");
    let targets: [(&'static str, String, Vec<&str>); 2] = [
        (
            "store page (cache off)",
            store_url,
            vec![crate::load::BROWSER_ACCEPT_ENCODING],
        ),
        (
            "seller's product list",
            list_url,
            vec![authorization.as_str()],
        ),
    ];
    let mut results = Vec::new();
    for (page, url, headers) in &targets {
        let standby_before = tree_ticks(&standbys);
        let primary_before = xacts(&pair.primary_url).await?;
        let replicas_before = replica_xacts(pair, setting.replicas).await?;
        let run = wrk::run(
            &options.tools.wrk,
            Target {
                url,
                script: None,
                headers,
            },
            options.connections,
            options.duration,
            setting.label(),
            &processes,
            || {},
        )
        .await?;
        // Statistics reach pg_stat_database within a second of a backend's last commit.
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        let primary_xacts = xacts(&pair.primary_url).await? - primary_before;
        let replica_xacts = replica_xacts(pair, setting.replicas).await? - replicas_before;
        let replicas_cpu = tree_ticks(&standbys).saturating_sub(standby_before) as f64 / 100.0;
        println!(
            "  {page}: {:.0} req/s, p99 {:.1} ms, errors {}, primary {:.1} s CPU / {} xacts, replicas {:.1} s CPU / {} xacts",
            run.requests_per_sec, run.p99_ms, run.errors, run.cpu.database, primary_xacts, replicas_cpu, replica_xacts
        );
        results.push(Measured {
            setting,
            page,
            primary_cpu: run.cpu.database,
            run,
            replicas_cpu,
            primary_xacts,
            replica_xacts,
        });
    }
    drop(child);
    Ok(results)
}

/// Waits (bounded) until the process reports every replica usable.
async fn wait_replicas_usable(
    client: &reqwest::Client,
    base: &str,
    replicas: usize,
) -> anyhow::Result<()> {
    if replicas == 0 {
        return Ok(());
    }
    for _ in 0..300 {
        let metrics = client
            .get(format!("{base}/metrics"))
            .send()
            .await?
            .text()
            .await?;
        let usable = metrics
            .lines()
            .filter(|line| line.starts_with("haat_db_replica_usable{") && line.ends_with(" 1"))
            .count();
        if usable >= replicas {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("the replicas never became usable")
}

/// The postmaster under `data_dir` and its children.
fn postmaster_tree(data_dir: &Path) -> Vec<u32> {
    std::fs::read_to_string(data_dir.join("postmaster.pid"))
        .ok()
        .and_then(|text| text.lines().next()?.trim().parse::<u32>().ok())
        .map(procfs::with_children)
        .unwrap_or_default()
}

fn tree_ticks(postmasters: &[u32]) -> u64 {
    postmasters
        .iter()
        .flat_map(|pid| procfs::with_children(*pid))
        .filter_map(procfs::cpu_ticks)
        .sum()
}

async fn xacts(url: &str) -> anyhow::Result<i64> {
    let mut connection = PgConnection::connect(url).await?;
    let (count,): (i64,) = sqlx::query_as(
        "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()",
    )
    .fetch_one(&mut connection)
    .await?;
    connection.close().await.ok();
    Ok(count)
}

async fn replica_xacts(pair: &Replicated, replicas: usize) -> anyhow::Result<i64> {
    let mut total = 0;
    for url in &pair.replica_urls[..replicas] {
        total += xacts(url).await?;
    }
    Ok(total)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

fn render(measured: &[Measured], options: &Options<'_>) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "### Read replicas on one machine (wrk -c{} -d{}s, {} rounds, medians)\n",
        options.connections,
        options.duration.as_secs(),
        options.rounds
    );
    let _ = writeln!(
        text,
        "| page | setting | req/s | vs primary only | p99 ms | errors | primary CPU s | replicas CPU s | primary xacts | replica xacts | primary's share |"
    );
    let _ = writeln!(text, "|---|---|---|---|---|---|---|---|---|---|---|");
    for page in ["store page (cache off)", "seller's product list"] {
        let mut baseline = 0.0;
        for replicas in [0, 1, 2] {
            let runs: Vec<&Measured> = measured
                .iter()
                .filter(|m| m.page == page && m.setting.replicas == replicas)
                .collect();
            if runs.is_empty() {
                continue;
            }
            let pick = |f: &dyn Fn(&Measured) -> f64| {
                let mut values: Vec<f64> = runs.iter().map(|m| f(m)).collect();
                median(&mut values)
            };
            let rps = pick(&|m| m.run.requests_per_sec);
            if replicas == 0 {
                baseline = rps;
            }
            let primary_xacts = pick(&|m| m.primary_xacts as f64);
            let replica_xacts = pick(&|m| m.replica_xacts as f64);
            let share = if primary_xacts + replica_xacts > 0.0 {
                primary_xacts / (primary_xacts + replica_xacts)
            } else {
                1.0
            };
            let errors: u64 = runs.iter().map(|m| m.run.errors).sum();
            let _ = writeln!(
                text,
                "| {page} | {} | {:.0} | {:.2} | {:.1} | {errors} | {:.1} | {:.1} | {:.0} | {:.0} | {:.0}% |",
                runs[0].setting.label(),
                rps,
                if baseline > 0.0 { rps / baseline } else { 1.0 },
                pick(&|m| m.run.p99_ms),
                pick(&|m| m.primary_cpu),
                pick(&|m| m.replicas_cpu),
                primary_xacts,
                replica_xacts,
                share * 100.0,
            );
        }
    }
    text
}
