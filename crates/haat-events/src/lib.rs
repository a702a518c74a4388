//! The event log Haat's consumers read: versioned change events (`Event`, documented in
//! docs/events.md), one trait over the log engines (`EventLog`, `Subscription`), the
//! PostgreSQL engine (`PgEventLog`, the embedded default) and the consumer runner
//! (`run_consumer`) that commits a position only after its handler succeeded.
//!
//! Boundary: engines only move and read events; what a consumer does with them (drop a
//! cache entry, index a product) lives with the consumer. Delivery is at-least-once:
//! handlers must be idempotent.

mod consumer;
mod nats;
mod postgres;

use std::future::Future;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

pub use consumer::{run_consumer, ConsumerSettings, Handler};
pub use nats::{NatsEventLog, NatsSettings, NatsTail};
pub use postgres::{PgEventLog, PgTail};

/// The wire version of [`Event`]; bumped only for incompatible changes.
pub const EVENT_VERSION: u32 = 1;

/// One committed change, as every consumer sees it (docs/events.md).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Always [`EVENT_VERSION`] for events written by this code.
    pub v: u32,
    /// Unique forever; the same in every engine and after relay retries.
    pub event_id: i64,
    /// Position in this engine's log.
    pub offset: u64,
    pub store_id: Uuid,
    /// Gap-free per store, in commit order.
    pub store_seq: i64,
    pub entity: String,
    pub entity_id: Uuid,
    pub op: String,
    pub entity_version: Option<i64>,
    pub payload: serde_json::Value,
    #[serde(with = "time::serde::rfc3339")]
    pub committed_at: OffsetDateTime,
}

impl From<haat_db::LoggedEvent> for Event {
    fn from(logged: haat_db::LoggedEvent) -> Self {
        let change = logged.change;
        Event {
            v: EVENT_VERSION,
            event_id: change.event_id,
            offset: u64::try_from(logged.offset).unwrap_or(0),
            store_id: change.store_id,
            store_seq: change.store_seq,
            entity: change.entity,
            entity_id: change.entity_id,
            op: change.op,
            entity_version: change.entity_version,
            payload: change.payload,
            committed_at: change.committed_at,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EventLogError {
    #[error(transparent)]
    Database(#[from] haat_db::DbError),
    #[error("event log engine: {0}")]
    Engine(String),
}

pub type Result<T, E = EventLogError> = std::result::Result<T, E>;

/// How far a consumer group is behind the head of the log.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Lag {
    pub events: u64,
    /// Age of the oldest unprocessed event (0 when caught up).
    pub seconds: f64,
}

/// A log engine. Every engine passes the same suite (`tests/log_suite.rs`): ordered per
/// store, replay from any position, groups shared by instances that may die mid-batch
/// without losing an event, positions committed only after processing, lag observable.
pub trait EventLog: Send + Sync + 'static {
    type Subscription: Subscription;
    type Tail: Tail;

    /// Joins consumer group `group` (created at the start of the log if new).
    fn subscribe(&self, group: &str) -> impl Future<Output = Result<Self::Subscription>> + Send;

    /// Up to `limit` events after `offset`, whatever any group's position.
    fn replay(&self, after: u64, limit: usize) -> impl Future<Output = Result<Vec<Event>>> + Send;

    /// How far `group` is behind.
    fn lag(&self, group: &str) -> impl Future<Output = Result<Lag>> + Send;

    /// Follows the log from just after `after`, or from its head when `None`: every
    /// event appended later, in order, without a group or a stored position. For state
    /// that lives and dies with one process (the in-process cache's knowledge of which
    /// stores changed), where a durable group would outlive its reader.
    fn follow(&self, after: Option<u64>) -> impl Future<Output = Result<Self::Tail>> + Send;
}

/// One process's reading of the log from some position on (see [`EventLog::follow`]).
pub trait Tail: Send + 'static {
    /// The next events, waiting up to `wait` for some; empty when there are none. An
    /// error means the engine cannot be read now (the caller re-follows from
    /// [`Tail::position`] after a pause).
    fn next_batch(
        &mut self,
        max: usize,
        wait: Duration,
    ) -> impl Future<Output = Result<Vec<Event>>> + Send;

    /// The offset of the last event returned (the start position before any).
    fn position(&self) -> u64;
}

/// One instance's membership of a consumer group.
pub trait Subscription: Send + 'static {
    /// The next events for this instance, waiting up to `wait` for some; empty when
    /// there are none or another instance has the group's turn. The batch stays
    /// unacknowledged until [`Subscription::ack`].
    fn next_batch(
        &mut self,
        max: usize,
        wait: Duration,
    ) -> impl Future<Output = Result<Vec<Event>>> + Send;

    /// Marks the last batch processed: the group's position moves past it.
    fn ack(&mut self) -> impl Future<Output = Result<()>> + Send;

    /// Gives the last batch back unprocessed (a handler failed): it is delivered again.
    fn nack(&mut self) -> impl Future<Output = Result<()>> + Send;
}
