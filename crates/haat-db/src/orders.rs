//! Orders: the checkout transaction, the reads behind the shopper's status page and the
//! seller's order desk, and the order state machine.
//!
//! # The checkout transaction
//! [`Db::place_order`] is one ACID transaction of a handful of round trips:
//! 1. claim the idempotency key (`order_requests`); a replay returns the first order;
//! 2. lock the ordered products **in ascending id order** (`ORDER BY id FOR UPDATE`), so
//!    carts that share products queue instead of deadlocking, and check each one
//!    (belongs to the store, active, price as the shopper saw it, enough stock);
//! 3. lock and check the discount code, if any (window, minimum, total and per-phone
//!    limits: the row lock serialises the uses of one code, so the limits hold);
//! 4. one statement that takes the store's next order number, inserts the order, its
//!    items, its first history event and the seller's notification job, decrements stock
//!    and records the discount use;
//! 5. commit.
//!
//! Hot rows (a flash-sale product, the store's order counter) are locked as late as
//! possible and held only until commit. A failed checkout rolls everything back, its
//! order number included, so sellers never see a gap.

use haat_domain::order::PricedLine;
use haat_domain::{
    format_money, Address, CancelReason, Currency, CustomerName, DiscountCode, DiscountKind,
    OrderId, OrderNote, OrderNumber, OrderStatus, OrderToken, PaymentMethod, PaymentRef,
    PaymentStatus, Phone, ProductId, Quantity, SellerId, ShippingProvider, StoreId, StoreSlug,
    Totals, TrackingId, MAX_ORDER_LINES, MAX_QUANTITY,
};
use sqlx::{PgConnection, Postgres, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{Created, Db, DbError, Result};

/// Why a checkout was refused. Each maps to one precise 4xx; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckoutError {
    #[error("this order has no items")]
    Empty,
    #[error("an order can have at most {MAX_ORDER_LINES} different products")]
    TooManyLines,
    #[error("quantity is too large (at most {MAX_QUANTITY} of one product)")]
    QuantityTooLarge { product: ProductId },
    #[error("this product is not sold by this store")]
    UnknownProduct { product: ProductId },
    #[error("this product is no longer available")]
    Unavailable { product: ProductId },
    #[error("only {available} left in stock")]
    OutOfStock { product: ProductId, available: i32 },
    #[error("the price of this product has changed; check your cart")]
    PriceChanged { product: ProductId },
    #[error("the order total has changed; check your cart")]
    TotalChanged,
    #[error("this store prices in {store}, not {given}")]
    CurrencyMismatch { store: Currency, given: String },
    #[error("this store does not accept UPI payments yet; choose cash on delivery")]
    UpiNotOffered,
    #[error("this store does not offer pickup; enter a delivery address")]
    PickupNotOffered,
    #[error("this discount code does not exist")]
    DiscountUnknown,
    #[error("this discount code is not active yet")]
    DiscountNotStarted,
    #[error("this discount code has expired")]
    DiscountExpired,
    #[error("this discount code needs an order of at least {minimum}")]
    DiscountMinimum { minimum: String },
    #[error("this discount code has been used up")]
    DiscountExhausted,
    #[error("you have already used this discount code")]
    DiscountPerCustomerLimit,
}

/// Delivery to an address, or pickup from the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fulfilment {
    Delivery(Address),
    Pickup,
}

/// One requested line: a product, how many, and optionally the unit price the shopper
/// was shown (checked, never trusted).
#[derive(Clone, Debug)]
pub struct OrderLineRequest {
    pub product: ProductId,
    pub quantity: Quantity,
    pub expected_unit_price_minor: Option<i64>,
}

#[derive(Clone, Debug)]
pub struct NewOrder {
    pub lines: Vec<OrderLineRequest>,
    pub customer_name: CustomerName,
    pub customer_phone: Phone,
    pub fulfilment: Fulfilment,
    pub note: OrderNote,
    pub payment_method: PaymentMethod,
    pub discount_code: Option<DiscountCode>,
    /// If the client states a currency, it must be the store's.
    pub currency: Option<String>,
    /// If the client states the total it expects to pay, it must match.
    pub expected_total_minor: Option<i64>,
    /// The shopper's cart (SHA-256 of its cookie token), emptied in the same transaction.
    pub cart: Option<Vec<u8>>,
}

/// The idempotency key of a checkout: the API's `Idempotency-Key` header or the checkout
/// form's one-time token, with the fingerprint of the request.
#[derive(Clone, Debug)]
pub struct OrderRequestKey {
    pub key: String,
    pub request_hash: Vec<u8>,
}

/// What checkout and the status page need to know about a store.
#[derive(Clone, Debug)]
pub struct ShopStore {
    pub id: StoreId,
    pub seller_id: SellerId,
    pub slug: String,
    pub name: String,
    pub currency: Currency,
    pub upi_id: Option<String>,
    pub delivery_fee_minor: i64,
    pub pickup_enabled: bool,
    pub whatsapp: Option<String>,
    pub address: String,
    pub gstin: Option<String>,
    pub tax_rate_bps: Option<i32>,
    pub accent_colour: String,
    pub logo_hash: Option<String>,
    /// The logo's smallest variant width (160 px, or less for a smaller upload).
    pub logo_width: Option<i32>,
    /// The seller's sign-in phone (E.164): where new-order notifications go.
    pub seller_phone: String,
}

#[derive(Clone, Debug)]
pub struct OrderItemRecord {
    pub line: i32,
    pub product_id: ProductId,
    pub name: String,
    pub unit_price_minor: i64,
    pub quantity: i32,
    pub line_total_minor: i64,
}

/// One entry of an order's history.
#[derive(Clone, Debug)]
pub struct OrderEventRecord {
    pub kind: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub actor: String,
    pub detail: String,
    pub at: OffsetDateTime,
}

#[derive(Clone, Debug)]
pub struct OrderRecord {
    pub id: OrderId,
    pub store_id: StoreId,
    pub number: OrderNumber,
    pub token: OrderToken,
    pub payment_ref: PaymentRef,
    pub status: OrderStatus,
    pub payment_method: PaymentMethod,
    pub payment_status: PaymentStatus,
    pub customer_name: String,
    pub customer_phone: String,
    /// `None` for pickup.
    pub address: Option<String>,
    pub note: String,
    pub currency: Currency,
    pub totals: Totals,
    pub tax_rate_bps: Option<i32>,
    pub discount_code: Option<String>,
    pub tracking_id: Option<String>,
    pub shipping_provider: Option<ShippingProvider>,
    pub paid_at: Option<OffsetDateTime>,
    pub cancel_reason: Option<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
    pub items: Vec<OrderItemRecord>,
    pub events: Vec<OrderEventRecord>,
}

impl OrderRecord {
    pub fn tracking_url(&self) -> Option<String> {
        let provider = self.shipping_provider?;
        let tracking = TrackingId::parse(self.tracking_id.as_deref()?).ok()?;
        provider.tracking_url(&tracking)
    }
}

/// A row of the seller's order list.
#[derive(Clone, Debug)]
pub struct OrderSummary {
    pub id: OrderId,
    pub number: OrderNumber,
    pub status: OrderStatus,
    pub payment_method: PaymentMethod,
    pub payment_status: PaymentStatus,
    pub customer_name: String,
    pub item_count: i64,
    pub total_minor: i64,
    pub currency: Currency,
    pub created_at: OffsetDateTime,
}

/// Which orders the desk shows: optionally one status, optionally a search (an order
/// number like `#1042`, or part of the customer's name), newest first.
#[derive(Clone, Debug, Default)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    pub search: Option<String>,
    /// Keyset cursor: orders created strictly before this one.
    pub before: Option<(OffsetDateTime, OrderId)>,
    pub limit: u32,
}

/// A seller's move of an order along the state machine.
#[derive(Clone, Debug)]
pub struct Transition {
    pub to: OrderStatus,
    /// Required to ship: the carrier, and its tracking id (optional only when the store
    /// delivers itself).
    pub shipping: Option<(ShippingProvider, Option<TrackingId>)>,
    pub reason: CancelReason,
}

const ORDER_COLUMNS: &str = "o.id, o.store_id, o.number, o.token, o.payment_ref, o.status,
    o.payment_method, o.payment_status, o.customer_name, o.customer_phone, o.address, o.note,
    o.currency, o.subtotal_minor, o.discount_minor, o.delivery_fee_minor, o.total_minor,
    o.tax_rate_bps, o.discount_code, o.tracking_id, o.shipping_provider, o.paid_at,
    o.cancel_reason, o.created_at, o.updated_at, o.version";

#[derive(sqlx::FromRow)]
struct OrderRow {
    id: Uuid,
    store_id: Uuid,
    number: i64,
    token: String,
    payment_ref: String,
    status: String,
    payment_method: String,
    payment_status: String,
    customer_name: String,
    customer_phone: String,
    address: Option<String>,
    note: String,
    currency: String,
    subtotal_minor: i64,
    discount_minor: i64,
    delivery_fee_minor: i64,
    total_minor: i64,
    tax_rate_bps: Option<i32>,
    discount_code: Option<String>,
    tracking_id: Option<String>,
    shipping_provider: Option<String>,
    paid_at: Option<OffsetDateTime>,
    cancel_reason: Option<String>,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    version: i64,
}

/// A value the database holds that this release cannot read: a bug or a newer schema.
fn corrupt(what: &str) -> DbError {
    DbError::Other(sqlx::Error::Decode(
        format!("unexpected stored value for {what}").into(),
    ))
}

impl OrderRow {
    fn into_record(
        self,
        items: Vec<OrderItemRecord>,
        events: Vec<OrderEventRecord>,
    ) -> Result<OrderRecord> {
        Ok(OrderRecord {
            id: OrderId::from_uuid(self.id),
            store_id: StoreId::from_uuid(self.store_id),
            number: OrderNumber::new(self.number),
            token: OrderToken::parse(&self.token).map_err(|_| corrupt("orders.token"))?,
            payment_ref: PaymentRef::parse(&self.payment_ref)
                .map_err(|_| corrupt("orders.payment_ref"))?,
            status: OrderStatus::parse(&self.status).map_err(|_| corrupt("orders.status"))?,
            payment_method: PaymentMethod::parse(&self.payment_method)
                .map_err(|_| corrupt("orders.payment_method"))?,
            payment_status: PaymentStatus::parse(&self.payment_status)
                .map_err(|_| corrupt("orders.payment_status"))?,
            customer_name: self.customer_name,
            customer_phone: self.customer_phone,
            address: self.address,
            note: self.note,
            currency: Currency::parse(&self.currency).map_err(|_| corrupt("orders.currency"))?,
            totals: Totals {
                subtotal_minor: self.subtotal_minor,
                discount_minor: self.discount_minor,
                delivery_fee_minor: self.delivery_fee_minor,
                total_minor: self.total_minor,
            },
            tax_rate_bps: self.tax_rate_bps,
            discount_code: self.discount_code,
            tracking_id: self.tracking_id,
            shipping_provider: self
                .shipping_provider
                .as_deref()
                .and_then(|p| ShippingProvider::parse(p).ok()),
            paid_at: self.paid_at,
            cancel_reason: self.cancel_reason,
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
            items,
            events,
        })
    }
}

type SummaryRow = (
    Uuid,
    i64,
    String,
    String,
    String,
    String,
    i64,
    i64,
    String,
    OffsetDateTime,
);

/// A product as locked by the checkout.
#[derive(sqlx::FromRow)]
struct LockedProduct {
    id: Uuid,
    name: String,
    price_minor: i64,
    stock: Option<i32>,
    active: bool,
}

/// Starts the checkout transaction with generic plans for its prepared statements.
/// Left to itself, PostgreSQL re-plans these statements on every execution (their
/// array parameters make the generic plan look costlier than the custom ones, so the
/// plan cache keeps choosing custom plans), and that planning was about a third of
/// PostgreSQL's CPU per order (profiled with `perf`, docs/BENCHMARKS.md). Every
/// statement here reaches rows by primary key or a unique key, where the generic plan
/// is the custom plan. `SET LOCAL` ends with the transaction, so other queries on the
/// same connection are untouched, and it works through PgBouncer in transaction mode.
const CHECKOUT_BEGIN: &str = "BEGIN; SET LOCAL plan_cache_mode = force_generic_plan";

/// A row of the claim-and-lock statement: whether the key was ours, and one locked
/// product (absent when none matched or the key was not ours).
#[derive(sqlx::FromRow)]
struct ClaimAndLock {
    claimed: bool,
    id: Option<Uuid>,
    name: Option<String>,
    price_minor: Option<i64>,
    stock: Option<i32>,
    active: Option<bool>,
}

impl ClaimAndLock {
    fn into_product(self) -> Option<LockedProduct> {
        Some(LockedProduct {
            id: self.id?,
            name: self.name?,
            price_minor: self.price_minor?,
            stock: self.stock,
            active: self.active?,
        })
    }
}

#[derive(sqlx::FromRow)]
struct LockedDiscount {
    id: Uuid,
    code: String,
    kind: String,
    value: i64,
    min_order_minor: i64,
    max_uses: Option<i32>,
    max_uses_per_phone: Option<i32>,
    uses: i32,
    active: bool,
    not_started: bool,
    ended: bool,
}

const SHOP_STORE_COLUMNS: &str = "s.id, s.seller_id, s.slug, s.name, s.currency, s.upi_id,
    s.delivery_fee_minor, s.pickup_enabled, s.whatsapp, s.address, s.gstin, s.tax_rate_bps,
    s.accent_colour, i.hash AS logo_hash,
    (SELECT min(w) FROM unnest(i.variant_widths) AS w) AS logo_width, se.phone AS seller_phone";

#[derive(sqlx::FromRow)]
struct ShopStoreRow {
    id: Uuid,
    seller_id: Uuid,
    slug: String,
    name: String,
    currency: String,
    upi_id: Option<String>,
    delivery_fee_minor: i64,
    pickup_enabled: bool,
    whatsapp: Option<String>,
    address: String,
    gstin: Option<String>,
    tax_rate_bps: Option<i32>,
    accent_colour: String,
    logo_hash: Option<String>,
    logo_width: Option<i32>,
    seller_phone: String,
}

impl From<ShopStoreRow> for ShopStore {
    fn from(row: ShopStoreRow) -> ShopStore {
        ShopStore {
            id: StoreId::from_uuid(row.id),
            seller_id: SellerId::from_uuid(row.seller_id),
            slug: row.slug,
            name: row.name,
            currency: Currency::parse(&row.currency).unwrap_or_default(),
            upi_id: row.upi_id,
            delivery_fee_minor: row.delivery_fee_minor,
            pickup_enabled: row.pickup_enabled,
            whatsapp: row.whatsapp,
            address: row.address,
            gstin: row.gstin,
            tax_rate_bps: row.tax_rate_bps,
            accent_colour: row.accent_colour,
            logo_hash: row.logo_hash,
            logo_width: row.logo_width,
            seller_phone: row.seller_phone,
        }
    }
}

/// Merges repeated products (two lines of the same product become one) and checks the
/// order's shape before any lock is taken.
fn merge_lines(lines: &[OrderLineRequest]) -> Result<Vec<OrderLineRequest>, CheckoutError> {
    if lines.is_empty() {
        return Err(CheckoutError::Empty);
    }
    let mut merged: Vec<OrderLineRequest> = Vec::with_capacity(lines.len());
    for line in lines {
        match merged.iter_mut().find(|m| m.product == line.product) {
            Some(existing) => {
                let sum = i64::from(existing.quantity.get()) + i64::from(line.quantity.get());
                existing.quantity =
                    Quantity::from_i64(sum).map_err(|_| CheckoutError::QuantityTooLarge {
                        product: line.product,
                    })?;
                if existing.expected_unit_price_minor.is_none() {
                    existing.expected_unit_price_minor = line.expected_unit_price_minor;
                }
            }
            None => merged.push(line.clone()),
        }
    }
    if merged.len() > MAX_ORDER_LINES {
        return Err(CheckoutError::TooManyLines);
    }
    // Lock order: ascending product id, the same in every transaction.
    merged.sort_by_key(|line| line.product);
    Ok(merged)
}

impl Db {
    /// The store behind a public slug, with its checkout settings.
    pub async fn shop_store(&self, slug: &StoreSlug) -> Result<Option<ShopStore>> {
        let sql = format!(
            "SELECT {SHOP_STORE_COLUMNS} FROM stores s JOIN sellers se ON se.id = s.seller_id
             LEFT JOIN images i ON i.id = s.logo_image_id
             WHERE s.slug = $1"
        );
        let row: Option<ShopStoreRow> = sqlx::query_as(&sql)
            .bind(slug.as_str())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(ShopStore::from))
    }

    /// The store by id, with its checkout settings (for the seller's side).
    pub async fn shop_store_by_id(&self, store: StoreId) -> Result<ShopStore> {
        let sql = format!(
            "SELECT {SHOP_STORE_COLUMNS} FROM stores s JOIN sellers se ON se.id = s.seller_id
             LEFT JOIN images i ON i.id = s.logo_image_id
             WHERE s.id = $1"
        );
        let row: Option<ShopStoreRow> = sqlx::query_as(&sql)
            .bind(store.as_uuid())
            .fetch_optional(&self.pool)
            .await?;
        row.map(ShopStore::from).ok_or(DbError::NotFound)
    }

    /// Places an order exactly once per key: see the module documentation for the steps.
    /// `notify_text` is the seller's notification with `{number}` where the order number
    /// goes (the number is only known inside the transaction).
    pub async fn place_order(
        &self,
        store: &ShopStore,
        order: &NewOrder,
        key: &OrderRequestKey,
        notify: &OrderNotification,
    ) -> Result<Created<OrderRecord>> {
        // Generic plans: see `CHECKOUT_BEGIN`.
        let mut tx = self.pool.begin_with(CHECKOUT_BEGIN).await?;
        let order_id = OrderId::new();

        // 1 + 2 in one round trip: claim the idempotency key, then (only if it was ours)
        // lock the products in ascending id order. The key is claimed first (the lock
        // scan waits for the `claim` result), so two requests with one key queue on the
        // key and never on each other's product locks: no deadlock.
        let lines = merge_lines(&order.lines);
        let ids: Vec<Uuid> = match &lines {
            Ok(lines) => lines.iter().map(|l| l.product.as_uuid()).collect(),
            Err(_) => Vec::new(),
        };
        let rows: Vec<ClaimAndLock> = sqlx::query_as(
            "WITH claim AS (
                 INSERT INTO order_requests (store_id, key, request_hash, order_id)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (store_id, key) DO NOTHING
                 RETURNING order_id
             ), locked AS (
                 SELECT id, name, price_minor, stock, active FROM products
                 WHERE store_id = $1 AND id = ANY($5) AND EXISTS (SELECT 1 FROM claim)
                 ORDER BY id
                 FOR UPDATE
             )
             SELECT EXISTS (SELECT 1 FROM claim) AS claimed,
                    l.id, l.name, l.price_minor, l.stock, l.active
             FROM (VALUES (1)) AS one (x) LEFT JOIN locked l ON true",
        )
        .bind(store.id.as_uuid())
        .bind(&key.key)
        .bind(&key.request_hash)
        .bind(order_id.as_uuid())
        .bind(&ids)
        .fetch_all(&mut *tx)
        .await?;
        let claimed = rows.first().is_some_and(|row| row.claimed);
        if !claimed {
            let (request_hash, first): (Vec<u8>, Uuid) = sqlx::query_as(
                "SELECT request_hash, order_id FROM order_requests WHERE store_id = $1 AND key = $2",
            )
            .bind(store.id.as_uuid())
            .bind(&key.key)
            .fetch_one(&mut *tx)
            .await?;
            if request_hash != key.request_hash {
                return Err(DbError::IdempotencyKeyReused);
            }
            let record = order_in(&mut tx, store.id, OrderId::from_uuid(first)).await?;
            tx.commit().await?;
            metrics::counter!("haat_checkout_replays_total").increment(1);
            return Ok(Created::Replayed(record));
        }
        let locked: Vec<LockedProduct> = rows
            .into_iter()
            .filter_map(ClaimAndLock::into_product)
            .collect();

        // The request's shape and the store's options: checked after the key, so a
        // replay always returns the first order even if the store changed since.
        let lines = lines?;
        if let Some(given) = &order.currency {
            if !given.eq_ignore_ascii_case(store.currency.code()) {
                return Err(CheckoutError::CurrencyMismatch {
                    store: store.currency,
                    given: given.chars().take(8).collect(),
                }
                .into());
            }
        }
        // UPI moves rupees only.
        if order.payment_method == PaymentMethod::Upi
            && (store.upi_id.is_none() || store.currency != Currency::Inr)
        {
            return Err(CheckoutError::UpiNotOffered.into());
        }
        if order.fulfilment == Fulfilment::Pickup && !store.pickup_enabled {
            return Err(CheckoutError::PickupNotOffered.into());
        }

        let mut priced = Vec::with_capacity(lines.len());
        for line in &lines {
            let product = locked
                .iter()
                .find(|p| p.id == line.product.as_uuid())
                .ok_or(CheckoutError::UnknownProduct {
                    product: line.product,
                })?;
            if !product.active {
                return Err(CheckoutError::Unavailable {
                    product: line.product,
                }
                .into());
            }
            if line
                .expected_unit_price_minor
                .is_some_and(|expected| expected != product.price_minor)
            {
                return Err(CheckoutError::PriceChanged {
                    product: line.product,
                }
                .into());
            }
            if let Some(stock) = product.stock {
                if stock < line.quantity.get() {
                    return Err(CheckoutError::OutOfStock {
                        product: line.product,
                        available: stock,
                    }
                    .into());
                }
            }
            priced.push(PricedLine {
                unit_price_minor: product.price_minor,
                quantity: line.quantity,
            });
        }
        let subtotal: i64 = priced.iter().map(PricedLine::total_minor).sum();

        // 3. The discount, locked: its row serialises the uses of one code.
        let discount = match &order.discount_code {
            None => None,
            Some(code) => {
                Some(lock_discount(&mut tx, store, code, subtotal, &order.customer_phone).await?)
            }
        };
        let delivery_fee = match order.fulfilment {
            Fulfilment::Delivery(_) => store.delivery_fee_minor,
            Fulfilment::Pickup => 0,
        };
        let totals = Totals::compute(&priced, discount.as_ref().map(|d| d.1), delivery_fee);
        if order
            .expected_total_minor
            .is_some_and(|expected| expected != totals.total_minor)
        {
            return Err(CheckoutError::TotalChanged.into());
        }

        // 4. Everything else in one statement.
        let token = OrderToken::new();
        let payment_ref = PaymentRef::new();
        let names: Vec<&str> = lines
            .iter()
            .map(|line| {
                locked
                    .iter()
                    .find(|p| p.id == line.product.as_uuid())
                    .map_or("", |p| p.name.as_str())
            })
            .collect();
        let prices: Vec<i64> = priced.iter().map(|p| p.unit_price_minor).collect();
        let quantities: Vec<i32> = lines.iter().map(|l| l.quantity.get()).collect();
        let (fulfilment, address) = match &order.fulfilment {
            Fulfilment::Delivery(address) => ("delivery", Some(address.as_str())),
            Fulfilment::Pickup => ("pickup", None),
        };
        let notify_text = notify.text_template(&totals, store.currency, &order.customer_name);
        let (number, created_at): (i64, OffsetDateTime) = sqlx::query_as(
            "WITH counter AS (
                 INSERT INTO order_counters (store_id, last_number) VALUES ($1, 1001)
                 ON CONFLICT (store_id) DO UPDATE SET last_number = order_counters.last_number + 1
                 RETURNING last_number
             ), new_order AS (
                 INSERT INTO orders (id, store_id, number, token, payment_ref, payment_method,
                     customer_name, customer_phone, fulfilment, address, note, currency,
                     subtotal_minor, discount_minor, delivery_fee_minor, total_minor,
                     tax_rate_bps, discount_id, discount_code)
                 SELECT $2, $1, counter.last_number, $3, $4, $5, $6, $7, $8, $9, $10, $11,
                     $12, $13, $14, $15, $16, $17, $18
                 FROM counter
                 RETURNING number, created_at
             ), items AS (
                 INSERT INTO order_items (order_id, line, store_id, product_id, name,
                     unit_price_minor, quantity, line_total_minor)
                 SELECT $2, l.line, $1, l.product_id, l.name, l.price, l.quantity, l.price * l.quantity
                 FROM unnest($19::uuid[], $20::text[], $21::bigint[], $22::int[])
                     WITH ORDINALITY AS l(product_id, name, price, quantity, line)
             ), stock AS (
                 UPDATE products p SET stock = p.stock - l.quantity, version = p.version + 1
                 FROM unnest($19::uuid[], $22::int[]) AS l(product_id, quantity)
                 WHERE p.id = l.product_id AND p.store_id = $1 AND p.stock IS NOT NULL
             ), discount_count AS (
                 UPDATE discounts SET uses = uses + 1 WHERE id = $17 AND store_id = $1
             ), discount_use AS (
                 INSERT INTO discount_uses (order_id, discount_id, store_id, customer_phone)
                 SELECT $2, $17, $1, $7 WHERE $17::uuid IS NOT NULL
             ), history AS (
                 INSERT INTO order_events (order_id, store_id, kind, to_state, actor)
                 VALUES ($2, $1, 'status', 'placed', 'shopper')
             ), notify AS (
                 INSERT INTO jobs (id, kind, payload)
                 SELECT $23, 'sms', jsonb_build_object('to', $24::text,
                     'text', replace($25::text, '{number}', new_order.number::text))
                 FROM new_order WHERE $24::text IS NOT NULL
             ), emptied AS (
                 DELETE FROM cart_items WHERE token_hash = $26 AND store_id = $1
             )
             SELECT number, created_at FROM new_order",
        )
        .bind(store.id.as_uuid())
        .bind(order_id.as_uuid())
        .bind(token.as_str())
        .bind(payment_ref.as_str())
        .bind(order.payment_method.as_str())
        .bind(order.customer_name.as_str())
        .bind(order.customer_phone.as_e164())
        .bind(fulfilment)
        .bind(address)
        .bind(order.note.as_str())
        .bind(store.currency.code())
        .bind(totals.subtotal_minor)
        .bind(totals.discount_minor)
        .bind(totals.delivery_fee_minor)
        .bind(totals.total_minor)
        .bind(store.tax_rate_bps)
        .bind(discount.as_ref().map(|d| d.0))
        .bind(discount.as_ref().map(|d| d.2.as_str()))
        .bind(&ids)
        .bind(&names)
        .bind(&prices)
        .bind(&quantities)
        .bind(Uuid::now_v7())
        .bind(notify.seller_phone.as_ref().map(Phone::as_e164))
        .bind(&notify_text)
        .bind(order.cart.as_deref())
        .fetch_one(&mut *tx)
        .await?;
        // No NOTIFY here: NOTIFY takes a global lock at commit and would serialise every
        // checkout of every store; job workers poll (ADR 0011).
        tx.commit().await?;
        metrics::counter!("haat_orders_placed_total", "payment_method" => order.payment_method.as_str())
            .increment(1);
        // Everything the order holds is known here; reading it back would cost three
        // more round trips per checkout.
        let record = OrderRecord {
            id: order_id,
            store_id: store.id,
            number: OrderNumber::new(number),
            token,
            payment_ref,
            status: OrderStatus::Placed,
            payment_method: order.payment_method,
            payment_status: PaymentStatus::Pending,
            customer_name: order.customer_name.as_str().to_owned(),
            customer_phone: order.customer_phone.as_e164().to_owned(),
            address: address.map(str::to_owned),
            note: order.note.as_str().to_owned(),
            currency: store.currency,
            totals,
            tax_rate_bps: store.tax_rate_bps,
            discount_code: discount.map(|d| d.2),
            tracking_id: None,
            shipping_provider: None,
            paid_at: None,
            cancel_reason: None,
            created_at,
            updated_at: created_at,
            version: 1,
            items: lines
                .iter()
                .zip(&priced)
                .zip(&names)
                .enumerate()
                .map(|(index, ((line, price), name))| OrderItemRecord {
                    line: index as i32 + 1,
                    product_id: line.product,
                    name: (*name).to_owned(),
                    unit_price_minor: price.unit_price_minor,
                    quantity: price.quantity.get(),
                    line_total_minor: price.total_minor(),
                })
                .collect(),
            events: vec![OrderEventRecord {
                kind: "status".to_owned(),
                from_state: None,
                to_state: OrderStatus::Placed.as_str().to_owned(),
                actor: "shopper".to_owned(),
                detail: String::new(),
                at: created_at,
            }],
        };
        Ok(Created::New(record))
    }

    /// The order behind a shopper's token, only within the store of the slug: a token of
    /// another store's order is `None`, like one that does not exist.
    pub async fn order_by_token(
        &self,
        store: StoreId,
        token: &OrderToken,
    ) -> Result<Option<OrderRecord>> {
        let id: Option<(Uuid,)> =
            sqlx::query_as("SELECT id FROM orders WHERE token = $1 AND store_id = $2")
                .bind(token.as_str())
                .bind(store.as_uuid())
                .fetch_optional(&self.pool)
                .await?;
        let Some((id,)) = id else {
            return Ok(None);
        };
        let mut conn = self.pool.acquire().await?;
        Ok(Some(
            order_in(&mut conn, store, OrderId::from_uuid(id)).await?,
        ))
    }

    /// One order of a store (the caller has already checked the seller owns the store).
    pub async fn order(&self, store: StoreId, order: OrderId) -> Result<OrderRecord> {
        let mut conn = self.pool.acquire().await?;
        order_in(&mut conn, store, order).await
    }

    /// The order desk's list: newest first, filtered, one keyset page.
    pub async fn list_orders(
        &self,
        store: StoreId,
        filter: &OrderFilter,
    ) -> Result<Vec<OrderSummary>> {
        let search = filter
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let number = search.and_then(OrderNumber::parse).map(|n| n.get());
        // A name search: case-insensitive substring, with LIKE's wildcards escaped.
        let name_pattern = search.filter(|_| number.is_none()).map(|s| {
            let escaped: String = s
                .chars()
                .take(80)
                .flat_map(|c| match c {
                    '%' | '_' | '\\' => vec!['\\', c],
                    c => vec![c],
                })
                .collect();
            format!("%{escaped}%")
        });
        let limit = i64::from(filter.limit.clamp(1, 200));
        let rows: Vec<SummaryRow> =
            sqlx::query_as(
                "SELECT o.id, o.number, o.status, o.payment_method, o.payment_status, o.customer_name,
                        (SELECT coalesce(sum(quantity), 0) FROM order_items i WHERE i.order_id = o.id),
                        o.total_minor, o.currency, o.created_at
                 FROM orders o
                 WHERE o.store_id = $1
                   AND ($2::text IS NULL OR o.status = $2)
                   AND ($3::bigint IS NULL OR o.number = $3)
                   AND ($4::text IS NULL OR o.customer_name ILIKE $4)
                   AND ($5::timestamptz IS NULL OR (o.created_at, o.id) < ($5, $6))
                 ORDER BY o.created_at DESC, o.id DESC
                 LIMIT $7",
            )
            .bind(store.as_uuid())
            .bind(filter.status.map(|s| s.as_str()))
            .bind(number)
            .bind(name_pattern)
            .bind(filter.before.map(|b| b.0))
            .bind(filter.before.map(|b| b.1.as_uuid()))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter()
            .map(
                |(id, number, status, method, payment, name, items, total, currency, created)| {
                    Ok(OrderSummary {
                        id: OrderId::from_uuid(id),
                        number: OrderNumber::new(number),
                        status: OrderStatus::parse(&status).map_err(|_| corrupt("status"))?,
                        payment_method: PaymentMethod::parse(&method)
                            .map_err(|_| corrupt("payment_method"))?,
                        payment_status: PaymentStatus::parse(&payment)
                            .map_err(|_| corrupt("payment_status"))?,
                        customer_name: name,
                        item_count: items,
                        total_minor: total,
                        currency: Currency::parse(&currency).map_err(|_| corrupt("currency"))?,
                        created_at: created,
                    })
                },
            )
            .collect()
    }

    /// Every order of a store created in `[from, to)`, oldest first, for the CSV export
    /// (at most `limit`).
    pub async fn orders_between(
        &self,
        store: StoreId,
        from: OffsetDateTime,
        to: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<OrderRecord>> {
        let sql = format!(
            "SELECT {ORDER_COLUMNS} FROM orders o
             WHERE o.store_id = $1 AND o.created_at >= $2 AND o.created_at < $3
             ORDER BY o.created_at, o.id LIMIT $4"
        );
        let rows: Vec<OrderRow> = sqlx::query_as(&sql)
            .bind(store.as_uuid())
            .bind(from)
            .bind(to)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let mut items = items_of(&self.pool, &ids).await?;
        rows.into_iter()
            .map(|row| {
                let own = items.remove(&row.id).unwrap_or_default();
                row.into_record(own, Vec::new())
            })
            .collect()
    }

    /// Moves an order along the state machine on the seller's behalf. Cancelling puts the
    /// stock back and releases the discount use, in the same transaction.
    pub async fn transition_order(
        &self,
        store: StoreId,
        order: OrderId,
        seller: SellerId,
        transition: &Transition,
    ) -> Result<OrderRecord> {
        let mut tx = self.pool.begin().await?;
        let current: Option<(String,)> =
            sqlx::query_as("SELECT status FROM orders WHERE id = $1 AND store_id = $2 FOR UPDATE")
                .bind(order.as_uuid())
                .bind(store.as_uuid())
                .fetch_optional(&mut *tx)
                .await?;
        let (current,) = current.ok_or(DbError::NotFound)?;
        let from = OrderStatus::parse(&current).map_err(|_| corrupt("orders.status"))?;
        let to = transition.to;
        if !from.can_become(to) {
            let message = if from == to {
                format!("this order is already {}", to.as_str())
            } else {
                format!(
                    "an order that is {} cannot become {}",
                    from.as_str(),
                    to.as_str()
                )
            };
            return Err(DbError::Conflict("invalid_transition", message));
        }
        let actor = format!("seller:{seller}");
        let mut detail = String::new();
        match to {
            OrderStatus::Shipped => {
                let Some((provider, tracking)) = &transition.shipping else {
                    return Err(DbError::Invalid(
                        "shipping_provider",
                        "choose how the order is shipped".into(),
                    ));
                };
                if tracking.is_none() && *provider != ShippingProvider::SelfDelivery {
                    return Err(DbError::Invalid(
                        "tracking_id",
                        "enter the carrier's tracking id".into(),
                    ));
                }
                detail = format!(
                    "{}{}",
                    provider.label(),
                    tracking
                        .as_ref()
                        .map(|t| format!(" {}", t.as_str()))
                        .unwrap_or_default()
                );
                sqlx::query(
                    "UPDATE orders SET shipping_provider = $3, tracking_id = $4 WHERE id = $1 AND store_id = $2",
                )
                .bind(order.as_uuid())
                .bind(store.as_uuid())
                .bind(provider.as_str())
                .bind(tracking.as_ref().map(TrackingId::as_str))
                .execute(&mut *tx)
                .await?;
            }
            OrderStatus::Cancelled => {
                restock(&mut tx, store, order).await?;
                detail = transition.reason.as_str().to_owned();
                sqlx::query("UPDATE orders SET cancel_reason = $3 WHERE id = $1 AND store_id = $2")
                    .bind(order.as_uuid())
                    .bind(store.as_uuid())
                    .bind(transition.reason.as_str())
                    .execute(&mut *tx)
                    .await?;
            }
            OrderStatus::Placed | OrderStatus::Accepted | OrderStatus::Delivered => {}
        }
        sqlx::query(
            "WITH moved AS (
                 UPDATE orders SET status = $3, updated_at = now(), version = version + 1
                 WHERE id = $1 AND store_id = $2
             )
             INSERT INTO order_events (order_id, store_id, kind, from_state, to_state, actor, detail)
             VALUES ($1, $2, 'status', $4, $3, $5, $6)",
        )
        .bind(order.as_uuid())
        .bind(store.as_uuid())
        .bind(to.as_str())
        .bind(from.as_str())
        .bind(&actor)
        .bind(&detail)
        .execute(&mut *tx)
        .await?;
        let record = order_in(&mut tx, store, order).await?;
        tx.commit().await?;
        metrics::counter!("haat_order_transitions_total", "to" => to.as_str()).increment(1);
        Ok(record)
    }
}

/// Puts a cancelled order's items back on the shelf (products locked in ascending id
/// order, like the checkout) and releases its discount use.
async fn restock(tx: &mut Transaction<'_, Postgres>, store: StoreId, order: OrderId) -> Result<()> {
    sqlx::query(
        "WITH lines AS (
             SELECT product_id, sum(quantity)::int AS quantity FROM order_items
             WHERE order_id = $1 GROUP BY product_id
         ), locked AS (
             SELECT p.id FROM products p JOIN lines l ON l.product_id = p.id
             WHERE p.store_id = $2 ORDER BY p.id FOR UPDATE OF p
         )
         UPDATE products p SET stock = p.stock + l.quantity, version = p.version + 1
         FROM lines l, locked k
         WHERE p.id = l.product_id AND k.id = p.id AND p.stock IS NOT NULL",
    )
    .bind(order.as_uuid())
    .bind(store.as_uuid())
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "WITH released AS (
             DELETE FROM discount_uses WHERE order_id = $1 AND store_id = $2 RETURNING discount_id
         )
         UPDATE discounts d SET uses = d.uses - 1
         FROM released r WHERE d.id = r.discount_id AND d.store_id = $2 AND d.uses > 0",
    )
    .bind(order.as_uuid())
    .bind(store.as_uuid())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Locks the discount `code` of `store` and checks it can be used on this order: the
/// row lock serialises every use of one code, so the total and per-phone limits hold
/// under concurrent checkouts. Returns `(id, kind, code as stored)`.
async fn lock_discount(
    tx: &mut Transaction<'_, Postgres>,
    store: &ShopStore,
    code: &DiscountCode,
    subtotal_minor: i64,
    phone: &Phone,
) -> Result<(Uuid, DiscountKind, String)> {
    let discount: Option<LockedDiscount> = sqlx::query_as(
        "SELECT id, code, kind, value, min_order_minor, max_uses, max_uses_per_phone, uses, active,
                coalesce(starts_at > now(), false) AS not_started,
                coalesce(ends_at <= now(), false) AS ended
         FROM discounts WHERE store_id = $1 AND code_key = $2
         FOR UPDATE",
    )
    .bind(store.id.as_uuid())
    .bind(code.key())
    .fetch_optional(&mut **tx)
    .await?;
    let discount = discount.ok_or(CheckoutError::DiscountUnknown)?;
    if !discount.active {
        return Err(CheckoutError::DiscountUnknown.into());
    }
    if discount.not_started {
        return Err(CheckoutError::DiscountNotStarted.into());
    }
    if discount.ended {
        return Err(CheckoutError::DiscountExpired.into());
    }
    if subtotal_minor < discount.min_order_minor {
        return Err(CheckoutError::DiscountMinimum {
            minimum: format_money(discount.min_order_minor, store.currency),
        }
        .into());
    }
    if discount.max_uses.is_some_and(|max| discount.uses >= max) {
        return Err(CheckoutError::DiscountExhausted.into());
    }
    if let Some(per_phone) = discount.max_uses_per_phone {
        let (used,): (i64,) = sqlx::query_as(
            "SELECT count(*) FROM discount_uses WHERE discount_id = $1 AND customer_phone = $2",
        )
        .bind(discount.id)
        .bind(phone.as_e164())
        .fetch_one(&mut **tx)
        .await?;
        if used >= i64::from(per_phone) {
            return Err(CheckoutError::DiscountPerCustomerLimit.into());
        }
    }
    let kind = DiscountKind::from_parts(&discount.kind, discount.value)
        .map_err(|_| corrupt("discounts.kind"))?;
    Ok((discount.id, kind, discount.code))
}

/// The seller's "new order" notification. `None` phone: no notification is queued.
#[derive(Clone, Debug)]
pub struct OrderNotification {
    pub seller_phone: Option<Phone>,
    /// Where the seller opens the order desk, appended to the message.
    pub desk_url: String,
}

impl OrderNotification {
    /// The message with `{number}` left for the transaction to fill in.
    fn text_template(
        &self,
        totals: &Totals,
        currency: Currency,
        customer: &CustomerName,
    ) -> String {
        let first_name: String = customer
            .as_str()
            .split_whitespace()
            .next()
            .unwrap_or("")
            .chars()
            .take(30)
            .collect();
        format!(
            "Haat: new order #{{number}} for {} from {}. Open your orders: {}",
            format_money(totals.total_minor, currency),
            first_name,
            self.desk_url
        )
    }
}

/// An order with its items and history, read on `conn` (inside a transaction or not).
pub(crate) async fn order_in(
    conn: &mut PgConnection,
    store: StoreId,
    order: OrderId,
) -> Result<OrderRecord> {
    let sql = format!("SELECT {ORDER_COLUMNS} FROM orders o WHERE o.id = $1 AND o.store_id = $2");
    let row: Option<OrderRow> = sqlx::query_as(&sql)
        .bind(order.as_uuid())
        .bind(store.as_uuid())
        .fetch_optional(&mut *conn)
        .await?;
    let row = row.ok_or(DbError::NotFound)?;
    let mut items = items_of(&mut *conn, &[row.id]).await?;
    let events: Vec<(
        String,
        Option<String>,
        String,
        String,
        String,
        OffsetDateTime,
    )> = sqlx::query_as(
        "SELECT kind, from_state, to_state, actor, detail, created_at FROM order_events
             WHERE order_id = $1 AND store_id = $2 ORDER BY id",
    )
    .bind(order.as_uuid())
    .bind(store.as_uuid())
    .fetch_all(&mut *conn)
    .await?;
    let events = events
        .into_iter()
        .map(
            |(kind, from_state, to_state, actor, detail, at)| OrderEventRecord {
                kind,
                from_state,
                to_state,
                actor,
                detail,
                at,
            },
        )
        .collect();
    let own = items.remove(&row.id).unwrap_or_default();
    row.into_record(own, events)
}

async fn items_of<'e>(
    executor: impl sqlx::PgExecutor<'e>,
    orders: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, Vec<OrderItemRecord>>> {
    let rows: Vec<(Uuid, i32, Uuid, String, i64, i32, i64)> = sqlx::query_as(
        "SELECT order_id, line, product_id, name, unit_price_minor, quantity, line_total_minor
         FROM order_items WHERE order_id = ANY($1) ORDER BY order_id, line",
    )
    .bind(orders)
    .fetch_all(executor)
    .await?;
    let mut by_order: std::collections::HashMap<Uuid, Vec<OrderItemRecord>> =
        std::collections::HashMap::new();
    for (order, line, product, name, unit, quantity, total) in rows {
        by_order.entry(order).or_default().push(OrderItemRecord {
            line,
            product_id: ProductId::from_uuid(product),
            name,
            unit_price_minor: unit,
            quantity,
            line_total_minor: total,
        });
    }
    Ok(by_order)
}
