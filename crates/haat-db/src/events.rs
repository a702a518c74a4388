//! The captured changes (`change_outbox`, filled by triggers at commit) and the
//! PostgreSQL event log they are relayed into (`event_log`, gap-free offsets), with the
//! consumers' positions. ADR 0015 and docs/events.md explain the design.
//!
//! Invariants:
//! - one relay at a time (a transaction-level advisory lock), so offsets are gap-free
//!   and a store's events enter the log in the order of its `store_seq`;
//! - moving a batch is one transaction: outbox rows are deleted exactly when their log
//!   rows are inserted, so a relay killed at any instant loses and doubles nothing;
//! - a consumer's position only moves forward.

use time::OffsetDateTime;
use uuid::Uuid;

use crate::{Db, Result};

/// The advisory lock key that elects the relay (an arbitrary constant, "HAATRELY").
const RELAY_LOCK: i64 = 0x4841_4154_5245_4c59;

/// One change as captured, before or after it is in the log.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct CapturedChange {
    /// The outbox id: the event's id everywhere, stable across relays and engines.
    pub event_id: i64,
    pub store_id: Uuid,
    /// Gap-free per store, in commit order.
    pub store_seq: i64,
    pub entity: String,
    pub entity_id: Uuid,
    pub op: String,
    pub entity_version: Option<i64>,
    pub payload: serde_json::Value,
    pub committed_at: OffsetDateTime,
}

/// An event in the PostgreSQL log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggedEvent {
    pub offset: i64,
    pub change: CapturedChange,
}

#[derive(sqlx::FromRow)]
struct LoggedRow {
    offset: i64,
    #[sqlx(flatten)]
    change: CapturedChange,
}

/// One instance's turn at a consumer group: while held, no other instance of the group
/// reads; committing moves the group's position and ends the turn. Dropped or rolled
/// back (the instance died mid-batch), the position stays and the next instance
/// processes the same events again (at-least-once).
pub struct ConsumerLease {
    tx: sqlx::Transaction<'static, sqlx::Postgres>,
    consumer: String,
    /// The group's position when the lease was taken.
    pub position: i64,
}

impl std::fmt::Debug for ConsumerLease {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("ConsumerLease")
            .field("consumer", &self.consumer)
            .field("position", &self.position)
            .finish_non_exhaustive()
    }
}

impl ConsumerLease {
    /// Records that the group finished every event up to `offset` and ends the turn.
    pub async fn commit(mut self, offset: i64) -> Result<()> {
        sqlx::query(
            "UPDATE event_consumers SET position = greatest(position, $2), updated_at = now()
             WHERE consumer = $1",
        )
        .bind(&self.consumer)
        .bind(offset)
        .execute(&mut *self.tx)
        .await?;
        self.tx.commit().await?;
        Ok(())
    }

    /// Ends the turn without moving the position.
    pub async fn release(self) -> Result<()> {
        self.tx.rollback().await?;
        Ok(())
    }
}

/// A batch of captured changes taken by the one elected relay for an external log
/// (NATS): publish them, then [`OutboxLease::finish`] deletes exactly these rows. A relay
/// that dies before finishing leaves them for the next, which publishes them again with
/// the same event ids (the log deduplicates).
pub struct OutboxLease {
    tx: sqlx::Transaction<'static, sqlx::Postgres>,
    pub changes: Vec<CapturedChange>,
}

impl std::fmt::Debug for OutboxLease {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("OutboxLease")
            .field("changes", &self.changes.len())
            .finish_non_exhaustive()
    }
}

impl OutboxLease {
    /// Deletes the leased rows and commits.
    pub async fn finish(mut self) -> Result<()> {
        let ids: Vec<i64> = self.changes.iter().map(|c| c.event_id).collect();
        sqlx::query("DELETE FROM change_outbox WHERE id = ANY($1)")
            .bind(&ids)
            .execute(&mut *self.tx)
            .await?;
        self.tx.commit().await?;
        Ok(())
    }
}

/// Wakes when the relay has appended events.
pub struct EventListener(sqlx::postgres::PgListener);

impl std::fmt::Debug for EventListener {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("EventListener")
    }
}

impl EventListener {
    /// Waits for the next notification (not cancel-safe beyond losing that one wake-up,
    /// which polling covers).
    pub async fn recv(&mut self) -> Result<()> {
        self.0.recv().await?;
        Ok(())
    }
}

/// What one relay round did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RelayRound {
    /// False when another relay holds the lock (this one did nothing).
    pub elected: bool,
    pub moved: u64,
    /// The log's last offset after the round.
    pub last_offset: i64,
}

const CHANGE_COLUMNS: &str = "store_id, store_seq, entity, entity_id, op, entity_version, \
                              payload, committed_at";

impl Db {
    /// Moves up to `limit` captured changes into the PostgreSQL event log, oldest first,
    /// in one transaction. Another relay holding the lock makes this a no-op round.
    pub async fn relay_to_log(&self, limit: i64) -> Result<RelayRound> {
        let mut tx = self.pool.begin().await?;
        let elected = take_relay_turn(&mut tx).await?;
        if !elected {
            return Ok(RelayRound::default());
        }
        let sql = format!(
            "WITH batch AS (
                 DELETE FROM change_outbox
                 WHERE id IN (SELECT id FROM change_outbox ORDER BY id LIMIT $1)
                 RETURNING id, {CHANGE_COLUMNS}
             ), numbered AS (
                 SELECT batch.*, row_number() OVER (ORDER BY batch.id) AS n FROM batch
             ), head AS (
                 UPDATE event_log_head SET last_offset = last_offset + (SELECT count(*) FROM batch)
                 WHERE (SELECT count(*) FROM batch) > 0
                 RETURNING last_offset - (SELECT count(*) FROM batch) AS base
             )
             INSERT INTO event_log (\"offset\", event_id, {CHANGE_COLUMNS})
             SELECT head.base + numbered.n, numbered.id,
                    numbered.store_id, numbered.store_seq, numbered.entity, numbered.entity_id,
                    numbered.op, numbered.entity_version, numbered.payload, numbered.committed_at
             FROM numbered, head
             RETURNING \"offset\""
        );
        let offsets: Vec<(i64,)> = sqlx::query_as(&sql)
            .bind(limit.max(0))
            .fetch_all(&mut *tx)
            .await?;
        let last_offset = match offsets.iter().map(|(offset,)| *offset).max() {
            Some(last) => {
                // One notification per batch wakes the consumers (they poll as well).
                sqlx::query("SELECT pg_notify('haat_events', $1)")
                    .bind(last.to_string())
                    .execute(&mut *tx)
                    .await?;
                last
            }
            None => {
                let (last,): (i64,) = sqlx::query_as("SELECT last_offset FROM event_log_head")
                    .fetch_one(&mut *tx)
                    .await?;
                last
            }
        };
        tx.commit().await?;
        Ok(RelayRound {
            elected: true,
            moved: offsets.len() as u64,
            last_offset,
        })
    }

    /// Takes the relay's turn and up to `limit` of the oldest captured changes, for an
    /// external log; `None` when another relay holds the turn.
    pub async fn lease_outbox(&self, limit: i64) -> Result<Option<OutboxLease>> {
        let mut tx = self.pool.begin().await?;
        let elected = take_relay_turn(&mut tx).await?;
        if !elected {
            return Ok(None);
        }
        let sql = format!(
            "SELECT id AS event_id, {CHANGE_COLUMNS} FROM change_outbox ORDER BY id LIMIT $1"
        );
        let changes: Vec<CapturedChange> = sqlx::query_as(&sql)
            .bind(limit.max(0))
            .fetch_all(&mut *tx)
            .await?;
        Ok(Some(OutboxLease { tx, changes }))
    }

    /// Captured changes not yet relayed (for `haat status` and the lag metric).
    pub async fn outbox_depth(&self) -> Result<i64> {
        let (depth,): (i64,) = sqlx::query_as("SELECT count(*) FROM change_outbox")
            .fetch_one(&self.pool)
            .await?;
        Ok(depth)
    }

    /// Seconds the oldest captured change has waited for the relay (`None`: nothing
    /// waits). A growing age means no relay is moving changes.
    pub async fn outbox_oldest_age(&self) -> Result<Option<f64>> {
        let age: Option<(f64,)> = sqlx::query_as(
            "SELECT extract(epoch FROM clock_timestamp() - committed_at)::float8
             FROM change_outbox ORDER BY id LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(age.map(|(age,)| age))
    }

    /// Subscribes to the relay's notifications (a connection of its own).
    pub async fn event_listener(&self) -> Result<EventListener> {
        let mut listener = sqlx::postgres::PgListener::connect_with(&self.pool).await?;
        listener.listen("haat_events").await?;
        Ok(EventListener(listener))
    }

    /// Up to `limit` events after `offset`, in log order.
    pub async fn read_events(&self, after: i64, limit: i64) -> Result<Vec<LoggedEvent>> {
        let sql = format!(
            "SELECT \"offset\", event_id, {CHANGE_COLUMNS} FROM event_log
             WHERE \"offset\" > $1 ORDER BY \"offset\" LIMIT $2"
        );
        let rows: Vec<LoggedRow> = sqlx::query_as(&sql)
            .bind(after)
            .bind(limit.max(0))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| LoggedEvent {
                offset: row.offset,
                change: row.change,
            })
            .collect())
    }

    /// Takes the turn of one instance of `consumer` (creating the group at position 0),
    /// or `None` while another instance holds it.
    pub async fn lease_consumer(&self, consumer: &str) -> Result<Option<ConsumerLease>> {
        sqlx::query("INSERT INTO event_consumers (consumer) VALUES ($1) ON CONFLICT DO NOTHING")
            .bind(consumer)
            .execute(&self.pool)
            .await?;
        let mut tx = self.pool.begin().await?;
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT position FROM event_consumers WHERE consumer = $1 FOR UPDATE SKIP LOCKED",
        )
        .bind(consumer)
        .fetch_optional(&mut *tx)
        .await?;
        Ok(row.map(|(position,)| ConsumerLease {
            tx,
            consumer: consumer.to_owned(),
            position,
        }))
    }

    /// A store's change sequence: the number of its last committed captured change
    /// (0 before the first). The page cache's floor for a store it has not heard of.
    pub async fn store_change_seq(&self, store: Uuid) -> Result<i64> {
        let seq: Option<(i64,)> =
            sqlx::query_as("SELECT seq FROM store_change_seq WHERE store_id = $1")
                .bind(store)
                .fetch_optional(&self.pool)
                .await?;
        Ok(seq.map_or(0, |(seq,)| seq))
    }

    /// The last offset ever assigned (0 before the first event).
    pub async fn last_offset(&self) -> Result<i64> {
        let (last,): (i64,) = sqlx::query_as("SELECT last_offset FROM event_log_head")
            .fetch_one(&self.pool)
            .await?;
        Ok(last)
    }

    /// Every consumer group and its position.
    pub async fn consumers(&self) -> Result<Vec<(String, i64)>> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT consumer, position FROM event_consumers ORDER BY consumer")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows)
    }

    /// The last offset `consumer` finished (0 for a new consumer).
    pub async fn consumer_position(&self, consumer: &str) -> Result<i64> {
        let position: Option<(i64,)> =
            sqlx::query_as("SELECT position FROM event_consumers WHERE consumer = $1")
                .bind(consumer)
                .fetch_optional(&self.pool)
                .await?;
        Ok(position.map_or(0, |(position,)| position))
    }

    /// Records that `consumer` finished every event up to `offset`; never moves back.
    pub async fn commit_position(&self, consumer: &str, offset: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO event_consumers (consumer, position) VALUES ($1, $2)
             ON CONFLICT (consumer) DO UPDATE
                 SET position = greatest(event_consumers.position, excluded.position),
                     updated_at = now()",
        )
        .bind(consumer)
        .bind(offset)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Deletes up to `limit` of the oldest events appended more than `older_than` ago;
    /// returns how many. A consumer further behind than that must rebuild from the
    /// database (docs/events.md).
    pub async fn delete_old_events(
        &self,
        older_than: std::time::Duration,
        limit: i64,
    ) -> Result<u64> {
        let deleted = sqlx::query(
            "DELETE FROM event_log WHERE \"offset\" IN (
                 SELECT \"offset\" FROM event_log
                 WHERE appended_at < now() - make_interval(secs => $1)
                 ORDER BY \"offset\" LIMIT $2)",
        )
        .bind(older_than.as_secs_f64())
        .bind(limit.max(0))
        .execute(&self.pool)
        .await?;
        Ok(deleted.rows_affected())
    }
}

/// The relay's election: true when this transaction now holds the relay lock (until it
/// ends), false when another relay's transaction does.
async fn take_relay_turn(tx: &mut sqlx::PgConnection) -> Result<bool> {
    let (elected,): (bool,) = sqlx::query_as("SELECT pg_try_advisory_xact_lock($1)")
        .bind(RELAY_LOCK)
        .fetch_one(tx)
        .await?;
    Ok(elected)
}
