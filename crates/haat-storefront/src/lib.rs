//! The public storefront role: store pages, product pages, search, the headless catalog
//! JSON and media. Boundary: no database dependency; data comes through [`CatalogSource`].
//!
//! Routes (see [`router`]):
//! - `GET /{slug}`: the store page, server-rendered HTML that needs no JavaScript;
//! - `GET /{slug}/p/{product_id}`: one product;
//! - `GET /{slug}/search`: search results (or popular products), HTML, no JavaScript;
//! - `GET /api/v1/storefront/{slug}`: the same catalog as JSON (documented by [`openapi`]);
//! - `GET /api/v1/storefront/{slug}/search` and `…/search/suggest`: search and
//!   autocomplete as JSON (documented by [`openapi`]);
//! - `GET /media/{hash}/{file}`: an immutable image variant from the [`MediaStore`].
//!
//! Every page is built from one [`CatalogSource`] call, so a page costs what the source
//! costs (a constant number of queries). Built pages go through the [`PageCache`]
//! (haat-cache): rendered and compressed once, served from memory until the store
//! changes (docs/FRESHNESS.md). Failures of the source are a friendly 503 page, never a
//! 5xx with internals; they are never cached.
//!
//! Search answers come from one [`ProductSearch`] call (two for a link past the last
//! page) and are not kept in the page cache: their keys are whatever shoppers type.

mod api;
mod cached;
mod html;
mod images;
mod media;
mod pages;
mod query;
mod search;
mod source;
mod view;

pub mod urls;

use std::time::Instant;

use axum::routing::get;
use axum::Router;
use haat_cache::PageCache;
use haat_media::MediaStore;
use http::HeaderValue;

pub use api::{
    openapi, StorefrontCatalog, StorefrontCategory, StorefrontImage, StorefrontProduct,
    StorefrontSearchEngine, StorefrontSearchFacet, StorefrontSearchResults, StorefrontStore,
    StorefrontSuggestion, StorefrontSuggestions,
};
pub use cached::serve_hit;
pub use html::not_found;

/// Page helpers shared with the checkout pages, so every shopper-facing page carries the
/// same headers (content security policy, caching) and the same friendly error pages.
pub mod page {
    pub use crate::html::{
        html_page, not_found_page, render, store_not_found_page, unavailable_page,
    };
    pub use crate::view::Theme;
}
pub use images::{image_urls, ImageVariantUrls};
pub use search::{
    CategoryFacet, ProductSearch, SearchEngine, SearchOutcome, SearchQuery, SearchSort,
    SharedSearch, SuggestOutcome, Suggestion, MAX_SEARCH_CHARS, MAX_SEARCH_PAGES,
    MAX_SEARCH_PAGE_SIZE,
};
pub use source::{CatalogError, CatalogSource, ProductView, SharedCatalog};

/// How the storefront builds links and pages.
#[derive(Clone, Debug)]
pub struct StorefrontConfig {
    /// Base of every absolute link (`og:url`, product links, share links), e.g.
    /// `https://haat.example/`.
    pub public_url: url::Url,
    /// Base of image URLs; `<public_url>/media/` unless a CDN fronts the media.
    pub media_base_url: url::Url,
    /// Products per store page (and the JSON default); clamped to `1..=MAX_PAGE_SIZE`.
    pub page_size: u32,
}

impl StorefrontConfig {
    /// The usual setup: media served by this process under `/media/`, 48 products a page.
    pub fn new(public_url: url::Url) -> StorefrontConfig {
        let media_base_url = public_url
            .join("media/")
            .unwrap_or_else(|_| public_url.clone());
        StorefrontConfig {
            public_url,
            media_base_url,
            page_size: 48,
        }
    }

    fn page_size(&self) -> u32 {
        self.page_size.clamp(1, haat_domain::catalog::MAX_PAGE_SIZE)
    }

    /// The origin images come from when it is not the page's own (a CDN), for the
    /// content security policy; `None` when media is served by this host.
    fn image_origin(&self) -> Option<String> {
        let media = self.media_base_url.origin();
        if !media.is_tuple() || media == self.public_url.origin() {
            return None;
        }
        Some(media.ascii_serialization())
    }
}

/// Everything the storefront handlers share, behind one `Arc`: axum clones the state
/// for every request, so a clone must be a reference count, not a copy of the config.
#[derive(Clone)]
pub struct StorefrontState(std::sync::Arc<StorefrontShared>);

pub struct StorefrontShared {
    pub catalog: SharedCatalog,
    pub media: MediaStore,
    pub config: StorefrontConfig,
    pub pages: PageCache,
    /// Product search; `None` when this process was built without it (search pages
    /// then answer 404).
    pub search: Option<SharedSearch>,
    /// The content security policy, computed once from the config.
    csp: HeaderValue,
}

impl std::ops::Deref for StorefrontState {
    type Target = StorefrontShared;

    fn deref(&self) -> &StorefrontShared {
        &self.0
    }
}

impl StorefrontState {
    pub fn new(
        catalog: SharedCatalog,
        media: MediaStore,
        config: StorefrontConfig,
        pages: PageCache,
    ) -> StorefrontState {
        let csp = html::content_security_policy(config.image_origin().as_deref());
        StorefrontState(std::sync::Arc::new(StorefrontShared {
            catalog,
            media,
            config,
            pages,
            search: None,
            csp,
        }))
    }

    /// The same state with product search.
    pub fn with_search(self, search: SharedSearch) -> StorefrontState {
        let shared = &self.0;
        StorefrontState(std::sync::Arc::new(StorefrontShared {
            catalog: shared.catalog.clone(),
            media: shared.media.clone(),
            config: shared.config.clone(),
            pages: shared.pages.clone(),
            search: Some(search),
            csp: shared.csp.clone(),
        }))
    }
}

/// The storefront's routes. No fallback: the binary sets [`not_found`] as the fallback of
/// the merged router, so unknown paths of every role get the same friendly page.
pub fn router(state: StorefrontState) -> Router {
    Router::new()
        .route("/{slug}", get(pages::store_page))
        .route("/{slug}/p/{product_id}", get(pages::product_page))
        // A static second segment: "/{slug}/p/{id}" and the checkout's "/{slug}/cart"
        // have other shapes or other literals, so nothing overlaps.
        .route("/{slug}/search", get(pages::search_page))
        .route("/api/v1/storefront/{slug}", get(api::catalog_json))
        .route("/api/v1/storefront/{slug}/search", get(api::search_json))
        .route(
            "/api/v1/storefront/{slug}/search/suggest",
            get(api::suggest_json),
        )
        // A wildcard, so every path under /media (traversal attempts included) reaches
        // the strict key parser and gets the same small 404.
        .route("/media/{*key}", get(media::serve_media))
        .with_state(state)
}

/// Records `haat_storefront_page_build_seconds{page}` when dropped, so every way out of
/// a handler (success, 404, 503) is measured.
struct PageTimer {
    page: &'static str,
    started: Instant,
}

impl PageTimer {
    fn start(page: &'static str) -> PageTimer {
        PageTimer {
            page,
            started: Instant::now(),
        }
    }
}

impl Drop for PageTimer {
    fn drop(&mut self) {
        // Literal labels: the key is built statically, no allocation per request.
        let histogram = match self.page {
            "store" => metrics::histogram!("haat_storefront_page_build_seconds", "page" => "store"),
            "product" => {
                metrics::histogram!("haat_storefront_page_build_seconds", "page" => "product")
            }
            "search" => {
                metrics::histogram!("haat_storefront_page_build_seconds", "page" => "search")
            }
            "search_json" => {
                metrics::histogram!("haat_storefront_page_build_seconds", "page" => "search_json")
            }
            "suggest" => {
                metrics::histogram!("haat_storefront_page_build_seconds", "page" => "suggest")
            }
            _ => {
                metrics::histogram!("haat_storefront_page_build_seconds", "page" => "catalog_json")
            }
        };
        histogram.record(self.started.elapsed().as_secs_f64());
    }
}
