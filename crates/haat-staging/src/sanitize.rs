//! `haat sanitize --from <url> --to <url>`: a staging copy with no personal data
//! (docs/staging.md).
//!
//! 1. Both databases must be at this binary's migrations (an empty target is migrated);
//!    the target must hold no rows.
//! 2. Every column of the source must have a rule ([`rules::TABLES`]); one without stops
//!    the run, naming `table.column`, before anything is written (fail closed).
//! 3. Each table streams `COPY (SELECT …) TO STDOUT` (binary) from one read-only
//!    snapshot of the source, through its rules, into `COPY … FROM STDIN` on the target,
//!    parents first with foreign keys enforced, all in one target transaction: a failed
//!    run leaves the target empty. Memory is about one batch per table.
//! 4. Sequences are set to the source's values.

mod copy;
mod fake;
pub mod rules;
mod transform;

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Args;
use futures::TryStreamExt;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rand::RngCore;
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

use fake::Faker;
use rules::{Rule, TableRules};

/// Arguments of `haat sanitize`.
#[derive(Args, Debug, Clone)]
pub struct SanitizeArgs {
    /// The database to copy (production, or a restored backup of it). Only read, in one
    /// read-only snapshot.
    #[arg(long)]
    pub from: String,
    /// The staging database to fill: empty (migrated here if needed). To start over,
    /// drop and create it again (`dropdb` / `createdb`).
    #[arg(long)]
    pub to: String,
}

/// What was copied.
#[derive(Debug, Default)]
pub struct Sanitized {
    pub tables: u64,
    pub rows: u64,
    pub seconds: f64,
    /// Rows per table, in load order.
    pub per_table: Vec<(String, u64)>,
}

/// A column of the source without a rule, or a rule whose column is missing or typed
/// differently: the run stops before writing anything.
pub async fn check_rules(source: &mut PgConnection) -> anyhow::Result<()> {
    let columns: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT c.table_name::text, c.column_name::text, c.data_type::text
         FROM information_schema.columns c
         JOIN information_schema.tables t
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name
         WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
           AND c.table_name <> '_sqlx_migrations'
         ORDER BY c.table_name, c.ordinal_position",
    )
    .fetch_all(&mut *source)
    .await
    .context("reading the source's columns")?;
    let mut problems = Vec::new();
    for (table, column, data_type) in &columns {
        let rule = rules::table(table)
            .and_then(|rules| rules.columns.iter().find(|(name, _)| name == column))
            .map(|(_, rule)| *rule);
        match rule {
            None => problems.push(format!("{table}.{column} has no rule")),
            Some(rule) => {
                if let Some(expected) = rule.expected_type() {
                    if expected != data_type {
                        problems.push(format!(
                            "{table}.{column} is {data_type} but its rule ({rule:?}) expects {expected}"
                        ));
                    }
                }
            }
        }
    }
    let present: BTreeSet<(&str, &str)> = columns
        .iter()
        .map(|(table, column, _)| (table.as_str(), column.as_str()))
        .collect();
    for rules in rules::TABLES {
        for (column, _) in rules.columns {
            if !present.contains(&(rules.table, *column)) {
                problems.push(format!(
                    "{}.{column} has a rule but is not in the source",
                    rules.table
                ));
            }
        }
    }
    if !problems.is_empty() {
        bail!(
            "haat sanitize stops: {} (every column needs a rule in crates/haat-staging/src/sanitize/rules.rs, \
             so a new column can never leak into a staging copy)",
            problems.join("; ")
        );
    }
    Ok(())
}

pub async fn run(args: &SanitizeArgs) -> anyhow::Result<Sanitized> {
    let started = Instant::now();
    let mut source = PgConnection::connect(&args.from)
        .await
        .context("connecting to the source database (--from)")?;
    let mut target = PgConnection::connect(&args.to)
        .await
        .context("connecting to the target database (--to)")?;
    check_utf8(&mut source, "source").await?;
    check_utf8(&mut target, "target").await?;
    match migration_state(&mut source).await? {
        MigrationState::Current => {}
        state => bail!(
            "the source database is not at this binary's migrations ({state:?}): run the \
             haat release that matches it, or migrate it first"
        ),
    }
    // Refuse a target with data before touching its schema.
    if table_exists(&mut target, "_sqlx_migrations").await? {
        refuse_if_not_empty(&mut target).await?;
    }
    match migration_state(&mut target).await? {
        MigrationState::Current => {}
        MigrationState::Behind | MigrationState::Missing => {
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(1)
                .connect(&args.to)
                .await
                .context("connecting to the target to migrate it")?;
            haat_db::Db::from_pool(pool.clone())
                .migrate()
                .await
                .context("migrating the target database")?;
            pool.close().await;
            tracing::info!("migrated the empty target database");
        }
        state => bail!(
            "the target database is not at this binary's migrations ({state:?}); \
             drop and create it again (dropdb / createdb) and run haat sanitize again"
        ),
    }
    refuse_if_not_empty(&mut target).await?;

    // One consistent, read-only snapshot of the source for every table.
    sqlx::query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .execute(&mut source)
        .await?;
    check_rules(&mut source).await?;

    let mut key = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut key);
    let seed = rand::thread_rng().next_u64() as i64;
    let mut faker = Faker::new(key);
    let seller_phones: Vec<(String,)> = sqlx::query_as("SELECT phone FROM sellers ORDER BY id")
        .fetch_all(&mut source)
        .await?;
    faker.reserve_sellers(seller_phones.iter().map(|(phone,)| phone.as_str()));
    drop(seller_phones);

    let mut tx = target.begin().await?;
    for (table, _) in rules::SEEDED_BY_MIGRATIONS {
        sqlx::query(&format!("DELETE FROM \"{table}\""))
            .execute(&mut *tx)
            .await?;
    }
    // The change-capture triggers would log every copied row as a new change: off for
    // this transaction (foreign keys, internal triggers, stay enforced).
    let triggers: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.relname::text, t.tgname::text FROM pg_trigger t
         JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND NOT t.tgisinternal",
    )
    .fetch_all(&mut *tx)
    .await?;
    for (table, trigger) in &triggers {
        sqlx::query(&format!(
            "ALTER TABLE \"{table}\" DISABLE TRIGGER \"{trigger}\""
        ))
        .execute(&mut *tx)
        .await?;
    }

    let progress = progress_bar();
    let mut sanitized = Sanitized::default();
    let mut logos: Vec<(Uuid, Uuid)> = Vec::new();
    for rules in rules::TABLES {
        let table_started = Instant::now();
        progress.set_prefix(rules.table);
        progress.set_position(0);
        let rows = copy_table(
            rules,
            seed,
            &faker,
            &mut source,
            &mut tx,
            &progress,
            &mut logos,
        )
        .await
        .with_context(|| format!("copying {}", rules.table))?;
        tracing::info!(
            table = rules.table,
            rows,
            duration_ms = table_started.elapsed().as_millis() as u64,
            "sanitized table"
        );
        sanitized.tables += 1;
        sanitized.rows += rows;
        sanitized.per_table.push((rules.table.to_owned(), rows));
    }
    progress.finish_and_clear();

    for batch in logos.chunks(10_000) {
        let (stores, images): (Vec<Uuid>, Vec<Uuid>) = batch.iter().copied().unzip();
        sqlx::query(
            "UPDATE stores SET logo_image_id = v.logo
             FROM unnest($1::uuid[], $2::uuid[]) AS v (id, logo) WHERE stores.id = v.id",
        )
        .bind(&stores)
        .bind(&images)
        .execute(&mut *tx)
        .await
        .context("setting store logos")?;
    }
    copy_sequences(&mut source, &mut tx).await?;
    for (table, trigger) in &triggers {
        sqlx::query(&format!(
            "ALTER TABLE \"{table}\" ENABLE TRIGGER \"{trigger}\""
        ))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await.context("committing the staging copy")?;
    sqlx::query("COMMIT").execute(&mut source).await?;
    sanitized.seconds = started.elapsed().as_secs_f64();
    tracing::info!(
        tables = sanitized.tables,
        rows = sanitized.rows,
        duration_ms = started.elapsed().as_millis() as u64,
        "sanitized copy committed"
    );
    Ok(sanitized)
}

/// `amount` scaled by `factor` thousandths, as the SQL of [`rules::money::SCALE`] does.
pub(crate) fn scale_minor(amount: i64, factor: i64) -> i64 {
    if amount % 100 == 0 {
        ((amount * factor + 50_000) / 100_000) * 100
    } else {
        (amount * factor + 500) / 1000
    }
}

async fn copy_table(
    rules: &'static TableRules,
    seed: i64,
    faker: &Faker,
    source: &mut PgConnection,
    target: &mut PgConnection,
    progress: &ProgressBar,
    logos: &mut Vec<(Uuid, Uuid)>,
) -> anyhow::Result<u64> {
    let columns: Vec<String> = rules
        .columns
        .iter()
        .map(|(column, _)| format!("\"{column}\""))
        .collect();
    let mut sink = target
        .copy_in_raw(&format!(
            "COPY \"{}\" ({}) FROM STDIN (FORMAT binary)",
            rules.table,
            columns.join(", ")
        ))
        .await?;
    let logo_column = rules
        .columns
        .iter()
        .position(|(_, rule)| *rule == Rule::KeepAfterLoad);
    let id_column = rules.columns.iter().position(|(name, _)| *name == "id");
    let expected_fields = rules.columns.len() + rules.helpers.len();

    let query = rules::source_query(rules, seed);
    let result: anyhow::Result<u64> = async {
        let mut stream = source.copy_out_raw(&query).await?;
        let mut reader = copy::Reader::default();
        let mut writer = copy::Writer::new();
        let mut fields = copy::Fields::new();
        let mut rows = 0u64;
        while let Some(chunk) = stream.try_next().await? {
            reader.push(&chunk);
            while reader.next_row(&mut fields)? {
                if fields.len() != expected_fields {
                    bail!(
                        "the source sent {} fields, expected {expected_fields}",
                        fields.len()
                    );
                }
                let bytes = reader.bytes();
                let values: Vec<Option<&[u8]>> = fields
                    .iter()
                    .map(|range| range.clone().map(|range| &bytes[range]))
                    .collect();
                if let (Some(logo), Some(id)) = (logo_column, id_column) {
                    if let (Some(logo), Some(id)) = (values[logo], values[id]) {
                        logos.push((Uuid::from_slice(id)?, Uuid::from_slice(logo)?));
                    }
                }
                let row = transform::Row {
                    rules,
                    fields: values,
                };
                transform::write_row(&row, faker, &mut writer)?;
                rows += 1;
                if writer.is_full() {
                    sink.send(writer.take()).await?;
                    progress.set_position(rows);
                }
            }
        }
        if !reader.is_finished() {
            bail!("the source's COPY stream ended early");
        }
        writer.finish();
        sink.send(writer.take()).await?;
        progress.set_position(rows);
        Ok(rows)
    }
    .await;
    match result {
        Ok(rows) => {
            let written = sink.finish().await?;
            if written != rows {
                bail!("wrote {written} rows of {rows}");
            }
            Ok(rows)
        }
        Err(error) => {
            // The reason stays ours; the target's transaction is rolled back by the caller.
            let _ = sink.abort("haat sanitize stopped").await;
            Err(error)
        }
    }
}

async fn copy_sequences(
    source: &mut PgConnection,
    target: &mut PgConnection,
) -> anyhow::Result<()> {
    let sequences: Vec<(String, Option<i64>)> = sqlx::query_as(
        "SELECT sequencename::text, last_value FROM pg_sequences WHERE schemaname = 'public'",
    )
    .fetch_all(&mut *source)
    .await?;
    for (sequence, last_value) in sequences {
        let name = format!("public.\"{sequence}\"");
        match last_value {
            Some(value) => sqlx::query("SELECT setval($1::regclass, $2, true)")
                .bind(&name)
                .bind(value)
                .execute(&mut *target)
                .await
                .with_context(|| format!("setting sequence {sequence}"))?,
            None => sqlx::query(
                "SELECT setval($1::regclass, (SELECT seqstart FROM pg_sequence WHERE seqrelid = $1::regclass), false)",
            )
            .bind(&name)
            .execute(&mut *target)
            .await
            .with_context(|| format!("resetting sequence {sequence}"))?,
        };
    }
    Ok(())
}

#[derive(Debug)]
enum MigrationState {
    Current,
    /// Fewer migrations than this binary, all of them ours.
    Behind,
    /// No migrations table.
    Missing,
    /// Migrations this binary does not have, or with other checksums, or failed ones.
    Different,
}

async fn migration_state(conn: &mut PgConnection) -> anyhow::Result<MigrationState> {
    if !table_exists(conn, "_sqlx_migrations").await? {
        return Ok(MigrationState::Missing);
    }
    let applied: Vec<(i64, Vec<u8>, bool)> =
        sqlx::query_as("SELECT version, checksum, success FROM _sqlx_migrations ORDER BY version")
            .fetch_all(&mut *conn)
            .await?;
    let ours: Vec<(i64, &[u8])> = haat_db::MIGRATOR
        .iter()
        .filter(|migration| migration.migration_type.is_up_migration())
        .map(|migration| (migration.version, migration.checksum.as_ref()))
        .collect();
    for (version, checksum, success) in &applied {
        let known = ours
            .iter()
            .any(|(v, c)| v == version && *c == checksum.as_slice());
        if !known || !success {
            return Ok(MigrationState::Different);
        }
    }
    Ok(if applied.len() == ours.len() {
        MigrationState::Current
    } else {
        MigrationState::Behind
    })
}

async fn table_exists(conn: &mut PgConnection, table: &str) -> anyhow::Result<bool> {
    let (exists,): (bool,) = sqlx::query_as("SELECT to_regclass($1) IS NOT NULL")
        .bind(format!("public.\"{table}\""))
        .fetch_one(&mut *conn)
        .await?;
    Ok(exists)
}

/// The target must be empty: a sanitized copy never merges into existing data.
async fn refuse_if_not_empty(target: &mut PgConnection) -> anyhow::Result<()> {
    for rules in rules::TABLES {
        if !table_exists(target, rules.table).await? {
            continue;
        }
        let seeded = rules::SEEDED_BY_MIGRATIONS
            .iter()
            .find(|(table, _)| *table == rules.table);
        let sql = match seeded {
            Some((_, sql)) => (*sql).to_owned(),
            None => format!(
                "SELECT count(*) FROM (SELECT 1 FROM \"{}\" LIMIT 1) s",
                rules.table
            ),
        };
        let (rows,): (i64,) = sqlx::query_as(&sql).fetch_one(&mut *target).await?;
        if rows > 0 {
            bail!(
                "the target database already holds data (table {} has rows); haat sanitize \
                 only fills an empty database: drop and create it again (dropdb / createdb) \
                 and run haat sanitize again",
                rules.table
            );
        }
    }
    Ok(())
}

async fn check_utf8(conn: &mut PgConnection, which: &str) -> anyhow::Result<()> {
    let (encoding,): (String,) = sqlx::query_as("SHOW server_encoding")
        .fetch_one(&mut *conn)
        .await?;
    if encoding != "UTF8" {
        bail!("the {which} database's encoding is {encoding}; haat sanitize needs UTF8");
    }
    Ok(())
}

fn progress_bar() -> ProgressBar {
    let progress = ProgressBar::new_spinner();
    if std::io::stderr().is_terminal() {
        progress.set_draw_target(ProgressDrawTarget::stderr());
        progress.enable_steady_tick(Duration::from_millis(200));
    } else {
        progress.set_draw_target(ProgressDrawTarget::hidden());
    }
    progress.set_style(
        ProgressStyle::with_template("{spinner} {prefix:24} {human_pos} rows ({per_sec})")
            .expect("a valid template"),
    );
    progress
}

impl std::fmt::Display for Sanitized {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "sanitized copy: {} tables, {} rows in {:.1} s",
            self.tables, self.rows, self.seconds
        )?;
        for (table, rows) in &self.per_table {
            writeln!(f, "  {table:<26} {rows:>12}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaling_rounds_half_up_and_keeps_whole_rupees() {
        assert_eq!(scale_minor(39_900, 1_000), 39_900);
        assert_eq!(scale_minor(40_000, 1_234), 49_400);
        assert_eq!(scale_minor(12_345, 1_100), 13_580);
        assert_eq!(scale_minor(0, 1_250), 0);
    }
}
