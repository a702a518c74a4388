//! Resampling with `fast_image_resize` (SIMD, far faster than `image::imageops`) and the
//! geometry of EXIF orientation.

use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::metadata::Orientation;
use image::DynamicImage;

use crate::MediaError;

/// Height that keeps the aspect ratio at `target_width`, rounded, never 0 (a 4000x1
/// banner still needs one row at 160 px).
pub(crate) fn scaled_height(width: u32, height: u32, target_width: u32) -> u32 {
    let scaled = (u64::from(height) * u64::from(target_width) + u64::from(width) / 2)
        / u64::from(width).max(1);
    u32::try_from(scaled).unwrap_or(u32::MAX).max(1)
}

/// True when applying `orientation` swaps width and height.
pub(crate) fn swaps_axes(orientation: Orientation) -> bool {
    matches!(
        orientation,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    )
}

/// Reusable resampler; keeps its scratch buffers between the variants of one image.
pub(crate) struct Resampler {
    resizer: Resizer,
    options: ResizeOptions,
}

impl Resampler {
    pub(crate) fn new() -> Self {
        Resampler {
            resizer: Resizer::new(),
            // Lanczos3 keeps product detail (fabric, print) sharp when shrinking 10x or
            // more; the alpha channel is premultiplied by the resizer so transparent edges
            // do not bleed dark fringes.
            options: ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3)),
        }
    }

    /// Resamples `source` (8-bit RGB or RGBA) to exactly `width` x `height`.
    pub(crate) fn resize(
        &mut self,
        source: &DynamicImage,
        width: u32,
        height: u32,
    ) -> Result<DynamicImage, MediaError> {
        let mut destination = DynamicImage::new(width, height, source.color());
        self.resizer
            .resize(source, &mut destination, &self.options)
            .map_err(|error| MediaError::Processing(format!("resize failed: {error}")))?;
        Ok(destination)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaled_height_rounds_and_never_hits_zero() {
        assert_eq!(scaled_height(4000, 3000, 1600), 1200);
        assert_eq!(scaled_height(3, 2, 2), 1);
        assert_eq!(scaled_height(4000, 1, 160), 1);
        assert_eq!(scaled_height(1000, 1001, 500), 501);
    }
}
