//! The search benchmark's catalog: `stores` stores holding `products` products in all,
//! generated deterministically (SplitMix64, one stream per store) so that a store's
//! products, and the queries drawn from them, can be produced again without reading
//! them back; and its fast load into the real tables with PostgreSQL's `COPY`.
//!
//! Store sizes have a long tail: the store of rank `r` (from 1) holds
//! `FLOOR + c / r^ZIPF_EXPONENT` products, `c` chosen so the sizes sum to `products`.
//! Each store sells one kind of thing (groceries, shoes, apparel, electronics or a
//! restaurant's menu), from a vocabulary of brands, models, variants, colours and sizes
//! in the words Indian sellers use (Hinglish included: atta, chawal, cheeni, doodh).

use std::fmt::Write as _;

use anyhow::Context;
use haat_db::Db;
use uuid::Uuid;

use super::vocabulary::{
    Item, Vocabulary, APPAREL, ELECTRONICS, FILLER, GROCERY, RESTAURANT, SHOES,
};

/// The catalog's fixed seed: the same arguments always give the same catalog.
const SEED: u64 = 0x5EA7_C4A7_A1D6_2026;
/// Every store has at least this many products...
const FLOOR: f64 = 8.0;
/// ...plus a share that falls with its rank like `1 / rank^ZIPF_EXPONENT`.
const ZIPF_EXPONENT: f64 = 0.8;
/// 2026-01-01T00:00:00Z: ids and creation times count from here.
const EPOCH_SECONDS: i64 = 1_767_225_600;
/// Products sold out (stock 0), and products hidden by their seller (not indexed).
const SOLD_OUT: f64 = 0.06;
const HIDDEN: f64 = 0.02;

pub use haat_staging::generate::rng::SplitMix64;

/// Ten random bytes (a UUIDv7's random part).
fn bytes10(rng: &mut SplitMix64) -> [u8; 10] {
    let a = rng.next_u64().to_le_bytes();
    let b = rng.next_u64().to_le_bytes();
    [a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], b[0], b[1]]
}

/// A UUIDv7 whose time is `EPOCH + millis` and whose random bits come from `rng`: ids
/// sort in creation order, as the application's own do.
fn uuid_v7(millis: u64, rng: &mut SplitMix64) -> Uuid {
    let epoch_millis = EPOCH_SECONDS as u64 * 1_000;
    uuid::Builder::from_unix_timestamp_millis(epoch_millis + millis, &bytes10(rng)).into_uuid()
}

/// What a store sells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Grocery,
    Shoes,
    Apparel,
    Electronics,
    Restaurant,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Grocery,
        Kind::Shoes,
        Kind::Apparel,
        Kind::Electronics,
        Kind::Restaurant,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Kind::Grocery => "grocery (kirana)",
            Kind::Shoes => "shoes",
            Kind::Apparel => "apparel",
            Kind::Electronics => "electronics",
            Kind::Restaurant => "restaurant menu",
        }
    }

    fn vocabulary(self) -> &'static Vocabulary {
        match self {
            Kind::Grocery => &GROCERY,
            Kind::Shoes => &SHOES,
            Kind::Apparel => &APPAREL,
            Kind::Electronics => &ELECTRONICS,
            Kind::Restaurant => &RESTAURANT,
        }
    }
}

/// One store of the plan (its products are generated on demand by [`products_of`]).
#[derive(Clone, Debug)]
pub struct StorePlan {
    pub index: usize,
    pub id: Uuid,
    pub seller_id: Uuid,
    pub slug: String,
    pub name: String,
    pub kind: Kind,
    pub products: usize,
    /// Index of its first product in the whole catalog.
    pub first_product: usize,
}

/// Every store, with its size; the products themselves are produced store by store.
pub struct Catalog {
    pub stores: Vec<StorePlan>,
    pub products: usize,
}

const SURNAMES: &[&str] = &[
    "Sharma", "Gupta", "Jain", "Patel", "Reddy", "Iyer", "Khan", "Singh", "Mehta", "Das", "Nair",
    "Agarwal", "Yadav", "Bansal", "Joshi", "Kapoor", "Mishra", "Rao", "Shah", "Verma",
];

impl Catalog {
    /// The stores of a catalog of `products` products in `stores` stores.
    pub fn plan(stores: usize, products: usize) -> Catalog {
        let sizes = store_sizes(stores, products);
        let mut first_product = 0;
        let mut plans = Vec::with_capacity(stores);
        for (index, &size) in sizes.iter().enumerate() {
            let mut rng = store_rng(index);
            // The largest stores are spread over the kinds, not all groceries.
            let kind = Kind::ALL[(index + rng.below(Kind::ALL.len())) % Kind::ALL.len()];
            let owner = *rng.pick(SURNAMES);
            let label = match kind {
                Kind::Grocery => "Kirana Store",
                Kind::Shoes => "Footwear",
                Kind::Apparel => "Fashions",
                Kind::Electronics => "Mobiles & Electronics",
                Kind::Restaurant => "Kitchen",
            };
            let name = format!("{owner} {label} {}", index + 1);
            let slug = format!(
                "{}-{}-{}",
                owner.to_lowercase(),
                label.split(' ').next().unwrap_or("store").to_lowercase(),
                index + 1
            );
            let id = uuid_v7(index as u64, &mut rng);
            let seller_id = uuid_v7(index as u64, &mut rng);
            plans.push(StorePlan {
                index,
                id,
                seller_id,
                slug,
                name,
                kind,
                products: size,
                first_product,
            });
            first_product += size;
        }
        Catalog {
            stores: plans,
            products,
        }
    }
}

fn store_rng(index: usize) -> SplitMix64 {
    SplitMix64::new(SEED ^ (index as u64 + 1).wrapping_mul(0xA24B_AED4_963E_E407))
}

/// Long-tailed store sizes summing exactly to `products` (largest first).
pub fn store_sizes(stores: usize, products: usize) -> Vec<usize> {
    if stores == 0 {
        return Vec::new();
    }
    let floor = FLOOR.min(products as f64 / stores as f64);
    let weights: Vec<f64> = (1..=stores)
        .map(|rank| (rank as f64).powf(-ZIPF_EXPONENT))
        .collect();
    let total_weight: f64 = weights.iter().sum();
    let spread = products as f64 - floor * stores as f64;
    let mut sizes: Vec<usize> = weights
        .iter()
        .map(|w| (floor + spread * w / total_weight).floor() as usize)
        .collect();
    // Rounding down left a few products over: one more each to the largest stores.
    let assigned: usize = sizes.iter().sum();
    for size in sizes.iter_mut().take(products.saturating_sub(assigned)) {
        *size += 1;
    }
    sizes
}

/// One generated product, with the parts its queries are made from.
#[derive(Clone, Debug)]
pub struct Product {
    pub id: Uuid,
    pub category: usize,
    pub name: String,
    pub description: String,
    pub price_minor: i64,
    pub stock: Option<i32>,
    pub active: bool,
    pub created_unix: i64,
    pub parts: Parts,
}

/// The words a product was made of, for the query set.
#[derive(Clone, Debug, Default)]
pub struct Parts {
    pub brand: &'static str,
    pub model: &'static str,
    /// The item's main word, as a shopper types it (`atta`, `kurta`, `biryani`).
    pub word: &'static str,
    /// The same word in the other number (`kurtas` for a Kurta, `shoe` for Shoes).
    pub other_number: &'static str,
    /// The Hinglish (or English) synonym of the word (`cheeni` for sugar).
    pub synonym: &'static str,
    /// A variant, fabric or adjective in the name (`multigrain`, `cotton`).
    pub variant: &'static str,
}

/// The products of one store, the same every time.
pub fn products_of(store: &StorePlan) -> Vec<Product> {
    let vocabulary = store.kind.vocabulary();
    let mut rng = SplitMix64::new(store_rng(store.index).next_u64() ^ 0x0DDB_A11C_0FFE_E000);
    // A store sells a subset of its kind's items (at least three), like a real shop.
    let mut items: Vec<usize> = (0..vocabulary.items.len()).collect();
    for i in (1..items.len()).rev() {
        items.swap(i, rng.below(i + 1));
    }
    let keep = (3 + rng.below(vocabulary.items.len() - 2)).min(items.len());
    items.truncate(keep);
    (0..store.products)
        .map(|n| {
            let item = &vocabulary.items[items[rng.below(items.len())]];
            product(store, vocabulary, item, store.first_product + n, &mut rng)
        })
        .collect()
}

fn product(
    store: &StorePlan,
    vocabulary: &Vocabulary,
    item: &Item,
    global: usize,
    rng: &mut SplitMix64,
) -> Product {
    let (brand, model) = *rng.pick(item.makers);
    let variant = *rng.pick(item.variants);
    let size = *rng.pick(item.sizes);
    let colour = *rng.pick(vocabulary.colours);
    let noun = if rng.chance(0.3) && item.synonym.split(' ').count() == 1 {
        capitalised(item.synonym)
    } else {
        item.noun.to_owned()
    };
    let name = match store.kind {
        Kind::Grocery => join(&[brand, model, variant, &noun, size]),
        Kind::Shoes | Kind::Apparel => join(&[brand, model, variant, &noun, colour, size]),
        Kind::Electronics if item.category == 1 || item.category == 2 => {
            format!("{variant} {noun} for {}", join(&[brand, model]))
        }
        Kind::Electronics => join(&[brand, model, variant, &noun, colour]),
        Kind::Restaurant => join(&[variant, &noun, size]),
    };
    let description = description(vocabulary, item, brand, variant, rng);
    let (low, high) = item.price;
    let rupees = low + rng.below((high - low) as usize + 1) as i64;
    let price_minor = if rng.chance(0.5) {
        rupees * 100
    } else {
        rupees * 100 - 1 // ₹x99.99-style prices
    };
    let stock = if rng.chance(SOLD_OUT) {
        Some(0)
    } else if rng.chance(0.5) {
        None
    } else {
        Some(1 + rng.below(200) as i32)
    };
    let parts = Parts {
        brand,
        model,
        word: item.word,
        other_number: item.other_number,
        synonym: item.synonym,
        variant,
    };
    Product {
        id: uuid_v7(global as u64, rng),
        category: item.category,
        name,
        description,
        price_minor: price_minor.max(0),
        stock,
        active: !rng.chance(HIDDEN),
        created_unix: EPOCH_SECONDS + rng.below(300 * 86_400) as i64,
        parts,
    }
}

fn join(parts: &[&str]) -> String {
    parts
        .iter()
        .filter(|part| !part.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().collect::<String>() + chars.as_str()
    })
}

/// 15 to 30 words: what the item is, then the shop's usual sentences.
fn description(
    vocabulary: &Vocabulary,
    item: &Item,
    brand: &str,
    variant: &str,
    rng: &mut SplitMix64,
) -> String {
    let target = 15 + rng.below(16);
    let mut text = String::new();
    let lead = join(&[variant, item.noun]).to_lowercase();
    // The synonym shoppers also type is not written here: a seller describes the
    // product in their own words (30% of names use the synonym instead of the noun).
    if brand.is_empty() {
        let _ = write!(text, "Our {lead}.");
    } else {
        let _ = write!(text, "{brand} {lead}.");
    }
    let mut words = text.split_whitespace().count();
    let mut guard = 0;
    while words < target && guard < 20 {
        guard += 1;
        let sentence = if rng.chance(0.75) {
            *rng.pick(vocabulary.extras)
        } else {
            *rng.pick(FILLER)
        };
        let count = sentence.split_whitespace().count();
        if words + count > 30 {
            continue;
        }
        text.push(' ');
        text.push_str(sentence);
        words += count;
    }
    text
}

/// What the load found in the database.
pub enum Existing {
    /// None of this catalog's stores is there.
    Absent,
    /// Every store and product is there.
    Complete,
}

/// Whether this exact catalog is already in the database.
pub async fn existing(db: &Db, catalog: &Catalog) -> anyhow::Result<Existing> {
    let ids: Vec<Uuid> = catalog.stores.iter().map(|s| s.id).collect();
    let (stores, products): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM stores WHERE id = ANY($1)),
                (SELECT count(*) FROM products WHERE store_id = ANY($1))",
    )
    .bind(&ids)
    .fetch_one(db.pool())
    .await?;
    if stores == 0 && products == 0 {
        return Ok(Existing::Absent);
    }
    if stores as usize == catalog.stores.len() && products as usize == catalog.products {
        return Ok(Existing::Complete);
    }
    anyhow::bail!(
        "the data directory holds another catalog ({stores} of these stores, {products} products); \
         use a fresh --data-dir for {} stores and {} products",
        catalog.stores.len(),
        catalog.products
    )
}

/// Figures of the load.
pub struct Loaded {
    pub seconds: f64,
    pub analyze_seconds: f64,
    pub categories: usize,
    pub sold_out: usize,
}

/// One text-format `COPY` field: `\N` for NULL, backslash, tab and newlines escaped.
fn field(out: &mut String, value: Option<&str>) {
    match value {
        None => out.push_str("\\N"),
        Some(text) => {
            for c in text.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '\t' => out.push_str("\\t"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    c => out.push(c),
                }
            }
        }
    }
}

fn row(out: &mut String, fields: &[Option<&str>]) {
    for (i, value) in fields.iter().enumerate() {
        if i > 0 {
            out.push('\t');
        }
        field(out, *value);
    }
    out.push('\n');
}

/// Streams rows into one `COPY … FROM STDIN` in pieces of about 4 MiB.
struct Copy<'c> {
    copy: sqlx::postgres::PgCopyIn<&'c mut sqlx::PgConnection>,
    buffer: String,
}

impl<'c> Copy<'c> {
    async fn start(
        connection: &'c mut sqlx::PgConnection,
        statement: &str,
    ) -> anyhow::Result<Copy<'c>> {
        let copy = connection
            .copy_in_raw(statement)
            .await
            .with_context(|| format!("starting {statement}"))?;
        Ok(Copy {
            copy,
            buffer: String::with_capacity(5 << 20),
        })
    }

    async fn row(&mut self, fields: &[Option<&str>]) -> anyhow::Result<()> {
        row(&mut self.buffer, fields);
        if self.buffer.len() >= 4 << 20 {
            self.copy.send(self.buffer.as_bytes()).await?;
            self.buffer.clear();
        }
        Ok(())
    }

    async fn finish(mut self) -> anyhow::Result<u64> {
        if !self.buffer.is_empty() {
            self.copy.send(self.buffer.as_bytes()).await?;
        }
        Ok(self.copy.finish().await?)
    }
}

fn timestamp(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| "2026-01-01T00:00:00Z".to_owned())
}

/// Loads the whole catalog in one transaction with `COPY`, the change-capture triggers
/// (and the foreign-key triggers, which the generator satisfies by construction) off on
/// this connection only (`session_replication_role = replica`), then `ANALYZE`s.
pub async fn load(db: &Db, catalog: &Catalog, progress: impl Fn(usize)) -> anyhow::Result<Loaded> {
    let started = std::time::Instant::now();
    let mut transaction = db.pool().begin().await?;
    sqlx::query("SET LOCAL session_replication_role = replica")
        .execute(&mut *transaction)
        .await?;
    // A million rows take longer than the pool's statement timeout.
    sqlx::query("SET LOCAL statement_timeout = 0")
        .execute(&mut *transaction)
        .await?;

    let mut copy = Copy::start(&mut transaction, "COPY sellers (id, phone) FROM STDIN").await?;
    for store in &catalog.stores {
        let phone = format!("+9177{:08}", store.index);
        copy.row(&[Some(&store.seller_id.to_string()), Some(&phone)])
            .await?;
    }
    copy.finish().await?;

    let mut copy = Copy::start(
        &mut transaction,
        "COPY stores (id, seller_id, slug, name, description) FROM STDIN",
    )
    .await?;
    for store in &catalog.stores {
        let description = format!(
            "{} — order on WhatsApp, delivery across the city.",
            store.kind.label()
        );
        copy.row(&[
            Some(&store.id.to_string()),
            Some(&store.seller_id.to_string()),
            Some(&store.slug),
            Some(&store.name),
            Some(&description),
        ])
        .await?;
    }
    copy.finish().await?;

    // Category ids: one UUIDv7 per (store, category), from the store's own stream.
    let category_ids: Vec<Vec<Uuid>> = catalog.stores.iter().map(category_ids).collect();
    let mut categories = 0;
    let mut copy = Copy::start(
        &mut transaction,
        "COPY categories (id, store_id, name, name_key) FROM STDIN",
    )
    .await?;
    for (store, ids) in catalog.stores.iter().zip(&category_ids) {
        for (name, id) in store.kind.vocabulary().categories.iter().zip(ids) {
            copy.row(&[
                Some(&id.to_string()),
                Some(&store.id.to_string()),
                Some(name),
                Some(&name.to_lowercase()),
            ])
            .await?;
            categories += 1;
        }
    }
    copy.finish().await?;

    let mut copy = Copy::start(
        &mut transaction,
        "COPY products (id, store_id, category_id, name, description, price_minor, stock, active,
                        created_at, updated_at) FROM STDIN",
    )
    .await?;
    let (mut sold_out, mut done) = (0, 0);
    for (store, ids) in catalog.stores.iter().zip(&category_ids) {
        let store_id = store.id.to_string();
        for product in products_of(store) {
            let created = timestamp(product.created_unix);
            let stock = product.stock.map(|s| s.to_string());
            sold_out += usize::from(product.stock == Some(0));
            copy.row(&[
                Some(&product.id.to_string()),
                Some(&store_id),
                Some(&ids[product.category].to_string()),
                Some(&product.name),
                Some(&product.description),
                Some(&product.price_minor.to_string()),
                stock.as_deref(),
                Some(if product.active { "t" } else { "f" }),
                Some(&created),
                Some(&created),
            ])
            .await?;
        }
        done += store.products;
        progress(done);
    }
    copy.finish().await?;
    transaction.commit().await?;
    let seconds = started.elapsed().as_secs_f64();
    let analyzing = std::time::Instant::now();
    // As autovacuum would soon on a live server: the GIN index's pending list merged
    // (a fresh COPY leaves it long, and full-text queries scan it), statistics taken.
    let mut connection = db.pool().acquire().await?;
    sqlx::query("SET statement_timeout = 0")
        .execute(&mut *connection)
        .await?;
    sqlx::query("VACUUM (ANALYZE) products")
        .execute(&mut *connection)
        .await?;
    sqlx::query("ANALYZE").execute(&mut *connection).await?;
    sqlx::query("RESET statement_timeout")
        .execute(&mut *connection)
        .await?;
    Ok(Loaded {
        seconds,
        analyze_seconds: analyzing.elapsed().as_secs_f64(),
        categories,
        sold_out,
    })
}

fn category_ids(store: &StorePlan) -> Vec<Uuid> {
    let mut rng = SplitMix64::new(store_rng(store.index).next_u64() ^ 0xCA7E_6087);
    (0..store.kind.vocabulary().categories.len())
        .map(|n| uuid_v7(store.index as u64 * 16 + n as u64, &mut rng))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_sum_to_the_total_and_have_a_long_tail() {
        for (stores, products) in [(300, 30_000), (10_000, 1_000_000), (7, 10), (1, 5)] {
            let sizes = store_sizes(stores, products);
            assert_eq!(sizes.iter().sum::<usize>(), products);
            assert!(sizes.windows(2).all(|w| w[0] >= w[1]));
        }
        let sizes = store_sizes(10_000, 1_000_000);
        assert!(sizes[0] > 10_000 && sizes[5_000] < 100);
    }

    #[test]
    fn a_store_is_generated_the_same_every_time() {
        let catalog = Catalog::plan(20, 2_000);
        let store = &catalog.stores[3];
        let once = products_of(store);
        let again = products_of(store);
        assert_eq!(once.len(), store.products);
        assert!(once
            .iter()
            .zip(&again)
            .all(|(a, b)| a.id == b.id && a.name == b.name));
        for product in &once {
            let words = product.description.split_whitespace().count();
            assert!((15..=30).contains(&words), "{}", product.description);
            assert!(product.name.chars().count() <= 80, "{}", product.name);
        }
    }
}
