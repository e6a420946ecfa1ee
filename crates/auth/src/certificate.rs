//! The certificate policy of REST accounts (the official table): key RSA
//! 2048, 3072 or 4096 bits or EC P-384 or P-521; signed with SHA-256, SHA-384
//! or SHA-512; KeyUsage present with digitalSignature; currently valid.
//! Self-signed certificates are accepted: no chain is validated.

use aws_lc_rs::digest;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use time::OffsetDateTime;
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;

/// The kind of public key of a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKeyKind {
    Rsa {
        bits: usize,
    },
    EcP384,
    EcP521,
    /// Any other key, described (`EC P-256`, `Ed25519`, …): refused.
    Other(String),
}

impl std::fmt::Display for PublicKeyKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Rsa { bits } => write!(f, "RSA {bits} bits"),
            Self::EcP384 => f.write_str("EC P-384"),
            Self::EcP521 => f.write_str("EC P-521"),
            Self::Other(s) => f.write_str(s),
        }
    }
}

/// The digest of the certificate's signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Digest {
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
    Other(String),
}

impl std::fmt::Display for Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Md5 => f.write_str("MD5"),
            Self::Sha1 => f.write_str("SHA-1"),
            Self::Sha224 => f.write_str("SHA-224"),
            Self::Sha256 => f.write_str("SHA-256"),
            Self::Sha384 => f.write_str("SHA-384"),
            Self::Sha512 => f.write_str("SHA-512"),
            Self::Other(s) => write!(f, "an unknown algorithm ({s})"),
        }
    }
}

/// What a certificate says, before any policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    pub der: Vec<u8>,
    /// Lowercase hex SHA-256 of the DER.
    pub fingerprint_sha256: String,
    /// The same SHA-256, base64url without padding: the JWS `x5t#S256`.
    pub x5t_s256: String,
    pub key: PublicKeyKind,
    /// PKCS#1 RSAPublicKey DER for RSA, the uncompressed point for EC.
    pub public_key: Vec<u8>,
    pub subject: String,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    pub signature_digest: Digest,
    pub key_usage_present: bool,
    pub digital_signature: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    #[error("the file is not an X.509 certificate in PEM or DER: {0}")]
    Unreadable(String),
    #[error("the key is {0}; accepted are RSA (2048, 3072 or 4096 bits) or EC (P-384 or P-521)")]
    KeyAlgorithm(String),
    #[error("the key is RSA {0} bits; accepted are RSA 2048, 3072 or 4096 bits, or EC P-384 or P-521")]
    KeySize(usize),
    #[error("the key is {0}; accepted EC curves are P-384 and P-521 (or RSA 2048, 3072 or 4096 bits)")]
    Curve(String),
    #[error("the certificate is signed with {0}; accepted are SHA-256, SHA-384 or SHA-512")]
    SignatureDigest(String),
    #[error("the certificate has no KeyUsage extension; it must have one with digitalSignature")]
    KeyUsageMissing,
    #[error("the certificate's KeyUsage lacks digitalSignature")]
    KeyUsageDigitalSignature,
    #[error("the certificate is not valid yet: it starts on {0}")]
    NotYetValid(String),
    #[error("the certificate expired on {0}")]
    Expired(String),
}

impl CertificateError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unreadable(_) => "certificate.unreadable",
            Self::KeyAlgorithm(_) => "certificate.keyAlgorithm",
            Self::KeySize(_) => "certificate.keySize",
            Self::Curve(_) => "certificate.curve",
            Self::SignatureDigest(_) => "certificate.signatureDigest",
            Self::KeyUsageMissing => "certificate.keyUsageMissing",
            Self::KeyUsageDigitalSignature => "certificate.keyUsageDigitalSignature",
            Self::NotYetValid(_) => "certificate.notYetValid",
            Self::Expired(_) => "certificate.expired",
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// PEM ("-----BEGIN CERTIFICATE-----") or DER to DER.
fn to_der(input: &[u8]) -> Result<Vec<u8>, CertificateError> {
    let trimmed = input.trim_ascii();
    if trimmed.starts_with(b"-----BEGIN") {
        let (_, pem) = x509_parser::pem::parse_x509_pem(trimmed)
            .map_err(|e| CertificateError::Unreadable(format!("bad PEM ({e})")))?;
        if pem.label != "CERTIFICATE" {
            return Err(CertificateError::Unreadable(format!("the PEM holds a {:?}, not a CERTIFICATE", pem.label)));
        }
        Ok(pem.contents)
    } else {
        Ok(input.to_vec())
    }
}

fn digest_of(cert: &X509Certificate<'_>) -> Digest {
    let oid = cert.signature_algorithm.algorithm.to_id_string();
    match oid.as_str() {
        "1.2.840.113549.1.1.4" => Digest::Md5,
        "1.2.840.113549.1.1.5" | "1.2.840.10045.4.1" | "1.3.14.3.2.29" => Digest::Sha1,
        "1.2.840.113549.1.1.14" | "1.2.840.10045.4.3.1" => Digest::Sha224,
        "1.2.840.113549.1.1.11" | "1.2.840.10045.4.3.2" => Digest::Sha256,
        "1.2.840.113549.1.1.12" | "1.2.840.10045.4.3.3" => Digest::Sha384,
        "1.2.840.113549.1.1.13" | "1.2.840.10045.4.3.4" => Digest::Sha512,
        "1.2.840.113549.1.1.10" => {
            match x509_parser::signature_algorithm::SignatureAlgorithm::try_from(&cert.signature_algorithm) {
                Ok(x509_parser::signature_algorithm::SignatureAlgorithm::RSASSA_PSS(params)) => {
                    match params.hash_algorithm_oid().to_id_string().as_str() {
                        "2.16.840.1.101.3.4.2.1" => Digest::Sha256,
                        "2.16.840.1.101.3.4.2.2" => Digest::Sha384,
                        "2.16.840.1.101.3.4.2.3" => Digest::Sha512,
                        "1.3.14.3.2.26" => Digest::Sha1,
                        other => Digest::Other(format!("RSASSA-PSS with {other}")),
                    }
                }
                _ => Digest::Other("RSASSA-PSS with unreadable parameters".into()),
            }
        }
        other => Digest::Other(other.to_string()),
    }
}

fn key_of(cert: &X509Certificate<'_>) -> (PublicKeyKind, Vec<u8>) {
    let spki = cert.public_key();
    let raw = spki.subject_public_key.data.to_vec();
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => (PublicKeyKind::Rsa { bits: rsa.key_size() }, raw),
        Ok(PublicKey::EC(_)) => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| o.to_id_string())
                .unwrap_or_default();
            let kind = match curve.as_str() {
                "1.3.132.0.34" => PublicKeyKind::EcP384,
                "1.3.132.0.35" => PublicKeyKind::EcP521,
                "1.2.840.10045.3.1.7" => PublicKeyKind::Other("EC P-256".into()),
                "1.3.132.0.10" => PublicKeyKind::Other("EC secp256k1".into()),
                other => PublicKeyKind::Other(format!("EC on curve {other}")),
            };
            (kind, raw)
        }
        Ok(PublicKey::DSA(_)) => (PublicKeyKind::Other("DSA".into()), raw),
        _ => {
            let oid = spki.algorithm.algorithm.to_id_string();
            let name = match oid.as_str() {
                "1.3.101.112" => "Ed25519".to_string(),
                "1.3.101.113" => "Ed448".to_string(),
                other => format!("an unknown algorithm ({other})"),
            };
            (PublicKeyKind::Other(name), raw)
        }
    }
}

fn instant(t: &x509_parser::time::ASN1Time) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(t.timestamp()).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Reads a certificate (PEM or DER) without applying the policy.
pub fn parse_certificate(input: &[u8]) -> Result<CertificateInfo, CertificateError> {
    let der = to_der(input)?;
    let (rest, cert) =
        X509Certificate::from_der(&der).map_err(|e| CertificateError::Unreadable(format!("bad DER ({e})")))?;
    if !rest.is_empty() {
        return Err(CertificateError::Unreadable("trailing bytes after the certificate".into()));
    }
    let (key, public_key) = key_of(&cert);
    let (key_usage_present, digital_signature) = match cert.key_usage() {
        Ok(Some(ku)) => (true, ku.value.digital_signature()),
        Ok(None) => (false, false),
        Err(e) => return Err(CertificateError::Unreadable(format!("bad KeyUsage extension ({e})"))),
    };
    let hash = digest::digest(&digest::SHA256, &der);
    Ok(CertificateInfo {
        fingerprint_sha256: hex(hash.as_ref()),
        x5t_s256: URL_SAFE_NO_PAD.encode(hash.as_ref()),
        key,
        public_key,
        subject: cert.subject().to_string(),
        not_before: instant(&cert.validity().not_before),
        not_after: instant(&cert.validity().not_after),
        signature_digest: digest_of(&cert),
        key_usage_present,
        digital_signature,
        der: der.clone(),
    })
}

/// Applies the policy; the first rule that fails, in the order: key,
/// digest, key usage, validity.
pub fn check_policy(info: &CertificateInfo, now: OffsetDateTime) -> Result<(), CertificateError> {
    match &info.key {
        PublicKeyKind::Rsa { bits: 2048 | 3072 | 4096 } => {}
        PublicKeyKind::Rsa { bits } => return Err(CertificateError::KeySize(*bits)),
        PublicKeyKind::EcP384 | PublicKeyKind::EcP521 => {}
        PublicKeyKind::Other(d) if d.starts_with("EC") => return Err(CertificateError::Curve(d.clone())),
        PublicKeyKind::Other(d) => return Err(CertificateError::KeyAlgorithm(d.clone())),
    }
    match &info.signature_digest {
        Digest::Sha256 | Digest::Sha384 | Digest::Sha512 => {}
        d => return Err(CertificateError::SignatureDigest(d.to_string())),
    }
    if !info.key_usage_present {
        return Err(CertificateError::KeyUsageMissing);
    }
    if !info.digital_signature {
        return Err(CertificateError::KeyUsageDigitalSignature);
    }
    if now < info.not_before {
        return Err(CertificateError::NotYetValid(info.not_before.to_string()));
    }
    if now >= info.not_after {
        return Err(CertificateError::Expired(info.not_after.to_string()));
    }
    Ok(())
}

/// Reads a certificate and applies the policy.
pub fn accept_certificate(input: &[u8], now: OffsetDateTime) -> Result<CertificateInfo, CertificateError> {
    let info = parse_certificate(input)?;
    check_policy(&info, now)?;
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::{KeyKind, KeyUsageBit, generate_key, self_signed_certificate};
    use time::Duration;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-03-02 07:00:00 UTC);

    fn cert(kind: KeyKind, from: OffsetDateTime, to: OffsetDateTime, usage: &[KeyUsageBit]) -> String {
        let key = generate_key(kind).unwrap();
        self_signed_certificate(&key, "CN=test,O=ciao,C=BE", from, to, usage).unwrap()
    }

    fn valid(kind: KeyKind) -> String {
        cert(kind, NOW - Duration::days(1), NOW + Duration::days(365), &[KeyUsageBit::DigitalSignature])
    }

    fn refused(input: &[u8]) -> &'static str {
        accept_certificate(input, NOW).unwrap_err().code()
    }

    #[test]
    fn accepted_kinds_in_pem_and_der() {
        for (kind, want) in [
            (KeyKind::Rsa2048, PublicKeyKind::Rsa { bits: 2048 }),
            (KeyKind::Rsa3072, PublicKeyKind::Rsa { bits: 3072 }),
            (KeyKind::EcP384, PublicKeyKind::EcP384),
            (KeyKind::EcP521, PublicKeyKind::EcP521),
        ] {
            let pem = valid(kind);
            let info = accept_certificate(pem.as_bytes(), NOW).unwrap();
            assert_eq!(info.key, want);
            assert_eq!(info.fingerprint_sha256.len(), 64);
            assert!(info.subject.contains("CN=test"), "{}", info.subject);
            let der = accept_certificate(&info.der, NOW).unwrap();
            assert_eq!(der.fingerprint_sha256, info.fingerprint_sha256);
        }
        let pss = accept_certificate(
            include_bytes!("../../../tests/fixtures/certs/rsa-pss-sha256.pem"),
            OffsetDateTime::now_utc(),
        )
        .unwrap();
        assert_eq!(pss.signature_digest, Digest::Sha256);
    }

    #[test]
    fn rsa_4096_is_accepted() {
        let info = accept_certificate(valid(KeyKind::Rsa4096).as_bytes(), NOW).unwrap();
        assert_eq!(info.key, PublicKeyKind::Rsa { bits: 4096 });
    }

    #[test]
    fn refused_kinds_say_why() {
        assert_eq!(refused(include_bytes!("../../../tests/fixtures/certs/rsa1024.pem")), "certificate.keySize");
        let e = accept_certificate(include_bytes!("../../../tests/fixtures/certs/rsa1024.pem"), NOW).unwrap_err();
        assert!(e.to_string().contains("1024"), "{e}");
        assert_eq!(refused(include_bytes!("../../../tests/fixtures/certs/sha1.pem")), "certificate.signatureDigest");
        // P-256, made with rcgen directly.
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["x".into()]).unwrap();
        params.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
        params.not_before = NOW - Duration::days(1);
        params.not_after = NOW + Duration::days(1);
        let p256 = params.self_signed(&key).unwrap().pem();
        let e = accept_certificate(p256.as_bytes(), NOW).unwrap_err();
        assert_eq!(e.code(), "certificate.curve");
        assert!(e.to_string().contains("P-256"), "{e}");
        let no_ku = cert(KeyKind::EcP384, NOW - Duration::days(1), NOW + Duration::days(1), &[]);
        assert_eq!(refused(no_ku.as_bytes()), "certificate.keyUsageMissing");
        let ca_only =
            cert(KeyKind::EcP384, NOW - Duration::days(1), NOW + Duration::days(1), &[KeyUsageBit::KeyCertSign]);
        assert_eq!(refused(ca_only.as_bytes()), "certificate.keyUsageDigitalSignature");
        let expired =
            cert(KeyKind::EcP384, NOW - Duration::days(10), NOW - Duration::days(1), &[KeyUsageBit::DigitalSignature]);
        assert_eq!(refused(expired.as_bytes()), "certificate.expired");
        let future =
            cert(KeyKind::EcP384, NOW + Duration::days(1), NOW + Duration::days(10), &[KeyUsageBit::DigitalSignature]);
        assert_eq!(refused(future.as_bytes()), "certificate.notYetValid");
        assert_eq!(refused(b"hello"), "certificate.unreadable");
        assert_eq!(
            refused(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
            "certificate.unreadable"
        );
    }
}
