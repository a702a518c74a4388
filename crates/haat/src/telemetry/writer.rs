//! The log writer behind [`crate::telemetry`]: formatted lines are appended to one shared
//! buffer under a short lock, and a `haat-log` thread writes the buffer out in large
//! pieces (ADR 0018).
//!
//! Why not `tracing-appender`'s non-blocking writer: it sends every line as its own heap
//! buffer through a channel, and its writer thread sleeps whenever the channel runs dry,
//! so at tens of thousands of lines a second most lines pay an allocation, a free on
//! another thread and a futex wake-up of the writer. Here a line is a `memcpy` into a
//! buffer whose capacity is reused, and the writer wakes once per [`FLUSH_BYTES`] or once
//! per [`FLUSH_INTERVAL`], whichever comes first.

use std::io::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tracing_subscriber::fmt::MakeWriter;

/// The writer is woken early once this many bytes are waiting.
pub const FLUSH_BYTES: usize = 64 * 1024;
/// A line waits at most this long before it is written.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(50);
/// If the writer falls this far behind (its output blocked), new lines are dropped and
/// counted rather than growing memory or slowing requests.
pub const MAX_PENDING_BYTES: usize = 16 * 1024 * 1024;
/// A buffer that grew beyond this while the output was slow is given back afterwards.
const MAX_KEPT_CAPACITY: usize = 1024 * 1024;

struct State {
    pending: Vec<u8>,
    /// The writer is waiting for the first line (producers wake it).
    idle: bool,
    closed: bool,
}

struct Shared {
    state: Mutex<State>,
    wake: Condvar,
    dropped: AtomicU64,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding this lock can only come from a failed allocation; the
        // buffer is still a valid byte string, so keep using it.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn append(&self, line: &[u8]) {
        let mut state = self.lock();
        if state.closed || state.pending.len() + line.len() > MAX_PENDING_BYTES {
            drop(state);
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let before = state.pending.len();
        state.pending.extend_from_slice(line);
        let wake = (state.idle && before == 0)
            || (before < FLUSH_BYTES && state.pending.len() >= FLUSH_BYTES);
        drop(state);
        if wake {
            self.wake.notify_one();
        }
    }
}

/// The `MakeWriter` handed to the fmt layer. Cheap to clone.
#[derive(Clone)]
pub struct LogWriter {
    shared: Arc<Shared>,
}

impl LogWriter {
    /// Lines dropped since start because the output could not keep up.
    pub fn dropped_lines(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }
}

/// One event's writer: the fmt layer formats a whole line and writes it with one
/// `write_all`, which lands here as one append.
pub struct LineSink<'a> {
    shared: &'a Shared,
}

impl Write for LineSink<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.shared.append(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for LogWriter {
    type Writer = LineSink<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        LineSink {
            shared: &self.shared,
        }
    }
}

/// Keeps the writer thread running; dropping it writes out everything pending and
/// stops the thread.
#[must_use = "dropping the guard stops the log writer"]
pub struct WriterGuard {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for WriterGuard {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.wake.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Starts the `haat-log` thread writing into `output`.
pub fn spawn<W: Write + Send + 'static>(output: W) -> io::Result<(LogWriter, WriterGuard)> {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            pending: Vec::with_capacity(FLUSH_BYTES * 2),
            idle: false,
            closed: false,
        }),
        wake: Condvar::new(),
        dropped: AtomicU64::new(0),
    });
    let thread = std::thread::Builder::new()
        .name("haat-log".to_owned())
        .spawn({
            let shared = Arc::clone(&shared);
            move || write_loop(&shared, output)
        })?;
    Ok((
        LogWriter {
            shared: Arc::clone(&shared),
        },
        WriterGuard {
            shared,
            thread: Some(thread),
        },
    ))
}

fn write_loop<W: Write>(shared: &Shared, mut output: W) {
    let mut out = Vec::with_capacity(FLUSH_BYTES * 2);
    loop {
        let mut state = shared.lock();
        // Wait for a first line.
        while state.pending.is_empty() && !state.closed {
            state.idle = true;
            state = shared
                .wake
                .wait(state)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        state.idle = false;
        // Then let more gather, up to the interval or a full buffer.
        let deadline = Instant::now() + FLUSH_INTERVAL;
        while state.pending.len() < FLUSH_BYTES && !state.closed {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            state = shared
                .wake
                .wait_timeout(state, deadline - now)
                .map_or_else(|poisoned| poisoned.into_inner().0, |(state, _)| state);
        }
        let closed = state.closed;
        std::mem::swap(&mut state.pending, &mut out);
        drop(state);
        if !out.is_empty() {
            // Nowhere to report a failed log write but the log itself; the next write
            // tries again.
            let _ = output.write_all(&out).and_then(|()| output.flush());
            out.clear();
            if out.capacity() > MAX_KEPT_CAPACITY {
                out = Vec::with_capacity(FLUSH_BYTES * 2);
            }
        }
        if closed {
            // Lines appended between the swap and now were refused (closed), so the
            // buffer is empty.
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Default)]
    struct Collected(Arc<Mutex<Vec<u8>>>);

    impl Write for Collected {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn every_line_from_every_thread_is_written_whole_by_the_time_the_guard_drops() {
        let output = Collected::default();
        let (writer, guard) = spawn(output.clone()).unwrap();
        std::thread::scope(|scope| {
            for thread in 0..4 {
                let writer = writer.clone();
                scope.spawn(move || {
                    for i in 0..20_000 {
                        let line = format!("{{\"thread\":{thread},\"i\":{i}}}\n");
                        writer.make_writer().write_all(line.as_bytes()).unwrap();
                    }
                });
            }
        });
        drop(guard);
        let text = String::from_utf8(output.0.lock().unwrap().clone()).unwrap();
        let mut seen = std::collections::HashSet::new();
        for line in text.lines() {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            assert!(seen.insert((value["thread"].as_u64(), value["i"].as_u64())));
        }
        assert_eq!(seen.len(), 80_000);
        assert_eq!(writer.dropped_lines(), 0);
    }

    #[test]
    fn a_quiet_line_is_written_within_the_interval_without_a_flush() {
        let output = Collected::default();
        let (writer, _guard) = spawn(output.clone()).unwrap();
        writer.make_writer().write_all(b"one line\n").unwrap();
        // Bounded wait (no timing assertion): the line must appear without any further
        // writes or a drop of the guard.
        for _ in 0..200 {
            if output.0.lock().unwrap().as_slice() == b"one line\n" {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("the line was not written while the writer was otherwise idle");
    }

    #[test]
    fn a_blocked_output_drops_and_counts_lines_instead_of_growing() {
        struct Blocked(Arc<std::sync::Barrier>);
        impl Write for Blocked {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                self.0.wait();
                Ok(buf.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let release = Arc::new(std::sync::Barrier::new(2));
        let (writer, guard) = spawn(Blocked(Arc::clone(&release))).unwrap();
        let line = vec![b'x'; 1024];
        // Enough to fill the pending buffer twice over while the writer is blocked.
        for _ in 0..(2 * MAX_PENDING_BYTES / 1024 + 2 * FLUSH_BYTES / 1024) {
            writer.make_writer().write_all(&line).unwrap();
        }
        assert!(writer.dropped_lines() > 0);
        assert!(writer.shared.lock().pending.len() <= MAX_PENDING_BYTES);
        // Let the writer finish: one release per write_all it makes.
        std::thread::spawn(move || loop {
            release.wait();
        });
        drop(guard);
    }
}
