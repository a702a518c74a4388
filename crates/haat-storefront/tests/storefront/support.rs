//! Test doubles and helpers: an in-memory [`CatalogSource`] that pages like the real one,
//! a [`ProductSearch`] that answers canned outcomes and records what it was asked,
//! sample stores, and a one-call way to send a request through the router.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::Router;
use futures::future::BoxFuture;
use haat_domain::catalog::{
    CatalogCursor, CatalogPage, CatalogQuery, CatalogSort, CategoryEntry, ImageRef, ProductCard,
    StoreProfile,
};
use haat_domain::{CategoryId, Currency, ProductId, StoreId, StoreSlug};
use haat_media::MediaStore;
use haat_storefront::{
    CatalogError, CatalogSource, CategoryFacet, ProductSearch, ProductView, SearchEngine,
    SearchOutcome, SearchQuery, StorefrontConfig, StorefrontState, SuggestOutcome, Suggestion,
};
use http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use time::{Duration, OffsetDateTime};
use tower::ServiceExt;

pub const PUBLIC_URL: &str = "http://127.0.0.1:8080/";

/// Fixed ids of the sample store, so cases can name them in URLs.
pub const TEA: &str = "0190a5c4-7b1e-7c3a-8f2d-000000000001";
pub const SNACKS: &str = "0190a5c4-7b1e-7c3a-8f2d-000000000002";
pub const MASALA_CHAI: &str = "0190a5c4-7b1e-7c3a-8f2d-0000000000a1";
pub const SAMOSA: &str = "0190a5c4-7b1e-7c3a-8f2d-0000000000a2";
pub const CAKE: &str = "0190a5c4-7b1e-7c3a-8f2d-0000000000a3";

/// One store's catalog in memory, paged by the same rules the database follows: every
/// order ends with the product id, so a cursor never skips or repeats a product.
pub struct MemoryCatalog {
    pub store: StoreProfile,
    pub categories: Vec<CategoryEntry>,
    pub products: Vec<ProductCard>,
    /// When set, every call fails as if the database were down.
    pub failing: bool,
}

impl MemoryCatalog {
    pub fn new(store: StoreProfile) -> MemoryCatalog {
        MemoryCatalog {
            store,
            categories: Vec::new(),
            products: Vec::new(),
            failing: false,
        }
    }

    pub fn category(&mut self, name: &str) -> CategoryId {
        let id = CategoryId::new();
        self.categories.push(CategoryEntry {
            id,
            name: name.to_owned(),
        });
        id
    }

    pub fn add(&mut self, product: ProductCard) -> ProductId {
        let id = product.id;
        self.products.push(product);
        id
    }

    fn check_up(&self) -> Result<(), CatalogError> {
        if self.failing {
            return Err(CatalogError {
                reason: "connection refused".to_owned(),
            });
        }
        Ok(())
    }

    fn sorted(&self, query: &CatalogQuery) -> Vec<ProductCard> {
        let mut products: Vec<ProductCard> = self
            .products
            .iter()
            .filter(|product| query.category.is_none() || product.category_id == query.category)
            .cloned()
            .collect();
        let category_rank = |product: &ProductCard| {
            self.categories
                .iter()
                .position(|category| Some(category.id) == product.category_id)
                .unwrap_or(usize::MAX)
        };
        match query.sort {
            CatalogSort::Category => products.sort_by_key(|product| {
                (
                    category_rank(product),
                    product.name.to_lowercase(),
                    product.id,
                )
            }),
            CatalogSort::Newest => {
                products.sort_by_key(|product| std::cmp::Reverse((product.created_at, product.id)))
            }
            CatalogSort::PriceAsc => {
                products.sort_by_key(|product| (product.price_minor, product.id))
            }
            CatalogSort::PriceDesc => {
                products.sort_by_key(|product| std::cmp::Reverse((product.price_minor, product.id)))
            }
            CatalogSort::Name => {
                products.sort_by_key(|product| (product.name.to_lowercase(), product.id))
            }
        }
        products
    }
}

fn cursor_after(product: &ProductCard, sort: CatalogSort) -> CatalogCursor {
    let id = product.id;
    match sort {
        CatalogSort::Category => CatalogCursor::Category {
            category_id: product.category_id,
            name_key: product.name.to_lowercase(),
            id,
        },
        CatalogSort::Newest => CatalogCursor::Newest {
            created_at_micros: (product.created_at.unix_timestamp_nanos() / 1000) as i64,
            id,
        },
        CatalogSort::PriceAsc | CatalogSort::PriceDesc => CatalogCursor::Price {
            price_minor: product.price_minor,
            id,
        },
        CatalogSort::Name => CatalogCursor::Name {
            name_key: product.name.to_lowercase(),
            id,
        },
    }
}

fn cursor_id(cursor: &CatalogCursor) -> ProductId {
    match cursor {
        CatalogCursor::Category { id, .. }
        | CatalogCursor::Newest { id, .. }
        | CatalogCursor::Price { id, .. }
        | CatalogCursor::Name { id, .. } => *id,
    }
}

impl CatalogSource for MemoryCatalog {
    fn catalog_page<'a>(
        &'a self,
        slug: &'a StoreSlug,
        query: &'a CatalogQuery,
    ) -> BoxFuture<'a, Result<Option<CatalogPage>, CatalogError>> {
        Box::pin(async move {
            self.check_up()?;
            if slug.as_str() != self.store.slug {
                return Ok(None);
            }
            let sorted = self.sorted(query);
            let start = match &query.after {
                None => 0,
                Some(cursor) => sorted
                    .iter()
                    .position(|product| product.id == cursor_id(cursor))
                    .map_or(sorted.len(), |index| index + 1),
            };
            let rest = &sorted[start.min(sorted.len())..];
            let products: Vec<ProductCard> =
                rest.iter().take(query.limit as usize).cloned().collect();
            let next = (rest.len() > products.len())
                .then(|| products.last().map(|last| cursor_after(last, query.sort)))
                .flatten();
            Ok(Some(CatalogPage {
                store: self.store.clone(),
                categories: self.categories.clone(),
                products,
                next,
            }))
        })
    }

    fn product<'a>(
        &'a self,
        slug: &'a StoreSlug,
        product: ProductId,
    ) -> BoxFuture<'a, Result<Option<ProductView>, CatalogError>> {
        Box::pin(async move {
            self.check_up()?;
            if slug.as_str() != self.store.slug {
                return Ok(None);
            }
            let Some(found) = self
                .products
                .iter()
                .find(|candidate| candidate.id == product)
            else {
                return Ok(None);
            };
            let category_name = self
                .categories
                .iter()
                .find(|category| Some(category.id) == found.category_id)
                .map(|category| category.name.clone());
            Ok(Some(ProductView {
                store: self.store.clone(),
                product: found.clone(),
                category_name,
            }))
        })
    }
}

pub fn store(slug: &str, name: &str) -> StoreProfile {
    StoreProfile {
        id: StoreId::new(),
        slug: slug.to_owned(),
        name: name.to_owned(),
        description: String::new(),
        whatsapp: None,
        accent_colour: "#b45309".to_owned(),
        currency: Currency::Inr,
        logo: None,
        updated_at: OffsetDateTime::UNIX_EPOCH,
        change_seq: 0,
    }
}

/// A product with unlimited stock and no photo. Its creation time is derived from the
/// price, so that "newest" and "price" orders differ.
pub fn product(name: &str, price_minor: i64) -> ProductCard {
    ProductCard {
        id: ProductId::new(),
        name: name.to_owned(),
        description: String::new(),
        price_minor,
        category_id: None,
        stock: None,
        image: None,
        created_at: OffsetDateTime::UNIX_EPOCH + Duration::minutes(price_minor % 997),
    }
}

/// A photo with the usual four variants; `seed` picks its (fake) content hash.
pub fn photo(seed: char) -> ImageRef {
    ImageRef {
        hash: seed.to_string().repeat(64),
        width: 1200,
        height: 900,
        variant_widths: vec![160, 480, 960, 1600],
    }
}

/// The store most tests look at: categories, a photo, a sold-out item, and some markup
/// in seller-written text.
pub fn chai_point() -> MemoryCatalog {
    let mut profile = store("chai-point", "Chai Point");
    profile.description = "Fresh chai & snacks\nsince 1998".to_owned();
    profile.whatsapp = Some("+919876543210".to_owned());
    let mut catalog = MemoryCatalog::new(profile);
    let tea = CategoryId::parse(TEA).unwrap();
    let snacks = CategoryId::parse(SNACKS).unwrap();
    for (id, name) in [(tea, "Tea"), (snacks, "Snacks")] {
        catalog.categories.push(CategoryEntry {
            id,
            name: name.to_owned(),
        });
    }
    let mut masala = product("Masala Chai", 129950);
    masala.id = ProductId::parse(MASALA_CHAI).unwrap();
    masala.category_id = Some(tea);
    masala.image = Some(photo('a'));
    masala.description = "Strong & sweet.\nServed hot.".to_owned();
    catalog.add(masala);
    let mut samosa = product("Samosa", 2000);
    samosa.category_id = Some(snacks);
    samosa.stock = Some(0);
    samosa.id = ProductId::parse(SAMOSA).unwrap();
    catalog.add(samosa);
    let mut evil = product("<script>alert(1)</script> Cake", 50000);
    evil.description = "<img src=x onerror=alert(1)> \"quoted\"".to_owned();
    evil.id = ProductId::parse(CAKE).unwrap();
    evil.stock = Some(3);
    catalog.add(evil);
    catalog
}

/// A search of one store with canned answers: `matches` are the products any search
/// with words finds (paged by the query's `page` and `per_page`), `facets`,
/// `did_you_mean` and `popular` are returned as they are (the last two only when
/// nothing matched, as the real engines do). Every query is recorded.
pub struct FakeSearch {
    pub store: StoreProfile,
    pub matches: Vec<ProductCard>,
    pub facets: Vec<CategoryFacet>,
    pub did_you_mean: Option<String>,
    pub popular: Vec<ProductCard>,
    pub suggestions: Vec<Suggestion>,
    pub engine: SearchEngine,
    /// When set, every call fails as if the index and the database were down.
    pub failing: bool,
    queries: Mutex<Vec<SearchQuery>>,
    suggested: Mutex<Vec<(String, usize)>>,
}

impl FakeSearch {
    /// A search of `catalog`'s store that finds every product of it and lists the first
    /// two as popular; categories with products become facets.
    pub fn of(catalog: &MemoryCatalog) -> FakeSearch {
        let facets = catalog
            .categories
            .iter()
            .map(|category| CategoryFacet {
                category: Some(category.clone()),
                count: catalog
                    .products
                    .iter()
                    .filter(|product| product.category_id == Some(category.id))
                    .count() as u64,
            })
            .chain(std::iter::once(CategoryFacet {
                category: None,
                count: catalog
                    .products
                    .iter()
                    .filter(|product| product.category_id.is_none())
                    .count() as u64,
            }))
            .filter(|facet| facet.count > 0)
            .collect();
        FakeSearch {
            store: catalog.store.clone(),
            matches: catalog.products.clone(),
            facets,
            did_you_mean: None,
            popular: catalog.products.iter().take(2).cloned().collect(),
            suggestions: catalog
                .products
                .iter()
                .map(|product| Suggestion {
                    product_id: product.id,
                    name: product.name.clone(),
                    price_minor: product.price_minor,
                })
                .collect(),
            engine: SearchEngine::Index,
            failing: false,
            queries: Mutex::new(Vec::new()),
            suggested: Mutex::new(Vec::new()),
        }
    }

    /// The same search, finding nothing.
    pub fn finding_nothing(mut self) -> FakeSearch {
        self.matches.clear();
        self.facets.clear();
        self
    }

    /// The searches received, oldest first.
    pub fn queries(&self) -> Vec<SearchQuery> {
        self.queries.lock().unwrap().clone()
    }

    /// The last search received.
    pub fn last_query(&self) -> SearchQuery {
        self.queries().pop().expect("no search was made")
    }

    /// The `(text, limit)` of each suggestion request received.
    pub fn suggested(&self) -> Vec<(String, usize)> {
        self.suggested.lock().unwrap().clone()
    }

    fn check_up(&self) -> Result<(), CatalogError> {
        if self.failing {
            return Err(CatalogError {
                reason: "index corrupt; database timeout".to_owned(),
            });
        }
        Ok(())
    }
}

impl ProductSearch for FakeSearch {
    fn search<'a>(
        &'a self,
        slug: &'a StoreSlug,
        query: &'a SearchQuery,
    ) -> BoxFuture<'a, Result<Option<SearchOutcome>, CatalogError>> {
        Box::pin(async move {
            self.queries.lock().unwrap().push(query.clone());
            self.check_up()?;
            if slug.as_str() != self.store.slug {
                return Ok(None);
            }
            let matches: &[ProductCard] = if query.text.is_empty() {
                &[]
            } else {
                &self.matches
            };
            let skip = (query.page.saturating_sub(1) * query.per_page) as usize;
            let products: Vec<ProductCard> = matches
                .iter()
                .skip(skip)
                .take(query.per_page as usize)
                .cloned()
                .collect();
            let nothing = matches.is_empty();
            Ok(Some(SearchOutcome {
                store: self.store.clone(),
                total: matches.len() as u64,
                products,
                facets: if query.text.is_empty() {
                    Vec::new()
                } else {
                    self.facets.clone()
                },
                did_you_mean: self
                    .did_you_mean
                    .clone()
                    .filter(|_| nothing && !query.text.is_empty()),
                popular: if nothing {
                    self.popular.clone()
                } else {
                    Vec::new()
                },
                engine: self.engine,
            }))
        })
    }

    fn suggest<'a>(
        &'a self,
        slug: &'a StoreSlug,
        text: &'a str,
        limit: usize,
    ) -> BoxFuture<'a, Result<Option<SuggestOutcome>, CatalogError>> {
        Box::pin(async move {
            self.suggested
                .lock()
                .unwrap()
                .push((text.to_owned(), limit));
            self.check_up()?;
            if slug.as_str() != self.store.slug {
                return Ok(None);
            }
            // Deliberately ignores `limit`: the storefront must cap the answer itself.
            Ok(Some(SuggestOutcome {
                store: self.store.clone(),
                suggestions: self.suggestions.clone(),
            }))
        })
    }
}

/// The router over `catalog` with `search`; the test keeps `search` to look at what it
/// was asked.
pub fn app_with_search(catalog: MemoryCatalog, search: Arc<FakeSearch>) -> Router {
    let state = state(catalog, MediaStore::in_memory()).with_search(search);
    haat_storefront::router(state).fallback(haat_storefront::not_found)
}

fn state(catalog: MemoryCatalog, media: MediaStore) -> StorefrontState {
    let mut config = StorefrontConfig::new(PUBLIC_URL.parse().unwrap());
    config.page_size = 48;
    StorefrontState::new(
        Arc::new(catalog),
        media,
        config,
        haat_cache::PageCache::disabled(),
    )
}

pub fn app(catalog: MemoryCatalog) -> Router {
    app_with_media(catalog, MediaStore::in_memory())
}

pub fn app_with_media(catalog: MemoryCatalog, media: MediaStore) -> Router {
    haat_storefront::router(state(catalog, media)).fallback(haat_storefront::not_found)
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    pub bytes: Vec<u8>,
}

impl TestResponse {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(|value| value.to_str().unwrap())
            .unwrap_or("")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|error| panic!("{error}: {}", self.body))
    }
}

pub async fn get(router: &Router, uri: &str) -> TestResponse {
    get_with(router, Request::get(uri).body(Body::empty()).unwrap()).await
}

pub async fn get_with(router: &Router, request: Request<Body>) -> TestResponse {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    TestResponse {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        bytes,
    }
}

/// Asserts that `body` (the page at `uri`) holds every `expected` fragment and none of
/// the `unexpected` ones, printing the page when not.
pub fn assert_fragments(uri: &str, body: &str, expected: &[&str], unexpected: &[&str]) {
    for fragment in expected {
        assert!(
            body.contains(fragment),
            "{uri}: missing {fragment:?} in\n{body}"
        );
    }
    for fragment in unexpected {
        assert!(
            !body.contains(fragment),
            "{uri}: unexpected {fragment:?} in\n{body}"
        );
    }
}
