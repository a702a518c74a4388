//! One cached representation: a rendered page (or JSON document) with its gzip and
//! brotli bodies prepared once, a strong validator per encoding, and the store change
//! sequence it was built at. Answers a request by content negotiation and conditional
//! GET without touching anything else.

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use http::{header, HeaderMap, HeaderValue, StatusCode};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// gzip level 6 and brotli quality 5: within a few per cent of the best ratios for
/// HTML, at a cost (a few milliseconds for a big page) paid once per rebuild.
const GZIP_LEVEL: u32 = 6;
const BROTLI_QUALITY: u32 = 5;
const BROTLI_WINDOW: u32 = 22;

/// The encodings a cached page is kept in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Identity,
    Gzip,
    Brotli,
}

impl Encoding {
    fn suffix(self) -> &'static str {
        match self {
            Encoding::Identity => "",
            Encoding::Gzip => "-gz",
            Encoding::Brotli => "-br",
        }
    }
}

/// A rendered response body ready to be served many times.
#[derive(Clone, Debug)]
pub struct CachedPage {
    pub store_id: Uuid,
    /// The store's change sequence the page was built from (read no later than its
    /// data): stale once a higher one is known.
    pub seq: i64,
    /// Unix milliseconds (wall clock, so copies shared between nodes compare).
    pub built_at_ms: i64,
    content_type: HeaderValue,
    /// Hex digest of the identity body; each encoding's ETag adds a suffix.
    digest: String,
    etags: [HeaderValue; 3],
    identity: Bytes,
    gzip: Bytes,
    brotli: Bytes,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
        })
}

fn etag_values(digest: &str) -> [HeaderValue; 3] {
    [Encoding::Identity, Encoding::Gzip, Encoding::Brotli].map(|encoding| {
        HeaderValue::from_str(&format!("\"{digest}{}\"", encoding.suffix()))
            .unwrap_or_else(|_| HeaderValue::from_static("\"invalid\""))
    })
}

fn gzip(body: &[u8]) -> Bytes {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 4),
        flate2::Compression::new(GZIP_LEVEL),
    );
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(body);
    Bytes::from(encoder.finish().unwrap_or_default())
}

fn brotli(body: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(body.len() / 5);
    {
        let mut writer =
            brotli::CompressorWriter::new(&mut out, 16 * 1024, BROTLI_QUALITY, BROTLI_WINDOW);
        let _ = writer.write_all(body);
    }
    Bytes::from(out)
}

impl CachedPage {
    /// Compresses `body` both ways and computes its validator.
    pub fn build(store_id: Uuid, seq: i64, content_type: &'static str, body: Bytes) -> CachedPage {
        let digest = hex::encode(&Sha256::digest(&body)[..16]);
        CachedPage {
            store_id,
            seq,
            built_at_ms: now_ms(),
            content_type: HeaderValue::from_static(content_type),
            etags: etag_values(&digest),
            digest,
            gzip: gzip(&body),
            brotli: brotli(&body),
            identity: body,
        }
    }

    /// Milliseconds since the page was built (0 if the clock went back).
    pub fn age_ms(&self) -> i64 {
        (now_ms() - self.built_at_ms).max(0)
    }

    /// Bytes held, for the memory bound.
    pub fn weight(&self) -> usize {
        self.identity.len() + self.gzip.len() + self.brotli.len() + self.digest.len() + 256
    }

    pub fn body(&self, encoding: Encoding) -> &Bytes {
        match encoding {
            Encoding::Identity => &self.identity,
            Encoding::Gzip => &self.gzip,
            Encoding::Brotli => &self.brotli,
        }
    }

    pub fn etag(&self, encoding: Encoding) -> &HeaderValue {
        &self.etags[encoding as usize]
    }

    /// True when `If-None-Match` names any representation of this page (weak
    /// comparison, as RFC 9110 requires for `If-None-Match`).
    fn not_modified(&self, headers: &HeaderMap) -> bool {
        headers
            .get_all(header::IF_NONE_MATCH)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .any(|tag| {
                if tag == "*" {
                    return true;
                }
                let tag = tag.strip_prefix("W/").unwrap_or(tag);
                let Some(opaque) = tag.strip_prefix('"').and_then(|t| t.strip_suffix('"')) else {
                    return false;
                };
                let suffix = opaque.strip_prefix(self.digest.as_str());
                matches!(suffix, Some("" | "-gz" | "-br"))
            })
    }

    /// The response for a request with these headers: `304` when its validator
    /// matches, otherwise the best encoding it accepts. Always `Vary: Accept-Encoding`.
    /// The caller adds `Cache-Control` and any page headers.
    pub fn respond(&self, request: &HeaderMap) -> Response {
        let encoding = negotiate(request);
        let (status, body) = if self.not_modified(request) {
            (StatusCode::NOT_MODIFIED, Body::empty())
        } else {
            (StatusCode::OK, Body::from(self.body(encoding).clone()))
        };
        let mut response = Response::new(body);
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.insert(header::ETAG, self.etag(encoding).clone());
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        if status == StatusCode::OK {
            headers.insert(header::CONTENT_TYPE, self.content_type.clone());
            match encoding {
                Encoding::Identity => {}
                Encoding::Gzip => {
                    headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                }
                Encoding::Brotli => {
                    headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
                }
            }
        }
        response
    }

    /// The page as bytes for the shared (Redis) level.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.weight() + 64);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(self.store_id.as_bytes());
        out.extend_from_slice(&self.seq.to_le_bytes());
        out.extend_from_slice(&self.built_at_ms.to_le_bytes());
        for part in [
            self.content_type.as_bytes(),
            self.digest.as_bytes(),
            &self.identity,
            &self.gzip,
            &self.brotli,
        ] {
            out.extend_from_slice(&u32::try_from(part.len()).unwrap_or(0).to_le_bytes());
            out.extend_from_slice(part);
        }
        out
    }

    /// Reads [`CachedPage::encode`]'s output; `None` for anything else (another
    /// version's layout, a truncated value).
    pub fn decode(bytes: &Bytes) -> Option<CachedPage> {
        let mut reader = Reader {
            bytes,
            at: MAGIC.len(),
        };
        if !bytes.starts_with(MAGIC) {
            return None;
        }
        let store_id = Uuid::from_slice(reader.take(16)?).ok()?;
        let seq = i64::from_le_bytes(reader.take(8)?.try_into().ok()?);
        let built_at_ms = i64::from_le_bytes(reader.take(8)?.try_into().ok()?);
        let content_type = HeaderValue::from_bytes(reader.part()?).ok()?;
        let digest = std::str::from_utf8(reader.part()?).ok()?.to_owned();
        let identity = reader.part_bytes()?;
        let gzip = reader.part_bytes()?;
        let brotli = reader.part_bytes()?;
        if reader.at != bytes.len() || digest.len() != 32 {
            return None;
        }
        Some(CachedPage {
            store_id,
            seq,
            built_at_ms,
            content_type,
            etags: etag_values(&digest),
            digest,
            identity,
            gzip,
            brotli,
        })
    }
}

const MAGIC: &[u8] = b"haat:page:1\0";

struct Reader<'a> {
    bytes: &'a Bytes,
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, len: usize) -> Option<&[u8]> {
        let end = self.at.checked_add(len)?;
        let slice = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(slice)
    }

    fn len(&mut self) -> Option<usize> {
        let raw: [u8; 4] = self.take(4)?.try_into().ok()?;
        usize::try_from(u32::from_le_bytes(raw)).ok()
    }

    fn part(&mut self) -> Option<&[u8]> {
        let len = self.len()?;
        self.take(len)
    }

    /// A part without copying: a slice of the shared buffer.
    fn part_bytes(&mut self) -> Option<Bytes> {
        let len = self.len()?;
        let start = self.at;
        self.take(len)?;
        Some(self.bytes.slice(start..start + len))
    }
}

/// The encoding to send for `Accept-Encoding`: brotli, then gzip, then identity, each
/// only when accepted with a non-zero quality (`*` counts for both).
pub fn negotiate(request: &HeaderMap) -> Encoding {
    let mut brotli = None;
    let mut gzip = None;
    let mut any = None;
    for value in request.get_all(header::ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or_default().trim();
            let quality = parts
                .filter_map(|param| {
                    let (name, value) = param.split_once('=')?;
                    (name.trim().eq_ignore_ascii_case("q"))
                        .then(|| value.trim().parse::<f32>().ok())?
                })
                .next()
                .unwrap_or(1.0);
            let accepted = quality > 0.0;
            if coding.eq_ignore_ascii_case("br") {
                brotli = Some(accepted);
            } else if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
                gzip = Some(accepted);
            } else if coding == "*" {
                any = Some(accepted);
            }
        }
    }
    if brotli.or(any) == Some(true) {
        Encoding::Brotli
    } else if gzip.or(any) == Some(true) {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn negotiation_follows_the_browser() {
        let cases = [
            ("gzip, deflate, br, zstd", Encoding::Brotli),
            ("gzip, deflate", Encoding::Gzip),
            ("br;q=0, gzip", Encoding::Gzip),
            ("br;q=0.5, gzip;q=1", Encoding::Brotli),
            ("identity", Encoding::Identity),
            ("*", Encoding::Brotli),
            ("*;q=0", Encoding::Identity),
            ("gzip;q=0, *", Encoding::Brotli),
            ("x-gzip", Encoding::Gzip),
            ("", Encoding::Identity),
            ("br;q=nonsense", Encoding::Brotli),
        ];
        for (accept, expected) in cases {
            assert_eq!(
                negotiate(&headers(&[("accept-encoding", accept)])),
                expected,
                "{accept}"
            );
        }
        assert_eq!(negotiate(&HeaderMap::new()), Encoding::Identity);
    }

    #[test]
    fn bodies_decode_to_the_original_and_survive_the_shared_format() {
        let body = Bytes::from("<h1>Atta ₹ 450</h1>".repeat(200));
        let page = CachedPage::build(Uuid::now_v7(), 7, "text/html; charset=utf-8", body.clone());
        let mut gunzipped = Vec::new();
        flate2::read::GzDecoder::new(&page.gzip[..])
            .read_to_end(&mut gunzipped)
            .unwrap();
        assert_eq!(gunzipped, body);
        let mut unbrotlied = Vec::new();
        brotli::Decompressor::new(&page.brotli[..], 4096)
            .read_to_end(&mut unbrotlied)
            .unwrap();
        assert_eq!(unbrotlied, body);
        assert!(page.brotli.len() < body.len() / 4);

        let copy = CachedPage::decode(&Bytes::from(page.encode())).unwrap();
        assert_eq!(copy.store_id, page.store_id);
        assert_eq!(copy.seq, 7);
        assert_eq!(copy.built_at_ms, page.built_at_ms);
        assert_eq!(copy.identity, page.identity);
        assert_eq!(copy.gzip, page.gzip);
        assert_eq!(copy.brotli, page.brotli);
        assert_eq!(copy.etag(Encoding::Gzip), page.etag(Encoding::Gzip));

        let encoded = page.encode();
        for cut in [0, 5, 20, encoded.len() - 1] {
            assert!(CachedPage::decode(&Bytes::copy_from_slice(&encoded[..cut])).is_none());
        }
        let mut longer = encoded.clone();
        longer.push(0);
        assert!(CachedPage::decode(&Bytes::from(longer)).is_none());
        assert!(CachedPage::decode(&Bytes::from_static(b"not a page")).is_none());
    }

    #[test]
    fn responses_negotiate_and_revalidate() {
        let page = CachedPage::build(
            Uuid::now_v7(),
            1,
            "text/html; charset=utf-8",
            Bytes::from("hello"),
        );
        let plain = page.respond(&HeaderMap::new());
        assert_eq!(plain.status(), StatusCode::OK);
        assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
        assert_eq!(plain.headers()[header::VARY], "accept-encoding");
        let etag = plain.headers()[header::ETAG].to_str().unwrap().to_owned();
        assert!(etag.starts_with('"') && etag.len() == 34, "{etag}");

        let br = page.respond(&headers(&[("accept-encoding", "gzip, br")]));
        assert_eq!(br.headers()[header::CONTENT_ENCODING], "br");
        let br_etag = br.headers()[header::ETAG].to_str().unwrap().to_owned();
        assert_ne!(
            br_etag, etag,
            "each representation has its own strong validator"
        );

        for validator in [
            etag.clone(),
            br_etag.clone(),
            format!("W/{etag}"),
            "\"x\", *".to_owned(),
            format!("\"zz\", {br_etag}"),
        ] {
            let response = page.respond(&headers(&[
                ("accept-encoding", "gzip"),
                ("if-none-match", &validator),
            ]));
            assert_eq!(response.status(), StatusCode::NOT_MODIFIED, "{validator}");
            assert!(response.headers().get(header::CONTENT_ENCODING).is_none());
            assert!(response.headers().get(header::ETAG).is_some());
        }
        for validator in ["\"other\"", "garbage", "\"\"", &etag[..10]] {
            let response = page.respond(&headers(&[("if-none-match", validator)]));
            assert_eq!(response.status(), StatusCode::OK, "{validator}");
        }
    }
}
