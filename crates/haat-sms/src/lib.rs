//! Sending SMS, pluggable by configuration:
//! - `file` (the default outside production) appends one JSON line per message to an
//!   outbox file, so a developer can read their login code without an SMS account;
//! - `webhook` POSTs each message to an HTTP endpoint with an HMAC-SHA256 signature,
//!   with a timeout and retries (the protocol is in `docs/sms.md`).
//!
//! Nothing here logs a phone number, a code or a message text.

mod file;
mod webhook;

use std::path::PathBuf;
use std::time::Duration;

use haat_domain::Phone;

pub use file::FileSender;
pub use webhook::{sign, WebhookSender, IDEMPOTENCY_KEY_HEADER, SIGNATURE_HEADER};

/// One message to send. `otp` is set for login codes so a test or a developer can find
/// the code without parsing `text`.
#[derive(Clone)]
pub struct SmsMessage {
    pub to: Phone,
    pub text: String,
    pub otp: Option<String>,
    /// The message's identity for the provider, stable across every retry of one
    /// notification (a background job passes its own id), so a message sent again after
    /// a crash can be dropped as a duplicate. `None`: the webhook makes one per send.
    pub id: Option<uuid::Uuid>,
}

impl std::fmt::Debug for SmsMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsMessage")
            .field("to", &self.to)
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SmsError {
    #[error("the file sms provider cannot be used when HAAT_ENV=production")]
    FileInProduction,
    #[error("sms webhook url is missing (set HAAT_SMS_WEBHOOK_URL)")]
    MissingWebhookUrl,
    #[error("sms webhook secret is missing (set HAAT_SMS_WEBHOOK_SECRET)")]
    MissingWebhookSecret,
    #[error("writing the sms outbox failed")]
    Outbox(#[source] std::io::Error),
    #[error("the sms provider did not accept the message after {attempts} attempts: {last}")]
    Delivery { attempts: u32, last: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SmsProviderKind {
    File,
    Webhook,
}

/// Everything needed to build a sender; assembled by the binary from its configuration.
#[derive(Clone, Debug)]
pub struct SmsSettings {
    pub provider: SmsProviderKind,
    pub outbox: PathBuf,
    pub webhook_url: Option<String>,
    /// Held as a plain string here; the binary keeps it wrapped until this point.
    pub webhook_secret: Option<String>,
    pub timeout: Duration,
    pub attempts: u32,
    pub production: bool,
}

#[derive(Clone, Debug)]
pub enum SmsSender {
    File(FileSender),
    Webhook(WebhookSender),
}

impl SmsSender {
    pub fn from_settings(settings: &SmsSettings) -> Result<SmsSender, SmsError> {
        match settings.provider {
            SmsProviderKind::File if settings.production => Err(SmsError::FileInProduction),
            SmsProviderKind::File => Ok(SmsSender::File(FileSender::new(settings.outbox.clone()))),
            SmsProviderKind::Webhook => {
                let url = settings
                    .webhook_url
                    .clone()
                    .ok_or(SmsError::MissingWebhookUrl)?;
                let secret = settings
                    .webhook_secret
                    .clone()
                    .ok_or(SmsError::MissingWebhookSecret)?;
                Ok(SmsSender::Webhook(WebhookSender::new(
                    url,
                    secret,
                    settings.timeout,
                    settings.attempts,
                )))
            }
        }
    }

    pub fn provider_name(&self) -> &'static str {
        match self {
            SmsSender::File(_) => "file",
            SmsSender::Webhook(_) => "webhook",
        }
    }

    /// The outbox path when messages go to a file (shown as a development notice).
    pub fn outbox_path(&self) -> Option<&std::path::Path> {
        match self {
            SmsSender::File(sender) => Some(sender.path()),
            SmsSender::Webhook(_) => None,
        }
    }

    pub async fn send(&self, message: &SmsMessage) -> Result<(), SmsError> {
        let started = std::time::Instant::now();
        let result = match self {
            SmsSender::File(sender) => sender.send(message).await,
            SmsSender::Webhook(sender) => sender.send(message).await,
        };
        let outcome = if result.is_ok() { "sent" } else { "failed" };
        metrics::counter!("haat_sms_total", "provider" => self.provider_name(), "outcome" => outcome)
            .increment(1);
        metrics::histogram!("haat_sms_send_seconds", "provider" => self.provider_name())
            .record(started.elapsed().as_secs_f64());
        result
    }
}
