//! The development provider: one JSON object per line in an outbox file.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use tokio::io::AsyncWriteExt;
use tokio::sync::Mutex;

use crate::{SmsError, SmsMessage};

#[derive(Clone, Debug)]
pub struct FileSender {
    path: PathBuf,
    // Appends from concurrent requests must not interleave within a line.
    lock: Arc<Mutex<()>>,
}

#[derive(Serialize)]
struct OutboxLine<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    to: &'a str,
    text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    otp: Option<&'a str>,
    sent_at: String,
}

impl FileSender {
    pub fn new(path: PathBuf) -> FileSender {
        FileSender {
            path,
            lock: Arc::new(Mutex::new(())),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub async fn send(&self, message: &SmsMessage) -> Result<(), SmsError> {
        let line = OutboxLine {
            id: message.id.map(|id| id.to_string()),
            to: message.to.as_e164(),
            text: &message.text,
            otp: message.otp.as_deref(),
            sent_at: time::OffsetDateTime::now_utc()
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
        };
        let mut bytes = serde_json::to_vec(&line).map_err(|e| SmsError::Outbox(e.into()))?;
        bytes.push(b'\n');
        let _guard = self.lock.lock().await;
        if let Some(parent) = self.path.parent() {
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(SmsError::Outbox)?;
        }
        let mut file = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .await
            .map_err(SmsError::Outbox)?;
        file.write_all(&bytes).await.map_err(SmsError::Outbox)?;
        file.flush().await.map_err(SmsError::Outbox)?;
        Ok(())
    }
}
