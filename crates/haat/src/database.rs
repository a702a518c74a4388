//! Finding the system of record: the server at `HAAT_DATABASE_URL`, or an embedded
//! PostgreSQL cluster that Haat creates and runs under its data directory.

use std::path::Path;

use anyhow::Context;
use haat_db::{Db, PoolSettings, Reads, ReplicaSettings};
use haat_pgembed::{Cluster, ClusterOptions, PgBinaries};
use secrecy::{ExposeSecret, SecretString};
use sqlx::Connection;

use crate::config::Config;

/// The database Haat talks to, and the embedded cluster if Haat runs one.
pub struct Database {
    pub db: Db,
    cluster: Option<Cluster>,
    url: SecretString,
}

const EMBEDDED_DATABASE: &str = "haat";

impl Database {
    /// Connects (starting the embedded cluster if needed) and applies migrations.
    pub async fn open(config: &Config) -> anyhow::Result<Database> {
        let (url, cluster) = match &config.database_url {
            Some(url) => (url.expose_secret().to_owned(), None),
            None => {
                let cluster = start_embedded(&config.data_dir).await?;
                let url = cluster.connection_url(EMBEDDED_DATABASE);
                (url, Some(cluster))
            }
        };
        let settings = PoolSettings {
            max_connections: config.database_max_connections,
            pgbouncer: config.database_pgbouncer,
            ..PoolSettings::default()
        };
        let db = Db::connect_lazy(&url, &settings).context("invalid database url")?;
        db.migrate().await.context("applying database migrations")?;
        Ok(Database {
            db,
            cluster,
            url: SecretString::from(url),
        })
    }

    /// The connection URL (for tools such as `pgbench` run against the same database).
    pub fn connection_url(&self) -> &SecretString {
        &self.url
    }

    /// For one-shot commands (`migrate`, `demo`, `status`, `relay`) that may run beside
    /// a `haat serve` on the same data directory: closes the pool and stops the embedded
    /// cluster only if this process started it, never one a server is using.
    pub async fn close_if_started(self) {
        let started = self.cluster.as_ref().is_some_and(Cluster::started_by_us);
        if started {
            self.close().await;
        } else {
            self.db.close().await;
        }
    }

    /// Closes the pool, then stops the embedded cluster cleanly.
    pub async fn close(self) {
        self.db.close().await;
        if let Some(cluster) = self.cluster {
            let result = tokio::task::spawn_blocking(move || cluster.stop()).await;
            match result {
                Ok(Ok(())) => tracing::info!("embedded postgresql stopped"),
                Ok(Err(error)) => tracing::error!(%error, "stopping embedded postgresql failed"),
                Err(error) => tracing::error!(%error, "stopping embedded postgresql panicked"),
            }
        }
    }
}

async fn start_embedded(data_dir: &Path) -> anyhow::Result<Cluster> {
    let dir = data_dir.join("postgres");
    let cluster = tokio::task::spawn_blocking(move || -> anyhow::Result<Cluster> {
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let binaries = PgBinaries::find()?;
        let cluster = Cluster::start(
            &binaries,
            ClusterOptions {
                dir,
                superuser: "haat".to_owned(),
                extra_settings: Vec::new(),
            },
        )?;
        Ok(cluster)
    })
    .await??;
    tracing::info!(
        started = cluster.started_by_us(),
        "embedded postgresql is running"
    );
    ensure_database(&cluster.connection_url("postgres"), EMBEDDED_DATABASE).await?;
    Ok(cluster)
}

/// Creates `name` on the server if it does not exist.
pub async fn ensure_database(maintenance_url: &str, name: &str) -> anyhow::Result<()> {
    let mut connection = sqlx::PgConnection::connect(maintenance_url)
        .await
        .context("connecting to postgresql")?;
    let exists: Option<(i32,)> = sqlx::query_as("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(name)
        .fetch_optional(&mut connection)
        .await?;
    if exists.is_none() {
        // Identifiers cannot be bound; `name` is a constant of ours, quoted anyway.
        let statement = format!("CREATE DATABASE \"{}\"", name.replace('"', "\"\""));
        sqlx::query(&statement).execute(&mut connection).await?;
    }
    connection.close().await?;
    Ok(())
}

/// Where reads that may be slightly stale go: the replicas of
/// `HAAT_DATABASE_REPLICA_URLS` (watched by [`Reads::monitor`], which the caller runs),
/// or the primary alone.
pub fn reads(config: &Config, primary: &Db) -> anyhow::Result<Reads> {
    let urls = config.replica_urls();
    if urls.is_empty() {
        return Ok(Reads::primary_only(primary.clone()));
    }
    let settings = PoolSettings {
        max_connections: config.database_max_connections,
        // A replica that cannot give a connection quickly is skipped, not waited for.
        acquire_timeout: std::time::Duration::from_secs(1),
        pgbouncer: config.database_pgbouncer,
        ..PoolSettings::default()
    };
    let mut replicas = Vec::with_capacity(urls.len());
    for (index, url) in urls.iter().enumerate() {
        let db = Db::connect_lazy(url, &settings).with_context(|| {
            format!(
                "HAAT_DATABASE_REPLICA_URLS: replica {} is not a valid URL",
                index + 1
            )
        })?;
        let mut name = replica_name(url, index);
        if replicas.iter().any(|(known, _)| *known == name) {
            // Names label metrics: two replicas must never share one.
            name = format!("{name}#{}", index + 1);
        }
        replicas.push((name, db));
    }
    let replica_settings = ReplicaSettings {
        max_lag: std::time::Duration::from_millis(config.replica_max_lag_ms.max(1)),
        poll_interval: std::time::Duration::from_millis(config.replica_poll_ms.max(10)),
        ..ReplicaSettings::default()
    };
    Ok(Reads::new(primary.clone(), replicas, replica_settings))
}

/// `host:port/database` (or the socket directory), never the user or password: the
/// name shown in metrics, logs and `haat status`.
fn replica_name(url: &str, index: usize) -> String {
    let Ok(parsed) = url::Url::parse(url) else {
        return format!("replica-{}", index + 1);
    };
    // A `host` parameter (a Unix socket directory) is where libpq and sqlx connect,
    // whatever the URL's host says.
    let host = parsed
        .query_pairs()
        .find(|(key, _)| key == "host")
        .map(|(_, value)| value.into_owned())
        .or_else(|| {
            parsed
                .host_str()
                .filter(|host| !host.is_empty())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| format!("replica-{}", index + 1));
    let port = parsed
        .port()
        .map(|port| port.to_string())
        .or_else(|| {
            parsed
                .query_pairs()
                .find(|(key, _)| key == "port")
                .map(|(_, value)| value.into_owned())
        })
        .unwrap_or_else(|| "5432".to_owned());
    format!("{host}:{port}{}", parsed.path())
}

#[cfg(test)]
mod tests {
    use super::replica_name;

    #[test]
    fn replica_names_never_carry_credentials() {
        assert_eq!(
            replica_name("postgres://haat:hunter2@db-replica-1:5433/haat", 0),
            "db-replica-1:5433/haat"
        );
        assert_eq!(
            replica_name(
                "postgres:///haat?host=/run/pg&port=5499&user=u&password=p",
                1
            ),
            "/run/pg:5499/haat"
        );
        assert_eq!(replica_name("not a url", 2), "replica-3");
    }
}
