//! Demo data: a few realistic stores, one with 2,000+ products, with product photos
//! generated in code (no downloads) and sent through the real image pipeline.
//! Seeding is idempotent: stores that already exist are left alone.

use std::fmt::Write as _;

use anyhow::Context;
use bytes::Bytes;
use haat_db::{CategoryChoice, CheckoutSettingsPatch, Db, NewDiscount, NewProduct, StorePatch};
use haat_domain::catalog::ImageRef;
use haat_domain::{
    AccentColour, CategoryName, Description, DiscountCode, DiscountKind, Phone, Price, ProductName,
    StockCount, StoreAddress, StoreName, StoreSlug, TaxRate, UpiId,
};
use haat_media::{ImagePolicy, ImageProcessor, MediaStore};
use image::{ImageBuffer, Rgb};
use indicatif::{ProgressBar, ProgressStyle};

use crate::app::media_store;
use crate::config::Config;

struct DemoStore {
    phone: &'static str,
    name: &'static str,
    description: &'static str,
    accent: &'static str,
    whatsapp: bool,
    catalog: fn(&mut Rng) -> Vec<DemoProduct>,
}

struct DemoProduct {
    name: String,
    category: &'static str,
    price_minor: i64,
    description: String,
    stock: Option<i32>,
}

const STORES: [DemoStore; 4] = [
    DemoStore {
        phone: "+919812300001",
        name: "Jain Shikanji",
        description:
            "Indore's favourite shikanji, lassi and nimbu pani since 1984. Fresh every morning.",
        accent: "#c2410c",
        whatsapp: true,
        catalog: shikanji_catalog,
    },
    DemoStore {
        phone: "+919812300002",
        name: "Meera's Home Bakery",
        description: "Eggless cakes, cookies and breads baked to order in Pune. Order a day ahead.",
        accent: "#be185d",
        whatsapp: true,
        catalog: bakery_catalog,
    },
    DemoStore {
        phone: "+919812300003",
        name: "Kanchipuram Silk House",
        description: "Handwoven Kanchipuram and Banarasi silk sarees, direct from weavers.",
        accent: "#7c3aed",
        whatsapp: false,
        catalog: saree_catalog,
    },
    DemoStore {
        phone: "+919812300004",
        name: "Sharma Kirana Store",
        description: "Everything for your kitchen and home, delivered in Jaipur within 2 hours.",
        accent: "#15803d",
        whatsapp: true,
        catalog: kirana_catalog,
    },
];

/// A small deterministic generator so the demo is the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn product(name: &str, category: &'static str, rupees: i64, description: &str) -> DemoProduct {
    DemoProduct {
        name: name.to_owned(),
        category,
        price_minor: rupees * 100,
        description: description.to_owned(),
        stock: None,
    }
}

fn shikanji_catalog(_: &mut Rng) -> Vec<DemoProduct> {
    vec![
        product(
            "Masala Shikanji (500 ml)",
            "Shikanji",
            40,
            "Our 1984 recipe: lemon, roasted cumin, black salt and a secret masala.",
        ),
        product(
            "Shikanji Family Pack (2 L)",
            "Shikanji",
            140,
            "Serves 8. Keep chilled.",
        ),
        product(
            "Nimbu Pani",
            "Shikanji",
            30,
            "Fresh lime, mint, a pinch of salt.",
        ),
        product("Jaljeera", "Shikanji", 35, "Tangy cumin cooler."),
        product(
            "Sweet Lassi",
            "Lassi",
            60,
            "Thick Punjabi-style lassi with malai on top.",
        ),
        product("Mango Lassi", "Lassi", 80, "Alphonso mango pulp, seasonal."),
        product("Salted Chaas", "Lassi", 30, "Spiced buttermilk."),
        product(
            "Kesar Badam Milk",
            "Lassi",
            90,
            "Saffron and almond milk, served cold.",
        ),
        product("Samosa (2 pcs)", "Snacks", 40, "Crisp, with green chutney."),
        product("Kachori", "Snacks", 30, "Indori khasta kachori."),
        product("Poha", "Snacks", 45, "With sev, jeeravan and pomegranate."),
        product(
            "Jalebi (250 g)",
            "Snacks",
            70,
            "Hot and crisp, mornings only.",
        ),
    ]
}

fn bakery_catalog(rng: &mut Rng) -> Vec<DemoProduct> {
    let cakes = [
        "Chocolate Truffle",
        "Red Velvet",
        "Pineapple",
        "Black Forest",
        "Rasmalai",
        "Butterscotch",
        "Blueberry Cheesecake",
        "Mango Mousse",
    ];
    let mut products: Vec<DemoProduct> = cakes
        .iter()
        .map(|cake| {
            product(
                &format!("{cake} Cake (500 g)"),
                "Cakes",
                450 + rng.below(8) as i64 * 50,
                "Eggless. Add a name on top in the order note.",
            )
        })
        .collect();
    for cookie in [
        "Choco Chip Cookies",
        "Nankhatai",
        "Oatmeal Raisin Cookies",
        "Coconut Cookies",
        "Jeera Biscuits",
        "Atta Cookies",
    ] {
        products.push(product(
            &format!("{cookie} (250 g)"),
            "Cookies",
            180 + rng.below(5) as i64 * 20,
            "Baked fresh, packed in a tin.",
        ));
    }
    for bread in [
        "Whole Wheat Bread",
        "Multigrain Bread",
        "Garlic Loaf",
        "Pav (6 pcs)",
        "Focaccia",
    ] {
        products.push(product(
            bread,
            "Breads",
            60 + rng.below(6) as i64 * 15,
            "No preservatives; best within 3 days.",
        ));
    }
    products
}

fn saree_catalog(rng: &mut Rng) -> Vec<DemoProduct> {
    let kinds = [
        "Kanchipuram Silk Saree",
        "Banarasi Silk Saree",
        "Soft Silk Saree",
        "Tussar Silk Saree",
        "Mysore Silk Saree",
        "Chanderi Cotton Saree",
    ];
    let colours = [
        "Maroon",
        "Peacock Blue",
        "Mustard",
        "Emerald Green",
        "Rani Pink",
        "Ivory",
        "Black",
        "Mango Yellow",
    ];
    let mut products = Vec::new();
    for (index, colour) in colours.iter().enumerate() {
        for kind in kinds.iter().skip(index % 2).step_by(2) {
            let price =
                if kind.contains("Cotton") { 2400 } else { 6500 } + rng.below(40) as i64 * 250;
            let mut item = product(
                &format!("{colour} {kind}"),
                if kind.contains("Cotton") {
                    "Cotton Sarees"
                } else {
                    "Silk Sarees"
                },
                price,
                "Comes with an unstitched blouse piece. Dry clean only.",
            );
            item.stock = Some(rng.below(6) as i32);
            products.push(item);
        }
    }
    for dupatta in ["Banarasi Dupatta", "Phulkari Dupatta", "Bandhani Dupatta"] {
        products.push(product(
            dupatta,
            "Dupattas",
            1200 + rng.below(10) as i64 * 100,
            "2.5 m, hand finished.",
        ));
    }
    products
}

fn kirana_catalog(rng: &mut Rng) -> Vec<DemoProduct> {
    const SHELVES: [(&str, &[&str], &[&str], i64); 14] = [
        (
            "Atta & Flours",
            &["Aashirvaad", "Pillsbury", "Fortune", "Annapurna"],
            &[
                "Whole Wheat Atta",
                "Multigrain Atta",
                "Besan",
                "Maida",
                "Sooji",
                "Ragi Flour",
            ],
            60,
        ),
        (
            "Rice",
            &["India Gate", "Daawat", "Kohinoor", "Fortune"],
            &[
                "Basmati Rice",
                "Sona Masoori Rice",
                "Brown Rice",
                "Kolam Rice",
                "Poha",
            ],
            90,
        ),
        (
            "Dals & Pulses",
            &["Tata Sampann", "Organic Tattva", "Fortune"],
            &[
                "Toor Dal",
                "Moong Dal",
                "Masoor Dal",
                "Chana Dal",
                "Urad Dal",
                "Rajma",
                "Kabuli Chana",
            ],
            110,
        ),
        (
            "Spices",
            &["MDH", "Everest", "Catch", "Badshah"],
            &[
                "Turmeric Powder",
                "Red Chilli Powder",
                "Garam Masala",
                "Coriander Powder",
                "Chaat Masala",
                "Jeera",
                "Kitchen King",
            ],
            45,
        ),
        (
            "Edible Oils",
            &["Fortune", "Saffola", "Dhara", "Patanjali"],
            &[
                "Mustard Oil",
                "Sunflower Oil",
                "Groundnut Oil",
                "Rice Bran Oil",
                "Desi Ghee",
            ],
            150,
        ),
        (
            "Sugar & Salt",
            &["Tata", "Madhur", "Dhampure"],
            &[
                "Sugar",
                "Iodised Salt",
                "Rock Salt",
                "Jaggery",
                "Brown Sugar",
            ],
            40,
        ),
        (
            "Tea & Coffee",
            &["Tata Tea", "Red Label", "Wagh Bakri", "Nescafe", "Bru"],
            &[
                "Tea Leaves",
                "Green Tea",
                "Instant Coffee",
                "Filter Coffee",
                "Masala Chai",
            ],
            120,
        ),
        (
            "Snacks",
            &["Haldiram's", "Bikaji", "Lay's", "Kurkure"],
            &[
                "Aloo Bhujia",
                "Moong Dal Namkeen",
                "Potato Chips",
                "Khatta Meetha",
                "Masala Peanuts",
            ],
            30,
        ),
        (
            "Biscuits",
            &["Parle", "Britannia", "Sunfeast"],
            &[
                "Glucose Biscuits",
                "Marie Biscuits",
                "Cream Biscuits",
                "Digestive Biscuits",
                "Cookies",
            ],
            25,
        ),
        (
            "Beverages",
            &["Rasna", "Tang", "Paper Boat", "Real"],
            &[
                "Mango Drink",
                "Orange Juice",
                "Aam Panna",
                "Jaljeera Mix",
                "Lemon Drink",
            ],
            50,
        ),
        (
            "Dairy",
            &["Amul", "Mother Dairy", "Nandini"],
            &[
                "Toned Milk",
                "Paneer",
                "Butter",
                "Curd",
                "Cheese Slices",
                "Buttermilk",
            ],
            35,
        ),
        (
            "Personal Care",
            &["Dove", "Lifebuoy", "Colgate", "Dabur", "Himalaya"],
            &[
                "Bath Soap",
                "Shampoo",
                "Toothpaste",
                "Face Wash",
                "Hair Oil",
            ],
            70,
        ),
        (
            "Household",
            &["Surf Excel", "Vim", "Harpic", "Lizol", "Odonil"],
            &[
                "Detergent Powder",
                "Dishwash Bar",
                "Toilet Cleaner",
                "Floor Cleaner",
                "Air Freshener",
            ],
            80,
        ),
        (
            "Baby Care",
            &["Pampers", "Himalaya", "Johnson's", "Cerelac"],
            &[
                "Diapers",
                "Baby Lotion",
                "Baby Soap",
                "Baby Food",
                "Baby Wipes",
            ],
            160,
        ),
    ];
    const SIZES: [(&str, i64); 5] = [
        ("200 g", 1),
        ("500 g", 2),
        ("1 kg", 4),
        ("2 kg", 7),
        ("5 kg", 16),
    ];
    const PACKS: [(&str, i64); 3] = [("", 1), (" (Pack of 2)", 2), (" (Pack of 3)", 3)];
    let mut products = Vec::new();
    // Every (size, pack) variant of every brand's item: names are unique by construction.
    'outer: for variant in 0..SIZES.len() * PACKS.len() {
        let (size, factor) = SIZES[variant % SIZES.len()];
        let (pack, count) = PACKS[variant / SIZES.len()];
        for (shelf, brands, items, base) in SHELVES.iter() {
            for item in items.iter() {
                for brand in brands.iter() {
                    let name = format!("{brand} {item} {size}{pack}");
                    let rupees = base * factor * count / 2 + rng.below(40) as i64;
                    let mut entry = product(&name, shelf, rupees.max(10), "");
                    entry.price_minor += [0, 50, 0, 0][rng.below(4) as usize];
                    entry.description = format!("{brand} {item}, {size} pack. Delivered sealed.");
                    if rng.below(12) == 0 {
                        entry.stock = Some(0);
                    }
                    products.push(entry);
                    if products.len() >= 2_100 {
                        break 'outer;
                    }
                }
            }
        }
    }
    products
}

/// A product photo drawn in code: a soft two-colour gradient with a disc, varied by seed.
fn demo_photo(seed: u64) -> Bytes {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let base = [
        rng.below(200) as u8 + 30,
        rng.below(200) as u8 + 30,
        rng.below(200) as u8 + 30,
    ];
    let accent = [255 - base[0] / 2, 255 - base[1] / 2, 255 - base[2] / 2];
    let size = 800u32;
    let (cx, cy, radius) = (
        300.0 + rng.below(200) as f32,
        300.0 + rng.below(200) as f32,
        160.0 + rng.below(120) as f32,
    );
    let image = ImageBuffer::from_fn(size, size, |x, y| {
        let t = (x + y) as f32 / (2 * size) as f32;
        let mut pixel = [0u8; 3];
        for channel in 0..3 {
            pixel[channel] = (f32::from(base[channel]) * (1.0 - t) + 240.0 * t) as u8;
        }
        let distance = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)).sqrt();
        if distance < radius {
            let shade = 1.0 - 0.35 * (distance / radius);
            for channel in 0..3 {
                pixel[channel] = (f32::from(accent[channel]) * shade) as u8;
            }
        }
        Rgb(pixel)
    });
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 85)
        .encode_image(&image)
        .expect("encoding an in-memory image cannot fail");
    Bytes::from(bytes)
}

async fn photo(images: &ImageProcessor, media: &MediaStore, seed: u64) -> anyhow::Result<ImageRef> {
    let processed = images.process(demo_photo(seed)).await?;
    media.put_image(&processed).await?;
    Ok(ImageRef {
        hash: processed.hash.clone(),
        width: processed.width,
        height: processed.height,
        variant_widths: processed.variant_widths(),
    })
}

/// Seeds every demo store that does not exist yet; returns a summary for the console.
pub async fn seed(db: &Db, config: &Config) -> anyhow::Result<String> {
    let media = media_store(config)?;
    let images = ImageProcessor::new(ImagePolicy::default());
    let public = config.public_url();
    let base_url = public.as_str().trim_end_matches('/');
    let mut summary = String::from("Demo stores:\n");
    for (index, demo) in STORES.iter().enumerate() {
        let name = StoreName::parse(demo.name).expect("demo names are valid");
        let slug = StoreSlug::derive(&name);
        let phone = Phone::parse(demo.phone).expect("demo phones are valid");
        let mut rng = Rng(index as u64 + 1);
        let catalog = (demo.catalog)(&mut rng);
        if db.store_profile(&slug).await?.is_none() {
            seed_store(
                db, &images, &media, demo, &name, &slug, &phone, &catalog, index,
            )
            .await?;
        }
        let _ = writeln!(
            summary,
            "  {base_url}/{}  ({} products; seller phone {})",
            slug.as_str(),
            catalog.len(),
            demo.phone
        );
    }
    summary.push_str(
        "Every demo store takes cash or UPI (paid through the local test gateway), charges \
         ₹40 delivery or offers pickup, and accepts the code WELCOME10 (10% off from ₹200).\n",
    );
    Ok(summary)
}

#[allow(clippy::too_many_arguments)]
async fn seed_store(
    db: &Db,
    images: &ImageProcessor,
    media: &MediaStore,
    demo: &DemoStore,
    name: &StoreName,
    slug: &StoreSlug,
    phone: &Phone,
    catalog: &[DemoProduct],
    index: usize,
) -> anyhow::Result<()> {
    let seller = db.ensure_seller(phone).await?;
    let store = db.create_store(seller.id, name, slug).await?;
    let patch = StorePatch {
        description: Some(Description::parse(demo.description).expect("valid")),
        accent_colour: Some(AccentColour::parse(demo.accent).expect("valid")),
        whatsapp: demo.whatsapp.then(|| Some(phone.clone())),
        ..StorePatch::default()
    };
    db.update_store(seller.id, store.id, &patch).await?;
    // Checkout works end to end in the demo: UPI (paid through the fake gateway), a
    // delivery fee with pickup as the alternative, 5% tax inside the prices, and a code.
    let checkout = CheckoutSettingsPatch {
        upi_id: Some(Some(
            UpiId::parse(&format!("{}@okhaat", slug.as_str())).expect("demo UPI ids are valid"),
        )),
        delivery_fee: Some(Price::from_minor(4_000).expect("valid")),
        pickup_enabled: Some(true),
        address: Some(StoreAddress::parse("12 Demo Market, Jaipur 302001").expect("valid")),
        gstin: None,
        tax_rate: Some(Some(TaxRate::from_bps(500).expect("valid"))),
    };
    db.update_checkout_settings(seller.id, store.id, &checkout)
        .await?;
    db.create_discount(
        store.id,
        &NewDiscount {
            code: DiscountCode::parse("WELCOME10").expect("valid"),
            kind: DiscountKind::percent(10).expect("valid"),
            min_order: Price::from_minor(20_000).expect("valid"),
            starts_at: None,
            ends_at: None,
            max_uses: None,
            max_uses_per_phone: Some(1),
        },
    )
    .await?;
    let logo = photo(images, media, 10_000 + index as u64).await?;
    db.set_store_logo(seller.id, store.id, &logo).await?;
    // Small stores get a photo per product; the big one shares a few dozen photos, as
    // a real kirana's catalog reuses brand shots.
    let distinct_photos = catalog.len().min(48);
    let bar = ProgressBar::new(distinct_photos as u64 + 1).with_message(demo.name);
    bar.set_style(
        ProgressStyle::with_template("  {msg:28} [{bar:30}] {pos}/{len} photos")
            .expect("static template")
            .progress_chars("=> "),
    );
    let mut photos = Vec::with_capacity(distinct_photos);
    for n in 0..distinct_photos {
        photos.push(photo(images, media, (index * 1_000 + n) as u64).await?);
        bar.inc(1);
    }
    let products: Vec<NewProduct> = catalog
        .iter()
        .enumerate()
        .map(|(n, item)| NewProduct {
            name: ProductName::parse(&item.name).expect("demo product names are valid"),
            description: Description::parse(&item.description).expect("valid"),
            price: Price::from_minor(item.price_minor).expect("valid"),
            category: Some(CategoryChoice::Name(
                CategoryName::parse(item.category).expect("valid"),
            )),
            stock: item
                .stock
                .map(|s| StockCount::from_i64(i64::from(s)).expect("valid")),
            active: true,
            image: Some(photos[n % photos.len()].clone()),
        })
        .collect();
    db.create_products(store.id, &products)
        .await
        .with_context(|| format!("seeding {}", demo.name))?;
    bar.inc(1);
    bar.finish();
    Ok(())
}
