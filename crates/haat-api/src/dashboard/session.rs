//! Dashboard sessions: the `haat_session` cookie and the extractors that turn it into the
//! signed-in seller.
//!
//! The cookie holds the token `check_code` returns for a `SessionKind::Dashboard`
//! session; only its SHA-256 is stored. An API (bearer) token in the cookie, an expired
//! or revoked one, or garbage all read as "signed out", never as an error.

use std::time::Duration;

use axum::extract::FromRequestParts;
use axum::response::Response;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use haat_db::{SellerRecord, SessionKind};
use http::request::Parts;

use crate::auth::token_hash;
use crate::dashboard::page;
use crate::ApiState;

pub(crate) const COOKIE_NAME: &str = "haat_session";
/// Real tokens are 48 characters; anything much longer is not worth hashing.
const MAX_TOKEN_CHARS: usize = 200;

/// A seller signed in to the dashboard. As an extractor it sends a signed-out visitor
/// to the sign-in page (`303 /dashboard`).
#[derive(Clone, Debug)]
pub struct DashboardSeller {
    pub seller: SellerRecord,
    token_hash: Vec<u8>,
    /// Where this seller's last write ends in the primary's WAL (replicas only).
    pub read_floor: Option<haat_db::Lsn>,
}

impl DashboardSeller {
    pub(crate) fn token_hash(&self) -> &[u8] {
        &self.token_hash
    }
}

/// The signed-in seller if there is one, for pages that work both ways.
#[derive(Clone, Debug)]
pub struct MaybeDashboardSeller(pub Option<DashboardSeller>);

impl FromRequestParts<ApiState> for MaybeDashboardSeller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, Response> {
        let Some(token) = session_token(parts) else {
            return Ok(MaybeDashboardSeller(None));
        };
        let hash = token_hash(&token);
        let session = state
            .db()
            .session_seller(&hash)
            .await
            .map_err(|error| page::failure(&error.into()))?;
        Ok(MaybeDashboardSeller(match session {
            Some(session) if session.kind == SessionKind::Dashboard => {
                crate::reads::WriteMark::note(parts, session.seller.id);
                Some(DashboardSeller {
                    seller: session.seller,
                    token_hash: hash,
                    read_floor: session.read_floor,
                })
            }
            _ => None,
        }))
    }
}

impl FromRequestParts<ApiState> for DashboardSeller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, Response> {
        let MaybeDashboardSeller(seller) =
            MaybeDashboardSeller::from_request_parts(parts, state).await?;
        seller.ok_or_else(|| page::see_other("/dashboard"))
    }
}

fn session_token(parts: &Parts) -> Option<String> {
    let jar = CookieJar::from_headers(&parts.headers);
    jar.get(COOKIE_NAME)
        .map(Cookie::value)
        .filter(|token| !token.is_empty() && token.len() <= MAX_TOKEN_CHARS)
        .map(str::to_owned)
}

/// The cookie set after a code verifies. `Lax` so following a shared dashboard link from
/// WhatsApp arrives signed in, while another site's POST arrives signed out.
pub(crate) fn session_cookie(token: String, ttl: Duration, secure: bool) -> Cookie<'static> {
    let seconds = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX);
    let mut cookie = base_cookie(token, secure);
    cookie.set_max_age(time::Duration::seconds(seconds));
    cookie
}

/// Replaces the session cookie with an empty one that expires at once.
pub(crate) fn cleared_session_cookie(secure: bool) -> Cookie<'static> {
    let mut cookie = base_cookie(String::new(), secure);
    cookie.set_max_age(time::Duration::ZERO);
    cookie
}

fn base_cookie(value: String, secure: bool) -> Cookie<'static> {
    Cookie::build((COOKIE_NAME, value))
        .http_only(true)
        .same_site(SameSite::Lax)
        .path("/")
        .secure(secure)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts_with_cookie(header: &str) -> Parts {
        let request = http::Request::builder()
            .header(http::header::COOKIE, header)
            .body(())
            .unwrap();
        request.into_parts().0
    }

    #[test]
    fn session_cookie_attributes() {
        let cookie = session_cookie("haat_abc".to_owned(), Duration::from_secs(3600), false);
        let header = cookie.to_string();
        assert!(header.starts_with("haat_session=haat_abc"), "{header}");
        for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=3600"] {
            assert!(header.contains(attribute), "{header} lacks {attribute}");
        }
        assert!(!header.contains("Secure"), "{header}");
        let secure = session_cookie("haat_abc".to_owned(), Duration::from_secs(60), true);
        assert!(secure.to_string().contains("Secure"));
    }

    #[test]
    fn cleared_cookie_expires_at_once() {
        let header = cleared_session_cookie(true).to_string();
        assert!(header.starts_with("haat_session=;"), "{header}");
        for attribute in ["Max-Age=0", "Path=/", "HttpOnly", "Secure"] {
            assert!(header.contains(attribute), "{header} lacks {attribute}");
        }
    }

    #[test]
    fn reads_the_token_from_the_cookie_header() {
        let check = |header: &str, expected: Option<&str>| {
            assert_eq!(
                session_token(&parts_with_cookie(header)).as_deref(),
                expected,
                "{header}"
            );
        };
        check("haat_session=haat_tok", Some("haat_tok"));
        check("a=1; haat_session=haat_tok; b=2", Some("haat_tok"));
        check("haat_session=", None);
        check("other=1", None);
        check(&format!("haat_session={}", "x".repeat(201)), None);
    }
}
