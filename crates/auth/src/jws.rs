//! A small, strict JWS compact verifier (RFC 7515, RFC 8725) on aws-lc-rs:
//! three base64url parts without padding, a closed header, and an algorithm
//! that must fit the key it is verified with.

use aws_lc_rs::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::certificate::PublicKeyKind;

/// The longest compact JWS accepted.
pub const MAX_LEN: usize = 8192;

/// The signature algorithms accepted for client assertions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(clippy::upper_case_acronyms)]
pub enum Alg {
    RS256,
    RS384,
    RS512,
    PS256,
    PS384,
    PS512,
    ES384,
    ES512,
}

impl Alg {
    pub const ALL: [Alg; 8] =
        [Self::RS256, Self::RS384, Self::RS512, Self::PS256, Self::PS384, Self::PS512, Self::ES384, Self::ES512];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::RS256 => "RS256",
            Self::RS384 => "RS384",
            Self::RS512 => "RS512",
            Self::PS256 => "PS256",
            Self::PS384 => "PS384",
            Self::PS512 => "PS512",
            Self::ES384 => "ES384",
            Self::ES512 => "ES512",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// Does this algorithm fit that key?
    pub fn fits(self, key: &PublicKeyKind) -> bool {
        match key {
            PublicKeyKind::Rsa { .. } => {
                matches!(self, Self::RS256 | Self::RS384 | Self::RS512 | Self::PS256 | Self::PS384 | Self::PS512)
            }
            PublicKeyKind::EcP384 => self == Self::ES384,
            PublicKeyKind::EcP521 => self == Self::ES512,
            PublicKeyKind::Other(_) => false,
        }
    }

    fn verification(self) -> &'static dyn VerificationAlgorithm {
        match self {
            Self::RS256 => &signature::RSA_PKCS1_2048_8192_SHA256,
            Self::RS384 => &signature::RSA_PKCS1_2048_8192_SHA384,
            Self::RS512 => &signature::RSA_PKCS1_2048_8192_SHA512,
            Self::PS256 => &signature::RSA_PSS_2048_8192_SHA256,
            Self::PS384 => &signature::RSA_PSS_2048_8192_SHA384,
            Self::PS512 => &signature::RSA_PSS_2048_8192_SHA512,
            Self::ES384 => &signature::ECDSA_P384_SHA384_FIXED,
            Self::ES512 => &signature::ECDSA_P521_SHA512_FIXED,
        }
    }
}

/// The JOSE header: only these members are allowed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JwsHeader {
    pub alg: String,
    #[serde(default)]
    pub typ: Option<String>,
    #[serde(default)]
    pub kid: Option<String>,
    #[serde(default, rename = "x5t#S256")]
    pub x5t_s256: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwsError {
    #[error("not a compact JWS: {0}")]
    Format(String),
    #[error("the JOSE header is refused: {0}")]
    Header(String),
    #[error("the algorithm {0:?} is not accepted")]
    Algorithm(String),
    #[error("the algorithm {alg} does not fit the {key} key of the certificate")]
    KeyMismatch { alg: String, key: String },
    #[error("the signature does not verify")]
    Signature,
}

impl JwsError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Format(_) => "jws.format",
            Self::Header(_) => "jws.header",
            Self::Algorithm(_) => "jws.algorithm",
            Self::KeyMismatch { .. } => "jws.keyMismatch",
            Self::Signature => "jws.signature",
        }
    }
}

/// A parsed JWS whose signature is not checked yet.
#[derive(Debug, Clone)]
pub struct UnverifiedJws {
    pub header: JwsHeader,
    pub claims: Map<String, Value>,
    signing_input: String,
    signature: Vec<u8>,
}

/// Decodes base64url without padding; refuses padding and non-canonical encodings.
fn b64(part: &str, what: &str) -> Result<Vec<u8>, JwsError> {
    if part.contains('=') {
        return Err(JwsError::Format(format!("the {what} is padded base64")));
    }
    let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|_| JwsError::Format(format!("the {what} is not base64url")))?;
    if URL_SAFE_NO_PAD.encode(&bytes) != part {
        return Err(JwsError::Format(format!("the {what} is not canonical base64url")));
    }
    Ok(bytes)
}

/// Parses a compact JWS (`header.payload.signature`).
pub fn parse_compact(token: &str) -> Result<UnverifiedJws, JwsError> {
    if token.len() > MAX_LEN {
        return Err(JwsError::Format(format!("longer than {MAX_LEN} bytes")));
    }
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return Err(JwsError::Format(format!("{} parts instead of 3 (header.payload.signature)", parts.len())));
    }
    let header_bytes = b64(parts[0], "header")?;
    let header: JwsHeader = serde_json::from_slice(&header_bytes).map_err(|e| JwsError::Header(e.to_string()))?;
    if let Some(t) = &header.typ
        && !t.eq_ignore_ascii_case("JWT")
    {
        return Err(JwsError::Header(format!("typ {t:?} is not JWT")));
    }
    let payload = b64(parts[1], "payload")?;
    let claims: Value = serde_json::from_slice(&payload).map_err(|e| JwsError::Format(format!("payload: {e}")))?;
    let Value::Object(claims) = claims else {
        return Err(JwsError::Format("the payload is not a JSON object".into()));
    };
    let signature = b64(parts[2], "signature")?;
    Ok(UnverifiedJws { header, claims, signing_input: format!("{}.{}", parts[0], parts[1]), signature })
}

impl UnverifiedJws {
    /// Verifies the signature with a certificate's key; the algorithm must
    /// be one of the accepted ones and fit the key, before any crypto.
    pub fn verify(&self, key: &PublicKeyKind, public_key: &[u8]) -> Result<Alg, JwsError> {
        let alg = Alg::parse(&self.header.alg).ok_or_else(|| JwsError::Algorithm(self.header.alg.clone()))?;
        if !alg.fits(key) {
            return Err(JwsError::KeyMismatch { alg: alg.as_str().to_string(), key: key.to_string() });
        }
        UnparsedPublicKey::new(alg.verification(), public_key)
            .verify(self.signing_input.as_bytes(), &self.signature)
            .map_err(|_| JwsError::Signature)?;
        Ok(alg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::{KeyKind, SigningKey, generate_key};
    use serde_json::json;

    fn key(kind: KeyKind) -> (SigningKey, PublicKeyKind) {
        let k = SigningKey::from_pem(&generate_key(kind).unwrap()).unwrap();
        let kind = match kind {
            KeyKind::EcP384 => PublicKeyKind::EcP384,
            KeyKind::EcP521 => PublicKeyKind::EcP521,
            _ => PublicKeyKind::Rsa { bits: 2048 },
        };
        (k, kind)
    }

    fn claims() -> Value {
        json!({"iss": "c", "sub": "c", "jti": "1"})
    }

    #[test]
    fn every_algorithm_round_trips_with_its_key() {
        let (rsa, rsa_kind) = key(KeyKind::Rsa2048);
        for alg in [Alg::RS256, Alg::RS384, Alg::RS512, Alg::PS256, Alg::PS384, Alg::PS512] {
            let t = rsa.sign_jws(alg, &Map::new(), &claims()).unwrap();
            assert_eq!(parse_compact(&t).unwrap().verify(&rsa_kind, &rsa.public_key()), Ok(alg));
        }
        for (kind, alg) in [(KeyKind::EcP384, Alg::ES384), (KeyKind::EcP521, Alg::ES512)] {
            let (k, pk) = key(kind);
            let t = k.sign_jws(alg, &Map::new(), &claims()).unwrap();
            let jws = parse_compact(&t).unwrap();
            assert_eq!(jws.claims.get("iss"), Some(&json!("c")));
            assert_eq!(jws.verify(&pk, &k.public_key()), Ok(alg));
        }
    }

    #[test]
    fn refusals() {
        let (ec, ec_kind) = key(KeyKind::EcP384);
        let (rsa, rsa_kind) = key(KeyKind::Rsa2048);
        let good = ec.sign_jws(Alg::ES384, &Map::new(), &claims()).unwrap();
        let parts: Vec<&str> = good.split('.').collect();
        let enc = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());

        // alg none, with an empty signature.
        let none = format!("{}.{}.", enc(&json!({"alg": "none"})), parts[1]);
        assert_eq!(
            parse_compact(&none).unwrap().verify(&ec_kind, &ec.public_key()).unwrap_err().code(),
            "jws.algorithm"
        );
        // HS256 keyed with the public key's bytes.
        let input = format!("{}.{}", enc(&json!({"alg": "HS256", "typ": "JWT"})), parts[1]);
        let mac = aws_lc_rs::hmac::sign(
            &aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, &rsa.public_key()),
            input.as_bytes(),
        );
        let hs = format!("{input}.{}", URL_SAFE_NO_PAD.encode(mac.as_ref()));
        assert_eq!(
            parse_compact(&hs).unwrap().verify(&rsa_kind, &rsa.public_key()).unwrap_err().code(),
            "jws.algorithm"
        );
        // ES384 token against an RSA key, and RS256 against an EC key.
        assert_eq!(
            parse_compact(&good).unwrap().verify(&rsa_kind, &rsa.public_key()).unwrap_err().code(),
            "jws.keyMismatch"
        );
        let rs = rsa.sign_jws(Alg::RS256, &Map::new(), &claims()).unwrap();
        assert_eq!(
            parse_compact(&rs).unwrap().verify(&ec_kind, &ec.public_key()).unwrap_err().code(),
            "jws.keyMismatch"
        );
        // ES512 announced with a P-384 key.
        let es512 = format!("{}.{}.{}", enc(&json!({"alg": "ES512"})), parts[1], parts[2]);
        assert_eq!(
            parse_compact(&es512).unwrap().verify(&ec_kind, &ec.public_key()).unwrap_err().code(),
            "jws.keyMismatch"
        );
        // Another key of the same kind.
        let (other, _) = key(KeyKind::EcP384);
        assert_eq!(
            parse_compact(&good).unwrap().verify(&ec_kind, &other.public_key()).unwrap_err().code(),
            "jws.signature"
        );
        // A changed payload.
        let tampered = format!("{}.{}.{}", parts[0], enc(&json!({"iss": "d", "sub": "d", "jti": "1"})), parts[2]);
        assert_eq!(
            parse_compact(&tampered).unwrap().verify(&ec_kind, &ec.public_key()).unwrap_err().code(),
            "jws.signature"
        );
        // Format and header rules.
        assert_eq!(parse_compact(&format!("{good}.x")).unwrap_err().code(), "jws.format");
        assert_eq!(
            parse_compact(&format!("{}=.{}.{}", parts[0], parts[1], parts[2])).unwrap_err().code(),
            "jws.format"
        );
        assert_eq!(parse_compact(&"a".repeat(MAX_LEN + 1)).unwrap_err().code(), "jws.format");
        for member in ["jwk", "x5c", "jku", "x5u", "crit"] {
            let h = enc(&json!({"alg": "ES384", member: "x"}));
            assert_eq!(
                parse_compact(&format!("{h}.{}.{}", parts[1], parts[2])).unwrap_err().code(),
                "jws.header",
                "{member}"
            );
        }
        let typ = enc(&json!({"alg": "ES384", "typ": "JOSE+JSON"}));
        assert_eq!(parse_compact(&format!("{typ}.{}.{}", parts[1], parts[2])).unwrap_err().code(), "jws.header");
        let array = enc(&json!([1]));
        assert_eq!(parse_compact(&format!("{}.{array}.{}", parts[0], parts[2])).unwrap_err().code(), "jws.format");
    }
}
