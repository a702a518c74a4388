//! Exactly-once creation: a client's idempotency key is stored in the same transaction
//! as the resource it creates. A retry with the same key and the same request gets the
//! first resource back; the same key with a different request is refused.

use haat_domain::{ProductId, SellerId, StoreId};
use uuid::Uuid;

use crate::products::{insert_product_with_id, product_in_tx};
use crate::{Db, DbError, NewProduct, ProductRecord, Result};

/// A client-chosen key (1..=200 visible ASCII characters) and the fingerprint of the
/// request it was first used with.
#[derive(Clone, Debug)]
pub struct IdempotencyKey {
    pub seller: SellerId,
    pub key: String,
    pub request_hash: Vec<u8>,
}

/// A created resource, or the one a previous request with the same key created.
#[derive(Debug)]
pub enum Created<T> {
    New(T),
    Replayed(T),
}

impl<T> Created<T> {
    pub fn into_inner(self) -> T {
        match self {
            Created::New(value) | Created::Replayed(value) => value,
        }
    }
    pub fn is_replay(&self) -> bool {
        matches!(self, Created::Replayed(_))
    }
}

impl Db {
    /// Creates a product once per key. A concurrent request with the same key waits on
    /// the key's row lock and then sees the first request's product.
    pub async fn create_product_once(
        &self,
        store: StoreId,
        new: &NewProduct,
        key: &IdempotencyKey,
    ) -> Result<Created<ProductRecord>> {
        let mut tx = self.pool.begin().await?;
        let id = ProductId::new();
        let claimed: Option<(Uuid,)> = sqlx::query_as(
            "INSERT INTO idempotency_keys (seller_id, key, request_hash, resource_id)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (seller_id, key) DO NOTHING
             RETURNING resource_id",
        )
        .bind(key.seller.as_uuid())
        .bind(&key.key)
        .bind(&key.request_hash)
        .bind(id.as_uuid())
        .fetch_optional(&mut *tx)
        .await?;
        if claimed.is_some() {
            insert_product_with_id(&mut tx, store, id, new).await?;
            let record = product_in_tx(&mut tx, store, id).await?;
            tx.commit().await?;
            return Ok(Created::New(record));
        }
        let (request_hash, resource_id): (Vec<u8>, Uuid) = sqlx::query_as(
            "SELECT request_hash, resource_id FROM idempotency_keys
             WHERE seller_id = $1 AND key = $2",
        )
        .bind(key.seller.as_uuid())
        .bind(&key.key)
        .fetch_one(&mut *tx)
        .await?;
        if request_hash != key.request_hash {
            return Err(DbError::IdempotencyKeyReused);
        }
        // The first product may since have been deleted: then the key's work is done and
        // there is nothing to return but "gone".
        let record = product_in_tx(&mut tx, store, ProductId::from_uuid(resource_id)).await?;
        tx.commit().await?;
        Ok(Created::Replayed(record))
    }

    /// Forgets idempotency keys older than their retention: product creation keys
    /// after `products`, checkout keys (API keys and form tokens) after `orders`. A
    /// retry older than that is treated as a new request. At most `limit` rows of each
    /// per call; returns how many of each went.
    pub async fn delete_old_idempotency_keys(
        &self,
        products: std::time::Duration,
        orders: std::time::Duration,
        limit: i64,
    ) -> Result<(u64, u64)> {
        let seconds = |d: std::time::Duration| d.as_secs_f64();
        let products = sqlx::query(
            "DELETE FROM idempotency_keys WHERE (seller_id, key) IN (
                 SELECT seller_id, key FROM idempotency_keys
                 WHERE created_at < now() - make_interval(secs => $1) LIMIT $2)",
        )
        .bind(seconds(products))
        .bind(limit.max(0))
        .execute(&self.pool)
        .await?;
        let orders = sqlx::query(
            "DELETE FROM order_requests WHERE (store_id, key) IN (
                 SELECT store_id, key FROM order_requests
                 WHERE created_at < now() - make_interval(secs => $1) LIMIT $2)",
        )
        .bind(seconds(orders))
        .bind(limit.max(0))
        .execute(&self.pool)
        .await?;
        Ok((products.rows_affected(), orders.rows_affected()))
    }
}
