//! A minimal, strict WebAuthn (passkeys) verifier on aws-lc-rs, ES256 only.
//!
//! The browser sends the parts of `navigator.credentials.create()` /
//! `.get()` that need no CBOR: `clientDataJSON`, the authenticator data, the
//! credential id, for registration the public key as SubjectPublicKeyInfo
//! (`response.getPublicKey()`) and its algorithm, for sign-in the DER ECDSA
//! signature. Attestation is "none" and is not checked. User verification is
//! required: the passkey is the only factor. Pure: no I/O; challenges and
//! stored keys are the caller's business.

use std::net::Ipv4Addr;

use aws_lc_rs::constant_time::verify_slices_are_equal;
use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1, ParsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

/// COSE algorithm identifier of ECDSA P-256 with SHA-256, the only one accepted.
pub const ES256: i64 = -7;

const FLAG_UP: u8 = 0x01;
const FLAG_UV: u8 = 0x04;
const FLAG_AT: u8 = 0x40;
const AUTH_DATA_MIN: usize = 37;
const CREDENTIAL_ID_LEN: std::ops::RangeInclusive<usize> = 16..=1023;

/// DER prefix of a P-256 SubjectPublicKeyInfo: SEQUENCE { SEQUENCE { id-ecPublicKey,
/// prime256v1 }, BIT STRING (0 unused bits) }, followed by the 65-byte uncompressed point.
const P256_SPKI_PREFIX: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
    0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];

/// Why a WebAuthn ceremony, or the relying party's configuration, was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WebauthnError {
    #[error("public URL {0:?} is not an http:// or https:// URL")]
    UrlScheme(String),
    #[error("public URL {0:?} has a path, query or fragment; it must be the bare origin")]
    UrlPath(String),
    #[error("public URL {0:?} has no valid host name")]
    UrlHost(String),
    #[error("public URL {0:?} has an invalid port")]
    UrlPort(String),
    #[error("public URL {0:?} has an IP-address host; WebAuthn needs a domain name")]
    UrlIpHost(String),
    #[error("clientDataJSON is not valid client data: {0}")]
    ClientDataJson(String),
    #[error("clientDataJSON type is {got:?}, expected {expected:?}")]
    WrongType { expected: &'static str, got: String },
    #[error("clientDataJSON challenge is not the one issued")]
    ChallengeMismatch,
    #[error("clientDataJSON origin is {got:?}, expected {expected:?}")]
    OriginMismatch { expected: String, got: String },
    #[error("clientDataJSON says crossOrigin: cross-origin ceremonies are refused")]
    CrossOrigin,
    #[error("authenticatorData is {0} bytes, at least 37 expected")]
    AuthDataTooShort(usize),
    #[error("authenticatorData RP id hash is not SHA-256 of the relying party id")]
    RpIdHashMismatch,
    #[error("authenticatorData: the user-present (UP) flag is not set")]
    UserNotPresent,
    #[error("authenticatorData: the user-verified (UV) flag is not set; user verification is required")]
    UserNotVerified,
    #[error("authenticatorData: the attested-credential-data (AT) flag is not set")]
    NoAttestedCredential,
    #[error("authenticatorData: the attested credential data is truncated")]
    AttestedCredentialTruncated,
    #[error("the credential id does not match the one in the attested credential data")]
    CredentialIdMismatch,
    #[error("credential id is {0} bytes, 16 to 1023 expected")]
    CredentialIdLength(usize),
    #[error("public key algorithm {0} is not supported; only ES256 (-7) is")]
    UnsupportedAlgorithm(i64),
    #[error("public key is not a valid P-256 SubjectPublicKeyInfo")]
    BadPublicKey,
    #[error("the assertion signature does not verify")]
    BadSignature,
    #[error("sign count {new} is not greater than the stored {stored}: the authenticator may be cloned")]
    SignCountNotIncreasing { stored: u32, new: u32 },
}

/// The relying party: ciao itself, as its public URL names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelyingParty {
    /// The RP id: the host name, lower case.
    pub id: String,
    /// The exact origin the browser reports: scheme://host[:port], default port left out.
    pub origin: String,
}

impl RelyingParty {
    /// From the server's public URL, e.g. "http://localhost:8080" -> id "localhost", origin "http://localhost:8080";
    /// "https://ciao.example.be/" -> id "ciao.example.be", origin "https://ciao.example.be". Refuses non-http(s)
    /// URLs, URLs with a path other than "/" (or a query, fragment or user info), and IP-address hosts.
    pub fn from_public_url(url: &str) -> Result<Self, WebauthnError> {
        let lower = url.to_ascii_lowercase();
        let (scheme, default_port, rest) = if let Some(rest) = lower.strip_prefix("https://") {
            ("https", 443, rest)
        } else if let Some(rest) = lower.strip_prefix("http://") {
            ("http", 80, rest)
        } else {
            return Err(WebauthnError::UrlScheme(url.to_owned()));
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        if !tail.is_empty() && tail != "/" {
            return Err(WebauthnError::UrlPath(url.to_owned()));
        }
        if authority.starts_with('[') {
            return Err(WebauthnError::UrlIpHost(url.to_owned()));
        }
        if authority.contains('@') {
            return Err(WebauthnError::UrlHost(url.to_owned()));
        }
        let (host, port) = match authority.split_once(':') {
            None => (authority, None),
            Some((host, port)) => {
                let port: u16 = match port.parse() {
                    Ok(p) if p != 0 && port.bytes().all(|b| b.is_ascii_digit()) => p,
                    _ => return Err(WebauthnError::UrlPort(url.to_owned())),
                };
                (host, Some(port))
            }
        };
        let labels_ok = host.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        });
        if !labels_ok || host.len() > 253 {
            return Err(WebauthnError::UrlHost(url.to_owned()));
        }
        // As browsers do (WHATWG URL "ends in a number"), a host whose last label is numeric is an IPv4 address.
        let last = host.rsplit('.').next().unwrap_or(host);
        let hex = last.strip_prefix("0x").is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
        if host.parse::<Ipv4Addr>().is_ok() || last.bytes().all(|b| b.is_ascii_digit()) || hex {
            return Err(WebauthnError::UrlIpHost(url.to_owned()));
        }
        let origin = match port {
            Some(p) if p != default_port => format!("{scheme}://{host}:{p}"),
            _ => format!("{scheme}://{host}"),
        };
        Ok(Self { id: host.to_owned(), origin })
    }
}

/// A passkey that passed registration, to be stored with the worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPasskey {
    pub credential_id: Vec<u8>,
    /// The P-256 SubjectPublicKeyInfo DER, as given by the browser.
    pub public_key_spki: Vec<u8>,
    pub sign_count: u32,
    pub user_verified: bool,
}

#[derive(Deserialize)]
struct ClientData {
    #[serde(rename = "type")]
    typ: String,
    challenge: String,
    origin: String,
    #[serde(rename = "crossOrigin", default)]
    cross_origin: Option<bool>,
}

fn check_client_data(
    rp: &RelyingParty,
    expected_type: &'static str,
    expected_challenge: &[u8],
    client_data_json: &[u8],
) -> Result<(), WebauthnError> {
    let cd: ClientData =
        serde_json::from_slice(client_data_json).map_err(|e| WebauthnError::ClientDataJson(e.to_string()))?;
    if cd.typ != expected_type {
        return Err(WebauthnError::WrongType { expected: expected_type, got: cd.typ });
    }
    let expected = URL_SAFE_NO_PAD.encode(expected_challenge);
    if verify_slices_are_equal(cd.challenge.as_bytes(), expected.as_bytes()).is_err() {
        return Err(WebauthnError::ChallengeMismatch);
    }
    if cd.origin != rp.origin {
        return Err(WebauthnError::OriginMismatch { expected: rp.origin.clone(), got: cd.origin });
    }
    if cd.cross_origin == Some(true) {
        return Err(WebauthnError::CrossOrigin);
    }
    Ok(())
}

/// The checked fixed part of authenticatorData: flags, sign count, and what follows.
struct AuthData<'a> {
    flags: u8,
    sign_count: u32,
    rest: &'a [u8],
}

fn check_auth_data<'a>(rp: &RelyingParty, auth_data: &'a [u8]) -> Result<AuthData<'a>, WebauthnError> {
    if auth_data.len() < AUTH_DATA_MIN {
        return Err(WebauthnError::AuthDataTooShort(auth_data.len()));
    }
    let rp_id_hash = digest(&SHA256, rp.id.as_bytes());
    if verify_slices_are_equal(&auth_data[..32], rp_id_hash.as_ref()).is_err() {
        return Err(WebauthnError::RpIdHashMismatch);
    }
    let flags = auth_data[32];
    if flags & FLAG_UP == 0 {
        return Err(WebauthnError::UserNotPresent);
    }
    if flags & FLAG_UV == 0 {
        return Err(WebauthnError::UserNotVerified);
    }
    let sign_count = u32::from_be_bytes([auth_data[33], auth_data[34], auth_data[35], auth_data[36]]);
    Ok(AuthData { flags, sign_count, rest: &auth_data[AUTH_DATA_MIN..] })
}

/// The 65-byte uncompressed point of a P-256 SubjectPublicKeyInfo, checked to be on the curve.
fn p256_point(spki: &[u8]) -> Result<&[u8], WebauthnError> {
    let point = spki.strip_prefix(&P256_SPKI_PREFIX[..]).ok_or(WebauthnError::BadPublicKey)?;
    if point.len() != 65 || point[0] != 0x04 {
        return Err(WebauthnError::BadPublicKey);
    }
    ParsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, point).map_err(|_| WebauthnError::BadPublicKey)?;
    Ok(point)
}

/// Verifies a registration (`navigator.credentials.create()`) against the challenge issued for it.
pub fn verify_registration(
    rp: &RelyingParty,
    expected_challenge: &[u8],
    client_data_json: &[u8],
    authenticator_data: &[u8],
    credential_id: &[u8],
    public_key_spki: &[u8],
    alg: i64,
) -> Result<NewPasskey, WebauthnError> {
    check_client_data(rp, "webauthn.create", expected_challenge, client_data_json)?;
    let ad = check_auth_data(rp, authenticator_data)?;
    if ad.flags & FLAG_AT == 0 {
        return Err(WebauthnError::NoAttestedCredential);
    }
    if !CREDENTIAL_ID_LEN.contains(&credential_id.len()) {
        return Err(WebauthnError::CredentialIdLength(credential_id.len()));
    }
    // Attested credential data: aaguid (16), credentialIdLength (u16 BE), credentialId, COSE key (not parsed).
    let len_bytes = ad.rest.get(16..18).ok_or(WebauthnError::AttestedCredentialTruncated)?;
    let len = usize::from(u16::from_be_bytes([len_bytes[0], len_bytes[1]]));
    let attested_id = ad.rest.get(18..18 + len).ok_or(WebauthnError::AttestedCredentialTruncated)?;
    if attested_id != credential_id {
        return Err(WebauthnError::CredentialIdMismatch);
    }
    if alg != ES256 {
        return Err(WebauthnError::UnsupportedAlgorithm(alg));
    }
    p256_point(public_key_spki)?;
    Ok(NewPasskey {
        credential_id: credential_id.to_vec(),
        public_key_spki: public_key_spki.to_vec(),
        sign_count: ad.sign_count,
        user_verified: ad.flags & FLAG_UV != 0,
    })
}

/// Verifies a sign-in assertion (`navigator.credentials.get()`) with the stored passkey; returns the new sign
/// count to store. A count that does not increase is refused only when both counts are non-zero (authenticators
/// that do not count, such as synced passkeys, always report 0).
pub fn verify_assertion(
    rp: &RelyingParty,
    expected_challenge: &[u8],
    client_data_json: &[u8],
    authenticator_data: &[u8],
    signature: &[u8],
    public_key_spki: &[u8],
    stored_sign_count: u32,
) -> Result<u32, WebauthnError> {
    check_client_data(rp, "webauthn.get", expected_challenge, client_data_json)?;
    let ad = check_auth_data(rp, authenticator_data)?;
    let point = p256_point(public_key_spki)?;
    let key = ParsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, point).map_err(|_| WebauthnError::BadPublicKey)?;
    let mut signed = Vec::with_capacity(authenticator_data.len() + 32);
    signed.extend_from_slice(authenticator_data);
    signed.extend_from_slice(digest(&SHA256, client_data_json).as_ref());
    key.verify_sig(&signed, signature).map_err(|_| WebauthnError::BadSignature)?;
    if stored_sign_count != 0 && ad.sign_count != 0 && ad.sign_count <= stored_sign_count {
        return Err(WebauthnError::SignCountNotIncreasing { stored: stored_sign_count, new: ad.sign_count });
    }
    Ok(ad.sign_count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::encoding::AsDer;
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};

    const CHALLENGE: &[u8] = b"0123456789abcdef0123456789abcdef";
    const CRED_ID: &[u8] = b"credential-id-0001";

    fn rp() -> RelyingParty {
        RelyingParty::from_public_url("https://ciao.example.be/").expect("valid URL")
    }

    fn key() -> EcdsaKeyPair {
        EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).expect("key generation")
    }

    fn spki(key: &EcdsaKeyPair) -> Vec<u8> {
        let der = key.public_key().as_der().expect("SPKI").as_ref().to_vec();
        let mut built = P256_SPKI_PREFIX.to_vec();
        built.extend_from_slice(key.public_key().as_ref());
        assert_eq!(der, built, "aws-lc-rs SPKI is the fixed-prefix form");
        der
    }

    fn client_data(typ: &str, challenge: &[u8], origin: &str) -> Vec<u8> {
        let c = URL_SAFE_NO_PAD.encode(challenge);
        format!(r#"{{"type":"{typ}","challenge":"{c}","origin":"{origin}","crossOrigin":false}}"#).into_bytes()
    }

    fn auth_data(rp_id: &str, flags: u8, count: u32, attested_id: Option<&[u8]>) -> Vec<u8> {
        let mut ad = digest(&SHA256, rp_id.as_bytes()).as_ref().to_vec();
        ad.push(flags);
        ad.extend_from_slice(&count.to_be_bytes());
        if let Some(id) = attested_id {
            ad.extend_from_slice(&[0; 16]);
            ad.extend_from_slice(&u16::try_from(id.len()).expect("short id").to_be_bytes());
            ad.extend_from_slice(id);
            ad.extend_from_slice(&[0xa5, 0x01, 0x02, 0x03, 0x26]); // start of a COSE key, not parsed
        }
        ad
    }

    fn register(cd: &[u8], ad: &[u8], spki: &[u8], alg: i64) -> Result<NewPasskey, WebauthnError> {
        verify_registration(&rp(), CHALLENGE, cd, ad, CRED_ID, spki, alg)
    }

    fn good_reg_cd() -> Vec<u8> {
        client_data("webauthn.create", CHALLENGE, "https://ciao.example.be")
    }

    fn good_reg_ad() -> Vec<u8> {
        auth_data("ciao.example.be", FLAG_UP | FLAG_UV | FLAG_AT, 0, Some(CRED_ID))
    }

    fn sign(key: &EcdsaKeyPair, ad: &[u8], cd: &[u8]) -> Vec<u8> {
        let mut msg = ad.to_vec();
        msg.extend_from_slice(digest(&SHA256, cd).as_ref());
        key.sign(&SystemRandom::new(), &msg).expect("signing").as_ref().to_vec()
    }

    fn assert_with(key: &EcdsaKeyPair, ad: &[u8], cd: &[u8], stored: u32) -> Result<u32, WebauthnError> {
        let sig = sign(key, ad, cd);
        verify_assertion(&rp(), CHALLENGE, cd, ad, &sig, &spki(key), stored)
    }

    fn good_get_cd() -> Vec<u8> {
        client_data("webauthn.get", CHALLENGE, "https://ciao.example.be")
    }

    fn get_ad(count: u32) -> Vec<u8> {
        auth_data("ciao.example.be", FLAG_UP | FLAG_UV, count, None)
    }

    #[test]
    fn relying_party_from_url() {
        let local = RelyingParty::from_public_url("http://localhost:8080").expect("localhost");
        assert_eq!(local, RelyingParty { id: "localhost".into(), origin: "http://localhost:8080".into() });
        assert_eq!(rp(), RelyingParty { id: "ciao.example.be".into(), origin: "https://ciao.example.be".into() });
        let default_port = RelyingParty::from_public_url("HTTPS://Ciao.Example.be:443").expect("default port");
        assert_eq!(default_port.origin, "https://ciao.example.be");
        for (url, want) in [
            ("ftp://ciao.example.be", WebauthnError::UrlScheme("ftp://ciao.example.be".into())),
            ("https://ciao.example.be/app", WebauthnError::UrlPath("https://ciao.example.be/app".into())),
            ("https://ciao.example.be/?x=1", WebauthnError::UrlPath("https://ciao.example.be/?x=1".into())),
            ("http://127.0.0.1:8080", WebauthnError::UrlIpHost("http://127.0.0.1:8080".into())),
            ("http://[::1]:8080/", WebauthnError::UrlIpHost("http://[::1]:8080/".into())),
            ("http://localhost:0", WebauthnError::UrlPort("http://localhost:0".into())),
            ("http://user@localhost", WebauthnError::UrlHost("http://user@localhost".into())),
            ("http://", WebauthnError::UrlHost("http://".into())),
        ] {
            assert_eq!(RelyingParty::from_public_url(url), Err(want), "{url}");
        }
    }

    #[test]
    fn good_registration_then_assertion() {
        let key = key();
        let passkey = register(&good_reg_cd(), &good_reg_ad(), &spki(&key), ES256).expect("registration");
        assert_eq!(passkey.credential_id, CRED_ID);
        assert_eq!(passkey.public_key_spki, spki(&key));
        assert_eq!((passkey.sign_count, passkey.user_verified), (0, true));
        assert_eq!(assert_with(&key, &get_ad(0), &good_get_cd(), 0), Ok(0));
        assert_eq!(assert_with(&key, &get_ad(8), &good_get_cd(), 7), Ok(8));
    }

    #[test]
    fn registration_rules() {
        let key = key();
        let (cd, ad, pk) = (good_reg_cd(), good_reg_ad(), spki(&key));
        let origin = "https://ciao.example.be";
        let wrong_type = client_data("webauthn.get", CHALLENGE, origin);
        let want = WebauthnError::WrongType { expected: "webauthn.create", got: "webauthn.get".into() };
        assert_eq!(register(&wrong_type, &ad, &pk, ES256), Err(want));
        let wrong_challenge = client_data("webauthn.create", b"another challenge", origin);
        assert_eq!(register(&wrong_challenge, &ad, &pk, ES256), Err(WebauthnError::ChallengeMismatch));
        let wrong_origin = client_data("webauthn.create", CHALLENGE, "https://evil.example");
        let want = WebauthnError::OriginMismatch { expected: origin.into(), got: "https://evil.example".into() };
        assert_eq!(register(&wrong_origin, &ad, &pk, ES256), Err(want));
        let cross = String::from_utf8(cd.clone()).expect("utf8").replace("false", "true").into_bytes();
        assert_eq!(register(&cross, &ad, &pk, ES256), Err(WebauthnError::CrossOrigin));
        assert!(matches!(register(b"{not json", &ad, &pk, ES256), Err(WebauthnError::ClientDataJson(_))));

        let flags = FLAG_UP | FLAG_UV | FLAG_AT;
        let other_rp = auth_data("evil.example", flags, 0, Some(CRED_ID));
        assert_eq!(register(&cd, &other_rp, &pk, ES256), Err(WebauthnError::RpIdHashMismatch));
        let no_up = auth_data("ciao.example.be", FLAG_UV | FLAG_AT, 0, Some(CRED_ID));
        assert_eq!(register(&cd, &no_up, &pk, ES256), Err(WebauthnError::UserNotPresent));
        let no_uv = auth_data("ciao.example.be", FLAG_UP | FLAG_AT, 0, Some(CRED_ID));
        assert_eq!(register(&cd, &no_uv, &pk, ES256), Err(WebauthnError::UserNotVerified));
        let no_at = auth_data("ciao.example.be", FLAG_UP | FLAG_UV, 0, None);
        assert_eq!(register(&cd, &no_at, &pk, ES256), Err(WebauthnError::NoAttestedCredential));
        let other_id = auth_data("ciao.example.be", flags, 0, Some(b"credential-id-0002"));
        assert_eq!(register(&cd, &other_id, &pk, ES256), Err(WebauthnError::CredentialIdMismatch));
        assert_eq!(register(&cd, &ad[..37 + 17], &pk, ES256), Err(WebauthnError::AttestedCredentialTruncated));
        assert_eq!(register(&cd, &ad[..36], &pk, ES256), Err(WebauthnError::AuthDataTooShort(36)));
        let short = verify_registration(&rp(), CHALLENGE, &cd, &ad, b"short", &pk, ES256);
        assert_eq!(short, Err(WebauthnError::CredentialIdLength(5)));

        assert_eq!(register(&cd, &ad, &pk, -257), Err(WebauthnError::UnsupportedAlgorithm(-257)));
        assert_eq!(register(&cd, &ad, &pk[1..], ES256), Err(WebauthnError::BadPublicKey));
        let mut off_curve = pk.clone();
        off_curve[90] ^= 1;
        assert_eq!(register(&cd, &ad, &off_curve, ES256), Err(WebauthnError::BadPublicKey));
        let p384 = EcdsaKeyPair::generate(&aws_lc_rs::signature::ECDSA_P384_SHA384_ASN1_SIGNING).expect("P-384");
        let p384_spki = p384.public_key().as_der().expect("SPKI").as_ref().to_vec();
        assert_eq!(register(&cd, &ad, &p384_spki, ES256), Err(WebauthnError::BadPublicKey));
    }

    #[test]
    fn assertion_rules() {
        let key = key();
        let cd = good_get_cd();
        let create = client_data("webauthn.create", CHALLENGE, "https://ciao.example.be");
        let want = WebauthnError::WrongType { expected: "webauthn.get", got: "webauthn.create".into() };
        assert_eq!(assert_with(&key, &get_ad(1), &create, 0), Err(want));
        let no_uv = auth_data("ciao.example.be", FLAG_UP, 1, None);
        assert_eq!(assert_with(&key, &no_uv, &cd, 0), Err(WebauthnError::UserNotVerified));

        let other = self::key();
        let sig = sign(&other, &get_ad(1), &cd);
        let by_other = verify_assertion(&rp(), CHALLENGE, &cd, &get_ad(1), &sig, &spki(&key), 0);
        assert_eq!(by_other, Err(WebauthnError::BadSignature));

        let sig = sign(&key, &get_ad(1), &cd);
        let tampered = verify_assertion(&rp(), CHALLENGE, &cd, &get_ad(2), &sig, &spki(&key), 0);
        assert_eq!(tampered, Err(WebauthnError::BadSignature));
        let mut other_cd = cd.clone();
        other_cd.push(b' ');
        let tampered_cd = verify_assertion(&rp(), CHALLENGE, &other_cd, &get_ad(1), &sig, &spki(&key), 0);
        assert_eq!(tampered_cd, Err(WebauthnError::BadSignature));

        let want = WebauthnError::SignCountNotIncreasing { stored: 5, new: 5 };
        assert_eq!(assert_with(&key, &get_ad(5), &cd, 5), Err(want));
        let want = WebauthnError::SignCountNotIncreasing { stored: 5, new: 3 };
        assert_eq!(assert_with(&key, &get_ad(3), &cd, 5), Err(want));
        assert_eq!(assert_with(&key, &get_ad(1), &cd, 0), Ok(1));
    }
}
