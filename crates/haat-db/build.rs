//! `sqlx::migrate!` embeds the migration files at compile time, but Cargo does not know
//! the macro reads them: without this, a new migration file would not rebuild the crate
//! and a stale binary would refuse a database that has it applied.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
