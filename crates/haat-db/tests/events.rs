//! Change capture and the PostgreSQL event log against a real PostgreSQL: every committed
//! change is captured once (rolled-back ones never), per-store numbers are gap-free in
//! commit order even when transactions commit out of id order, the relay is exclusive,
//! atomic and gap-free, and consumer positions only move forward.

use std::collections::HashMap;

use haat_db::{Db, PoolSettings, ShopStore};
use haat_domain::{Description, Phone, Price, ProductId, ProductName, StoreName, StoreSlug};
use uuid::Uuid;

async fn db() -> Db {
    let url = haat_testkit::fresh_database().await;
    let settings = PoolSettings {
        max_connections: 30,
        ..PoolSettings::default()
    };
    Db::connect_lazy(&url, &settings).unwrap()
}

async fn store(db: &Db, phone: &str, name: &str) -> ShopStore {
    let seller = db
        .ensure_seller(&Phone::parse(phone).unwrap())
        .await
        .unwrap();
    let name = StoreName::parse(name).unwrap();
    let record = db
        .create_store(seller.id, &name, &StoreSlug::derive(&name))
        .await
        .unwrap();
    db.shop_store_by_id(record.id).await.unwrap()
}

async fn product(db: &Db, store: &ShopStore, name: &str) -> ProductId {
    let new = haat_db::NewProduct {
        name: ProductName::parse(name).unwrap(),
        price: Price::from_minor(10_000).unwrap(),
        description: Description::default(),
        category: None,
        stock: None,
        active: true,
        image: None,
    };
    db.create_product(store.id, &new).await.unwrap().id
}

/// Relays until the outbox is empty; returns the whole log.
async fn relay_all(db: &Db) -> Vec<haat_db::LoggedEvent> {
    while db.relay_to_log(1000).await.unwrap().moved > 0 {}
    db.read_events(0, 1_000_000).await.unwrap()
}

async fn set_price(tx: &mut sqlx::PgConnection, product: ProductId, price: i64) {
    sqlx::query("UPDATE products SET price_minor = $2, version = version + 1 WHERE id = $1")
        .bind(product.as_uuid())
        .bind(price)
        .execute(tx)
        .await
        .unwrap();
}

#[tokio::test]
async fn committed_changes_are_captured_once_and_rolled_back_ones_never() {
    let db = db().await;
    let shop = store(&db, "9000000101", "Capture Corner").await;
    let item = product(&db, &shop, "Paneer tikka").await;

    let mut rolled_back = db.pool().begin().await.unwrap();
    set_price(&mut rolled_back, item, 1).await;
    rolled_back.rollback().await.unwrap();

    sqlx::query("DELETE FROM products WHERE id = $1")
        .bind(item.as_uuid())
        .execute(db.pool())
        .await
        .unwrap();
    let log = relay_all(&db).await;
    let kinds: Vec<(String, String, i64)> = log
        .iter()
        .map(|e| {
            (
                e.change.entity.clone(),
                e.change.op.clone(),
                e.change.store_seq,
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("store".to_owned(), "insert".to_owned(), 1),
            ("product".to_owned(), "insert".to_owned(), 2),
            ("product".to_owned(), "delete".to_owned(), 3),
        ],
        "no event for the rolled-back price"
    );
    let insert = &log[1].change;
    assert_eq!(insert.entity_id, item.as_uuid());
    assert_eq!(insert.store_id, shop.id.as_uuid());
    assert_eq!(insert.entity_version, Some(1));
    assert_eq!(insert.payload["price_minor"], 10_000);
    assert_eq!(insert.payload["name"], "Paneer tikka");
    assert_eq!(log[2].change.payload, serde_json::json!({}));
    let offsets: Vec<i64> = log.iter().map(|e| e.offset).collect();
    assert_eq!(offsets, [1, 2, 3]);
    assert_eq!(db.outbox_depth().await.unwrap(), 0);
}

#[tokio::test]
async fn transactions_committing_out_of_id_order_lose_nothing() {
    let db = db().await;
    let first = store(&db, "9000000102", "First Store").await;
    let second = store(&db, "9000000103", "Second Store").await;
    let a = product(&db, &first, "Alpha").await;
    let b = product(&db, &first, "Beta").await;
    let c = product(&db, &second, "Gamma").await;
    relay_all(&db).await;

    // Opened in this order, committed in the reverse one, with relays in between.
    let mut early = db.pool().begin().await.unwrap();
    set_price(&mut early, a, 101).await;
    let mut middle = db.pool().begin().await.unwrap();
    set_price(&mut middle, c, 303).await;
    let mut late = db.pool().begin().await.unwrap();
    set_price(&mut late, b, 202).await;

    late.commit().await.unwrap();
    db.relay_to_log(1000).await.unwrap();
    middle.commit().await.unwrap();
    db.relay_to_log(1000).await.unwrap();
    early.commit().await.unwrap();
    let log = relay_all(&db).await;

    let prices: Vec<(Uuid, i64, i64)> = log
        .iter()
        .filter(|e| e.change.entity == "product" && e.change.op == "update")
        .map(|e| {
            (
                e.change.entity_id,
                e.change.payload["price_minor"].as_i64().unwrap(),
                e.change.store_seq,
            )
        })
        .collect();
    // Every change is there, and the first store's numbers follow its commit order
    // (Beta committed before Alpha), not the order the transactions began.
    assert_eq!(prices.len(), 3, "{prices:?}");
    let beta = prices.iter().find(|p| p.0 == b.as_uuid()).unwrap();
    let alpha = prices.iter().find(|p| p.0 == a.as_uuid()).unwrap();
    assert_eq!((beta.1, alpha.1), (202, 101));
    assert_eq!(alpha.2, beta.2 + 1, "gap-free, in commit order: {prices:?}");
    assert!(prices.iter().any(|p| p.0 == c.as_uuid() && p.1 == 303));
    assert_log_is_consistent(&log);
}

/// Offsets are 1..=n without gaps; each store's numbers are 1..=m in log order.
fn assert_log_is_consistent(log: &[haat_db::LoggedEvent]) {
    for (index, event) in log.iter().enumerate() {
        assert_eq!(event.offset, index as i64 + 1, "gap-free offsets");
    }
    let mut next: HashMap<Uuid, i64> = HashMap::new();
    for event in log {
        let expected = next.entry(event.change.store_id).or_insert(1);
        assert_eq!(
            event.change.store_seq, *expected,
            "store {} out of order at offset {}",
            event.change.store_id, event.offset
        );
        *expected += 1;
    }
}

#[tokio::test]
async fn concurrent_writers_and_relays_give_a_complete_gap_free_log() {
    let db = db().await;
    let mut products = Vec::new();
    for (n, phone) in ["9000000104", "9000000105", "9000000106"]
        .iter()
        .enumerate()
    {
        let shop = store(&db, phone, &format!("Busy Store {n}")).await;
        for p in 0..4 {
            products.push(product(&db, &shop, &format!("Item {p}")).await);
        }
    }
    let writers = products.iter().enumerate().map(|(index, product)| {
        let db = db.clone();
        let product = *product;
        tokio::spawn(async move {
            for round in 0..25 {
                let mut tx = db.pool().begin().await.unwrap();
                set_price(&mut tx, product, (index * 1000 + round) as i64).await;
                if round % 5 == 4 {
                    tx.rollback().await.unwrap();
                } else {
                    tx.commit().await.unwrap();
                }
            }
        })
    });
    // Two relays racing each other while the writers run.
    let relays = (0..2).map(|_| {
        let db = db.clone();
        tokio::spawn(async move {
            let mut elected_rounds = 0;
            for _ in 0..200 {
                let round = db.relay_to_log(7).await.unwrap();
                elected_rounds += u32::from(round.elected);
                tokio::task::yield_now().await;
            }
            elected_rounds
        })
    });
    futures::future::join_all(writers).await;
    let elected: u32 = futures::future::join_all(relays)
        .await
        .into_iter()
        .map(Result::unwrap)
        .sum();
    assert!(elected > 0);
    let log = relay_all(&db).await;
    let updates = log
        .iter()
        .filter(|e| e.change.entity == "product" && e.change.op == "update")
        .count();
    assert_eq!(updates, products.len() * 20, "every committed update, once");
    assert_log_is_consistent(&log);
    let mut ids: Vec<i64> = log.iter().map(|e| e.change.event_id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), log.len(), "no event twice");
}

#[tokio::test]
async fn orders_are_captured_without_personal_data_and_positions_only_move_forward() {
    let db = db().await;
    let shop = store(&db, "9000000107", "Private Kitchen").await;
    let item = product(&db, &shop, "Thali").await;
    let order = haat_db::NewOrder {
        lines: vec![haat_db::OrderLineRequest {
            product: item,
            quantity: haat_domain::Quantity::from_i64(1).unwrap(),
            expected_unit_price_minor: None,
        }],
        customer_name: haat_domain::CustomerName::parse("Asha Verma").unwrap(),
        customer_phone: Phone::parse("9876501234").unwrap(),
        fulfilment: haat_db::Fulfilment::Delivery(
            haat_domain::Address::parse("4 Secret Lane, Pune").unwrap(),
        ),
        note: haat_domain::OrderNote::default(),
        payment_method: haat_domain::PaymentMethod::Cod,
        discount_code: None,
        currency: None,
        expected_total_minor: None,
        cart: None,
    };
    let key = haat_db::OrderRequestKey {
        key: "k".into(),
        request_hash: vec![1],
    };
    let notify = haat_db::OrderNotification {
        seller_phone: None,
        desk_url: String::new(),
    };
    db.place_order(&shop, &order, &key, &notify).await.unwrap();
    let log = relay_all(&db).await;
    let captured = log
        .iter()
        .find(|e| e.change.entity == "order")
        .expect("the order is captured");
    assert_eq!(captured.change.payload["status"], "placed");
    let text =
        serde_json::to_string(&log.iter().map(|e| &e.change.payload).collect::<Vec<_>>()).unwrap();
    for secret in ["Asha", "9876501234", "Secret Lane"] {
        assert!(
            !text.contains(secret),
            "{secret} leaked into the log: {text}"
        );
    }

    assert_eq!(db.consumer_position("cache").await.unwrap(), 0);
    db.commit_position("cache", 2).await.unwrap();
    db.commit_position("cache", 1).await.unwrap();
    assert_eq!(db.consumer_position("cache").await.unwrap(), 2);
    let rest = db.read_events(2, 100).await.unwrap();
    assert_eq!(rest.len(), log.len() - 2);
    assert_eq!(rest[0].offset, 3);
}

#[tokio::test]
async fn old_events_are_deleted_oldest_first_and_offsets_continue() {
    let db = db().await;
    let shop = store(&db, "9000000108", "Retention Rack").await;
    product(&db, &shop, "Old news").await;
    let before = relay_all(&db).await;
    sqlx::query("UPDATE event_log SET appended_at = now() - interval '8 days'")
        .execute(db.pool())
        .await
        .unwrap();
    product(&db, &shop, "Fresh news").await;
    relay_all(&db).await;
    let week = std::time::Duration::from_secs(7 * 24 * 3600);
    assert_eq!(db.delete_old_events(week, 1).await.unwrap(), 1, "bounded");
    assert_eq!(
        db.delete_old_events(week, 100).await.unwrap(),
        before.len() as u64 - 1
    );
    let left = db.read_events(0, 100).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(
        left[0].offset,
        before.len() as i64 + 1,
        "offsets are never reused"
    );
    assert_eq!(left[0].change.payload["name"], "Fresh news");
}
