//! Where the storefront gets its data. The storefront never opens a database connection
//! itself: the binary hands it a [`CatalogSource`] (today backed by PostgreSQL; later by
//! a cache or a regional copy fed by the event log).

use std::sync::Arc;

use futures::future::BoxFuture;
use haat_domain::catalog::{CatalogPage, CatalogQuery, ProductCard, StoreProfile};
use haat_domain::{ProductId, StoreSlug};

/// The source could not answer (database down, timeout). The storefront shows a friendly
/// "try again" page with a 503; it never shows internals.
#[derive(Debug, thiserror::Error)]
#[error("catalog unavailable: {reason}")]
pub struct CatalogError {
    pub reason: String,
}

/// A store's product together with the name of its category, if any.
#[derive(Clone, Debug)]
pub struct ProductView {
    pub store: StoreProfile,
    pub product: ProductCard,
    pub category_name: Option<String>,
}

pub trait CatalogSource: Send + Sync + 'static {
    /// One page of a store's active products; `Ok(None)` when no store has this slug.
    fn catalog_page<'a>(
        &'a self,
        slug: &'a StoreSlug,
        query: &'a CatalogQuery,
    ) -> BoxFuture<'a, Result<Option<CatalogPage>, CatalogError>>;

    /// One active product of a store; `Ok(None)` when the store or product is unknown
    /// (or the product is inactive).
    fn product<'a>(
        &'a self,
        slug: &'a StoreSlug,
        product: ProductId,
    ) -> BoxFuture<'a, Result<Option<ProductView>, CatalogError>>;
}

pub type SharedCatalog = Arc<dyn CatalogSource>;
