//! `GET /media/{hash}/{file}`: image variants from the [`MediaStore`](haat_media::MediaStore).
//!
//! The path goes through `MediaKey::parse`, which accepts exactly
//! `<64 lowercase hex>/<width>.<webp|jpg>`: traversal attempts, other spellings and
//! unknown objects all get the same small plain 404. Keys are content-hashed, so a found
//! object is served as immutable for a year.

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use haat_media::{MediaKey, IMMUTABLE_CACHE_CONTROL};
use http::{header, HeaderMap, HeaderValue, StatusCode};

use crate::StorefrontState;

pub(crate) async fn serve_media(
    State(state): State<StorefrontState>,
    path: Result<Path<String>, PathRejection>,
    request_headers: HeaderMap,
) -> Response {
    let Some(key) = path.ok().and_then(|Path(raw)| MediaKey::parse(&raw)) else {
        return not_found();
    };
    let object = match state.media.get(&key).await {
        Ok(Some(object)) => object,
        Ok(None) => return not_found(),
        Err(error) => {
            tracing::warn!(media.key = %key, %error, "media store unavailable");
            return unavailable();
        }
    };
    let Ok(etag) = HeaderValue::from_str(&object.etag) else {
        return not_found();
    };
    let revalidated = request_headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|candidates| matches_etag(candidates, &object.etag));
    let mut response = if revalidated {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut response = Body::from(object.bytes).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(object.content_type),
        );
        response
    };
    let headers = response.headers_mut();
    headers.insert(header::ETAG, etag);
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(IMMUTABLE_CACHE_CONTROL),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// `If-None-Match` holds `*` or a comma-separated list of (possibly weak) tags.
fn matches_etag(candidates: &str, etag: &str) -> bool {
    candidates
        .split(',')
        .map(|candidate| candidate.trim().trim_start_matches("W/"))
        .any(|candidate| candidate == "*" || candidate == etag)
}

fn not_found() -> Response {
    plain(StatusCode::NOT_FOUND, "not found\n")
}

fn unavailable() -> Response {
    let mut response = plain(StatusCode::SERVICE_UNAVAILABLE, "try again shortly\n");
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    response
}

/// A tiny plain-text answer; never cached, since the object may appear later.
fn plain(status: StatusCode, text: &'static str) -> Response {
    let mut response = (status, text).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::matches_etag;

    #[test]
    fn if_none_match() {
        assert!(matches_etag("\"a-1.webp\"", "\"a-1.webp\""));
        assert!(matches_etag("\"x\", W/\"a-1.webp\"", "\"a-1.webp\""));
        assert!(matches_etag("*", "\"a-1.webp\""));
        assert!(!matches_etag("\"b\"", "\"a-1.webp\""));
    }
}
