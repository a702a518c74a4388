//! Rows as PostgreSQL `COPY` text, gathered per table for a batch of stores, and sent
//! with one `COPY … FROM STDIN` per table and batch.

use std::fmt::Write as _;

use anyhow::Context;
use sqlx::PgConnection;
use uuid::Uuid;

/// One table's rows of a batch, in `COPY` text format.
pub struct Table {
    statement: &'static str,
    text: String,
    pub rows: u64,
}

impl Table {
    fn new(statement: &'static str) -> Table {
        Table {
            statement,
            text: String::new(),
            rows: 0,
        }
    }

    /// Starts a row; finish it with [`Row::end`].
    pub fn row(&mut self) -> Row<'_> {
        self.rows += 1;
        Row {
            text: &mut self.text,
            first: true,
        }
    }

    pub fn bytes(&self) -> usize {
        self.text.len()
    }

    fn clear(&mut self) {
        self.text.clear();
        self.rows = 0;
    }

    async fn send(&self, connection: &mut PgConnection) -> anyhow::Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        let mut copy = connection
            .copy_in_raw(self.statement)
            .await
            .with_context(|| format!("starting {}", self.statement))?;
        copy.send(self.text.as_bytes()).await?;
        copy.finish()
            .await
            .with_context(|| format!("running {}", self.statement))?;
        Ok(())
    }
}

/// One row being written: fields in the order of the table's `COPY` column list.
#[must_use = "a row is only complete after `end`"]
pub struct Row<'t> {
    text: &'t mut String,
    first: bool,
}

impl Row<'_> {
    fn separator(&mut self) {
        if !self.first {
            self.text.push('\t');
        }
        self.first = false;
    }

    pub fn text(mut self, value: &str) -> Self {
        self.separator();
        if value
            .bytes()
            .any(|b| matches!(b, b'\\' | b'\t' | b'\n' | b'\r'))
        {
            for c in value.chars() {
                match c {
                    '\\' => self.text.push_str("\\\\"),
                    '\t' => self.text.push_str("\\t"),
                    '\n' => self.text.push_str("\\n"),
                    '\r' => self.text.push_str("\\r"),
                    c => self.text.push(c),
                }
            }
        } else {
            self.text.push_str(value);
        }
        self
    }

    pub fn null(mut self) -> Self {
        self.separator();
        self.text.push_str("\\N");
        self
    }

    pub fn opt_text(self, value: Option<&str>) -> Self {
        match value {
            Some(value) => self.text(value),
            None => self.null(),
        }
    }

    pub fn uuid(mut self, id: Uuid) -> Self {
        self.separator();
        let mut buffer = Uuid::encode_buffer();
        self.text
            .push_str(id.hyphenated().encode_lower(&mut buffer));
        self
    }

    pub fn opt_uuid(self, id: Option<Uuid>) -> Self {
        match id {
            Some(id) => self.uuid(id),
            None => self.null(),
        }
    }

    pub fn int(mut self, value: i64) -> Self {
        self.separator();
        let _ = write!(self.text, "{value}");
        self
    }

    pub fn opt_int(self, value: Option<i64>) -> Self {
        match value {
            Some(value) => self.int(value),
            None => self.null(),
        }
    }

    pub fn bool(mut self, value: bool) -> Self {
        self.separator();
        self.text.push(if value { 't' } else { 'f' });
        self
    }

    /// A `timestamptz` from unix milliseconds, in UTC.
    pub fn time(mut self, unix_ms: i64) -> Self {
        self.separator();
        write_timestamp(self.text, unix_ms);
        self
    }

    pub fn opt_time(self, unix_ms: Option<i64>) -> Self {
        match unix_ms {
            Some(unix_ms) => self.time(unix_ms),
            None => self.null(),
        }
    }

    /// An `integer[]`.
    pub fn int_array(mut self, values: &[u32]) -> Self {
        self.separator();
        self.text.push('{');
        for (index, value) in values.iter().enumerate() {
            if index > 0 {
                self.text.push(',');
            }
            let _ = write!(self.text, "{value}");
        }
        self.text.push('}');
        self
    }

    pub fn end(self) {
        self.text.push('\n');
    }
}

/// `2026-05-04 13:02:09.123+00`, from the civil calendar worked out by hand: this runs
/// millions of times, and formatting through `time` costs several times more.
fn write_timestamp(out: &mut String, unix_ms: i64) {
    let days = unix_ms.div_euclid(86_400_000);
    let in_day = unix_ms.rem_euclid(86_400_000);
    let (year, month, day) = civil_from_days(days);
    let _ = write!(
        out,
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}.{:03}+00",
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1_000 % 60,
        in_day % 1_000
    );
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 → (year, month, day).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Every table a batch writes, in the order they are sent (parents first, although the
/// load runs with foreign-key triggers off).
pub struct Batch {
    pub sellers: Table,
    pub stores: Table,
    pub images: Table,
    pub categories: Table,
    pub products: Table,
    pub discounts: Table,
    pub orders: Table,
    pub order_items: Table,
    pub order_events: Table,
    pub discount_uses: Table,
    pub payments: Table,
    pub order_counters: Table,
    /// Products of the stores in this batch (for the progress bar).
    pub products_done: u64,
}

impl Batch {
    pub fn new() -> Batch {
        Batch {
            sellers: Table::new("COPY sellers (id, phone, created_at, last_login_at) FROM STDIN"),
            stores: Table::new(
                "COPY stores (id, seller_id, slug, name, description, whatsapp, logo_image_id,
                    accent_colour, currency, created_at, updated_at, version, upi_id,
                    delivery_fee_minor, pickup_enabled, address, gstin, tax_rate_bps) FROM STDIN",
            ),
            images: Table::new(
                "COPY images (id, store_id, hash, width, height, variant_widths, created_at) FROM STDIN",
            ),
            categories: Table::new(
                "COPY categories (id, store_id, name, name_key, created_at) FROM STDIN",
            ),
            products: Table::new(
                "COPY products (id, store_id, category_id, name, description, price_minor, stock,
                    active, image_id, created_at, updated_at, version) FROM STDIN",
            ),
            discounts: Table::new(
                "COPY discounts (id, store_id, code, code_key, kind, value, min_order_minor,
                    max_uses_per_phone, uses, active, created_at, updated_at) FROM STDIN",
            ),
            orders: Table::new(
                "COPY orders (id, store_id, number, token, payment_ref, status, payment_method,
                    payment_status, customer_name, customer_phone, fulfilment, address, note,
                    currency, subtotal_minor, discount_minor, delivery_fee_minor, total_minor,
                    tax_rate_bps, discount_id, discount_code, tracking_id, shipping_provider,
                    paid_at, cancel_reason, created_at, updated_at, version) FROM STDIN",
            ),
            order_items: Table::new(
                "COPY order_items (order_id, line, store_id, product_id, name, unit_price_minor,
                    quantity, line_total_minor) FROM STDIN",
            ),
            order_events: Table::new(
                "COPY order_events (order_id, store_id, kind, from_state, to_state, actor, detail,
                    created_at) FROM STDIN",
            ),
            discount_uses: Table::new(
                "COPY discount_uses (order_id, discount_id, store_id, customer_phone, created_at) FROM STDIN",
            ),
            payments: Table::new(
                "COPY payments (id, order_id, store_id, provider, status, amount_minor, currency,
                    recorded_by, created_at, updated_at) FROM STDIN",
            ),
            order_counters: Table::new("COPY order_counters (store_id, last_number) FROM STDIN"),
            products_done: 0,
        }
    }

    fn tables(&self) -> [&Table; 12] {
        [
            &self.sellers,
            &self.stores,
            &self.images,
            &self.categories,
            &self.products,
            &self.discounts,
            &self.orders,
            &self.order_items,
            &self.order_events,
            &self.discount_uses,
            &self.payments,
            &self.order_counters,
        ]
    }

    /// Empties every table, keeping the buffers: batches are reused, so the load
    /// allocates its few batches once instead of once per batch.
    pub fn clear(&mut self) {
        for table in [
            &mut self.sellers,
            &mut self.stores,
            &mut self.images,
            &mut self.categories,
            &mut self.products,
            &mut self.discounts,
            &mut self.orders,
            &mut self.order_items,
            &mut self.order_events,
            &mut self.discount_uses,
            &mut self.payments,
            &mut self.order_counters,
        ] {
            table.clear();
        }
        self.products_done = 0;
    }

    /// Text gathered so far, to cut batches at a bounded size.
    pub fn bytes(&self) -> usize {
        self.tables().iter().map(|table| table.bytes()).sum()
    }

    pub async fn send(&self, connection: &mut PgConnection) -> anyhow::Result<()> {
        for table in self.tables() {
            table.send(connection).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timestamp(unix_ms: i64) -> String {
        let mut out = String::new();
        write_timestamp(&mut out, unix_ms);
        out
    }

    #[test]
    fn timestamps_match_the_calendar() {
        assert_eq!(timestamp(0), "1970-01-01 00:00:00.000+00");
        assert_eq!(timestamp(951_782_400_000), "2000-02-29 00:00:00.000+00");
        assert_eq!(timestamp(1_796_083_199_999), "2026-11-30 23:59:59.999+00");
        assert_eq!(timestamp(1_709_210_096_789), "2024-02-29 12:34:56.789+00");
    }

    #[test]
    fn text_is_escaped() {
        let mut table = Table::new("");
        table
            .row()
            .text("a\tb\\c\nd")
            .null()
            .int(-3)
            .bool(true)
            .int_array(&[160, 480])
            .end();
        assert_eq!(table.text, "a\\tb\\\\c\\nd\t\\N\t-3\tt\t{160,480}\n");
    }
}
