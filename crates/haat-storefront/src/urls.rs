//! Absolute links Haat generates, all from the configured public and media base URLs,
//! and the `wa.me` links that hand a store or product over to WhatsApp. Shared with the
//! api role so a link in an API response and on a page always agree.

use url::Url;

fn base(url: &Url) -> &str {
    url.as_str().trim_end_matches('/')
}

/// `https://host/<slug>`
pub fn store_url(public_url: &Url, slug: &str) -> String {
    format!("{}/{slug}", base(public_url))
}

/// `https://host/<slug>/p/<product id>`
pub fn product_url(public_url: &Url, slug: &str, product_id: &str) -> String {
    format!("{}/{slug}/p/{product_id}", base(public_url))
}

/// `https://media-base/<hash>/<width>.<ext>`
pub fn image_url(media_base: &Url, hash: &str, width: u32, extension: &str) -> String {
    format!("{}/{hash}/{width}.{extension}", base(media_base))
}

/// `https://wa.me/?text=<text>`: opens WhatsApp's "send to…" picker with `text` ready.
pub fn whatsapp_share_url(text: &str) -> String {
    format!("https://wa.me/?text={}", percent_encode(text))
}

/// `https://wa.me/<digits>`: a chat with the seller. `None` when the number has no digits.
pub fn whatsapp_chat_url(e164: &str) -> Option<String> {
    let digits: String = e164.chars().filter(char::is_ascii_digit).collect();
    (!digits.is_empty()).then(|| format!("https://wa.me/{digits}"))
}

/// A chat with the seller with `message` typed in, e.g. "I'd like to order …".
pub fn whatsapp_message_url(e164: &str, message: &str) -> Option<String> {
    whatsapp_chat_url(e164).map(|chat| format!("{chat}?text={}", percent_encode(message)))
}

/// Percent-encodes everything but RFC 3986 unreserved characters. Spaces become `%20`,
/// not `+`: WhatsApp shows a `+` from a form-encoded link literally on some clients.
fn percent_encode(text: &str) -> String {
    percent_encode_keeping(text, b"")
}

/// [`percent_encode`], leaving the bytes of `keep` as they are too (UPI links keep the
/// `@` of a payee address).
pub fn percent_encode_keeping(text: &str, keep: &[u8]) -> String {
    let mut encoded = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric()
            || matches!(byte, b'-' | b'.' | b'_' | b'~')
            || keep.contains(&byte)
        {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_ignore_trailing_slashes() {
        let public: Url = "https://haat.example/".parse().unwrap();
        let media: Url = "https://cdn.example/media".parse().unwrap();
        assert_eq!(store_url(&public, "tea"), "https://haat.example/tea");
        assert_eq!(
            product_url(&public, "tea", "abc"),
            "https://haat.example/tea/p/abc"
        );
        assert_eq!(
            image_url(&media, "ff", 480, "webp"),
            "https://cdn.example/media/ff/480.webp"
        );
    }

    #[test]
    fn whatsapp_links() {
        assert_eq!(
            whatsapp_share_url("Chai & Co – https://h.example/chai?x=1"),
            "https://wa.me/?text=Chai%20%26%20Co%20%E2%80%93%20https%3A%2F%2Fh.example%2Fchai%3Fx%3D1"
        );
        assert_eq!(
            whatsapp_chat_url("+919876543210").as_deref(),
            Some("https://wa.me/919876543210")
        );
        assert_eq!(whatsapp_chat_url("+"), None);
        assert_eq!(
            whatsapp_message_url("+91 98765", "hi there").as_deref(),
            Some("https://wa.me/9198765?text=hi%20there")
        );
    }
}
