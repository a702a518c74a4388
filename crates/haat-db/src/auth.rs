//! Sellers, one-time codes and sessions. Rate limits on codes live here, in the
//! database, so they hold across every api process of a fleet.

use std::time::Duration;

use haat_domain::{Phone, SellerId};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::rows::constant_time_eq;
use crate::{Db, DbError, Result};

#[derive(Clone, Debug)]
pub struct SellerRecord {
    pub id: SellerId,
    /// E.164. Returned to the seller themself; never logged.
    pub phone: String,
    pub created_at: OffsetDateTime,
}

#[derive(Clone, Copy, Debug)]
pub struct OtpLimits {
    pub code_ttl: Duration,
    pub min_interval: Duration,
    pub max_per_hour: i64,
    pub max_attempts: i32,
}

impl Default for OtpLimits {
    fn default() -> Self {
        OtpLimits {
            code_ttl: Duration::from_secs(5 * 60),
            min_interval: Duration::from_secs(30),
            max_per_hour: 5,
            max_attempts: 5,
        }
    }
}

#[derive(Debug)]
pub enum OtpIssue {
    Issued { challenge_id: Uuid },
    RateLimited { retry_after: Duration },
}

#[derive(Debug)]
pub enum OtpVerify {
    Verified {
        seller: SellerRecord,
        new_seller: bool,
    },
    Wrong {
        attempts_left: i32,
    },
    /// No unexpired, unused code exists for this phone (never sent, used, or expired).
    NoActiveCode,
    TooManyAttempts,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionKind {
    Api,
    Dashboard,
}

impl SessionKind {
    fn as_str(self) -> &'static str {
        match self {
            SessionKind::Api => "api",
            SessionKind::Dashboard => "dashboard",
        }
    }
}

/// A session to create when a code verifies: the caller generates the token and passes
/// only its hash.
#[derive(Clone, Debug)]
pub struct NewSession {
    pub token_hash: Vec<u8>,
    pub kind: SessionKind,
    pub ttl: Duration,
}

#[derive(Clone, Debug)]
pub struct SessionSeller {
    pub seller: SellerRecord,
    pub kind: SessionKind,
    /// The primary's WAL position after this seller's last write (set only when read
    /// replicas are configured): their replica reads wait for it (`Reads::run`).
    pub read_floor: Option<crate::Lsn>,
}

fn seconds(duration: Duration) -> f64 {
    duration.as_secs_f64()
}

impl Db {
    /// Records a new code for `phone` unless a limit forbids it. Concurrent requests for
    /// one phone are serialised by an advisory lock so the limits cannot be raced.
    pub async fn issue_otp(
        &self,
        phone: &Phone,
        code_hash: &[u8],
        limits: OtpLimits,
    ) -> Result<OtpIssue> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 7001))")
            .bind(phone.as_e164())
            .execute(&mut *tx)
            .await?;
        let (recent, last_age, oldest_age): (i64, Option<f64>, Option<f64>) = sqlx::query_as(
            "SELECT count(*),
                    extract(epoch FROM now() - max(created_at))::float8,
                    extract(epoch FROM now() - min(created_at))::float8
             FROM otp_challenges
             WHERE phone = $1 AND created_at > now() - interval '1 hour'",
        )
        .bind(phone.as_e164())
        .fetch_one(&mut *tx)
        .await?;
        if let Some(age) = last_age {
            let wait = seconds(limits.min_interval) - age;
            if wait > 0.0 {
                return Ok(OtpIssue::RateLimited {
                    retry_after: Duration::from_secs_f64(wait.ceil()),
                });
            }
        }
        if recent >= limits.max_per_hour {
            let wait = 3600.0 - oldest_age.unwrap_or(0.0);
            return Ok(OtpIssue::RateLimited {
                retry_after: Duration::from_secs_f64(wait.ceil().max(1.0)),
            });
        }
        let challenge_id = Uuid::now_v7();
        sqlx::query(
            "INSERT INTO otp_challenges (id, phone, code_hash, expires_at)
             VALUES ($1, $2, $3, now() + make_interval(secs => $4))",
        )
        .bind(challenge_id)
        .bind(phone.as_e164())
        .bind(code_hash)
        .bind(seconds(limits.code_ttl))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(OtpIssue::Issued { challenge_id })
    }

    /// Forgets a code that could not be delivered, so it neither works nor counts
    /// against the sender's limits.
    pub async fn withdraw_otp(&self, challenge_id: Uuid) -> Result<()> {
        sqlx::query("DELETE FROM otp_challenges WHERE id = $1")
            .bind(challenge_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Checks a code against the newest live challenge for `phone`. On success, in one
    /// transaction: the code is consumed, the seller is created if new, and the session
    /// is stored.
    pub async fn verify_otp(
        &self,
        phone: &Phone,
        code_hash: &[u8],
        session: &NewSession,
        limits: OtpLimits,
    ) -> Result<OtpVerify> {
        let mut tx = self.pool.begin().await?;
        let challenge: Option<(Uuid, Vec<u8>, i32)> = sqlx::query_as(
            "SELECT id, code_hash, attempts FROM otp_challenges
             WHERE phone = $1 AND consumed_at IS NULL AND expires_at > now()
             ORDER BY created_at DESC LIMIT 1
             FOR UPDATE",
        )
        .bind(phone.as_e164())
        .fetch_optional(&mut *tx)
        .await?;
        let Some((challenge_id, stored_hash, attempts)) = challenge else {
            return Ok(OtpVerify::NoActiveCode);
        };
        if attempts >= limits.max_attempts {
            return Ok(OtpVerify::TooManyAttempts);
        }
        if !constant_time_eq(&stored_hash, code_hash) {
            sqlx::query("UPDATE otp_challenges SET attempts = attempts + 1 WHERE id = $1")
                .bind(challenge_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            let attempts_left = limits.max_attempts - attempts - 1;
            if attempts_left <= 0 {
                return Ok(OtpVerify::TooManyAttempts);
            }
            return Ok(OtpVerify::Wrong { attempts_left });
        }
        sqlx::query("UPDATE otp_challenges SET consumed_at = now() WHERE id = $1")
            .bind(challenge_id)
            .execute(&mut *tx)
            .await?;
        let (id, created_at, inserted): (Uuid, OffsetDateTime, bool) = sqlx::query_as(
            "INSERT INTO sellers (id, phone, last_login_at) VALUES ($1, $2, now())
             ON CONFLICT (phone) DO UPDATE SET last_login_at = now()
             RETURNING id, created_at, (xmax = 0)",
        )
        .bind(Uuid::now_v7())
        .bind(phone.as_e164())
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, seller_id, kind, expires_at)
             VALUES ($1, $2, $3, now() + make_interval(secs => $4))",
        )
        .bind(&session.token_hash)
        .bind(id)
        .bind(session.kind.as_str())
        .bind(seconds(session.ttl))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(OtpVerify::Verified {
            seller: SellerRecord {
                id: SellerId::from_uuid(id),
                phone: phone.as_e164().to_owned(),
                created_at,
            },
            new_seller: inserted,
        })
    }

    /// The seller behind a live (unexpired, unrevoked) session token hash.
    pub async fn session_seller(&self, token_hash: &[u8]) -> Result<Option<SessionSeller>> {
        let row: Option<(Uuid, String, OffsetDateTime, String, Option<i64>)> = sqlx::query_as(
            "SELECT s.id, s.phone, s.created_at, se.kind,
                    (s.read_floor - '0/0'::pg_lsn)::bigint
             FROM sessions se JOIN sellers s ON s.id = se.seller_id
             WHERE se.token_hash = $1 AND se.revoked_at IS NULL AND se.expires_at > now()",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        Ok(
            row.map(|(id, phone, created_at, kind, read_floor)| SessionSeller {
                read_floor: read_floor.and_then(crate::Lsn::from_i64),
                seller: SellerRecord {
                    id: SellerId::from_uuid(id),
                    phone,
                    created_at,
                },
                kind: if kind == "dashboard" {
                    SessionKind::Dashboard
                } else {
                    SessionKind::Api
                },
            }),
        )
    }

    /// Revokes a session; revoking an unknown or already revoked token is not an error.
    pub async fn revoke_session(&self, token_hash: &[u8]) -> Result<()> {
        sqlx::query(
            "UPDATE sessions SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL",
        )
        .bind(token_hash)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Creates a seller directly (demo data and tests); returns the existing one if the
    /// phone is known.
    pub async fn ensure_seller(&self, phone: &Phone) -> Result<SellerRecord> {
        let (id, created_at): (Uuid, OffsetDateTime) = sqlx::query_as(
            "INSERT INTO sellers (id, phone) VALUES ($1, $2)
             ON CONFLICT (phone) DO UPDATE SET phone = EXCLUDED.phone
             RETURNING id, created_at",
        )
        .bind(Uuid::now_v7())
        .bind(phone.as_e164())
        .fetch_one(&self.pool)
        .await?;
        Ok(SellerRecord {
            id: SellerId::from_uuid(id),
            phone: phone.as_e164().to_owned(),
            created_at,
        })
    }

    /// Creates a session for a known seller without a code (demo and tests only).
    pub async fn create_session(&self, seller: SellerId, session: &NewSession) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, seller_id, kind, expires_at)
             VALUES ($1, $2, $3, now() + make_interval(secs => $4))",
        )
        .bind(&session.token_hash)
        .bind(seller.as_uuid())
        .bind(session.kind.as_str())
        .bind(seconds(session.ttl))
        .execute(&self.pool)
        .await
        .map_err(DbError::from)?;
        Ok(())
    }
}
