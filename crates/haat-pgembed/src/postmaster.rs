//! What a data directory says about its server: `postmaster.pid`, and which live
//! processes are working in it.
//!
//! `pg_ctl status` only checks that the pid in `postmaster.pid` exists. After a `kill -9`
//! in a container that pid can be an unreaped zombie or belong to an unrelated process, and
//! the postmaster's orphaned children may still be running. Every PostgreSQL process works
//! in its data directory, so `/proc/<pid>/cwd` tells ours apart from the rest.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::Error;

/// The fields of `postmaster.pid` we use (its line layout is fixed since PostgreSQL 10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PidFile {
    pub(crate) pid: u32,
    pub(crate) port: u16,
    /// The first of `unix_socket_directories`, if any.
    pub(crate) socket_dir: Option<PathBuf>,
}

impl PidFile {
    pub(crate) fn read(path: &Path) -> Result<PidFile, Error> {
        let text = fs::read_to_string(path).map_err(Error::io("read", path))?;
        PidFile::parse(&text).ok_or(Error::Unparsable {
            what: "postmaster.pid",
            text,
        })
    }

    fn parse(text: &str) -> Option<PidFile> {
        let lines: Vec<&str> = text.lines().collect();
        let pid = lines.first()?.trim().parse().ok()?;
        let port = lines.get(3)?.trim().parse().ok()?;
        let socket_dir = lines
            .get(4)
            .map(|line| line.trim())
            .filter(|line| !line.is_empty())
            .map(PathBuf::from);
        Some(PidFile {
            pid,
            port,
            socket_dir,
        })
    }
}

/// Whether `pid` is a live (not zombie) process working in `data_dir`. Without /proc, or
/// without permission to look, it trusts `pg_ctl status`, which already said yes.
pub(crate) fn is_live_postmaster(pid: u32, data_dir: &Path) -> bool {
    if !Path::new("/proc/self").exists() {
        return true;
    }
    let process_dir = PathBuf::from(format!("/proc/{pid}"));
    match fs::read_to_string(process_dir.join("status")) {
        Ok(status) if is_zombie(&status) => return false,
        Ok(_) => {}
        Err(_) => return false,
    }
    match fs::read_link(process_dir.join("cwd")) {
        Ok(working_dir) => working_dir == data_dir,
        Err(error) => error.kind() == std::io::ErrorKind::PermissionDenied,
    }
}

/// Waits until no live process works in `data_dir`, so a new postmaster never starts
/// beside orphaned backends of a killed one. They exit soon after noticing their
/// postmaster died.
pub(crate) fn wait_for_orphans(data_dir: &Path, timeout: Duration) -> Result<(), Error> {
    let deadline = Instant::now() + timeout;
    loop {
        let remaining = processes_working_in(data_dir);
        if remaining.is_empty() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(Error::Command {
                what: "wait for old server processes to exit".to_owned(),
                status: "timed out".to_owned(),
                output: format!(
                    "processes {remaining:?} still use {}; stop them and try again",
                    data_dir.display()
                ),
            });
        }
        tracing::info!(
            pg.data_dir = %data_dir.display(),
            pg.pids = ?remaining,
            "waiting for old server processes to exit"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Removes the socket's lock file if it still names `stale_pid`; like `postmaster.pid`,
/// PostgreSQL will not start past a lock naming a pid that looks alive.
pub(crate) fn remove_stale_socket_lock(
    socket_dir: &Path,
    port: u16,
    stale_pid: u32,
) -> Result<(), Error> {
    let lock_path = socket_dir.join(format!(".s.PGSQL.{port}.lock"));
    let Ok(text) = fs::read_to_string(&lock_path) else {
        return Ok(());
    };
    // The postmaster writes its pid; other processes write theirs negated.
    let names_stale_pid = text
        .lines()
        .next()
        .and_then(|line| line.trim().parse::<i64>().ok())
        .is_some_and(|pid| pid.unsigned_abs() == u64::from(stale_pid));
    if !names_stale_pid {
        return Ok(());
    }
    fs::remove_file(&lock_path).map_err(Error::io("remove stale", &lock_path))
}

fn processes_working_in(data_dir: &Path) -> Vec<u32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let working_dir = fs::read_link(entry.path().join("cwd")).ok()?;
            let status = fs::read_to_string(entry.path().join("status")).ok()?;
            (working_dir == data_dir && !is_zombie(&status)).then_some(pid)
        })
        .collect()
}

fn is_zombie(proc_status: &str) -> bool {
    proc_status
        .lines()
        .find_map(|line| line.strip_prefix("State:"))
        .is_some_and(|state| matches!(state.trim_start().chars().next(), Some('Z' | 'X')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pid_files() {
        let text = "4242\n/var/lib/haat/postgres/data\n1700000000\n5432\n\
                    /var/lib/haat/postgres/run\n\n  5432001    131072\nready   \n";
        let expected = PidFile {
            pid: 4242,
            port: 5432,
            socket_dir: Some(PathBuf::from("/var/lib/haat/postgres/run")),
        };
        assert_eq!(PidFile::parse(text), Some(expected));
        assert_eq!(PidFile::parse("4242\n/data\n"), None);
    }

    #[test]
    fn recognises_zombies() {
        assert!(is_zombie("Name:\tpostgres\nState:\tZ (zombie)\n"));
        assert!(!is_zombie("Name:\tpostgres\nState:\tS (sleeping)\n"));
    }

    #[test]
    fn this_process_is_not_a_postmaster_of_some_other_dir() {
        let pid = std::process::id();
        assert!(!is_live_postmaster(pid, Path::new("/nonexistent/data")));
        let working_dir = std::env::current_dir().unwrap();
        assert!(is_live_postmaster(
            pid,
            &working_dir.canonicalize().unwrap()
        ));
    }
}
