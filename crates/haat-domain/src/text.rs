//! Free text a seller types: store, product and category names, and descriptions.
//!
//! Names are one line: surrounding whitespace is trimmed and every run of whitespace
//! inside (spaces, tabs, a pasted newline) becomes one space. Descriptions keep their
//! line breaks; `\r\n` and lone `\r` become `\n`, because browsers submit a textarea
//! with `\r\n` line endings. Other control characters, and the bidirectional override
//! and isolate characters that can make text render as something it is not, are
//! refused. Lengths count Unicode scalar values (`char`s), not bytes or graphemes.
//!
//! Markup is kept as typed: `<b>` in a product name is text, and escaping it is the
//! renderer's job.

use std::fmt;

use crate::error::{code, ParseError};

/// Bidirectional embedding, override and isolate controls (U+202A–U+202E,
/// U+2066–U+2069): they reorder how the surrounding text is displayed.
fn is_bidi_control(character: char) -> bool {
    matches!(character, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Characters that render as nothing; a name made only of these looks blank.
fn is_invisible(character: char) -> bool {
    matches!(
        character,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2060}'..='\u{2064}'
            | '\u{FEFF}'
    )
}

/// The rules for one kind of text, so each type below is a line of configuration.
struct TextRules {
    /// As the person would call it in a message: "store name".
    what: &'static str,
    code: &'static str,
    /// Descriptions may be empty; names need at least one visible character.
    may_be_empty: bool,
    max_chars: usize,
}

fn parse_single_line(input: &str, rules: &TextRules) -> Result<String, ParseError> {
    let mut normalised = String::with_capacity(input.len().min(4 * rules.max_chars));
    for word in input.split_whitespace() {
        if !normalised.is_empty() {
            normalised.push(' ');
        }
        normalised.push_str(word);
    }
    check_characters(&normalised, rules)?;
    check_length(&normalised, rules)?;
    Ok(normalised)
}

fn parse_multi_line(input: &str, rules: &TextRules) -> Result<String, ParseError> {
    let normalised = input.trim().replace("\r\n", "\n").replace('\r', "\n");
    check_characters(&normalised, rules)?;
    check_length(&normalised, rules)?;
    Ok(normalised)
}

fn check_characters(text: &str, rules: &TextRules) -> Result<(), ParseError> {
    let is_allowed_whitespace = |character: char| matches!(character, ' ' | '\n' | '\t');
    let has_forbidden = text.chars().any(|character| {
        (character.is_control() && !is_allowed_whitespace(character)) || is_bidi_control(character)
    });
    if has_forbidden {
        let message = format!("{} contains a control character", rules.what);
        return Err(ParseError::new(rules.code, message));
    }
    Ok(())
}

fn check_length(text: &str, rules: &TextRules) -> Result<(), ParseError> {
    let is_blank = text
        .chars()
        .all(|character| character.is_whitespace() || is_invisible(character));
    if !rules.may_be_empty && is_blank {
        return Err(ParseError::new(
            rules.code,
            format!("enter a {}", rules.what),
        ));
    }
    let max_chars = rules.max_chars;
    if text.chars().nth(max_chars).is_some() {
        let message = format!(
            "{} is too long (at most {max_chars} characters)",
            rules.what
        );
        return Err(ParseError::new(rules.code, message));
    }
    Ok(())
}

macro_rules! define_text {
    ($(#[$meta:meta])* $name:ident, $parse:ident, $rules:expr) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            pub fn parse(input: &str) -> Result<$name, ParseError> {
                $parse(input, &$rules).map($name)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str(&self.0)
            }
        }
    };
}

define_text!(
    /// A store's name as shown on its storefront: 1 to 80 characters, one line.
    StoreName,
    parse_single_line,
    TextRules {
        what: "store name",
        code: code::INVALID_NAME,
        may_be_empty: false,
        max_chars: 80
    }
);
define_text!(
    /// A product's name: 1 to 200 characters, one line.
    ProductName,
    parse_single_line,
    TextRules {
        what: "product name",
        code: code::INVALID_NAME,
        may_be_empty: false,
        max_chars: 200
    }
);
define_text!(
    /// A category's name: 1 to 60 characters, one line; unique per store ignoring case.
    CategoryName,
    parse_single_line,
    TextRules {
        what: "category name",
        code: code::INVALID_NAME,
        may_be_empty: false,
        max_chars: 60
    }
);
define_text!(
    /// A product or store description: up to 5000 characters with line breaks and tabs.
    /// Empty means "no description", and is the default.
    #[derive(Default)]
    Description,
    parse_multi_line,
    TextRules {
        what: "description",
        code: code::INVALID_DESCRIPTION,
        may_be_empty: true,
        max_chars: 5000
    }
);

define_text!(
    /// A shopper's name on an order: 1 to 80 characters, one line.
    CustomerName,
    parse_single_line,
    TextRules {
        what: "name",
        code: code::INVALID_NAME,
        may_be_empty: false,
        max_chars: 80
    }
);
define_text!(
    /// A delivery address: 1 to 500 characters, line breaks kept.
    Address,
    parse_multi_line,
    TextRules {
        what: "address",
        code: code::INVALID_ADDRESS,
        may_be_empty: false,
        max_chars: 500
    }
);
define_text!(
    /// A store's own address as printed on invoices; may be empty.
    #[derive(Default)]
    StoreAddress,
    parse_multi_line,
    TextRules {
        what: "store address",
        code: code::INVALID_ADDRESS,
        may_be_empty: true,
        max_chars: 300
    }
);
define_text!(
    /// A shopper's note to the seller ("ring the bell twice"); may be empty.
    #[derive(Default)]
    OrderNote,
    parse_multi_line,
    TextRules {
        what: "note",
        code: code::INVALID_NOTE,
        may_be_empty: true,
        max_chars: 500
    }
);
define_text!(
    /// Why a seller cancelled an order; may be empty.
    #[derive(Default)]
    CancelReason,
    parse_single_line,
    TextRules {
        what: "reason",
        code: code::INVALID_NOTE,
        may_be_empty: true,
        max_chars: 200
    }
);

impl CategoryName {
    /// The name lowercased, so "Sweets" and "SWEETS" cannot both exist in one store.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl Description {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check<T: AsRef<str>>(
        parse: fn(&str) -> Result<T, ParseError>,
        input: &str,
        expected: Result<&str, &str>,
    ) {
        let actual = parse(input)
            .map(|text| text.as_ref().to_owned())
            .map_err(|error| error.message.into_owned());
        let expected = expected.map(str::to_owned).map_err(str::to_owned);
        assert_eq!(actual, expected, "input: {input:?}");
    }

    #[track_caller]
    fn check_store(input: &str, expected: Result<&str, &str>) {
        check(StoreName::parse, input, expected);
    }

    #[track_caller]
    fn check_description(input: &str, expected: Result<&str, &str>) {
        check(Description::parse, input, expected);
    }

    #[test]
    fn store_names() {
        check_store("Jain Shikanji", Ok("Jain Shikanji"));
        check_store("  Jain   Shikanji  ", Ok("Jain Shikanji"));
        check_store("Jain\tShikanji\r\nWala", Ok("Jain Shikanji Wala"));
        check_store("Jain\u{a0}\u{3000}Shikanji", Ok("Jain Shikanji"));
        check_store("जैन शिकंजी", Ok("जैन शिकंजी"));
        check_store("ਸਿੰਘ ਦੀ ਹੱਟੀ", Ok("ਸਿੰਘ ਦੀ ਹੱਟੀ"));
        check_store("Café Déjà 😀", Ok("Café Déjà 😀"));
        check_store("<b>Bold</b> & \"Sons\"", Ok("<b>Bold</b> & \"Sons\""));
        check_store("A", Ok("A"));
        check_store("👨‍👩‍👧", Ok("👨‍👩‍👧"));
        check_store(&"a".repeat(80), Ok(&"a".repeat(80)));
        check_store(&"अ".repeat(80), Ok(&"अ".repeat(80)));
        check_store(&format!("  {}  ", "a".repeat(80)), Ok(&"a".repeat(80)));
        check_store(&"a ".repeat(40), Ok(&"a ".repeat(40)[..79]));
        check_store(
            &"a".repeat(81),
            Err("store name is too long (at most 80 characters)"),
        );
        check_store(
            &"अ".repeat(81),
            Err("store name is too long (at most 80 characters)"),
        );
        check_store(
            &"😀".repeat(81),
            Err("store name is too long (at most 80 characters)"),
        );
        check_store(
            &"a".repeat(1_000_000),
            Err("store name is too long (at most 80 characters)"),
        );
        check_store("", Err("enter a store name"));
        check_store(" \t\n ", Err("enter a store name"));
        check_store("\u{200B}", Err("enter a store name"));
        check_store("\u{FEFF} \u{200D}", Err("enter a store name"));
        check_store(
            "Jain\u{0}Shikanji",
            Err("store name contains a control character"),
        );
        check_store("Jain\u{7}", Err("store name contains a control character"));
        check_store(
            "Jain\u{1b}[31m",
            Err("store name contains a control character"),
        );
        check_store("Jain\u{7f}", Err("store name contains a control character"));
        check_store(
            "Jain\u{202E}ijnakihS",
            Err("store name contains a control character"),
        );
        check_store(
            "Jain\u{2067}Shikanji",
            Err("store name contains a control character"),
        );
    }

    #[test]
    fn product_and_category_names() {
        check(
            ProductName::parse,
            "Shikanji  (500 ml)",
            Ok("Shikanji (500 ml)"),
        );
        check(ProductName::parse, &"x".repeat(200), Ok(&"x".repeat(200)));
        check(
            ProductName::parse,
            &"x".repeat(201),
            Err("product name is too long (at most 200 characters)"),
        );
        check(ProductName::parse, "", Err("enter a product name"));
        check(CategoryName::parse, " Sweets ", Ok("Sweets"));
        check(CategoryName::parse, &"x".repeat(60), Ok(&"x".repeat(60)));
        check(
            CategoryName::parse,
            &"x".repeat(61),
            Err("category name is too long (at most 60 characters)"),
        );
        check(
            CategoryName::parse,
            "\u{2}",
            Err("category name contains a control character"),
        );
    }

    #[test]
    fn names_use_the_name_code() {
        assert_eq!(StoreName::parse("").unwrap_err().code, "invalid_name");
        assert_eq!(ProductName::parse("").unwrap_err().code, "invalid_name");
        assert_eq!(CategoryName::parse("").unwrap_err().code, "invalid_name");
        assert_eq!(
            Description::parse("\u{0}").unwrap_err().code,
            "invalid_description"
        );
    }

    #[test]
    fn category_key_ignores_case() {
        let key = |input: &str| CategoryName::parse(input).unwrap().key();
        assert_eq!(key("Sweets"), "sweets");
        assert_eq!(key("SWEETS"), key("sweets"));
        assert_eq!(key("ÉCLAIRS  Ünd Más"), "éclairs ünd más");
        assert_eq!(key("मिठाई"), "मिठाई");
    }

    #[test]
    fn descriptions() {
        check_description("", Ok(""));
        check_description("   \n\t ", Ok(""));
        check_description("Fresh lime.\nServed cold.", Ok("Fresh lime.\nServed cold."));
        check_description(
            "  Line one\r\nLine two\rLine three\n\n",
            Ok("Line one\nLine two\nLine three"),
        );
        check_description("Size:\tLarge", Ok("Size:\tLarge"));
        check_description("a   b", Ok("a   b"));
        check_description("<script>alert(1)</script>", Ok("<script>alert(1)</script>"));
        check_description("ताज़ा नींबू 🍋", Ok("ताज़ा नींबू 🍋"));
        check_description(&"d".repeat(5000), Ok(&"d".repeat(5000)));
        check_description(&"ड".repeat(5000), Ok(&"ड".repeat(5000)));
        check_description(&"a\r\n".repeat(2500), Ok(&"a\n".repeat(2500)[..4999]));
        check_description(
            &"d".repeat(5001),
            Err("description is too long (at most 5000 characters)"),
        );
        check_description("bell\u{7}", Err("description contains a control character"));
        check_description(
            "vertical\u{b}tab",
            Err("description contains a control character"),
        );
        check_description(
            "next\u{85}line",
            Err("description contains a control character"),
        );
        check_description(
            "\u{202D}override",
            Err("description contains a control character"),
        );
    }

    #[test]
    fn description_defaults_to_empty() {
        assert!(Description::default().is_empty());
        assert_eq!(Description::parse("  "), Ok(Description::default()));
        assert!(!Description::parse("x").unwrap().is_empty());
    }
}
