//! The search benchmark (issue #5, `haat-bench --search-only`): a generated catalog of
//! `--search-products` products in `--search-stores` stores loaded into the embedded
//! PostgreSQL with `COPY`; the node's tantivy index built from it as a node builds it
//! (indexing throughput, size on disk); the same queries timed at 16 concurrent clients
//! on the index, on PostgreSQL `ILIKE` and on PostgreSQL full-text, in alternating
//! rounds; then through a real `haat serve` (HTTP latency, memory) and commit →
//! searchable for both event-log engines (the PostgreSQL log, NATS JetStream).
//!
//! With `--data-dir`, the catalog is kept and reused by later runs; the index is always
//! rebuilt (that is the indexing measurement). Everything listens on 127.0.0.1; every
//! child process is stopped at the end, on error too.

mod catalog;
mod engines;
mod node;
mod queries;
mod render;
mod vocabulary;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use haat::config::Config;
use haat::database::Database;
use haat_events::{EventLog, PgEventLog, Tail};
use haat_search::{Change, SearchIndex};

use self::catalog::{Catalog, Existing, Kind};
use self::engines::{Engine, Run};
use self::node::{Freshness, HttpRun};
use self::queries::Query;
use crate::load::{free_port, start_haat, wait_ready, Guarded};
use crate::procfs::{self, Memory};
use crate::report::{thousands, Machine};

pub use self::render::render;

/// Products read from PostgreSQL per query while indexing, as a node's rebuild does.
const PAGE: i64 = 1_000;
/// A node must have its index ready within this (a rebuild of a million products).
const INDEX_READY_WITHIN: Duration = Duration::from_secs(30 * 60);

pub struct SearchOptions<'a> {
    pub haat: &'a Path,
    pub data_dir: &'a Path,
    pub stores: usize,
    pub products: usize,
    pub queries: usize,
    pub clients: usize,
    pub duration: Duration,
    pub rounds: usize,
    pub freshness_samples: usize,
    pub log_level: &'a str,
    /// The command line, for the report.
    pub command: String,
}

/// How the catalog got into the database.
pub struct CatalogFigures {
    /// `None`: it was already there (`--data-dir` reused).
    pub loaded: Option<catalog::Loaded>,
    pub active: usize,
    pub products_table_bytes: i64,
    pub sizes: Vec<usize>,
    pub kinds: Vec<(Kind, usize, usize)>,
}

/// Building the node's index from PostgreSQL.
#[derive(Default)]
pub struct Indexing {
    pub products: u64,
    pub seconds: f64,
    pub read_seconds: f64,
    pub stage_seconds: f64,
    pub commit_seconds: f64,
    pub position: u64,
    pub bytes: u64,
    pub files: usize,
}

/// One engine's figures over every round.
pub struct EngineFigures {
    pub engine: Engine,
    pub runs: Vec<Run>,
    /// Matches of every query of the set (`None`: the query failed).
    pub matches: Vec<Option<usize>>,
}

impl EngineFigures {
    fn latencies(&self) -> Vec<f64> {
        self.runs
            .iter()
            .flat_map(|r| r.latencies_ms.iter().copied())
            .collect()
    }

    fn per_second(&self) -> f64 {
        let queries: usize = self.runs.iter().map(|r| r.latencies_ms.len()).sum();
        let seconds: f64 = self.runs.iter().map(|r| r.seconds).sum();
        queries as f64 / seconds.max(1e-9)
    }

    fn errors(&self) -> u64 {
        self.runs.iter().map(|r| r.errors).sum()
    }
}

/// The node's figures for one log engine.
pub struct NodeFigures {
    pub engine: &'static str,
    /// From spawning `haat serve` to `/readyz`, and to `haat_search_index_ready 1`.
    pub ready_seconds: f64,
    pub index_ready_seconds: f64,
    pub freshness: Freshness,
}

pub struct SearchReport {
    pub machine: Machine,
    pub command: String,
    pub stores: usize,
    pub products: usize,
    pub clients: usize,
    pub duration: Duration,
    pub rounds: usize,
    pub catalog: CatalogFigures,
    pub indexing: Indexing,
    pub queries: Vec<Query>,
    pub engines: Vec<EngineFigures>,
    pub http: Vec<HttpRun>,
    pub http_matches: Vec<Option<u64>>,
    pub http_per_page: u64,
    pub memory_idle: Memory,
    pub memory_loaded: Memory,
    pub haat_pss_idle_kib: u64,
    pub haat_pss_loaded_kib: u64,
    pub nodes: Vec<NodeFigures>,
    pub freshness_samples: usize,
    /// Why the NATS JetStream part did not run, if it did not.
    pub nats_skipped: Option<String>,
}

pub async fn run(options: &SearchOptions<'_>) -> anyhow::Result<SearchReport> {
    let config = Config {
        data_dir: options.data_dir.to_path_buf(),
        listen: "127.0.0.1:0".parse()?,
        database_max_connections: options.clients as u32 + 4,
        ..Config::default()
    };
    let plan = Catalog::plan(options.stores, options.products);
    println!("search: {} queries over the catalog", options.queries);
    let queries = Arc::new(queries::query_set(&plan, options.queries));
    let in_process = crate::with_database(&config, async |database| {
        in_process(options, &plan, &queries, database).await
    })
    .await?;

    println!("search: haat serve on the PostgreSQL log");
    let postgres_node = postgres_node(options, &config, &plan, &queries).await?;
    let (nats_node, nats_skipped) = match find_program("nats-server") {
        Some(_) => {
            println!("search: haat serve on NATS JetStream (rebuilds its index at start)");
            (
                Some(nats_node(options, &config, &plan, &queries).await?),
                None,
            )
        }
        None => (
            None,
            Some("nats-server is not installed (`apt-get install -y nats-server`)".to_owned()),
        ),
    };
    let mut nodes = vec![postgres_node.figures];
    nodes.extend(nats_node);
    Ok(SearchReport {
        machine: Machine::detect(in_process.postgres, String::new(), String::new()),
        command: options.command.clone(),
        stores: options.stores,
        products: options.products,
        clients: options.clients,
        duration: options.duration,
        rounds: options.rounds,
        catalog: in_process.catalog,
        indexing: in_process.indexing,
        queries: queries.to_vec(),
        engines: in_process.engines,
        http: postgres_node.http,
        http_matches: postgres_node.http_matches,
        http_per_page: postgres_node.per_page,
        memory_idle: postgres_node.idle,
        memory_loaded: postgres_node.loaded,
        haat_pss_idle_kib: postgres_node.haat_pss_idle_kib,
        haat_pss_loaded_kib: postgres_node.haat_pss_loaded_kib,
        nodes,
        freshness_samples: options.freshness_samples,
        nats_skipped,
    })
}

struct InProcess {
    postgres: String,
    catalog: CatalogFigures,
    indexing: Indexing,
    engines: Vec<EngineFigures>,
}

fn index_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("search").join("index")
}

async fn in_process(
    options: &SearchOptions<'_>,
    plan: &Catalog,
    queries: &Arc<Vec<Query>>,
    database: &Database,
) -> anyhow::Result<InProcess> {
    let db = &database.db;
    let (postgres,): (String,) = sqlx::query_as("SHOW server_version")
        .fetch_one(db.pool())
        .await?;
    let loaded = match catalog::existing(db, plan).await? {
        Existing::Complete => {
            println!(
                "search: the catalog is already in {}",
                options.data_dir.display()
            );
            None
        }
        Existing::Absent => {
            println!(
                "search: loading {} products in {} stores with COPY",
                thousands(plan.products),
                thousands(plan.stores.len())
            );
            let step = (plan.products / 10).max(1);
            let next = std::cell::Cell::new(step);
            let loaded = catalog::load(db, plan, |done| {
                if done >= next.get() {
                    println!("search:   {} products", thousands(done));
                    next.set(done + step);
                }
            })
            .await?;
            Some(loaded)
        }
    };
    let (products_table_bytes, active): (i64, i64) = sqlx::query_as(
        "SELECT pg_total_relation_size('products'), (SELECT count(*) FROM products WHERE active)",
    )
    .fetch_one(db.pool())
    .await?;
    let catalog = CatalogFigures {
        loaded,
        active: active as usize,
        products_table_bytes,
        sizes: plan.stores.iter().map(|s| s.products).collect(),
        kinds: Kind::ALL
            .iter()
            .map(|&kind| {
                let stores = plan.stores.iter().filter(|s| s.kind == kind);
                let (count, products) = stores.fold((0, 0), |(c, p), s| (c + 1, p + s.products));
                (kind, count, products)
            })
            .collect(),
    };

    println!("search: building the index from PostgreSQL");
    let (index, indexing) = build_index(db, &index_dir(options.data_dir)).await?;
    println!(
        "search:   {} products in {:.1} s",
        thousands(indexing.products as usize),
        indexing.seconds
    );

    let mut engines: Vec<EngineFigures> = Vec::new();
    for engine in Engine::ALL {
        println!("search: every query once on {}", engine.label());
        let matches = engines::matches(engine, &index, db, queries, options.clients).await?;
        engines.push(EngineFigures {
            engine,
            runs: Vec::new(),
            matches,
        });
    }
    for round in 0..options.rounds {
        // Rotate which engine goes first, so a noisy neighbour hits all of them.
        let mut order: Vec<usize> = (0..engines.len()).collect();
        order.rotate_left(round % engines.len());
        for slot in order {
            let engine = engines[slot].engine;
            println!(
                "search: {} clients on {} (round {})",
                options.clients,
                engine.label(),
                round + 1
            );
            let (latencies_ms, errors, seconds) = match engine {
                Engine::Index | Engine::IndexQueued => {
                    let (index, queries) = (index.clone(), queries.clone());
                    let (clients, duration) = (options.clients, options.duration);
                    let threads = if engine == Engine::Index {
                        clients
                    } else {
                        std::thread::available_parallelism().map_or(1, |n| n.get())
                    };
                    tokio::task::spawn_blocking(move || {
                        engines::load_index(&index, &queries, clients, threads, duration)
                    })
                    .await?
                }
                _ => {
                    engines::load_postgres(engine, db, queries, options.clients, options.duration)
                        .await?
                }
            };
            engines[slot].runs.push(Run {
                engine,
                round: round + 1,
                seconds,
                latencies_ms,
                errors,
            });
        }
    }
    // The index's writer holds a lock on the directory: release it for `haat serve`.
    drop(index);
    Ok(InProcess {
        postgres,
        catalog,
        indexing,
        engines,
    })
}

/// Builds `dir` afresh as a node does: notes the PostgreSQL log's head, stages every
/// active product in pages of [`PAGE`] (read, then staged, one page after another),
/// then commits once with that head as the index's position, so a `haat serve` on this
/// data directory resumes from it instead of rebuilding.
async fn build_index(db: &haat_db::Db, dir: &Path) -> anyhow::Result<(Arc<SearchIndex>, Indexing)> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    let index = Arc::new(SearchIndex::open(dir)?);
    let mut figures = Indexing::default();
    let started = Instant::now();
    let tail = PgEventLog::new(db.clone())
        .follow(None)
        .await
        .map_err(|e| anyhow::anyhow!("following the PostgreSQL log: {e}"))?;
    figures.position = tail.position();
    drop(tail);
    let mut after = None;
    loop {
        let reading = Instant::now();
        let rows = db.search_products_after(None, after, PAGE).await?;
        figures.read_seconds += reading.elapsed().as_secs_f64();
        let Some(last) = rows.last() else {
            break;
        };
        after = Some(last.id);
        figures.products += rows.len() as u64;
        let changes: Vec<Change> = rows
            .into_iter()
            .map(|row| Change::Upsert(haat::search::product_doc(row)))
            .collect();
        let staging = Instant::now();
        let writer = index.clone();
        tokio::task::spawn_blocking(move || writer.stage(&changes)).await??;
        figures.stage_seconds += staging.elapsed().as_secs_f64();
    }
    let committing = Instant::now();
    let (writer, position) = (index.clone(), figures.position);
    tokio::task::spawn_blocking(move || writer.commit(position)).await??;
    figures.commit_seconds = committing.elapsed().as_secs_f64();
    figures.seconds = started.elapsed().as_secs_f64();
    (figures.bytes, figures.files) = dir_size(dir);
    Ok((index, figures))
}

/// Bytes and files under `dir`.
fn dir_size(dir: &Path) -> (u64, usize) {
    let mut bytes = 0;
    let mut files = 0;
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(metadata) = entry.metadata() else {
                continue;
            };
            if metadata.is_dir() {
                pending.push(entry.path());
            } else {
                bytes += metadata.len();
                files += 1;
            }
        }
    }
    (bytes, files)
}

fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// Starts `haat serve` and waits for `/readyz` and then for its index: seconds to each.
async fn start_node(
    options: &SearchOptions<'_>,
    env: &[(&str, &str)],
) -> anyhow::Result<(Guarded, String, f64, f64)> {
    let port = free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    let mut env = env.to_vec();
    env.push(("RUST_LOG", options.log_level));
    let started = Instant::now();
    let mut haat = start_haat(options.haat, options.data_dir, port, &env)?;
    wait_ready(&client, &format!("{base}/readyz"), &mut haat).await?;
    let ready = started.elapsed().as_secs_f64();
    node::wait_index_ready(&client, &base, &mut haat, INDEX_READY_WITHIN).await?;
    Ok((haat, base, ready, started.elapsed().as_secs_f64()))
}

/// Stops the node and removes its log (a query load writes one line per request).
async fn stop_node(mut haat: Guarded, data_dir: &Path) -> anyhow::Result<()> {
    tokio::task::spawn_blocking(move || haat.terminate(Duration::from_secs(60))).await?;
    let _ = std::fs::remove_file(data_dir.join("haat-serve.log"));
    Ok(())
}

/// Runs `work` unless Ctrl-C comes first.
async fn interruptible<T>(
    work: impl std::future::Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<T> {
    tokio::select! {
        result = work => result,
        _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
    }
}

struct PostgresNode {
    figures: NodeFigures,
    http: Vec<HttpRun>,
    http_matches: Vec<Option<u64>>,
    per_page: u64,
    idle: Memory,
    loaded: Memory,
    haat_pss_idle_kib: u64,
    haat_pss_loaded_kib: u64,
}

/// `haat serve` on the PostgreSQL log, resuming from the index built above: the HTTP
/// query load, its memory, then commit → searchable.
async fn postgres_node(
    options: &SearchOptions<'_>,
    config: &Config,
    plan: &Catalog,
    queries: &Arc<Vec<Query>>,
) -> anyhow::Result<PostgresNode> {
    let (haat, base, ready, index_ready) = start_node(options, &[]).await?;
    let pid = haat.pid();
    let work = async {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()?;
        println!("search: every query once over HTTP");
        let mut http_matches = Vec::with_capacity(queries.len());
        let mut per_page = 0;
        for query in queries.iter() {
            let url = node::search_url(&base, &query.slug, &query.text);
            match node::search(&client, &url).await {
                Ok(answer) => {
                    per_page = answer.per_page;
                    http_matches.push(Some(answer.total));
                }
                Err(_) => http_matches.push(None),
            }
        }
        let idle = Memory::read(pid, options.data_dir);
        let haat_pss_idle_kib = procfs::pss_kib(pid).unwrap_or(0);
        let mut http = Vec::new();
        for round in 0..options.rounds {
            println!(
                "search: {} HTTP clients on haat serve (round {})",
                options.clients,
                round + 1
            );
            http.push(node::load_http(&base, queries, options.clients, options.duration).await?);
        }
        let loaded = Memory::read(pid, options.data_dir);
        let haat_pss_loaded_kib = procfs::pss_kib(pid).unwrap_or(0);
        println!("search: commit → searchable (PostgreSQL log)");
        let database = Database::open(config).await?;
        let freshness = node::freshness(
            &database.db,
            &base,
            plan,
            queries,
            options.freshness_samples,
            "pg",
        )
        .await;
        database.close_if_started().await;
        Ok::<_, anyhow::Error>(PostgresNode {
            figures: NodeFigures {
                engine: "PostgreSQL log",
                ready_seconds: ready,
                index_ready_seconds: index_ready,
                freshness: freshness?,
            },
            http,
            http_matches,
            per_page,
            idle,
            loaded,
            haat_pss_idle_kib,
            haat_pss_loaded_kib,
        })
    };
    let result = interruptible(work).await;
    stop_node(haat, options.data_dir).await?;
    result
}

/// `haat serve` on NATS JetStream with no index (its numbering is not the PostgreSQL
/// log's): the time to rebuild from the database at start, then commit → searchable.
/// The index is removed afterwards, since its position is NATS's.
async fn nats_node(
    options: &SearchOptions<'_>,
    config: &Config,
    plan: &Catalog,
    queries: &Arc<Vec<Query>>,
) -> anyhow::Result<NodeFigures> {
    let nats = haat_testkit::nats::start_nats().await;
    let dir = index_dir(options.data_dir);
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    let (haat, base, ready, index_ready) =
        start_node(options, &[("HAAT_EVENT_LOG", nats.url.as_str())]).await?;
    let work = async {
        println!("search: commit → searchable (NATS JetStream)");
        let database = Database::open(config).await?;
        let freshness = node::freshness(
            &database.db,
            &base,
            plan,
            queries,
            options.freshness_samples,
            "nats",
        )
        .await;
        database.close_if_started().await;
        Ok::<_, anyhow::Error>(NodeFigures {
            engine: "NATS JetStream",
            ready_seconds: ready,
            index_ready_seconds: index_ready,
            freshness: freshness?,
        })
    };
    let result = interruptible(work).await;
    stop_node(haat, options.data_dir).await?;
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    drop(nats);
    result
}
