//! Store slugs: the part of a storefront's address that names the store
//! (`haat.example/jain-shikanji`).
//!
//! A slug is 2 to 60 characters of `a-z`, `0-9` and `-`, with no `-` at either end and
//! no `--`, and is not one of the [`RESERVED_SLUGS`] that Haat's own routes use.
//! [`StoreSlug::parse`] checks a slug that already exists (from a URL or a form);
//! [`StoreSlug::derive`] makes one from a store's name and cannot fail.

use std::fmt;

use crate::error::{code, ParseError};
use crate::text::StoreName;

const MIN_LEN: usize = 2;
const MAX_LEN: usize = 60;
/// Derived slugs stay shorter than the maximum to leave room for a `-2` suffix.
const MAX_DERIVED_LEN: usize = 50;
/// For a name with nothing that transliterates to ASCII (`!!!`). Not `store`: that is
/// reserved, and every derived slug must parse.
const FALLBACK_SLUG: &str = "my-store";

/// Path segments that Haat's routes use or may come to use, sorted so lookup can
/// binary-search. Every one-character slug is reserved as well (see [`is_reserved`]).
// One table, packed by hand: rustfmt would give each word its own line.
#[rustfmt::skip]
pub const RESERVED_SLUGS: &[&str] = &[
    "about", "account", "accounts", "admin", "administrator", "ajax", "analytics", "api",
    "app", "apps", "assets", "auth", "billing", "blog", "build", "callback", "cart",
    "categories", "category", "cdn", "checkout", "contact", "cookies", "css", "dashboard",
    "dev", "docs", "download", "downloads", "edit", "embed", "events", "explore", "faq",
    "favicon", "feed", "files", "fonts", "graphql", "haat", "health", "healthz", "help",
    "home", "images", "img", "index", "internal", "invoice", "invoices", "js", "legal",
    "livez", "login", "logout", "mail", "manifest", "me", "media", "metrics", "my", "new",
    "null", "oauth", "order", "orders", "otp", "pay", "payment", "payments", "ping",
    "preview", "pricing", "privacy", "product", "products", "public", "readyz", "refund",
    "refunds", "register", "relay", "reset", "robots", "root", "rss", "search", "security",
    "sell", "seller", "sellers", "settings", "shipping", "shop", "shops", "signin",
    "signout", "signup", "sitemap", "sms", "staging", "static", "status", "store", "stores",
    "support", "system", "terms", "test", "undefined", "upload", "uploads", "user", "users",
    "verify", "webhook", "webhooks", "well-known", "worker", "ws", "www",
];

/// Whether `slug` is kept for Haat's own use: listed in [`RESERVED_SLUGS`], or shorter
/// than two characters (`/p/…`, `/s/…` and the like stay free for short links).
pub fn is_reserved(slug: &str) -> bool {
    slug.len() < MIN_LEN || RESERVED_SLUGS.binary_search(&slug).is_ok()
}

/// A store's slug; always satisfies the rules in the module docs.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StoreSlug(String);

impl StoreSlug {
    /// Checks an existing slug exactly as given: no trimming, no lowercasing.
    pub fn parse(input: &str) -> Result<StoreSlug, ParseError> {
        let is_slug_alphabet = input
            .bytes()
            .all(|byte| matches!(byte, b'a'..=b'z' | b'0'..=b'9' | b'-'));
        if !is_slug_alphabet {
            return Err(invalid(
                "a store address can contain only lowercase letters, digits and '-'",
            ));
        }
        if input.len() < MIN_LEN {
            return Err(invalid("a store address needs at least 2 characters"));
        }
        if input.len() > MAX_LEN {
            return Err(invalid("a store address can have at most 60 characters"));
        }
        if input.starts_with('-') || input.ends_with('-') {
            return Err(invalid("a store address cannot start or end with '-'"));
        }
        if input.contains("--") {
            return Err(invalid("a store address cannot contain '--'"));
        }
        if is_reserved(input) {
            return Err(invalid("this store address is reserved"));
        }
        Ok(StoreSlug(input.to_owned()))
    }

    /// A slug made from a store's name: "Café Déjà" → `cafe-deja`, "जैन शिकंजी" →
    /// `jain-shiknjii`. The caller makes it unique with [`StoreSlug::with_suffix`].
    pub fn derive(name: &StoreName) -> StoreSlug {
        // Apostrophes join their word rather than split it: "Meera's" → `meeras`.
        let without_apostrophes: String = name
            .as_str()
            .chars()
            .filter(|c| !matches!(c, '\'' | '\u{2019}' | '`'))
            .collect();
        let transliterated = slug::slugify(without_apostrophes);
        let mut derived = truncate_at_hyphen(&transliterated, MAX_DERIVED_LEN).to_owned();
        if derived.is_empty() {
            derived = FALLBACK_SLUG.to_owned();
        }
        if is_reserved(&derived) {
            // Covers one-character results too: "A" becomes `a-store`.
            derived.push_str("-store");
        }
        StoreSlug(derived)
    }

    /// `jain-shikanji` with 2 → `jain-shikanji-2`, shortening the base if the result
    /// would pass 60 characters.
    pub fn with_suffix(&self, number: u32) -> StoreSlug {
        let suffix = format!("-{number}");
        let base = truncate_at_hyphen(&self.0, MAX_LEN - suffix.len());
        StoreSlug(format!("{base}{suffix}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for StoreSlug {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StoreSlug {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// Shortens an ASCII slug to at most `max_len`, preferring to cut at a `-` so no word is
/// chopped; gives up on that when it would lose more than half the room.
fn truncate_at_hyphen(slug: &str, max_len: usize) -> &str {
    if slug.len() <= max_len {
        return slug;
    }
    let cut = &slug[..max_len];
    if slug.as_bytes()[max_len] == b'-' {
        return cut;
    }
    match cut.rfind('-') {
        Some(hyphen) if hyphen >= max_len / 2 => &cut[..hyphen],
        _ => cut.trim_end_matches('-'),
    }
}

fn invalid(message: &'static str) -> ParseError {
    ParseError::new(code::INVALID_SLUG, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALPHABET: &str = "a store address can contain only lowercase letters, digits and '-'";

    #[track_caller]
    fn check_parse(input: &str, expected: Result<(), &str>) {
        let actual = StoreSlug::parse(input).map_err(|error| {
            assert_eq!(error.code, "invalid_slug");
            error.message.into_owned()
        });
        match expected {
            Ok(()) => assert_eq!(
                actual.map(|slug| slug.0),
                Ok(input.to_owned()),
                "input: {input:?}"
            ),
            Err(message) => assert_eq!(actual, Err(message.to_owned()), "input: {input:?}"),
        }
    }

    #[track_caller]
    fn check_derive(name: &str, expected: &str) {
        let derived = StoreSlug::derive(&StoreName::parse(name).unwrap());
        assert_eq!(derived.as_str(), expected, "name: {name:?}");
        assert_eq!(
            StoreSlug::parse(derived.as_str()),
            Ok(derived),
            "derived slugs must parse"
        );
    }

    #[track_caller]
    fn check_suffix(slug: &str, number: u32, expected: &str) {
        let suffixed = StoreSlug::parse(slug).unwrap().with_suffix(number);
        assert_eq!(suffixed.as_str(), expected);
        assert_eq!(
            StoreSlug::parse(suffixed.as_str()),
            Ok(suffixed),
            "suffixed slugs must parse"
        );
    }

    #[test]
    fn parse() {
        check_parse("jain-shikanji", Ok(()));
        check_parse("ab", Ok(()));
        check_parse("24x7", Ok(()));
        check_parse("007", Ok(()));
        check_parse("my-store", Ok(()));
        check_parse("admin-store", Ok(()));
        check_parse(&"a".repeat(60), Ok(()));
        check_parse(
            &"a".repeat(61),
            Err("a store address can have at most 60 characters"),
        );
        check_parse(
            &"a".repeat(100_000),
            Err("a store address can have at most 60 characters"),
        );
        check_parse("", Err("a store address needs at least 2 characters"));
        check_parse("a", Err("a store address needs at least 2 characters"));
        check_parse("Jain-Shikanji", Err(ALPHABET));
        check_parse("jain shikanji", Err(ALPHABET));
        check_parse(" jain", Err(ALPHABET));
        check_parse("jain_shikanji", Err(ALPHABET));
        check_parse("jain.shikanji", Err(ALPHABET));
        check_parse("jain/shikanji", Err(ALPHABET));
        check_parse("café", Err(ALPHABET));
        check_parse("जैन", Err(ALPHABET));
        check_parse("shop-😀", Err(ALPHABET));
        check_parse(&"é".repeat(30), Err(ALPHABET));
        check_parse("-jain", Err("a store address cannot start or end with '-'"));
        check_parse("jain-", Err("a store address cannot start or end with '-'"));
        check_parse("--", Err("a store address cannot start or end with '-'"));
        check_parse("jain--shikanji", Err("a store address cannot contain '--'"));
        check_parse("api", Err("this store address is reserved"));
        check_parse("dashboard", Err("this store address is reserved"));
        check_parse("well-known", Err("this store address is reserved"));
        check_parse("store", Err("this store address is reserved"));
    }

    #[test]
    fn derive() {
        check_derive("Jain Shikanji", "jain-shikanji");
        check_derive("  JAIN   shikanji!!! ", "jain-shikanji");
        check_derive("Café Déjà", "cafe-deja");
        check_derive("Ram & Sons", "ram-sons");
        check_derive("Meera's Home Bakery", "meeras-home-bakery");
        check_derive("Meera\u{2019}s Bakery", "meeras-bakery");
        check_derive("24x7 Kirana_Store", "24x7-kirana-store");
        check_derive("user@example.com", "user-example-com");
        check_derive("<b>Bold</b>", "b-bold-b");
        check_derive("जैन शिकंजी", "jain-shiknjii");
        check_derive("中文商店", "zhong-wen-shang-dian");
        check_derive("😀 Shop 🎉", "grinning-shop-tada");
        check_derive("!!!", FALLBACK_SLUG);
        check_derive("—", FALLBACK_SLUG);
        check_derive("A", "a-store");
        check_derive("क", "k-store");
        check_derive("Admin", "admin-store");
        check_derive("API", "api-store");
        check_derive("Store", "store-store");
        check_derive("My", "my-store");
        check_derive("Haat", "haat-store");
    }

    #[test]
    fn derive_truncates_long_names_at_a_word() {
        let words = "mahalaxmi sweets and namkeen corner since nineteen eighty two";
        check_derive(words, "mahalaxmi-sweets-and-namkeen-corner-since-nineteen");
        check_derive(&"a".repeat(80), &"a".repeat(50));
        check_derive(
            &format!("ab {}", "c".repeat(70)),
            &format!("ab-{}", "c".repeat(47)),
        );
        check_derive(&format!("{} d", "c".repeat(50)), &"c".repeat(50));
        check_derive(&format!("{} dd", "c".repeat(49)), &"c".repeat(49));
        check_derive(&"अ".repeat(80), &"a".repeat(50));
        check_derive(&"ab ".repeat(26), &format!("{}ab", "ab-".repeat(16)));
    }

    #[test]
    fn with_suffix() {
        check_suffix("jain-shikanji", 2, "jain-shikanji-2");
        check_suffix("jain-shikanji", 0, "jain-shikanji-0");
        check_suffix("ab", u32::MAX, "ab-4294967295");
        check_suffix(&"a".repeat(50), 2, &format!("{}-2", "a".repeat(50)));
        check_suffix(&"a".repeat(60), 2, &format!("{}-2", "a".repeat(58)));
        check_suffix(
            &"a".repeat(60),
            u32::MAX,
            &format!("{}-4294967295", "a".repeat(49)),
        );
        let words = "mahalaxmi-sweets-and-namkeen-corner-since-nineteen-eighty-tw";
        check_suffix(
            words,
            10,
            "mahalaxmi-sweets-and-namkeen-corner-since-nineteen-eighty-10",
        );
        check_suffix(
            words,
            1000,
            "mahalaxmi-sweets-and-namkeen-corner-since-nineteen-1000",
        );
    }

    #[test]
    fn reserved_list_is_sorted_unique_and_slug_shaped() {
        assert!(RESERVED_SLUGS.windows(2).all(|pair| pair[0] < pair[1]));
        for reserved in RESERVED_SLUGS {
            assert!(reserved.len() >= MIN_LEN, "{reserved}");
            let shaped = reserved
                .bytes()
                .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-'));
            assert!(
                shaped && !reserved.starts_with('-') && !reserved.ends_with('-'),
                "{reserved}"
            );
            assert!(is_reserved(reserved), "{reserved}");
        }
        assert!(is_reserved(""));
        assert!(is_reserved("p"));
        assert!(is_reserved("o"));
        assert!(is_reserved("s"));
        assert!(!is_reserved("jain-shikanji"));
        assert!(!is_reserved(FALLBACK_SLUG));
        assert!(!is_reserved("API"));
    }
}
