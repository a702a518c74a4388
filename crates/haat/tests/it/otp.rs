//! Phone + one-time code login over HTTP: normalisation, expiry, attempt and rate limits,
//! single use, hashed storage and per-token logout. Time is simulated by moving the
//! database timestamps; nothing here waits.

use crate::support;

use haat::app::{Limits, Role};
use haat_api::auth::{code_hash, token_hash};
use haat_api::{IpLimit, SecretKey};
use haat_domain::{OtpCode, Phone};
use serde_json::json;
use support::{random_phone, test_limits, Reply, TestApp};

/// The secret `TestApp` configures; codes are keyed with it.
const TEST_SECRET: &[u8] = b"test-secret-key-that-is-long-enough-0123";

/// A different 6-digit code than `code`.
fn wrong(code: &str) -> String {
    let n: u32 = code.parse().unwrap();
    format!("{:06}", (n + 1) % 1_000_000)
}

/// `+919812345678` → `9812345678`
fn national(phone: &str) -> &str {
    phone.strip_prefix("+91").unwrap()
}

#[track_caller]
fn check_refused(reply: &Reply, expected: (u16, &str, Option<&str>)) {
    assert_eq!(
        (reply.status, reply.code(), reply.field()),
        expected,
        "{}",
        reply.body
    );
    reply.assert_error_shape();
}

#[tokio::test]
async fn spellings_of_one_number_are_one_seller() {
    let app = TestApp::spawn().await;
    let e164 = random_phone();
    let digits = national(&e164);
    let spellings = [
        digits.to_owned(),
        format!("+91 {} {}", &digits[..5], &digits[5..]),
        format!("0{digits}"),
        format!("91-{}-{}", &digits[..5], &digits[5..]),
        format!("+91 ({}) {}.{}", &digits[..5], &digits[5..8], &digits[8..]),
        format!("  {e164}  "),
    ];
    let mut seller_ids = Vec::new();
    for (index, spelling) in spellings.iter().enumerate() {
        // An hour between logins, so the per-phone limits stay out of the way.
        app.age_codes(&e164, 3601).await;
        let reply = app.request_code(spelling).await;
        assert_eq!(reply.status, 200, "{spelling}: {}", reply.body);
        assert_eq!(reply.body["expires_in"], 300);
        assert_eq!(reply.body["retry_after"], 30);
        // The code goes to the normalised number...
        let code = app.last_code(&e164).expect("code sent to the E.164 number");
        // ...and verifies under any spelling.
        let verify_as = &spellings[(index + 1) % spellings.len()];
        let reply = app.verify_code(verify_as, &code).await;
        assert_eq!(
            reply.status, 200,
            "{spelling} / {verify_as}: {}",
            reply.body
        );
        assert_eq!(reply.body["seller"]["phone"], e164.as_str());
        assert_eq!(reply.body["new_seller"], index == 0);
        seller_ids.push(reply.body["seller"]["id"].as_str().unwrap().to_owned());
    }
    seller_ids.dedup();
    assert_eq!(seller_ids.len(), 1, "{seller_ids:?}");
    let (sellers,): (i64,) = sqlx::query_as("SELECT count(*) FROM sellers")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(sellers, 1);
    app.stop().await;
}

#[tokio::test]
async fn invalid_phones_are_422_on_phone() {
    let app = TestApp::spawn().await;
    for phone in [
        "",
        "   ",
        "12345",
        "5012345678",
        "98123456789",
        "+91",
        "+999 123456789",
        "abc",
        "98123abcde",
        "1-800-FLOWERS",
        "+91 98123 45678;ext=1",
        "९८१२३४५६७८",
        "98123\u{0}45678",
        "++919812345678",
        "<script>",
        &"9".repeat(40),
        &"9".repeat(10_000),
    ] {
        let reply = app.request_code(phone).await;
        assert_eq!(
            (reply.status, reply.code(), reply.field()),
            (422, "invalid_phone", Some("phone")),
            "{phone:?}: {}",
            reply.body
        );
        reply.assert_error_shape();
        let reply = app.verify_code(phone, "123456").await;
        check_refused(&reply, (422, "invalid_phone", Some("phone")));
    }
    // Nothing was sent and nothing stored.
    assert!(!app.outbox().exists() || std::fs::read_to_string(app.outbox()).unwrap().is_empty());
    let (codes,): (i64,) = sqlx::query_as("SELECT count(*) FROM otp_challenges")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(codes, 0);
    // A malformed code is refused on `code` before anything is looked up.
    let phone = random_phone();
    for code in ["", "12345", "1234567", "abcdef", "12 345", "١٢٣٤٥٦"] {
        let reply = app.verify_code(&phone, code).await;
        check_refused(&reply, (422, "invalid_code", Some("code")));
    }
    // And the bodies themselves are checked.
    let (status, body) = app
        .post_json("/api/v1/auth/otp", None, json!({ "phone": 9812345678u64 }))
        .await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = app
        .post_json(
            "/api/v1/auth/otp",
            None,
            json!({ "phone": phone, "role": "admin" }),
        )
        .await;
    assert_eq!(
        (status, &body["error"]["field"]),
        (400, &json!("role")),
        "{body}"
    );
    app.stop().await;
}

#[tokio::test]
async fn an_expired_code_is_refused() {
    let app = TestApp::spawn().await;
    let phone = random_phone();
    assert_eq!(app.request_code(&phone).await.status, 200);
    let code = app.last_code(&phone).unwrap();
    // The code lives five minutes.
    let (ttl,): (f64,) = sqlx::query_as(
        "SELECT extract(epoch FROM expires_at - created_at)::float8 FROM otp_challenges
         WHERE phone = $1",
    )
    .bind(&phone)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(ttl.round(), 300.0);
    sqlx::query(
        "UPDATE otp_challenges SET expires_at = now() - interval '1 second' WHERE phone = $1",
    )
    .bind(&phone)
    .execute(app.db.pool())
    .await
    .unwrap();
    let reply = app.verify_code(&phone, &code).await;
    check_refused(&reply, (422, "no_active_code", Some("code")));
    // A code never requested is the same answer.
    let reply = app.verify_code(&random_phone(), &code).await;
    check_refused(&reply, (422, "no_active_code", Some("code")));
    // A fresh code works.
    app.age_codes(&phone, 31).await;
    let token = app.login(&phone).await;
    assert!(token.starts_with("haat_"));
    app.stop().await;
}

#[tokio::test]
async fn five_wrong_codes_lock_the_code() {
    let app = TestApp::spawn().await;
    let phone = random_phone();
    assert_eq!(app.request_code(&phone).await.status, 200);
    let code = app.last_code(&phone).unwrap();
    let bad = wrong(&code);
    for attempts_left in (1..=4).rev() {
        let reply = app.verify_code(&phone, &bad).await;
        check_refused(&reply, (422, "wrong_code", Some("code")));
        let message = reply.body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("{attempts_left} attempts left")),
            "{message}"
        );
    }
    let reply = app.verify_code(&phone, &bad).await;
    check_refused(&reply, (429, "too_many_attempts", Some("code")));
    // The right code is now refused too, however many times it is tried.
    for _ in 0..2 {
        let reply = app.verify_code(&phone, &code).await;
        check_refused(&reply, (429, "too_many_attempts", Some("code")));
    }
    let (sessions,): (i64,) = sqlx::query_as("SELECT count(*) FROM sessions")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(sessions, 0);
    // A new code (once the minimum interval has passed) starts over.
    app.age_codes(&phone, 31).await;
    app.login(&phone).await;
    app.stop().await;
}

#[tokio::test]
async fn codes_are_rate_limited_per_phone() {
    let app = TestApp::spawn().await;
    let phone = random_phone();
    assert_eq!(app.request_code(&phone).await.status, 200);

    // A second code within 30 s, under any spelling of the number.
    for spelling in [phone.clone(), national(&phone).to_owned()] {
        let reply = app.request_code(&spelling).await;
        check_refused(&reply, (429, "rate_limited", Some("phone")));
        let retry_after = reply.retry_after().expect("Retry-After");
        assert!((1..=30).contains(&retry_after), "{retry_after}");
    }
    // Another phone is not affected.
    assert_eq!(app.request_code(&random_phone()).await.status, 200);

    // Five codes an hour: 31 s apart each is fine until the sixth.
    for _ in 1..5 {
        app.age_codes(&phone, 31).await;
        let reply = app.request_code(&phone).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    app.age_codes(&phone, 31).await;
    let reply = app.request_code(&phone).await;
    check_refused(&reply, (429, "rate_limited", Some("phone")));
    let retry_after = reply.retry_after().expect("Retry-After");
    // Until the oldest of the five is an hour old, not just the 30 s interval.
    assert!(retry_after > 30 && retry_after <= 3600, "{retry_after}");
    let (codes,): (i64,) = sqlx::query_as("SELECT count(*) FROM otp_challenges WHERE phone = $1")
        .bind(&phone)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(codes, 5);

    // An hour later the phone may ask again.
    app.age_codes(&phone, 3600).await;
    assert_eq!(app.request_code(&phone).await.status, 200);
    app.stop().await;
}

#[tokio::test]
async fn a_used_code_cannot_be_reused() {
    let app = TestApp::spawn().await;
    let phone = random_phone();
    assert_eq!(app.request_code(&phone).await.status, 200);
    let code = app.last_code(&phone).unwrap();
    assert_eq!(app.verify_code(&phone, &code).await.status, 200);
    for _ in 0..2 {
        let reply = app.verify_code(&phone, &code).await;
        check_refused(&reply, (422, "no_active_code", Some("code")));
    }
    // Only the newest code counts: an older unused one is not a way back in either.
    app.age_codes(&phone, 31).await;
    assert_eq!(app.request_code(&phone).await.status, 200);
    let first = app.last_code(&phone).unwrap();
    app.age_codes(&phone, 31).await;
    assert_eq!(app.request_code(&phone).await.status, 200);
    let second = app.last_code(&phone).unwrap();
    if first != second {
        let reply = app.verify_code(&phone, &first).await;
        check_refused(&reply, (422, "wrong_code", Some("code")));
    }
    assert_eq!(app.verify_code(&phone, &second).await.status, 200);
    app.stop().await;
}

#[tokio::test]
async fn codes_are_rate_limited_per_address() {
    let limits = Limits {
        otp_ip: IpLimit {
            per_hour: 3,
            burst: 3,
        },
        ..test_limits()
    };
    let app = TestApp::spawn_with(Role::All, limits).await;
    for _ in 0..3 {
        let reply = app.request_code(&random_phone()).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    for _ in 0..3 {
        let phone = random_phone();
        let reply = app.request_code(&phone).await;
        check_refused(&reply, (429, "rate_limited", None));
        assert!(reply.retry_after().expect("Retry-After") >= 1);
        assert_eq!(app.last_code(&phone), None, "no code sent when limited");
    }
    let (codes,): (i64,) = sqlx::query_as("SELECT count(*) FROM otp_challenges")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(codes, 3);
    app.stop().await;
}

#[tokio::test]
async fn tokens_and_codes_are_stored_hashed() {
    let app = TestApp::spawn().await;
    let phone = random_phone();
    assert_eq!(app.request_code(&phone).await.status, 200);
    let code = app.last_code(&phone).unwrap();

    // The code is stored as HMAC(secret, phone, code): 32 bytes, never the digits.
    let (stored_hash, row): (Vec<u8>, String) = sqlx::query_as(
        "SELECT code_hash, row_to_json(o)::text FROM otp_challenges o WHERE phone = $1",
    )
    .bind(&phone)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    let expected = code_hash(
        &SecretKey::new(TEST_SECRET.to_vec()),
        &Phone::parse(&phone).unwrap(),
        &OtpCode::parse(&code).unwrap(),
    );
    assert_eq!(stored_hash, expected);
    assert_eq!(stored_hash.len(), 32);
    assert!(!support::contains_bytes(&stored_hash, code.as_bytes()));
    assert!(!row.contains(&format!("\"{code}\"")), "{row}");

    let reply = app.verify_code(&phone, &code).await;
    assert_eq!(reply.status, 200);
    let token = reply.body["token"].as_str().unwrap().to_owned();
    let (stored, row): (Vec<u8>, String) =
        sqlx::query_as("SELECT token_hash, row_to_json(s)::text FROM sessions s")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    // Only the SHA-256 of the token is kept.
    assert_eq!(stored, token_hash(&token));
    assert!(!support::contains_bytes(&stored, token.as_bytes()));
    let secret_part = token.strip_prefix("haat_").unwrap();
    assert!(!row.contains(secret_part), "{row}");
    // Every text column of every auth table, searched for the token and the code.
    let (dump,): (String,) = sqlx::query_as(
        "SELECT (SELECT coalesce(json_agg(s), '[]')::text FROM sessions s)
             || (SELECT coalesce(json_agg(o), '[]')::text FROM otp_challenges o)
             || (SELECT coalesce(json_agg(x), '[]')::text FROM sellers x)",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert!(!dump.contains(secret_part));
    assert!(!dump.contains(&format!("\"{code}\"")));
    app.stop().await;
}

#[tokio::test]
async fn logout_revokes_only_that_token() {
    let app = TestApp::spawn().await;
    let phone = random_phone();
    let first = app.login(&phone).await;
    let second = app.login_again(&phone).await;
    assert_ne!(first, second);
    for token in [&first, &second] {
        let (status, body) = app.get_json("/api/v1/stores", Some(token)).await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, _) = app
        .post_json("/api/v1/auth/logout", Some(&first), json!({}))
        .await;
    assert_eq!(status, 204);
    let (status, body) = app.get_json("/api/v1/stores", Some(&first)).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (401, &json!("unauthorized"))
    );
    // Logging out twice is refused: the token is already dead.
    let (status, _) = app
        .post_json("/api/v1/auth/logout", Some(&first), json!({}))
        .await;
    assert_eq!(status, 401);
    // The other session of the same seller keeps working.
    let (status, body) = app
        .post_json(
            "/api/v1/stores",
            Some(&second),
            json!({ "name": "Still Here" }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (revoked,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM sessions WHERE revoked_at IS NOT NULL")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(revoked, 1);
    app.stop().await;
}

#[tokio::test]
async fn concurrent_requests_cannot_beat_the_limits() {
    let app = TestApp::spawn().await;
    let phone = random_phone();
    // Many code requests at once: one code, the rest told to wait.
    let replies = futures::future::join_all((0..8).map(|_| app.request_code(&phone))).await;
    let sent = replies.iter().filter(|reply| reply.status == 200).count();
    assert_eq!(sent, 1);
    for reply in replies.iter().filter(|reply| reply.status != 200) {
        check_refused(reply, (429, "rate_limited", Some("phone")));
    }
    // The right code sent many times at once: exactly one session.
    let code = app.last_code(&phone).unwrap();
    let replies = futures::future::join_all((0..8).map(|_| app.verify_code(&phone, &code))).await;
    let verified = replies.iter().filter(|reply| reply.status == 200).count();
    assert_eq!(verified, 1);
    for reply in replies.iter().filter(|reply| reply.status != 200) {
        check_refused(reply, (422, "no_active_code", Some("code")));
    }
    // Wrong codes at once never allow more than five tries.
    app.age_codes(&phone, 31).await;
    assert_eq!(app.request_code(&phone).await.status, 200);
    let code = app.last_code(&phone).unwrap();
    let bad = wrong(&code);
    let replies = futures::future::join_all((0..10).map(|_| app.verify_code(&phone, &bad))).await;
    let wrong_count = replies
        .iter()
        .filter(|reply| reply.code() == "wrong_code")
        .count();
    assert_eq!(wrong_count, 4, "four warnings, then locked");
    let (attempts,): (i32,) = sqlx::query_as(
        "SELECT attempts FROM otp_challenges WHERE phone = $1 ORDER BY created_at DESC LIMIT 1",
    )
    .bind(&phone)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(attempts, 5);
    let reply = app.verify_code(&phone, &code).await;
    check_refused(&reply, (429, "too_many_attempts", Some("code")));
    let (sessions,): (i64,) = sqlx::query_as("SELECT count(*) FROM sessions")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(sessions, 1);
    app.stop().await;
}
