//! Haat's system of record: PostgreSQL access for every other crate.
//!
//! Every query that touches tenant data takes the store id (or the seller id that owns
//! it) as an argument; there is no "all stores" query reachable from a seller request.
//! This crate knows nothing of HTTP. It returns records (plain structs owned here) or
//! the storefront read model from `haat_domain::catalog`.

mod auth;
mod carts;
mod catalog;
mod discounts;
mod error;
mod events;
mod idempotency;
mod jobs;
mod orders;
mod payments;
mod products;
mod replicas;
mod rows;
mod search;
mod search_nodes;
mod stores;

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

pub use auth::{
    NewSession, OtpIssue, OtpLimits, OtpVerify, SellerRecord, SessionKind, SessionSeller,
};
pub use carts::{CartLine, CART_TTL_DAYS};
pub use discounts::{CheckoutSettingsPatch, DiscountRecord, NewDiscount};
pub use error::DbError;
pub use events::{
    CapturedChange, ConsumerLease, EventListener, LoggedEvent, OutboxLease, RelayRound,
};
pub use idempotency::{Created, IdempotencyKey};
pub use jobs::{
    enqueue_job_in, ClaimedJob, JobCounts, JobFailure, JobListener, JobRecord, JobSignal, NewJob,
    DEFAULT_MAX_ATTEMPTS, JOBS_CHANNEL,
};
pub use orders::{
    CheckoutError, Fulfilment, NewOrder, OrderEventRecord, OrderFilter, OrderItemRecord,
    OrderLineRequest, OrderNotification, OrderRecord, OrderRequestKey, OrderSummary, ShopStore,
    Transition,
};
pub use payments::{GatewayStatus, PaymentEvent, PaymentOutcome, PaymentRecord};
pub use products::{CategoryChoice, CategoryRecord, NewProduct, ProductPatch, ProductRecord};
pub use replicas::{Lsn, Reads, ReplicaSettings, ReplicaStatus};
pub use search::{FallbackQuery, FallbackResults, SearchProductRow};
pub use search_nodes::{ReindexProgress, ReindexRequest, SearchNodeReport, SearchNodeRow};
pub use stores::{StorePatch, StoreRecord};

/// Embedded migrations; each release only adds (expand) or removes what the previous
/// release no longer reads (contract), so rolling deploys never break.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

pub type Result<T, E = DbError> = std::result::Result<T, E>;

#[derive(Clone, Debug)]
pub struct PoolSettings {
    pub max_connections: u32,
    pub min_connections: u32,
    /// How long a request waits for a free connection before failing with `Unavailable`.
    pub acquire_timeout: Duration,
    /// Server-side cap on any one statement, so a runaway query cannot hold a connection.
    pub statement_timeout: Duration,
    /// The URL points at PgBouncer (session mode; docs/replicas.md says why not
    /// transaction mode): PgBouncer refuses the `options` startup parameter, so
    /// `statement_timeout` is set with `SET` on each new connection instead.
    pub pgbouncer: bool,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            max_connections: 16,
            min_connections: 1,
            acquire_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(15),
            pgbouncer: false,
        }
    }
}

/// A handle on the database: cheap to clone, shared by every request.
#[derive(Clone, Debug)]
pub struct Db {
    pool: PgPool,
}

/// Pool figures for the `/metrics` gauges.
#[derive(Clone, Copy, Debug)]
pub struct PoolStats {
    pub size: u32,
    pub idle: u32,
    pub max: u32,
}

impl Db {
    /// Connects lazily: the pool opens connections on first use, so a database that is
    /// down at start shows up in `/readyz` rather than as a crash.
    pub fn connect_lazy(url: &str, settings: &PoolSettings) -> Result<Db> {
        let options: PgConnectOptions = url.parse().map_err(DbError::Config)?;
        let statement_timeout = settings.statement_timeout.as_millis().to_string();
        let options = options.application_name("haat");
        let options = if settings.pgbouncer {
            options
        } else {
            options.options([("statement_timeout", statement_timeout.as_str())])
        };
        let set_timeout = settings
            .pgbouncer
            .then(|| format!("SET statement_timeout = {statement_timeout}"));
        let pool = PgPoolOptions::new()
            .after_connect(move |connection, _| {
                let set_timeout = set_timeout.clone();
                Box::pin(async move {
                    if let Some(statement) = set_timeout {
                        sqlx::Executor::execute(connection, statement.as_str()).await?;
                    }
                    Ok(())
                })
            })
            .max_connections(settings.max_connections)
            .min_connections(settings.min_connections)
            .acquire_timeout(settings.acquire_timeout)
            .idle_timeout(Duration::from_secs(600))
            .connect_lazy_with(options);
        Ok(Db { pool })
    }

    pub fn from_pool(pool: PgPool) -> Db {
        Db { pool }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub async fn migrate(&self) -> Result<()> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    /// True when the database answers and every embedded migration has been applied.
    pub async fn is_ready(&self) -> Result<bool> {
        let applied: Vec<(i64,)> =
            sqlx::query_as("SELECT version FROM _sqlx_migrations WHERE success")
                .fetch_all(&self.pool)
                .await
                .or_else(|error| match &error {
                    // No migrations table yet: reachable but not migrated.
                    sqlx::Error::Database(db) if db.code().as_deref() == Some("42P01") => {
                        Ok(Vec::new())
                    }
                    _ => Err(error),
                })?;
        let ready = MIGRATOR
            .iter()
            .all(|migration| applied.iter().any(|(v,)| *v == migration.version));
        Ok(ready)
    }

    pub fn pool_stats(&self) -> PoolStats {
        PoolStats {
            size: self.pool.size(),
            idle: self.pool.num_idle() as u32,
            max: self.pool.options().get_max_connections(),
        }
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}
