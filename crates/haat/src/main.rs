//! `haat`: one binary, several roles. See `haat --help`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use haat::app::{build_app, Limits, Role};
use haat::config::Config;
use haat::database::Database;
use haat::{demo, telemetry};
use haat_http::{serve, shutdown_signal};

/// mimalloc instead of glibc's allocator: a request allocates and frees many small
/// buffers on two threads, where glibc's arenas showed up as ~10% of a profile of the
/// cached store page (ADR 0017).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "haat",
    version,
    about = "Haat: an online store from a phone number"
)]
struct Cli {
    /// A TOML configuration file (settings as in `HAAT_*`, lowercase without the prefix).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
#[allow(
    clippy::large_enum_variant,
    reason = "parsed once at start; boxing would only add noise"
)]
enum Command {
    /// Run every role in one process.
    Serve {
        /// Seed the demo stores first (idempotent).
        #[arg(long)]
        demo: bool,
    },
    /// Run the seller API, dashboard and auth only.
    Api,
    /// Run the public storefront (store pages and media) only.
    Storefront,
    /// Apply database migrations and exit.
    Migrate,
    /// Seed the demo stores and exit.
    Demo,
    /// Print the health of every part: database, relay and event log, consumers' lag,
    /// background jobs, payment webhooks. Exits non-zero when something is unhealthy.
    Status,
    /// Search: rebuild it from the database on every node, or snapshot and restore a
    /// node's index (docs/search.md).
    Search {
        #[command(subcommand)]
        command: SearchCommand,
    },
    /// Staging data: generate realistic, seeded data at production scale.
    Data {
        #[command(subcommand)]
        command: DataCommand,
    },
    /// Copy a database to a staging database with every personal field replaced by
    /// consistent fake values; stops on any column it does not know (docs/staging.md).
    Sanitize(haat_staging::sanitize::SanitizeArgs),
    /// Run only the relay that moves captured changes into the event log (every
    /// `serve`/`api` process runs one too; one at a time is elected).
    Relay,
    /// Run a fake payment gateway that sends signed `haatpay` webhooks (tests, demos;
    /// see docs/payments.md). The secret is `HAAT_PAYMENTS_WEBHOOK_SECRET`.
    FakeGateway {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8090")]
        listen: std::net::SocketAddr,
        /// Haat's webhook endpoint.
        #[arg(
            long,
            default_value = "http://127.0.0.1:8080/api/v1/payments/webhooks/haatpay"
        )]
        webhook_url: url::Url,
        /// Haat's public URL: the gateway's pay page only redirects back there.
        #[arg(long)]
        haat_url: Option<url::Url>,
    },
}

#[derive(Subcommand)]
enum DataCommand {
    /// Fill this Haat's database with seeded stores (a long tail of sizes), products,
    /// photos and order history, with a progress bar (docs/staging.md).
    Generate(haat_staging::generate::GenerateArgs),
}

#[derive(Subcommand)]
enum SearchCommand {
    /// Rebuild search from the database on every running node (or, with none running,
    /// this data directory's index), with a progress bar. Search stays online: each
    /// node swaps its rebuilt index in with one commit.
    Reindex {
        /// Only this store (slug or id).
        #[arg(long)]
        store: Option<String>,
    },
    /// Write a snapshot of this data directory's index (a running node may be using it),
    /// for a new node's `HAAT_SEARCH_SNAPSHOT` or `haat search restore`.
    Snapshot {
        #[arg(long)]
        to: PathBuf,
    },
    /// Replace this data directory's index with a snapshot (its node must be stopped);
    /// the node then follows the event log from the snapshot's position.
    Restore {
        #[arg(long)]
        from: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("haat: {error:#}");
            return ExitCode::from(2);
        }
    };
    // Flushes queued log lines when `main` returns, after the runtime has stopped.
    let _logs = telemetry::init(config.log_format);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("haat: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run(cli.command, config));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "haat failed");
            eprintln!("haat: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve { demo } => run_server(config, Role::All, demo).await,
        Command::Api => run_server(config, Role::Api, false).await,
        Command::Storefront => run_server(config, Role::Storefront, false).await,
        Command::Migrate => {
            let database = Database::open(&config).await?;
            println!("migrations applied");
            database.close_if_started().await;
            Ok(())
        }
        Command::FakeGateway {
            listen,
            webhook_url,
            haat_url,
        } => {
            let secret = config
                .payments_webhook_secret
                .as_ref()
                .map(|s| secrecy::ExposeSecret::expose_secret(s).to_owned())
                .context("set HAAT_PAYMENTS_WEBHOOK_SECRET to the secret Haat verifies with")?;
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("cannot listen on {listen}"))?;
            println!("fake payment gateway on http://{}", listener.local_addr()?);
            haat_payments::fake::serve_fake_gateway(
                listener,
                haat_payments::fake::FakeGatewaySettings {
                    webhook_url,
                    secret,
                    haat_url,
                },
                shutdown_signal(),
            )
            .await?;
            Ok(())
        }
        Command::Demo => {
            let database = Database::open(&config).await?;
            let result = demo::seed(&database.db, &config).await;
            database.close_if_started().await;
            let summary = result?;
            println!("{summary}");
            Ok(())
        }
        Command::Search { command } => run_search(command, &config).await,
        Command::Data {
            command: DataCommand::Generate(args),
        } => {
            let database = Database::open(&config).await?;
            let result = async {
                let media = haat::app::media_store(&config).context("opening media storage")?;
                haat_staging::generate::run(&args, &database.db, &media).await
            }
            .await;
            database.close_if_started().await;
            let generated = result?;
            println!("{generated}");
            Ok(())
        }
        Command::Sanitize(args) => {
            let sanitized = haat_staging::sanitize::run(&args).await?;
            println!("{sanitized}");
            Ok(())
        }
        Command::Relay => {
            let database = Database::open(&config).await?;
            let target = haat::relay::Target::from_config(config.event_log.as_ref()).await?;
            tracing::info!(
                relay.nats = matches!(target, haat::relay::Target::Nats(_)),
                "relay started"
            );
            haat::relay::run(
                database.db.clone(),
                target,
                haat::relay::RelaySettings::default(),
                haat_http::shutdown_signal(),
            )
            .await;
            database.close_if_started().await;
            Ok(())
        }
        Command::Status => {
            let database = Database::open(&config).await?;
            let mut parts = haat::status::Parts::from_config(&config).await;
            parts.replicas = Some(haat::database::reads(&config, &database.db)?);
            let report = haat::status::report_with(&database.db, &parts).await;
            database.close_if_started().await;
            print!("{}", report.render());
            if report.healthy() {
                Ok(())
            } else {
                anyhow::bail!("some parts are unhealthy")
            }
        }
    }
}

async fn run_search(command: SearchCommand, config: &Config) -> anyhow::Result<()> {
    match command {
        SearchCommand::Reindex { store } => {
            let database = Database::open(config).await?;
            let result = async {
                let store = match store {
                    Some(store) => Some(resolve_store(&database.db, &store).await?),
                    None => None,
                };
                let settings = haat::search::WatchSettings::default();
                tokio::select! {
                    outcome = haat::search::reindex(config, &database.db, store, &settings) => outcome,
                    _ = tokio::signal::ctrl_c() => anyhow::bail!(
                        "stopped watching; the nodes carry the request out all the same"
                    ),
                }
            }
            .await;
            database.close_if_started().await;
            let outcome = result?;
            print!("{}", outcome.render());
            if outcome.succeeded() {
                Ok(())
            } else {
                anyhow::bail!("some nodes did not finish the reindex")
            }
        }
        SearchCommand::Snapshot { to } => {
            let info = haat::search::snapshot(config, &to)?;
            println!(
                "snapshot of {} products ({} bytes) at log position {} written to {}",
                info.products,
                info.bytes,
                info.checkpoint.map_or(0, |c| c.position),
                to.display()
            );
            Ok(())
        }
        SearchCommand::Restore { from } => {
            let info = haat::search::restore(config, &from)?;
            println!(
                "search index restored: {} products at log position {}; the node follows the log from there",
                info.products,
                info.checkpoint.map_or(0, |c| c.position),
            );
            Ok(())
        }
    }
}

/// A store named by id or slug.
async fn resolve_store(db: &haat_db::Db, store: &str) -> anyhow::Result<uuid::Uuid> {
    if let Ok(id) = store.parse::<uuid::Uuid>() {
        return Ok(id);
    }
    let slug = haat_domain::StoreSlug::parse(store)
        .map_err(|error| anyhow::anyhow!("--store {store:?}: {error}"))?;
    match db.store_profile(&slug).await? {
        Some(profile) => Ok(profile.id.as_uuid()),
        None => anyhow::bail!("no store {store:?}"),
    }
}

async fn run_server(config: Config, role: Role, seed_demo: bool) -> anyhow::Result<()> {
    let database = Database::open(&config).await?;
    let result = serve_with(&config, role, seed_demo, &database).await;
    // The pool closes and the embedded cluster stops only after in-flight requests end.
    database.close().await;
    result
}

async fn serve_with(
    config: &Config,
    role: Role,
    seed_demo: bool,
    database: &Database,
) -> anyhow::Result<()> {
    let demo_summary = if seed_demo {
        Some(demo::seed(&database.db, config).await?)
    } else {
        None
    };
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let address = listener.local_addr()?;
    let mut config = config.clone();
    if config.public_url.is_none() {
        // Port 0 in the configuration: links must carry the port actually bound.
        config.public_url = Some(format!("http://{address}/").parse()?);
    }
    let background = tokio_util::sync::CancellationToken::new();
    let mut tasks = tokio::task::JoinSet::new();
    if seed_demo && role != Role::Storefront {
        start_demo_gateway(&mut config, &mut tasks, background.clone()).await?;
    }
    let config = &config;
    let app = build_app(config, role, database.db.clone(), Limits::default())?;
    let (service, readiness) = (app.service, app.readiness);
    haat::background::spawn_replica_monitor(&app.reads, &mut tasks, background.clone());
    if let Some(pages) = &app.pages {
        haat::background::spawn_invalidation(
            config,
            &database.db,
            pages,
            &mut tasks,
            background.clone(),
        );
    }
    if let Some(search) = &app.search {
        haat::background::spawn_indexer(
            config,
            &database.db,
            search,
            &mut tasks,
            background.clone(),
        );
    }
    if role != Role::Storefront {
        let db = database.db.clone();
        let stop = background.clone();
        tasks.spawn(async move { haat::maintenance::run(db, stop.cancelled_owned()).await });
        haat::background::spawn_relay(config, &database.db, &mut tasks, background.clone()).await?;
        if config.jobs_workers > 0 {
            let registry = haat_jobs::Registry::new().register(haat_jobs::SmsJob::new(
                haat::app::sms_sender(config).context("configuring sms for jobs")?,
            ));
            let settings = haat_jobs::WorkerSettings {
                concurrency: config.jobs_workers as usize,
                ..haat_jobs::WorkerSettings::default()
            };
            let worker = haat_jobs::Worker::new(database.db.clone(), registry, settings);
            let stop = background.clone();
            tasks.spawn(async move { worker.run(stop.cancelled_owned()).await });
        }
    }
    tracing::info!(listen = %address, role = ?role, "haat is listening");
    let public = config.public_url();
    let base = public.as_str().trim_end_matches('/');
    println!("Haat is running ({role:?} role) on http://{address}");
    if matches!(role, Role::All | Role::Api) {
        println!("  seller dashboard: {base}/dashboard");
        if config.sms_provider == haat::config::SmsProvider::File {
            println!(
                "  login codes (development SMS outbox): {}",
                config.sms_outbox().display()
            );
        }
    }
    if matches!(role, Role::All | Role::Storefront) {
        println!("  storefront: {base}/<store-slug>");
    }
    if let Some(gateway) = &config.payments_test_gateway_url {
        println!("  test payment gateway (UPI orders offer it): {gateway}");
    }
    if let Some(summary) = &demo_summary {
        println!("{summary}");
    }
    println!("  health: {base}/healthz  readiness: {base}/readyz  metrics: {base}/metrics");
    println!("Press Ctrl-C to stop.");
    let served = serve(
        listener,
        service,
        readiness,
        Duration::from_millis(config.drain_delay_ms),
        shutdown_signal(),
    )
    .await;
    // Background work stops after the last request: jobs finish or give back their lease.
    background.cancel();
    let drained = tokio::time::timeout(Duration::from_secs(30), async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!("background tasks did not stop within 30 s");
    }
    served?;
    tracing::info!("stopped accepting; in-flight requests finished");
    Ok(())
}

/// `serve --demo`: a fake payment gateway in the same process, on its own port, with a
/// webhook secret generated for this run unless one is configured.
async fn start_demo_gateway(
    config: &mut Config,
    tasks: &mut tokio::task::JoinSet<()>,
    stop: tokio_util::sync::CancellationToken,
) -> anyhow::Result<()> {
    if config.is_production() || config.payments_test_gateway_url.is_some() {
        return Ok(());
    }
    let secret = match &config.payments_webhook_secret {
        Some(secret) => secrecy::ExposeSecret::expose_secret(secret).to_owned(),
        None => {
            let secret = format!("demo-{}", uuid::Uuid::new_v4().simple());
            config.payments_webhook_secret = Some(secret.clone().into());
            secret
        }
    };
    let listener = tokio::net::TcpListener::bind((config.listen.ip(), 0)).await?;
    let gateway: url::Url = format!("http://{}/", listener.local_addr()?).parse()?;
    let public = config.public_url();
    let settings = haat_payments::fake::FakeGatewaySettings {
        webhook_url: public.join("api/v1/payments/webhooks/haatpay")?,
        secret,
        haat_url: Some(public),
    };
    config.payments_test_gateway_url = Some(gateway);
    tasks.spawn(async move {
        if let Err(error) =
            haat_payments::fake::serve_fake_gateway(listener, settings, stop.cancelled_owned())
                .await
        {
            tracing::error!(%error, "demo payment gateway failed");
        }
    });
    Ok(())
}
