//! Signing in and out: `POST /dashboard/login` sends a code, `POST /dashboard/verify`
//! checks it and sets the session cookie, `POST /dashboard/logout` revokes the session.
//!
//! Codes are issued and checked by the JSON API's own `send_code` / `check_code`, so the
//! rate limits and attempt counts are the same whichever door a seller uses, and every
//! refusal keeps the API's status code.

use std::time::Duration;

use axum::extract::rejection::FormRejection;
use axum::extract::State;
use axum::response::Response;
use axum::Form;
use haat_db::{OtpVerify, SessionKind};
use haat_domain::{OtpCode, Phone};
use http::request::Parts;
use http::{header, HeaderValue, StatusCode};

use crate::dashboard::csrf::CsrfToken;
use crate::dashboard::form::{self, csrf_ok, sentence, text, Fields};
use crate::dashboard::page::{self, PageResult, EXPIRED_FORM};
use crate::dashboard::session::{cleared_session_cookie, session_cookie, MaybeDashboardSeller};
use crate::dashboard::views::{CodePage, Layout, PhonePage, RetryForm};
use crate::routes::auth::{check_code, send_code as issue_code, verify_error};
use crate::ApiState;

/// `POST /dashboard/login` (phone): sends a code and shows the code form.
pub(crate) async fn send_code(
    State(state): State<ApiState>,
    csrf: CsrfToken,
    parts: Parts,
    form: Result<Form<Fields>, FormRejection>,
) -> PageResult {
    let fields = form::urlencoded(form)?;
    let typed_phone = text(&fields, "phone");
    if !csrf_ok(&csrf, &fields) {
        page::count_csrf_rejection();
        let form = PhoneForm::new(typed_phone).alert(EXPIRED_FORM);
        return Ok(phone_page(&state, &csrf, StatusCode::FORBIDDEN, form));
    }
    let phone = match Phone::parse(&typed_phone) {
        Ok(phone) => phone,
        Err(error) => {
            let form = PhoneForm::new(typed_phone).error(sentence(&error.message));
            return Ok(phone_page(
                &state,
                &csrf,
                StatusCode::UNPROCESSABLE_ENTITY,
                form,
            ));
        }
    };
    let error = match issue_code(&state, &parts, &phone).await {
        Ok(_) => {
            metrics::counter!("haat_dashboard_actions_total", "action" => "code_sent").increment(1);
            return Ok(code_page(&state, &csrf, StatusCode::OK, &phone, None));
        }
        Err(error) => error,
    };
    let api = error.to_api_error();
    let message = with_wait(sentence(&api.message), api.retry_after);
    let response = match api.status {
        // The phone's own limit: a code was sent moments ago, so ask for that one.
        StatusCode::TOO_MANY_REQUESTS if api.field.as_deref() == Some("phone") => {
            let wait = api.retry_after.unwrap_or(Duration::from_secs(1));
            let message = format!(
                "We already sent you a code: enter it here. You can ask for a new one in {}.",
                seconds_phrase(wait)
            );
            code_page(&state, &csrf, api.status, &phone, Some(message))
        }
        status if status.is_client_error() || status == StatusCode::SERVICE_UNAVAILABLE => {
            let form = PhoneForm::new(typed_phone).error(message);
            phone_page(&state, &csrf, status, form)
        }
        _ => return Ok(page::failure(&error)),
    };
    Ok(with_retry_after(response, api.retry_after))
}

/// `POST /dashboard/verify` (phone, code): on success, the session cookie and
/// `303 /dashboard`.
pub(crate) async fn verify(
    State(state): State<ApiState>,
    csrf: CsrfToken,
    parts: Parts,
    form: Result<Form<Fields>, FormRejection>,
) -> PageResult {
    let fields = form::urlencoded(form)?;
    let phone = match Phone::parse(&text(&fields, "phone")) {
        Ok(phone) => phone,
        Err(_) => {
            // The phone travels in a hidden field: a bad one is a broken form, so start over.
            let form = PhoneForm::new(String::new()).error("Please enter your phone number again.");
            return Ok(phone_page(&state, &csrf, StatusCode::BAD_REQUEST, form));
        }
    };
    if !csrf_ok(&csrf, &fields) {
        page::count_csrf_rejection();
        let message = Some(EXPIRED_FORM.to_owned());
        return Ok(code_page(
            &state,
            &csrf,
            StatusCode::FORBIDDEN,
            &phone,
            message,
        ));
    }
    let code = match OtpCode::parse(&text(&fields, "code")) {
        Ok(code) => code,
        Err(error) => {
            let message = Some(sentence(&error.message));
            return Ok(code_page(
                &state,
                &csrf,
                StatusCode::UNPROCESSABLE_ENTITY,
                &phone,
                message,
            ));
        }
    };
    let (token, outcome) =
        match check_code(&state, &parts, &phone, &code, SessionKind::Dashboard).await {
            Ok(checked) => checked,
            Err(error) => {
                let api = error.to_api_error();
                if api.status != StatusCode::TOO_MANY_REQUESTS {
                    return Ok(page::failure(&error));
                }
                let message = Some(with_wait(sentence(&api.message), api.retry_after));
                let response = code_page(&state, &csrf, api.status, &phone, message);
                return Ok(with_retry_after(response, api.retry_after));
            }
        };
    match outcome {
        OtpVerify::Verified { seller, new_seller } => {
            tracing::info!(seller.id = %seller.id, new_seller, "seller signed in to the dashboard");
            metrics::counter!("haat_dashboard_actions_total", "action" => "signed_in").increment(1);
            let config = state.config();
            let cookie = session_cookie(token, config.dashboard_session_ttl, config.production);
            Ok(page::with_cookie(page::see_other("/dashboard"), &cookie))
        }
        refused => {
            let api = verify_error(&refused);
            let message = Some(sentence(&api.message));
            Ok(code_page(&state, &csrf, api.status, &phone, message))
        }
    }
}

/// `POST /dashboard/logout`: revokes the session, clears the cookie, `303 /dashboard`.
pub(crate) async fn logout(
    State(state): State<ApiState>,
    csrf: CsrfToken,
    MaybeDashboardSeller(seller): MaybeDashboardSeller,
    form: Result<Form<Fields>, FormRejection>,
) -> PageResult {
    let fields = form::urlencoded(form)?;
    if !csrf_ok(&csrf, &fields) {
        let retry = RetryForm {
            action: "/dashboard/logout",
            label: "Log out",
            csrf: csrf.value().to_owned(),
        };
        return Ok(page::expired_form(retry, &csrf));
    }
    if let Some(seller) = &seller {
        state.db().revoke_session(seller.token_hash()).await?;
        tracing::info!(seller.id = %seller.seller.id, "dashboard session revoked");
        metrics::counter!("haat_dashboard_actions_total", "action" => "signed_out").increment(1);
    }
    let cookie = cleared_session_cookie(state.config().production);
    Ok(page::with_cookie(page::see_other("/dashboard"), &cookie))
}

/// The phone form's state when it is shown again.
pub(crate) struct PhoneForm {
    phone: String,
    error: Option<String>,
    alert: Option<String>,
}

impl PhoneForm {
    pub(crate) fn new(phone: String) -> PhoneForm {
        PhoneForm {
            phone,
            error: None,
            alert: None,
        }
    }

    fn error(mut self, message: impl Into<String>) -> PhoneForm {
        self.error = Some(message.into());
        self
    }

    fn alert(mut self, message: &str) -> PhoneForm {
        self.alert = Some(message.to_owned());
        self
    }
}

/// "Enter your phone number".
pub(crate) fn phone_page(
    state: &ApiState,
    csrf: &CsrfToken,
    status: StatusCode,
    form: PhoneForm,
) -> Response {
    let page = PhonePage {
        layout: sign_in_layout(state, "Sign in").with_alert(form.alert),
        csrf: csrf.value().to_owned(),
        phone: form.phone,
        error: form.error,
    };
    page::render(status, &page, Some(csrf))
}

/// "Enter the code we sent"; the phone rides along in a hidden field.
fn code_page(
    state: &ApiState,
    csrf: &CsrfToken,
    status: StatusCode,
    phone: &Phone,
    error: Option<String>,
) -> Response {
    let page = CodePage {
        layout: sign_in_layout(state, "Enter your code"),
        csrf: csrf.value().to_owned(),
        phone: phone.as_e164().to_owned(),
        masked_phone: phone.masked(),
        error,
    };
    page::render(status, &page, Some(csrf))
}

/// The sign-in pages say where codes go when there is no SMS provider.
fn sign_in_layout(state: &ApiState, title: &str) -> Layout {
    let mut layout = Layout::new(title);
    layout.dev_notice = state.sms().outbox_path().map(|path| {
        format!(
            "Development mode: SMS messages are written to {}",
            path.display()
        )
    });
    layout
}

fn with_wait(message: String, retry_after: Option<Duration>) -> String {
    match retry_after {
        Some(wait) => format!("{message} Try again in {}.", seconds_phrase(wait)),
        None => message,
    }
}

/// "1 second", "27 seconds": whole seconds, rounded down, at least one.
fn seconds_phrase(wait: Duration) -> String {
    match wait.as_secs().max(1) {
        1 => "1 second".to_owned(),
        seconds => format!("{seconds} seconds"),
    }
}

fn with_retry_after(mut response: Response, retry_after: Option<Duration>) -> Response {
    if let Some(wait) = retry_after {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(wait.as_secs().max(1)),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_are_in_whole_seconds() {
        assert_eq!(
            with_wait("Wait.".to_owned(), Some(Duration::from_millis(27_400))),
            "Wait. Try again in 27 seconds."
        );
        assert_eq!(
            with_wait("Wait.".to_owned(), Some(Duration::from_millis(10))),
            "Wait. Try again in 1 second."
        );
        assert_eq!(with_wait("Wait.".to_owned(), None), "Wait.");
    }
}
