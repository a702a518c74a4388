//! One store's catalog rows: its seller, the store, its image rows (pointing at the
//! shared generated photos), its categories and its products.

use uuid::Uuid;

use super::copy::Batch;
use super::photos::Photo;
use super::plan::{Plan, StorePlan};
use super::rng::{Purpose, SplitMix64};
use super::vocabulary::{Category, Item, Kind};

const DAY_MS: i64 = 86_400_000;
/// Products sold out (stock 0), with unlimited stock (NULL), and hidden by their seller.
const SOLD_OUT: f64 = 0.06;
const UNLIMITED: f64 = 0.4;
const HIDDEN: f64 = 0.03;
/// Products with a photo, and stores with a logo (when there are photos at all).
const WITH_PHOTO: f64 = 0.85;
const WITH_LOGO: f64 = 0.6;

/// A product as the order history needs it.
pub struct Listed {
    pub id: Uuid,
    pub name: String,
    pub price_minor: i64,
    pub created_ms: i64,
}

/// What one store's catalog added.
#[derive(Default)]
pub struct CatalogCounts {
    pub images: u64,
    pub categories: u64,
}

/// Writes the seller, store, images, categories and products of `store` into `batch`,
/// and returns its products in creation order.
pub fn write(
    plan: &Plan,
    store: &StorePlan,
    photos: &[Photo],
    batch: &mut Batch,
) -> (Vec<Listed>, CatalogCounts) {
    let mut rng = SplitMix64::stream(plan.seed, u64::from(store.index), Purpose::Catalog);
    let mut counts = CatalogCounts::default();
    let opened = store.created_ms;

    batch
        .sellers
        .row()
        .uuid(store.seller_id)
        .text(&store.seller_phone)
        .time(store.seller_created_ms)
        .time(rng.between(opened, plan.until_ms))
        .end();

    // The store's own image rows: a few of the shared photos, as a seller uploads a
    // handful of shots and reuses them (the same photo, the same content hash).
    let used = if photos.is_empty() {
        Vec::new()
    } else {
        let wanted = 1 + store.products as usize / 4;
        rng.sample(photos.len(), wanted)
    };
    let mut image_ids = Vec::with_capacity(used.len());
    for (position, photo_index) in used.iter().enumerate() {
        let at = opened + 60_000 * (position as i64 + 1);
        let id = rng.uuid_v7(at);
        write_image(batch, id, store.id, &photos[*photo_index], at);
        image_ids.push(id);
    }
    let logo = (!photos.is_empty() && rng.chance(WITH_LOGO)).then(|| {
        let id = rng.uuid_v7(opened + 30_000);
        write_image(batch, id, store.id, rng.pick(photos), opened + 30_000);
        id
    });
    counts.images = (image_ids.len() + usize::from(logo.is_some())) as u64;

    batch
        .stores
        .row()
        .uuid(store.id)
        .uuid(store.seller_id)
        .text(&store.slug)
        .text(&store.name)
        .text(store.description)
        .opt_text(store.whatsapp.then_some(store.seller_phone.as_str()))
        .opt_uuid(logo)
        .text(store.accent)
        .text("INR")
        .time(opened)
        .time(opened)
        .int(1)
        .opt_text(store.upi_id.as_deref())
        .int(store.delivery_fee_minor)
        .bool(store.pickup_enabled)
        .text(&store.address)
        .opt_text(store.gstin.as_deref())
        .opt_int(store.tax_rate_bps.map(i64::from))
        .end();

    // A few of the kind's categories: a small store has one or two shelves.
    let kind = store.kind;
    let wanted = (1 + store.products as usize / 6).min(kind.categories.len());
    let mut shelves: Vec<(&Category, Uuid)> = Vec::with_capacity(wanted);
    for (position, index) in rng
        .sample(kind.categories.len(), wanted)
        .into_iter()
        .enumerate()
    {
        let category = &kind.categories[index];
        let at = opened + 120_000 + position as i64 * 1_000;
        let id = rng.uuid_v7(at);
        batch
            .categories
            .row()
            .uuid(id)
            .uuid(store.id)
            .text(category.name)
            .text(&category.name.to_lowercase())
            .time(at)
            .end();
        shelves.push((category, id));
    }
    counts.categories = shelves.len() as u64;

    // Most products are listed in the first two weeks, the rest over the months after.
    let mut times: Vec<i64> = (0..store.products)
        .map(|_| {
            if rng.chance(0.7) {
                opened + rng.between(180_000, 14 * DAY_MS)
            } else {
                rng.between(opened + 180_000, plan.until_ms - 1)
            }
        })
        .collect();
    times.sort_unstable();

    let mut listed = Vec::with_capacity(times.len());
    for created_ms in times {
        let (category, category_id) = *rng.pick(&shelves);
        let item = rng.pick(category.items);
        let (name, description) = words(kind, item, &mut rng);
        let price_minor = price(item, &mut rng);
        let stock = if rng.chance(SOLD_OUT) {
            Some(0)
        } else if rng.chance(UNLIMITED) {
            None
        } else {
            Some(rng.between(1, 200))
        };
        let image =
            (!image_ids.is_empty() && rng.chance(WITH_PHOTO)).then(|| *rng.pick(&image_ids));
        let id = rng.uuid_v7(created_ms);
        batch
            .products
            .row()
            .uuid(id)
            .uuid(store.id)
            .uuid(category_id)
            .text(&name)
            .text(&description)
            .int(price_minor)
            .opt_int(stock)
            .bool(!rng.chance(HIDDEN))
            .opt_uuid(image)
            .time(created_ms)
            .time(created_ms)
            .int(1)
            .end();
        listed.push(Listed {
            id,
            name,
            price_minor,
            created_ms,
        });
    }
    (listed, counts)
}

fn write_image(batch: &mut Batch, id: Uuid, store: Uuid, photo: &Photo, at: i64) {
    batch
        .images
        .row()
        .uuid(id)
        .uuid(store)
        .text(&photo.hash)
        .int(i64::from(photo.width))
        .int(i64::from(photo.height))
        .int_array(&photo.variant_widths)
        .time(at)
        .end();
}

/// A product's name and description from its item: `Aashirvaad Multigrain Atta 5 kg`,
/// `Biba Anarkali Kurti, Rani Pink (M)`, `Silicone Back Cover for iPhone 15, Blue`.
fn words(kind: &Kind, item: &Item, rng: &mut SplitMix64) -> (String, String) {
    let brand = *rng.pick(item.brands);
    let variant = *rng.pick(item.variants);
    let size = *rng.pick(item.sizes);
    let mut name = if brand.starts_with("for ") {
        join(&[variant, item.noun, brand])
    } else {
        join(&[brand, variant, item.noun])
    };
    if !kind.colours.is_empty() {
        let colour = *rng.pick(kind.colours);
        name.push_str(", ");
        name.push_str(colour);
    }
    if !size.is_empty() {
        if kind.colours.is_empty() {
            name.push(' ');
            name.push_str(size);
        } else {
            name.push_str(&format!(" ({size})"));
        }
    }
    let lead = join(&[variant, item.noun]).to_lowercase();
    let mut description = if brand.is_empty() || brand.starts_with("for ") {
        format!("Our {lead}.")
    } else {
        format!("{brand} {lead}.")
    };
    for _ in 0..1 + rng.below(2) {
        let sentence = *rng.pick(kind.sentences);
        description.push(' ');
        description.push_str(sentence);
    }
    (name, description)
}

fn join(parts: &[&str]) -> String {
    let mut out = String::new();
    for part in parts.iter().filter(|part| !part.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(part);
    }
    out
}

/// A shop's price in the item's range: `₹45`, `₹499`, `₹1,299`, now and then `₹42.50`.
fn price(item: &Item, rng: &mut SplitMix64) -> i64 {
    let rupees = rng.between(item.price.0, item.price.1);
    if rupees >= 100 {
        (rupees / 10 * 10 + 9).min(item.price.1.max(rupees)) * 100
    } else if rng.chance(0.15) {
        rupees * 100 + 50
    } else {
        rupees * 100
    }
}

#[cfg(test)]
mod tests {
    use super::super::vocabulary::KINDS;
    use super::*;

    #[test]
    fn names_and_descriptions_pass_the_domain_parsers() {
        let mut rng = SplitMix64::new(5);
        for kind in &KINDS {
            for category in kind.categories {
                haat_domain::CategoryName::parse(category.name).unwrap();
                for item in category.items {
                    for _ in 0..50 {
                        let (name, description) = words(kind, item, &mut rng);
                        haat_domain::ProductName::parse(&name).unwrap();
                        haat_domain::Description::parse(&description).unwrap();
                        let price = price(item, &mut rng);
                        assert!(
                            price >= item.price.0 * 100 && price <= item.price.1 * 100 + 900,
                            "{name}: {price}"
                        );
                    }
                }
            }
        }
    }
}
