//! Snapshots: taken from an index a writer is using, restored into a new node's
//! directory, they hold exactly one commit and its checkpoint; bad archives change
//! nothing.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use haat_search::{
    restore_snapshot, write_snapshot, Change, Checkpoint, ProductDoc, SearchIndex, SearchRequest,
};
use uuid::Uuid;

fn product(store: Uuid, name: &str) -> ProductDoc {
    ProductDoc {
        id: Uuid::now_v7(),
        store_id: store,
        name: name.to_owned(),
        description: "fresh from the farm".to_owned(),
        category_id: None,
        category: None,
        price_minor: 5_000,
        in_stock: true,
        popularity: 0,
        created: 1_700_000_000,
    }
}

fn names(index: &SearchIndex, store: Uuid, text: &str) -> Vec<String> {
    let mut names: Vec<String> = index
        .search(&SearchRequest {
            store_id: store,
            text,
            limit: 100,
            ..SearchRequest::default()
        })
        .unwrap()
        .hits
        .into_iter()
        .map(|hit| hit.name)
        .collect();
    names.sort();
    names
}

fn snapshot(dir: &Path) -> (Vec<u8>, haat_search::SnapshotInfo) {
    let mut bytes = Vec::new();
    let info = write_snapshot(dir, &mut bytes).unwrap();
    (bytes, info)
}

#[test]
fn a_snapshot_restores_one_commit_and_its_checkpoint_beside_a_running_writer() {
    let source = tempfile::tempdir().unwrap();
    let store = Uuid::now_v7();
    let index = SearchIndex::open(source.path()).unwrap();
    let atta = product(store, "Aashirvaad Atta 5kg");
    let rice = product(store, "Basmati Rice 1kg");
    index
        .apply(
            &[Change::Upsert(atta.clone()), Change::Upsert(rice.clone())],
            10,
        )
        .unwrap();
    index.stage(&[Change::DeleteStore(store)]).unwrap();
    index
        .commit_checkpoint(Checkpoint {
            position: 11,
            reindex: 3,
        })
        .unwrap();
    index
        .apply(&[Change::Upsert(atta.clone()), Change::Upsert(rice)], 12)
        .unwrap();
    // Staged but not committed: not in the snapshot.
    index
        .stage(&[Change::Upsert(product(store, "Toor Dal"))])
        .unwrap();

    let (bytes, info) = snapshot(source.path());
    assert_eq!(info.products, 2);
    assert_eq!(
        info.checkpoint,
        Some(Checkpoint {
            position: 12,
            reindex: 3
        })
    );
    // Committed after the snapshot: not in it either.
    index.apply(&[Change::Delete(atta.id)], 13).unwrap();

    let target = tempfile::tempdir().unwrap();
    let restored_dir = target.path().join("index");
    let restored = restore_snapshot(bytes.as_slice(), &restored_dir).unwrap();
    assert_eq!(restored, info);
    let copy = SearchIndex::open(&restored_dir).unwrap();
    assert_eq!(
        copy.checkpoint().unwrap(),
        Some(Checkpoint {
            position: 12,
            reindex: 3
        })
    );
    assert_eq!(
        names(&copy, store, "atta"),
        vec!["Aashirvaad Atta 5kg".to_owned()]
    );
    assert!(names(&copy, store, "dal").is_empty());
    // The restored node goes on from there: it writes, and a plain commit keeps the
    // reindex request it has carried out.
    copy.apply(&[Change::Upsert(product(store, "Toor Dal"))], 13)
        .unwrap();
    assert_eq!(names(&copy, store, "dal"), vec!["Toor Dal".to_owned()]);
    assert_eq!(
        copy.checkpoint().unwrap(),
        Some(Checkpoint {
            position: 13,
            reindex: 3
        })
    );
    drop(copy);
    let reopened = SearchIndex::open(&restored_dir).unwrap();
    assert_eq!(reopened.len(), 3);
}

#[test]
fn snapshots_taken_while_commits_and_merges_go_on_are_each_one_whole_commit() {
    let source = tempfile::tempdir().unwrap();
    let store = Uuid::now_v7();
    let index = Arc::new(SearchIndex::open(source.path()).unwrap());
    index
        .apply(&[Change::Upsert(product(store, "Seed Product"))], 1)
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (index, stop) = (Arc::clone(&index), Arc::clone(&stop));
        std::thread::spawn(move || {
            let mut position = 1;
            // Bounded: stops when told, or after 2,000 commits.
            while !stop.load(Ordering::Relaxed) && position < 2_000 {
                position += 1;
                let batch: Vec<Change> = (0..5)
                    .map(|n| Change::Upsert(product(store, &format!("Batch {position} item {n}"))))
                    .collect();
                index.apply(&batch, position).unwrap();
            }
        })
    };
    let target = tempfile::tempdir().unwrap();
    for round in 0..15 {
        let (bytes, info) = snapshot(source.path());
        let dir = target.path().join(format!("copy-{round}"));
        // restore_snapshot checks the restored index holds exactly the products and
        // checkpoint of the commit the snapshot describes.
        let restored = restore_snapshot(bytes.as_slice(), &dir).unwrap();
        assert_eq!(restored, info);
        let position = info.checkpoint.unwrap().position;
        assert_eq!(info.products, 1 + 5 * (position - 1));
    }
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
}

#[test]
fn a_bad_archive_changes_nothing() {
    let target = tempfile::tempdir().unwrap();
    let dir = target.path().join("index");
    let store = Uuid::now_v7();
    {
        let index = SearchIndex::open(&dir).unwrap();
        index
            .apply(&[Change::Upsert(product(store, "Malai Kulfi"))], 5)
            .unwrap();
    }
    let archive = |entries: &[(&str, &[u8])]| {
        let mut builder = tar::Builder::new(Vec::new());
        for (path, bytes) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_size(bytes.len() as u64);
            header.set_mode(0o644);
            // Written raw: the tar crate refuses to build `..` paths itself.
            let name = header.as_old_mut().name.as_mut();
            name[..path.len()].copy_from_slice(path.as_bytes());
            header.set_cksum();
            builder.append(&header, *bytes).unwrap();
        }
        builder.into_inner().unwrap()
    };
    let escape = archive(&[("index/../../escaped", b"x")]);
    assert!(restore_snapshot(escape.as_slice(), &dir).is_err());
    assert!(!target.path().join("escaped").exists());
    let not_ours = archive(&[("index/meta.json", b"{}")]);
    assert!(restore_snapshot(not_ours.as_slice(), &dir).is_err());
    let garbage = b"this is not a tar archive at all".repeat(40);
    assert!(restore_snapshot(garbage.as_slice(), &dir).is_err());
    // A snapshot whose files do not match its description.
    let source = tempfile::tempdir().unwrap();
    {
        let index = SearchIndex::open(source.path()).unwrap();
        index
            .apply(&[Change::Upsert(product(store, "Choco Cone"))], 9)
            .unwrap();
    }
    let (bytes, _) = snapshot(source.path());
    let mut lying = Vec::new();
    {
        let mut builder = tar::Builder::new(&mut lying);
        let mut entries = tar::Archive::new(bytes.as_slice());
        for entry in entries.entries().unwrap() {
            let mut entry = entry.unwrap();
            let path = entry.path().unwrap().into_owned();
            let mut content = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut content).unwrap();
            if path == Path::new("haat-snapshot.json") {
                let text = String::from_utf8(content).unwrap();
                content = text
                    .replace("\"products\":1", "\"products\":7")
                    .into_bytes();
            }
            let mut header = tar::Header::new_gnu();
            header.set_size(content.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder
                .append_data(&mut header, &path, content.as_slice())
                .unwrap();
        }
        builder.finish().unwrap();
    }
    assert!(restore_snapshot(lying.as_slice(), &dir).is_err());

    let index = SearchIndex::open(&dir).unwrap();
    assert_eq!(index.position().unwrap(), Some(5));
    assert_eq!(
        names(&index, store, "kulfi"),
        vec!["Malai Kulfi".to_owned()]
    );
}
