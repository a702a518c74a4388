//! Writes a sample invoice to look at:
//! `cargo run -p haat-invoice --example sample -- [LINES] [PATH]`
//! (3 lines and `/tmp/haat-invoice-sample.pdf` by default).

use haat_domain::Currency;
use haat_invoice::{render, Invoice, InvoiceLine};

const NAMES: [&str; 6] = [
    "Black Forest Cake (500 g)",
    "Masala chai, 250 g loose leaf",
    "Butter cookies",
    "Assorted dry-fruit laddoo gift box with hand-painted wooden tray, 24 pieces",
    "Mango cheesecake jar",
    "दाल मखनी (रवि कुमार की पसंद) क्षत्रिय",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let count: usize = args.next().map(|n| n.parse()).transpose()?.unwrap_or(3);
    let path = args
        .next()
        .unwrap_or_else(|| "/tmp/haat-invoice-sample.pdf".to_owned());
    let lines: Vec<InvoiceLine> = (0..count)
        .map(|index| {
            let quantity = (index % 3) as i32 + 1;
            let unit_price_minor = 61_725 - (index as i64 % 6) * 9_850;
            InvoiceLine {
                name: NAMES[index % NAMES.len()].to_owned(),
                quantity,
                unit_price_minor,
                line_total_minor: unit_price_minor * i64::from(quantity),
            }
        })
        .collect();
    let subtotal_minor: i64 = lines.iter().map(|line| line.line_total_minor).sum();
    let invoice = Invoice {
        store_name: "Meera's Home Bakery".into(),
        store_address: "14 FC Road, Shivajinagar\nPune 411004".into(),
        gstin: Some("27AAPFU0939F1ZV".into()),
        logo_jpeg: None,
        order_number: 1042,
        placed_at: time::macros::datetime!(2026-11-22 10:30 +05:30),
        customer_name: "Ravi Kumar".into(),
        customer_phone: "+919876543210".into(),
        delivery: Some("Flat 4, Sai Residency\n12 MG Road, Camp\nPune 411001".into()),
        payment_method: "UPI".into(),
        payment_status: "Paid".into(),
        currency: Currency::Inr,
        lines,
        subtotal_minor,
        discount_minor: 5_000,
        discount_code: Some("DIWALI".into()),
        delivery_fee_minor: 4_000,
        total_minor: subtotal_minor - 5_000 + 4_000,
        tax_rate_bps: Some(500),
    };
    let pdf = render(&invoice)?;
    std::fs::write(&path, &pdf)?;
    println!("{path}: {} bytes", pdf.len());
    Ok(())
}
