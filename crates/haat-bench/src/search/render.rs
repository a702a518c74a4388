//! The search benchmark's markdown section (for docs/BENCHMARKS.md): the machine and
//! the command, the catalog's shape, then one table per measurement, with ratios of
//! engines run side by side.

use std::fmt::Write as _;

use super::engines::{self, Engine, Run};
use super::node;
use super::queries::QueryKind;
use super::{EngineFigures, SearchReport, PAGE};
use crate::report::{percentile, thousands};

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn kib_mib(kib: u64) -> String {
    format!("{:.0} MiB", kib as f64 / 1024.0)
}

fn share(part: usize, whole: usize) -> String {
    if whole == 0 {
        return "—".to_owned();
    }
    format!("{:.1}%", part as f64 * 100.0 / whole as f64)
}

fn ms(value: f64) -> String {
    if value.is_nan() {
        "—".to_owned()
    } else if value < 10.0 {
        format!("{value:.2} ms")
    } else {
        format!("{value:.1} ms")
    }
}

fn max(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::NAN, f64::max)
}

/// The markdown section for docs/BENCHMARKS.md.
pub fn render(report: &SearchReport) -> String {
    let mut out = String::new();
    let m = &report.machine;
    let _ = writeln!(out, "## Search (issue #5)\n");
    let _ = writeln!(
        out,
        "Run of {}: {}, {} logical CPUs, {} MiB RAM, Linux {}, PostgreSQL {} (embedded, fsync on). \
         Reproduce (release build of `haat` and `haat-bench` first):\n\n```sh\n{}\n```\n",
        m.date, m.cpu, m.cpus, m.memory_mib, m.kernel, m.postgres, report.command
    );
    catalog_section(&mut out, report);
    indexing_section(&mut out, report);
    latency_section(&mut out, report);
    http_section(&mut out, report);
    memory_section(&mut out, report);
    freshness_section(&mut out, report);
    out
}

fn catalog_section(out: &mut String, report: &SearchReport) {
    let c = &report.catalog;
    let _ = writeln!(out, "### Catalog\n");
    let _ = writeln!(
        out,
        "{} products ({} active) in {} stores, generated with a fixed seed \
         (`crates/haat-bench/src/search/catalog.rs`): each store sells one kind of goods from \
         a vocabulary of items, brands, models, variants, colours and sizes (names such as \
         `Aashirvaad Multigrain Atta 5kg`, `Nike Pegasus 40 Men's Running Shoes Black UK 9`, \
         `Shockproof Back Cover for Samsung Galaxy M14 5G`, `Hyderabadi Chicken Biryani Full`; \
         30% of names use the Hinglish or other synonym instead of the noun: `Madhur Refined Cheeni 1kg`), \
         descriptions of 15–30 words, the kind's categories, prices, 6% sold out (stock 0), \
         47% unlimited stock, 2% hidden by the seller. Store sizes have a long tail: the store \
         of rank r holds 8 + c / r^0.8 products.",
        thousands(report.products),
        thousands(c.active),
        thousands(report.stores),
    );
    let _ = writeln!(out);
    match &c.loaded {
        Some(loaded) => {
            let _ = writeln!(
                out,
                "Loaded with `COPY` (sellers, stores, {} categories, products) in one transaction in \
                 {:.1} s ({} products/s, the GIN full-text index and four b-trees maintained as rows \
                 arrive), then `VACUUM (ANALYZE) products` and `ANALYZE` {:.1} s (as autovacuum would soon do on a \
                 live server; it merges the GIN index's pending list, which full-text queries otherwise scan). The load ran with `SET LOCAL session_replication_role = \
                 replica`, so the change-capture triggers (migration 20261122000005) did not write an \
                 outbox row per product (nor did the foreign-key triggers check rows that the generator \
                 makes consistent); the catalog is therefore not in the event log, as if it predated it. \
                 {} products sold out at generation.\n",
                thousands(loaded.categories),
                loaded.seconds,
                thousands((report.products as f64 / loaded.seconds.max(1e-9)) as usize),
                loaded.analyze_seconds,
                thousands(loaded.sold_out),
            );
        }
        None => {
            let _ = writeln!(
                out,
                "The catalog was already in the data directory (`--data-dir`, loaded by an earlier run \
                 with `COPY` and `session_replication_role = replica`); it was not loaded again.\n"
            );
        }
    }
    let _ = writeln!(
        out,
        "The `products` table with its indexes takes {} in PostgreSQL.\n",
        mib(c.products_table_bytes.max(0) as u64)
    );
    let mut sorted = c.sizes.clone();
    sorted.sort_unstable();
    let pick = |p: f64| {
        let values: Vec<f64> = sorted.iter().map(|&s| s as f64).collect();
        percentile(&values, p) as usize
    };
    let _ = writeln!(
        out,
        "Products per store: min {}, median {}, p90 {}, p99 {}, max {} (mean {:.0}).\n",
        thousands(sorted.first().copied().unwrap_or(0)),
        thousands(pick(50.0)),
        thousands(pick(90.0)),
        thousands(pick(99.0)),
        thousands(sorted.last().copied().unwrap_or(0)),
        report.products as f64 / report.stores.max(1) as f64,
    );
    let _ = writeln!(out, "| store size | stores | share of stores | products | share of products |\n|---|--:|--:|--:|--:|");
    let buckets: [(usize, usize, &str); 7] = [
        (0, 10, "1–9"),
        (10, 50, "10–49"),
        (50, 100, "50–99"),
        (100, 500, "100–499"),
        (500, 1_000, "500–999"),
        (1_000, 5_000, "1,000–4,999"),
        (5_000, usize::MAX, "5,000 and more"),
    ];
    for (low, high, label) in buckets {
        let in_bucket: Vec<usize> = sorted
            .iter()
            .copied()
            .filter(|&s| s >= low && s < high)
            .collect();
        let products: usize = in_bucket.iter().sum();
        let _ = writeln!(
            out,
            "| {label} | {} | {} | {} | {} |",
            thousands(in_bucket.len()),
            share(in_bucket.len(), sorted.len()),
            thousands(products),
            share(products, report.products)
        );
    }
    let _ = writeln!(
        out,
        "\n| kind of store | stores | products |\n|---|--:|--:|"
    );
    for (kind, stores, products) in &c.kinds {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            kind.label(),
            thousands(*stores),
            thousands(*products)
        );
    }
    let _ = writeln!(out);
}

fn indexing_section(out: &mut String, report: &SearchReport) {
    let i = &report.indexing;
    let rate = |seconds: f64| thousands((i.products as f64 / seconds.max(1e-9)) as usize);
    let index_seconds = i.stage_seconds + i.commit_seconds;
    let _ = writeln!(out, "### Indexing\n");
    let _ = writeln!(
        out,
        "The node's index (`haat_search::SearchIndex`, one indexing thread, 50 MB writer budget) built \
         in this process as a node rebuilds it: note the PostgreSQL log's head, read every active \
         product with `Db::search_products_after` ({PAGE} per query), `stage` each page, one `commit` \
         with that head as the index's position (so `haat serve` resumes from it below). Reading and \
         staging alternate, as in the node; tantivy tokenizes on its own thread meanwhile, and the \
         commit waits for it to finish.\n"
    );
    let _ = writeln!(
        out,
        "| measure | value |\n|---|--:|\n\
         | products indexed | {} |\n\
         | total (read + index + commit) | {:.1} s, **{} products/s** |\n\
         | reading from PostgreSQL | {:.1} s |\n\
         | index alone (stage + commit) | {:.1} s, **{} products/s** |\n\
         | of which the final commit | {:.1} s |\n\
         | index size on disk | **{}** in {} files, {:.0} bytes per product |\n\
         | PostgreSQL `products` (heap + all its indexes), for scale | {} |",
        thousands(i.products as usize),
        i.seconds,
        rate(i.seconds),
        i.read_seconds,
        index_seconds,
        rate(index_seconds),
        i.commit_seconds,
        mib(i.bytes),
        i.files,
        i.bytes as f64 / (i.products.max(1)) as f64,
        mib(report.catalog.products_table_bytes.max(0) as u64),
    );
    if let Some(nats) = report.nodes.iter().find(|n| n.engine == "NATS JetStream") {
        let _ = writeln!(
            out,
            "| a new `haat serve` node (NATS log, no index): start → `/readyz` → index ready (rebuilt from the database) | {:.1} s → {:.1} s |",
            nats.ready_seconds, nats.index_ready_seconds
        );
    }
    if let Some(pg) = report.nodes.iter().find(|n| n.engine == "PostgreSQL log") {
        let _ = writeln!(
            out,
            "| `haat serve` on the PostgreSQL log, resuming from this index: start → `/readyz` → index ready | {:.1} s → {:.1} s |",
            pg.ready_seconds, pg.index_ready_seconds
        );
    }
    let _ = writeln!(out);
}

fn latency_section(out: &mut String, report: &SearchReport) {
    let queries = &report.queries;
    let _ = writeln!(
        out,
        "### Query latency, {} concurrent clients\n",
        report.clients
    );
    let big = queries
        .iter()
        .filter(|q| {
            report
                .catalog
                .sizes
                .get(q.store)
                .is_some_and(|&s| s >= 1_000)
        })
        .count();
    let distinct: std::collections::HashSet<usize> = queries.iter().map(|q| q.store).collect();
    let by_size = queries.iter().filter(|q| q.by_size).count();
    let _ = writeln!(
        out,
        "{} queries (`crates/haat-bench/src/search/queries.rs`), each paired with a store and made from \
         one of its own active products, the same for every engine. Stores: {} drawn in proportion to \
         their size (a random product's store), {} uniformly (a random store); {} distinct stores, and \
         {} of the queries ({}) go to stores of 1,000 products or more.\n",
        thousands(queries.len()),
        thousands(by_size),
        thousands(queries.len() - by_size),
        thousands(distinct.len()),
        thousands(big),
        share(big, queries.len()),
    );
    let _ = writeln!(
        out,
        "| kind | queries | made from its product as | examples from the set |\n|---|--:|---|---|"
    );
    for kind in QueryKind::ALL {
        let count = queries.iter().filter(|q| q.kind == kind).count();
        let sample: Vec<String> = queries
            .iter()
            .filter(|q| q.kind == kind)
            .take(3)
            .map(|q| format!("`{}`", q.text))
            .collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            kind.label(),
            count,
            kind.how(),
            sample.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "\nEngines, each asked for the first {} results and the number of matches:\n\n\
         - **tantivy index**: `SearchIndex::search` in this process, platform synonyms only, one OS thread \
         per client; `prefix_last` only for the prefix queries (as a search box sends while typing). \
         Again with the same clients queued on one thread per core, each thread serving its clients in \
         turn, as a node's async runtime serves requests (latency from the client's send, queue wait \
         included): the kernel's time slices among 16 runnable threads on 2 cores stretch the first \
         variant's tail, not the search.\n\
         - **PostgreSQL ILIKE**: every query word must be in the name or the description \
         (`name ILIKE '%w%' OR description ILIKE '%w%'`, one pair per word), in the store, `active`, \
         `ORDER BY name LIMIT 20`, with `count(*) OVER ()` for the number of matches: one statement.\n\
         - **PostgreSQL full-text (Haat's fallback)**: `Db::search_fallback` — `websearch_to_tsquery('english')` \
         over name and description (the `products_fulltext` GIN index) or pg_trgm word similarity ≥ 0.5 to \
         the name, in-stock first, `ts_rank` + similarity, window count.\n\
         - **PostgreSQL full-text (plain)**: `to_tsvector('english', name || ' ' || description) @@ \
         plainto_tsquery('english', q)`, the expression of that GIN index, `ORDER BY ts_rank`, window count \
         (English, not `simple`: it is the one with an index, and it stems plurals).\n\n\
         PostgreSQL engines use one pooled connection per client (tokio tasks). Closed loop: each client \
         sends its next query when the last one answered, for {} s per run; {} round(s), the engines in \
         alternation with the first engine rotating, on this noisy 2-core box. Percentiles are over every \
         query of every round. With {} closed-loop clients on {} cores every engine keeps the cores busy, \
         so a query's latency is mostly its wait for a core (mean latency = clients / throughput); \
         `--search-clients 1` shows the service time alone.\n",
        engines::LIMIT,
        report.duration.as_secs(),
        report.rounds,
        report.clients,
        report.machine.cpus,
    );
    let _ = writeln!(
        out,
        "| engine | queries | **queries/s** | p50 | p90 | **p99** | max | errors | queries with ≥ 1 result |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|"
    );
    for e in &report.engines {
        let latencies = e.latencies();
        let found = e
            .matches
            .iter()
            .filter(|m| m.is_some_and(|n| n > 0))
            .count();
        let _ = writeln!(
            out,
            "| {} | {} | **{}** | {} | {} | **{}** | {} | {} | {} |",
            e.engine.label(),
            thousands(latencies.len()),
            thousands(e.per_second() as usize),
            ms(percentile(&latencies, 50.0)),
            ms(percentile(&latencies, 90.0)),
            ms(percentile(&latencies, 99.0)),
            ms(max(&latencies)),
            e.errors(),
            share(found, e.matches.len()),
        );
    }
    let indexes: Vec<&EngineFigures> = report
        .engines
        .iter()
        .filter(|e| matches!(e.engine, Engine::Index | Engine::IndexQueued))
        .collect();
    let _ = writeln!(out);
    for index in &indexes {
        let p99 = percentile(&index.latencies(), 99.0);
        let _ = writeln!(
            out,
            "**Goal (p99 ≤ 10 ms at {} clients), {}: {}** (p99 {}).\n",
            report.clients,
            index.engine.label(),
            if p99 <= 10.0 { "met" } else { "not met" },
            ms(p99),
        );
    }
    let _ = writeln!(
        out,
        "Ratios, the same queries side by side (how many times the index is faster):\n\n\
         | PostgreSQL engine | against | p50 | p99 | throughput |\n|---|---|--:|--:|--:|"
    );
    for other in report
        .engines
        .iter()
        .filter(|e| !matches!(e.engine, Engine::Index | Engine::IndexQueued))
    {
        let latencies = other.latencies();
        for index in &indexes {
            let index_latencies = index.latencies();
            let _ = writeln!(
                out,
                "| {} | {} | {:.1}× | {:.1}× | {:.1}× |",
                other.engine.label(),
                index.engine.label(),
                percentile(&latencies, 50.0) / percentile(&index_latencies, 50.0),
                percentile(&latencies, 99.0) / percentile(&index_latencies, 99.0),
                index.per_second() / other.per_second().max(1e-9),
            );
        }
    }
    let _ = writeln!(out, "\nEvery run:\n\n| round | engine | queries/s | p50 | p99 | errors |\n|--:|---|--:|--:|--:|--:|");
    let mut runs: Vec<&Run> = report.engines.iter().flat_map(|e| e.runs.iter()).collect();
    runs.sort_by_key(|r| r.round);
    for run in runs {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            run.round,
            run.engine.label(),
            thousands(run.per_second() as usize),
            ms(percentile(&run.latencies_ms, 50.0)),
            ms(percentile(&run.latencies_ms, 99.0)),
            run.errors
        );
    }
    let _ = writeln!(
        out,
        "\nShare of queries with at least one result, by kind (the engines do not mean the same thing \
         by a match: the index stems, takes synonyms and typos; `ILIKE` takes any substring; full-text \
         stems):\n"
    );
    let mut header = String::from("| kind |");
    let mut rule = String::from("|---|");
    for e in &report.engines {
        let _ = write!(header, " {} |", e.engine.label());
        rule.push_str("--:|");
    }
    header.push_str(" HTTP (`haat serve`) |");
    rule.push_str("--:|");
    let _ = writeln!(out, "{header}\n{rule}");
    for kind in QueryKind::ALL {
        let positions: Vec<usize> = (0..queries.len())
            .filter(|&n| queries[n].kind == kind)
            .collect();
        let mut line = format!("| {} |", kind.label());
        for e in &report.engines {
            let found = positions
                .iter()
                .filter(|&&n| e.matches.get(n).copied().flatten().is_some_and(|m| m > 0))
                .count();
            let _ = write!(line, " {} |", share(found, positions.len()));
        }
        let found = positions
            .iter()
            .filter(|&&n| {
                report
                    .http_matches
                    .get(n)
                    .copied()
                    .flatten()
                    .is_some_and(|m| m > 0)
            })
            .count();
        let _ = write!(line, " {} |", share(found, positions.len()));
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(out);
}

fn http_section(out: &mut String, report: &SearchReport) {
    let latencies: Vec<f64> = report
        .http
        .iter()
        .flat_map(|r| r.latencies_ms.iter().copied())
        .collect();
    let seconds: f64 = report.http.iter().map(|r| r.seconds).sum();
    let errors: u64 = report.http.iter().map(|r| r.errors).sum();
    let not_from_index: u64 = report.http.iter().map(|r| r.not_from_index).sum();
    let found = report
        .http_matches
        .iter()
        .filter(|m| m.is_some_and(|n| n > 0))
        .count();
    let p99 = percentile(&latencies, 99.0);
    let _ = writeln!(
        out,
        "### End to end: `GET /api/v1/storefront/{{slug}}/search?q=…` on `haat serve`\n"
    );
    let _ = writeln!(
        out,
        "The release `haat serve` on the same data directory (PostgreSQL log, `RUST_LOG` at its default \
         `info`: one JSON line per request into a file), resuming from the index built above. The same \
         queries as paths, {} clients (reqwest, one keep-alive connection each, closed loop), {} round(s) \
         of {} s. A search answers a page of {} products: the index's ids, then their cards read from \
         PostgreSQL, the store's row and its synonyms (cached 5 s), as JSON. No prefix matching on this \
         route (it is the suggest endpoint's).\n",
        report.clients,
        report.http.len(),
        report.duration.as_secs(),
        report.http_per_page,
    );
    let _ = writeln!(
        out,
        "| requests | **req/s** | p50 | p90 | **p99** | max | errors | answers not from the index | queries with ≥ 1 result |\n|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n\
         | {} | **{}** | {} | {} | **{}** | {} | {} | {} | {} |\n",
        thousands(latencies.len()),
        thousands((latencies.len() as f64 / seconds.max(1e-9)) as usize),
        ms(percentile(&latencies, 50.0)),
        ms(percentile(&latencies, 90.0)),
        ms(p99),
        ms(max(&latencies)),
        errors,
        not_from_index,
        share(found, report.http_matches.len()),
    );
    let _ = writeln!(
        out,
        "**Goal (p99 ≤ 10 ms at {} clients), end to end over HTTP: {}** (p99 {}).\n",
        report.clients,
        if p99 <= 10.0 { "met" } else { "not met" },
        ms(p99)
    );
    if report.http.len() > 1 {
        let _ = writeln!(
            out,
            "| round | req/s | p50 | p99 | errors |\n|--:|--:|--:|--:|--:|"
        );
        for (n, run) in report.http.iter().enumerate() {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                n + 1,
                thousands((run.latencies_ms.len() as f64 / run.seconds.max(1e-9)) as usize),
                ms(percentile(&run.latencies_ms, 50.0)),
                ms(percentile(&run.latencies_ms, 99.0)),
                run.errors
            );
        }
        let _ = writeln!(out);
    }
}

fn memory_section(out: &mut String, report: &SearchReport) {
    let (idle, loaded) = (&report.memory_idle, &report.memory_loaded);
    let _ = writeln!(out, "### Node memory\n");
    let _ = writeln!(
        out,
        "| when | `haat serve` RSS | `haat serve` PSS | PostgreSQL RSS, summed | PostgreSQL PSS, summed |\n|---|--:|--:|--:|--:|\n\
         | index ready, after one pass of the queries | {} | {} | {} ({} processes) | {} |\n\
         | after the HTTP query load | {} | {} | {} ({} processes) | {} |\n",
        kib_mib(idle.haat_rss_kib),
        kib_mib(report.haat_pss_idle_kib),
        kib_mib(idle.postgres_rss_kib),
        idle.postgres_processes,
        kib_mib(idle.postgres_pss_kib),
        kib_mib(loaded.haat_rss_kib),
        kib_mib(report.haat_pss_loaded_kib),
        kib_mib(loaded.postgres_rss_kib),
        loaded.postgres_processes,
        kib_mib(loaded.postgres_pss_kib),
    );
    let _ = writeln!(
        out,
        "The index is memory-mapped ({} on disk): `haat serve`'s RSS counts the pages of it that \
         searches touched, which the kernel can drop and re-read. PostgreSQL's summed RSS counts shared \
         buffers once per backend; PSS divides them.\n",
        mib(report.indexing.bytes)
    );
}

fn freshness_section(out: &mut String, report: &SearchReport) {
    let _ = writeln!(out, "### Commit → searchable\n");
    let _ = writeln!(
        out,
        "With `haat serve` running (no other load), one product after another (from the query set's \
         stores) is renamed to a unique token by SQL (`UPDATE products SET name = $2, version = version + 1, \
         updated_at = now() WHERE id = $1`, autocommit, capture triggers on); from the commit's \
         acknowledgement, `GET /api/v1/storefront/{{slug}}/search?q=<token>` is sent back to back until an \
         answer from the index (`\"engine\":\"index\"`) holds the product: capture → relay → log → the \
         node's indexer → re-read → commit. At most {} renames or {} s per engine; a rename not found within \
         {} s counts as not seen. The names are put back afterwards.\n",
        report.freshness_samples,
        node::FRESHNESS_LIMIT.as_secs(),
        node::SEEN_WITHIN.as_secs(),
    );
    let _ = writeln!(
        out,
        "| log engine | renames | p50 | p90 | **p99** (goal ≤ 1 s) | max | not seen within {} s | searches while waiting | answered by the fallback |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|",
        node::SEEN_WITHIN.as_secs()
    );
    for n in &report.nodes {
        let f = &n.freshness;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | **{}** | {} | {} | {} | {} |",
            n.engine,
            f.samples_ms.len() + f.unseen,
            ms(percentile(&f.samples_ms, 50.0)),
            ms(percentile(&f.samples_ms, 90.0)),
            ms(percentile(&f.samples_ms, 99.0)),
            ms(max(&f.samples_ms)),
            f.unseen,
            thousands(f.searches as usize),
            f.fallback_answers,
        );
    }
    if let Some(reason) = &report.nats_skipped {
        let _ = writeln!(out, "| NATS JetStream | skipped: {reason} | | | | | | | |");
    }
    let met = report
        .nodes
        .iter()
        .all(|n| n.freshness.unseen == 0 && percentile(&n.freshness.samples_ms, 99.0) <= 1_000.0);
    let _ = writeln!(
        out,
        "\n**Goal (a change searchable within 1 s p99): {}.**",
        if met && !report.nodes.is_empty() {
            "met"
        } else {
            "not met"
        }
    );
}
