//! `haat status`: the health of every part in one screen, for an operator's terminal
//! or a cron check (non-zero exit when something is unhealthy).
//!
//! What is unhealthy: a part that cannot be asked, captured changes waiting more than
//! [`OUTBOX_LIMIT`] (the relay is not running), a consumer more than
//! [`LAG_LIMIT_SECONDS`] behind, parked (failed) jobs, or a search node that is not
//! ready, lags, or has stopped reporting without leaving (it crashed or is cut off).
//! Each check has a timeout.

use std::fmt::Write as _;
use std::time::Duration;

use haat_db::Db;
use haat_events::{EventLog, Lag, PgEventLog};
use tokio::time::timeout;

/// Captured changes waiting for the relay beyond this mean it is not keeping up.
pub const OUTBOX_LIMIT: i64 = 10_000;
/// A consumer further behind than this breaks the storefront's freshness promise.
pub const LAG_LIMIT_SECONDS: f64 = 60.0;
const CHECK_TIMEOUT: Duration = Duration::from_secs(5);
/// A search node reports every 5 s (and while rebuilding, with its progress).
pub const SEARCH_NODE_SILENCE_SECONDS: f64 = 30.0;

/// One line of the report.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    pub part: String,
    pub healthy: bool,
    pub detail: String,
}

#[derive(Clone, Debug, Default)]
pub struct Report {
    pub checks: Vec<Check>,
}

impl Report {
    pub fn healthy(&self) -> bool {
        self.checks.iter().all(|check| check.healthy)
    }

    pub fn render(&self) -> String {
        let mut text = String::new();
        for check in &self.checks {
            let mark = if check.healthy { "ok  " } else { "FAIL" };
            let _ = writeln!(text, "{mark}  {:<28} {}", check.part, check.detail);
        }
        text
    }

    fn push(&mut self, part: impl Into<String>, healthy: bool, detail: impl Into<String>) {
        self.checks.push(Check {
            part: part.into(),
            healthy,
            detail: detail.into(),
        });
    }
}

/// Parts beyond PostgreSQL that this deployment is configured with.
#[derive(Default)]
pub struct Parts {
    /// `HAAT_EVENT_LOG=nats://…`: the stream (or why it could not be reached).
    pub nats: Option<Result<haat_events::NatsEventLog, String>>,
    /// `HAAT_REDIS_URL`: the page cache's shared level.
    pub redis: Option<std::sync::Arc<haat_cache::SharedTier>>,
    /// `HAAT_DATABASE_REPLICA_URLS`: the read replicas, as the processes see them.
    pub replicas: Option<haat_db::Reads>,
}

impl Parts {
    /// The parts `config` names, connected with a timeout.
    pub async fn from_config(config: &crate::Config) -> Parts {
        let mut parts = Parts::default();
        if let Some(url) = config
            .event_log
            .as_ref()
            .filter(|url| url.scheme() == "nats")
        {
            let connected = timeout(
                CHECK_TIMEOUT,
                haat_events::NatsEventLog::connect(
                    url.as_str(),
                    haat_events::NatsSettings::default(),
                ),
            )
            .await;
            parts.nats = Some(match connected {
                Ok(Ok(log)) => Ok(log),
                Ok(Err(error)) => Err(error.to_string()),
                Err(_) => Err("no answer within 5 s".to_owned()),
            });
        }
        if let Some(url) = &config.redis_url {
            let settings =
                haat_cache::RedisSettings::new(secrecy::ExposeSecret::expose_secret(url));
            parts.redis = haat_cache::SharedTier::new(settings)
                .ok()
                .map(std::sync::Arc::new);
        }
        parts
    }
}

/// Asks every part; never fails (an unanswered question is an unhealthy line).
pub async fn report(db: &Db) -> Report {
    report_with(db, &Parts::default()).await
}

/// [`report`], plus the NATS stream's consumer groups (instead of PostgreSQL's) and
/// Redis when configured.
pub async fn report_with(db: &Db, parts: &Parts) -> Report {
    let mut report = Report::default();
    let failed = |error: String| format!("cannot tell: {error}");

    match timeout(CHECK_TIMEOUT, db.is_ready()).await {
        Ok(Ok(true)) => report.push("database", true, "reachable, migrations applied"),
        Ok(Ok(false)) => report.push("database", false, "reachable, migrations missing"),
        Ok(Err(error)) => report.push("database", false, failed(error.to_string())),
        Err(_) => report.push("database", false, "no answer within 5 s"),
    }

    let outbox = timeout(CHECK_TIMEOUT, db.outbox_depth()).await;
    let last = timeout(CHECK_TIMEOUT, db.last_offset()).await;
    match (outbox, last) {
        (Ok(Ok(depth)), Ok(Ok(last))) => report.push(
            "relay / event log",
            depth <= OUTBOX_LIMIT,
            format!("{depth} captured changes waiting; log at offset {last}"),
        ),
        _ => report.push("relay / event log", false, "cannot tell"),
    }

    match &parts.nats {
        None => pg_consumers(db, &mut report).await,
        Some(Ok(log)) => nats_consumers(log, &mut report).await,
        Some(Err(error)) => report.push("event log (NATS)", false, failed(error.clone())),
    }

    if let Some(redis) = &parts.redis {
        match redis.ping().await {
            Ok(()) => report.push("redis (page cache)", true, "reachable"),
            Err(error) => report.push(
                "redis (page cache)",
                false,
                format!("unreachable ({error}); storefronts serve from memory and PostgreSQL"),
            ),
        }
    }

    if let Some(reads) = parts.replicas.as_ref().filter(|reads| reads.has_replicas()) {
        replicas(reads, &mut report).await;
    }

    search_nodes(db, &mut report).await;

    match timeout(CHECK_TIMEOUT, db.job_counts()).await {
        Ok(Ok(jobs)) => report.push(
            "background jobs",
            jobs.failed == 0,
            format!(
                "{} due, {} running, {} failed (parked)",
                jobs.due, jobs.running, jobs.failed
            ),
        ),
        _ => report.push("background jobs", false, "cannot tell"),
    }
    report
}

/// One line per read replica: reachable and replaying, how far behind the primary. Two
/// samples a second apart, as a process's monitor takes them (docs/replicas.md): a
/// replica is unhealthy when a process would take it out of rotation.
async fn replicas(reads: &haat_db::Reads, report: &mut Report) {
    reads.poll().await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    reads.poll().await;
    for replica in reads.status() {
        let part = format!("replica {}", replica.name);
        match &replica.problem {
            None => report.push(
                part,
                true,
                format!(
                    "replaying, {} bytes and {:.1} s behind",
                    replica.lag_bytes, replica.lag_seconds
                ),
            ),
            Some(problem) => report.push(
                part,
                false,
                format!("out of rotation: {problem}; reads go to the primary"),
            ),
        }
    }
}

/// One line per search node: ready or not, products, position, lag, and reindex
/// requests it has yet to carry out.
async fn search_nodes(db: &Db, report: &mut Report) {
    let nodes = timeout(CHECK_TIMEOUT, db.search_nodes()).await;
    let latest = timeout(CHECK_TIMEOUT, db.latest_reindex_request()).await;
    let (Ok(Ok(nodes)), Ok(Ok(latest))) = (nodes, latest) else {
        report.push("search", false, "cannot tell");
        return;
    };
    if nodes.is_empty() {
        report.push("search", true, "no node running");
        return;
    }
    for node in nodes {
        let silent = node.seen_seconds_ago > SEARCH_NODE_SILENCE_SECONDS;
        let lag = node.lag_seconds.unwrap_or(0.0);
        let mut detail = if silent {
            format!(
                "not heard from for {:.0} s (crashed or cut off?)",
                node.seen_seconds_ago
            )
        } else if node.ready {
            format!("ready, {} products", node.products)
        } else {
            format!(
                "building its index ({} products so far); searches answered by PostgreSQL",
                node.products
            )
        };
        if let Some(position) = node.position {
            let _ = write!(detail, ", log offset {position}, {lag:.1} s behind");
        }
        if node.reindexed < latest {
            let _ = write!(detail, ", reindex #{latest} pending");
        }
        report.push(
            format!("search {}", node.node),
            !silent && node.ready && lag <= LAG_LIMIT_SECONDS,
            detail,
        );
    }
}

fn lag_line(report: &mut Report, name: &str, position: String, lag: Lag) {
    report.push(
        format!("consumer {name}"),
        lag.seconds <= LAG_LIMIT_SECONDS,
        format!(
            "{position}, {} events / {:.1} s behind",
            lag.events, lag.seconds
        ),
    );
}

async fn nats_consumers(log: &haat_events::NatsEventLog, report: &mut Report) {
    match timeout(CHECK_TIMEOUT, log.last_sequence()).await {
        Ok(Ok(last)) => report.push(
            "event log (NATS)",
            true,
            format!("stream at sequence {last}"),
        ),
        _ => report.push("event log (NATS)", false, "cannot tell"),
    }
    match timeout(CHECK_TIMEOUT, log.groups()).await {
        Ok(Ok(groups)) if groups.is_empty() => {
            report.push("consumers", true, "none registered yet");
        }
        Ok(Ok(groups)) => {
            for name in groups {
                match timeout(CHECK_TIMEOUT, log.lag(&name)).await {
                    Ok(Ok(lag)) => lag_line(report, &name, "durable on the stream".to_owned(), lag),
                    _ => report.push(format!("consumer {name}"), false, "cannot tell"),
                }
            }
        }
        _ => report.push("consumers", false, "cannot tell"),
    }
}

async fn pg_consumers(db: &Db, report: &mut Report) {
    let log = PgEventLog::new(db.clone());
    match timeout(CHECK_TIMEOUT, db.consumers()).await {
        Ok(Ok(consumers)) if consumers.is_empty() => {
            report.push("consumers", true, "none registered yet");
        }
        Ok(Ok(consumers)) => {
            for (name, position) in consumers {
                match timeout(CHECK_TIMEOUT, log.lag(&name)).await {
                    Ok(Ok(lag)) => lag_line(report, &name, format!("at offset {position}"), lag),
                    _ => report.push(format!("consumer {name}"), false, "cannot tell"),
                }
            }
        }
        _ => report.push("consumers", false, "cannot tell"),
    }
}
