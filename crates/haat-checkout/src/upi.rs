//! UPI payment intents: the `upi://pay` link that opens the shopper's UPI app on a phone,
//! and the same link as a QR code (SVG, drawn in Rust) to scan from a desktop screen.
//!
//! Parameters follow NPCI's UPI linking specification: `pa` payee address, `pn` payee
//! name, `am` amount in rupees with two decimals, `cu` currency (INR), `tn` a note, `tr`
//! the transaction reference the payment gateway quotes back in its webhook.

use haat_db::{OrderRecord, ShopStore};
use haat_domain::{decimal_string, Currency, PaymentMethod, PaymentStatus};
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// `upi://pay?pa=…&pn=…&am=…&cu=INR&tn=…&tr=…` with every value percent-encoded.
pub fn upi_pay_url(
    payee: &str,
    payee_name: &str,
    amount_minor: i64,
    note: &str,
    reference: &str,
) -> String {
    let amount = decimal_string(amount_minor, Currency::Inr);
    // `decimal_string` drops ".00"; UPI apps expect two decimals.
    let amount = match amount.split_once('.') {
        Some((whole, fraction)) => format!("{whole}.{fraction:0<2}"),
        None => format!("{amount}.00"),
    };
    format!(
        "upi://pay?pa={}&pn={}&am={amount}&cu=INR&tn={}&tr={}",
        encode(payee),
        encode(payee_name),
        encode(note),
        encode(reference)
    )
}

/// The UPI link of an order that is still to be paid by UPI, else `None`.
pub(crate) fn upi_uri_for(store: &ShopStore, order: &OrderRecord) -> Option<String> {
    if order.payment_method != PaymentMethod::Upi
        || !matches!(order.payment_status, PaymentStatus::Pending)
    {
        return None;
    }
    let payee = store.upi_id.as_deref()?;
    let name: String = store.name.chars().take(50).collect();
    Some(upi_pay_url(
        payee,
        &name,
        order.totals.total_minor,
        &format!("Order {} at {name}", order.number),
        order.payment_ref.as_str(),
    ))
}

/// The link as a QR code, an SVG document scaled to its container.
pub fn upi_qr_svg(link: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(link.as_bytes(), EcLevel::M).ok()?;
    Some(
        code.render::<svg::Color<'_>>()
            .min_dimensions(220, 220)
            .quiet_zone(true)
            .dark_color(svg::Color("#111111"))
            .light_color(svg::Color("#ffffff"))
            .build(),
    )
}

/// RFC 3986 percent-encoding (a space is `%20`); the payee address keeps its `@`.
fn encode(text: &str) -> String {
    haat_storefront::urls::percent_encode_keeping(text, b"@")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_link_carries_every_parameter_encoded() {
        let link = upi_pay_url(
            "asha@okhdfc",
            "Asha's Kitchen & Co",
            45_050,
            "Order #1042",
            "HT0123",
        );
        assert_eq!(
            link,
            "upi://pay?pa=asha@okhdfc&pn=Asha%27s%20Kitchen%20%26%20Co&am=450.50&cu=INR&tn=Order%20%231042&tr=HT0123"
        );
        assert!(upi_pay_url("a@b", "x", 50_000, "n", "r").contains("&am=500.00&"));
        assert!(upi_pay_url("a@b", "x", 5, "n", "r").contains("&am=0.05&"));
    }

    #[test]
    fn the_qr_code_is_an_svg() {
        let svg = upi_qr_svg("upi://pay?pa=asha@okhdfc&am=1.00&cu=INR").unwrap();
        assert!(svg.starts_with("<?xml"), "{}", &svg[..40]);
        assert!(svg.contains("<svg"));
    }
}
