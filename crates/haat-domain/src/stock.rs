//! Stock counts: how many of a product a seller has on hand.

use std::fmt;

use crate::error::{code, ParseError};

/// The most a seller can record; more is a typo, and it fits an `i32` column with room.
pub const MAX_STOCK: i32 = 1_000_000_000;

/// Units on hand, `0..=MAX_STOCK`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct StockCount(i32);

impl StockCount {
    pub const ZERO: StockCount = StockCount(0);

    /// From a number already parsed (a JSON integer, a database value).
    pub fn from_i64(count: i64) -> Result<StockCount, ParseError> {
        if count < 0 {
            return Err(invalid("stock cannot be negative"));
        }
        if count > i64::from(MAX_STOCK) {
            return Err(invalid("stock is too large (at most 1000000000)"));
        }
        let count = i32::try_from(count).map_err(|_| invalid("stock is too large"))?;
        Ok(StockCount(count))
    }

    /// From form text: a whole number of ASCII digits, surrounding whitespace ignored.
    pub fn parse(input: &str) -> Result<StockCount, ParseError> {
        let text = input.trim();
        if text.is_empty() {
            return Err(invalid("enter a stock count"));
        }
        if text.starts_with('-') {
            return Err(invalid("stock cannot be negative"));
        }
        if !text.bytes().all(|byte| byte.is_ascii_digit()) {
            return Err(invalid("stock must be a whole number"));
        }
        // Leading zeros are harmless; beyond 10 significant digits it is too large anyway.
        let significant = text.trim_start_matches('0');
        if significant.len() > 10 {
            return Err(invalid("stock is too large (at most 1000000000)"));
        }
        let count: i64 = significant.parse().unwrap_or(0);
        StockCount::from_i64(count)
    }

    pub fn get(&self) -> i32 {
        self.0
    }

    pub fn is_zero(&self) -> bool {
        self.0 == 0
    }
}

impl fmt::Display for StockCount {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, formatter)
    }
}

fn invalid(message: &'static str) -> ParseError {
    ParseError::new(code::INVALID_STOCK, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOO_LARGE: &str = "stock is too large (at most 1000000000)";

    #[track_caller]
    fn check_from_i64(count: i64, expected: Result<i32, &str>) {
        let actual = StockCount::from_i64(count)
            .map(|stock| stock.get())
            .map_err(|error| {
                assert_eq!(error.code, "invalid_stock");
                error.message.into_owned()
            });
        assert_eq!(actual, expected.map_err(str::to_owned), "count: {count}");
    }

    #[track_caller]
    fn check_parse(input: &str, expected: Result<i32, &str>) {
        let actual = StockCount::parse(input)
            .map(|stock| stock.get())
            .map_err(|error| {
                assert_eq!(error.code, "invalid_stock");
                error.message.into_owned()
            });
        assert_eq!(actual, expected.map_err(str::to_owned), "input: {input:?}");
    }

    #[test]
    fn from_i64() {
        check_from_i64(0, Ok(0));
        check_from_i64(1, Ok(1));
        check_from_i64(1_000_000_000, Ok(1_000_000_000));
        check_from_i64(1_000_000_001, Err(TOO_LARGE));
        check_from_i64(i64::from(i32::MAX), Err(TOO_LARGE));
        check_from_i64(i64::MAX, Err(TOO_LARGE));
        check_from_i64(-1, Err("stock cannot be negative"));
        check_from_i64(i64::MIN, Err("stock cannot be negative"));
    }

    #[test]
    fn parse() {
        check_parse("0", Ok(0));
        check_parse("12", Ok(12));
        check_parse(" 12 ", Ok(12));
        check_parse("007", Ok(7));
        check_parse(&format!("{}5", "0".repeat(10_000)), Ok(5));
        check_parse("1000000000", Ok(1_000_000_000));
        check_parse("1000000001", Err(TOO_LARGE));
        check_parse("9999999999", Err(TOO_LARGE));
        check_parse("99999999999999999999999", Err(TOO_LARGE));
        check_parse(&"9".repeat(100_000), Err(TOO_LARGE));
        check_parse("", Err("enter a stock count"));
        check_parse("  ", Err("enter a stock count"));
        check_parse("-1", Err("stock cannot be negative"));
        check_parse("+1", Err("stock must be a whole number"));
        check_parse("1.5", Err("stock must be a whole number"));
        check_parse("1.0", Err("stock must be a whole number"));
        check_parse("1e3", Err("stock must be a whole number"));
        check_parse("1,000", Err("stock must be a whole number"));
        check_parse("१२", Err("stock must be a whole number"));
        check_parse("ten", Err("stock must be a whole number"));
    }

    #[test]
    fn helpers() {
        assert!(StockCount::ZERO.is_zero());
        assert_eq!(StockCount::default(), StockCount::ZERO);
        assert!(!StockCount::from_i64(3).unwrap().is_zero());
        assert_eq!(StockCount::from_i64(42).unwrap().to_string(), "42");
    }
}
