//! An order's invoice as an A4 PDF, from plain data: [`render`] takes an [`Invoice`] and
//! returns the PDF's bytes. No I/O, no async, no database; it takes a few milliseconds
//! of CPU, so async callers run it on the blocking pool.
//!
//! # Why krilla
//!
//! The PDF is written with `krilla` 0.8, a high-level writer built on `pdf-writer`:
//! - it embeds a *subset* of the TrueType font (only the glyphs used, through
//!   `subsetter`), so an invoice is tens of KB although DejaVu Sans is 700 KB;
//! - it writes the CID font and the ToUnicode map itself, so the text, ₹ included,
//!   can be searched and copied; with `pdf-writer` alone that is ours to write;
//! - it takes positioned glyphs, so our own shaping (rustybuzz) measures every string
//!   exactly as it is drawn: numbers right-align and names cut at a column's edge;
//! - a JPEG logo goes into the PDF as it is (DCT passthrough), without decoding;
//! - `printpdf` subsets too, but brings an HTML layout engine, serde and svg2pdf along.
//!   krilla is the PDF writer behind Typst: maintained, pure Rust, no unsafe.
//!
//! # Fonts
//!
//! DejaVu Sans and DejaVu Sans Bold (Bitstream Vera licence, in `fonts/`) cover Latin,
//! Greek, Cyrillic and the rupee sign, not Devanagari or emoji: characters the font
//! lacks print as '?', never as an error.

mod layout;
mod page;
mod pdf;
#[cfg(feature = "order-records")]
mod records;
mod text;

use haat_domain::Currency;
use krilla::image::Image;
use time::OffsetDateTime;

use crate::layout::LogoPixels;

/// Everything an invoice shows. Amounts are integer minor units of `currency`.
#[derive(Clone, Debug)]
pub struct Invoice {
    pub store_name: String,
    /// May be empty; each line is printed on a line of its own.
    pub store_address: String,
    pub gstin: Option<String>,
    /// A JPEG (the store's 160 px logo) drawn beside the store name; left out quietly if
    /// it cannot be read.
    pub logo_jpeg: Option<Vec<u8>>,
    /// Printed as `#1042`.
    pub order_number: i64,
    /// Printed as `22 Nov 2026`, in this value's own UTC offset.
    pub placed_at: OffsetDateTime,
    pub customer_name: String,
    /// E.164, printed as it is.
    pub customer_phone: String,
    /// The delivery address, or `None` for pickup from the store.
    pub delivery: Option<String>,
    /// "Cash on delivery", "UPI", …
    pub payment_method: String,
    /// "Paid", "Pending", …
    pub payment_status: String,
    pub currency: Currency,
    pub lines: Vec<InvoiceLine>,
    pub subtotal_minor: i64,
    /// Printed as a negative amount when not zero.
    pub discount_minor: i64,
    pub discount_code: Option<String>,
    pub delivery_fee_minor: i64,
    pub total_minor: i64,
    /// Prices include this tax (basis points: 500 = 5%); when set, the invoice states
    /// how much of the total it is.
    pub tax_rate_bps: Option<i32>,
}

/// One row of the items table.
#[derive(Clone, Debug)]
pub struct InvoiceLine {
    pub name: String,
    pub quantity: i32,
    pub unit_price_minor: i64,
    pub line_total_minor: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum InvoiceError {
    #[error("the invoice font could not be loaded")]
    Font,
    #[error("the invoice could not be written as a PDF: {0}")]
    Pdf(String),
}

/// `invoice` as an A4 PDF. Long orders continue on more pages with the table header
/// repeated; item names wrap to two lines and are then cut with an ellipsis.
pub fn render(invoice: &Invoice) -> Result<Vec<u8>, InvoiceError> {
    let fonts = text::fonts()?;
    let logo = invoice
        .logo_jpeg
        .as_ref()
        .and_then(|jpeg| Image::from_jpeg(jpeg.clone().into(), true).ok());
    match (render_with(invoice, fonts, logo.as_ref()), &logo) {
        // A logo that passes the header check but fails when written is left out
        // rather than costing the shopper the invoice.
        (Err(_), Some(_)) => render_with(invoice, fonts, None),
        (result, _) => result,
    }
}

fn render_with(
    invoice: &Invoice,
    fonts: &text::Fonts,
    logo: Option<&Image>,
) -> Result<Vec<u8>, InvoiceError> {
    let pixels = logo.map(|image| {
        let (width, height) = image.size();
        LogoPixels { width, height }
    });
    let pages = layout::layout(invoice, fonts, pixels);
    let title = format!(
        "Invoice #{} · {}",
        invoice.order_number,
        invoice.store_name.trim()
    );
    pdf::write(&pages, fonts, logo, title)
}

/// The tax contained in a tax-inclusive `total_minor` at `rate_bps` basis points:
/// `total × rate / (10000 + rate)`, rounded half up (half away from zero for a negative
/// total) to a minor unit. Zero for a rate of zero or below.
pub fn included_tax_minor(total_minor: i64, rate_bps: i32) -> i64 {
    if rate_bps <= 0 {
        return 0;
    }
    // i128 holds total × rate × 2 for any i64 total and i32 rate.
    let rate = i128::from(rate_bps);
    let denominator = 10_000 + rate;
    let magnitude = i128::from(total_minor).abs();
    let tax = (magnitude * rate * 2 + denominator) / (denominator * 2);
    let tax = if total_minor < 0 { -tax } else { tax };
    // |tax| < |total|, so it always fits back.
    i64::try_from(tax).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use haat_domain::TaxRate;

    use super::included_tax_minor;

    #[track_caller]
    fn check(total_minor: i64, rate_bps: i32, expected: i64) {
        assert_eq!(included_tax_minor(total_minor, rate_bps), expected);
    }

    #[test]
    fn included_tax() {
        check(10_500, 500, 500); // ₹105 at 5% holds ₹5
        check(100, 1800, 15); // 15.25 → 15
        check(123_450, 500, 5_879); // 5878.57 → 5879
        check(118, 1800, 18); // exactly 18
        check(21, 500, 1); // 1.0 → 1
        check(31, 500, 1); // 1.476 → 1
        check(32, 500, 2); // 1.524 → 2
        check(0, 500, 0);
        check(10_000, 0, 0);
        check(10_000, -500, 0);
        check(10_000, 10_000, 5_000); // 100%: half of the total
        check(-10_500, 500, -500);
        check(-32, 500, -2);
    }

    #[test]
    fn included_tax_rounds_half_up() {
        // 10.5 minor units of tax: 10500 × 100 / 10100 is not exact, so build a half:
        // total 2 at 10000 bps is exactly 1; total 1 at 10000 bps is 0.5 → 1.
        check(1, 10_000, 1);
        check(3, 10_000, 2);
        check(-1, 10_000, -1);
    }

    #[test]
    fn included_tax_never_overflows() {
        check(i64::MAX, 500, 439_208_192_231_179_800);
        assert!(included_tax_minor(i64::MAX, i32::MAX) < i64::MAX);
        assert!(included_tax_minor(i64::MIN, i32::MAX) > i64::MIN);
        assert_eq!(included_tax_minor(i64::MIN, 1), -922_244_979_187_559);
    }

    #[test]
    fn included_tax_agrees_with_the_domain() {
        for rate in [1, 5, 250, 500, 1200, 1800, 2800, 10_000] {
            let domain = TaxRate::from_bps(i64::from(rate)).unwrap();
            for total in (0..20_000).step_by(7).chain([999_999_999, i64::MAX / 100]) {
                assert_eq!(
                    included_tax_minor(total, rate),
                    domain.included_in(total),
                    "{total} at {rate}"
                );
            }
        }
    }
}
