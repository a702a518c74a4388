//! The real `haat` binary on its embedded PostgreSQL: first start creates the cluster,
//! acknowledged writes survive `kill -9` of Haat and of PostgreSQL, the next start
//! reuses the cluster, and SIGTERM drains and stops everything cleanly, its request log
//! (written by a thread, ADR 0018) complete to the last line.

use crate::support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::random_phone;

struct Haat {
    child: Child,
    base: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start(data_dir: &Path) -> Haat {
    start_logging(data_dir, "warn", Stdio::inherit()).await
}

async fn start_logging(data_dir: &Path, rust_log: &str, stderr: Stdio) -> Haat {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_haat"))
        .arg("serve")
        .env("HAAT_DATA_DIR", data_dir)
        .env("HAAT_LISTEN", format!("127.0.0.1:{port}"))
        .env("HAAT_DRAIN_DELAY_MS", "0")
        .env("RUST_LOG", rust_log)
        .env_remove("HAAT_DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .expect("spawn haat");
    let haat = Haat {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let client = reqwest::Client::new();
    let started = Instant::now();
    loop {
        let ready = client.get(format!("{}/readyz", haat.base)).send().await;
        if matches!(&ready, Ok(response) if response.status() == 200) {
            return haat;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "haat did not become ready"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn postmaster_pid(data_dir: &Path) -> Option<i32> {
    let text = std::fs::read_to_string(data_dir.join("postgres/data/postmaster.pid")).ok()?;
    text.lines().next()?.trim().parse().ok()
}

fn alive(pid: i32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .unwrap_or_default()
            .contains(") Z ")
}

fn signal(pid: i32, name: &str) {
    let status = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(pid.to_string())
        .status()
        .unwrap();
    assert!(status.success());
}

async fn post(base: &str, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    support::into_json(request.send().await.unwrap()).await
}

fn last_code(data_dir: &Path, phone: &str) -> String {
    let text = std::fs::read_to_string(data_dir.join("sms-outbox.jsonl")).unwrap();
    text.lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .rfind(|line| line["to"] == phone)
        .and_then(|line| line["otp"].as_str().map(str::to_owned))
        .expect("code")
}

#[tokio::test]
async fn acknowledged_writes_survive_kill_9_and_restart_reuses_the_cluster() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path();
    let mut haat = start(data_dir).await;
    let phone = random_phone();
    let (status, _) = post(
        &haat.base,
        "/api/v1/auth/otp",
        None,
        json!({ "phone": phone }),
    )
    .await;
    assert_eq!(status, 200);
    let code = last_code(data_dir, &phone);
    let (_, session) = post(
        &haat.base,
        "/api/v1/auth/verify",
        None,
        json!({ "phone": phone, "code": code }),
    )
    .await;
    let token = session["token"].as_str().unwrap().to_owned();
    let (status, store) = post(
        &haat.base,
        "/api/v1/stores",
        Some(&token),
        json!({ "name": "Durable Dhaba" }),
    )
    .await;
    assert_eq!(status, 201);
    let store_id = store["id"].as_str().unwrap().to_owned();
    let (status, product) = post(
        &haat.base,
        &format!("/api/v1/stores/{store_id}/products"),
        Some(&token),
        json!({ "name": "Dal Makhani", "price": "249" }),
    )
    .await;
    assert_eq!(status, 201, "{product}");
    // `haat status` on the same data directory attaches to the running cluster and
    // leaves it running; the relay inside `serve` has captured the changes so far.
    let status_run = std::process::Command::new(env!("CARGO_BIN_EXE_haat"))
        .arg("status")
        .env("HAAT_DATA_DIR", data_dir)
        .env("RUST_LOG", "warn")
        .env_remove("HAAT_DATABASE_URL")
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&status_run.stdout).into_owned();
    assert!(status_run.status.success(), "{status_run:?}");
    assert!(report.contains("ok    relay / event log"), "{report}");
    let still = reqwest::get(format!("{}/readyz", haat.base)).await.unwrap();
    assert_eq!(still.status(), 200, "the server's database is still up");
    // A shopper's order, acknowledged just before the crash.
    let order_request = json!({
        "items": [{ "product_id": product["id"], "quantity": 2 }],
        "customer": { "name": "Ravi", "phone": "9876543210", "address": "12 MG Road" },
        "payment_method": "cod"
    });
    let place = |base: String, body: Value| async move {
        let response = reqwest::Client::new()
            .post(format!("{base}/api/v1/storefront/durable-dhaba/orders"))
            .header("Idempotency-Key", "order-before-crash")
            .json(&body)
            .send()
            .await
            .unwrap();
        support::into_json(response).await
    };
    let (status, order) = place(haat.base.clone(), order_request.clone()).await;
    assert_eq!(status, 201, "{order}");

    // Crash both processes at once, right after the acknowledgement.
    let postmaster = postmaster_pid(data_dir).expect("embedded postgres running");
    signal(haat.child.id() as i32, "KILL");
    let _ = haat.child.wait();
    signal(postmaster, "KILL");

    // The next start recovers the cluster and every acknowledged write is there.
    let mut haat = start(data_dir).await;
    let response = reqwest::get(format!("{}/api/v1/storefront/durable-dhaba", haat.base))
        .await
        .unwrap();
    let (status, catalog) = support::into_json(response).await;
    assert_eq!(status, 200, "{catalog}");
    assert_eq!(catalog["products"][0]["name"], "Dal Makhani");
    assert_eq!(catalog["products"][0]["price_minor"], 24900);
    // The order survived; the shopper's retry returns it instead of a second one.
    let (status, again) = place(haat.base.clone(), order_request).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["id"], order["id"]);
    assert_eq!(again["number"], 1001);
    // The seller's notification, queued with the order, is delivered after the restart
    // if the crash came first: every copy in the outbox carries the one job id.
    let started = Instant::now();
    let ids = loop {
        let text = std::fs::read_to_string(data_dir.join("sms-outbox.jsonl")).unwrap_or_default();
        let ids: Vec<String> = text
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter(|line| {
                line["text"]
                    .as_str()
                    .is_some_and(|t| t.contains("new order #1001"))
            })
            .map(|line| line["id"].as_str().unwrap_or_default().to_owned())
            .collect();
        if !ids.is_empty() {
            break ids;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no new-order notification"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(
        ids.iter().all(|id| !id.is_empty() && *id == ids[0]),
        "{ids:?}"
    );
    // The session survived too.
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1/stores", haat.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    // SIGTERM: drains, exits 0 and stops the embedded cluster.
    let postmaster = postmaster_pid(data_dir).expect("embedded postgres running");
    signal(haat.child.id() as i32, "TERM");
    let status = haat.child.wait().unwrap();
    assert!(status.success(), "{status}");
    let started = Instant::now();
    while alive(postmaster) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "postgres still running"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Every request's log line reaches stderr, even though a writer thread writes them
/// through a buffer: SIGTERM flushes what is queued, and nothing was dropped.
#[tokio::test]
async fn the_request_log_holds_every_request_after_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let log_path = dir.path().join("haat.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut haat = start_logging(&data_dir, "info", Stdio::from(log)).await;
    let client = reqwest::Client::new();
    let mut ids = Vec::new();
    for _ in 0..300 {
        let response = client
            .get(format!("{}/healthz", haat.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let id = response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        ids.push(id);
    }
    let metrics = client
        .get(format!("{}/metrics", haat.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("haat_log_lines_dropped_total 0"),
        "{metrics}"
    );
    signal(haat.child.id() as i32, "TERM");
    assert!(haat.child.wait().unwrap().success());

    let text = std::fs::read_to_string(&log_path).unwrap();
    let logged: std::collections::HashSet<String> = text
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line["message"] == "request finished")
        .filter(|line| line["http.route"] == "/healthz")
        .map(|line| line["request_id"].as_str().unwrap().to_owned())
        .collect();
    for id in &ids {
        assert!(logged.contains(id), "no log line for request {id}");
    }
    assert!(
        text.lines()
            .all(|line| serde_json::from_str::<Value>(line).is_ok()),
        "every line is one whole JSON object"
    );
    assert!(text.contains("stopped accepting; in-flight requests finished"));
}
