//! Haat's domain types: the values every other crate passes around, each parsed once
//! at the edge and trusted from then on ("parse, don't validate").
//!
//! This crate does no I/O, has no async code and knows nothing of serde: wire types
//! live in the HTTP crates and are converted by hand. Every `parse` returns a
//! [`ParseError`] whose `code` is stable and whose message can be shown to a person.

pub mod catalog;
pub mod colour;
pub mod error;
pub mod ids;
pub mod money;
pub mod order;
pub mod otp;
pub mod phone;
pub mod slug;
pub mod stock;
pub mod synonyms;
pub mod text;

pub use crate::colour::AccentColour;
pub use crate::error::ParseError;
pub use crate::ids::{CategoryId, DiscountId, ImageId, OrderId, ProductId, SellerId, StoreId};
pub use crate::money::{decimal_string, format_money, Currency, Price, MAX_PRICE_MINOR};
pub use crate::order::{
    gstin_check_char, DiscountCode, DiscountKind, Gstin, OrderNumber, OrderStatus, OrderToken,
    PaymentMethod, PaymentRef, PaymentStatus, PricedLine, Quantity, ShippingProvider, TaxRate,
    Totals, TrackingId, UpiId, MAX_ORDER_LINES, MAX_QUANTITY,
};
pub use crate::otp::OtpCode;
pub use crate::phone::Phone;
pub use crate::slug::{is_reserved, StoreSlug, RESERVED_SLUGS};
pub use crate::stock::{StockCount, MAX_STOCK};
pub use crate::synonyms::SynonymGroups;
pub use crate::text::{
    Address, CancelReason, CategoryName, CustomerName, Description, OrderNote, ProductName,
    StoreAddress, StoreName,
};
