//! A store's accent colour: the one colour a seller picks for buttons and links on
//! their storefront.
//!
//! It is kept as `#rrggbb` in lowercase, so equal colours compare equal and the value
//! can go into a stylesheet as is.

use std::fmt;

use crate::error::{code, ParseError};

/// A teal that reads well on white and stays legible as a button background.
const DEFAULT_ACCENT: &str = "#0f766e";

/// An opaque RGB colour, always `#` and six lowercase hex digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AccentColour(String);

impl AccentColour {
    /// Reads `#1a7f5a`, `#1A7F5A`, `1a7f5a`, `#abc` or `abc` (short form, each digit
    /// doubled). Surrounding whitespace is ignored; names (`red`) and alpha are refused.
    pub fn parse(input: &str) -> Result<AccentColour, ParseError> {
        let text = input.trim();
        let hex = text.strip_prefix('#').unwrap_or(text);
        if !hex.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return Err(invalid());
        }
        let lowercase = hex.to_ascii_lowercase();
        let normalised = match lowercase.len() {
            6 => format!("#{lowercase}"),
            3 => {
                let doubled: String = lowercase.chars().flat_map(|digit| [digit, digit]).collect();
                format!("#{doubled}")
            }
            _ => return Err(invalid()),
        };
        Ok(AccentColour(normalised))
    }

    /// `#1a7f5a`
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The red, green and blue channels, for working out a readable text colour.
    pub fn rgb(&self) -> (u8, u8, u8) {
        let channel = |start: usize| {
            // The invariant guarantees six hex digits, so this cannot fail.
            u8::from_str_radix(&self.0[start..start + 2], 16).unwrap_or_default()
        };
        (channel(1), channel(3), channel(5))
    }
}

impl Default for AccentColour {
    fn default() -> AccentColour {
        AccentColour(DEFAULT_ACCENT.to_owned())
    }
}

impl AsRef<str> for AccentColour {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccentColour {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

fn invalid() -> ParseError {
    ParseError::new(
        code::INVALID_COLOUR,
        "colour must be a hex code like #1a7f5a",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(input: &str, expected: Option<&str>) {
        let actual = AccentColour::parse(input);
        match expected {
            Some(colour) => assert_eq!(
                actual.map(|c| c.0),
                Ok(colour.to_owned()),
                "input: {input:?}"
            ),
            None => assert_eq!(
                actual.unwrap_err().code,
                "invalid_colour",
                "input: {input:?}"
            ),
        }
    }

    #[test]
    fn parse() {
        check("#1a7f5a", Some("#1a7f5a"));
        check("#1A7F5A", Some("#1a7f5a"));
        check("1a7f5a", Some("#1a7f5a"));
        check("  #1a7f5a\n", Some("#1a7f5a"));
        check("#abc", Some("#aabbcc"));
        check("ABC", Some("#aabbcc"));
        check("#000", Some("#000000"));
        check("#FFFFFF", Some("#ffffff"));
        check("", None);
        check("#", None);
        check("##1a7f5a", None);
        check("#1a7f5", None);
        check("#1a7f5a0", None);
        check("#1a7f5a80", None);
        check("#abcd", None);
        check("#ggg", None);
        check("red", None);
        check("rgb(0,0,0)", None);
        check("#1a 7f5a", None);
        check("#１a7f5a", None);
        check("#é1a7f5", None);
        check("🎨", None);
        check(&"a".repeat(100_000), None);
    }

    #[test]
    fn default_and_channels() {
        assert_eq!(AccentColour::default().as_str(), "#0f766e");
        assert_eq!(
            AccentColour::parse(DEFAULT_ACCENT),
            Ok(AccentColour::default())
        );
        assert_eq!(
            AccentColour::parse("#1a7f5a").unwrap().rgb(),
            (0x1a, 0x7f, 0x5a)
        );
        assert_eq!(AccentColour::parse("#fff").unwrap().rgb(), (255, 255, 255));
        assert_eq!(AccentColour::parse("#abc").unwrap().to_string(), "#aabbcc");
    }
}
