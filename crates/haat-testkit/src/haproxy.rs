//! A real `haproxy` (Debian's `haproxy` package) for tests, running a configuration file
//! as it is shipped: the file takes its frontend address from `"${HAAT_BALANCER_BIND}"`
//! and its runtime API socket from `"${HAAT_HAPROXY_SOCKET}"` (HAProxy substitutes
//! environment variables as it reads the file), which this module points at a free
//! port and a temporary directory; the caller passes any other variable (the servers'
//! addresses). Checked with `haproxy -c` first, killed when dropped, its log kept in
//! the temporary directory for a failing test to print. [`Haproxy::servers`] reads
//! `show stat`: which servers are UP and how many responses each gave.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::server::ServerProcess;

/// The variable the configuration's frontend `bind` line reads.
pub const BIND_VARIABLE: &str = "HAAT_BALANCER_BIND";
/// The variable the configuration's `stats socket` line reads.
pub const SOCKET_VARIABLE: &str = "HAAT_HAPROXY_SOCKET";

pub struct Haproxy {
    process: ServerProcess,
    /// `http://127.0.0.1:<port>`: the frontend.
    pub base: String,
    dir: PathBuf,
}

/// One row of `show stat`: a server (or a backend's or frontend's total, whose
/// `server` is `BACKEND` or `FRONTEND`).
#[derive(Clone, Debug)]
pub struct ServerStat {
    pub backend: String,
    pub server: String,
    /// `UP`, `DOWN`, `UP 1/2` (failing, not yet out), `DOWN 1/2` (passing, not yet
    /// in), `MAINT`, `no check`.
    pub status: String,
    fields: HashMap<String, String>,
}

impl ServerStat {
    pub fn is_up(&self) -> bool {
        self.status == "UP"
    }

    pub fn is_down(&self) -> bool {
        self.status == "DOWN"
    }

    /// Any column of `show stat` by its name (`scur`, `wretr`, `check_status`, …).
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }

    /// A counter column; 0 when empty.
    pub fn count(&self, name: &str) -> u64 {
        self.field(name)
            .and_then(|value| value.parse().ok())
            .unwrap_or(0)
    }

    /// HTTP responses this server (or backend) gave, by any status. Health checks are
    /// not counted.
    pub fn responses(&self) -> u64 {
        [
            "hrsp_1xx",
            "hrsp_2xx",
            "hrsp_3xx",
            "hrsp_4xx",
            "hrsp_5xx",
            "hrsp_other",
        ]
        .iter()
        .map(|name| self.count(name))
        .sum()
    }
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        self.process.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Haproxy {
    /// Sends one command to the runtime API (`show stat`, `disable server b/s`, …) and
    /// returns its answer. Bounded: panics after 10 s.
    pub async fn command(&self, command: &str) -> String {
        let socket = self.dir.join("admin.sock");
        let exchange = async {
            let mut stream = tokio::net::UnixStream::connect(&socket).await?;
            stream.write_all(format!("{command}\n").as_bytes()).await?;
            let mut answer = String::new();
            // Without `prompt`, HAProxy answers one command and closes.
            stream.read_to_string(&mut answer).await?;
            std::io::Result::Ok(answer)
        };
        match tokio::time::timeout(Duration::from_secs(10), exchange).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(error)) => panic!("haproxy runtime API ({command}): {error}"),
            Err(_) => panic!("haproxy runtime API ({command}) did not answer within 10 s"),
        }
    }

    /// Every row of `show stat`, the backends' and frontends' totals included.
    pub async fn stats(&self) -> Vec<ServerStat> {
        parse_stat(&self.command("show stat").await)
    }

    /// The servers of every backend (no totals).
    pub async fn servers(&self) -> Vec<ServerStat> {
        self.stats()
            .await
            .into_iter()
            .filter(|row| row.server != "BACKEND" && row.server != "FRONTEND")
            .collect()
    }

    /// One row; panics if the configuration has no such server (or `BACKEND`).
    pub async fn server(&self, backend: &str, server: &str) -> ServerStat {
        let stats = self.stats().await;
        stats
            .iter()
            .find(|row| row.backend == backend && row.server == server)
            .cloned()
            .unwrap_or_else(|| panic!("haproxy has no server {backend}/{server}: {stats:?}"))
    }

    /// Waits until HAProxy's checks have marked the server UP; panics after `within`.
    pub async fn wait_until_up(&self, backend: &str, server: &str, within: Duration) {
        self.wait_for(backend, server, within, "UP", ServerStat::is_up)
            .await;
    }

    /// Waits until HAProxy's checks have marked the server DOWN; panics after `within`.
    pub async fn wait_until_down(&self, backend: &str, server: &str, within: Duration) {
        self.wait_for(backend, server, within, "DOWN", ServerStat::is_down)
            .await;
    }

    async fn wait_for(
        &self,
        backend: &str,
        server: &str,
        within: Duration,
        wanted: &str,
        reached: impl Fn(&ServerStat) -> bool,
    ) {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let row = self.server(backend, server).await;
            if reached(&row) {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "haproxy did not mark {backend}/{server} {wanted} within {within:?}: it is {} \
                 (last check: {} {}); haproxy's log ends with:\n{}",
                row.status,
                row.field("check_status").unwrap_or_default(),
                row.field("last_chk").unwrap_or_default(),
                self.log_tail(30),
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The last `lines` lines of HAProxy's log (requests, health check changes,
    /// warnings), for a failing test's message.
    pub fn log_tail(&self, lines: usize) -> String {
        let log = std::fs::read_to_string(self.dir.join("haproxy.log")).unwrap_or_default();
        let all: Vec<&str> = log.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    /// The whole log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("haproxy.log")).unwrap_or_default()
    }
}

/// Checks `config` with `haproxy -c`, then starts it on a free port with `env` (and the
/// two variables above) and waits (bounded) until its frontend accepts connections.
pub async fn start_haproxy(config: &Path, env: Vec<(String, String)>) -> Haproxy {
    let dir = std::env::temp_dir().join(format!("haat-haproxy-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).expect("a directory for haproxy");
    let socket = dir.join("admin.sock");
    let check = Command::new(binary())
        .args(["-c", "-f"])
        .arg(config)
        .envs(env.iter().cloned())
        // `-c` binds nothing, but refuses port 0.
        .env(
            BIND_VARIABLE,
            format!("127.0.0.1:{}", crate::server::free_port()),
        )
        .env(SOCKET_VARIABLE, &socket)
        .output()
        .expect("haproxy (Debian package haproxy) must be installed");
    assert!(
        check.status.success(),
        "haproxy -c -f {} refused the configuration:\n{}{}",
        config.display(),
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr),
    );
    let (config, log) = (config.to_path_buf(), dir.join("haproxy.log"));
    let process = ServerProcess::start("haproxy", move |port| {
        let output = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .expect("haproxy's log file");
        let errors = output.try_clone().expect("haproxy's log file");
        // -db: stay in the foreground, one process, so killing it stops everything.
        Command::new(binary())
            .args(["-db", "-f"])
            .arg(&config)
            .envs(env.iter().cloned())
            .env(BIND_VARIABLE, format!("127.0.0.1:{port}"))
            .env(SOCKET_VARIABLE, &socket)
            .stdin(Stdio::null())
            .stdout(output)
            .stderr(errors)
            .spawn()
            .expect("haproxy (Debian package haproxy) must be installed")
    })
    .await;
    Haproxy {
        base: format!("http://127.0.0.1:{}", process.port()),
        process,
        dir,
    }
}

/// Debian installs it in /usr/sbin, which is not on a normal user's PATH.
fn binary() -> PathBuf {
    let debian = Path::new("/usr/sbin/haproxy");
    if debian.exists() {
        debian.to_path_buf()
    } else {
        PathBuf::from("haproxy")
    }
}

/// `show stat` is CSV under a `# pxname,svname,…` header line.
fn parse_stat(csv: &str) -> Vec<ServerStat> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines
        .next()
        .and_then(|line| line.strip_prefix("# "))
        .unwrap_or_else(|| panic!("not a `show stat` answer: {csv}"))
        .split(',')
        .collect();
    lines
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let fields: HashMap<String, String> = header
                .iter()
                .zip(line.split(','))
                .map(|(name, value)| ((*name).to_owned(), value.to_owned()))
                .collect();
            let get = |name: &str| fields.get(name).cloned().unwrap_or_default();
            ServerStat {
                backend: get("pxname"),
                server: get("svname"),
                status: get("status"),
                fields,
            }
        })
        .collect()
}
