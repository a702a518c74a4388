//! The storefront's page cache (ADR 0016, docs/FRESHNESS.md): rendered pages with their
//! gzip and brotli bodies prepared once, in process memory (moka, bounded by bytes) and,
//! when configured, in a shared Redis.
//!
//! Freshness does not come from expiry. Every page carries the store change sequence it
//! was built from (read no later than its data); the node learns of each committed
//! change from the event log ([`PageCache::observe`]) and keeps, per store, the highest
//! sequence it knows of (its *floor*). A page below its store's floor is never served,
//! from either level, whatever the order in which a rebuild and an event raced. A store
//! whose floor the node does not know yet (a cold node meeting a shared copy) asks the
//! [`FloorSource`] once.
//!
//! When the invalidation feed is not known to be healthy (no [`PageCache::heartbeat`]
//! lately) pages older than `unhealthy_max_age` count as stale too, so the freshness
//! bound holds at the price of more rebuilds. The TTL is only a safety net.
//!
//! Concurrent misses of one key share one rebuild (single flight), run as its own task
//! so a shopper closing the tab never cancels it for the others.
//!
//! Boundary: knows nothing of stores' pages or of databases; the storefront hands it
//! keys and build futures, the binary wires the event log and the floor source.

mod breaker;
mod page;
mod shared;

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::future::{BoxFuture, FutureExt, Shared};
use uuid::Uuid;

pub use breaker::Breaker;
pub use page::{negotiate, CachedPage, Encoding};
pub use shared::{RedisSettings, SharedError, SharedTier};

/// Why a page could not be built. Shared by every request waiting on the same rebuild,
/// and never cached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Miss {
    /// No such store or product (the handler knows which page to show).
    NotFound,
    /// The source could not answer (database down, timeout).
    Unavailable(Arc<str>),
    /// A bug: rendering failed.
    Failed(Arc<str>),
}

/// Where a store's current change sequence comes from when the node has not learned it
/// from events (PostgreSQL's `store_change_seq`).
pub trait FloorSource: Send + Sync + 'static {
    fn store_seq(&self, store: Uuid) -> BoxFuture<'_, Result<i64, String>>;
}

#[derive(Clone, Debug)]
pub struct CacheSettings {
    /// Bytes of pages kept in process memory; 0 turns caching off (every request builds).
    pub memory_bytes: u64,
    /// Safety-net expiry of a page in memory.
    pub ttl: Duration,
    /// While invalidation is not known healthy, pages older than this are rebuilt.
    pub unhealthy_max_age: Duration,
    /// Invalidation counts as healthy while heartbeats are at most this old.
    pub heartbeat_timeout: Duration,
    /// Stores whose floor is remembered (a forgotten one is asked for again).
    pub max_floors: u64,
    /// Limit on asking the floor source.
    pub floor_timeout: Duration,
}

impl Default for CacheSettings {
    fn default() -> Self {
        CacheSettings {
            memory_bytes: 64 * 1024 * 1024,
            ttl: Duration::from_secs(300),
            unhealthy_max_age: Duration::from_secs(1),
            heartbeat_timeout: Duration::from_secs(3),
            max_floors: 1_000_000,
            floor_timeout: Duration::from_secs(2),
        }
    }
}

type Flight = Shared<BoxFuture<'static, Result<Arc<CachedPage>, Miss>>>;

struct Inner {
    settings: CacheSettings,
    pages: moka::future::Cache<Arc<str>, Arc<CachedPage>>,
    floors: moka::sync::Cache<Uuid, i64>,
    floor_source: Arc<dyn FloorSource>,
    shared: Option<Arc<SharedTier>>,
    flights: Mutex<HashMap<Arc<str>, Flight>>,
    started: Instant,
    /// Milliseconds since `started` of the last heartbeat; negative: never.
    heartbeat_ms: AtomicI64,
    /// Bumped by [`PageCache::clear`]: what was read from the database before it must
    /// not be stored after it.
    epoch: AtomicU64,
    lookups: Lookups,
}

/// The two-level page cache. Cheap to clone.
#[derive(Clone)]
pub struct PageCache {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for PageCache {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("PageCache")
            .field("settings", &self.inner.settings)
            .field("pages", &self.inner.pages.entry_count())
            .finish_non_exhaustive()
    }
}

struct NoFloors;

impl FloorSource for NoFloors {
    fn store_seq(&self, _store: Uuid) -> BoxFuture<'_, Result<i64, String>> {
        Box::pin(async { Err("no floor source".to_owned()) })
    }
}

/// `haat_cache_lookups_total`'s handles, resolved once per cache: a hit then costs one
/// atomic increment, not a registry lookup.
struct Lookups {
    memory_hit: metrics::Counter,
    memory_stale: metrics::Counter,
    memory_miss: metrics::Counter,
    memory_bypass: metrics::Counter,
    redis_hit: metrics::Counter,
    redis_stale: metrics::Counter,
    redis_miss: metrics::Counter,
}

impl Lookups {
    fn new() -> Lookups {
        let counter = |tier: &'static str, outcome: &'static str| metrics::counter!("haat_cache_lookups_total", "tier" => tier, "outcome" => outcome);
        Lookups {
            memory_hit: counter("memory", "hit"),
            memory_stale: counter("memory", "stale"),
            memory_miss: counter("memory", "miss"),
            memory_bypass: counter("memory", "bypass"),
            redis_hit: counter("redis", "hit"),
            redis_stale: counter("redis", "stale"),
            redis_miss: counter("redis", "miss"),
        }
    }
}

impl PageCache {
    pub fn new(
        settings: CacheSettings,
        floor_source: Arc<dyn FloorSource>,
        shared: Option<Arc<SharedTier>>,
    ) -> PageCache {
        let pages = moka::future::Cache::builder()
            .max_capacity(settings.memory_bytes)
            .weigher(|key: &Arc<str>, page: &Arc<CachedPage>| {
                u32::try_from(key.len() + page.weight()).unwrap_or(u32::MAX)
            })
            .time_to_live(settings.ttl)
            .build();
        let floors = moka::sync::Cache::builder()
            .max_capacity(settings.max_floors)
            .build();
        PageCache {
            inner: Arc::new(Inner {
                settings,
                pages,
                floors,
                floor_source,
                shared,
                flights: Mutex::new(HashMap::new()),
                started: Instant::now(),
                heartbeat_ms: AtomicI64::new(-1),
                epoch: AtomicU64::new(0),
                lookups: Lookups::new(),
            }),
        }
    }

    /// A cache that keeps nothing: every request builds (`HAAT_CACHE_MEMORY_MB=0`, and
    /// tests of the pages themselves).
    pub fn disabled() -> PageCache {
        PageCache::new(
            CacheSettings {
                memory_bytes: 0,
                ..CacheSettings::default()
            },
            Arc::new(NoFloors),
            None,
        )
    }

    fn enabled(&self) -> bool {
        self.inner.settings.memory_bytes > 0
    }

    /// The highest committed change sequence of `store` this node knows of, if any: a
    /// page built from older data would be refused as stale (read replicas use it to
    /// tell whether they have a store's latest change).
    pub fn floor(&self, store: Uuid) -> Option<i64> {
        self.inner.floors.get(&store)
    }

    /// A committed change of `store` with this sequence number (from the event log).
    pub fn observe(&self, store: Uuid, seq: i64) {
        self.inner
            .floors
            .entry(store)
            .and_upsert_with(|known| known.map_or(seq, |known| (*known.value()).max(seq)));
    }

    /// Forgets every page and floor. The invalidation feed calls it when it starts
    /// following the log from its head: changes committed before that were never
    /// delivered, so nothing learned before may be trusted. Rebuilds and floor lookups
    /// that started before the call do not store their results.
    pub fn clear(&self) {
        self.inner.epoch.fetch_add(1, Ordering::SeqCst);
        self.inner.pages.invalidate_all();
        self.inner.floors.invalidate_all();
    }

    fn epoch(&self) -> u64 {
        self.inner.epoch.load(Ordering::SeqCst)
    }

    /// The invalidation feed is reading the log (called after every successful poll,
    /// empty or not).
    pub fn heartbeat(&self) {
        let now = i64::try_from(self.inner.started.elapsed().as_millis()).unwrap_or(i64::MAX);
        self.inner.heartbeat_ms.store(now, Ordering::Relaxed);
    }

    /// Whether changes are known to reach this node (a heartbeat within the timeout).
    pub fn invalidation_healthy(&self) -> bool {
        let last = self.inner.heartbeat_ms.load(Ordering::Relaxed);
        if last < 0 {
            return false;
        }
        let now = i64::try_from(self.inner.started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let timeout =
            i64::try_from(self.inner.settings.heartbeat_timeout.as_millis()).unwrap_or(i64::MAX);
        now - last <= timeout
    }

    /// The shared level's breaker is open (Redis skipped).
    pub fn shared_degraded(&self) -> bool {
        self.inner
            .shared
            .as_ref()
            .is_some_and(|shared| shared.is_open())
    }

    /// Pages and bytes held in process memory.
    pub fn memory_usage(&self) -> (u64, u64) {
        (
            self.inner.pages.entry_count(),
            self.inner.pages.weighted_size(),
        )
    }

    /// Young enough for the current health of invalidation.
    fn young_enough(&self, page: &CachedPage) -> bool {
        self.invalidation_healthy()
            || page.age_ms()
                <= i64::try_from(self.inner.settings.unhealthy_max_age.as_millis())
                    .unwrap_or(i64::MAX)
    }

    /// Fresh by what the node knows without asking: `None` when the store's floor is
    /// unknown.
    fn fresh_known(&self, page: &CachedPage) -> Option<bool> {
        let floor = self.inner.floors.get(&page.store_id)?;
        Some(page.seq >= floor && self.young_enough(page))
    }

    /// Fresh, asking the floor source when the store's floor is unknown; a source that
    /// cannot answer makes the page count as stale.
    async fn fresh(&self, page: &CachedPage) -> bool {
        if let Some(fresh) = self.fresh_known(page) {
            return fresh;
        }
        let epoch = self.epoch();
        let asked = tokio::time::timeout(
            self.inner.settings.floor_timeout,
            self.inner.floor_source.store_seq(page.store_id),
        )
        .await;
        match asked {
            Ok(Ok(seq)) if epoch == self.epoch() => {
                self.observe(page.store_id, seq);
                self.fresh_known(page).unwrap_or(false)
            }
            Ok(Ok(_)) => false,
            Ok(Err(error)) => {
                tracing::warn!(%error, "store change sequence unavailable; rebuilding");
                false
            }
            Err(_) => {
                tracing::warn!("store change sequence timed out; rebuilding");
                false
            }
        }
    }

    /// The page for `key` only if it is in memory and known fresh without asking
    /// anything (no floor lookup, no rebuild): the fast path for hits.
    pub async fn fresh_hit(&self, key: &str) -> Option<Arc<CachedPage>> {
        if !self.enabled() {
            return None;
        }
        let page = self.inner.pages.get(key).await?;
        if self.fresh_known(&page) == Some(true) {
            self.inner.lookups.memory_hit.increment(1);
            Some(page)
        } else {
            None
        }
    }

    /// The page for `key`: from memory if fresh, else from one shared rebuild (which
    /// tries Redis before calling `build`). `build` must read the store's change
    /// sequence no later than the data it renders.
    pub async fn get_or_build<F, Fut>(&self, key: &str, build: F) -> Result<Arc<CachedPage>, Miss>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<CachedPage, Miss>> + Send + 'static,
    {
        if !self.enabled() {
            self.inner.lookups.memory_bypass.increment(1);
            return build().await.map(Arc::new);
        }
        if let Some(page) = self.inner.pages.get(key).await {
            if self.fresh(&page).await {
                self.inner.lookups.memory_hit.increment(1);
                return Ok(page);
            }
            self.inner.lookups.memory_stale.increment(1);
        } else {
            self.inner.lookups.memory_miss.increment(1);
        }
        let flight = {
            let mut flights = self
                .inner
                .flights
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            match flights.get(key) {
                Some(flight) => {
                    metrics::counter!("haat_cache_coalesced_total").increment(1);
                    flight.clone()
                }
                None => {
                    let key: Arc<str> = Arc::from(key);
                    let task = tokio::spawn(self.clone().fill(key.clone(), build()));
                    let flight = async move {
                        task.await.unwrap_or_else(|error| {
                            Err(Miss::Failed(Arc::from(format!("rebuild task: {error}"))))
                        })
                    }
                    .boxed()
                    .shared();
                    flights.insert(key, flight.clone());
                    flight
                }
            }
        };
        flight.await
    }

    /// One rebuild of `key`: the shared copy if it is fresh, else `build`. Stores the
    /// result in both levels, then lets the next miss start a new flight.
    async fn fill(
        self,
        key: Arc<str>,
        build: impl Future<Output = Result<CachedPage, Miss>>,
    ) -> Result<Arc<CachedPage>, Miss> {
        let epoch = self.epoch();
        let result = self.fill_inner(&key, build).await;
        if let Ok(page) = &result {
            if epoch == self.epoch() {
                // The database had committed this sequence: anything older is stale.
                self.observe(page.store_id, page.seq);
                self.inner.pages.insert(key.clone(), page.clone()).await;
            }
        }
        self.inner
            .flights
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(&key);
        result
    }

    async fn fill_inner(
        &self,
        key: &str,
        build: impl Future<Output = Result<CachedPage, Miss>>,
    ) -> Result<Arc<CachedPage>, Miss> {
        if let Some(shared) = &self.inner.shared {
            match shared.get(key).await {
                Some(page) if self.fresh(&page).await => {
                    self.inner.lookups.redis_hit.increment(1);
                    return Ok(Arc::new(page));
                }
                Some(_) => self.inner.lookups.redis_stale.increment(1),
                None => self.inner.lookups.redis_miss.increment(1),
            }
        }
        let started = Instant::now();
        let built = build.await;
        metrics::histogram!("haat_cache_build_seconds").record(started.elapsed().as_secs_f64());
        let page = Arc::new(built?);
        metrics::counter!("haat_cache_builds_total").increment(1);
        if let Some(shared) = &self.inner.shared {
            let shared = shared.clone();
            let copy = page.clone();
            let key = key.to_owned();
            // Not awaited by the shopper; bounded by the tier's timeout and breaker.
            tokio::spawn(async move { shared.put(&key, &copy).await });
        }
        Ok(page)
    }
}
