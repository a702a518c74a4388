//! Test support shared by every crate's tests: one real PostgreSQL cluster per test run,
//! a template database migrated once, and a fresh database per test cloned from it
//! (`CREATE DATABASE … TEMPLATE …` takes milliseconds).
//!
//! The cluster lives in a fixed directory under the system temp dir, derived from the
//! workspace path, so every test process of a run shares it: the first one starts it,
//! the others attach (haat-pgembed serialises that with a lock file). `cargo xtask test`
//! wipes it before a run and stops it after. Durability settings are off here only:
//! test databases are disposable.

pub mod exif;
pub mod haproxy;
pub mod nats;
pub mod png;
pub mod redis;
pub mod replica;
pub mod seed;
pub mod server;

use std::path::PathBuf;
use std::sync::OnceLock;

use haat_pgembed::{Cluster, ClusterOptions, PgBinaries};
use sha2::{Digest, Sha256};
use sqlx::{Connection, PgConnection};

/// Where the shared test cluster lives for this workspace.
pub fn cluster_dir() -> PathBuf {
    let workspace = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let digest = Sha256::digest(workspace.as_bytes());
    std::env::temp_dir().join(format!("haat-test-pg-{}", &hex::encode(digest)[..12]))
}

fn cluster_options() -> ClusterOptions {
    let settings = [
        ("fsync", "off"),
        ("synchronous_commit", "off"),
        ("full_page_writes", "off"),
        ("max_connections", "300"),
        ("shared_buffers", "128MB"),
    ];
    ClusterOptions {
        dir: cluster_dir(),
        superuser: "haat".to_owned(),
        extra_settings: settings
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    }
}

/// Starts (or attaches to) the shared cluster; blocking, call from a plain thread.
pub fn shared_cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(|| {
        let binaries = PgBinaries::find().expect("PostgreSQL server binaries are needed for tests");
        Cluster::start(&binaries, cluster_options()).expect("starting the test cluster")
    })
}

/// Stops the shared cluster (used by `cargo xtask test` after the run).
pub fn stop_shared_cluster() -> Result<(), haat_pgembed::Error> {
    let binaries = PgBinaries::find()?;
    let dir = cluster_dir();
    if !dir.join("data").join("PG_VERSION").exists() {
        return Ok(());
    }
    Cluster::start(&binaries, cluster_options())?.stop()
}

fn template_name() -> String {
    let mut hasher = Sha256::new();
    for migration in haat_db::MIGRATOR.iter() {
        hasher.update(migration.version.to_le_bytes());
        hasher.update(&migration.checksum);
    }
    format!("haat_template_{}", &hex::encode(hasher.finalize())[..16])
}

/// A fresh, migrated database for one test; returns its connection URL.
pub async fn fresh_database() -> String {
    let cluster = tokio::task::spawn_blocking(shared_cluster)
        .await
        .expect("cluster start panicked");
    let maintenance_url = cluster.connection_url("postgres");
    let template = template_name();
    let mut connection = PgConnection::connect(&maintenance_url)
        .await
        .expect("connecting to the test cluster");
    // One process builds the template; the others wait on the lock, then clone it.
    sqlx::query("SELECT pg_advisory_lock(424242)")
        .execute(&mut connection)
        .await
        .expect("advisory lock");
    let ready: Option<(bool,)> =
        sqlx::query_as("SELECT datistemplate FROM pg_database WHERE datname = $1")
            .bind(&template)
            .fetch_optional(&mut connection)
            .await
            .expect("checking the template");
    if !matches!(ready, Some((true,))) {
        if ready.is_some() {
            sqlx::query(&format!("DROP DATABASE \"{template}\""))
                .execute(&mut connection)
                .await
                .expect("dropping a half-made template");
        }
        sqlx::query(&format!("CREATE DATABASE \"{template}\""))
            .execute(&mut connection)
            .await
            .expect("creating the template");
        let mut template_connection = PgConnection::connect(&cluster.connection_url(&template))
            .await
            .expect("connecting to the template");
        haat_db::MIGRATOR
            .run(&mut template_connection)
            .await
            .expect("migrating the template");
        template_connection.close().await.ok();
        sqlx::query(&format!("ALTER DATABASE \"{template}\" IS_TEMPLATE true"))
            .execute(&mut connection)
            .await
            .expect("marking the template");
    }
    sqlx::query("SELECT pg_advisory_unlock(424242)")
        .execute(&mut connection)
        .await
        .expect("advisory unlock");
    let name = format!("test_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!(
        "CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""
    ))
    .execute(&mut connection)
    .await
    .expect("cloning the template");
    connection.close().await.ok();
    cluster.connection_url(&name)
}
