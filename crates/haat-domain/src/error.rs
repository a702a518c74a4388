//! The one error type every `parse` in this crate returns.
//!
//! A [`ParseError`] carries a stable machine-readable `code` (the HTTP layer maps it to a
//! status and puts it in the response body; clients and tests match on it) and a
//! human-readable `message` that is safe to show the person who typed the input: it
//! never echoes the input back, so a phone number or code cannot leak through it.

use std::borrow::Cow;

/// Why some input could not become a domain value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    /// One of the constants in [`code`]; stable across releases.
    pub code: &'static str,
    /// Lowercase, no trailing period, fit to show next to a form field.
    pub message: Cow<'static, str>,
}

impl ParseError {
    pub fn new(code: &'static str, message: impl Into<Cow<'static, str>>) -> ParseError {
        ParseError {
            code,
            message: message.into(),
        }
    }
}

/// The stable error codes, so callers match on a constant rather than a literal.
pub mod code {
    pub const INVALID_PHONE: &str = "invalid_phone";
    pub const INVALID_PRICE: &str = "invalid_price";
    pub const INVALID_NAME: &str = "invalid_name";
    pub const INVALID_SLUG: &str = "invalid_slug";
    pub const INVALID_CURRENCY: &str = "invalid_currency";
    pub const INVALID_COLOUR: &str = "invalid_colour";
    pub const INVALID_STOCK: &str = "invalid_stock";
    pub const INVALID_CODE: &str = "invalid_code";
    pub const INVALID_ID: &str = "invalid_id";
    pub const INVALID_DESCRIPTION: &str = "invalid_description";
    pub const INVALID_ADDRESS: &str = "invalid_address";
    pub const INVALID_NOTE: &str = "invalid_note";
    pub const INVALID_QUANTITY: &str = "invalid_quantity";
    pub const INVALID_UPI_ID: &str = "invalid_upi_id";
    pub const INVALID_DISCOUNT: &str = "invalid_discount";
    pub const INVALID_TRACKING: &str = "invalid_tracking";
    pub const INVALID_GSTIN: &str = "invalid_gstin";
    pub const INVALID_TOKEN: &str = "invalid_token";
    pub const INVALID_STATUS: &str = "invalid_status";
    pub const INVALID_TAX_RATE: &str = "invalid_tax_rate";
    pub const INVALID_SYNONYMS: &str = "invalid_synonyms";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_the_message_alone() {
        let error = ParseError::new(code::INVALID_PHONE, "enter a phone number");
        assert_eq!(error.to_string(), "enter a phone number");
        assert_eq!(error.code, "invalid_phone");
    }

    #[test]
    fn owned_messages_are_accepted() {
        let error = ParseError::new(code::INVALID_PRICE, format!("at most {} digits", 2));
        assert_eq!(error.message, "at most 2 digits");
    }
}
