//! One-time codes: the six digits sent by SMS that sign a seller in.
//!
//! A code is a secret while it is valid, so [`OtpCode`] has no `Display`, its `Debug`
//! prints `OtpCode(******)`, and comparing two codes takes the same time whichever
//! digit differs.

use std::fmt;

use crate::error::{code, ParseError};

const CODE_LEN: usize = 6;

/// Exactly six ASCII digits.
#[derive(Clone)]
pub struct OtpCode(String);

impl OtpCode {
    /// Ignores whitespace anywhere (`123 456`, as some SMS apps show it) and then needs
    /// exactly six digits `0-9`.
    pub fn parse(input: &str) -> Result<OtpCode, ParseError> {
        let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        let is_code = digits.len() == CODE_LEN && digits.bytes().all(|byte| byte.is_ascii_digit());
        if !is_code {
            return Err(ParseError::new(
                code::INVALID_CODE,
                "enter the 6-digit code",
            ));
        }
        Ok(OtpCode(digits))
    }

    /// The digits, for hashing or sending; never for logging.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl PartialEq for OtpCode {
    /// Constant-time over the six digits, so timing reveals nothing about a guess.
    fn eq(&self, other: &OtpCode) -> bool {
        let difference = self
            .0
            .bytes()
            .zip(other.0.bytes())
            .fold(0u8, |accumulated, (left, right)| {
                accumulated | (left ^ right)
            });
        difference == 0
    }
}

impl Eq for OtpCode {}

impl fmt::Debug for OtpCode {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("OtpCode(******)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(input: &str, expected: Option<&str>) {
        let actual = OtpCode::parse(input);
        match expected {
            Some(digits) => assert_eq!(
                actual.map(|otp| otp.0),
                Ok(digits.to_owned()),
                "input: {input:?}"
            ),
            None => {
                let error = actual.unwrap_err();
                assert_eq!(
                    (error.code, &*error.message),
                    ("invalid_code", "enter the 6-digit code")
                );
            }
        }
    }

    #[test]
    fn parse() {
        check("123456", Some("123456"));
        check("000000", Some("000000"));
        check("123 456", Some("123456"));
        check(" 1 2 3 4 5 6 ", Some("123456"));
        check("\t123456\n", Some("123456"));
        check("123\u{a0}456", Some("123456"));
        check(&format!("{}123456", " ".repeat(10_000)), Some("123456"));
        check("", None);
        check("      ", None);
        check("12345", None);
        check("1234567", None);
        check("123-456", None);
        check("12345a", None);
        check("abcdef", None);
        check("-12345", None);
        check("१२३४५६", None);
        check("１２３４５６", None);
        check("12345😀", None);
        check(&"1".repeat(100_000), None);
    }

    #[test]
    fn debug_hides_the_digits() {
        let otp = OtpCode::parse("123456").unwrap();
        assert_eq!(format!("{otp:?}"), "OtpCode(******)");
        assert_eq!(format!("{:?}", Some(&otp)), "Some(OtpCode(******))");
        assert_eq!(otp.as_str(), "123456");
    }

    #[test]
    fn equality() {
        let code = |input| OtpCode::parse(input).unwrap();
        assert_eq!(code("123456"), code("123 456"));
        assert_ne!(code("123456"), code("123457"));
        assert_ne!(code("023456"), code("123456"));
    }
}
