//! Read replicas (ADR 0022, docs/replicas.md): which server answers a read that may be
//! slightly stale.
//!
//! [`Reads`] holds the primary and any number of streaming replicas. A monitor task
//! ([`Reads::monitor`]) samples the primary's WAL position and each replica's replay
//! position every `poll_interval`; a replica is *usable* while it answers and its lag is
//! within `max_lag`, and is put back only once its lag is under half of that (so a
//! replica hovering at the threshold does not flap). [`Reads::run`] sends a read to a
//! usable replica that has replayed past the caller's *floor* (the primary's WAL position
//! after the caller's last write, [`Db::record_write`]), else to the primary; a replica
//! that fails or times out mid-read is taken out at once and the read is retried on the
//! primary, so losing a replica never fails a request.
//!
//! **Lag in seconds** is measured against the primary's own samples, not the replica's
//! last replayed commit time: it is how long ago the primary first had WAL the replica
//! has not replayed yet (to within one poll). An idle primary therefore shows no lag, and
//! clocks of the two machines never enter.
//!
//! **Invariant:** a replica is chosen for a floor only if a poll has *seen* it replay past
//! that floor; replay positions only grow, so the replica has the caller's writes.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::{Db, DbError, Result};

/// A position in the primary's write-ahead log (`pg_lsn` as its 64-bit value).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Lsn(pub u64);

impl Lsn {
    /// Parses PostgreSQL's text form, `16/B374D848`.
    pub fn parse(text: &str) -> Option<Lsn> {
        let (high, low) = text.trim().split_once('/')?;
        let high = u32::from_str_radix(high, 16).ok()?;
        let low = u32::from_str_radix(low, 16).ok()?;
        Some(Lsn((u64::from(high) << 32) | u64::from(low)))
    }

    /// `None` for the zero position (never written).
    pub fn from_i64(value: i64) -> Option<Lsn> {
        u64::try_from(value).ok().filter(|v| *v > 0).map(Lsn)
    }

    pub fn as_i64(self) -> i64 {
        i64::try_from(self.0).unwrap_or(i64::MAX)
    }
}

impl fmt::Display for Lsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:X}/{:X}", self.0 >> 32, self.0 & 0xFFFF_FFFF)
    }
}

/// How replicas are chosen and watched.
#[derive(Clone, Debug)]
pub struct ReplicaSettings {
    /// A replica further behind than this stops receiving reads (`HAAT_REPLICA_MAX_LAG_MS`).
    pub max_lag: Duration,
    /// How often the monitor samples positions (`HAAT_REPLICA_POLL_MS`).
    pub poll_interval: Duration,
    /// A poll that takes longer counts as a failure: the replica is out.
    pub poll_timeout: Duration,
    /// A read on a replica that takes longer is abandoned and run on the primary.
    pub read_timeout: Duration,
}

impl Default for ReplicaSettings {
    fn default() -> Self {
        ReplicaSettings {
            max_lag: Duration::from_secs(5),
            poll_interval: Duration::from_millis(250),
            poll_timeout: Duration::from_secs(1),
            read_timeout: Duration::from_secs(5),
        }
    }
}

/// What the monitor last saw of one replica (for `/metrics`, `haat status` and tests).
#[derive(Clone, Debug, PartialEq)]
pub struct ReplicaStatus {
    /// `host:port/database` of the replica (no user, no password).
    pub name: String,
    pub usable: bool,
    /// Its replay position, once seen.
    pub replayed: Option<Lsn>,
    pub lag_bytes: u64,
    pub lag_seconds: f64,
    /// Why it is out of rotation, when it is.
    pub problem: Option<String>,
}

/// Where reads go: the primary and the replicas, with the monitor's view of each.
#[derive(Clone)]
pub struct Reads {
    inner: Arc<Inner>,
}

struct Inner {
    primary: Db,
    replicas: Vec<Replica>,
    settings: ReplicaSettings,
    next: AtomicUsize,
    /// The primary's recent WAL positions, oldest first, for lag in seconds.
    samples: Mutex<VecDeque<(Instant, Lsn)>>,
}

struct Replica {
    name: String,
    db: Db,
    state: Mutex<ReplicaState>,
}

#[derive(Clone, Debug, Default)]
struct ReplicaState {
    usable: bool,
    replayed: Option<Lsn>,
    lag_bytes: u64,
    lag_seconds: f64,
    problem: Option<String>,
}

/// Why a read went to the primary although replicas are configured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PrimaryReason {
    /// No replica is usable (all lagging, down, or not yet seen).
    NoneUsable,
    /// Usable replicas exist but none has replayed the caller's last write.
    ReadYourWrites,
    /// The chosen replica failed mid-read.
    ReplicaFailed,
}

impl PrimaryReason {
    fn label(self) -> &'static str {
        match self {
            PrimaryReason::NoneUsable => "no_usable_replica",
            PrimaryReason::ReadYourWrites => "read_your_writes",
            PrimaryReason::ReplicaFailed => "replica_failed",
        }
    }
}

impl Reads {
    /// Every read on the primary: a single server, or replicas not configured.
    pub fn primary_only(primary: Db) -> Reads {
        Reads::new(primary, Vec::new(), ReplicaSettings::default())
    }

    /// `replicas` as `(name, pool)`; each starts out of rotation until a poll sees it.
    pub fn new(primary: Db, replicas: Vec<(String, Db)>, settings: ReplicaSettings) -> Reads {
        let replicas = replicas
            .into_iter()
            .map(|(name, db)| Replica {
                name,
                db,
                state: Mutex::new(ReplicaState {
                    problem: Some("not polled yet".to_owned()),
                    ..ReplicaState::default()
                }),
            })
            .collect();
        Reads {
            inner: Arc::new(Inner {
                primary,
                replicas,
                settings,
                next: AtomicUsize::new(0),
                samples: Mutex::new(VecDeque::new()),
            }),
        }
    }

    pub fn primary(&self) -> &Db {
        &self.inner.primary
    }

    pub fn has_replicas(&self) -> bool {
        !self.inner.replicas.is_empty()
    }

    pub fn settings(&self) -> &ReplicaSettings {
        &self.inner.settings
    }

    /// Runs a read that may be slightly stale: on a usable replica that has replayed
    /// past `floor` (`None`: no write to wait for), else on the primary. A replica error
    /// that is the replica's fault (down, timed out, cancelled by recovery) takes it out
    /// of rotation and the read runs again on the primary; other errors are returned.
    pub async fn run<T, F, Fut>(&self, floor: Option<Lsn>, read: F) -> Result<T>
    where
        F: Fn(Db) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        if !self.has_replicas() {
            return read(self.inner.primary.clone()).await;
        }
        let index = match self.choose(floor) {
            Ok(index) => index,
            Err(reason) => return self.on_primary(reason, read).await,
        };
        let replica = &self.inner.replicas[index];
        let attempt =
            tokio::time::timeout(self.inner.settings.read_timeout, read(replica.db.clone()));
        let failure = match attempt.await {
            Ok(Ok(value)) => {
                metrics::counter!("haat_db_reads_total", "target" => "replica").increment(1);
                return Ok(value);
            }
            Ok(Err(error)) if !replica_fault(&error) => return Err(error),
            Ok(Err(error)) => error.to_string(),
            Err(_) => "read timed out".to_owned(),
        };
        tracing::warn!(replica = %replica.name, problem = %failure, "replica read failed; reading from the primary");
        self.take_out(replica, failure);
        self.on_primary(PrimaryReason::ReplicaFailed, read).await
    }

    async fn on_primary<T, F, Fut>(&self, reason: PrimaryReason, read: F) -> Result<T>
    where
        F: Fn(Db) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        metrics::counter!("haat_db_reads_total", "target" => "primary", "reason" => reason.label())
            .increment(1);
        if reason == PrimaryReason::ReadYourWrites {
            metrics::counter!("haat_db_read_your_writes_redirects_total").increment(1);
        }
        read(self.inner.primary.clone()).await
    }

    /// A usable replica past `floor`, round robin; or why there is none.
    fn choose(&self, floor: Option<Lsn>) -> std::result::Result<usize, PrimaryReason> {
        let count = self.inner.replicas.len();
        let start = self.inner.next.fetch_add(1, Ordering::Relaxed);
        let mut any_usable = false;
        for offset in 0..count {
            let index = (start + offset) % count;
            let state = lock(&self.inner.replicas[index].state);
            if !state.usable {
                continue;
            }
            any_usable = true;
            let caught_up = match (floor, state.replayed) {
                (None, _) => true,
                (Some(floor), Some(replayed)) => replayed >= floor,
                (Some(_), None) => false,
            };
            if caught_up {
                return Ok(index);
            }
        }
        Err(if any_usable {
            PrimaryReason::ReadYourWrites
        } else {
            PrimaryReason::NoneUsable
        })
    }

    fn take_out(&self, replica: &Replica, problem: String) {
        let mut state = lock(&replica.state);
        if state.usable {
            metrics::counter!("haat_db_replica_breaks_total", "replica" => replica.name.clone())
                .increment(1);
        }
        state.usable = false;
        state.problem = Some(problem);
        metrics::gauge!("haat_db_replica_usable", "replica" => replica.name.clone()).set(0.0);
    }

    /// What the monitor last saw of each replica.
    pub fn status(&self) -> Vec<ReplicaStatus> {
        self.inner
            .replicas
            .iter()
            .map(|replica| {
                let state = lock(&replica.state).clone();
                ReplicaStatus {
                    name: replica.name.clone(),
                    usable: state.usable,
                    replayed: state.replayed,
                    lag_bytes: state.lag_bytes,
                    lag_seconds: state.lag_seconds,
                    problem: state.problem,
                }
            })
            .collect()
    }

    /// Samples the primary's position and every replica's, and updates rotation.
    pub async fn poll(&self) {
        if !self.has_replicas() {
            return;
        }
        let timeout = self.inner.settings.poll_timeout;
        let primary = match tokio::time::timeout(timeout, self.inner.primary.wal_position()).await {
            Ok(Ok(lsn)) => Some(lsn),
            Ok(Err(error)) => {
                tracing::warn!(%error, "primary WAL position unavailable; replica lag unknown");
                None
            }
            Err(_) => {
                tracing::warn!("primary WAL position timed out; replica lag unknown");
                None
            }
        };
        let now = Instant::now();
        if let Some(lsn) = primary {
            let mut samples = lock(&self.inner.samples);
            samples.push_back((now, lsn));
            // Keep enough history to measure lags well past the threshold.
            let keep = self.inner.settings.max_lag * 4 + Duration::from_secs(10);
            while samples
                .front()
                .is_some_and(|(at, _)| now.duration_since(*at) > keep)
                && samples.len() > 1
            {
                samples.pop_front();
            }
        }
        let polls = self.inner.replicas.iter().map(|replica| async move {
            let seen = tokio::time::timeout(timeout, replica.db.replay_position()).await;
            (replica, seen)
        });
        // Concurrently: a hung replica must not delay the others' figures.
        for (replica, seen) in futures::future::join_all(polls).await {
            let outcome = match seen {
                Ok(Ok(Some(replayed))) => Ok(replayed),
                Ok(Ok(None)) => Err("not a replica (not in recovery)".to_owned()),
                Ok(Err(error)) => Err(error.to_string()),
                Err(_) => Err("poll timed out".to_owned()),
            };
            self.update(replica, primary, now, outcome);
        }
    }

    fn update(
        &self,
        replica: &Replica,
        primary: Option<Lsn>,
        now: Instant,
        outcome: std::result::Result<Lsn, String>,
    ) {
        let name = replica.name.clone();
        let mut state = lock(&replica.state);
        let was_usable = state.usable;
        match outcome {
            Err(problem) => {
                if was_usable {
                    tracing::warn!(replica = %name, %problem, "replica out of rotation");
                    metrics::counter!("haat_db_replica_breaks_total", "replica" => name.clone())
                        .increment(1);
                }
                state.usable = false;
                state.problem = Some(problem);
            }
            Ok(replayed) => {
                state.replayed = Some(state.replayed.map_or(replayed, |r| r.max(replayed)));
                let Some(primary) = primary else {
                    // Without the primary's position the lag is unknown: keep the
                    // replica's standing, reads past a floor are still safe.
                    drop(state);
                    return;
                };
                state.lag_bytes = primary.0.saturating_sub(replayed.0);
                state.lag_seconds = self.lag_seconds(replayed, now);
                let max = self.inner.settings.max_lag.as_secs_f64();
                let usable = if was_usable {
                    state.lag_seconds <= max
                } else {
                    state.lag_seconds <= max / 2.0
                };
                if usable != was_usable {
                    if usable {
                        tracing::info!(replica = %name, lag_seconds = state.lag_seconds, "replica back in rotation");
                    } else {
                        tracing::warn!(replica = %name, lag_seconds = state.lag_seconds, "replica lagging; out of rotation");
                        metrics::counter!("haat_db_replica_breaks_total", "replica" => name.clone())
                            .increment(1);
                    }
                }
                state.usable = usable;
                state.problem = (!usable).then(|| {
                    if was_usable {
                        format!("lagging {:.1} s", state.lag_seconds)
                    } else {
                        format!("catching up ({:.1} s behind)", state.lag_seconds)
                    }
                });
            }
        }
        metrics::gauge!("haat_db_replica_usable", "replica" => name.clone()).set(if state.usable {
            1.0
        } else {
            0.0
        });
        metrics::gauge!("haat_db_replica_lag_bytes", "replica" => name.clone())
            .set(state.lag_bytes as f64);
        metrics::gauge!("haat_db_replica_lag_seconds", "replica" => name).set(state.lag_seconds);
    }

    /// How long ago the primary first had WAL past `replayed`, to within one poll.
    fn lag_seconds(&self, replayed: Lsn, now: Instant) -> f64 {
        let samples = lock(&self.inner.samples);
        samples
            .iter()
            .find(|(_, lsn)| *lsn > replayed)
            .map_or(0.0, |(at, _)| now.duration_since(*at).as_secs_f64())
    }

    /// Polls every `poll_interval` until `shutdown` resolves.
    pub async fn monitor(self, shutdown: impl Future<Output = ()>) {
        if !self.has_replicas() {
            return;
        }
        let mut shutdown = std::pin::pin!(shutdown);
        let mut ticks = tokio::time::interval(self.inner.settings.poll_interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = &mut shutdown => return,
                _ = ticks.tick() => self.poll().await,
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Errors that say the replica, not the query, is at fault.
fn replica_fault(error: &DbError) -> bool {
    match error {
        DbError::Unavailable(_) => true,
        DbError::Other(sqlx::Error::Database(db)) => db.code().is_some_and(|code| {
            // 40001: cancelled by a conflict with recovery; 08…: connection exceptions;
            // 57P0x: the server is shutting down or starting up.
            code == "40001" || code.starts_with("08") || code.starts_with("57P")
        }),
        DbError::Other(sqlx::Error::Protocol(_) | sqlx::Error::Tls(_)) => true,
        _ => false,
    }
}

impl Db {
    /// The primary's current WAL write position. With `synchronous_commit = on` (the
    /// default, and what Haat's durability needs) a commit returns only after its record
    /// is flushed, so every transaction committed before this call ends at or before it.
    /// (The insert position would also be safe, but it can point past a page header that
    /// no replica ever "replays" until the next record: an idle primary would look like
    /// a lagging replica.)
    pub async fn wal_position(&self) -> Result<Lsn> {
        let (lsn,): (i64,) =
            sqlx::query_as("SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint")
                .fetch_one(self.pool())
                .await?;
        Ok(Lsn::from_i64(lsn).unwrap_or_default())
    }

    /// A replica's replay position; `None` when the server is not in recovery (a
    /// primary, or a promoted replica whose history may have diverged).
    pub async fn replay_position(&self) -> Result<Option<Lsn>> {
        let (recovering, lsn): (bool, Option<i64>) = sqlx::query_as(
            "SELECT pg_is_in_recovery(), (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint",
        )
        .fetch_one(self.pool())
        .await?;
        Ok(if recovering {
            Some(lsn.and_then(Lsn::from_i64).unwrap_or_default())
        } else {
            None
        })
    }

    /// Raises the seller's read floor to the primary's current WAL position, after a
    /// write was committed: their next reads go to a replica only once it has replayed
    /// this far. Returns the floor.
    pub async fn record_write(&self, seller: haat_domain::SellerId) -> Result<Lsn> {
        let (lsn,): (i64,) = sqlx::query_as(
            "UPDATE sellers
             SET read_floor = greatest(read_floor, pg_current_wal_lsn())
             WHERE id = $1
             RETURNING (read_floor - '0/0'::pg_lsn)::bigint",
        )
        .bind(seller.as_uuid())
        .fetch_one(self.pool())
        .await?;
        Ok(Lsn::from_i64(lsn).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::Lsn;

    #[test]
    fn lsn_text_round_trips() {
        let lsn = Lsn::parse("16/B374D848").expect("valid");
        assert_eq!(lsn.0, 0x16_B374_D848);
        assert_eq!(lsn.to_string(), "16/B374D848");
        assert_eq!(Lsn::parse("0/0"), Some(Lsn(0)));
        assert_eq!(Lsn::parse("garbage"), None);
        assert_eq!(Lsn::parse("1/"), None);
        assert!(Lsn(5) < Lsn(0x1_0000_0000));
        assert_eq!(Lsn::from_i64(0), None);
        assert_eq!(Lsn::from_i64(-3), None);
    }
}
