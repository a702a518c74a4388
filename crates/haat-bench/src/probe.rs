//! Observing the in-process app through `tracing`, without touching its code.
//!
//! sqlx logs every statement it executes as an event with target `sqlx::query` (at
//! debug level), and `haat-http` logs `request finished` with the server-side
//! `duration_ms` of every request. The [`Probe`] layer records both, but only while a
//! measurement is switched on: its filter is dynamic, so while it is off sqlx sees the
//! target as disabled and skips building the event at all, and timings taken then carry
//! no logging overhead.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tracing::field::{Field, Visit};
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};
use tracing_subscriber::filter::EnvFilter;
use tracing_subscriber::layer::{Context, Filter, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

const SQL_TARGET: &str = "sqlx::query";
const HTTP_TARGET: &str = "haat_http";

/// One statement as sqlx reported it.
#[derive(Clone, Debug, Default)]
pub struct Statement {
    /// sqlx's one-line summary (`SELECT p.id, …`).
    pub summary: String,
    /// The full SQL text as sent to PostgreSQL.
    pub sql: String,
    /// Time from sending the statement to the last row, as measured by sqlx.
    pub elapsed_secs: f64,
    pub rows_returned: u64,
}

#[derive(Default)]
struct Inner {
    counting: AtomicBool,
    timing: AtomicBool,
    statements: Mutex<Vec<Statement>>,
    server_ms: Mutex<Vec<f64>>,
}

/// Handle on the installed layer; cheap to clone.
#[derive(Clone)]
pub struct Probe {
    inner: Arc<Inner>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Probe {
    /// Installs the global subscriber: warnings (or `RUST_LOG`) to stderr, plus the probe.
    pub fn install() -> Probe {
        let probe = Probe {
            inner: Arc::new(Inner::default()),
        };
        let switches = Switches(probe.inner.clone());
        let logs = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
        tracing_subscriber::registry()
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::io::stderr)
                    .with_filter(logs),
            )
            .with(ProbeLayer(probe.inner.clone()).with_filter(switches))
            .init();
        probe
    }

    /// Starts recording statements (forgetting earlier ones).
    pub fn start_queries(&self) {
        lock(&self.inner.statements).clear();
        self.inner.counting.store(true, Ordering::SeqCst);
    }

    /// Stops recording and returns the statements executed since [`Probe::start_queries`].
    pub fn stop_queries(&self) -> Vec<Statement> {
        self.inner.counting.store(false, Ordering::SeqCst);
        std::mem::take(&mut *lock(&self.inner.statements))
    }

    /// Starts recording server-side request durations (forgetting earlier ones).
    pub fn start_timing(&self) {
        lock(&self.inner.server_ms).clear();
        self.inner.timing.store(true, Ordering::SeqCst);
    }

    /// Stops recording and returns the durations, in milliseconds, in request order.
    pub fn stop_timing(&self) -> Vec<f64> {
        self.inner.timing.store(false, Ordering::SeqCst);
        std::mem::take(&mut *lock(&self.inner.server_ms))
    }
}

/// The probe's filter. Our two targets get `Interest::sometimes`, so the switches are read
/// on every event rather than cached at the callsite; every other callsite is `never`.
struct Switches(Arc<Inner>);

impl Switches {
    fn watched(metadata: &Metadata<'_>) -> bool {
        metadata.is_event()
            && (metadata.target() == SQL_TARGET || metadata.target().starts_with(HTTP_TARGET))
    }
}

impl<S> Filter<S> for Switches {
    fn enabled(&self, metadata: &Metadata<'_>, _context: &Context<'_, S>) -> bool {
        if !Switches::watched(metadata) {
            return false;
        }
        if metadata.target() == SQL_TARGET {
            self.0.counting.load(Ordering::Relaxed)
        } else {
            self.0.timing.load(Ordering::Relaxed)
        }
    }

    fn callsite_enabled(&self, metadata: &'static Metadata<'static>) -> Interest {
        if Switches::watched(metadata) {
            Interest::sometimes()
        } else {
            Interest::never()
        }
    }
}

struct ProbeLayer(Arc<Inner>);

impl<S: Subscriber> Layer<S> for ProbeLayer {
    fn on_event(&self, event: &Event<'_>, _context: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        if event.metadata().target() == SQL_TARGET {
            lock(&self.0.statements).push(Statement {
                summary: fields.summary,
                sql: fields.statement.trim().to_owned(),
                elapsed_secs: fields.elapsed_secs,
                rows_returned: fields.rows_returned,
            });
        } else if let Some(duration_ms) = fields.duration_ms {
            lock(&self.0.server_ms).push(duration_ms);
        }
    }
}

#[derive(Default)]
struct Fields {
    summary: String,
    statement: String,
    elapsed_secs: f64,
    rows_returned: u64,
    duration_ms: Option<f64>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "summary" => self.summary = value.to_owned(),
            "db.statement" => self.statement = value.to_owned(),
            _ => {}
        }
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        match field.name() {
            "elapsed_secs" => self.elapsed_secs = value,
            "duration_ms" => self.duration_ms = Some(value),
            _ => {}
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "rows_returned" {
            self.rows_returned = value;
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        // Strings recorded through `Debug` arrive quoted and escaped; only the summary and
        // statement matter here, and a `Display`-recorded value never takes this path.
        if matches!(field.name(), "summary" | "db.statement") {
            let text = format!("{value:?}");
            let text = text
                .trim_matches('"')
                .replace("\\n", "\n")
                .replace("\\\"", "\"");
            self.record_str(field, &text);
        }
    }
}
