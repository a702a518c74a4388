//! Search across a fleet: the nodes' reports (for `haat status` and the reindex
//! command) and reindex requests with each node's progress (docs/search.md).

use std::time::Duration;

use uuid::Uuid;

use crate::{Db, Result};

/// What a node's indexer reports about its index.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchNodeReport<'a> {
    pub node: &'a str,
    pub started_at: time::OffsetDateTime,
    pub ready: bool,
    pub position: Option<u64>,
    pub products: u64,
    pub lag_seconds: Option<f64>,
    pub reindexed: i64,
}

/// A node's last report.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct SearchNodeRow {
    pub node: String,
    pub ready: bool,
    pub position: Option<i64>,
    pub products: i64,
    pub lag_seconds: Option<f64>,
    pub reindexed: i64,
    /// Seconds since the report, by the database's clock.
    pub seen_seconds_ago: f64,
}

/// A reindex request: one store's products, or every store's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ReindexRequest {
    pub id: i64,
    pub store_id: Option<Uuid>,
}

/// One node's progress with a request.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct ReindexProgress {
    pub node: String,
    pub total: i64,
    pub done: i64,
    pub finished: bool,
    pub error: Option<String>,
    /// Seconds since the node last reported progress, by the database's clock.
    pub updated_seconds_ago: f64,
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Db {
    pub async fn report_search_node(&self, report: &SearchNodeReport<'_>) -> Result<()> {
        sqlx::query(
            "INSERT INTO search_nodes
                 (node, started_at, seen_at, ready, position, products, lag_seconds, reindexed)
             VALUES ($1, $2, now(), $3, $4, $5, $6, $7)
             ON CONFLICT (node) DO UPDATE SET
                 started_at = excluded.started_at, seen_at = now(), ready = excluded.ready,
                 position = excluded.position, products = excluded.products,
                 lag_seconds = excluded.lag_seconds, reindexed = excluded.reindexed",
        )
        .bind(report.node)
        .bind(report.started_at)
        .bind(report.ready)
        .bind(report.position.map(count))
        .bind(count(report.products))
        .bind(report.lag_seconds)
        .bind(report.reindexed)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A node stopping cleanly leaves the fleet.
    pub async fn remove_search_node(&self, node: &str) -> Result<()> {
        sqlx::query("DELETE FROM search_nodes WHERE node = $1")
            .bind(node)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Every node's last report, by name.
    pub async fn search_nodes(&self) -> Result<Vec<SearchNodeRow>> {
        Ok(sqlx::query_as(
            "SELECT node, ready, position, products, lag_seconds, reindexed,
                    extract(epoch FROM now() - seen_at)::float8 AS seen_seconds_ago
             FROM search_nodes ORDER BY node",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Forgets nodes not heard from for `older` and requests older than `requests`.
    pub async fn delete_stale_search_state(
        &self,
        older: Duration,
        requests: Duration,
    ) -> Result<u64> {
        let nodes = sqlx::query(
            "DELETE FROM search_nodes WHERE seen_at < now() - make_interval(secs => $1)",
        )
        .bind(older.as_secs_f64())
        .execute(&self.pool)
        .await?
        .rows_affected();
        let old = sqlx::query(
            "DELETE FROM search_reindex_requests
             WHERE requested_at < now() - make_interval(secs => $1)",
        )
        .bind(requests.as_secs_f64())
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(nodes + old)
    }

    /// Asks every node to rebuild one store's products (or all) from the database.
    pub async fn request_reindex(&self, store: Option<Uuid>) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO search_reindex_requests (store_id) VALUES ($1) RETURNING id",
        )
        .bind(store)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Requests made after `id`, oldest first.
    pub async fn reindex_requests_after(&self, id: i64, limit: i64) -> Result<Vec<ReindexRequest>> {
        Ok(sqlx::query_as(
            "SELECT id, store_id FROM search_reindex_requests WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The newest request's id (0 when there is none): a node building its index from
    /// scratch has carried out every request made before.
    pub async fn latest_reindex_request(&self) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM search_reindex_requests")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    pub async fn report_reindex_progress(
        &self,
        request: i64,
        node: &str,
        (done, total): (u64, u64),
        finished: bool,
        error: Option<&str>,
    ) -> Result<()> {
        // A node rebuilding reports nothing else meanwhile: progress counts as a sign
        // of life.
        sqlx::query(
            "WITH alive AS (UPDATE search_nodes SET seen_at = now() WHERE node = $2)
             INSERT INTO search_reindex_progress
                 (request_id, node, total, done, updated_at, finished_at, error)
             SELECT $1, $2, $3, $4, now(), CASE WHEN $5 THEN now() END, $6
             WHERE EXISTS (SELECT 1 FROM search_reindex_requests WHERE id = $1)
             ON CONFLICT (request_id, node) DO UPDATE SET
                 total = excluded.total, done = excluded.done, updated_at = now(),
                 finished_at = excluded.finished_at, error = excluded.error",
        )
        .bind(request)
        .bind(node)
        .bind(count(total))
        .bind(count(done))
        .bind(finished)
        .bind(error)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Every node's progress with `request`.
    pub async fn reindex_progress(&self, request: i64) -> Result<Vec<ReindexProgress>> {
        Ok(sqlx::query_as(
            "SELECT node, total, done, finished_at IS NOT NULL AS finished, error,
                    extract(epoch FROM now() - updated_at)::float8 AS updated_seconds_ago
             FROM search_reindex_progress WHERE request_id = $1 ORDER BY node",
        )
        .bind(request)
        .fetch_all(&self.pool)
        .await?)
    }
}
