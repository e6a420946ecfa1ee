//! A fixed bearer secret configured by the operator (the monitoring
//! system's token for `/metrics`): compared in constant time, never printed.

use aws_lc_rs::constant_time::verify_slices_are_equal;

/// The shortest secret accepted: 16 characters (about 96 bits when drawn
/// from base64's alphabet, as `openssl rand -base64 18` prints it).
pub const MIN_LENGTH: usize = 16;

/// A bearer secret. Its `Debug` does not show it.
#[derive(Clone, PartialEq, Eq)]
pub struct BearerSecret(String);

impl std::fmt::Debug for BearerSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BearerSecret(…)")
    }
}

impl BearerSecret {
    /// Accepts at least [`MIN_LENGTH`] visible ASCII characters (RFC 6750's
    /// token68 and more, no spaces); says which rule failed otherwise.
    pub fn parse(s: &str) -> Result<Self, String> {
        if let Some(c) = s.chars().find(|c| !c.is_ascii_graphic()) {
            return Err(format!(
                "must be visible ASCII characters without spaces (found {:?})",
                c.escape_default().to_string()
            ));
        }
        if s.len() < MIN_LENGTH {
            return Err(format!("must be at least {MIN_LENGTH} characters long (found {})", s.len()));
        }
        Ok(Self(s.to_string()))
    }

    /// Whether an `Authorization` header's value is `Bearer <this secret>`
    /// ([`bearer_token`]); the secret compared in constant time.
    pub fn admits(&self, authorization: Option<&str>) -> bool {
        authorization
            .and_then(|v| bearer_token(v).ok())
            .is_some_and(|token| verify_slices_are_equal(token.as_bytes(), self.0.as_bytes()).is_ok())
    }
}

/// Why an `Authorization` header holds no bearer token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotBearer {
    /// Another scheme (`Basic …`): no token at all (RFC 6750 §3.1: no error code).
    OtherScheme,
    /// `Bearer` without a token.
    Empty,
}

/// The token of an `Authorization` header's value `Bearer <token>` (the
/// scheme case-insensitive, RFC 7235 §2.1; spaces around ignored).
pub fn bearer_token(value: &str) -> Result<&str, NotBearer> {
    let text = value.trim();
    let (scheme, credentials) = text.split_once(' ').unwrap_or((text, ""));
    if !scheme.eq_ignore_ascii_case("Bearer") {
        return Err(NotBearer::OtherScheme);
    }
    Some(credentials.trim()).filter(|t| !t.is_empty()).ok_or(NotBearer::Empty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_names_the_rule() {
        assert!(BearerSecret::parse("short").unwrap_err().contains("at least 16"));
        assert!(BearerSecret::parse("with a space in it, long enough").unwrap_err().contains("without spaces"));
        assert!(BearerSecret::parse("0123456789abcdef").is_ok());
    }

    #[test]
    fn admits_only_the_secret() {
        let s = BearerSecret::parse("0123456789abcdef").unwrap();
        assert!(s.admits(Some("Bearer 0123456789abcdef")));
        assert!(s.admits(Some("bearer 0123456789abcdef")));
        assert!(!s.admits(Some("Bearer 0123456789abcdeF")));
        assert!(!s.admits(Some("Bearer 0123456789abcde")));
        assert!(!s.admits(Some("Basic 0123456789abcdef")));
        assert!(!s.admits(Some("0123456789abcdef")));
        assert!(!s.admits(None));
        assert_eq!(format!("{s:?}"), "BearerSecret(…)");
        assert_eq!(bearer_token("  bearer  abc "), Ok("abc"));
        assert_eq!(bearer_token("Basic abc"), Err(NotBearer::OtherScheme));
        assert_eq!(bearer_token("Bearer "), Err(NotBearer::Empty));
    }
}
