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
use haat_events::NatsEventLog;
use tokio::time::{sleep, timeout};

/// Where captured changes go.
#[derive(Clone, Debug)]
pub enum Target {
    /// The `event_log` table in the same database (the default).
    Postgres,
    /// A NATS JetStream stream.
    Nats(Box<NatsEventLog>),
}

impl Target {
    /// The target `HAAT_EVENT_LOG` names: unset → PostgreSQL, `nats://…` → JetStream.
    pub async fn from_config(event_log: Option<&url::Url>) -> anyhow::Result<Target> {
        match event_log {
            None => Ok(Target::Postgres),
            Some(url) if url.scheme() == "nats" => {
                let log = NatsEventLog::connect(url.as_str(), haat_events::NatsSettings::default())
                    .await
                    .map_err(|error| {
                        anyhow::anyhow!("connecting to the NATS event log: {error}")
                    })?;
                Ok(Target::Nats(Box::new(log)))
            }
            Some(url) => anyhow::bail!(
                "HAAT_EVENT_LOG must be unset (PostgreSQL) or a nats:// URL, not {}",
                url.scheme()
            ),
        }
    }

    async fn round(&self, db: &Db, batch: i64) -> Result<(bool, u64, Option<i64>), String> {
        match self {
            Target::Postgres => db
                .relay_to_log(batch)
                .await
                .map(|round| (round.elected, round.moved, Some(round.last_offset)))
                .map_err(|error| error.to_string()),
            Target::Nats(log) => log
                .relay(db, batch)
                .await
                .map(|moved| (true, moved, None))
                .map_err(|error| error.to_string()),
        }
    }
}

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
pub async fn run(
    db: Db,
    target: Target,
    settings: RelaySettings,
    shutdown: impl Future<Output = ()>,
) {
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
        delay = match timeout(settings.round_timeout, target.round(&db, settings.batch)).await {
            Ok(Ok((elected, moved, last_offset))) => {
                if elected != was_elected {
                    tracing::info!(relay.elected = elected, "relay role changed");
                    was_elected = elected;
                }
                if moved > 0 {
                    metrics::counter!("haat_events_relayed_total").increment(moved);
                    if let Some(last) = last_offset {
                        metrics::gauge!("haat_event_log_last_offset").set(last as f64);
                    }
                    tracing::debug!(events = moved, "relayed");
                }
                if moved as i64 >= settings.batch {
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
