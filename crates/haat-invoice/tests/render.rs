//! The invoice renders for typical, empty, huge and foreign-script orders without error.

use haat_domain::Currency;
use haat_invoice::{render, Invoice, InvoiceLine};

fn invoice(lines: usize, name: &str) -> Invoice {
    Invoice {
        store_name: "Meera's Home Bakery".into(),
        store_address: "14 FC Road\nPune 411004".into(),
        gstin: Some("27AAPFU0939F1ZV".into()),
        order_number: 1042,
        placed_at: time::macros::datetime!(2026-11-22 10:30 UTC),
        customer_name: "Ravi Kumar".into(),
        customer_phone: "+919876543210".into(),
        delivery: Some("Flat 4, 12 MG Road\nPune 411001".into()),
        payment_method: "UPI".into(),
        payment_status: "Paid".into(),
        currency: Currency::Inr,
        lines: (0..lines)
            .map(|i| InvoiceLine {
                name: format!("{name} {i}"),
                quantity: 2,
                unit_price_minor: 61_725,
                line_total_minor: 123_450,
            })
            .collect(),
        subtotal_minor: 123_450 * lines as i64,
        discount_minor: 5_000,
        discount_code: Some("DIWALI".into()),
        delivery_fee_minor: 4_000,
        total_minor: 123_450 * lines as i64 - 1_000,
        tax_rate_bps: Some(500),
    }
}

fn pages(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    text.matches("/Type /Page\n").count()
        + text.matches("/Type /Page/").count()
        + text.matches("/Type /Page ").count()
        + text.matches("/Type/Page").count()
        - text.matches("/Type/Pages").count()
}

#[track_caller]
fn check_pdf(pdf: &[u8]) {
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(
        String::from_utf8_lossy(&pdf[pdf.len().saturating_sub(32)..])
            .trim_end()
            .ends_with("%%EOF")
    );
}

#[test]
fn a_typical_invoice_is_a_small_pdf() {
    let pdf = render(&invoice(3, "Black Forest Cake (500 g)")).unwrap();
    check_pdf(&pdf);
    assert!(pdf.len() < 200_000, "{} bytes", pdf.len());
    std::fs::write(std::env::temp_dir().join("haat-invoice-sample.pdf"), &pdf).unwrap();
}

#[test]
fn long_orders_continue_on_more_pages() {
    let one = render(&invoice(3, "Cake")).unwrap();
    let many = render(&invoice(120, "Cake")).unwrap();
    check_pdf(&many);
    assert!(
        pages(&many) > pages(&one),
        "{} vs {}",
        pages(&many),
        pages(&one)
    );
}

#[test]
fn odd_input_never_fails() {
    for name in [
        "दाल मखनी",
        "🎂🎉",
        "",
        &"x".repeat(5_000),
        "<script>\u{202E}",
    ] {
        let mut odd = invoice(2, name);
        odd.store_name = name.to_owned();
        odd.customer_name = name.to_owned();
        odd.store_address = String::new();
        odd.gstin = None;
        odd.delivery = None;
        odd.tax_rate_bps = None;
        check_pdf(&render(&odd).unwrap());
    }
    let mut empty = invoice(0, "");
    empty.total_minor = i64::MAX / 100;
    check_pdf(&render(&empty).unwrap());
}
