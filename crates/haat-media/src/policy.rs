//! `ImagePolicy` and the cheap checks made before any pixel is decoded: upload size and
//! declared dimensions. Also decides which widths to produce.

use crate::MediaError;

/// Widths (px) of the variants a storefront picks from with `srcset`: thumbnail, card,
/// product page, zoom.
pub const DEFAULT_WIDTHS: [u32; 4] = [160, 480, 960, 1600];

/// Head-room on top of the decoded pixel buffer for decoder tables and scratch space.
const DECODE_ALLOC_SLACK_BYTES: u64 = 64 * 1024 * 1024;

/// Limits and output settings for processing uploads.
#[derive(Clone, Debug, PartialEq)]
pub struct ImagePolicy {
    /// Largest upload accepted, in bytes. Phone JPEGs are 2–8 MB; 15 MiB leaves room for
    /// 48 MP sensors without inviting abuse.
    pub max_upload_bytes: usize,
    /// Largest `width * height` decoded. Bounds memory: 40 MP decodes to 160 MB of RGBA.
    pub max_pixels: u64,
    /// Longest side accepted, so a 1 x 40,000,000 strip cannot pass the pixel check.
    pub max_dimension: u32,
    /// Variant widths to produce (order and duplicates do not matter).
    pub widths: Vec<u32>,
    /// JPEG quality, 1–100.
    pub jpeg_quality: u8,
    /// Lossy WebP quality, 0.0–100.0.
    pub webp_quality: f32,
}

impl Default for ImagePolicy {
    fn default() -> Self {
        ImagePolicy {
            max_upload_bytes: 15 * 1024 * 1024,
            max_pixels: 40_000_000,
            max_dimension: 12_000,
            widths: DEFAULT_WIDTHS.to_vec(),
            jpeg_quality: 82,
            webp_quality: 78.0,
        }
    }
}

impl ImagePolicy {
    /// The `image::Limits::max_alloc` for decoding: the largest allowed RGBA8 buffer plus
    /// slack. Dimensions are already checked by then; this is the decoder's own backstop
    /// (it also refuses a 16-bit PNG whose buffer would be twice the 8-bit size).
    pub(crate) fn decode_alloc_budget(&self) -> u64 {
        self.max_pixels
            .saturating_mul(4)
            .saturating_add(DECODE_ALLOC_SLACK_BYTES)
    }

    /// Refuses empty and oversized uploads before anything else looks at the bytes.
    pub(crate) fn check_upload_size(&self, upload: &[u8]) -> Result<(), MediaError> {
        if upload.is_empty() {
            return Err(MediaError::Empty);
        }
        if upload.len() > self.max_upload_bytes {
            return Err(MediaError::TooLarge {
                limit_bytes: self.max_upload_bytes,
            });
        }
        Ok(())
    }

    /// Refuses declared dimensions over the pixel or side limits (and zero-sized images,
    /// which no encoder can write).
    pub(crate) fn check_dimensions(&self, width: u32, height: u32) -> Result<(), MediaError> {
        if width == 0 || height == 0 {
            return Err(MediaError::Corrupt("image has no pixels".into()));
        }
        let pixels = u64::from(width) * u64::from(height);
        if pixels > self.max_pixels || width > self.max_dimension || height > self.max_dimension {
            return Err(MediaError::TooManyPixels { width, height });
        }
        Ok(())
    }

    /// The widths to produce for an image `original_width` px wide (after orientation).
    ///
    /// Every policy width smaller than the original, never an upscale. When some policy
    /// width is as large as or larger than the original, the original width is added as the
    /// largest variant, so the best available quality is always served: a 300 px upload
    /// yields 160 and 300, a 100 px upload yields only 100, a 4000 px upload yields the
    /// policy widths.
    pub fn planned_widths(&self, original_width: u32) -> Vec<u32> {
        let mut policy_widths: Vec<u32> = self
            .widths
            .iter()
            .copied()
            .filter(|width| *width > 0)
            .collect();
        policy_widths.sort_unstable();
        policy_widths.dedup();

        let mut planned: Vec<u32> = policy_widths
            .iter()
            .copied()
            .filter(|width| *width < original_width)
            .collect();
        let some_width_not_below_original = policy_widths
            .last()
            .is_none_or(|largest| *largest >= original_width);
        if some_width_not_below_original {
            planned.push(original_width);
        }
        planned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_widths(original_width: u32, expected: &[u32]) {
        let planned = ImagePolicy::default().planned_widths(original_width);
        assert_eq!(planned, expected, "original width {original_width}");
    }

    #[test]
    fn planned_widths_never_upscale() {
        check_widths(4000, &[160, 480, 960, 1600]);
        check_widths(1601, &[160, 480, 960, 1600]);
        check_widths(1600, &[160, 480, 960, 1600]);
        check_widths(1200, &[160, 480, 960, 1200]);
        check_widths(480, &[160, 480]);
        check_widths(300, &[160, 300]);
        check_widths(160, &[160]);
        check_widths(100, &[100]);
        check_widths(1, &[1]);
    }

    #[test]
    fn planned_widths_tolerate_messy_policies() {
        let policy = ImagePolicy {
            widths: vec![960, 0, 160, 960],
            ..ImagePolicy::default()
        };
        assert_eq!(policy.planned_widths(2000), [160, 960]);
        let empty = ImagePolicy {
            widths: Vec::new(),
            ..ImagePolicy::default()
        };
        assert_eq!(empty.planned_widths(2000), [2000]);
    }

    #[test]
    fn dimension_limits() {
        let policy = ImagePolicy::default();
        assert!(policy.check_dimensions(8000, 5000).is_ok());
        assert!(matches!(
            policy.check_dimensions(8000, 5001),
            Err(MediaError::TooManyPixels { .. })
        ));
        assert!(matches!(
            policy.check_dimensions(12_001, 10),
            Err(MediaError::TooManyPixels { .. })
        ));
        assert!(matches!(
            policy.check_dimensions(0, 10),
            Err(MediaError::Corrupt(_))
        ));
    }
}
