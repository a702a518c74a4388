//! The load: one transaction on one connection, capture and foreign-key triggers off
//! for it alone (`session_replication_role = replica`), rows produced store by store on
//! a blocking thread and sent in batches with `COPY`, a search reindex request written
//! in the same transaction, then `ANALYZE`.

use std::sync::Arc;

use anyhow::Context;
use haat_db::Db;
use indicatif::ProgressBar;
use sqlx::PgConnection;
use tokio::sync::mpsc;

use super::copy::Batch;
use super::photos::Photo;
use super::plan::Plan;
use super::{catalog, orders};

/// Batches waiting to be sent: generation runs ahead of `COPY` by at most this many.
const QUEUED_BATCHES: usize = 2;
/// A batch is cut at this much text even if it has fewer products (orders of big stores).
const MAX_BATCH_BYTES: usize = 16 << 20;
/// Stores checked per query when looking for rows in the way.
const CHECK_CHUNK: u32 = 10_000;
/// Serialises generate runs on one database (any value only this command uses).
const LOCK_KEY: i64 = 0x6861_6174_6765_6e00; // "haatgen\0"

/// Rows written, by table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub stores: u64,
    pub products: u64,
    pub categories: u64,
    pub images: u64,
    pub discounts: u64,
    pub orders: u64,
    pub order_items: u64,
    pub order_events: u64,
    pub payments: u64,
}

impl Counts {
    fn add(&mut self, other: &Counts) {
        self.stores += other.stores;
        self.products += other.products;
        self.categories += other.categories;
        self.images += other.images;
        self.discounts += other.discounts;
        self.orders += other.orders;
        self.order_items += other.order_items;
        self.order_events += other.order_events;
        self.payments += other.payments;
    }
}

/// A batch with what it holds.
struct Produced {
    batch: Batch,
    counts: Counts,
}

/// Loads every store of `plan`; returns the rows written and the reindex request's id.
pub async fn load(
    db: &Db,
    plan: Arc<Plan>,
    photos: Arc<Vec<Photo>>,
    batch_products: u64,
    progress: &ProgressBar,
) -> anyhow::Result<(Counts, i64)> {
    let mut transaction = db.pool().begin().await?;
    sqlx::query("SET LOCAL statement_timeout = 0")
        .execute(&mut *transaction)
        .await?;
    sqlx::query("SET LOCAL session_replication_role = replica")
        .execute(&mut *transaction)
        .await
        .context(
            "turning off change capture for the load (`SET session_replication_role`) needs a \
             superuser, or on PostgreSQL 15+ `GRANT SET ON PARAMETER session_replication_role` \
             to Haat's role",
        )?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(LOCK_KEY)
        .execute(&mut *transaction)
        .await?;
    check_absent(&mut transaction, &plan).await?;

    let (sender, mut receiver) = mpsc::channel::<Produced>(QUEUED_BATCHES);
    // Sent batches go back to the producer to be filled again.
    let (recycle, recycled) = std::sync::mpsc::channel::<Batch>();
    let producer = {
        let plan = Arc::clone(&plan);
        tokio::task::spawn_blocking(move || {
            produce(&plan, &photos, batch_products, &sender, &recycled)
        })
    };
    let mut counts = Counts::default();
    let mut sent = Ok(());
    while let Some(mut produced) = receiver.recv().await {
        if let Err(error) = produced.batch.send(&mut transaction).await {
            sent = Err(error);
            break;
        }
        progress.inc(produced.batch.products_done);
        counts.add(&produced.counts);
        produced.batch.clear();
        // The producer may have finished; then the batch is simply dropped.
        let _ = recycle.send(produced.batch);
    }
    // Dropping the receiver stops a producer that is still running (after a failed send).
    drop(receiver);
    producer.await.context("generating rows")?;
    sent?;

    let request: i64 = sqlx::query_scalar(
        "INSERT INTO search_reindex_requests (store_id) VALUES (NULL) RETURNING id",
    )
    .fetch_one(&mut *transaction)
    .await?;
    transaction
        .commit()
        .await
        .context("committing the generated data")?;
    analyze(db).await?;
    Ok((counts, request))
}

/// Produces the batches in store order; stops early when the receiver is gone.
fn produce(
    plan: &Plan,
    photos: &[Photo],
    batch_products: u64,
    sender: &mpsc::Sender<Produced>,
    recycled: &std::sync::mpsc::Receiver<Batch>,
) {
    let mut produced = Produced {
        batch: Batch::new(),
        counts: Counts::default(),
    };
    for index in 0..plan.stores {
        let store = plan.store(index);
        let (listed, catalog_counts) = catalog::write(plan, &store, photos, &mut produced.batch);
        let order_counts = orders::write(plan, &store, &listed, &mut produced.batch);
        produced.batch.products_done += listed.len() as u64;
        produced.counts.add(&Counts {
            stores: 1,
            products: listed.len() as u64,
            categories: catalog_counts.categories,
            images: catalog_counts.images,
            discounts: order_counts.discounts,
            orders: order_counts.orders,
            order_items: order_counts.items,
            order_events: order_counts.events,
            payments: order_counts.payments,
        });
        let full = produced.batch.products_done >= batch_products
            || produced.batch.bytes() >= MAX_BATCH_BYTES;
        if full {
            let next = Produced {
                batch: recycled.try_recv().unwrap_or_else(|_| Batch::new()),
                counts: Counts::default(),
            };
            if sender
                .blocking_send(std::mem::replace(&mut produced, next))
                .is_err()
            {
                return;
            }
        }
    }
    if produced.counts.stores > 0 {
        let _ = sender.blocking_send(produced);
    }
}

/// Refuses, before anything is written, when any store of the plan (same seed) or any
/// slug or seller phone number it would use is already in the database.
async fn check_absent(connection: &mut PgConnection, plan: &Plan) -> anyhow::Result<()> {
    let (mut same, mut slugs, mut phones) = (0i64, 0i64, 0i64);
    let mut start = 0;
    while start < plan.stores {
        let end = (start + CHECK_CHUNK).min(plan.stores);
        let stores: Vec<_> = (start..end).map(|index| plan.store(index)).collect();
        let ids: Vec<uuid::Uuid> = stores.iter().map(|store| store.id).collect();
        let slug_list: Vec<&str> = stores.iter().map(|store| store.slug.as_str()).collect();
        let phone_list: Vec<&str> = stores
            .iter()
            .map(|store| store.seller_phone.as_str())
            .collect();
        let (found_same, found_slugs, found_phones): (i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM stores WHERE id = ANY($1)),
                    (SELECT count(*) FROM stores WHERE slug = ANY($2)),
                    (SELECT count(*) FROM sellers WHERE phone = ANY($3))",
        )
        .bind(&ids)
        .bind(&slug_list)
        .bind(&phone_list)
        .fetch_one(&mut *connection)
        .await?;
        same += found_same;
        slugs += found_slugs;
        phones += found_phones;
        start = end;
    }
    if same > 0 {
        anyhow::bail!(
            "{same} of these {} stores already exist: this database already holds data \
             generated with seed {}; nothing was written (generate into a fresh database)",
            plan.stores,
            plan.seed
        );
    }
    if slugs > 0 || phones > 0 {
        anyhow::bail!(
            "{slugs} of the store addresses and {phones} of the seller phone numbers this run \
             would use are taken (by data generated with another seed, or by real stores); \
             nothing was written (generate into a fresh database)"
        );
    }
    Ok(())
}

/// Fresh statistics for the planner: without them the first store pages after a load of
/// a million rows would be planned as if the tables were empty.
async fn analyze(db: &Db) -> anyhow::Result<()> {
    let mut transaction = db.pool().begin().await?;
    sqlx::query("SET LOCAL statement_timeout = 0")
        .execute(&mut *transaction)
        .await?;
    sqlx::query(
        "ANALYZE sellers, stores, images, categories, products, discounts, orders, order_items,
                 order_events, discount_uses, payments, order_counters",
    )
    .execute(&mut *transaction)
    .await
    .context("analyzing the generated tables")?;
    transaction.commit().await?;
    Ok(())
}
