//! The production provider: an HTTP POST per message, signed like Haat's other webhooks
//! (`Haat-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`), with a
//! per-attempt timeout and retries with exponential backoff on network errors and 5xx.

use std::time::Duration;

use serde::Serialize;

use crate::{SmsError, SmsMessage};

pub use haat_http::signature::{sign, SIGNATURE_HEADER};

/// Carries the message id too, for providers that deduplicate on a header.
pub const IDEMPOTENCY_KEY_HEADER: &str = "Idempotency-Key";

#[derive(Clone, Debug)]
pub struct WebhookSender {
    client: reqwest::Client,
    url: String,
    secret: String,
    attempts: u32,
}

#[derive(Serialize)]
struct WebhookBody<'a> {
    id: String,
    to: &'a str,
    text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    otp: Option<&'a str>,
}

impl WebhookSender {
    pub fn new(url: String, secret: String, timeout: Duration, attempts: u32) -> WebhookSender {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .unwrap_or_default();
        WebhookSender {
            client,
            url,
            secret,
            attempts: attempts.max(1),
        }
    }

    pub async fn send(&self, message: &SmsMessage) -> Result<(), SmsError> {
        // One id for every attempt (and, when the caller gives one, for every retry of
        // the notification), so the provider can drop a retried duplicate.
        let id = message.id.unwrap_or_else(uuid::Uuid::now_v7).to_string();
        let body = serde_json::to_vec(&WebhookBody {
            id: id.clone(),
            to: message.to.as_e164(),
            text: &message.text,
            otp: message.otp.as_deref(),
        })
        .map_err(|e| SmsError::Outbox(e.into()))?;
        let mut last = String::new();
        for attempt in 1..=self.attempts {
            let timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
            let result = self
                .client
                .post(&self.url)
                .header("content-type", "application/json")
                .header(IDEMPOTENCY_KEY_HEADER, &id)
                .header(SIGNATURE_HEADER, sign(&self.secret, timestamp, &body))
                .body(body.clone())
                .send()
                .await;
            match result {
                Ok(response) if response.status().is_success() => return Ok(()),
                Ok(response) if response.status().is_client_error() => {
                    // The provider refused this message; retrying will not help.
                    return Err(SmsError::Delivery {
                        attempts: attempt,
                        last: format!("status {}", response.status().as_u16()),
                    });
                }
                Ok(response) => last = format!("status {}", response.status().as_u16()),
                Err(error) if error.is_timeout() => last = "timeout".to_owned(),
                Err(_) => last = "connection failed".to_owned(),
            }
            tracing::warn!(sms.attempt = attempt, sms.error = %last, "sms webhook attempt failed");
            if attempt < self.attempts {
                tokio::time::sleep(Duration::from_millis(100 * 2u64.pow(attempt - 1))).await;
            }
        }
        Err(SmsError::Delivery {
            attempts: self.attempts,
            last,
        })
    }
}
