//! Checkout throughput: orders per second and latency through the real HTTP API of a
//! `haat serve` child (release build, embedded PostgreSQL with `fsync` and synchronous
//! commit on), in two shapes:
//!
//! - **spread**: many shoppers over many products (200 stores × 50 products);
//! - **flash sale**: every shopper buys the same product of one store (one hot row).
//!
//! Each is set beside its **ceiling**: `pgbench` running only the minimal checkout
//! transaction (decrement stock if enough, insert order, insert item, commit) on the same
//! data and server, at 8 clients. CPU time of Haat and of PostgreSQL is sampled during
//! every run, to show where the time goes.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use haat::config::Config;
use haat::database::Database;
use haat_db::NewProduct;
use haat_domain::{Description, Phone, Price, ProductName, StockCount, StoreName, StoreSlug};
use secrecy::ExposeSecret;

use crate::load::{free_port, start_haat, wait_ready, Tools};
use crate::procfs;
use crate::wrk::{self, Processes, WrkRun};

const SPREAD_STORES: usize = 200;
const PRODUCTS_PER_STORE: usize = 50;
/// Plenty, so no run sells out: the benchmark measures selling, not refusing.
const STOCK: i64 = 1_000_000_000;

pub struct CheckoutOptions<'a> {
    pub haat: &'a Path,
    pub data_dir: &'a Path,
    pub duration: Duration,
    pub connections: &'a [u32],
}

pub struct Shape {
    pub name: &'static str,
    pub runs: Vec<WrkRun>,
    pub ceiling: Option<Pgbench>,
}

pub struct CheckoutReport {
    pub shapes: Vec<Shape>,
}

#[derive(Clone, Debug)]
pub struct Pgbench {
    pub clients: u32,
    pub tps: f64,
    pub latency_ms: f64,
    /// Busy CPU seconds of the whole machine during the run.
    pub machine_cpu: f64,
    pub seconds: f64,
}

/// (product id, store slug) of every product, and the hot product.
struct Catalog {
    spread: Vec<(String, String)>,
    hot: (String, String),
}

async fn seed(database: &Database) -> anyhow::Result<Catalog> {
    let db = &database.db;
    let mut spread = Vec::new();
    let product = |name: String| NewProduct {
        name: ProductName::parse(&name).expect("valid name"),
        description: Description::default(),
        price: Price::from_minor(24_900).expect("valid price"),
        category: None,
        stock: Some(StockCount::from_i64(STOCK).expect("valid stock")),
        active: true,
        image: None,
    };
    for index in 0..=SPREAD_STORES {
        let phone = Phone::parse(&format!("+9198{index:08}")).expect("valid phone");
        let seller = db.ensure_seller(&phone).await?;
        let name = if index == SPREAD_STORES {
            "Flash Sale Store".to_owned()
        } else {
            format!("Checkout Bench Store {index}")
        };
        let name = StoreName::parse(&name).expect("valid name");
        let slug = StoreSlug::derive(&name);
        let store = match db.stores_of_seller(seller.id).await?.into_iter().next() {
            Some(store) => store,
            None => db.create_store(seller.id, &name, &slug).await?,
        };
        let count = if index == SPREAD_STORES {
            1
        } else {
            PRODUCTS_PER_STORE
        };
        let (existing,): (i64,) =
            sqlx::query_as("SELECT count(*) FROM products WHERE store_id = $1")
                .bind(store.id.as_uuid())
                .fetch_one(db.pool())
                .await?;
        if existing == 0 {
            let products: Vec<NewProduct> =
                (0..count).map(|n| product(format!("Kurta {n}"))).collect();
            db.create_products(store.id, &products).await?;
        }
        let ids: Vec<(uuid::Uuid,)> =
            sqlx::query_as("SELECT id FROM products WHERE store_id = $1 ORDER BY id")
                .bind(store.id.as_uuid())
                .fetch_all(db.pool())
                .await?;
        for (id,) in ids {
            let entry = (id.to_string(), store.slug.clone());
            if index == SPREAD_STORES {
                return Ok(Catalog { spread, hot: entry });
            }
            spread.push(entry);
        }
    }
    bail!("no hot product was created")
}

/// A wrk script posting one order per request with a fresh Idempotency-Key, picking a
/// product from `products` at random.
fn wrk_script(products: &[(String, String)]) -> String {
    let mut lua = String::from("local products = {\n");
    for (id, slug) in products {
        let _ = writeln!(lua, "  {{\"{id}\", \"{slug}\"}},");
    }
    lua.push_str(
        r#"}
local counter = 0
local thread_id = 0
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end
init = function(args)
  math.randomseed(os.time() + thread_id * 7919)
end
request = function()
  counter = counter + 1
  local pick = products[math.random(#products)]
  local body = '{"items":[{"product_id":"' .. pick[1] .. '","quantity":1}],' ..
    '"customer":{"name":"Bench Shopper","phone":"9876543210","address":"1 MG Road, Pune"},' ..
    '"payment_method":"cod"}'
  local headers = {}
  headers["Content-Type"] = "application/json"
  headers["Idempotency-Key"] = "bench-" .. thread_id .. "-" .. os.time() .. "-" .. counter
  return wrk.format("POST", "/api/v1/storefront/" .. pick[2] .. "/orders", headers, body)
end
"#,
    );
    lua
}

/// The minimal checkout transaction for pgbench: decrement stock if enough, insert the
/// order, insert its item, commit. `:i` picks the product from `bench_products`.
const PGBENCH_SCRIPT: &str = r"\set i random(1, :n)
BEGIN;
UPDATE products SET stock = stock - 1
  WHERE id = (SELECT product_id FROM bench_products WHERE i = :i) AND stock >= 1;
INSERT INTO orders (id, store_id, number, token, payment_ref, payment_method, customer_name,
    customer_phone, fulfilment, address, currency, subtotal_minor, total_minor)
  SELECT gen_random_uuid(), store_id, nextval('bench_numbers'), md5(random()::text),
    'PB' || nextval('bench_numbers'), 'cod', 'Bench Shopper', '+919876543210', 'delivery',
    '1 MG Road, Pune', 'INR', 24900, 24900
  FROM bench_products WHERE i = :i
  RETURNING id AS order_id, store_id AS order_store \gset
INSERT INTO order_items (order_id, line, store_id, product_id, name, unit_price_minor,
    quantity, line_total_minor)
  SELECT :order_id::uuid, 1, :order_store::uuid, product_id, 'Kurta', 24900, 1, 24900
  FROM bench_products WHERE i = :i;
END;
";

async fn prepare_pgbench(database: &Database, products: &[(String, String)]) -> anyhow::Result<()> {
    let pool = database.db.pool();
    sqlx::query("DROP TABLE IF EXISTS bench_products")
        .execute(pool)
        .await?;
    sqlx::query(
        "CREATE TABLE bench_products (i int PRIMARY KEY, product_id uuid NOT NULL, store_id uuid NOT NULL)",
    )
    .execute(pool)
    .await?;
    let ids: Vec<uuid::Uuid> = products
        .iter()
        .map(|(id, _)| id.parse())
        .collect::<Result<_, _>>()?;
    sqlx::query(
        "INSERT INTO bench_products (i, product_id, store_id)
         SELECT n, p.id, p.store_id FROM unnest($1::uuid[]) WITH ORDINALITY AS u(id, n)
         JOIN products p ON p.id = u.id",
    )
    .bind(&ids)
    .execute(pool)
    .await?;
    sqlx::query("CREATE SEQUENCE IF NOT EXISTS bench_numbers START 10000000")
        .execute(pool)
        .await?;
    sqlx::query("ANALYZE").execute(pool).await?;
    Ok(())
}

/// pgbench from the same PostgreSQL installation as the server, else any on the system.
fn pgbench_binary() -> anyhow::Result<PathBuf> {
    let binaries = haat_pgembed::PgBinaries::find().context("finding PostgreSQL")?;
    let beside_server = binaries.program("pgbench");
    let mut candidates = vec![beside_server];
    if let Ok(entries) = std::fs::read_dir("/usr/lib/postgresql") {
        let mut versions: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        versions.sort();
        candidates.extend(versions.into_iter().rev().map(|v| v.join("bin/pgbench")));
    }
    candidates
        .into_iter()
        .find(|path| path.is_file())
        .context("pgbench not found; it ships with Debian's postgresql package")
}

async fn run_pgbench(
    database: &Database,
    scratch: &Path,
    products: &[(String, String)],
    clients: u32,
    duration: Duration,
) -> anyhow::Result<Pgbench> {
    prepare_pgbench(database, products).await?;
    let script = scratch.join("checkout.pgbench");
    std::fs::write(&script, PGBENCH_SCRIPT)?;
    // pgbench's backends exit with it, so per-process ticks would miss them: count the
    // whole machine's busy time instead (PostgreSQL + pgbench + anything else).
    let before = procfs::machine_ticks().unwrap_or_default().0;
    let output = tokio::process::Command::new(pgbench_binary()?)
        .args(["-n", "-M", "prepared", "-j", "2"])
        .arg(format!("-c{clients}"))
        .arg(format!("-T{}", duration.as_secs().max(1)))
        .arg("-D")
        .arg(format!("n={}", products.len()))
        .arg("-f")
        .arg(&script)
        .arg(database.connection_url().expose_secret())
        .kill_on_drop(true)
        .output()
        .await
        .context("running pgbench")?;
    let after = procfs::machine_ticks().unwrap_or_default().0;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!(
            "pgbench failed: {text}{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let mut tps = None;
    let mut latency = 0.0;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("tps = ") {
            tps = rest.split_whitespace().next().and_then(|v| v.parse().ok());
        }
        if let Some(rest) = line.strip_prefix("latency average = ") {
            latency = rest
                .split_whitespace()
                .next()
                .and_then(|v| v.parse().ok())
                .unwrap_or(0.0);
        }
    }
    let tps = tps.with_context(|| format!("no tps in pgbench's output:\n{text}"))?;
    Ok(Pgbench {
        clients,
        tps,
        latency_ms: latency,
        machine_cpu: after.saturating_sub(before) as f64 / 100.0,
        seconds: duration.as_secs_f64(),
    })
}

pub async fn run(
    tools: &Tools,
    options: &CheckoutOptions<'_>,
    scratch: &Path,
) -> anyhow::Result<CheckoutReport> {
    let config = Config {
        data_dir: options.data_dir.to_path_buf(),
        listen: "127.0.0.1:0".parse()?,
        ..Config::default()
    };
    println!("checkout: seeding {SPREAD_STORES} stores × {PRODUCTS_PER_STORE} products and a flash-sale store");
    let database = Database::open(&config).await?;
    let catalog = seed(&database).await;
    database.close().await;
    let catalog = catalog?;

    let port = free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    // The notification worker runs as in production: every order queues an SMS job.
    let mut haat = start_haat(options.haat, options.data_dir, port, &[])?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    wait_ready(&client, &format!("{base}/readyz"), &mut haat).await?;
    let haat_pid = haat.pid();
    let haat_pids = || vec![haat_pid];
    let postgres_pids = || procfs::postgres_pids(options.data_dir);
    let processes = Processes {
        server: &haat_pids,
        database: &postgres_pids,
    };
    let shapes = [
        ("spread", catalog.spread.clone()),
        ("flash sale", vec![catalog.hot.clone()]),
    ];
    let mut report = CheckoutReport { shapes: Vec::new() };
    for (name, products) in &shapes {
        let script = scratch.join(format!("checkout-{}.lua", name.replace(' ', "-")));
        std::fs::write(&script, wrk_script(products))?;
        println!("checkout: warming up ({name})");
        wrk::run(
            &tools.wrk,
            wrk::Target {
                url: &base,
                script: Some(&script),
                headers: &[],
            },
            8,
            Duration::from_secs(3),
            "haat",
            &processes,
            || {},
        )
        .await?;
        let mut runs = Vec::new();
        for &connections in options.connections {
            println!("checkout: {name}, {connections} connections");
            let run = wrk::run(
                &tools.wrk,
                wrk::Target {
                    url: &base,
                    script: Some(&script),
                    headers: &[],
                },
                connections,
                options.duration,
                "haat",
                &processes,
                || {},
            )
            .await?;
            runs.push(run);
        }
        report.shapes.push(Shape {
            name,
            runs,
            ceiling: None,
        });
    }
    haat.terminate(Duration::from_secs(30));

    println!("checkout: pgbench ceilings");
    let database = Database::open(&config).await?;
    for (shape, (name, products)) in report.shapes.iter_mut().zip(shapes.iter()) {
        println!("checkout: pgbench ({name}, 8 clients)");
        let result = run_pgbench(&database, scratch, products, 8, options.duration).await;
        match result {
            Ok(ceiling) => shape.ceiling = Some(ceiling),
            Err(error) => {
                database.close().await;
                return Err(error);
            }
        }
    }
    database.close().await;
    Ok(report)
}

/// The markdown section of docs/BENCHMARKS.md.
pub fn render(report: &CheckoutReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| shape | connections | orders/s | p50 ms | p99 ms | errors | Haat CPU ms/order | PostgreSQL CPU ms/order | ceiling tx/s (pgbench, 8 clients) | ratio to ceiling |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for shape in &report.shapes {
        for run in &shape.runs {
            let orders = run.requests.max(1) as f64;
            let ceiling = shape.ceiling.as_ref().map_or(0.0, |c| c.tps);
            let _ = writeln!(
                out,
                "| {} | {} | {:.0} | {:.2} | {:.2} | {} | {:.3} | {:.3} | {:.0} | {:.0}% |",
                shape.name,
                run.connections,
                run.requests_per_sec,
                run.p50_ms,
                run.p99_ms,
                run.errors,
                run.cpu.server * 1e3 / orders,
                run.cpu.database * 1e3 / orders,
                ceiling,
                if ceiling > 0.0 {
                    run.requests_per_sec / ceiling * 100.0
                } else {
                    0.0
                },
            );
        }
    }
    let _ = writeln!(out);
    for shape in &report.shapes {
        if let Some(ceiling) = &shape.ceiling {
            let _ = writeln!(
                out,
                "- pgbench ceiling, {}: {:.0} tx/s at {} clients, average latency {:.2} ms, machine CPU (PostgreSQL + pgbench) {:.3} ms/tx",
                shape.name,
                ceiling.tps,
                ceiling.clients,
                ceiling.latency_ms,
                ceiling.machine_cpu * 1e3 / (ceiling.tps * ceiling.seconds).max(1.0),
            );
        }
    }
    out
}
