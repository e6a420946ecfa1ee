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

use crate::certificate::PublicKeyKind;
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
    pub const ALL: [KeyKind; 5] = [Self::Rsa2048, Self::Rsa3072, Self::Rsa4096, Self::EcP384, Self::EcP521];

    /// Reads `rsa-2048`, `rsa-3072`, `rsa-4096`, `ec-p384` or `ec-p521`.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rsa2048 => "rsa-2048",
            Self::Rsa3072 => "rsa-3072",
            Self::Rsa4096 => "rsa-4096",
            Self::EcP384 => "ec-p384",
            Self::EcP521 => "ec-p521",
        }
    }
}

impl std::fmt::Display for KeyKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for KeyKind {
    type Err = ClientError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s).ok_or_else(|| {
            ClientError::Key(format!("unknown key kind {s:?}: use rsa-2048, rsa-3072, rsa-4096, ec-p384 or ec-p521"))
        })
    }
}

/// KeyUsage bits for [`self_signed_certificate`] (RFC 5280, 4.2.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyUsageBit {
    DigitalSignature,
    /// nonRepudiation.
    ContentCommitment,
    KeyEncipherment,
    DataEncipherment,
    KeyAgreement,
    KeyCertSign,
    CrlSign,
    EncipherOnly,
    DecipherOnly,
}

impl KeyUsageBit {
    fn rcgen(self) -> rcgen::KeyUsagePurpose {
        match self {
            Self::DigitalSignature => rcgen::KeyUsagePurpose::DigitalSignature,
            Self::ContentCommitment => rcgen::KeyUsagePurpose::ContentCommitment,
            Self::KeyEncipherment => rcgen::KeyUsagePurpose::KeyEncipherment,
            Self::DataEncipherment => rcgen::KeyUsagePurpose::DataEncipherment,
            Self::KeyAgreement => rcgen::KeyUsagePurpose::KeyAgreement,
            Self::KeyCertSign => rcgen::KeyUsagePurpose::KeyCertSign,
            Self::CrlSign => rcgen::KeyUsagePurpose::CrlSign,
            Self::EncipherOnly => rcgen::KeyUsagePurpose::EncipherOnly,
            Self::DecipherOnly => rcgen::KeyUsagePurpose::DecipherOnly,
        }
    }
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

/// A private key that signs client assertions: RSA, EC P-384 or EC P-521.
pub struct SigningKey(Inner);

enum Inner {
    Rsa(RsaKeyPair),
    EcP384(EcdsaKeyPair),
    EcP521(EcdsaKeyPair),
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match &self.0 {
            Inner::Rsa(_) => "SigningKey(RSA)",
            Inner::EcP384(_) => "SigningKey(EC P-384)",
            Inner::EcP521(_) => "SigningKey(EC P-521)",
        })
    }
}

impl SigningKey {
    /// Reads a PKCS#8 PEM private key (RSA, EC P-384 or EC P-521).
    pub fn from_pem(text: &str) -> Result<Self, ClientError> {
        let der = pem_der(text, "PRIVATE KEY")?;
        if let Ok(k) = RsaKeyPair::from_pkcs8(&der) {
            return Ok(Self(Inner::Rsa(k)));
        }
        if let Ok(k) = EcdsaKeyPair::from_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, &der) {
            return Ok(Self(Inner::EcP384(k)));
        }
        if let Ok(k) = EcdsaKeyPair::from_pkcs8(&ECDSA_P521_SHA512_FIXED_SIGNING, &der) {
            return Ok(Self(Inner::EcP521(k)));
        }
        Err(ClientError::Key("not an RSA, EC P-384 or EC P-521 PKCS#8 key".into()))
    }

    pub fn default_alg(&self) -> Alg {
        match &self.0 {
            Inner::Rsa(_) => Alg::RS256,
            Inner::EcP384(_) => Alg::ES384,
            Inner::EcP521(_) => Alg::ES512,
        }
    }

    /// Signs `message` with `alg` (JWS signature bytes: r||s for ECDSA).
    pub(crate) fn sign(&self, alg: Alg, message: &[u8]) -> Result<Vec<u8>, ClientError> {
        let rng = SystemRandom::new();
        match &self.0 {
            Inner::Rsa(k) => {
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
            Inner::EcP384(k) if alg == Alg::ES384 => {
                Ok(k.sign(&rng, message).map_err(|_| ClientError::Sign)?.as_ref().to_vec())
            }
            Inner::EcP521(k) if alg == Alg::ES512 => {
                Ok(k.sign(&rng, message).map_err(|_| ClientError::Sign)?.as_ref().to_vec())
            }
            _ => Err(ClientError::Algorithm(alg.as_str().into())),
        }
    }

    /// A compact JWS: header `{"alg", "typ": "JWT", …extra}` and the claims.
    /// Members of `header_extra` come last and win (tests use that to lie).
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
        match &self.0 {
            Inner::Rsa(_) => &rcgen::PKCS_RSA_SHA256,
            Inner::EcP384(_) => &rcgen::PKCS_ECDSA_P384_SHA384,
            Inner::EcP521(_) => &rcgen::PKCS_ECDSA_P521_SHA512,
        }
    }

    /// The kind of key, as a certificate of it reports.
    pub fn key_kind(&self) -> PublicKeyKind {
        match &self.0 {
            Inner::Rsa(k) => PublicKeyKind::Rsa { bits: k.public_modulus_len() * 8 },
            Inner::EcP384(_) => PublicKeyKind::EcP384,
            Inner::EcP521(_) => PublicKeyKind::EcP521,
        }
    }

    /// The public key as a certificate carries it: PKCS#1 RSAPublicKey DER
    /// for RSA, the uncompressed point for EC.
    pub fn public_key(&self) -> Vec<u8> {
        match &self.0 {
            Inner::Rsa(k) => k.public_key().as_ref().to_vec(),
            Inner::EcP384(k) | Inner::EcP521(k) => k.public_key().as_ref().to_vec(),
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

/// A self-signed certificate for the key, PEM, signed with SHA-256 (RSA),
/// ECDSA SHA-384 (P-384) or ECDSA SHA-512 (P-521). An empty `key_usage`
/// leaves the KeyUsage extension out. The serial number is random.
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
    if not_after <= not_before {
        return Err(ClientError::Certificate("not_after must come after not_before".into()));
    }
    let mut serial = [0u8; 16];
    aws_lc_rs::rand::fill(&mut serial).map_err(|_| ClientError::Certificate("no randomness available".into()))?;
    serial[0] = (serial[0] & 0x7f) | 0x40;
    let mut params = rcgen::CertificateParams::default();
    params.serial_number = Some(rcgen::SerialNumber::from_slice(&serial));
    params.distinguished_name = distinguished_name(subject)?;
    params.not_before = not_before;
    params.not_after = not_after;
    params.key_usages = key_usage.iter().map(|k| k.rcgen()).collect();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assertion::{AssertionRules, check_claims};
    use crate::certificate::accept_certificate;
    use crate::jws::parse_compact;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-03-02 07:00:00 UTC);
    const AUD: &str = "https://ciao.example.be/REST/oauth/v5/token";

    #[test]
    fn key_kinds_parse() {
        for kind in KeyKind::ALL {
            assert_eq!(KeyKind::parse(kind.as_str()), Some(kind));
            assert_eq!(kind.to_string().parse::<KeyKind>(), Ok(kind));
        }
        assert_eq!(KeyKind::parse("ec-p256"), None);
        assert!("rsa-1024".parse::<KeyKind>().is_err());
    }

    #[test]
    fn keys_read_back_with_their_default_algorithm() {
        for (kind, alg) in
            [(KeyKind::Rsa2048, Alg::RS256), (KeyKind::EcP384, Alg::ES384), (KeyKind::EcP521, Alg::ES512)]
        {
            let pem = generate_key(kind).unwrap();
            assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{pem}");
            assert!(pem.ends_with("-----END PRIVATE KEY-----\n"), "{pem}");
            let key = SigningKey::from_pem(&pem).unwrap();
            assert_eq!(key.default_alg(), alg);
            // A mismatched algorithm is refused before signing.
            let other = if alg == Alg::ES512 { Alg::ES384 } else { Alg::ES512 };
            assert!(matches!(key.sign_jws(other, &Map::new(), &json!({})), Err(ClientError::Algorithm(_))));
        }
        assert!(SigningKey::from_pem("hello").is_err());
        assert!(SigningKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").is_err());
        // A P-256 key is not one of ours.
        let p256 = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap().serialize_pem();
        assert!(SigningKey::from_pem(&p256).is_err());
    }

    #[test]
    fn certificate_carries_the_key() {
        for kind in [KeyKind::Rsa2048, KeyKind::EcP384, KeyKind::EcP521] {
            let pem = generate_key(kind).unwrap();
            let key = SigningKey::from_pem(&pem).unwrap();
            let cert = self_signed_certificate(
                &pem,
                "CN=badges,O=Clean One BV",
                NOW,
                NOW + Duration::days(365),
                &[KeyUsageBit::DigitalSignature, KeyUsageBit::ContentCommitment],
            )
            .unwrap();
            assert!(cert.starts_with("-----BEGIN CERTIFICATE-----"));
            let info = accept_certificate(cert.as_bytes(), NOW).unwrap();
            assert_eq!(info.public_key, key.public_key());
            assert_eq!(info.key, key.key_kind());
            assert_eq!(info.subject, "CN=badges, O=Clean One BV");
            assert_eq!(info.key_usages, ["digitalSignature", "nonRepudiation"]);
        }
    }

    #[test]
    fn certificate_arguments_are_checked() {
        let pem = generate_key(KeyKind::EcP384).unwrap();
        let usage = [KeyUsageBit::DigitalSignature];
        assert!(matches!(self_signed_certificate(&pem, "CN=x", NOW, NOW, &usage), Err(ClientError::Certificate(_))));
        assert!(matches!(
            self_signed_certificate(&pem, "CN=x,EMAIL=a@b", NOW, NOW + Duration::days(1), &usage),
            Err(ClientError::Subject(_))
        ));
        assert!(matches!(
            self_signed_certificate(&pem, "CN", NOW, NOW + Duration::days(1), &usage),
            Err(ClientError::Subject(_))
        ));
        // Two certificates of one key have different serial numbers.
        let a = self_signed_certificate(&pem, "CN=x", NOW, NOW + Duration::days(1), &usage).unwrap();
        let b = self_signed_certificate(&pem, "CN=x", NOW, NOW + Duration::days(1), &usage).unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn client_assertion_passes_the_server_checks() {
        for kind in [KeyKind::Rsa2048, KeyKind::EcP384, KeyKind::EcP521] {
            let pem = generate_key(kind).unwrap();
            let key = SigningKey::from_pem(&pem).unwrap();
            let cert = self_signed_certificate(
                &pem,
                "CN=badges",
                NOW - Duration::days(1),
                NOW + Duration::days(1),
                &[KeyUsageBit::DigitalSignature],
            )
            .unwrap();
            let info = accept_certificate(cert.as_bytes(), NOW).unwrap();
            let jwt =
                client_assertion(&key, "self_service_expeditor_7", AUD, NOW, Duration::minutes(2), "jti-1").unwrap();
            let jws = parse_compact(&jwt).unwrap();
            assert_eq!(jws.header.typ.as_deref(), Some("JWT"));
            assert_eq!(jws.verify(&info.key, &info.public_key), Ok(key.default_alg()));
            let rules = AssertionRules {
                client_id: "self_service_expeditor_7".into(),
                audience: AUD.into(),
                now: NOW,
                max_lifetime: Duration::minutes(5),
                clock_skew: Duration::seconds(30),
            };
            let ok = check_claims(&jws.claims, &rules).unwrap();
            assert_eq!(ok.jti, "jti-1");
            assert_eq!(ok.expires_at, NOW + Duration::minutes(2));
            assert_eq!(jws.claims.get("iat"), Some(&json!(NOW.unix_timestamp())));
        }
    }
}
