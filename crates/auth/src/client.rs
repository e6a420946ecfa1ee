//! The client side, for the reference client (`ciao client …`) and the
//! tests: make a key, a self-signed certificate that meets the policy, and
//! signed client assertions.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use aws_lc_rs::signature::{
    self, ECDSA_P384_SHA384_FIXED_SIGNING, ECDSA_P521_SHA512_FIXED_SIGNING, EcdsaKeyPair, KeyPair,
};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Map, Value, json};
use time::{Duration, OffsetDateTime};

use crate::jws::Alg;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    #[error("the key cannot be read: {0}")]
    Key(String),
    #[error("the key cannot sign with {0}")]
    Algorithm(String),
    #[error("the subject cannot be read: {0}")]
    Subject(String),
    #[error("the certificate cannot be made: {0}")]
    Certificate(String),
    #[error("signing failed")]
    Sign,
}

/// The kinds of key `ciao client keygen` makes (all accepted by the policy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Rsa2048,
    Rsa3072,
    Rsa4096,
    EcP384,
    EcP521,
}

impl KeyKind {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "rsa-2048" => Some(Self::Rsa2048),
            "rsa-3072" => Some(Self::Rsa3072),
            "rsa-4096" => Some(Self::Rsa4096),
            "ec-p384" => Some(Self::EcP384),
            "ec-p521" => Some(Self::EcP521),
            _ => None,
        }
    }
}

/// KeyUsage bits for [`self_signed_certificate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyUsageBit {
    DigitalSignature,
    KeyEncipherment,
    KeyCertSign,
}

fn pem(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

fn pem_der(text: &str, label: &str) -> Result<Vec<u8>, ClientError> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text
        .find(&begin)
        .ok_or_else(|| ClientError::Key(format!("no {begin} block (a PKCS#8 private key is expected)")))?;
    let rest = &text[start + begin.len()..];
    let stop = rest.find(&end).ok_or_else(|| ClientError::Key(format!("no {end}")))?;
    let b64: String = rest[..stop].chars().filter(|c| !c.is_whitespace()).collect();
    STANDARD.decode(b64).map_err(|e| ClientError::Key(e.to_string()))
}

/// A new private key, PKCS#8 PEM.
pub fn generate_key(kind: KeyKind) -> Result<String, ClientError> {
    let der = match kind {
        KeyKind::Rsa2048 | KeyKind::Rsa3072 | KeyKind::Rsa4096 => {
            let size = match kind {
                KeyKind::Rsa2048 => KeySize::Rsa2048,
                KeyKind::Rsa3072 => KeySize::Rsa3072,
                _ => KeySize::Rsa4096,
            };
            let key = RsaKeyPair::generate(size).map_err(|_| ClientError::Key("RSA generation failed".into()))?;
            key.as_der().map_err(|_| ClientError::Key("RSA encoding failed".into()))?.as_ref().to_vec()
        }
        KeyKind::EcP384 | KeyKind::EcP521 => {
            let alg = if kind == KeyKind::EcP384 {
                &ECDSA_P384_SHA384_FIXED_SIGNING
            } else {
                &ECDSA_P521_SHA512_FIXED_SIGNING
            };
            let key = EcdsaKeyPair::generate(alg).map_err(|_| ClientError::Key("EC generation failed".into()))?;
            key.to_pkcs8v1().map_err(|_| ClientError::Key("EC encoding failed".into()))?.as_ref().to_vec()
        }
    };
    Ok(pem("PRIVATE KEY", &der))
}

/// A private key that signs client assertions.
pub enum SigningKey {
    Rsa(RsaKeyPair),
    EcP384(EcdsaKeyPair),
    EcP521(EcdsaKeyPair),
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Rsa(_) => "SigningKey(RSA)",
            Self::EcP384(_) => "SigningKey(P-384)",
            Self::EcP521(_) => "SigningKey(P-521)",
        })
    }
}

impl SigningKey {
    /// Reads a PKCS#8 PEM private key (RSA, EC P-384 or EC P-521).
    pub fn from_pem(text: &str) -> Result<Self, ClientError> {
        let der = pem_der(text, "PRIVATE KEY")?;
        if let Ok(k) = RsaKeyPair::from_pkcs8(&der) {
            return Ok(Self::Rsa(k));
        }
        if let Ok(k) = EcdsaKeyPair::from_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, &der) {
            return Ok(Self::EcP384(k));
        }
        if let Ok(k) = EcdsaKeyPair::from_pkcs8(&ECDSA_P521_SHA512_FIXED_SIGNING, &der) {
            return Ok(Self::EcP521(k));
        }
        Err(ClientError::Key("not an RSA, EC P-384 or EC P-521 PKCS#8 key".into()))
    }

    pub fn default_alg(&self) -> Alg {
        match self {
            Self::Rsa(_) => Alg::RS256,
            Self::EcP384(_) => Alg::ES384,
            Self::EcP521(_) => Alg::ES512,
        }
    }

    fn sign(&self, alg: Alg, message: &[u8]) -> Result<Vec<u8>, ClientError> {
        let rng = SystemRandom::new();
        match self {
            Self::Rsa(k) => {
                let padding: &'static dyn signature::RsaEncoding = match alg {
                    Alg::RS256 => &signature::RSA_PKCS1_SHA256,
                    Alg::RS384 => &signature::RSA_PKCS1_SHA384,
                    Alg::RS512 => &signature::RSA_PKCS1_SHA512,
                    Alg::PS256 => &signature::RSA_PSS_SHA256,
                    Alg::PS384 => &signature::RSA_PSS_SHA384,
                    Alg::PS512 => &signature::RSA_PSS_SHA512,
                    other => return Err(ClientError::Algorithm(other.as_str().into())),
                };
                let mut sig = vec![0u8; k.public_modulus_len()];
                k.sign(padding, &rng, message, &mut sig).map_err(|_| ClientError::Sign)?;
                Ok(sig)
            }
            Self::EcP384(k) if alg == Alg::ES384 => {
                Ok(k.sign(&rng, message).map_err(|_| ClientError::Sign)?.as_ref().to_vec())
            }
            Self::EcP521(k) if alg == Alg::ES512 => {
                Ok(k.sign(&rng, message).map_err(|_| ClientError::Sign)?.as_ref().to_vec())
            }
            _ => Err(ClientError::Algorithm(alg.as_str().into())),
        }
    }

    /// A compact JWS: header `{"alg", "typ": "JWT", …extra}` and the claims.
    pub fn sign_jws(&self, alg: Alg, header_extra: &Map<String, Value>, claims: &Value) -> Result<String, ClientError> {
        let mut header = Map::new();
        header.insert("alg".into(), json!(alg.as_str()));
        header.insert("typ".into(), json!("JWT"));
        for (k, v) in header_extra {
            header.insert(k.clone(), v.clone());
        }
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(Value::Object(header).to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let sig = self.sign(alg, input.as_bytes())?;
        Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig)))
    }

    fn rcgen_algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        match self {
            Self::Rsa(_) => &rcgen::PKCS_RSA_SHA256,
            Self::EcP384(_) => &rcgen::PKCS_ECDSA_P384_SHA384,
            Self::EcP521(_) => &rcgen::PKCS_ECDSA_P521_SHA512,
        }
    }

    /// The public key bytes (for tests: the raw SPKI subjectPublicKey).
    pub fn public_key(&self) -> Vec<u8> {
        match self {
            Self::Rsa(k) => k.public_key().as_ref().to_vec(),
            Self::EcP384(k) | Self::EcP521(k) => k.public_key().as_ref().to_vec(),
        }
    }
}

/// Reads `CN=…,O=…,OU=…,C=…,L=…,ST=…`.
fn distinguished_name(subject: &str) -> Result<rcgen::DistinguishedName, ClientError> {
    let mut dn = rcgen::DistinguishedName::new();
    for part in subject.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').ok_or_else(|| ClientError::Subject(format!("{part:?} is not NAME=value")))?;
        let ty = match k.trim().to_ascii_uppercase().as_str() {
            "CN" => rcgen::DnType::CommonName,
            "O" => rcgen::DnType::OrganizationName,
            "OU" => rcgen::DnType::OrganizationalUnitName,
            "C" => rcgen::DnType::CountryName,
            "L" => rcgen::DnType::LocalityName,
            "ST" => rcgen::DnType::StateOrProvinceName,
            other => return Err(ClientError::Subject(format!("unknown attribute {other}: use CN, O, OU, C, L, ST"))),
        };
        dn.push(ty, v.trim());
    }
    Ok(dn)
}

/// A self-signed certificate for the key, PEM.
pub fn self_signed_certificate(
    key_pem: &str,
    subject: &str,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    key_usage: &[KeyUsageBit],
) -> Result<String, ClientError> {
    let ours = SigningKey::from_pem(key_pem)?;
    let key = rcgen::KeyPair::from_pkcs8_pem_and_sign_algo(key_pem, ours.rcgen_algorithm())
        .map_err(|e| ClientError::Key(e.to_string()))?;
    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name = distinguished_name(subject)?;
    params.not_before = not_before;
    params.not_after = not_after;
    params.key_usages = key_usage
        .iter()
        .map(|k| match k {
            KeyUsageBit::DigitalSignature => rcgen::KeyUsagePurpose::DigitalSignature,
            KeyUsageBit::KeyEncipherment => rcgen::KeyUsagePurpose::KeyEncipherment,
            KeyUsageBit::KeyCertSign => rcgen::KeyUsagePurpose::KeyCertSign,
        })
        .collect();
    let cert = params.self_signed(&key).map_err(|e| ClientError::Certificate(e.to_string()))?;
    Ok(cert.pem())
}

/// A client assertion (RFC 7523): `iss` = `sub` = the client id, `aud`,
/// `iat`, `exp` = now + lifetime, `jti`.
pub fn client_assertion(
    key: &SigningKey,
    client_id: &str,
    audience: &str,
    now: OffsetDateTime,
    lifetime: Duration,
    jti: &str,
) -> Result<String, ClientError> {
    let t = now.unix_timestamp();
    let claims = json!({
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "iat": t,
        "exp": t + lifetime.whole_seconds(),
        "jti": jti,
    });
    key.sign_jws(key.default_alg(), &Map::new(), &claims)
}
