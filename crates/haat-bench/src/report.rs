//! The markdown report: the machine, then one section per measurement. Ratios are
//! computed from runs made side by side in the same invocation.

use std::fmt::Write as _;

use crate::inprocess::{ColdWarm, Plan, StoreQueries};
use crate::load::{self, LoadReport};
use crate::procfs::Memory;
use crate::wrk::WrkRun;

/// Where the numbers were taken.
pub struct Machine {
    pub cpu: String,
    pub cpus: usize,
    pub memory_mib: u64,
    pub kernel: String,
    pub date: String,
    pub postgres: String,
    pub nginx: String,
    pub wrk: String,
}

impl Machine {
    pub fn detect(postgres: String, nginx: String, wrk: String) -> Machine {
        let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
        let cpuinfo = read("/proc/cpuinfo");
        let cpu = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name").and_then(|r| r.split_once(':')))
            .map_or("unknown CPU", |(_, name)| name.trim())
            .to_owned();
        let memory_kib: u64 = read("/proc/meminfo")
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|r| r.split_whitespace().next()?.parse().ok())
            .unwrap_or(0);
        let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
        Machine {
            cpu,
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            memory_mib: memory_kib / 1024,
            kernel: read("/proc/sys/kernel/osrelease").trim().to_owned(),
            date: time::OffsetDateTime::now_utc()
                .format(format)
                .unwrap_or_default(),
            postgres,
            nginx,
            wrk,
        }
    }
}

/// Everything measured in one run.
pub struct Results<'a> {
    pub machine: &'a Machine,
    pub queries: &'a [StoreQueries],
    pub plans: &'a [Plan],
    pub cold: &'a [ColdWarm],
    pub cold_store: &'a str,
    pub load: Option<&'a LoadReport>,
}

/// Nearest-rank percentile (`p` in 0..=100) of unsorted values.
pub fn percentile(values: &[f64], p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn opt(value: Option<usize>) -> String {
    value.map_or("—".to_owned(), |v| v.to_string())
}

/// `20000` → `20,000`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn mib(kib: u64) -> String {
    format!("{:.0} MiB", kib as f64 / 1024.0)
}

pub fn render(results: &Results<'_>) -> String {
    let mut out = String::new();
    let m = results.machine;
    let _ = writeln!(out, "# Haat benchmark report\n");
    let parts = [
        m.cpu.clone(),
        format!("{} logical CPUs", m.cpus),
        format!("{} MiB RAM", m.memory_mib),
        format!("Linux {}", m.kernel),
        format!("PostgreSQL {} (embedded, fsync on)", m.postgres),
        m.nginx.clone(),
        m.wrk.clone(),
        m.date.clone(),
    ];
    let parts: Vec<String> = parts.into_iter().filter(|p| !p.is_empty()).collect();
    let _ = writeln!(out, "{}\n", parts.join(" · "));
    queries(&mut out, results.queries);
    plans(&mut out, results.plans);
    cold(&mut out, results.cold, results.cold_store);
    if let Some(load) = results.load {
        throughput(&mut out, load, m.cpus);
        memory(&mut out, load);
    }
    out
}

fn queries(out: &mut String, queries: &[StoreQueries]) {
    let _ = writeln!(out, "## SQL statements per store page\n");
    let _ = writeln!(
        out,
        "| store | products | page 1 | page 2 (`?after=`) | last page | every page: min–max (pages) | `?sort=price_asc` p1 / p2 | page build, median over all pages | of which SQL |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|"
    );
    for q in queries {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {}–{} ({}) | {} / {} | {:.2} ms | {:.2} ms |",
            q.store.name,
            thousands(q.store.products),
            q.first.len(),
            opt(q.second),
            opt(q.last),
            q.min,
            q.max,
            q.pages,
            q.price_first,
            opt(q.price_second),
            percentile(&q.server_ms, 50.0),
            percentile(&q.sql_ms, 50.0),
        );
    }
    let _ = writeln!(
        out,
        "\nPage build is the server time in Haat's request log; SQL is the sum of sqlx's own per-statement times (round trips over the Unix socket included). Both were taken with statement logging switched on, and one request at a time.\n"
    );
    let counts: Vec<usize> = queries
        .iter()
        .flat_map(|q| [q.min, q.max, q.price_first])
        .chain(queries.iter().filter_map(|q| q.price_second))
        .collect();
    let constant = counts.windows(2).all(|w| w[0] == w[1]);
    let most = counts.iter().copied().max().unwrap_or(0);
    let verdict = if constant && most <= 4 {
        "met"
    } else {
        "NOT met"
    };
    let _ = writeln!(
        out,
        "\nGoal (a constant ≤ 4 whatever the catalog size or page depth): **{verdict}** — every page took {}.\n",
        if constant { format!("{most} statements") } else { format!("between {} and {most} statements", counts.iter().min().unwrap_or(&0)) }
    );
    if let Some(big) = queries.last() {
        let _ = writeln!(
            out,
            "Page 1 of the {}-product store, as sqlx logged it:\n\n| # | statement | rows | DB time |\n|--:|---|--:|--:|",
            thousands(big.store.products)
        );
        for (n, s) in big.first.iter().enumerate() {
            let summary = s.summary.replace('|', "\\|");
            let _ = writeln!(
                out,
                "| {} | `{}` | {} | {:.2} ms |",
                n + 1,
                summary.chars().take(70).collect::<String>(),
                s.rows_returned,
                s.elapsed_secs * 1e3
            );
        }
        let _ = writeln!(out);
    }
}

/// The plan's node lines, without costs: `Limit → Nested Loop Left Join → …`.
pub fn plan_summary(plan: &Plan) -> String {
    let nodes: Vec<String> = plan
        .lines
        .iter()
        .filter(|l| l.contains("(cost=") || l.contains("(actual"))
        .map(|l| {
            let node = l.trim_start().trim_start_matches("->").trim();
            node.split("  (").next().unwrap_or(node).trim().to_owned()
        })
        .collect();
    nodes.join(" → ")
}

fn plan_line<'a>(plan: &'a Plan, prefix: &str) -> &'a str {
    plan.lines
        .iter()
        .find_map(|l| l.trim().strip_prefix(prefix))
        .map_or("?", str::trim)
}

fn plans(out: &mut String, plans: &[Plan]) {
    let _ = writeln!(out, "## Plan of the products query\n");
    for plan in plans {
        let _ = writeln!(
            out,
            "- **{}**: {} — planning {}, execution {}",
            plan.title,
            plan_summary(plan),
            plan_line(plan, "Planning Time:"),
            plan_line(plan, "Execution Time:"),
        );
    }
    let _ = writeln!(out, "\n<details><summary>Full plans</summary>\n");
    for plan in plans {
        let _ = writeln!(out, "{}:\n", plan.title);
        if let Some(sql) = &plan.sql {
            let _ = writeln!(out, "```sql\n{sql}\n```\n");
        }
        let _ = writeln!(out, "```\n{}\n```\n", plan.lines.join("\n"));
    }
    let _ = writeln!(out, "</details>\n");
}

fn cold(out: &mut String, runs: &[ColdWarm], store: &str) {
    let _ = writeln!(
        out,
        "## Store page build time: cold, rebuilt, and from the page cache ({store})\n\nServer time from Haat's own request log (`duration_ms`); client time over loopback in brackets. *Cold*: the first request of a fresh process (empty page cache, new pool). *Rebuild*: the page cache emptied before each request, pool and PostgreSQL warm: what the first shopper after a change waits (queries, render, gzip + brotli). *Hit*: served from the page cache.\n\n| first request after… | cold | statements | rebuild median | rebuild p99 | statements per rebuild | hit median | hit p99 | n |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|"
    );
    for run in runs {
        let _ = writeln!(
            out,
            "| {} | {:.1} ms ({:.1} ms) | {} | {:.2} ms | {:.2} ms | {} | {:.3} ms | {:.3} ms | {} |",
            run.label,
            run.cold_ms,
            run.cold_client_ms,
            run.cold_statements,
            percentile(&run.rebuild_ms, 50.0),
            percentile(&run.rebuild_ms, 99.0),
            run.rebuild_statements,
            percentile(&run.warm_ms, 50.0),
            percentile(&run.warm_ms, 99.0),
            run.warm_ms.len()
        );
    }
    let _ = writeln!(out);
}

/// One server at one connection count, over all its rounds.
struct Combined {
    requests_per_sec: f64,
    p50_ms: f64,
    p99_ms: f64,
    /// CPU time of the server and its database per request, in milliseconds.
    server_cpu_ms: f64,
    database_cpu_ms: f64,
}

fn combined(runs: &[&WrkRun]) -> Combined {
    let requests = runs.iter().map(|r| r.requests).sum::<u64>() as f64;
    let seconds: f64 = runs.iter().map(|r| r.seconds).sum();
    let p50: Vec<f64> = runs.iter().map(|r| r.p50_ms).collect();
    let p99: Vec<f64> = runs.iter().map(|r| r.p99_ms).collect();
    Combined {
        requests_per_sec: requests / seconds,
        p50_ms: percentile(&p50, 50.0),
        p99_ms: percentile(&p99, 50.0),
        server_cpu_ms: 1e3 * runs.iter().map(|r| r.cpu.server).sum::<f64>() / requests,
        database_cpu_ms: 1e3 * runs.iter().map(|r| r.cpu.database).sum::<f64>() / requests,
    }
}

fn throughput(out: &mut String, load: &LoadReport, cpus: usize) {
    let _ = writeln!(
        out,
        "## Throughput of `GET {}` ({} bytes of HTML, {} bytes gzip as sent) vs nginx serving the same bytes\n\nBoth answer `Accept-Encoding: gzip, deflate` (a browser on plain HTTP): Haat from its warm page cache, nginx with `gzip_static` from a file holding Haat's gzip body. Haat runs as in production: a request id on every response, per-route metrics, and its JSON log at `RUST_LOG={}` into a file ({}). nginx runs twice: bare (no access log: the issue's baseline) and like-for-like (*nginx+log*: a request id on every response and a JSON access-log line per request, buffered 64 KiB / 50 ms as Haat's log writer).\n",
        load.url_path,
        load.page_bytes,
        load.gzip_bytes,
        load.log_level,
        if load.log_level == "info" {
            "the default: one `request finished` line per request"
        } else {
            "per-request lines filtered out; warnings and errors still written"
        }
    );
    let _ = writeln!(
        out,
        "| connections | Haat req/s | nginx req/s | **Haat / nginx** | nginx+log req/s | **Haat / nginx+log** | Haat p50 / p99 | nginx p50 / p99 | **p99 Haat / nginx** | CPU per request: Haat + PostgreSQL | nginx | nginx+log |\n|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
    );
    let mut levels: Vec<u32> = load.runs.iter().map(|r| r.connections).collect();
    levels.dedup();
    for level in levels {
        let pick = |server: &str| -> Vec<&WrkRun> {
            load.runs
                .iter()
                .filter(|r| r.connections == level && r.server == server)
                .collect()
        };
        let h = combined(&pick(load::HAAT));
        let n = combined(&pick(load::NGINX));
        let l = combined(&pick(load::NGINX_LOGGED));
        let _ = writeln!(
            out,
            "| {level} | {:.0} | {:.0} | **{:.2}** | {:.0} | **{:.2}** | {:.2} / {:.2} ms | {:.2} / {:.2} ms | **{:.2}** | {:.3} + {:.3} ms | {:.3} ms | {:.3} ms |",
            h.requests_per_sec,
            n.requests_per_sec,
            h.requests_per_sec / n.requests_per_sec,
            l.requests_per_sec,
            h.requests_per_sec / l.requests_per_sec,
            h.p50_ms,
            h.p99_ms,
            n.p50_ms,
            n.p99_ms,
            h.p99_ms / n.p99_ms,
            h.server_cpu_ms,
            h.database_cpu_ms,
            n.server_cpu_ms,
            l.server_cpu_ms,
        );
    }
    let _ = writeln!(
        out,
        "\nEvery run (`wrk -t2 -c<n> -d<s> --timeout 10s --latency`, servers alternating). CPU is user + system seconds over the run, split into the server (Haat, or nginx's master and workers), its database (the PostgreSQL processes), wrk, and everything else on the machine (other tenants of a shared box); the machine has {cpus} CPU-seconds per second.\n\n| connections | round | server | req/s | p50 | p99 | errors | CPU s: server / PostgreSQL / wrk / other |\n|--:|--:|---|--:|--:|--:|--:|--:|"
    );
    for r in &load.runs {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.0} | {:.2} ms | {:.2} ms | {} | {:.1} / {:.1} / {:.1} / {:.1} in {:.0} s |",
            r.connections,
            r.round,
            r.server,
            r.requests_per_sec,
            r.p50_ms,
            r.p99_ms,
            r.errors,
            r.cpu.server,
            r.cpu.database,
            r.cpu.wrk,
            r.cpu.other,
            r.seconds
        );
    }
    let _ = writeln!(out);
}

fn memory_row(out: &mut String, label: &str, m: &Memory) {
    let _ = writeln!(
        out,
        "| {label} | {} | {} ({} processes) | {} | {} | {} |",
        mib(m.haat_rss_kib),
        mib(m.postgres_rss_kib),
        m.postgres_processes,
        mib(m.postgres_pss_kib),
        mib(m.haat_rss_kib + m.postgres_rss_kib),
        mib(m.haat_rss_kib + m.postgres_pss_kib),
    );
}

fn memory(out: &mut String, load: &LoadReport) {
    let _ = writeln!(
        out,
        "## Memory of `haat serve` and its embedded PostgreSQL\n\n| | Haat RSS | PostgreSQL RSS, summed | PostgreSQL PSS, summed | Haat + PostgreSQL (RSS) | Haat RSS + PostgreSQL PSS |\n|---|--:|--:|--:|--:|--:|"
    );
    memory_row(out, "idle (after start and one page)", &load.idle);
    memory_row(
        out,
        "loaded (max during the busiest wrk runs)",
        &load.loaded,
    );
    let haat_requests: u64 = load
        .runs
        .iter()
        .filter(|run| run.server == load::HAAT)
        .map(|run| run.requests)
        .sum();
    let logged_requests: u64 = load
        .runs
        .iter()
        .filter(|run| run.server == load::NGINX_LOGGED)
        .map(|run| run.requests)
        .sum();
    let _ = writeln!(
        out,
        "\nHaat's request log over the runs: {} `request finished` lines ({:.0} MB) for the {} requests wrk counted in the timed runs (the warm-up and set-up requests are logged too).",
        load.request_log_lines,
        load.request_log_bytes as f64 / 1e6,
        haat_requests
    );
    let _ = writeln!(
        out,
        "nginx+log's access log: {} lines for the {} requests wrk counted against it.",
        load.nginx_log_lines, logged_requests
    );
    let _ = writeln!(
        out,
        "\n`haat serve` stopped cleanly on SIGTERM (and stopped its PostgreSQL): {}\n",
        if load.haat_stopped_cleanly {
            "yes"
        } else {
            "**no**"
        }
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let values: Vec<f64> = (1..=50).map(f64::from).collect();
        assert_eq!(percentile(&values, 50.0), 25.0);
        assert_eq!(percentile(&values, 99.0), 50.0);
        assert_eq!(percentile(&[3.0], 99.0), 3.0);
        assert!(percentile(&[], 50.0).is_nan());
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(thousands(20), "20");
        assert_eq!(thousands(2_000), "2,000");
        assert_eq!(thousands(20_000), "20,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn summarises_a_plan() {
        let plan = Plan {
            title: String::new(),
            sql: None,
            lines: vec![
                "Limit  (cost=0.86..60.10 rows=49 width=300) (actual time=0.05..0.30 rows=49 loops=1)".into(),
                "  ->  Index Scan using products_store_category on products p  (cost=0.29..10.0 rows=10 width=8)".into(),
                "Execution Time: 0.412 ms".into(),
            ],
        };
        assert_eq!(
            plan_summary(&plan),
            "Limit → Index Scan using products_store_category on products p"
        );
        assert_eq!(plan_line(&plan, "Execution Time:"), "0.412 ms");
    }
}
