//! What the real servers tests start (nats-server, redis-server) share: a free port on
//! 127.0.0.1 and a bounded wait until something listens on it.

use std::time::Duration;

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// Waits (at most 10 s) until `port` accepts connections; panics naming `server`.
pub async fn wait_until_listening(port: u16, server: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{server} did not start"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A server process on a fixed port that a test can kill (SIGKILL, as a crash) and
/// start again on the same port; killed when dropped.
pub struct ServerProcess {
    name: &'static str,
    port: u16,
    spawn: Box<dyn Fn(u16) -> std::process::Child + Send + Sync>,
    child: Option<std::process::Child>,
}

impl ServerProcess {
    /// Spawns `spawn(port)` on a free port and waits until it listens.
    pub async fn start(
        name: &'static str,
        spawn: impl Fn(u16) -> std::process::Child + Send + Sync + 'static,
    ) -> ServerProcess {
        let port = free_port();
        let mut server = ServerProcess {
            name,
            port,
            spawn: Box::new(spawn),
            child: None,
        };
        server.restart().await;
        server
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn kill(&mut self) {
        self.resume();
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Freezes the process (SIGSTOP): it keeps its port and accepts connections but
    /// answers nothing, like a server stuck on a slow disk or a long command.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Lets a paused process go on (SIGCONT).
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        if let Some(child) = &self.child {
            let status = std::process::Command::new("kill")
                .args([signal, &child.id().to_string()])
                .status()
                .expect("kill(1)");
            assert!(status.success(), "kill {signal} {}", self.name);
        }
    }

    /// Kills it if running, starts it again on the same port, waits until it listens.
    pub async fn restart(&mut self) {
        self.kill();
        self.child = Some((self.spawn)(self.port));
        wait_until_listening(self.port, self.name).await;
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}
