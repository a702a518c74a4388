//! Double-submit CSRF tokens for every dashboard form.
//!
//! A random token lives in the `haat_csrf` cookie (HttpOnly, SameSite=Strict, scoped to
//! `/dashboard`) and is repeated in each form's hidden `csrf` field. Another site can make
//! a browser send the cookie but cannot read it, so it cannot put the same value in the
//! form. Tokens are compared in constant time.

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use http::request::Parts;
use rand::RngCore;

use crate::ApiState;

pub(crate) const COOKIE_NAME: &str = "haat_csrf";
/// The hidden form field carrying the token.
pub(crate) const FIELD_NAME: &str = "csrf";
const TOKEN_BYTES: usize = 32;

/// The token for this request: the cookie's, or a new one that the response must set.
#[derive(Clone, Debug)]
pub(crate) struct CsrfToken {
    value: String,
    /// True when the request carried no usable cookie, so `value` is new.
    is_new: bool,
    secure: bool,
}

impl CsrfToken {
    fn from_cookie_value(cookie: Option<&str>, secure: bool) -> CsrfToken {
        match cookie.filter(|value| is_well_formed(value)) {
            Some(value) => CsrfToken {
                value: value.to_owned(),
                is_new: false,
                secure,
            },
            None => CsrfToken {
                value: generate_token(),
                is_new: true,
                secure,
            },
        }
    }

    /// The value for the hidden `csrf` field.
    pub(crate) fn value(&self) -> &str {
        &self.value
    }

    /// True when the submitted field equals the token the browser's cookie holds. A
    /// request without the cookie never passes, whatever it submits.
    pub(crate) fn matches(&self, submitted: Option<&str>) -> bool {
        if self.is_new {
            return false;
        }
        submitted
            .is_some_and(|submitted| constant_time_eq(submitted.as_bytes(), self.value.as_bytes()))
    }

    /// The cookie the response must set, when the token is new.
    pub(crate) fn cookie_to_set(&self) -> Option<Cookie<'static>> {
        self.is_new
            .then(|| csrf_cookie(self.value.clone(), self.secure))
    }
}

impl FromRequestParts<ApiState> for CsrfToken {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, Infallible> {
        let jar = CookieJar::from_headers(&parts.headers);
        Ok(CsrfToken::from_cookie_value(
            jar.get(COOKIE_NAME).map(Cookie::value),
            state.config().production,
        ))
    }
}

fn generate_token() -> String {
    let mut bytes = [0u8; TOKEN_BYTES];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Only tokens this module could have made; anything else is replaced, never echoed.
fn is_well_formed(value: &str) -> bool {
    value.len() == TOKEN_BYTES * 2 && value.bytes().all(|byte| byte.is_ascii_hexdigit())
}

/// A session cookie (no Max-Age): it only has to outlive the page that holds the form.
pub(crate) fn csrf_cookie(value: String, secure: bool) -> Cookie<'static> {
    Cookie::build((COOKIE_NAME, value))
        .http_only(true)
        .same_site(SameSite::Strict)
        .path("/dashboard")
        .secure(secure)
        .build()
}

/// Compares in time that depends only on the lengths, never on where the bytes differ.
pub(crate) fn constant_time_eq(left: &[u8], right: &[u8]) -> bool {
    if left.len() != right.len() {
        return false;
    }
    left.iter()
        .zip(right)
        .fold(0u8, |difference, (a, b)| difference | (a ^ b))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_comparison() {
        let cases: [(&[u8], &[u8], bool); 6] = [
            (b"", b"", true),
            (b"abc", b"abc", true),
            (b"abc", b"abd", false),
            (b"abc", b"ab", false),
            (b"", b"a", false),
            (b"xbc", b"abc", false),
        ];
        for (left, right, expected) in cases {
            assert_eq!(
                constant_time_eq(left, right),
                expected,
                "{left:?} {right:?}"
            );
        }
    }

    #[test]
    fn a_cookie_token_matches_only_itself() {
        let value = "ab".repeat(TOKEN_BYTES);
        let token = CsrfToken::from_cookie_value(Some(&value), false);
        assert!(!token.is_new);
        assert!(token.cookie_to_set().is_none());
        assert!(token.matches(Some(&value)));
        assert!(!token.matches(Some(&"ac".repeat(TOKEN_BYTES))));
        assert!(!token.matches(Some("")));
        assert!(!token.matches(None));
    }

    #[test]
    fn without_a_cookie_nothing_matches_and_a_new_token_is_set() {
        for cookie in [
            None,
            Some(""),
            Some("short"),
            Some(&*"zz".repeat(TOKEN_BYTES)),
        ] {
            let token = CsrfToken::from_cookie_value(cookie, true);
            assert!(token.is_new);
            assert!(is_well_formed(token.value()));
            assert_ne!(Some(token.value()), cookie);
            assert!(!token.matches(Some(token.value())), "{cookie:?}");
            let set = token
                .cookie_to_set()
                .expect("a new token is set")
                .to_string();
            assert!(
                set.starts_with(&format!("haat_csrf={}", token.value())),
                "{set}"
            );
            for attribute in ["HttpOnly", "SameSite=Strict", "Path=/dashboard", "Secure"] {
                assert!(set.contains(attribute), "{set} lacks {attribute}");
            }
            assert!(!set.contains("Max-Age"), "{set}");
        }
    }

    #[test]
    fn tokens_are_random() {
        assert_ne!(generate_token(), generate_token());
    }

    #[test]
    fn insecure_cookie_outside_production() {
        let set = csrf_cookie("00".repeat(TOKEN_BYTES), false).to_string();
        assert!(!set.contains("Secure"), "{set}");
    }
}
