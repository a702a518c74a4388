//! Structured logs: JSON lines by default, each carrying the fields of the request span
//! (request id, method, route). Filter with `RUST_LOG` (default `info`).
//!
//! Lines are written off the request path (ADR 0018): a request formats its line and
//! hands it to a bounded queue; one `haat-log` thread writes them to stderr through a
//! 64 KiB buffer, flushed whenever the queue runs empty. If stderr cannot keep up and
//! the queue (128k lines) fills, new lines are dropped rather than slowing requests,
//! and `haat_log_lines_dropped_total` counts them.

use std::io::BufWriter;
use std::sync::OnceLock;

use tracing_appender::non_blocking::{ErrorCounter, NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Keeps the log writer running; dropping it flushes what is queued (hold it until the
/// process exits).
#[must_use = "dropping the guard stops the log writer"]
pub struct LogGuard {
    _worker: WorkerGuard,
}

static DROPPED: OnceLock<ErrorCounter> = OnceLock::new();

/// Log lines dropped because the writer fell behind (since start); `None` before
/// [`init`] (tests, which log through their own subscriber).
pub fn dropped_lines() -> Option<usize> {
    DROPPED.get().map(ErrorCounter::dropped_lines)
}

pub fn init(format: LogFormat) -> LogGuard {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let (writer, worker) = NonBlockingBuilder::default()
        .lossy(true)
        .thread_name("haat-log")
        .finish(BufWriter::with_capacity(64 * 1024, std::io::stderr()));
    let _ = DROPPED.set(writer.error_counter());
    let registry = tracing_subscriber::registry().with(filter);
    let result = match format {
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_writer(writer),
            )
            .try_init(),
        LogFormat::Pretty => registry
            .with(tracing_subscriber::fmt::layer().with_writer(writer))
            .try_init(),
    };
    // A subscriber may already be set (tests); that is fine.
    let _ = result;
    LogGuard { _worker: worker }
}
