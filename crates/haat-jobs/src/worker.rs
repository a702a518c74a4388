//! The worker loop: claim due jobs up to the concurrency limit, run each handler under a
//! timeout shorter than its lease, then complete it, retry it later with exponential
//! backoff and jitter, or park it as failed.
//!
//! A worker sleeps until `LISTEN haat_jobs` announces a committed job, and polls every
//! `poll_interval` as well: that picks up retries whose delay has passed and covers a
//! dropped listener connection. On shutdown it stops claiming and waits (bounded) for the
//! jobs it is running; any it abandons come back when their lease expires.
//!
//! Successful jobs are marked done by one completer task: completions that arrive
//! while it is writing are written together in the next statement, so a busy worker
//! spends one transaction on many jobs instead of one each. A completion lost to a
//! crash only means the job runs again after its lease (handlers are idempotent).

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::FutureExt;
use haat_db::{ClaimedJob, Db, JobFailure, JobSignal};
use tokio::sync::{mpsc, Notify, OwnedSemaphorePermit, Semaphore};
use tokio::task::{JoinError, JoinSet};
use tracing::Instrument;

use crate::{JobError, Registry};

/// How often the queue gauges are refreshed (one `count(*)` query each time).
const GAUGE_INTERVAL: Duration = Duration::from_secs(5);
/// Pause before re-subscribing after the listener failed; polling covers the gap.
const LISTEN_RETRY: Duration = Duration::from_secs(5);
/// The metrics label for job kinds no handler is registered for: kinds come from the
/// database, and an unbounded label set would blow up the metrics.
const UNKNOWN_KIND: &str = "unknown";
/// The most completions written in one statement.
const COMPLETION_BATCH: usize = 256;

/// A job that succeeded, on its way to the completer.
struct Done {
    id: uuid::Uuid,
    kind: &'static str,
    duration_ms: u64,
}

#[derive(Clone, Debug)]
pub struct WorkerSettings {
    /// Jobs run at the same time by this worker.
    pub concurrency: usize,
    /// How long a claimed job is reserved for this worker. A handler gets four fifths
    /// of it; the rest leaves time to record the outcome before another worker may
    /// take the job over.
    pub lease: Duration,
    /// Claim at least this often even without a notification.
    pub poll_interval: Duration,
    /// The delay before the first retry; it doubles with each attempt...
    pub backoff_base: Duration,
    /// ...up to this.
    pub backoff_max: Duration,
    /// How long shutdown waits for running jobs before abandoning them to their lease.
    pub shutdown_timeout: Duration,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        WorkerSettings {
            concurrency: 4,
            lease: Duration::from_secs(60),
            poll_interval: Duration::from_secs(1),
            backoff_base: Duration::from_secs(5),
            backoff_max: Duration::from_secs(15 * 60),
            shutdown_timeout: Duration::from_secs(30),
        }
    }
}

impl WorkerSettings {
    /// The handler's time limit: the lease minus a margin to record the outcome.
    fn handler_timeout(&self) -> Duration {
        (self.lease - self.lease / 5).max(Duration::from_millis(1))
    }

    /// Exponential backoff with "equal jitter": half the step is fixed, half random, so
    /// jobs that failed together (a provider outage) do not all come back at once, and
    /// none comes back sooner than half its step.
    fn backoff(&self, attempt: i32) -> Duration {
        let doublings = u32::try_from(attempt.saturating_sub(1))
            .unwrap_or(0)
            .min(30);
        let step = self
            .backoff_base
            .saturating_mul(1u32 << doublings)
            .min(self.backoff_max);
        let half = step / 2;
        half + half.mul_f64(rand::random::<f64>())
    }
}

/// Runs jobs until its shutdown future resolves.
#[derive(Debug)]
pub struct Worker {
    shared: Arc<Shared>,
}

/// What every job task needs; shared rather than cloned per job.
#[derive(Debug)]
struct Shared {
    db: Db,
    handlers: Registry,
    settings: WorkerSettings,
}

impl Worker {
    pub fn new(db: Db, handlers: Registry, settings: WorkerSettings) -> Worker {
        Worker {
            shared: Arc::new(Shared {
                db,
                handlers,
                settings,
            }),
        }
    }

    /// Claims and runs jobs until `shutdown` resolves, then stops claiming and waits up
    /// to `shutdown_timeout` for the jobs in flight. Database errors are logged and
    /// retried at the next poll; this never returns early.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        let shared = self.shared;
        let settings = &shared.settings;
        let concurrency = settings.concurrency.max(1);
        let permits = Arc::new(Semaphore::new(concurrency));
        let wake = Arc::new(Notify::new());
        // The listener gets a task of its own because waiting on it is not cancel-safe;
        // `Notify` is, and keeps one pending wake-up while the loop is busy.
        let listener = tokio::spawn(listen_for_jobs(shared.db.clone(), wake.clone()));
        let (done, completions) = mpsc::unbounded_channel();
        let completer = tokio::spawn(complete_jobs(shared.db.clone(), completions));
        let mut running: JoinSet<()> = JoinSet::new();
        let mut gauges_updated: Option<Instant> = None;
        let mut shutdown = std::pin::pin!(shutdown);
        tracing::info!(
            jobs.concurrency = concurrency,
            jobs.kinds = ?shared.handlers.kinds(),
            "job worker started"
        );

        loop {
            if gauges_updated.is_none_or(|at| at.elapsed() >= GAUGE_INTERVAL) {
                update_gauges(&shared.db).await;
                gauges_updated = Some(Instant::now());
            }
            let free = permits.available_permits();
            if free > 0 {
                match shared.db.claim_jobs(settings.lease, free as i64).await {
                    Ok(jobs) => {
                        for job in jobs {
                            let Ok(permit) = permits.clone().try_acquire_owned() else {
                                break; // unreachable: claimed at most `free` jobs
                            };
                            let shared = shared.clone();
                            let done = done.clone();
                            running.spawn(async move { shared.run_job(job, permit, done).await });
                        }
                    }
                    Err(error) => {
                        tracing::warn!(error.chain = %chain(&error), "claiming jobs failed");
                    }
                }
            }
            // Shutdown first: once it is asked for, nothing more is claimed.
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                Some(finished) = running.join_next() => log_join_error(finished),
                () = wake.notified() => {}
                () = tokio::time::sleep(settings.poll_interval) => {}
            }
        }

        listener.abort();
        let _ = listener.await;
        tracing::info!(
            jobs.in_flight = running.len(),
            "job worker stopping; waiting for running jobs"
        );
        let drained = tokio::time::timeout(settings.shutdown_timeout, async {
            while let Some(finished) = running.join_next().await {
                log_join_error(finished);
            }
        })
        .await;
        if drained.is_err() {
            tracing::warn!(
                jobs.abandoned = running.len(),
                "running jobs did not finish in time; they run again when their lease expires"
            );
            running.shutdown().await;
        }
        // Every sender is gone once the jobs are: the completer writes what is left.
        drop(done);
        if tokio::time::timeout(settings.shutdown_timeout, completer)
            .await
            .is_err()
        {
            tracing::warn!("recording completed jobs did not finish in time; they run again");
        }
        tracing::info!("job worker stopped");
    }
}

impl Shared {
    async fn run_job(
        &self,
        job: ClaimedJob,
        permit: OwnedSemaphorePermit,
        done: mpsc::UnboundedSender<Done>,
    ) {
        let _permit = permit;
        let span = tracing::info_span!(
            "job",
            job.id = %job.id,
            job.kind = %job.kind,
            job.attempt = job.attempts,
            job.max_attempts = job.max_attempts,
        );
        self.run_claimed(&job, &done).instrument(span).await;
    }

    async fn run_claimed(&self, job: &ClaimedJob, done: &mpsc::UnboundedSender<Done>) {
        let handler = self.handlers.get(&job.kind);
        let kind: &'static str = handler.map_or(UNKNOWN_KIND, |handler| handler.kind());
        let started = Instant::now();
        let result = match handler {
            None => {
                // Retried rather than parked at once: during a rolling deploy a newer
                // worker that knows this kind may pick it up.
                tracing::error!("no handler is registered for this job kind");
                Err(JobError::Retry("no handler for this job kind".to_owned()))
            }
            Some(handler) => {
                let timeout = self.settings.handler_timeout();
                let attempt = AssertUnwindSafe(handler.run(job)).catch_unwind();
                match tokio::time::timeout(timeout, attempt).await {
                    Ok(Ok(result)) => result,
                    Ok(Err(_panic)) => Err(JobError::Retry("the handler panicked".to_owned())),
                    Err(_elapsed) => Err(JobError::Retry(format!(
                        "timed out after {} ms",
                        timeout.as_millis()
                    ))),
                }
            }
        };
        let elapsed = started.elapsed();
        metrics::histogram!("haat_job_seconds", "kind" => kind).record(elapsed.as_secs_f64());
        let duration_ms = elapsed.as_millis() as u64;
        match result {
            Ok(()) => {
                tracing::debug!(duration_ms, "job handler succeeded");
                let sent = done.send(Done {
                    id: job.id,
                    kind,
                    duration_ms,
                });
                if sent.is_err() {
                    tracing::warn!("the completer has stopped; the job runs again after its lease");
                }
            }
            Err(JobError::Retry(message)) => {
                let delay = self.settings.backoff(job.attempts);
                let outcome = self.db.fail_job(job, &message, delay).await;
                record_failure(kind, &message, false, outcome, Some(delay), duration_ms);
            }
            Err(JobError::Permanent(message)) => {
                let outcome = self.db.fail_job_permanently(job, &message).await;
                record_failure(kind, &message, true, outcome, None, duration_ms);
            }
        }
    }
}

/// Writes completions in batches until every sender is gone.
async fn complete_jobs(db: Db, mut completions: mpsc::UnboundedReceiver<Done>) {
    let mut batch = Vec::with_capacity(COMPLETION_BATCH);
    while completions.recv_many(&mut batch, COMPLETION_BATCH).await > 0 {
        let ids: Vec<uuid::Uuid> = batch.iter().map(|done| done.id).collect();
        match db.complete_jobs(&ids).await {
            Ok(_) => {
                for done in &batch {
                    metrics::counter!("haat_jobs_completed_total", "kind" => done.kind)
                        .increment(1);
                    tracing::info!(job.id = %done.id, job.kind = done.kind, duration_ms = done.duration_ms, "job done");
                }
                metrics::histogram!("haat_jobs_completion_batch_size").record(ids.len() as f64);
            }
            Err(error) => tracing::warn!(
                jobs = ids.len(),
                error.chain = %chain(&error),
                "jobs succeeded but marking them done failed; they run again when their lease expires"
            ),
        }
        batch.clear();
    }
}

fn record_failure(
    kind: &'static str,
    message: &str,
    permanent: bool,
    outcome: haat_db::Result<JobFailure>,
    delay: Option<Duration>,
    duration_ms: u64,
) {
    let permanent_label = if permanent { "true" } else { "false" };
    match outcome {
        Ok(JobFailure::Retrying) => {
            metrics::counter!("haat_jobs_retried_total", "kind" => kind).increment(1);
            tracing::warn!(
                duration_ms,
                job.error = %message,
                job.retry_in_ms = delay.map(|d| d.as_millis() as u64),
                "job attempt failed; will retry"
            );
        }
        Ok(JobFailure::Failed) => {
            metrics::counter!("haat_jobs_failed_total", "kind" => kind, "permanent" => permanent_label)
                .increment(1);
            tracing::error!(
                duration_ms,
                job.error = %message,
                job.permanent = permanent,
                "job failed and is parked"
            );
        }
        Ok(JobFailure::Superseded) => tracing::warn!(
            duration_ms,
            job.error = %message,
            "job attempt failed after its lease expired; another worker has it now"
        ),
        Err(error) => tracing::warn!(
            duration_ms,
            job.error = %message,
            error.chain = %chain(&error),
            "recording the job failure failed; it runs again when its lease expires"
        ),
    }
}

fn log_join_error(finished: Result<(), JoinError>) {
    if let Err(error) = finished {
        // Handler panics are caught in `run_claimed`; this is a panic in the bookkeeping.
        tracing::error!(error = %error, "job task failed");
    }
}

async fn update_gauges(db: &Db) {
    match db.job_counts().await {
        Ok(counts) => {
            metrics::gauge!("haat_jobs_due").set(counts.due as f64);
            metrics::gauge!("haat_jobs_running").set(counts.running as f64);
            metrics::gauge!("haat_jobs_failed").set(counts.failed as f64);
        }
        Err(error) => tracing::warn!(error.chain = %chain(&error), "reading job counts failed"),
    }
}

/// Forwards job announcements to `wake` for as long as the worker runs, re-subscribing
/// after a failure. Each (re)subscription wakes the loop once too: jobs committed while
/// no one was listening were announced to nobody.
async fn listen_for_jobs(db: Db, wake: Arc<Notify>) {
    loop {
        match db.job_listener().await {
            Ok(mut listener) => {
                wake.notify_one();
                loop {
                    match listener.wait().await {
                        Ok(JobSignal::Enqueued) => wake.notify_one(),
                        Ok(JobSignal::Reconnected) => {
                            tracing::info!("job listener reconnected");
                            wake.notify_one();
                        }
                        Err(error) => {
                            tracing::warn!(error.chain = %chain(&error), "job listener failed; polling until it is back");
                            break;
                        }
                    }
                }
            }
            Err(error) => {
                tracing::warn!(error.chain = %chain(&error), "subscribing to job announcements failed; polling");
            }
        }
        tokio::time::sleep(LISTEN_RETRY).await;
    }
}

/// The error and its causes, `outer: inner: …`, for one log field.
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut chain = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        chain.push_str(": ");
        chain.push_str(&cause.to_string());
        source = cause.source();
    }
    chain
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_jitter_and_stops_at_the_cap() {
        let settings = WorkerSettings {
            backoff_base: Duration::from_secs(4),
            backoff_max: Duration::from_secs(60),
            ..WorkerSettings::default()
        };
        let check = |attempt: i32, step_secs: u64| {
            let step = Duration::from_secs(step_secs);
            for _ in 0..50 {
                let delay = settings.backoff(attempt);
                assert!(delay >= step / 2 && delay <= step, "{attempt}: {delay:?}");
            }
        };
        check(1, 4);
        check(2, 8);
        check(3, 16);
        check(5, 60);
        check(1000, 60);
        check(0, 4);
    }

    #[test]
    fn handlers_get_most_of_the_lease() {
        let settings = WorkerSettings {
            lease: Duration::from_secs(60),
            ..WorkerSettings::default()
        };
        assert_eq!(settings.handler_timeout(), Duration::from_secs(48));
    }
}
