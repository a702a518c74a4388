//! The `haatpay` event as it travels (`docs/payments.md`): extra fields a gateway adds
//! are ignored; the required ones must be present and well-formed.

use haat_db::{GatewayStatus, PaymentEvent};
use haat_domain::{Currency, PaymentRef};
use haat_http::ApiError;
use http::StatusCode;
use serde::{Deserialize, Serialize};

/// The provider name of Haat's generic gateway protocol.
pub const PROVIDER: &str = "haatpay";

/// One payment event, signed in `Haat-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret,
/// "<t>.<raw body>")>`.
#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
pub struct WireEvent {
    /// The gateway's id of this event: the same id delivered again is applied once.
    pub event_id: String,
    /// The order's `payment_ref`.
    pub order_ref: String,
    pub amount_minor: i64,
    /// ISO 4217, e.g. `INR`.
    pub currency: String,
    /// `captured` | `failed` | `refunded`
    pub status: String,
}

/// The protocol's shape of an event id: 1 to 200 visible ASCII characters.
fn is_event_id(text: &str) -> bool {
    (1..=200).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_graphic())
}

/// The body's `event_id` if it has the protocol's shape, for the audit row and the logs,
/// before (and whether or not) the rest of the body is valid.
pub(crate) fn audit_event_id(body: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct Probe {
        event_id: Option<serde_json::Value>,
    }
    let probe: Probe = serde_json::from_slice(body).ok()?;
    let text = probe.event_id?.as_str()?.to_owned();
    is_event_id(&text).then_some(text)
}

fn invalid(field: &str, message: &str) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_event", message).with_field(field)
}

/// Parses and validates one event body.
pub fn parse_event(provider: &str, body: &[u8]) -> Result<PaymentEvent, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|_| invalid("body", "the body is not a JSON object"))?;
    let object = value
        .as_object()
        .ok_or_else(|| invalid("body", "the body is not a JSON object"))?;
    let text = |field: &str| -> Result<String, ApiError> {
        object
            .get(field)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
            .ok_or_else(|| invalid(field, &format!("{field} must be a string")))
    };
    let event_id = text("event_id")?;
    if !is_event_id(&event_id) {
        return Err(invalid(
            "event_id",
            "event_id must be 1 to 200 visible ASCII characters",
        ));
    }
    let order_ref = PaymentRef::parse(&text("order_ref")?)
        .map_err(|_| invalid("order_ref", "order_ref is not a payment reference"))?;
    let amount_minor = object
        .get("amount_minor")
        .and_then(|v| v.as_i64())
        .filter(|amount| *amount >= 0)
        .ok_or_else(|| {
            invalid(
                "amount_minor",
                "amount_minor must be a whole number of minor units, 0 or more",
            )
        })?;
    let currency = Currency::parse(&text("currency")?)
        .map_err(|_| invalid("currency", "currency is not one Haat knows"))?;
    let status = GatewayStatus::parse(&text("status")?)
        .ok_or_else(|| invalid("status", "status must be captured, failed or refunded"))?;
    Ok(PaymentEvent {
        provider: provider.to_owned(),
        event_id,
        order_ref,
        amount_minor,
        currency,
        status,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_complete_event_parses_and_extra_fields_are_ignored() {
        let event = parse_event(
            PROVIDER,
            br#"{"event_id":"evt_1","order_ref":"HT0123456789ABCDEF01","amount_minor":45000,"currency":"INR","status":"captured","method":"upi"}"#,
        )
        .unwrap();
        assert_eq!(event.amount_minor, 45_000);
        assert_eq!(event.status, GatewayStatus::Captured);
    }

    #[test]
    fn each_bad_field_is_named() {
        let cases: [(&[u8], &str); 7] = [
            (b"not json", "body"),
            (b"[]", "body"),
            (br#"{"order_ref":"HT1234","amount_minor":1,"currency":"INR","status":"captured"}"#, "event_id"),
            (br#"{"event_id":"e","order_ref":"a b","amount_minor":1,"currency":"INR","status":"captured"}"#, "order_ref"),
            (br#"{"event_id":"e","order_ref":"HT1234","amount_minor":-1,"currency":"INR","status":"captured"}"#, "amount_minor"),
            (br#"{"event_id":"e","order_ref":"HT1234","amount_minor":1,"currency":"XXX","status":"captured"}"#, "currency"),
            (br#"{"event_id":"e","order_ref":"HT1234","amount_minor":1,"currency":"INR","status":"pending"}"#, "status"),
        ];
        for (body, field) in cases {
            let error = parse_event(PROVIDER, body).unwrap_err();
            assert_eq!(error.field.as_deref(), Some(field));
            assert_eq!(error.status, 422);
        }
    }
}
