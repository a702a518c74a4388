//! `MediaError`: every way an upload can be refused or a media operation can fail.
//!
//! Client errors carry only what a seller can act on (a limit, a dimension); decoder and
//! storage internals stay in the `source` chain for logs and never reach a response body.

use std::path::PathBuf;

/// Why an image could not be accepted, processed or stored.
#[derive(thiserror::Error, Debug)]
pub enum MediaError {
    /// The upload exceeds `ImagePolicy::max_upload_bytes`.
    #[error("image is larger than the {limit_bytes} byte limit")]
    TooLarge { limit_bytes: usize },

    /// The upload has no bytes at all.
    #[error("image is empty")]
    Empty,

    /// The bytes are not a JPEG, PNG or WebP file, whatever the file name says.
    #[error("only JPEG, PNG and WebP images are accepted")]
    UnsupportedType,

    /// The header declares more pixels (or a longer side) than the policy allows.
    #[error("image dimensions {width}x{height} exceed the allowed size")]
    TooManyPixels { width: u32, height: u32 },

    /// The file looks like a supported type but cannot be decoded. The message is short
    /// and generic on purpose: decoder messages describe internals, not the seller's photo.
    #[error("image could not be decoded: {0}")]
    Corrupt(String),

    /// Resizing or encoding failed on an image that decoded fine: a server fault.
    #[error("image processing failed: {0}")]
    Processing(String),

    /// The object store refused a read or a write.
    #[error("media storage failed")]
    Storage(#[from] object_store::Error),

    /// The local media directory could not be created.
    #[error("could not create the media directory {path}")]
    StorageSetup {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl MediaError {
    /// A stable, machine-readable code for API responses and the `reason` metric label.
    pub fn code(&self) -> &'static str {
        match self {
            MediaError::TooLarge { .. } => "image_too_large",
            MediaError::Empty => "empty_image",
            MediaError::UnsupportedType => "unsupported_image_type",
            MediaError::TooManyPixels { .. } => "image_too_many_pixels",
            MediaError::Corrupt(_) => "corrupt_image",
            MediaError::Processing(_) => "image_processing_failed",
            MediaError::Storage(_) | MediaError::StorageSetup { .. } => "storage_error",
        }
    }

    /// True when the upload itself is at fault (a 4xx), false for server faults (a 5xx).
    pub fn is_client_error(&self) -> bool {
        match self {
            MediaError::TooLarge { .. }
            | MediaError::Empty
            | MediaError::UnsupportedType
            | MediaError::TooManyPixels { .. }
            | MediaError::Corrupt(_) => true,
            MediaError::Processing(_)
            | MediaError::Storage(_)
            | MediaError::StorageSetup { .. } => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_errors_and_codes() {
        let cases: [(MediaError, &str, bool); 7] = [
            (
                MediaError::TooLarge { limit_bytes: 1 },
                "image_too_large",
                true,
            ),
            (MediaError::Empty, "empty_image", true),
            (MediaError::UnsupportedType, "unsupported_image_type", true),
            (
                MediaError::TooManyPixels {
                    width: 1,
                    height: 1,
                },
                "image_too_many_pixels",
                true,
            ),
            (MediaError::Corrupt("x".into()), "corrupt_image", true),
            (
                MediaError::Processing("x".into()),
                "image_processing_failed",
                false,
            ),
            (
                MediaError::Storage(object_store::Error::NotImplemented),
                "storage_error",
                false,
            ),
        ];
        for (error, code, is_client) in cases {
            assert_eq!(error.code(), code);
            assert_eq!(error.is_client_error(), is_client, "{error:?}");
        }
    }

    #[test]
    fn messages_are_lowercase_without_trailing_period() {
        let message = MediaError::UnsupportedType.to_string();
        assert_eq!(message, "only JPEG, PNG and WebP images are accepted");
        assert!(!message.ends_with('.'));
    }
}
