//! The claims of an RFC 7523 client assertion, checked after its signature.

use serde_json::{Map, Value};
use time::{Duration, OffsetDateTime};

/// What a client assertion must satisfy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssertionRules {
    pub client_id: String,
    /// The token endpoint's absolute URL.
    pub audience: String,
    pub now: OffsetDateTime,
    /// How far ahead `exp` may lie (5 minutes).
    pub max_lifetime: Duration,
    pub clock_skew: Duration,
}

/// An assertion that passed: its id and when it expires (for the replay memory).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedAssertion {
    pub jti: String,
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssertionError {
    #[error("iss must be the client id {expected:?}; found {found}")]
    Iss { expected: String, found: String },
    #[error("sub must be the client id {expected:?}, as iss; found {found}")]
    Sub { expected: String, found: String },
    #[error(
        "aud must be the token endpoint's URL {expected:?} (a string, or an array of that one string); found {found}"
    )]
    Aud { expected: String, found: String },
    #[error("exp is required, as a number of seconds since 1970-01-01; found {0}")]
    Exp(String),
    #[error("the assertion expired at {exp} (now {now}, clock skew {skew} seconds)")]
    Expired { exp: i64, now: i64, skew: i64 },
    #[error("the assertion is valid for {found} seconds; at most {max} seconds are allowed")]
    Lifetime { found: i64, max: i64 },
    #[error("nbf must be a number of seconds not in the future; found {0}")]
    Nbf(String),
    #[error("iat must be a number of seconds not in the future; found {0}")]
    Iat(String),
    #[error(
        "jti is required: a unique, non-empty string of at most {MAX_JTI} characters, without control, direction-changing or invisible characters; found {0}"
    )]
    Jti(String),
    #[error("the claim {0} is not a valid date")]
    Claims(String),
}

impl AssertionError {
    /// A stable code for the rule that failed.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Iss { .. } => "assertion.iss",
            Self::Sub { .. } => "assertion.sub",
            Self::Aud { .. } => "assertion.aud",
            Self::Exp(_) => "assertion.exp",
            Self::Expired { .. } => "assertion.expired",
            Self::Lifetime { .. } => "assertion.lifetime",
            Self::Nbf(_) => "assertion.nbf",
            Self::Iat(_) => "assertion.iat",
            Self::Jti(_) => "assertion.jti",
            Self::Claims(_) => "assertion.claims",
        }
    }
}

/// The longest `jti`, in characters.
pub const MAX_JTI: usize = 256;

/// The latest NumericDate accepted: 9999-12-31T23:59:59Z.
const MAX_DATE: i64 = 253_402_300_799;

/// A claim's value for a message: `missing`, or its JSON, shortened.
fn found(v: Option<&Value>) -> String {
    match v {
        None => "missing".into(),
        Some(v) => {
            let text = v.to_string();
            if text.chars().count() > 80 { format!("{}…", text.chars().take(80).collect::<String>()) } else { text }
        }
    }
}

/// A NumericDate (RFC 7519): a JSON number of seconds, never a string;
/// a fraction is dropped. `Ok(None)` when absent, `Err(None)` when not a
/// number, `Err(Some(name))` when out of range.
fn numeric(claims: &Map<String, Value>, name: &str) -> Result<Option<i64>, Option<String>> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => {
            let secs = match n.as_i64() {
                Some(i) => Some(i),
                None => n.as_f64().filter(|f| f.is_finite() && f.abs() <= MAX_DATE as f64).map(|f| f.floor() as i64),
            };
            match secs {
                Some(s) if s.abs() <= MAX_DATE => Ok(Some(s)),
                _ => Err(Some(name.to_string())),
            }
        }
        Some(_) => Err(None),
    }
}

/// The client the assertion names (`iss`, or `sub` without `iss`), read
/// before the signature is checked to find the account's certificates.
pub fn peek_client_id(claims: &Map<String, Value>) -> Option<&str> {
    claims.get("iss").or_else(|| claims.get("sub")).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// Checks the claims of a client assertion whose signature has been
/// verified; returns its `jti` and expiry for the replay memory.
pub fn check_claims(claims: &Map<String, Value>, rules: &AssertionRules) -> Result<VerifiedAssertion, AssertionError> {
    let client_id = rules.client_id.as_str();
    if claims.get("iss").and_then(Value::as_str) != Some(client_id) {
        return Err(AssertionError::Iss { expected: client_id.into(), found: found(claims.get("iss")) });
    }
    if claims.get("sub").and_then(Value::as_str) != Some(client_id) {
        return Err(AssertionError::Sub { expected: client_id.into(), found: found(claims.get("sub")) });
    }
    let audience = rules.audience.as_str();
    let aud_ok = match claims.get("aud") {
        Some(Value::String(a)) => a == audience,
        Some(Value::Array(list)) => matches!(&list[..], [Value::String(a)] if a == audience),
        _ => false,
    };
    if !aud_ok {
        return Err(AssertionError::Aud { expected: audience.into(), found: found(claims.get("aud")) });
    }
    let now = rules.now.unix_timestamp();
    let skew = rules.clock_skew.whole_seconds();
    let max = rules.max_lifetime.whole_seconds();
    let exp = match numeric(claims, "exp") {
        Ok(Some(exp)) => exp,
        Ok(None) | Err(None) => return Err(AssertionError::Exp(found(claims.get("exp")))),
        Err(Some(name)) => return Err(AssertionError::Claims(name)),
    };
    if exp <= now - skew {
        return Err(AssertionError::Expired { exp, now, skew });
    }
    if exp > now + max + skew {
        return Err(AssertionError::Lifetime { found: exp - now, max });
    }
    match numeric(claims, "iat") {
        Ok(None) => {}
        Ok(Some(iat)) if iat > now + skew => return Err(AssertionError::Iat(iat.to_string())),
        Ok(Some(iat)) if exp - iat > max => return Err(AssertionError::Lifetime { found: exp - iat, max }),
        Ok(Some(_)) => {}
        Err(None) => return Err(AssertionError::Iat(found(claims.get("iat")))),
        Err(Some(name)) => return Err(AssertionError::Claims(name)),
    }
    match numeric(claims, "nbf") {
        Ok(Some(nbf)) if nbf > now + skew => return Err(AssertionError::Nbf(nbf.to_string())),
        Ok(_) => {}
        Err(None) => return Err(AssertionError::Nbf(found(claims.get("nbf")))),
        Err(Some(name)) => return Err(AssertionError::Claims(name)),
    }
    let jti = match claims.get("jti") {
        // The register's rule for texts (it is logged and stored): no
        // control, direction-changing or invisible character.
        Some(Value::String(j))
            if !j.is_empty()
                && j.chars().count() <= MAX_JTI
                && ciao_domain::text::text_fault("jti", j, false).is_none() =>
        {
            j.clone()
        }
        other => return Err(AssertionError::Jti(found(other))),
    };
    let expires_at = OffsetDateTime::from_unix_timestamp(exp).map_err(|_| AssertionError::Claims("exp".into()))?;
    Ok(VerifiedAssertion { jti, expires_at })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-03-02 07:00:00 UTC);
    const T: i64 = 1_772_434_800; // NOW
    const CLIENT: &str = "self_service_expeditor_7";
    const AUD: &str = "https://ciao.example.be/REST/oauth/v5/token";

    fn rules() -> AssertionRules {
        AssertionRules {
            client_id: CLIENT.into(),
            audience: AUD.into(),
            now: NOW,
            max_lifetime: Duration::minutes(5),
            clock_skew: Duration::seconds(30),
        }
    }

    fn good() -> Map<String, Value> {
        let claims = json!({"iss": CLIENT, "sub": CLIENT, "aud": AUD, "iat": T, "exp": T + 120, "jti": "a1"});
        claims.as_object().cloned().unwrap()
    }

    fn with(k: &str, v: Value) -> Map<String, Value> {
        let mut c = good();
        c.insert(k.into(), v);
        c
    }

    fn without(k: &str) -> Map<String, Value> {
        let mut c = good();
        c.remove(k);
        c
    }

    fn passes(c: &Map<String, Value>) {
        assert!(check_claims(c, &rules()).is_ok(), "{c:?}: {:?}", check_claims(c, &rules()));
    }

    fn fails(c: &Map<String, Value>, code: &str) {
        assert_eq!(check_claims(c, &rules()).unwrap_err().code(), code, "{c:?}");
    }

    #[test]
    fn a_good_assertion_passes() {
        assert_eq!(NOW.unix_timestamp(), T);
        let v = check_claims(&good(), &rules()).unwrap();
        assert_eq!(v, VerifiedAssertion { jti: "a1".into(), expires_at: NOW + Duration::seconds(120) });
    }

    #[test]
    fn peek_reads_iss_then_sub() {
        assert_eq!(peek_client_id(&good()), Some(CLIENT));
        assert_eq!(peek_client_id(&with("iss", json!("other"))), Some("other"));
        assert_eq!(peek_client_id(&without("iss")), Some(CLIENT));
        assert_eq!(peek_client_id(&with("iss", json!(""))), None);
        assert_eq!(peek_client_id(&with("iss", json!(7))), None);
        assert_eq!(peek_client_id(&Map::new()), None);
    }

    #[test]
    fn iss_and_sub_must_be_the_client() {
        let e = check_claims(&with("iss", json!("self_service_expeditor_8")), &rules()).unwrap_err();
        assert_eq!(e.code(), "assertion.iss");
        assert_eq!(
            e.to_string(),
            "iss must be the client id \"self_service_expeditor_7\"; found \"self_service_expeditor_8\""
        );
        fails(&without("iss"), "assertion.iss");
        fails(&with("iss", json!([CLIENT])), "assertion.iss");
        fails(&with("sub", json!("self_service_expeditor_8")), "assertion.sub");
        fails(&without("sub"), "assertion.sub");
        fails(&with("sub", json!(null)), "assertion.sub");
    }

    #[test]
    fn aud_is_the_endpoint_alone() {
        passes(&with("aud", json!([AUD])));
        fails(&with("aud", json!("https://services.socialsecurity.be/REST/oauth/v5/token")), "assertion.aud");
        fails(&with("aud", json!([AUD, "https://elsewhere.example"])), "assertion.aud");
        fails(&with("aud", json!([AUD, AUD])), "assertion.aud");
        fails(&with("aud", json!(["https://elsewhere.example"])), "assertion.aud");
        fails(&with("aud", json!([])), "assertion.aud");
        fails(&with("aud", json!({"aud": AUD})), "assertion.aud");
        fails(&without("aud"), "assertion.aud");
    }

    #[test]
    fn exp_is_a_number_within_bounds() {
        // A string is refused, even a numeric one (type confusion).
        let e = check_claims(&with("exp", json!((T + 60).to_string())), &rules()).unwrap_err();
        assert_eq!(e.code(), "assertion.exp");
        assert!(e.to_string().ends_with(&format!("found \"{}\"", T + 60)), "{e}");
        fails(&without("exp"), "assertion.exp");
        fails(&with("exp", json!(null)), "assertion.exp");
        fails(&with("exp", json!(true)), "assertion.exp");
        // Fractions are dropped (RFC 7519 allows them).
        passes(&with("exp", json!(T as f64 + 60.7)));
        fails(&with("exp", json!(1e300)), "assertion.claims");
        fails(&with("exp", json!(u64::MAX)), "assertion.claims");
        // Expired, with the clock skew: exp must be after now - skew.
        passes(&with("exp", json!(T - 29)));
        fails(&with("exp", json!(T - 30)), "assertion.expired");
        fails(&with("exp", json!(T - 3600)), "assertion.expired");
        // Too far ahead: at most now + 5 minutes + skew.
        let ok = with("exp", json!(T + 330));
        passes(&without_iat(ok));
        let e = check_claims(&without_iat(with("exp", json!(T + 331))), &rules()).unwrap_err();
        assert_eq!(e.code(), "assertion.lifetime");
        assert_eq!(e.to_string(), "the assertion is valid for 331 seconds; at most 300 seconds are allowed");
        fails(&with("exp", json!(T + 86_400)), "assertion.lifetime");
    }

    fn without_iat(mut c: Map<String, Value>) -> Map<String, Value> {
        c.remove("iat");
        c
    }

    #[test]
    fn iat_is_optional_not_future_and_bounds_the_lifetime() {
        passes(&without("iat"));
        passes(&with("iat", json!(T + 30)));
        fails(&with("iat", json!(T + 31)), "assertion.iat");
        fails(&with("iat", json!(T + 60)), "assertion.iat");
        fails(&with("iat", json!("now")), "assertion.iat");
        fails(&with("iat", json!(T.to_string())), "assertion.iat");
        // exp - iat at most 5 minutes.
        let mut c = with("iat", json!(T - 180));
        c.insert("exp".into(), json!(T + 120));
        passes(&c);
        c.insert("exp".into(), json!(T + 121));
        fails(&c, "assertion.lifetime");
    }

    #[test]
    fn nbf_is_optional_and_not_future() {
        passes(&with("nbf", json!(T - 10)));
        passes(&with("nbf", json!(T + 30)));
        fails(&with("nbf", json!(T + 31)), "assertion.nbf");
        fails(&with("nbf", json!("0")), "assertion.nbf");
    }

    #[test]
    fn jti_is_a_short_non_empty_string() {
        passes(&with("jti", json!("x".repeat(MAX_JTI))));
        passes(&with("jti", json!("é".repeat(MAX_JTI))));
        fails(&without("jti"), "assertion.jti");
        fails(&with("jti", json!("")), "assertion.jti");
        fails(&with("jti", json!(42)), "assertion.jti");
        fails(&with("jti", json!("x".repeat(MAX_JTI + 1))), "assertion.jti");
        fails(&with("jti", json!("a\u{0}b")), "assertion.jti");
        fails(&with("jti", json!("line\nbreak")), "assertion.jti");
        fails(&with("jti", json!("abc\u{202E}def")), "assertion.jti");
        fails(&with("jti", json!("\u{200B}")), "assertion.jti");
        let e = check_claims(&without("jti"), &rules()).unwrap_err();
        assert!(e.to_string().ends_with("found missing"), "{e}");
    }

    #[test]
    fn long_values_are_shortened_in_messages() {
        let e = check_claims(&with("iss", json!("x".repeat(1000))), &rules()).unwrap_err();
        assert!(e.to_string().len() < 200, "{e}");
    }
}
