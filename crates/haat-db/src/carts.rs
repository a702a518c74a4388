//! Server-side carts: keyed by the SHA-256 of an unguessable cookie token and the store,
//! so a cart works with JavaScript off and a leaked database row cannot be turned back
//! into a cookie. Carts expire after `CART_TTL` without activity.
//!
//! A cart only remembers product ids and quantities; every read prices it from the
//! products table, so a shopper always sees today's price.

use haat_domain::{ProductId, Quantity, StoreId, MAX_ORDER_LINES, MAX_QUANTITY};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{Db, DbError, Result};

/// How long an untouched cart lives.
pub const CART_TTL_DAYS: i64 = 30;

/// One line of a cart, priced now.
#[derive(Clone, Debug)]
pub struct CartLine {
    pub product_id: ProductId,
    pub name: String,
    pub unit_price_minor: i64,
    pub quantity: i32,
    /// `None` is unlimited.
    pub stock: Option<i32>,
    /// False when the seller hid the product since it was added.
    pub active: bool,
    pub image_hash: Option<String>,
    pub added_at: OffsetDateTime,
}

impl CartLine {
    /// Whether this line can be ordered as it stands.
    pub fn orderable(&self) -> bool {
        self.active && self.stock.is_none_or(|stock| stock >= self.quantity)
    }
}

impl Db {
    /// Adds `quantity` of `product` to the cart (creating the cart), capped at the most
    /// one line may hold. A product of another store is `NotFound`.
    pub async fn cart_add(
        &self,
        cart: &[u8],
        store: StoreId,
        product: ProductId,
        quantity: Quantity,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        touch_cart(&mut tx, cart, store).await?;
        let (lines,): (i64,) = sqlx::query_as(
            "SELECT count(*) FROM cart_items WHERE token_hash = $1 AND store_id = $2 AND product_id <> $3",
        )
        .bind(cart)
        .bind(store.as_uuid())
        .bind(product.as_uuid())
        .fetch_one(&mut *tx)
        .await?;
        if lines >= MAX_ORDER_LINES as i64 {
            return Err(DbError::Conflict(
                "cart_full",
                format!("a cart holds at most {MAX_ORDER_LINES} different products"),
            ));
        }
        let added = sqlx::query(
            "INSERT INTO cart_items (token_hash, store_id, product_id, quantity)
             SELECT $1, $2, p.id, $4 FROM products p
             WHERE p.id = $3 AND p.store_id = $2 AND p.active
             ON CONFLICT (token_hash, store_id, product_id)
             DO UPDATE SET quantity = least(cart_items.quantity + excluded.quantity, $5)",
        )
        .bind(cart)
        .bind(store.as_uuid())
        .bind(product.as_uuid())
        .bind(quantity.get())
        .bind(MAX_QUANTITY)
        .execute(&mut *tx)
        .await?;
        if added.rows_affected() == 0 {
            return Err(DbError::NotFound);
        }
        tx.commit().await?;
        Ok(())
    }

    /// Sets a line's quantity; `None` removes the line. Unknown lines are ignored.
    pub async fn cart_set(
        &self,
        cart: &[u8],
        store: StoreId,
        product: ProductId,
        quantity: Option<Quantity>,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        touch_cart(&mut tx, cart, store).await?;
        match quantity {
            Some(quantity) => {
                sqlx::query(
                    "UPDATE cart_items SET quantity = $4
                     WHERE token_hash = $1 AND store_id = $2 AND product_id = $3",
                )
                .bind(cart)
                .bind(store.as_uuid())
                .bind(product.as_uuid())
                .bind(quantity.get())
                .execute(&mut *tx)
                .await?;
            }
            None => {
                sqlx::query(
                    "DELETE FROM cart_items WHERE token_hash = $1 AND store_id = $2 AND product_id = $3",
                )
                .bind(cart)
                .bind(store.as_uuid())
                .bind(product.as_uuid())
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// The cart's lines priced now, oldest first; an expired cart is empty.
    pub async fn cart_lines(&self, cart: &[u8], store: StoreId) -> Result<Vec<CartLine>> {
        #[allow(clippy::type_complexity)]
        let rows: Vec<(Uuid, String, i64, i32, Option<i32>, bool, Option<String>, OffsetDateTime)> =
            sqlx::query_as(
                "SELECT p.id, p.name, p.price_minor, ci.quantity, p.stock, p.active, i.hash, ci.added_at
                 FROM carts c
                 JOIN cart_items ci ON ci.token_hash = c.token_hash AND ci.store_id = c.store_id
                 JOIN products p ON p.id = ci.product_id AND p.store_id = c.store_id
                 LEFT JOIN images i ON i.id = p.image_id
                 WHERE c.token_hash = $1 AND c.store_id = $2 AND c.expires_at > now()
                 ORDER BY ci.added_at, p.id",
            )
            .bind(cart)
            .bind(store.as_uuid())
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, name, price, quantity, stock, active, image_hash, added_at)| CartLine {
                    product_id: ProductId::from_uuid(id),
                    name,
                    unit_price_minor: price,
                    quantity,
                    stock,
                    active,
                    image_hash,
                    added_at,
                },
            )
            .collect())
    }

    /// Removes carts untouched for longer than their TTL; returns how many.
    pub async fn delete_expired_carts(&self, limit: i64) -> Result<u64> {
        let deleted = sqlx::query(
            "DELETE FROM carts WHERE (token_hash, store_id) IN (
                 SELECT token_hash, store_id FROM carts WHERE expires_at <= now() LIMIT $1)",
        )
        .bind(limit)
        .execute(&self.pool)
        .await?;
        Ok(deleted.rows_affected())
    }
}

/// Creates the cart or slides its expiry forward.
async fn touch_cart(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    cart: &[u8],
    store: StoreId,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO carts (token_hash, store_id, expires_at)
         VALUES ($1, $2, now() + make_interval(days => $3))
         ON CONFLICT (token_hash, store_id)
         DO UPDATE SET updated_at = now(), expires_at = excluded.expires_at",
    )
    .bind(cart)
    .bind(store.as_uuid())
    .bind(CART_TTL_DAYS as i32)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
