//! A real `nats-server -js` (Debian's `nats-server` package) for tests: a free port, its
//! own JetStream store in a temporary directory, killed when dropped. It can be killed
//! and started again on the same port and store (the stream is recovered from its files).

use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::server::ServerProcess;

pub struct NatsServer {
    process: ServerProcess,
    pub url: String,
    store: PathBuf,
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.process.kill();
        let _ = std::fs::remove_dir_all(&self.store);
    }
}

impl NatsServer {
    /// Kills the server with SIGKILL (its stream files stay).
    pub fn kill(&mut self) {
        self.process.kill();
    }

    /// Starts it again on the same port and store directory.
    pub async fn restart(&mut self) {
        self.process.restart().await;
    }
}

/// Starts the server and waits (bounded) until it accepts connections.
pub async fn start_nats() -> NatsServer {
    let store = std::env::temp_dir().join(format!("haat-nats-{}", uuid::Uuid::now_v7()));
    let dir = store.clone();
    let process = ServerProcess::start("nats-server", move |port| {
        Command::new("nats-server")
            .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server (Debian package nats-server) must be installed")
    })
    .await;
    NatsServer {
        url: format!("nats://127.0.0.1:{}", process.port()),
        process,
        store,
    }
}
