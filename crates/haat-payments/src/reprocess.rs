//! Repair after a crash: a delivery is stored (and committed) before it is applied, so a
//! process that dies in between leaves a valid, unprocessed `payment_webhooks` row. The
//! maintenance loop hands those to [`reprocess`]; applying is exactly-once by event id,
//! so a row that another process is applying at the same moment ends as `duplicate`.

use std::time::Duration;

use haat_db::{Db, DbError};

use crate::protocol::parse_event;

/// How many stored webhooks one [`reprocess`] round takes on.
const ROUND_LIMIT: i64 = 100;

/// Re-applies up to 100 valid webhooks stored at least `older_than` ago and never
/// processed. Returns how many were applied.
pub async fn reprocess(db: &Db, older_than: Duration) -> Result<usize, DbError> {
    reprocess_unprocessed_webhooks(db, older_than, ROUND_LIMIT).await
}

/// [`reprocess`] with a chosen batch size. A webhook that cannot be applied for a reason
/// of its own is logged and left for the next round; a database outage ends the round.
pub async fn reprocess_unprocessed_webhooks(
    db: &Db,
    older_than: Duration,
    limit: i64,
) -> Result<usize, DbError> {
    let pending = db.unprocessed_webhooks(older_than, limit).await?;
    let mut applied = 0;
    for (id, provider, body) in pending {
        let result = match parse_event(&provider, &body) {
            Ok(event) => db.apply_payment_event(id, &event).await.map(|outcome| {
                tracing::info!(
                    payment.webhook_id = %id,
                    payment.event_id = event.event_id,
                    payment.outcome = outcome.as_str(),
                    "re-applied a stored payment webhook"
                );
                applied += 1;
            }),
            Err(_) => db.close_webhook(id, "invalid_event").await,
        };
        match result {
            Ok(()) => {}
            Err(error @ DbError::Unavailable(_)) => return Err(error),
            Err(error) => {
                tracing::warn!(payment.webhook_id = %id, %error, "a stored payment webhook could not be re-applied");
            }
        }
    }
    Ok(applied)
}
