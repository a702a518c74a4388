//! Products and categories of one store. Every function takes the store id; the caller
//! has already established that the seller owns that store.

use haat_domain::catalog::{CatalogCursor, CatalogSort, ImageRef};
use haat_domain::{
    CategoryId, CategoryName, Description, Price, ProductId, ProductName, StockCount, StoreId,
};
use sqlx::{Postgres, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::catalog::{cursor_clause, next_cursor, order_clause, CursorBinds};
use crate::rows::{image_ref, widths_to_sql};
use crate::{Db, DbError, Result};

#[derive(Clone, Debug)]
pub struct CategoryRecord {
    pub id: CategoryId,
    pub name: String,
}

/// A category picked by id, or named (created if the store has none by that name).
#[derive(Clone, Debug)]
pub enum CategoryChoice {
    Id(CategoryId),
    Name(CategoryName),
}

#[derive(Clone, Debug)]
pub struct NewProduct {
    pub name: ProductName,
    pub description: Description,
    pub price: Price,
    pub category: Option<CategoryChoice>,
    pub stock: Option<StockCount>,
    pub active: bool,
    pub image: Option<ImageRef>,
}

/// Fields to change; `None` leaves a field as it is, `Some(None)` clears a nullable one.
#[derive(Clone, Debug, Default)]
pub struct ProductPatch {
    pub name: Option<ProductName>,
    pub description: Option<Description>,
    pub price: Option<Price>,
    pub category: Option<Option<CategoryChoice>>,
    pub stock: Option<Option<StockCount>>,
    pub active: Option<bool>,
}

#[derive(Clone, Debug)]
pub struct ProductRecord {
    pub id: ProductId,
    pub store_id: StoreId,
    pub category: Option<CategoryRecord>,
    pub name: String,
    pub description: String,
    pub price_minor: i64,
    pub stock: Option<i32>,
    pub active: bool,
    pub image: Option<ImageRef>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

pub(crate) const PRODUCT_COLUMNS: &str = "p.id, p.store_id, p.category_id, c.name AS category_name,
     p.name, p.description, p.price_minor, p.stock, p.active, p.created_at, p.updated_at,
     p.version, i.hash, i.width, i.height, i.variant_widths,
     lower(p.name) COLLATE \"C\" AS name_key";

pub(crate) const PRODUCT_JOINS: &str = "products p
     LEFT JOIN categories c ON c.id = p.category_id
     LEFT JOIN images i ON i.id = p.image_id";

#[derive(sqlx::FromRow)]
pub(crate) struct ProductRow {
    pub id: Uuid,
    pub store_id: Uuid,
    pub category_id: Option<Uuid>,
    pub category_name: Option<String>,
    pub name: String,
    pub description: String,
    pub price_minor: i64,
    pub stock: Option<i32>,
    pub active: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
    pub hash: Option<String>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub variant_widths: Option<Vec<i32>>,
    pub name_key: String,
}

impl ProductRow {
    pub(crate) fn into_record(self) -> ProductRecord {
        ProductRecord {
            id: ProductId::from_uuid(self.id),
            store_id: StoreId::from_uuid(self.store_id),
            category: self
                .category_id
                .zip(self.category_name)
                .map(|(id, name)| CategoryRecord {
                    id: CategoryId::from_uuid(id),
                    name,
                }),
            name: self.name,
            description: self.description,
            price_minor: self.price_minor,
            stock: self.stock,
            active: self.active,
            image: image_ref(self.hash, self.width, self.height, self.variant_widths),
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
        }
    }
}

async fn resolve_category(
    tx: &mut Transaction<'_, Postgres>,
    store: StoreId,
    choice: &CategoryChoice,
) -> Result<Uuid> {
    match choice {
        CategoryChoice::Id(id) => {
            let found: Option<(Uuid,)> =
                sqlx::query_as("SELECT id FROM categories WHERE store_id = $1 AND id = $2")
                    .bind(store.as_uuid())
                    .bind(id.as_uuid())
                    .fetch_optional(&mut **tx)
                    .await?;
            found.map(|(id,)| id).ok_or(DbError::UnknownCategory)
        }
        CategoryChoice::Name(name) => {
            let (id,): (Uuid,) = sqlx::query_as(
                "INSERT INTO categories (id, store_id, name, name_key) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (store_id, name_key) DO UPDATE SET name_key = EXCLUDED.name_key
                 RETURNING id",
            )
            .bind(Uuid::now_v7())
            .bind(store.as_uuid())
            .bind(name.as_str())
            .bind(name.key())
            .fetch_one(&mut **tx)
            .await?;
            Ok(id)
        }
    }
}

async fn insert_image_tx(
    tx: &mut Transaction<'_, Postgres>,
    store: StoreId,
    image: &ImageRef,
) -> Result<Uuid> {
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO images (id, store_id, hash, width, height, variant_widths)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(store.as_uuid())
    .bind(&image.hash)
    .bind(image.width as i32)
    .bind(image.height as i32)
    .bind(widths_to_sql(image))
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

pub(crate) async fn product_in_tx(
    tx: &mut Transaction<'_, Postgres>,
    store: StoreId,
    product: ProductId,
) -> Result<ProductRecord> {
    let sql = format!(
        "SELECT {PRODUCT_COLUMNS} FROM {PRODUCT_JOINS} WHERE p.store_id = $1 AND p.id = $2"
    );
    let row: Option<ProductRow> = sqlx::query_as(&sql)
        .bind(store.as_uuid())
        .bind(product.as_uuid())
        .fetch_optional(&mut **tx)
        .await?;
    row.map(ProductRow::into_record).ok_or(DbError::NotFound)
}

async fn insert_product(
    tx: &mut Transaction<'_, Postgres>,
    store: StoreId,
    new: &NewProduct,
) -> Result<ProductId> {
    let id = ProductId::new();
    insert_product_with_id(tx, store, id, new).await?;
    Ok(id)
}

pub(crate) async fn insert_product_with_id(
    tx: &mut Transaction<'_, Postgres>,
    store: StoreId,
    id: ProductId,
    new: &NewProduct,
) -> Result<()> {
    let category_id = match &new.category {
        Some(choice) => Some(resolve_category(tx, store, choice).await?),
        None => None,
    };
    let image_id = match &new.image {
        Some(image) => Some(insert_image_tx(tx, store, image).await?),
        None => None,
    };
    sqlx::query(
        "INSERT INTO products
           (id, store_id, category_id, name, description, price_minor, stock, active, image_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id.as_uuid())
    .bind(store.as_uuid())
    .bind(category_id)
    .bind(new.name.as_str())
    .bind(new.description.as_str())
    .bind(new.price.minor())
    .bind(new.stock.map(|s| s.get()))
    .bind(new.active)
    .bind(image_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Db {
    /// Creates a product, its category (if named) and its image row in one transaction.
    pub async fn create_product(&self, store: StoreId, new: &NewProduct) -> Result<ProductRecord> {
        let mut tx = self.pool.begin().await?;
        let id = insert_product(&mut tx, store, new).await?;
        let record = product_in_tx(&mut tx, store, id).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// Creates many products in one transaction (demo data, imports): all or none.
    pub async fn create_products(&self, store: StoreId, products: &[NewProduct]) -> Result<usize> {
        let mut tx = self.pool.begin().await?;
        for new in products {
            insert_product(&mut tx, store, new).await?;
        }
        tx.commit().await?;
        Ok(products.len())
    }

    pub async fn product(&self, store: StoreId, product: ProductId) -> Result<ProductRecord> {
        let mut tx = self.pool.begin().await?;
        let record = product_in_tx(&mut tx, store, product).await?;
        tx.commit().await?;
        Ok(record)
    }

    pub async fn update_product(
        &self,
        store: StoreId,
        product: ProductId,
        patch: &ProductPatch,
    ) -> Result<ProductRecord> {
        let mut tx = self.pool.begin().await?;
        let category_id = match &patch.category {
            Some(Some(choice)) => Some(Some(resolve_category(&mut tx, store, choice).await?)),
            Some(None) => Some(None),
            None => None,
        };
        let stock = patch.stock.map(|stock| stock.map(|s| s.get()));
        let updated = sqlx::query(
            "UPDATE products SET
                name = coalesce($3, name),
                description = coalesce($4, description),
                price_minor = coalesce($5, price_minor),
                category_id = CASE WHEN $6 THEN $7 ELSE category_id END,
                stock = CASE WHEN $8 THEN $9 ELSE stock END,
                active = coalesce($10, active),
                updated_at = now(),
                version = version + 1
             WHERE store_id = $1 AND id = $2",
        )
        .bind(store.as_uuid())
        .bind(product.as_uuid())
        .bind(patch.name.as_ref().map(|n| n.as_str()))
        .bind(patch.description.as_ref().map(|d| d.as_str()))
        .bind(patch.price.map(|p| p.minor()))
        .bind(category_id.is_some())
        .bind(category_id.flatten())
        .bind(stock.is_some())
        .bind(stock.flatten())
        .bind(patch.active)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(DbError::NotFound);
        }
        let record = product_in_tx(&mut tx, store, product).await?;
        tx.commit().await?;
        Ok(record)
    }

    pub async fn set_product_image(
        &self,
        store: StoreId,
        product: ProductId,
        image: &ImageRef,
    ) -> Result<ProductRecord> {
        let mut tx = self.pool.begin().await?;
        // Lock the product first: an unknown product must not leave an orphan image row.
        let exists: Option<(Uuid,)> =
            sqlx::query_as("SELECT id FROM products WHERE store_id = $1 AND id = $2 FOR UPDATE")
                .bind(store.as_uuid())
                .bind(product.as_uuid())
                .fetch_optional(&mut *tx)
                .await?;
        if exists.is_none() {
            return Err(DbError::NotFound);
        }
        let image_id = insert_image_tx(&mut tx, store, image).await?;
        sqlx::query(
            "UPDATE products SET image_id = $3, updated_at = now(), version = version + 1
             WHERE store_id = $1 AND id = $2",
        )
        .bind(store.as_uuid())
        .bind(product.as_uuid())
        .bind(image_id)
        .execute(&mut *tx)
        .await?;
        let record = product_in_tx(&mut tx, store, product).await?;
        tx.commit().await?;
        Ok(record)
    }

    pub async fn delete_product(&self, store: StoreId, product: ProductId) -> Result<()> {
        let deleted = sqlx::query("DELETE FROM products WHERE store_id = $1 AND id = $2")
            .bind(store.as_uuid())
            .bind(product.as_uuid())
            .execute(&self.pool)
            .await?;
        if deleted.rows_affected() == 0 {
            return Err(DbError::NotFound);
        }
        Ok(())
    }

    /// One page of a store's products for the seller (active and inactive), in keyset
    /// order; the cursor points after the last product returned.
    pub async fn list_products(
        &self,
        store: StoreId,
        sort: CatalogSort,
        after: Option<&CatalogCursor>,
        limit: u32,
    ) -> Result<(Vec<ProductRecord>, Option<CatalogCursor>)> {
        let mut sql =
            format!("SELECT {PRODUCT_COLUMNS} FROM {PRODUCT_JOINS} WHERE p.store_id = $1");
        let binds = CursorBinds::from_cursor(after);
        sql.push_str(&cursor_clause(sort, after.is_some(), 2));
        sql.push_str(&order_clause(sort));
        sql.push_str(&format!(" LIMIT {}", limit + 1));
        let query = sqlx::query_as::<_, ProductRow>(&sql).bind(store.as_uuid());
        let mut rows = binds.bind(query).fetch_all(&self.pool).await?;
        let next = next_cursor(sort, &mut rows, limit);
        Ok((
            rows.into_iter().map(ProductRow::into_record).collect(),
            next,
        ))
    }

    pub async fn categories(&self, store: StoreId) -> Result<Vec<CategoryRecord>> {
        let rows: Vec<(Uuid, String)> = sqlx::query_as(
            "SELECT id, name FROM categories WHERE store_id = $1 ORDER BY id LIMIT 1000",
        )
        .bind(store.as_uuid())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name)| CategoryRecord {
                id: CategoryId::from_uuid(id),
                name,
            })
            .collect())
    }
}
