//! Project automation: `cargo xtask test` runs the whole suite (Rust tests against a real
//! PostgreSQL, then the browser test in real Chromium against a real `haat serve`);
//! `cargo xtask bench` runs the benchmarks recorded in docs/BENCHMARKS.md.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

mod bench;

type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        _ => {
            eprintln!("usage: cargo xtask test [--no-browser] | cargo xtask bench");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: {error}");
            ExitCode::FAILURE
        }
    }
}

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

pub fn run(command: &mut Command) -> Result {
    let status = command
        .status()
        .map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed with {status}"))
    }
}

fn has(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Says exactly what a fresh machine lacks, instead of failing halfway.
fn check_prerequisites(browser: bool) -> Result {
    let mut missing = Vec::new();
    let postgres = Path::new("/usr/lib/postgresql").exists() || has("initdb");
    if !postgres {
        missing.push("postgresql");
    }
    // The event log suite runs its NATS JetStream engine against a real server.
    if !has("nats-server") {
        missing.push("nats-server");
    }
    // The page cache's shared level is tested against a real Redis.
    if !has("redis-server") {
        missing.push("redis-server");
    }
    // The fleet test puts a real HAProxy in front of three backends and checks the nginx
    // configuration with `nginx -t`; the replica tests route through a real PgBouncer.
    if !has("haproxy") && !Path::new("/usr/sbin/haproxy").exists() {
        missing.push("haproxy");
    }
    if !has("nginx") && !Path::new("/usr/sbin/nginx").exists() {
        missing.push("nginx-light");
    }
    if !has("pgbouncer") && !Path::new("/usr/sbin/pgbouncer").exists() {
        missing.push("pgbouncer");
    }
    if browser {
        if !has("chromium") {
            missing.push("chromium");
        }
        if !has("node") {
            missing.push("nodejs npm");
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    Err(format!(
        "missing prerequisites; on Debian/Ubuntu run:\n  apt-get update && apt-get install -y {}",
        missing.join(" ")
    ))
}

fn test(args: &[String]) -> Result {
    let browser = !args.iter().any(|a| a == "--no-browser");
    check_prerequisites(browser)?;
    // One cluster per run: wipe whatever a previous run left.
    let _ = haat_testkit::stop_shared_cluster();
    let _ = std::fs::remove_dir_all(haat_testkit::cluster_dir());
    let result = run_suites(browser);
    if let Err(error) = haat_testkit::stop_shared_cluster() {
        eprintln!("xtask: stopping the test cluster: {error}");
    }
    result
}

fn run_suites(browser: bool) -> Result {
    let root = root();
    if has("cargo-nextest") {
        run(Command::new("cargo").current_dir(&root).args([
            "nextest",
            "run",
            "--workspace",
            "--no-fail-fast",
        ]))?;
    } else {
        run(Command::new("cargo").current_dir(&root).args([
            "test",
            "--workspace",
            "--no-fail-fast",
        ]))?;
    }
    if browser {
        browser_test(&root)?;
    }
    Ok(())
}

pub fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

/// A `haat serve` process on the embedded database in a temporary data dir.
pub struct Server {
    pub child: Child,
    pub base: String,
    pub data_dir: PathBuf,
}

impl Server {
    pub fn start(root: &Path, binary: &Path, demo: bool) -> Result<Server> {
        let port = free_port()?;
        Server::start_with(root, binary, demo, port, &[])
    }

    /// `haat serve` on `port` with extra environment.
    pub fn start_on(root: &Path, binary: &Path, port: u16, env: &[(&str, &str)]) -> Result<Server> {
        Server::start_with(root, binary, false, port, env)
    }

    fn start_with(
        root: &Path,
        binary: &Path,
        demo: bool,
        port: u16,
        env: &[(&str, &str)],
    ) -> Result<Server> {
        let data_dir = std::env::temp_dir().join(format!("haat-xtask-{port}"));
        let _ = std::fs::remove_dir_all(&data_dir);
        let mut command = Command::new(binary);
        command
            .current_dir(root)
            .arg("serve")
            .env("HAAT_LISTEN", format!("127.0.0.1:{port}"))
            .env("HAAT_DATA_DIR", &data_dir)
            .env("HAAT_DRAIN_DELAY_MS", "0")
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::null());
        if demo {
            command.arg("--demo");
        }
        let child = command
            .spawn()
            .map_err(|e| format!("cannot start haat: {e}"))?;
        let server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            data_dir,
        };
        server.wait_ready(Duration::from_secs(300))?;
        Ok(server)
    }

    fn wait_ready(&self, limit: Duration) -> Result {
        let started = Instant::now();
        while started.elapsed() < limit {
            let ok = Command::new("curl")
                .args(["-sf", "-o", "/dev/null", &format!("{}/readyz", self.base)])
                .status()
                .is_ok_and(|s| s.success());
            if ok {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        Err("haat did not become ready".to_owned())
    }

    /// SIGTERM, then wait: a clean exit proves graceful shutdown (and the embedded
    /// cluster is stopped by haat itself).
    pub fn stop(mut self) -> Result {
        run(Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string()))?;
        let status = self.child.wait().map_err(|e| e.to_string())?;
        let _ = std::fs::remove_dir_all(&self.data_dir);
        if status.success() {
            Ok(())
        } else {
            Err(format!("haat exited with {status} after SIGTERM"))
        }
    }
}

fn browser_test(root: &Path) -> Result {
    let browser_dir = root.join("tests/browser");
    if !browser_dir.join("node_modules/playwright-core").exists() {
        run(Command::new("npm").current_dir(&browser_dir).args([
            "install",
            "--no-audit",
            "--no-fund",
        ]))?;
    }
    run(Command::new("cargo")
        .current_dir(root)
        .args(["build", "--bin", "haat"]))?;
    let binary = root.join("target/debug/haat");
    let server = Server::start(root, &binary, false)?;
    let result = run(Command::new("node")
        .current_dir(&browser_dir)
        .arg("signup.mjs")
        .env("HAAT_BASE_URL", &server.base)
        .env("HAAT_SMS_OUTBOX", server.data_dir.join("sms-outbox.jsonl")));
    let stopped = server.stop();
    result.and(stopped)?;
    shop_test(root, &browser_dir, &binary)?;
    println!("browser tests: 2 passed, 0 failed");
    Ok(())
}

/// The shopper's flow: `haat serve` and a `haat fake-gateway` that signs webhooks with
/// the same secret.
fn shop_test(root: &Path, browser_dir: &Path, binary: &Path) -> Result {
    let secret = format!("whsec-xtask-{}", std::process::id());
    let gateway_port = free_port()?;
    let haat_port = free_port()?;
    let gateway_base = format!("http://127.0.0.1:{gateway_port}");
    let mut gateway = Command::new(binary)
        .current_dir(root)
        .args([
            "fake-gateway",
            "--listen",
            &format!("127.0.0.1:{gateway_port}"),
        ])
        .arg("--webhook-url")
        .arg(format!(
            "http://127.0.0.1:{haat_port}/api/v1/payments/webhooks/haatpay"
        ))
        .arg("--haat-url")
        .arg(format!("http://127.0.0.1:{haat_port}/"))
        .env("HAAT_PAYMENTS_WEBHOOK_SECRET", &secret)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start the fake gateway: {e}"))?;
    let env = [
        ("HAAT_PAYMENTS_WEBHOOK_SECRET", secret.as_str()),
        ("HAAT_PAYMENTS_TEST_GATEWAY_URL", gateway_base.as_str()),
    ];
    let result = Server::start_on(root, binary, haat_port, &env).and_then(|server| {
        let result = run(Command::new("node")
            .current_dir(browser_dir)
            .arg("shop.mjs")
            .env("HAAT_BASE_URL", &server.base)
            .env("HAAT_SMS_OUTBOX", server.data_dir.join("sms-outbox.jsonl")));
        let stopped = server.stop();
        result.and(stopped)
    });
    let _ = gateway.kill();
    let _ = gateway.wait();
    result
}
