//! Image URLs and the responsive `<img>` attributes built from an [`ImageRef`]: which
//! variant goes in `src`, `srcset` and `og:image`.

use haat_domain::catalog::ImageRef;
use serde::Serialize;
use utoipa::ToSchema;

use crate::urls;
use crate::StorefrontConfig;

/// One stored variant of a photo, in both encodings, as absolute URLs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ImageVariantUrls {
    /// Pixel width of this variant.
    pub width: u32,
    /// WebP encoding: smaller; every current browser shows it.
    pub webp: String,
    /// JPEG encoding: for link previews (WhatsApp, Facebook) and very old browsers.
    pub jpeg: String,
}

/// The absolute URL of every variant of `image`, narrowest first.
pub fn image_urls(config: &StorefrontConfig, image: &ImageRef) -> Vec<ImageVariantUrls> {
    sorted_widths(image)
        .into_iter()
        .map(|width| ImageVariantUrls {
            width,
            webp: urls::image_url(&config.media_base_url, &image.hash, width, WEBP),
            jpeg: urls::image_url(&config.media_base_url, &image.hash, width, JPEG),
        })
        .collect()
}

const WEBP: &str = "webp";
const JPEG: &str = "jpg";

/// Everything an `<img>` tag needs; rendered by the templates.
#[derive(Clone, Debug)]
pub(crate) struct Picture {
    pub src: String,
    pub srcset: String,
    pub sizes: &'static str,
    pub width: u32,
    pub height: u32,
    pub alt: String,
    /// Loaded at once rather than lazily: the images of the first screen.
    pub eager: bool,
}

/// How an image is laid out, which decides the variants offered and the `sizes` hint.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Slot {
    /// A product card in the grid: half the screen on a phone, a quarter on a desktop.
    Card,
    /// The big photo on a product page.
    Hero,
    /// The small round store logo.
    Logo,
}

impl Slot {
    fn sizes(self) -> &'static str {
        match self {
            Slot::Card => {
                "(min-width: 1040px) 250px, (min-width: 960px) 25vw, (min-width: 640px) 33vw, 50vw"
            }
            Slot::Hero => "(min-width: 880px) 520px, 100vw",
            Slot::Logo => "64px",
        }
    }

    /// The widest variant worth offering: anything wider is only downloaded by mistake.
    fn max_width(self) -> u32 {
        match self {
            Slot::Card => 960,
            Slot::Hero => 1600,
            Slot::Logo => 480,
        }
    }

    /// The variant a browser without `srcset` support loads.
    fn fallback_width(self) -> u32 {
        match self {
            Slot::Card | Slot::Logo => 160,
            Slot::Hero => 960,
        }
    }
}

impl Picture {
    /// `None` for an image without variants: there is nothing to point at, so the
    /// caller shows its placeholder instead.
    pub fn new(
        config: &StorefrontConfig,
        image: &ImageRef,
        slot: Slot,
        alt: &str,
    ) -> Option<Picture> {
        let widths = sorted_widths(image);
        let smallest = *widths.first()?;
        let offered: Vec<u32> = widths
            .iter()
            .copied()
            .filter(|width| *width <= slot.max_width() || *width == smallest)
            .collect();
        let srcset = offered
            .iter()
            .map(|width| {
                let url = urls::image_url(&config.media_base_url, &image.hash, *width, WEBP);
                format!("{url} {width}w")
            })
            .collect::<Vec<_>>()
            .join(", ");
        let fallback = image.best_width(slot.fallback_width());
        Some(Picture {
            src: urls::image_url(&config.media_base_url, &image.hash, fallback, JPEG),
            srcset,
            sizes: slot.sizes(),
            width: image.width.max(1),
            height: image.height.max(1),
            alt: alt.to_owned(),
            eager: false,
        })
    }

    /// Marks the picture as part of the first screen: fetched at once, not lazily.
    pub fn eager(mut self) -> Picture {
        self.eager = true;
        self
    }
}

/// The picture a link preview shows (`og:image`): a JPEG, since WhatsApp does not show
/// WebP previews, about 960 px wide.
#[derive(Clone, Debug)]
pub(crate) struct PreviewImage {
    pub url: String,
    pub width: u32,
    pub height: u32,
}

impl PreviewImage {
    pub fn new(config: &StorefrontConfig, image: &ImageRef) -> Option<PreviewImage> {
        if image.variant_widths.is_empty() {
            return None;
        }
        let width = image.best_width(960);
        let height = scaled_height(image, width);
        Some(PreviewImage {
            url: urls::image_url(&config.media_base_url, &image.hash, width, JPEG),
            width,
            height,
        })
    }
}

fn sorted_widths(image: &ImageRef) -> Vec<u32> {
    let mut widths = image.variant_widths.clone();
    widths.sort_unstable();
    widths.dedup();
    widths
}

/// The height of the `width`-wide variant, keeping the original's aspect ratio.
fn scaled_height(image: &ImageRef, width: u32) -> u32 {
    if image.width == 0 {
        return image.height;
    }
    let scaled = (u64::from(image.height) * u64::from(width) + u64::from(image.width) / 2)
        / u64::from(image.width);
    u32::try_from(scaled).unwrap_or(u32::MAX).max(1)
}
