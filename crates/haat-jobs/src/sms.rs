//! The `"sms"` job: one text message to one phone, e.g. the seller's "new order" alert.
//!
//! Payload (version 1, stored in `jobs.payload`): `{"to": "<E.164>", "text": "…"}`.
//! The job id goes to the provider as the message id, so a run repeated after a crash
//! (sent, but not yet marked done) is recognised by the provider as the same message.

use futures::future::BoxFuture;
use haat_db::{ClaimedJob, NewJob};
use haat_domain::Phone;
use haat_sms::{SmsMessage, SmsSender};
use serde::Deserialize;

use crate::{JobError, JobHandler};

pub const SMS_JOB_KIND: &str = "sms";

/// The payload's wire shape; [`sms_job`] writes the same two fields.
#[derive(Deserialize)]
struct SmsPayload {
    to: String,
    text: String,
}

/// A job that sends `text` to `to`, for enqueueing in the caller's transaction.
pub fn sms_job(to: &Phone, text: &str) -> NewJob {
    NewJob::new(
        SMS_JOB_KIND,
        serde_json::json!({ "to": to.as_e164(), "text": text }),
    )
}

/// Sends the job's message through the configured SMS provider.
#[derive(Clone, Debug)]
pub struct SmsJob {
    sender: SmsSender,
}

impl SmsJob {
    pub fn new(sender: SmsSender) -> SmsJob {
        SmsJob { sender }
    }

    async fn send(&self, job: &ClaimedJob) -> Result<(), JobError> {
        // Serde's and the phone parser's messages could quote the payload: keep them out
        // of `last_error` and the logs.
        let payload = SmsPayload::deserialize(&job.payload)
            .map_err(|_| JobError::Permanent("the payload is not a valid sms job".to_owned()))?;
        let to = Phone::parse(&payload.to).map_err(|_| {
            JobError::Permanent("the payload's phone number is not valid".to_owned())
        })?;
        let message = SmsMessage {
            to,
            text: payload.text,
            otp: None,
            id: Some(job.id),
        };
        // `SmsError` messages name the provider's answer (status, timeout), never the
        // number or the text. A provider that refused the message (4xx) is retried too:
        // the id makes that harmless, and a refusal is often temporary (rate limits).
        self.sender
            .send(&message)
            .await
            .map_err(|error| JobError::Retry(error.to_string()))
    }
}

impl JobHandler for SmsJob {
    fn kind(&self) -> &'static str {
        SMS_JOB_KIND
    }

    fn run<'a>(&'a self, job: &'a ClaimedJob) -> BoxFuture<'a, Result<(), JobError>> {
        Box::pin(self.send(job))
    }
}
