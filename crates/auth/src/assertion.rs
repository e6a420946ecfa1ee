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
    #[error("iss must be the client id")]
    Iss,
    #[error("sub must be the client id, as iss")]
    Sub,
    #[error("aud must be the token endpoint's URL {0}")]
    Aud(String),
    #[error("exp is required, as a number of seconds")]
    Exp,
    #[error("the assertion has expired")]
    Expired,
    #[error("exp lies too far ahead: an assertion is valid at most {0} seconds")]
    Lifetime(i64),
    #[error("nbf lies in the future, or is not a number")]
    Nbf,
    #[error("iat lies in the future, or is not a number")]
    Iat,
    #[error("jti is required: a unique string of at most 256 characters")]
    Jti,
}

impl AssertionError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Iss => "assertion.iss",
            Self::Sub => "assertion.sub",
            Self::Aud(_) => "assertion.aud",
            Self::Exp => "assertion.exp",
            Self::Expired => "assertion.expired",
            Self::Lifetime(_) => "assertion.lifetime",
            Self::Nbf => "assertion.nbf",
            Self::Iat => "assertion.iat",
            Self::Jti => "assertion.jti",
        }
    }
}

/// A NumericDate: a JSON number (an integer or a float), never a string.
fn numeric(v: Option<&Value>) -> Option<Option<i64>> {
    match v {
        None => Some(None),
        Some(Value::Number(n)) => {
            n.as_i64().or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f.floor() as i64)).map(Some)
        }
        Some(_) => None,
    }
}

/// The client the assertion names (`iss`, or `sub` without `iss`), read
/// before the signature is checked to find the account's certificates.
pub fn peek_client_id(claims: &Map<String, Value>) -> Option<&str> {
    claims.get("iss").or_else(|| claims.get("sub")).and_then(Value::as_str).filter(|s| !s.is_empty())
}

pub fn check_claims(claims: &Map<String, Value>, rules: &AssertionRules) -> Result<VerifiedAssertion, AssertionError> {
    if claims.get("iss").and_then(Value::as_str) != Some(rules.client_id.as_str()) {
        return Err(AssertionError::Iss);
    }
    if claims.get("sub").and_then(Value::as_str) != Some(rules.client_id.as_str()) {
        return Err(AssertionError::Sub);
    }
    let aud_ok = match claims.get("aud") {
        Some(Value::String(a)) => a == &rules.audience,
        Some(Value::Array(list)) => list.len() == 1 && list[0].as_str() == Some(rules.audience.as_str()),
        _ => false,
    };
    if !aud_ok {
        return Err(AssertionError::Aud(rules.audience.clone()));
    }
    let now = rules.now.unix_timestamp();
    let skew = rules.clock_skew.whole_seconds();
    let max = rules.max_lifetime.whole_seconds();
    let Some(Some(exp)) = numeric(claims.get("exp")) else {
        return Err(AssertionError::Exp);
    };
    if exp <= now - skew {
        return Err(AssertionError::Expired);
    }
    if exp > now + max + skew {
        return Err(AssertionError::Lifetime(max));
    }
    match numeric(claims.get("iat")) {
        None => return Err(AssertionError::Iat),
        Some(Some(iat)) => {
            if iat > now + skew {
                return Err(AssertionError::Iat);
            }
            if exp - iat > max {
                return Err(AssertionError::Lifetime(max));
            }
        }
        Some(None) => {}
    }
    match numeric(claims.get("nbf")) {
        None => return Err(AssertionError::Nbf),
        Some(Some(nbf)) if nbf > now + skew => return Err(AssertionError::Nbf),
        _ => {}
    }
    let jti = match claims.get("jti") {
        Some(Value::String(j)) if !j.is_empty() && j.chars().count() <= 256 => j.clone(),
        _ => return Err(AssertionError::Jti),
    };
    Ok(VerifiedAssertion { jti, expires_at: OffsetDateTime::from_unix_timestamp(exp).unwrap_or(rules.now) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-03-02 07:00:00 UTC);

    fn rules() -> AssertionRules {
        AssertionRules {
            client_id: "self_service_expeditor_7".into(),
            audience: "https://ciao.example.be/REST/oauth/v5/token".into(),
            now: NOW,
            max_lifetime: Duration::minutes(5),
            clock_skew: Duration::seconds(30),
        }
    }

    fn good() -> Map<String, Value> {
        let t = NOW.unix_timestamp();
        json!({"iss": "self_service_expeditor_7", "sub": "self_service_expeditor_7",
               "aud": "https://ciao.example.be/REST/oauth/v5/token", "iat": t, "exp": t + 120, "jti": "a1"})
        .as_object()
        .cloned()
        .unwrap_or_default()
    }

    fn with(k: &str, v: Value) -> Map<String, Value> {
        let mut c = good();
        c.insert(k.into(), v);
        c
    }

    #[test]
    fn a_good_assertion_passes() {
        let v = check_claims(&good(), &rules()).unwrap();
        assert_eq!(v.jti, "a1");
        assert_eq!(v.expires_at, NOW + Duration::seconds(120));
        let c = with("aud", json!(["https://ciao.example.be/REST/oauth/v5/token"]));
        assert!(check_claims(&c, &rules()).is_ok());
        assert_eq!(peek_client_id(&good()), Some("self_service_expeditor_7"));
    }

    #[test]
    fn each_rule_refuses() {
        let t = NOW.unix_timestamp();
        let cases = [
            (with("iss", json!("self_service_expeditor_8")), "assertion.iss"),
            (with("sub", json!("self_service_expeditor_8")), "assertion.sub"),
            (with("aud", json!("https://services.socialsecurity.be/REST/oauth/v5/token")), "assertion.aud"),
            (with("aud", json!(["https://ciao.example.be/REST/oauth/v5/token", "x"])), "assertion.aud"),
            (with("exp", json!((t + 60).to_string())), "assertion.exp"),
            (with("exp", json!(t - 31)), "assertion.expired"),
            (with("exp", json!(t + 400)), "assertion.lifetime"),
            (with("iat", json!(t + 60)), "assertion.iat"),
            (with("iat", json!("now")), "assertion.iat"),
            (with("nbf", json!(t + 60)), "assertion.nbf"),
            (with("jti", json!("")), "assertion.jti"),
            (with("jti", json!(42)), "assertion.jti"),
            (with("jti", json!("x".repeat(257))), "assertion.jti"),
        ];
        for (claims, code) in cases {
            assert_eq!(check_claims(&claims, &rules()).unwrap_err().code(), code, "{claims:?}");
        }
        let mut c = good();
        c.remove("exp");
        assert_eq!(check_claims(&c, &rules()).unwrap_err().code(), "assertion.exp");
        let mut c = good();
        c.remove("jti");
        assert_eq!(check_claims(&c, &rules()).unwrap_err().code(), "assertion.jti");
        // A lifetime of 5 minutes counted from iat.
        let c = with("iat", json!(t - 200));
        let c2 = {
            let mut x = c.clone();
            x.insert("exp".into(), json!(t + 200));
            x
        };
        assert_eq!(check_claims(&c2, &rules()).unwrap_err().code(), "assertion.lifetime");
    }
}
