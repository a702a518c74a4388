//! Periodic housekeeping, run by every `haat serve` / `haat api` process. Each task is
//! idempotent and safe to run on several processes at once.
//!
//! - every 30 s: re-apply payment webhooks that were stored but never applied (the
//!   process died between storing and applying; `docs/payments.md`);
//! - every 10 min: delete expired carts, jobs finished more than a week ago, and settled
//!   payment webhook deliveries older than 180 days (`docs/payments.md`), product
//!   idempotency keys older than 7 days and checkout keys older than 30 days (ADR 0008),
//!   and events older than 7 days from the PostgreSQL event log (docs/events.md), search
//!   nodes not heard from for an hour and reindex requests older than 30 days
//!   (docs/search.md).
//!
//! Each round has a timeout, logs what it did, and counts failures in
//! `haat_maintenance_failures_total{task}`; a failing task never stops the others.

use std::future::Future;
use std::time::Duration;

use haat_db::Db;
use tokio::time::{interval, timeout, MissedTickBehavior};

/// Webhooks younger than this may still be in flight on another process.
const WEBHOOK_GRACE: Duration = Duration::from_secs(60);
const ROUND_TIMEOUT: Duration = Duration::from_secs(60);
/// Finished and failed jobs are kept this long for inspection.
const JOB_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);
/// Raw webhook bodies are evidence in a payment dispute; UPI and card dispute windows
/// run up to 120 days, so they are kept half a year.
const WEBHOOK_RETENTION: Duration = Duration::from_secs(180 * 24 * 3600);
/// A client retries a product creation within minutes; a week is generous.
const PRODUCT_KEY_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);
/// A checkout form may be resubmitted from a tab left open for days; orders are money,
/// so their keys are kept a month.
const ORDER_KEY_RETENTION: Duration = Duration::from_secs(30 * 24 * 3600);
/// Consumers are minutes behind at worst; a week leaves room to replay after an
/// incident. A consumer further behind rebuilds from the database.
const EVENT_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);
/// A search node silent this long has gone (a clean stop removes its row at once).
const SEARCH_NODE_RETENTION: Duration = Duration::from_secs(3600);
/// Reindex requests: a node down longer than this rebuilds when its log position is
/// gone anyway.
const REINDEX_RETENTION: Duration = Duration::from_secs(30 * 24 * 3600);

/// Runs until `shutdown` resolves.
pub async fn run(db: Db, shutdown: impl Future<Output = ()>) {
    let mut webhooks = interval(Duration::from_secs(30));
    let mut carts = interval(Duration::from_secs(600));
    webhooks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    carts.set_missed_tick_behavior(MissedTickBehavior::Delay);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            _ = webhooks.tick() => {
                round("payment_webhooks", haat_payments::reprocess(&db, WEBHOOK_GRACE)).await;
            }
            _ = carts.tick() => {
                round("expired_carts", db.delete_expired_carts(10_000)).await;
                round("finished_jobs", db.delete_finished_jobs(JOB_RETENTION, 10_000)).await;
                round(
                    "idempotency_keys",
                    db.delete_old_idempotency_keys(PRODUCT_KEY_RETENTION, ORDER_KEY_RETENTION, 10_000),
                )
                .await;
                round("event_log", db.delete_old_events(EVENT_RETENTION, 10_000)).await;
                round(
                    "search_nodes",
                    db.delete_stale_search_state(SEARCH_NODE_RETENTION, REINDEX_RETENTION),
                )
                .await;
                round(
                    "settled_webhooks",
                    db.delete_settled_webhooks(WEBHOOK_RETENTION, 10_000),
                )
                .await;
            }
        }
    }
}

async fn round<T: std::fmt::Debug, E: std::fmt::Display>(
    task: &'static str,
    work: impl Future<Output = Result<T, E>>,
) {
    match timeout(ROUND_TIMEOUT, work).await {
        Ok(Ok(done)) => tracing::debug!(task, ?done, "maintenance round"),
        Ok(Err(error)) => {
            metrics::counter!("haat_maintenance_failures_total", "task" => task).increment(1);
            tracing::warn!(task, %error, "maintenance round failed");
        }
        Err(_) => {
            metrics::counter!("haat_maintenance_failures_total", "task" => task).increment(1);
            tracing::warn!(task, "maintenance round timed out");
        }
    }
}
