//! Measurements on the app running inside this process, on the real embedded database:
//! SQL statements per store page (every page of every store), the query plans of the
//! products query, and cold versus warm page builds.

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use haat::app::{build_app, Limits, Role};
use haat::config::Config;
use haat_db::Db;
use sqlx::postgres::PgPoolOptions;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::probe::{Probe, Statement};
use crate::seed::BenchStore;

/// The whole router on 127.0.0.1:0, served by `haat_http::serve` as `haat serve` does.
pub struct App {
    base: String,
    pages: Option<haat_cache::PageCache>,
    client: reqwest::Client,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl App {
    pub async fn start(config: &Config, db: Db) -> anyhow::Result<App> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let mut config = config.clone();
        config.listen = listener.local_addr()?;
        let built = build_app(&config, Role::All, db, Limits::default())?;
        let (service, readiness, pages) = (built.service, built.readiness, built.pages);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(haat_http::serve(
            listener,
            service,
            readiness,
            Duration::ZERO,
            async move {
                let _ = stopped.await;
            },
        ));
        let app = App {
            base: format!("http://{}", config.listen),
            pages,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()?,
            stop,
            task,
        };
        // Opens the keep-alive connection without touching the database, so the first
        // page request measures the page, not the TCP handshake.
        app.get("/healthz").await?;
        Ok(app)
    }

    /// GET `path`; fails unless the status is 200.
    pub async fn get(&self, path: &str) -> anyhow::Result<String> {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await?;
        let status = response.status();
        let body = response.text().await?;
        if !status.is_success() {
            bail!("GET {path} answered {status}");
        }
        Ok(body)
    }

    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        self.task.await??;
        Ok(())
    }
}

/// Statements per page for one store, over every page of its default listing.
#[derive(Debug)]
pub struct StoreQueries {
    pub store: BenchStore,
    /// The statements of page 1 (default order).
    pub first: Vec<Statement>,
    /// Page 2, reached through the page's own `rel="next"` link (`?after=` cursor).
    pub second: Option<usize>,
    /// The last page, after following every next link.
    pub last: Option<usize>,
    /// Pages visited and the fewest / most statements any of them took.
    pub pages: usize,
    pub min: usize,
    pub max: usize,
    /// Page 1 and page 2 of `?sort=price_asc`.
    pub price_first: usize,
    pub price_second: Option<usize>,
    /// Per page walked (default order): server time, and the time of its statements as
    /// sqlx measured them (round trips included). Taken with statement logging on.
    pub server_ms: Vec<f64>,
    pub sql_ms: Vec<f64>,
}

/// The `href` of the page's `rel="next"` link, unescaped, if there is one.
fn next_href(html: &str) -> Option<String> {
    let at = html.find("rel=\"next\"")?;
    let rest = &html[at..];
    let start = rest.find("href=\"")? + "href=\"".len();
    let end = start + rest[start..].find('"')?;
    Some(
        rest[start..end]
            .replace("&amp;", "&")
            .replace("&#x2f;", "/")
            .replace("&#47;", "/")
            .replace("&#x3d;", "=")
            .replace("&#61;", "="),
    )
}

/// One page as measured with statement logging on.
struct Counted {
    html: String,
    statements: Vec<Statement>,
    /// Server time (from haat's request log).
    server_ms: f64,
}

impl Counted {
    /// Time sqlx measured for the page's statements, round trips included.
    fn sql_ms(&self) -> f64 {
        self.statements.iter().map(|s| s.elapsed_secs * 1e3).sum()
    }
}

/// One page built from the database: the page cache is emptied first, so what is
/// counted is a rebuild (on a warm pool).
async fn counted(app: &App, probe: &Probe, path: &str) -> anyhow::Result<Counted> {
    if let Some(pages) = &app.pages {
        pages.clear();
    }
    probe.start_timing();
    probe.start_queries();
    let page = app.get(path).await;
    let statements = probe.stop_queries();
    let server_ms = probe.stop_timing().first().copied().unwrap_or(f64::NAN);
    Ok(Counted {
        html: page?,
        statements,
        server_ms,
    })
}

/// Walks every page of every store, counting statements per page.
pub async fn count_queries(
    app: &App,
    probe: &Probe,
    stores: &[BenchStore],
) -> anyhow::Result<Vec<StoreQueries>> {
    let mut results = Vec::new();
    for store in stores {
        let base = format!("/{}", store.slug);
        // One uncounted request first: the numbers below are for a warm connection (the
        // cold request is measured separately).
        app.get(&base).await?;
        let first = counted(app, probe, &base).await?;
        let (mut pages, mut min, mut max) = (1, first.statements.len(), first.statements.len());
        let (mut second, mut last) = (None, None);
        let mut server_ms = vec![first.server_ms];
        let mut sql_ms = vec![first.sql_ms()];
        let mut html = first.html;
        while let Some(href) = next_href(&html) {
            let next = counted(app, probe, &format!("{base}{href}")).await?;
            let count = next.statements.len();
            pages += 1;
            min = min.min(count);
            max = max.max(count);
            second.get_or_insert(count);
            last = Some(count);
            server_ms.push(next.server_ms);
            sql_ms.push(next.sql_ms());
            html = next.html;
            if pages > 1_000 {
                bail!("{base}: more than 1,000 pages; is the next link looping?");
            }
        }
        let price = counted(app, probe, &format!("{base}?sort=price_asc")).await?;
        let price_second = match next_href(&price.html) {
            Some(href) => Some(
                counted(app, probe, &format!("{base}{href}"))
                    .await?
                    .statements
                    .len(),
            ),
            None => None,
        };
        results.push(StoreQueries {
            store: store.clone(),
            first: first.statements,
            second,
            last,
            pages,
            min,
            max,
            price_first: price.statements.len(),
            price_second,
            server_ms,
            sql_ms,
        });
    }
    Ok(results)
}

/// A plan of the products query, as PostgreSQL executed it.
#[derive(Debug)]
pub struct Plan {
    pub title: String,
    /// The statement, shown before the plan.
    pub sql: Option<String>,
    pub lines: Vec<String>,
}

/// `EXPLAIN (ANALYZE, BUFFERS)` of the products statement the page really sent (taken
/// from sqlx's log), with its store id, as a custom plan and as the generic plan that
/// PostgreSQL may switch a prepared statement to after five executions.
pub async fn explain(
    db: &Db,
    store: &BenchStore,
    statements: &[Statement],
) -> anyhow::Result<Vec<Plan>> {
    let products = statements
        .iter()
        .find(|s| s.sql.contains("FROM products p"))
        .with_context(|| {
            format!(
                "no products query among the page's {} statements",
                statements.len()
            )
        })?;
    let sql = &products.sql;
    let id = store.id.as_uuid();
    let custom: Vec<(String,)> = sqlx::query_as(&format!("EXPLAIN (ANALYZE, BUFFERS) {sql}"))
        .bind(id)
        .fetch_all(db.pool())
        .await
        .context("EXPLAIN of the products query")?;
    let mut connection = db.pool().acquire().await?;
    sqlx::raw_sql(&format!("PREPARE bench_products(uuid) AS {sql}"))
        .execute(&mut *connection)
        .await?;
    let explain_execute = format!("EXPLAIN (ANALYZE, BUFFERS) EXECUTE bench_products('{id}')");
    // What PostgreSQL settles on by itself: after five executions it keeps the generic
    // plan only if that plan's estimated cost is not above the custom plans' average.
    for _ in 0..6 {
        sqlx::raw_sql(&format!("EXECUTE bench_products('{id}')"))
            .execute(&mut *connection)
            .await?;
    }
    let settled: Vec<(String,)> = sqlx::query_as(&explain_execute)
        .fetch_all(&mut *connection)
        .await?;
    sqlx::raw_sql("SET plan_cache_mode = force_generic_plan")
        .execute(&mut *connection)
        .await?;
    let generic: Vec<(String,)> = sqlx::query_as(&explain_execute)
        .fetch_all(&mut *connection)
        .await?;
    sqlx::raw_sql("RESET plan_cache_mode; DEALLOCATE bench_products")
        .execute(&mut *connection)
        .await?;
    let count = crate::report::thousands(store.products);
    let title = |kind: &str| format!("{} ({count} products), page 1, {kind}", store.name);
    let lines = |rows: Vec<(String,)>| rows.into_iter().map(|(l,)| l).collect::<Vec<_>>();
    let settled = lines(settled);
    // A generic plan keeps the parameter symbol; a custom plan shows the bound value.
    let kind = if settled.iter().any(|l| l.contains("$1")) {
        "generic"
    } else {
        "custom, re-planned on every execution"
    };
    Ok(vec![
        Plan {
            title: title("custom plan (the statement as the page sent it)"),
            sql: Some(sql.clone()),
            lines: lines(custom),
        },
        Plan {
            title: title("generic plan (`plan_cache_mode = force_generic_plan`)"),
            sql: None,
            lines: lines(generic),
        },
        Plan {
            title: title(&format!(
                "prepared statement after 6 executions, as PostgreSQL chose: {kind}"
            )),
            sql: None,
            lines: settled,
        },
    ])
}

/// The first request on a fresh app, and warm requests after it.
#[derive(Debug)]
pub struct ColdWarm {
    pub label: String,
    /// Server time of the first store-page request (from haat's own request log).
    pub cold_ms: f64,
    /// The same request as seen by the client over loopback.
    pub cold_client_ms: f64,
    pub cold_statements: usize,
    /// Server times of the warm requests that followed, in order: page cache hits.
    pub warm_ms: Vec<f64>,
    /// Server times of rebuilds on the warm pool (the page cache emptied before each):
    /// what a shopper waits when the page changed.
    pub rebuild_ms: Vec<f64>,
    /// Statements of one such rebuild.
    pub rebuild_statements: usize,
}

pub async fn cold_then_warm(
    label: &str,
    config: &Config,
    db: Db,
    probe: &Probe,
    path: &str,
    warm: usize,
) -> anyhow::Result<ColdWarm> {
    let app = App::start(config, db).await?;
    probe.start_timing();
    probe.start_queries();
    let started = Instant::now();
    let result = app.get(path).await;
    let cold_client_ms = started.elapsed().as_secs_f64() * 1e3;
    let cold_statements = probe.stop_queries().len();
    let cold = probe.stop_timing();
    result?;
    probe.start_timing();
    for _ in 0..warm {
        app.get(path).await?;
    }
    let warm_ms = probe.stop_timing();
    let mut rebuild_ms = Vec::new();
    let mut rebuild_statements = 0;
    if let Some(pages) = &app.pages {
        for n in 0..warm {
            pages.clear();
            probe.start_timing();
            if n == 0 {
                probe.start_queries();
            }
            app.get(path).await?;
            if n == 0 {
                rebuild_statements = probe.stop_queries().len();
            }
            rebuild_ms.extend(probe.stop_timing());
        }
    }
    app.stop().await?;
    Ok(ColdWarm {
        label: label.to_owned(),
        cold_ms: *cold.first().context("no request-finished event recorded")?,
        cold_client_ms,
        cold_statements,
        warm_ms,
        rebuild_ms,
        rebuild_statements,
    })
}

/// A cold build on a new pool (no connection yet, nothing prepared) against the running
/// PostgreSQL, with the same connection options and size as the app's pool.
pub async fn cold_new_pool(
    config: &Config,
    db: &Db,
    probe: &Probe,
    store: &BenchStore,
    warm: usize,
) -> anyhow::Result<ColdWarm> {
    let options = (*db.pool().connect_options()).clone();
    let pool = PgPoolOptions::new()
        .max_connections(config.database_max_connections)
        .connect_lazy_with(options);
    let fresh = Db::from_pool(pool);
    let path = format!("/{}", store.slug);
    let result = cold_then_warm(
        "a new pool (PostgreSQL running)",
        config,
        fresh.clone(),
        probe,
        &path,
        warm,
    )
    .await;
    fresh.close().await;
    result
}

#[cfg(test)]
mod tests {
    use super::next_href;

    #[test]
    fn finds_and_unescapes_the_next_link() {
        let html = r#"<a class="btn" rel="next" href="?sort=price_asc&amp;after=p.100.x">Next</a>"#;
        assert_eq!(
            next_href(html).as_deref(),
            Some("?sort=price_asc&after=p.100.x")
        );
        assert_eq!(next_href("<p>no pager</p>"), None);
    }
}
