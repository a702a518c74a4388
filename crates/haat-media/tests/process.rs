//! The upload pipeline at its public boundary: bytes in, `ProcessedImage` or `MediaError`
//! out.

mod support;

use std::time::{Duration, Instant};

use bytes::Bytes;
use haat_media::{
    process_image, ImagePolicy, ImageProcessor, MediaError, ProcessedImage, VariantFormat,
};
use image::{DynamicImage, GenericImageView, ImageFormat};
use sha2::{Digest, Sha256};
use support::*;

fn process(bytes: &[u8]) -> Result<ProcessedImage, MediaError> {
    process_image(bytes, &ImagePolicy::default())
}

fn decode(bytes: &[u8]) -> DynamicImage {
    image::load_from_memory(bytes).expect("variant decodes")
}

/// Every variant decodes in its declared format to its declared size, under its key.
fn assert_variants_consistent(processed: &ProcessedImage) {
    assert_eq!(processed.hash.len(), 64);
    for variant in &processed.variants {
        let expected_format = match variant.format {
            VariantFormat::Webp => ImageFormat::WebP,
            VariantFormat::Jpeg => ImageFormat::Jpeg,
        };
        assert_eq!(
            image::guess_format(&variant.bytes).unwrap(),
            expected_format
        );
        let decoded = decode(&variant.bytes);
        assert_eq!(decoded.dimensions(), (variant.width, variant.height));
        let expected_key = format!(
            "{}/{}.{}",
            processed.hash,
            variant.width,
            variant.format.extension()
        );
        assert_eq!(variant.key.as_str(), expected_key);
    }
}

fn assert_rejected(bytes: &[u8], expected_code: &str) {
    match process(bytes) {
        Err(error) => assert_eq!(error.code(), expected_code, "{error}"),
        Ok(processed) => panic!("expected {expected_code}, got {processed:?}"),
    }
}

#[test]
fn exif_gps_is_stripped_and_orientation_applied() {
    // Stored landscape, 64x32, with Orientation = 6 ("rotate 90° clockwise to view").
    let upload = jpeg_with_exif(&two_tone(64, 32), 6);
    // Sanity: the input really carries what must not leak.
    assert!(contains(&upload, b"Exif"));
    assert!(contains(&upload, &GPS_LATITUDE_RATIONALS));

    let processed = process(&upload).unwrap();
    assert_eq!((processed.width, processed.height), (32, 64));
    assert_eq!(processed.variant_widths(), [32]);
    assert_variants_consistent(&processed);

    for variant in &processed.variants {
        assert!(!contains(&variant.bytes, b"Exif"), "{variant:?}");
        assert!(
            !contains(&variant.bytes, &GPS_LATITUDE_RATIONALS),
            "{variant:?}"
        );
        assert!(!contains(&variant.bytes, b"MM\0\x2A"), "{variant:?}");
        // Clockwise rotation turns the red left half into the top half.
        let pixels = decode(&variant.bytes).to_rgb8();
        let top = pixels.get_pixel(16, 8).0;
        let bottom = pixels.get_pixel(16, 56).0;
        assert!(top[0] > 150 && top[2] < 100, "top should be red: {top:?}");
        assert!(
            bottom[2] > 150 && bottom[0] < 100,
            "bottom should be blue: {bottom:?}"
        );
    }
}

#[test]
fn orientation_1_leaves_the_image_as_stored() {
    let processed = process(&jpeg_with_exif(&two_tone(64, 32), 1)).unwrap();
    assert_eq!((processed.width, processed.height), (64, 32));
}

#[test]
fn png_alpha_kept_in_webp_and_flattened_onto_white_in_jpeg() {
    let upload = encode_png(&DynamicImage::ImageRgba8(half_transparent(600, 400)));
    let processed = process(&upload).unwrap();
    assert_eq!(processed.variant_widths(), [160, 480, 600]);
    assert_variants_consistent(&processed);

    for variant in &processed.variants {
        let decoded = decode(&variant.bytes);
        let transparent_side = (variant.width * 7 / 8, variant.height / 2);
        let pixel = decoded
            .to_rgba8()
            .get_pixel(transparent_side.0, transparent_side.1)
            .0;
        match variant.format {
            VariantFormat::Webp => {
                assert!(decoded.color().has_alpha());
                assert_eq!(pixel[3], 0, "webp keeps transparency");
            }
            VariantFormat::Jpeg => {
                assert!(pixel[..3].iter().all(|channel| *channel > 245), "{pixel:?}");
            }
        }
    }
}

#[test]
fn webp_input_is_accepted() {
    let upload = encode_lossless_webp(&half_transparent(200, 100));
    let processed = process(&upload).unwrap();
    assert_eq!((processed.width, processed.height), (200, 100));
    assert_eq!(processed.variant_widths(), [160, 200]);
    assert_variants_consistent(&processed);
}

#[test]
fn variant_widths_never_upscale() {
    let large = process(&encode_jpeg(&two_tone(4000, 3000))).unwrap();
    assert_eq!(large.variant_widths(), [160, 480, 960, 1600]);
    let heights: Vec<u32> = large
        .variants
        .iter()
        .map(|variant| variant.height)
        .collect();
    assert_eq!(heights, [120, 120, 360, 360, 720, 720, 1200, 1200]);
    assert_variants_consistent(&large);

    // Narrower than the largest policy width: the original width is the top variant.
    let small = process(&encode_jpeg(&two_tone(300, 200))).unwrap();
    assert_eq!(small.variant_widths(), [160, 300]);

    // Narrower than the smallest policy width: one size, the original.
    let tiny = process(&encode_jpeg(&two_tone(100, 50))).unwrap();
    assert_eq!(tiny.variant_widths(), [100]);
    assert_eq!(tiny.variants.len(), 2, "one webp and one jpeg");
}

#[test]
fn hash_is_sha256_of_the_upload() {
    let upload = encode_jpeg(&two_tone(40, 40));
    let processed = process(&upload).unwrap();
    assert_eq!(processed.hash, hex::encode(Sha256::digest(&upload)));
    let again = process(&upload).unwrap();
    assert_eq!(processed.hash, again.hash);
}

#[test]
fn non_images_are_unsupported_whatever_they_claim() {
    let cases: [&[u8]; 9] = [
        b"just some text, named photo.jpg",
        b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n",
        b"<!DOCTYPE html><html><body><img src=x onerror=alert(1)></body></html>",
        b"<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>",
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;",
        b"BM\x1e\x00\x00\x00\x00\x00\x00\x00\x1a\x00\x00\x00",
        b"II*\x00\x08\x00\x00\x00",
        b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic",
        b"PK\x03\x04\x14\x00\x00\x00",
    ];
    for case in cases {
        assert_rejected(case, "unsupported_image_type");
    }
}

#[test]
fn empty_and_truncated_uploads_are_refused() {
    assert!(matches!(process(&[]), Err(MediaError::Empty)));

    let jpeg = encode_jpeg(&two_tone(256, 256));
    assert_rejected(&jpeg[..20], "corrupt_image");
    // Cut inside the scan data: the lenient decoder would pad it with grey.
    assert_rejected(&jpeg[..jpeg.len() / 2], "corrupt_image");
    assert_rejected(&jpeg[..jpeg.len() - 2], "corrupt_image");
    // Bytes after the end marker (phone trailers) are fine.
    let mut with_trailer = jpeg.clone();
    with_trailer.extend_from_slice(b"MotionPhoto_Data");
    assert!(process(&with_trailer).is_ok());
    let png = encode_png(&DynamicImage::ImageRgba8(half_transparent(64, 64)));
    assert_rejected(&png[..png.len() / 2], "corrupt_image");
    assert_rejected(&png[..30], "corrupt_image");
}

#[test]
fn corrupt_message_reveals_no_internals() {
    let jpeg = encode_jpeg(&two_tone(64, 64));
    let message = process(&jpeg[..20]).unwrap_err().to_string();
    assert!(!message.contains("zune"), "{message}");
    assert!(message.len() < 80, "{message}");
}

#[test]
fn decompression_bombs_are_refused_from_the_header() {
    let bomb = png_declaring(100_000, 100_000);
    assert!(bomb.len() < 100, "the bomb is a tiny file");
    let started = Instant::now();
    let error = process(&bomb).unwrap_err();
    assert!(
        matches!(
            error,
            MediaError::TooManyPixels {
                width: 100_000,
                height: 100_000
            }
        ),
        "{error:?}"
    );
    // Allocating and zeroing 40 GB would take far longer, or abort the test process.
    assert!(started.elapsed() < Duration::from_secs(1));

    // Within the longest-side limit but over the pixel limit.
    assert_rejected(&png_declaring(12_000, 12_000), "image_too_many_pixels");
    // A long thin strip passes the pixel limit but not the side limit.
    assert_rejected(&png_declaring(40_000, 10), "image_too_many_pixels");

    let jpeg_bomb = jpeg_declaring(&encode_jpeg(&two_tone(16, 16)), 65_000, 65_000);
    assert_rejected(&jpeg_bomb, "image_too_many_pixels");
}

#[test]
fn real_image_over_a_tight_pixel_limit_is_refused() {
    let policy = ImagePolicy {
        max_pixels: 1_000_000,
        ..ImagePolicy::default()
    };
    let upload = encode_png(&DynamicImage::ImageRgb8(two_tone(2000, 1000)));
    let error = process_image(&upload, &policy).unwrap_err();
    assert!(matches!(
        error,
        MediaError::TooManyPixels {
            width: 2000,
            height: 1000
        }
    ));
}

#[test]
fn uploads_over_the_byte_limit_are_refused_before_sniffing() {
    let policy = ImagePolicy {
        max_upload_bytes: 1000,
        ..ImagePolicy::default()
    };
    let upload = encode_jpeg(&two_tone(200, 200));
    assert!(upload.len() > 1000);
    let error = process_image(&upload, &policy).unwrap_err();
    assert!(matches!(error, MediaError::TooLarge { limit_bytes: 1000 }));
    assert!(error.is_client_error());

    let over_default = vec![0u8; 15 * 1024 * 1024 + 1];
    assert_rejected(&over_default, "image_too_large");
}

#[tokio::test]
async fn processor_runs_jobs_off_the_async_threads() {
    let processor = ImageProcessor::with_max_concurrent_jobs(ImagePolicy::default(), 1);
    let upload = Bytes::from(encode_jpeg(&two_tone(300, 200)));
    let mut jobs = tokio::task::JoinSet::new();
    for _ in 0..3 {
        let processor = processor.clone();
        let upload = upload.clone();
        jobs.spawn(async move { processor.process(upload).await });
    }
    while let Some(joined) = jobs.join_next().await {
        assert_eq!(joined.unwrap().unwrap().variant_widths(), [160, 300]);
    }

    let tiny_limit = ImageProcessor::new(ImagePolicy {
        max_upload_bytes: 10,
        ..ImagePolicy::default()
    });
    assert_eq!(tiny_limit.policy().max_upload_bytes, 10);
    let error = tiny_limit.process(upload).await.unwrap_err();
    assert_eq!(error.code(), "image_too_large");
}
