//! Authentication building blocks: one-time code hashing, session tokens, the bearer
//! extractor for the JSON API, and per-IP rate limits.
//!
//! Tokens are 32 random bytes; only their SHA-256 is stored, so a database leak does not
//! leak sessions. Codes are stored as HMAC-SHA256 keyed with the server secret, because a
//! plain hash of a 6-digit code is reversed in microseconds.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRequestParts;
use base64::Engine;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use haat_db::{SellerRecord, SessionKind};
use haat_domain::{OtpCode, Phone};
use haat_http::ApiError;
use hmac::{Hmac, Mac};
use http::request::Parts;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::ApiState;

/// The server-wide secret used to key code hashes and CSRF tokens.
#[derive(Clone)]
pub struct SecretKey(Arc<Vec<u8>>);

impl SecretKey {
    pub fn new(bytes: Vec<u8>) -> SecretKey {
        SecretKey(Arc::new(bytes))
    }

    pub fn mac(&self, parts: &[&[u8]]) -> Vec<u8> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("hmac accepts any key length");
        for part in parts {
            mac.update(part);
            mac.update(&[0]);
        }
        mac.finalize().into_bytes().to_vec()
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

pub fn code_hash(secret: &SecretKey, phone: &Phone, code: &OtpCode) -> Vec<u8> {
    secret.mac(&[b"otp", phone.as_e164().as_bytes(), code.as_str().as_bytes()])
}

/// A fresh 6-digit code, uniformly distributed.
pub fn generate_code() -> String {
    let n = rand::thread_rng().next_u32() % 1_000_000;
    format!("{n:06}")
}

/// A new session token (`haat_` + 43 base64url characters) and its stored hash.
pub fn generate_token() -> (String, Vec<u8>) {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = format!(
        "haat_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    let hash = token_hash(&token);
    (token, hash)
}

pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A seller authenticated by `Authorization: Bearer <token>`.
#[derive(Clone, Debug)]
pub struct AuthSeller {
    pub seller: SellerRecord,
    pub token_hash: Vec<u8>,
    /// Where this seller's last write ends in the primary's WAL (replicas only).
    pub read_floor: Option<haat_db::Lsn>,
}

impl FromRequestParts<ApiState> for AuthSeller {
    type Rejection = crate::Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &ApiState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| {
                value
                    .strip_prefix("Bearer ")
                    .or_else(|| value.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|token| !token.is_empty() && token.len() <= 200)
            .ok_or_else(ApiError::unauthorized)?;
        let hash = token_hash(token);
        match state.db().session_seller(&hash).await? {
            Some(session) if session.kind == SessionKind::Api => {
                crate::reads::WriteMark::note(parts, session.seller.id);
                Ok(AuthSeller {
                    seller: session.seller,
                    token_hash: hash,
                    read_floor: session.read_floor,
                })
            }
            _ => Err(ApiError::unauthorized().into()),
        }
    }
}

/// Per-client-IP limits for the unauthenticated auth endpoints, in process memory.
/// The per-phone limits (the ones that protect a person) are in the database and hold
/// across a fleet; these only blunt one address spraying many phones at one process.
pub struct IpLimiter {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
}

#[derive(Clone, Copy, Debug)]
pub struct IpLimit {
    pub per_hour: u32,
    pub burst: u32,
}

impl IpLimiter {
    pub fn new(limit: IpLimit) -> IpLimiter {
        let per_hour = NonZeroU32::new(limit.per_hour.max(1)).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(limit.burst.max(1)).unwrap_or(NonZeroU32::MIN);
        IpLimiter {
            limiter: RateLimiter::keyed(Quota::per_hour(per_hour).allow_burst(burst)),
        }
    }

    /// `Err(wait)` when this address is over its limit.
    pub fn check(&self, ip: Option<IpAddr>) -> Result<(), Duration> {
        let Some(ip) = ip else { return Ok(()) };
        if self.limiter.len() > 100_000 {
            self.limiter.retain_recent();
        }
        self.limiter
            .check_key(&ip)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}
