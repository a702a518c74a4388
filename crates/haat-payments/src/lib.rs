//! Payment gateway webhooks: `POST /api/v1/payments/webhooks/{provider}` speaking the
//! `haatpay` protocol (`docs/payments.md`), and [`fake`], a real HTTP gateway that sends
//! such webhooks, for tests and demos.
//!
//! Every delivery is stored raw first (`payment_webhooks`), then its signature is
//! checked, then it is parsed into a [`haat_db::PaymentEvent`] and applied exactly once.
//! Answers: `200` with the outcome (applied, duplicate, ignored, flagged), `401` for a
//! bad or stale signature, `422` for an unreadable event, `404` for an unknown provider
//! or order, `413` for a body over 64 KiB, `503` when the database is down (the gateway
//! retries). [`reprocess`] re-applies deliveries a crash left stored but unapplied.

pub mod fake;
mod protocol;
mod reprocess;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use haat_db::{Db, DbError, PaymentOutcome};
use haat_http::signature::{self, SignatureError, SIGNATURE_HEADER};
use haat_http::{ApiError, Path};
use http::{HeaderMap, StatusCode};

pub use protocol::{parse_event, WireEvent, PROVIDER};
pub use reprocess::{reprocess, reprocess_unprocessed_webhooks};

/// How far a signed timestamp may be from Haat's clock, either way.
pub const SIGNATURE_TOLERANCE: Duration = Duration::from_secs(300);
/// Webhook bodies are small JSON documents.
pub const BODY_LIMIT: usize = 64 * 1024;

struct Inner {
    db: Db,
    /// `None`: no secret configured, every delivery is refused (and stored).
    secret: Option<String>,
    tolerance: Duration,
}

/// What the webhook endpoint needs: the database and the shared secret
/// (`HAAT_PAYMENTS_WEBHOOK_SECRET`).
#[derive(Clone)]
pub struct PaymentsState(Arc<Inner>);

impl PaymentsState {
    /// With the default timestamp tolerance ([`SIGNATURE_TOLERANCE`]).
    pub fn new(db: Db, secret: Option<String>) -> PaymentsState {
        PaymentsState(Arc::new(Inner {
            db,
            secret,
            tolerance: SIGNATURE_TOLERANCE,
        }))
    }

    /// The same state with another timestamp tolerance.
    pub fn with_tolerance(self, tolerance: Duration) -> PaymentsState {
        PaymentsState(Arc::new(Inner {
            db: self.0.db.clone(),
            secret: self.0.secret.clone(),
            tolerance,
        }))
    }
}

impl std::fmt::Debug for PaymentsState {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("PaymentsState")
            .field("secret", &self.0.secret.as_ref().map(|_| "…"))
            .field("tolerance", &self.0.tolerance)
            .finish_non_exhaustive()
    }
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(webhook), components(schemas(protocol::WireEvent)))]
struct PaymentsApi;

/// The webhook endpoint's OpenAPI document (merged into the API's by the binary).
pub fn openapi() -> utoipa::openapi::OpenApi {
    <PaymentsApi as utoipa::OpenApi>::openapi()
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

/// A payment event from a gateway (`docs/payments.md`). Stored raw before anything
/// else; applied exactly once per event id; an amount or currency mismatch flags the
/// order instead of marking it paid.
#[utoipa::path(post, path = "/api/v1/payments/webhooks/{provider}", tag = "payments",
    params(("provider" = String, Path, example = "haatpay"),
           ("Haat-Signature" = String, Header, description = "t=<unix seconds>,v1=<hex HMAC-SHA256>")),
    request_body = protocol::WireEvent,
    responses(
        (status = 200, description = "Applied, or already applied: `{\"status\": \"paid\" | \"duplicate\" | \"flagged\" | …}`"),
        (status = 400, body = haat_http::ErrorBody), (status = 401, body = haat_http::ErrorBody),
        (status = 404, body = haat_http::ErrorBody, description = "Unknown provider or order_ref"),
        (status = 413, body = haat_http::ErrorBody), (status = 422, body = haat_http::ErrorBody),
        (status = 503, body = haat_http::ErrorBody, description = "Stored; retry later")))]
pub(crate) async fn webhook(
    State(state): State<PaymentsState>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let started = Instant::now();
    let (response, outcome, event_id) = match body {
        Ok(body) => handle(&state, &provider, &headers, &body).await,
        Err(rejection) => (body_rejection(&rejection), "unreadable_body", None),
    };
    let provider = provider_label(&provider);
    metrics::counter!("haat_payment_webhooks_total", "provider" => provider, "outcome" => outcome)
        .increment(1);
    metrics::histogram!("haat_payment_webhook_duration_seconds", "provider" => provider)
        .record(started.elapsed().as_secs_f64());
    tracing::info!(
        payment.provider = provider,
        payment.event_id = event_id.as_deref().unwrap_or(""),
        payment.outcome = outcome,
        status = response.status().as_u16(),
        "payment webhook"
    );
    response
}

/// A body that could not be read: too large (413) or broken off (400). Not stored: there
/// is nothing complete to store.
fn body_rejection(rejection: &BytesRejection) -> Response {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("a webhook body is at most {BODY_LIMIT} bytes"),
        )
        .into_response()
    } else {
        ApiError::bad_request("invalid_body", "the request body could not be read").into_response()
    }
}

/// Metrics labels stay bounded: unknown providers share one label.
fn provider_label(provider: &str) -> &'static str {
    if provider == PROVIDER {
        PROVIDER
    } else {
        "unknown"
    }
}

/// The response, the outcome label and the event id (if the body names a plausible one).
async fn handle(
    state: &PaymentsState,
    provider: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> (Response, &'static str, Option<String>) {
    if provider != PROVIDER {
        return (
            ApiError::new(
                StatusCode::NOT_FOUND,
                "unknown_provider",
                "no such payment provider",
            )
            .into_response(),
            "unknown_provider",
            None,
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
            i64::try_from(state.0.tolerance.as_secs()).unwrap_or(i64::MAX),
        ),
        None => Err(SignatureError::Mismatch),
    };
    // The event id for the audit row and the log: best effort and unverified, so only
    // kept when it has the protocol's shape (PostgreSQL text refuses NUL, for one).
    let event_id = protocol::audit_event_id(body);
    // Header values that reach here are visible ASCII; long ones are cut for storage.
    let header_text = header.map(|h| h.chars().take(1000).collect::<String>());
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
        Err(error) => return (db_error(error), "not_stored", event_id),
    };
    if let Err(error) = verified {
        let (code, outcome) = match error {
            SignatureError::Stale { .. } | SignatureError::FromFuture => {
                ("stale_signature", "stale_signature")
            }
            _ => ("invalid_signature", "invalid_signature"),
        };
        // Best effort: a refused delivery left open is never re-applied (it is not
        // marked valid), so a failure here changes nothing.
        let _ = state.0.db.close_webhook(webhook, outcome).await;
        return (
            ApiError::new(StatusCode::UNAUTHORIZED, code, error.to_string()).into_response(),
            outcome,
            event_id,
        );
    }
    let event = match parse_event(provider, body) {
        Ok(event) => event,
        Err(error) => {
            // Best effort: if this fails, the maintenance loop parses it again and closes it.
            let _ = state.0.db.close_webhook(webhook, "invalid_event").await;
            return (error.into_response(), "invalid_event", event_id);
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
            event_id,
        ),
        Ok(Ok(outcome)) => (
            Json(serde_json::json!({ "status": outcome.as_str() })).into_response(),
            outcome.as_str(),
            event_id,
        ),
        // Stored but not applied: the gateway retries, or the maintenance loop re-applies.
        Ok(Err(error)) => (db_error(error), "error", event_id),
        Err(error) => (
            ApiError::internal(&error).into_response(),
            "error",
            event_id,
        ),
    }
}
