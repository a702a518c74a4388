//! The storefront's catalog, read from PostgreSQL. This adapter is the only place the
//! storefront role meets the database crate; a cached or regional source will replace
//! it behind the same trait.
//!
//! Reads go to a read replica when one is configured and usable (`haat_db::Reads`).
//! A replica may not have replayed a store's latest change yet: when the store row it
//! returns is older than the change the page cache already knows of (its floor, raised
//! by the invalidation feed), the read is done again on the primary. So a page is never
//! built below its floor, and a shopper sees an old price only while the node has not
//! yet heard of the change (docs/FRESHNESS.md, docs/replicas.md).

use futures::future::BoxFuture;
use haat_cache::PageCache;
use haat_db::{DbError, Reads};
use haat_domain::catalog::{CatalogPage, CatalogQuery, StoreProfile};
use haat_domain::{ProductId, StoreSlug};
use haat_storefront::{CatalogError, CatalogSource, ProductView};

pub struct DbCatalog {
    reads: Reads,
    pages: PageCache,
}

impl DbCatalog {
    pub fn new(reads: Reads, pages: PageCache) -> DbCatalog {
        DbCatalog { reads, pages }
    }

    /// Whether `store` as read is older than the latest change this node knows of.
    fn behind_floor(&self, store: &StoreProfile) -> bool {
        self.reads.has_replicas()
            && self
                .pages
                .floor(store.id.as_uuid())
                .is_some_and(|floor| store.change_seq < floor)
    }
}

fn unavailable(error: DbError) -> CatalogError {
    tracing::warn!(%error, "catalog read failed");
    CatalogError {
        reason: error.to_string(),
    }
}

fn reread_on_primary() {
    metrics::counter!("haat_db_reads_total", "target" => "primary", "reason" => "behind_floor")
        .increment(1);
}

impl CatalogSource for DbCatalog {
    fn catalog_page<'a>(
        &'a self,
        slug: &'a StoreSlug,
        query: &'a CatalogQuery,
    ) -> BoxFuture<'a, Result<Option<CatalogPage>, CatalogError>> {
        Box::pin(async move {
            let page = self
                .reads
                .run(None, |db| async move { db.catalog_page(slug, query).await })
                .await
                .map_err(unavailable)?;
            match page {
                Some(page) if self.behind_floor(&page.store) => {
                    reread_on_primary();
                    self.reads
                        .primary()
                        .catalog_page(slug, query)
                        .await
                        .map_err(unavailable)
                }
                page => Ok(page),
            }
        })
    }

    fn product<'a>(
        &'a self,
        slug: &'a StoreSlug,
        product: ProductId,
    ) -> BoxFuture<'a, Result<Option<ProductView>, CatalogError>> {
        Box::pin(async move {
            let mut found = self
                .reads
                .run(
                    None,
                    |db| async move { db.product_page(slug, product).await },
                )
                .await
                .map_err(unavailable)?;
            if found
                .as_ref()
                .is_some_and(|(store, _, _)| self.behind_floor(store))
            {
                reread_on_primary();
                found = self
                    .reads
                    .primary()
                    .product_page(slug, product)
                    .await
                    .map_err(unavailable)?;
            }
            Ok(found.map(|(store, product, category_name)| ProductView {
                store,
                product,
                category_name,
            }))
        })
    }
}
