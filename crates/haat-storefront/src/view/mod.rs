//! View models: domain values turned into exactly the strings the templates print.
//!
//! Templates stay logic-free (loops and ifs over ready-made fields); formatting money,
//! building absolute links and choosing image variants happen here, in Rust, where they
//! are tested. Every string reaches the HTML through askama's autoescaping.

mod product;
mod search;
mod store;

pub(crate) use product::ProductPage;
pub(crate) use search::SearchPage;
pub(crate) use store::StorePage;

use haat_domain::catalog::StoreProfile;
use haat_domain::AccentColour;

use crate::images::{Picture, PreviewImage, Slot};
use crate::{urls, StorefrontConfig};

/// The store's colours. The accent is re-parsed here so that, whatever a source hands
/// over, only `#rrggbb` ever reaches the stylesheet.
#[derive(Clone, Debug)]
pub struct Theme {
    /// `#rrggbb`: header, buttons, `theme-color`.
    pub accent: String,
    /// Text drawn on the accent: white, or near-black on a light accent.
    pub on_accent: &'static str,
    /// The accent when used as text on white; near-black when the accent is too light.
    pub accent_ink: String,
}

impl Theme {
    pub fn new(accent: &str) -> Theme {
        let colour = AccentColour::parse(accent).unwrap_or_default();
        // WCAG contrast of white text on the accent; 3:1 is enough for bold UI text.
        let contrast_with_white = 1.05 / (relative_luminance(colour.rgb()) + 0.05);
        let is_dark_enough = contrast_with_white >= 3.0;
        Theme {
            accent: colour.as_str().to_owned(),
            on_accent: if is_dark_enough { "#ffffff" } else { "#1c1917" },
            accent_ink: if is_dark_enough {
                colour.as_str().to_owned()
            } else {
                "#1c1917".to_owned()
            },
        }
    }
}

impl Default for Theme {
    fn default() -> Theme {
        Theme::new(AccentColour::default().as_str())
    }
}

fn relative_luminance((red, green, blue): (u8, u8, u8)) -> f64 {
    let linear = |channel: u8| {
        let value = f64::from(channel) / 255.0;
        if value <= 0.039_28 {
            value / 12.92
        } else {
            ((value + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
}

/// What goes in `<head>`: title, description and the link-preview (OpenGraph) tags.
#[derive(Clone, Debug)]
pub(crate) struct Head {
    pub title: String,
    pub description: String,
    /// Absolute; also `og:url`.
    pub canonical_url: String,
    pub og_type: &'static str,
    pub og_image: Option<PreviewImage>,
    /// The store logo, shown as the tab icon.
    pub icon: Option<String>,
}

/// The store's name, logo and WhatsApp links, shown on every page of the store.
#[derive(Clone, Debug)]
pub(crate) struct StoreHeader {
    pub name: String,
    pub description: String,
    pub url: String,
    pub initial: String,
    pub logo: Option<Picture>,
    /// `https://wa.me/<digits>` when the seller published a WhatsApp number.
    pub chat_url: Option<String>,
    /// Shares the store link into a WhatsApp chat.
    pub share_url: String,
    pub slug: String,
    /// The shopper's cart: `/<slug>/cart`.
    pub cart_url: String,
    /// The search box, when this process has product search.
    pub search: Option<SearchBox>,
}

/// A plain `GET` form to the store's search page: works without JavaScript.
#[derive(Clone, Debug)]
pub(crate) struct SearchBox {
    /// `/<slug>/search`
    pub action: String,
    /// What the shopper searched for, on a results page.
    pub value: String,
    pub max_chars: usize,
}

impl StoreHeader {
    pub fn new(config: &StorefrontConfig, store: &StoreProfile) -> StoreHeader {
        let url = urls::store_url(&config.public_url, &store.slug);
        let logo = store.logo.as_ref().and_then(|logo| {
            Picture::new(config, logo, Slot::Logo, &store.name).map(Picture::eager)
        });
        StoreHeader {
            share_url: urls::whatsapp_share_url(&format!("{} – {url}", store.name)),
            chat_url: store.whatsapp.as_deref().and_then(urls::whatsapp_chat_url),
            slug: store.slug.clone(),
            cart_url: format!("/{}/cart", store.slug),
            search: None,
            name: store.name.clone(),
            description: store.description.clone(),
            initial: initial(&store.name),
            logo,
            url,
        }
    }

    /// The same header with a search box holding `value`.
    pub fn with_search_box(mut self, value: &str) -> StoreHeader {
        self.search = Some(SearchBox {
            action: format!("/{}/search", self.slug),
            value: value.to_owned(),
            max_chars: crate::MAX_SEARCH_CHARS,
        });
        self
    }
}

/// The tab icon: the smallest logo variant, or nothing (and the browser asks no one).
fn icon(config: &StorefrontConfig, store: &StoreProfile) -> Option<String> {
    let logo = store.logo.as_ref()?;
    let width = *logo.variant_widths.iter().min()?;
    Some(urls::image_url(
        &config.media_base_url,
        &logo.hash,
        width,
        "webp",
    ))
}

/// The first letter of a name, for placeholders: "chai point" → "C".
pub(crate) fn initial(name: &str) -> String {
    name.trim()
        .chars()
        .next()
        .map(|first| first.to_uppercase().collect())
        .unwrap_or_else(|| "•".to_owned())
}

/// Shortens text for a meta description (previews cut near 200 characters anyway).
fn summary(text: &str) -> String {
    const MAX_CHARS: usize = 200;
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() <= MAX_CHARS {
        return collapsed;
    }
    let mut shortened: String = collapsed.chars().take(MAX_CHARS - 1).collect();
    shortened.push('…');
    shortened
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_theme(accent: &str, expected: (&str, &str, &str)) {
        let theme = Theme::new(accent);
        let actual = (
            theme.accent.as_str(),
            theme.on_accent,
            theme.accent_ink.as_str(),
        );
        assert_eq!(actual, expected, "accent: {accent:?}");
    }

    #[test]
    fn themes_keep_text_readable() {
        check_theme("#0f766e", ("#0f766e", "#ffffff", "#0f766e"));
        check_theme("#facc15", ("#facc15", "#1c1917", "#1c1917"));
        check_theme("#000000", ("#000000", "#ffffff", "#000000"));
        check_theme("red;}</style>", ("#0f766e", "#ffffff", "#0f766e"));
    }

    #[test]
    fn initials_and_summaries() {
        assert_eq!(initial("  chai point"), "C");
        assert_eq!(initial("ßweets"), "SS");
        assert_eq!(initial("गुड़"), "ग");
        assert_eq!(initial(""), "•");
        assert_eq!(summary("fresh\n\n  chai"), "fresh chai");
        assert_eq!(summary(&"a".repeat(500)).chars().count(), 200);
    }
}
