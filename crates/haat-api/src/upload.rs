//! Receiving a photo: from a raw request body or a multipart `image` part, through the
//! image pipeline (sniffing, limits, EXIF stripping, variants) into object storage.

use std::collections::HashMap;

use axum::extract::{FromRequest, Multipart, Request};
use bytes::Bytes;
use haat_domain::catalog::ImageRef;
use haat_http::ApiError;
use haat_media::MediaError;
use http::{header, StatusCode};

use crate::{ApiState, Result};

/// A multipart body split into its text fields and an optional `image` part.
pub struct MultipartForm {
    pub fields: HashMap<String, String>,
    pub image: Option<Bytes>,
}

const MAX_TEXT_FIELD_BYTES: usize = 64 * 1024;

fn multipart_error(error: axum::extract::multipart::MultipartError) -> ApiError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            "the upload is too large",
        )
    } else {
        ApiError::bad_request("invalid_multipart", "the multipart body could not be read")
    }
}

pub async fn read_multipart(state: &ApiState, request: Request) -> Result<MultipartForm> {
    let mut multipart = Multipart::from_request(request, state).await.map_err(|_| {
        ApiError::bad_request("invalid_multipart", "expected a multipart/form-data body")
    })?;
    let mut form = MultipartForm {
        fields: HashMap::new(),
        image: None,
    };
    while let Some(part) = multipart.next_field().await.map_err(multipart_error)? {
        let name = part.name().unwrap_or_default().to_owned();
        if name == "image" {
            let bytes = part
                .bytes()
                .await
                .map_err(|error| match multipart_error(error) {
                    // Over the body limit inside the photo: the photo is too large, as for a raw body.
                    too_large if too_large.status == StatusCode::PAYLOAD_TOO_LARGE => {
                        crate::Error::from(MediaError::TooLarge {
                            limit_bytes: state.images().policy().max_upload_bytes,
                        })
                    }
                    other => other.with_field("image").into(),
                })?;
            // An empty file input (no photo chosen) is the same as no image.
            if !bytes.is_empty() {
                form.image = Some(bytes);
            }
            continue;
        }
        let bytes = part.bytes().await.map_err(multipart_error)?;
        if bytes.len() > MAX_TEXT_FIELD_BYTES {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "field_too_large",
                format!("{name} is too long"),
            )
            .with_field(name)
            .into());
        }
        let text = String::from_utf8(bytes.to_vec()).map_err(|_| {
            ApiError::bad_request("invalid_utf8", format!("{name} is not valid UTF-8"))
                .with_field(name.clone())
        })?;
        if form.fields.insert(name.clone(), text).is_some() {
            return Err(ApiError::bad_request(
                "duplicate_field",
                format!("{name} was given twice"),
            )
            .with_field(name)
            .into());
        }
    }
    Ok(form)
}

pub fn is_multipart(request: &Request) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("multipart/form-data"))
}

/// Processes uploaded bytes and stores every variant; returns the reference to save.
pub async fn store_image(state: &ApiState, bytes: Bytes) -> Result<ImageRef> {
    let processed = state.images().process(bytes).await?;
    state.media().put_image(&processed).await?;
    Ok(ImageRef {
        hash: processed.hash.clone(),
        width: processed.width,
        height: processed.height,
        variant_widths: processed.variant_widths(),
    })
}

/// The image of a `PUT …/image` request: a multipart `image` part or the raw body.
pub async fn image_from_request(state: &ApiState, request: Request) -> Result<ImageRef> {
    let bytes = if is_multipart(&request) {
        let form = read_multipart(state, request).await?;
        form.image.ok_or(MediaError::Empty)?
    } else {
        let limit = state.images().policy().max_upload_bytes;
        axum::body::to_bytes(request.into_body(), limit)
            .await
            .map_err(|_| MediaError::TooLarge { limit_bytes: limit })?
    };
    store_image(state, bytes).await
}
