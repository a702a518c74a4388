//! The server settings Haat imposes on its own clusters, and where the Unix socket lives.
//!
//! Settings go into `haat.conf` in the data directory, rewritten at every start and
//! included from the end of `postgresql.conf`, so a changed socket directory or changed
//! extra settings take effect on the next start. `ALTER SYSTEM` still wins over them, which
//! leaves operators an escape hatch.

use std::fs;
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::run_user::RunUser;
use crate::Error;

/// The port in the socket file name. No TCP listener is opened, so it never conflicts.
pub(crate) const DEFAULT_PORT: u16 = 5432;

/// `sizeof(sockaddr_un.sun_path)` on Linux is 108, which must include a terminating NUL.
const SOCKET_PATH_MAX_BYTES: usize = 107;

const CONF_FILE_NAME: &str = "haat.conf";
const INCLUDE_LINE: &str = "include_if_exists = 'haat.conf'";

/// The port from the extra settings, or the default.
pub(crate) fn port(extra_settings: &[(String, String)]) -> Result<u16, Error> {
    let Some((_, value)) = extra_settings.iter().rev().find(|(name, _)| name == "port") else {
        return Ok(DEFAULT_PORT);
    };
    value.trim().parse().map_err(|_| Error::InvalidSetting {
        name: "port".to_owned(),
        reason: format!("{value:?} is not a port number"),
    })
}

/// `cluster_dir/run` when the socket path fits in a `sockaddr_un`, else a private
/// directory in /tmp named after a hash of the data directory, so each cluster gets its own
/// and finds the same one again on every start.
pub(crate) fn choose_socket_dir(cluster_dir: &Path, data_dir: &Path, port: u16) -> PathBuf {
    let preferred = cluster_dir.join("run");
    let socket_path_len = preferred.as_os_str().len() + format!("/.s.PGSQL.{port}").len();
    if socket_path_len <= SOCKET_PATH_MAX_BYTES {
        return preferred;
    }
    let path_hash = fnv1a_64(data_dir.as_os_str().as_encoded_bytes()) & 0xffff_ffff_ffff;
    PathBuf::from(format!("/tmp/haat-pg-{path_hash:012x}"))
}

/// Creates the socket directory (mode 0700, owned by the run user). A directory in /tmp
/// that someone else created first is refused rather than trusted.
pub(crate) fn prepare_socket_dir(socket_dir: &Path, run_user: &RunUser) -> Result<(), Error> {
    match fs::create_dir(socket_dir) {
        Ok(()) => return run_user.own(socket_dir, 0o700),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(error) => return Err(Error::io("create", socket_dir)(error)),
    }
    let metadata = fs::symlink_metadata(socket_dir).map_err(Error::io("inspect", socket_dir))?;
    let unsafe_dir = |reason: &str| Error::UnsafeSocketDir {
        path: socket_dir.to_owned(),
        reason: reason.to_owned(),
    };
    if !metadata.is_dir() {
        return Err(unsafe_dir("it is not a directory"));
    }
    let owned_by_us =
        metadata.uid() == run_user.uid || (run_user.switch_needed && metadata.uid() == 0);
    if !owned_by_us {
        return Err(unsafe_dir(&format!(
            "it is owned by uid {}",
            metadata.uid()
        )));
    }
    run_user.own(socket_dir, 0o700)
}

/// Writes `haat.conf` and makes sure `postgresql.conf` includes it.
pub(crate) fn write_conf(
    data_dir: &Path,
    socket_dir: &Path,
    port: u16,
    extra_settings: &[(String, String)],
    run_user: &RunUser,
) -> Result<(), Error> {
    let socket_dir_text = socket_dir.to_str().ok_or_else(|| Error::InvalidSetting {
        name: "unix_socket_directories".to_owned(),
        reason: format!("{} is not valid UTF-8", socket_dir.display()),
    })?;
    let fixed_settings = [
        ("listen_addresses", String::new()),
        ("port", port.to_string()),
        ("unix_socket_directories", socket_dir_text.to_owned()),
        ("unix_socket_permissions", "0700".to_owned()),
    ];
    let mut text = String::from(
        "# Written by Haat at every start; edits here are lost.\n\
         # Use ALTER SYSTEM for local changes.\n",
    );
    let all_settings = fixed_settings
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .chain(
            extra_settings
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_str())),
        );
    for (name, value) in all_settings {
        text.push_str(&format!("{name} = {}\n", quote_setting(name, value)?));
    }

    let conf_path = data_dir.join(CONF_FILE_NAME);
    let temporary_path = data_dir.join(format!("{CONF_FILE_NAME}.tmp"));
    fs::write(&temporary_path, text).map_err(Error::io("write", &temporary_path))?;
    run_user.own(&temporary_path, 0o600)?;
    fs::rename(&temporary_path, &conf_path).map_err(Error::io("replace", &conf_path))?;
    ensure_included(&data_dir.join("postgresql.conf"))
}

/// Appends the include line to `postgresql.conf` unless it is already there. Appending
/// keeps the file's owner and mode.
fn ensure_included(main_conf: &Path) -> Result<(), Error> {
    let existing = fs::read_to_string(main_conf).map_err(Error::io("read", main_conf))?;
    if existing.lines().any(|line| line.trim() == INCLUDE_LINE) {
        return Ok(());
    }
    let mut file = fs::OpenOptions::new()
        .append(true)
        .open(main_conf)
        .map_err(Error::io("open", main_conf))?;
    let separator = if existing.ends_with('\n') || existing.is_empty() {
        ""
    } else {
        "\n"
    };
    let addition = format!("{separator}\n# Settings managed by Haat.\n{INCLUDE_LINE}\n");
    file.write_all(addition.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(Error::io("append to", main_conf))
}

/// Renders a value as a quoted postgresql.conf string, after checking the name cannot
/// smuggle in a second line or setting.
fn quote_setting(name: &str, value: &str) -> Result<String, Error> {
    let invalid = |reason: &str| Error::InvalidSetting {
        name: name.to_owned(),
        reason: reason.to_owned(),
    };
    let name_is_valid = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    if !name_is_valid {
        return Err(invalid("names are letters, digits, `_` and `.`"));
    }
    if value.contains(['\n', '\r', '\0']) {
        return Err(invalid("values cannot contain line breaks or NUL"));
    }
    Ok(format!(
        "'{}'",
        value.replace('\\', "\\\\").replace('\'', "''")
    ))
}

/// FNV-1a: tiny, and unlike std's hasher guaranteed stable across Rust releases, which
/// matters because the socket directory name must not change between Haat versions.
fn fnv1a_64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_values() {
        let check = |value: &str, expected: &str| {
            assert_eq!(quote_setting("fsync", value).unwrap(), expected)
        };
        check("off", "'off'");
        check("", "''");
        check("it's", "'it''s'");
        check(r"a\b", r"'a\\b'");
    }

    #[test]
    fn rejects_setting_injection() {
        assert!(quote_setting("fsync = off\nport", "1").is_err());
        assert!(quote_setting("fsync", "off\nlisten_addresses = '*'").is_err());
        assert!(quote_setting("", "1").is_err());
    }

    #[test]
    fn short_paths_keep_the_socket_beside_the_cluster() {
        let dir = Path::new("/var/lib/haat/postgres");
        let socket_dir = choose_socket_dir(dir, &dir.join("data"), DEFAULT_PORT);
        assert_eq!(socket_dir, dir.join("run"));
    }

    #[test]
    fn long_paths_fall_back_to_a_stable_dir_in_tmp() {
        let dir = PathBuf::from(format!("/srv/{}", "x".repeat(100)));
        let first = choose_socket_dir(&dir, &dir.join("data"), DEFAULT_PORT);
        let again = choose_socket_dir(&dir, &dir.join("data"), DEFAULT_PORT);
        let other = choose_socket_dir(&dir.join("y"), &dir.join("y/data"), DEFAULT_PORT);
        assert_eq!(first, again);
        assert_ne!(first, other);
        assert!(first.to_str().unwrap().starts_with("/tmp/haat-pg-"));
        assert_eq!(first.to_str().unwrap().len(), "/tmp/haat-pg-".len() + 12);
    }

    #[test]
    fn fnv1a_matches_reference_vectors() {
        assert_eq!(fnv1a_64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a_64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn port_comes_from_extra_settings() {
        assert_eq!(port(&[]).unwrap(), DEFAULT_PORT);
        assert_eq!(port(&[("port".into(), "6543".into())]).unwrap(), 6543);
        assert!(port(&[("port".into(), "many".into())]).is_err());
    }
}
