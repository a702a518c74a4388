//! Where everything goes: the invoice laid out on A4 pages (see `page`), the item table
//! split across pages with its header repeated. Nothing here touches the PDF, so every
//! position is known (and every page counted) before writing.

use haat_domain::{format_money, TaxRate};
use time::macros::format_description;

use crate::page::{Op, Page, Style, BAND, INK, MUTED};
use crate::text::{Fonts, Run, Weight};
use crate::{included_tax_minor, Invoice};

pub(crate) const PAGE_WIDTH: f32 = 595.28;
pub(crate) const PAGE_HEIGHT: f32 = 841.89;
const MARGIN: f32 = 48.0;
const RIGHT: f32 = PAGE_WIDTH - MARGIN;
const CONTENT_WIDTH: f32 = RIGHT - MARGIN;
/// The table and the totals stay above this line; below it only the page footer.
const BODY_BOTTOM: f32 = PAGE_HEIGHT - 60.0;
const FOOTER_BASELINE: f32 = PAGE_HEIGHT - 32.0;
/// The logo is drawn inside a square of this side.
const LOGO_SIDE: f32 = 52.0;

/// The table's font size, smaller only when huge amounts would not fit otherwise.
const TABLE_SIZE: f32 = 9.5;
const COLUMN_GAP: f32 = 16.0;
const MIN_ITEM_WIDTH: f32 = 150.0;
/// Narrowest numeric columns at `TABLE_SIZE`, so that a table of small numbers still
/// looks like a table.
const MIN_QTY_WIDTH: f32 = 30.0;
const MIN_PRICE_WIDTH: f32 = 72.0;
const ROW_PADDING: f32 = 5.0;
const NAME_LINES: usize = 2;

const TOTALS_WIDTH: f32 = 250.0;
const TOTALS_GAP: f32 = 16.0;

const STORE_NAME: Style = Style::new(Weight::Bold, 18.0, INK);
const INVOICE_NUMBER: Style = Style::new(Weight::Bold, 15.0, INK);
const BODY: Style = Style::new(Weight::Regular, 9.5, INK);
const BODY_STRONG: Style = Style::new(Weight::Bold, 9.5, INK);
const SECONDARY: Style = Style::new(Weight::Regular, 9.0, MUTED);
const HEADING: Style = Style::new(Weight::Bold, 7.5, MUTED);
const SMALL: Style = Style::new(Weight::Regular, 8.0, MUTED);
const TOTAL: Style = Style::new(Weight::Bold, 12.0, INK);

/// The pixel size of a logo to draw, if any.
#[derive(Copy, Clone, Debug)]
pub(crate) struct LogoPixels {
    pub(crate) width: u32,
    pub(crate) height: u32,
}

/// `invoice` on as many pages as its lines need.
pub(crate) fn layout(invoice: &Invoice, fonts: &Fonts, logo: Option<LogoPixels>) -> Vec<Page> {
    let mut layout = Layout {
        invoice,
        fonts,
        pages: vec![Page::default()],
        y: MARGIN,
    };
    layout.first_page_header(logo);
    let (totals, totals_height) = layout.totals_block();
    layout.items(totals_height);
    layout.place_totals(totals, totals_height);
    layout.page_footers();
    layout.pages
}

struct Layout<'a> {
    invoice: &'a Invoice,
    fonts: &'a Fonts,
    pages: Vec<Page>,
    /// Top of the free space on the last page.
    y: f32,
}

/// The item table's columns, the same on every page.
struct Columns {
    size: f32,
    item_width: f32,
    qty_right: f32,
    unit_right: f32,
}

struct Row {
    name: String,
    quantity: Run,
    unit_price: Run,
    amount: Run,
}

impl Layout<'_> {
    fn page(&mut self) -> &mut Page {
        if self.pages.is_empty() {
            self.pages.push(Page::default());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn fit(&self, text: &str, style: Style, max_width: f32) -> Run {
        self.fonts
            .get(style.weight)
            .fit(text, style.size, max_width)
    }

    /// `text` on one line, never cut: set smaller than `style` if that is what it takes
    /// to fit in `max_width`. For numbers, which an ellipsis would falsify.
    fn shrink(&self, text: &str, style: Style, max_width: f32) -> (Run, Style) {
        let run = self.fonts.get(style.weight).line(text);
        let width = run.width(style.size);
        if width <= max_width {
            return (run, style);
        }
        let size = style.size * max_width / width;
        (run, Style { size, ..style })
    }

    fn wrap(&self, text: &str, style: Style, max_width: f32, max_lines: usize) -> Vec<Run> {
        self.fonts
            .get(style.weight)
            .wrap(text, style.size, max_width, max_lines)
    }

    /// Each line of a multi-line text (an address) wrapped, `max_lines` in all.
    fn paragraphs(&self, text: &str, style: Style, max_width: f32, max_lines: usize) -> Vec<Run> {
        let paragraphs: Vec<&str> = text
            .lines()
            .filter(|line| !line.trim().is_empty())
            .collect();
        let mut runs: Vec<Run> = Vec::new();
        for (index, paragraph) in paragraphs.iter().enumerate() {
            let budget = max_lines.saturating_sub(runs.len());
            if budget == 0 {
                // Out of room: what is left joins the last line, cut with an ellipsis.
                if let Some(last) = runs.pop() {
                    let rest = paragraphs[index..].join(" ");
                    runs.push(self.fit(&format!("{} {rest}", last.text), style, max_width));
                }
                break;
            }
            runs.extend(self.wrap(paragraph, style, max_width, budget));
        }
        runs
    }

    fn new_page(&mut self) {
        self.pages.push(Page::default());
        // The store name gives way to the invoice number when space runs out.
        let suffix = format!("Invoice #{} (continued)", self.invoice.order_number);
        let (suffix, suffix_style) = self.shrink(&suffix, SECONDARY, CONTENT_WIDTH);
        let suffix_width = suffix.width(suffix_style.size);
        let store = self.fit(
            &format!("{} ·", self.invoice.store_name),
            SECONDARY,
            CONTENT_WIDTH - suffix_width - 3.0,
        );
        let suffix_x = match store.text.as_str() {
            "·" => MARGIN,
            _ => MARGIN + store.width(SECONDARY.size) + 3.0,
        };
        let baseline = MARGIN + SECONDARY.size;
        let page = self.page();
        if suffix_x > MARGIN {
            page.text(MARGIN, baseline, store, SECONDARY);
        }
        page.text(suffix_x, baseline, suffix, suffix_style);
        self.y = MARGIN + 28.0;
    }

    /// Store, invoice number and date, then who bought, where it goes and how it is paid.
    fn first_page_header(&mut self, logo: Option<LogoPixels>) {
        let invoice = self.invoice;
        let top = MARGIN;

        let (number, number_style) = self.shrink(
            &format!("Invoice #{}", invoice.order_number),
            INVOICE_NUMBER,
            CONTENT_WIDTH / 2.0,
        );
        let date = invoice
            .placed_at
            .format(format_description!(
                "[day padding:none] [month repr:short] [year]"
            ))
            .unwrap_or_default();
        let date = self.fit(&date, SECONDARY, CONTENT_WIDTH / 2.0);
        let right_width = number
            .width(number_style.size)
            .max(date.width(SECONDARY.size));
        let page = self.page();
        page.text_right(RIGHT, top + INVOICE_NUMBER.size, number, number_style);
        page.text_right(RIGHT, top + 34.0, date, SECONDARY);
        let right_bottom = top + 40.0;

        let mut left = MARGIN;
        let mut logo_bottom = top;
        if let Some((width, height)) = logo.and_then(logo_box) {
            self.page().ops.push(Op::Logo {
                x: MARGIN,
                y: top,
                width,
                height,
            });
            left += width + 14.0;
            logo_bottom = top + height;
        }
        let left_width = (RIGHT - right_width - 24.0 - left).max(60.0);
        let name = self.wrap(&invoice.store_name, STORE_NAME, left_width, 2);
        let address = self.paragraphs(&invoice.store_address, SECONDARY, left_width, 4);
        let gstin = invoice
            .gstin
            .as_deref()
            .map(str::trim)
            .filter(|gstin| !gstin.is_empty())
            .map(|gstin| self.fit(&format!("GSTIN: {gstin}"), SECONDARY, left_width));
        let page = self.page();
        let mut y = page.lines(left, top - 2.0, name, STORE_NAME) + 2.0;
        y = page.lines(left, y, address, SECONDARY);
        if let Some(gstin) = gstin {
            y = page.lines(left, y, vec![gstin], SECONDARY);
        }

        let rule_y = y.max(logo_bottom).max(right_bottom) + 12.0;
        page.rule(MARGIN, rule_y, CONTENT_WIDTH);
        self.y = rule_y + 18.0;
        self.parties();
    }

    /// Three columns: bill to, delivery, payment.
    fn parties(&mut self) {
        let invoice = self.invoice;
        let gap = 20.0;
        let width = (CONTENT_WIDTH - 2.0 * gap) / 3.0;
        let columns = [MARGIN, MARGIN + width + gap, MARGIN + 2.0 * (width + gap)];

        let bill_to = self.wrap(&invoice.customer_name, BODY_STRONG, width, 2);
        let phone = self.fit(&invoice.customer_phone, BODY, width);
        let (delivery_heading, delivery) = match &invoice.delivery {
            Some(address) => ("DELIVER TO", self.paragraphs(address, BODY, width, 5)),
            None => ("DELIVERY", vec![self.fit("Pickup from store", BODY, width)]),
        };
        let payment = vec![
            self.fit(&invoice.payment_method, BODY, width),
            self.fit(&invoice.payment_status, BODY, width),
        ];
        let headings = [
            self.fit("BILL TO", HEADING, width),
            self.fit(delivery_heading, HEADING, width),
            self.fit("PAYMENT", HEADING, width),
        ];

        let top = self.y;
        let page = self.page();
        let body_top = top + HEADING.leading() + 3.0;
        for (x, heading) in columns.into_iter().zip(headings) {
            page.text(x, top + HEADING.size, heading, HEADING);
        }
        let mut bottom = page.lines(columns[0], body_top, bill_to, BODY_STRONG);
        bottom = page.lines(columns[0], bottom, vec![phone], BODY);
        bottom = bottom.max(page.lines(columns[1], body_top, delivery, BODY));
        bottom = bottom.max(page.lines(columns[2], body_top, payment, BODY));
        self.y = bottom + 22.0;
    }

    fn columns(&self, rows: &[Row]) -> Columns {
        let bold = self.fonts.get(Weight::Bold);
        // Widths in ems, so that the size can be chosen afterwards.
        let widest = |header: &str, cell: fn(&Row) -> &Run| {
            rows.iter()
                .map(|row| cell(row).width(1.0))
                .fold(bold.line(header).width(1.0), f32::max)
        };
        let qty_em = widest("Qty", |row| &row.quantity);
        let unit_em = widest("Unit price", |row| &row.unit_price);
        let amount_em = widest("Amount", |row| &row.amount);

        let numbers_room = CONTENT_WIDTH - MIN_ITEM_WIDTH - 3.0 * COLUMN_GAP;
        let at_full_size = [
            (qty_em * TABLE_SIZE).max(MIN_QTY_WIDTH),
            (unit_em * TABLE_SIZE).max(MIN_PRICE_WIDTH),
            (amount_em * TABLE_SIZE).max(MIN_PRICE_WIDTH),
        ];
        let (size, [qty, unit, amount]) = if at_full_size.iter().sum::<f32>() <= numbers_room {
            (TABLE_SIZE, at_full_size)
        } else {
            // Amounts near i64::MAX: a smaller table rather than overlapping columns.
            let size = numbers_room / (qty_em + unit_em + amount_em);
            (size, [qty_em * size, unit_em * size, amount_em * size])
        };
        let unit_right = RIGHT - amount - COLUMN_GAP;
        let qty_right = unit_right - unit - COLUMN_GAP;
        Columns {
            size,
            item_width: qty_right - qty - COLUMN_GAP - MARGIN,
            qty_right,
            unit_right,
        }
    }

    fn table_header(&mut self, columns: &Columns) {
        let style = Style::new(Weight::Bold, columns.size, INK);
        let band = columns.size * 2.2;
        let bold = self.fonts.get(Weight::Bold);
        let labels = [
            bold.line("Qty"),
            bold.line("Unit price"),
            bold.line("Amount"),
        ];
        let item = bold.line("Item");
        let y = self.y;
        let baseline = y + band / 2.0 + columns.size * 0.36;
        let page = self.page();
        page.rect(MARGIN, y, CONTENT_WIDTH, band, BAND);
        page.text(MARGIN + 6.0, baseline, item, style);
        let rights = [columns.qty_right, columns.unit_right, RIGHT - 6.0];
        for (right, label) in rights.into_iter().zip(labels) {
            page.text_right(right, baseline, label, style);
        }
        self.y = y + band + 2.0;
    }

    /// The item rows under the table header, a new page (with the header again) for
    /// each row that does not fit; the last row keeps the totals company.
    fn items(&mut self, totals_height: f32) {
        let invoice = self.invoice;
        let regular = self.fonts.get(Weight::Regular);
        let money = |minor: i64| regular.line(&format_money(minor, invoice.currency));
        let rows: Vec<Row> = invoice
            .lines
            .iter()
            .map(|line| Row {
                name: line.name.clone(),
                quantity: regular.line(&line.quantity.to_string()),
                unit_price: money(line.unit_price_minor),
                amount: money(line.line_total_minor),
            })
            .collect();
        let columns = self.columns(&rows);
        let style = Style::new(Weight::Regular, columns.size, INK);
        let leading = style.leading();
        self.table_header(&columns);
        if rows.is_empty() {
            let muted = Style::new(Weight::Regular, columns.size, MUTED);
            let run = self.fit("No items", muted, columns.item_width);
            let y = self.y;
            let height = leading + 2.0 * ROW_PADDING;
            let page = self.page();
            page.text(MARGIN + 6.0, y + ROW_PADDING + columns.size, run, muted);
            page.rule(MARGIN, y + height, CONTENT_WIDTH);
            self.y += height;
        }
        let count = rows.len();
        for (index, row) in rows.into_iter().enumerate() {
            let name = self.wrap(&row.name, style, columns.item_width - 6.0, NAME_LINES);
            let height = name.len().max(1) as f32 * leading + 2.0 * ROW_PADDING;
            let needed = if index + 1 == count {
                height + totals_height
            } else {
                height
            };
            if self.y + needed > BODY_BOTTOM {
                self.new_page();
                self.table_header(&columns);
            }
            let top = self.y;
            let baseline = top + ROW_PADDING + columns.size;
            let page = self.page();
            page.lines(MARGIN + 6.0, top + ROW_PADDING, name, style);
            page.text_right(columns.qty_right, baseline, row.quantity, style);
            page.text_right(columns.unit_right, baseline, row.unit_price, style);
            page.text_right(RIGHT - 6.0, baseline, row.amount, style);
            page.rule(MARGIN, top + height, CONTENT_WIDTH);
            self.y = top + height;
        }
    }

    /// The totals block under the table (which left room for it, unless the invoice has
    /// no lines and a header tall enough to push it over).
    fn place_totals(&mut self, ops: Vec<Op>, height: f32) {
        if self.y + height > BODY_BOTTOM {
            self.new_page();
        }
        let top = self.y;
        let page = self.page();
        page.ops
            .extend(ops.into_iter().map(|op| op.moved_down(top)));
        self.y = top + height;
    }

    /// Subtotal, discount, delivery, total, the tax it includes and the thank-you line,
    /// drawn from y = 0, with the block's height.
    fn totals_block(&self) -> (Vec<Op>, f32) {
        let invoice = self.invoice;
        let money = |minor: i64| format_money(minor, invoice.currency);
        let mut rows = vec![("Subtotal".to_owned(), money(invoice.subtotal_minor), BODY)];
        if invoice.discount_minor != 0 {
            let label = match invoice.discount_code.as_deref().map(str::trim) {
                Some(code) if !code.is_empty() => format!("Discount ({code})"),
                _ => "Discount".to_owned(),
            };
            rows.push((label, money(invoice.discount_minor.saturating_neg()), BODY));
        }
        if invoice.delivery_fee_minor != 0 {
            rows.push((
                "Delivery".to_owned(),
                money(invoice.delivery_fee_minor),
                BODY,
            ));
        }
        let total = ("Total".to_owned(), money(invoice.total_minor), TOTAL);

        let mut page = Page::default();
        let mut y = 14.0;
        let row = |page: &mut Page, y: f32, (label, value, style): (String, String, Style)| {
            let value = self.fonts.get(style.weight).line(&value);
            let value_width = value.width(style.size);
            let block = TOTALS_WIDTH
                .max(value_width + TOTALS_GAP + 60.0)
                .min(CONTENT_WIDTH);
            let label = self.fit(&label, style, block - value_width - TOTALS_GAP);
            page.text(RIGHT - block, y + style.size, label, style);
            page.text_right(RIGHT - 6.0, y + style.size, value, style);
        };
        for line in rows {
            row(&mut page, y, line);
            y += BODY.leading() + 4.0;
        }
        page.rule(RIGHT - TOTALS_WIDTH, y + 1.0, TOTALS_WIDTH);
        y += 9.0;
        row(&mut page, y, total);
        y += TOTAL.leading() + 4.0;

        let tax = invoice
            .tax_rate_bps
            .filter(|&bps| bps > 0)
            .and_then(|bps| TaxRate::from_bps(i64::from(bps)).ok());
        if let Some(rate) = tax {
            let text = format!(
                "Includes GST {}: {}",
                rate.percent_text(),
                money(included_tax_minor(invoice.total_minor, rate.bps()))
            );
            let run = self.fit(&text, SMALL, CONTENT_WIDTH);
            page.text_right(RIGHT - 6.0, y + SMALL.size, run, SMALL);
            y += SMALL.leading() + 4.0;
        }

        y += 26.0;
        let thanks = match invoice.store_name.trim() {
            "" => "Thank you for shopping with us".to_owned(),
            store => format!("Thank you for shopping with {store}"),
        };
        let thanks = self.fit(&thanks, BODY, CONTENT_WIDTH);
        let x = MARGIN + (CONTENT_WIDTH - thanks.width(BODY.size)) / 2.0;
        page.text(x, y + BODY.size, thanks, BODY);
        y += BODY.leading();
        (page.ops, y)
    }

    /// "Page 2 of 3" on every page of a long invoice.
    fn page_footers(&mut self) {
        let count = self.pages.len();
        if count < 2 {
            return;
        }
        let number = format!("Invoice #{}", self.invoice.order_number);
        for index in 0..count {
            let left = self.fit(&number, SMALL, CONTENT_WIDTH / 2.0);
            let right = self.fit(
                &format!("Page {} of {count}", index + 1),
                SMALL,
                CONTENT_WIDTH / 2.0,
            );
            let page = &mut self.pages[index];
            page.text(MARGIN, FOOTER_BASELINE, left, SMALL);
            page.text_right(RIGHT, FOOTER_BASELINE, right, SMALL);
        }
    }
}

/// The logo's size in points: its aspect ratio kept inside `LOGO_SIDE`.
fn logo_box(pixels: LogoPixels) -> Option<(f32, f32)> {
    if pixels.width == 0 || pixels.height == 0 {
        return None;
    }
    let (width, height) = (pixels.width as f32, pixels.height as f32);
    let scale = LOGO_SIDE / width.max(height);
    Some((width * scale, height * scale))
}
