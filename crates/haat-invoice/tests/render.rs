//! The invoice as a reader gets it: a small PDF whose text says what the order says,
//! continued over pages for long orders, and produced for any input without failing.

use haat_domain::Currency;
use haat_invoice::{render, Invoice, InvoiceLine};

fn line(name: &str, quantity: i32, unit_price_minor: i64) -> InvoiceLine {
    InvoiceLine {
        name: name.to_owned(),
        quantity,
        unit_price_minor,
        line_total_minor: unit_price_minor * i64::from(quantity),
    }
}

fn typical() -> Invoice {
    let lines = vec![
        line("Black Forest Cake (500 g)", 2, 61_725),
        line("Masala chai, 250 g loose leaf", 1, 18_000),
        line("Butter cookies", 3, 12_000),
    ];
    let subtotal_minor = lines.iter().map(|line| line.line_total_minor).sum::<i64>();
    Invoice {
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
    }
}

fn with_lines(count: usize, name: &str) -> Invoice {
    let mut invoice = typical();
    invoice.lines = (0..count)
        .map(|index| line(&format!("{name} {}", index + 1), 1, 10_000))
        .collect();
    invoice.subtotal_minor = 10_000 * count as i64;
    invoice.total_minor =
        invoice.subtotal_minor - invoice.discount_minor + invoice.delivery_fee_minor;
    invoice
}

/// Renders and checks the PDF's framing; returns it with its text, page by page.
#[track_caller]
fn check(invoice: &Invoice) -> (Vec<u8>, Vec<String>) {
    let pdf = render(invoice).expect("render");
    assert!(pdf.starts_with(b"%PDF-"));
    let tail = String::from_utf8_lossy(&pdf[pdf.len().saturating_sub(16)..]).into_owned();
    assert!(tail.trim_end().ends_with("%%EOF"), "{tail:?}");
    let document = lopdf::Document::load_mem(&pdf).expect("a readable PDF");
    let pages = document
        .get_pages()
        .keys()
        .map(|&number| document.extract_text(&[number]).expect("text"))
        .collect();
    (pdf, pages)
}

#[track_caller]
fn assert_contains(text: &str, expected: &str) {
    assert!(text.contains(expected), "{expected:?} not in {text:?}");
}

#[test]
fn a_typical_invoice_is_a_small_pdf_that_says_what_the_order_says() {
    let (pdf, pages) = check(&typical());
    assert!(pdf.len() < 200_000, "{} bytes", pdf.len());
    assert_eq!(pages.len(), 1);
    let text = &pages[0];
    for expected in [
        "Meera's Home Bakery",
        "GSTIN: 27AAPFU0939F1ZV",
        "Invoice #1042",
        "22 Nov 2026",
        "Ravi Kumar",
        "+919876543210",
        "12 MG Road, Camp",
        "UPI",
        "Paid",
        "Black Forest Cake (500 g)",
        "₹617.25",
        "₹1,234.50",
        "₹1,774.50", // subtotal
        "Discount (DIWALI)",
        "-₹50",
        "Delivery",
        "₹1,764.50", // total
        "Includes GST 5%: ₹84.02",
        "Thank you for shopping with Meera's Home Bakery",
    ] {
        assert_contains(text, expected);
    }
}

#[test]
fn pickup_orders_and_stores_without_tax_say_so() {
    let mut invoice = typical();
    invoice.delivery = None;
    invoice.tax_rate_bps = None;
    invoice.gstin = None;
    invoice.discount_minor = 0;
    invoice.delivery_fee_minor = 0;
    let (_, pages) = check(&invoice);
    assert_contains(&pages[0], "Pickup from store");
    for absent in ["GST", "Discount", "Delivery"] {
        assert!(!pages[0].contains(absent), "{absent:?} in {:?}", pages[0]);
    }
}

#[test]
fn long_orders_continue_on_more_pages_with_the_table_header_repeated() {
    for count in [60, 200] {
        let (pdf, pages) = check(&with_lines(count, "Cupcake"));
        assert!(pages.len() > 1, "{count} lines on {} page(s)", pages.len());
        assert!(pdf.len() < 200_000, "{} bytes", pdf.len());
        for (index, text) in pages.iter().enumerate() {
            assert_contains(text, "Unit price");
            assert_contains(text, &format!("Page {} of {}", index + 1, pages.len()));
        }
        let all = pages.concat();
        assert_contains(&all, &format!("Cupcake {count}"));
        assert_contains(pages.last().unwrap(), "Thank you for shopping with");
        assert_contains(&pages[1], "(continued)");
    }
}

#[test]
fn hindi_prints_in_devanagari_and_emoji_as_question_marks() {
    let mut invoice = with_lines(0, "");
    invoice.lines = vec![
        line("दाल मखनी", 1, 25_000),
        line("Birthday cake 🎂🎉", 1, 90_000),
        line("👨‍👩‍👧 family pack", 1, 1_000),
    ];
    invoice.customer_name = "रवि कुमार".into();
    invoice.store_name = "मीरा की बेकरी 🧁".into();
    let (pdf, pages) = check(&invoice);
    assert_contains(&pages[0], "Birthday cake ??");
    assert_contains(&pages[0], "? family pack");
    assert!(!pages[0].contains('🎂'));
    // The Devanagari face is embedded (as a subset) next to DejaVu.
    let document = lopdf::Document::load_mem(&pdf).unwrap();
    let fonts: Vec<String> = document
        .objects
        .values()
        .filter_map(|object| object.as_dict().ok())
        .filter_map(|dict| dict.get(b"BaseFont").ok())
        .filter_map(|name| name.as_name().ok())
        .map(|name| String::from_utf8_lossy(name).into_owned())
        .collect();
    assert!(
        fonts.iter().any(|name| name.contains("NotoSansDevanagari")),
        "{fonts:?}"
    );
    assert!(
        fonts.iter().any(|name| name.contains("DejaVuSans")),
        "{fonts:?}"
    );
    // The family emoji is three people joined by invisible joiners: three marks. The
    // Hindi itself is kept (text::tests) and drawn with the Devanagari face; lopdf's
    // text extraction garbles reordered Devanagari clusters, so it is checked by eye
    // and with poppler's `pdftotext`, which reads it back (see the sample example).
    assert_contains(&pages[0], "??? family pack");
}

#[test]
fn odd_input_never_fails() {
    let huge = i64::MAX / 100;
    let long = "Extra-large hand-painted terracotta planter with drainage tray ".repeat(40);
    let mut cases = Vec::new();

    let mut empty = with_lines(0, "");
    empty.store_name = String::new();
    empty.store_address = String::new();
    empty.gstin = Some(String::new());
    empty.customer_name = String::new();
    empty.customer_phone = String::new();
    empty.delivery = Some(String::new());
    empty.payment_method = String::new();
    empty.payment_status = String::new();
    empty.discount_code = Some(String::new());
    cases.push(empty);

    let mut huge_amounts = with_lines(0, "");
    huge_amounts.lines = vec![InvoiceLine {
        name: "Gold".into(),
        quantity: i32::MAX,
        unit_price_minor: huge,
        line_total_minor: huge,
    }];
    huge_amounts.subtotal_minor = huge;
    huge_amounts.discount_minor = huge;
    huge_amounts.delivery_fee_minor = huge;
    huge_amounts.total_minor = huge;
    huge_amounts.order_number = i64::MAX;
    huge_amounts.tax_rate_bps = Some(10_000);
    cases.push(huge_amounts);

    let mut extremes = typical();
    extremes.lines = vec![InvoiceLine {
        name: "Refund".into(),
        quantity: i32::MIN,
        unit_price_minor: i64::MIN,
        line_total_minor: i64::MAX,
    }];
    extremes.subtotal_minor = i64::MIN;
    extremes.discount_minor = i64::MIN;
    extremes.delivery_fee_minor = i64::MAX;
    extremes.total_minor = i64::MIN;
    extremes.order_number = i64::MIN;
    extremes.tax_rate_bps = Some(i32::MAX);
    cases.push(extremes);

    let mut wordy = with_lines(200, &long);
    wordy.store_name = long.clone();
    wordy.store_address = format!("{long}\n").repeat(10);
    wordy.gstin = Some(long.clone());
    wordy.customer_name = "x".repeat(5_000);
    wordy.customer_phone = long.clone();
    wordy.delivery = Some(format!("{long}\n").repeat(10));
    wordy.payment_method = long.clone();
    wordy.payment_status = long.clone();
    wordy.discount_code = Some(long.clone());
    cases.push(wordy);

    let mut control = typical();
    control.store_name = "Tab\there\r\nnew\u{0}line \u{202E}reversed\u{FEFF}".into();
    control.lines[0].name = "\u{0301}\u{200D}\u{FE0F}".into();
    cases.push(control);

    for invoice in &cases {
        check(invoice);
    }
}

#[test]
fn a_jpeg_logo_is_embedded_and_a_broken_one_left_out() {
    let mut logo = Vec::new();
    let pixels = image::RgbImage::from_fn(160, 80, |x, y| image::Rgb([x as u8, y as u8, 120]));
    image::DynamicImage::ImageRgb8(pixels)
        .write_to(
            &mut std::io::Cursor::new(&mut logo),
            image::ImageFormat::Jpeg,
        )
        .unwrap();

    let mut invoice = typical();
    invoice.logo_jpeg = Some(logo.clone());
    let (pdf, pages) = check(&invoice);
    assert!(contains(&pdf, b"/DCTDecode"), "no JPEG in the PDF");
    assert_contains(&pages[0], "Meera's Home Bakery");

    for broken in [
        Vec::new(),
        b"not a jpeg".to_vec(),
        logo[..logo.len() / 2].to_vec(),
        logo[..20].to_vec(),
    ] {
        invoice.logo_jpeg = Some(broken);
        check(&invoice);
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}
