//! The checkout's one mapping from failures to HTTP: every refusal is a precise 4xx with
//! a stable code (and the field at fault); a database outage is a 503 the client may
//! retry; anything else is a logged 500 without internals.

use haat_db::{CheckoutError, DbError};
use haat_domain::ParseError;
use haat_http::ApiError;
use http::StatusCode;

#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<CheckoutError> for Error {
    fn from(error: CheckoutError) -> Self {
        Error::Db(DbError::Checkout(error))
    }
}

pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;

/// A parse error of one request field.
pub(crate) fn invalid(field: &str, error: ParseError) -> Error {
    Error::Api(ApiError::invalid(field, error))
}

impl Error {
    pub(crate) fn to_api_error(&self) -> ApiError {
        match self {
            Error::Api(error) => error.clone(),
            Error::Db(DbError::Checkout(error)) => checkout_error(error),
            Error::Db(DbError::NotFound) => ApiError::not_found("order"),
            Error::Db(DbError::IdempotencyKeyReused) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "this Idempotency-Key was already used with a different request",
            ),
            Error::Db(DbError::Conflict(code, message)) => {
                ApiError::new(StatusCode::CONFLICT, code, message.clone())
            }
            Error::Db(DbError::Invalid(field, message)) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_field",
                message.clone(),
            )
            .with_field(*field),
            Error::Db(DbError::Unavailable(_)) => {
                tracing::warn!(error = %self, "database unavailable during checkout");
                ApiError::unavailable(
                    "database_unavailable",
                    "the store is busy; please try again in a moment",
                )
            }
            Error::Db(error) => ApiError::internal(error),
        }
    }
}

fn checkout_error(error: &CheckoutError) -> ApiError {
    use CheckoutError::*;
    let message = error.to_string();
    let (status, code, field) = match error {
        Empty => (StatusCode::UNPROCESSABLE_ENTITY, "empty_order", "items"),
        TooManyLines => (StatusCode::UNPROCESSABLE_ENTITY, "too_many_items", "items"),
        QuantityTooLarge { .. } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_quantity",
            "items",
        ),
        UnknownProduct { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "unknown_product", "items"),
        Unavailable { .. } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "product_unavailable",
            "items",
        ),
        OutOfStock { .. } => (StatusCode::CONFLICT, "out_of_stock", "items"),
        PriceChanged { .. } => (StatusCode::CONFLICT, "price_changed", "items"),
        TotalChanged => (
            StatusCode::CONFLICT,
            "total_changed",
            "expected_total_minor",
        ),
        CurrencyMismatch { .. } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "currency_mismatch",
            "currency",
        ),
        UpiNotOffered => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "upi_not_offered",
            "payment_method",
        ),
        PickupNotOffered => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "pickup_not_offered",
            "customer.address",
        ),
        DiscountUnknown => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_discount",
            "discount_code",
        ),
        DiscountNotStarted => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "discount_not_started",
            "discount_code",
        ),
        DiscountExpired => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "discount_expired",
            "discount_code",
        ),
        DiscountMinimum { .. } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "discount_minimum_not_met",
            "discount_code",
        ),
        DiscountExhausted => (StatusCode::CONFLICT, "discount_exhausted", "discount_code"),
        DiscountPerCustomerLimit => (
            StatusCode::CONFLICT,
            "discount_already_used",
            "discount_code",
        ),
    };
    metrics::counter!("haat_checkout_refusals_total", "code" => code).increment(1);
    ApiError::new(status, code, message).with_field(field)
}

impl axum::response::IntoResponse for Error {
    fn into_response(self) -> axum::response::Response {
        self.to_api_error().into_response()
    }
}
