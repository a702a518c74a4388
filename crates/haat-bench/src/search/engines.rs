//! The engines the query set runs on, in this process, and the closed-loop load that
//! times them: `clients` workers, each sending its next query as soon as the last one
//! answered, for a fixed time.
//!
//! - the node's tantivy index (`SearchIndex::search`, platform synonyms only), one OS
//!   thread per client, and again with the clients queued on one thread per core (as a
//!   node's runtime serves them);
//! - PostgreSQL `ILIKE`: every word in the name or the description, in the store, active,
//!   ordered by name, first 20, with the number of matches as a window count (one
//!   statement);
//! - PostgreSQL full-text as Haat falls back to it (`Db::search_fallback`:
//!   `websearch_to_tsquery('english')` or pg_trgm word similarity, in-stock first, rank);
//! - plain PostgreSQL full-text: `to_tsvector('english', name || ' ' || description) @@
//!   plainto_tsquery('english', q)` (the expression of the existing GIN index), ranked
//!   by `ts_rank`, first 20, window count.
//!
//! PostgreSQL engines use one pooled connection per client (tokio tasks).

use std::sync::Arc;
use std::time::{Duration, Instant};

use haat_db::{Db, FallbackQuery};
use haat_domain::StoreId;
use haat_search::{SearchIndex, SearchRequest};
use uuid::Uuid;

use super::queries::{Query, QueryKind};

/// Results asked of every engine.
pub const LIMIT: usize = 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Index,
    IndexQueued,
    Ilike,
    Fallback,
    PlainFullText,
}

impl Engine {
    pub const ALL: [Engine; 5] = [
        Engine::Index,
        Engine::IndexQueued,
        Engine::Ilike,
        Engine::Fallback,
        Engine::PlainFullText,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Engine::Index => "tantivy index (in process)",
            Engine::IndexQueued => "tantivy index, clients queued on one thread per core",
            Engine::Ilike => "PostgreSQL ILIKE",
            Engine::Fallback => "PostgreSQL full-text (Haat's fallback)",
            Engine::PlainFullText => "PostgreSQL full-text (plain)",
        }
    }
}

/// One timed run of one engine.
#[derive(Clone, Debug)]
pub struct Run {
    pub engine: Engine,
    pub round: usize,
    pub seconds: f64,
    pub latencies_ms: Vec<f64>,
    pub errors: u64,
}

impl Run {
    pub fn per_second(&self) -> f64 {
        self.latencies_ms.len() as f64 / self.seconds.max(1e-9)
    }
}

/// The index's answer: how many products match.
pub fn search_index(index: &SearchIndex, query: &Query) -> haat_search::Result<usize> {
    let results = index.search(&SearchRequest {
        store_id: query.store_id,
        text: &query.text,
        // What a search box sends while the shopper types; only the prefix kind asks.
        prefix_last: query.kind == QueryKind::Prefix,
        limit: LIMIT,
        ..Default::default()
    })?;
    Ok(results.total)
}

/// `ILIKE` for `words` words: each must be in the name or the description.
fn ilike_sql(words: usize) -> String {
    let mut sql = String::from(
        "SELECT p.id, count(*) OVER () AS total FROM products p
         WHERE p.store_id = $1 AND p.active",
    );
    for n in 0..words {
        let parameter = n + 2;
        sql.push_str(&format!(
            " AND (p.name ILIKE ${parameter} OR p.description ILIKE ${parameter})"
        ));
    }
    sql.push_str(&format!(" ORDER BY p.name, p.id LIMIT {LIMIT}"));
    sql
}

const PLAIN_FULL_TEXT_SQL: &str = "WITH q AS (SELECT plainto_tsquery('english', $2) AS ts)
     SELECT p.id, count(*) OVER () AS total FROM products p, q
     WHERE p.store_id = $1 AND p.active
       AND to_tsvector('english'::regconfig, p.name || ' ' || p.description) @@ q.ts
     ORDER BY ts_rank(to_tsvector('english'::regconfig, p.name || ' ' || p.description), q.ts) DESC, p.id
     LIMIT 20";

/// `%word%` with `ILIKE`'s wildcards in the word escaped.
fn contains_pattern(word: &str) -> String {
    let escaped = word
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// A PostgreSQL engine's answer: how many products match.
pub async fn search_postgres(db: &Db, engine: Engine, query: &Query) -> anyhow::Result<usize> {
    let total = match engine {
        Engine::Index | Engine::IndexQueued => {
            anyhow::bail!("the index is not a PostgreSQL engine")
        }
        Engine::Ilike => {
            let words = query.words();
            let sql = ilike_sql(words.len());
            let mut statement = sqlx::query_as::<_, (Uuid, i64)>(&sql).bind(query.store_id);
            for word in &words {
                statement = statement.bind(contains_pattern(word));
            }
            let rows = statement.fetch_all(db.pool()).await?;
            rows.first().map_or(0, |row| row.1)
        }
        Engine::Fallback => {
            let results = db
                .search_fallback(
                    StoreId::from_uuid(query.store_id),
                    &FallbackQuery {
                        text: &query.text,
                        sort: "relevance",
                        limit: LIMIT as i64,
                        ..FallbackQuery::default()
                    },
                )
                .await?;
            results.total
        }
        Engine::PlainFullText => {
            let rows: Vec<(Uuid, i64)> = sqlx::query_as(PLAIN_FULL_TEXT_SQL)
                .bind(query.store_id)
                .bind(&query.text)
                .fetch_all(db.pool())
                .await?;
            rows.first().map_or(0, |row| row.1)
        }
    };
    Ok(usize::try_from(total).unwrap_or(0))
}

/// Every query once, `clients` at a time: the number of matches of each (`None`: the
/// query failed). Also warms the engine up.
pub async fn matches(
    engine: Engine,
    index: &Arc<SearchIndex>,
    db: &Db,
    queries: &Arc<Vec<Query>>,
    clients: usize,
) -> anyhow::Result<Vec<Option<usize>>> {
    let mut tasks = tokio::task::JoinSet::new();
    for client in 0..clients {
        let (index, db, queries) = (index.clone(), db.clone(), queries.clone());
        tasks.spawn(async move {
            let mut found = Vec::new();
            for (n, query) in queries.iter().enumerate().skip(client).step_by(clients) {
                let total = match engine {
                    Engine::Index | Engine::IndexQueued => {
                        let (index, query) = (index.clone(), query.clone());
                        tokio::task::spawn_blocking(move || search_index(&index, &query).ok())
                            .await
                            .ok()
                            .flatten()
                    }
                    _ => search_postgres(&db, engine, query).await.ok(),
                };
                found.push((n, total));
            }
            found
        });
    }
    let mut all = vec![None; queries.len()];
    while let Some(found) = tasks.join_next().await {
        for (n, total) in found? {
            all[n] = total;
        }
    }
    Ok(all)
}

/// Client `client` of `clients` starts at its own place in the set, so the clients do
/// not send the same query at the same time.
fn start_of(client: usize, clients: usize, queries: usize) -> usize {
    client * queries / clients.max(1)
}

/// The index under load for `duration`: `clients` closed-loop clients served by
/// `threads` OS threads. With one thread per client, the kernel shares the cores among
/// them (time slices); with fewer, each thread serves its clients in turn, like a
/// runtime's worker threads, and a query's latency runs from when its client sent it
/// (its previous answer) to its own answer, so it includes the wait in the queue.
pub fn load_index(
    index: &SearchIndex,
    queries: &[Query],
    clients: usize,
    threads: usize,
    duration: Duration,
) -> (Vec<f64>, u64, f64) {
    let threads = threads.clamp(1, clients.max(1));
    let started = Instant::now();
    let deadline = started + duration;
    let per_thread: Vec<(Vec<f64>, u64)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|thread| {
                scope.spawn(move || {
                    let mine: Vec<usize> = (thread..clients).step_by(threads).collect();
                    let mut next: Vec<usize> = mine
                        .iter()
                        .map(|&client| start_of(client, clients, queries.len()))
                        .collect();
                    let mut sent = vec![Instant::now(); mine.len()];
                    let mut latencies = Vec::new();
                    let mut errors = 0;
                    'serving: loop {
                        for slot in 0..mine.len() {
                            if Instant::now() >= deadline {
                                break 'serving;
                            }
                            let query = &queries[next[slot] % queries.len()];
                            next[slot] += 1;
                            let result = search_index(index, query);
                            let answered = Instant::now();
                            match result {
                                Ok(_) => {
                                    latencies.push((answered - sent[slot]).as_secs_f64() * 1e3)
                                }
                                Err(_) => errors += 1,
                            }
                            sent[slot] = answered;
                        }
                    }
                    (latencies, errors)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| worker.join().unwrap_or_default())
            .collect()
    });
    let seconds = started.elapsed().as_secs_f64();
    let mut latencies = Vec::new();
    let mut errors = 0;
    for (thread_latencies, thread_errors) in per_thread {
        latencies.extend(thread_latencies);
        errors += thread_errors;
    }
    (latencies, errors, seconds)
}

/// A PostgreSQL engine under load: `clients` tasks (one connection each) for
/// `duration`.
pub async fn load_postgres(
    engine: Engine,
    db: &Db,
    queries: &Arc<Vec<Query>>,
    clients: usize,
    duration: Duration,
) -> anyhow::Result<(Vec<f64>, u64, f64)> {
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = tokio::task::JoinSet::new();
    for client in 0..clients {
        let (db, queries) = (db.clone(), queries.clone());
        tasks.spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            let mut next = start_of(client, clients, queries.len());
            while Instant::now() < deadline {
                let query = &queries[next % queries.len()];
                next += 1;
                let sent = Instant::now();
                match search_postgres(&db, engine, query).await {
                    Ok(_) => latencies.push(sent.elapsed().as_secs_f64() * 1e3),
                    Err(_) => errors += 1,
                }
            }
            (latencies, errors)
        });
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    while let Some(done) = tasks.join_next().await {
        let (client_latencies, client_errors) = done?;
        latencies.extend(client_latencies);
        errors += client_errors;
    }
    Ok((latencies, errors, started.elapsed().as_secs_f64()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ilike_binds_one_parameter_per_word() {
        let sql = ilike_sql(2);
        assert!(sql.contains("p.name ILIKE $2 OR p.description ILIKE $2"));
        assert!(sql.contains("p.name ILIKE $3 OR p.description ILIKE $3"));
        assert!(!sql.contains("$4"));
        assert_eq!(contains_pattern("50%_off"), "%50\\%\\_off%");
    }
}
