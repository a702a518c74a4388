//! Search wired to this deployment (ADR 0019, docs/search.md): the node's index under
//! `<data dir>/search/index`, the indexer that follows the event log (PostgreSQL or
//! NATS, as `HAAT_EVENT_LOG` says) and re-reads every changed product from PostgreSQL,
//! and the storefront's [`ProductSearch`]: the index when it is ready, PostgreSQL
//! full-text search otherwise (missing or corrupt index, rebuild in progress, a failed
//! query), counted by `haat_search_fallback_total{reason}`.
//!
//! The indexer keeps no consumer group: the index's own commits record the log offset
//! they include, so a restarted node resumes from its index, and a node without one (or
//! whose position the log no longer holds) rebuilds from a database snapshot taken after
//! noting the log's head. Metrics: `haat_search_indexed_events_total`,
//! `haat_search_index_lag_seconds`, `haat_search_index_ready`,
//! `haat_search_indexer_failures_total{stage}`, `haat_search_rebuilds_total`.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use haat_db::{Db, DbError, FallbackQuery, SearchProductRow};
use haat_domain::catalog::{CategoryEntry, ProductCard, StoreProfile};
use haat_domain::{CategoryId, ProductId, StoreId, StoreSlug};
use haat_events::{Event, EventLog, PgEventLog, Tail};
use haat_search::{Change, ProductDoc, SearchIndex, SearchRequest, Sort, Synonyms};
use haat_storefront::{
    CatalogError, CategoryFacet, ProductSearch, SearchEngine, SearchOutcome, SearchQuery,
    SearchSort, SuggestOutcome, Suggestion,
};
use uuid::Uuid;

use crate::config::Config;

/// How long a store's own synonyms are reused before they are read again (a seller's
/// edit shows in searches within this).
const SYNONYMS_TTL: Duration = Duration::from_secs(5);
/// Stores whose synonyms are kept in memory at once.
const SYNONYMS_KEPT: usize = 10_000;
/// Products shown when a search finds nothing.
const POPULAR: usize = 8;

/// This node's search: its index (if it could be opened) and whether it is ready.
pub struct SearchNode {
    index: Option<Arc<SearchIndex>>,
    ready: AtomicBool,
    db: Db,
    synonyms: Mutex<HashMap<Uuid, (Instant, Arc<Synonyms>)>>,
}

impl SearchNode {
    /// Opens (or creates) the index under the data directory. A node whose index cannot
    /// be opened still searches, through PostgreSQL.
    pub fn open(config: &Config, db: &Db) -> Arc<SearchNode> {
        let dir = config.data_dir.join("search").join("index");
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
            index,
            ready: AtomicBool::new(false),
            db: db.clone(),
            synonyms: Mutex::new(HashMap::new()),
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
        if let Some((at, synonyms)) = lock(&self.synonyms).get(&key) {
            if at.elapsed() < SYNONYMS_TTL {
                return Ok(Arc::clone(synonyms));
            }
        }
        let groups = self.db.store_synonyms(store).await?;
        let synonyms = Arc::new(Synonyms::from_groups(groups));
        let mut kept = lock(&self.synonyms);
        if kept.len() >= SYNONYMS_KEPT {
            kept.clear();
        }
        kept.insert(key, (Instant::now(), Arc::clone(&synonyms)));
        Ok(synonyms)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
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
        let results = self
            .db
            .search_fallback(
                store.id,
                &FallbackQuery {
                    text: &query.text,
                    category_id: query.category.map(|c| c.as_uuid()),
                    min_price_minor: query.min_price_minor,
                    max_price_minor: query.max_price_minor,
                    sort,
                    limit: per_page,
                    offset: (i64::from(query.page.max(1)) - 1) * per_page,
                },
            )
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
            let Some(store) = self.db.store_profile(slug).await.map_err(unavailable)? else {
                return Ok(None);
            };
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
            let names: HashMap<Uuid, String> = self
                .db
                .category_names(store.id, &category_ids)
                .await
                .map_err(unavailable)?
                .into_iter()
                .collect();
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
            let Some(store) = self.db.store_profile(slug).await.map_err(unavailable)? else {
                return Ok(None);
            };
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

#[derive(Clone, Debug)]
pub struct IndexerSettings {
    pub batch: usize,
    /// How long one poll waits for events.
    pub wait: Duration,
    /// A poll, a database read or a commit taking longer than this counts as a failure.
    pub step_timeout: Duration,
    /// Pause after a failure before following again.
    pub retry_after: Duration,
    /// Products read per query while rebuilding from a snapshot.
    pub snapshot_page: i64,
}

impl Default for IndexerSettings {
    fn default() -> Self {
        IndexerSettings {
            batch: 1_000,
            wait: Duration::from_millis(500),
            step_timeout: Duration::from_secs(30),
            retry_after: Duration::from_secs(1),
            snapshot_page: 1_000,
        }
    }
}

/// Keeps the node's index in step with the event log `HAAT_EVENT_LOG` names, until
/// `stop` resolves.
pub async fn run_indexer(
    config: &Config,
    db: Db,
    node: Arc<SearchNode>,
    settings: IndexerSettings,
    stop: impl std::future::Future<Output = ()> + Send,
) {
    tokio::pin!(stop);
    match &config.event_log {
        Some(url) if url.scheme() == "nats" => {
            let connected = crate::background::connect_nats(
                url,
                settings.step_timeout,
                settings.retry_after,
                &mut stop,
                |reason| failed("connect", reason),
            );
            let Some(log) = connected.await else {
                return;
            };
            index_from(log, db, node, settings, stop).await;
        }
        _ => {
            let log = PgEventLog::new(db.clone());
            index_from(log, db, node, settings, stop).await;
        }
    }
}

fn failed(stage: &'static str, reason: &str) {
    metrics::counter!("haat_search_indexer_failures_total", "stage" => stage).increment(1);
    tracing::warn!(
        stage,
        reason,
        "search indexer interrupted; retrying (searches are answered meanwhile)"
    );
}

/// Follows `log` and applies it to the node's index, again after every failure.
pub async fn index_from<L: EventLog>(
    log: L,
    db: Db,
    node: Arc<SearchNode>,
    settings: IndexerSettings,
    stop: impl std::future::Future<Output = ()> + Send,
) {
    let Some(index) = node.index.clone() else {
        return;
    };
    tokio::pin!(stop);
    loop {
        let run = follow(&log, &db, &node, &index, &settings);
        tokio::select! {
            () = &mut stop => return,
            result = run => {
                if let Err((stage, reason)) = result {
                    failed(stage, &reason);
                }
            }
        }
        tokio::select! {
            () = &mut stop => return,
            () = tokio::time::sleep(settings.retry_after) => {}
        }
    }
}

type StepError = (&'static str, String);

async fn step<T, E: std::fmt::Display>(
    stage: &'static str,
    limit: Duration,
    future: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, StepError> {
    match tokio::time::timeout(limit, future).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err((stage, error.to_string())),
        Err(_) => Err((stage, "timed out".to_owned())),
    }
}

/// Runs blocking index work (tokenizing, fsync on commit) off the async workers.
async fn blocking<T: Send + 'static>(
    stage: &'static str,
    work: impl FnOnce() -> haat_search::Result<T> + Send + 'static,
) -> Result<T, StepError> {
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err((stage, error.to_string())),
        Err(error) => Err((stage, error.to_string())),
    }
}

/// One run: resume from the index's position (or rebuild), then apply batches until an
/// error.
async fn follow<L: EventLog>(
    log: &L,
    db: &Db,
    node: &SearchNode,
    index: &Arc<SearchIndex>,
    settings: &IndexerSettings,
) -> Result<(), StepError> {
    let position = {
        let index = Arc::clone(index);
        blocking("position", move || index.position()).await?
    };
    let mut tail = match position {
        Some(position) => step("follow", settings.step_timeout, log.follow(Some(position))).await?,
        None => {
            let tail = step("follow", settings.step_timeout, log.follow(None)).await?;
            rebuild(db, node, index, settings, None, tail.position()).await?;
            tail
        }
    };
    let mut applied = tail.position();
    node.set_ready(true);
    tracing::info!(position = applied, "search indexer following the event log");
    loop {
        let batch = step(
            "poll",
            settings.step_timeout,
            tail.next_batch(settings.batch, settings.wait),
        )
        .await?;
        let (Some(first), Some(last)) = (batch.first(), batch.last()) else {
            continue;
        };
        if first.offset > applied + 1 {
            // The log no longer holds what came between (retention): start afresh from
            // the database, which has every change the missing events carried.
            tracing::warn!(
                applied,
                next = first.offset,
                "search index fell behind the event log's retention; rebuilding"
            );
            rebuild(db, node, index, settings, None, last.offset).await?;
            applied = last.offset;
            node.set_ready(true);
            continue;
        }
        let changes = step("read", settings.step_timeout, resolve(db, &batch)).await?;
        let position = tail.position();
        {
            let index = Arc::clone(index);
            blocking("commit", move || index.apply(&changes, position)).await?;
        }
        applied = position;
        metrics::counter!("haat_search_indexed_events_total").increment(batch.len() as u64);
        let age = (time::OffsetDateTime::now_utc() - last.committed_at).as_seconds_f64();
        metrics::gauge!("haat_search_index_lag_seconds").set(age.max(0.0));
    }
}

/// Replaces the index's contents (all stores, or one) with a snapshot of the database,
/// committed with `position` in one commit: searches see the old contents until then.
pub async fn rebuild(
    db: &Db,
    node: &SearchNode,
    index: &Arc<SearchIndex>,
    settings: &IndexerSettings,
    store: Option<Uuid>,
    position: u64,
) -> Result<u64, StepError> {
    let started = Instant::now();
    if store.is_none() {
        node.set_ready(false);
    }
    metrics::counter!("haat_search_rebuilds_total").increment(1);
    let first = match store {
        Some(store) => Change::DeleteStore(store),
        None => Change::DeleteAll,
    };
    {
        let index = Arc::clone(index);
        blocking("rebuild", move || index.stage(&[first])).await?;
    }
    let mut after = None;
    let mut products = 0u64;
    loop {
        let rows = step(
            "snapshot",
            settings.step_timeout,
            db.search_products_after(store, after, settings.snapshot_page),
        )
        .await?;
        let Some(last) = rows.last() else {
            break;
        };
        after = Some(last.id);
        products += rows.len() as u64;
        let changes: Vec<Change> = rows
            .into_iter()
            .map(|row| Change::Upsert(doc(row)))
            .collect();
        let index = Arc::clone(index);
        blocking("rebuild", move || index.stage(&changes)).await?;
    }
    {
        let index = Arc::clone(index);
        blocking("commit", move || index.commit(position)).await?;
    }
    tracing::info!(
        products,
        position,
        seconds = started.elapsed().as_secs_f64(),
        "search index rebuilt from the database"
    );
    Ok(products)
}

fn doc(row: SearchProductRow) -> ProductDoc {
    ProductDoc {
        id: row.id,
        store_id: row.store_id,
        name: row.name,
        description: row.description,
        category_id: row.category_id,
        category: row.category,
        price_minor: u64::try_from(row.price_minor).unwrap_or(0),
        in_stock: row.in_stock,
        popularity: u64::try_from(row.popularity).unwrap_or(0),
        created: row.created_at.unix_timestamp(),
    }
}

/// What a batch of events means for the index: the current state of every product it
/// touched (directly, through its category, or through an order's popularity), and
/// deleted stores. Applying a product's current state is idempotent, so replays and
/// duplicates are harmless.
async fn resolve(db: &Db, events: &[Event]) -> Result<Vec<Change>, DbError> {
    let mut products: HashSet<Uuid> = HashSet::new();
    let mut categories = Vec::new();
    let mut orders = Vec::new();
    let mut changes = Vec::new();
    for event in events {
        match (event.entity.as_str(), event.op.as_str()) {
            ("product", _) => {
                products.insert(event.entity_id);
            }
            ("category", _) => categories.push(event.entity_id),
            ("order", _) => orders.push(event.entity_id),
            ("store", "delete") => changes.push(Change::DeleteStore(event.store_id)),
            _ => {}
        }
    }
    if !categories.is_empty() {
        products.extend(db.product_ids_in_categories(&categories).await?);
    }
    if !orders.is_empty() {
        products.extend(db.product_ids_in_orders(&orders).await?);
    }
    let ids: Vec<Uuid> = products.iter().copied().collect();
    let rows = if ids.is_empty() {
        Vec::new()
    } else {
        db.search_products_by_ids(&ids).await?
    };
    for row in rows {
        products.remove(&row.id);
        if row.active {
            changes.push(Change::Upsert(doc(row)));
        } else {
            changes.push(Change::Delete(row.id));
        }
    }
    // Asked for but gone: deleted.
    changes.extend(products.into_iter().map(Change::Delete));
    Ok(changes)
}
