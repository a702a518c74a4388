//! The PostgreSQL engine: `event_log` filled by the relay (ADR 0015). A consumer group
//! is a row in `event_consumers`; an instance takes the group's turn by locking it
//! (`FOR UPDATE SKIP LOCKED`), reads after its position, and commits the new position
//! in the same transaction, so two instances share the work batch by batch and one that
//! dies mid-batch leaves the batch to the other. Waiting uses the relay's
//! `LISTEN haat_events` notifications, with polling as the fallback.

use std::time::Duration;

use haat_db::{ConsumerLease, Db, EventListener};
use tokio::time::{timeout, Instant};

use crate::{Event, EventLog, Lag, Result, Subscription, Tail};

/// How often a waiting subscription looks again without a notification.
const POLL: Duration = Duration::from_millis(250);

#[derive(Clone, Debug)]
pub struct PgEventLog {
    db: Db,
}

impl PgEventLog {
    pub fn new(db: Db) -> PgEventLog {
        PgEventLog { db }
    }
}

async fn listener_or_polling(db: &Db) -> Option<EventListener> {
    // A listener failing to connect only costs latency: polling covers it.
    match db.event_listener().await {
        Ok(listener) => Some(listener),
        Err(error) => {
            tracing::warn!(%error, "cannot listen for events; polling");
            None
        }
    }
}

/// Waits up to `limit` for the relay's notification (or just sleeps when polling).
async fn wait_for_notification(listener: &mut Option<EventListener>, limit: Duration) {
    match listener {
        Some(active) => {
            if let Ok(Err(error)) = timeout(limit, active.recv()).await {
                tracing::warn!(%error, "event listener failed; polling");
                *listener = None;
            }
        }
        None => tokio::time::sleep(limit).await,
    }
}

impl EventLog for PgEventLog {
    type Subscription = PgSubscription;
    type Tail = PgTail;

    async fn subscribe(&self, group: &str) -> Result<PgSubscription> {
        let listener = listener_or_polling(&self.db).await;
        Ok(PgSubscription {
            db: self.db.clone(),
            group: group.to_owned(),
            listener,
            lease: None,
            batch_end: 0,
        })
    }

    async fn replay(&self, after: u64, limit: usize) -> Result<Vec<Event>> {
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let events = self.db.read_events(after, limit).await?;
        Ok(events.into_iter().map(Event::from).collect())
    }

    async fn lag(&self, group: &str) -> Result<Lag> {
        let position = self.db.consumer_position(group).await?;
        let last = self.db.last_offset().await?;
        let oldest = self.db.read_events(position, 1).await?;
        let seconds = oldest.first().map_or(0.0, |event| {
            (time::OffsetDateTime::now_utc() - event.change.committed_at)
                .as_seconds_f64()
                .max(0.0)
        });
        Ok(Lag {
            events: u64::try_from(last - position).unwrap_or(0),
            seconds,
        })
    }

    async fn follow(&self, after: Option<u64>) -> Result<PgTail> {
        // Listen before reading the head, so no append between the two goes unnoticed.
        let listener = listener_or_polling(&self.db).await;
        let position = match after {
            Some(after) => i64::try_from(after).unwrap_or(i64::MAX),
            None => self.db.last_offset().await?,
        };
        Ok(PgTail {
            db: self.db.clone(),
            listener,
            position,
        })
    }
}

/// Reads `event_log` after a position kept in memory, waking on the relay's NOTIFY.
pub struct PgTail {
    db: Db,
    listener: Option<EventListener>,
    position: i64,
}

impl std::fmt::Debug for PgTail {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("PgTail")
            .field("position", &self.position)
            .finish_non_exhaustive()
    }
}

impl Tail for PgTail {
    async fn next_batch(&mut self, max: usize, wait: Duration) -> Result<Vec<Event>> {
        let limit = i64::try_from(max.max(1)).unwrap_or(i64::MAX);
        let deadline = Instant::now() + wait;
        loop {
            let events = self.db.read_events(self.position, limit).await?;
            if let Some(last) = events.last() {
                self.position = last.offset;
                return Ok(events.into_iter().map(Event::from).collect());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(Vec::new());
            }
            wait_for_notification(&mut self.listener, left.min(POLL)).await;
        }
    }

    fn position(&self) -> u64 {
        u64::try_from(self.position).unwrap_or(0)
    }
}

pub struct PgSubscription {
    db: Db,
    group: String,
    listener: Option<EventListener>,
    lease: Option<ConsumerLease>,
    batch_end: i64,
}

impl std::fmt::Debug for PgSubscription {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("PgSubscription")
            .field("group", &self.group)
            .field("lease", &self.lease)
            .finish_non_exhaustive()
    }
}

impl PgSubscription {
    /// One try: take the group's turn and read after its position. The turn is kept
    /// only when there is something to process.
    async fn try_batch(&mut self, max: usize) -> Result<Vec<Event>> {
        let Some(lease) = self.db.lease_consumer(&self.group).await? else {
            return Ok(Vec::new());
        };
        let limit = i64::try_from(max).unwrap_or(i64::MAX);
        let events = self.db.read_events(lease.position, limit).await?;
        match events.last() {
            None => {
                lease.release().await?;
                Ok(Vec::new())
            }
            Some(last) => {
                self.batch_end = last.offset;
                self.lease = Some(lease);
                Ok(events.into_iter().map(Event::from).collect())
            }
        }
    }
}

impl Subscription for PgSubscription {
    async fn next_batch(&mut self, max: usize, wait: Duration) -> Result<Vec<Event>> {
        if self.lease.is_some() {
            // The previous batch was neither acked nor nacked: deliver it again.
            self.nack().await?;
        }
        let deadline = Instant::now() + wait;
        loop {
            let events = self.try_batch(max).await?;
            let left = deadline.saturating_duration_since(Instant::now());
            if !events.is_empty() || left.is_zero() {
                return Ok(events);
            }
            wait_for_notification(&mut self.listener, left.min(POLL)).await;
        }
    }

    async fn ack(&mut self) -> Result<()> {
        if let Some(lease) = self.lease.take() {
            lease.commit(self.batch_end).await?;
        }
        Ok(())
    }

    async fn nack(&mut self) -> Result<()> {
        if let Some(lease) = self.lease.take() {
            lease.release().await?;
        }
        Ok(())
    }
}
