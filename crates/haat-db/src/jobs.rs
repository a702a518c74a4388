//! The durable background job queue (`jobs` table): enqueue inside the caller's own
//! transaction, claim with `FOR UPDATE SKIP LOCKED` under a time-limited lease, then
//! complete, retry later or park as failed.
//!
//! Delivery is at least once: a worker that dies after the job's effect but before
//! [`Db::complete_job`] leaves the lease to expire, and another worker runs the job again.
//! Handlers are therefore idempotent, and the job id is the idempotency key they hand to
//! external providers.
//!
//! Payloads may hold personal data (a phone number, a message text), so neither
//! [`NewJob`] nor [`ClaimedJob`] prints its payload in `Debug`.

use std::time::Duration;

use sqlx::postgres::PgListener;
use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{Db, Result};

/// The `LISTEN`/`NOTIFY` channel that announces newly committed jobs to idle workers.
pub const JOBS_CHANNEL: &str = "haat_jobs";

/// Attempts before a job is parked as failed, unless the job says otherwise.
pub const DEFAULT_MAX_ATTEMPTS: i32 = 8;

/// `last_error` is for an operator's eyes; a bounded length keeps a chatty error from
/// bloating the table.
const MAX_ERROR_CHARS: usize = 500;

/// A job to enqueue.
#[derive(Clone)]
pub struct NewJob {
    /// Which registered handler runs it, e.g. `"sms"`.
    pub kind: &'static str,
    /// The handler's input: a versioned wire shape owned by the handler.
    pub payload: serde_json::Value,
    /// Not before this instant; `None` runs it as soon as a worker is free.
    pub run_at: Option<OffsetDateTime>,
    /// Attempts before it is parked as failed (at least 1).
    pub max_attempts: i32,
}

impl NewJob {
    /// A job due now with the default number of attempts.
    pub fn new(kind: &'static str, payload: serde_json::Value) -> NewJob {
        NewJob {
            kind,
            payload,
            run_at: None,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        }
    }
}

impl std::fmt::Debug for NewJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewJob")
            .field("kind", &self.kind)
            .field("run_at", &self.run_at)
            .field("max_attempts", &self.max_attempts)
            .finish_non_exhaustive()
    }
}

/// A job this worker holds the lease on.
#[derive(Clone, sqlx::FromRow)]
pub struct ClaimedJob {
    pub id: Uuid,
    pub kind: String,
    pub payload: serde_json::Value,
    /// This attempt's number, starting at 1 (the claim counted it).
    pub attempts: i32,
    pub max_attempts: i32,
}

impl std::fmt::Debug for ClaimedJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClaimedJob")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("attempts", &self.attempts)
            .field("max_attempts", &self.max_attempts)
            .finish_non_exhaustive()
    }
}

/// What [`Db::fail_job`] did with a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobFailure {
    /// Scheduled to run again after the delay.
    Retrying,
    /// That was the last attempt (or the error was permanent): parked with `failed_at`.
    Failed,
    /// The lease had expired and another worker claimed the job since: nothing changed.
    Superseded,
}

/// Queue figures for the metrics gauges.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JobCounts {
    /// Waiting for a worker now (run_at passed, not leased).
    pub due: i64,
    /// Leased by a worker.
    pub running: i64,
    /// Parked after their last attempt or a permanent error.
    pub failed: i64,
}

/// One job's state, for operators and tests. The payload is left out on purpose.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct JobRecord {
    pub id: Uuid,
    pub kind: String,
    pub run_at: OffsetDateTime,
    pub attempts: i32,
    pub max_attempts: i32,
    pub locked_until: Option<OffsetDateTime>,
    pub last_error: Option<String>,
    pub done_at: Option<OffsetDateTime>,
    pub failed_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
}

/// Why a [`JobListener`] woke up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobSignal {
    /// A transaction that enqueued a job committed.
    Enqueued,
    /// The connection was lost and re-established: announcements may have been missed.
    Reconnected,
}

/// Enqueues `job` on `conn`, inside the caller's transaction when there is one: the job
/// exists exactly when the write that caused it commits. Idle workers are woken at commit.
pub async fn enqueue_job_in(conn: &mut PgConnection, job: &NewJob) -> Result<Uuid> {
    let id = Uuid::now_v7();
    // NOTIFY is transactional: it is delivered at commit and dropped on rollback, and
    // identical notifications of one transaction are folded into one.
    sqlx::query(
        "WITH inserted AS (
             INSERT INTO jobs (id, kind, payload, run_at, max_attempts)
             VALUES ($1, $2, $3, COALESCE($4, now()), $5)
             RETURNING id
         )
         SELECT pg_notify($6, '') FROM inserted",
    )
    .bind(id)
    .bind(job.kind)
    .bind(&job.payload)
    .bind(job.run_at)
    .bind(job.max_attempts.max(1))
    .bind(JOBS_CHANNEL)
    .execute(conn)
    .await?;
    Ok(id)
}

impl Db {
    /// Enqueues a job on its own (autocommitted) statement.
    pub async fn enqueue_job(&self, job: &NewJob) -> Result<Uuid> {
        let mut conn = self.pool.acquire().await?;
        enqueue_job_in(&mut conn, job).await
    }

    /// Claims up to `limit` due jobs for `lease`, counting the attempt. Concurrent
    /// workers skip each other's rows instead of waiting on them.
    ///
    /// A job whose lease expired on its last attempt (its worker died) is parked as
    /// failed here rather than run beyond its `max_attempts`.
    pub async fn claim_jobs(&self, lease: Duration, limit: i64) -> Result<Vec<ClaimedJob>> {
        let jobs = sqlx::query_as::<_, ClaimedJob>(
            "WITH exhausted AS (
                 UPDATE jobs SET failed_at = now(), locked_until = NULL,
                     last_error = COALESCE(last_error || '; ', '') || 'lease expired on the last attempt'
                 WHERE id IN (
                     SELECT id FROM jobs
                     WHERE done_at IS NULL AND failed_at IS NULL AND run_at <= now()
                       AND attempts >= max_attempts
                       AND (locked_until IS NULL OR locked_until < now())
                     FOR UPDATE SKIP LOCKED)
             ), due AS (
                 SELECT id FROM jobs
                 WHERE done_at IS NULL AND failed_at IS NULL AND run_at <= now()
                   AND attempts < max_attempts
                   AND (locked_until IS NULL OR locked_until < now())
                 ORDER BY run_at, id
                 LIMIT $2
                 FOR UPDATE SKIP LOCKED
             )
             UPDATE jobs SET locked_until = now() + $1 * interval '1 millisecond',
                 attempts = jobs.attempts + 1
             FROM due WHERE jobs.id = due.id
             RETURNING jobs.id, jobs.kind, jobs.payload, jobs.attempts, jobs.max_attempts",
        )
        .bind(millis(lease))
        .bind(limit.max(0))
        .fetch_all(&self.pool)
        .await?;
        Ok(jobs)
    }

    /// Marks a job done. Also right for a worker whose lease ran out meanwhile: the work
    /// did happen, and a second run's completion is then a no-op.
    pub async fn complete_job(&self, id: Uuid) -> Result<()> {
        sqlx::query(
            "UPDATE jobs SET done_at = now(), failed_at = NULL, locked_until = NULL
             WHERE id = $1 AND done_at IS NULL",
        )
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Marks several jobs done in one statement (a worker's completions, batched while
    /// the previous batch was being written). Same rules as [`Db::complete_job`].
    pub async fn complete_jobs(&self, ids: &[Uuid]) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE jobs SET done_at = now(), failed_at = NULL, locked_until = NULL
             WHERE id = ANY($1) AND done_at IS NULL",
        )
        .bind(ids)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Records a failed attempt: runs it again after `retry_after` (measured on the
    /// database's clock, the one `run_at` is compared with), or parks it as failed when
    /// that was its last attempt. `error` must already be free of personal data; it is
    /// cut to 500 characters.
    ///
    /// Only the holder of this attempt may fail it: once another worker has re-claimed
    /// the job, this returns [`JobFailure::Superseded`] and changes nothing, so a late
    /// failure cannot release a lease it no longer owns.
    pub async fn fail_job(
        &self,
        job: &ClaimedJob,
        error: &str,
        retry_after: Duration,
    ) -> Result<JobFailure> {
        let parked: Option<(bool,)> = sqlx::query_as(
            "UPDATE jobs SET last_error = $3, locked_until = NULL,
                 failed_at = CASE WHEN attempts >= max_attempts THEN now() END,
                 run_at = CASE WHEN attempts >= max_attempts THEN run_at
                               ELSE now() + $4 * interval '1 millisecond' END
             WHERE id = $1 AND attempts = $2 AND done_at IS NULL AND failed_at IS NULL
             RETURNING failed_at IS NOT NULL",
        )
        .bind(job.id)
        .bind(job.attempts)
        .bind(truncate_error(error))
        .bind(millis(retry_after))
        .fetch_optional(&self.pool)
        .await?;
        Ok(failure(parked))
    }

    /// Parks a job as failed at once, whatever attempts it has left: for errors that no
    /// retry can fix (a malformed payload, a refused recipient).
    pub async fn fail_job_permanently(&self, job: &ClaimedJob, error: &str) -> Result<JobFailure> {
        let parked: Option<(bool,)> = sqlx::query_as(
            "UPDATE jobs SET last_error = $3, locked_until = NULL, failed_at = now()
             WHERE id = $1 AND attempts = $2 AND done_at IS NULL AND failed_at IS NULL
             RETURNING true",
        )
        .bind(job.id)
        .bind(job.attempts)
        .bind(truncate_error(error))
        .fetch_optional(&self.pool)
        .await?;
        Ok(failure(parked))
    }

    /// How many jobs are due, running and parked as failed.
    pub async fn job_counts(&self) -> Result<JobCounts> {
        let (due, running, failed): (i64, i64, i64) = sqlx::query_as(
            "SELECT
                 count(*) FILTER (WHERE done_at IS NULL AND failed_at IS NULL AND run_at <= now()
                     AND (locked_until IS NULL OR locked_until < now())),
                 count(*) FILTER (WHERE done_at IS NULL AND failed_at IS NULL
                     AND locked_until >= now()),
                 count(*) FILTER (WHERE failed_at IS NOT NULL)
             FROM jobs",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(JobCounts {
            due,
            running,
            failed,
        })
    }

    /// One job's state; `DbError::NotFound` when there is no such job.
    pub async fn job(&self, id: Uuid) -> Result<JobRecord> {
        let record = sqlx::query_as::<_, JobRecord>(
            "SELECT id, kind, run_at, attempts, max_attempts, locked_until, last_error,
                    done_at, failed_at, created_at
             FROM jobs WHERE id = $1",
        )
        .bind(id)
        .fetch_one(&self.pool)
        .await?;
        Ok(record)
    }

    /// Retention: deletes up to `limit` jobs that finished (done or failed) more than
    /// `older_than` ago; returns how many. Call it repeatedly until it returns 0.
    pub async fn delete_finished_jobs(&self, older_than: Duration, limit: i64) -> Result<u64> {
        let deleted = sqlx::query(
            "DELETE FROM jobs WHERE id IN (
                 SELECT id FROM jobs
                 WHERE COALESCE(done_at, failed_at) < now() - $1 * interval '1 millisecond'
                 LIMIT $2)",
        )
        .bind(millis(older_than))
        .bind(limit.max(0))
        .execute(&self.pool)
        .await?;
        Ok(deleted.rows_affected())
    }

    /// Subscribes to job announcements on a connection of its own (held from the pool
    /// for as long as the listener lives).
    pub async fn job_listener(&self) -> Result<JobListener> {
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener.listen(JOBS_CHANNEL).await?;
        Ok(JobListener { listener })
    }
}

/// Wakes a worker when a job is committed, so it need not poll fast.
pub struct JobListener {
    listener: PgListener,
}

impl std::fmt::Debug for JobListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobListener").finish_non_exhaustive()
    }
}

impl JobListener {
    /// Waits for the next announcement. Not cancel-safe: run it in a task of its own
    /// rather than in a `select!` branch.
    pub async fn wait(&mut self) -> Result<JobSignal> {
        match self.listener.try_recv().await? {
            Some(_) => {
                // A burst of commits queues one notification each; one wake-up serves all.
                while self.listener.next_buffered().is_some() {}
                Ok(JobSignal::Enqueued)
            }
            None => Ok(JobSignal::Reconnected),
        }
    }
}

fn failure(parked: Option<(bool,)>) -> JobFailure {
    match parked {
        Some((true,)) => JobFailure::Failed,
        Some((false,)) => JobFailure::Retrying,
        None => JobFailure::Superseded,
    }
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

fn truncate_error(error: &str) -> String {
    error.chars().take(MAX_ERROR_CHARS).collect()
}
