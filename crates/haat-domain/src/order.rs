//! Orders: what a shopper buys and what happens to it afterwards.
//!
//! The order's life is a small state machine ([`OrderStatus::can_become`]): placed →
//! accepted → shipped → delivered, and placed/accepted → cancelled. Payment has its own
//! state ([`PaymentStatus`]) because cash on delivery is paid after delivery and UPI
//! before it. Money is integer minor units; [`Totals::compute`] is the only place where
//! an order's figures are worked out, so the checkout, the tests and the invoice agree.

use std::fmt;

use crate::error::{code, ParseError};
use crate::money::MAX_PRICE_MINOR;

/// At most this many units of one product on one order line.
pub const MAX_QUANTITY: i32 = 999;
/// At most this many distinct products on one order.
pub const MAX_ORDER_LINES: usize = 50;

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal, $code:expr, { $($variant:ident => $text:literal, $label:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable wire and database spelling.
            pub fn as_str(&self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// How a person reads it.
            pub fn label(&self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            pub fn parse(input: &str) -> Result<$name, ParseError> {
                match input.trim() {
                    $($text => Ok($name::$variant),)+
                    _ => Err(ParseError::new($code, concat!("not a valid ", $what, " (one of:", $(" ", $text),+ , ")"))),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str(self.as_str())
            }
        }
    };
}

string_enum!(
    /// Where an order is in its life.
    OrderStatus, "order status", code::INVALID_STATUS, {
        Placed => "placed", "Placed";
        Accepted => "accepted", "Accepted";
        Shipped => "shipped", "Shipped";
        Delivered => "delivered", "Delivered";
        Cancelled => "cancelled", "Cancelled";
    }
);

impl OrderStatus {
    /// The allowed transitions: placed → accepted → shipped → delivered, and placed or
    /// accepted → cancelled. Everything else (including staying put) is refused.
    pub fn can_become(self, next: OrderStatus) -> bool {
        use OrderStatus::*;
        matches!(
            (self, next),
            (Placed, Accepted)
                | (Accepted, Shipped)
                | (Shipped, Delivered)
                | (Placed, Cancelled)
                | (Accepted, Cancelled)
        )
    }

    /// The statuses this one may move to, for buttons on the order desk.
    pub fn next_steps(self) -> Vec<OrderStatus> {
        OrderStatus::ALL
            .iter()
            .copied()
            .filter(|next| self.can_become(*next))
            .collect()
    }

    /// Cancelling puts the items back on the shelf.
    pub fn is_final(self) -> bool {
        matches!(self, OrderStatus::Delivered | OrderStatus::Cancelled)
    }
}

string_enum!(
    /// Whether the money for an order has arrived. `Flagged` means a payment came in that
    /// does not match the order (amount or currency) and the seller must look at it.
    PaymentStatus, "payment status", code::INVALID_STATUS, {
        Pending => "pending", "Awaiting payment";
        Paid => "paid", "Paid";
        Flagged => "flagged", "Needs review";
        Refunded => "refunded", "Refunded";
    }
);

string_enum!(
    /// How the shopper pays.
    PaymentMethod, "payment method", code::INVALID_STATUS, {
        Cod => "cod", "Cash on delivery";
        Upi => "upi", "UPI";
    }
);

string_enum!(
    /// A carrier the seller ships with; known carriers get a tracking link.
    ShippingProvider, "shipping provider", code::INVALID_TRACKING, {
        Delhivery => "delhivery", "Delhivery";
        BlueDart => "bluedart", "Blue Dart";
        IndiaPost => "indiapost", "India Post";
        Dtdc => "dtdc", "DTDC";
        Shiprocket => "shiprocket", "Shiprocket";
        SelfDelivery => "self", "Delivered by the store";
        Other => "other", "Other";
    }
);

impl ShippingProvider {
    /// The carrier's public tracking page for `tracking`, where it has one that takes the
    /// id in the URL. Tracking ids are restricted to URL-safe characters, so no escaping
    /// is needed.
    pub fn tracking_url(&self, tracking: &TrackingId) -> Option<String> {
        let id = tracking.as_str();
        match self {
            ShippingProvider::Delhivery => {
                Some(format!("https://www.delhivery.com/track/package/{id}"))
            }
            ShippingProvider::BlueDart => Some(format!(
                "https://www.bluedart.com/web/guest/trackdartresult?trackFor=0&trackNo={id}"
            )),
            ShippingProvider::Shiprocket => Some(format!("https://shiprocket.co/tracking/{id}")),
            ShippingProvider::IndiaPost
            | ShippingProvider::Dtdc
            | ShippingProvider::SelfDelivery
            | ShippingProvider::Other => None,
        }
    }
}

/// A carrier's tracking id: 1 to 64 characters of `A-Z a-z 0-9 - _ .`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TrackingId(String);

impl TrackingId {
    pub fn parse(input: &str) -> Result<TrackingId, ParseError> {
        let text = input.trim();
        if text.is_empty() {
            return Err(ParseError::new(
                code::INVALID_TRACKING,
                "enter a tracking id",
            ));
        }
        if text.len() > 64 {
            return Err(ParseError::new(
                code::INVALID_TRACKING,
                "tracking id is too long (at most 64 characters)",
            ));
        }
        if !text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        {
            return Err(ParseError::new(
                code::INVALID_TRACKING,
                "tracking id may only contain letters, digits, '-', '_' and '.'",
            ));
        }
        Ok(TrackingId(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Units of one product on an order line or in a cart: `1..=MAX_QUANTITY`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quantity(i32);

impl Quantity {
    pub fn from_i64(count: i64) -> Result<Quantity, ParseError> {
        if count < 1 {
            return Err(ParseError::new(
                code::INVALID_QUANTITY,
                "quantity must be at least 1",
            ));
        }
        if count > i64::from(MAX_QUANTITY) {
            return Err(ParseError::new(
                code::INVALID_QUANTITY,
                format!("quantity is too large (at most {MAX_QUANTITY})"),
            ));
        }
        Ok(Quantity(count as i32))
    }

    /// From form text: a whole number, surrounding whitespace ignored.
    pub fn parse(input: &str) -> Result<Quantity, ParseError> {
        let text = input.trim();
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ParseError::new(
                code::INVALID_QUANTITY,
                "quantity must be a whole number",
            ));
        }
        let significant = text.trim_start_matches('0');
        if significant.len() > 6 {
            return Err(ParseError::new(
                code::INVALID_QUANTITY,
                format!("quantity is too large (at most {MAX_QUANTITY})"),
            ));
        }
        Quantity::from_i64(significant.parse().unwrap_or(0))
    }

    pub fn get(&self) -> i32 {
        self.0
    }
}

/// A store's per-store, human-friendly order number, shown as `#1042`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OrderNumber(i64);

impl OrderNumber {
    pub fn new(number: i64) -> OrderNumber {
        OrderNumber(number)
    }

    /// `#1042` or `1042`, as a seller types it into a search box.
    pub fn parse(input: &str) -> Option<OrderNumber> {
        let digits = input.trim().trim_start_matches('#');
        if digits.is_empty() || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok().map(OrderNumber)
    }

    pub fn get(&self) -> i64 {
        self.0
    }
}

impl fmt::Display for OrderNumber {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "#{}", self.0)
    }
}

/// The shopper's key to an order: 32 lowercase hex characters (122 random bits). Parsing
/// first means junk never reaches the database.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct OrderToken(String);

impl OrderToken {
    /// A fresh token from a random (v4) UUID.
    #[allow(
        clippy::new_without_default,
        reason = "a Default that returns a different value on every call would surprise"
    )]
    pub fn new() -> OrderToken {
        OrderToken(uuid::Uuid::new_v4().simple().to_string())
    }

    pub fn parse(input: &str) -> Result<OrderToken, ParseError> {
        if input.len() == 32
            && input
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            Ok(OrderToken(input.to_owned()))
        } else {
            Err(ParseError::new(
                code::INVALID_TOKEN,
                "not a valid order link",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for OrderToken {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("OrderToken(…)")
    }
}

/// The reference a payment gateway quotes back for an order (`tr` in a UPI link,
/// `order_ref` in a webhook): `HT` and 18 uppercase letters or digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PaymentRef(String);

impl PaymentRef {
    #[allow(
        clippy::new_without_default,
        reason = "a Default that returns a different value on every call would surprise"
    )]
    pub fn new() -> PaymentRef {
        let random = uuid::Uuid::new_v4()
            .simple()
            .to_string()
            .to_ascii_uppercase();
        PaymentRef(format!("HT{}", &random[..18]))
    }

    /// Any reference a gateway may send back: 4 to 40 ASCII letters and digits.
    pub fn parse(input: &str) -> Result<PaymentRef, ParseError> {
        if (4..=40).contains(&input.len()) && input.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(PaymentRef(input.to_owned()))
        } else {
            Err(ParseError::new(
                code::INVALID_TOKEN,
                "not a valid payment reference",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A UPI virtual payment address, `name@bank`: a local part of 2 to 64 of `a-z 0-9 . _ -`
/// and a handle of 2 to 32 letters and digits starting with a letter. Stored lowercased
/// (UPI addresses are case-insensitive).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UpiId(String);

impl UpiId {
    pub fn parse(input: &str) -> Result<UpiId, ParseError> {
        let text = input.trim().to_ascii_lowercase();
        let invalid = || {
            ParseError::new(
                code::INVALID_UPI_ID,
                "enter a UPI id like name@bank (letters, digits, '.', '_' or '-' before the @)",
            )
        };
        let (local, handle) = text.split_once('@').ok_or_else(invalid)?;
        let local_ok = (2..=64).contains(&local.len())
            && local
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        let handle_ok = (2..=32).contains(&handle.len())
            && handle.as_bytes()[0].is_ascii_alphabetic()
            && handle.bytes().all(|b| b.is_ascii_alphanumeric());
        if !local_ok || !handle_ok {
            return Err(invalid());
        }
        Ok(UpiId(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An Indian GST identification number: 15 characters (state code, PAN, entity, `Z`,
/// check character), with its check character verified.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Gstin(String);

const GSTIN_ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

impl Gstin {
    pub fn parse(input: &str) -> Result<Gstin, ParseError> {
        let text = input.trim().to_ascii_uppercase();
        let bytes = text.as_bytes();
        let shape_ok = bytes.len() == 15
            && bytes[..2].iter().all(u8::is_ascii_digit)
            && bytes[2..7].iter().all(u8::is_ascii_uppercase)
            && bytes[7..11].iter().all(u8::is_ascii_digit)
            && bytes[11].is_ascii_uppercase()
            && bytes[12].is_ascii_alphanumeric()
            && bytes[13] == b'Z'
            && bytes[14].is_ascii_alphanumeric();
        if !shape_ok {
            return Err(ParseError::new(
                code::INVALID_GSTIN,
                "enter a 15-character GSTIN like 27AAPFU0939F1ZV",
            ));
        }
        if gstin_check_char(&bytes[..14]) != bytes[14] {
            return Err(ParseError::new(
                code::INVALID_GSTIN,
                "this GSTIN's last character does not match (check for a typo)",
            ));
        }
        Ok(Gstin(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The GSTIN check character: a Luhn mod 36 over the first 14 characters (also used to
/// make valid fake GSTINs for staging copies).
pub fn gstin_check_char(body: &[u8]) -> u8 {
    let value = |b: u8| GSTIN_ALPHABET.iter().position(|c| *c == b).unwrap_or(0) as u32;
    let sum: u32 = body
        .iter()
        .enumerate()
        .map(|(index, b)| {
            let product = value(*b) * if index % 2 == 0 { 1 } else { 2 };
            product / 36 + product % 36
        })
        .sum();
    GSTIN_ALPHABET[((36 - sum % 36) % 36) as usize]
}

/// A tax rate in basis points (500 = 5%), `0..=10000`. Haat's prices include tax: the rate
/// only decides the "includes GST" line of an invoice.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct TaxRate(i32);

impl TaxRate {
    pub fn from_bps(bps: i64) -> Result<TaxRate, ParseError> {
        if !(0..=10_000).contains(&bps) {
            return Err(ParseError::new(
                code::INVALID_TAX_RATE,
                "tax rate must be between 0 and 100 percent",
            ));
        }
        Ok(TaxRate(bps as i32))
    }

    /// A percentage as typed: `5`, `12`, `2.5`, `18.00`.
    pub fn parse_percent(input: &str) -> Result<TaxRate, ParseError> {
        let text = input.trim().trim_end_matches('%').trim();
        let invalid = || {
            ParseError::new(
                code::INVALID_TAX_RATE,
                "tax rate must be a percentage like 5 or 12.5",
            )
        };
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        if whole.is_empty()
            || whole.len() > 3
            || fraction.len() > 2
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !fraction.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(invalid());
        }
        let whole: i64 = whole.parse().map_err(|_| invalid())?;
        let fraction: i64 = format!("{fraction:0<2}").parse().map_err(|_| invalid())?;
        TaxRate::from_bps(whole * 100 + fraction)
    }

    pub fn bps(&self) -> i32 {
        self.0
    }

    /// The tax contained in a tax-inclusive amount, rounded half up to a minor unit.
    pub fn included_in(&self, total_minor: i64) -> i64 {
        let rate = i128::from(self.0);
        let total = i128::from(total_minor);
        let denominator = 10_000 + rate;
        ((total * rate * 2 + denominator) / (denominator * 2)) as i64
    }

    /// `5%`, `12.5%`.
    pub fn percent_text(&self) -> String {
        let (whole, fraction) = (self.0 / 100, self.0 % 100);
        match fraction {
            0 => format!("{whole}%"),
            f if f % 10 == 0 => format!("{whole}.{}%", f / 10),
            f => format!("{whole}.{f:02}%"),
        }
    }
}

/// A discount code as shoppers type it: 3 to 32 letters, digits, `-` or `_`;
/// case-insensitive (`key` is the upper-cased form stored for lookups).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DiscountCode(String);

impl DiscountCode {
    pub fn parse(input: &str) -> Result<DiscountCode, ParseError> {
        let text = input.trim();
        if !(3..=32).contains(&text.len())
            || !text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
        {
            return Err(ParseError::new(
                code::INVALID_DISCOUNT,
                "discount codes are 3 to 32 letters, digits, '-' or '_'",
            ));
        }
        Ok(DiscountCode(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn key(&self) -> String {
        self.0.to_ascii_uppercase()
    }
}

/// What a discount takes off.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum DiscountKind {
    /// 1 to 100 percent of the items' subtotal (rounded half up to a minor unit).
    Percent(u8),
    /// A fixed amount in minor units, never more than the subtotal.
    Fixed(i64),
}

impl DiscountKind {
    pub fn percent(value: i64) -> Result<DiscountKind, ParseError> {
        if !(1..=100).contains(&value) {
            return Err(ParseError::new(
                code::INVALID_DISCOUNT,
                "a percentage discount is between 1 and 100",
            ));
        }
        Ok(DiscountKind::Percent(value as u8))
    }

    pub fn fixed(minor: i64) -> Result<DiscountKind, ParseError> {
        if !(1..=MAX_PRICE_MINOR).contains(&minor) {
            return Err(ParseError::new(
                code::INVALID_DISCOUNT,
                "a fixed discount must be more than zero",
            ));
        }
        Ok(DiscountKind::Fixed(minor))
    }

    /// From the stored `(kind, value)` pair.
    pub fn from_parts(kind: &str, value: i64) -> Result<DiscountKind, ParseError> {
        match kind {
            "percent" => DiscountKind::percent(value),
            "fixed" => DiscountKind::fixed(value),
            _ => Err(ParseError::new(
                code::INVALID_DISCOUNT,
                "discount kind is percent or fixed",
            )),
        }
    }

    pub fn kind_str(&self) -> &'static str {
        match self {
            DiscountKind::Percent(_) => "percent",
            DiscountKind::Fixed(_) => "fixed",
        }
    }

    pub fn value(&self) -> i64 {
        match self {
            DiscountKind::Percent(p) => i64::from(*p),
            DiscountKind::Fixed(minor) => *minor,
        }
    }

    /// The amount taken off `subtotal`: never negative, never more than the subtotal.
    pub fn amount_off(&self, subtotal_minor: i64) -> i64 {
        let amount = match self {
            DiscountKind::Percent(p) => {
                let exact = i128::from(subtotal_minor) * i128::from(*p);
                ((exact + 50) / 100) as i64
            }
            DiscountKind::Fixed(minor) => *minor,
        };
        amount.clamp(0, subtotal_minor.max(0))
    }
}

/// One priced line of an order, as the database priced it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct PricedLine {
    pub unit_price_minor: i64,
    pub quantity: Quantity,
}

impl PricedLine {
    pub fn total_minor(&self) -> i64 {
        self.unit_price_minor * i64::from(self.quantity.get())
    }
}

/// An order's figures, all in minor units of the store's currency.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub struct Totals {
    pub subtotal_minor: i64,
    pub discount_minor: i64,
    pub delivery_fee_minor: i64,
    pub total_minor: i64,
}

impl Totals {
    /// Subtotal of the lines, minus the discount (worked out on the subtotal), plus the
    /// delivery fee. Prices are at most `MAX_PRICE_MINOR`, quantities at most
    /// `MAX_QUANTITY` and lines at most `MAX_ORDER_LINES`, so no sum can overflow.
    pub fn compute(
        lines: &[PricedLine],
        discount: Option<DiscountKind>,
        delivery_fee_minor: i64,
    ) -> Totals {
        let subtotal_minor: i64 = lines.iter().map(PricedLine::total_minor).sum();
        let discount_minor = discount.map_or(0, |d| d.amount_off(subtotal_minor));
        let delivery_fee_minor = delivery_fee_minor.max(0);
        Totals {
            subtotal_minor,
            discount_minor,
            delivery_fee_minor,
            total_minor: subtotal_minor - discount_minor + delivery_fee_minor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_machine_allows_only_the_documented_moves() {
        use OrderStatus::*;
        let allowed: Vec<(OrderStatus, OrderStatus)> = OrderStatus::ALL
            .iter()
            .flat_map(|from| OrderStatus::ALL.iter().map(move |to| (*from, *to)))
            .filter(|(from, to)| from.can_become(*to))
            .collect();
        assert_eq!(
            allowed,
            vec![
                (Placed, Accepted),
                (Placed, Cancelled),
                (Accepted, Shipped),
                (Accepted, Cancelled),
                (Shipped, Delivered),
            ]
        );
        assert!(Delivered.next_steps().is_empty());
        assert!(Cancelled.next_steps().is_empty());
    }

    #[test]
    fn statuses_round_trip_through_text() {
        for status in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(status.as_str()), Ok(*status));
        }
        for status in PaymentStatus::ALL {
            assert_eq!(PaymentStatus::parse(status.as_str()), Ok(*status));
        }
        assert_eq!(PaymentMethod::parse("upi"), Ok(PaymentMethod::Upi));
        assert!(PaymentMethod::parse("card").is_err());
        assert!(OrderStatus::parse("PLACED").is_err());
    }

    #[test]
    fn quantities_are_bounded() {
        assert_eq!(Quantity::parse(" 2 ").unwrap().get(), 2);
        assert_eq!(Quantity::from_i64(999).unwrap().get(), 999);
        for bad in [0, -1, 1000, i64::MAX, i64::MIN] {
            assert_eq!(
                Quantity::from_i64(bad).unwrap_err().code,
                "invalid_quantity"
            );
        }
        for bad in ["", "-1", "1.5", "abc", "99999999999999999999", "0"] {
            assert!(Quantity::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn order_numbers_display_with_a_hash() {
        assert_eq!(OrderNumber::new(1042).to_string(), "#1042");
        assert_eq!(OrderNumber::parse("#1042"), Some(OrderNumber::new(1042)));
        assert_eq!(OrderNumber::parse(" 7 "), Some(OrderNumber::new(7)));
        assert_eq!(OrderNumber::parse("#"), None);
        assert_eq!(OrderNumber::parse("Asha"), None);
        assert_eq!(OrderNumber::parse("9999999999999999999999"), None);
    }

    #[test]
    fn tokens_and_refs_have_one_shape() {
        let token = OrderToken::new();
        assert_eq!(OrderToken::parse(token.as_str()), Ok(token.clone()));
        assert_ne!(token, OrderToken::new());
        assert!(OrderToken::parse("../../etc/passwd").is_err());
        assert!(OrderToken::parse(&token.as_str().to_uppercase()).is_err());
        assert_eq!(format!("{token:?}"), "OrderToken(…)");
        let reference = PaymentRef::new();
        assert_eq!(reference.as_str().len(), 20);
        assert!(reference.as_str().starts_with("HT"));
        assert_eq!(PaymentRef::parse(reference.as_str()), Ok(reference));
        assert!(PaymentRef::parse("a b").is_err());
    }

    #[test]
    fn upi_ids_are_validated_and_lowercased() {
        assert_eq!(
            UpiId::parse(" Asha.K@okHDFC ").unwrap().as_str(),
            "asha.k@okhdfc"
        );
        assert_eq!(
            UpiId::parse("9876543210@ybl").unwrap().as_str(),
            "9876543210@ybl"
        );
        for bad in [
            "",
            "asha",
            "@ybl",
            "a@b",
            "asha@",
            "asha@1bank",
            "as ha@ybl",
            "asha@ok@x",
            "a&b@ybl",
        ] {
            assert_eq!(
                UpiId::parse(bad).unwrap_err().code,
                "invalid_upi_id",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn gstins_are_checked() {
        assert_eq!(
            Gstin::parse("27aapfu0939f1zv").unwrap().as_str(),
            "27AAPFU0939F1ZV"
        );
        assert_eq!(
            Gstin::parse("27AAPFU0939F1ZW").unwrap_err().code,
            "invalid_gstin"
        );
        assert!(Gstin::parse("27AAPFU0939F1Z").is_err());
        assert!(Gstin::parse("").is_err());
    }

    #[test]
    fn tax_rates_parse_as_percentages() {
        assert_eq!(TaxRate::parse_percent("5").unwrap().bps(), 500);
        assert_eq!(TaxRate::parse_percent("12.5%").unwrap().bps(), 1250);
        assert_eq!(TaxRate::parse_percent("0.25").unwrap().bps(), 25);
        assert_eq!(
            TaxRate::parse_percent("12.5").unwrap().percent_text(),
            "12.5%"
        );
        assert_eq!(TaxRate::parse_percent("18").unwrap().percent_text(), "18%");
        for bad in ["", "101", "-5", "5.555", "five", "1e3"] {
            assert!(TaxRate::parse_percent(bad).is_err(), "{bad:?}");
        }
        // ₹105.00 including 5% GST contains ₹5.00 of tax.
        assert_eq!(TaxRate::from_bps(500).unwrap().included_in(10_500), 500);
        assert_eq!(TaxRate::from_bps(1800).unwrap().included_in(100), 15);
        assert_eq!(TaxRate::from_bps(0).unwrap().included_in(100), 0);
    }

    #[test]
    fn discounts_never_exceed_the_subtotal() {
        assert_eq!(DiscountKind::percent(10).unwrap().amount_off(12_345), 1_235);
        assert_eq!(DiscountKind::percent(100).unwrap().amount_off(999), 999);
        assert_eq!(DiscountKind::fixed(5_000).unwrap().amount_off(3_000), 3_000);
        assert!(DiscountKind::percent(0).is_err());
        assert!(DiscountKind::percent(101).is_err());
        assert!(DiscountKind::fixed(0).is_err());
        assert_eq!(
            DiscountCode::parse(" diwali-10 ").unwrap().key(),
            "DIWALI-10"
        );
        assert!(DiscountCode::parse("x").is_err());
        assert!(DiscountCode::parse("DIWALI 10").is_err());
    }

    #[test]
    fn totals_add_up() {
        let q = |n| Quantity::from_i64(n).unwrap();
        let lines = [
            PricedLine {
                unit_price_minor: 4_500,
                quantity: q(2),
            },
            PricedLine {
                unit_price_minor: 1_250,
                quantity: q(1),
            },
        ];
        let totals = Totals::compute(&lines, DiscountKind::percent(10).ok(), 4_000);
        assert_eq!(
            totals,
            Totals {
                subtotal_minor: 10_250,
                discount_minor: 1_025,
                delivery_fee_minor: 4_000,
                total_minor: 13_225,
            }
        );
        let biggest = vec![
            PricedLine {
                unit_price_minor: MAX_PRICE_MINOR,
                quantity: q(999)
            };
            MAX_ORDER_LINES
        ];
        let totals = Totals::compute(&biggest, None, MAX_PRICE_MINOR);
        assert!(totals.total_minor > 0);
    }

    #[test]
    fn known_carriers_link_to_tracking() {
        let id = TrackingId::parse(" DL123456789IN ").unwrap();
        assert_eq!(
            ShippingProvider::Delhivery.tracking_url(&id).as_deref(),
            Some("https://www.delhivery.com/track/package/DL123456789IN")
        );
        assert_eq!(ShippingProvider::Other.tracking_url(&id), None);
        assert!(TrackingId::parse("a b").is_err());
        assert!(TrackingId::parse("<script>").is_err());
        assert!(TrackingId::parse(&"x".repeat(65)).is_err());
    }
}
