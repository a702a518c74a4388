//! Product photos: `K` distinct pictures drawn in code (a gradient, a shape and stripes
//! in colours chosen by the seed), each sent once through the real media pipeline
//! (`ImageProcessor` → `MediaStore::put_image`) and then referenced by many image rows.

use anyhow::Context;
use bytes::Bytes;
use futures::{StreamExt as _, TryStreamExt as _};
use haat_media::{ImagePolicy, ImageProcessor, MediaStore};
use image::{ImageBuffer, Rgb};

use super::rng::{Purpose, SplitMix64};

/// Side of a drawn photo: large enough for the 160, 480 and 960 px variants.
const SIDE: u32 = 1_000;

/// A processed photo as image rows record it.
#[derive(Clone, Debug)]
pub struct Photo {
    pub hash: String,
    pub width: u32,
    pub height: u32,
    pub variant_widths: Vec<u32>,
}

/// Draws, processes and stores `count` photos; the same seed gives the same photos (and
/// so the same content hashes). Storing is idempotent: keys already present are skipped.
pub async fn make(seed: u64, count: u32, media: &MediaStore) -> anyhow::Result<Vec<Photo>> {
    let processor = ImageProcessor::new(ImagePolicy::default());
    // As many photos in flight as there are CPUs: drawing all of them at once would hold
    // every pixel buffer (and a malloc arena per blocking thread) for nothing.
    let parallel = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let jobs = (0..count).map(|index| {
        let processor = processor.clone();
        async move {
            let drawn = tokio::task::spawn_blocking(move || draw(seed, index))
                .await
                .context("drawing a photo")?;
            let processed = processor
                .process(drawn)
                .await
                .with_context(|| format!("processing generated photo {index}"))?;
            media
                .put_image(&processed)
                .await
                .with_context(|| format!("storing generated photo {index}"))?;
            anyhow::Ok(Photo {
                variant_widths: processed.variant_widths(),
                hash: processed.hash,
                width: processed.width,
                height: processed.height,
            })
        }
    });
    futures::stream::iter(jobs)
        .buffered(parallel)
        .try_collect()
        .await
}

/// One photo as JPEG: a diagonal gradient between two colours, a disc or a square in a
/// third, and soft stripes, all placed by the seed.
fn draw(seed: u64, index: u32) -> Bytes {
    let mut rng = SplitMix64::stream(seed, u64::from(index), Purpose::Photo);
    let colour = |rng: &mut SplitMix64| {
        [
            rng.between(30, 230) as f32,
            rng.between(30, 230) as f32,
            rng.between(30, 230) as f32,
        ]
    };
    let (from, to, shape) = (colour(&mut rng), colour(&mut rng), colour(&mut rng));
    let side = SIDE as f32;
    let (cx, cy) = (
        side * (0.3 + 0.4 * rng.unit() as f32),
        side * (0.3 + 0.4 * rng.unit() as f32),
    );
    let radius = side * (0.15 + 0.15 * rng.unit() as f32);
    let square = rng.chance(0.5);
    let stripe = 40.0 + rng.between(0, 80) as f32;
    let image = ImageBuffer::from_fn(SIDE, SIDE, |x, y| {
        let (x, y) = (x as f32, y as f32);
        let t = (x + y) / (2.0 * side);
        let band = if ((x - y) / stripe).floor() as i64 % 2 == 0 {
            1.0
        } else {
            0.92
        };
        let mut pixel = [0u8; 3];
        let inside = if square {
            (x - cx).abs() < radius && (y - cy).abs() < radius
        } else {
            (x - cx).hypot(y - cy) < radius
        };
        for channel in 0..3 {
            let value = if inside {
                let shade = 1.0 - 0.3 * ((y - cy + radius) / (2.0 * radius)).clamp(0.0, 1.0);
                shape[channel] * shade
            } else {
                (from[channel] * (1.0 - t) + to[channel] * t) * band
            };
            pixel[channel] = value.clamp(0.0, 255.0) as u8;
        }
        Rgb(pixel)
    });
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 85)
        .encode_image(&image)
        .expect("encoding an in-memory image cannot fail");
    Bytes::from(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn photos_are_reproducible_and_distinct() {
        assert_eq!(draw(1, 0), draw(1, 0));
        assert_ne!(draw(1, 0), draw(1, 1));
        assert_ne!(draw(1, 0), draw(2, 0));
    }
}
