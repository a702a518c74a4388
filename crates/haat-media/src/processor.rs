//! `ImageProcessor`: runs `process_image` from async code without stalling the runtime.
//!
//! Decoding a 12 MP photo takes hundreds of milliseconds of CPU, so each job runs on
//! tokio's blocking pool; a semaphore sized to the CPU count keeps a burst of uploads from
//! occupying every blocking thread and every core (and holding dozens of decoded
//! 160 MB buffers at once) while the server still has requests to answer.

use std::num::NonZeroUsize;
use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::Semaphore;

use crate::process::record_failure;
use crate::{process_image, ImagePolicy, MediaError, ProcessedImage};

/// Async front for `process_image`. Cheap to clone; clones share the concurrency cap.
#[derive(Clone, Debug)]
pub struct ImageProcessor {
    policy: Arc<ImagePolicy>,
    job_permits: Arc<Semaphore>,
}

impl ImageProcessor {
    /// A processor allowing as many concurrent image jobs as there are CPUs.
    pub fn new(policy: ImagePolicy) -> Self {
        let cpus = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
        Self::with_max_concurrent_jobs(policy, cpus)
    }

    /// A processor allowing at most `max_jobs` (at least 1) concurrent image jobs.
    pub fn with_max_concurrent_jobs(policy: ImagePolicy, max_jobs: usize) -> Self {
        ImageProcessor {
            policy: Arc::new(policy),
            job_permits: Arc::new(Semaphore::new(max_jobs.max(1))),
        }
    }

    pub fn policy(&self) -> &ImagePolicy {
        &self.policy
    }

    /// Processes one upload on the blocking pool, waiting for a free slot first.
    ///
    /// If the returned future is dropped (the client went away), a job already started
    /// still runs to completion and keeps its slot until then, so the cap always reflects
    /// real CPU use.
    pub async fn process(&self, bytes: Bytes) -> Result<ProcessedImage, MediaError> {
        // Refuse oversize or empty uploads before queueing behind other jobs.
        if let Err(error) = self.policy.check_upload_size(&bytes) {
            record_failure(&error);
            return Err(error);
        }
        let permit = Arc::clone(&self.job_permits)
            .acquire_owned()
            .await
            .map_err(|_| MediaError::Processing("image processor is shut down".into()))?;
        let policy = Arc::clone(&self.policy);
        let job = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            process_image(&bytes, &policy)
        });
        match job.await {
            Ok(result) => result,
            Err(join_error) => {
                // A decoder panic on a hostile file must cost one request, not the server.
                tracing::error!(error = %join_error, "image processing task panicked");
                Err(MediaError::Processing(
                    "image processing task failed".into(),
                ))
            }
        }
    }
}
