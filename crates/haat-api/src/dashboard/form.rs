//! Reading dashboard forms and explaining their errors in plain words.
//!
//! Parsing itself is `crate::input`'s (the JSON API's rules); this module reads the raw
//! fields, checks the CSRF field, and turns an `ApiError` into a message next to the field
//! at fault, with a status the API would also have answered (422, 400, 413, 415).

use std::collections::HashMap;

use axum::extract::rejection::FormRejection;
use axum::Form;
use haat_http::ApiError;
use http::StatusCode;

use crate::dashboard::csrf::{CsrfToken, FIELD_NAME};
use crate::dashboard::page::{self, ErrorKind, PageError};
use crate::ApiState;

/// A form's text fields by name.
pub(crate) type Fields = HashMap<String, String>;

/// The fields of a `application/x-www-form-urlencoded` body; anything unreadable is the
/// 400 page (or 413 for an oversized body).
pub(crate) fn urlencoded(form: Result<Form<Fields>, FormRejection>) -> Result<Fields, PageError> {
    match form {
        Ok(Form(fields)) => Ok(fields),
        Err(rejection) => {
            let status = rejection.status();
            let status = if status == StatusCode::PAYLOAD_TOO_LARGE {
                status
            } else {
                StatusCode::BAD_REQUEST
            };
            Err(PageError::from(page::error_page(
                status,
                ErrorKind::BadRequest,
            )))
        }
    }
}

/// A field's text, or empty when absent.
pub(crate) fn text(fields: &Fields, name: &str) -> String {
    fields.get(name).cloned().unwrap_or_default()
}

/// True when the form's `csrf` field matches the browser's CSRF cookie.
pub(crate) fn csrf_ok(csrf: &CsrfToken, fields: &Fields) -> bool {
    csrf.matches(fields.get(FIELD_NAME).map(String::as_str))
}

/// Messages to show next to fields, plus one for the form as a whole.
#[derive(Clone, Debug, Default)]
pub(crate) struct FieldErrors {
    by_field: Vec<(&'static str, String)>,
    general: Option<String>,
}

impl FieldErrors {
    /// The message for `field`, if it has one (called from templates).
    pub(crate) fn get(&self, field: &str) -> Option<&str> {
        self.by_field
            .iter()
            .find(|(name, _)| *name == field)
            .map(|(_, message)| message.as_str())
    }

    /// The message for the whole form, if any.
    pub(crate) fn general(&self) -> Option<String> {
        self.general.clone()
    }

    /// Several errors at once (one per field, say); the first message for a field wins.
    pub(crate) fn from_api_errors(
        errors: &[ApiError],
        fields: &[&'static str],
        max_photo: &str,
    ) -> FieldErrors {
        let mut merged = FieldErrors::default();
        for error in errors {
            let one = FieldErrors::from_api_error(error, fields, max_photo);
            merged.by_field.extend(one.by_field);
            merged.general = merged.general.or(one.general);
        }
        merged
    }

    /// Places `error` next to the form field it names. `fields` are the form's inputs;
    /// the API's alternative spellings (`price_minor`, `category_id`) land on the input
    /// the seller actually sees. Photo problems get the friendly photo message.
    pub(crate) fn from_api_error(
        error: &ApiError,
        fields: &[&'static str],
        max_photo: &str,
    ) -> FieldErrors {
        let field = match error.field.as_deref() {
            Some("price_minor") => Some("price"),
            Some("category_id") => Some("category"),
            Some(name) => fields.iter().copied().find(|known| *known == name),
            None => None,
        };
        let is_photo = field == Some("image") || is_photo_code(error.code);
        if is_photo && fields.contains(&"image") {
            return FieldErrors {
                by_field: vec![("image", photo_message(error.code, max_photo))],
                general: None,
            };
        }
        match field {
            Some(field) => FieldErrors {
                by_field: vec![(field, sentence(&error.message))],
                general: None,
            },
            None => FieldErrors {
                by_field: Vec::new(),
                general: Some(sentence(&error.message)),
            },
        }
    }
}

fn is_photo_code(code: &str) -> bool {
    matches!(
        code,
        "image_too_large"
            | "body_too_large"
            | "unsupported_image_type"
            | "image_too_many_pixels"
            | "corrupt_image"
            | "empty_image"
    )
}

/// What to tell a seller about a photo that was refused; never the decoder's words.
pub(crate) fn photo_message(code: &str, max_photo: &str) -> String {
    let rule = format!("only JPEG, PNG or WebP photos up to {max_photo}");
    match code {
        "image_too_large" | "body_too_large" => {
            format!("This photo is too big: {rule}.")
        }
        "unsupported_image_type" => {
            format!("This file is not a photo we can use: {rule}.")
        }
        "image_too_many_pixels" => {
            format!("This photo has too many pixels; please choose a smaller one ({rule}).")
        }
        _ => format!("We could not read this photo; please choose another ({rule})."),
    }
}

/// "15 MB", from the configured upload limit.
pub(crate) fn max_photo_label(state: &ApiState) -> String {
    let megabytes = state.images().policy().max_upload_bytes / (1024 * 1024);
    format!("{} MB", megabytes.max(1))
}

/// The API's lowercase message as a sentence: first letter capital, final period.
pub(crate) fn sentence(message: &str) -> String {
    let mut characters = message.trim().chars();
    let Some(first) = characters.next() else {
        return String::new();
    };
    let mut sentence: String = first.to_uppercase().chain(characters).collect();
    if !sentence.ends_with(['.', '!', '?']) {
        sentence.push('.');
    }
    sentence
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRODUCT_FIELDS: [&str; 7] = [
        "name",
        "price",
        "description",
        "category",
        "stock",
        "active",
        "image",
    ];

    #[test]
    fn sentences() {
        assert_eq!(sentence("price is required"), "Price is required.");
        assert_eq!(sentence("done."), "Done.");
        assert_eq!(sentence(""), "");
        assert_eq!(sentence("ऑर्डर"), "ऑर्डर.");
    }

    #[test]
    fn errors_land_on_the_visible_field() {
        let check = |error: ApiError, field: Option<&str>, general: bool| {
            let errors = FieldErrors::from_api_error(&error, &PRODUCT_FIELDS, "15 MB");
            match field {
                Some(field) => assert!(errors.get(field).is_some(), "{error}"),
                None => assert!(errors.by_field.is_empty(), "{error}"),
            }
            assert_eq!(errors.general().is_some(), general, "{error}");
        };
        let invalid = |field: &str| {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_price", "bad")
                .with_field(field)
        };
        check(invalid("name"), Some("name"), false);
        check(invalid("price_minor"), Some("price"), false);
        check(invalid("category_id"), Some("category"), false);
        check(invalid("nonsense"), None, true);
        check(ApiError::bad_request("invalid_body", "x"), None, true);
        check(
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", "x"),
            Some("image"),
            false,
        );
    }

    #[test]
    fn several_errors_keep_the_first_per_field() {
        let invalid = |field: &str, message: &str| {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_name", message)
                .with_field(field)
        };
        let errors = FieldErrors::from_api_errors(
            &[
                invalid("price", "first"),
                invalid("name", "name"),
                invalid("price", "second"),
                ApiError::bad_request("invalid_body", "general"),
            ],
            &PRODUCT_FIELDS,
            "15 MB",
        );
        assert_eq!(errors.get("price"), Some("First."));
        assert_eq!(errors.get("name"), Some("Name."));
        assert_eq!(errors.general().as_deref(), Some("General."));
    }

    #[test]
    fn photo_errors_are_friendly() {
        let error = ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_image_type",
            "decoder internals",
        )
        .with_field("image");
        let errors = FieldErrors::from_api_error(&error, &PRODUCT_FIELDS, "15 MB");
        let message = errors.get("image").unwrap();
        assert!(
            message.contains("only JPEG, PNG or WebP photos up to 15 MB"),
            "{message}"
        );
        assert!(!message.contains("internals"));
        for code in [
            "image_too_large",
            "corrupt_image",
            "empty_image",
            "image_too_many_pixels",
        ] {
            assert!(photo_message(code, "15 MB").contains("up to 15 MB"));
        }
    }
}
