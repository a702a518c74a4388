//! A real `redis-server` (Debian's `redis-server` package) for tests: a free port, no
//! persistence, killed when dropped. It can be stopped and started again on the same
//! port, for tests of what Haat does while Redis is away.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    pub url: String,
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

fn spawn(port: u16) -> Child {
    Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--maxmemory",
            "256mb",
            "--maxmemory-policy",
            "allkeys-lru",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server (Debian package redis-server) must be installed")
}

async fn wait_until_up(port: u16) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "redis-server did not start"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

impl RedisServer {
    /// Kills the server at once (as a crash would); its data is gone.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port, empty.
    pub async fn restart(&mut self) {
        self.kill();
        self.child = Some(spawn(self.port));
        wait_until_up(self.port).await;
    }
}

/// Starts the server and waits (bounded) until it accepts connections.
pub async fn start_redis() -> RedisServer {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let server = RedisServer {
        child: Some(spawn(port)),
        port,
        url: format!("redis://127.0.0.1:{port}/"),
    };
    wait_until_up(port).await;
    server
}
