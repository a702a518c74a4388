//! An order's invoice as a PDF, from plain data: no I/O, no async, no database. Callers
//! run [`render`] on the blocking pool (it takes a few milliseconds).
//!
//! Built on `krilla` (a high-level PDF writer with text shaping and font subsetting), so
//! the PDF embeds only the glyphs it uses of DejaVu Sans (vendored in `fonts/`, with its
//! licence), including the rupee sign, and stays small. We chose it over `printpdf`
//! (whole-font embedding made every invoice ~700 KB) and over `pdf-writer` alone (we
//! would have to write the CID font, subsetting and ToUnicode maps by hand).
//! Characters the font lacks (e.g. Devanagari) render as empty boxes, never an error.

use std::sync::{Arc, OnceLock};

use haat_domain::{format_money, Currency, TaxRate};
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Size};
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::text::{Font, TextDirection};
use krilla::Document;
use time::macros::format_description;
use time::OffsetDateTime;

static REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// One line of the invoice.
#[derive(Clone, Debug)]
pub struct InvoiceLine {
    pub name: String,
    pub quantity: i32,
    pub unit_price_minor: i64,
    pub line_total_minor: i64,
}

/// Everything an invoice shows.
#[derive(Clone, Debug)]
pub struct Invoice {
    pub store_name: String,
    /// May be empty; line breaks are kept.
    pub store_address: String,
    pub gstin: Option<String>,
    /// The order number, printed as `#1042`.
    pub order_number: i64,
    pub placed_at: OffsetDateTime,
    pub customer_name: String,
    pub customer_phone: String,
    /// The delivery address, or `None` for pickup.
    pub delivery: Option<String>,
    pub payment_method: String,
    pub payment_status: String,
    pub currency: Currency,
    pub lines: Vec<InvoiceLine>,
    pub subtotal_minor: i64,
    pub discount_minor: i64,
    pub discount_code: Option<String>,
    pub delivery_fee_minor: i64,
    pub total_minor: i64,
    /// Prices include this tax; the invoice states the amount they contain.
    pub tax_rate_bps: Option<i32>,
}

#[derive(Debug, thiserror::Error)]
pub enum InvoiceError {
    #[error("the invoice font could not be loaded")]
    Font,
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
}

struct Fonts {
    regular: Font,
    bold: Font,
}

fn fonts() -> Result<&'static Fonts, InvoiceError> {
    static FONTS: OnceLock<Option<Fonts>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let load = |bytes: &'static [u8]| {
                let data: Arc<dyn AsRef<[u8]> + Send + Sync> = Arc::new(bytes);
                Font::new(data.into(), 0)
            };
            Some(Fonts {
                regular: load(REGULAR)?,
                bold: load(BOLD)?,
            })
        })
        .as_ref()
        .ok_or(InvoiceError::Font)
}

const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 48.0;
const LINE: f32 = 16.0;
/// Table columns: item from the margin, then right edges of qty, unit price, amount.
const QTY_RIGHT: f32 = 360.0;
const UNIT_RIGHT: f32 = 455.0;
const AMOUNT_RIGHT: f32 = PAGE_WIDTH - MARGIN;
/// Item names longer than this (in characters) are cut with an ellipsis.
const NAME_CHARS: usize = 44;

/// An approximate advance width in ems of DejaVu Sans, enough to right-align figures
/// (digits, separators and the currency sign have fixed widths in this font).
fn text_width(text: &str, size: f32) -> f32 {
    text.chars()
        .map(|c| match c {
            '0'..='9' | '₹' | '$' | '€' | '£' | '#' => 0.636,
            '.' | ',' | ' ' | ':' => 0.317,
            '−' | '-' => 0.361,
            'A'..='Z' => 0.70,
            _ => 0.56,
        })
        .sum::<f32>()
        * size
}

fn truncate(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(chars.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// One page being drawn: text and rules at absolute positions from the top left.
struct Writer<'a, 'b> {
    surface: krilla::surface::Surface<'a>,
    fonts: &'b Fonts,
}

impl Writer<'_, '_> {
    fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, text: &str) {
        if text.is_empty() {
            return;
        }
        let font = if bold {
            self.fonts.bold.clone()
        } else {
            self.fonts.regular.clone()
        };
        self.surface.draw_text(
            Point::from_xy(x, y),
            font,
            size,
            text,
            false,
            TextDirection::LeftToRight,
        );
    }

    fn right(&mut self, right: f32, y: f32, size: f32, bold: bool, text: &str) {
        let x = right - text_width(text, size);
        self.text(x, y, size, bold, text);
    }

    fn rule(&mut self, y: f32, grey: u8) {
        let mut path = PathBuilder::new();
        if let Some(rect) = Rect::from_xywh(MARGIN, y, PAGE_WIDTH - 2.0 * MARGIN, 0.8) {
            path.push_rect(rect);
        }
        if let Some(path) = path.finish() {
            self.surface.set_fill(Some(Fill {
                paint: rgb::Color::new(grey, grey, grey).into(),
                ..Fill::default()
            }));
            self.surface.draw_path(&path);
            self.surface.set_fill(Some(Fill::default()));
        }
    }

    fn finish(self) {
        self.surface.finish();
    }

    fn table_header(&mut self, y: f32) -> f32 {
        self.text(MARGIN, y, 9.5, true, "Item");
        self.right(QTY_RIGHT, y, 9.5, true, "Qty");
        self.right(UNIT_RIGHT, y, 9.5, true, "Unit price");
        self.right(AMOUNT_RIGHT, y, 9.5, true, "Amount");
        self.rule(y + 6.0, 120);
        y + LINE + 4.0
    }
}

/// Renders `invoice` as an A4 PDF; long orders continue on more pages with the table
/// header repeated.
pub fn render(invoice: &Invoice) -> Result<Vec<u8>, InvoiceError> {
    let fonts = fonts()?;
    let money = |minor: i64| format_money(minor, invoice.currency);
    let size = Size::from_wh(PAGE_WIDTH, PAGE_HEIGHT).ok_or(InvoiceError::Font)?;
    let mut document = Document::new();
    let mut lines = invoice.lines.iter().peekable();
    let mut page_number = 0;
    loop {
        page_number += 1;
        let mut page = document.start_page_with(PageSettings::new(size));
        let mut w = Writer {
            surface: page.surface(),
            fonts,
        };
        let mut y = MARGIN + 12.0;
        if page_number == 1 {
            w.text(
                MARGIN,
                y + 8.0,
                20.0,
                true,
                &truncate(&invoice.store_name, 40),
            );
            y += 30.0;
            for line in invoice.store_address.lines().take(4) {
                w.text(MARGIN, y, 10.0, false, &truncate(line, 70));
                y += 13.0;
            }
            if let Some(gstin) = &invoice.gstin {
                w.text(MARGIN, y, 10.0, false, &format!("GSTIN: {gstin}"));
                y += 13.0;
            }
            let date = invoice
                .placed_at
                .format(format_description!(
                    "[day padding:none] [month repr:short] [year]"
                ))
                .unwrap_or_default();
            w.right(
                AMOUNT_RIGHT,
                MARGIN + 20.0,
                16.0,
                true,
                &format!("Invoice #{}", invoice.order_number),
            );
            w.right(AMOUNT_RIGHT, MARGIN + 38.0, 10.0, false, &date);
            y = y.max(MARGIN + 60.0) + 12.0;
            w.rule(y, 200);
            y += 22.0;
            w.text(MARGIN, y, 9.5, true, "Bill to");
            w.text(320.0, y, 9.5, true, "Payment");
            y += LINE;
            w.text(
                MARGIN,
                y,
                10.0,
                false,
                &truncate(&invoice.customer_name, 40),
            );
            w.text(320.0, y, 10.0, false, &invoice.payment_method);
            y += 13.0;
            w.text(MARGIN, y, 10.0, false, &invoice.customer_phone);
            w.text(320.0, y, 10.0, false, &invoice.payment_status);
            y += 13.0;
            match &invoice.delivery {
                Some(address) => {
                    for line in address.lines().take(5) {
                        w.text(MARGIN, y, 10.0, false, &truncate(line, 45));
                        y += 13.0;
                    }
                }
                None => {
                    w.text(MARGIN, y, 10.0, false, "Pickup from the store");
                    y += 13.0;
                }
            }
            y += 18.0;
        } else {
            w.text(
                MARGIN,
                y,
                10.0,
                false,
                &format!(
                    "{} · Invoice #{} (continued, page {page_number})",
                    truncate(&invoice.store_name, 40),
                    invoice.order_number
                ),
            );
            y += 28.0;
        }
        y = w.table_header(y);
        while let Some(line) = lines.peek() {
            if y > PAGE_HEIGHT - MARGIN - 40.0 {
                break;
            }
            w.text(MARGIN, y, 10.0, false, &truncate(&line.name, NAME_CHARS));
            w.right(QTY_RIGHT, y, 10.0, false, &line.quantity.to_string());
            w.right(UNIT_RIGHT, y, 10.0, false, &money(line.unit_price_minor));
            w.right(AMOUNT_RIGHT, y, 10.0, false, &money(line.line_total_minor));
            y += LINE;
            lines.next();
        }
        let last = lines.peek().is_none();
        // The totals need about 140 points; otherwise they go on a page of their own.
        if last && y <= PAGE_HEIGHT - MARGIN - 140.0 {
            w.rule(y - 6.0, 200);
            y += 10.0;
            let label = 380.0;
            w.text(label, y, 10.0, false, "Subtotal");
            w.right(AMOUNT_RIGHT, y, 10.0, false, &money(invoice.subtotal_minor));
            y += LINE;
            if invoice.discount_minor > 0 {
                let name = match &invoice.discount_code {
                    Some(code) => format!("Discount ({})", truncate(code, 16)),
                    None => "Discount".to_owned(),
                };
                w.text(label, y, 10.0, false, &name);
                w.right(
                    AMOUNT_RIGHT,
                    y,
                    10.0,
                    false,
                    &format!("−{}", money(invoice.discount_minor)),
                );
                y += LINE;
            }
            if invoice.delivery_fee_minor > 0 {
                w.text(label, y, 10.0, false, "Delivery");
                w.right(
                    AMOUNT_RIGHT,
                    y,
                    10.0,
                    false,
                    &money(invoice.delivery_fee_minor),
                );
                y += LINE;
            }
            w.text(label, y + 4.0, 12.0, true, "Total");
            w.right(
                AMOUNT_RIGHT,
                y + 4.0,
                12.0,
                true,
                &money(invoice.total_minor),
            );
            y += LINE + 8.0;
            if let Some(rate) = invoice
                .tax_rate_bps
                .and_then(|bps| TaxRate::from_bps(i64::from(bps)).ok())
                .filter(|rate| rate.bps() > 0)
            {
                w.right(
                    AMOUNT_RIGHT,
                    y,
                    9.0,
                    false,
                    &format!(
                        "Includes GST {}: {}",
                        rate.percent_text(),
                        money(rate.included_in(invoice.total_minor))
                    ),
                );
                y += LINE;
            }
            y += 24.0;
            w.text(
                MARGIN,
                y,
                10.0,
                false,
                &format!(
                    "Thank you for shopping with {}.",
                    truncate(&invoice.store_name, 50)
                ),
            );
            w.finish();
            page.finish();
            break;
        }
        w.finish();
        page.finish();
        if page_number > 1000 {
            break;
        }
    }
    document
        .finish()
        .map_err(|error| InvoiceError::Pdf(format!("{error:?}")))
}

impl Invoice {
    /// The invoice of `order` of `store` (types only; no I/O).
    pub fn from_order(store: &haat_db::ShopStore, order: &haat_db::OrderRecord) -> Invoice {
        Invoice {
            store_name: store.name.clone(),
            store_address: store.address.clone(),
            gstin: store.gstin.clone(),
            order_number: order.number.get(),
            placed_at: order.created_at,
            customer_name: order.customer_name.clone(),
            customer_phone: order.customer_phone.clone(),
            delivery: order.address.clone(),
            payment_method: order.payment_method.label().to_owned(),
            payment_status: order.payment_status.label().to_owned(),
            currency: order.currency,
            lines: order
                .items
                .iter()
                .map(|item| InvoiceLine {
                    name: item.name.clone(),
                    quantity: item.quantity,
                    unit_price_minor: item.unit_price_minor,
                    line_total_minor: item.line_total_minor,
                })
                .collect(),
            subtotal_minor: order.totals.subtotal_minor,
            discount_minor: order.totals.discount_minor,
            discount_code: order.discount_code.clone(),
            delivery_fee_minor: order.totals.delivery_fee_minor,
            total_minor: order.totals.total_minor,
            tax_rate_bps: order.tax_rate_bps,
        }
    }
}
