//! The shared level: pages in Redis (`HAAT_REDIS_URL`), so a node that has not built a
//! page yet can take another node's copy. Every call has a timeout and goes through a
//! circuit breaker; a failure only ever means "not in the shared level".

use std::sync::RwLock;
use std::time::Duration;

use bytes::Bytes;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::AsyncCommands;

use crate::breaker::Breaker;
use crate::page::CachedPage;

#[derive(Clone, Debug)]
pub struct RedisSettings {
    pub url: String,
    /// Per command (and per connection attempt).
    pub timeout: Duration,
    /// Failures in a row that open the breaker.
    pub failures_to_trip: u32,
    /// How long the breaker stays open before a trial.
    pub cooldown: Duration,
    /// Expiry of every key: a safety net, freshness comes from change sequences.
    pub ttl: Duration,
    /// Prefix of every key (lets several deployments share one Redis).
    pub prefix: String,
}

impl RedisSettings {
    pub fn new(url: impl Into<String>) -> RedisSettings {
        RedisSettings {
            url: url.into(),
            timeout: Duration::from_millis(100),
            failures_to_trip: 3,
            cooldown: Duration::from_secs(2),
            ttl: Duration::from_secs(600),
            prefix: "haat:page:1:".to_owned(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("redis: {0}")]
pub struct SharedError(String);

pub struct SharedTier {
    client: redis::Client,
    connection: RwLock<Option<ConnectionManager>>,
    breaker: Breaker,
    settings: RedisSettings,
}

impl std::fmt::Debug for SharedTier {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("SharedTier")
            .field("breaker", &self.breaker)
            .finish_non_exhaustive()
    }
}

impl SharedTier {
    /// Checks the URL; connects lazily, so a Redis that is down at start-up is only a
    /// cold shared level, never a failed start.
    pub fn new(settings: RedisSettings) -> Result<SharedTier, SharedError> {
        let client =
            redis::Client::open(settings.url.as_str()).map_err(|e| SharedError(e.to_string()))?;
        Ok(SharedTier {
            client,
            connection: RwLock::new(None),
            breaker: Breaker::new("redis", settings.failures_to_trip, settings.cooldown),
            settings,
        })
    }

    pub fn is_open(&self) -> bool {
        self.breaker.is_open()
    }

    async fn connection(&self) -> Result<ConnectionManager, String> {
        if let Some(connection) = self
            .connection
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
        {
            return Ok(connection);
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(self.settings.timeout)
            .set_response_timeout(self.settings.timeout)
            .set_number_of_retries(1);
        let connection = tokio::time::timeout(
            self.settings.timeout * 2,
            ConnectionManager::new_with_config(self.client.clone(), config),
        )
        .await
        .map_err(|_| "connect timed out".to_owned())?
        .map_err(|error| error.to_string())?;
        *self
            .connection
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(connection.clone());
        Ok(connection)
    }

    /// Runs one command under the timeout and the breaker; `None` when skipped or failed.
    async fn call<T, F, Fut>(&self, op: &'static str, command: F) -> Option<T>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: std::future::Future<Output = redis::RedisResult<T>>,
    {
        if !self.breaker.allow() {
            metrics::counter!("haat_cache_redis_calls_total", "op" => op, "outcome" => "skipped")
                .increment(1);
            return None;
        }
        let outcome = match self.connection().await {
            Ok(connection) => {
                match tokio::time::timeout(self.settings.timeout, command(connection)).await {
                    Ok(Ok(value)) => Ok(value),
                    Ok(Err(error)) => Err(error.to_string()),
                    Err(_) => Err("timed out".to_owned()),
                }
            }
            Err(error) => Err(error),
        };
        match outcome {
            Ok(value) => {
                self.breaker.success();
                metrics::counter!("haat_cache_redis_calls_total", "op" => op, "outcome" => "ok")
                    .increment(1);
                Some(value)
            }
            Err(reason) => {
                metrics::counter!("haat_cache_redis_calls_total", "op" => op, "outcome" => "error")
                    .increment(1);
                // Start over with a new connection on the next (trial) call rather than
                // wait on the old one's own reconnection.
                *self
                    .connection
                    .write()
                    .unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
                tracing::debug!(op, reason, "redis call failed");
                self.breaker.failure(&reason);
                None
            }
        }
    }

    /// Asks Redis directly (no breaker), for `haat status`.
    pub async fn ping(&self) -> Result<(), String> {
        let mut connection = self.connection().await?;
        let answer = tokio::time::timeout(
            self.settings.timeout * 10,
            redis::cmd("PING").query_async::<String>(&mut connection),
        )
        .await
        .map_err(|_| "no answer in time".to_owned())?;
        answer.map(|_| ()).map_err(|error| error.to_string())
    }

    /// The shared copy of `key`, if Redis has one and answers in time.
    pub async fn get(&self, key: &str) -> Option<CachedPage> {
        let full = format!("{}{key}", self.settings.prefix);
        let bytes: Option<Vec<u8>> = self
            .call("get", |mut connection| async move {
                connection.get::<_, Option<Vec<u8>>>(full).await
            })
            .await
            .flatten();
        let page = CachedPage::decode(&Bytes::from(bytes?));
        if page.is_none() {
            metrics::counter!("haat_cache_redis_calls_total", "op" => "get", "outcome" => "undecodable")
                .increment(1);
        }
        page
    }

    /// Stores `page` under `key` with the safety-net expiry.
    pub async fn put(&self, key: &str, page: &CachedPage) {
        let full = format!("{}{key}", self.settings.prefix);
        let value = page.encode();
        let ttl = self.settings.ttl.as_secs().max(1);
        self.call("set", |mut connection| async move {
            connection.set_ex::<_, _, ()>(full, value, ttl).await
        })
        .await;
    }
}
