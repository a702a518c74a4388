//! A real `redis-server` (Debian's `redis-server` package) for tests: a free port, no
//! persistence, killed when dropped. It can be killed and started again (empty) on the
//! same port, for tests of what Haat does while Redis is away.

use std::process::{Command, Stdio};

use crate::server::ServerProcess;

pub struct RedisServer {
    process: ServerProcess,
    pub url: String,
}

impl RedisServer {
    /// Kills the server at once (as a crash would); its data is gone.
    pub fn kill(&mut self) {
        self.process.kill();
    }

    /// Freezes it (SIGSTOP): connections hang instead of failing.
    pub fn pause(&self) {
        self.process.pause();
    }

    pub fn resume(&self) {
        self.process.resume();
    }

    /// Starts it again on the same port, empty.
    pub async fn restart(&mut self) {
        self.process.restart().await;
    }
}

/// Starts the server and waits (bounded) until it accepts connections.
pub async fn start_redis() -> RedisServer {
    let process = ServerProcess::start("redis-server", |port| {
        Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .args(["--maxmemory", "256mb", "--maxmemory-policy", "allkeys-lru"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server (Debian package redis-server) must be installed")
    })
    .await;
    RedisServer {
        url: format!("redis://127.0.0.1:{}/", process.port()),
        process,
    }
}
