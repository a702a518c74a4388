//! Both SMS providers against real files and a real (local, fake) HTTP provider.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use haat_domain::Phone;
use haat_sms::{sign, SmsError, SmsMessage, SmsProviderKind, SmsSender, SmsSettings};

fn message() -> SmsMessage {
    SmsMessage {
        to: Phone::parse("+919812345678").unwrap(),
        text: "Your Haat code is 123456".into(),
        otp: Some("123456".into()),
        id: None,
    }
}

fn settings(provider: SmsProviderKind, url: Option<String>) -> SmsSettings {
    SmsSettings {
        provider,
        outbox: std::env::temp_dir().join("unused.jsonl"),
        webhook_url: url,
        webhook_secret: Some("s3cret".into()),
        timeout: Duration::from_millis(300),
        attempts: 3,
        production: false,
    }
}

#[tokio::test]
async fn file_provider_appends_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let mut file_settings = settings(SmsProviderKind::File, None);
    file_settings.outbox = dir.path().join("nested/sms-outbox.jsonl");
    let sender = SmsSender::from_settings(&file_settings).unwrap();
    sender.send(&message()).await.unwrap();
    sender.send(&message()).await.unwrap();
    let text = std::fs::read_to_string(&file_settings.outbox).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["to"], "+919812345678");
    assert_eq!(lines[0]["otp"], "123456");
    assert_eq!(lines[0]["text"], "Your Haat code is 123456");
}

#[test]
fn file_provider_refuses_production() {
    let mut production = settings(SmsProviderKind::File, None);
    production.production = true;
    assert!(matches!(
        SmsSender::from_settings(&production),
        Err(SmsError::FileInProduction)
    ));
    assert!(matches!(
        SmsSender::from_settings(&settings(SmsProviderKind::Webhook, None)),
        Err(SmsError::MissingWebhookUrl)
    ));
}

/// A fake SMS provider that verifies signatures and fails the first `failures` calls
/// with `failure_status`, or sleeps past the client's timeout when asked.
async fn fake_provider(
    failures: u32,
    failure_status: StatusCode,
    slow: bool,
) -> (String, Arc<AtomicU32>) {
    let calls = Arc::new(AtomicU32::new(0));
    let seen = calls.clone();
    let app = Router::new().route(
        "/sms",
        post(move |headers: HeaderMap, body: Bytes| {
            let seen = seen.clone();
            async move {
                let n = seen.fetch_add(1, Ordering::SeqCst);
                let header = headers["haat-signature"].to_str().unwrap().to_owned();
                let t: i64 = header
                    .split(',')
                    .next()
                    .unwrap()
                    .trim_start_matches("t=")
                    .parse()
                    .unwrap();
                if header != sign("s3cret", t, &body) {
                    return StatusCode::UNAUTHORIZED;
                }
                let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
                assert_eq!(json["to"], "+919812345678");
                if slow && n == 0 {
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
                if n < failures {
                    failure_status
                } else {
                    StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/sms"), calls)
}

async fn check_webhook(failures: u32, status: StatusCode, slow: bool, ok: bool, calls: u32) {
    let (url, seen) = fake_provider(failures, status, slow).await;
    let sender = SmsSender::from_settings(&settings(SmsProviderKind::Webhook, Some(url))).unwrap();
    let result = sender.send(&message()).await;
    assert_eq!(result.is_ok(), ok, "{result:?}");
    assert_eq!(seen.load(Ordering::SeqCst), calls);
}

#[tokio::test]
async fn webhook_provider() {
    // Signed and accepted at once.
    check_webhook(0, StatusCode::OK, false, true, 1).await;
    // 5xx is retried until it succeeds.
    check_webhook(2, StatusCode::SERVICE_UNAVAILABLE, false, true, 3).await;
    // Still failing after every attempt.
    check_webhook(5, StatusCode::BAD_GATEWAY, false, false, 3).await;
    // A 4xx is final: no retry.
    check_webhook(5, StatusCode::UNPROCESSABLE_ENTITY, false, false, 1).await;
    // A timeout is retried.
    check_webhook(0, StatusCode::OK, true, true, 2).await;
}

#[tokio::test]
async fn webhook_unreachable_fails_cleanly() {
    let sender = SmsSender::from_settings(&settings(
        SmsProviderKind::Webhook,
        Some("http://127.0.0.1:9/sms".into()),
    ))
    .unwrap();
    assert!(matches!(
        sender.send(&message()).await,
        Err(SmsError::Delivery { attempts: 3, .. })
    ));
}
