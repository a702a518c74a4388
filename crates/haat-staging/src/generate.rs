//! `haat data generate`: realistic, deterministic data at production scale
//! (docs/staging.md).
//!
//! Stores come from a long-tailed distribution of sizes (most hold a few dozen products,
//! a share of them thousands), each with its seller, categories, products, photos,
//! discount codes and months of orders. The same arguments and seed always give the same
//! rows: every store draws from its own random streams ([`rng`]), so nothing depends on
//! batching. Rows go in with `COPY` in one transaction, with the change-capture triggers
//! off for it; a search reindex request is written in the same transaction.

mod catalog;
mod copy;
mod load;
mod orders;
mod photos;
mod plan;
pub mod rng;
mod vocabulary;

use std::fmt;
use std::io::IsTerminal as _;
use std::sync::Arc;
use std::time::Instant;

use clap::Args;
use haat_db::Db;
use haat_media::MediaStore;
use indicatif::{ProgressBar, ProgressStyle};

pub use load::Counts;
pub use orders::LARGE_ORDERS_FACTOR;
pub use plan::{SizeRange, CUSTOMER_PHONE_PREFIX, MAX_STORES, SELLER_PHONE_PREFIX};

/// Arguments of `haat data generate`.
#[derive(Args, Debug, Clone)]
pub struct GenerateArgs {
    /// Number of stores (at most 999999).
    #[arg(long, default_value_t = 1_000)]
    pub stores: u32,
    /// Products per store in the body of the distribution, drawn log-uniformly (most
    /// stores near the low end).
    #[arg(long, value_name = "MIN-MAX", default_value = "5-50")]
    pub products_per_store: SizeRange,
    /// Share of the stores in the long tail (0.01 or 1%), rounded to a whole number of stores.
    #[arg(long, value_name = "SHARE", default_value = "0.01", value_parser = parse_share)]
    pub large_share: f64,
    /// Products per store in the long tail, drawn log-uniformly.
    #[arg(long, value_name = "MIN-MAX", default_value = "2000-20000")]
    pub large_products: SizeRange,
    /// Mean number of orders of a store (exponentially distributed; stores in the long
    /// tail get 5 times as many).
    #[arg(long, value_name = "MEAN", default_value_t = 20.0)]
    pub orders_per_store: f64,
    /// Months of history: stores open in the first 60% of it, orders run to its end.
    #[arg(long, default_value_t = 12)]
    pub months: u32,
    /// The end of the history (a fixed date, so runs are reproducible).
    #[arg(long, value_name = "YYYY-MM-DD", default_value = "2026-12-01", value_parser = parse_date)]
    pub until: time::Date,
    /// Distinct generated product photos, each processed once and shared by many products
    /// (0 for none).
    #[arg(long, value_name = "K", default_value_t = 24)]
    pub images: u32,
    /// The seed: the same arguments and seed always give the same data.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Products per `COPY` batch (the output does not depend on it).
    #[arg(long, default_value_t = 20_000, hide = true)]
    pub batch_products: u32,
}

/// What was generated.
#[derive(Debug, Default)]
pub struct Generated {
    pub stores: u64,
    pub large_stores: u64,
    pub products: u64,
    pub rows: Counts,
    /// Distinct photos processed and stored.
    pub photos: u64,
    /// The `search_reindex_requests` row running nodes carry out.
    pub reindex_request: i64,
    pub seconds: f64,
}

impl GenerateArgs {
    /// Checks what clap cannot see alone; `run` calls it, so callers building the
    /// arguments in code get the same errors as the command line.
    pub fn validate(&self) -> anyhow::Result<()> {
        if self.stores == 0 || self.stores > MAX_STORES {
            anyhow::bail!(
                "--stores must be between 1 and {MAX_STORES} (got {})",
                self.stores
            );
        }
        for (name, range) in [
            ("--products-per-store", self.products_per_store),
            ("--large-products", self.large_products),
        ] {
            if range.min > range.max {
                anyhow::bail!(
                    "{name}: the minimum {} is larger than the maximum {}",
                    range.min,
                    range.max
                );
            }
        }
        if !(0.0..=1.0).contains(&self.large_share) {
            anyhow::bail!(
                "--large-share must be between 0 and 1 (got {})",
                self.large_share
            );
        }
        if !(0.0..=10_000.0).contains(&self.orders_per_store) {
            anyhow::bail!(
                "--orders-per-store must be between 0 and 10000 (got {})",
                self.orders_per_store
            );
        }
        if !(1..=120).contains(&self.months) {
            anyhow::bail!("--months must be between 1 and 120 (got {})", self.months);
        }
        if self.images > 1_000 {
            anyhow::bail!("--images must be at most 1000 (got {})", self.images);
        }
        if self.batch_products == 0 {
            anyhow::bail!("--batch-products must be at least 1");
        }
        Ok(())
    }
}

/// Generates data into `db` (photos into `media`).
pub async fn run(args: &GenerateArgs, db: &Db, media: &MediaStore) -> anyhow::Result<Generated> {
    args.validate()?;
    let started = Instant::now();
    let plan = Arc::new(plan::Plan::new(args));
    let products: u64 = (0..plan.stores)
        .map(|index| u64::from(plan.size(index)))
        .sum();
    tracing::info!(
        generate.stores = plan.stores,
        generate.large_stores = plan.large_stores(),
        generate.products = products,
        generate.seed = args.seed,
        "generating staging data"
    );
    let photos = Arc::new(photos::make(args.seed, args.images, media).await?);
    tracing::info!(generate.photos = photos.len(), "generated photos stored");

    let progress = progress_bar(products);
    let loaded = load::load(
        db,
        Arc::clone(&plan),
        Arc::clone(&photos),
        u64::from(args.batch_products),
        &progress,
    )
    .await;
    progress.finish_and_clear();
    let (rows, reindex_request) = loaded?;
    let generated = Generated {
        stores: rows.stores,
        large_stores: plan.large_stores(),
        products: rows.products,
        photos: photos.len() as u64,
        reindex_request,
        seconds: started.elapsed().as_secs_f64(),
        rows,
    };
    tracing::info!(
        generate.stores = generated.stores,
        generate.products = generated.products,
        generate.orders = generated.rows.orders,
        generate.order_items = generated.rows.order_items,
        generate.reindex_request = reindex_request,
        duration_ms = (generated.seconds * 1_000.0) as u64,
        "staging data generated"
    );
    Ok(generated)
}

/// Products done of the total; hidden when stderr is not a terminal (logs, CI, tests).
fn progress_bar(total: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{bar:40}] {human_pos}/{human_len} products ({per_sec}, {eta} left)",
        )
        .expect("static template")
        .progress_chars("=> "),
    );
    bar
}

fn parse_share(input: &str) -> Result<f64, String> {
    let (number, scale) = match input.trim().strip_suffix('%') {
        Some(percent) => (percent, 100.0),
        None => (input.trim(), 1.0),
    };
    let share = number
        .trim()
        .parse::<f64>()
        .map_err(|_| format!("`{input}` is not a share like 0.01 or 1%"))?
        / scale;
    if !(0.0..=1.0).contains(&share) {
        return Err(format!(
            "`{input}`: a share is between 0 and 1 (0% and 100%)"
        ));
    }
    Ok(share)
}

fn parse_date(input: &str) -> Result<time::Date, String> {
    time::Date::parse(
        input.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| format!("`{input}` is not a date like 2026-12-01"))
}

impl fmt::Display for Generated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rows = &self.rows;
        writeln!(
            f,
            "generated {} stores ({} in the long tail), {} products, {} categories, {} image rows \
             ({} distinct photos), {} discount codes",
            self.stores,
            self.large_stores,
            self.products,
            rows.categories,
            rows.images,
            self.photos,
            rows.discounts
        )?;
        writeln!(
            f,
            "  and {} orders ({} items, {} history events, {} payments) in {:.1} s",
            rows.orders, rows.order_items, rows.order_events, rows.payments, self.seconds
        )?;
        write!(
            f,
            "search: reindex request {} written; running nodes rebuild their index now and a \
             node started later does it when it starts (`haat status` shows progress)",
            self.reindex_request
        )
    }
}
