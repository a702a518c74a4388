//! The benchmark's data: three stores of 20, 2,000 and 20,000 products with realistic
//! names, a dozen categories each, and a handful of real photos (drawn in code, then
//! sent through the real `ImageProcessor` and `MediaStore`) shared between products, so
//! every card has an `<img srcset>` like a real catalog.
//!
//! Seeding is deterministic and idempotent: a store that already exists is reused.

use std::time::Duration;

use anyhow::Context;
use bytes::Bytes;
use haat::config::Config;
use haat_db::{CategoryChoice, Db, NewProduct, StorePatch};
use haat_domain::catalog::ImageRef;
use haat_domain::{
    AccentColour, CategoryName, Description, Phone, Price, ProductName, StockCount, StoreId,
    StoreName, StoreSlug,
};
use haat_media::{ImagePolicy, ImageProcessor, MediaStore};
use image::{ImageBuffer, Rgb};
use indicatif::{ProgressBar, ProgressStyle};

/// A seeded store.
#[derive(Clone, Debug)]
pub struct BenchStore {
    pub id: StoreId,
    pub slug: String,
    pub name: &'static str,
    pub products: usize,
}

/// (name, seller phone, number of products, accent colour)
const STORES: [(&str, &str, usize, &str); 3] = [
    ("Jain Chaat Corner", "+919812400020", 20, "#c2410c"),
    ("Sharma General Store", "+919812402000", 2_000, "#15803d"),
    ("Bharat Wholesale Mart", "+919812420000", 20_000, "#1d4ed8"),
];

/// Index of the store the load test uses (2,000 products).
pub const LOAD_STORE: usize = 1;

/// Distinct photos shared by all products.
const PHOTOS: u64 = 8;

/// Products per `create_products` call (one transaction each), for the progress bar.
const CHUNK: usize = 1_000;

/// (category, brands, items, base price in rupees)
type Shelf = (
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    i64,
);

#[rustfmt::skip]
const SHELVES: [Shelf; 12] = [
    ("Atta & Flours", &["Aashirvaad", "Pillsbury", "Fortune", "Annapurna", "Rajdhani"], &["Whole Wheat Atta", "Multigrain Atta", "Besan", "Maida", "Sooji", "Ragi Flour"], 60),
    ("Rice", &["India Gate", "Daawat", "Kohinoor", "Fortune", "Lal Qilla"], &["Basmati Rice", "Sona Masoori Rice", "Brown Rice", "Kolam Rice", "Poha", "Idli Rice"], 90),
    ("Dals & Pulses", &["Tata Sampann", "Organic Tattva", "Fortune", "24 Mantra", "Rajdhani"], &["Toor Dal", "Moong Dal", "Masoor Dal", "Chana Dal", "Urad Dal", "Rajma"], 110),
    ("Spices", &["MDH", "Everest", "Catch", "Badshah", "Eastern"], &["Turmeric Powder", "Red Chilli Powder", "Garam Masala", "Coriander Powder", "Chaat Masala", "Jeera"], 45),
    ("Edible Oils", &["Fortune", "Saffola", "Dhara", "Patanjali", "Gemini"], &["Mustard Oil", "Sunflower Oil", "Groundnut Oil", "Rice Bran Oil", "Desi Ghee", "Sesame Oil"], 150),
    ("Tea & Coffee", &["Tata Tea", "Red Label", "Wagh Bakri", "Nescafe", "Bru"], &["Tea Leaves", "Green Tea", "Instant Coffee", "Filter Coffee", "Masala Chai", "Elaichi Tea"], 120),
    ("Snacks", &["Haldiram's", "Bikaji", "Lay's", "Kurkure", "Balaji"], &["Aloo Bhujia", "Moong Dal Namkeen", "Potato Chips", "Khatta Meetha", "Masala Peanuts", "Mathri"], 30),
    ("Biscuits", &["Parle", "Britannia", "Sunfeast", "Unibic", "Priyagold"], &["Glucose Biscuits", "Marie Biscuits", "Cream Biscuits", "Digestive Biscuits", "Butter Cookies", "Rusk"], 25),
    ("Beverages", &["Rasna", "Tang", "Paper Boat", "Real", "Frooti"], &["Mango Drink", "Orange Juice", "Aam Panna", "Jaljeera Mix", "Lemon Drink", "Rose Sharbat"], 50),
    ("Dairy", &["Amul", "Mother Dairy", "Nandini", "Gowardhan", "Milky Mist"], &["Toned Milk", "Paneer", "Butter", "Curd", "Cheese Slices", "Buttermilk"], 35),
    ("Personal Care", &["Dove", "Lifebuoy", "Colgate", "Dabur", "Himalaya"], &["Bath Soap", "Shampoo", "Toothpaste", "Face Wash", "Hair Oil", "Talc"], 70),
    ("Household", &["Surf Excel", "Vim", "Harpic", "Lizol", "Odonil"], &["Detergent Powder", "Dishwash Bar", "Toilet Cleaner", "Floor Cleaner", "Air Freshener", "Glass Cleaner"], 80),
];

#[rustfmt::skip]
const SIZES: [(&str, i64); 6] = [("200 g", 1), ("500 g", 2), ("1 kg", 4), ("2 kg", 7), ("5 kg", 16), ("100 g", 1)];

/// Seeds (or finds) the three stores; `ANALYZE`s afterwards so the planner has the
/// statistics autovacuum would gather within a minute on a live server.
pub async fn seed(db: &Db, config: &Config) -> anyhow::Result<Vec<BenchStore>> {
    let photos = photos(config).await?;
    let mut stores = Vec::new();
    for (index, (name, phone, count, accent)) in STORES.iter().enumerate() {
        let store_name = StoreName::parse(name).context("store name")?;
        let slug = StoreSlug::derive(&store_name);
        let id = match db.store_profile(&slug).await? {
            Some(existing) => existing.id,
            None => {
                let phone = Phone::parse(phone).context("phone")?;
                let seller = db.ensure_seller(&phone).await?;
                let store = db.create_store(seller.id, &store_name, &slug).await?;
                let patch = StorePatch {
                    description: Some(Description::parse(&format!(
                        "{name}: groceries and household essentials, delivered in Jaipur within 2 hours."
                    ))?),
                    accent_colour: Some(AccentColour::parse(accent)?),
                    whatsapp: Some(Some(phone)),
                    ..StorePatch::default()
                };
                db.update_store(seller.id, store.id, &patch).await?;
                db.set_store_logo(seller.id, store.id, &photos[index % photos.len()])
                    .await?;
                insert_products(db, store.id, name, *count, &photos).await?;
                store.id
            }
        };
        stores.push(BenchStore {
            id,
            slug: slug.as_str().to_owned(),
            name,
            products: *count,
        });
    }
    sqlx::query("ANALYZE").execute(db.pool()).await?;
    Ok(stores)
}

async fn insert_products(
    db: &Db,
    store: StoreId,
    name: &str,
    count: usize,
    photos: &[ImageRef],
) -> anyhow::Result<()> {
    let bar = ProgressBar::new(count as u64).with_message(name.to_owned());
    bar.set_style(
        ProgressStyle::with_template("  {msg:24} [{bar:30}] {pos}/{len} products {elapsed}")
            .expect("static template")
            .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    let products: Vec<NewProduct> = (0..count).map(|n| product(n, photos)).collect();
    for chunk in products.chunks(CHUNK) {
        db.create_products(store, chunk)
            .await
            .with_context(|| format!("seeding {name}"))?;
        bar.inc(chunk.len() as u64);
    }
    bar.finish();
    Ok(())
}

/// The `n`th product of a catalog: deterministic, realistic, unique by name.
fn product(n: usize, photos: &[ImageRef]) -> NewProduct {
    let (category, brands, items, base) = SHELVES[n % SHELVES.len()];
    let j = n / SHELVES.len();
    let brand = brands[j % brands.len()];
    let item = items[(j / brands.len()) % items.len()];
    let per_size = brands.len() * items.len();
    let (size, factor) = SIZES[(j / per_size) % SIZES.len()];
    let pack = j / (per_size * SIZES.len());
    let name = if pack == 0 {
        format!("{brand} {item} {size}")
    } else {
        format!("{brand} {item} {size} (pack of {})", pack + 1)
    };
    let rupees = base * factor * (pack as i64 + 1) / 2 + (n as i64 * 7919) % 40;
    let stock = match n % 13 {
        0 => Some(0),
        1..=3 => Some((n % 50) as i64 + 1),
        _ => None,
    };
    NewProduct {
        name: ProductName::parse(&name).expect("generated names are valid"),
        description: Description::parse(&format!(
            "{brand} {item}, {size} pack. Delivered sealed, within 2 hours."
        ))
        .expect("valid description"),
        price: Price::from_minor(rupees.max(10) * 100 + [0, 50][n % 2]).expect("valid price"),
        category: Some(CategoryChoice::Name(
            CategoryName::parse(category).expect("valid category"),
        )),
        stock: stock.map(|s| StockCount::from_i64(s).expect("valid stock")),
        active: true,
        image: Some(photos[n % photos.len()].clone()),
    }
}

/// Processes and stores the shared photos (content-hashed, so re-runs overwrite nothing).
async fn photos(config: &Config) -> anyhow::Result<Vec<ImageRef>> {
    let media = MediaStore::local(&config.media_dir())?;
    let images = ImageProcessor::new(ImagePolicy::default());
    let bar = ProgressBar::new(PHOTOS).with_message("photos");
    bar.set_style(
        ProgressStyle::with_template("  {msg:24} [{bar:30}] {pos}/{len} processed {elapsed}")
            .expect("static template")
            .progress_chars("=> "),
    );
    let mut refs = Vec::new();
    for seed in 0..PHOTOS {
        let processed = images.process(draw_photo(seed)).await?;
        media.put_image(&processed).await?;
        refs.push(ImageRef {
            hash: processed.hash.clone(),
            width: processed.width,
            height: processed.height,
            variant_widths: processed.variant_widths(),
        });
        bar.inc(1);
    }
    bar.finish();
    Ok(refs)
}

/// An 800×800 JPEG: a two-colour gradient with a shaded disc, varied by `seed`.
fn draw_photo(seed: u64) -> Bytes {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = |below: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % below
    };
    let base = [
        next(200) as f32 + 30.0,
        next(200) as f32 + 30.0,
        next(200) as f32 + 30.0,
    ];
    let (cx, cy, radius) = (
        300.0 + next(200) as f32,
        300.0 + next(200) as f32,
        160.0 + next(120) as f32,
    );
    let size = 800u32;
    let image = ImageBuffer::from_fn(size, size, |x, y| {
        let t = (x + y) as f32 / (2 * size) as f32;
        let distance = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)).sqrt();
        let shade = if distance < radius {
            1.0 - 0.35 * distance / radius
        } else {
            0.0
        };
        Rgb(std::array::from_fn(|c| {
            let background = base[c] * (1.0 - t) + 240.0 * t;
            let disc = (255.0 - base[c] / 2.0) * shade;
            if shade > 0.0 {
                disc as u8
            } else {
                background as u8
            }
        }))
    });
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 85)
        .encode_image(&image)
        .expect("encoding an in-memory image cannot fail");
    Bytes::from(bytes)
}
