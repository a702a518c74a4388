//! Search through a real `haat serve` child: waiting for its index, the HTTP query load
//! (`GET /api/v1/storefront/{slug}/search?q=…`, closed loop, one connection per client),
//! and commit → searchable (a product renamed by SQL, then searched for back to back
//! until the index answers with it).
//!
//! Every loop is bounded.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use haat_db::Db;
use uuid::Uuid;

use super::catalog::{products_of, Catalog};
use super::queries::Query;
use crate::load::Guarded;

/// `haat_search_index_ready` from the node's `/metrics` (`None`: not there yet).
async fn index_ready(client: &reqwest::Client, base: &str) -> Option<bool> {
    let text = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    let value = text
        .lines()
        .find_map(|line| line.strip_prefix("haat_search_index_ready "))?;
    Some(value.trim() == "1")
}

/// Waits (at most `limit`) until the node answers searches from its index.
pub async fn wait_index_ready(
    client: &reqwest::Client,
    base: &str,
    haat: &mut Guarded,
    limit: Duration,
) -> anyhow::Result<()> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if haat.has_exited() {
            bail!("haat serve exited before its search index was ready");
        }
        if index_ready(client, base).await == Some(true) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("the node's search index was not ready within {limit:?}")
}

/// `q` for a URL: letters and digits as they are, everything else percent-encoded.
fn encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(byte as char);
            }
            b' ' => out.push('+'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

pub fn search_url(base: &str, slug: &str, text: &str) -> String {
    format!("{base}/api/v1/storefront/{slug}/search?q={}", encode(text))
}

/// What one search answered.
pub struct Answer {
    pub total: u64,
    pub per_page: u64,
    pub from_index: bool,
    pub ids: Vec<String>,
}

pub async fn search(client: &reqwest::Client, url: &str) -> anyhow::Result<Answer> {
    let response = client.get(url).send().await?;
    let status = response.status();
    if !status.is_success() {
        bail!("GET {url} answered {status}");
    }
    let body: serde_json::Value = response.json().await?;
    let ids = body["products"]
        .as_array()
        .map(|products| {
            products
                .iter()
                .filter_map(|p| p["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    Ok(Answer {
        total: body["total"].as_u64().unwrap_or(0),
        per_page: body["per_page"].as_u64().unwrap_or(0),
        from_index: body["engine"].as_str() == Some("index"),
        ids,
    })
}

/// The HTTP load: latencies (ms), errors, answers not from the index, seconds.
pub struct HttpRun {
    pub latencies_ms: Vec<f64>,
    pub errors: u64,
    pub not_from_index: u64,
    pub seconds: f64,
}

pub async fn load_http(
    base: &str,
    queries: &Arc<Vec<Query>>,
    clients: usize,
    duration: Duration,
) -> anyhow::Result<HttpRun> {
    let urls: Arc<Vec<String>> = Arc::new(
        queries
            .iter()
            .map(|q| search_url(base, &q.slug, &q.text))
            .collect(),
    );
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = tokio::task::JoinSet::new();
    for client_number in 0..clients {
        let urls = urls.clone();
        // One client (one keep-alive connection) per worker, like a browser tab each.
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(1)
            .build()?;
        tasks.spawn(async move {
            let mut latencies = Vec::new();
            let (mut errors, mut not_from_index) = (0u64, 0u64);
            let mut next = client_number * urls.len() / clients.max(1);
            while Instant::now() < deadline {
                let url = &urls[next % urls.len()];
                next += 1;
                let sent = Instant::now();
                match client.get(url).send().await {
                    Ok(response) if response.status().is_success() => {
                        match response.bytes().await {
                            Ok(body) => {
                                latencies.push(sent.elapsed().as_secs_f64() * 1e3);
                                let from_index =
                                    body.windows(16).any(|w| w == b"\"engine\":\"index\"");
                                not_from_index += u64::from(!from_index);
                            }
                            Err(_) => errors += 1,
                        }
                    }
                    _ => errors += 1,
                }
            }
            (latencies, errors, not_from_index)
        });
    }
    let mut run = HttpRun {
        latencies_ms: Vec::new(),
        errors: 0,
        not_from_index: 0,
        seconds: 0.0,
    };
    while let Some(done) = tasks.join_next().await {
        let (latencies, errors, not_from_index) = done?;
        run.latencies_ms.extend(latencies);
        run.errors += errors;
        run.not_from_index += not_from_index;
    }
    run.seconds = started.elapsed().as_secs_f64();
    Ok(run)
}

/// Commit → searchable, for one log engine.
#[derive(Debug, Default)]
pub struct Freshness {
    pub samples_ms: Vec<f64>,
    /// Renames not found within [`SEEN_WITHIN`].
    pub unseen: usize,
    /// Searches made while waiting, and those answered by the fallback, not the index.
    pub searches: u64,
    pub fallback_answers: u64,
}

pub const SEEN_WITHIN: Duration = Duration::from_secs(10);
/// However many samples were asked for, one engine's freshness stops after this.
pub const FRESHNESS_LIMIT: Duration = Duration::from_secs(120);

/// `n` as letters only (`a`…`z`), so a token is one plain word to every analyzer.
fn letters(mut n: u64) -> String {
    let mut out = String::new();
    loop {
        out.push((b'a' + (n % 26) as u8) as char);
        n /= 26;
        if n == 0 {
            break;
        }
    }
    out
}

/// Renames products to unique tokens one after another (autocommit, capture triggers
/// on) and times each from the commit's acknowledgement to the first search the index
/// answers with it. The original names are put back at the end.
pub async fn freshness(
    db: &Db,
    base: &str,
    catalog: &Catalog,
    queries: &[Query],
    samples: usize,
    tag: &str,
) -> anyhow::Result<Freshness> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    // One active product per sample, from the query set's stores (the same mix of big
    // and small stores), never the same product twice.
    let mut picks: Vec<(String, Uuid)> = Vec::new();
    let mut cache = std::collections::HashMap::new();
    for (n, query) in queries
        .iter()
        .cycle()
        .step_by(7)
        .take(samples * 4)
        .enumerate()
    {
        if picks.len() == samples {
            break;
        }
        let products = cache
            .entry(query.store)
            .or_insert_with(|| products_of(&catalog.stores[query.store]));
        let active: Vec<Uuid> = products.iter().filter(|p| p.active).map(|p| p.id).collect();
        if active.is_empty() {
            continue;
        }
        let id = active[(n * 7919) % active.len()];
        if !picks.iter().any(|(_, picked)| *picked == id) {
            picks.push((query.slug.clone(), id));
        }
    }
    let nonce = time::OffsetDateTime::now_utc().unix_timestamp() as u64 % 1_000_000;
    let mut renamed: Vec<(Uuid, String)> = Vec::new();
    let mut result = Freshness::default();
    let started = Instant::now();
    let outcome = async {
        for (n, (slug, product)) in picks.iter().enumerate() {
            if started.elapsed() > FRESHNESS_LIMIT {
                break;
            }
            let original: String = sqlx::query_scalar("SELECT name FROM products WHERE id = $1")
                .bind(product)
                .fetch_one(db.pool())
                .await
                .context("reading a product to rename")?;
            let token = format!("zq{tag}{}", letters(nonce * 1_000 + n as u64));
            sqlx::query(
                "UPDATE products SET name = $2, version = version + 1, updated_at = now()
                 WHERE id = $1",
            )
            .bind(product)
            .bind(&token)
            .execute(db.pool())
            .await?;
            renamed.push((*product, original));
            let committed = Instant::now();
            let url = search_url(base, slug, &token);
            let wanted = product.to_string();
            let mut seen = false;
            while committed.elapsed() < SEEN_WITHIN {
                let Ok(answer) = search(&client, &url).await else {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                result.searches += 1;
                if !answer.from_index {
                    result.fallback_answers += 1;
                    continue;
                }
                if answer.ids.contains(&wanted) {
                    seen = true;
                    break;
                }
            }
            if seen {
                result
                    .samples_ms
                    .push(committed.elapsed().as_secs_f64() * 1e3);
            } else {
                result.unseen += 1;
            }
            // Spread the commits over the relay's and the indexer's polling phases.
            tokio::time::sleep(Duration::from_millis(30 + (n as u64 * 37) % 100)).await;
        }
        Ok::<_, anyhow::Error>(())
    }
    .await;
    for (product, original) in &renamed {
        sqlx::query(
            "UPDATE products SET name = $2, version = version + 1, updated_at = now()
             WHERE id = $1",
        )
        .bind(product)
        .bind(original)
        .execute(db.pool())
        .await
        .context("putting a renamed product's name back")?;
    }
    outcome?;
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_encoded_for_a_url() {
        assert_eq!(encode("levi's 511"), "levi%27s+511");
        assert_eq!(letters(0), "a");
        assert_eq!(letters(27), "bb");
    }
}
