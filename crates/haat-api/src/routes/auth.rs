//! `POST /api/v1/auth/otp`, `/verify` and `/logout`.

use axum::extract::State;
use axum::http::request::Parts;
use haat_db::{NewSession, OtpIssue, OtpVerify, SessionKind};
use haat_domain::{OtpCode, Phone};
use haat_http::{client_ip, ApiError, Json};
use haat_sms::SmsMessage;
use http::StatusCode;

use crate::auth::{code_hash, generate_code, generate_token, AuthSeller};
use crate::wire::{OtpRequest, OtpSent, SellerBody, SessionBody, VerifyRequest};
use crate::{ApiState, Result};

/// Why a code was refused, as the client sees it.
pub(crate) fn verify_error(outcome: &OtpVerify) -> ApiError {
    match outcome {
        OtpVerify::Wrong { attempts_left } => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "wrong_code",
            format!("that code is not right; {attempts_left} attempts left"),
        )
        .with_field("code"),
        OtpVerify::TooManyAttempts => ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            "too many wrong codes; request a new code",
        )
        .with_field("code"),
        _ => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "no_active_code",
            "no valid code for this phone; request a new code",
        )
        .with_field("code"),
    }
}

/// Issues and sends a code; shared by the API and the dashboard.
pub(crate) async fn send_code(state: &ApiState, parts: &Parts, phone: &Phone) -> Result<OtpSent> {
    let ip = client_ip(parts, state.config().trust_forwarded_for);
    if let Err(wait) = state.otp_ip_limiter().check(ip) {
        metrics::counter!("haat_auth_otp_total", "outcome" => "ip_limited").increment(1);
        return Err(ApiError::too_many_requests(
            wait,
            "too many code requests from this network; try later",
        )
        .into());
    }
    let code = generate_code();
    let code = OtpCode::parse(&code).expect("generated codes are 6 digits");
    let hash = code_hash(state.secret(), phone, &code);
    let limits = state.config().otp_limits;
    let challenge_id = match state.db().issue_otp(phone, &hash, limits).await? {
        OtpIssue::Issued { challenge_id } => challenge_id,
        OtpIssue::RateLimited { retry_after } => {
            metrics::counter!("haat_auth_otp_total", "outcome" => "phone_limited").increment(1);
            return Err(ApiError::too_many_requests(
                retry_after,
                "a code was sent recently; wait before asking for another",
            )
            .with_field("phone")
            .into());
        }
    };
    let message = SmsMessage {
        to: phone.clone(),
        text: format!(
            "{} is your Haat login code. It expires in {} minutes. Do not share it.",
            code.as_str(),
            limits.code_ttl.as_secs() / 60
        ),
        otp: Some(code.as_str().to_owned()),
        id: None,
    };
    if let Err(error) = state.sms().send(&message).await {
        // Undelivered: forget it so it neither works nor counts against the limits.
        state.db().withdraw_otp(challenge_id).await?;
        metrics::counter!("haat_auth_otp_total", "outcome" => "sms_failed").increment(1);
        return Err(error.into());
    }
    metrics::counter!("haat_auth_otp_total", "outcome" => "sent").increment(1);
    tracing::info!("login code sent");
    Ok(OtpSent {
        sent: true,
        expires_in: limits.code_ttl.as_secs(),
        retry_after: limits.min_interval.as_secs(),
    })
}

/// Verifies a code; on success returns the seller and a new session token.
pub(crate) async fn check_code(
    state: &ApiState,
    parts: &Parts,
    phone: &Phone,
    code: &OtpCode,
    kind: SessionKind,
) -> Result<(String, OtpVerify)> {
    let ip = client_ip(parts, state.config().trust_forwarded_for);
    if let Err(wait) = state.verify_ip_limiter().check(ip) {
        return Err(ApiError::too_many_requests(
            wait,
            "too many attempts from this network; try later",
        )
        .into());
    }
    let (token, token_hash) = generate_token();
    let session = NewSession {
        token_hash,
        kind,
        ttl: match kind {
            SessionKind::Api => state.config().api_session_ttl,
            SessionKind::Dashboard => state.config().dashboard_session_ttl,
        },
    };
    let hash = code_hash(state.secret(), phone, code);
    let outcome = state
        .db()
        .verify_otp(phone, &hash, &session, state.config().otp_limits)
        .await?;
    let label = match &outcome {
        OtpVerify::Verified { .. } => "verified",
        OtpVerify::Wrong { .. } => "wrong",
        OtpVerify::NoActiveCode => "no_active_code",
        OtpVerify::TooManyAttempts => "too_many_attempts",
    };
    metrics::counter!("haat_auth_verify_total", "outcome" => label).increment(1);
    Ok((token, outcome))
}

#[utoipa::path(post, path = "/api/v1/auth/otp", tag = "auth", request_body = OtpRequest,
    responses((status = 200, body = OtpSent), (status = 422, body = haat_http::ErrorBody),
              (status = 429, description = "rate limited; see Retry-After", body = haat_http::ErrorBody)))]
pub async fn request_otp(
    State(state): State<ApiState>,
    parts: Parts,
    Json(body): Json<OtpRequest>,
) -> Result<Json<OtpSent>> {
    let phone = Phone::parse(&body.phone).map_err(|e| ApiError::invalid("phone", e))?;
    Ok(Json(send_code(&state, &parts, &phone).await?))
}

#[utoipa::path(post, path = "/api/v1/auth/verify", tag = "auth", request_body = VerifyRequest,
    responses((status = 200, body = SessionBody), (status = 422, body = haat_http::ErrorBody),
              (status = 429, body = haat_http::ErrorBody)))]
pub async fn verify(
    State(state): State<ApiState>,
    parts: Parts,
    Json(body): Json<VerifyRequest>,
) -> Result<Json<SessionBody>> {
    let phone = Phone::parse(&body.phone).map_err(|e| ApiError::invalid("phone", e))?;
    let code = OtpCode::parse(&body.code).map_err(|e| ApiError::invalid("code", e))?;
    let (token, outcome) = check_code(&state, &parts, &phone, &code, SessionKind::Api).await?;
    match outcome {
        OtpVerify::Verified { seller, new_seller } => {
            tracing::info!(seller.id = %seller.id, new_seller, "seller logged in");
            Ok(Json(SessionBody {
                token,
                seller: SellerBody::from(&seller),
                new_seller,
            }))
        }
        other => Err(verify_error(&other).into()),
    }
}

#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    security(("bearer" = [])),
    responses((status = 204), (status = 401, body = haat_http::ErrorBody)))]
pub async fn logout(State(state): State<ApiState>, seller: AuthSeller) -> Result<StatusCode> {
    state.db().revoke_session(&seller.token_hash).await?;
    tracing::info!(seller.id = %seller.seller.id, "session revoked");
    Ok(StatusCode::NO_CONTENT)
}
