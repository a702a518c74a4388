//! The invoice of a stored order, for the handlers that serve it (feature
//! `order-records`). Plain field copies: no I/O.

use haat_db::{OrderRecord, ShopStore};
use time::UtcOffset;

use crate::{Invoice, InvoiceLine};

/// Invoice dates are India Standard Time, like the rest of what sellers and shoppers see.
const IST: UtcOffset = match UtcOffset::from_hms(5, 30, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

impl Invoice {
    /// The invoice of `order` of `store`, without a logo: set `logo_jpeg` to the store's
    /// 160 px JPEG to show one.
    pub fn from_order(store: &ShopStore, order: &OrderRecord) -> Invoice {
        Invoice {
            store_name: store.name.clone(),
            store_address: store.address.clone(),
            gstin: store.gstin.clone(),
            logo_jpeg: None,
            order_number: order.number.get(),
            placed_at: order
                .created_at
                .checked_to_offset(IST)
                .unwrap_or(order.created_at),
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
