//! Starts real clusters from the installed PostgreSQL binaries and talks to them with
//! `psql`: first start, restart with data kept, attaching, recovery from `kill -9`, the
//! socket-directory fallback, concurrent starts and the binaries search.

use std::ffi::OsStr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use haat_pgembed::{Cluster, ClusterOptions, Error, PgBinaries};
use tempfile::TempDir;

/// Stops its cluster when dropped, so a failing test leaves no server behind.
#[derive(Debug)]
struct Running(Cluster);

impl Drop for Running {
    fn drop(&mut self) {
        if let Err(error) = self.0.stop() {
            eprintln!("could not stop test cluster: {error}");
        }
    }
}

impl std::ops::Deref for Running {
    type Target = Cluster;
    fn deref(&self) -> &Cluster {
        &self.0
    }
}

/// A directory in /tmp that the unprivileged server user can pass through (tests run as
/// root here, and tempdirs are created 0700).
fn test_dir() -> TempDir {
    let dir = tempfile::Builder::new()
        .prefix("haat-pgembed-")
        .tempdir_in("/tmp")
        .unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

fn options(dir: &Path) -> ClusterOptions {
    ClusterOptions {
        dir: dir.to_owned(),
        superuser: "haat".to_owned(),
        extra_settings: vec![("fsync".to_owned(), "off".to_owned())],
    }
}

fn start(dir: &Path) -> Running {
    let binaries = PgBinaries::find().unwrap();
    Running(Cluster::start(&binaries, options(dir)).unwrap())
}

/// Runs one SQL command through `psql` and returns its unaligned, tuples-only output.
fn psql(cluster: &Cluster, sql: &str) -> String {
    let output = Command::new("/usr/bin/psql")
        .args(["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1"])
        .arg(cluster.connection_url("postgres"))
        .args(["-c", sql])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "psql {sql:?} failed: {stderr}");
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

fn postmaster_pid(cluster: &Cluster) -> u32 {
    let text = std::fs::read_to_string(cluster.data_dir().join("postmaster.pid")).unwrap();
    text.lines().next().unwrap().trim().parse().unwrap()
}

fn is_gone_or_zombie(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/status")) {
        Ok(status) => status
            .lines()
            .any(|line| line.starts_with("State:") && line.contains('Z')),
        Err(_) => true,
    }
}

fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").unwrap().uid() == 0
}

#[test]
fn starts_a_new_cluster_reachable_only_through_its_socket() {
    let dir = test_dir();
    let cluster = start(dir.path());
    assert!(cluster.started_by_us());
    let real_dir = dir.path().canonicalize().unwrap();
    assert_eq!(cluster.socket_dir(), real_dir.join("run"));
    assert_eq!(
        cluster.connection_url("postgres"),
        format!(
            "postgres://haat@localhost/postgres?host={}",
            real_dir.join("run").display()
        )
    );
    assert_eq!(psql(&cluster, "select 1"), "1");
    assert_eq!(psql(&cluster, "show listen_addresses"), "");
    assert_eq!(psql(&cluster, "show unix_socket_permissions"), "0700");
    assert_eq!(psql(&cluster, "select current_user"), "haat");
    assert_eq!(psql(&cluster, "show server_encoding"), "UTF8");
    assert_eq!(psql(&cluster, "show fsync"), "off", "extra settings apply");
    let socket_mode = std::fs::metadata(cluster.socket_dir())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(socket_mode & 0o777, 0o700);
}

#[test]
fn durability_settings_stay_on_by_default() {
    let dir = test_dir();
    let binaries = PgBinaries::find().unwrap();
    let options = ClusterOptions {
        extra_settings: Vec::new(),
        ..options(dir.path())
    };
    let cluster = Running(Cluster::start(&binaries, options).unwrap());
    assert_eq!(psql(&cluster, "show fsync"), "on");
    assert_eq!(psql(&cluster, "show synchronous_commit"), "on");
}

#[test]
fn restart_keeps_data() {
    let dir = test_dir();
    let cluster = start(dir.path());
    psql(
        &cluster,
        "create table kept (n int); insert into kept values (42)",
    );
    cluster.stop().unwrap();
    cluster.stop().unwrap();
    drop(cluster);

    let restarted = start(dir.path());
    assert!(restarted.started_by_us());
    assert_eq!(psql(&restarted, "select n from kept"), "42");
}

#[test]
fn second_start_attaches_to_the_running_server() {
    let dir = test_dir();
    let first = start(dir.path());
    let second = start(dir.path());
    assert!(first.started_by_us());
    assert!(!second.started_by_us());
    assert_eq!(second.connection_url("app"), first.connection_url("app"));
    assert_eq!(psql(&second, "select 2"), "2");
}

#[test]
fn starts_again_after_the_postmaster_is_killed() {
    let dir = test_dir();
    let cluster = start(dir.path());
    psql(
        &cluster,
        "create table survived (n int); insert into survived values (7)",
    );
    let pid = postmaster_pid(&cluster);
    let killed = Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    while !is_gone_or_zombie(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }

    let restarted = start(dir.path());
    assert!(restarted.started_by_us());
    assert_ne!(postmaster_pid(&restarted), pid);
    assert_eq!(psql(&restarted, "select n from survived"), "7");
}

#[test]
fn long_paths_put_the_socket_in_a_private_tmp_dir() {
    let dir = test_dir();
    let long_dir: PathBuf = dir.path().join("a".repeat(60)).join("b".repeat(40));
    let cluster = start(&long_dir);
    let socket_dir = cluster.socket_dir().to_owned();
    assert!(socket_dir.starts_with("/tmp"), "{}", socket_dir.display());
    assert!(socket_dir.to_str().unwrap().starts_with("/tmp/haat-pg-"));
    let socket_mode = std::fs::metadata(&socket_dir).unwrap().permissions().mode();
    assert_eq!(socket_mode & 0o777, 0o700);
    assert_eq!(psql(&cluster, "select 3"), "3");
    drop(cluster);
    std::fs::remove_dir(socket_dir).unwrap();
}

#[test]
fn concurrent_starts_share_one_server() {
    let dir = test_dir();
    let path = dir.path().to_owned();
    let starters: Vec<_> = (0..2)
        .map(|_| {
            let path = path.clone();
            std::thread::spawn(move || start(&path))
        })
        .collect();
    let clusters: Vec<Running> = starters
        .into_iter()
        .map(|handle| handle.join().unwrap())
        .collect();
    let started_count = clusters
        .iter()
        .filter(|cluster| cluster.started_by_us())
        .count();
    assert_eq!(started_count, 1);
    assert_eq!(psql(&clusters[1], "select 4"), "4");
}

#[test]
fn parents_the_server_user_cannot_enter_are_reported() {
    let dir = tempfile::Builder::new()
        .prefix("haat-pgembed-")
        .tempdir_in("/tmp")
        .unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let binaries = PgBinaries::find().unwrap();
    let result = Cluster::start(&binaries, options(&dir.path().join("cluster"))).map(Running);
    if running_as_root() {
        let error = result.unwrap_err();
        assert!(matches!(error, Error::DirNotAccessible { .. }), "{error}");
        let message = error.to_string();
        assert!(
            message.contains(&dir.path().display().to_string()),
            "{message}"
        );
        assert!(message.contains("HAAT_DATA_DIR"), "{message}");
    } else {
        // Not root: the server runs as us, and we can enter our own directory.
        assert!(result.unwrap().started_by_us());
    }
}

#[test]
fn missing_binaries_say_what_to_install() {
    let empty_root = tempfile::tempdir().unwrap();
    let error = PgBinaries::find_in(OsStr::new(""), &[empty_root.path().to_owned()]).unwrap_err();
    assert!(matches!(error, Error::BinariesNotFound));
    assert!(
        error.to_string().contains("apt-get install postgresql"),
        "{error}"
    );
    assert!(error.to_string().contains("HAAT_DATABASE_URL"), "{error}");
}

#[test]
fn binaries_come_from_path_or_the_highest_install_root() {
    let installed =
        PgBinaries::find_in(OsStr::new(""), &[PathBuf::from("/usr/lib/postgresql")]).unwrap();
    assert_eq!(installed.bin_dir, Path::new("/usr/lib/postgresql/15/bin"));
    assert_eq!(installed.version, 15);

    // A PATH directory with only some of the programs (like Debian's /usr/bin) is skipped.
    let partial = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(
        "/usr/lib/postgresql/15/bin/pg_ctl",
        partial.path().join("pg_ctl"),
    )
    .unwrap();
    let path_var =
        std::env::join_paths([partial.path(), Path::new("/usr/lib/postgresql/15/bin")]).unwrap();
    let on_path = PgBinaries::find_in(&path_var, &[]).unwrap();
    assert_eq!(on_path.bin_dir, Path::new("/usr/lib/postgresql/15/bin"));
    assert_eq!(on_path.version, 15);
}
