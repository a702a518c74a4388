//! The storefront page cache wired to this deployment (ADR 0016, docs/FRESHNESS.md):
//! memory from `HAAT_CACHE_MEMORY_MB`, Redis from `HAAT_REDIS_URL`, store floors from
//! PostgreSQL, and the invalidation feed that follows the event log (PostgreSQL or NATS,
//! as `HAAT_EVENT_LOG` says) and tells the cache of every committed change.
//!
//! The feed is a per-process tail from the head of the log, not a consumer group: what
//! it maintains (which stores changed) lives and dies with the process, and a restarted
//! process learns floors afresh from the database. Metrics:
//! `haat_cache_invalidation_events_total`, `haat_cache_invalidation_lag_seconds`
//! (commit to processed, last event), `haat_cache_invalidation_healthy`,
//! `haat_cache_invalidation_failures_total`.

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use haat_cache::{CacheSettings, FloorSource, PageCache, RedisSettings, SharedTier};
use haat_db::Db;
use haat_events::{EventLog, PgEventLog, Tail};
use secrecy::ExposeSecret;
use uuid::Uuid;

use crate::config::Config;

struct DbFloors(Db);

impl FloorSource for DbFloors {
    fn store_seq(&self, store: Uuid) -> BoxFuture<'_, Result<i64, String>> {
        Box::pin(async move {
            self.0
                .store_change_seq(store)
                .await
                .map_err(|error| error.to_string())
        })
    }
}

/// The page cache this configuration asks for.
pub fn page_cache(config: &Config, db: &Db) -> anyhow::Result<PageCache> {
    if config.cache_memory_mb == 0 {
        return Ok(PageCache::disabled());
    }
    let shared = match &config.redis_url {
        Some(url) => Some(Arc::new(
            SharedTier::new(RedisSettings::new(url.expose_secret()))
                .map_err(|error| anyhow::anyhow!("HAAT_REDIS_URL: {error}"))?,
        )),
        None => None,
    };
    let settings = CacheSettings {
        memory_bytes: config.cache_memory_mb.saturating_mul(1024 * 1024),
        ttl: Duration::from_secs(config.cache_ttl_secs.max(1)),
        ..CacheSettings::default()
    };
    Ok(PageCache::new(
        settings,
        Arc::new(DbFloors(db.clone())),
        shared,
    ))
}

#[derive(Clone, Debug)]
pub struct FeedSettings {
    pub batch: usize,
    /// How long one poll waits for events (also the heartbeat period when idle).
    pub wait: Duration,
    /// A poll that takes longer than this counts as a failure.
    pub poll_timeout: Duration,
    /// Pause before following again after a failure.
    pub retry_after: Duration,
    /// A captured change waiting longer than this for the relay makes the feed
    /// unhealthy.
    pub relay_stall: Duration,
}

impl Default for FeedSettings {
    fn default() -> Self {
        FeedSettings {
            batch: 1_000,
            wait: Duration::from_millis(500),
            poll_timeout: Duration::from_secs(5),
            retry_after: Duration::from_millis(500),
            relay_stall: Duration::from_secs(2),
        }
    }
}

/// Follows the event log configured by `HAAT_EVENT_LOG` until `stop` resolves.
pub async fn run_invalidation(
    config: &Config,
    db: Db,
    cache: PageCache,
    settings: FeedSettings,
    stop: impl std::future::Future<Output = ()> + Send,
) {
    match &config.event_log {
        Some(url) if url.scheme() == "nats" => {
            tokio::pin!(stop);
            // NATS may be down at start: keep trying, the cache stays in its
            // unhealthy (age-bounded) mode meanwhile.
            let connected = crate::background::connect_nats(
                url,
                settings.poll_timeout,
                settings.retry_after,
                &mut stop,
                |reason| failed("connect", reason),
            );
            let Some(log) = connected.await else {
                return;
            };
            follow(log, cache, Some(db), settings, stop).await;
        }
        _ => {
            let log = PgEventLog::new(db.clone());
            follow(log, cache, Some(db), settings, stop).await;
        }
    }
}

/// Whether captured changes are moving: the oldest one waiting for the relay is younger
/// than `limit`. A failed check counts as "not moving".
async fn relay_moving(db: &Db, limit: Duration) -> bool {
    match tokio::time::timeout(Duration::from_secs(2), db.outbox_oldest_age()).await {
        Ok(Ok(None)) => true,
        Ok(Ok(Some(age))) => age <= limit.as_secs_f64(),
        Ok(Err(_)) | Err(_) => false,
    }
}

/// Whether a change can alter a storefront page. An order's own row never does: what
/// it changes on a page (stock) arrives as the product's update. Skipping the rest is
/// safe because a page is fresh when its sequence is at least that of every change
/// that could alter it.
fn shown_on_pages(event: &haat_events::Event) -> bool {
    event.entity != "order"
}

fn failed(stage: &'static str, reason: &str) {
    metrics::counter!("haat_cache_invalidation_failures_total", "stage" => stage).increment(1);
    metrics::gauge!("haat_cache_invalidation_healthy").set(0.0);
    tracing::warn!(
        stage,
        reason,
        "cache invalidation feed interrupted; pages are age-bounded meanwhile"
    );
}

/// The feed over one engine: follow from the head, tell the cache of every event and
/// beat after every poll; on failure, follow again from the last position read. With
/// `outbox`, a beat also needs the relay to be moving captured changes (the oldest
/// waiting one younger than `settings.relay_stall`): a quiet log is not proof of
/// freshness when nothing is relaying.
pub async fn follow<L: EventLog>(
    log: L,
    cache: PageCache,
    outbox: Option<Db>,
    settings: FeedSettings,
    stop: impl std::future::Future<Output = ()> + Send,
) {
    tokio::pin!(stop);
    let mut after: Option<u64> = None;
    loop {
        let followed = tokio::select! {
            () = &mut stop => return,
            followed = tokio::time::timeout(settings.poll_timeout, log.follow(after)) => followed,
        };
        let mut tail = match followed {
            Ok(Ok(tail)) => tail,
            Ok(Err(error)) => {
                failed("follow", &error.to_string());
                tokio::select! {
                    () = &mut stop => return,
                    () = tokio::time::sleep(settings.retry_after) => continue,
                }
            }
            Err(_) => {
                failed("follow", "timed out");
                continue;
            }
        };
        if after.is_none() {
            // From the head: whatever changed before it was never delivered here.
            cache.clear();
        }
        tracing::info!(
            position = tail.position(),
            "cache invalidation feed following the event log"
        );
        loop {
            let polled = tokio::select! {
                () = &mut stop => return,
                polled = tokio::time::timeout(
                    settings.poll_timeout,
                    tail.next_batch(settings.batch, settings.wait),
                ) => polled,
            };
            match polled {
                Ok(Ok(events)) => {
                    for event in events.iter().filter(|event| shown_on_pages(event)) {
                        cache.observe(event.store_id, event.store_seq);
                    }
                    if let Some(last) = events.last() {
                        metrics::counter!("haat_cache_invalidation_events_total")
                            .increment(events.len() as u64);
                        let lag = (time::OffsetDateTime::now_utc() - last.committed_at)
                            .as_seconds_f64()
                            .max(0.0);
                        metrics::gauge!("haat_cache_invalidation_lag_seconds").set(lag);
                    }
                    let moving = match &outbox {
                        Some(db) => relay_moving(db, settings.relay_stall).await,
                        None => true,
                    };
                    if moving {
                        cache.heartbeat();
                        metrics::gauge!("haat_cache_invalidation_healthy").set(1.0);
                    } else {
                        metrics::gauge!("haat_cache_invalidation_healthy").set(0.0);
                        tracing::debug!("captured changes are waiting for a relay");
                    }
                }
                Ok(Err(error)) => {
                    failed("poll", &error.to_string());
                    after = Some(tail.position());
                    break;
                }
                Err(_) => {
                    failed("poll", "timed out");
                    after = Some(tail.position());
                    break;
                }
            }
        }
        tokio::select! {
            () = &mut stop => return,
            () = tokio::time::sleep(settings.retry_after) => {}
        }
    }
}
