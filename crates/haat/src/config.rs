//! Typed, layered configuration: defaults → optional TOML file (`--config` or
//! `HAAT_CONFIG`) → `HAAT_*` environment variables. Secrets are wrapped so they never
//! print, not even in `Debug`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use url::Url;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    #[default]
    Development,
    Production,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmsProvider {
    #[default]
    File,
    Webhook,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Json,
    Pretty,
}

/// Every setting, with its `HAAT_<NAME>` environment variable.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// `HAAT_ENV`: development (default) or production.
    pub env: Environment,
    /// `HAAT_LISTEN`: address to listen on.
    pub listen: SocketAddr,
    /// `HAAT_PUBLIC_URL`: base of every absolute link; default `http://<listen>`.
    pub public_url: Option<Url>,
    /// `HAAT_DATA_DIR`: embedded database, media, SMS outbox and generated secret.
    pub data_dir: PathBuf,
    /// `HAAT_DATABASE_URL`: use this PostgreSQL server instead of the embedded one.
    #[serde(serialize_with = "serialize_secret_option")]
    pub database_url: Option<SecretString>,
    /// `HAAT_DATABASE_MAX_CONNECTIONS`
    pub database_max_connections: u32,
    /// `HAAT_DATABASE_REPLICA_URLS`: streaming replicas of the primary, comma-separated.
    /// Reads that may be slightly stale go to them, with read-your-writes for sellers
    /// (docs/replicas.md, ADR 0022).
    #[serde(serialize_with = "serialize_secret_option")]
    pub database_replica_urls: Option<SecretString>,
    /// `HAAT_REPLICA_MAX_LAG_MS`: a replica further behind stops receiving reads until
    /// it is within half of this again.
    pub replica_max_lag_ms: u64,
    /// `HAAT_REPLICA_POLL_MS`: how often replica positions are sampled.
    pub replica_poll_ms: u64,
    /// `HAAT_DATABASE_PGBOUNCER`: the URLs point at PgBouncer in session mode: no
    /// startup options, `statement_timeout` set per connection (docs/replicas.md says
    /// why transaction mode does not work).
    pub database_pgbouncer: bool,
    /// `HAAT_SECRET_KEY`: keys code hashes and CSRF tokens; every api process of a fleet
    /// must share it. Default: generated once into `<data dir>/secret.key`.
    #[serde(serialize_with = "serialize_secret_option")]
    pub secret_key: Option<SecretString>,
    /// `HAAT_SMS_PROVIDER`: file (default outside production) or webhook.
    pub sms_provider: SmsProvider,
    /// `HAAT_SMS_OUTBOX`: default `<data dir>/sms-outbox.jsonl`.
    pub sms_outbox: Option<PathBuf>,
    /// `HAAT_SMS_WEBHOOK_URL`
    pub sms_webhook_url: Option<String>,
    /// `HAAT_SMS_WEBHOOK_SECRET`
    #[serde(serialize_with = "serialize_secret_option")]
    pub sms_webhook_secret: Option<SecretString>,
    /// `HAAT_MEDIA_DIR`: local media storage; default `<data dir>/media`.
    pub media_dir: Option<PathBuf>,
    /// `HAAT_MEDIA_BASE_URL`: where media is served from (a CDN); default `<public url>/media`.
    pub media_base_url: Option<Url>,
    /// `HAAT_MEDIA_S3_BUCKET` (with `_REGION`, `_ENDPOINT`, `_ACCESS_KEY_ID`,
    /// `_SECRET_ACCESS_KEY`): store media in S3-compatible storage instead of local disk.
    pub media_s3_bucket: Option<String>,
    pub media_s3_region: Option<String>,
    pub media_s3_endpoint: Option<String>,
    pub media_s3_access_key_id: Option<String>,
    #[serde(serialize_with = "serialize_secret_option")]
    pub media_s3_secret_access_key: Option<SecretString>,
    /// `HAAT_LOG_FORMAT`: json (default) or pretty. `RUST_LOG` filters.
    pub log_format: LogFormat,
    /// `HAAT_REQUEST_TIMEOUT_SECS`
    pub request_timeout_secs: u64,
    /// `HAAT_DRAIN_DELAY_MS`: on shutdown, how long `/readyz` fails before the listener
    /// closes, so a balancer stops sending traffic first.
    pub drain_delay_ms: u64,
    /// `HAAT_TRUST_FORWARDED_FOR`: take the client address from `X-Forwarded-For`
    /// (only behind a proxy that sets it).
    pub trust_forwarded_for: bool,
    /// `HAAT_PAYMENTS_WEBHOOK_SECRET`: the shared secret that signs payment gateway
    /// webhooks (`docs/payments.md`). Without it the webhook endpoint refuses every
    /// delivery. `haat serve --demo` generates one for its test gateway.
    #[serde(serialize_with = "serialize_secret_option")]
    pub payments_webhook_secret: Option<SecretString>,
    /// `HAAT_PAYMENTS_TEST_GATEWAY_URL`: a test gateway's base URL (the `haat
    /// fake-gateway`); order pages then offer "Pay with the test gateway". Refused in
    /// production.
    pub payments_test_gateway_url: Option<Url>,
    /// `HAAT_JOBS_WORKERS`: background jobs run concurrently by this process (0 turns
    /// the worker off, e.g. on storefront-only processes).
    pub jobs_workers: u32,
    /// `HAAT_EVENT_LOG`: where the relay puts captured changes — unset for the
    /// PostgreSQL event log (the embedded default), or `nats://host:port` for NATS
    /// JetStream (docs/events.md).
    pub event_log: Option<Url>,
    /// `HAAT_CACHE_MEMORY_MB`: memory for rendered storefront pages in each storefront
    /// process (0 turns the page cache off). docs/FRESHNESS.md.
    pub cache_memory_mb: u64,
    /// `HAAT_CACHE_TTL_SECS`: safety-net expiry of a cached page; freshness comes from
    /// the event log, not from this.
    pub cache_ttl_secs: u64,
    /// `HAAT_REDIS_URL`: a Redis shared by every storefront process as the second cache
    /// level, e.g. `redis://127.0.0.1:6379/`. Optional; Haat runs without it.
    #[serde(serialize_with = "serialize_secret_option")]
    pub redis_url: Option<SecretString>,
    /// `HAAT_NODE_NAME`: how this process names itself to the fleet (`haat status`, the
    /// reindex command's progress); default `<hostname>:<data dir>`, since a data dir
    /// holds one node's search index.
    pub node_name: Option<String>,
    /// `HAAT_SEARCH_SNAPSHOT`: a snapshot file (`haat search snapshot`) a node with no
    /// search index of its own starts from, following the event log from the
    /// snapshot's position instead of reading every product from PostgreSQL.
    pub search_snapshot: Option<PathBuf>,
}

fn serialize_secret_option<S: serde::Serializer>(
    value: &Option<SecretString>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(secret) => serializer.serialize_some(secret.expose_secret()),
        None => serializer.serialize_none(),
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            env: Environment::Development,
            listen: "127.0.0.1:8080".parse().expect("valid literal"),
            public_url: None,
            data_dir: PathBuf::from(".haat"),
            database_url: None,
            database_max_connections: 16,
            database_replica_urls: None,
            replica_max_lag_ms: 5_000,
            replica_poll_ms: 250,
            database_pgbouncer: false,
            secret_key: None,
            sms_provider: SmsProvider::File,
            sms_outbox: None,
            sms_webhook_url: None,
            sms_webhook_secret: None,
            media_dir: None,
            media_base_url: None,
            media_s3_bucket: None,
            media_s3_region: None,
            media_s3_endpoint: None,
            media_s3_access_key_id: None,
            media_s3_secret_access_key: None,
            log_format: LogFormat::Json,
            request_timeout_secs: 30,
            drain_delay_ms: 1000,
            trust_forwarded_for: false,
            payments_webhook_secret: None,
            payments_test_gateway_url: None,
            jobs_workers: 4,
            event_log: None,
            cache_memory_mb: 64,
            cache_ttl_secs: 300,
            redis_url: None,
            node_name: None,
            search_snapshot: None,
        }
    }
}

impl Config {
    /// Loads the layers; `file` is the `--config` path, else `HAAT_CONFIG` if set.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        let file = file
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os("HAAT_CONFIG").map(PathBuf::from));
        if let Some(path) = &file {
            if !path.exists() {
                bail!("config file {} does not exist", path.display());
            }
            figment = figment.merge(Toml::file(path));
        }
        figment = figment.merge(Env::prefixed("HAAT_").ignore(&["config"]));
        let mut config: Config = figment.extract().context("invalid configuration")?;
        config.data_dir = absolute(&config.data_dir)?;
        if config.is_production() && config.payments_test_gateway_url.is_some() {
            bail!("HAAT_PAYMENTS_TEST_GATEWAY_URL cannot be set when HAAT_ENV=production");
        }
        Ok(config)
    }

    pub fn is_production(&self) -> bool {
        self.env == Environment::Production
    }

    pub fn public_url(&self) -> Url {
        self.public_url.clone().unwrap_or_else(|| {
            format!("http://{}/", self.listen)
                .parse()
                .expect("socket address forms a valid url")
        })
    }

    pub fn media_base_url(&self) -> Url {
        self.media_base_url.clone().unwrap_or_else(|| {
            self.public_url()
                .join("media/")
                .expect("relative join on a base url")
        })
    }

    pub fn sms_outbox(&self) -> PathBuf {
        self.sms_outbox
            .clone()
            .unwrap_or_else(|| self.data_dir.join("sms-outbox.jsonl"))
    }

    /// Where this node's search index lives.
    pub fn search_index_dir(&self) -> PathBuf {
        self.data_dir.join("search").join("index")
    }

    /// [`Config::node_name`], or `<hostname>:<data dir>`.
    pub fn node_name(&self) -> String {
        if let Some(name) = self
            .node_name
            .as_deref()
            .filter(|name| !name.trim().is_empty())
        {
            return name.trim().to_owned();
        }
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|name| name.trim().to_owned())
            .ok()
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| "localhost".to_owned());
        let dir = std::path::absolute(&self.data_dir).unwrap_or_else(|_| self.data_dir.clone());
        format!("{host}:{}", dir.display())
    }

    /// [`Config::database_replica_urls`], split.
    pub fn replica_urls(&self) -> Vec<String> {
        self.database_replica_urls
            .as_ref()
            .map(|urls| {
                urls.expose_secret()
                    .split(',')
                    .map(str::trim)
                    .filter(|url| !url.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn media_dir(&self) -> PathBuf {
        self.media_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("media"))
    }
}

fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    if path.is_absolute() {
        return Ok(path.to_path_buf());
    }
    Ok(std::env::current_dir()
        .context("cannot read the current directory")?
        .join(path))
}

#[cfg(test)]
// figment's `Jail` closures return its own (large) error type; not ours to shrink.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let config = Config {
            database_url: Some(SecretString::from("postgres://u:hunter2@db/haat")),
            secret_key: Some(SecretString::from("topsecret")),
            ..Config::default()
        };
        let printed = format!("{config:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(!printed.contains("topsecret"), "{printed}");
    }

    #[test]
    fn layers_apply_in_order_defaults_file_environment() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "haat.toml",
                "listen = \"127.0.0.1:9000\"\ndata_dir = \"/srv/haat\"\nsms_provider = \"webhook\"\n",
            )?;
            jail.set_env("HAAT_DATA_DIR", "/var/lib/haat");
            jail.set_env("HAAT_PUBLIC_URL", "https://shop.example/");
            let config = Config::load(Some(Path::new("haat.toml"))).expect("loads");
            // From the file.
            assert_eq!(config.listen.port(), 9000);
            assert_eq!(config.sms_provider, SmsProvider::Webhook);
            // The environment wins over the file.
            assert_eq!(config.data_dir, PathBuf::from("/var/lib/haat"));
            assert_eq!(config.public_url().as_str(), "https://shop.example/");
            assert_eq!(
                config.media_base_url().as_str(),
                "https://shop.example/media/"
            );
            // Defaults fill the rest.
            assert_eq!(config.request_timeout_secs, 30);
            Ok(())
        });
    }

    #[test]
    fn bad_values_are_refused_with_the_setting_named() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("HAAT_LISTEN", "not-an-address");
            let error = Config::load(None).expect_err("refused");
            let message = format!("{error:#}");
            assert!(message.contains("LISTEN"), "{message}");
            Ok(())
        });
    }

    #[test]
    fn derived_urls() {
        let config = Config::default();
        assert_eq!(config.public_url().as_str(), "http://127.0.0.1:8080/");
        assert_eq!(
            config.media_base_url().as_str(),
            "http://127.0.0.1:8080/media/"
        );
    }
}
