//! Typed identifiers for the things Haat stores: sellers, stores, products, categories
//! and images.
//!
//! Each id is a newtype over a UUID so a `ProductId` can never be passed where a
//! `StoreId` is expected. New ids are UUID v7: time-ordered, so they index well in
//! PostgreSQL and sort roughly by creation time.
//!
//! Only the canonical hyphenated form parses (upper- or lowercase hex): one resource
//! has one URL, not four spellings of it.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

use crate::error::{code, ParseError};

/// The length of `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
const HYPHENATED_LEN: usize = 36;

macro_rules! define_id {
    ($(#[$meta:meta])* $name:ident, $what:literal) => {
        $(#[$meta])*
        #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh, time-ordered (v7) id.
            #[allow(
                clippy::new_without_default,
                reason = "a Default that returns a different value on every call would surprise"
            )]
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// Wraps a UUID read back from storage; no check, the database is trusted.
            pub fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            pub fn as_uuid(&self) -> Uuid {
                self.0
            }

            /// Parses the hyphenated form, as found in a URL or a request body.
            pub fn parse(input: &str) -> Result<Self, ParseError> {
                parse_hyphenated(input, $what).map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.hyphenated(), formatter)
            }
        }

        impl FromStr for $name {
            type Err = ParseError;

            fn from_str(input: &str) -> Result<Self, ParseError> {
                Self::parse(input)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }
    };
}

define_id!(
    /// Identifies a seller: the person who signs in with a phone number.
    SellerId,
    "seller id"
);
define_id!(
    /// Identifies a store; every tenant-scoped query takes one.
    StoreId,
    "store id"
);
define_id!(
    /// Identifies a product within a store.
    ProductId,
    "product id"
);
define_id!(
    /// Identifies a category within a store.
    CategoryId,
    "category id"
);
define_id!(
    /// Identifies an uploaded image.
    ImageId,
    "image id"
);
define_id!(
    /// Identifies an order (shoppers never see it; they hold the order's token).
    OrderId,
    "order id"
);
define_id!(
    /// Identifies a store's discount code.
    DiscountId,
    "discount id"
);

fn parse_hyphenated(input: &str, what: &'static str) -> Result<Uuid, ParseError> {
    // `Uuid::try_parse` also takes the simple, braced and URN forms; insist on one.
    let is_hyphenated_shape = input.len() == HYPHENATED_LEN
        && input.bytes().enumerate().all(|(index, byte)| match index {
            8 | 13 | 18 | 23 => byte == b'-',
            _ => byte.is_ascii_hexdigit(),
        });
    if !is_hyphenated_shape {
        return Err(invalid(what));
    }
    Uuid::try_parse(input).map_err(|_| invalid(what))
}

fn invalid(what: &'static str) -> ParseError {
    ParseError::new(code::INVALID_ID, format!("not a valid {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "0190a5c4-7b1e-7c3a-8f2d-3e4b5c6d7e8f";

    #[track_caller]
    fn check_parse(input: &str, expected: Result<&str, &str>) {
        let actual = StoreId::parse(input)
            .map(|id| id.to_string())
            .map_err(|error| {
                assert_eq!(error.code, "invalid_id");
                error.message.into_owned()
            });
        let expected = expected.map(str::to_owned).map_err(str::to_owned);
        assert_eq!(actual, expected, "input: {input:?}");
    }

    #[test]
    fn parse() {
        check_parse(SAMPLE, Ok(SAMPLE));
        check_parse(&SAMPLE.to_uppercase(), Ok(SAMPLE));
        check_parse(
            "00000000-0000-0000-0000-000000000000",
            Ok("00000000-0000-0000-0000-000000000000"),
        );
        check_parse("", Err("not a valid store id"));
        check_parse(" ", Err("not a valid store id"));
        check_parse(&format!(" {SAMPLE}"), Err("not a valid store id"));
        check_parse(&format!("{SAMPLE} "), Err("not a valid store id"));
        check_parse(&SAMPLE.replace('-', ""), Err("not a valid store id"));
        check_parse(&format!("{{{SAMPLE}}}"), Err("not a valid store id"));
        check_parse(&format!("urn:uuid:{SAMPLE}"), Err("not a valid store id"));
        check_parse(
            "0190a5c4-7b1e-7c3a-8f2d-3e4b5c6d7e8g",
            Err("not a valid store id"),
        );
        check_parse(
            "0190a5c47-b1e-7c3a-8f2d-3e4b5c6d7e8f",
            Err("not a valid store id"),
        );
        check_parse(
            "0190a5c4-7b1e-7c3a-8f2d-3e4b5c6d7e8",
            Err("not a valid store id"),
        );
        check_parse(
            "0190a5c4-7b1e-7c3a-8f2d-3e4b5c6d7e8f0",
            Err("not a valid store id"),
        );
        check_parse(
            "0190a5c4-7b1e-7c3a-8f2d-3e4b5c6d7é",
            Err("not a valid store id"),
        );
        check_parse(
            "१९०a5c4-7b1e-7c3a-8f2d-3e4b5c6d7e8f",
            Err("not a valid store id"),
        );
        check_parse(&"a".repeat(10_000), Err("not a valid store id"));
    }

    #[test]
    fn each_type_names_itself_in_its_error() {
        assert_eq!(
            SellerId::parse("x").unwrap_err().message,
            "not a valid seller id"
        );
        assert_eq!(
            ProductId::parse("x").unwrap_err().message,
            "not a valid product id"
        );
        assert_eq!(
            CategoryId::parse("x").unwrap_err().message,
            "not a valid category id"
        );
        assert_eq!(
            ImageId::parse("x").unwrap_err().message,
            "not a valid image id"
        );
    }

    #[test]
    fn new_ids_are_v7_distinct_and_round_trip() {
        let first = ProductId::new();
        let second = ProductId::new();
        assert_ne!(first, second);
        assert_eq!(first.as_uuid().get_version_num(), 7);
        assert_eq!(first.to_string().parse::<ProductId>(), Ok(first));
        assert_eq!(ProductId::from_uuid(first.as_uuid()), first);
        assert_eq!(Uuid::from(first), first.as_uuid());
    }

    #[test]
    fn debug_shows_the_type_and_the_uuid() {
        let id = ImageId::parse(SAMPLE).unwrap();
        assert_eq!(format!("{id:?}"), format!("ImageId({SAMPLE})"));
    }
}
