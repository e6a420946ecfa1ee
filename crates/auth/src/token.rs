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
    #[error("the token is malformed")]
    Malformed,
    #[error("the token's signature is wrong")]
    BadSignature,
    #[error("the token has expired")]
    Expired,
    #[error("no randomness available")]
    Random,
}

impl TokenError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed => "token.malformed",
            Self::BadSignature => "token.signature",
            Self::Expired => "token.expired",
            Self::Random => "token.random",
        }
    }
}

/// The server's token key.
pub struct TokenKey(hmac::Key);

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey(…)")
    }
}

impl TokenKey {
    pub fn from_secret(secret: &[u8]) -> Self {
        Self(hmac::Key::new(hmac::HMAC_SHA256, secret))
    }

    pub fn generate_secret() -> Result<[u8; 32], TokenError> {
        let mut s = [0u8; 32];
        rand::fill(&mut s).map_err(|_| TokenError::Random)?;
        Ok(s)
    }

    pub fn issue(&self, claims: &AccessTokenClaims) -> String {
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
        let signed = format!("{PREFIX}{payload}");
        let mac = hmac::sign(&self.0, signed.as_bytes());
        format!("{signed}.{}", URL_SAFE_NO_PAD.encode(mac.as_ref()))
    }

    pub fn verify(&self, token: &str, now: OffsetDateTime) -> Result<AccessTokenClaims, TokenError> {
        if token.len() > 4096 || !token.starts_with(PREFIX) {
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

#[cfg(test)]
mod tests {
    use super::*;
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

    #[test]
    fn round_trip_and_refusals() {
        let key = TokenKey::from_secret(&TokenKey::generate_secret().unwrap());
        let t = key.issue(&claims());
        assert_eq!(key.verify(&t, NOW).unwrap(), claims());
        assert_eq!(key.verify(&t, NOW + time::Duration::seconds(600)), Err(TokenError::Expired));
        let other = TokenKey::from_secret(b"another secret of thirty-two bytes");
        assert_eq!(other.verify(&t, NOW), Err(TokenError::BadSignature));
        // A changed payload (another client) with the old MAC.
        let mut forged = claims();
        forged.client_id = "self_service_expeditor_8".into();
        let forged_payload = key.issue(&forged);
        let (fp, _) = forged_payload.rsplit_once('.').unwrap();
        let (_, mac) = t.rsplit_once('.').unwrap();
        assert_eq!(key.verify(&format!("{fp}.{mac}"), NOW), Err(TokenError::BadSignature));
        let (p, _) = t.rsplit_once('.').unwrap();
        assert_eq!(key.verify(&format!("{p}.AAAA"), NOW), Err(TokenError::BadSignature));
        assert_eq!(key.verify("garbage", NOW), Err(TokenError::Malformed));
        assert_eq!(key.verify("ciao1.e30", NOW), Err(TokenError::Malformed));
    }
}
