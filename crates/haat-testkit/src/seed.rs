//! Catalog rows written straight by SQL, for tests of what happens *after* a write (the
//! capture triggers fire as for any other writer): a seller, a store, products.

use haat_db::Db;
use uuid::Uuid;

pub struct SeededStore {
    pub id: Uuid,
    pub slug: String,
    pub products: Vec<Uuid>,
}

/// A new seller with one store and `count` products named `Item n` at ₹1.00.
pub async fn store_with_products(db: &Db, count: usize) -> SeededStore {
    let seller = Uuid::now_v7();
    let store = Uuid::now_v7();
    let random = u64::from_le_bytes(store.as_bytes()[8..16].try_into().expect("8 bytes"));
    let slug = format!("seed-{:012x}", random & 0xffff_ffff_ffff);
    sqlx::query("INSERT INTO sellers (id, phone) VALUES ($1, $2)")
        .bind(seller)
        .bind(format!("+9197{:08}", random % 100_000_000))
        .execute(db.pool())
        .await
        .expect("seller");
    sqlx::query(
        "INSERT INTO stores (id, seller_id, slug, name) VALUES ($1, $2, $3, 'Seeded Store')",
    )
    .bind(store)
    .bind(seller)
    .bind(&slug)
    .execute(db.pool())
    .await
    .expect("store");
    let mut products = Vec::with_capacity(count);
    for n in 0..count {
        let id = Uuid::now_v7();
        sqlx::query(
            "INSERT INTO products (id, store_id, name, price_minor) VALUES ($1, $2, $3, 100)",
        )
        .bind(id)
        .bind(store)
        .bind(format!("Item {n}"))
        .execute(db.pool())
        .await
        .expect("product");
        products.push(id);
    }
    SeededStore {
        id: store,
        slug,
        products,
    }
}
