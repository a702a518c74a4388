//! Structured logs: JSON lines by default (`tracing-flat-json`), flat objects holding the
//! event's fields and those of the spans around it, so every line of a request carries
//! `request_id`, `http.method` and `http.route` at the top level. Filter with `RUST_LOG`
//! (default `info`).
//!
//! Lines are written off the request path (ADR 0018): a request formats its line and
//! appends it to a shared buffer; one `haat-log` thread writes the buffer to stderr every
//! 64 KiB or 50 ms. If stderr cannot keep up and 16 MiB are waiting, new lines are
//! dropped rather than slowing requests, and `haat_log_lines_dropped_total` counts them.

mod writer;

use std::sync::OnceLock;

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Keeps the log writer running; dropping it flushes what is queued (hold it until the
/// process exits).
#[must_use = "dropping the guard stops the log writer"]
pub struct LogGuard {
    _writer: Option<writer::WriterGuard>,
}

static WRITER: OnceLock<writer::LogWriter> = OnceLock::new();

/// Log lines dropped because the writer fell behind (since start); `None` before
/// [`init`] (tests, which log through their own subscriber).
pub fn dropped_lines() -> Option<u64> {
    WRITER.get().map(writer::LogWriter::dropped_lines)
}

pub fn init(format: LogFormat) -> LogGuard {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let (writer, guard) = match writer::spawn(std::io::stderr()) {
        Ok(spawned) => spawned,
        Err(error) => {
            // No thread for the writer (resource limits): log straight to stderr.
            eprintln!(
                "haat: could not start the log writer thread ({error}); logging synchronously"
            );
            let _ = tracing_subscriber::fmt()
                .json()
                .with_env_filter(filter)
                .try_init();
            return LogGuard { _writer: None };
        }
    };
    let _ = WRITER.set(writer.clone());
    let registry = tracing_subscriber::registry().with(filter);
    let result = match format {
        LogFormat::Json => registry
            .with(tracing_flat_json::FlatJsonLayer::new(writer))
            .try_init(),
        LogFormat::Pretty => registry
            .with(tracing_subscriber::fmt::layer().with_writer(writer))
            .try_init(),
    };
    // A subscriber may already be set (tests); that is fine.
    let _ = result;
    LogGuard {
        _writer: Some(guard),
    }
}
