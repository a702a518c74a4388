//! Payments: every gateway webhook stored raw before anything is done with it, each
//! gateway event applied at most once, at most one payment record per order and
//! provider, and at most one transition of an order to paid.
//!
//! Concurrency: applying an event first locks the order row (`FOR UPDATE`), so
//! deliveries for one order run one after another; the `(provider, event_id)` primary key
//! of `payment_events` then tells a duplicate from a new event. The state table is in
//! `docs/payments.md`.

use std::time::Duration;

use haat_domain::{Currency, OrderId, PaymentRef, PaymentStatus, SellerId, StoreId};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{Db, DbError, Result};

/// What a gateway says happened to a payment.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum GatewayStatus {
    Captured,
    Failed,
    Refunded,
}

impl GatewayStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            GatewayStatus::Captured => "captured",
            GatewayStatus::Failed => "failed",
            GatewayStatus::Refunded => "refunded",
        }
    }

    pub fn parse(text: &str) -> Option<GatewayStatus> {
        match text {
            "captured" => Some(GatewayStatus::Captured),
            "failed" => Some(GatewayStatus::Failed),
            "refunded" => Some(GatewayStatus::Refunded),
            _ => None,
        }
    }
}

/// One gateway event, parsed and validated.
#[derive(Clone, Debug)]
pub struct PaymentEvent {
    pub provider: String,
    pub event_id: String,
    pub order_ref: PaymentRef,
    pub amount_minor: i64,
    pub currency: Currency,
    pub status: GatewayStatus,
}

/// What applying an event did.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum PaymentOutcome {
    /// The order became paid.
    Paid,
    /// Recorded; the order was already paid (a second capture event of another id).
    AlreadyPaid,
    /// The amount or currency does not match the order: flagged for the seller.
    Flagged,
    /// A failed attempt, recorded; the order still awaits payment.
    Failed,
    /// The payment was refunded.
    Refunded,
    /// An event that arrived after a later state (e.g. `failed` after `captured`).
    IgnoredOutOfOrder,
    /// This event was already applied.
    Duplicate,
    /// No order has this reference.
    UnknownOrder,
}

impl PaymentOutcome {
    pub fn as_str(&self) -> &'static str {
        match self {
            PaymentOutcome::Paid => "paid",
            PaymentOutcome::AlreadyPaid => "already_paid",
            PaymentOutcome::Flagged => "flagged",
            PaymentOutcome::Failed => "failed",
            PaymentOutcome::Refunded => "refunded",
            PaymentOutcome::IgnoredOutOfOrder => "ignored_out_of_order",
            PaymentOutcome::Duplicate => "duplicate",
            PaymentOutcome::UnknownOrder => "unknown_order",
        }
    }
}

/// A payment as recorded for an order.
#[derive(Clone, Debug)]
pub struct PaymentRecord {
    pub provider: String,
    /// `captured` | `failed` | `refunded`
    pub status: String,
    pub amount_minor: i64,
    pub currency: String,
    /// `gateway:<provider>` or `seller:<id>`
    pub recorded_by: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// The order as locked by a payment.
#[derive(sqlx::FromRow)]
struct LockedOrder {
    id: Uuid,
    store_id: Uuid,
    status: String,
    payment_status: String,
    total_minor: i64,
    currency: String,
}

impl Db {
    /// Stores a webhook delivery as received, committed on its own, before it is acted
    /// upon (the audit trail; also lets a crash between storing and applying be redone).
    pub async fn record_webhook(
        &self,
        provider: &str,
        body: &[u8],
        signature: Option<&str>,
        signature_valid: bool,
        event_id: Option<&str>,
    ) -> Result<Uuid> {
        let id = Uuid::now_v7();
        sqlx::query(
            "INSERT INTO payment_webhooks (id, provider, signature_valid, event_id, body, signature)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(provider)
        .bind(signature_valid)
        .bind(event_id)
        .bind(body)
        .bind(signature)
        .execute(&self.pool)
        .await?;
        Ok(id)
    }

    /// Deletes stored deliveries received more than `older_than` ago that are settled:
    /// applied, closed, or refused at the door. A valid delivery never applied is kept
    /// whatever its age, for the repair loop and for an operator. The dedupe table
    /// (`payment_events`) is not touched: it is what makes a retry months later a
    /// no-op. At most `limit` rows per call; returns how many went.
    pub async fn delete_settled_webhooks(
        &self,
        older_than: std::time::Duration,
        limit: i64,
    ) -> Result<u64> {
        let seconds = i64::try_from(older_than.as_secs()).unwrap_or(i64::MAX);
        let deleted = sqlx::query(
            "DELETE FROM payment_webhooks WHERE id IN (
                 SELECT id FROM payment_webhooks
                 WHERE received_at < now() - make_interval(secs => $1)
                   AND (processed_at IS NOT NULL OR NOT signature_valid)
                 LIMIT $2)",
        )
        .bind(seconds as f64)
        .bind(limit.max(0))
        .execute(&self.pool)
        .await?;
        Ok(deleted.rows_affected())
    }

    /// Notes what became of a stored webhook that was not applied (refused signature,
    /// unreadable body).
    pub async fn close_webhook(&self, webhook: Uuid, outcome: &str) -> Result<()> {
        sqlx::query("UPDATE payment_webhooks SET outcome = $2, processed_at = now() WHERE id = $1")
            .bind(webhook)
            .bind(outcome)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Applies one gateway event exactly once (see the module documentation).
    pub async fn apply_payment_event(
        &self,
        webhook: Uuid,
        event: &PaymentEvent,
    ) -> Result<PaymentOutcome> {
        let mut tx = self.pool.begin().await?;
        let order: Option<LockedOrder> = sqlx::query_as(
            "SELECT id, store_id, status, payment_status, total_minor, currency FROM orders
             WHERE payment_ref = $1 FOR UPDATE",
        )
        .bind(event.order_ref.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(order) = order else {
            drop(tx);
            self.close_webhook(webhook, PaymentOutcome::UnknownOrder.as_str())
                .await?;
            return Ok(PaymentOutcome::UnknownOrder);
        };
        let claimed = sqlx::query(
            "INSERT INTO payment_events (provider, event_id, order_id, status, amount_minor, currency, outcome)
             VALUES ($1, $2, $3, $4, $5, $6, 'pending')
             ON CONFLICT (provider, event_id) DO NOTHING",
        )
        .bind(&event.provider)
        .bind(&event.event_id)
        .bind(order.id)
        .bind(event.status.as_str())
        .bind(event.amount_minor)
        .bind(event.currency.code())
        .execute(&mut *tx)
        .await?;
        if claimed.rows_affected() == 0 {
            drop(tx);
            self.close_webhook(webhook, PaymentOutcome::Duplicate.as_str())
                .await?;
            return Ok(PaymentOutcome::Duplicate);
        }
        let existing: Option<(String,)> =
            sqlx::query_as("SELECT status FROM payments WHERE order_id = $1 AND provider = $2")
                .bind(order.id)
                .bind(&event.provider)
                .fetch_optional(&mut *tx)
                .await?;
        let recorded = existing.map(|(status,)| status);
        let payment_status = PaymentStatus::parse(&order.payment_status)
            .map_err(|_| DbError::Other(sqlx::Error::Decode("orders.payment_status".into())))?;
        let actor = format!("gateway:{}", event.provider);
        // Money for a cancelled order is never "paid": it is flagged, so the seller sees
        // it and refunds the shopper (or talks to them), exactly like a wrong amount.
        let cancelled = order.status == "cancelled";
        let matches = event.amount_minor == order.total_minor
            && event.currency.code() == order.currency
            && !cancelled;
        let Decision {
            record,
            outcome,
            move_to,
        } = decide(event.status, matches, recorded.as_deref(), payment_status);
        let detail = match move_to {
            Some(PaymentStatus::Flagged) if cancelled => format!(
                "captured {} {} (minor units) after the order was cancelled: refund the shopper",
                event.amount_minor,
                event.currency.code()
            ),
            Some(PaymentStatus::Flagged) => mismatch_detail(event, &order),
            _ => String::new(),
        };
        let move_to = move_to.map(|to| (to, detail));
        if let Some(status) = record {
            sqlx::query(
                "INSERT INTO payments (id, order_id, store_id, provider, status, amount_minor, currency, recorded_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (order_id, provider) DO UPDATE SET
                     status = excluded.status, amount_minor = excluded.amount_minor,
                     currency = excluded.currency, updated_at = now()",
            )
            .bind(Uuid::now_v7())
            .bind(order.id)
            .bind(order.store_id)
            .bind(&event.provider)
            .bind(status)
            .bind(event.amount_minor)
            .bind(event.currency.code())
            .bind(&actor)
            .execute(&mut *tx)
            .await?;
        }
        if let Some((to, detail)) = move_to {
            move_payment_status(
                &mut tx,
                order.id,
                order.store_id,
                payment_status,
                to,
                &actor,
                &detail,
            )
            .await?;
        }
        sqlx::query("UPDATE payment_events SET outcome = $3 WHERE provider = $1 AND event_id = $2")
            .bind(&event.provider)
            .bind(&event.event_id)
            .bind(outcome.as_str())
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE payment_webhooks SET outcome = $2, processed_at = now() WHERE id = $1")
            .bind(webhook)
            .bind(outcome.as_str())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        metrics::counter!("haat_payment_events_total", "provider" => event.provider.clone(), "outcome" => outcome.as_str())
            .increment(1);
        Ok(outcome)
    }

    /// Valid webhooks stored at least `older_than` ago but never applied (the process
    /// died in between): their bodies, to be parsed and applied again.
    pub async fn unprocessed_webhooks(
        &self,
        older_than: Duration,
        limit: i64,
    ) -> Result<Vec<(Uuid, String, Vec<u8>)>> {
        let rows: Vec<(Uuid, String, Vec<u8>)> = sqlx::query_as(
            "SELECT id, provider, body FROM payment_webhooks
             WHERE processed_at IS NULL AND signature_valid
               AND received_at < now() - make_interval(secs => $1)
             ORDER BY received_at LIMIT $2",
        )
        .bind(older_than.as_secs_f64())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    /// Cash received: the seller marks an order paid by hand. Pending or flagged orders
    /// only; recorded with who and when.
    pub async fn mark_order_paid_by_seller(
        &self,
        store: StoreId,
        order: OrderId,
        seller: SellerId,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let locked: Option<LockedOrder> = sqlx::query_as(
            "SELECT id, store_id, status, payment_status, total_minor, currency FROM orders
             WHERE id = $1 AND store_id = $2 FOR UPDATE",
        )
        .bind(order.as_uuid())
        .bind(store.as_uuid())
        .fetch_optional(&mut *tx)
        .await?;
        let locked = locked.ok_or(DbError::NotFound)?;
        let payment_status = PaymentStatus::parse(&locked.payment_status)
            .map_err(|_| DbError::Other(sqlx::Error::Decode("orders.payment_status".into())))?;
        match payment_status {
            PaymentStatus::Paid => {
                return Err(DbError::Conflict(
                    "already_paid",
                    "this order is already paid".into(),
                ))
            }
            PaymentStatus::Refunded => {
                return Err(DbError::Conflict(
                    "refunded",
                    "this order's payment was refunded".into(),
                ))
            }
            PaymentStatus::Pending | PaymentStatus::Flagged => {}
        }
        if locked.status == "cancelled" {
            return Err(DbError::Conflict(
                "order_cancelled",
                "a cancelled order cannot be marked paid".into(),
            ));
        }
        let actor = format!("seller:{seller}");
        sqlx::query(
            "INSERT INTO payments (id, order_id, store_id, provider, status, amount_minor, currency, recorded_by)
             VALUES ($1, $2, $3, 'manual', 'captured', $4, $5, $6)
             ON CONFLICT (order_id, provider) DO UPDATE SET
                 status = 'captured', amount_minor = excluded.amount_minor,
                 recorded_by = excluded.recorded_by, updated_at = now()",
        )
        .bind(Uuid::now_v7())
        .bind(locked.id)
        .bind(locked.store_id)
        .bind(locked.total_minor)
        .bind(&locked.currency)
        .bind(&actor)
        .execute(&mut *tx)
        .await?;
        move_payment_status(
            &mut tx,
            locked.id,
            locked.store_id,
            payment_status,
            PaymentStatus::Paid,
            &actor,
            "cash received",
        )
        .await?;
        tx.commit().await?;
        metrics::counter!("haat_payments_marked_paid_total").increment(1);
        Ok(())
    }

    /// The payments recorded for an order of `store`.
    pub async fn payments_of_order(
        &self,
        store: StoreId,
        order: OrderId,
    ) -> Result<Vec<PaymentRecord>> {
        let rows: Vec<(
            String,
            String,
            i64,
            String,
            String,
            OffsetDateTime,
            OffsetDateTime,
        )> = sqlx::query_as(
            "SELECT provider, status, amount_minor, currency, recorded_by, created_at, updated_at
                 FROM payments WHERE order_id = $1 AND store_id = $2 ORDER BY created_at",
        )
        .bind(order.as_uuid())
        .bind(store.as_uuid())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(
                    provider,
                    status,
                    amount_minor,
                    currency,
                    recorded_by,
                    created_at,
                    updated_at,
                )| {
                    PaymentRecord {
                        provider,
                        status,
                        amount_minor,
                        currency,
                        recorded_by,
                        created_at,
                        updated_at,
                    }
                },
            )
            .collect())
    }
}

/// What one event does, given the order's payment status and this provider's payment
/// record: the table in `docs/payments.md`.
#[derive(Debug, PartialEq, Eq)]
struct Decision {
    /// The status to write on the `(order, provider)` payment record, if any.
    record: Option<&'static str>,
    outcome: PaymentOutcome,
    /// The order's new payment status, if it changes.
    move_to: Option<PaymentStatus>,
}

fn decide(
    incoming: GatewayStatus,
    amount_and_currency_match: bool,
    recorded: Option<&str>,
    order: PaymentStatus,
) -> Decision {
    let decision = |record, outcome, move_to| Decision {
        record,
        outcome,
        move_to,
    };
    match incoming {
        GatewayStatus::Captured => match (recorded, order) {
            // A capture never undoes a refund.
            (Some("refunded"), _) | (_, PaymentStatus::Refunded) => {
                decision(None, PaymentOutcome::IgnoredOutOfOrder, None)
            }
            // Paid already (another capture event, or cash marked by the seller): keep an
            // existing capture as it is; note the gateway's if it is the first from it.
            (Some("captured"), PaymentStatus::Paid) => {
                decision(None, PaymentOutcome::AlreadyPaid, None)
            }
            (_, PaymentStatus::Paid) => {
                decision(Some("captured"), PaymentOutcome::AlreadyPaid, None)
            }
            (_, PaymentStatus::Pending) if amount_and_currency_match => decision(
                Some("captured"),
                PaymentOutcome::Paid,
                Some(PaymentStatus::Paid),
            ),
            (_, PaymentStatus::Pending) => decision(
                Some("captured"),
                PaymentOutcome::Flagged,
                Some(PaymentStatus::Flagged),
            ),
            // Flagged stays flagged until the seller resolves it (by marking it paid).
            (_, PaymentStatus::Flagged) => {
                decision(Some("captured"), PaymentOutcome::Flagged, None)
            }
        },
        GatewayStatus::Failed => match recorded {
            // A late failure of an earlier attempt: the money has already moved.
            Some("captured" | "refunded") => {
                decision(None, PaymentOutcome::IgnoredOutOfOrder, None)
            }
            _ => decision(Some("failed"), PaymentOutcome::Failed, None),
        },
        GatewayStatus::Refunded => decision(
            Some("refunded"),
            PaymentOutcome::Refunded,
            (order != PaymentStatus::Refunded).then_some(PaymentStatus::Refunded),
        ),
    }
}

/// What the seller reads on the order's history when a capture does not match.
fn mismatch_detail(event: &PaymentEvent, order: &LockedOrder) -> String {
    let mut differs = Vec::new();
    if event.amount_minor != order.total_minor {
        differs.push("amount");
    }
    if event.currency.code() != order.currency {
        differs.push("currency");
    }
    format!(
        "{} mismatch: received {} {} (minor units) for an order of {} {}",
        differs.join(" and "),
        event.amount_minor,
        event.currency.code(),
        order.total_minor,
        order.currency
    )
}

/// Moves an order's payment status, with its history row; `paid_at` is set on paid.
async fn move_payment_status(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    order: Uuid,
    store: Uuid,
    from: PaymentStatus,
    to: PaymentStatus,
    actor: &str,
    detail: &str,
) -> Result<()> {
    sqlx::query(
        "WITH moved AS (
             UPDATE orders SET payment_status = $3,
                 paid_at = CASE WHEN $3 = 'paid' THEN now() ELSE paid_at END,
                 updated_at = now(), version = version + 1
             WHERE id = $1 AND store_id = $2
         )
         INSERT INTO order_events (order_id, store_id, kind, from_state, to_state, actor, detail)
         VALUES ($1, $2, 'payment', $4, $3, $5, $6)",
    )
    .bind(order)
    .bind(store)
    .bind(to.as_str())
    .bind(from.as_str())
    .bind(actor)
    .bind(detail)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use GatewayStatus as In;
    use PaymentOutcome as Out;
    use PaymentStatus as Order;

    type Expected = (Option<&'static str>, PaymentOutcome, Option<PaymentStatus>);

    fn check(
        incoming: GatewayStatus,
        matching: bool,
        recorded: Option<&str>,
        order: PaymentStatus,
        expected: Expected,
    ) {
        let decision = decide(incoming, matching, recorded, order);
        assert_eq!(
            (decision.record, decision.outcome, decision.move_to),
            expected,
            "{incoming:?} matching={matching} recorded={recorded:?} order={order:?}"
        );
    }

    #[test]
    fn the_state_table() {
        let captured = Some("captured");
        let refunded = Some("refunded");
        let failed = Some("failed");
        let ignored: Expected = (None, Out::IgnoredOutOfOrder, None);
        let cases: [(GatewayStatus, bool, Option<&str>, PaymentStatus, Expected); 17] = [
            (
                In::Captured,
                true,
                None,
                Order::Pending,
                (captured, Out::Paid, Some(Order::Paid)),
            ),
            (
                In::Captured,
                true,
                failed,
                Order::Pending,
                (captured, Out::Paid, Some(Order::Paid)),
            ),
            (
                In::Captured,
                false,
                None,
                Order::Pending,
                (captured, Out::Flagged, Some(Order::Flagged)),
            ),
            (
                In::Captured,
                true,
                captured,
                Order::Paid,
                (None, Out::AlreadyPaid, None),
            ),
            (
                In::Captured,
                false,
                captured,
                Order::Paid,
                (None, Out::AlreadyPaid, None),
            ),
            (
                In::Captured,
                true,
                None,
                Order::Paid,
                (captured, Out::AlreadyPaid, None),
            ),
            (
                In::Captured,
                true,
                captured,
                Order::Flagged,
                (captured, Out::Flagged, None),
            ),
            (In::Captured, true, refunded, Order::Refunded, ignored),
            (In::Captured, true, None, Order::Refunded, ignored),
            (In::Failed, true, captured, Order::Paid, ignored),
            (In::Failed, true, refunded, Order::Refunded, ignored),
            (
                In::Failed,
                true,
                None,
                Order::Pending,
                (failed, Out::Failed, None),
            ),
            (
                In::Failed,
                true,
                failed,
                Order::Pending,
                (failed, Out::Failed, None),
            ),
            (
                In::Refunded,
                true,
                captured,
                Order::Pending,
                (refunded, Out::Refunded, Some(Order::Refunded)),
            ),
            (
                In::Refunded,
                true,
                captured,
                Order::Paid,
                (refunded, Out::Refunded, Some(Order::Refunded)),
            ),
            (
                In::Refunded,
                true,
                captured,
                Order::Flagged,
                (refunded, Out::Refunded, Some(Order::Refunded)),
            ),
            (
                In::Refunded,
                true,
                refunded,
                Order::Refunded,
                (refunded, Out::Refunded, None),
            ),
        ];
        for (incoming, matching, recorded, order, expected) in cases {
            check(incoming, matching, recorded, order, expected);
        }
    }

    #[test]
    fn only_a_matching_capture_of_a_pending_order_makes_it_paid() {
        for incoming in [In::Captured, In::Failed, In::Refunded] {
            for matching in [true, false] {
                for recorded in [None, Some("captured"), Some("failed"), Some("refunded")] {
                    for order in Order::ALL {
                        let decision = decide(incoming, matching, recorded, *order);
                        if decision.move_to == Some(Order::Paid) {
                            assert_eq!(
                                (incoming, matching, *order),
                                (In::Captured, true, Order::Pending)
                            );
                        }
                    }
                }
            }
        }
    }
}
