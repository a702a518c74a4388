//! Photos over HTTP: product create with a multipart image, `PUT …/image` and
//! `PUT …/logo` with a raw body or multipart. Anything that is not a sound JPEG, PNG or
//! WebP within the limits is a 4xx naming `image` and leaves no trace; what is accepted is
//! served re-encoded, without its EXIF (GPS included).

use crate::support;

use haat_testkit::exif::{insert_exif, GPS_LATITUDE_RATIONALS};
use haat_testkit::png::png_declaring;
use reqwest::multipart::{Form, Part};
use reqwest::Method;
use serde_json::{json, Value};
use support::{contains_bytes, jpeg, png, webp, Reply, TestApp};

// ---------------------------------------------------------------------------------------
// Images built by hand (after crates/haat-media/tests/support).

/// A JPEG carrying an EXIF segment with Orientation and a GPS latitude, as a phone
/// camera writes it.
fn jpeg_with_exif(width: u32, height: u32, orientation: u16) -> Vec<u8> {
    insert_exif(&jpeg(width, height), orientation)
}

/// A baseline JPEG whose SOF0 header claims `width` x `height`.
fn jpeg_declaring(width: u16, height: u16) -> Vec<u8> {
    let mut patched = jpeg(16, 16);
    let sof = patched
        .windows(2)
        .position(|marker| marker == [0xFF, 0xC0])
        .expect("baseline jpeg has SOF0");
    patched[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
    patched[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
    patched
}

/// The classic 1x1 GIF.
const GIF: &[u8] = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";

fn truncated(mut bytes: Vec<u8>) -> Vec<u8> {
    bytes.truncate(bytes.len() * 3 / 5);
    bytes
}

/// A JPEG padded with zeros after its end to `len` bytes: a real photo, just too big.
fn oversized_jpeg(len: usize) -> Vec<u8> {
    let mut bytes = jpeg(32, 32);
    bytes.resize(len, 0);
    bytes
}

const MIB: usize = 1024 * 1024;

/// Makes an image of the given width and height in some format.
type MakeImage = fn(u32, u32) -> Vec<u8>;

// ---------------------------------------------------------------------------------------

/// Where a photo can be sent.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Target {
    /// `POST /stores/{id}/products`, multipart with name, price and image.
    Create,
    /// `PUT /stores/{id}/products/{pid}/image` with the bytes as the body.
    ProductRaw,
    /// The same with a multipart `image` part.
    ProductMultipart,
    /// `PUT /stores/{id}/logo` with the bytes as the body.
    LogoRaw,
    /// The same with a multipart `image` part.
    LogoMultipart,
}

const ALL_TARGETS: [Target; 5] = [
    Target::Create,
    Target::ProductRaw,
    Target::ProductMultipart,
    Target::LogoRaw,
    Target::LogoMultipart,
];

struct Ctx {
    app: TestApp,
    token: String,
    store_id: String,
    product_id: String,
}

impl Ctx {
    async fn new() -> Ctx {
        let app = TestApp::spawn().await;
        let (token, store) = app.seller_with_store("Photo Wala").await;
        let store_id = store["id"].as_str().unwrap().to_owned();
        let product = app
            .create_product(
                &token,
                &store_id,
                json!({ "name": "Kurta", "price": "899" }),
            )
            .await;
        Ctx {
            product_id: product["id"].as_str().unwrap().to_owned(),
            app,
            token,
            store_id,
        }
    }

    async fn upload(&self, target: Target, bytes: Vec<u8>, file_name: &str, mime: &str) -> Reply {
        let part = || {
            Part::bytes(bytes.clone())
                .file_name(file_name.to_owned())
                .mime_str(mime)
                .unwrap()
        };
        let store = format!("/api/v1/stores/{}", self.store_id);
        let image = format!("{store}/products/{}/image", self.product_id);
        let logo = format!("{store}/logo");
        let token = Some(self.token.as_str());
        match target {
            Target::Create => {
                let form = Form::new()
                    .text("name", "Photo product")
                    .text("price", "10.00")
                    .part("image", part());
                let path = format!("{store}/products");
                self.app.multipart(Method::POST, &path, token, form).await
            }
            Target::ProductRaw => {
                self.app
                    .raw(Method::PUT, &image, token, Some(mime), Some(bytes.clone()))
                    .await
            }
            Target::ProductMultipart => {
                let form = Form::new().part("image", part());
                self.app.multipart(Method::PUT, &image, token, form).await
            }
            Target::LogoRaw => {
                self.app
                    .raw(Method::PUT, &logo, token, Some(mime), Some(bytes.clone()))
                    .await
            }
            Target::LogoMultipart => {
                let form = Form::new().part("image", part());
                self.app.multipart(Method::PUT, &logo, token, form).await
            }
        }
    }

    /// The store and its products as the seller sees them, row counts and media files.
    async fn snapshot(&self) -> Value {
        let store = format!("/api/v1/stores/{}", self.store_id);
        let (_, store_body) = self.app.get_json(&store, Some(&self.token)).await;
        let (_, products) = self
            .app
            .get_json(&format!("{store}/products?limit=100"), Some(&self.token))
            .await;
        json!({
            "store": store_body,
            "products": products,
            "product_rows": self.app.product_count(&self.store_id).await,
            "image_rows": self.app.image_count(&self.store_id).await,
            "media_files": media_files(&self.app),
        })
    }

    /// Sends `bytes` to every target in `targets`; each must be refused with `expected`
    /// on the `image` field and change nothing.
    async fn check_refused(
        &self,
        label: &str,
        targets: &[Target],
        (bytes, file_name, mime): (Vec<u8>, &str, &str),
        expected: (u16, &str),
    ) {
        for &target in targets {
            let before = self.snapshot().await;
            let reply = self.upload(target, bytes.clone(), file_name, mime).await;
            assert_eq!(
                (reply.status, reply.code(), reply.field()),
                (expected.0, expected.1, Some("image")),
                "{label} via {target:?}: {}",
                reply.body
            );
            reply.assert_error_shape();
            assert_eq!(
                self.snapshot().await,
                before,
                "{label} via {target:?} changed something"
            );
        }
    }
}

/// How many files the local media store holds.
fn media_files(app: &TestApp) -> usize {
    fn count(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|entry| {
                        let path = entry.path();
                        if path.is_dir() {
                            count(&path)
                        } else {
                            1
                        }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    count(&app.config.media_dir())
}

/// Every variant URL (WebP and JPEG) of an image body.
fn variant_urls(image: &Value) -> Vec<String> {
    image["variants"]
        .as_array()
        .unwrap_or_else(|| panic!("no variants in {image}"))
        .iter()
        .flat_map(|variant| {
            [
                variant["webp"].as_str().unwrap().to_owned(),
                variant["jpeg"].as_str().unwrap().to_owned(),
            ]
        })
        .collect()
}

/// Fetches a variant and checks it is what its extension says.
async fn fetch_variant(app: &TestApp, url: &str) -> Vec<u8> {
    let response = app.client.get(url).send().await.unwrap();
    assert_eq!(response.status(), 200, "{url}");
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    let bytes = response.bytes().await.unwrap().to_vec();
    if url.ends_with(".webp") {
        assert_eq!(content_type, "image/webp", "{url}");
        assert!(
            bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP",
            "{url}"
        );
    } else {
        assert_eq!(content_type, "image/jpeg", "{url}");
        assert!(bytes.starts_with(&[0xFF, 0xD8]), "{url}");
    }
    bytes
}

#[tokio::test]
async fn jpeg_png_and_webp_are_accepted_everywhere() {
    let ctx = Ctx::new().await;
    let formats: [(&str, &str, MakeImage); 3] = [
        ("photo.jpg", "image/jpeg", jpeg),
        ("photo.png", "image/png", png),
        ("photo.webp", "image/webp", webp),
    ];
    for (file_name, mime, make) in formats {
        for target in ALL_TARGETS {
            let reply = ctx.upload(target, make(600, 400), file_name, mime).await;
            let expected = if target == Target::Create { 201 } else { 200 };
            assert_eq!(
                reply.status, expected,
                "{file_name} via {target:?}: {}",
                reply.body
            );
            let image = match target {
                Target::LogoRaw | Target::LogoMultipart => &reply.body["logo"],
                _ => &reply.body["image"],
            };
            assert_eq!(
                (&image["width"], &image["height"]),
                (&json!(600), &json!(400)),
                "{image}"
            );
            let widths: Vec<u64> = image["variants"]
                .as_array()
                .unwrap()
                .iter()
                .map(|variant| variant["width"].as_u64().unwrap())
                .collect();
            assert_eq!(widths, [160, 480, 600], "{image}");
            for url in variant_urls(image) {
                fetch_variant(&ctx.app, &url).await;
            }
        }
    }
    // The client's content type does not matter, only the bytes: a PNG sent as
    // application/octet-stream is a PNG.
    let reply = ctx
        .upload(
            Target::ProductRaw,
            png(50, 50),
            "x.bin",
            "application/octet-stream",
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    // The product page and the store page show the photo.
    let (_, product) = ctx
        .app
        .get_json(
            &format!(
                "/api/v1/stores/{}/products/{}",
                ctx.store_id, ctx.product_id
            ),
            Some(&ctx.token),
        )
        .await;
    assert_eq!(product["image"]["width"], 50);
    ctx.app.stop().await;
}

#[tokio::test]
async fn what_is_not_a_sound_photo_is_refused_and_leaves_no_trace() {
    let ctx = Ctx::new().await;
    let unsupported = (415, "unsupported_image_type");
    let corrupt = (422, "corrupt_image");
    let too_many_pixels = (422, "image_too_many_pixels");
    let all = &ALL_TARGETS[..];
    let text = b"just some notes\n".to_vec();
    let pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n".to_vec();
    let html = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>".to_vec();
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec();
    ctx.check_refused(
        "text file",
        all,
        (text, "notes.txt", "text/plain"),
        unsupported,
    )
    .await;
    ctx.check_refused(
        "pdf",
        all,
        (pdf, "menu.pdf", "application/pdf"),
        unsupported,
    )
    .await;
    ctx.check_refused(
        "html as .jpg",
        all,
        (html, "photo.jpg", "image/jpeg"),
        unsupported,
    )
    .await;
    ctx.check_refused("svg", all, (svg, "logo.svg", "image/svg+xml"), unsupported)
        .await;
    ctx.check_refused(
        "gif",
        all,
        (GIF.to_vec(), "anim.gif", "image/gif"),
        unsupported,
    )
    .await;
    ctx.check_refused(
        "jpeg magic only",
        all,
        (vec![0xFF, 0xD8, 0xFF], "a.jpg", "image/jpeg"),
        corrupt,
    )
    .await;
    ctx.check_refused(
        "truncated jpeg",
        all,
        (truncated(jpeg(300, 200)), "cut.jpg", "image/jpeg"),
        corrupt,
    )
    .await;
    ctx.check_refused(
        "truncated png",
        all,
        (truncated(png(300, 200)), "cut.png", "image/png"),
        corrupt,
    )
    .await;
    ctx.check_refused(
        "truncated webp",
        all,
        (truncated(webp(300, 200)), "cut.webp", "image/webp"),
        corrupt,
    )
    .await;
    ctx.check_refused(
        "png bomb",
        all,
        (png_declaring(100_000, 100_000), "bomb.png", "image/png"),
        too_many_pixels,
    )
    .await;
    ctx.check_refused(
        "png strip",
        all,
        (png_declaring(40_000_000, 1), "strip.png", "image/png"),
        too_many_pixels,
    )
    .await;
    ctx.check_refused(
        "jpeg bomb",
        all,
        (jpeg_declaring(60_000, 60_000), "bomb.jpg", "image/jpeg"),
        too_many_pixels,
    )
    .await;
    // An empty body is no photo. (A create with an empty file part is a form submitted
    // without choosing a photo, so it creates the product without one.)
    let puts = &ALL_TARGETS[1..];
    ctx.check_refused(
        "empty",
        puts,
        (Vec::new(), "empty.jpg", "image/jpeg"),
        (422, "empty_image"),
    )
    .await;
    // Over 15 MiB of photo, sent raw or as a part of a multipart body under 16 MiB.
    ctx.check_refused(
        "15 MiB + 1 byte",
        all,
        (oversized_jpeg(15 * MIB + 1), "huge.jpg", "image/jpeg"),
        (413, "image_too_large"),
    )
    .await;
    ctx.app.stop().await;
}

#[tokio::test]
async fn a_multipart_body_over_the_upload_limit_is_413_on_image() {
    let ctx = Ctx::new().await;
    let before = ctx.snapshot().await;
    for target in [
        Target::Create,
        Target::ProductMultipart,
        Target::LogoMultipart,
    ] {
        let reply = ctx
            .upload(
                target,
                oversized_jpeg(16 * MIB + 1024),
                "huge.jpg",
                "image/jpeg",
            )
            .await;
        assert_eq!(
            (reply.status, reply.code(), reply.field()),
            (413, "image_too_large", Some("image")),
            "{target:?}: {}",
            reply.body
        );
        reply.assert_error_shape();
    }
    assert_eq!(ctx.snapshot().await, before);
    ctx.app.stop().await;
}

#[tokio::test]
async fn exif_and_gps_never_reach_a_served_variant() {
    let ctx = Ctx::new().await;
    // Orientation 6: the camera was turned; the 300x200 sensor image is a 200x300 photo.
    let upload = jpeg_with_exif(300, 200, 6);
    assert!(contains_bytes(&upload, b"Exif"));
    assert!(contains_bytes(&upload, &GPS_LATITUDE_RATIONALS));
    for target in ALL_TARGETS {
        let reply = ctx
            .upload(target, upload.clone(), "IMG_0001.jpg", "image/jpeg")
            .await;
        assert!(
            reply.status == 200 || reply.status == 201,
            "{target:?}: {}",
            reply.body
        );
        let image = match target {
            Target::LogoRaw | Target::LogoMultipart => &reply.body["logo"],
            _ => &reply.body["image"],
        };
        assert_eq!(
            (&image["width"], &image["height"]),
            (&json!(200), &json!(300)),
            "{image}"
        );
        let urls = variant_urls(image);
        assert!(urls.len() >= 4, "{image}");
        for url in urls {
            let bytes = fetch_variant(&ctx.app, &url).await;
            assert!(!contains_bytes(&bytes, b"Exif"), "{url} carries EXIF");
            assert!(
                !contains_bytes(&bytes, &GPS_LATITUDE_RATIONALS),
                "{url} carries GPS"
            );
            // Decoded, the variant is upright: taller than wide.
            let decoded = image::load_from_memory(&bytes).unwrap();
            assert!(decoded.height() > decoded.width(), "{url}");
        }
    }
    // The storefront serves the same clean variants.
    let (_, store) = ctx
        .app
        .get_json(
            &format!("/api/v1/stores/{}", ctx.store_id),
            Some(&ctx.token),
        )
        .await;
    let (_, catalog) = ctx
        .app
        .get_json(
            &format!("/api/v1/storefront/{}", store["slug"].as_str().unwrap()),
            None,
        )
        .await;
    for product in catalog["products"].as_array().unwrap() {
        for url in variant_urls(&product["image"]) {
            let bytes = fetch_variant(&ctx.app, &url).await;
            assert!(
                !contains_bytes(&bytes, b"Exif")
                    && !contains_bytes(&bytes, &GPS_LATITUDE_RATIONALS)
            );
        }
    }
    ctx.app.stop().await;
}
