//! One store's order history: discount codes, orders numbered from 1001 in the order
//! they were placed, their items (real products of the store at their price), their
//! status and payment history as the order desk and the gateway would have written it,
//! payments, discount uses and the store's order counter.
//!
//! An order's life is drawn whole (placed → paid → accepted → shipped → delivered, or a
//! cancellation, a refund, a seller who never acted) and then cut at the end of the
//! history: recent orders are still on their way.

use haat_domain::{DiscountKind, PricedLine, Quantity, ShippingProvider, Totals};
use uuid::Uuid;

use super::catalog::Listed;
use super::copy::Batch;
use super::plan::{Plan, StorePlan, CUSTOMER_PHONE_PREFIX};
use super::rng::{Purpose, SplitMix64};
use super::vocabulary::{
    BUILDINGS, CANCEL_REASONS, FIRST_NAMES, ORDER_NOTES, STREETS, SURNAMES, UNPAID_REASON,
};

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 60 * MINUTE_MS;
const DAY_MS: i64 = 24 * HOUR_MS;
/// A store in the long tail gets this many times the mean number of orders.
pub const LARGE_ORDERS_FACTOR: f64 = 5.0;
/// At most this many orders per store, whatever the mean.
const MAX_ORDERS: f64 = 200_000.0;
const GATEWAY: &str = "haatpay";

/// What one store's history added.
#[derive(Default)]
pub struct OrderCounts {
    pub orders: u64,
    pub items: u64,
    pub events: u64,
    pub payments: u64,
    pub discounts: u64,
}

struct Customer {
    name: String,
    phone: String,
    address: String,
    used_code: bool,
}

struct Discount {
    id: Uuid,
    code: &'static str,
    kind: DiscountKind,
    min_order_minor: i64,
    once_per_phone: bool,
    active: bool,
    created_ms: i64,
    uses: i64,
}

/// One change in an order's life.
struct Step {
    kind: &'static str,
    from: Option<&'static str>,
    to: &'static str,
    by_seller: bool,
    detail: String,
    at: i64,
}

/// Writes the history of `store`, whose products are `listed` (in creation order).
pub fn write(plan: &Plan, store: &StorePlan, listed: &[Listed], batch: &mut Batch) -> OrderCounts {
    let mut rng = SplitMix64::stream(plan.seed, u64::from(store.index), Purpose::Orders);
    let mut counts = OrderCounts::default();
    let mut discounts = discounts_of(store, &mut rng);
    counts.discounts = discounts.len() as u64;
    let factor = if store.large {
        LARGE_ORDERS_FACTOR
    } else {
        1.0
    };
    let expected = -(1.0 - rng.unit()).ln() * plan.orders_mean * factor;
    let count = if listed.is_empty() {
        0
    } else {
        expected.min(MAX_ORDERS).floor() as usize
    };

    let seller = format!("seller:{}", store.seller_id);
    let gateway = format!("gateway:{GATEWAY}");
    let regulars = (count / 3 + 3).min(5_000);
    let mut customers: Vec<Customer> = (0..regulars).map(|_| customer(store, &mut rng)).collect();
    let first =
        (store.created_ms + DAY_MS).max(listed.first().map_or(0, |p| p.created_ms) + MINUTE_MS);
    let mut times: Vec<i64> = (0..count)
        .map(|_| rng.between(first, (plan.until_ms - MINUTE_MS).max(first)))
        .collect();
    times.sort_unstable();

    for (position, placed_ms) in times.into_iter().enumerate() {
        let number = 1_001 + position as i64;
        let order_id = rng.uuid_v7(placed_ms);
        let customer_index = rng.below(customers.len());
        // Only products listed by then can be on the order.
        let available = listed
            .partition_point(|product| product.created_ms <= placed_ms)
            .max(1);
        let lines = [1, 2, 3, 4, 5][rng.weighted(&[45, 30, 15, 6, 4])];
        let chosen = rng.sample(available, lines);
        let mut priced = Vec::with_capacity(chosen.len());
        for (line, product_index) in chosen.iter().enumerate() {
            let product = &listed[*product_index];
            let quantity = [1, 2, 3, 5][rng.weighted(&[70, 20, 6, 4])];
            let line_total = product.price_minor * quantity;
            batch
                .order_items
                .row()
                .uuid(order_id)
                .int(line as i64 + 1)
                .uuid(store.id)
                .uuid(product.id)
                .text(&product.name)
                .int(product.price_minor)
                .int(quantity)
                .int(line_total)
                .end();
            priced.push(PricedLine {
                unit_price_minor: product.price_minor,
                quantity: Quantity::from_i64(quantity).expect("1 to 5 is a valid quantity"),
            });
        }
        counts.items += priced.len() as u64;
        let subtotal: i64 = priced.iter().map(PricedLine::total_minor).sum();

        let customer = &mut customers[customer_index];
        let discount = discounts.iter_mut().find(|discount| {
            discount.active
                && discount.created_ms < placed_ms
                && subtotal >= discount.min_order_minor
                && !(discount.once_per_phone && customer.used_code)
        });
        let discount = match discount {
            Some(discount) if rng.chance(0.15) => {
                customer.used_code |= discount.once_per_phone;
                Some(discount)
            }
            _ => None,
        };
        let delivery = !store.pickup_enabled || rng.chance(0.7);
        let fee = if delivery {
            store.delivery_fee_minor
        } else {
            0
        };
        let totals = Totals::compute(&priced, discount.as_ref().map(|d| d.kind), fee);
        let upi = store.upi_id.is_some() && rng.chance(0.55);

        let steps = life(&mut rng, placed_ms, upi, delivery);
        let applied: Vec<&Step> = steps
            .iter()
            .filter(|step| step.at < plan.until_ms)
            .collect();
        let last_of = |kind: &str| applied.iter().rev().find(|step| step.kind == kind);
        let status = last_of("status").map_or("placed", |step| step.to);
        let payment_status = last_of("payment").map_or("pending", |step| step.to);
        let paid_at = applied
            .iter()
            .find(|step| step.kind == "payment" && step.to == "paid")
            .map(|step| step.at);
        let shipped = applied.iter().find(|step| step.to == "shipped");
        let (provider, tracking) = match shipped {
            Some(step) => shipping_of(&step.detail),
            None => (None, None),
        };
        let cancel_reason = applied
            .iter()
            .find(|step| step.to == "cancelled")
            .map(|step| step.detail.as_str());
        let updated_ms = applied.last().map_or(placed_ms, |step| step.at);
        let discount_code = discount.as_ref().map(|d| d.code);
        let discount_id = discount.as_ref().map(|d| d.id);
        if let Some(discount) = discount {
            if status != "cancelled" {
                discount.uses += 1;
                batch
                    .discount_uses
                    .row()
                    .uuid(order_id)
                    .uuid(discount.id)
                    .uuid(store.id)
                    .text(&customer.phone)
                    .time(placed_ms)
                    .end();
            }
        }

        let token = rng.hex(32);
        let payment_ref = format!("HT{}", rng.hex(18).to_ascii_uppercase());
        let note = if rng.chance(0.1) {
            *rng.pick(ORDER_NOTES)
        } else {
            ""
        };
        batch
            .orders
            .row()
            .uuid(order_id)
            .uuid(store.id)
            .int(number)
            .text(&token)
            .text(&payment_ref)
            .text(status)
            .text(if upi { "upi" } else { "cod" })
            .text(payment_status)
            .text(&customer.name)
            .text(&customer.phone)
            .text(if delivery { "delivery" } else { "pickup" })
            .opt_text(delivery.then_some(customer.address.as_str()))
            .text(note)
            .text("INR")
            .int(totals.subtotal_minor)
            .int(totals.discount_minor)
            .int(totals.delivery_fee_minor)
            .int(totals.total_minor)
            .opt_int(store.tax_rate_bps.map(i64::from))
            .opt_uuid(discount_id)
            .opt_text(discount_code)
            .opt_text(tracking)
            .opt_text(provider)
            .opt_time(paid_at)
            .opt_text(cancel_reason)
            .time(placed_ms)
            .time(updated_ms)
            .int(applied.len() as i64)
            .end();

        for step in &applied {
            batch
                .order_events
                .row()
                .uuid(order_id)
                .uuid(store.id)
                .text(step.kind)
                .opt_text(step.from)
                .text(step.to)
                .text(match (step.by_seller, step.kind, step.from) {
                    (true, _, _) => &seller,
                    (false, "payment", _) => &gateway,
                    _ => "shopper",
                })
                .text(&step.detail)
                .time(step.at)
                .end();
        }
        counts.events += applied.len() as u64;

        // The payment records: the gateway's capture (and refund), or the seller's cash.
        if let Some(paid_ms) = paid_at {
            let refunded = applied.iter().find(|step| step.to == "refunded");
            let (provider, recorded_by) = if upi {
                (GATEWAY, gateway.as_str())
            } else {
                ("manual", seller.as_str())
            };
            batch
                .payments
                .row()
                .uuid(rng.uuid_v7(paid_ms))
                .uuid(order_id)
                .uuid(store.id)
                .text(provider)
                .text(if refunded.is_some() {
                    "refunded"
                } else {
                    "captured"
                })
                .int(totals.total_minor)
                .text("INR")
                .text(recorded_by)
                .time(paid_ms)
                .time(refunded.map_or(paid_ms, |step| step.at))
                .end();
            counts.payments += 1;
        }
    }
    counts.orders = count as u64;
    if count > 0 {
        batch
            .order_counters
            .row()
            .uuid(store.id)
            .int(1_000 + count as i64)
            .end();
    }
    for discount in &discounts {
        let (kind, value) = match discount.kind {
            DiscountKind::Percent(percent) => ("percent", i64::from(percent)),
            DiscountKind::Fixed(minor) => ("fixed", minor),
        };
        batch
            .discounts
            .row()
            .uuid(discount.id)
            .uuid(store.id)
            .text(discount.code)
            .text(&discount.code.to_ascii_uppercase())
            .text(kind)
            .int(value)
            .int(discount.min_order_minor)
            .opt_int(discount.once_per_phone.then_some(1))
            .int(discount.uses)
            .bool(discount.active)
            .time(discount.created_ms)
            .time(discount.created_ms)
            .end();
    }
    counts
}

/// The order's whole life from `placed_ms`, in time order (later cut at the history's end).
fn life(rng: &mut SplitMix64, placed_ms: i64, upi: bool, delivery: bool) -> Vec<Step> {
    let step = |kind, from, to, by_seller, detail: String, at| Step {
        kind,
        from,
        to,
        by_seller,
        detail,
        at,
    };
    let mut steps = vec![step(
        "status",
        None,
        "placed",
        false,
        String::new(),
        placed_ms,
    )];
    let mut at = placed_ms;
    let paid_by_upi = upi && rng.chance(0.9);
    if paid_by_upi {
        at += rng.between(MINUTE_MS, 10 * MINUTE_MS);
        steps.push(step(
            "payment",
            Some("pending"),
            "paid",
            false,
            String::new(),
            at,
        ));
    }
    let cancel = |steps: &mut Vec<Step>, from, reason: &str, at: i64, rng: &mut SplitMix64| {
        steps.push(step(
            "status",
            Some(from),
            "cancelled",
            true,
            reason.to_owned(),
            at,
        ));
        if paid_by_upi {
            let refunded = at + rng.between(DAY_MS, 3 * DAY_MS);
            steps.push(step(
                "payment",
                Some("paid"),
                "refunded",
                false,
                String::new(),
                refunded,
            ));
        }
    };
    if upi && !paid_by_upi {
        let at = at + rng.between(DAY_MS, 2 * DAY_MS);
        cancel(&mut steps, "placed", UNPAID_REASON, at, rng);
        return steps;
    }
    let fate = rng.unit();
    if fate < 0.03 {
        // The seller never acted on it.
        return steps;
    }
    if fate < 0.06 {
        let at = at + rng.between(HOUR_MS, 12 * HOUR_MS);
        let reason = *rng.pick(CANCEL_REASONS);
        cancel(&mut steps, "placed", reason, at, rng);
        return steps;
    }
    at += rng.between(10 * MINUTE_MS, 12 * HOUR_MS);
    steps.push(step(
        "status",
        Some("placed"),
        "accepted",
        true,
        String::new(),
        at,
    ));
    if fate < 0.10 {
        let at = at + rng.between(HOUR_MS, DAY_MS);
        let reason = *rng.pick(CANCEL_REASONS);
        cancel(&mut steps, "accepted", reason, at, rng);
        return steps;
    }
    at += rng.between(HOUR_MS, 2 * DAY_MS);
    let detail = if !delivery || rng.chance(0.6) {
        ShippingProvider::SelfDelivery.label().to_owned()
    } else {
        let (provider, prefix) = *rng.pick(&[
            (ShippingProvider::Delhivery, ""),
            (ShippingProvider::BlueDart, ""),
            (ShippingProvider::IndiaPost, "EE"),
            (ShippingProvider::Dtdc, "D"),
            (ShippingProvider::Shiprocket, "SR"),
        ]);
        format!(
            "{} {prefix}{:010}",
            provider.label(),
            rng.between(0, 9_999_999_999)
        )
    };
    steps.push(step(
        "status",
        Some("accepted"),
        "shipped",
        true,
        detail,
        at,
    ));
    at += if delivery {
        rng.between(2 * HOUR_MS, 5 * DAY_MS)
    } else {
        rng.between(HOUR_MS, DAY_MS)
    };
    steps.push(step(
        "status",
        Some("shipped"),
        "delivered",
        true,
        String::new(),
        at,
    ));
    if !upi && rng.chance(0.97) {
        at += rng.between(MINUTE_MS, DAY_MS);
        steps.push(step(
            "payment",
            Some("pending"),
            "paid",
            true,
            String::new(),
            at,
        ));
    }
    steps
}

/// The provider and tracking id back from a shipped step's detail (`Delhivery 0012345678`).
fn shipping_of(detail: &str) -> (Option<&'static str>, Option<&str>) {
    for provider in ShippingProvider::ALL {
        if let Some(rest) = detail.strip_prefix(provider.label()) {
            let tracking = rest.trim();
            return (
                Some(provider.as_str()),
                (!tracking.is_empty()).then_some(tracking),
            );
        }
    }
    (None, None)
}

fn customer(store: &StorePlan, rng: &mut SplitMix64) -> Customer {
    let city = store.city;
    Customer {
        name: format!("{} {}", rng.pick(FIRST_NAMES), rng.pick(SURNAMES)),
        phone: format!("{CUSTOMER_PHONE_PREFIX}{:06}", rng.between(0, 999_999)),
        address: format!(
            "Flat {}, {}, {}, {}, {} {}",
            rng.between(1, 60) * 10 + rng.between(1, 8),
            rng.pick(BUILDINGS),
            rng.pick(STREETS),
            rng.pick(city.localities),
            city.name,
            city.pin + rng.between(0, 30) as u32
        ),
        used_code: false,
    }
}

/// A third of the stores run a code or two.
fn discounts_of(store: &StorePlan, rng: &mut SplitMix64) -> Vec<Discount> {
    if !rng.chance(0.35) {
        return Vec::new();
    }
    let offers = [
        ("WELCOME10", DiscountKind::Percent(10), 20_000, true),
        ("FLAT50", DiscountKind::Fixed(5_000), 50_000, false),
        ("FESTIVE15", DiscountKind::Percent(15), 100_000, false),
    ];
    let wanted = 1 + rng.below(2);
    rng.sample(offers.len(), wanted)
        .into_iter()
        .enumerate()
        .map(|(position, index)| {
            let (code, kind, min_order_minor, once_per_phone) = offers[index];
            let created_ms = store.created_ms + DAY_MS / 2 + position as i64 * MINUTE_MS;
            Discount {
                id: rng.uuid_v7(created_ms),
                code,
                kind,
                min_order_minor,
                once_per_phone,
                active: rng.chance(0.85),
                created_ms,
                uses: 0,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipping_detail_round_trips() {
        assert_eq!(
            shipping_of("Delhivery 0012345678"),
            (Some("delhivery"), Some("0012345678"))
        );
        assert_eq!(shipping_of("Delivered by the store"), (Some("self"), None));
        assert_eq!(shipping_of(""), (None, None));
    }

    #[test]
    fn every_life_follows_the_state_machine() {
        let mut rng = SplitMix64::new(11);
        for case in 0..2_000 {
            let steps = life(&mut rng, 1_000_000, case % 2 == 0, case % 3 != 0);
            let mut status = haat_domain::OrderStatus::Placed;
            let mut last = 0;
            for step in &steps {
                assert!(step.at >= last);
                last = step.at;
                if step.kind == "status" && step.from.is_some() {
                    let next = haat_domain::OrderStatus::parse(step.to).unwrap();
                    assert!(status.can_become(next), "{status:?} -> {next:?}");
                    status = next;
                }
            }
        }
    }
}
