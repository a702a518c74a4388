//! The checkout transaction against a real PostgreSQL: stock, numbering, idempotency,
//! discounts and the state machine, under concurrency.

use std::sync::Arc;

use haat_db::{
    CheckoutError, Created, Db, DbError, Fulfilment, NewOrder, OrderLineRequest, OrderNotification,
    OrderRequestKey, PoolSettings, ShopStore, Transition,
};
use haat_domain::{
    Address, CancelReason, CustomerName, Description, DiscountCode, OrderNote, OrderStatus,
    PaymentMethod, Phone, Price, ProductId, ProductName, Quantity, ShippingProvider, StockCount,
    StoreName, StoreSlug, TrackingId,
};

async fn db() -> Db {
    let url = haat_testkit::fresh_database().await;
    let settings = PoolSettings {
        max_connections: 40,
        ..PoolSettings::default()
    };
    Db::connect_lazy(&url, &settings).unwrap()
}

async fn store(db: &Db, phone: &str) -> ShopStore {
    let seller = db
        .ensure_seller(&Phone::parse(phone).unwrap())
        .await
        .unwrap();
    let name = StoreName::parse("Asha's Kitchen").unwrap();
    let record = db
        .create_store(seller.id, &name, &StoreSlug::derive(&name))
        .await
        .unwrap();
    db.shop_store_by_id(record.id).await.unwrap()
}

async fn product(
    db: &Db,
    store: &ShopStore,
    name: &str,
    price: i64,
    stock: Option<i64>,
) -> ProductId {
    let new = haat_db::NewProduct {
        name: ProductName::parse(name).unwrap(),
        price: Price::from_minor(price).unwrap(),
        description: Description::default(),
        category: None,
        stock: stock.map(|s| StockCount::from_i64(s).unwrap()),
        active: true,
        image: None,
    };
    db.create_product(store.id, &new).await.unwrap().id
}

fn order(lines: &[(ProductId, i64)]) -> NewOrder {
    NewOrder {
        lines: lines
            .iter()
            .map(|(product, quantity)| OrderLineRequest {
                product: *product,
                quantity: Quantity::from_i64(*quantity).unwrap(),
                expected_unit_price_minor: None,
            })
            .collect(),
        customer_name: CustomerName::parse("Ravi Kumar").unwrap(),
        customer_phone: Phone::parse("9876543210").unwrap(),
        fulfilment: Fulfilment::Delivery(Address::parse("12 MG Road, Pune").unwrap()),
        note: OrderNote::default(),
        payment_method: PaymentMethod::Cod,
        discount_code: None,
        currency: None,
        expected_total_minor: None,
        cart: None,
    }
}

fn key(text: &str) -> OrderRequestKey {
    OrderRequestKey {
        key: text.to_owned(),
        request_hash: text.as_bytes().to_vec(),
    }
}

fn notify() -> OrderNotification {
    OrderNotification {
        seller_phone: Some(Phone::parse("9999900000").unwrap()),
        desk_url: "http://localhost/dashboard/orders".into(),
    }
}

#[tokio::test]
async fn an_order_is_numbered_priced_and_queues_a_notification() {
    let db = db().await;
    let store = store(&db, "9000000001").await;
    let tea = product(&db, &store, "Masala chai", 4_500, Some(5)).await;
    let cake = product(&db, &store, "Plum cake", 25_000, None).await;
    let first = db
        .place_order(
            &store,
            &order(&[(tea, 2), (cake, 1)]),
            &key("k1"),
            &notify(),
        )
        .await
        .unwrap();
    let Created::New(first) = first else {
        panic!("expected a new order")
    };
    assert_eq!(first.number.to_string(), "#1001");
    assert_eq!(first.totals.subtotal_minor, 34_000);
    assert_eq!(first.items.len(), 2);
    assert_eq!(first.status, OrderStatus::Placed);
    assert_eq!(first.events.len(), 1);
    let second = db
        .place_order(&store, &order(&[(tea, 1)]), &key("k2"), &notify())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(second.number.to_string(), "#1002");
    let (stock,): (Option<i32>,) = sqlx::query_as("SELECT stock FROM products WHERE id = $1")
        .bind(tea.as_uuid())
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(stock, Some(2));
    let (jobs, text): (i64, String) = sqlx::query_as(
        "SELECT count(*) OVER (), payload->>'text' FROM jobs WHERE kind = 'sms' ORDER BY created_at LIMIT 1",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!(jobs, 2);
    assert!(text.contains("#1001"), "{text}");
    assert!(text.contains("₹340 "), "{text}");
}

#[tokio::test]
async fn a_refused_checkout_leaves_no_gap_and_no_trace() {
    let db = db().await;
    let store = store(&db, "9000000002").await;
    let tea = product(&db, &store, "Masala chai", 4_500, Some(1)).await;
    let error = db
        .place_order(&store, &order(&[(tea, 2)]), &key("k1"), &notify())
        .await
        .unwrap_err();
    assert!(matches!(
        error,
        DbError::Checkout(CheckoutError::OutOfStock { available: 1, .. })
    ));
    let placed = db
        .place_order(&store, &order(&[(tea, 1)]), &key("k1"), &notify())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(placed.number.to_string(), "#1001");
    for table in [
        "orders",
        "order_items",
        "order_requests",
        "jobs",
        "order_events",
    ] {
        let (count,): (i64,) = sqlx::query_as(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(count, 1, "{table}");
    }
}

#[tokio::test]
async fn two_hundred_shoppers_race_for_ten_in_stock() {
    let db = db().await;
    let store = Arc::new(store(&db, "9000000003").await);
    let hot = product(&db, &store, "Diwali hamper", 99_900, Some(10)).await;
    let attempts = (0..200).map(|i| {
        let db = db.clone();
        let store = store.clone();
        tokio::spawn(async move {
            db.place_order(
                &store,
                &order(&[(hot, 1)]),
                &key(&format!("k{i}")),
                &notify(),
            )
            .await
        })
    });
    let results = futures::future::join_all(attempts).await;
    let mut placed = 0;
    let mut sold_out = 0;
    for result in results {
        match result.unwrap() {
            Ok(_) => placed += 1,
            Err(DbError::Checkout(CheckoutError::OutOfStock { .. })) => sold_out += 1,
            Err(other) => panic!("unexpected error: {other:?}"),
        }
    }
    assert_eq!((placed, sold_out), (10, 190));
    let (stock,): (Option<i32>,) = sqlx::query_as("SELECT stock FROM products WHERE id = $1")
        .bind(hot.as_uuid())
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(stock, Some(0));
    let numbers: Vec<(i64,)> = sqlx::query_as("SELECT number FROM orders ORDER BY number")
        .fetch_all(db.pool())
        .await
        .unwrap();
    let numbers: Vec<i64> = numbers.into_iter().map(|(n,)| n).collect();
    assert_eq!(numbers, (1001..=1010).collect::<Vec<_>>());
}

#[tokio::test]
async fn overlapping_carts_never_deadlock() {
    let db = db().await;
    let store = Arc::new(store(&db, "9000000004").await);
    let a = product(&db, &store, "Atta 5kg", 30_000, Some(1_000)).await;
    let b = product(&db, &store, "Cheeni 1kg", 5_000, Some(1_000)).await;
    let attempts = (0..100).map(|i| {
        let db = db.clone();
        let store = store.clone();
        let lines = if i % 2 == 0 {
            vec![(a, 1), (b, 1)]
        } else {
            vec![(b, 1), (a, 1)]
        };
        tokio::spawn(async move {
            db.place_order(&store, &order(&lines), &key(&format!("k{i}")), &notify())
                .await
        })
    });
    for result in futures::future::join_all(attempts).await {
        result.unwrap().unwrap();
    }
    let (count,): (i64,) = sqlx::query_as("SELECT count(*) FROM orders")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(count, 100);
}

#[tokio::test]
async fn a_key_replays_the_first_order_and_refuses_another_body() {
    let db = db().await;
    let store = store(&db, "9000000005").await;
    let tea = product(&db, &store, "Masala chai", 4_500, Some(10)).await;
    let first = db
        .place_order(&store, &order(&[(tea, 1)]), &key("same"), &notify())
        .await
        .unwrap();
    assert!(!first.is_replay());
    let again = db
        .place_order(&store, &order(&[(tea, 1)]), &key("same"), &notify())
        .await
        .unwrap();
    assert!(again.is_replay());
    assert_eq!(again.into_inner().id, first.into_inner().id);
    let other = OrderRequestKey {
        key: "same".into(),
        request_hash: b"different".to_vec(),
    };
    let error = db
        .place_order(&store, &order(&[(tea, 2)]), &other, &notify())
        .await
        .unwrap_err();
    assert!(matches!(error, DbError::IdempotencyKeyReused));
}

#[tokio::test]
async fn a_discount_limited_to_five_uses_is_used_five_times() {
    let db = db().await;
    let store = Arc::new(store(&db, "9000000006").await);
    let tea = product(&db, &store, "Masala chai", 10_000, None).await;
    sqlx::query(
        "INSERT INTO discounts (id, store_id, code, code_key, kind, value, max_uses)
         VALUES (gen_random_uuid(), $1, 'Diwali', 'DIWALI', 'percent', 10, 5)",
    )
    .bind(store.id.as_uuid())
    .execute(db.pool())
    .await
    .unwrap();
    let attempts = (0..50).map(|i| {
        let db = db.clone();
        let store = store.clone();
        tokio::spawn(async move {
            let mut new = order(&[(tea, 1)]);
            new.discount_code = Some(DiscountCode::parse("diwali").unwrap());
            new.customer_phone = Phone::parse(&format!("98765{i:05}")).unwrap();
            db.place_order(&store, &new, &key(&format!("k{i}")), &notify())
                .await
        })
    });
    let mut discounted = 0;
    let mut exhausted = 0;
    for result in futures::future::join_all(attempts).await {
        match result.unwrap() {
            Ok(order) => {
                assert_eq!(order.into_inner().totals.discount_minor, 1_000);
                discounted += 1;
            }
            Err(DbError::Checkout(CheckoutError::DiscountExhausted)) => exhausted += 1,
            Err(other) => panic!("unexpected error: {other:?}"),
        }
    }
    assert_eq!((discounted, exhausted), (5, 45));
}

#[tokio::test]
async fn cancelling_restocks_and_releases_the_discount() {
    let db = db().await;
    let store = store(&db, "9000000007").await;
    let tea = product(&db, &store, "Masala chai", 10_000, Some(3)).await;
    sqlx::query(
        "INSERT INTO discounts (id, store_id, code, code_key, kind, value, max_uses, max_uses_per_phone)
         VALUES (gen_random_uuid(), $1, 'ONCE', 'ONCE', 'fixed', 2000, 1, 1)",
    )
    .bind(store.id.as_uuid())
    .execute(db.pool())
    .await
    .unwrap();
    let mut new = order(&[(tea, 3)]);
    new.discount_code = Some(DiscountCode::parse("once").unwrap());
    let placed = db
        .place_order(&store, &new, &key("k1"), &notify())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(placed.totals.total_minor, 28_000);
    let again = db
        .place_order(&store, &new, &key("k2"), &notify())
        .await
        .unwrap_err();
    assert!(matches!(
        again,
        DbError::Checkout(CheckoutError::OutOfStock { .. })
    ));

    let ship = Transition {
        to: OrderStatus::Shipped,
        shipping: Some((
            ShippingProvider::Delhivery,
            Some(TrackingId::parse("DL1").unwrap()),
        )),
        reason: CancelReason::default(),
    };
    let error = db
        .transition_order(store.id, placed.id, store.seller_id, &ship)
        .await
        .unwrap_err();
    assert!(matches!(error, DbError::Conflict("invalid_transition", _)));

    let cancel = Transition {
        to: OrderStatus::Cancelled,
        shipping: None,
        reason: CancelReason::parse("customer asked").unwrap(),
    };
    let cancelled = db
        .transition_order(store.id, placed.id, store.seller_id, &cancel)
        .await
        .unwrap();
    assert_eq!(cancelled.status, OrderStatus::Cancelled);
    assert_eq!(cancelled.events.len(), 2);
    let replaced = db
        .place_order(&store, &new, &key("k3"), &notify())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(replaced.totals.discount_minor, 2_000);
    let twice = db
        .transition_order(store.id, placed.id, store.seller_id, &cancel)
        .await
        .unwrap_err();
    assert!(matches!(twice, DbError::Conflict("invalid_transition", _)));
}

#[tokio::test]
async fn retries_of_one_key_racing_other_shoppers_make_one_order_and_no_deadlock() {
    let db = db().await;
    let store = Arc::new(store(&db, "9000000009").await);
    let a = product(&db, &store, "Ladoo box", 50_000, Some(1_000)).await;
    let b = product(&db, &store, "Barfi box", 60_000, Some(1_000)).await;
    // Twenty retries of one request (a phone on a flaky network) and twenty other
    // shoppers buying the same two products in the other order, all at once.
    let attempts = (0..40).map(|i| {
        let db = db.clone();
        let store = store.clone();
        tokio::spawn(async move {
            let (lines, key_text) = if i % 2 == 0 {
                (vec![(a, 1), (b, 1)], "the-retried-key".to_owned())
            } else {
                (vec![(b, 2), (a, 2)], format!("other-{i}"))
            };
            let result = db
                .place_order(&store, &order(&lines), &key(&key_text), &notify())
                .await;
            (i % 2 == 0, result)
        })
    });
    let mut retried_ids = std::collections::HashSet::new();
    let mut first_results = 0;
    for joined in futures::future::join_all(attempts).await {
        let (retried, result) = joined.unwrap();
        let created = result.unwrap_or_else(|e| panic!("no error expected: {e:?}"));
        if retried {
            if matches!(created, Created::New(_)) {
                first_results += 1;
            }
            retried_ids.insert(created.into_inner().id);
        }
    }
    assert_eq!(first_results, 1, "one of the retries placed the order");
    assert_eq!(retried_ids.len(), 1, "every retry returned that order");
    let (orders,): (i64,) = sqlx::query_as("SELECT count(*) FROM orders")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(orders, 21);
    let stocks: Vec<(Option<i32>,)> = sqlx::query_as("SELECT stock FROM products ORDER BY name")
        .fetch_all(db.pool())
        .await
        .unwrap();
    // Barfi: 1 + 20 × 2 sold; ladoo the same.
    assert_eq!(stocks, [(Some(959),), (Some(959),)]);
}

#[tokio::test]
async fn old_checkout_keys_are_forgotten_and_recent_ones_kept() {
    let db = db().await;
    let store = store(&db, "9000000010").await;
    let item = product(&db, &store, "Kaju katli", 40_000, None).await;
    for text in ["old", "recent"] {
        db.place_order(&store, &order(&[(item, 1)]), &key(text), &notify())
            .await
            .unwrap();
    }
    sqlx::query(
        "UPDATE order_requests SET created_at = now() - interval '31 days' WHERE key = 'old'",
    )
    .execute(db.pool())
    .await
    .unwrap();
    let day = std::time::Duration::from_secs(24 * 3600);
    let (_, orders) = db
        .delete_old_idempotency_keys(7 * day, 30 * day, 100)
        .await
        .unwrap();
    assert_eq!(orders, 1);
    let keys: Vec<(String,)> = sqlx::query_as("SELECT key FROM order_requests")
        .fetch_all(db.pool())
        .await
        .unwrap();
    assert_eq!(keys, [("recent".to_owned(),)]);
    // The recent key still replays; the orders themselves are untouched.
    let again = db
        .place_order(&store, &order(&[(item, 1)]), &key("recent"), &notify())
        .await
        .unwrap();
    assert!(again.is_replay());
    let (orders,): (i64,) = sqlx::query_as("SELECT count(*) FROM orders")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(orders, 2);
}
