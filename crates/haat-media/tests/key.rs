//! `MediaKey::parse` is the gate between a URL path and the object store: one table of
//! one-line cases, valid keys and every traversal trick we know of.

use haat_media::{variant_key, MediaKey, VariantFormat};

const HASH: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

/// Parses `input` with `HASH` substituted for `{h}` and compares with the expected
/// (width, format), or `None` for a refusal.
fn check_key(input: &str, expected: Option<(u32, VariantFormat)>) {
    let input = input.replace("{h}", HASH);
    let parsed = MediaKey::parse(&input);
    let actual = parsed.as_ref().map(|key| (key.width(), key.format()));
    assert_eq!(actual, expected, "MediaKey::parse({input:?})");
    if let Some(key) = parsed {
        assert_eq!(key.as_str(), input, "a parsed key keeps its one spelling");
    }
}

#[test]
fn parse_accepts_exactly_the_canonical_grammar() {
    use VariantFormat::{Jpeg, Webp};
    check_key("{h}/480.webp", Some((480, Webp)));
    check_key("{h}/160.jpg", Some((160, Jpeg)));
    check_key("{h}/1.jpg", Some((1, Jpeg)));
    check_key("{h}/1600.webp", Some((1600, Webp)));
    check_key("{h}/65535.webp", Some((65535, Webp)));

    check_key("", None);
    check_key("{h}", None);
    check_key("{h}/", None);
    check_key("{h}/480", None);
    check_key("{h}/480.", None);
    check_key("{h}/.webp", None);
    check_key("{h}/480.jpeg", None);
    check_key("{h}/480.png", None);
    check_key("{h}/480.WEBP", None);
    check_key("{h}/480.webp.jpg", None);
    check_key("{h}/0.webp", None);
    check_key("{h}/0480.webp", None);
    check_key("{h}/+480.webp", None);
    check_key("{h}/-480.webp", None);
    check_key("{h}/65536.webp", None);
    check_key("{h}/4294967296.webp", None);
    check_key("{h}/48 0.webp", None);
    check_key("{h}/480.webp ", None);
    check_key(" {h}/480.webp", None);
    check_key("{h}/480.webp\n", None);
    check_key("{h}/480.webp\0", None);
    check_key("{h}/480.webp?x=1", None);
    check_key("{h}/480/480.webp", None);
    check_key("{h}//480.webp", None);
    check_key("/{h}/480.webp", None);
    check_key("{h}/480.webp/", None);
    check_key("x/{h}/480.webp", None);
    check_key(
        "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08/480.webp",
        None,
    );
    check_key("9f86d0/480.webp", None);
    check_key("{h}0/480.webp", None);
    check_key("g{h}/480.webp", None);
    check_key("../../etc/passwd", None);
    check_key("../{h}/480.webp", None);
    check_key("{h}/../480.webp", None);
    check_key("{h}/..", None);
    check_key("./{h}/480.webp", None);
    check_key("%2e%2e/%2e%2e/etc/passwd", None);
    check_key("{h}%2f480.webp", None);
    check_key("{h}/480%2ewebp", None);
    check_key("{h}\\480.webp", None);
    check_key("..\\..\\windows\\win.ini", None);
    check_key("C:\\media\\{h}\\480.webp", None);
    check_key("/etc/passwd", None);
    check_key("file:///etc/passwd", None);
    check_key("{h}/480.webp\u{2215}x", None);
    check_key("{h}/\u{0664}80.webp", None);
}

#[test]
fn variant_key_builds_what_parse_accepts() {
    for format in [VariantFormat::Webp, VariantFormat::Jpeg] {
        let key = variant_key(HASH, 960, format);
        assert_eq!(key.as_str(), format!("{HASH}/960.{}", format.extension()));
        assert_eq!(MediaKey::parse(key.as_str()), Some(key.clone()));
        assert_eq!(key.to_string(), key.as_str());
    }
    assert_eq!(VariantFormat::Webp.content_type(), "image/webp");
    assert_eq!(VariantFormat::Jpeg.content_type(), "image/jpeg");
}
