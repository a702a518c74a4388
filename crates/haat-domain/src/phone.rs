//! Phone numbers: how sellers sign in and how buyers reach them.
//!
//! [`Phone`] holds a valid number in E.164 form (`+919812345678`). India is the default
//! region, so the ways Indians write their own mobile number all parse: `9812345678`,
//! `098123 45678`, `+91 98123-45678`, `91 98123 45678`. A number from elsewhere needs
//! its country code, written `+44 …` or with India's international prefix `0044 …`;
//! without one, digits that happen to form a valid Indian number are taken as Indian.
//!
//! A phone number is personal data: `Debug` prints the masked form and there is no
//! `Display`, so one cannot reach a log line by accident. Error messages never repeat
//! the input either.

use std::fmt;

use phonenumber::country::Id as CountryId;
use phonenumber::Mode;

use crate::error::{code, ParseError};

/// Longer input is rejected before any parsing; real numbers with spacing fit easily.
const MAX_INPUT_CHARS: usize = 32;

const NOT_INDIAN: &str =
    "not a valid indian phone number; for other countries start with + and the country code";

/// How many trailing digits [`Phone::masked`] leaves visible.
const VISIBLE_TRAILING_DIGITS: usize = 4;

/// A valid phone number, stored in E.164 form.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Phone {
    e164: String,
    /// Digits in the country calling code (`91` → 2), kept for masking.
    country_code_len: usize,
}

impl Phone {
    pub fn parse(input: &str) -> Result<Phone, ParseError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(invalid("enter a phone number"));
        }
        if input.chars().nth(MAX_INPUT_CHARS).is_some() {
            return Err(invalid("phone number is too long"));
        }
        let dialled = dialled_characters(input)?;
        let number = phonenumber::parse(Some(CountryId::IN), &dialled)
            .map_err(|_| not_a_number(&dialled))?;
        if !phonenumber::is_valid(&number) {
            return Err(not_a_number(&dialled));
        }
        Ok(Phone {
            e164: number.format().mode(Mode::E164).to_string(),
            country_code_len: number.code().value().to_string().len(),
        })
    }

    /// The full number, `+919812345678`: for storage and for the SMS provider only.
    pub fn as_e164(&self) -> &str {
        &self.e164
    }

    /// `+91******5678`: the country code and the last four digits, for display.
    pub fn masked(&self) -> String {
        let (country_code, national) = self.e164.split_at(1 + self.country_code_len);
        let hidden = national.len().saturating_sub(VISIBLE_TRAILING_DIGITS);
        format!(
            "{country_code}{}{}",
            "*".repeat(hidden),
            &national[hidden..]
        )
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "Phone({})", self.masked())
    }
}

/// Reduces the input to what would be dialled: an optional leading `+` and digits.
///
/// Spaces, `-`, `.` and brackets are accepted as separators. Letters are refused
/// (phonenumber would read them as keypad digits, `abc` → `222`), and so are
/// extensions and non-ASCII digits.
fn dialled_characters(input: &str) -> Result<String, ParseError> {
    let mut dialled = String::with_capacity(input.len());
    for (index, character) in input.chars().enumerate() {
        match character {
            '0'..='9' => dialled.push(character),
            '+' if index == 0 => dialled.push(character),
            '+' => return Err(invalid("'+' can only come first in a phone number")),
            '-' | '.' | '(' | ')' => {}
            _ if character.is_whitespace() => {}
            _ => return Err(invalid(
                "a phone number can contain only digits, spaces, '-', brackets and a leading '+'",
            )),
        }
    }
    Ok(dialled)
}

fn not_a_number(dialled: &str) -> ParseError {
    let has_country_code = dialled.starts_with('+') || dialled.starts_with("00");
    if has_country_code {
        invalid("not a valid phone number")
    } else {
        invalid(NOT_INDIAN)
    }
}

fn invalid(message: &'static str) -> ParseError {
    ParseError::new(code::INVALID_PHONE, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOT_VALID: &str = "not a valid phone number";
    const BAD_CHARACTERS: &str =
        "a phone number can contain only digits, spaces, '-', brackets and a leading '+'";

    /// `Ok` holds the E.164 form and the masked form.
    #[track_caller]
    fn check(input: &str, expected: Result<(&str, &str), &str>) {
        let actual = match Phone::parse(input) {
            Ok(phone) => Ok((phone.as_e164().to_owned(), phone.masked())),
            Err(error) => {
                assert_eq!(error.code, "invalid_phone");
                Err(error.message.into_owned())
            }
        };
        let expected = expected
            .map(|(e164, masked)| (e164.to_owned(), masked.to_owned()))
            .map_err(str::to_owned);
        assert_eq!(actual, expected, "input: {input:?}");
    }

    #[test]
    fn indian_numbers_in_everyday_spellings() {
        let mobile = Ok(("+919812345678", "+91******5678"));
        check("9812345678", mobile);
        check("98123 45678", mobile);
        check("098123 45678", mobile);
        check("09812345678", mobile);
        check("+91 98123-45678", mobile);
        check("+91 (981) 234-5678", mobile);
        check("+91-98123.45678", mobile);
        check("+9109812345678", mobile);
        check("919812345678", mobile);
        check("91 98123 45678", mobile);
        check("0091 98123 45678", mobile);
        check("  9812345678\t", mobile);
        check("98123\u{a0}45678", mobile);
        check("+917012345678", Ok(("+917012345678", "+91******5678")));
        check("6012345678", Ok(("+916012345678", "+91******5678")));
        check("011 2345 6789", Ok(("+911123456789", "+91******6789")));
        check("+91 80 2345 6789", Ok(("+918023456789", "+91******6789")));
    }

    #[test]
    fn other_countries_need_their_code() {
        check("+1 415 555 2671", Ok(("+14155552671", "+1******2671")));
        check("+44 7911 123456", Ok(("+447911123456", "+44******3456")));
        check(
            "+44 (0) 7911 123456",
            Ok(("+447911123456", "+44******3456")),
        );
        check("0044 7911 123456", Ok(("+447911123456", "+44******3456")));
        check("+971 50 123 4567", Ok(("+971501234567", "+971*****4567")));
        check("+65 8123 4567", Ok(("+6581234567", "+65****4567")));
        check("8123 4567", Err(NOT_INDIAN));
        check("44 7911 123456", Err(NOT_INDIAN));
        check("1 415 555 2671", Err(NOT_INDIAN));
        // Ten digits without a country code are read as Indian, even if meant otherwise.
        check("07911 123456", Ok(("+917911123456", "+91******3456")));
        check("+999 123456789", Err(NOT_VALID));
        check("+0123", Err(NOT_VALID));
    }

    #[test]
    fn invalid_numbers() {
        check("", Err("enter a phone number"));
        check("   ", Err("enter a phone number"));
        check("0", Err(NOT_INDIAN));
        check("12345", Err(NOT_INDIAN));
        check("5012345678", Err(NOT_INDIAN));
        check("98123456789", Err(NOT_INDIAN));
        check("0919812345678", Err(NOT_INDIAN));
        check("+9198123456789", Err(NOT_VALID));
        check("+91", Err(NOT_VALID));
        check("+", Err(NOT_VALID));
        check("-", Err(NOT_INDIAN));
        check("()", Err(NOT_INDIAN));
    }

    #[test]
    fn odd_characters_are_refused() {
        check("abc", Err(BAD_CHARACTERS));
        check("98123abcde", Err(BAD_CHARACTERS));
        check("+919812345678abc", Err(BAD_CHARACTERS));
        check("1-800-FLOWERS", Err(BAD_CHARACTERS));
        check("9812345678 ext 12", Err(BAD_CHARACTERS));
        check("+91 98123 45678;ext=1", Err(BAD_CHARACTERS));
        check("tel:+91-98123-45678", Err(BAD_CHARACTERS));
        check("९८१२३४५६७८", Err(BAD_CHARACTERS));
        check("９８１２３４５６７８", Err(BAD_CHARACTERS));
        check("98123📱45678", Err(BAD_CHARACTERS));
        check("98123\u{0}45678", Err(BAD_CHARACTERS));
        check("98123/45678", Err(BAD_CHARACTERS));
        check(
            "91+9812345678",
            Err("'+' can only come first in a phone number"),
        );
        check(
            "++919812345678",
            Err("'+' can only come first in a phone number"),
        );
    }

    #[test]
    fn length_is_capped_in_characters() {
        check(
            &format!("+91 {}", "9 8 1 2 3 4 5 6 7 8"),
            Ok(("+919812345678", "+91******5678")),
        );
        check(
            &format!("{}9812345678", " ".repeat(1000)),
            Ok(("+919812345678", "+91******5678")),
        );
        check(&"9".repeat(33), Err("phone number is too long"));
        check(
            &format!("+91 {}", "9 - 8 - 1 - 2 - 3 - 4 - 5 - 6 - 7 - 8"),
            Err("phone number is too long"),
        );
        check(&"9".repeat(100_000), Err("phone number is too long"));
    }

    #[test]
    fn debug_never_shows_the_whole_number() {
        let phone = Phone::parse("9812345678").unwrap();
        let debug = format!("{phone:?}");
        assert_eq!(debug, "Phone(+91******5678)");
        assert!(!debug.contains("9812345678"));
        let wrapped = format!("{:?}", Some(&phone));
        assert!(!wrapped.contains("98123"));
    }

    #[test]
    fn spellings_of_one_number_are_equal() {
        assert_eq!(Phone::parse("098123 45678"), Phone::parse("+919812345678"));
        assert_ne!(Phone::parse("9812345678"), Phone::parse("9812345679"));
    }
}
