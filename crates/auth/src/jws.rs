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

    /// Does this algorithm fit that key? RSA: RS* and PS*; P-384: ES384;
    /// P-521: ES512; nothing else.
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

impl std::fmt::Display for Alg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The members of the JOSE header that are read; others are ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwsHeader {
    pub alg: String,
    pub typ: Option<String>,
    pub kid: Option<String>,
    /// `x5t#S256`: the SHA-256 thumbprint of the certificate, base64url.
    pub x5t_s256: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwsError {
    #[error("the JWS is {0} bytes long; at most {MAX_LEN} are accepted")]
    TooLong(usize),
    #[error("not a compact JWS: {0}")]
    Format(String),
    #[error("the JOSE header is refused: {0}")]
    Header(String),
    #[error("the JWS payload is refused: {0}")]
    Payload(String),
    #[error(
        "the algorithm {0:?} is not accepted; accepted are RS256, RS384, RS512, PS256, PS384, PS512, ES384 and ES512"
    )]
    Algorithm(String),
    #[error("the algorithm {alg} does not fit the certificate's {key} key")]
    KeyMismatch { alg: String, key: String },
    #[error("the signature does not verify with the certificate's key")]
    Signature,
}

impl JwsError {
    /// A stable code for the rule that failed.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLong(_) => "jws.size",
            Self::Format(_) => "jws.format",
            Self::Header(_) => "jws.header",
            Self::Payload(_) => "jws.payload",
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
        return Err(JwsError::Format(format!("the {what} is padded base64; JWS uses base64url without padding")));
    }
    let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|_| JwsError::Format(format!("the {what} is not base64url")))?;
    if URL_SAFE_NO_PAD.encode(&bytes) != part {
        return Err(JwsError::Format(format!("the {what} is not canonical base64url")));
    }
    Ok(bytes)
}

/// A JSON object whose members are unique (a duplicate is an error, not
/// "the last one wins", so that no two parsers read different claims).
struct UniqueObject(Map<String, Value>);

impl<'de> Deserialize<'de> for UniqueObject {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = UniqueObject;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut access: A) -> Result<UniqueObject, A::Error> {
                let mut map = Map::new();
                while let Some((k, v)) = access.next_entry::<String, Value>()? {
                    if map.contains_key(&k) {
                        return Err(serde::de::Error::custom(format!("the member {k:?} appears twice")));
                    }
                    map.insert(k, v);
                }
                Ok(UniqueObject(map))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

fn object(bytes: &[u8]) -> Result<Map<String, Value>, String> {
    serde_json::from_slice::<UniqueObject>(bytes).map(|o| o.0).map_err(|e| e.to_string())
}

fn header_of(bytes: &[u8]) -> Result<JwsHeader, JwsError> {
    let members = object(bytes).map_err(JwsError::Header)?;
    let mut header = JwsHeader { alg: String::new(), typ: None, kid: None, x5t_s256: None };
    let mut alg = None;
    for (name, value) in members {
        match name.as_str() {
            "alg" | "typ" | "kid" | "x5t#S256" => {
                let Value::String(value) = value else {
                    return Err(JwsError::Header(format!("{name:?} must be a string")));
                };
                match name.as_str() {
                    "alg" => alg = Some(value),
                    // RFC 7515 §4.1.9: "application/" may be left out.
                    "typ" if ["JWT", "application/jwt"].iter().any(|t| value.eq_ignore_ascii_case(t)) => {
                        header.typ = Some(value)
                    }
                    "typ" => {
                        return Err(JwsError::Header(format!(
                            "typ is {value:?}; a client assertion's typ is JWT (or application/jwt) when present"
                        )));
                    }
                    "kid" => header.kid = Some(value),
                    _ => header.x5t_s256 = Some(value),
                }
            }
            // RFC 7515 §4.1.11: extensions that must be understood; this
            // server implements none.
            "crit" => {
                return Err(JwsError::Header(format!(
                    "crit lists extensions that must be understood ({value}); this server implements none"
                )));
            }
            // RFC 7515 §4: members not understood are ignored (x5t, cty, a
            // library's own). Keys or certificates carried or pointed to
            // (jwk, jku, x5c, x5u) are never used: the signature is checked
            // with the account's registered certificates only.
            _ => {}
        }
    }
    header.alg = alg.ok_or_else(|| JwsError::Header("alg is required".into()))?;
    Ok(header)
}

/// Parses a compact JWS (`header.payload.signature`) without verifying it.
pub fn parse_compact(token: &str) -> Result<UnverifiedJws, JwsError> {
    if token.len() > MAX_LEN {
        return Err(JwsError::TooLong(token.len()));
    }
    let parts: Vec<&str> = token.split('.').collect();
    let [header_part, payload_part, signature_part] = parts[..] else {
        return Err(JwsError::Format(format!("{} parts instead of 3 (header.payload.signature)", parts.len())));
    };
    let header = header_of(&b64(header_part, "header")?)?;
    let claims = object(&b64(payload_part, "payload")?).map_err(JwsError::Payload)?;
    let signature = b64(signature_part, "signature")?;
    Ok(UnverifiedJws { header, claims, signing_input: format!("{header_part}.{payload_part}"), signature })
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

    fn key(kind: KeyKind) -> SigningKey {
        SigningKey::from_pem(&generate_key(kind).unwrap()).unwrap()
    }

    fn claims() -> Value {
        json!({"iss": "c", "sub": "c", "jti": "1"})
    }

    fn enc(v: &Value) -> String {
        URL_SAFE_NO_PAD.encode(v.to_string())
    }

    fn parts(token: &str) -> [String; 3] {
        let p: Vec<&str> = token.split('.').collect();
        [p[0].to_string(), p[1].to_string(), p[2].to_string()]
    }

    fn verify(token: &str, key: &SigningKey) -> Result<Alg, JwsError> {
        parse_compact(token)?.verify(&key.key_kind(), &key.public_key())
    }

    fn code(r: Result<impl std::fmt::Debug, JwsError>) -> &'static str {
        r.unwrap_err().code()
    }

    #[test]
    fn alg_names() {
        for alg in Alg::ALL {
            assert_eq!(Alg::parse(alg.as_str()), Some(alg));
            assert_eq!(alg.to_string(), alg.as_str());
        }
        for name in ["none", "HS256", "HS512", "ES256", "EdDSA", "rs256", ""] {
            assert_eq!(Alg::parse(name), None, "{name}");
        }
    }

    #[test]
    fn rsa_algorithms_round_trip() {
        let rsa = key(KeyKind::Rsa2048);
        for alg in [Alg::RS256, Alg::RS384, Alg::RS512, Alg::PS256, Alg::PS384, Alg::PS512] {
            let t = rsa.sign_jws(alg, &Map::new(), &claims()).unwrap();
            assert_eq!(verify(&t, &rsa), Ok(alg));
        }
    }

    #[test]
    fn ec_algorithms_round_trip() {
        for (kind, alg) in [(KeyKind::EcP384, Alg::ES384), (KeyKind::EcP521, Alg::ES512)] {
            let k = key(kind);
            let mut extra = Map::new();
            extra.insert("kid".into(), json!("k1"));
            extra.insert("x5t#S256".into(), json!("abc"));
            let t = k.sign_jws(alg, &extra, &claims()).unwrap();
            let jws = parse_compact(&t).unwrap();
            assert_eq!(jws.claims.get("iss"), Some(&json!("c")));
            assert_eq!(
                jws.header,
                JwsHeader {
                    alg: alg.as_str().into(),
                    typ: Some("JWT".into()),
                    kid: Some("k1".into()),
                    x5t_s256: Some("abc".into())
                }
            );
            assert_eq!(jws.verify(&k.key_kind(), &k.public_key()), Ok(alg));
        }
    }

    /// A token with any header, signed for real.
    fn raw(k: &SigningKey, alg: Alg, header: &str, claims: &Value) -> String {
        let input = format!("{header}.{}", enc(claims));
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(k.sign(alg, input.as_bytes()).unwrap()))
    }

    #[test]
    fn header_without_typ_and_with_lowercase_typ_is_accepted() {
        let k = key(KeyKind::EcP384);
        for header in [json!({"alg": "ES384"}), json!({"alg": "ES384", "typ": "jwt"})] {
            let t = raw(&k, Alg::ES384, &enc(&header), &claims());
            assert_eq!(verify(&t, &k), Ok(Alg::ES384), "{header}");
        }
    }

    #[test]
    fn alg_none_is_refused() {
        let k = key(KeyKind::EcP384);
        let [_, payload, _] = parts(&k.sign_jws(Alg::ES384, &Map::new(), &claims()).unwrap());
        let none = format!("{}.{payload}.", enc(&json!({"alg": "none"})));
        assert_eq!(code(verify(&none, &k)), "jws.algorithm");
        let none = format!("{}.{payload}.", enc(&json!({"alg": "none", "typ": "JWT"})));
        assert_eq!(code(verify(&none, &key(KeyKind::Rsa2048))), "jws.algorithm");
    }

    #[test]
    fn hs256_keyed_with_the_public_key_is_refused() {
        let rsa = key(KeyKind::Rsa2048);
        let input = format!("{}.{}", enc(&json!({"alg": "HS256", "typ": "JWT"})), enc(&claims()));
        let mac = aws_lc_rs::hmac::sign(
            &aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, &rsa.public_key()),
            input.as_bytes(),
        );
        let hs = format!("{input}.{}", URL_SAFE_NO_PAD.encode(mac.as_ref()));
        let e = verify(&hs, &rsa).unwrap_err();
        assert_eq!(e.code(), "jws.algorithm");
        assert!(e.to_string().contains("\"HS256\""), "{e}");
    }

    #[test]
    fn algorithm_must_fit_the_key() {
        let p384 = key(KeyKind::EcP384);
        let p521 = key(KeyKind::EcP521);
        let rsa = key(KeyKind::Rsa2048);
        // ES512 announced over a P-384 signature, checked with the P-384 key.
        let [_, payload, sig] = parts(&p384.sign_jws(Alg::ES384, &Map::new(), &claims()).unwrap());
        let es512 = format!("{}.{payload}.{sig}", enc(&json!({"alg": "ES512"})));
        let e = verify(&es512, &p384).unwrap_err();
        assert_eq!(e.code(), "jws.keyMismatch");
        assert_eq!(e.to_string(), "the algorithm ES512 does not fit the certificate's EC P-384 key");
        // ES384 against a P-521 key, RS256 against an EC key, ES384 against RSA.
        let es384 = p384.sign_jws(Alg::ES384, &Map::new(), &claims()).unwrap();
        assert_eq!(code(verify(&es384, &p521)), "jws.keyMismatch");
        assert_eq!(code(verify(&es384, &rsa)), "jws.keyMismatch");
        let rs = rsa.sign_jws(Alg::RS256, &Map::new(), &claims()).unwrap();
        assert_eq!(code(verify(&rs, &p384)), "jws.keyMismatch");
        // A refused key kind fits no algorithm.
        let jws = parse_compact(&rs).unwrap();
        assert_eq!(code(jws.verify(&PublicKeyKind::Other("EC P-256".into()), &rsa.public_key())), "jws.keyMismatch");
    }

    #[test]
    fn another_key_or_a_changed_token_is_refused() {
        let k = key(KeyKind::EcP384);
        let good = k.sign_jws(Alg::ES384, &Map::new(), &claims()).unwrap();
        assert_eq!(code(verify(&good, &key(KeyKind::EcP384))), "jws.signature");
        let rsa = key(KeyKind::Rsa2048);
        let rs = rsa.sign_jws(Alg::PS256, &Map::new(), &claims()).unwrap();
        assert_eq!(code(verify(&rs, &key(KeyKind::Rsa2048))), "jws.signature");
        // A changed payload with the old signature.
        let [header, _, sig] = parts(&good);
        let tampered = format!("{header}.{}.{sig}", enc(&json!({"iss": "d", "sub": "d", "jti": "1"})));
        assert_eq!(code(verify(&tampered, &k)), "jws.signature");
        // PS256 announced over an RS256 signature.
        let [_, payload, sig] = parts(&rsa.sign_jws(Alg::RS256, &Map::new(), &claims()).unwrap());
        let relabelled = format!("{}.{payload}.{sig}", enc(&json!({"alg": "PS256"})));
        assert_eq!(code(verify(&relabelled, &rsa)), "jws.signature");
        // A truncated and an empty signature.
        let [header, payload, sig] = parts(&good);
        assert_eq!(code(verify(&format!("{header}.{payload}.{}", &sig[..sig.len() - 4]), &k)), "jws.signature");
        assert_eq!(code(verify(&format!("{header}.{payload}."), &k)), "jws.signature");
    }

    #[test]
    fn base64_must_be_unpadded_and_canonical() {
        let k = key(KeyKind::EcP384);
        // 25 bytes of header: 34 characters, 2 of padding in standard base64.
        let h = enc(&json!({"alg": "ES384", "kid": "a"}));
        assert_eq!(h.len() % 4, 2);
        assert_eq!(verify(&raw(&k, Alg::ES384, &h, &claims()), &k), Ok(Alg::ES384));
        // Padding, even when the signature covers it.
        let padded = raw(&k, Alg::ES384, &format!("{h}=="), &claims());
        let e = parse_compact(&padded).unwrap_err();
        assert_eq!(e.code(), "jws.format");
        assert!(e.to_string().contains("padded"), "{e}");
        let [header, payload, sig] = parts(&raw(&k, Alg::ES384, &h, &claims()));
        assert_eq!(code(parse_compact(&format!("{header}.{payload}.{sig}="))), "jws.format");
        // Non-canonical: the last character's unused low bits set.
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let last = alphabet.find(h.chars().last().unwrap()).unwrap();
        let bumped = alphabet.chars().nth(last ^ 1).unwrap();
        let non_canonical = format!("{}{bumped}", &h[..h.len() - 1]);
        assert_eq!(code(parse_compact(&raw(&k, Alg::ES384, &non_canonical, &claims()))), "jws.format");
        // Standard base64 characters.
        let plus = format!("{header}.{payload}.{}+", &sig[..sig.len() - 1]);
        assert_eq!(code(parse_compact(&plus)), "jws.format");
    }

    #[test]
    fn header_members_not_understood_are_ignored() {
        let k = key(KeyKind::EcP384);
        let [_, payload, sig] = parts(&k.sign_jws(Alg::ES384, &Map::new(), &claims()).unwrap());
        let with = |h: Value| parse_compact(&format!("{}.{payload}.{sig}", enc(&h)));
        // RFC 7515 §4: what is not understood is ignored, whatever its type;
        // keys carried in the header are never used.
        for member in ["x5t", "cty", "jwk", "x5c", "jku", "x5u", "b64", "zip", "vendor"] {
            let h = with(json!({"alg": "ES384", member: "x", "other": {"nested": [1]}})).expect(member).header;
            assert_eq!(h, JwsHeader { alg: "ES384".into(), typ: None, kid: None, x5t_s256: None }, "{member}");
        }
        for typ in ["JWT", "jwt", "application/jwt", "APPLICATION/JWT"] {
            assert_eq!(with(json!({"alg": "ES384", "typ": typ})).expect(typ).header.typ.as_deref(), Some(typ));
        }
        // What must be understood, and another kind of token, are refused.
        let crit = with(json!({"alg": "ES384", "crit": ["exp"], "exp": 1})).unwrap_err();
        assert_eq!(crit.code(), "jws.header");
        assert!(crit.to_string().contains(r#"crit lists extensions that must be understood (["exp"])"#), "{crit}");
        assert_eq!(code(with(json!({"alg": "ES384", "typ": "JOSE+JSON"}))), "jws.header");
        assert_eq!(code(with(json!({"alg": "ES384", "typ": "at+jwt"}))), "jws.header");
        assert_eq!(code(with(json!({"alg": "ES384", "kid": 7}))), "jws.header");
        assert_eq!(code(with(json!({"alg": "ES384", "kid": null}))), "jws.header");
        assert_eq!(code(with(json!({"alg": "ES384", "x5t#S256": 1}))), "jws.header");
        assert_eq!(code(with(json!({"typ": "JWT"}))), "jws.header");
        assert_eq!(code(with(json!({"alg": 1}))), "jws.header");
        assert_eq!(code(with(json!(["ES384"]))), "jws.header");
        assert_eq!(code(with(json!("ES384"))), "jws.header");
        // A member twice.
        let dup = URL_SAFE_NO_PAD.encode(r#"{"alg":"ES384","alg":"none"}"#);
        assert_eq!(code(parse_compact(&format!("{dup}.{payload}.{sig}"))), "jws.header");
        let not_json = URL_SAFE_NO_PAD.encode("alg");
        assert_eq!(code(parse_compact(&format!("{not_json}.{payload}.{sig}"))), "jws.header");
    }

    #[test]
    fn payload_must_be_an_object_with_unique_members() {
        let k = key(KeyKind::EcP384);
        let [header, _, sig] = parts(&k.sign_jws(Alg::ES384, &Map::new(), &claims()).unwrap());
        for payload in [enc(&json!([1])), enc(&json!("x")), enc(&json!(null)), URL_SAFE_NO_PAD.encode("{")] {
            assert_eq!(code(parse_compact(&format!("{header}.{payload}.{sig}"))), "jws.payload");
        }
        let dup = URL_SAFE_NO_PAD.encode(r#"{"iss":"a","iss":"b"}"#);
        assert_eq!(code(parse_compact(&format!("{header}.{dup}.{sig}"))), "jws.payload");
    }

    #[test]
    fn shape_and_size() {
        let k = key(KeyKind::EcP384);
        let good = k.sign_jws(Alg::ES384, &Map::new(), &claims()).unwrap();
        assert_eq!(code(parse_compact(&format!("{good}.x"))), "jws.format");
        assert_eq!(code(parse_compact(&format!("{good}."))), "jws.format");
        let [header, payload, _] = parts(&good);
        assert_eq!(code(parse_compact(&format!("{header}.{payload}"))), "jws.format");
        assert_eq!(code(parse_compact("")), "jws.format");
        assert_eq!(code(parse_compact("..")), "jws.header");
        // Oversize: a valid signature over a large payload is still refused.
        let big = k.sign_jws(Alg::ES384, &Map::new(), &json!({"pad": "x".repeat(MAX_LEN)})).unwrap();
        let e = parse_compact(&big).unwrap_err();
        assert_eq!(e.code(), "jws.size");
        assert_eq!(code(parse_compact(&"a".repeat(MAX_LEN + 1))), "jws.size");
        // Exactly at the limit is fine, as far as size goes.
        let fits = k.sign_jws(Alg::ES384, &Map::new(), &json!({"pad": ""})).unwrap();
        let room = MAX_LEN - fits.len();
        let pad = "x".repeat(room / 4 * 3);
        let near = k.sign_jws(Alg::ES384, &Map::new(), &json!({"pad": pad})).unwrap();
        assert!(near.len() <= MAX_LEN, "{}", near.len());
        assert_eq!(verify(&near, &k), Ok(Alg::ES384));
    }
}
