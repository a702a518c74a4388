//! Creating a new cluster with `initdb`, and the lock that keeps two processes from
//! creating or starting the same cluster at once.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::command::PgRunner;
use crate::Error;

const LOCK_FILE_NAME: &str = ".haat-pgembed.lock";

/// Holds the cluster directory's lock until dropped (closing the file releases it).
#[derive(Debug)]
pub(crate) struct ClusterLock {
    _file: fs::File,
}

/// Takes an exclusive lock on `dir/.haat-pgembed.lock`, waiting for other holders.
pub(crate) fn lock_cluster_dir(dir: &Path) -> Result<ClusterLock, Error> {
    let lock_path = dir.join(LOCK_FILE_NAME);
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(Error::io("open", &lock_path))?;
    match file.try_lock() {
        Ok(()) => return Ok(ClusterLock { _file: file }),
        Err(fs::TryLockError::WouldBlock) => {}
        Err(fs::TryLockError::Error(error)) => return Err(Error::io("lock", &lock_path)(error)),
    }
    tracing::info!(
        pg.lock_file = %lock_path.display(),
        "waiting for another process using the cluster"
    );
    file.lock().map_err(Error::io("lock", &lock_path))?;
    Ok(ClusterLock { _file: file })
}

/// Role names go unquoted into URLs and logs; keep them plain.
pub(crate) fn validate_superuser(name: &str) -> Result<(), Error> {
    let valid = !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid {
        Ok(())
    } else {
        Err(Error::InvalidSuperuser(name.to_owned()))
    }
}

/// Runs `initdb` for `data_dir`. A fresh cluster is built beside it and renamed into place,
/// so a crash halfway leaves no half-made cluster that later starts would trip over.
pub(crate) fn initdb(
    runner: &PgRunner<'_>,
    dir: &Path,
    data_dir: &Path,
    superuser: &str,
) -> Result<(), Error> {
    tracing::info!(
        pg.data_dir = %data_dir.display(),
        pg.version = runner.binaries.version,
        "initializing postgres cluster"
    );
    // An existing (empty) data directory may be a mount point, which cannot be renamed over.
    let target = if data_dir.exists() {
        data_dir.to_owned()
    } else {
        dir.join("data.initdb")
    };
    if target != data_dir && target.exists() {
        fs::remove_dir_all(&target).map_err(Error::io("remove the unfinished", &target))?;
    }

    let mut args = vec![
        "-D".into(),
        target.clone().into_os_string(),
        "-U".into(),
        superuser.into(),
        "-E".into(),
        "UTF8".into(),
        // Only the private Unix socket is trusted; TCP is off, and refused even if enabled.
        "--auth-local=trust".into(),
        "--auth-host=reject".into(),
    ];
    args.extend(locale_arguments().into_iter().map(Into::into));
    if runner.binaries.version >= 14 {
        args.push("--no-instructions".into());
    }
    runner.run("initdb", "initdb", &args)?;

    if target != data_dir {
        fs::rename(&target, data_dir).map_err(Error::io("move the new cluster to", data_dir))?;
        fs::File::open(dir)
            .and_then(|directory| directory.sync_all())
            .map_err(Error::io("sync", dir))?;
    }
    Ok(())
}

/// Byte-order collation (fast, and never changes with a libc upgrade) everywhere; Unicode
/// character classes (`lower`, `ILIKE` on non-ASCII text) when the system has C.UTF-8.
fn locale_arguments() -> Vec<&'static str> {
    let has_c_utf8 = Command::new("locale")
        .arg("-a")
        .output()
        .map(|output| {
            String::from_utf8_lossy(&output.stdout).lines().any(|name| {
                matches!(
                    name.trim().to_ascii_lowercase().as_str(),
                    "c.utf8" | "c.utf-8"
                )
            })
        })
        .unwrap_or(false);
    if has_c_utf8 {
        vec!["--locale=C.UTF-8", "--lc-collate=C"]
    } else {
        vec!["--locale=C"]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn superuser_names_are_plain() {
        assert!(validate_superuser("haat").is_ok());
        assert!(validate_superuser("_haat_2").is_ok());
        assert!(validate_superuser("").is_err());
        assert!(validate_superuser("2haat").is_err());
        assert!(validate_superuser("haat@x").is_err());
    }

    #[test]
    fn a_second_lock_waits_for_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let first = lock_cluster_dir(dir.path()).unwrap();
        let lock_path = dir.path().join(LOCK_FILE_NAME);
        let second = fs::OpenOptions::new().write(true).open(&lock_path).unwrap();
        assert!(matches!(
            second.try_lock(),
            Err(fs::TryLockError::WouldBlock)
        ));
        drop(first);
        assert!(second.try_lock().is_ok());
    }
}
