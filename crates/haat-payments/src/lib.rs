//! Payment gateway webhooks: `POST /api/v1/payments/webhooks/{provider}` speaking the
//! `haatpay` protocol (`docs/payments.md`), and [`fake`], a real HTTP gateway that sends
//! such webhooks, for tests and demos.
//!
//! Every delivery is stored raw first (`payment_webhooks`), then its signature is
//! checked, then it is parsed into a [`haat_db::PaymentEvent`] and applied exactly once.
//! Answers: `200` with the outcome (applied, duplicate, ignored, flagged), `401` for a
//! bad or stale signature, `422` for an unreadable event, `404` for an unknown provider
//! or order, `503` when the database is down (the gateway retries).

pub mod fake;
mod protocol;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use haat_db::{Db, DbError, PaymentOutcome};
use haat_http::signature::{self, SignatureError, SIGNATURE_HEADER};
use haat_http::{ApiError, Path};
use http::{HeaderMap, StatusCode};

pub use protocol::{parse_event, WireEvent, PROVIDER};

/// How old a signed timestamp may be.
pub const SIGNATURE_TOLERANCE: Duration = Duration::from_secs(300);
/// Webhook bodies are small JSON documents.
const BODY_LIMIT: usize = 64 * 1024;

struct Inner {
    db: Db,
    /// `None`: no secret configured, every delivery is refused (and stored).
    secret: Option<String>,
}

#[derive(Clone)]
pub struct PaymentsState(Arc<Inner>);

impl PaymentsState {
    pub fn new(db: Db, secret: Option<String>) -> PaymentsState {
        PaymentsState(Arc::new(Inner { db, secret }))
    }
}

pub fn router(state: PaymentsState) -> Router {
    Router::new()
        .route("/api/v1/payments/webhooks/{provider}", post(webhook))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn db_error(error: DbError) -> Response {
    match error {
        DbError::Unavailable(_) => {
            tracing::warn!(%error, "database unavailable for a payment webhook");
            ApiError::unavailable("database_unavailable", "try again shortly").into_response()
        }
        other => ApiError::internal(&other).into_response(),
    }
}

async fn webhook(
    State(state): State<PaymentsState>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let started = Instant::now();
    let response = handle(&state, &provider, &headers, &body).await;
    let outcome = response.1;
    metrics::counter!("haat_payment_webhooks_total", "provider" => provider_label(&provider), "outcome" => outcome)
        .increment(1);
    metrics::histogram!("haat_payment_webhook_seconds").record(started.elapsed().as_secs_f64());
    tracing::info!(outcome, "payment webhook");
    response.0
}

/// Metrics labels stay bounded: unknown providers share one label.
fn provider_label(provider: &str) -> &'static str {
    if provider == PROVIDER {
        PROVIDER
    } else {
        "unknown"
    }
}

async fn handle(
    state: &PaymentsState,
    provider: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> (Response, &'static str) {
    if provider != PROVIDER {
        return (
            ApiError::new(
                StatusCode::NOT_FOUND,
                "unknown_provider",
                "no such payment provider",
            )
            .into_response(),
            "unknown_provider",
        );
    }
    let header = headers
        .get(SIGNATURE_HEADER)
        .and_then(|value| value.to_str().ok());
    let verified = match &state.0.secret {
        Some(secret) => signature::verify(
            secret,
            header,
            body,
            now_unix(),
            SIGNATURE_TOLERANCE.as_secs() as i64,
        ),
        None => Err(SignatureError::Mismatch),
    };
    // The event id, if the body says one, for the audit row (best effort, unverified).
    let event_id = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            v.get("event_id")
                .and_then(|id| id.as_str())
                .map(|id| id.chars().take(200).collect::<String>())
        });
    let header_text = header.map(|h| h.chars().take(500).collect::<String>());
    let stored = state
        .0
        .db
        .record_webhook(
            provider,
            body,
            header_text.as_deref(),
            verified.is_ok(),
            event_id.as_deref(),
        )
        .await;
    let webhook = match stored {
        Ok(id) => id,
        Err(error) => return (db_error(error), "unavailable"),
    };
    if let Err(error) = verified {
        let (code, outcome) = match error {
            SignatureError::Stale { .. } | SignatureError::FromFuture => {
                ("stale_signature", "stale_signature")
            }
            _ => ("invalid_signature", "invalid_signature"),
        };
        let _ = state.0.db.close_webhook(webhook, outcome).await;
        return (
            ApiError::new(StatusCode::UNAUTHORIZED, code, error.to_string()).into_response(),
            outcome,
        );
    }
    let event = match parse_event(provider, body) {
        Ok(event) => event,
        Err(error) => {
            let _ = state.0.db.close_webhook(webhook, "invalid_event").await;
            return (error.into_response(), "invalid_event");
        }
    };
    // Applied on its own task: a gateway that hangs up must not cancel the transaction.
    let db = state.0.db.clone();
    let applied = tokio::spawn(async move { db.apply_payment_event(webhook, &event).await }).await;
    match applied {
        Ok(Ok(PaymentOutcome::UnknownOrder)) => (
            ApiError::new(
                StatusCode::NOT_FOUND,
                "unknown_order",
                "no order has this order_ref",
            )
            .with_field("order_ref")
            .into_response(),
            "unknown_order",
        ),
        Ok(Ok(outcome)) => (
            Json(serde_json::json!({ "status": outcome.as_str() })).into_response(),
            outcome.as_str(),
        ),
        Ok(Err(error)) => (db_error(error), "error"),
        Err(error) => (ApiError::internal(&error).into_response(), "error"),
    }
}

/// Re-applies valid webhooks that were stored but never applied (the process died in
/// between). Returns how many were applied.
pub async fn reprocess(db: &Db, older_than: Duration) -> Result<usize, DbError> {
    let pending = db.unprocessed_webhooks(older_than, 100).await?;
    let mut applied = 0;
    for (id, provider, body) in pending {
        match parse_event(&provider, &body) {
            Ok(event) => {
                db.apply_payment_event(id, &event).await?;
                applied += 1;
            }
            Err(_) => db.close_webhook(id, "invalid_event").await?,
        }
    }
    if applied > 0 {
        tracing::info!(applied, "re-applied stored payment webhooks");
    }
    Ok(applied)
}
