//! The page cache against a real `redis-server`: one rebuild for a thousand concurrent
//! misses, never a page below its store's floor (whatever the race), the age bound while
//! invalidation is unhealthy, a shared copy taken by a cold node only when fresh, and
//! Redis dying and coming back without a single failed lookup.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures::future::BoxFuture;
use haat_cache::{
    CacheSettings, CachedPage, FloorSource, Miss, PageCache, RedisSettings, SharedTier,
};
use uuid::Uuid;

/// The database's side: each store's committed sequence, and how often it was asked.
#[derive(Default)]
struct Floors {
    seqs: Mutex<HashMap<Uuid, i64>>,
    asked: AtomicUsize,
}

impl Floors {
    fn commit(&self, store: Uuid, seq: i64) {
        self.seqs.lock().unwrap().insert(store, seq);
    }
    fn current(&self, store: Uuid) -> i64 {
        self.seqs.lock().unwrap().get(&store).copied().unwrap_or(0)
    }
}

impl FloorSource for Floors {
    fn store_seq(&self, store: Uuid) -> BoxFuture<'_, Result<i64, String>> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        let seq = self.current(store);
        Box::pin(async move { Ok(seq) })
    }
}

fn settings() -> CacheSettings {
    CacheSettings {
        unhealthy_max_age: Duration::from_secs(3600),
        ..CacheSettings::default()
    }
}

fn node(floors: &Arc<Floors>, shared: Option<Arc<SharedTier>>) -> PageCache {
    let cache = PageCache::new(settings(), floors.clone(), shared);
    cache.heartbeat();
    cache
}

/// A build that reads the store's sequence first (as the storefront does), takes
/// `delay`, and counts itself.
fn build(
    floors: &Arc<Floors>,
    store: Uuid,
    builds: &Arc<AtomicUsize>,
    delay: Duration,
) -> impl std::future::Future<Output = Result<CachedPage, Miss>> + Send + 'static {
    let seq = floors.current(store);
    let builds = builds.clone();
    async move {
        builds.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(delay).await;
        Ok(CachedPage::build(
            store,
            seq,
            "text/html; charset=utf-8",
            Bytes::from(format!("<p>version {seq}</p>")),
        ))
    }
}

async fn served_seq(
    cache: &PageCache,
    key: &str,
    floors: &Arc<Floors>,
    store: Uuid,
    builds: &Arc<AtomicUsize>,
) -> i64 {
    cache
        .get_or_build(key, || build(floors, store, builds, Duration::ZERO))
        .await
        .unwrap()
        .seq
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_misses_cause_one_rebuild() {
    let floors = Arc::new(Floors::default());
    let store = Uuid::now_v7();
    floors.commit(store, 1);
    let cache = node(&floors, None);
    let builds = Arc::new(AtomicUsize::new(0));
    for round in 1..=2i64 {
        let requests: Vec<_> = (0..1000)
            .map(|_| {
                let cache = cache.clone();
                let floors = floors.clone();
                let builds = builds.clone();
                tokio::spawn(async move {
                    cache
                        .get_or_build("store/a", || {
                            build(&floors, store, &builds, Duration::from_millis(200))
                        })
                        .await
                        .map(|page| page.seq)
                })
            })
            .collect();
        for request in requests {
            assert_eq!(request.await.unwrap(), Ok(round));
        }
        assert_eq!(
            builds.load(Ordering::SeqCst),
            round as usize,
            "one rebuild per round"
        );
        // The next change: the entry is stale, and again one request rebuilds it.
        floors.commit(store, round + 1);
        cache.observe(store, round + 1);
    }
}

#[tokio::test]
async fn a_page_below_its_store_floor_is_never_served() {
    let floors = Arc::new(Floors::default());
    let (store, other) = (Uuid::now_v7(), Uuid::now_v7());
    floors.commit(store, 5);
    floors.commit(other, 9);
    let cache = node(&floors, None);
    let builds = Arc::new(AtomicUsize::new(0));
    assert_eq!(served_seq(&cache, "a", &floors, store, &builds).await, 5);
    assert_eq!(served_seq(&cache, "b", &floors, other, &builds).await, 9);
    assert_eq!(served_seq(&cache, "a", &floors, store, &builds).await, 5);
    assert_eq!(
        builds.load(Ordering::SeqCst),
        2,
        "the second read was a hit"
    );

    // An event for the store: its pages are rebuilt, the other store's are not.
    floors.commit(store, 6);
    cache.observe(store, 6);
    assert_eq!(served_seq(&cache, "a", &floors, store, &builds).await, 6);
    assert_eq!(served_seq(&cache, "b", &floors, other, &builds).await, 9);
    assert_eq!(builds.load(Ordering::SeqCst), 3);

    // Events arriving late or twice never lower the floor.
    cache.observe(store, 2);
    cache.observe(store, 6);
    assert_eq!(served_seq(&cache, "a", &floors, store, &builds).await, 6);
    assert_eq!(builds.load(Ordering::SeqCst), 3);

    // The race the book lost: a rebuild reads the data, then a change commits and its
    // event is processed, then the slow rebuild stores what it read. That copy is
    // already below the floor and the next request rebuilds.
    floors.commit(store, 7);
    cache.observe(store, 7);
    let slow = {
        let cache = cache.clone();
        let floors = floors.clone();
        let builds = builds.clone();
        tokio::spawn(async move {
            cache
                .get_or_build("a", || {
                    build(&floors, store, &builds, Duration::from_millis(300))
                })
                .await
                .unwrap()
                .seq
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    floors.commit(store, 8);
    cache.observe(store, 8);
    assert_eq!(
        slow.await.unwrap(),
        7,
        "the racing rebuild returns what it read"
    );
    assert_eq!(served_seq(&cache, "a", &floors, store, &builds).await, 8);
}

#[tokio::test]
async fn without_heartbeats_pages_are_rebuilt_after_the_age_bound() {
    let floors = Arc::new(Floors::default());
    let store = Uuid::now_v7();
    floors.commit(store, 1);
    let cache = PageCache::new(
        CacheSettings {
            unhealthy_max_age: Duration::from_millis(150),
            heartbeat_timeout: Duration::from_millis(400),
            ..CacheSettings::default()
        },
        floors.clone(),
        None,
    );
    let builds = Arc::new(AtomicUsize::new(0));
    assert!(!cache.invalidation_healthy(), "no feed yet");
    served_seq(&cache, "a", &floors, store, &builds).await;
    served_seq(&cache, "a", &floors, store, &builds).await;
    assert_eq!(builds.load(Ordering::SeqCst), 1, "young pages are served");
    tokio::time::sleep(Duration::from_millis(200)).await;
    served_seq(&cache, "a", &floors, store, &builds).await;
    assert_eq!(
        builds.load(Ordering::SeqCst),
        2,
        "older than the bound: rebuilt"
    );

    cache.heartbeat();
    assert!(cache.invalidation_healthy());
    tokio::time::sleep(Duration::from_millis(200)).await;
    served_seq(&cache, "a", &floors, store, &builds).await;
    assert_eq!(
        builds.load(Ordering::SeqCst),
        2,
        "healthy feed: age does not matter"
    );
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert!(!cache.invalidation_healthy(), "heartbeats stopped");
    served_seq(&cache, "a", &floors, store, &builds).await;
    assert_eq!(builds.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn failures_are_shared_by_waiters_and_never_cached() {
    let cache = node(&Arc::new(Floors::default()), None);
    let calls = Arc::new(AtomicUsize::new(0));
    for _ in 0..2 {
        let calls = calls.clone();
        let result = cache
            .get_or_build("gone", || async move {
                calls.fetch_add(1, Ordering::SeqCst);
                Err::<CachedPage, _>(Miss::NotFound)
            })
            .await;
        assert_eq!(result.unwrap_err(), Miss::NotFound);
    }
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "a miss is asked again every time"
    );
}

#[tokio::test]
async fn a_cold_node_takes_a_shared_copy_only_when_it_is_fresh() {
    let redis = haat_testkit::redis::start_redis().await;
    let floors = Arc::new(Floors::default());
    let store = Uuid::now_v7();
    floors.commit(store, 3);
    let tier = || Arc::new(SharedTier::new(RedisSettings::new(&redis.url)).unwrap());
    let a = node(&floors, Some(tier()));
    let builds = Arc::new(AtomicUsize::new(0));
    assert_eq!(served_seq(&a, "k", &floors, store, &builds).await, 3);
    // The copy reaches Redis in the background.
    let probe = tier();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while probe.get("k").await.is_none() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the copy never reached Redis"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Node B has never heard of the store: it asks for the floor once and takes A's copy.
    let b = node(&floors, Some(tier()));
    assert_eq!(served_seq(&b, "k", &floors, store, &builds).await, 3);
    assert_eq!(builds.load(Ordering::SeqCst), 1, "B built nothing");
    assert_eq!(floors.asked.load(Ordering::SeqCst), 1);

    // A change commits while node C is down; C starts cold and must not take the old
    // shared copy.
    floors.commit(store, 4);
    let c = node(&floors, Some(tier()));
    assert_eq!(served_seq(&c, "k", &floors, store, &builds).await, 4);
    assert_eq!(builds.load(Ordering::SeqCst), 2, "C rebuilt");
}

#[tokio::test]
async fn redis_dying_costs_no_lookup_and_is_used_again_when_back() {
    let mut redis = haat_testkit::redis::start_redis().await;
    let floors = Arc::new(Floors::default());
    let store = Uuid::now_v7();
    floors.commit(store, 1);
    let mut redis_settings = RedisSettings::new(&redis.url);
    redis_settings.cooldown = Duration::from_millis(300);
    let tier = Arc::new(SharedTier::new(redis_settings).unwrap());
    let cache = node(&floors, Some(tier.clone()));
    let builds = Arc::new(AtomicUsize::new(0));
    served_seq(&cache, "k0", &floors, store, &builds).await;

    redis.kill();
    // Every lookup still answers (from a build); the breaker opens.
    for n in 1..=20 {
        let key = format!("k{n}");
        assert_eq!(served_seq(&cache, &key, &floors, store, &builds).await, 1);
    }
    assert!(cache.shared_degraded(), "the breaker opened");

    redis.restart().await;
    // After the cooldown a trial goes through and the shared level is used again: a
    // fresh node finds the copy another node wrote.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut n = 100;
    loop {
        n += 1;
        served_seq(&cache, &format!("k{n}"), &floors, store, &builds).await;
        if !cache.shared_degraded() {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the breaker never closed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let key = "after";
    served_seq(&cache, key, &floors, store, &builds).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let before = builds.load(Ordering::SeqCst);
        let tier = SharedTier::new(RedisSettings::new(&redis.url)).unwrap();
        let cold = node(&floors, Some(Arc::new(tier)));
        served_seq(&cold, key, &floors, store, &builds).await;
        if builds.load(Ordering::SeqCst) == before {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the shared copy never came back"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_frozen_redis_costs_timeouts_not_errors_and_is_used_again_when_it_thaws() {
    let redis = haat_testkit::redis::start_redis().await;
    let floors = Arc::new(Floors::default());
    let store = Uuid::now_v7();
    floors.commit(store, 1);
    let mut redis_settings = RedisSettings::new(&redis.url);
    redis_settings.cooldown = Duration::from_millis(300);
    let tier = Arc::new(SharedTier::new(redis_settings).unwrap());
    let cache = node(&floors, Some(tier.clone()));
    let builds = Arc::new(AtomicUsize::new(0));
    served_seq(&cache, "warm", &floors, store, &builds).await;

    // Slow Redis: it accepts connections but answers nothing. Every lookup still
    // answers (each Redis call gives up at its timeout), and the breaker opens.
    redis.pause();
    for n in 0..10 {
        assert_eq!(
            served_seq(&cache, &format!("slow{n}"), &floors, store, &builds).await,
            1
        );
    }
    assert!(cache.shared_degraded(), "timeouts opened the breaker");

    redis.resume();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut n = 0;
    while cache.shared_degraded() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the breaker never closed"
        );
        n += 1;
        served_seq(&cache, &format!("thawed{n}"), &floors, store, &builds).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
