//! Time to render a 10-line invoice:
//! `cargo run --release -p haat-invoice --example bench`

use std::time::{Duration, Instant};

use haat_domain::Currency;
use haat_invoice::{render, Invoice, InvoiceLine};

const RUNS: u32 = 200;

fn main() -> Result<(), haat_invoice::InvoiceError> {
    let lines: Vec<InvoiceLine> = (0..10)
        .map(|index| InvoiceLine {
            name: format!("Handmade product number {index}, medium"),
            quantity: index % 3 + 1,
            unit_price_minor: 12_345 * i64::from(index + 1),
            line_total_minor: 12_345 * i64::from(index + 1) * i64::from(index % 3 + 1),
        })
        .collect();
    let total: i64 = lines.iter().map(|line| line.line_total_minor).sum();
    let invoice = Invoice {
        store_name: "Meera's Home Bakery".into(),
        store_address: "14 FC Road, Shivajinagar\nPune 411004".into(),
        gstin: Some("27AAPFU0939F1ZV".into()),
        logo_jpeg: None,
        order_number: 1042,
        placed_at: time::macros::datetime!(2026-11-22 10:30 +05:30),
        customer_name: "Ravi Kumar".into(),
        customer_phone: "+919876543210".into(),
        delivery: Some("12 MG Road, Pune 411001".into()),
        payment_method: "Cash on delivery".into(),
        payment_status: "Pending".into(),
        currency: Currency::Inr,
        lines,
        subtotal_minor: total,
        discount_minor: 0,
        discount_code: None,
        delivery_fee_minor: 0,
        total_minor: total,
        tax_rate_bps: Some(500),
    };
    // The first render also parses the fonts, once per process.
    let first = Instant::now();
    let size = render(&invoice)?.len();
    let first = first.elapsed();
    let mut times = Vec::with_capacity(RUNS as usize);
    for _ in 0..RUNS {
        let start = Instant::now();
        std::hint::black_box(render(std::hint::black_box(&invoice))?);
        times.push(start.elapsed());
    }
    times.sort();
    let mean = times.iter().sum::<Duration>() / RUNS;
    let median = times[times.len() / 2];
    println!(
        "10-line invoice, {size} bytes: mean {mean:.2?}, median {median:.2?}, \
         first (loads fonts) {first:.2?} over {RUNS} runs"
    );
    Ok(())
}
