//! Search's reads: products as a node's search index holds them (for the indexer and
//! reindexing), product cards for result pages, a store's own synonyms, and PostgreSQL
//! full-text search, the fallback when a node's index cannot answer (ADR 0019).

use haat_domain::catalog::ProductCard;
use haat_domain::{ProductId, StoreId};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::catalog::card;
use crate::products::{ProductRow, PRODUCT_COLUMNS, PRODUCT_JOINS};
use crate::{Db, Result};

/// A product as the search index holds it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct SearchProductRow {
    pub id: Uuid,
    pub store_id: Uuid,
    pub name: String,
    pub description: String,
    pub category_id: Option<Uuid>,
    pub category: Option<String>,
    pub price_minor: i64,
    pub in_stock: bool,
    pub active: bool,
    /// Orders (not cancelled) holding the product in the last 30 days.
    pub popularity: i64,
    pub created_at: OffsetDateTime,
}

const SEARCH_COLUMNS: &str = "p.id, p.store_id, p.name, p.description, p.category_id,
     c.name AS category, p.price_minor, (p.stock IS NULL OR p.stock > 0) AS in_stock,
     p.active, coalesce(pop.orders, 0) AS popularity, p.created_at";

const SEARCH_JOINS: &str = "products p
     LEFT JOIN categories c ON c.id = p.category_id
     LEFT JOIN LATERAL (
         SELECT count(DISTINCT oi.order_id) AS orders
         FROM order_items oi JOIN orders o ON o.id = oi.order_id
         WHERE oi.store_id = p.store_id AND oi.product_id = p.id
           AND o.created_at > now() - interval '30 days' AND o.status <> 'cancelled'
     ) pop ON true";

/// One fallback result page.
#[derive(Clone, Debug, Default)]
pub struct FallbackResults {
    pub total: i64,
    pub ids: Vec<Uuid>,
}

/// What a fallback search asks for (the same filters as the index's).
#[derive(Clone, Debug, Default)]
pub struct FallbackQuery<'a> {
    pub text: &'a str,
    pub category_id: Option<Uuid>,
    pub min_price_minor: Option<i64>,
    pub max_price_minor: Option<i64>,
    /// `relevance`, `price_asc`, `price_desc` or `newest`.
    pub sort: &'a str,
    pub limit: i64,
    pub offset: i64,
}

impl Db {
    /// The products with these ids, whatever their store (the indexer's read: events
    /// name products, not stores). Deleted products are simply absent.
    pub async fn search_products_by_ids(&self, ids: &[Uuid]) -> Result<Vec<SearchProductRow>> {
        let sql = format!("SELECT {SEARCH_COLUMNS} FROM {SEARCH_JOINS} WHERE p.id = ANY($1)");
        Ok(sqlx::query_as(&sql).bind(ids).fetch_all(&self.pool).await?)
    }

    /// Active products in id order after `after`, of one store or of all: the snapshot a
    /// node builds its index from.
    pub async fn search_products_after(
        &self,
        store: Option<Uuid>,
        after: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<SearchProductRow>> {
        let sql = format!(
            "SELECT {SEARCH_COLUMNS} FROM {SEARCH_JOINS}
             WHERE p.active AND ($1::uuid IS NULL OR p.store_id = $1)
               AND ($2::uuid IS NULL OR p.id > $2)
             ORDER BY p.id LIMIT $3"
        );
        Ok(sqlx::query_as(&sql)
            .bind(store)
            .bind(after)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?)
    }

    /// Active products to index, of one store or of all (for a progress bar).
    pub async fn search_product_count(&self, store: Option<Uuid>) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT count(*) FROM products WHERE active AND ($1::uuid IS NULL OR store_id = $1)",
        )
        .bind(store)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Ids of the products in these categories (a renamed category changes what its
    /// products are found by).
    pub async fn product_ids_in_categories(&self, categories: &[Uuid]) -> Result<Vec<Uuid>> {
        Ok(
            sqlx::query_scalar("SELECT id FROM products WHERE category_id = ANY($1)")
                .bind(categories)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Ids of the products ordered in these orders (their popularity changed).
    pub async fn product_ids_in_orders(&self, orders: &[Uuid]) -> Result<Vec<Uuid>> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT product_id FROM order_items WHERE order_id = ANY($1)",
        )
        .bind(orders)
        .fetch_all(&self.pool)
        .await?)
    }

    /// A store's active products with these ids, as cards, in the order given.
    pub async fn product_cards(&self, store: StoreId, ids: &[Uuid]) -> Result<Vec<ProductCard>> {
        let sql = format!(
            "SELECT {PRODUCT_COLUMNS} FROM {PRODUCT_JOINS}
             WHERE p.store_id = $1 AND p.id = ANY($2) AND p.active"
        );
        let rows: Vec<ProductRow> = sqlx::query_as(&sql)
            .bind(store.as_uuid())
            .bind(ids)
            .fetch_all(&self.pool)
            .await?;
        let mut cards: Vec<ProductCard> = rows.into_iter().map(card).collect();
        let rank = |id: &ProductId| ids.iter().position(|wanted| *wanted == id.as_uuid());
        cards.sort_by_key(|card| rank(&card.id));
        Ok(cards)
    }

    /// Names of a store's categories with these ids.
    pub async fn category_names(
        &self,
        store: StoreId,
        ids: &[Uuid],
    ) -> Result<Vec<(Uuid, String)>> {
        Ok(
            sqlx::query_as("SELECT id, name FROM categories WHERE store_id = $1 AND id = ANY($2)")
                .bind(store.as_uuid())
                .bind(ids)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// A store's most popular active products: in stock first, then orders in the last
    /// 30 days, then newest (what a search that found nothing shows).
    pub async fn popular_product_ids(&self, store: StoreId, limit: i64) -> Result<Vec<Uuid>> {
        let sql = format!(
            "SELECT p.id FROM {SEARCH_JOINS}
             WHERE p.store_id = $1 AND p.active
             ORDER BY (p.stock IS NULL OR p.stock > 0) DESC, coalesce(pop.orders, 0) DESC,
                      p.created_at DESC, p.id
             LIMIT $2"
        );
        Ok(sqlx::query_scalar(&sql)
            .bind(store.as_uuid())
            .bind(limit.clamp(0, 100))
            .fetch_all(&self.pool)
            .await?)
    }

    /// A store's own synonym groups (empty when it has none).
    pub async fn store_synonyms(&self, store: StoreId) -> Result<Vec<Vec<String>>> {
        let groups: Option<sqlx::types::Json<Vec<Vec<String>>>> =
            sqlx::query_scalar("SELECT groups FROM store_synonyms WHERE store_id = $1")
                .bind(store.as_uuid())
                .fetch_optional(&self.pool)
                .await?;
        Ok(groups.map(|groups| groups.0).unwrap_or_default())
    }

    /// Replaces a store's synonym groups (validated by the caller).
    pub async fn set_store_synonyms(&self, store: StoreId, groups: &[Vec<String>]) -> Result<()> {
        sqlx::query(
            "INSERT INTO store_synonyms (store_id, groups) VALUES ($1, $2)
             ON CONFLICT (store_id) DO UPDATE SET groups = EXCLUDED.groups, updated_at = now()",
        )
        .bind(store.as_uuid())
        .bind(sqlx::types::Json(groups))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// PostgreSQL full-text search in one store: English stems over name and
    /// description (`websearch_to_tsquery`, which never fails on syntax), or trigram
    /// word similarity of the query to the name for typos (at least 0.5: one typo in a
    /// six-letter word scores about 0.57, under pg_trgm's default `<%` threshold of 0.6;
    /// a store's own rows are few enough to filter without the trigram index); in-stock
    /// first, then rank.
    pub async fn search_fallback(
        &self,
        store: StoreId,
        query: &FallbackQuery<'_>,
    ) -> Result<FallbackResults> {
        let order = match query.sort {
            "price_asc" => "p.price_minor, p.id",
            "price_desc" => "p.price_minor DESC, p.id",
            "newest" => "p.created_at DESC, p.id",
            _ => "rank DESC, p.created_at DESC, p.id",
        };
        let sql = format!(
            "WITH q AS (SELECT websearch_to_tsquery('english', $2) AS ts, lower($2) AS text),
             matches AS (
                 SELECT p.id, p.price_minor, p.created_at,
                        (p.stock IS NULL OR p.stock > 0) AS in_stock,
                        ts_rank(to_tsvector('english'::regconfig, p.name || ' ' || p.description), q.ts)
                          + word_similarity(q.text, lower(p.name)) AS rank
                 FROM products p, q
                 WHERE p.store_id = $1 AND p.active
                   AND (to_tsvector('english'::regconfig, p.name || ' ' || p.description) @@ q.ts
                        OR word_similarity(q.text, lower(p.name)) >= 0.5)
                   AND ($3::uuid IS NULL OR p.category_id = $3)
                   AND ($4::bigint IS NULL OR p.price_minor >= $4)
                   AND ($5::bigint IS NULL OR p.price_minor <= $5)
             )
             SELECT p.id, count(*) OVER () AS total FROM matches p
             ORDER BY p.in_stock DESC, {order}
             LIMIT $6 OFFSET $7"
        );
        let rows: Vec<(Uuid, i64)> = sqlx::query_as(&sql)
            .bind(store.as_uuid())
            .bind(query.text)
            .bind(query.category_id)
            .bind(query.min_price_minor)
            .bind(query.max_price_minor)
            .bind(query.limit.clamp(0, 1_000))
            .bind(query.offset.clamp(0, 1_000))
            .fetch_all(&self.pool)
            .await?;
        Ok(FallbackResults {
            total: rows.first().map_or(0, |row| row.1),
            ids: rows.into_iter().map(|row| row.0).collect(),
        })
    }
}
