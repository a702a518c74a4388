//! Snapshots of a node's index, so that a new node starts from another node's index
//! plus the event log instead of reading every product from PostgreSQL.
//!
//! A snapshot is a tar archive: `haat-snapshot.json` ([`SnapshotInfo`]), then the files
//! of the last commit's segments under `index/`, then that commit's `index/meta.json`.
//! It can be taken while a node writes to the index: tantivy's meta lock (the one its
//! own readers take) keeps the writer's garbage collector from deleting a segment file
//! between reading the commit and opening its files, and segment files never change
//! once written, so the copy is exactly that commit. The commit's payload carries its
//! [`Checkpoint`], from which the restored node follows the log.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

use tantivy::directory::{Directory, MmapDirectory, META_LOCK};
use tantivy::Index;

use crate::{Checkpoint, Result, SearchError};

const INFO: &str = "haat-snapshot.json";
const FILES: &str = "index";
const META: &str = "meta.json";
/// tantivy's list of the files it may delete once no commit uses them.
const MANAGED: &str = ".managed.json";
const FORMAT: u32 = 1;

/// What a snapshot holds.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SnapshotInfo {
    pub format: u32,
    /// The commit's position and last reindex request; `None` for an index never
    /// committed by Haat.
    pub checkpoint: Option<Checkpoint>,
    pub products: u64,
    pub files: usize,
    pub bytes: u64,
}

fn broken(what: impl std::fmt::Display) -> SearchError {
    SearchError::Snapshot(what.to_string())
}

/// Writes a snapshot of the index in `index_dir` (which a running node may be writing
/// to) to `out`.
pub fn write_snapshot<W: Write>(index_dir: &Path, out: W) -> Result<SnapshotInfo> {
    let index = Index::open(MmapDirectory::open(index_dir)?)?;
    let (metas, files) = {
        let _lock = index
            .directory()
            .acquire_lock(&META_LOCK)
            .map_err(|error| broken(format!("cannot take the meta lock: {error}")))?;
        let metas = index.load_metas()?;
        let mut files = Vec::new();
        let paths: BTreeSet<PathBuf> = metas.list_segment_files().into_iter().collect();
        for path in paths {
            match File::open(index_dir.join(&path)) {
                Ok(file) => files.push((path, file)),
                // Components a segment does not have (no deletes, no temporary store).
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                Err(error) => return Err(error.into()),
            }
        }
        (metas, files)
    };
    // From here the files are open: the collector may unlink them, their bytes stay.
    let checkpoint = metas
        .payload
        .as_deref()
        .map(Checkpoint::parse)
        .transpose()?;
    let mut bytes = 0;
    for (_, file) in &files {
        bytes += file.metadata()?.len();
    }
    let info = SnapshotInfo {
        format: FORMAT,
        checkpoint,
        products: metas
            .segments
            .iter()
            .map(|segment| u64::from(segment.num_docs()))
            .sum(),
        files: files.len(),
        bytes,
    };
    let meta = serde_json::to_vec(&metas).map_err(broken)?;
    let mut archive = tar::Builder::new(out);
    append(
        &mut archive,
        Path::new(INFO),
        &serde_json::to_vec(&info).map_err(broken)?,
    )?;
    for (path, mut file) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(file.metadata()?.len());
        header.set_mode(0o644);
        header.set_cksum();
        archive.append_data(&mut header, Path::new(FILES).join(path), &mut file)?;
    }
    append(&mut archive, &Path::new(FILES).join(META), &meta)?;
    archive.into_inner()?.flush()?;
    Ok(info)
}

fn append<W: Write>(archive: &mut tar::Builder<W>, path: &Path, bytes: &[u8]) -> Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_size(bytes.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    archive.append_data(&mut header, path, bytes)?;
    Ok(())
}

/// A file name directly under `index/`, or an error for anything else (absolute paths,
/// `..`, nested directories: an archive cannot write outside the index).
fn index_file(path: &Path) -> Result<&std::ffi::OsStr> {
    let rest = path
        .strip_prefix(FILES)
        .map_err(|_| broken(format!("unexpected entry {}", path.display())))?;
    let mut components = rest.components();
    match (components.next(), components.next()) {
        (Some(Component::Normal(name)), None) => Ok(name),
        _ => Err(broken(format!("unexpected entry {}", path.display()))),
    }
}

fn sibling(dir: &Path, suffix: &str) -> PathBuf {
    let mut name = dir.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    dir.with_file_name(name)
}

/// Replaces the index in `index_dir` with the snapshot read from `input`, after checking
/// that the snapshot opens and holds what its description says. No process may have
/// the index open meanwhile (a node takes the writer lock; callers check it). A failed
/// restore leaves the old index in place.
pub fn restore_snapshot<R: Read>(input: R, index_dir: &Path) -> Result<SnapshotInfo> {
    let staging = sibling(index_dir, ".restoring");
    if staging.exists() {
        std::fs::remove_dir_all(&staging)?;
    }
    std::fs::create_dir_all(&staging)?;
    let mut info: Option<SnapshotInfo> = None;
    let mut restored = Vec::new();
    let mut archive = tar::Archive::new(input);
    for entry in archive.entries()? {
        let mut entry = entry?;
        let path = entry.path()?.into_owned();
        if path == Path::new(INFO) {
            let mut text = String::new();
            entry.read_to_string(&mut text)?;
            info = Some(serde_json::from_str(&text).map_err(broken)?);
            continue;
        }
        let name = index_file(&path)?.to_owned();
        let target = staging.join(&name);
        let mut file = File::create(&target)?;
        std::io::copy(&mut entry, &mut file)?;
        file.sync_all()?;
        if name != META {
            restored.push(PathBuf::from(name));
        }
    }
    let info = info.ok_or_else(|| broken("no haat-snapshot.json: not a Haat index snapshot"))?;
    if info.format != FORMAT {
        return Err(broken(format!(
            "snapshot format {} (this Haat reads {FORMAT})",
            info.format
        )));
    }
    // Registered as tantivy's own, so they are deleted once merges no longer use them.
    std::fs::write(
        staging.join(MANAGED),
        serde_json::to_vec(&restored).map_err(broken)?,
    )?;
    check(&staging, &info)?;
    File::open(&staging)?.sync_all()?;
    let replaced = sibling(index_dir, ".replaced");
    if replaced.exists() {
        std::fs::remove_dir_all(&replaced)?;
    }
    if index_dir.exists() {
        std::fs::rename(index_dir, &replaced)?;
    }
    std::fs::rename(&staging, index_dir)?;
    if let Some(parent) = index_dir.parent() {
        File::open(parent)?.sync_all()?;
    }
    if replaced.exists() {
        std::fs::remove_dir_all(&replaced)?;
    }
    Ok(info)
}

/// The restored files open as an index holding the products and checkpoint the
/// snapshot describes.
fn check(dir: &Path, info: &SnapshotInfo) -> Result<()> {
    let index = Index::open(MmapDirectory::open(dir)?)?;
    let metas = index.load_metas()?;
    let checkpoint = metas
        .payload
        .as_deref()
        .map(Checkpoint::parse)
        .transpose()?;
    let reader = index.reader()?;
    let products = reader.searcher().num_docs();
    if products != info.products || checkpoint != info.checkpoint {
        return Err(broken(format!(
            "the restored index holds {products} products at {checkpoint:?}, the snapshot says {} at {:?}",
            info.products, info.checkpoint
        )));
    }
    Ok(())
}
