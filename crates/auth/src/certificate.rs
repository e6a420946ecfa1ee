//! The certificate policy of REST accounts (the official table): key RSA
//! 2048, 3072 or 4096 bits or EC P-384 or P-521; signed with SHA-256, SHA-384
//! or SHA-512; KeyUsage present with digitalSignature; currently valid.
//! Self-signed certificates are accepted: no chain is validated.

use crate::hex;
use aws_lc_rs::digest;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;
use x509_parser::public_key::{PublicKey, RSAPublicKey};
use x509_parser::signature_algorithm::SignatureAlgorithm;

/// The sentence listing the accepted keys, shared by the key errors.
const ACCEPTED_KEYS: &str = "accepted are RSA 2048, 3072 or 4096 bits, or EC P-384 or P-521";

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
    /// Any other signature algorithm, described.
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
            Self::Other(s) => f.write_str(s),
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
    /// The subject, e.g. `CN=badges, O=Clean One BV`.
    pub subject: String,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    pub signature_digest: Digest,
    pub key_usage_present: bool,
    pub digital_signature: bool,
    /// The KeyUsage bits set, by their RFC 5280 names (`digitalSignature`, …).
    pub key_usages: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    #[error("the file is not an X.509 certificate in PEM or DER: {0}")]
    Unreadable(String),
    #[error("the key is {0}; {ACCEPTED_KEYS}")]
    KeyAlgorithm(String),
    #[error("the key is RSA {0} bits; {ACCEPTED_KEYS}")]
    KeySize(usize),
    #[error("the key is {0}; {ACCEPTED_KEYS}")]
    Curve(String),
    #[error("the certificate is signed with {0}; accepted digests are SHA-256, SHA-384 or SHA-512")]
    SignatureDigest(String),
    #[error("the certificate has no KeyUsage extension; it must have one including digitalSignature")]
    KeyUsageMissing,
    #[error("the certificate's KeyUsage is {0} and lacks digitalSignature, which is required")]
    KeyUsageDigitalSignature(String),
    #[error("the certificate is not valid yet: its validity starts at {0}")]
    NotYetValid(String),
    #[error("the certificate has expired: its validity ended at {0}")]
    Expired(String),
}

impl CertificateError {
    /// What the certificate has instead of what the rule asks, in words
    /// every language shows as they are (`RSA 1024`, `EC P-256`, `SHA-1`,
    /// KeyUsage names, an RFC 3339 instant); None where there is nothing
    /// to show (no KeyUsage) or only a parser's English (unreadable).
    pub fn found(&self) -> Option<String> {
        match self {
            Self::KeySize(bits) => Some(format!("RSA {bits}")),
            Self::KeyAlgorithm(found)
            | Self::Curve(found)
            | Self::SignatureDigest(found)
            | Self::KeyUsageDigitalSignature(found)
            | Self::NotYetValid(found)
            | Self::Expired(found) => Some(found.clone()),
            Self::Unreadable(_) | Self::KeyUsageMissing => None,
        }
    }

    /// A stable code for the rule that failed.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unreadable(_) => "certificate.unreadable",
            Self::KeyAlgorithm(_) => "certificate.keyAlgorithm",
            Self::KeySize(_) => "certificate.keySize",
            Self::Curve(_) => "certificate.curve",
            Self::SignatureDigest(_) => "certificate.signatureDigest",
            Self::KeyUsageMissing => "certificate.keyUsageMissing",
            Self::KeyUsageDigitalSignature(_) => "certificate.keyUsageDigitalSignature",
            Self::NotYetValid(_) => "certificate.notYetValid",
            Self::Expired(_) => "certificate.expired",
        }
    }
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

/// PEM (`-----BEGIN CERTIFICATE-----`, whitespace around tolerated) or DER to DER.
fn to_der(input: &[u8]) -> Result<Vec<u8>, CertificateError> {
    let trimmed = input.trim_ascii();
    if trimmed.starts_with(b"-----BEGIN") {
        let (rest, pem) = x509_parser::pem::parse_x509_pem(trimmed)
            .map_err(|e| CertificateError::Unreadable(format!("bad PEM ({e})")))?;
        if pem.label != "CERTIFICATE" {
            return Err(CertificateError::Unreadable(format!("the PEM holds a {:?}, not a CERTIFICATE", pem.label)));
        }
        // One certificate per file: a second one (a chain, another key)
        // or text after it would be dropped without a word.
        let rest = rest.trim_ascii();
        if rest.starts_with(b"-----BEGIN") {
            return Err(CertificateError::Unreadable(
                "the file holds more than one PEM block; upload one certificate per file (the account's own, without its chain)"
                    .into(),
            ));
        }
        if !rest.is_empty() {
            return Err(CertificateError::Unreadable("the file holds text after the certificate's END line".into()));
        }
        Ok(pem.contents)
    } else if trimmed.is_empty() {
        Err(CertificateError::Unreadable("the file is empty".into()))
    } else {
        Ok(input.to_vec())
    }
}

fn hash_digest(oid: &str, context: &str) -> Digest {
    match oid {
        "1.2.840.113549.2.5" => Digest::Md5,
        "1.3.14.3.2.26" => Digest::Sha1,
        "2.16.840.1.101.3.4.2.4" => Digest::Sha224,
        "2.16.840.1.101.3.4.2.1" => Digest::Sha256,
        "2.16.840.1.101.3.4.2.2" => Digest::Sha384,
        "2.16.840.1.101.3.4.2.3" => Digest::Sha512,
        other => Digest::Other(format!("{context} with the digest {other}")),
    }
}

fn digest_of(cert: &X509Certificate<'_>) -> Digest {
    let oid = cert.signature_algorithm.algorithm.to_id_string();
    match oid.as_str() {
        "1.2.840.113549.1.1.4" => Digest::Md5,
        "1.2.840.113549.1.1.5" | "1.2.840.10045.4.1" | "1.3.14.3.2.29" | "1.2.840.10040.4.3" => Digest::Sha1,
        "1.2.840.113549.1.1.14" | "1.2.840.10045.4.3.1" | "2.16.840.1.101.3.4.3.1" => Digest::Sha224,
        "1.2.840.113549.1.1.11" | "1.2.840.10045.4.3.2" | "2.16.840.1.101.3.4.3.2" => Digest::Sha256,
        "1.2.840.113549.1.1.12" | "1.2.840.10045.4.3.3" => Digest::Sha384,
        "1.2.840.113549.1.1.13" | "1.2.840.10045.4.3.4" => Digest::Sha512,
        // RSASSA-PSS: the digest is in the parameters (SHA-1 when absent).
        "1.2.840.113549.1.1.10" => match SignatureAlgorithm::try_from(&cert.signature_algorithm) {
            Ok(SignatureAlgorithm::RSASSA_PSS(params)) => {
                hash_digest(&params.hash_algorithm_oid().to_id_string(), "RSASSA-PSS")
            }
            _ => Digest::Other("RSASSA-PSS with unreadable parameters".into()),
        },
        "1.3.101.112" => Digest::Other("Ed25519".into()),
        "1.3.101.113" => Digest::Other("Ed448".into()),
        other => Digest::Other(format!("an unknown signature algorithm ({other})")),
    }
}

fn key_of(cert: &X509Certificate<'_>) -> (PublicKeyKind, Vec<u8>) {
    let spki = cert.public_key();
    let raw = spki.subject_public_key.data.to_vec();
    let oid = spki.algorithm.algorithm.to_id_string();
    let kind = match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => PublicKeyKind::Rsa { bits: rsa.key_size() },
        Ok(PublicKey::EC(_)) => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| o.to_id_string())
                .unwrap_or_default();
            match curve.as_str() {
                "1.3.132.0.34" => PublicKeyKind::EcP384,
                "1.3.132.0.35" => PublicKeyKind::EcP521,
                "1.2.840.10045.3.1.7" => PublicKeyKind::Other("EC P-256".into()),
                "1.2.840.10045.3.1.1" => PublicKeyKind::Other("EC P-192".into()),
                "1.3.132.0.33" => PublicKeyKind::Other("EC P-224".into()),
                "1.3.132.0.10" => PublicKeyKind::Other("EC secp256k1".into()),
                "" => PublicKeyKind::Other("EC with explicit or missing curve parameters".into()),
                other => PublicKeyKind::Other(format!("EC on the curve {other}")),
            }
        }
        Ok(PublicKey::DSA(_)) => PublicKeyKind::Other("DSA".into()),
        // An RSA key restricted to RSASSA-PSS: the same RSAPublicKey.
        _ if oid == "1.2.840.113549.1.1.10" => match RSAPublicKey::from_der(&raw) {
            Ok((_, rsa)) => PublicKeyKind::Rsa { bits: rsa.key_size() },
            Err(_) => PublicKeyKind::Other("an unreadable RSASSA-PSS key".into()),
        },
        _ => PublicKeyKind::Other(match oid.as_str() {
            "1.2.840.113549.1.1.1" => "an unreadable RSA key".to_string(),
            "1.3.101.110" => "X25519".to_string(),
            "1.3.101.111" => "X448".to_string(),
            "1.3.101.112" => "Ed25519".to_string(),
            "1.3.101.113" => "Ed448".to_string(),
            other => format!("an unknown algorithm ({other})"),
        }),
    };
    (kind, raw)
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
    let (key_usage_present, key_usages) = match cert.key_usage() {
        Ok(Some(ku)) => {
            let ku = ku.value;
            let bits = [
                (ku.digital_signature(), "digitalSignature"),
                (ku.non_repudiation(), "nonRepudiation"),
                (ku.key_encipherment(), "keyEncipherment"),
                (ku.data_encipherment(), "dataEncipherment"),
                (ku.key_agreement(), "keyAgreement"),
                (ku.key_cert_sign(), "keyCertSign"),
                (ku.crl_sign(), "cRLSign"),
                (ku.encipher_only(), "encipherOnly"),
                (ku.decipher_only(), "decipherOnly"),
            ];
            (true, bits.iter().filter(|(set, _)| *set).map(|(_, name)| name.to_string()).collect())
        }
        Ok(None) => (false, Vec::new()),
        Err(e) => return Err(CertificateError::Unreadable(format!("bad KeyUsage extension ({e})"))),
    };
    let digital_signature = key_usages.iter().any(|u| u == "digitalSignature");
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
        key_usages,
        der,
    })
}

/// Applies the policy and returns the first rule that fails, in the order:
/// key algorithm, size or curve; digest; key usage; validity.
pub fn check_policy(info: &CertificateInfo, now: OffsetDateTime) -> Result<(), CertificateError> {
    match &info.key {
        PublicKeyKind::Rsa { bits: 2048 | 3072 | 4096 } | PublicKeyKind::EcP384 | PublicKeyKind::EcP521 => {}
        PublicKeyKind::Rsa { bits } => return Err(CertificateError::KeySize(*bits)),
        PublicKeyKind::Other(d) if d.starts_with("EC ") => return Err(CertificateError::Curve(d.clone())),
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
        let found = if info.key_usages.is_empty() { "empty".to_string() } else { info.key_usages.join(", ") };
        return Err(CertificateError::KeyUsageDigitalSignature(found));
    }
    if now < info.not_before {
        return Err(CertificateError::NotYetValid(rfc3339(info.not_before)));
    }
    if now >= info.not_after {
        return Err(CertificateError::Expired(rfc3339(info.not_after)));
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
    const RSA1024: &[u8] = include_bytes!("../../../tests/fixtures/certs/rsa1024.pem");
    const SHA1: &[u8] = include_bytes!("../../../tests/fixtures/certs/sha1.pem");
    const RSA_PSS: &[u8] = include_bytes!("../../../tests/fixtures/certs/rsa-pss-sha256.pem");

    fn cert(kind: KeyKind, from: OffsetDateTime, to: OffsetDateTime, usage: &[KeyUsageBit]) -> String {
        let key = generate_key(kind).unwrap();
        self_signed_certificate(&key, "CN=badges,O=Clean One BV", from, to, usage).unwrap()
    }

    fn valid(kind: KeyKind) -> String {
        cert(kind, NOW - Duration::days(1), NOW + Duration::days(365), &[KeyUsageBit::DigitalSignature])
    }

    fn refused(input: &[u8], now: OffsetDateTime) -> CertificateError {
        accept_certificate(input, now).unwrap_err()
    }

    fn rcgen_cert(alg: &'static rcgen::SignatureAlgorithm) -> String {
        let key = rcgen::KeyPair::generate_for(alg).unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["x".into()]).unwrap();
        params.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
        params.not_before = NOW - Duration::days(1);
        params.not_after = NOW + Duration::days(1);
        params.self_signed(&key).unwrap().pem()
    }

    fn check_accepted(kind: KeyKind, want: PublicKeyKind, digest: Digest) {
        let pem = valid(kind);
        let info = accept_certificate(pem.as_bytes(), NOW).unwrap();
        assert_eq!(info.key, want);
        assert_eq!(info.signature_digest, digest);
        assert_eq!(info.subject, "CN=badges, O=Clean One BV");
        assert_eq!(info.not_before, NOW - Duration::days(1));
        assert_eq!(info.not_after, NOW + Duration::days(365));
        assert!(info.key_usage_present && info.digital_signature);
        assert_eq!(info.key_usages, ["digitalSignature"]);
        // The fingerprint and x5t#S256 are the same SHA-256 of the DER.
        let hash = digest::digest(&digest::SHA256, &info.der);
        assert_eq!(info.fingerprint_sha256, hex(hash.as_ref()));
        assert_eq!(URL_SAFE_NO_PAD.decode(&info.x5t_s256).unwrap(), hash.as_ref());
        assert!(info.fingerprint_sha256.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')));
        // DER, and PEM with whitespace around, give the same certificate.
        assert_eq!(accept_certificate(&info.der, NOW).unwrap(), info);
        let padded = format!("\n\r\n  {pem}\n\n");
        assert_eq!(accept_certificate(padded.as_bytes(), NOW).unwrap(), info);
    }

    #[test]
    fn rsa_2048_and_3072_are_accepted() {
        check_accepted(KeyKind::Rsa2048, PublicKeyKind::Rsa { bits: 2048 }, Digest::Sha256);
        check_accepted(KeyKind::Rsa3072, PublicKeyKind::Rsa { bits: 3072 }, Digest::Sha256);
    }

    #[test]
    fn rsa_4096_is_accepted() {
        check_accepted(KeyKind::Rsa4096, PublicKeyKind::Rsa { bits: 4096 }, Digest::Sha256);
    }

    #[test]
    fn ec_p384_and_p521_are_accepted() {
        check_accepted(KeyKind::EcP384, PublicKeyKind::EcP384, Digest::Sha384);
        check_accepted(KeyKind::EcP521, PublicKeyKind::EcP521, Digest::Sha512);
    }

    #[test]
    fn ec_public_key_is_the_uncompressed_point() {
        let info = parse_certificate(valid(KeyKind::EcP384).as_bytes()).unwrap();
        assert_eq!(info.public_key.len(), 97);
        assert_eq!(info.public_key[0], 4);
        let info = parse_certificate(valid(KeyKind::EcP521).as_bytes()).unwrap();
        assert_eq!(info.public_key.len(), 133);
    }

    #[test]
    fn rsa_pss_with_sha256_is_accepted() {
        let info = parse_certificate(RSA_PSS).unwrap();
        assert_eq!(info.signature_digest, Digest::Sha256);
        assert_eq!(info.key, PublicKeyKind::Rsa { bits: 2048 });
        assert_eq!(accept_certificate(RSA_PSS, info.not_before + Duration::days(1)), Ok(info));
    }

    #[test]
    fn rsa_1024_is_refused() {
        let e = refused(RSA1024, parse_certificate(RSA1024).unwrap().not_before + Duration::days(1));
        assert_eq!(e.code(), "certificate.keySize");
        assert_eq!(
            e.to_string(),
            "the key is RSA 1024 bits; accepted are RSA 2048, 3072 or 4096 bits, or EC P-384 or P-521"
        );
    }

    #[test]
    fn ec_p256_is_refused() {
        let e = refused(rcgen_cert(&rcgen::PKCS_ECDSA_P256_SHA256).as_bytes(), NOW);
        assert_eq!(e.code(), "certificate.curve");
        assert!(e.to_string().starts_with("the key is EC P-256; accepted are"), "{e}");
    }

    #[test]
    fn ed25519_is_refused() {
        let e = refused(rcgen_cert(&rcgen::PKCS_ED25519).as_bytes(), NOW);
        assert_eq!(e.code(), "certificate.keyAlgorithm");
        assert!(e.to_string().starts_with("the key is Ed25519; accepted are"), "{e}");
    }

    #[test]
    fn sha1_signed_is_refused() {
        let info = parse_certificate(SHA1).unwrap();
        assert_eq!(info.key, PublicKeyKind::Rsa { bits: 2048 });
        assert_eq!(info.signature_digest, Digest::Sha1);
        let e = refused(SHA1, info.not_before + Duration::days(1));
        assert_eq!(e.code(), "certificate.signatureDigest");
        assert_eq!(
            e.to_string(),
            "the certificate is signed with SHA-1; accepted digests are SHA-256, SHA-384 or SHA-512"
        );
    }

    #[test]
    fn key_usage_absent_is_refused() {
        let pem = cert(KeyKind::EcP384, NOW - Duration::days(1), NOW + Duration::days(1), &[]);
        let info = parse_certificate(pem.as_bytes()).unwrap();
        assert!(!info.key_usage_present);
        assert_eq!(refused(pem.as_bytes(), NOW).code(), "certificate.keyUsageMissing");
    }

    #[test]
    fn key_usage_without_digital_signature_is_refused() {
        let usage = [KeyUsageBit::KeyCertSign, KeyUsageBit::CrlSign];
        let pem = cert(KeyKind::EcP384, NOW - Duration::days(1), NOW + Duration::days(1), &usage);
        let e = refused(pem.as_bytes(), NOW);
        assert_eq!(e.code(), "certificate.keyUsageDigitalSignature");
        assert_eq!(
            e.to_string(),
            "the certificate's KeyUsage is keyCertSign, cRLSign and lacks digitalSignature, which is required"
        );
    }

    #[test]
    fn validity_bounds() {
        let from = NOW - Duration::days(10);
        let to = NOW + Duration::days(10);
        let pem = cert(KeyKind::EcP384, from, to, &[KeyUsageBit::DigitalSignature]);
        assert!(accept_certificate(pem.as_bytes(), from).is_ok());
        assert!(accept_certificate(pem.as_bytes(), to - Duration::seconds(1)).is_ok());
        let e = refused(pem.as_bytes(), to);
        assert_eq!(e.code(), "certificate.expired");
        assert_eq!(e.to_string(), "the certificate has expired: its validity ended at 2026-03-12T07:00:00Z");
        let e = refused(pem.as_bytes(), from - Duration::seconds(1));
        assert_eq!(e.code(), "certificate.notYetValid");
        assert_eq!(e.to_string(), "the certificate is not valid yet: its validity starts at 2026-02-20T07:00:00Z");
    }

    #[test]
    fn expired_and_not_yet_valid_are_refused() {
        let expired =
            cert(KeyKind::EcP521, NOW - Duration::days(10), NOW - Duration::days(1), &[KeyUsageBit::DigitalSignature]);
        assert_eq!(refused(expired.as_bytes(), NOW).code(), "certificate.expired");
        let future =
            cert(KeyKind::Rsa2048, NOW + Duration::days(1), NOW + Duration::days(10), &[KeyUsageBit::DigitalSignature]);
        assert_eq!(refused(future.as_bytes(), NOW).code(), "certificate.notYetValid");
    }

    #[test]
    fn rules_apply_in_order() {
        // No KeyUsage and expired: the key usage comes first.
        let pem = cert(KeyKind::EcP384, NOW - Duration::days(10), NOW - Duration::days(1), &[]);
        assert_eq!(refused(pem.as_bytes(), NOW).code(), "certificate.keyUsageMissing");
        // RSA 1024 long expired: the key comes first.
        assert_eq!(refused(RSA1024, datetime!(2300-01-01 0:00 UTC)).code(), "certificate.keySize");
    }

    #[test]
    fn garbage_is_unreadable() {
        for input in [
            &b"hello"[..],
            b"",
            b"  \n",
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            b"-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
            &[0x30, 0x03, 0x02, 0x01, 0x01],
        ] {
            assert_eq!(refused(input, NOW).code(), "certificate.unreadable", "{input:?}");
        }
        // Two certificates in one file, or text after the certificate.
        let one = valid(KeyKind::EcP384);
        let two = format!("{one}\n{}", valid(KeyKind::EcP384));
        let e = refused(two.as_bytes(), NOW);
        assert!(e.to_string().contains("more than one PEM block"), "{e}");
        let e = refused(format!("{one}junk\n").as_bytes(), NOW);
        assert!(e.to_string().contains("text after"), "{e}");
        assert_eq!(e.code(), "certificate.unreadable");
        // Whitespace around it stays tolerated.
        assert!(parse_certificate(format!("\n\n{one}\n\n").as_bytes()).is_ok());
        // A certificate followed by trailing bytes.
        let mut der = parse_certificate(valid(KeyKind::EcP384).as_bytes()).unwrap().der;
        der.push(0);
        assert_eq!(refused(&der, NOW).code(), "certificate.unreadable");
    }
}
