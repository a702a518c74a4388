//! The operator's search commands: `haat search reindex [--store]`, `haat search
//! snapshot --to FILE` and `haat search restore --from FILE` (docs/search.md).
//!
//! Each node owns its index (tantivy lets one process write it), so a reindex is a
//! request in PostgreSQL that every node's indexer carries out, reporting its progress
//! there; the command draws one bar per node from those reports. With no node running,
//! the command rebuilds the index of its own data directory itself, and nodes that are
//! down carry the request out when they start (their index records the last one done).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use haat_db::Db;
use haat_search::{Checkpoint, SearchIndex, SnapshotInfo};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::sync::watch;
use uuid::Uuid;

use super::indexer::{rebuild, IndexerSettings};
use crate::config::Config;

/// How the reindex command decides which nodes to wait for.
#[derive(Clone, Debug)]
pub struct WatchSettings {
    /// A node that reported within this is running.
    pub live_within: Duration,
    /// A node neither reporting nor progressing for this long has stopped (it carries
    /// the request out when it starts again).
    pub given_up_after: Duration,
    pub poll: Duration,
    /// Draw progress bars (on a terminal).
    pub bars: bool,
}

impl Default for WatchSettings {
    fn default() -> Self {
        WatchSettings {
            live_within: Duration::from_secs(15),
            given_up_after: Duration::from_secs(30),
            poll: Duration::from_millis(250),
            bars: true,
        }
    }
}

/// What one node did with the request.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeOutcome {
    pub node: String,
    pub products: u64,
    /// `None`: done. Otherwise why not (failed, or stopped before finishing).
    pub problem: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ReindexOutcome {
    pub request: i64,
    /// Running nodes, each with what it did.
    pub nodes: Vec<NodeOutcome>,
    /// Products of this data directory's index, rebuilt by the command itself because
    /// no node was running.
    pub local: Option<u64>,
}

impl ReindexOutcome {
    pub fn succeeded(&self) -> bool {
        self.nodes.iter().all(|node| node.problem.is_none())
    }

    pub fn render(&self) -> String {
        let mut lines = vec![format!("reindex request #{}", self.request)];
        for node in &self.nodes {
            lines.push(match &node.problem {
                None => format!("  {}: {} products reindexed", node.node, node.products),
                Some(problem) => format!("  {}: not done: {problem}", node.node),
            });
        }
        if let Some(products) = self.local {
            lines.push(format!(
                "  no node is running: this data directory's index was rebuilt here ({products} products)"
            ));
        }
        if self.nodes.is_empty() {
            lines.push(
                "  nodes that are not running carry the request out when they start".to_owned(),
            );
        }
        lines.join("\n") + "\n"
    }
}

fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template(
        "{prefix:30!} [{bar:30}] {pos}/{len} products, {elapsed} so far, {eta} left",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ")
}

/// Rebuilds search for one store (or all) from the database on every node, with a
/// progress bar per node; search stays online throughout (each node swaps in its
/// rebuilt index with one commit).
pub async fn reindex(
    config: &Config,
    db: &Db,
    store: Option<Uuid>,
    settings: &WatchSettings,
) -> anyhow::Result<ReindexOutcome> {
    let request = db.request_reindex(store).await?;
    tracing::info!(request, "search reindex requested");
    let live: Vec<String> = db
        .search_nodes()
        .await?
        .into_iter()
        .filter(|node| node.seen_seconds_ago <= settings.live_within.as_secs_f64())
        .map(|node| node.node)
        .collect();
    if live.is_empty() {
        let local = reindex_here(config, db, store, request, settings).await?;
        return Ok(ReindexOutcome {
            request,
            nodes: Vec::new(),
            local,
        });
    }
    let nodes = watch_nodes(db, request, live, settings).await?;
    Ok(ReindexOutcome {
        request,
        nodes,
        local: None,
    })
}

/// No node is running: rebuild this data directory's index (if it has one) here.
async fn reindex_here(
    config: &Config,
    db: &Db,
    store: Option<Uuid>,
    request: i64,
    settings: &WatchSettings,
) -> anyhow::Result<Option<u64>> {
    let dir = config.search_index_dir();
    if !dir.join("meta.json").exists() {
        return Ok(None);
    }
    let index = match SearchIndex::open(&dir) {
        Ok(index) => Arc::new(index),
        Err(error) if error.is_locked() => bail!(
            "the search index in {} is open in a process that does not report to the fleet \
             (an older Haat?); stop it, or run the command again once it reports",
            dir.display()
        ),
        Err(error) => return Err(error).context("opening the search index"),
    };
    let Some(checkpoint) = index.checkpoint()? else {
        // Never built: the node builds it from the database when it starts.
        return Ok(None);
    };
    let bar = if settings.bars {
        ProgressBar::new(0)
    } else {
        ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden())
    };
    bar.set_style(bar_style());
    bar.set_prefix("this data directory");
    let (progress, mut seen) = watch::channel((0u64, 0u64));
    let draw = {
        let bar = bar.clone();
        async move {
            while seen.changed().await.is_ok() {
                let (done, total) = *seen.borrow_and_update();
                bar.set_length(total);
                bar.set_position(done);
            }
        }
    };
    let work = async move {
        let checkpoint = Checkpoint {
            position: checkpoint.position,
            reindex: request,
        };
        let settings = IndexerSettings::default();
        rebuild(db, &index, &settings, store, checkpoint, Some(&progress)).await
    };
    let (result, ()) = tokio::join!(work, draw);
    bar.finish();
    match result {
        Ok(products) => Ok(Some(products)),
        Err((stage, reason)) => bail!("rebuilding the search index failed ({stage}): {reason}"),
    }
}

/// Follows each running node's progress with `request` until every one has finished,
/// failed, or stopped.
async fn watch_nodes(
    db: &Db,
    request: i64,
    live: Vec<String>,
    settings: &WatchSettings,
) -> anyhow::Result<Vec<NodeOutcome>> {
    let bars = MultiProgress::with_draw_target(if settings.bars {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    });
    let mut watched: BTreeMap<String, (ProgressBar, Option<NodeOutcome>)> = BTreeMap::new();
    let add = |watched: &mut BTreeMap<String, (ProgressBar, Option<NodeOutcome>)>, node: &str| {
        watched.entry(node.to_owned()).or_insert_with(|| {
            let bar = bars.add(ProgressBar::new(0));
            bar.set_style(bar_style());
            bar.set_prefix(node.to_owned());
            (bar, None)
        });
    };
    for node in &live {
        add(&mut watched, node);
    }
    let started = Instant::now();
    loop {
        let progress = db.reindex_progress(request).await?;
        let nodes = db.search_nodes().await?;
        for row in &progress {
            add(&mut watched, &row.node);
        }
        for (name, (bar, outcome)) in watched.iter_mut() {
            if outcome.is_some() {
                continue;
            }
            let report = nodes.iter().find(|node| &node.node == name);
            match progress.iter().find(|row| &row.node == name) {
                Some(row) => {
                    let (done, total) = (row.done.max(0) as u64, row.total.max(0) as u64);
                    bar.set_length(total);
                    bar.set_position(done);
                    if row.finished {
                        *outcome = Some(NodeOutcome {
                            node: name.clone(),
                            products: done,
                            problem: row.error.clone(),
                        });
                    } else if row.updated_seconds_ago > settings.given_up_after.as_secs_f64() {
                        *outcome = Some(stopped(name, done));
                    }
                }
                None => {
                    let gone = report.is_none_or(|node| {
                        node.seen_seconds_ago > settings.given_up_after.as_secs_f64()
                    });
                    if gone && started.elapsed() > settings.given_up_after {
                        *outcome = Some(stopped(name, 0));
                    }
                }
            }
            if outcome.is_some() {
                bar.finish();
            }
        }
        if watched.values().all(|(_, outcome)| outcome.is_some()) {
            break;
        }
        tokio::time::sleep(settings.poll).await;
    }
    Ok(watched
        .into_values()
        .filter_map(|(_, outcome)| outcome)
        .collect())
}

fn stopped(node: &str, products: u64) -> NodeOutcome {
    NodeOutcome {
        node: node.to_owned(),
        products,
        problem: Some(
            "the node stopped before finishing; it carries the request out when it starts"
                .to_owned(),
        ),
    }
}

/// `haat search snapshot --to FILE`: a snapshot of this data directory's index (a
/// running node may be using it), written atomically.
pub fn snapshot(config: &Config, to: &Path) -> anyhow::Result<SnapshotInfo> {
    let dir = config.search_index_dir();
    if !dir.join("meta.json").exists() {
        bail!("there is no search index in {}", dir.display());
    }
    let partial = to.with_extension("partial");
    let file = std::fs::File::create(&partial)
        .with_context(|| format!("cannot create {}", partial.display()))?;
    let mut out = std::io::BufWriter::new(file);
    let info = haat_search::write_snapshot(&dir, &mut out)?;
    let file = out.into_inner().map_err(|error| error.into_error())?;
    file.sync_all()?;
    std::fs::rename(&partial, to)?;
    tracing::info!(
        products = info.products,
        bytes = info.bytes,
        "search index snapshot written"
    );
    Ok(info)
}

/// `haat search restore --from FILE`: replaces this data directory's index with a
/// snapshot; refused while a node is using the index.
pub fn restore(config: &Config, from: &Path) -> anyhow::Result<SnapshotInfo> {
    let dir = config.search_index_dir();
    if dir.join("meta.json").exists() {
        match SearchIndex::open(&dir) {
            Ok(index) => drop(index),
            Err(error) if error.is_locked() => bail!(
                "a node is using the search index in {}; stop it first (or start a new node \
                 with HAAT_SEARCH_SNAPSHOT)",
                dir.display()
            ),
            // A corrupt index is what a restore is for.
            Err(_) => {}
        }
    }
    let file =
        std::fs::File::open(from).with_context(|| format!("cannot open {}", from.display()))?;
    let info = haat_search::restore_snapshot(std::io::BufReader::new(file), &dir)?;
    Ok(info)
}

/// A node starting without an index restores the configured snapshot; if it cannot, it
/// builds from the database as usual.
pub(super) fn restore_if_new(dir: &Path, snapshot: &Path) {
    if dir.join("meta.json").exists() {
        return;
    }
    let restored = std::fs::File::open(snapshot)
        .map_err(haat_search::SearchError::from)
        .and_then(|file| haat_search::restore_snapshot(std::io::BufReader::new(file), dir));
    match restored {
        Ok(info) => {
            metrics::counter!("haat_search_snapshot_restores_total", "result" => "ok").increment(1);
            tracing::info!(
                products = info.products,
                position = info.checkpoint.map(|c| c.position),
                "search index restored from a snapshot; following the log from there"
            );
        }
        Err(error) => {
            metrics::counter!("haat_search_snapshot_restores_total", "result" => "failed")
                .increment(1);
            tracing::warn!(%error, "cannot restore the search snapshot; building from the database");
        }
    }
}
