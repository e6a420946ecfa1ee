//! ciao's own access tokens: `ciao1.<payload>.<mac>`, the payload a
//! base64url JSON object and the MAC an HMAC-SHA256 over `ciao1.<payload>`
//! with a server secret. Cheap to check on every call: one MAC, no database,
//! no asymmetric signature.

use aws_lc_rs::{hmac, rand};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

const PREFIX: &str = "ciao1.";

/// The longest token accepted.
pub const MAX_LEN: usize = 4096;

/// What an access token says (short JSON names on the wire).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessTokenClaims {
    #[serde(rename = "cid")]
    pub client_id: String,
    #[serde(rename = "ent")]
    pub enterprise: String,
    #[serde(rename = "scp")]
    pub scopes: Vec<String>,
    #[serde(rename = "iat")]
    pub issued_at: i64,
    #[serde(rename = "exp")]
    pub expires_at: i64,
    #[serde(rename = "tid")]
    pub token_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the access token is malformed")]
    Malformed,
    #[error("the access token's signature is wrong")]
    BadSignature,
    #[error("the access token has expired")]
    Expired,
    #[error("no randomness is available to make a secret")]
    Random,
}

impl TokenError {
    /// A stable code for the failure.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed => "token.malformed",
            Self::BadSignature => "token.signature",
            Self::Expired => "token.expired",
            Self::Random => "token.random",
        }
    }
}

/// The server's HMAC-SHA256 key for access tokens.
pub struct TokenKey(hmac::Key);

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey(…)")
    }
}

impl TokenKey {
    /// The key from a secret of at least 32 random bytes kept by the server.
    pub fn from_secret(secret: &[u8]) -> Self {
        Self(hmac::Key::new(hmac::HMAC_SHA256, secret))
    }

    /// A new random secret.
    pub fn generate_secret() -> Result<[u8; 32], TokenError> {
        let mut s = [0u8; 32];
        rand::fill(&mut s).map_err(|_| TokenError::Random)?;
        Ok(s)
    }

    /// The HMAC-SHA256 of `data` (for other signed values of the server).
    pub fn mac(&self, data: &[u8]) -> Vec<u8> {
        hmac::sign(&self.0, data).as_ref().to_vec()
    }

    /// Checks a MAC made by [`TokenKey::mac`], in constant time.
    pub fn verify_mac(&self, data: &[u8], mac: &[u8]) -> bool {
        hmac::verify(&self.0, data, mac).is_ok()
    }

    /// `ciao1.<payload>.<mac>`.
    pub fn issue(&self, claims: &AccessTokenClaims) -> String {
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
        let signed = format!("{PREFIX}{payload}");
        let mac = hmac::sign(&self.0, signed.as_bytes());
        format!("{signed}.{}", URL_SAFE_NO_PAD.encode(mac.as_ref()))
    }

    /// Checks the MAC (in constant time, before reading the payload), then
    /// the expiry: a token is expired from `expires_at` on.
    pub fn verify(&self, token: &str, now: OffsetDateTime) -> Result<AccessTokenClaims, TokenError> {
        if token.len() > MAX_LEN || !token.starts_with(PREFIX) {
            return Err(TokenError::Malformed);
        }
        let (signed, mac) = token.rsplit_once('.').ok_or(TokenError::Malformed)?;
        if signed.len() <= PREFIX.len() || !signed.starts_with(PREFIX) {
            return Err(TokenError::Malformed);
        }
        let mac = URL_SAFE_NO_PAD.decode(mac).map_err(|_| TokenError::Malformed)?;
        hmac::verify(&self.0, signed.as_bytes(), &mac).map_err(|_| TokenError::BadSignature)?;
        let payload = URL_SAFE_NO_PAD.decode(&signed[PREFIX.len()..]).map_err(|_| TokenError::Malformed)?;
        let claims: AccessTokenClaims = serde_json::from_slice(&payload).map_err(|_| TokenError::Malformed)?;
        if now.unix_timestamp() >= claims.expires_at {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }
}

/// SHA-256 of `data`, in lowercase hexadecimal.
pub fn sha256_hex(data: &[u8]) -> String {
    crate::hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, data).as_ref())
}

/// `n` random bytes from the system's generator.
pub fn random_bytes(n: usize) -> Result<Vec<u8>, TokenError> {
    let mut v = vec![0u8; n];
    rand::fill(&mut v).map_err(|_| TokenError::Random)?;
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-03-02 07:00:00 UTC);

    fn claims() -> AccessTokenClaims {
        AccessTokenClaims {
            client_id: "self_service_expeditor_7".into(),
            enterprise: "0123456749".into(),
            scopes: vec!["scope:presenceregistration:register".into()],
            issued_at: NOW.unix_timestamp(),
            expires_at: NOW.unix_timestamp() + 600,
            token_id: "t1".into(),
        }
    }

    fn key() -> TokenKey {
        TokenKey::from_secret(&TokenKey::generate_secret().unwrap())
    }

    #[test]
    fn round_trip() {
        let key = key();
        let t = key.issue(&claims());
        assert!(t.starts_with("ciao1."));
        assert_eq!(t.split('.').count(), 3);
        assert_eq!(key.verify(&t, NOW).unwrap(), claims());
        assert_eq!(key.verify(&t, NOW + Duration::seconds(599)).unwrap(), claims());
        // The same secret makes the same key (another node).
        let secret = [7u8; 32];
        let t = TokenKey::from_secret(&secret).issue(&claims());
        assert_eq!(TokenKey::from_secret(&secret).verify(&t, NOW), Ok(claims()));
    }

    #[test]
    fn secrets_are_random() {
        assert_ne!(TokenKey::generate_secret().unwrap(), TokenKey::generate_secret().unwrap());
    }

    #[test]
    fn expired_from_expires_at_on() {
        let key = key();
        let t = key.issue(&claims());
        assert_eq!(key.verify(&t, NOW + Duration::seconds(600)), Err(TokenError::Expired));
        assert_eq!(key.verify(&t, NOW + Duration::days(1)), Err(TokenError::Expired));
        assert_eq!(TokenError::Expired.code(), "token.expired");
    }

    #[test]
    fn tampered_payload_is_refused() {
        let key = key();
        let t = key.issue(&claims());
        let (_, mac) = t.rsplit_once('.').unwrap();
        let mut forged = claims();
        forged.client_id = "self_service_expeditor_8".into();
        forged.scopes.push("scope:admin".into());
        let other = key.issue(&forged);
        let (forged_part, _) = other.rsplit_once('.').unwrap();
        assert_eq!(key.verify(&format!("{forged_part}.{mac}"), NOW), Err(TokenError::BadSignature));
        // A tampered payload is refused before it is read, even if unreadable.
        assert_eq!(key.verify(&format!("ciao1.e30.{mac}"), NOW), Err(TokenError::BadSignature));
        assert_eq!(key.verify(&format!("ciao1.!!.{mac}"), NOW), Err(TokenError::BadSignature));
    }

    #[test]
    fn tampered_mac_is_refused() {
        let key = key();
        let t = key.issue(&claims());
        let (signed, mac) = t.rsplit_once('.').unwrap();
        let mut bytes = URL_SAFE_NO_PAD.decode(mac).unwrap();
        bytes[0] ^= 1;
        let flipped = URL_SAFE_NO_PAD.encode(&bytes);
        assert_eq!(key.verify(&format!("{signed}.{flipped}"), NOW), Err(TokenError::BadSignature));
        assert_eq!(key.verify(&format!("{signed}.AAAA"), NOW), Err(TokenError::BadSignature));
        assert_eq!(key.verify(&format!("{signed}."), NOW), Err(TokenError::BadSignature));
        assert_eq!(key.verify(&format!("{signed}.{}", &mac[..20]), NOW), Err(TokenError::BadSignature));
    }

    #[test]
    fn another_key_is_refused() {
        let t = key().issue(&claims());
        let e = key().verify(&t, NOW).unwrap_err();
        assert_eq!(e, TokenError::BadSignature);
        assert_eq!(e.code(), "token.signature");
    }

    #[test]
    fn garbage_is_malformed() {
        let key = key();
        for t in ["", "garbage", "ciao1.", "ciao1.e30", "ciao2.e30.AAAA", "Bearer ciao1.e30.AAAA", "ciao1..AAAA"] {
            assert_eq!(key.verify(t, NOW), Err(TokenError::Malformed), "{t}");
        }
        let long = format!("ciao1.{}", "A".repeat(MAX_LEN));
        assert_eq!(key.verify(&long, NOW), Err(TokenError::Malformed));
        // A genuine MAC over a payload that is not the claims.
        let signed = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(br#"{"cid":"x"}"#));
        let mac = hmac::sign(&key.0, signed.as_bytes());
        let t = format!("{signed}.{}", URL_SAFE_NO_PAD.encode(mac.as_ref()));
        assert_eq!(key.verify(&t, NOW), Err(TokenError::Malformed));
        assert_eq!(TokenError::Malformed.code(), "token.malformed");
    }
}
