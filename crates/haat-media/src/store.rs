//! `MediaStore`: variants in an `object_store` backend — local disk by default,
//! S3-compatible (AWS, MinIO, R2…) by configuration, in memory for tests.
//!
//! Objects are addressed only by `MediaKey`, which is content-hashed: an object never
//! changes once written, so writes are idempotent and readers may cache forever.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path as ObjectPath;
use object_store::{Attribute, Attributes, ObjectStore, PutOptions, PutPayload};

use crate::{MediaError, MediaKey, ProcessedImage};

/// `Cache-Control` for every variant: keys are content-hashed, so a URL's bytes never
/// change and browsers and CDNs may keep them for a year without revalidating.
pub const IMMUTABLE_CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

/// Connection settings for an S3-compatible bucket.
#[derive(Clone)]
pub struct S3Config {
    pub bucket: String,
    pub region: String,
    /// Custom endpoint for S3-compatible services such as MinIO; `None` means AWS.
    pub endpoint: Option<String>,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Permit a plain-HTTP endpoint (a MinIO on localhost); leave false in production.
    pub allow_http: bool,
}

impl fmt::Debug for S3Config {
    // Hand-written so the secret never reaches a log line or a panic message.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("S3Config")
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"[redacted]")
            .field("allow_http", &self.allow_http)
            .finish()
    }
}

/// One stored variant, ready to be served.
#[derive(Clone)]
pub struct StoredObject {
    pub bytes: Bytes,
    pub content_type: &'static str,
    /// Strong ETag (quoted). Derived from the key, not the backend, so it is identical
    /// across local disk, S3 and every replica.
    pub etag: String,
}

impl fmt::Debug for StoredObject {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("StoredObject")
            .field("len", &self.bytes.len())
            .field("content_type", &self.content_type)
            .field("etag", &self.etag)
            .finish()
    }
}

/// Where image variants live. Cheap to clone; clones share the backend.
#[derive(Clone)]
pub struct MediaStore {
    inner: Arc<dyn ObjectStore>,
    /// Whether to store `Content-Type` and `Cache-Control` with each object. Worth it on
    /// S3, where a CDN may serve the bucket directly; the local filesystem backend cannot
    /// store attributes and refuses a put that carries them.
    write_attributes: bool,
}

impl fmt::Debug for MediaStore {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "MediaStore({})", self.inner)
    }
}

impl MediaStore {
    /// Files under `root`, which is created if missing.
    pub fn local(root: &Path) -> Result<MediaStore, MediaError> {
        std::fs::create_dir_all(root).map_err(|source| MediaError::StorageSetup {
            path: root.to_path_buf(),
            source,
        })?;
        // LocalFileSystem writes to a temporary file and renames it into place, so a
        // reader never sees a half-written variant.
        let store = LocalFileSystem::new_with_prefix(root)?;
        Ok(MediaStore {
            inner: Arc::new(store),
            write_attributes: false,
        })
    }

    /// An S3 bucket or S3-compatible service.
    pub fn s3(config: S3Config) -> Result<MediaStore, MediaError> {
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(config.bucket)
            .with_region(config.region)
            .with_access_key_id(config.access_key_id)
            .with_secret_access_key(config.secret_access_key)
            .with_allow_http(config.allow_http);
        if let Some(endpoint) = config.endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        Ok(MediaStore {
            inner: Arc::new(builder.build()?),
            write_attributes: true,
        })
    }

    /// A process-local store for tests.
    pub fn in_memory() -> MediaStore {
        MediaStore {
            inner: Arc::new(InMemory::new()),
            write_attributes: true,
        }
    }

    /// Writes every variant of `image`. Idempotent: a key already present is skipped, since
    /// the same key always names the same content. Two uploads of the same photo racing
    /// each other both write identical bytes, so no conditional put is needed (and S3 only
    /// offers one with extra configuration).
    pub async fn put_image(&self, image: &ProcessedImage) -> Result<(), MediaError> {
        for variant in &image.variants {
            let location = object_path(&variant.key);
            match self.inner.head(&location).await {
                Ok(_) => continue,
                Err(object_store::Error::NotFound { .. }) => {}
                Err(error) => return Err(error.into()),
            }
            let options = PutOptions {
                attributes: self.attributes_for(&variant.key),
                ..PutOptions::default()
            };
            self.inner
                .put_opts(&location, PutPayload::from(variant.bytes.clone()), options)
                .await?;
        }
        tracing::debug!(
            image.hash = %image.hash,
            image.variant_count = image.variants.len(),
            "image variants stored"
        );
        Ok(())
    }

    /// Reads one variant; `None` when no such object exists.
    pub async fn get(&self, key: &MediaKey) -> Result<Option<StoredObject>, MediaError> {
        let result = match self.inner.get(&object_path(key)).await {
            Ok(result) => result,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(error) => return Err(error.into()),
        };
        let bytes = result.bytes().await?;
        Ok(Some(StoredObject {
            bytes,
            content_type: key.format().content_type(),
            etag: etag_for(key),
        }))
    }

    /// The bytes of one variant for embedding in a document (an invoice's logo), or
    /// `None` when it is missing, the store fails, or it takes longer than `limit`:
    /// the document is made without it rather than failing. Failures are logged and
    /// counted in `haat_media_embed_failures_total`.
    pub async fn variant_for_embedding(
        &self,
        hash: &str,
        width: u32,
        format: crate::VariantFormat,
        limit: std::time::Duration,
    ) -> Option<Bytes> {
        let key = crate::variant_key(hash, width, format);
        let reason = match tokio::time::timeout(limit, self.get(&key)).await {
            Ok(Ok(Some(object))) => return Some(object.bytes),
            Ok(Ok(None)) => "missing",
            Ok(Err(_)) => "error",
            Err(_) => "timeout",
        };
        metrics::counter!("haat_media_embed_failures_total", "reason" => reason).increment(1);
        tracing::warn!(
            media.key = key.as_str(),
            reason,
            "variant left out of a document"
        );
        None
    }

    fn attributes_for(&self, key: &MediaKey) -> Attributes {
        if !self.write_attributes {
            return Attributes::new();
        }
        Attributes::from_iter([
            (Attribute::ContentType, key.format().content_type()),
            (Attribute::CacheControl, IMMUTABLE_CACHE_CONTROL),
        ])
    }
}

/// The object-store path of a key. `MediaKey` only ever holds `<hex>/<digits>.<ext>`, so
/// the two segments need no escaping and cannot contain `..`.
fn object_path(key: &MediaKey) -> ObjectPath {
    ObjectPath::from(key.as_str())
}

/// A quoted strong ETag: the key with `/` replaced, since the content never changes.
fn etag_for(key: &MediaKey) -> String {
    format!("\"{}\"", key.as_str().replace('/', "-"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::VariantFormat;

    #[test]
    fn object_path_matches_key() {
        let key = MediaKey::new(&"a".repeat(64), 480, VariantFormat::Webp);
        let path = object_path(&key);
        assert_eq!(path.as_ref(), key.as_str());
        assert_eq!(path.parts().count(), 2);
        assert_eq!(etag_for(&key), format!("\"{}-480.webp\"", "a".repeat(64)));
    }

    #[test]
    fn s3_config_debug_hides_the_secret() {
        let config = S3Config {
            bucket: "media".into(),
            region: "ap-south-1".into(),
            endpoint: Some("http://127.0.0.1:9000".into()),
            access_key_id: "minio".into(),
            secret_access_key: "very-secret-value".into(),
            allow_http: true,
        };
        let printed = format!("{config:?}");
        assert!(!printed.contains("very-secret-value"));
        assert!(printed.contains("[redacted]"));
        assert!(MediaStore::s3(config).is_ok());
    }
}
