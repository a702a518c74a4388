//! The consumer runner: take a batch, hand it to the handler, and only then
//! acknowledge it; a failing handler gets the same batch again after a back-off. The
//! group's lag (events and seconds) is a gauge labelled with the group.

use std::future::Future;
use std::time::{Duration, Instant};

use crate::{Event, EventLog, Subscription};

/// What a consumer does with a batch; must be idempotent (delivery is at-least-once).
pub trait Handler: Send + Sync + 'static {
    fn handle(&self, events: &[Event]) -> impl Future<Output = Result<(), String>> + Send;
}

#[derive(Clone, Debug)]
pub struct ConsumerSettings {
    pub batch: usize,
    /// How long one wait for events lasts (also bounds how long shutdown waits).
    pub wait: Duration,
    /// The handler's time limit per batch.
    pub handler_timeout: Duration,
    /// Pause after a failure before the batch is tried again.
    pub retry_after: Duration,
}

impl Default for ConsumerSettings {
    fn default() -> Self {
        ConsumerSettings {
            batch: 500,
            wait: Duration::from_secs(1),
            handler_timeout: Duration::from_secs(30),
            retry_after: Duration::from_secs(1),
        }
    }
}

/// How often the lag gauges are refreshed.
const LAG_INTERVAL: Duration = Duration::from_secs(5);

/// Consumes `group` until `shutdown` resolves; a batch being handled finishes first.
pub async fn run_consumer<L: EventLog, H: Handler>(
    log: L,
    group: &'static str,
    handler: H,
    settings: ConsumerSettings,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    let mut subscription = loop {
        match log.subscribe(group).await {
            Ok(subscription) => break subscription,
            Err(error) => {
                tracing::warn!(consumer = group, %error, "cannot subscribe; retrying");
                tokio::select! {
                    () = &mut shutdown => return,
                    () = tokio::time::sleep(settings.retry_after) => {}
                }
            }
        }
    };
    let mut lag_at: Option<Instant> = None;
    loop {
        if lag_at.is_none_or(|at| at.elapsed() >= LAG_INTERVAL) {
            if let Ok(lag) = log.lag(group).await {
                metrics::gauge!("haat_consumer_lag_events", "consumer" => group)
                    .set(lag.events as f64);
                metrics::gauge!("haat_consumer_lag_seconds", "consumer" => group).set(lag.seconds);
            }
            lag_at = Some(Instant::now());
        }
        let batch = tokio::select! {
            biased;
            () = &mut shutdown => break,
            batch = subscription.next_batch(settings.batch, settings.wait) => batch,
        };
        let events = match batch {
            Ok(events) if events.is_empty() => continue,
            Ok(events) => events,
            Err(error) => {
                metrics::counter!("haat_consumer_failures_total", "consumer" => group).increment(1);
                tracing::warn!(consumer = group, %error, "reading events failed");
                tokio::time::sleep(settings.retry_after).await;
                continue;
            }
        };
        let outcome = tokio::time::timeout(settings.handler_timeout, handler.handle(&events)).await;
        let acked = match outcome {
            Ok(Ok(())) => subscription.ack().await,
            Ok(Err(message)) => {
                tracing::warn!(consumer = group, error = %message, events = events.len(), "handler failed; will retry");
                let _ = subscription.nack().await;
                metrics::counter!("haat_consumer_failures_total", "consumer" => group).increment(1);
                tokio::time::sleep(settings.retry_after).await;
                continue;
            }
            Err(_) => {
                tracing::warn!(
                    consumer = group,
                    events = events.len(),
                    "handler timed out; will retry"
                );
                let _ = subscription.nack().await;
                metrics::counter!("haat_consumer_failures_total", "consumer" => group).increment(1);
                continue;
            }
        };
        match acked {
            Ok(()) => {
                metrics::counter!("haat_consumer_events_total", "consumer" => group)
                    .increment(events.len() as u64);
            }
            Err(error) => {
                // The batch will be delivered again: handlers are idempotent.
                tracing::warn!(consumer = group, %error, "committing the position failed");
            }
        }
    }
    let _ = subscription.nack().await;
    tracing::info!(consumer = group, "consumer stopped");
}
