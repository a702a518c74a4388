//! `haat data generate`: realistic, deterministic data at production scale (being
//! written: this commit only wires the command).

use clap::Args;
use haat_db::Db;

/// Arguments of `haat data generate`.
#[derive(Args, Debug, Clone)]
pub struct GenerateArgs {
    /// Number of stores.
    #[arg(long, default_value_t = 1_000)]
    pub stores: u32,
    /// The seed: the same arguments and seed always give the same data.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
}

/// What was generated.
#[derive(Debug, Default)]
pub struct Generated {
    pub stores: u64,
    pub products: u64,
}

impl std::fmt::Display for Generated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "generated {} stores, {} products", self.stores, self.products)
    }
}

/// Generates data into `db` (media files under `media`).
pub async fn run(
    _args: &GenerateArgs,
    _db: &Db,
    _media: &haat_media::MediaStore,
) -> anyhow::Result<Generated> {
    anyhow::bail!("haat data generate is not written yet")
}
