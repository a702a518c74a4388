//! Money: currencies, prices in integer minor units, and how amounts are written.
//!
//! Amounts are `i64` counts of the currency's minor unit (paise for INR) so arithmetic
//! is exact. [`Price::parse_decimal`] reads the decimal text a seller types;
//! [`format_money`] writes an amount for people (Indian digit grouping for rupees:
//! `₹1,00,000`) and [`decimal_string`] writes it for machines (`100000.00`).

use std::fmt;

use crate::error::{code, ParseError};

/// The currencies a store can price in.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Default)]
pub enum Currency {
    #[default]
    Inr,
    Usd,
    Eur,
    Gbp,
    Aed,
    Sgd,
}

impl Currency {
    pub const ALL: [Currency; 6] = [
        Currency::Inr,
        Currency::Usd,
        Currency::Eur,
        Currency::Gbp,
        Currency::Aed,
        Currency::Sgd,
    ];

    /// Reads an ISO 4217 code in any letter case: `INR`, `inr`, `Inr`.
    pub fn parse(input: &str) -> Result<Currency, ParseError> {
        Currency::ALL
            .into_iter()
            .find(|currency| currency.code().eq_ignore_ascii_case(input))
            .ok_or_else(|| {
                ParseError::new(
                    code::INVALID_CURRENCY,
                    "unsupported currency (use one of INR, USD, EUR, GBP, AED, SGD)",
                )
            })
    }

    /// The ISO 4217 code: `INR`.
    pub fn code(&self) -> &'static str {
        match self {
            Currency::Inr => "INR",
            Currency::Usd => "USD",
            Currency::Eur => "EUR",
            Currency::Gbp => "GBP",
            Currency::Aed => "AED",
            Currency::Sgd => "SGD",
        }
    }

    /// Decimal places of the minor unit: 2 for every supported currency, but code that
    /// converts between text and minor units asks rather than assuming.
    pub fn minor_exponent(&self) -> u32 {
        2
    }

    /// Written before the amount; includes a space where the symbol is letters.
    pub fn symbol(&self) -> &'static str {
        match self {
            Currency::Inr => "₹",
            Currency::Usd => "$",
            Currency::Eur => "€",
            Currency::Gbp => "£",
            Currency::Aed => "AED ",
            Currency::Sgd => "S$",
        }
    }

    /// Lakh and crore grouping (`1,00,000`) rather than thousands (`100,000`).
    fn uses_indian_grouping(&self) -> bool {
        *self == Currency::Inr
    }

    fn minor_per_major(&self) -> u64 {
        10u64.pow(self.minor_exponent())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.code())
    }
}

/// The largest price Haat accepts, in minor units: ₹1,00,00,00,000.00 (one hundred
/// crore). Anything above is a typo, and the cap keeps sums of prices far from overflow.
pub const MAX_PRICE_MINOR: i64 = 100_000_000_000;

/// A price in minor units, `0..=MAX_PRICE_MINOR`. It does not carry its currency: a
/// store has one currency and prices are read and written with it.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Price(i64);

impl Price {
    pub const ZERO: Price = Price(0);

    pub fn from_minor(minor: i64) -> Result<Price, ParseError> {
        if minor < 0 {
            return Err(invalid_price("price cannot be negative"));
        }
        if minor > MAX_PRICE_MINOR {
            return Err(invalid_price("price is too large"));
        }
        Ok(Price(minor))
    }

    /// Reads plain decimal text: `1299.50`, `1299.5`, `1299`, `0.99`, `007`.
    ///
    /// Surrounding whitespace is ignored. There must be a digit on both sides of a
    /// decimal point (`12.` and `.5` are refused as likely typos). Digits past the
    /// currency's decimal places are allowed only if they are zeros (`1299.500`):
    /// a price is never rounded silently. Signs, exponents, grouping commas and
    /// non-ASCII digits are refused.
    pub fn parse_decimal(input: &str, currency: Currency) -> Result<Price, ParseError> {
        let text = input.trim();
        if text.is_empty() {
            return Err(invalid_price("enter a price"));
        }
        if text.starts_with('-') {
            return Err(invalid_price("price cannot be negative"));
        }
        if text.contains(',') {
            return Err(invalid_price(
                "write the price without commas, like 1299.50",
            ));
        }
        let (whole, fraction) = text.split_once('.').unwrap_or((text, "0"));
        let is_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
        if !is_digits(whole) || !is_digits(fraction) {
            return Err(invalid_price("price must be a number like 1299.50"));
        }
        let exponent = currency.minor_exponent() as usize;
        let (kept, dropped) = fraction.split_at(fraction.len().min(exponent));
        if dropped.bytes().any(|b| b != b'0') {
            let message =
                format!("price can have at most {exponent} decimal places; round it first");
            return Err(invalid_price(message));
        }
        let too_large = || {
            let max = format_money(MAX_PRICE_MINOR, currency);
            invalid_price(format!("price is too large (at most {max})"))
        };
        // Every digit, padded to the minor unit: "12.5" at two places reads as 1250.
        let padding = std::iter::repeat_n(b'0', exponent - kept.len());
        let mut minor: i64 = 0;
        for digit in whole.bytes().chain(kept.bytes()).chain(padding) {
            minor = minor
                .checked_mul(10)
                .and_then(|shifted| shifted.checked_add(i64::from(digit - b'0')))
                .filter(|value| *value <= MAX_PRICE_MINOR)
                .ok_or_else(too_large)?;
        }
        Ok(Price(minor))
    }

    pub fn minor(&self) -> i64 {
        self.0
    }
}

/// An amount for people: `₹1,299.50`, `₹1,00,000`, `$1,299.50`, `-₹5`. Rupees use lakh
/// and crore grouping, other currencies groups of three; `.00` is left off.
pub fn format_money(minor: i64, currency: Currency) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let magnitude = minor.unsigned_abs();
    let major = magnitude / currency.minor_per_major();
    let fraction = magnitude % currency.minor_per_major();
    let grouped = group_digits(major, currency.uses_indian_grouping());
    let symbol = currency.symbol();
    if fraction == 0 {
        return format!("{sign}{symbol}{grouped}");
    }
    let width = currency.minor_exponent() as usize;
    format!("{sign}{symbol}{grouped}.{fraction:0width$}")
}

/// An amount for machines (payment gateways, CSV exports): every decimal place, no
/// grouping, no symbol. `129950` → `1299.50`, `5` → `0.05`.
pub fn decimal_string(minor: i64, currency: Currency) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let magnitude = minor.unsigned_abs();
    let major = magnitude / currency.minor_per_major();
    let fraction = magnitude % currency.minor_per_major();
    let width = currency.minor_exponent() as usize;
    if width == 0 {
        return format!("{sign}{major}");
    }
    format!("{sign}{major}.{fraction:0width$}")
}

/// `1234567` → `12,34,567` (Indian) or `1,234,567`.
fn group_digits(number: u64, indian: bool) -> String {
    let digits = number.to_string();
    if digits.len() <= 3 {
        return digits;
    }
    // Both systems group the last three digits; Indian groups the rest in twos.
    let (head, last_three) = digits.split_at(digits.len() - 3);
    let group = if indian { 2 } else { 3 };
    let first = match head.len() % group {
        0 => group,
        remainder => remainder,
    };
    let mut grouped = String::with_capacity(digits.len() * 2);
    grouped.push_str(&head[..first]);
    let mut start = first;
    while start < head.len() {
        grouped.push(',');
        grouped.push_str(&head[start..start + group]);
        start += group;
    }
    grouped.push(',');
    grouped.push_str(last_three);
    grouped
}

fn invalid_price(message: impl Into<std::borrow::Cow<'static, str>>) -> ParseError {
    ParseError::new(code::INVALID_PRICE, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOT_A_NUMBER: &str = "price must be a number like 1299.50";
    const TOO_LARGE: &str = "price is too large (at most ₹1,00,00,00,000)";
    const ROUND: &str = "price can have at most 2 decimal places; round it first";

    #[track_caller]
    fn check_price(input: &str, expected: Result<i64, &str>) {
        let actual = Price::parse_decimal(input, Currency::Inr)
            .map(|price| price.minor())
            .map_err(|error| {
                assert_eq!(error.code, "invalid_price");
                error.message.into_owned()
            });
        assert_eq!(actual, expected.map_err(str::to_owned), "input: {input:?}");
    }

    #[track_caller]
    fn check_format(minor: i64, currency: Currency, expected: &str) {
        assert_eq!(format_money(minor, currency), expected, "minor: {minor}");
    }

    #[track_caller]
    fn check_decimal(minor: i64, expected: &str) {
        assert_eq!(
            decimal_string(minor, Currency::Inr),
            expected,
            "minor: {minor}"
        );
        if (0..=MAX_PRICE_MINOR).contains(&minor) {
            let round_trip = Price::parse_decimal(expected, Currency::Inr).map(|p| p.minor());
            assert_eq!(round_trip, Ok(minor), "decimal strings parse back");
        }
    }

    #[test]
    fn parse_decimal() {
        check_price("1299.50", Ok(129950));
        check_price("1299.5", Ok(129950));
        check_price("1299", Ok(129900));
        check_price("0.99", Ok(99));
        check_price("0.05", Ok(5));
        check_price("0", Ok(0));
        check_price("0.00", Ok(0));
        check_price("007", Ok(700));
        check_price("00.10", Ok(10));
        check_price(&format!("{}1", "0".repeat(100_000)), Ok(100));
        check_price(" 1299.50\t", Ok(129950));
        check_price("1299.500", Ok(129950));
        check_price("1299.5000000", Ok(129950));
        check_price("1000000000", Ok(MAX_PRICE_MINOR));
        check_price("1000000000.00", Ok(MAX_PRICE_MINOR));
        check_price("1299.505", Err(ROUND));
        check_price("0.001", Err(ROUND));
        check_price("1000000000.01", Err(TOO_LARGE));
        check_price("1000000001", Err(TOO_LARGE));
        check_price("9223372036854775807", Err(TOO_LARGE));
        check_price("99999999999999999999999999999999", Err(TOO_LARGE));
        check_price(&"9".repeat(100_000), Err(TOO_LARGE));
        check_price("", Err("enter a price"));
        check_price(" ", Err("enter a price"));
        check_price("-1", Err("price cannot be negative"));
        check_price("-0", Err("price cannot be negative"));
        check_price("1,299", Err("write the price without commas, like 1299.50"));
        check_price(
            "1,00,000.00",
            Err("write the price without commas, like 1299.50"),
        );
        check_price("+1", Err(NOT_A_NUMBER));
        check_price("1e3", Err(NOT_A_NUMBER));
        check_price("NaN", Err(NOT_A_NUMBER));
        check_price("inf", Err(NOT_A_NUMBER));
        check_price("12.", Err(NOT_A_NUMBER));
        check_price(".5", Err(NOT_A_NUMBER));
        check_price(".", Err(NOT_A_NUMBER));
        check_price("1.2.3", Err(NOT_A_NUMBER));
        check_price("12 50", Err(NOT_A_NUMBER));
        check_price("₹1299", Err(NOT_A_NUMBER));
        check_price("1299 rs", Err(NOT_A_NUMBER));
        check_price("१२९९", Err(NOT_A_NUMBER));
        check_price("１２９９", Err(NOT_A_NUMBER));
        check_price("12😀", Err(NOT_A_NUMBER));
        check_price("0x10", Err(NOT_A_NUMBER));
        check_price("1_000", Err(NOT_A_NUMBER));
    }

    #[test]
    fn too_large_names_the_limit_in_the_currency() {
        let error = Price::parse_decimal("1e", Currency::Usd).unwrap_err();
        assert_eq!(error.message, NOT_A_NUMBER);
        let error = Price::parse_decimal("2000000000", Currency::Usd).unwrap_err();
        assert_eq!(error.message, "price is too large (at most $1,000,000,000)");
    }

    #[test]
    fn from_minor() {
        assert_eq!(Price::from_minor(0), Ok(Price::ZERO));
        assert_eq!(Price::from_minor(129950).map(|p| p.minor()), Ok(129950));
        assert_eq!(
            Price::from_minor(MAX_PRICE_MINOR).map(|p| p.minor()),
            Ok(MAX_PRICE_MINOR)
        );
        let message = |minor| Price::from_minor(minor).unwrap_err().message;
        assert_eq!(message(-1), "price cannot be negative");
        assert_eq!(message(i64::MIN), "price cannot be negative");
        assert_eq!(message(MAX_PRICE_MINOR + 1), "price is too large");
        assert_eq!(message(i64::MAX), "price is too large");
        assert!(Price::from_minor(100).unwrap() < Price::from_minor(101).unwrap());
    }

    #[test]
    fn format_money_for_people() {
        check_format(129950, Currency::Inr, "₹1,299.50");
        check_format(10000000, Currency::Inr, "₹1,00,000");
        check_format(50000, Currency::Inr, "₹500");
        check_format(0, Currency::Inr, "₹0");
        check_format(5, Currency::Inr, "₹0.05");
        check_format(99999, Currency::Inr, "₹999.99");
        check_format(100000, Currency::Inr, "₹1,000");
        check_format(1234567, Currency::Inr, "₹12,345.67");
        check_format(12345678900, Currency::Inr, "₹12,34,56,789");
        check_format(MAX_PRICE_MINOR, Currency::Inr, "₹1,00,00,00,000");
        check_format(-500, Currency::Inr, "-₹5");
        check_format(-129950, Currency::Inr, "-₹1,299.50");
        check_format(i64::MAX, Currency::Inr, "₹92,23,37,20,36,85,47,758.07");
        check_format(i64::MIN, Currency::Inr, "-₹92,23,37,20,36,85,47,758.08");
        check_format(129950, Currency::Usd, "$1,299.50");
        check_format(10000000, Currency::Usd, "$100,000");
        check_format(12345678900, Currency::Eur, "€123,456,789");
        check_format(99, Currency::Gbp, "£0.99");
        check_format(150050, Currency::Aed, "AED 1,500.50");
        check_format(-500, Currency::Sgd, "-S$5");
        check_format(i64::MIN, Currency::Usd, "-$92,233,720,368,547,758.08");
    }

    #[test]
    fn decimal_string_for_machines() {
        check_decimal(129950, "1299.50");
        check_decimal(5, "0.05");
        check_decimal(0, "0.00");
        check_decimal(10000000, "100000.00");
        check_decimal(MAX_PRICE_MINOR, "1000000000.00");
        check_decimal(-5, "-0.05");
        check_decimal(i64::MAX, "92233720368547758.07");
        check_decimal(i64::MIN, "-92233720368547758.08");
        assert_eq!(decimal_string(129950, Currency::Usd), "1299.50");
    }

    #[test]
    fn currencies() {
        let check = |input: &str, expected: Option<Currency>| {
            let actual = Currency::parse(input);
            match expected {
                Some(currency) => assert_eq!(actual, Ok(currency), "input: {input:?}"),
                None => assert_eq!(
                    actual.unwrap_err().code,
                    "invalid_currency",
                    "input: {input:?}"
                ),
            }
        };
        check("INR", Some(Currency::Inr));
        check("inr", Some(Currency::Inr));
        check("Usd", Some(Currency::Usd));
        check("eur", Some(Currency::Eur));
        check("GBP", Some(Currency::Gbp));
        check("aed", Some(Currency::Aed));
        check("sgd", Some(Currency::Sgd));
        check("", None);
        check(" INR", None);
        check("INRR", None);
        check("JPY", None);
        check("₹", None);
        check("ＩＮＲ", None);
        assert_eq!(Currency::default(), Currency::Inr);
        for currency in Currency::ALL {
            assert_eq!(Currency::parse(currency.code()), Ok(currency));
            assert_eq!(currency.to_string(), currency.code());
            assert_eq!(currency.minor_exponent(), 2);
        }
        let symbols: Vec<_> = Currency::ALL.iter().map(Currency::symbol).collect();
        assert_eq!(symbols, ["₹", "$", "€", "£", "AED ", "S$"]);
    }
}
