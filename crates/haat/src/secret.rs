//! The server secret: `HAAT_SECRET_KEY`, or one generated on first start and kept in
//! `<data dir>/secret.key` (mode 0600) so restarts keep sessions' CSRF and codes valid.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;

use anyhow::{bail, Context};
use rand::RngCore;
use secrecy::ExposeSecret;

use crate::config::Config;

pub fn load_secret_key(config: &Config) -> anyhow::Result<Vec<u8>> {
    if let Some(secret) = &config.secret_key {
        let bytes = secret.expose_secret().as_bytes().to_vec();
        if bytes.len() < 32 {
            bail!("HAAT_SECRET_KEY must be at least 32 characters");
        }
        return Ok(bytes);
    }
    if config.is_production() {
        bail!("HAAT_SECRET_KEY is required when HAAT_ENV=production");
    }
    let path = config.data_dir.join("secret.key");
    if let Ok(text) = std::fs::read_to_string(&path) {
        let bytes = hex::decode(text.trim()).context("secret.key is not hex")?;
        if bytes.len() >= 32 {
            return Ok(bytes);
        }
    }
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create {}", config.data_dir.display()))?;
    let mut bytes = vec![0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(hex::encode(&bytes).as_bytes())?;
    file.sync_all()?;
    Ok(bytes)
}
