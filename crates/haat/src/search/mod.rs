//! Search wired to this deployment (ADR 0019, docs/search.md): the node's index under
//! `<data dir>/search/index`, the indexer that follows the event log (PostgreSQL or
//! NATS, as `HAAT_EVENT_LOG` says) and re-reads every changed product from PostgreSQL,
//! and the storefront's [`ProductSearch`]: the index when it is ready, PostgreSQL
//! full-text search otherwise (missing or corrupt index, rebuild in progress, a failed
//! query), counted by `haat_search_fallback_total{reason}`.
//!
//! [`indexer`] keeps the index in step; [`admin`] holds the operator's commands
//! (`haat search reindex | snapshot | restore`).

mod admin;
mod indexer;

pub use admin::{reindex, restore, snapshot, NodeOutcome, ReindexOutcome, WatchSettings};
pub use indexer::{
    index_from, product_doc, rebuild, run_indexer, IndexerSettings, Progress, StepError,
};

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use haat_db::{Db, DbError, FallbackQuery};
use haat_domain::catalog::{CategoryEntry, ProductCard, StoreProfile};
use haat_domain::{CategoryId, ProductId, StoreId, StoreSlug};
use haat_search::{SearchIndex, SearchRequest, Sort, Synonyms};
use haat_storefront::{
    CatalogError, CategoryFacet, ProductSearch, SearchEngine, SearchOutcome, SearchQuery,
    SearchSort, SuggestOutcome, Suggestion,
};
use uuid::Uuid;

use crate::config::Config;

/// How long a store's own synonyms are reused before they are read again (a seller's
/// edit shows in searches within this).
const SYNONYMS_TTL: Duration = Duration::from_secs(5);
/// How long a store's row (name, currency, …) is reused by searches: within the
/// storefront's freshness promise of a second (docs/FRESHNESS.md).
const PROFILE_TTL: Duration = Duration::from_secs(1);
/// Stores whose synonyms and rows are kept in memory at once.
const STORES_KEPT: u64 = 10_000;
/// Products shown when a search finds nothing.
const POPULAR: usize = 8;

/// This node's search: its index (if it could be opened) and whether it is ready.
pub struct SearchNode {
    /// How the node names itself to the fleet ([`Config::node_name`]).
    name: String,
    started_at: time::OffsetDateTime,
    index: Option<Arc<SearchIndex>>,
    ready: AtomicBool,
    db: Db,
    /// The PostgreSQL fallback's reads may be slightly stale: replicas when configured.
    reads: haat_db::Reads,
    synonyms: moka::sync::Cache<Uuid, Arc<Synonyms>>,
    profiles: moka::sync::Cache<StoreSlug, Option<Arc<StoreProfile>>>,
}

impl SearchNode {
    /// Opens (or creates) the index under the data directory, first restoring
    /// `HAAT_SEARCH_SNAPSHOT` if the node has no index yet. A node whose index cannot be
    /// opened still searches, through PostgreSQL.
    pub fn open(config: &Config, db: &Db, reads: haat_db::Reads) -> Arc<SearchNode> {
        let dir = config.search_index_dir();
        if let Some(snapshot) = &config.search_snapshot {
            admin::restore_if_new(&dir, snapshot);
        }
        let index = match SearchIndex::open(&dir) {
            Ok(index) => Some(Arc::new(index)),
            Err(error) => {
                metrics::counter!("haat_search_index_open_failures_total").increment(1);
                tracing::error!(%error, "cannot open the search index; searching PostgreSQL instead");
                None
            }
        };
        metrics::gauge!("haat_search_index_ready").set(0.0);
        Arc::new(SearchNode {
            name: config.node_name(),
            started_at: time::OffsetDateTime::now_utc(),
            index,
            ready: AtomicBool::new(false),
            db: db.clone(),
            reads,
            synonyms: moka::sync::Cache::builder()
                .max_capacity(STORES_KEPT)
                .time_to_live(SYNONYMS_TTL)
                .build(),
            profiles: moka::sync::Cache::builder()
                .max_capacity(STORES_KEPT)
                .time_to_live(PROFILE_TTL)
                .build(),
        })
    }

    /// Whether searches are answered by the index (else by PostgreSQL).
    pub fn is_ready(&self) -> bool {
        self.index.is_some() && self.ready.load(Ordering::Acquire)
    }

    fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::Release);
        metrics::gauge!("haat_search_index_ready").set(if ready { 1.0 } else { 0.0 });
    }

    /// The index, when it may answer.
    fn ready_index(&self) -> Option<&Arc<SearchIndex>> {
        self.index.as_ref().filter(|_| self.is_ready())
    }

    async fn store_synonyms(&self, store: StoreId) -> Result<Arc<Synonyms>, DbError> {
        let key = store.as_uuid();
        if let Some(synonyms) = self.synonyms.get(&key) {
            return Ok(synonyms);
        }
        let groups = self.db.store_synonyms(store).await?;
        let synonyms = Arc::new(Synonyms::from_groups(groups));
        self.synonyms.insert(key, Arc::clone(&synonyms));
        Ok(synonyms)
    }

    /// The store behind a slug (`None`: no such store), read at most [`PROFILE_TTL`]
    /// ago: a search costs one database read fewer.
    async fn store_profile(&self, slug: &StoreSlug) -> Result<Option<Arc<StoreProfile>>, DbError> {
        if let Some(profile) = self.profiles.get(slug) {
            return Ok(profile);
        }
        let profile = self.db.store_profile(slug).await?.map(Arc::new);
        self.profiles.insert(slug.clone(), profile.clone());
        Ok(profile)
    }
}

fn unavailable(error: DbError) -> CatalogError {
    tracing::warn!(%error, "search read failed");
    CatalogError {
        reason: error.to_string(),
    }
}

fn fallback_used(reason: &'static str) {
    metrics::counter!("haat_search_fallback_total", "reason" => reason).increment(1);
}

/// What the index (or the fallback) found, before products are read.
struct Found {
    total: u64,
    ids: Vec<Uuid>,
    facets: Vec<(Option<Uuid>, u64)>,
    did_you_mean: Option<String>,
    popular: Option<Vec<Uuid>>,
    engine: SearchEngine,
}

fn sort_of(sort: SearchSort) -> Sort {
    match sort {
        SearchSort::Relevance => Sort::Relevance,
        SearchSort::PriceAsc => Sort::PriceLowToHigh,
        SearchSort::PriceDesc => Sort::PriceHighToLow,
        SearchSort::Newest => Sort::Newest,
    }
}

fn minor(price: Option<i64>) -> Option<u64> {
    price.map(|price| u64::try_from(price).unwrap_or(0))
}

impl SearchNode {
    fn search_index(
        index: &SearchIndex,
        store: &StoreProfile,
        query: &SearchQuery,
        synonyms: &Synonyms,
    ) -> haat_search::Result<Found> {
        let per_page = query.per_page.max(1) as usize;
        let results = index.search(&SearchRequest {
            store_id: store.id.as_uuid(),
            text: &query.text,
            prefix_last: false,
            category_id: query.category.map(|c| c.as_uuid()),
            min_price_minor: minor(query.min_price_minor),
            max_price_minor: minor(query.max_price_minor),
            sort: sort_of(query.sort),
            offset: (query.page.max(1) as usize - 1) * per_page,
            limit: per_page,
            store_synonyms: Some(synonyms),
        })?;
        let (did_you_mean, popular) = if results.total == 0 {
            let popular = index
                .popular(store.id.as_uuid(), POPULAR)?
                .into_iter()
                .map(|hit| hit.product_id)
                .collect();
            (
                index.did_you_mean(store.id.as_uuid(), &query.text)?,
                Some(popular),
            )
        } else {
            (None, None)
        };
        Ok(Found {
            total: results.total as u64,
            ids: results.hits.into_iter().map(|hit| hit.product_id).collect(),
            facets: results
                .categories
                .into_iter()
                .map(|(id, count)| (id, count as u64))
                .collect(),
            did_you_mean,
            popular,
            engine: SearchEngine::Index,
        })
    }

    async fn search_fallback(
        &self,
        store: &StoreProfile,
        query: &SearchQuery,
    ) -> Result<Found, DbError> {
        let per_page = i64::from(query.per_page.max(1));
        let sort = match query.sort {
            SearchSort::Relevance => "relevance",
            SearchSort::PriceAsc => "price_asc",
            SearchSort::PriceDesc => "price_desc",
            SearchSort::Newest => "newest",
        };
        let fallback = FallbackQuery {
            text: &query.text,
            category_id: query.category.map(|c| c.as_uuid()),
            min_price_minor: query.min_price_minor,
            max_price_minor: query.max_price_minor,
            sort,
            limit: per_page,
            offset: (i64::from(query.page.max(1)) - 1) * per_page,
        };
        let fallback = &fallback;
        let results = self
            .reads
            .run(None, |db| async move {
                db.search_fallback(store.id, fallback).await
            })
            .await?;
        let total = u64::try_from(results.total).unwrap_or(0);
        let popular = if total == 0 {
            Some(
                self.db
                    .popular_product_ids(store.id, POPULAR as i64)
                    .await?,
            )
        } else {
            None
        };
        Ok(Found {
            total,
            ids: results.ids,
            facets: Vec::new(),
            did_you_mean: None,
            popular,
            engine: SearchEngine::Fallback,
        })
    }

    async fn find(&self, store: &StoreProfile, query: &SearchQuery) -> Result<Found, DbError> {
        let Some(index) = self.ready_index() else {
            fallback_used(if self.index.is_none() {
                "no_index"
            } else {
                "not_ready"
            });
            return self.search_fallback(store, query).await;
        };
        let synonyms = self.store_synonyms(store.id).await?;
        match Self::search_index(index, store, query, &synonyms) {
            Ok(found) => Ok(found),
            Err(error) => {
                tracing::error!(%error, "search index query failed; searching PostgreSQL");
                fallback_used("error");
                self.search_fallback(store, query).await
            }
        }
    }
}

impl ProductSearch for SearchNode {
    fn search<'a>(
        &'a self,
        slug: &'a StoreSlug,
        query: &'a SearchQuery,
    ) -> BoxFuture<'a, Result<Option<SearchOutcome>, CatalogError>> {
        Box::pin(async move {
            let Some(store) = self.store_profile(slug).await.map_err(unavailable)? else {
                return Ok(None);
            };
            let store = StoreProfile::clone(&store);
            let found = self.find(&store, query).await.map_err(unavailable)?;
            let products = self
                .db
                .product_cards(store.id, &found.ids)
                .await
                .map_err(unavailable)?;
            let popular: Vec<ProductCard> = match &found.popular {
                Some(ids) => self
                    .db
                    .product_cards(store.id, ids)
                    .await
                    .map_err(unavailable)?,
                None => Vec::new(),
            };
            let category_ids: Vec<Uuid> = found.facets.iter().filter_map(|f| f.0).collect();
            let names: HashMap<Uuid, String> = if category_ids.is_empty() {
                HashMap::new()
            } else {
                self.db
                    .category_names(store.id, &category_ids)
                    .await
                    .map_err(unavailable)?
                    .into_iter()
                    .collect()
            };
            let facets = found
                .facets
                .iter()
                .filter_map(|&(id, count)| match id {
                    None => Some(CategoryFacet {
                        category: None,
                        count,
                    }),
                    // A category deleted since it was indexed is left out.
                    Some(id) => names.get(&id).map(|name| CategoryFacet {
                        category: Some(CategoryEntry {
                            id: CategoryId::from_uuid(id),
                            name: name.clone(),
                        }),
                        count,
                    }),
                })
                .collect();
            Ok(Some(SearchOutcome {
                store,
                total: found.total,
                products,
                facets,
                did_you_mean: found.did_you_mean,
                popular,
                engine: found.engine,
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
            let Some(store) = self.store_profile(slug).await.map_err(unavailable)? else {
                return Ok(None);
            };
            let store = StoreProfile::clone(&store);
            let limit = limit.clamp(1, 20);
            let mut suggestions = None;
            if let Some(index) = self.ready_index() {
                let synonyms = self.store_synonyms(store.id).await.map_err(unavailable)?;
                match index.search(&SearchRequest {
                    store_id: store.id.as_uuid(),
                    text,
                    prefix_last: true,
                    limit,
                    store_synonyms: Some(&synonyms),
                    ..SearchRequest::default()
                }) {
                    Ok(results) => {
                        suggestions = Some(
                            results
                                .hits
                                .into_iter()
                                .map(|hit| Suggestion {
                                    product_id: ProductId::from_uuid(hit.product_id),
                                    name: hit.name,
                                    price_minor: i64::try_from(hit.price_minor).unwrap_or(i64::MAX),
                                })
                                .collect(),
                        );
                    }
                    Err(error) => {
                        tracing::error!(%error, "search index suggest failed; searching PostgreSQL");
                        fallback_used("error");
                    }
                }
            } else {
                fallback_used("not_ready");
            }
            let suggestions = match suggestions {
                Some(suggestions) => suggestions,
                None => {
                    let query = SearchQuery {
                        text: text.to_owned(),
                        page: 1,
                        per_page: limit as u32,
                        ..SearchQuery::default()
                    };
                    let found = self
                        .search_fallback(&store, &query)
                        .await
                        .map_err(unavailable)?;
                    self.db
                        .product_cards(store.id, &found.ids)
                        .await
                        .map_err(unavailable)?
                        .into_iter()
                        .map(|card| Suggestion {
                            product_id: card.id,
                            name: card.name,
                            price_minor: card.price_minor,
                        })
                        .collect()
                }
            };
            Ok(Some(SuggestOutcome { store, suggestions }))
        })
    }
}
