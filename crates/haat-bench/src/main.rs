//! `haat-bench`: the measurements behind docs/BENCHMARKS.md, run by `cargo xtask bench`.
//!
//! 1. Seeds stores of 20, 2,000 and 20,000 products into a fresh embedded PostgreSQL
//!    (fsync on) in a temporary data directory.
//! 2. In process: counts the SQL statements of every page of every store (from sqlx's
//!    own statement log), EXPLAINs the products query, and times cold and warm builds.
//! 3. Out of process: starts `haat serve` (release binary) on the same data directory and
//!    an nginx serving the very same HTML bytes, drives both with wrk at 64 and 256
//!    connections in alternation, and samples Haat's and PostgreSQL's memory.
//! 4. Prints a markdown report and writes it to `--out`.
//!
//! `--checkout-only` runs the checkout benchmark alone (`checkout.md`), `--search-only`
//! the search benchmark of issue #5 (`search.rs`, written to `search.md` beside `--out`).
//!
//! Everything listens on 127.0.0.1 only; every child process is stopped at the end.

mod checkout;
mod events;
mod inprocess;
mod load;
mod probe;
mod procfs;
mod replicas;
mod report;
mod search;
mod seed;
mod wrk;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Parser;
use haat::config::Config;
use haat::database::Database;

use crate::inprocess::{App, ColdWarm, Plan, StoreQueries};
use crate::load::{LoadOptions, Tools};
use crate::probe::Probe;
use crate::report::{Machine, Results};
use crate::seed::BenchStore;

#[derive(Parser, Debug)]
#[command(about = "Haat's benchmarks (see docs/BENCHMARKS.md)")]
struct Args {
    /// The `haat` binary to load-test; default: `haat` next to this executable.
    #[arg(long)]
    haat: Option<PathBuf>,
    /// Where to write the markdown report.
    #[arg(long, default_value = "target/bench/report.md")]
    out: PathBuf,
    /// Use (and keep) this data directory instead of a fresh temporary one; stores that
    /// already exist there are not seeded again.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Seconds per wrk run.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// wrk rounds per connection count; each round runs both servers, alternating which
    /// goes first.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Warm requests timed after each cold one.
    #[arg(long, default_value_t = 50)]
    warm: usize,
    /// Skip the wrk/nginx load test and the memory figures.
    #[arg(long)]
    no_load: bool,
    /// Run only the checkout benchmark (orders/s beside pgbench's ceiling).
    #[arg(long)]
    checkout_only: bool,
    /// Skip the checkout benchmark.
    #[arg(long)]
    no_checkout: bool,
    /// Skip the event backbone benchmarks (freshness, burst) for both log engines.
    #[arg(long)]
    no_events: bool,
    /// Run only the search benchmark (issue #5): catalog, indexing, query latency on the
    /// index, PostgreSQL ILIKE and full-text, HTTP, memory, commit → searchable; written
    /// to `search.md` beside `--out`.
    #[arg(long)]
    search_only: bool,
    /// Stores in the search benchmark's catalog.
    #[arg(long, default_value_t = 10_000)]
    search_stores: usize,
    /// Products in the search benchmark's catalog, over all stores.
    #[arg(long, default_value_t = 1_000_000)]
    search_products: usize,
    /// Queries in the search benchmark's query set.
    #[arg(long, default_value_t = 1_000)]
    search_queries: usize,
    /// Concurrent clients of every search engine.
    #[arg(long, default_value_t = 16)]
    search_clients: usize,
    /// Renames timed from commit to searchable, per log engine.
    #[arg(long, default_value_t = 100)]
    search_freshness_samples: usize,
    /// Run only the read-replica benchmark (issue #6): storefront and dashboard
    /// throughput with the primary only, one and two streaming replicas; written to
    /// `replicas.md` beside `--out`.
    #[arg(long)]
    replicas_only: bool,
    /// wrk connections in the read-replica benchmark.
    #[arg(long, default_value_t = 32)]
    replicas_connections: u32,
    /// `RUST_LOG` for Haat in the throughput test (`info`, the production default, logs
    /// one line per request; `warn` shows what those lines cost).
    #[arg(long, default_value = "info")]
    log_level: String,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("haat-bench: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// A directory PostgreSQL (run as `postgres` when we are root) and nginx's workers can
/// traverse.
fn open_dir(path: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("cannot chmod {}", path.display()))
}

/// `--data-dir` (kept), else `data` in the run's temporary directory; traversable by
/// PostgreSQL either way.
fn data_dir(kept: Option<&Path>, temp: &tempfile::TempDir) -> anyhow::Result<PathBuf> {
    let dir = match kept {
        Some(dir) => {
            open_dir(dir)?;
            std::path::absolute(dir)?
        }
        None => temp.path().join("data"),
    };
    open_dir(&dir)?;
    Ok(dir)
}

fn temp_dir(prefix: &str) -> anyhow::Result<tempfile::TempDir> {
    let dir = tempfile::Builder::new().prefix(prefix).tempdir()?;
    open_dir(dir.path())?;
    Ok(dir)
}

struct InProcess {
    stores: Vec<BenchStore>,
    queries: Vec<StoreQueries>,
    plans: Vec<Plan>,
    cold: ColdWarm,
    postgres: String,
}

/// Seeding, statement counts, plans and the new-pool cold build, on one open database.
async fn in_process(
    config: &Config,
    database: &Database,
    probe: &Probe,
    warm: usize,
) -> anyhow::Result<InProcess> {
    println!("seeding (20 + 2,000 + 20,000 products)");
    let stores = seed::seed(&database.db, config).await?;
    let (postgres,): (String,) = sqlx::query_as("SHOW server_version")
        .fetch_one(database.db.pool())
        .await?;
    println!("counting SQL statements on every page of every store");
    let app = App::start(config, database.db.clone()).await?;
    let queries = inprocess::count_queries(&app, probe, &stores).await;
    app.stop().await?;
    let queries = queries?;
    let big = queries.last().context("no stores")?;
    let plans = inprocess::explain(&database.db, &big.store, &big.first).await?;
    println!("cold and warm builds on a new pool");
    let store = &stores[seed::LOAD_STORE];
    let cold = inprocess::cold_new_pool(config, &database.db, probe, store, warm).await?;
    Ok(InProcess {
        stores,
        queries,
        plans,
        cold,
        postgres,
    })
}

/// Runs `work` on a freshly opened database and always closes it (stopping the embedded
/// cluster), on error and on Ctrl-C too.
async fn with_database<T>(
    config: &Config,
    work: impl AsyncFnOnce(&Database) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let database = Database::open(config)
        .await
        .context("opening the embedded database")?;
    let result = tokio::select! {
        result = work(&database) => result,
        _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
    };
    database.close().await;
    result
}

/// The checkout benchmark on its own data directory, written to `<out>` with
/// `checkout` in its name.
async fn run_checkout(args: &Args, tools: &Tools, haat: &Path) -> anyhow::Result<String> {
    let temp = temp_dir("haat-bench-checkout-")?;
    let data_dir = temp.path().join("data");
    open_dir(&data_dir)?;
    let options = checkout::CheckoutOptions {
        haat,
        data_dir: &data_dir,
        duration: Duration::from_secs(args.duration),
        connections: &[16, 64],
    };
    let report = checkout::run(tools, &options, temp.path()).await?;
    Ok(checkout::render(&report))
}

/// The `haat` binary to load-test: `--haat`, else the one beside this executable.
fn haat_binary(args: &Args) -> anyhow::Result<PathBuf> {
    match &args.haat {
        Some(path) => Ok(path.clone()),
        None => Ok(std::env::current_exe()?.with_file_name("haat")),
    }
}

/// Writes a partial benchmark's report beside `--out` as `name` and prints it.
fn write_report(args: &Args, name: &str, text: &str) -> anyhow::Result<()> {
    let out = args.out.with_file_name(name);
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&out, text).with_context(|| format!("cannot write {}", out.display()))?;
    println!("\n{text}\nreport written to {}", out.display());
    Ok(())
}

/// The search benchmark, written to `<out>` with `search` in its name.
async fn run_search(args: &Args) -> anyhow::Result<()> {
    let haat = haat_binary(args)?;
    if !haat.is_file() {
        bail!(
            "{} not found; build it with `cargo build --release -p haat`",
            haat.display()
        );
    }
    if args.search_stores == 0 || args.search_products < args.search_stores {
        bail!("--search-products must be at least --search-stores, which must be at least 1");
    }
    let temp = temp_dir("haat-bench-search-")?;
    let data_dir = data_dir(args.data_dir.as_deref(), &temp)?;
    println!("data directory: {}", data_dir.display());
    let options = search::SearchOptions {
        haat: &haat,
        data_dir: &data_dir,
        stores: args.search_stores,
        products: args.search_products,
        queries: args.search_queries.max(1),
        clients: args.search_clients.max(1),
        duration: Duration::from_secs(args.duration.max(1)),
        rounds: args.rounds.max(1),
        freshness_samples: args.search_freshness_samples,
        log_level: &args.log_level,
        command: std::env::args().collect::<Vec<_>>().join(" "),
    };
    let text = search::render(&search::run(&options).await?);
    write_report(args, "search.md", &text)
}

async fn run(args: Args) -> anyhow::Result<()> {
    if args.search_only {
        return run_search(&args).await;
    }
    if args.replicas_only {
        let tools = Tools::find()?;
        let haat = haat_binary(&args)?;
        let text = replicas::run(&replicas::Options {
            haat: &haat,
            tools: &tools,
            duration: Duration::from_secs(args.duration),
            connections: args.replicas_connections,
            rounds: args.rounds,
        })
        .await?;
        return write_report(&args, "replicas.md", &text);
    }
    if args.checkout_only {
        let tools = Tools::find()?;
        let haat = haat_binary(&args)?;
        let text = run_checkout(&args, &tools, &haat).await?;
        return write_report(&args, "checkout.md", &text);
    }
    let tools = if args.no_load {
        None
    } else {
        Some(Tools::find()?)
    };
    let haat = haat_binary(&args)?;
    if tools.is_some() && !haat.is_file() {
        bail!(
            "{} not found; build it with `cargo build --release -p haat` (or run `cargo xtask bench`)",
            haat.display()
        );
    }
    let probe = Probe::install();
    let temp = temp_dir("haat-bench-")?;
    let data_dir = data_dir(args.data_dir.as_deref(), &temp)?;
    let config = Config {
        data_dir: data_dir.clone(),
        listen: "127.0.0.1:0".parse()?,
        ..Config::default()
    };
    println!("data directory: {}", data_dir.display());

    let phase = with_database(&config, async |database| {
        in_process(&config, database, &probe, args.warm).await
    })
    .await?;
    let store = &phase.stores[seed::LOAD_STORE];
    println!("cold build after restarting the embedded PostgreSQL");
    let restarted = with_database(&config, async |database| {
        inprocess::cold_then_warm(
            "Haat and its PostgreSQL restarted",
            &config,
            database.db.clone(),
            &probe,
            &format!("/{}", store.slug),
            args.warm,
        )
        .await
    })
    .await?;

    let mut versions = (String::new(), String::new());
    let load = match &tools {
        Some(tools) => {
            versions = tools.versions();
            let scratch = temp.path().join("nginx");
            open_dir(&scratch)?;
            let options = LoadOptions {
                haat: &haat,
                data_dir: &data_dir,
                slug: &store.slug,
                connections: &[64, 256],
                duration: Duration::from_secs(args.duration),
                rounds: args.rounds.max(1),
                log_level: &args.log_level,
            };
            Some(load::run(tools, &options, &scratch).await?)
        }
        None => None,
    };

    let events = match &tools {
        Some(tools) if !args.no_events => {
            let options = events::EventOptions {
                haat: &haat,
                data_dir: &data_dir,
                page_slug: &store.slug,
                burst_store: phase.stores.last().context("no stores")?.id.as_uuid(),
                duration: Duration::from_secs(args.duration * 2),
            };
            Some(events::render(&events::run(tools, &options).await?))
        }
        _ => None,
    };
    let checkout = match &tools {
        Some(tools) if !args.no_checkout => Some(run_checkout(&args, tools, &haat).await?),
        _ => None,
    };
    let machine = Machine::detect(phase.postgres.clone(), versions.0, versions.1);
    let cold = [phase.cold, restarted];
    let text = report::render(&Results {
        machine: &machine,
        queries: &phase.queries,
        plans: &phase.plans,
        cold: &cold,
        cold_store: &format!(
            "{}, {} products",
            store.name,
            report::thousands(store.products)
        ),
        load: load.as_ref(),
    });
    if let Some(parent) = args.out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let text = match events {
        Some(section) => format!("{text}\n## Event backbone and freshness\n\n{section}"),
        None => text,
    };
    let text = match checkout {
        Some(section) => format!("{text}\n## Checkout\n\n{section}"),
        None => text,
    };
    std::fs::write(&args.out, &text)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    println!("\n{text}");
    println!("report written to {}", args.out.display());
    Ok(())
}
