//! One `MediaStore` test suite, run against every backend that needs no network: the
//! in-memory store and the local filesystem. (S3 is the same `ObjectStore` contract.)

use bytes::Bytes;
use haat_media::{
    process_image, variant_key, ImagePolicy, MediaKey, MediaStore, ProcessedImage, VariantFormat,
};
use image::{Rgb, RgbImage};

/// A real processed image, so stored bytes are real variants.
fn processed_image(seed: u8) -> ProcessedImage {
    let image = RgbImage::from_fn(300, 200, |x, y| {
        Rgb([
            seed,
            u8::try_from(x % 256).unwrap(),
            u8::try_from(y % 256).unwrap(),
        ])
    });
    let mut png = Vec::new();
    image
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    process_image(&png, &ImagePolicy::default()).unwrap()
}

async fn media_store_suite(store: MediaStore) {
    let image = processed_image(7);
    assert_eq!(image.variants.len(), 4);

    // Missing before the first put.
    let first_key = &image.variants[0].key;
    assert!(store.get(first_key).await.unwrap().is_none());

    store.put_image(&image).await.unwrap();
    for variant in &image.variants {
        let stored = store.get(&variant.key).await.unwrap().expect("stored");
        assert_eq!(stored.bytes, variant.bytes);
        assert_eq!(stored.content_type, variant.format.content_type());
        assert!(stored.etag.starts_with('"') && stored.etag.ends_with('"'));
        assert!(stored.etag.contains(&image.hash));
    }

    // Idempotent: putting again succeeds, and an existing object is never rewritten (a
    // different payload under the same keys leaves the stored bytes alone).
    store.put_image(&image).await.unwrap();
    let mut tampered = image.clone();
    for variant in &mut tampered.variants {
        variant.bytes = Bytes::from_static(b"not the original bytes");
    }
    store.put_image(&tampered).await.unwrap();
    let stored = store.get(first_key).await.unwrap().unwrap();
    assert_eq!(stored.bytes, image.variants[0].bytes);

    // Other keys of the same hash, and other hashes, stay missing.
    let unknown_width = variant_key(&image.hash, 1600, VariantFormat::Webp);
    assert!(store.get(&unknown_width).await.unwrap().is_none());
    let unknown_hash = MediaKey::parse(&format!("{}/160.jpg", "0".repeat(64))).unwrap();
    assert!(store.get(&unknown_hash).await.unwrap().is_none());

    // Clones share the backend.
    let clone = store.clone();
    assert!(clone.get(first_key).await.unwrap().is_some());
}

#[tokio::test]
async fn in_memory_store() {
    media_store_suite(MediaStore::in_memory()).await;
}

#[tokio::test]
async fn local_store() {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path().join("media").join("nested");
    let store = MediaStore::local(&root).unwrap();
    media_store_suite(store.clone()).await;

    // Objects are plain files at `<root>/<hash>/<width>.<ext>`, ready for a CDN origin.
    let image = processed_image(7);
    let key = &image.variants[0].key;
    let on_disk = std::fs::read(root.join(key.as_str())).unwrap();
    assert_eq!(on_disk, image.variants[0].bytes);
}

#[tokio::test]
async fn local_store_reports_an_unusable_root() {
    let temp = tempfile::tempdir().unwrap();
    let file = temp.path().join("not-a-directory");
    std::fs::write(&file, b"x").unwrap();
    let error = MediaStore::local(&file.join("media")).unwrap_err();
    assert_eq!(error.code(), "storage_error");
    assert!(!error.is_client_error());
}
