//! Background jobs: the [`Worker`] that claims due jobs from PostgreSQL (`haat_db`'s
//! `jobs` table) and runs them, the [`JobHandler`] trait every job type implements, and
//! the [`Registry`] where every job type is registered in one place.
//!
//! Jobs are enqueued in the same transaction as the write that causes them
//! (`haat_db::enqueue_job_in`) and delivered at least once: a handler must be idempotent,
//! and uses the job id as the idempotency key with any external provider ([`SmsJob`]).
//!
//! Nothing here logs a payload: payloads carry phone numbers and message texts.

mod sms;
mod worker;

use std::collections::HashMap;
use std::sync::Arc;

use futures::future::BoxFuture;

pub use haat_db::{ClaimedJob, NewJob};
pub use sms::{sms_job, SmsJob, SMS_JOB_KIND};
pub use worker::{Worker, WorkerSettings};

/// Why a handler did not finish its job. The message is stored in the job's
/// `last_error` and logged, so it must hold no personal data (no phone number, no text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// Worth trying again later (a provider outage, a timeout); retried with backoff
    /// until the job's attempts run out.
    #[error("{0}")]
    Retry(String),
    /// No retry can help (a malformed payload): the job is parked as failed at once.
    #[error("{0}")]
    Permanent(String),
}

/// One job type. Handlers must be idempotent: a job may run again after a crash.
pub trait JobHandler: Send + Sync {
    /// The `kind` column this handler runs.
    fn kind(&self) -> &'static str;
    fn run<'a>(&'a self, job: &'a ClaimedJob) -> BoxFuture<'a, Result<(), JobError>>;
}

/// Every job type a worker can run, by kind.
#[derive(Clone, Default)]
pub struct Registry {
    handlers: HashMap<&'static str, Arc<dyn JobHandler>>,
}

impl Registry {
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Adds a handler for its kind.
    ///
    /// # Panics
    /// When another handler already runs that kind: a wiring mistake, caught at start.
    pub fn register(mut self, handler: impl JobHandler + 'static) -> Registry {
        let kind = handler.kind();
        let previous = self.handlers.insert(kind, Arc::new(handler));
        assert!(
            previous.is_none(),
            "two job handlers registered for kind {kind:?}"
        );
        self
    }

    pub fn get(&self, kind: &str) -> Option<&Arc<dyn JobHandler>> {
        self.handlers.get(kind)
    }

    /// The registered kinds, sorted (for the start-up log line).
    pub fn kinds(&self) -> Vec<&'static str> {
        let mut kinds: Vec<&'static str> = self.handlers.keys().copied().collect();
        kinds.sort_unstable();
        kinds
    }
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("kinds", &self.kinds())
            .finish()
    }
}
