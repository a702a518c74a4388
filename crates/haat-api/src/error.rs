//! The api role's errors and their one mapping to HTTP. Handlers return `Result<_, Error>`
//! and use `?`; this is the only place that decides a status code.

use axum::response::{IntoResponse, Response};
use haat_db::DbError;
use haat_http::ApiError;
use haat_media::MediaError;
use haat_sms::SmsError;
use http::StatusCode;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Media(#[from] MediaError),
    #[error(transparent)]
    Sms(#[from] SmsError),
}

impl Error {
    pub fn to_api_error(&self) -> ApiError {
        match self {
            Error::Api(error) => error.clone(),
            Error::Db(DbError::NotFound) => ApiError::not_found("resource"),
            Error::Db(DbError::UnknownCategory) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown_category",
                "no category with this id in this store",
            )
            .with_field("category_id"),
            Error::Db(DbError::IdempotencyKeyReused) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "this Idempotency-Key was already used with a different request",
            ),
            Error::Db(DbError::Unavailable(_)) => {
                tracing::warn!(error = %self, "database unavailable");
                ApiError::unavailable(
                    "database_unavailable",
                    "the service is busy; try again shortly",
                )
            }
            Error::Db(DbError::Conflict(code, message)) => {
                ApiError::new(StatusCode::CONFLICT, code, message.clone())
            }
            Error::Db(DbError::Invalid(field, message)) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_field",
                message.clone(),
            )
            .with_field(*field),
            Error::Db(error) => ApiError::internal(error),
            Error::Media(error) if error.is_client_error() => {
                let status = match error {
                    MediaError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                    MediaError::UnsupportedType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    _ => StatusCode::UNPROCESSABLE_ENTITY,
                };
                ApiError::new(status, error.code(), error.to_string()).with_field("image")
            }
            Error::Media(error) => ApiError::internal(error),
            Error::Sms(error) => {
                tracing::warn!(error = %error, "sms delivery failed");
                ApiError::unavailable(
                    "sms_unavailable",
                    "we could not send the code right now; try again in a minute",
                )
            }
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        self.to_api_error().into_response()
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
