//! Locating the installed PostgreSQL server programs (`initdb`, `pg_ctl`, `postgres`).
//!
//! They must come from one directory: `initdb` runs the `postgres` next to it, and mixing
//! major versions would corrupt nothing but fail confusingly. Debian puts only client
//! programs on PATH (`/usr/bin` has `psql` but no `initdb`), the servers live in
//! `/usr/lib/postgresql/<major>/bin`, so that is the fallback.

use std::ffi::OsStr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::Error;

/// Where Debian and Ubuntu install each major version's server programs, as `<root>/<major>/bin`.
pub const DEBIAN_INSTALL_ROOT: &str = "/usr/lib/postgresql";

const REQUIRED_PROGRAMS: [&str; 3] = ["initdb", "pg_ctl", "postgres"];

/// A directory holding `initdb`, `pg_ctl` and `postgres` of one PostgreSQL major version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgBinaries {
    pub bin_dir: PathBuf,
    /// The major version, e.g. 15.
    pub version: u32,
}

impl PgBinaries {
    /// Finds initdb, pg_ctl and postgres together: first a directory on PATH that holds all
    /// three, else the highest `/usr/lib/postgresql/*/bin`.
    pub fn find() -> Result<PgBinaries, Error> {
        let path_var = std::env::var_os("PATH").unwrap_or_default();
        PgBinaries::find_in(&path_var, &[PathBuf::from(DEBIAN_INSTALL_ROOT)])
    }

    /// Like [`PgBinaries::find`], searching the given PATH value and install roots (each
    /// laid out as `<root>/<major>/bin`) instead of the real ones.
    pub fn find_in(path_var: &OsStr, install_roots: &[PathBuf]) -> Result<PgBinaries, Error> {
        let bin_dir = std::env::split_paths(path_var)
            .filter(|dir| dir.is_absolute())
            .find(|dir| holds_all_programs(dir))
            .or_else(|| highest_installed(install_roots))
            .ok_or(Error::BinariesNotFound)?;
        let version = major_version_of(&bin_dir)?;
        Ok(PgBinaries { bin_dir, version })
    }

    /// The full path of one of the programs in [`PgBinaries::bin_dir`].
    pub fn program(&self, name: &str) -> PathBuf {
        self.bin_dir.join(name)
    }
}

fn holds_all_programs(dir: &Path) -> bool {
    REQUIRED_PROGRAMS
        .iter()
        .all(|name| is_executable(&dir.join(name)))
}

fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The `<root>/<major>/bin` with the highest numeric major that holds all programs.
fn highest_installed(install_roots: &[PathBuf]) -> Option<PathBuf> {
    install_roots
        .iter()
        .filter_map(|root| std::fs::read_dir(root).ok())
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let major = version_key(&entry.file_name().to_string_lossy())?;
            let bin_dir = entry.path().join("bin");
            holds_all_programs(&bin_dir).then_some((major, bin_dir))
        })
        .max_by_key(|(major, _)| *major)
        .map(|(_, bin_dir)| bin_dir)
}

/// Orders directory names like "9.6", "15" and "17" by version; rejects anything else.
fn version_key(name: &str) -> Option<(u32, u32)> {
    let mut parts = name.splitn(2, '.');
    let major = parts.next()?.parse().ok()?;
    let minor = match parts.next() {
        Some(minor) => minor.parse().ok()?,
        None => 0,
    };
    Some((major, minor))
}

/// Asks `pg_ctl --version` ("pg_ctl (PostgreSQL) 15.8 (Debian 15.8-0+deb12u1)") for the
/// major version. Versions before 10 report "9.6.x"; their major is reported as 9.
fn major_version_of(bin_dir: &Path) -> Result<u32, Error> {
    let pg_ctl = bin_dir.join("pg_ctl");
    let output = Command::new(&pg_ctl)
        .arg("--version")
        .output()
        .map_err(Error::io("run", &pg_ctl))?;
    let text = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    parse_major_version(&text).ok_or(Error::Unparsable {
        what: "the output of `pg_ctl --version`",
        text,
    })
}

fn parse_major_version(version_output: &str) -> Option<u32> {
    let after_name = version_output.split_once("(PostgreSQL)")?.1.trim_start();
    let digits: String = after_name
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_major_versions() {
        let check = |text: &str, expected: Option<u32>| {
            assert_eq!(parse_major_version(text), expected, "{text}")
        };
        check("pg_ctl (PostgreSQL) 15.8 (Debian 15.8-0+deb12u1)", Some(15));
        check("pg_ctl (PostgreSQL) 17beta1", Some(17));
        check("pg_ctl (PostgreSQL) 9.6.24", Some(9));
        check("something else", None);
    }

    #[test]
    fn orders_install_directories_by_version() {
        assert!(version_key("17") > version_key("9.6"));
        assert!(version_key("15") > version_key("9.6"));
        assert_eq!(version_key("main"), None);
    }
}
