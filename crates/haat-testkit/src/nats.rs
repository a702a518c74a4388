//! A real `nats-server -js` (Debian's `nats-server` package) for tests: a free port, its
//! own JetStream store in a temporary directory, killed when dropped.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct NatsServer {
    child: Option<Child>,
    port: u16,
    pub url: String,
    store: std::path::PathBuf,
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.store);
    }
}

fn spawn(port: u16, store: &std::path::Path) -> Child {
    Command::new("nats-server")
        .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
        .arg(store)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nats-server (Debian package nats-server) must be installed")
}

async fn wait_until_up(port: u16) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "nats-server did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

impl NatsServer {
    /// Kills the server with SIGKILL (its stream files stay).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port and store directory: the stream is recovered
    /// from its files.
    pub async fn restart(&mut self) {
        self.kill();
        self.child = Some(spawn(self.port, &self.store));
        wait_until_up(self.port).await;
    }
}

/// Starts the server and waits (bounded) until it accepts connections.
pub async fn start_nats() -> NatsServer {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let store = std::env::temp_dir().join(format!("haat-nats-{}", uuid::Uuid::now_v7()));
    let server = NatsServer {
        child: Some(spawn(port, &store)),
        port,
        url: format!("nats://127.0.0.1:{port}"),
        store,
    };
    wait_until_up(port).await;
    server
}
