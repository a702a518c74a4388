//! Load test: a real `haat serve` child and an nginx serving the very same bytes as a
//! static file, both driven by `wrk` on 127.0.0.1 in alternation (so machine noise hits
//! both), with Haat's and PostgreSQL's memory sampled under load.
//!
//! Requests carry `Accept-Encoding: gzip, deflate`, what a browser sends to a plain-HTTP
//! origin: Haat answers from its page cache with the gzip body it prepared once, nginx
//! with `gzip_static` from a `.gz` file holding exactly those bytes.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use crate::procfs::{self, Memory};
use crate::wrk::{self, Processes, WrkRun};

/// The external programs the load test drives.
pub struct Tools {
    pub nginx: PathBuf,
    pub wrk: PathBuf,
}

impl Tools {
    /// Finds nginx and wrk, or says which Debian packages to install.
    pub fn find() -> anyhow::Result<Tools> {
        let nginx = find_program("nginx", &["/usr/sbin/nginx", "/usr/local/sbin/nginx"]);
        let wrk = find_program("wrk", &[]);
        match (nginx, wrk) {
            (Some(nginx), Some(wrk)) => Ok(Tools { nginx, wrk }),
            _ => bail!(
                "the load test needs nginx and wrk; on Debian/Ubuntu run:\n  apt-get install -y nginx-light wrk"
            ),
        }
    }

    /// `nginx/1.22.1`, `wrk 4.1.0`, for the report.
    pub fn versions(&self) -> (String, String) {
        let output = |program: &Path, arg: &str| {
            Command::new(program)
                .arg(arg)
                .output()
                .map(|o| {
                    let text = [o.stdout, o.stderr].concat();
                    String::from_utf8_lossy(&text)
                        .lines()
                        .next()
                        .unwrap_or("")
                        .to_owned()
                })
                .unwrap_or_default()
        };
        let nginx = output(&self.nginx, "-v");
        let nginx = nginx.rsplit(' ').next().unwrap_or_default().to_owned();
        let wrk = output(&self.wrk, "-v");
        let wrk = wrk.split(' ').take(2).collect::<Vec<_>>().join(" ");
        (nginx, wrk)
    }
}

fn find_program(name: &str, extra: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .chain(extra.iter().map(PathBuf::from))
        .find(|candidate| candidate.is_file())
}

/// A child process that is stopped (SIGTERM, then SIGKILL) however the bench ends.
pub(crate) struct Guarded {
    name: &'static str,
    child: Child,
}

impl Guarded {
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process has already exited (on its own: a crash, a failed start).
    pub(crate) fn has_exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }

    /// SIGTERM, then wait up to `grace`; SIGKILL after that. Returns whether it exited
    /// successfully on SIGTERM.
    pub(crate) fn terminate(&mut self, grace: Duration) -> bool {
        if let Ok(Some(status)) = self.child.try_wait() {
            return status.success();
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status();
        let started = Instant::now();
        while started.elapsed() < grace {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!(
            "haat-bench: {} did not stop within {grace:?}; killing it",
            self.name
        );
        let _ = self.child.kill();
        let _ = self.child.wait();
        false
    }
}

impl Drop for Guarded {
    fn drop(&mut self) {
        self.terminate(Duration::from_secs(30));
    }
}

/// What the load test measured.
#[derive(Debug)]
pub struct LoadReport {
    pub url_path: String,
    pub page_bytes: usize,
    /// The body actually sent: gzip.
    pub gzip_bytes: usize,
    pub runs: Vec<WrkRun>,
    /// After start and one page request.
    pub idle: Memory,
    /// The largest readings while wrk ran with the most connections against Haat.
    pub loaded: Memory,
    pub haat_stopped_cleanly: bool,
    /// `request finished` lines in Haat's log after it stopped, and the log's size.
    pub request_log_lines: u64,
    pub request_log_bytes: u64,
    /// Lines in the logged nginx server's access log.
    pub nginx_log_lines: u64,
    /// `RUST_LOG` Haat ran with.
    pub log_level: String,
}

pub struct LoadOptions<'a> {
    pub haat: &'a Path,
    pub data_dir: &'a Path,
    pub slug: &'a str,
    pub connections: &'a [u32],
    pub duration: Duration,
    pub rounds: usize,
    /// `RUST_LOG` for Haat: `info` (production's default) or e.g. `warn`.
    pub log_level: &'a str,
}

pub(crate) async fn wait_ready(
    client: &reqwest::Client,
    url: &str,
    child: &mut Guarded,
) -> anyhow::Result<()> {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(120) {
        if let Ok(Some(status)) = child.child.try_wait() {
            bail!("{} exited during start with {status}", child.name);
        }
        if client
            .get(url)
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("{} was not ready at {url} within 2 minutes", child.name)
}

pub(crate) fn start_haat(
    haat: &Path,
    data_dir: &Path,
    port: u16,
    env: &[(&str, &str)],
) -> anyhow::Result<Guarded> {
    let mut command = Command::new(haat);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("HAAT_") {
            command.env_remove(key);
        }
    }
    // The request log at its production level, one JSON line per request, into a file
    // (what a service manager would capture), truncated at each start.
    let log = std::fs::File::create(data_dir.join("haat-serve.log"))
        .with_context(|| format!("cannot create the log file in {}", data_dir.display()))?;
    let child = command
        .arg("serve")
        .env("HAAT_LISTEN", format!("127.0.0.1:{port}"))
        .env("HAAT_DATA_DIR", data_dir)
        .env("HAAT_DRAIN_DELAY_MS", "0")
        .env("RUST_LOG", "info")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .with_context(|| format!("cannot start {}", haat.display()))?;
    Ok(Guarded {
        name: "haat serve",
        child,
    })
}

/// The servers of the load test, as named in runs and the report.
pub const HAAT: &str = "haat";
pub const NGINX: &str = "nginx";
pub const NGINX_LOGGED: &str = "nginx+log";

/// What a browser sends to an `http://` origin (brotli is offered only over HTTPS).
pub(crate) const BROWSER_ACCEPT_ENCODING: &str = "Accept-Encoding: gzip, deflate";

/// Starts nginx with two servers for the same file: `port` as a bare static server
/// (no access log), `logged_port` like-for-like with Haat in production: a request id on
/// every response and one JSON access-log line per request, buffered (64 KiB or 50 ms,
/// as Haat's log writer).
fn start_nginx(
    nginx: &Path,
    dir: &Path,
    page: &[u8],
    gzipped: &[u8],
    port: u16,
    logged_port: u16,
) -> anyhow::Result<Guarded> {
    let www = dir.join("www");
    std::fs::create_dir_all(&www)?;
    std::fs::write(www.join("page.html"), page)?;
    std::fs::write(www.join("page.html.gz"), gzipped)?;
    let d = dir.display();
    let conf = format!(
        "daemon off;
worker_processes auto;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    default_type text/html;
    gzip_static on;
    gzip_vary on;
    etag on;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    log_format haat escape=json '{{\"timestamp\":\"$time_iso8601\",\"message\":\"request finished\",\"request_id\":\"$request_id\",\"http.method\":\"$request_method\",\"http.route\":\"$uri\",\"http.status\":$status,\"request_time_s\":$request_time}}';
    server {{
        listen 127.0.0.1:{port};
        location / {{ root {d}/www; try_files /page.html =404; }}
    }}
    server {{
        listen 127.0.0.1:{logged_port};
        access_log {d}/access.log haat buffer=64k flush=50ms;
        add_header X-Request-Id $request_id always;
        location / {{ root {d}/www; try_files /page.html =404; }}
    }}
}}
"
    );
    let conf_path = dir.join("nginx.conf");
    std::fs::write(&conf_path, conf)?;
    let child = Command::new(nginx)
        .arg("-e")
        .arg(dir.join("error.log"))
        .arg("-c")
        .arg(&conf_path)
        .arg("-p")
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .context("cannot start nginx")?;
    Ok(Guarded {
        name: "nginx",
        child,
    })
}

/// Counts the lines of nginx's access log, then removes it.
fn count_lines(path: &Path) -> anyhow::Result<u64> {
    use std::io::BufRead;
    let mut lines = 0;
    for line in std::io::BufReader::new(std::fs::File::open(path)?).split(b'\n') {
        line?;
        lines += 1;
    }
    std::fs::remove_file(path)?;
    Ok(lines)
}

/// Counts the request lines Haat logged (the proof that logging was on), then removes
/// the log: at ~250 bytes a line, a run writes hundreds of megabytes.
fn count_request_log(data_dir: &Path) -> anyhow::Result<(u64, u64)> {
    use std::io::BufRead;
    let path = data_dir.join("haat-serve.log");
    let bytes = std::fs::metadata(&path)?.len();
    let mut lines = 0;
    for line in std::io::BufReader::new(std::fs::File::open(&path)?).lines() {
        if line?.contains("\"request finished\"") {
            lines += 1;
        }
    }
    std::fs::remove_file(&path)?;
    Ok((lines, bytes))
}

pub(crate) fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Runs the whole load test; `scratch` is a directory nginx may read (mode 0755).
pub async fn run(
    tools: &Tools,
    options: &LoadOptions<'_>,
    scratch: &Path,
) -> anyhow::Result<LoadReport> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    let haat_port = free_port()?;
    let haat_base = format!("http://127.0.0.1:{haat_port}");
    let mut haat = start_haat(
        options.haat,
        options.data_dir,
        haat_port,
        &[("RUST_LOG", options.log_level)],
    )?;
    wait_ready(&client, &format!("{haat_base}/readyz"), &mut haat).await?;
    let url_path = format!("/{}", options.slug);
    let page = client.get(format!("{haat_base}{url_path}")).send().await?;
    if !page.status().is_success() {
        bail!("GET {url_path} answered {}", page.status());
    }
    let page = page.bytes().await?;
    // The gzip body as a browser gets it (reqwest here decompresses nothing).
    let gzipped = client
        .get(format!("{haat_base}{url_path}"))
        .header("accept-encoding", "gzip, deflate")
        .send()
        .await?;
    if gzipped
        .headers()
        .get("content-encoding")
        .map(|v| v.as_bytes())
        != Some(b"gzip")
    {
        bail!("Haat did not answer gzip to a browser's Accept-Encoding");
    }
    let gzipped = gzipped.bytes().await?;
    let idle = Memory::read(haat.pid(), options.data_dir);

    let nginx_port = free_port()?;
    let logged_port = free_port()?;
    let mut nginx = start_nginx(
        &tools.nginx,
        scratch,
        &page,
        &gzipped,
        nginx_port,
        logged_port,
    )?;
    let nginx_url = format!("http://127.0.0.1:{nginx_port}{url_path}");
    let logged_url = format!("http://127.0.0.1:{logged_port}{url_path}");
    for url in [&nginx_url, &logged_url] {
        wait_ready(&client, url, &mut nginx).await?;
        let served = client
            .get(url)
            .header("accept-encoding", "gzip, deflate")
            .send()
            .await?
            .bytes()
            .await?;
        if served != gzipped {
            bail!("nginx does not serve the same gzip bytes as Haat at {url}");
        }
    }

    let haat_url = format!("{haat_base}{url_path}");
    let haat_pid = haat.pid();
    let nginx_pid = nginx.pid();
    let haat_pids = || vec![haat_pid];
    let postgres_pids = || procfs::postgres_pids(options.data_dir);
    let nginx_pids = || procfs::with_children(nginx_pid);
    let haat_processes = Processes {
        server: &haat_pids,
        database: &postgres_pids,
    };
    let nginx_processes = Processes {
        server: &nginx_pids,
        database: &Vec::new,
    };
    // One nginx serves both ports; only one is loaded at a time, so its CPU over a run
    // belongs to that run's server.
    let servers = [
        (HAAT, &haat_url, &haat_processes),
        (NGINX, &nginx_url, &nginx_processes),
        (NGINX_LOGGED, &logged_url, &nginx_processes),
    ];
    println!("load: warming up the servers");
    let warmup = Duration::from_secs(3);
    for (name, url, processes) in servers {
        wrk::run(
            &tools.wrk,
            wrk::Target {
                url,
                script: None,
                headers: &[BROWSER_ACCEPT_ENCODING],
            },
            64,
            warmup,
            name,
            processes,
            || {},
        )
        .await?;
    }

    let most = options.connections.iter().copied().max().unwrap_or(0);
    let mut loaded = idle;
    let mut runs = Vec::new();
    for &connections in options.connections {
        for round in 0..options.rounds {
            // Rotate which server goes first, so a noisy neighbour hits all of them.
            let mut order = servers;
            order.rotate_left(round % servers.len());
            for (name, url, processes) in order {
                let sample_memory = name == HAAT && connections == most;
                println!("load: wrk -c{connections} {name} (round {})", round + 1);
                let mut run = wrk::run(
                    &tools.wrk,
                    wrk::Target {
                        url,
                        script: None,
                        headers: &[BROWSER_ACCEPT_ENCODING],
                    },
                    connections,
                    options.duration,
                    name,
                    processes,
                    || {
                        if sample_memory {
                            loaded = loaded.max(Memory::read(haat_pid, options.data_dir));
                        }
                    },
                )
                .await?;
                run.round = round + 1;
                runs.push(run);
            }
        }
    }
    let stopped = tokio::task::spawn_blocking(move || {
        nginx.terminate(Duration::from_secs(10));
        haat.terminate(Duration::from_secs(60))
    })
    .await?;
    if procfs::postgres_pids(options.data_dir)
        .first()
        .is_some_and(|&pid| procfs::rss_kib(pid).is_some())
    {
        eprintln!("haat-bench: the embedded PostgreSQL is still running after haat stopped");
    }
    let (request_log_lines, request_log_bytes) = count_request_log(options.data_dir)?;
    let nginx_log_lines = count_lines(&scratch.join("access.log"))?;
    Ok(LoadReport {
        url_path,
        page_bytes: page.len(),
        gzip_bytes: gzipped.len(),
        runs,
        idle,
        loaded,
        haat_stopped_cleanly: stopped,
        request_log_lines,
        request_log_bytes,
        nginx_log_lines,
        log_level: options.log_level.to_owned(),
    })
}
