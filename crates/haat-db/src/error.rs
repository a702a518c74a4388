//! The database crate's error type. The HTTP layer maps each variant to one status.

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("not found")]
    NotFound,
    /// The category given by id is not one of this store's categories.
    #[error("category not found in this store")]
    UnknownCategory,
    /// An idempotency key was used again with a different request.
    #[error("idempotency key reused with a different request")]
    IdempotencyKeyReused,
    /// A checkout was refused; nothing was written.
    #[error(transparent)]
    Checkout(#[from] crate::orders::CheckoutError),
    /// The request conflicts with the resource's current state (HTTP 409): a stable code
    /// and a message for the person.
    #[error("{1}")]
    Conflict(&'static str, String),
    /// A field the database-level rules refuse (HTTP 422): the field and a message.
    #[error("{1}")]
    Invalid(&'static str, String),
    #[error("invalid database url")]
    Config(#[source] sqlx::Error),
    /// The database could not be reached in time; callers answer 503 and may retry.
    #[error("database unavailable")]
    Unavailable(#[source] sqlx::Error),
    #[error("database error")]
    Other(#[source] sqlx::Error),
}

impl From<sqlx::Error> for DbError {
    fn from(error: sqlx::Error) -> Self {
        match error {
            sqlx::Error::RowNotFound => DbError::NotFound,
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
                DbError::Unavailable(error)
            }
            sqlx::Error::Database(ref db)
                if matches!(db.code().as_deref(), Some("57014" | "57P01" | "53300")) =>
            {
                // statement timeout, admin shutdown, too many connections
                DbError::Unavailable(error)
            }
            other => DbError::Other(other),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for DbError {
    fn from(error: sqlx::migrate::MigrateError) -> Self {
        DbError::Other(sqlx::Error::Migrate(Box::new(error)))
    }
}

pub(crate) fn is_unique_violation(error: &sqlx::Error, constraint: &str) -> bool {
    matches!(error, sqlx::Error::Database(db)
        if db.code().as_deref() == Some("23505") && db.constraint() == Some(constraint))
}
