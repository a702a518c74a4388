//! The fleet behind a real balancer (issue #6, docs/fleet.md): the shipped HAProxy
//! configuration (`deploy/haproxy/haproxy.cfg`, run as it is: the servers' addresses
//! come from its environment variables) in front of three `haat storefront` processes,
//! two `haat api` processes and the strangler's new backend, every one a real process
//! of the built binary on one fresh database.
//!
//! Under a steady load of GETs (store page, product pages, the storefront JSON and
//! search, a seller's product list), one storefront is killed (SIGKILL), another is
//! restarted gracefully, then every storefront and api process is restarted one
//! at a time as a rolling deploy does it: SIGTERM, wait until HAProxy has taken it out
//! and it has exited, start it again, wait until HAProxy shows it UP, next. Not one
//! GET fails. Then, with the load stopped: every storefront server answered a share,
//! the seller's paths reach the api backend, and the strangler cookie reaches the new
//! backend only while it is UP. The nginx file is checked with `nginx -t`.
//!
//! No assertion is about time: every wait is bounded (generously, for a loaded 2-core
//! machine) and panics saying what it waited for.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use haat_testkit::haproxy::{start_haproxy, Haproxy, ServerStat};
use haat_testkit::server::free_port;
use serde_json::{json, Value};

use crate::support::random_phone;

/// How long a stopping process fails `/readyz` before it stops accepting: HAProxy's
/// checks (every 500 ms, `fall 2`) take it out well within this.
const DRAIN_DELAY_MS: &str = "2500";
const SECRET_KEY: &str = "test-secret-key-that-is-long-enough-0123";
/// Starting, exiting, or being marked UP or DOWN: generous, for a loaded CI machine.
const PROCESS_WAIT: Duration = Duration::from_secs(90);
const CHECK_WAIT: Duration = Duration::from_secs(30);
const LOAD_CLIENTS: usize = 6;
/// Every load loop stops by itself after this, whatever happens to the test.
const LOAD_LIMIT: Duration = Duration::from_secs(420);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolling_restart_behind_haproxy_drops_no_get() {
    let database_url = haat_testkit::fresh_database().await;
    let shared = tempfile::tempdir().expect("tempdir");
    let outbox = shared.path().join("sms-outbox.jsonl");
    let env: Vec<(String, String)> = [
        ("HAAT_DATABASE_URL", database_url.as_str()),
        ("HAAT_DATABASE_MAX_CONNECTIONS", "4"),
        ("HAAT_DRAIN_DELAY_MS", DRAIN_DELAY_MS),
        ("HAAT_JOBS_WORKERS", "0"),
        ("HAAT_TRUST_FORWARDED_FOR", "true"),
        // Every api process of a fleet shares the key (code hashes, CSRF tokens) and,
        // here, the development SMS outbox: a code asked of one is checked by another.
        ("HAAT_SECRET_KEY", SECRET_KEY),
        ("HAAT_SMS_OUTBOX", outbox.to_str().expect("utf-8 path")),
        ("HAAT_LOG_FORMAT", "pretty"),
        ("RUST_LOG", "warn"),
    ]
    .iter()
    .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
    .collect();
    let mut storefronts = vec![
        HaatProcess::new("storefront", "storefront1", &env),
        HaatProcess::new("storefront", "storefront2", &env),
        HaatProcess::new("storefront", "storefront3", &env),
    ];
    let mut apis = [
        HaatProcess::new("api", "api1", &env),
        HaatProcess::new("api", "api2", &env),
    ];
    let mut next = HaatProcess::new("storefront_next", "next1", &env);

    let mut balancer_env = vec![
        (
            "HAAT_HAPROXY_STATS".to_owned(),
            format!("127.0.0.1:{}", free_port()),
        ),
        ("HAAT_NEXT_PERCENT".to_owned(), "0".to_owned()),
        ("HAAT_NEXT_1".to_owned(), next.address()),
    ];
    for (n, process) in storefronts.iter().enumerate() {
        balancer_env.push((format!("HAAT_STOREFRONT_{}", n + 1), process.address()));
    }
    for (n, process) in apis.iter().enumerate() {
        balancer_env.push((format!("HAAT_API_{}", n + 1), process.address()));
    }
    let haproxy = start_haproxy(&shipped("deploy/haproxy/haproxy.cfg"), balancer_env).await;
    let base = haproxy.base.clone();
    for process in storefronts.iter_mut().chain(apis.iter_mut()) {
        process.spawn();
    }
    next.spawn();
    for process in storefronts.iter_mut().chain(apis.iter_mut()) {
        until_up(&haproxy, process).await;
    }
    until_up(&haproxy, &mut next).await;

    // A seller and a store, through the balancer and the real API.
    let client = client();
    let shop = open_shop(&client, &base, &outbox).await;
    for process in &storefronts {
        process.wait_for_catalog(&client, &shop).await;
    }

    let targets = Arc::new(vec![
        Target::public(format!("/{}", shop.slug)),
        Target::public(format!("/{}/p/{}", shop.slug, shop.products[0])),
        Target::public(format!("/{}/p/{}", shop.slug, shop.products[1])),
        Target::public(format!("/api/v1/storefront/{}", shop.slug)),
        Target::public(format!("/api/v1/storefront/{}/search?q=chai", shop.slug)),
        Target::seller(
            format!("/api/v1/stores/{}/products", shop.store_id),
            &shop.token,
        ),
    ]);
    let load = Load::start(&base, targets);

    load.wait_for_successes(100).await;
    load.phase("storefront1 killed (SIGKILL)");
    storefronts[0].kill();
    haproxy
        .wait_until_down("storefront", "storefront1", CHECK_WAIT)
        .await;
    load.phase("storefront2 restarted gracefully while storefront1 is dead");
    restart_gracefully(&haproxy, &mut storefronts[1]).await;
    load.phase("storefront1 started again");
    storefronts[0].spawn();
    until_up(&haproxy, &mut storefronts[0]).await;
    for process in storefronts.iter_mut().chain(apis.iter_mut()) {
        load.phase(&format!("rolling restart: {}", process.server));
        restart_gracefully(&haproxy, process).await;
    }
    load.phase("after the rolling restart");
    let before_end = load.successes();
    load.wait_for_successes(before_end + 50).await;
    let outcome = load.stop().await;

    eprintln!(
        "fleet load: {} requests, {} failed",
        outcome.requests(),
        outcome.failed
    );
    assert!(
        outcome.failed == 0,
        "{} of {} GETs failed behind haproxy:\n{}\nhaproxy's log (requests not answered 2xx, \
         checks):\n{}",
        outcome.failed,
        outcome.requests(),
        outcome.failures.join("\n"),
        unusual_log_lines(&haproxy),
    );

    // The load was spread over every storefront, and the seller's GETs over the api.
    let servers = haproxy.servers().await;
    let answered = |backend: &str, server: &str| {
        servers
            .iter()
            .find(|row| row.backend == backend && row.server == server)
            .map(ServerStat::responses)
            .unwrap_or(0)
    };
    let spread: Vec<(&str, u64)> = ["storefront1", "storefront2", "storefront3"]
        .iter()
        .map(|server| (*server, answered("storefront", server)))
        .collect();
    eprintln!(
        "fleet spread: {spread:?}, api1 {}, api2 {}, retries {:?}",
        answered("api", "api1"),
        answered("api", "api2"),
        servers
            .iter()
            .map(|row| (row.server.as_str(), row.count("wretr"), row.count("wredis")))
            .collect::<Vec<_>>(),
    );
    for (server, responses) in &spread {
        assert!(
            *responses >= 10,
            "storefront {server} answered {responses} requests: the load was not spread \
             ({spread:?})"
        );
    }
    assert!(answered("api", "api1") + answered("api", "api2") > 0);

    check_path_split(&haproxy, &client, &shop).await;
    check_strangler(&haproxy, &client, &shop, &mut next).await;
}

/// The seller's paths go to the api backend, the shopper's to the storefront: the
/// storefront role answers neither `/dashboard` nor `/api/v1/stores` (404).
async fn check_path_split(haproxy: &Haproxy, client: &reqwest::Client, shop: &Shop) {
    let before = Counts::read(haproxy).await;
    let dashboard = client
        .get(format!("{}/dashboard", haproxy.base))
        .send()
        .await
        .expect("GET /dashboard");
    assert_eq!(dashboard.status(), 200, "the dashboard's login page");
    let stores = client
        .get(format!("{}/api/v1/stores", haproxy.base))
        .bearer_auth(&shop.token)
        .send()
        .await
        .expect("GET /api/v1/stores");
    assert_eq!(stores.status(), 200);
    let stores = stores.text().await.expect("body");
    assert!(stores.contains(&shop.store_id), "{stores}");
    let page = client
        .get(format!("{}/{}", haproxy.base, shop.slug))
        .send()
        .await
        .expect("GET the store page");
    assert_eq!(page.status(), 200);
    let after = Counts::settled(haproxy, &before, 3).await;
    assert_eq!(after.since(&before, "api", "BACKEND"), 2);
    assert_eq!(after.since(&before, "storefront", "BACKEND"), 1);
}

/// The `haat_next=1` cookie sends the strangled path (and only it) to the new backend
/// while it has a server UP; with none, the current storefront serves it.
async fn check_strangler(
    haproxy: &Haproxy,
    client: &reqwest::Client,
    shop: &Shop,
    next: &mut HaatProcess,
) {
    let catalog = format!("{}/api/v1/storefront/{}", haproxy.base, shop.slug);
    let store_page = format!("{}/{}", haproxy.base, shop.slug);
    let get = |url: String, cookie: bool| async move {
        let mut request = client.get(&url);
        if cookie {
            request = request.header("cookie", "haat_next=1");
        }
        let response = request.send().await.expect("GET through haproxy");
        assert_eq!(response.status(), 200, "{url}");
    };

    let before = Counts::read(haproxy).await;
    for _ in 0..3 {
        get(catalog.clone(), true).await;
    }
    let after = Counts::settled(haproxy, &before, 3).await;
    assert_eq!(after.since(&before, "storefront_next", "next1"), 3);
    assert_eq!(after.since(&before, "storefront", "BACKEND"), 0);

    let before = after;
    for _ in 0..3 {
        get(catalog.clone(), false).await;
    }
    get(store_page.clone(), true).await;
    let after = Counts::settled(haproxy, &before, 4).await;
    assert_eq!(after.since(&before, "storefront_next", "next1"), 0);
    assert_eq!(after.since(&before, "storefront", "BACKEND"), 4);

    next.kill();
    haproxy
        .wait_until_down("storefront_next", "next1", CHECK_WAIT)
        .await;
    let before = Counts::read(haproxy).await;
    for _ in 0..3 {
        get(catalog.clone(), true).await;
    }
    let after = Counts::settled(haproxy, &before, 3).await;
    assert_eq!(after.since(&before, "storefront_next", "next1"), 0);
    assert_eq!(after.since(&before, "storefront", "BACKEND"), 3);
}

#[test]
fn the_nginx_configuration_passes_nginx_t() {
    let prefix = tempfile::tempdir().expect("tempdir");
    let dir = prefix.path().display();
    let shipped = shipped("deploy/nginx/haat.conf")
        .canonicalize()
        .expect("deploy/nginx/haat.conf");
    // What Debian's /etc/nginx/nginx.conf gives a sites-enabled file, with every path
    // in the temporary prefix.
    let wrapper = prefix.path().join("nginx.conf");
    std::fs::write(
        &wrapper,
        format!(
            "pid {dir}/nginx.pid;\n\
             error_log stderr;\n\
             events {{}}\n\
             http {{\n\
             \x20   access_log off;\n\
             \x20   client_body_temp_path {dir}/body;\n\
             \x20   proxy_temp_path {dir}/proxy;\n\
             \x20   include {};\n\
             }}\n",
            shipped.display()
        ),
    )
    .expect("the wrapper configuration");
    let nginx = if Path::new("/usr/sbin/nginx").exists() {
        PathBuf::from("/usr/sbin/nginx")
    } else {
        PathBuf::from("nginx")
    };
    let output = Command::new(nginx)
        .args(["-t", "-e", "stderr", "-p"])
        .arg(prefix.path())
        .arg("-c")
        .arg(&wrapper)
        .output()
        .expect("nginx (Debian package nginx-light) must be installed");
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "nginx -t refused haat.conf:\n{said}"
    );
    assert!(said.contains("test is successful"), "{said}");
}

fn shipped(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

/// One `haat storefront` or `haat api` process on a fixed port, with its own data
/// directory that it keeps across restarts (a storefront's search index lives there);
/// killed when dropped, so a failing test leaves no process behind.
struct HaatProcess {
    backend: &'static str,
    /// Its `server` name in haproxy.cfg.
    server: &'static str,
    port: u16,
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
    child: Option<Child>,
}

impl HaatProcess {
    fn new(backend: &'static str, server: &'static str, env: &[(String, String)]) -> HaatProcess {
        HaatProcess {
            backend,
            server,
            port: free_port(),
            dir: tempfile::tempdir().expect("tempdir"),
            env: env.to_vec(),
            child: None,
        }
    }

    fn role(&self) -> &'static str {
        if self.backend == "api" {
            "api"
        } else {
            "storefront"
        }
    }

    fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn log_file(&self) -> PathBuf {
        self.dir.path().join("haat.log")
    }

    fn spawn(&mut self) {
        assert!(self.child.is_none(), "{} is already running", self.server);
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_file())
            .expect("the process's log file");
        let errors = log.try_clone().expect("the process's log file");
        let child = Command::new(env!("CARGO_BIN_EXE_haat"))
            .arg(self.role())
            .envs(self.env.iter().cloned())
            .env("HAAT_LISTEN", self.address())
            .env("HAAT_DATA_DIR", self.dir.path())
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(errors)
            .spawn()
            .expect("the haat binary");
        self.child = Some(child);
    }

    /// SIGKILL, as a crash or the OOM killer would.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM, as systemd or a deploy script would: the process drains and exits.
    fn terminate(&self) {
        let child = self.child.as_ref().expect("a running process");
        let status = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("kill(1)");
        assert!(status.success(), "kill -TERM {}", self.server);
    }

    /// Panics if the process has exited (e.g. it could not start), with its log.
    fn assert_running(&mut self) {
        let child = self.child.as_mut().expect("a running process");
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "{} exited ({status}); its log ends with:\n{}",
                self.server,
                self.log_tail()
            );
        }
    }

    /// Waits (bounded) until a terminated process has exited, and checks it exited
    /// cleanly (drained, background work stopped).
    async fn wait_for_exit(&mut self) {
        let deadline = tokio::time::Instant::now() + PROCESS_WAIT;
        loop {
            let child = self.child.as_mut().expect("a running process");
            if let Some(status) = child.try_wait().expect("try_wait") {
                self.child = None;
                assert!(
                    status.success(),
                    "{} exited with {status} after SIGTERM; its log ends with:\n{}",
                    self.server,
                    self.log_tail()
                );
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{} did not exit within {PROCESS_WAIT:?} of SIGTERM; its log ends with:\n{}",
                self.server,
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits (bounded) until this storefront shows the shop's every product: each
    /// storefront follows the event log on its own.
    async fn wait_for_catalog(&self, client: &reqwest::Client, shop: &Shop) {
        let url = format!("http://{}/api/v1/storefront/{}", self.address(), shop.slug);
        let deadline = tokio::time::Instant::now() + PROCESS_WAIT;
        loop {
            if let Ok(response) = client.get(&url).send().await {
                if response.status() == 200 {
                    let body: Value = response.json().await.unwrap_or_default();
                    let shown = body["products"].as_array().map_or(0, Vec::len);
                    if shown == shop.products.len() {
                        return;
                    }
                }
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{} never showed the shop's {} products",
                self.server,
                shop.products.len()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.log_file()).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

impl Drop for HaatProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Waits (bounded) until HAProxy's checks show the process UP (its `/readyz` passed
/// twice); panics early, with the process's log, if it exited instead.
async fn until_up(haproxy: &Haproxy, process: &mut HaatProcess) {
    let deadline = tokio::time::Instant::now() + PROCESS_WAIT;
    loop {
        process.assert_running();
        let row = haproxy.server(process.backend, process.server).await;
        if row.is_up() {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "haproxy did not mark {} UP within {PROCESS_WAIT:?} (it is {}, last check {}); \
             the process's log ends with:\n{}",
            process.server,
            row.status,
            row.field("check_status").unwrap_or_default(),
            process.log_tail(),
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// One step of a rolling restart: SIGTERM, HAProxy takes the process out (its
/// `/readyz` fails while it still serves), it finishes in-flight requests and exits,
/// it starts again on the same port and data directory, and HAProxy shows it UP
/// before the caller moves on to the next one.
async fn restart_gracefully(haproxy: &Haproxy, process: &mut HaatProcess) {
    process.terminate();
    haproxy
        .wait_until_down(process.backend, process.server, CHECK_WAIT)
        .await;
    process.wait_for_exit().await;
    process.spawn();
    until_up(haproxy, process).await;
}

struct Shop {
    token: String,
    store_id: String,
    slug: String,
    products: Vec<String>,
}

/// Logs a seller in (the code read from the shared outbox), opens a store with four
/// products: all through the balancer.
async fn open_shop(client: &reqwest::Client, base: &str, outbox: &Path) -> Shop {
    let post = |path: &str, token: Option<&str>, body: Value| {
        let mut request = client.post(format!("{base}{path}")).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move {
            let response = request.send().await.expect("POST through haproxy");
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap_or_default();
            (status, body)
        }
    };
    let phone = random_phone();
    let (status, body) = post("/api/v1/auth/otp", None, json!({ "phone": phone })).await;
    assert_eq!(status, 200, "{body}");
    let code = last_code(outbox, &phone).expect("a login code in the shared outbox");
    let (status, body) = post(
        "/api/v1/auth/verify",
        None,
        json!({ "phone": phone, "code": code }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let token = body["token"].as_str().expect("a token").to_owned();
    let (status, store) = post(
        "/api/v1/stores",
        Some(&token),
        json!({ "name": "Fleet Chai" }),
    )
    .await;
    assert_eq!(status, 201, "{store}");
    let store_id = store["id"].as_str().expect("store id").to_owned();
    let mut products = Vec::new();
    for name in ["Masala Chai", "Adrak Chai", "Elaichi Chai", "Kulhad Chai"] {
        let (status, product) = post(
            &format!("/api/v1/stores/{store_id}/products"),
            Some(&token),
            json!({ "name": name, "price": "60" }),
        )
        .await;
        assert_eq!(status, 201, "{product}");
        products.push(product["id"].as_str().expect("product id").to_owned());
    }
    Shop {
        token,
        store_id,
        slug: store["slug"].as_str().expect("slug").to_owned(),
        products,
    }
}

fn last_code(outbox: &Path, phone: &str) -> Option<String> {
    let text = std::fs::read_to_string(outbox).ok()?;
    text.lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .rfind(|line| line["to"] == phone)
        .and_then(|line| line["otp"].as_str().map(str::to_owned))
}

/// A path the load GETs, with the seller's token for the api's paths.
struct Target {
    path: String,
    token: Option<String>,
}

impl Target {
    fn public(path: String) -> Target {
        Target { path, token: None }
    }

    fn seller(path: String, token: &str) -> Target {
        Target {
            path,
            token: Some(token.to_owned()),
        }
    }
}

/// Shoppers (and a seller) GETting through the balancer from `LOAD_CLIENTS` tasks,
/// each with its own connections, a short pause between requests, until told to stop
/// or `LOAD_LIMIT` has passed.
struct Load {
    stop: Arc<AtomicBool>,
    tally: Arc<Tally>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

#[derive(Default)]
struct Tally {
    succeeded: AtomicU64,
    failed: AtomicU64,
    /// What the test was doing, for the failures' messages.
    phase: Mutex<String>,
    /// The first failures, described.
    failures: Mutex<Vec<String>>,
}

struct Outcome {
    succeeded: u64,
    failed: u64,
    failures: Vec<String>,
}

impl Outcome {
    fn requests(&self) -> u64 {
        self.succeeded + self.failed
    }
}

impl Load {
    fn start(base: &str, targets: Arc<Vec<Target>>) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let tally = Arc::new(Tally::default());
        *tally.phase.lock().unwrap() = "before any restart".to_owned();
        let tasks = (0..LOAD_CLIENTS)
            .map(|client_number| {
                let (base, targets) = (base.to_owned(), targets.clone());
                let (stop, tally) = (stop.clone(), tally.clone());
                tokio::spawn(async move {
                    shopper(client_number, &base, &targets, &stop, &tally).await;
                })
            })
            .collect();
        Load { stop, tally, tasks }
    }

    fn phase(&self, phase: &str) {
        *self.tally.phase.lock().unwrap() = phase.to_owned();
    }

    fn successes(&self) -> u64 {
        self.tally.succeeded.load(Ordering::SeqCst)
    }

    /// Waits (bounded) until the load has had `count` successes in all.
    async fn wait_for_successes(&self, count: u64) {
        let deadline = tokio::time::Instant::now() + PROCESS_WAIT;
        while self.successes() < count {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the load made {} successful requests of the {count} awaited ({} failed)",
                self.successes(),
                self.tally.failed.load(Ordering::SeqCst)
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn stop(self) -> Outcome {
        self.stop.store(true, Ordering::SeqCst);
        for task in self.tasks {
            // A request in flight ends within the client's 30 s timeout.
            tokio::time::timeout(Duration::from_secs(60), task)
                .await
                .expect("a load task did not stop within 60 s")
                .expect("a load task panicked");
        }
        Outcome {
            succeeded: self.tally.succeeded.load(Ordering::SeqCst),
            failed: self.tally.failed.load(Ordering::SeqCst),
            failures: self.tally.failures.lock().unwrap().clone(),
        }
    }
}

async fn shopper(
    client_number: usize,
    base: &str,
    targets: &[Target],
    stop: &AtomicBool,
    tally: &Tally,
) {
    let client = client();
    let deadline = tokio::time::Instant::now() + LOAD_LIMIT;
    let mut turn = client_number;
    while !stop.load(Ordering::SeqCst) && tokio::time::Instant::now() < deadline {
        let target = &targets[turn % targets.len()];
        turn += 1;
        let mut request = client.get(format!("{base}{}", target.path));
        if let Some(token) = &target.token {
            request = request.bearer_auth(token);
        }
        // A response counts once its whole body has arrived.
        let outcome = match request.send().await {
            Ok(response) => {
                let status = response.status();
                match response.bytes().await {
                    Ok(_) if status.is_success() => Ok(()),
                    Ok(body) => Err(format!(
                        "{status}: {}",
                        String::from_utf8_lossy(&body[..body.len().min(200)])
                    )),
                    Err(error) => Err(format!("{status}, body cut: {error:?}")),
                }
            }
            Err(error) => Err(format!("{error:?}")),
        };
        match outcome {
            Ok(()) => {
                tally.succeeded.fetch_add(1, Ordering::SeqCst);
            }
            Err(what) => {
                tally.failed.fetch_add(1, Ordering::SeqCst);
                let phase = tally.phase.lock().unwrap().clone();
                let mut failures = tally.failures.lock().unwrap();
                if failures.len() < 30 {
                    failures.push(format!("[{phase}] GET {}: {what}", target.path));
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Responses per backend/server (`BACKEND` for a backend's total, `FRONTEND` for the
/// frontend's), from `show stat`.
struct Counts(HashMap<(String, String), u64>);

impl Counts {
    async fn read(haproxy: &Haproxy) -> Counts {
        Counts(
            haproxy
                .stats()
                .await
                .iter()
                .map(|row| ((row.backend.clone(), row.server.clone()), row.responses()))
                .collect(),
        )
    }

    /// Reads until the frontend counts `requests` more responses than `before`
    /// (HAProxy counts a response as its stream ends, a moment after the client has
    /// it); bounded.
    async fn settled(haproxy: &Haproxy, before: &Counts, requests: u64) -> Counts {
        let deadline = tokio::time::Instant::now() + CHECK_WAIT;
        loop {
            let now = Counts::read(haproxy).await;
            let counted = now.since(before, "haat", "FRONTEND");
            if counted >= requests {
                assert_eq!(counted, requests, "the frontend counted other requests");
                return now;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "haproxy counted {counted} of {requests} responses"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn since(&self, before: &Counts, backend: &str, server: &str) -> u64 {
        let key = (backend.to_owned(), server.to_owned());
        let now = self.0.get(&key).copied().unwrap_or(0);
        now - before.0.get(&key).copied().unwrap_or(0)
    }
}

/// HAProxy's log without the requests that went well: checks, state changes, errors,
/// and requests not answered 2xx (`option httplog` puts the status after the timers).
fn unusual_log_lines(haproxy: &Haproxy) -> String {
    let log = haproxy.log();
    let unusual: Vec<&str> = log
        .lines()
        .filter(|line| {
            !line
                .split_whitespace()
                .any(|word| word.len() == 3 && word.starts_with('2') && word.parse::<u16>().is_ok())
        })
        .collect();
    unusual[unusual.len().saturating_sub(60)..].join("\n")
}
