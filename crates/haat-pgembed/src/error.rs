//! The crate's error type: every way finding, initialising, starting or stopping a cluster
//! can fail, with messages that tell an operator what to do next.

use std::path::PathBuf;

/// Why a cluster could not be found, initialised, started or stopped.
#[derive(thiserror::Error, Debug)]
pub enum Error {
    #[error(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found on PATH or under \
         /usr/lib/postgresql/*/bin; install them, e.g. `apt-get install postgresql` on \
         Debian/Ubuntu, or set HAAT_DATABASE_URL to use an existing server"
    )]
    BinariesNotFound,

    #[error("could not {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A PostgreSQL program exited unsuccessfully; `output` holds what it printed and, for
    /// a failed start, the last lines of the server log.
    #[error("`{what}` failed ({status}):\n{output}")]
    Command {
        what: String,
        status: String,
        output: String,
    },

    #[error(
        "running as root, but neither a `postgres` nor a `nobody` user exists to run \
         PostgreSQL as (it refuses to run as root); create a `postgres` user or run as a \
         non-root user"
    )]
    NoUnprivilegedUser,

    #[error(
        "directory {} is not traversable by user `{user}`, which PostgreSQL runs as; \
         keep the cluster elsewhere (e.g. set HAAT_DATA_DIR to a directory outside /root) \
         or run `chmod o+x {}`",
        dir.display(),
        dir.display()
    )]
    DirNotAccessible { dir: PathBuf, user: String },

    #[error(
        "socket directory {} is not safe to use: {reason}; remove it and try again",
        path.display()
    )]
    UnsafeSocketDir { path: PathBuf, reason: String },

    #[error("invalid postgresql.conf setting `{name}`: {reason}")]
    InvalidSetting { name: String, reason: String },

    #[error("invalid superuser name `{0}`: use letters, digits and underscores only")]
    InvalidSuperuser(String),

    #[error("could not parse {what}: {text:?}")]
    Unparsable { what: &'static str, text: String },
}

impl Error {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io {
            action,
            path,
            source,
        }
    }
}
