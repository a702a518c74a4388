//! `MediaKey`: the only names objects are stored and served under.
//!
//! A key is `<64 lowercase hex>/<width>.<webp|jpg>`. The parser accepts exactly that
//! grammar and nothing else, so a request path such as `../../etc/passwd`, `%2e%2e/x` or
//! `C:\x` can never become an object-store path. There is one spelling per object (no
//! uppercase hex, no leading zeros, no `.jpeg`) so caches never hold two copies.

use std::fmt;

/// Length of a SHA-256 digest in lowercase hex.
const HASH_HEX_LEN: usize = 64;

/// Widths above this cannot come from any accepted format (JPEG tops out at 65535 px), so
/// a key claiming more is refused without touching the store.
const MAX_KEY_WIDTH: u32 = 65_535;

/// The encodings every variant is stored in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VariantFormat {
    Webp,
    Jpeg,
}

impl VariantFormat {
    /// Both formats, in the order variants are produced.
    pub const ALL: [VariantFormat; 2] = [VariantFormat::Webp, VariantFormat::Jpeg];

    /// The file extension used in keys.
    pub fn extension(self) -> &'static str {
        match self {
            VariantFormat::Webp => "webp",
            VariantFormat::Jpeg => "jpg",
        }
    }

    /// The `Content-Type` to serve the variant with.
    pub fn content_type(self) -> &'static str {
        match self {
            VariantFormat::Webp => "image/webp",
            VariantFormat::Jpeg => "image/jpeg",
        }
    }

    fn from_extension(extension: &str) -> Option<VariantFormat> {
        match extension {
            "webp" => Some(VariantFormat::Webp),
            "jpg" => Some(VariantFormat::Jpeg),
            _ => None,
        }
    }
}

/// A validated object key, e.g. `9f86d0…/480.webp`. Private fields: every value went
/// through `new` or `parse`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct MediaKey {
    key: String,
    width: u32,
    format: VariantFormat,
}

impl MediaKey {
    /// Builds the key of one variant.
    ///
    /// # Panics
    ///
    /// If `hash` is not 64 lowercase hex characters or `width` is 0 or above 65535. Hashes
    /// come from `process_image` and widths from decoded images, so either is a bug in the
    /// caller, not bad input; untrusted strings go through `parse`.
    pub fn new(hash: &str, width: u32, format: VariantFormat) -> MediaKey {
        assert!(
            is_content_hash(hash),
            "media key hash must be 64 lowercase hex"
        );
        assert!(
            (1..=MAX_KEY_WIDTH).contains(&width),
            "media key width out of range: {width}"
        );
        MediaKey {
            key: format!("{hash}/{width}.{}", format.extension()),
            width,
            format,
        }
    }

    /// Parses an untrusted string (typically the tail of a URL path). Returns `None` for
    /// anything that is not exactly `<64 lowercase hex>/<width>.<webp|jpg>`.
    pub fn parse(input: &str) -> Option<MediaKey> {
        let (hash, file_name) = input.split_once('/')?;
        if !is_content_hash(hash) {
            return None;
        }
        let (width_digits, extension) = file_name.split_once('.')?;
        let format = VariantFormat::from_extension(extension)?;
        let width = parse_canonical_width(width_digits)?;
        Some(MediaKey::new(hash, width, format))
    }

    /// The key as stored and as it appears in URLs.
    pub fn as_str(&self) -> &str {
        &self.key
    }

    /// The SHA-256 (hex) of the uploaded original this variant was made from.
    pub fn hash(&self) -> &str {
        &self.key[..HASH_HEX_LEN]
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn format(&self) -> VariantFormat {
        self.format
    }
}

impl fmt::Display for MediaKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.key)
    }
}

impl fmt::Debug for MediaKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "MediaKey({})", self.key)
    }
}

/// The key of the variant of `hash` at `width` in `format`; same as `MediaKey::new`.
pub fn variant_key(hash: &str, width: u32, format: VariantFormat) -> MediaKey {
    MediaKey::new(hash, width, format)
}

/// True for exactly 64 lowercase hex characters, the spelling `hex::encode` produces.
pub(crate) fn is_content_hash(candidate: &str) -> bool {
    candidate.len() == HASH_HEX_LEN
        && candidate
            .bytes()
            .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte))
}

/// Decimal digits only, no sign, no leading zero, within `1..=MAX_KEY_WIDTH`. `u32::from_str`
/// alone would accept `+480` and `0480`, giving one object several names.
fn parse_canonical_width(digits: &str) -> Option<u32> {
    let all_digits = !digits.is_empty() && digits.bytes().all(|byte| byte.is_ascii_digit());
    if !all_digits || digits.starts_with('0') || digits.len() > 5 {
        return None;
    }
    let width: u32 = digits.parse().ok()?;
    (width <= MAX_KEY_WIDTH).then_some(width)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    #[test]
    fn new_and_parse_round_trip() {
        for format in VariantFormat::ALL {
            let key = MediaKey::new(HASH, 480, format);
            assert_eq!(MediaKey::parse(key.as_str()), Some(key.clone()));
            assert_eq!(key.hash(), HASH);
            assert_eq!(key.width(), 480);
            assert_eq!(key.format(), format);
        }
    }

    #[test]
    #[should_panic(expected = "64 lowercase hex")]
    fn new_refuses_a_bad_hash() {
        let _ = MediaKey::new("../etc", 160, VariantFormat::Jpeg);
    }
}
