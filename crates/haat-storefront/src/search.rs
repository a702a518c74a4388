//! Where the storefront's search answers come from: the binary hands it a
//! [`ProductSearch`] (a node's search index, falling back to PostgreSQL full-text
//! search). Like [`crate::CatalogSource`], the storefront never touches an engine
//! itself.

use std::sync::Arc;

use futures::future::BoxFuture;
use haat_domain::catalog::{CategoryEntry, ProductCard, StoreProfile};
use haat_domain::{CategoryId, ParseError, StoreSlug};

use crate::source::CatalogError;

/// Characters of a query considered (the rest is ignored, never an error).
pub const MAX_SEARCH_CHARS: usize = 200;
/// Results per page, at most.
pub const MAX_SEARCH_PAGE_SIZE: u32 = 48;
/// Pages a shopper may go through.
pub const MAX_SEARCH_PAGES: u32 = 20;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SearchSort {
    #[default]
    Relevance,
    PriceAsc,
    PriceDesc,
    Newest,
}

impl SearchSort {
    /// Every order, in the order a sort menu lists them.
    pub const ALL: [SearchSort; 4] = [
        SearchSort::Relevance,
        SearchSort::PriceAsc,
        SearchSort::PriceDesc,
        SearchSort::Newest,
    ];

    /// Reads `?sort=`: `relevance` (also the empty string), `price_asc`, `price_desc`,
    /// `newest`.
    pub fn parse(input: &str) -> Result<SearchSort, ParseError> {
        Ok(match input {
            "" | "relevance" => SearchSort::Relevance,
            "price_asc" => SearchSort::PriceAsc,
            "price_desc" => SearchSort::PriceDesc,
            "newest" => SearchSort::Newest,
            _ => {
                return Err(ParseError::new(
                    "invalid_sort",
                    "sort must be one of relevance, price_asc, price_desc, newest",
                ))
            }
        })
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            SearchSort::Relevance => "relevance",
            SearchSort::PriceAsc => "price_asc",
            SearchSort::PriceDesc => "price_desc",
            SearchSort::Newest => "newest",
        }
    }
}

/// A shopper's search, already validated: the text capped at [`MAX_SEARCH_CHARS`], the
/// page within [`MAX_SEARCH_PAGES`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchQuery {
    pub text: String,
    pub category: Option<CategoryId>,
    pub min_price_minor: Option<i64>,
    pub max_price_minor: Option<i64>,
    pub sort: SearchSort,
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
}

/// Which engine answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SearchEngine {
    /// The node's search index.
    Index,
    /// PostgreSQL full-text search (the index is missing, corrupt or rebuilding).
    Fallback,
}

impl SearchEngine {
    pub fn as_str(&self) -> &'static str {
        match self {
            SearchEngine::Index => "index",
            SearchEngine::Fallback => "fallback",
        }
    }
}

/// Matching products in one category (`None`: uncategorised).
#[derive(Clone, Debug)]
pub struct CategoryFacet {
    pub category: Option<CategoryEntry>,
    pub count: u64,
}

#[derive(Clone, Debug)]
pub struct SearchOutcome {
    pub store: StoreProfile,
    /// Products matching the text and filters.
    pub total: u64,
    /// This page of them, best first (or in the asked order).
    pub products: Vec<ProductCard>,
    /// Counts per category of products matching the text (filters aside).
    pub facets: Vec<CategoryFacet>,
    /// When nothing matched: the query with its words corrected from the store's own
    /// product names, if any correction was found.
    pub did_you_mean: Option<String>,
    /// When nothing matched: the store's popular products, so the page is never empty
    /// (empty when the store has no products).
    pub popular: Vec<ProductCard>,
    pub engine: SearchEngine,
}

/// One autocomplete suggestion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suggestion {
    pub product_id: haat_domain::ProductId,
    pub name: String,
    pub price_minor: i64,
}

#[derive(Clone, Debug)]
pub struct SuggestOutcome {
    pub store: StoreProfile,
    pub suggestions: Vec<Suggestion>,
}

pub trait ProductSearch: Send + Sync + 'static {
    /// Searches one store; `Ok(None)` when no store has this slug.
    fn search<'a>(
        &'a self,
        slug: &'a StoreSlug,
        query: &'a SearchQuery,
    ) -> BoxFuture<'a, Result<Option<SearchOutcome>, CatalogError>>;

    /// Up to `limit` products whose names complete what the shopper is typing
    /// (`text`'s last word is taken as unfinished); `Ok(None)` for an unknown store.
    fn suggest<'a>(
        &'a self,
        slug: &'a StoreSlug,
        text: &'a str,
        limit: usize,
    ) -> BoxFuture<'a, Result<Option<SuggestOutcome>, CatalogError>>;
}

pub type SharedSearch = Arc<dyn ProductSearch>;

/// Counts `haat_storefront_search_total{engine, outcome}` and logs the search at debug
/// level. Only searches with words are counted (an empty box shows popular products and
/// is not a search that found nothing). The text itself is never logged: shoppers type
/// anything into a search box, phone numbers included; its length is.
pub(crate) fn record_search(slug: &StoreSlug, query: &SearchQuery, outcome: &SearchOutcome) {
    tracing::debug!(
        store.slug = %slug,
        search.engine = outcome.engine.as_str(),
        search.total = outcome.total,
        search.chars = query.text.chars().count(),
        search.page = query.page,
        search.sort = query.sort.as_str(),
        "storefront search"
    );
    if query.text.is_empty() {
        return;
    }
    // Literal labels: the key is built statically, no allocation per request.
    let counter = match (outcome.engine, outcome.total > 0) {
        (SearchEngine::Index, true) => metrics::counter!(
            "haat_storefront_search_total", "engine" => "index", "outcome" => "results"
        ),
        (SearchEngine::Index, false) => metrics::counter!(
            "haat_storefront_search_total", "engine" => "index", "outcome" => "empty"
        ),
        (SearchEngine::Fallback, true) => metrics::counter!(
            "haat_storefront_search_total", "engine" => "fallback", "outcome" => "results"
        ),
        (SearchEngine::Fallback, false) => metrics::counter!(
            "haat_storefront_search_total", "engine" => "fallback", "outcome" => "empty"
        ),
    };
    counter.increment(1);
}

/// Pages of `per_page` results that `total` results fill, at least one, at most
/// [`MAX_SEARCH_PAGES`].
pub(crate) fn page_count(total: u64, per_page: u32) -> u32 {
    let per_page = u64::from(per_page.max(1));
    let pages = total
        .div_ceil(per_page)
        .clamp(1, u64::from(MAX_SEARCH_PAGES));
    u32::try_from(pages).unwrap_or(MAX_SEARCH_PAGES)
}

/// Suggestions an autocomplete answer holds, at most.
pub(crate) const SUGGEST_LIMIT: usize = 8;
