//! Creating, starting, attaching to and stopping one PostgreSQL cluster in a directory.
//!
//! Layout under [`ClusterOptions::dir`]: `data/` (PGDATA), `run/` (the Unix socket, unless
//! its path is too long for a socket address, see [`Cluster::socket_dir`]), `postgres.log`
//! and `.haat-pgembed.lock`, which serialises processes starting or stopping the cluster.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::command::{command_failed, PgRunner};
use crate::init::{initdb, lock_cluster_dir, validate_superuser};
use crate::postmaster::{self, PidFile};
use crate::run_user::RunUser;
use crate::{settings, Error, PgBinaries};

/// How long `pg_ctl` waits for the server to start or stop, in seconds.
const PG_CTL_TIMEOUT_SECONDS: &str = "60";
/// How long orphans of a killed postmaster get to exit before a restart gives up.
const ORPHAN_EXIT_TIMEOUT: Duration = Duration::from_secs(30);
/// `pg_ctl status` exit code meaning no server is running.
const PG_CTL_STATUS_NOT_RUNNING: i32 = 3;

/// Where a cluster lives and how it is set up.
#[derive(Debug, Clone)]
pub struct ClusterOptions {
    /// The cluster lives here: `dir/data` (PGDATA), `dir/run` (socket), `dir/postgres.log`.
    pub dir: PathBuf,
    /// The superuser role `initdb` creates, e.g. "haat"; the only role that exists.
    pub superuser: String,
    /// Extra postgresql.conf settings, applied after Haat's own, so they win.
    pub extra_settings: Vec<(String, String)>,
}

/// A running PostgreSQL cluster, reachable only through its Unix socket.
///
/// Dropping it leaves the server running: call [`Cluster::stop`] once connections are
/// drained. Local socket connections are trusted, so the socket directory is private (0700)
/// to the user the server runs as.
#[derive(Debug)]
pub struct Cluster {
    binaries: PgBinaries,
    run_user: RunUser,
    dir: PathBuf,
    data_dir: PathBuf,
    socket_dir: PathBuf,
    port: u16,
    superuser: String,
    started_by_us: bool,
}

impl Cluster {
    /// Initialises the cluster if `dir/data` holds none, then starts it, or attaches to it if
    /// its server is already running. See the crate documentation for the details.
    pub fn start(binaries: &PgBinaries, options: ClusterOptions) -> Result<Cluster, Error> {
        validate_superuser(&options.superuser)?;
        let run_user = RunUser::choose()?;
        let dir = std::path::absolute(&options.dir).map_err(Error::io("resolve", &options.dir))?;
        let newly_created = !dir.exists();
        fs::create_dir_all(&dir).map_err(Error::io("create", &dir))?;
        // Programs get the real path: symlinks would hide directories that need checking.
        let dir = fs::canonicalize(&dir).map_err(Error::io("resolve", &dir))?;
        run_user.check_ancestors_traversable(&dir)?;
        let _lock = lock_cluster_dir(&dir)?;

        let data_dir = dir.join("data");
        if newly_created || !run_user.owns(&dir) || (data_dir.exists() && !run_user.owns(&data_dir))
        {
            run_user.own_tree(&dir)?;
        }
        run_user.own(&dir, 0o700)?;

        let runner = PgRunner {
            binaries,
            run_user: &run_user,
            working_dir: &dir,
        };
        if !data_dir.join("PG_VERSION").exists() {
            initdb(&runner, &dir, &data_dir, &options.superuser)?;
        }

        let mut cluster = Cluster {
            binaries: binaries.clone(),
            run_user: run_user.clone(),
            dir,
            data_dir,
            socket_dir: PathBuf::new(),
            port: settings::DEFAULT_PORT,
            superuser: options.superuser,
            started_by_us: false,
        };
        let running = match cluster.running_server()? {
            Some(running) => {
                tracing::info!(
                    pg.data_dir = %cluster.data_dir.display(),
                    pg.pid = running.pid,
                    "attached to running postgres"
                );
                running
            }
            None => {
                cluster.start_server(&options.extra_settings)?;
                cluster.started_by_us = true;
                PidFile::read(&cluster.data_dir.join("postmaster.pid"))?
            }
        };
        cluster.port = running.port;
        cluster.socket_dir = running.socket_dir.ok_or_else(|| Error::InvalidSetting {
            name: "unix_socket_directories".to_owned(),
            reason: "the running server has no Unix socket".to_owned(),
        })?;
        Ok(cluster)
    }

    /// A URL for `database` that sqlx and libpq both read as "this Unix socket directory",
    /// e.g. `postgres://haat@localhost/haat?host=/var/lib/haat/postgres/run`.
    pub fn connection_url(&self, database: &str) -> String {
        let port = if self.port == settings::DEFAULT_PORT {
            String::new()
        } else {
            format!(":{}", self.port)
        };
        let socket_dir = self.socket_dir.to_string_lossy();
        format!(
            "postgres://{}@localhost{port}/{}?host={}",
            percent_encode(&self.superuser, ""),
            percent_encode(database, ""),
            percent_encode(&socket_dir, "/"),
        )
    }

    /// The directory holding the server's Unix socket (`.s.PGSQL.<port>`).
    pub fn socket_dir(&self) -> &Path {
        &self.socket_dir
    }

    /// The data directory (PGDATA).
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Whether this call to [`Cluster::start`] started the server (false if it attached
    /// to one already running).
    pub fn started_by_us(&self) -> bool {
        self.started_by_us
    }

    /// Stops the server with `pg_ctl stop -m fast -w`: open transactions roll back, data
    /// written so far is kept. Succeeds if the server is already stopped.
    pub fn stop(&self) -> Result<(), Error> {
        let _lock = lock_cluster_dir(&self.dir)?;
        if !self.is_running()? {
            return Ok(());
        }
        let fixed_args = [
            "stop",
            "-m",
            "fast",
            "-w",
            "-t",
            PG_CTL_TIMEOUT_SECONDS,
            "-D",
        ];
        let args = fixed_args
            .map(OsStr::new)
            .into_iter()
            .chain([self.data_dir.as_os_str()]);
        let output = self.runner().output("pg_ctl", args)?;
        if !output.status.success() && self.is_running()? {
            return Err(command_failed(
                "pg_ctl stop",
                &output,
                Some(&self.log_path()),
            ));
        }
        tracing::info!(pg.data_dir = %self.data_dir.display(), "stopped postgres");
        Ok(())
    }

    fn runner(&self) -> PgRunner<'_> {
        PgRunner {
            binaries: &self.binaries,
            run_user: &self.run_user,
            working_dir: &self.dir,
        }
    }

    fn log_path(&self) -> PathBuf {
        self.dir.join("postgres.log")
    }

    fn is_running(&self) -> Result<bool, Error> {
        if !self.data_dir.join("postmaster.pid").exists() {
            return Ok(false);
        }
        let args = [
            OsStr::new("status"),
            OsStr::new("-D"),
            self.data_dir.as_os_str(),
        ];
        let output = self.runner().output("pg_ctl", args)?;
        match output.status.code() {
            Some(0) => Ok(true),
            Some(PG_CTL_STATUS_NOT_RUNNING) => Ok(false),
            _ => Err(command_failed("pg_ctl status", &output, None)),
        }
    }

    /// The pid file of a server already running in our data directory, if there is one. A
    /// pid file naming a zombie or an unrelated process is removed once no orphaned server
    /// process is left, because PostgreSQL would refuse to start past it.
    fn running_server(&self) -> Result<Option<PidFile>, Error> {
        let pid_path = self.data_dir.join("postmaster.pid");
        if self.is_running()? {
            let pid_file = PidFile::read(&pid_path)?;
            if postmaster::is_live_postmaster(pid_file.pid, &self.data_dir) {
                return Ok(Some(pid_file));
            }
            tracing::warn!(
                pg.data_dir = %self.data_dir.display(),
                pg.pid = pid_file.pid,
                "postmaster.pid names a process that is not our server"
            );
            postmaster::wait_for_orphans(&self.data_dir, ORPHAN_EXIT_TIMEOUT)?;
            fs::remove_file(&pid_path).map_err(Error::io("remove stale", &pid_path))?;
            if let Some(old_socket_dir) = &pid_file.socket_dir {
                postmaster::remove_stale_socket_lock(old_socket_dir, pid_file.port, pid_file.pid)?;
            }
            return Ok(None);
        }
        postmaster::wait_for_orphans(&self.data_dir, ORPHAN_EXIT_TIMEOUT)?;
        Ok(None)
    }

    fn start_server(&mut self, extra_settings: &[(String, String)]) -> Result<(), Error> {
        let port = settings::port(extra_settings)?;
        let socket_dir = settings::choose_socket_dir(&self.dir, &self.data_dir, port);
        settings::prepare_socket_dir(&socket_dir, &self.run_user)?;
        settings::write_conf(
            &self.data_dir,
            &socket_dir,
            port,
            extra_settings,
            &self.run_user,
        )?;

        tracing::info!(
            pg.data_dir = %self.data_dir.display(),
            pg.socket_dir = %socket_dir.display(),
            pg.run_user = %self.run_user.name,
            "starting postgres"
        );
        let log_path = self.log_path();
        let fixed_args = ["start", "-w", "-t", PG_CTL_TIMEOUT_SECONDS].map(OsStr::new);
        let paths = [
            OsStr::new("-D"),
            self.data_dir.as_os_str(),
            OsStr::new("-l"),
            log_path.as_os_str(),
        ];
        let output = self
            .runner()
            .output("pg_ctl", fixed_args.into_iter().chain(paths))?;
        if !output.status.success() {
            return Err(command_failed("pg_ctl start", &output, Some(&log_path)));
        }
        tracing::info!(pg.data_dir = %self.data_dir.display(), "started postgres");
        Ok(())
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters and `keep`, so the text
/// survives both URL parsers (sqlx's form decoding would turn a bare `+` into a space).
fn percent_encode(text: &str, keep: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        let unreserved = byte.is_ascii_alphanumeric() || b"-._~".contains(&byte);
        if unreserved || keep.as_bytes().contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encodes_url_parts() {
        assert_eq!(percent_encode("haat_test", ""), "haat_test");
        assert_eq!(percent_encode("a b+c/é", ""), "a%20b%2Bc%2F%C3%A9");
        assert_eq!(percent_encode("/tmp/my dir", "/"), "/tmp/my%20dir");
    }
}
