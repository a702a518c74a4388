//! Encoding variants from raw pixels. Nothing here receives metadata from the source
//! file, which is what keeps EXIF/GPS, XMP and ICC data out of every published image.

use bytes::Bytes;
use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageEncoder, RgbImage, RgbaImage};

use crate::{MediaError, VariantFormat};

/// Encodes an 8-bit RGB or RGBA image in `format`.
pub(crate) fn encode_variant(
    image: &DynamicImage,
    format: VariantFormat,
    jpeg_quality: u8,
    webp_quality: f32,
) -> Result<Bytes, MediaError> {
    match format {
        VariantFormat::Webp => encode_webp(image, webp_quality),
        VariantFormat::Jpeg => encode_jpeg(image, jpeg_quality),
    }
}

/// Lossy WebP through libwebp, keeping transparency (cut-out product shots on a shop's
/// own background colour).
fn encode_webp(image: &DynamicImage, quality: f32) -> Result<Bytes, MediaError> {
    let quality = quality.clamp(0.0, 100.0);
    let encoder = match image {
        DynamicImage::ImageRgba8(rgba) => {
            webp::Encoder::from_rgba(rgba.as_raw(), rgba.width(), rgba.height())
        }
        DynamicImage::ImageRgb8(rgb) => {
            webp::Encoder::from_rgb(rgb.as_raw(), rgb.width(), rgb.height())
        }
        other => {
            return Err(MediaError::Processing(format!(
                "webp encoder got unexpected pixel layout {:?}",
                other.color()
            )))
        }
    };
    // `encode_simple` returns the libwebp error; `encode` would panic on it.
    let memory = encoder
        .encode_simple(false, quality)
        .map_err(|error| MediaError::Processing(format!("webp encoding failed: {error:?}")))?;
    Ok(Bytes::copy_from_slice(&memory))
}

/// Baseline JPEG from RGB8. JPEG has no alpha, so transparency is flattened onto white
/// (what a product photo on a white page looks like) rather than image's default black.
fn encode_jpeg(image: &DynamicImage, quality: u8) -> Result<Bytes, MediaError> {
    let flattened;
    let rgb: &RgbImage = match image {
        DynamicImage::ImageRgb8(rgb) => rgb,
        DynamicImage::ImageRgba8(rgba) => {
            flattened = flatten_onto_white(rgba);
            &flattened
        }
        other => {
            return Err(MediaError::Processing(format!(
                "jpeg encoder got unexpected pixel layout {:?}",
                other.color()
            )))
        }
    };
    let mut output = Vec::with_capacity(rgb.as_raw().len() / 8);
    JpegEncoder::new_with_quality(&mut output, quality.clamp(1, 100))
        .write_image(
            rgb.as_raw(),
            rgb.width(),
            rgb.height(),
            image::ExtendedColorType::Rgb8,
        )
        .map_err(|error| MediaError::Processing(format!("jpeg encoding failed: {error}")))?;
    Ok(Bytes::from(output))
}

/// Composites straight (non-premultiplied) RGBA over an opaque white background.
pub(crate) fn flatten_onto_white(rgba: &RgbaImage) -> RgbImage {
    let mut rgb = RgbImage::new(rgba.width(), rgba.height());
    for (target, source) in rgb.pixels_mut().zip(rgba.pixels()) {
        let [red, green, blue, alpha] = source.0;
        let alpha = u32::from(alpha);
        let over_white = |channel: u8| -> u8 {
            let blended = (u32::from(channel) * alpha + 255 * (255 - alpha) + 127) / 255;
            // `blended` is at most 255 by construction; the fallback is unreachable.
            u8::try_from(blended).unwrap_or(u8::MAX)
        };
        target.0 = [over_white(red), over_white(green), over_white(blue)];
    }
    rgb
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgba;

    #[test]
    fn flatten_blends_towards_white() {
        let mut rgba = RgbaImage::new(3, 1);
        rgba.put_pixel(0, 0, Rgba([0, 0, 0, 0]));
        rgba.put_pixel(1, 0, Rgba([0, 0, 0, 255]));
        rgba.put_pixel(2, 0, Rgba([200, 0, 100, 128]));
        let rgb = flatten_onto_white(&rgba);
        assert_eq!(rgb.get_pixel(0, 0).0, [255, 255, 255]);
        assert_eq!(rgb.get_pixel(1, 0).0, [0, 0, 0]);
        assert_eq!(rgb.get_pixel(2, 0).0, [227, 127, 177]);
    }

    #[test]
    fn encoders_produce_their_magic_bytes() {
        let image = DynamicImage::ImageRgba8(RgbaImage::from_pixel(8, 8, Rgba([1, 2, 3, 4])));
        let webp = encode_variant(&image, VariantFormat::Webp, 82, 78.0).unwrap();
        assert_eq!(&webp[..4], b"RIFF");
        assert_eq!(&webp[8..12], b"WEBP");
        let jpeg = encode_variant(&image, VariantFormat::Jpeg, 82, 78.0).unwrap();
        assert_eq!(&jpeg[..3], &[0xFF, 0xD8, 0xFF]);
    }
}
