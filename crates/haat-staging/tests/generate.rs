//! `haat data generate` against real PostgreSQL (a fresh migrated database per run) and
//! a media store in a temporary directory: determinism, the long tail, referential
//! integrity, photos, the refusal to run twice, and a store page read through the app.

use clap::Parser;
use haat_db::{Db, PoolSettings};
use haat_domain::catalog::{CatalogQuery, CatalogSort};
use haat_domain::StoreSlug;
use haat_media::{variant_key, MediaStore, VariantFormat};
use haat_staging::generate::{self, GenerateArgs, Generated};

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    args: GenerateArgs,
}

/// Arguments as the command line gives them.
fn parse(line: &str) -> Result<GenerateArgs, clap::Error> {
    let argv = std::iter::once("generate").chain(line.split_whitespace());
    Cli::try_parse_from(argv).map(|cli| cli.args)
}

/// 40 stores, 2 of them in a (small) long tail.
const SMALL: &str = "--stores 40 --large-share 0.05 --large-products 300-600";

struct Run {
    db: Db,
    media: MediaStore,
    _media_dir: tempfile::TempDir,
}

async fn fresh() -> Run {
    let url = haat_testkit::fresh_database().await;
    let media_dir = tempfile::tempdir().unwrap();
    Run {
        db: Db::connect_lazy(&url, &PoolSettings::default()).unwrap(),
        media: MediaStore::local(media_dir.path()).unwrap(),
        _media_dir: media_dir,
    }
}

impl Run {
    async fn generate(&self, line: &str) -> anyhow::Result<Generated> {
        generate::run(&parse(line).unwrap(), &self.db, &self.media).await
    }

    async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(self.db.pool())
            .await
            .unwrap_or_else(|error| panic!("{sql}: {error}"))
    }

    /// One digest of every generated row (the identity column of order events and the
    /// reindex request's time aside, which the database assigns).
    async fn digest(&self) -> String {
        let selects = [
            "SELECT * FROM sellers",
            "SELECT * FROM stores",
            "SELECT * FROM images",
            "SELECT * FROM categories",
            "SELECT * FROM products",
            "SELECT * FROM discounts",
            "SELECT * FROM orders",
            "SELECT * FROM order_items",
            "SELECT order_id, store_id, kind, from_state, to_state, actor, detail, created_at
             FROM order_events",
            "SELECT * FROM discount_uses",
            "SELECT * FROM payments",
            "SELECT * FROM order_counters",
        ];
        let mut digests = Vec::new();
        for select in selects {
            let sql = format!(
                "SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM ({select}) t"
            );
            let digest: String = sqlx::query_scalar(&sql)
                .fetch_one(self.db.pool())
                .await
                .unwrap();
            digests.push(digest);
        }
        digests.join(",")
    }
}

#[tokio::test]
async fn the_same_seed_gives_the_same_rows_whatever_the_batching() {
    let (first, again, other) = (fresh().await, fresh().await, fresh().await);
    let generated = first
        .generate(&format!(
            "{SMALL} --orders-per-store 12 --images 3 --seed 7"
        ))
        .await
        .unwrap();
    again
        .generate(&format!(
            "{SMALL} --orders-per-store 12 --images 3 --seed 7 --batch-products 37"
        ))
        .await
        .unwrap();
    other
        .generate(&format!(
            "{SMALL} --orders-per-store 12 --images 3 --seed 8"
        ))
        .await
        .unwrap();
    let digest = first.digest().await;
    assert_eq!(digest, again.digest().await, "same seed, other batches");
    assert_ne!(digest, other.digest().await, "another seed");
    assert_eq!(generated.stores, 40);
    assert_eq!(generated.large_stores, 2);
    assert!(generated.rows.orders > 0 && generated.rows.order_items >= generated.rows.orders);
    assert_eq!(
        first.count("SELECT count(*) FROM products").await as u64,
        generated.products
    );
    assert_eq!(
        first.count("SELECT count(*) FROM orders").await as u64,
        generated.rows.orders
    );
    // Ids, names and prices are the same rows, not merely the same digest by chance.
    let sample = "SELECT count(*) FROM products WHERE name <> '' AND price_minor > 0";
    assert_eq!(first.count(sample).await, again.count(sample).await);
}

#[tokio::test]
async fn store_sizes_have_a_long_tail() {
    let run = fresh().await;
    // The default tail (2,000 to 20,000 products): 5% of 40 stores is 2.
    let generated = run
        .generate("--stores 40 --large-share 5% --orders-per-store 2 --images 2 --seed 3")
        .await
        .unwrap();
    let sizes: Vec<i64> = sqlx::query_scalar(
        "SELECT count(p.id) FROM stores s LEFT JOIN products p ON p.store_id = s.id
         GROUP BY s.id ORDER BY 1",
    )
    .fetch_all(run.db.pool())
    .await
    .unwrap();
    assert_eq!(sizes.len(), 40);
    let (body, tail) = sizes.split_at(38);
    assert!(body.iter().all(|size| (5..=50).contains(size)), "{body:?}");
    assert!(
        tail.iter().all(|size| (2_000..=20_000).contains(size)),
        "{tail:?}"
    );
    assert_eq!(generated.large_stores, 2);
    assert_eq!(generated.products as i64, sizes.iter().sum::<i64>());
    // Most of the body is small (log-uniform), and the catalog has what real ones have.
    assert!(
        body.iter().filter(|size| **size <= 25).count() > 19,
        "{body:?}"
    );
    for (what, sql) in [
        ("sold out", "SELECT count(*) FROM products WHERE stock = 0"),
        (
            "unlimited",
            "SELECT count(*) FROM products WHERE stock IS NULL",
        ),
        ("hidden", "SELECT count(*) FROM products WHERE NOT active"),
        (
            "with a photo",
            "SELECT count(*) FROM products WHERE image_id IS NOT NULL",
        ),
    ] {
        assert!(run.count(sql).await > 0, "no product {what}");
    }
}

#[tokio::test]
async fn every_reference_holds_and_every_total_adds_up() {
    let run = fresh().await;
    run.generate(&format!(
        "{SMALL} --orders-per-store 30 --images 3 --seed 11"
    ))
    .await
    .unwrap();
    let none = [
        // Catalog: categories, images and logos of the product's own store.
        "SELECT count(*) FROM products p WHERE p.category_id IS NOT NULL AND NOT EXISTS
           (SELECT 1 FROM categories c WHERE c.id = p.category_id AND c.store_id = p.store_id)",
        "SELECT count(*) FROM products p WHERE p.image_id IS NOT NULL AND NOT EXISTS
           (SELECT 1 FROM images i WHERE i.id = p.image_id AND i.store_id = p.store_id)",
        "SELECT count(*) FROM stores s WHERE s.logo_image_id IS NOT NULL AND NOT EXISTS
           (SELECT 1 FROM images i WHERE i.id = s.logo_image_id AND i.store_id = s.id)",
        "SELECT count(*) FROM stores s WHERE NOT EXISTS (SELECT 1 FROM sellers x WHERE x.id = s.seller_id)",
        // Items: a product of the order's store, at its price and name, listed before the order.
        "SELECT count(*) FROM order_items i JOIN orders o ON o.id = i.order_id
         WHERE o.store_id <> i.store_id",
        "SELECT count(*) FROM order_items i LEFT JOIN products p
           ON p.id = i.product_id AND p.store_id = i.store_id
         WHERE p.id IS NULL OR p.price_minor <> i.unit_price_minor OR p.name <> i.name",
        "SELECT count(*) FROM order_items i JOIN orders o ON o.id = i.order_id
           JOIN products p ON p.id = i.product_id WHERE p.created_at > o.created_at",
        "SELECT count(*) FROM orders o WHERE NOT EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = o.id)",
        // Totals.
        "SELECT count(*) FROM orders o WHERE subtotal_minor <>
           (SELECT sum(line_total_minor) FROM order_items i WHERE i.order_id = o.id)",
        "SELECT count(*) FROM orders o JOIN stores s ON s.id = o.store_id
         WHERE o.delivery_fee_minor <> CASE o.fulfilment WHEN 'delivery' THEN s.delivery_fee_minor ELSE 0 END",
        // Numbers: 1001, 1002, … per store, and the counter at the last one.
        "SELECT count(*) FROM (SELECT store_id, min(number) AS low, max(number) AS high, count(*) AS n
           FROM orders GROUP BY store_id) o
         LEFT JOIN order_counters c ON c.store_id = o.store_id
         WHERE o.low <> 1001 OR o.high <> 1000 + o.n OR c.last_number IS DISTINCT FROM o.high",
        "SELECT count(*) FROM order_counters c WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.store_id = c.store_id)",
        "SELECT count(*) FROM orders a JOIN orders b ON a.store_id = b.store_id
         AND a.number < b.number AND a.created_at > b.created_at",
        // History: the last status event is the status, one event per version.
        "SELECT count(*) FROM orders o WHERE o.status <> (SELECT e.to_state FROM order_events e
           WHERE e.order_id = o.id AND e.kind = 'status' ORDER BY e.created_at DESC, e.id DESC LIMIT 1)",
        "SELECT count(*) FROM orders o WHERE o.version <>
           (SELECT count(*) FROM order_events e WHERE e.order_id = o.id)",
        "SELECT count(*) FROM order_events e JOIN orders o ON o.id = e.order_id
         WHERE e.store_id <> o.store_id OR e.created_at < o.created_at OR e.created_at > o.updated_at",
        // Payments: a paid order has its capture, for its total; nothing else has one.
        "SELECT count(*) FROM orders o WHERE (o.payment_status IN ('paid', 'refunded')) <>
           EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.id AND p.amount_minor = o.total_minor
                   AND p.store_id = o.store_id)",
        "SELECT count(*) FROM orders WHERE (payment_status IN ('paid', 'refunded')) <> (paid_at IS NOT NULL)",
        "SELECT count(*) FROM orders WHERE (status = 'cancelled') <> (cancel_reason IS NOT NULL)",
        "SELECT count(*) FROM orders WHERE status IN ('shipped', 'delivered') AND shipping_provider IS NULL",
        "SELECT count(*) FROM orders o JOIN stores s ON s.id = o.store_id
         WHERE o.payment_method = 'upi' AND s.upi_id IS NULL",
        // Discounts: uses counted, one use per live order that took a code.
        "SELECT count(*) FROM discounts d WHERE d.uses <>
           (SELECT count(*) FROM discount_uses u WHERE u.discount_id = d.id)",
        "SELECT count(*) FROM discount_uses u JOIN orders o ON o.id = u.order_id
         WHERE o.discount_id IS DISTINCT FROM u.discount_id OR o.status = 'cancelled'
            OR o.customer_phone <> u.customer_phone",
        // Obviously fake phone numbers only.
        "SELECT count(*) FROM sellers WHERE phone NOT LIKE '+917000%'",
        "SELECT count(*) FROM orders WHERE customer_phone NOT LIKE '+916000%'",
        // Bulk loads bypass capture: nothing in the outbox.
        "SELECT count(*) FROM change_outbox",
    ];
    for sql in none {
        assert_eq!(run.count(sql).await, 0, "{sql}");
    }
    let some = [
        "SELECT count(DISTINCT status) - 3 FROM orders",
        "SELECT count(*) FROM orders WHERE discount_minor > 0",
        "SELECT count(*) FROM orders WHERE payment_method = 'upi' AND payment_status = 'paid'",
        "SELECT count(*) FROM orders WHERE payment_method = 'cod' AND payment_status = 'paid'",
        "SELECT count(*) FROM orders WHERE fulfilment = 'pickup'",
        "SELECT count(*) FROM payments WHERE provider = 'manual'",
        "SELECT count(*) FROM search_reindex_requests WHERE store_id IS NULL",
    ];
    for sql in some {
        assert!(run.count(sql).await > 0, "{sql}");
    }
}

#[tokio::test]
async fn photos_are_stored_once_and_readable_through_the_media_store() {
    let run = fresh().await;
    let generated = run
        .generate(&format!("{SMALL} --orders-per-store 2 --images 3 --seed 5"))
        .await
        .unwrap();
    assert_eq!(generated.photos, 3);
    let photos: Vec<(String, Vec<i32>)> =
        sqlx::query_as("SELECT DISTINCT hash, variant_widths FROM images ORDER BY hash")
            .fetch_all(run.db.pool())
            .await
            .unwrap();
    assert_eq!(photos.len(), 3, "{photos:?}");
    let rows = run.count("SELECT count(*) FROM images").await;
    assert!(rows > 3, "image rows share the photos ({rows})");
    for (hash, widths) in photos {
        assert!(widths.contains(&160) && widths.contains(&960), "{widths:?}");
        for width in widths {
            for format in VariantFormat::ALL {
                let key = variant_key(&hash, width as u32, format);
                let stored = run.media.get(&key).await.unwrap();
                assert!(
                    stored.is_some_and(|object| !object.bytes.is_empty()),
                    "{key:?}"
                );
            }
        }
    }
}

#[tokio::test]
async fn a_second_run_is_refused_and_writes_nothing() {
    let run = fresh().await;
    let line = format!("{SMALL} --orders-per-store 3 --images 1 --seed 9");
    run.generate(&line).await.unwrap();
    let before = run.digest().await;
    let error = run.generate(&line).await.unwrap_err().to_string();
    assert!(
        error.contains("40 of these 40 stores already exist"),
        "{error}"
    );
    let error = run
        .generate(&format!(
            "{SMALL} --orders-per-store 3 --images 1 --seed 10"
        ))
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("are taken"), "{error}");
    assert_eq!(before, run.digest().await);
    assert_eq!(
        run.count("SELECT count(*) FROM search_reindex_requests")
            .await,
        1
    );
}

#[tokio::test]
async fn a_generated_store_page_reads_through_the_app() {
    let run = fresh().await;
    run.generate(&format!(
        "{SMALL} --orders-per-store 2 --images 3 --seed 13"
    ))
    .await
    .unwrap();
    let slug: String = sqlx::query_scalar(
        "SELECT s.slug FROM stores s JOIN products p ON p.store_id = s.id
         GROUP BY s.slug ORDER BY count(*) DESC, s.slug LIMIT 1",
    )
    .fetch_one(run.db.pool())
    .await
    .unwrap();
    let slug = StoreSlug::parse(&slug).unwrap();
    let query = CatalogQuery {
        sort: CatalogSort::Category,
        category: None,
        after: None,
        limit: 24,
    };
    let page = run.db.catalog_page(&slug, &query).await.unwrap().unwrap();
    assert_eq!(page.products.len(), 24);
    assert!(page.next.is_some());
    assert!(!page.categories.is_empty());
    assert!(page.products.iter().any(|product| product.image.is_some()));
    assert_eq!(page.store.change_seq, 0);
}

#[test]
fn arguments_are_checked_with_clear_errors() {
    let defaults = parse("").unwrap();
    assert_eq!(defaults.stores, 1_000);
    assert_eq!(defaults.products_per_store.to_string(), "5-50");
    assert_eq!(defaults.large_products.to_string(), "2000-20000");
    assert_eq!(defaults.large_share, 0.01);
    assert_eq!(defaults.images, 24);
    defaults.validate().unwrap();
    for (line, expected) in [
        ("--products-per-store 50-5", "larger than the maximum"),
        ("--large-products 2000-x", "not a range"),
        ("--large-share 2", "between 0 and 1"),
        ("--large-share 150%", "between 0 and 1"),
        ("--until 2026-13-01", "not a date"),
    ] {
        let error = parse(line)
            .err()
            .unwrap_or_else(|| panic!("{line} was accepted"));
        assert!(error.to_string().contains(expected), "{line}: {error}");
    }
    for (line, expected) in [
        ("--stores 0", "--stores must be between 1"),
        ("--stores 1000000", "--stores must be between 1"),
        ("--months 0", "--months"),
        ("--orders-per-store=-1", "--orders-per-store"),
        ("--images 5000", "--images"),
    ] {
        let error = parse(line).unwrap().validate().unwrap_err().to_string();
        assert!(error.contains(expected), "{line}: {error}");
    }
}
