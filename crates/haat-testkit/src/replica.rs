//! A real streaming replica for tests: a dedicated primary cluster (haat-pgembed, its own
//! directory, a migrated `haat` database), a standby made from it with
//! `pg_basebackup -R` and started as its own `postgres` process, and optionally a real
//! PgBouncer (Debian's `pgbouncer`) in transaction mode in front of both.
//!
//! The standby runs as the same unprivileged user as the primary (PostgreSQL refuses
//! root); everything is on Unix sockets except PgBouncer's listener on 127.0.0.1.
//! Tests can pause and resume WAL replay (`pg_wal_replay_pause()`), wait until the
//! standby has caught up, and kill it (SIGKILL). Everything stops when dropped.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use haat_pgembed::{Cluster, ClusterOptions, PgBinaries};
use sqlx::{Connection, PgConnection};

/// The primary, its standbys streaming from it, and their connection URLs.
pub struct Replicated {
    dir: tempfile::TempDir,
    primary: Option<Cluster>,
    standbys: Vec<Standby>,
    pgbouncer: Option<Child>,
    owner: (u32, u32),
    /// The primary's `haat` database (migrated).
    pub primary_url: String,
    /// The same database on the first standby.
    pub replica_url: String,
    /// The same database on every standby.
    pub replica_urls: Vec<String>,
}

struct Standby {
    child: Option<Child>,
    socket: PathBuf,
    url: String,
}

const DATABASE: &str = "haat";
const STANDBY_PORT: u16 = 5433;

impl Replicated {
    /// Starts the primary, migrates `haat`, takes a base backup and starts one standby;
    /// returns once the standby answers queries and has replayed the migrations.
    pub async fn start() -> Replicated {
        Replicated::start_many(1, true).await
    }

    /// As [`Replicated::start`] with `standbys` standbys; `fsync` off for tests, on for
    /// benchmarks that want a production-like primary.
    pub async fn start_many(standbys: usize, test_settings: bool) -> Replicated {
        let dir = tempfile::Builder::new()
            .prefix("haat-replica-")
            .tempdir()
            .expect("tempdir");
        // The server user must reach its directories below this one.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod tempdir");
        let primary_dir = dir.path().join("primary");
        let primary = tokio::task::spawn_blocking(move || {
            let binaries = PgBinaries::find().expect("PostgreSQL server binaries");
            Cluster::start(
                &binaries,
                ClusterOptions {
                    dir: primary_dir,
                    superuser: "haat".to_owned(),
                    extra_settings: [
                        ("fsync", if test_settings { "off" } else { "on" }),
                        ("full_page_writes", if test_settings { "off" } else { "on" }),
                        ("wal_level", "replica"),
                        ("max_wal_senders", "8"),
                        ("max_connections", "200"),
                        (
                            "shared_buffers",
                            if test_settings { "32MB" } else { "128MB" },
                        ),
                    ]
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
                },
            )
            .expect("starting the primary cluster")
        })
        .await
        .expect("primary start panicked");
        let owner = {
            let metadata = std::fs::metadata(primary.data_dir()).expect("primary data dir");
            (metadata.uid(), metadata.gid())
        };
        let mut maintenance = PgConnection::connect(&primary.connection_url("postgres"))
            .await
            .expect("connecting to the primary");
        sqlx::query(&format!("CREATE DATABASE \"{DATABASE}\""))
            .execute(&mut maintenance)
            .await
            .expect("creating the database");
        maintenance.close().await.ok();
        let primary_url = primary.connection_url(DATABASE);
        let mut connection = PgConnection::connect(&primary_url)
            .await
            .expect("connecting to the primary database");
        haat_db::MIGRATOR
            .run(&mut connection)
            .await
            .expect("migrating the primary");
        connection.close().await.ok();

        let mut started = Vec::with_capacity(standbys);
        for index in 0..standbys {
            started.push(start_standby(dir.path(), index, &primary, &primary_url, owner).await);
        }
        let replica_urls: Vec<String> = started.iter().map(|standby| standby.url.clone()).collect();
        let replicated = Replicated {
            dir,
            primary: Some(primary),
            standbys: started,
            pgbouncer: None,
            owner,
            primary_url,
            replica_url: replica_urls.first().cloned().unwrap_or_default(),
            replica_urls,
        };
        replicated.wait_caught_up().await;
        replicated
    }

    /// The primary's data directory (for its processes' figures).
    pub fn primary_data_dir(&self) -> &Path {
        self.primary.as_ref().expect("primary running").data_dir()
    }

    /// The standbys' postmaster process ids.
    pub fn standby_pids(&self) -> Vec<u32> {
        self.standbys
            .iter()
            .filter_map(|standby| standby.child.as_ref().map(Child::id))
            .collect()
    }

    /// Waits (at most 30 s) until every standby has replayed everything the primary has
    /// written so far.
    pub async fn wait_caught_up(&self) {
        let mut primary = PgConnection::connect(&self.primary_url)
            .await
            .expect("connecting to the primary");
        let (target,): (String,) = sqlx::query_as("SELECT pg_current_wal_lsn()::text")
            .fetch_one(&mut primary)
            .await
            .expect("primary position");
        primary.close().await.ok();
        for standby in self
            .standbys
            .iter()
            .filter(|standby| standby.child.is_some())
        {
            wait_replayed(&standby.url, &target).await;
        }
    }

    /// Stops applying WAL on the first standby (it keeps receiving it): its data stays
    /// as it is now while the primary moves on. Returns once replay *is* paused:
    /// `pg_wal_replay_pause()` only requests it, and the standby pauses at its next WAL
    /// record, so the primary writes one (a logical message) until it has.
    pub async fn pause_replay(&self) {
        self.on_standby("SELECT pg_wal_replay_pause()").await;
        let mut replica = PgConnection::connect(&self.replica_url)
            .await
            .expect("connecting to the standby");
        let mut primary = PgConnection::connect(&self.primary_url)
            .await
            .expect("connecting to the primary");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let (state,): (String,) = sqlx::query_as("SELECT pg_get_wal_replay_pause_state()")
                .fetch_one(&mut replica)
                .await
                .expect("pause state");
            if state == "paused" {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the standby never paused (state {state})"
            );
            sqlx::query("SELECT pg_logical_emit_message(false, 'haat-test', 'pause')")
                .execute(&mut primary)
                .await
                .expect("a WAL record on the primary");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        replica.close().await.ok();
        primary.close().await.ok();
    }

    pub async fn resume_replay(&self) {
        self.on_standby("SELECT pg_wal_replay_resume()").await;
    }

    async fn on_standby(&self, statement: &str) {
        let mut replica = PgConnection::connect(&self.replica_url)
            .await
            .expect("connecting to the standby");
        sqlx::query(statement)
            .execute(&mut replica)
            .await
            .expect("standby statement");
        replica.close().await.ok();
    }

    /// Kills the first standby at once (SIGKILL), as a crash or a lost machine would.
    pub fn kill_replica(&mut self) {
        if let Some(mut standby) = self.standbys.first_mut().and_then(|s| s.child.take()) {
            let _ = standby.kill();
            let _ = standby.wait();
        }
    }

    /// Starts a real PgBouncer in `mode` (`session` or `transaction`) on 127.0.0.1 in
    /// front of the primary (database `primary`) and the standby (database `replica`);
    /// returns their URLs.
    pub async fn start_pgbouncer(&mut self, mode: &str) -> (String, String) {
        let port = crate::server::free_port();
        let dir = self.dir.path().join("pgbouncer");
        std::fs::create_dir(&dir).expect("pgbouncer dir");
        let primary_socket = self
            .primary
            .as_ref()
            .expect("primary running")
            .socket_dir()
            .to_path_buf();
        let config = format!(
            "[databases]\n\
             primary = host={primary} port={primary_port} dbname={DATABASE} user=haat\n\
             replica = host={standby} port={STANDBY_PORT} dbname={DATABASE} user=haat\n\
             [pgbouncer]\n\
             listen_addr = 127.0.0.1\n\
             listen_port = {port}\n\
             unix_socket_dir =\n\
             auth_type = trust\n\
             auth_file = {dir}/users.txt\n\
             pool_mode = {mode}\n\
             max_client_conn = 200\n\
             default_pool_size = 10\n\
             ignore_startup_parameters = extra_float_digits\n\
             server_reset_query = DISCARD ALL\n\
             logfile = {dir}/pgbouncer.log\n",
            primary = primary_socket.display(),
            primary_port = port_of(&self.primary_url),
            standby = self.standbys[0].socket.display(),
            dir = dir.display(),
        );
        std::fs::write(dir.join("pgbouncer.ini"), config).expect("pgbouncer.ini");
        std::fs::write(dir.join("users.txt"), "\"haat\" \"\"\n").expect("users.txt");
        for entry in std::fs::read_dir(&dir).expect("pgbouncer dir") {
            let path = entry.expect("entry").path();
            std::os::unix::fs::chown(&path, Some(self.owner.0), Some(self.owner.1)).expect("chown");
        }
        std::os::unix::fs::chown(&dir, Some(self.owner.0), Some(self.owner.1)).expect("chown");
        let program = ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"]
            .into_iter()
            .find(|path| Path::new(path).exists())
            .unwrap_or("pgbouncer");
        let child = as_owner(Command::new(program), self.owner)
            .arg(dir.join("pgbouncer.ini"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("pgbouncer (Debian package pgbouncer) must be installed");
        self.pgbouncer = Some(child);
        crate::server::wait_until_listening(port, "pgbouncer").await;
        (
            format!("postgres://haat@127.0.0.1:{port}/primary"),
            format!("postgres://haat@127.0.0.1:{port}/replica"),
        )
    }
}

/// A PostgreSQL program beside the real `postgres` binary (a PATH directory may hold only
/// links to the server programs, e.g. /usr/local/bin).
fn pg_program(binaries: &PgBinaries, name: &str) -> PathBuf {
    let server = std::fs::canonicalize(binaries.program("postgres"))
        .unwrap_or_else(|_| binaries.program("postgres"));
    server
        .parent()
        .map(|dir| dir.join(name))
        .unwrap_or_else(|| binaries.program(name))
}

/// Runs `command` as the servers' user when the tests run as root.
fn as_owner(mut command: Command, owner: (u32, u32)) -> Command {
    let me = std::fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or(0);
    if me == 0 && owner.0 != 0 {
        command.uid(owner.0).gid(owner.1);
    }
    command
}

/// The port in a haat-pgembed URL (`postgres://haat@localhost:5499/…`), 5432 if none.
fn port_of(url: &str) -> String {
    url.split("@localhost")
        .nth(1)
        .and_then(|rest| rest.strip_prefix(':'))
        .and_then(|rest| rest.split('/').next())
        .unwrap_or("5432")
        .to_owned()
}

impl Drop for Replicated {
    fn drop(&mut self) {
        let standbys = self
            .standbys
            .iter_mut()
            .filter_map(|standby| standby.child.take());
        for child in self.pgbouncer.take().into_iter().chain(standbys) {
            let mut child = child;
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Some(primary) = self.primary.take() {
            let _ = primary.stop();
        }
    }
}

/// Takes a base backup of the primary (`pg_basebackup -R`) and starts it as standby
/// number `index`, waiting until it answers in recovery.
async fn start_standby(
    dir: &Path,
    index: usize,
    primary: &Cluster,
    primary_url: &str,
    owner: (u32, u32),
) -> Standby {
    let data = dir.join(format!("standby{index}"));
    let socket = dir.join(format!("standby{index}-run"));
    for path in [&data, &socket] {
        std::fs::create_dir(path).expect("standby dirs");
        std::os::unix::fs::chown(path, Some(owner.0), Some(owner.1)).expect("chown");
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    }
    let binaries = PgBinaries::find().expect("PostgreSQL server binaries");
    let backup = as_owner(Command::new(pg_program(&binaries, "pg_basebackup")), owner)
        .arg("-D")
        .arg(&data)
        .arg("-h")
        .arg(primary.socket_dir())
        .args([
            "-p",
            &port_of(primary_url),
            "-U",
            "haat",
            "-R",
            "-X",
            "stream",
        ])
        .args(["--checkpoint=fast", "--no-sync"])
        .stdout(Stdio::null())
        .output()
        .expect("pg_basebackup runs");
    assert!(
        backup.status.success(),
        "pg_basebackup failed: {}",
        String::from_utf8_lossy(&backup.stderr)
    );
    let log = dir.join(format!("standby{index}.log"));
    let child = as_owner(Command::new(binaries.program("postgres")), owner)
        .arg("-D")
        .arg(&data)
        .args(["-c", &format!("port={STANDBY_PORT}")])
        .args(["-c", "listen_addresses="])
        .arg("-c")
        .arg(format!("unix_socket_directories={}", socket.display()))
        .args(["-c", "hot_standby=on"])
        .args(["-c", "max_standby_streaming_delay=30s"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("standby log"))
        .process_group(0)
        .spawn()
        .expect("starting the standby");
    let url = format!(
        "postgres://haat@localhost:{STANDBY_PORT}/{DATABASE}?host={}",
        socket.display()
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(mut connection) = PgConnection::connect(&url).await {
            let recovering: Result<(bool,), _> = sqlx::query_as("SELECT pg_is_in_recovery()")
                .fetch_one(&mut connection)
                .await;
            connection.close().await.ok();
            if matches!(recovering, Ok((true,))) {
                break;
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the standby did not start; its log:\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Standby {
        child: Some(child),
        socket,
        url,
    }
}

/// Waits (at most 30 s) until the standby at `url` has replayed up to `target`.
async fn wait_replayed(url: &str, target: &str) {
    let mut replica = PgConnection::connect(url)
        .await
        .expect("connecting to the standby");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (done,): (bool,) =
            sqlx::query_as("SELECT pg_last_wal_replay_lsn() >= $1::text::pg_lsn")
                .bind(target)
                .fetch_one(&mut replica)
                .await
                .expect("standby position");
        if done {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the standby did not catch up with {target}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    replica.close().await.ok();
}
