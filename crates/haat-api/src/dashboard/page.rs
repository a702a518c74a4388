//! Turning templates and failures into responses: HTML with the right status and cookies,
//! `303 See Other` after a successful POST, and the friendly error pages (404, 403, 4xx,
//! 5xx) in the dashboard's layout.
//!
//! This is the dashboard's one place that decides which page an error becomes; the
//! status code still comes from `Error::to_api_error`, so the dashboard and the JSON API
//! answer the same failure with the same status.

use askama::Template;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::Cookie;
use haat_db::DbError;
use haat_http::ApiError;
use haat_media::MediaError;
use http::{header, HeaderValue, StatusCode};

use crate::dashboard::csrf::CsrfToken;
use crate::dashboard::views::{ErrorPage, Layout, RetryForm};

/// Renders `template` with `status`; sets the CSRF cookie when the token is new.
pub(crate) fn render<T: Template>(
    status: StatusCode,
    template: &T,
    csrf: Option<&CsrfToken>,
) -> Response {
    let body = match template.render() {
        Ok(body) => body,
        Err(error) => {
            tracing::error!(error = %error, "dashboard template failed to render");
            return plain_failure();
        }
    };
    let mut response = (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response();
    if let Some(cookie) = csrf.and_then(CsrfToken::cookie_to_set) {
        response = with_cookie(response, &cookie);
    }
    response
}

/// Adds a `Set-Cookie` header (several may be added).
pub(crate) fn with_cookie(mut response: Response, cookie: &Cookie<'_>) -> Response {
    if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// `303 See Other`: after a POST, the browser GETs `location`, so a reload does not
/// submit the form again.
pub(crate) fn see_other(location: &str) -> Response {
    let location =
        HeaderValue::from_str(location).unwrap_or(HeaderValue::from_static("/dashboard"));
    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
}

/// What went wrong, as a seller is told it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ErrorKind {
    NotFound,
    ProductNotFound,
    BadRequest,
    TooManyRequests,
    Unavailable,
    Internal,
}

impl ErrorKind {
    fn heading_and_message(self) -> (&'static str, &'static str) {
        match self {
            ErrorKind::NotFound => (
                "Page not found",
                "We could not find this page. It may have been moved or deleted.",
            ),
            ErrorKind::ProductNotFound => (
                "Product not found",
                "This product is not in your store. It may have been deleted.",
            ),
            ErrorKind::BadRequest => (
                "Something was wrong with that form",
                "We could not read what was sent. Please go back and try again.",
            ),
            ErrorKind::TooManyRequests => (
                "Please slow down",
                "There were too many tries in a short time. Wait a minute and try again.",
            ),
            ErrorKind::Unavailable => (
                "We are busy right now",
                "Haat is busy at the moment. Please try again in a few seconds.",
            ),
            ErrorKind::Internal => (
                "Something went wrong",
                "Something went wrong on our side. Please try again; if it keeps happening, tell us.",
            ),
        }
    }
}

/// A full error page with a way back to the dashboard.
pub(crate) fn error_page(status: StatusCode, kind: ErrorKind) -> Response {
    let (heading, message) = kind.heading_and_message();
    let page = ErrorPage {
        layout: Layout::new(heading),
        heading,
        message: message.to_owned(),
        retry: None,
    };
    render(status, &page, None)
}

/// The 403 for a form whose CSRF token is missing or wrong, with a fresh form that only
/// needs pressing again (used where the form has nothing to keep, such as "Log out").
pub(crate) fn expired_form(retry: RetryForm, csrf: &CsrfToken) -> Response {
    count_csrf_rejection();
    let page = ErrorPage {
        layout: Layout::new("Please try again"),
        heading: "Please try again",
        message: EXPIRED_FORM.to_owned(),
        retry: Some(retry),
    };
    render(StatusCode::FORBIDDEN, &page, Some(csrf))
}

/// What a form re-rendered after a CSRF failure says at its top.
pub(crate) const EXPIRED_FORM: &str = "This form has expired, please try again.";

/// Counts a refused CSRF token, for forms that re-render themselves with the notice.
pub(crate) fn count_csrf_rejection() {
    metrics::counter!("haat_dashboard_actions_total", "action" => "csrf_rejected").increment(1);
}

/// The page for an error no form can show next to a field.
pub(crate) fn failure(error: &crate::Error) -> Response {
    // `to_api_error` logs server faults with their cause chain.
    let api = error.to_api_error();
    let kind = match api.status {
        StatusCode::NOT_FOUND => ErrorKind::NotFound,
        StatusCode::TOO_MANY_REQUESTS => ErrorKind::TooManyRequests,
        StatusCode::SERVICE_UNAVAILABLE => ErrorKind::Unavailable,
        status if status.is_client_error() => ErrorKind::BadRequest,
        _ => ErrorKind::Internal,
    };
    let mut response = error_page(api.status, kind);
    if let Some(retry_after) = api.retry_after {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(retry_after.as_secs()),
        );
    }
    response
}

fn plain_failure() -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "something went wrong on our side; please try again",
    )
        .into_response()
}

/// A handler's early exit: a page already rendered, usually from an error. Lets handlers
/// use `?` on database, media and API errors. Boxed: `Result`s carrying it stay small.
pub(crate) struct PageError(Box<Response>);

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        *self.0
    }
}

impl From<Response> for PageError {
    fn from(response: Response) -> Self {
        PageError(Box::new(response))
    }
}

impl From<crate::Error> for PageError {
    fn from(error: crate::Error) -> Self {
        failure(&error).into()
    }
}

impl From<DbError> for PageError {
    fn from(error: DbError) -> Self {
        crate::Error::from(error).into()
    }
}

impl From<ApiError> for PageError {
    fn from(error: ApiError) -> Self {
        crate::Error::from(error).into()
    }
}

impl From<MediaError> for PageError {
    fn from(error: MediaError) -> Self {
        crate::Error::from(error).into()
    }
}

pub(crate) type PageResult = Result<Response, PageError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_become_pages_with_the_api_status() {
        let check = |error: crate::Error, status: StatusCode| {
            let response = failure(&error);
            assert_eq!(response.status(), status);
            assert_eq!(
                response.headers()[header::CONTENT_TYPE],
                "text/html; charset=utf-8"
            );
        };
        check(DbError::NotFound.into(), StatusCode::NOT_FOUND);
        check(
            ApiError::bad_request("invalid_multipart", "x").into(),
            StatusCode::BAD_REQUEST,
        );
        check(
            ApiError::too_many_requests(std::time::Duration::from_secs(9), "x").into(),
            StatusCode::TOO_MANY_REQUESTS,
        );
        check(
            MediaError::Processing("x".into()).into(),
            StatusCode::INTERNAL_SERVER_ERROR,
        );
    }

    #[test]
    fn see_other_points_at_the_location() {
        let response = see_other("/dashboard?done=added");
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            response.headers()[header::LOCATION],
            "/dashboard?done=added"
        );
    }
}
