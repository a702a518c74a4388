//! Product photos: from a seller's phone upload to immutable, cacheable variants.
//!
//! The flow is `process_image` (or `ImageProcessor::process` from async code) followed by
//! `MediaStore::put_image`; the storefront later serves a URL path by parsing it with
//! `MediaKey::parse` and calling `MediaStore::get`.
//!
//! Invariants this crate owns:
//! - The type of an upload is sniffed from its bytes; the file name and the client's
//!   content type are never trusted.
//! - Dimensions are checked from the header before any pixel buffer is allocated, so a
//!   small file that claims to be huge (a decompression bomb) is refused cheaply.
//! - Outputs are re-encoded from pixels only: EXIF (including GPS), XMP, IPTC and ICC data
//!   never reach a published file. EXIF orientation is applied to the pixels first.
//! - Object keys are content-hashed and strictly parsed, so every stored object is
//!   immutable and a URL path can never name anything outside the store.
//!
//! Boundary: no HTTP types here. Mapping `MediaError` to a status code is the HTTP layer's
//! job; `MediaError::code` gives it a stable machine-readable code.

mod encode;
mod error;
mod key;
mod policy;
mod process;
mod processor;
mod resize;
mod sniff;
mod store;

pub use error::MediaError;
pub use key::{variant_key, MediaKey, VariantFormat};
pub use policy::{ImagePolicy, DEFAULT_WIDTHS};
pub use process::{process_image, ProcessedImage, Variant};
pub use processor::ImageProcessor;
pub use store::{MediaStore, S3Config, StoredObject, IMMUTABLE_CACHE_CONTROL};
