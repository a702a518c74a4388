//! `GET /media/{hash}/{file}`: stored variants are served immutable; anything else is a
//! small 404, whatever the path tries.

use axum::body::{Body, Bytes};
use haat_media::{MediaKey, MediaStore, ProcessedImage, Variant, VariantFormat};
use http::Request;

use crate::support::*;

const HASH: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const WEBP_BYTES: &[u8] = b"RIFF\x1a\x00\x00\x00WEBPVP8 fake";

async fn app_with_one_image() -> axum::Router {
    let media = MediaStore::in_memory();
    let key = MediaKey::new(HASH, 480, VariantFormat::Webp);
    let image = ProcessedImage {
        hash: HASH.to_owned(),
        width: 480,
        height: 360,
        variants: vec![Variant {
            width: 480,
            height: 360,
            format: VariantFormat::Webp,
            key,
            bytes: Bytes::from_static(WEBP_BYTES),
        }],
    };
    media.put_image(&image).await.unwrap();
    app_with_media(chai_point(), media)
}

/// Requests `uri` and checks its status; a 404 must be small and plain, never a page.
async fn check(uri: &str, status: u16) {
    let response = get(&app_with_one_image().await, uri).await;
    assert_eq!(response.status, status, "{uri}: {}", response.body);
    if status == 404 {
        assert!(response.bytes.len() < 64, "{uri}: {}", response.body);
        assert!(
            !response.header("content-type").starts_with("image/"),
            "{uri}"
        );
    }
}

#[tokio::test]
async fn traversal_and_unknown_keys_are_404() {
    check(&format!("/media/{HASH}/480.webp"), 200).await;
    check("/media/../../etc/passwd", 404).await;
    check("/media/%2e%2e/x", 404).await;
    check("/media/%2e%2e/%2e%2e/etc/passwd", 404).await;
    check("/media/..%2F..%2Fetc%2Fpasswd", 404).await;
    check(&format!("/media/{}/480.webp", HASH.to_uppercase()), 404).await;
    check(&format!("/media/{HASH}/0480.webp"), 404).await;
    check(&format!("/media/{HASH}/480.jpeg"), 404).await;
    check(&format!("/media/{HASH}/480.jpg"), 404).await;
    check(&format!("/media/{HASH}/160.webp"), 404).await;
    check(&format!("/media/{HASH}/480.webp/extra"), 404).await;
    check(&format!("/media/{HASH}"), 404).await;
    check("/media/x", 404).await;
    check("/media/%FF/480.webp", 404).await;
}

#[tokio::test]
async fn stored_variants_are_immutable() {
    let app = app_with_one_image().await;
    let uri = format!("/media/{HASH}/480.webp");
    let response = get(&app, &uri).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.bytes, WEBP_BYTES);
    assert_eq!(response.header("content-type"), "image/webp");
    assert_eq!(
        response.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(response.header("x-content-type-options"), "nosniff");
    let etag = response.header("etag").to_owned();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");

    let request = Request::get(&uri)
        .header("if-none-match", &etag)
        .body(Body::empty())
        .unwrap();
    let revalidated = get_with(&app, request).await;
    assert_eq!(revalidated.status, 304);
    assert!(revalidated.bytes.is_empty());
    assert_eq!(revalidated.header("etag"), etag);
}
