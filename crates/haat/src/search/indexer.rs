//! The indexer: keeps a node's index in step with the event log, carries out reindex
//! requests, and reports the node to the fleet (docs/search.md).
//!
//! It keeps no consumer group: the index's own commits record the log position they
//! include (and the last reindex request carried out), so a restarted node resumes from
//! its index, and a node without one (or whose position the log no longer holds)
//! rebuilds from a database snapshot taken after noting the log's head. Metrics:
//! `haat_search_indexed_events_total`, `haat_search_index_lag_seconds`,
//! `haat_search_index_ready`, `haat_search_indexer_failures_total{stage}`,
//! `haat_search_rebuilds_total{scope}`, `haat_search_reindex_requests_total`.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use haat_db::{Db, DbError, ReindexRequest, SearchNodeReport, SearchProductRow};
use haat_events::{Event, EventLog, PgEventLog, Tail};
use haat_search::{Change, Checkpoint, ProductDoc, SearchIndex};
use tokio::sync::watch;
use uuid::Uuid;

use super::SearchNode;
use crate::config::Config;

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
    /// How often the node looks for reindex requests.
    pub requests_every: Duration,
    /// How often the node reports itself (`search_nodes`).
    pub report_every: Duration,
}

impl Default for IndexerSettings {
    fn default() -> Self {
        IndexerSettings {
            batch: 1_000,
            wait: Duration::from_millis(500),
            step_timeout: Duration::from_secs(30),
            retry_after: Duration::from_secs(1),
            snapshot_page: 1_000,
            requests_every: Duration::from_secs(1),
            report_every: Duration::from_secs(5),
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

/// Follows `log` and applies it to the node's index, again after every failure. A node
/// stopping cleanly leaves the fleet's list of search nodes.
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
            () = &mut stop => break,
            result = run => {
                if let Err((stage, reason)) = result {
                    failed(stage, &reason);
                }
            }
        }
        tokio::select! {
            () = &mut stop => break,
            () = tokio::time::sleep(settings.retry_after) => {}
        }
    }
    let left = tokio::time::timeout(settings.step_timeout, db.remove_search_node(&node.name));
    if !matches!(left.await, Ok(Ok(()))) {
        tracing::warn!("search node could not remove its report; maintenance will");
    }
}

pub type StepError = (&'static str, String);

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

/// What the indexer knows about its own progress between steps.
struct State {
    applied: u64,
    reindexed: i64,
    lag_seconds: Option<f64>,
    requests_checked: Instant,
    reported: Option<Instant>,
}

/// One run: resume from the index's checkpoint (or rebuild), then apply batches, carry
/// out reindex requests and report the node, until an error.
async fn follow<L: EventLog>(
    log: &L,
    db: &Db,
    node: &SearchNode,
    index: &Arc<SearchIndex>,
    settings: &IndexerSettings,
) -> Result<(), StepError> {
    let checkpoint = {
        let index = Arc::clone(index);
        blocking("position", move || index.checkpoint()).await?
    };
    let (mut tail, reindexed) = match checkpoint {
        Some(checkpoint) => (
            step(
                "follow",
                settings.step_timeout,
                log.follow(Some(checkpoint.position)),
            )
            .await?,
            checkpoint.reindex,
        ),
        None => {
            let tail = step("follow", settings.step_timeout, log.follow(None)).await?;
            let reindexed = from_scratch(db, index, settings, tail.position()).await?;
            (tail, reindexed)
        }
    };
    let mut state = State {
        applied: tail.position(),
        reindexed,
        lag_seconds: None,
        requests_checked: Instant::now(),
        reported: None,
    };
    node.set_ready(true);
    tracing::info!(
        position = state.applied,
        "search indexer following the event log"
    );
    loop {
        report(db, node, index, settings, &mut state).await;
        if state.requests_checked.elapsed() >= settings.requests_every {
            carry_out_requests(db, node, index, settings, &mut state).await?;
            state.requests_checked = Instant::now();
        }
        let batch = step(
            "poll",
            settings.step_timeout,
            tail.next_batch(settings.batch, settings.wait),
        )
        .await?;
        let (Some(first), Some(last)) = (batch.first(), batch.last()) else {
            state.lag_seconds = Some(0.0);
            continue;
        };
        if first.offset > state.applied + 1 {
            // The log no longer holds what came between (retention): start afresh from
            // the database, which has every change the missing events carried. The old
            // index answers searches until the rebuilt one is committed.
            tracing::warn!(
                applied = state.applied,
                next = first.offset,
                "search index fell behind the event log's retention; rebuilding"
            );
            state.reindexed = from_scratch(db, index, settings, last.offset).await?;
            state.applied = last.offset;
            continue;
        }
        let changes = step("read", settings.step_timeout, resolve(db, &batch)).await?;
        let position = tail.position();
        {
            let index = Arc::clone(index);
            blocking("commit", move || index.apply(&changes, position)).await?;
        }
        state.applied = position;
        metrics::counter!("haat_search_indexed_events_total").increment(batch.len() as u64);
        let age = (time::OffsetDateTime::now_utc() - last.committed_at).as_seconds_f64();
        metrics::gauge!("haat_search_index_lag_seconds").set(age.max(0.0));
        state.lag_seconds = Some(age.max(0.0));
    }
}

/// Builds the whole index from the database at `position`. Every reindex request made
/// before the snapshot is covered by it; returns the newest one's id.
async fn from_scratch(
    db: &Db,
    index: &Arc<SearchIndex>,
    settings: &IndexerSettings,
    position: u64,
) -> Result<i64, StepError> {
    let reindexed = step(
        "requests",
        settings.step_timeout,
        db.latest_reindex_request(),
    )
    .await?;
    let checkpoint = Checkpoint {
        position,
        reindex: reindexed,
    };
    rebuild(db, index, settings, None, checkpoint, None).await?;
    Ok(reindexed)
}

/// Writes the node's report every `report_every`; a failed report is logged, never
/// fatal (searching and indexing go on).
async fn report(
    db: &Db,
    node: &SearchNode,
    index: &SearchIndex,
    settings: &IndexerSettings,
    state: &mut State,
) {
    if state
        .reported
        .is_some_and(|at| at.elapsed() < settings.report_every)
    {
        return;
    }
    state.reported = Some(Instant::now());
    let report = SearchNodeReport {
        node: &node.name,
        started_at: node.started_at,
        ready: node.is_ready(),
        position: Some(state.applied),
        products: index.len(),
        lag_seconds: state.lag_seconds,
        reindexed: state.reindexed,
    };
    if let Err((_, reason)) = step(
        "report",
        settings.step_timeout,
        db.report_search_node(&report),
    )
    .await
    {
        metrics::counter!("haat_search_indexer_failures_total", "stage" => "report").increment(1);
        tracing::warn!(reason, "search node report failed");
    }
}

/// Carries out the reindex requests made since the index's last one, oldest first,
/// each committed with its id (so a crash in the middle redoes only what is left).
async fn carry_out_requests(
    db: &Db,
    node: &SearchNode,
    index: &Arc<SearchIndex>,
    settings: &IndexerSettings,
    state: &mut State,
) -> Result<(), StepError> {
    let requests = step(
        "requests",
        settings.step_timeout,
        db.reindex_requests_after(state.reindexed, 16),
    )
    .await?;
    for request in requests {
        metrics::counter!("haat_search_reindex_requests_total").increment(1);
        let checkpoint = Checkpoint {
            position: state.applied,
            reindex: request.id,
        };
        tracing::info!(
            request = request.id,
            store = request.store_id.map(tracing::field::display),
            "search reindex requested"
        );
        let result = reindex_reporting(db, &node.name, index, settings, request, checkpoint).await;
        result?;
        state.reindexed = request.id;
        // Report it at once (`haat status` shows requests a node has yet to do).
        state.reported = None;
    }
    Ok(())
}

/// [`rebuild`] for one request, reporting progress to `search_reindex_progress` (at
/// most twice a second) for the command that asked.
async fn reindex_reporting(
    db: &Db,
    node: &str,
    index: &Arc<SearchIndex>,
    settings: &IndexerSettings,
    request: ReindexRequest,
    checkpoint: Checkpoint,
) -> Result<u64, StepError> {
    let (progress, mut seen) = watch::channel((0u64, 0u64));
    let write = |done_total: (u64, u64), finished: bool, error: Option<String>| async move {
        let written = tokio::time::timeout(
            settings.step_timeout,
            db.report_reindex_progress(request.id, node, done_total, finished, error.as_deref()),
        )
        .await;
        if !matches!(written, Ok(Ok(()))) {
            tracing::warn!(request = request.id, "search reindex progress not recorded");
        }
    };
    let reporter = async {
        while seen.changed().await.is_ok() {
            let now = *seen.borrow_and_update();
            write(now, false, None).await;
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    };
    let work = async move {
        let result = rebuild(
            db,
            index,
            settings,
            request.store_id,
            checkpoint,
            Some(&progress),
        )
        .await;
        let last = *progress.borrow();
        (result, last)
    };
    let ((result, last), ()) = tokio::join!(work, reporter);
    match &result {
        Ok(products) => write((*products, last.1.max(*products)), true, None).await,
        Err((stage, reason)) => write(last, true, Some(format!("{stage}: {reason}"))).await,
    }
    result
}

/// Reports products done out of the total while a rebuild runs.
pub type Progress = watch::Sender<(u64, u64)>;

/// Replaces the index's contents (all stores, or one) with a snapshot of the database,
/// committed with `checkpoint` in one commit. The new segments are written beside the
/// old ones and the commit swaps them in at once, so searches see the old contents
/// until then (search never goes offline for a rebuild).
pub async fn rebuild(
    db: &Db,
    index: &Arc<SearchIndex>,
    settings: &IndexerSettings,
    store: Option<Uuid>,
    checkpoint: Checkpoint,
    progress: Option<&Progress>,
) -> Result<u64, StepError> {
    let result = rebuild_staged(db, index, settings, store, checkpoint, progress).await;
    if result.is_err() {
        // What was staged (the delete-all first of all) must not reach the next commit.
        let index = Arc::clone(index);
        if let Err((_, reason)) = blocking("rollback", move || index.rollback()).await {
            tracing::error!(
                reason,
                "search index rollback after a failed rebuild failed"
            );
        }
    }
    result
}

async fn rebuild_staged(
    db: &Db,
    index: &Arc<SearchIndex>,
    settings: &IndexerSettings,
    store: Option<Uuid>,
    checkpoint: Checkpoint,
    progress: Option<&Progress>,
) -> Result<u64, StepError> {
    let started = Instant::now();
    let scope = if store.is_some() { "store" } else { "all" };
    metrics::counter!("haat_search_rebuilds_total", "scope" => scope).increment(1);
    let total = step(
        "snapshot",
        settings.step_timeout,
        db.search_product_count(store),
    )
    .await?;
    let total = u64::try_from(total).unwrap_or(0);
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
    if let Some(progress) = progress {
        progress.send_replace((0, total));
    }
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
            .map(|row| Change::Upsert(product_doc(row)))
            .collect();
        let index = Arc::clone(index);
        blocking("rebuild", move || index.stage(&changes)).await?;
        if let Some(progress) = progress {
            // Products added meanwhile may take the count past the first total.
            progress.send_replace((products, total.max(products)));
        }
    }
    {
        let index = Arc::clone(index);
        blocking("commit", move || index.commit_checkpoint(checkpoint)).await?;
    }
    tracing::info!(
        products,
        position = checkpoint.position,
        reindex = checkpoint.reindex,
        scope,
        seconds = started.elapsed().as_secs_f64(),
        "search index rebuilt from the database"
    );
    Ok(products)
}

/// A product row as the index holds it.
pub fn product_doc(row: SearchProductRow) -> ProductDoc {
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
            changes.push(Change::Upsert(product_doc(row)));
        } else {
            changes.push(Change::Delete(row.id));
        }
    }
    // Asked for but gone: deleted.
    changes.extend(products.into_iter().map(Change::Delete));
    Ok(changes)
}
