//! Which operating-system user PostgreSQL runs as, and the filesystem work that follows
//! from it: ownership, modes and checking that the user can reach the cluster directory.
//!
//! PostgreSQL refuses to run as root. When Haat runs as root (a container, a systemd unit
//! without `User=`), the server programs run as `postgres` if that user exists — the user
//! distribution packages create for exactly this — and otherwise as `nobody`, which every
//! Unix system has. When Haat is not root, they run as Haat's own user.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Command;

use crate::Error;

/// The user PostgreSQL programs run as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RunUser {
    pub(crate) name: String,
    pub(crate) uid: u32,
    pub(crate) gid: u32,
    /// True when we are root and must switch to this user for every PostgreSQL program.
    pub(crate) switch_needed: bool,
}

impl RunUser {
    /// Picks the user to run PostgreSQL as, from the current effective uid.
    pub(crate) fn choose() -> Result<RunUser, Error> {
        let effective_uid = effective_uid()?;
        if effective_uid != 0 {
            let name = user_name_of(effective_uid).unwrap_or_else(|| effective_uid.to_string());
            let gid = fs::metadata("/proc/self")
                .map(|m| m.gid())
                .unwrap_or(effective_uid);
            return Ok(RunUser {
                name,
                uid: effective_uid,
                gid,
                switch_needed: false,
            });
        }
        for candidate in ["postgres", "nobody"] {
            if let Some((uid, gid)) = lookup_user(candidate) {
                return Ok(RunUser {
                    name: candidate.to_owned(),
                    uid,
                    gid,
                    switch_needed: true,
                });
            }
        }
        Err(Error::NoUnprivilegedUser)
    }

    /// Makes `command` run as this user.
    pub(crate) fn apply(&self, command: &mut Command) {
        use std::os::unix::process::CommandExt;
        if self.switch_needed {
            // std also drops root's supplementary groups when it switches uid.
            command.uid(self.uid).gid(self.gid);
        }
    }

    /// Fails if any ancestor of `dir` cannot be traversed by this user. Only meaningful when
    /// switching users: our own user reaching the directory is checked by using it.
    pub(crate) fn check_ancestors_traversable(&self, dir: &Path) -> Result<(), Error> {
        if !self.switch_needed {
            return Ok(());
        }
        for ancestor in dir.ancestors().skip(1) {
            let metadata = fs::metadata(ancestor).map_err(Error::io("inspect", ancestor))?;
            if !can_traverse(&metadata, self.uid, self.gid) {
                return Err(Error::DirNotAccessible {
                    dir: ancestor.to_owned(),
                    user: self.name.clone(),
                });
            }
        }
        Ok(())
    }

    /// Gives `path` to this user (when switching users) and sets its mode.
    pub(crate) fn own(&self, path: &Path, mode: u32) -> Result<(), Error> {
        if self.switch_needed {
            std::os::unix::fs::chown(path, Some(self.uid), Some(self.gid))
                .map_err(Error::io("change the owner of", path))?;
        }
        fs::set_permissions(path, fs::Permissions::from_mode(mode))
            .map_err(Error::io("change the mode of", path))
    }

    /// Gives `root` and everything below it to this user, without following symlinks.
    pub(crate) fn own_tree(&self, root: &Path) -> Result<(), Error> {
        if !self.switch_needed {
            return Ok(());
        }
        std::os::unix::fs::lchown(root, Some(self.uid), Some(self.gid))
            .map_err(Error::io("change the owner of", root))?;
        let metadata = fs::symlink_metadata(root).map_err(Error::io("inspect", root))?;
        if !metadata.is_dir() {
            return Ok(());
        }
        for entry in fs::read_dir(root).map_err(Error::io("list", root))? {
            let entry = entry.map_err(Error::io("list", root))?;
            self.own_tree(&entry.path())?;
        }
        Ok(())
    }

    /// Whether `path` is owned by this user.
    pub(crate) fn owns(&self, path: &Path) -> bool {
        fs::symlink_metadata(path).is_ok_and(|m| m.uid() == self.uid)
    }
}

/// Whether a process with exactly this uid and primary gid (and no supplementary groups,
/// which is how we start PostgreSQL) may search the directory described by `metadata`.
pub(crate) fn can_traverse(metadata: &fs::Metadata, uid: u32, gid: u32) -> bool {
    let mode = metadata.mode();
    if uid == 0 {
        return true;
    }
    if metadata.uid() == uid {
        return mode & 0o100 != 0;
    }
    if metadata.gid() == gid {
        return mode & 0o010 != 0;
    }
    mode & 0o001 != 0
}

/// The effective uid of this process, from `/proc/self/status` or, failing that, `id -u`.
pub(crate) fn effective_uid() -> Result<u32, Error> {
    if let Ok(status) = fs::read_to_string("/proc/self/status") {
        let effective = status
            .lines()
            .find_map(|line| line.strip_prefix("Uid:"))
            .and_then(|ids| ids.split_whitespace().nth(1))
            .and_then(|uid| uid.parse().ok());
        if let Some(uid) = effective {
            return Ok(uid);
        }
    }
    let output = Command::new("id")
        .arg("-u")
        .output()
        .map_err(Error::io("run", "id"))?;
    let text = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    text.parse().map_err(|_| Error::Unparsable {
        what: "the output of `id -u`",
        text,
    })
}

/// The uid and primary gid of `name`, from `/etc/passwd` or, for users that only exist in
/// a directory service, `id -u`/`id -g`.
fn lookup_user(name: &str) -> Option<(u32, u32)> {
    if let Ok(passwd) = fs::read_to_string("/etc/passwd") {
        let found = passwd.lines().find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            if fields.len() < 4 || fields[0] != name {
                return None;
            }
            Some((fields[2].parse().ok()?, fields[3].parse().ok()?))
        });
        if found.is_some() {
            return found;
        }
    }
    Some((id_number(name, "-u")?, id_number(name, "-g")?))
}

fn id_number(name: &str, flag: &str) -> Option<u32> {
    let output = Command::new("id").arg(flag).arg(name).output().ok()?;
    if !output.status.success() {
        return None;
    }
    String::from_utf8_lossy(&output.stdout).trim().parse().ok()
}

fn user_name_of(uid: u32) -> Option<String> {
    let passwd = fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        let line_uid: u32 = fields.nth(1)?.parse().ok()?;
        (line_uid == uid).then(|| name.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_follows_owner_group_other_bits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path();
        let owner = fs::metadata(path).unwrap().uid();
        let group = fs::metadata(path).unwrap().gid();
        let stranger = owner.wrapping_add(12345).max(1);
        let check = |mode: u32, uid: u32, gid: u32| {
            fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
            can_traverse(&fs::metadata(path).unwrap(), uid, gid)
        };
        assert!(!check(0o700, stranger, stranger));
        assert!(check(0o701, stranger, stranger));
        assert!(check(0o710, stranger, group));
        assert!(!check(0o701, stranger, group));
        if owner != 0 {
            assert!(check(0o700, owner, group));
            assert!(!check(0o077, owner, group));
        }
        assert!(check(0o000, 0, 0));
    }

    #[test]
    fn effective_uid_matches_proc_self_owner() {
        let proc_owner = fs::metadata("/proc/self").unwrap().uid();
        assert_eq!(effective_uid().unwrap(), proc_owner);
    }
}
