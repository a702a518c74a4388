//! A PostgreSQL cluster that Haat creates and runs itself, from the installed server
//! binaries, when no `HAAT_DATABASE_URL` points at an existing server. The test harness
//! uses it to run one throwaway cluster per test run.
//!
//! ```no_run
//! # fn main() -> Result<(), haat_pgembed::Error> {
//! use haat_pgembed::{Cluster, ClusterOptions, PgBinaries};
//!
//! let binaries = PgBinaries::find()?;
//! let options = ClusterOptions {
//!     dir: "/var/lib/haat/postgres".into(),
//!     superuser: "haat".to_owned(),
//!     extra_settings: Vec::new(),
//! };
//! let cluster = Cluster::start(&binaries, options)?;
//! let url = cluster.connection_url("postgres");
//! // … serve, drain …
//! cluster.stop()?;
//! # Ok(())
//! # }
//! ```
//!
//! The API is synchronous (`std::process`): call it at startup or from `spawn_blocking`.
//!
//! What [`Cluster::start`] guarantees:
//! - **No network exposure.** `listen_addresses = ''`: the server only listens on a Unix
//!   socket in a 0700 directory, where connections are trusted (`initdb --auth-local=trust
//!   --auth-host=reject`). Only the server's own user (and root) can connect.
//! - **Never as root.** PostgreSQL refuses root; when Haat is root the programs run as
//!   `postgres` if that user exists, else `nobody`, and the cluster directory is given to
//!   that user. Every parent directory must let that user through, or
//!   [`Error::DirNotAccessible`] names the one that does not.
//! - **Durable by default.** Nothing turns `fsync` off unless `extra_settings` say so.
//! - **Safe to race and to crash.** A lock file serialises concurrent `start`/`stop` calls
//!   on one directory; a cluster left by a `kill -9` is restarted once its orphaned
//!   processes are gone.
//! - **Ctrl-C reaches Haat, not the server.** Server programs run in their own process
//!   group, so Haat can drain connections and then [`Cluster::stop`] cleanly.

mod binaries;
mod cluster;
mod command;
mod error;
mod init;
mod postmaster;
mod run_user;
mod settings;

pub use binaries::{PgBinaries, DEBIAN_INSTALL_ROOT};
pub use cluster::{Cluster, ClusterOptions};
pub use error::Error;
