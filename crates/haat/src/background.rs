//! The background tasks of a serving process, each stopping when `stop` is cancelled:
//! the relay (captured changes → event log), the page cache's invalidation feed and the
//! search indexer.
//! `haat serve`/`api`/`storefront` and the in-process test app start them the same way.

use haat_cache::PageCache;
use haat_db::Db;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::config::Config;

/// The relay loop, to the event log `HAAT_EVENT_LOG` names.
pub async fn spawn_relay(
    config: &Config,
    db: &Db,
    tasks: &mut JoinSet<()>,
    stop: CancellationToken,
) -> anyhow::Result<()> {
    let target = crate::relay::Target::from_config(config.event_log.as_ref()).await?;
    let db = db.clone();
    tasks.spawn(async move {
        crate::relay::run(
            db,
            target,
            crate::relay::RelaySettings::default(),
            stop.cancelled_owned(),
        )
        .await
    });
    Ok(())
}

/// The feed that keeps `pages` fresh from the event log.
pub fn spawn_invalidation(
    config: &Config,
    db: &Db,
    pages: &PageCache,
    tasks: &mut JoinSet<()>,
    stop: CancellationToken,
) {
    let config = config.clone();
    let db = db.clone();
    let pages = pages.clone();
    tasks.spawn(async move {
        crate::cache::run_invalidation(
            &config,
            db,
            pages,
            crate::cache::FeedSettings::default(),
            stop.cancelled_owned(),
        )
        .await;
    });
}

/// The indexer that keeps the node's search index in step with the event log.
pub fn spawn_indexer(
    config: &Config,
    db: &Db,
    search: &std::sync::Arc<crate::search::SearchNode>,
    tasks: &mut JoinSet<()>,
    stop: CancellationToken,
) {
    let config = config.clone();
    let db = db.clone();
    let search = search.clone();
    tasks.spawn(async move {
        crate::search::run_indexer(
            &config,
            db,
            search,
            crate::search::IndexerSettings::default(),
            stop.cancelled_owned(),
        )
        .await;
    });
}

/// The monitor that samples replica positions and takes lagging or unreachable replicas
/// out of rotation (nothing to do without replicas).
pub fn spawn_replica_monitor(
    reads: &haat_db::Reads,
    tasks: &mut JoinSet<()>,
    stop: CancellationToken,
) {
    if reads.has_replicas() {
        let reads = reads.clone();
        tasks.spawn(async move { reads.monitor(stop.cancelled_owned()).await });
    }
}

/// Connects to the NATS event log at `url`, again every `retry_after` until it works
/// (NATS may be down when a process starts); `None` when `stop` resolves first. Each
/// failed attempt is reported to `failed` (`"timed out"` after `timeout`).
pub async fn connect_nats(
    url: &url::Url,
    timeout: std::time::Duration,
    retry_after: std::time::Duration,
    stop: &mut (impl std::future::Future<Output = ()> + Unpin),
    failed: impl Fn(&str),
) -> Option<haat_events::NatsEventLog> {
    loop {
        let connected = tokio::time::timeout(
            timeout,
            haat_events::NatsEventLog::connect(url.as_str(), haat_events::NatsSettings::default()),
        );
        tokio::select! {
            () = &mut *stop => return None,
            connected = connected => match connected {
                Ok(Ok(log)) => return Some(log),
                Ok(Err(error)) => failed(&error.to_string()),
                Err(_) => failed("timed out"),
            },
        }
        tokio::select! {
            () = &mut *stop => return None,
            () = tokio::time::sleep(retry_after) => {}
        }
    }
}
