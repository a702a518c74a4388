//! The relay: moves captured changes from the outbox into the event log (ADR 0015,
//! docs/events.md). Runs inside every `haat serve` / `haat api` process and alone as
//! `haat relay`; an advisory lock elects one at a time, the others' rounds do nothing.
//!
//! A full batch is followed at once by the next; otherwise the relay waits `poll`
//! (100 ms by default: the storefront's freshness budget is 1 s). Each round has a
//! timeout; a failed round is logged, counted and retried after a back-off.
//! Metrics: `haat_events_relayed_total`, `haat_event_log_last_offset`,
//! `haat_event_outbox_depth`, `haat_relay_failures_total`.

use std::future::Future;
use std::time::{Duration, Instant};

use haat_db::Db;
use tokio::time::{sleep, timeout};

#[derive(Clone, Debug)]
pub struct RelaySettings {
    pub batch: i64,
    pub poll: Duration,
    pub round_timeout: Duration,
    pub retry_after: Duration,
}

impl Default for RelaySettings {
    fn default() -> Self {
        RelaySettings {
            batch: 1_000,
            poll: Duration::from_millis(100),
            round_timeout: Duration::from_secs(10),
            retry_after: Duration::from_secs(1),
        }
    }
}

/// How often the outbox depth gauge is refreshed (a `count(*)`).
const DEPTH_INTERVAL: Duration = Duration::from_secs(5);

/// Relays until `shutdown` resolves; a round in progress finishes first (it is one
/// transaction either way).
pub async fn run(db: Db, settings: RelaySettings, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    let mut delay = Duration::ZERO;
    let mut depth_at: Option<Instant> = None;
    let mut was_elected = false;
    loop {
        tokio::select! {
            biased;
            () = &mut shutdown => break,
            () = sleep(delay) => {}
        }
        if depth_at.is_none_or(|at| at.elapsed() >= DEPTH_INTERVAL) {
            if let Ok(Ok(depth)) = timeout(settings.round_timeout, db.outbox_depth()).await {
                metrics::gauge!("haat_event_outbox_depth").set(depth as f64);
            }
            depth_at = Some(Instant::now());
        }
        delay = match timeout(settings.round_timeout, db.relay_to_log(settings.batch)).await {
            Ok(Ok(round)) => {
                if round.elected != was_elected {
                    tracing::info!(relay.elected = round.elected, "relay role changed");
                    was_elected = round.elected;
                }
                if round.moved > 0 {
                    metrics::counter!("haat_events_relayed_total").increment(round.moved);
                    metrics::gauge!("haat_event_log_last_offset").set(round.last_offset as f64);
                    tracing::debug!(events = round.moved, offset = round.last_offset, "relayed");
                }
                if round.moved as i64 >= settings.batch {
                    Duration::ZERO
                } else {
                    settings.poll
                }
            }
            Ok(Err(error)) => {
                metrics::counter!("haat_relay_failures_total").increment(1);
                tracing::warn!(%error, "relay round failed");
                settings.retry_after
            }
            Err(_) => {
                metrics::counter!("haat_relay_failures_total").increment(1);
                tracing::warn!("relay round timed out");
                settings.retry_after
            }
        };
    }
    tracing::info!("relay stopped");
}
