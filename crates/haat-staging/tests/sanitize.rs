//! `haat sanitize` against real PostgreSQL: personal data seeded in every personal
//! column (through the app's own database functions where it has them) never reaches the
//! copy, row counts and relations survive, and the run fails closed.

use std::time::Duration;

use haat_db::{
    Db, Fulfilment, GatewayStatus, NewOrder, NewSession, OrderLineRequest, OrderNotification,
    OrderRequestKey, OtpLimits, PaymentEvent, PoolSettings, SessionKind,
};
use haat_domain::{
    Address, Currency, CustomerName, DiscountCode, OrderNote, PaymentMethod, PaymentRef, Phone,
    ProductId, Quantity, StoreName, StoreSlug,
};
use haat_staging::sanitize::{run, SanitizeArgs};
use sha2::{Digest, Sha256};
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

const SELLER_PHONE: &str = "+919812345678";
const CUSTOMER_PHONE: &str = "+919876543210";

/// Every string that must not survive, searched case-insensitively in every text-like
/// column of every table of the copy (including the event log, the outbox and jobs).
const MARKERS: &[&str] = &[
    "Zubeida",
    "Marker",
    "9812345678",
    "98123 45678",
    "9876543210",
    "Secret Lane",
    "zubeida.marker@",
    "example.com",
    "203.0.113.77",
    "okaxis",
    "MARKERTRACK",
    "ZUBEIDA10",
    "AAPFU0939F",
    "marker-idem",
    "evt_marker",
    "482913",
];

fn args(from: &str, to: &str) -> SanitizeArgs {
    SanitizeArgs {
        from: from.to_owned(),
        to: to.to_owned(),
    }
}

fn db(url: &str) -> Db {
    Db::connect_lazy(url, &PoolSettings::default()).unwrap()
}

/// What the seeding made that the checks need.
struct Seeded {
    secrets: Vec<String>,
    secret_hashes: Vec<Vec<u8>>,
}

async fn seed(url: &str) -> Seeded {
    let db = db(url);
    let phone = Phone::parse(SELLER_PHONE).unwrap();
    let seller = db.ensure_seller(&phone).await.unwrap();
    let code_hash = Sha256::digest(b"482913").to_vec();
    db.issue_otp(&phone, &code_hash, OtpLimits::default())
        .await
        .unwrap();
    let token_hash = Sha256::digest(b"session-token").to_vec();
    db.create_session(
        seller.id,
        &NewSession {
            token_hash: token_hash.clone(),
            kind: SessionKind::Dashboard,
            ttl: Duration::from_secs(3600),
        },
    )
    .await
    .unwrap();
    let store = db
        .create_store(
            seller.id,
            &StoreName::parse("Zubeida Marker Sarees").unwrap(),
            &StoreSlug::parse("zubeida-marker").unwrap(),
        )
        .await
        .unwrap();
    let store_id = store.id.as_uuid();
    let mut conn = PgConnection::connect(url).await.unwrap();
    let statements: Vec<(&str, Vec<String>)> = vec![
        (
            "UPDATE stores SET whatsapp = $2, upi_id = 'zubeida.marker@okaxis',
                 address = '42 Secret Lane, Marker Nagar', gstin = '27AAPFU0939F1ZV',
                 description = 'Run by Zubeida Marker: call +91 98123 45678',
                 delivery_fee_minor = 4000
             WHERE id = $1::uuid",
            vec![SELLER_PHONE.into()],
        ),
        (
            "INSERT INTO images (id, store_id, hash, width, height, variant_widths)
             VALUES ('01900000-0000-7000-8000-000000000001', $1::uuid, 'abc123', 800, 600, '{160,480}')",
            vec![],
        ),
        (
            "UPDATE stores SET logo_image_id = '01900000-0000-7000-8000-000000000001' WHERE id = $1::uuid",
            vec![],
        ),
        (
            "INSERT INTO categories (id, store_id, name, name_key)
             VALUES ('01900000-0000-7000-8000-000000000002', $1::uuid, 'Sarees', 'sarees')",
            vec![],
        ),
        (
            "INSERT INTO products (id, store_id, category_id, name, description, price_minor, stock, image_id)
             VALUES ('01900000-0000-7000-8000-000000000010', $1::uuid, '01900000-0000-7000-8000-000000000002',
                     'Silk saree', 'Ask zubeida.marker@example.com or 9812345678; shipped from 203.0.113.77',
                     129900, 10, '01900000-0000-7000-8000-000000000001'),
                    ('01900000-0000-7000-8000-000000000011', $1::uuid, NULL,
                     'Cotton dupatta', 'Soft cotton', 45050, NULL, NULL)",
            vec![],
        ),
        (
            "INSERT INTO discounts (id, store_id, code, code_key, kind, value)
             VALUES ('01900000-0000-7000-8000-000000000020', $1::uuid, 'Zubeida10', 'ZUBEIDA10', 'percent', 10)",
            vec![],
        ),
        (
            "INSERT INTO carts (token_hash, store_id, expires_at) VALUES ('\\x0102', $1::uuid, now() + interval '1 day')",
            vec![],
        ),
        (
            "INSERT INTO cart_items (token_hash, store_id, product_id, quantity)
             VALUES ('\\x0102', $1::uuid, '01900000-0000-7000-8000-000000000011', 2)",
            vec![],
        ),
        (
            "INSERT INTO store_synonyms (store_id, groups) VALUES ($1::uuid, '[[\"saree\", \"sari\"]]')",
            vec![],
        ),
        (
            "INSERT INTO search_reindex_requests (store_id) VALUES ($1::uuid)",
            vec![],
        ),
        (
            "INSERT INTO search_reindex_progress (request_id, node, total, done, error)
             SELECT id, 'node-1', 10, 5, 'failed for Zubeida Marker at 203.0.113.77' FROM search_reindex_requests",
            vec![],
        ),
        (
            "INSERT INTO search_nodes (node, started_at, seen_at, ready) VALUES ('node-1', now(), now(), true)",
            vec![],
        ),
        (
            "INSERT INTO event_consumers (consumer, position) VALUES ('search', 0)",
            vec![],
        ),
    ];
    for (sql, extra) in statements {
        let mut query = sqlx::query(sql).bind(store_id.to_string());
        for value in extra {
            query = query.bind(value);
        }
        query.execute(&mut conn).await.unwrap();
    }
    sqlx::query(
        "INSERT INTO idempotency_keys (seller_id, key, request_hash, resource_id)
         VALUES ($1, 'marker-idem-key-1', '\\x0a0b', '01900000-0000-7000-8000-000000000010')",
    )
    .bind(seller.id.as_uuid())
    .execute(&mut conn)
    .await
    .unwrap();

    // Two checkouts through the app's own transaction: a delivery with a note and a
    // discount code, and a pickup by the same customer.
    let shop = db.shop_store_by_id(store.id).await.unwrap();
    let notify = OrderNotification {
        seller_phone: Some(phone.clone()),
        desk_url: "https://haat.example/dashboard/orders".into(),
    };
    let mut orders = Vec::new();
    for (index, delivery) in [true, false].into_iter().enumerate() {
        let order = NewOrder {
            lines: vec![
                OrderLineRequest {
                    product: ProductId::from_uuid(
                        "01900000-0000-7000-8000-000000000010".parse().unwrap(),
                    ),
                    quantity: Quantity::from_i64(1).unwrap(),
                    expected_unit_price_minor: None,
                },
                OrderLineRequest {
                    product: ProductId::from_uuid(
                        "01900000-0000-7000-8000-000000000011".parse().unwrap(),
                    ),
                    quantity: Quantity::from_i64(3).unwrap(),
                    expected_unit_price_minor: None,
                },
            ],
            customer_name: CustomerName::parse("Zubeida Marker").unwrap(),
            customer_phone: Phone::parse(CUSTOMER_PHONE).unwrap(),
            fulfilment: if delivery {
                Fulfilment::Delivery(Address::parse("42 Secret Lane, Marker Nagar").unwrap())
            } else {
                Fulfilment::Pickup
            },
            note: OrderNote::parse(
                "Call Zubeida Marker at 98123 45678 or zubeida.marker@example.com",
            )
            .unwrap(),
            payment_method: PaymentMethod::Cod,
            discount_code: delivery.then(|| DiscountCode::parse("zubeida10").unwrap()),
            currency: None,
            expected_total_minor: None,
            cart: None,
        };
        let key = OrderRequestKey {
            key: format!("marker-idem-order-{index}"),
            request_hash: Sha256::digest(format!("request {index}")).to_vec(),
        };
        let placed = db
            .place_order(&shop, &order, &key, &notify)
            .await
            .unwrap()
            .into_inner();
        orders.push(placed);
    }

    // A payment webhook whose body carries more than the protocol (a payer), applied.
    let first = &orders[0];
    let body = format!(
        r#"{{"event_id":"evt_marker_1","order_ref":"{}","amount_minor":{},"currency":"INR","status":"captured","payer":{{"name":"Zubeida Marker","vpa":"zubeida.marker@okaxis","phone":"{SELLER_PHONE}"}}}}"#,
        first.payment_ref.as_str(),
        first.totals.total_minor
    );
    let webhook = db
        .record_webhook(
            "haatpay",
            body.as_bytes(),
            Some("t=1,v1=deadbeef"),
            true,
            Some("evt_marker_1"),
        )
        .await
        .unwrap();
    db.apply_payment_event(
        webhook,
        &PaymentEvent {
            provider: "haatpay".into(),
            event_id: "evt_marker_1".into(),
            order_ref: PaymentRef::parse(first.payment_ref.as_str()).unwrap(),
            amount_minor: first.totals.total_minor,
            currency: Currency::parse("INR").unwrap(),
            status: GatewayStatus::Captured,
        },
    )
    .await
    .unwrap();
    // A garbage delivery, stored raw.
    db.record_webhook("haatpay", b"Zubeida Marker \xff", None, false, None)
        .await
        .unwrap();

    // Shipping details and a cancellation reason, written as the order desk would.
    for sql in [
        "UPDATE orders SET tracking_id = 'MARKERTRACK123', shipping_provider = 'delhivery' WHERE id = $1",
        "INSERT INTO order_events (order_id, store_id, kind, from_state, to_state, actor, detail)
         SELECT id, store_id, 'status', 'accepted', 'shipped', 'seller:x', 'Delhivery MARKERTRACK123'
         FROM orders WHERE id = $1",
    ] {
        sqlx::query(sql)
            .bind(first.id.as_uuid())
            .execute(&mut conn)
            .await
            .unwrap();
    }
    sqlx::query(
        "UPDATE orders SET status = 'cancelled', cancel_reason = 'Zubeida Marker changed her mind'
         WHERE id = $1",
    )
    .bind(orders[1].id.as_uuid())
    .execute(&mut conn)
    .await
    .unwrap();
    // An OTP text queued as a job, with a failure text quoting the number.
    sqlx::query(
        "INSERT INTO jobs (id, kind, payload, last_error)
         VALUES ($1, 'sms', jsonb_build_object('to', $2::text, 'text', 'Your Haat code is 482913, Zubeida'),
                 'provider refused +919812345678')",
    )
    .bind(Uuid::now_v7())
    .bind(SELLER_PHONE)
    .execute(&mut conn)
    .await
    .unwrap();

    // Part of the captured changes relayed into the event log, the rest left in the outbox.
    db.relay_to_log(1000).await.unwrap();
    sqlx::query("UPDATE stores SET name = 'Zubeida Marker Boutique', version = version + 1")
        .execute(&mut conn)
        .await
        .unwrap();

    let mut secrets: Vec<String> = Vec::new();
    for order in &orders {
        secrets.push(order.token.as_str().to_owned());
        secrets.push(order.payment_ref.as_str().to_owned());
    }
    Seeded {
        secrets,
        secret_hashes: vec![code_hash, token_hash],
    }
}

/// Every (table, column, data_type) of the public schema that can hold text or bytes.
async fn text_columns(conn: &mut PgConnection) -> Vec<(String, String, String)> {
    sqlx::query_as(
        "SELECT c.table_name::text, c.column_name::text, c.data_type::text
         FROM information_schema.columns c
         JOIN information_schema.tables t USING (table_schema, table_name)
         WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
           AND c.table_name <> '_sqlx_migrations'
           AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb',
                               'bytea', 'inet', 'cidr', 'ARRAY', 'USER-DEFINED')",
    )
    .fetch_all(conn)
    .await
    .unwrap()
}

async fn tables(conn: &mut PgConnection) -> Vec<String> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
           AND table_name <> '_sqlx_migrations' ORDER BY 1",
    )
    .fetch_all(conn)
    .await
    .unwrap();
    rows.into_iter().map(|(name,)| name).collect()
}

async fn count(conn: &mut PgConnection, table: &str) -> i64 {
    let (rows,): (i64,) = sqlx::query_as(&format!("SELECT count(*) FROM \"{table}\""))
        .fetch_one(conn)
        .await
        .unwrap();
    rows
}

/// Occurrences of `needle` in any text-like column of `conn`'s database.
async fn find_anywhere(conn: &mut PgConnection, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (table, column, data_type) in text_columns(conn).await {
        let sql = if data_type == "bytea" {
            format!(
                "SELECT count(*) FROM \"{table}\" WHERE position(convert_to($1, 'UTF8') IN \"{column}\") > 0
                    OR encode(\"{column}\", 'escape') ILIKE '%' || $1 || '%'"
            )
        } else {
            format!(
                "SELECT count(*) FROM \"{table}\" WHERE \"{column}\"::text ILIKE '%' || $1 || '%'"
            )
        };
        let (hits,): (i64,) = sqlx::query_as(&sql)
            .bind(needle)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        if hits > 0 {
            found.push(format!("{table}.{column}"));
        }
    }
    found
}

async fn scalar<T>(conn: &mut PgConnection, sql: &str) -> T
where
    T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send + Unpin,
{
    let (value,): (T,) = sqlx::query_as(sql).fetch_one(conn).await.unwrap();
    value
}

#[tokio::test]
async fn no_personal_data_survives_and_the_copy_keeps_its_shape() {
    let source_url = haat_testkit::fresh_database().await;
    let target_url = haat_testkit::fresh_database().await;
    let seeded = seed(&source_url).await;
    let mut source = PgConnection::connect(&source_url).await.unwrap();

    // The seeding really did put each marker somewhere (or the test proves nothing).
    for marker in MARKERS {
        assert!(
            !find_anywhere(&mut source, marker).await.is_empty(),
            "marker {marker} was not seeded"
        );
    }
    for table in ["event_log", "change_outbox", "jobs", "payment_webhooks"] {
        assert!(
            count(&mut source, table).await > 0,
            "{table} is empty in the source"
        );
    }

    let sanitized = run(&args(&source_url, &target_url)).await.unwrap();
    assert!(sanitized.rows > 0);
    let mut target = PgConnection::connect(&target_url).await.unwrap();

    for marker in MARKERS
        .iter()
        .copied()
        .chain(seeded.secrets.iter().map(String::as_str))
    {
        let found = find_anywhere(&mut target, marker).await;
        assert!(found.is_empty(), "{marker} survived in {found:?}");
    }
    for hash in &seeded.secret_hashes {
        for (table, column, data_type) in text_columns(&mut target).await {
            if data_type != "bytea" {
                continue;
            }
            let hits: i64 = sqlx::query_as::<_, (i64,)>(&format!(
                "SELECT count(*) FROM \"{table}\" WHERE \"{column}\" = $1"
            ))
            .bind(hash)
            .fetch_one(&mut target)
            .await
            .unwrap()
            .0;
            assert_eq!(hits, 0, "a production hash survived in {table}.{column}");
        }
    }

    // Same tables, same row counts.
    let source_tables = tables(&mut source).await;
    assert_eq!(source_tables, tables(&mut target).await);
    for table in &source_tables {
        assert_eq!(
            count(&mut source, table).await,
            count(&mut target, table).await,
            "rows of {table}"
        );
    }

    // Relations: foreign keys were enforced while loading; these are the ones that are
    // not foreign keys, and the money that must still add up.
    let checks = [
        ("order lines of another store's product",
         "SELECT count(*) FROM order_items i JOIN products p ON p.id = i.product_id WHERE p.store_id <> i.store_id"),
        ("subtotals that are not the sum of their lines",
         "SELECT count(*) FROM orders o WHERE o.subtotal_minor <>
              (SELECT sum(line_total_minor) FROM order_items i WHERE i.order_id = o.id)"),
        ("payments that no longer match their order",
         "SELECT count(*) FROM payments p JOIN orders o ON o.id = p.order_id WHERE p.amount_minor <> o.total_minor"),
        ("webhooks that no longer match their order",
         "SELECT count(*) FROM payment_webhooks w JOIN orders o ON o.payment_ref = convert_from(w.body, 'UTF8')::jsonb->>'order_ref'
          WHERE (convert_from(w.body, 'UTF8')::jsonb->>'amount_minor')::bigint <> o.total_minor"),
        ("webhooks whose order is lost",
         "SELECT count(*) FROM payment_webhooks w WHERE convert_from(w.body, 'UTF8')::jsonb ? 'order_ref'
          AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.payment_ref = convert_from(w.body, 'UTF8')::jsonb->>'order_ref')"),
        ("payment events whose id is not the webhook's",
         "SELECT count(*) FROM payment_events e WHERE NOT EXISTS
              (SELECT 1 FROM payment_webhooks w WHERE w.event_id = e.event_id
                 AND convert_from(w.body, 'UTF8')::jsonb->>'event_id' = e.event_id)"),
        ("product events whose price is not the product's",
         "SELECT count(*) FROM event_log e JOIN products p ON p.id = e.entity_id
          WHERE e.entity = 'product' AND (e.payload->>'price_minor')::bigint <> p.price_minor"),
        ("stores whose logo was lost", "SELECT count(*) FROM stores WHERE logo_image_id IS NULL"),
    ];
    for (what, sql) in checks {
        assert_eq!(scalar::<i64>(&mut target, sql).await, 0, "{what}");
    }
    // Prices did change, within the documented range.
    let (old, new): (i64, i64) = (
        scalar(&mut source, "SELECT sum(price_minor)::bigint FROM products").await,
        scalar(&mut target, "SELECT sum(price_minor)::bigint FROM products").await,
    );
    assert!(new * 4 >= old * 3 && new * 4 <= old * 5, "{old} → {new}");

    // Consistency: one real phone, one fake, wherever it appears.
    let seller_fake: String = scalar(&mut target, "SELECT phone FROM sellers").await;
    assert!(seller_fake.starts_with("+9170"));
    Phone::parse(&seller_fake).expect("a fake phone the app accepts");
    let fakes_of_seller: Vec<(String,)> = sqlx::query_as(
        "SELECT whatsapp FROM stores UNION SELECT phone FROM otp_challenges
         UNION SELECT payload->>'to' FROM jobs",
    )
    .fetch_all(&mut target)
    .await
    .unwrap();
    assert_eq!(fakes_of_seller, vec![(seller_fake.clone(),)]);
    let customer_fakes: Vec<(String,)> = sqlx::query_as(
        "SELECT customer_phone FROM orders UNION SELECT customer_phone FROM discount_uses",
    )
    .fetch_all(&mut target)
    .await
    .unwrap();
    assert_eq!(customer_fakes.len(), 1, "one customer, one fake phone");
    assert_ne!(customer_fakes[0].0, seller_fake);
    let names: Vec<(String,)> = sqlx::query_as("SELECT DISTINCT customer_name FROM orders")
        .fetch_all(&mut target)
        .await
        .unwrap();
    assert_eq!(names.len(), 1, "one customer, one fake name");
    let store_names: i64 = scalar(
        &mut target,
        "SELECT count(*) FROM event_log e JOIN stores s ON s.id = e.entity_id
         WHERE e.entity = 'store' AND e.payload->>'slug' = s.slug",
    )
    .await;
    assert!(store_names > 0, "store events carry the store's fake slug");

    // The staging copy still works as a database: the captured changes continue from the
    // copied sequence, and the capture triggers are on again.
    let before: i64 = scalar(&mut target, "SELECT max(id) FROM change_outbox").await;
    sqlx::query("UPDATE products SET stock = 3 WHERE stock IS NOT NULL")
        .execute(&mut target)
        .await
        .unwrap();
    let after: i64 = scalar(&mut target, "SELECT max(id) FROM change_outbox").await;
    assert!(after > before);
}

#[tokio::test]
async fn a_column_without_a_rule_stops_the_run_before_anything_is_written() {
    let source_url = haat_testkit::fresh_database().await;
    let target_url = haat_testkit::fresh_database().await;
    seed(&source_url).await;
    let mut source = PgConnection::connect(&source_url).await.unwrap();
    sqlx::query("ALTER TABLE stores ADD COLUMN secret text")
        .execute(&mut source)
        .await
        .unwrap();

    let error = run(&args(&source_url, &target_url)).await.unwrap_err();
    let message = format!("{error:#}");
    assert!(message.contains("stores.secret"), "{message}");

    let mut target = PgConnection::connect(&target_url).await.unwrap();
    for table in tables(&mut target).await {
        let expected = i64::from(table == "event_log_head");
        assert_eq!(count(&mut target, &table).await, expected, "{table}");
    }
}

#[tokio::test]
async fn a_target_with_data_is_refused() {
    let source_url = haat_testkit::fresh_database().await;
    let target_url = haat_testkit::fresh_database().await;
    seed(&source_url).await;
    db(&target_url)
        .ensure_seller(&Phone::parse("+919000000001").unwrap())
        .await
        .unwrap();

    let error = run(&args(&source_url, &target_url)).await.unwrap_err();
    let message = format!("{error:#}");
    assert!(message.contains("already holds data"), "{message}");
    let mut target = PgConnection::connect(&target_url).await.unwrap();
    assert_eq!(count(&mut target, "sellers").await, 1);
}

#[tokio::test]
async fn a_source_at_another_migration_is_refused() {
    let source_url = haat_testkit::fresh_database().await;
    let target_url = haat_testkit::fresh_database().await;
    let mut source = PgConnection::connect(&source_url).await.unwrap();
    sqlx::query(
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT max(version) FROM _sqlx_migrations)",
    )
    .execute(&mut source)
    .await
    .unwrap();
    let error = run(&args(&source_url, &target_url)).await.unwrap_err();
    assert!(format!("{error:#}").contains("migrations"), "{error:#}");
}

/// Adding a migration without rules for its columns fails here, not in production.
#[tokio::test]
async fn every_column_of_the_migrated_schema_has_a_rule() {
    let url = haat_testkit::fresh_database().await;
    let mut conn = PgConnection::connect(&url).await.unwrap();
    haat_staging::sanitize::check_rules(&mut conn)
        .await
        .unwrap();
}

/// Scale check for docs/staging.md: `HAAT_SANITIZE_BENCH_PRODUCTS=100000 cargo
/// test -p haat-staging --test sanitize at_scale -- --nocapture` (under `/usr/bin/time -v`
/// for the peak memory). Without the variable it copies a small catalog, so the path
/// stays tested.
#[tokio::test]
async fn at_scale() {
    let products: i64 = std::env::var("HAAT_SANITIZE_BENCH_PRODUCTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2_000);
    let source_url = haat_testkit::fresh_database().await;
    let target_url = haat_testkit::fresh_database().await;
    let mut source = PgConnection::connect(&source_url).await.unwrap();
    let stores = (products / 1_000).max(1);
    let orders = products / 4;
    for sql in [
        "INSERT INTO sellers (id, phone)
         SELECT ('01900000-0000-7000-8000-' || lpad(to_hex(n), 12, '0'))::uuid, '+9198' || lpad(n::text, 8, '0')
         FROM generate_series(1, $1) n",
        "INSERT INTO stores (id, seller_id, slug, name, address, whatsapp)
         SELECT ('01900000-0000-7000-8000-' || lpad(to_hex(n), 12, '0'))::uuid,
                ('01900000-0000-7000-8000-' || lpad(to_hex(n), 12, '0'))::uuid,
                'store-' || n, 'Store ' || n, n || ' Real Street', '+9198' || lpad(n::text, 8, '0')
         FROM generate_series(1, $1) n",
    ] {
        sqlx::query(sql).bind(stores).execute(&mut source).await.unwrap();
    }
    sqlx::query(
        "INSERT INTO products (id, store_id, name, description, price_minor, stock)
         SELECT ('01910000-0000-7000-8000-' || lpad(to_hex(n), 12, '0'))::uuid,
                ('01900000-0000-7000-8000-' || lpad(to_hex(1 + n % $2), 12, '0'))::uuid,
                'Product ' || n, 'A fine product, number ' || n || ', call 98' || lpad(n::text, 8, '0'),
                100 * (50 + n % 5000), CASE WHEN n % 3 = 0 THEN NULL ELSE n % 100 END
         FROM generate_series(1, $1) n",
    )
    .bind(products)
    .bind(stores)
    .execute(&mut source)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO orders (id, store_id, number, token, payment_ref, payment_method, customer_name,
             customer_phone, fulfilment, address, note, currency, subtotal_minor, total_minor)
         SELECT ('01920000-0000-7000-8000-' || lpad(to_hex(n), 12, '0'))::uuid,
                ('01900000-0000-7000-8000-' || lpad(to_hex(1 + (n * 7) % $2), 12, '0'))::uuid,
                1000 + n, md5('t' || n), 'HT' || upper(substr(md5('r' || n), 1, 18)), 'cod',
                'Customer ' || n, '+9197' || lpad(n::text, 8, '0'), 'delivery', n || ' Home Road',
                'ring twice', 'INR', 0, 0
         FROM generate_series(1, $1) n",
    )
    .bind(orders)
    .bind(stores)
    .execute(&mut source)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO order_items (order_id, line, store_id, product_id, name, unit_price_minor, quantity, line_total_minor)
         SELECT o.id, l.line, o.store_id, p.id, p.name, p.price_minor, l.line, p.price_minor * l.line
         FROM orders o CROSS JOIN generate_series(1, 2) AS l(line)
         JOIN LATERAL (SELECT id, name, price_minor FROM products WHERE store_id = o.store_id
                       ORDER BY id OFFSET (o.number % 50) + l.line LIMIT 1) p ON true",
    )
    .execute(&mut source)
    .await
    .unwrap();
    sqlx::query(
        "UPDATE orders o SET subtotal_minor = s.sum, total_minor = s.sum
         FROM (SELECT order_id, sum(line_total_minor) AS sum FROM order_items GROUP BY order_id) s
         WHERE s.order_id = o.id",
    )
    .execute(&mut source)
    .await
    .unwrap();
    // The change capture filled the outbox as production's would; relay it into the log.
    db(&source_url).relay_to_log(i64::MAX).await.unwrap();

    let started = std::time::Instant::now();
    let sanitized = run(&args(&source_url, &target_url)).await.unwrap();
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{products} products: {} rows in {seconds:.1} s ({:.0} rows/s)\n{sanitized}",
        sanitized.rows,
        sanitized.rows as f64 / seconds
    );
    let mut target = PgConnection::connect(&target_url).await.unwrap();
    assert_eq!(count(&mut target, "products").await, products);
    assert!(find_anywhere(&mut target, "Real Street").await.is_empty());
}

/// What `haat data generate` writes (sellers, stores, products, photos, a year of orders,
/// payments, discount uses, a reindex request) sanitizes with every row kept and none of
/// its phone numbers, customer names or addresses left.
#[tokio::test]
async fn generated_data_sanitizes_completely() {
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: haat_staging::generate::GenerateArgs,
    }
    let source_url = haat_testkit::fresh_database().await;
    let target_url = haat_testkit::fresh_database().await;
    let media_dir = tempfile::tempdir().unwrap();
    let media = haat_media::MediaStore::local(media_dir.path()).unwrap();
    let line = "generate --stores 20 --large-share 0.05 --large-products 200-300 --images 2";
    let generate = Cli::try_parse_from(line.split_whitespace()).unwrap().args;
    haat_staging::generate::run(&generate, &db(&source_url), &media)
        .await
        .expect("generated");

    let mut source = PgConnection::connect(&source_url).await.unwrap();
    let personal: Vec<(String,)> = sqlx::query_as(
        "SELECT DISTINCT v FROM (
             SELECT customer_phone AS v FROM orders UNION ALL
             SELECT customer_name FROM orders UNION ALL
             SELECT address FROM orders WHERE address <> '' UNION ALL
             SELECT phone FROM sellers) personal
         ORDER BY v LIMIT 200",
    )
    .fetch_all(&mut source)
    .await
    .unwrap();
    assert!(personal.len() > 20, "the generator wrote personal fields");

    let sanitized = haat_staging::sanitize::run(&args(&source_url, &target_url))
        .await
        .expect("sanitized");
    assert!(sanitized.rows > 0);
    let mut target = PgConnection::connect(&target_url).await.unwrap();
    for table in tables(&mut source).await {
        assert_eq!(
            count(&mut source, &table).await,
            count(&mut target, &table).await,
            "{table} keeps its rows"
        );
    }
    for (value,) in &personal {
        let found = find_anywhere(&mut target, value).await;
        assert!(found.is_empty(), "{value:?} survived in {found:?}");
    }
}
