//! `process_image`: the synchronous, CPU-bound pipeline from uploaded bytes to encoded
//! variants. Call it from a blocking thread (`ImageProcessor` does).
//!
//! Order matters for safety: size, then sniffed type, then declared dimensions, and only
//! then a pixel buffer is allocated.

use std::fmt;
use std::io::Cursor;
use std::time::Instant;

use bytes::Bytes;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};

use crate::encode::encode_variant;
use crate::resize::{scaled_height, swaps_axes, Resampler};
use crate::sniff::{check_jpeg_complete, sniff_format};
use crate::{ImagePolicy, MediaError, MediaKey, VariantFormat};

/// One encoded rendition of an upload.
#[derive(Clone)]
pub struct Variant {
    pub width: u32,
    pub height: u32,
    pub format: VariantFormat,
    pub key: MediaKey,
    pub bytes: Bytes,
}

impl fmt::Debug for Variant {
    // Hand-written so logging a variant prints its size, not megabytes of bytes.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Variant")
            .field("key", &self.key)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("format", &self.format)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// The result of processing one upload: its identity and every variant to store.
#[derive(Clone, Debug)]
pub struct ProcessedImage {
    /// Lowercase hex SHA-256 of the uploaded bytes; the first segment of every key.
    pub hash: String,
    /// Width after EXIF orientation was applied.
    pub width: u32,
    /// Height after EXIF orientation was applied.
    pub height: u32,
    /// Each planned width in each `VariantFormat`, smallest width first.
    pub variants: Vec<Variant>,
}

impl ProcessedImage {
    /// The distinct variant widths, ascending (what a product row records for `srcset`).
    pub fn variant_widths(&self) -> Vec<u32> {
        let mut widths: Vec<u32> = self.variants.iter().map(|variant| variant.width).collect();
        widths.sort_unstable();
        widths.dedup();
        widths
    }
}

/// Validates, decodes, orients, resizes and re-encodes one upload. CPU-bound and
/// synchronous: never call it on an async worker thread.
pub fn process_image(bytes: &[u8], policy: &ImagePolicy) -> Result<ProcessedImage, MediaError> {
    let started = Instant::now();
    let result = process_unrecorded(bytes, policy);
    match &result {
        Ok(processed) => {
            let elapsed = started.elapsed();
            metrics::histogram!("haat_image_process_seconds").record(elapsed.as_secs_f64());
            tracing::debug!(
                image.hash = %processed.hash,
                image.width = processed.width,
                image.height = processed.height,
                image.variant_count = processed.variants.len(),
                duration_ms = elapsed.as_millis() as u64,
                "image processed"
            );
        }
        Err(error) => record_failure(error),
    }
    result
}

/// Counts a refused upload by reason, or logs a server-side failure.
pub(crate) fn record_failure(error: &MediaError) {
    if error.is_client_error() {
        metrics::counter!("haat_image_rejected_total", "reason" => error.code()).increment(1);
        tracing::debug!(error.code = error.code(), "image rejected");
    } else {
        tracing::error!(error = %error, error.code = error.code(), "image processing failed");
    }
}

fn process_unrecorded(bytes: &[u8], policy: &ImagePolicy) -> Result<ProcessedImage, MediaError> {
    policy.check_upload_size(bytes)?;
    let format = sniff_format(bytes)?;

    // Header-only pass: `into_decoder` parses headers but allocates no pixel buffer. The
    // allocation budget is already set so that PNG metadata chunks (zTXt, iCCP) cannot
    // inflate past it while the header is read.
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(header_limits(policy));
    let mut decoder = reader.into_decoder().map_err(decode_error)?;
    let (stored_width, stored_height) = decoder.dimensions();
    policy.check_dimensions(stored_width, stored_height)?;

    let too_many_pixels = MediaError::TooManyPixels {
        width: stored_width,
        height: stored_height,
    };
    if decoder.total_bytes() > policy.decode_alloc_budget() {
        return Err(too_many_pixels);
    }
    decoder
        .set_limits(decode_limits(policy))
        .map_err(|_| too_many_pixels)?;
    if format == ImageFormat::Jpeg {
        check_jpeg_complete(bytes)?;
    }

    // A photo whose EXIF block is damaged still uploads, just unrotated.
    let orientation = decoder.orientation().unwrap_or_else(|error| {
        tracing::debug!(error = %error, "unreadable exif orientation ignored");
        Orientation::NoTransforms
    });
    let decoded = DynamicImage::from_decoder(decoder).map_err(|error| match error {
        ImageError::Limits(_) => MediaError::TooManyPixels {
            width: stored_width,
            height: stored_height,
        },
        other => decode_error(other),
    })?;
    let decoded = into_rgb8_or_rgba8(decoded);

    let (width, height) = if swaps_axes(orientation) {
        (stored_height, stored_width)
    } else {
        (stored_width, stored_height)
    };
    let hash = hex::encode(Sha256::digest(bytes));
    let widths = policy.planned_widths(width);
    let variants = render_variants(
        decoded,
        orientation,
        (width, height),
        &widths,
        &hash,
        policy,
    )?;
    Ok(ProcessedImage {
        hash,
        width,
        height,
        variants,
    })
}

/// Resizes to each planned width and encodes each size in every format.
fn render_variants(
    decoded: DynamicImage,
    orientation: Orientation,
    (width, height): (u32, u32),
    widths: &[u32],
    hash: &str,
    policy: &ImagePolicy,
) -> Result<Vec<Variant>, MediaError> {
    let mut resampler = Resampler::new();

    // Shrink to the largest variant *before* orienting: rotating a 40 MP decode would copy
    // 160 MB, rotating a 1600 px image is cheap. The smaller variants are then resampled
    // from that oriented base rather than from the full decode, which bounds the work.
    let largest_width = widths.last().copied().unwrap_or(width);
    let largest_height = scaled_height(width, height, largest_width);
    let (stored_target_width, stored_target_height) = if swaps_axes(orientation) {
        (largest_height, largest_width)
    } else {
        (largest_width, largest_height)
    };
    let needs_shrinking =
        (decoded.width(), decoded.height()) != (stored_target_width, stored_target_height);
    let mut base = if needs_shrinking {
        let shrunk = resampler.resize(&decoded, stored_target_width, stored_target_height)?;
        // Free the full decode before encoding starts, to lower peak memory.
        drop(decoded);
        shrunk
    } else {
        decoded
    };
    base.apply_orientation(orientation);

    let mut variants = Vec::with_capacity(widths.len() * VariantFormat::ALL.len());
    for &target_width in widths {
        let target_height = scaled_height(width, height, target_width);
        let resized;
        let sized = if (base.width(), base.height()) == (target_width, target_height) {
            &base
        } else {
            resized = resampler.resize(&base, target_width, target_height)?;
            &resized
        };
        for format in VariantFormat::ALL {
            let bytes = encode_variant(sized, format, policy.jpeg_quality, policy.webp_quality)?;
            variants.push(Variant {
                width: target_width,
                height: target_height,
                format,
                key: MediaKey::new(hash, target_width, format),
                bytes,
            });
        }
    }
    Ok(variants)
}

/// Limits while reading headers: the allocation budget only. Width and height are left
/// unlimited here so the dimensions can be read and refused with `TooManyPixels`, which
/// carries them, instead of an opaque limit error.
fn header_limits(policy: &ImagePolicy) -> Limits {
    let mut limits = Limits::no_limits();
    limits.max_alloc = Some(policy.decode_alloc_budget());
    limits
}

/// Limits while decoding pixels: every limit the decoders support, as a second line of
/// defence behind `ImagePolicy::check_dimensions`.
fn decode_limits(policy: &ImagePolicy) -> Limits {
    let mut limits = header_limits(policy);
    limits.max_image_width = Some(policy.max_dimension);
    limits.max_image_height = Some(policy.max_dimension);
    limits
}

/// Normalises to the two layouts the resizer and encoders handle: RGBA8 when the source
/// has alpha, RGB8 otherwise (16-bit PNGs and greyscale are converted here).
fn into_rgb8_or_rgba8(image: DynamicImage) -> DynamicImage {
    match image {
        DynamicImage::ImageRgb8(_) | DynamicImage::ImageRgba8(_) => image,
        other if other.color().has_alpha() => DynamicImage::ImageRgba8(other.to_rgba8()),
        other => DynamicImage::ImageRgb8(other.to_rgb8()),
    }
}

/// Maps a decoder failure to a client-facing error. The decoder's own message is logged
/// at debug level only: it can quote internal offsets and crate names.
fn decode_error(error: ImageError) -> MediaError {
    tracing::debug!(error = %error, "image decoding failed");
    match error {
        ImageError::Limits(_) => MediaError::Corrupt("image exceeds decoding limits".into()),
        // A real JPEG/PNG/WebP using a variant the decoder lacks (say, an exotic PNG
        // colour mode): the seller's remedy is to re-export it, as for a damaged file.
        ImageError::Unsupported(_) => {
            MediaError::Corrupt("the image uses an encoding that cannot be read".into())
        }
        _ => MediaError::Corrupt("the file is damaged or incomplete".into()),
    }
}
