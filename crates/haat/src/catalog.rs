//! The storefront's catalog, read from PostgreSQL. This adapter is the only place the
//! storefront role meets the database crate; a cached or regional source will replace
//! it behind the same trait.

use futures::future::BoxFuture;
use haat_db::{Db, DbError};
use haat_domain::catalog::{CatalogPage, CatalogQuery};
use haat_domain::{ProductId, StoreSlug};
use haat_storefront::{CatalogError, CatalogSource, ProductView};

pub struct DbCatalog {
    db: Db,
}

impl DbCatalog {
    pub fn new(db: Db) -> DbCatalog {
        DbCatalog { db }
    }
}

fn unavailable(error: DbError) -> CatalogError {
    tracing::warn!(%error, "catalog read failed");
    CatalogError {
        reason: error.to_string(),
    }
}

impl CatalogSource for DbCatalog {
    fn catalog_page<'a>(
        &'a self,
        slug: &'a StoreSlug,
        query: &'a CatalogQuery,
    ) -> BoxFuture<'a, Result<Option<CatalogPage>, CatalogError>> {
        Box::pin(async move { self.db.catalog_page(slug, query).await.map_err(unavailable) })
    }

    fn product<'a>(
        &'a self,
        slug: &'a StoreSlug,
        product: ProductId,
    ) -> BoxFuture<'a, Result<Option<ProductView>, CatalogError>> {
        Box::pin(async move {
            let found = self
                .db
                .product_page(slug, product)
                .await
                .map_err(unavailable)?;
            Ok(found.map(|(store, product, category_name)| ProductView {
                store,
                product,
                category_name,
            }))
        })
    }
}
