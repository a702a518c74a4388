//! Test images built in code: no fixtures to download, and each one shows exactly which
//! bytes make it interesting (an EXIF block with GPS, a header that lies about its size).

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::webp::WebPEncoder;
use image::{DynamicImage, ImageEncoder, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};

pub const RED: [u8; 3] = [220, 20, 20];
pub const BLUE: [u8; 3] = [20, 20, 220];

pub use haat_testkit::exif::GPS_LATITUDE_RATIONALS;

/// A `width` x `height` RGB image: left half red, right half blue, so a rotation is
/// visible in the output pixels.
pub fn two_tone(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, _| {
        if x < width / 2 {
            Rgb(RED)
        } else {
            Rgb(BLUE)
        }
    })
}

pub fn encode_jpeg(image: &RgbImage) -> Vec<u8> {
    let mut output = Vec::new();
    JpegEncoder::new_with_quality(&mut output, 90)
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            image::ExtendedColorType::Rgb8,
        )
        .unwrap();
    output
}

pub fn encode_png(image: &DynamicImage) -> Vec<u8> {
    let mut output = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut output), ImageFormat::Png)
        .unwrap();
    output
}

pub fn encode_lossless_webp(image: &RgbaImage) -> Vec<u8> {
    let mut output = Vec::new();
    WebPEncoder::new_lossless(&mut output)
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            image::ExtendedColorType::Rgba8,
        )
        .unwrap();
    output
}

/// An RGBA image, opaque red on the left half and fully transparent on the right.
pub fn half_transparent(width: u32, height: u32) -> RgbaImage {
    RgbaImage::from_fn(width, height, |x, _| {
        if x < width / 2 {
            Rgba([RED[0], RED[1], RED[2], 255])
        } else {
            Rgba([0, 0, 0, 0])
        }
    })
}

/// A JPEG of `image` carrying an APP1 EXIF segment with Orientation = `orientation` and a
/// GPS IFD holding a latitude, as a phone camera writes it.
pub fn jpeg_with_exif(image: &RgbImage, orientation: u16) -> Vec<u8> {
    haat_testkit::exif::insert_exif(&encode_jpeg(image), orientation)
}

pub use haat_testkit::png::png_declaring;

/// Rewrites the dimensions in a baseline JPEG's SOF0 segment, leaving the (small) scan
/// data as it is: a JPEG header that lies about its size.
pub fn jpeg_declaring(jpeg: &[u8], width: u16, height: u16) -> Vec<u8> {
    let mut patched = jpeg.to_vec();
    let sof = patched
        .windows(2)
        .position(|marker| marker == [0xFF, 0xC0])
        .expect("baseline jpeg has SOF0");
    // FFC0, length (2), precision (1), height (2), width (2)
    patched[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
    patched[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
    patched
}

/// True when `needle` occurs anywhere in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}
