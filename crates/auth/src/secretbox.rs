//! Secrets kept encrypted at rest (the employer users' TOTP secrets): AES-256-GCM
//! under a key that lives outside the database (`ciao serve` reads it from a
//! key file), each value bound to what it belongs to by the associated data,
//! so a sealed value copied to another row does not open there.
//!
//! A sealed value is `0x01 ‖ nonce (12 bytes, random) ‖ ciphertext ‖ tag (16
//! bytes)`. The key is identified by a fingerprint (an HMAC of a fixed text
//! under the key) that says which key a database needs without revealing it.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::hmac;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};

/// Bytes of a key.
pub const KEY_LEN: usize = 32;
const VERSION: u8 = 1;
const TAG_LEN: usize = 16;
/// What sealing adds to a value: version, nonce and tag.
pub const OVERHEAD: usize = 1 + NONCE_LEN + TAG_LEN;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretBoxError {
    #[error("a key has {KEY_LEN} bytes, this one {0}")]
    KeyLength(usize),
    #[error("the system's random generator failed")]
    Random,
    #[error("not a sealed value (too short or of an unknown version)")]
    Format,
    #[error("a key is written in hexadecimal digits only")]
    NotHex,
    #[error("the value does not open with this key (another key, another owner, or altered)")]
    Open,
}

/// A key to seal and open secrets with.
pub struct SecretBox {
    key: LessSafeKey,
    fingerprint: String,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretBox").field("fingerprint", &self.fingerprint).finish_non_exhaustive()
    }
}

/// A new random key.
pub fn generate_key() -> Result<[u8; KEY_LEN], SecretBoxError> {
    let mut key = [0u8; KEY_LEN];
    SystemRandom::new().fill(&mut key).map_err(|_| SecretBoxError::Random)?;
    Ok(key)
}

impl SecretBox {
    pub fn new(key: &[u8]) -> Result<Self, SecretBoxError> {
        if key.len() != KEY_LEN {
            return Err(SecretBoxError::KeyLength(key.len()));
        }
        let unbound = UnboundKey::new(&AES_256_GCM, key).map_err(|_| SecretBoxError::KeyLength(key.len()))?;
        let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), b"ciao secrets key fingerprint v1");
        let fingerprint = crate::hex(&tag.as_ref()[..8]);
        Ok(Self { key: LessSafeKey::new(unbound), fingerprint })
    }

    /// 16 hex digits that name the key (not a secret).
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Encrypts `plaintext` for the owner named by `aad`.
    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, SecretBoxError> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new().fill(&mut nonce).map_err(|_| SecretBoxError::Random)?;
        let mut body = plaintext.to_vec();
        self.key
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(aad), &mut body)
            .map_err(|_| SecretBoxError::Random)?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + body.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&body);
        Ok(out)
    }

    /// Decrypts a value sealed for the owner named by `aad`.
    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, SecretBoxError> {
        if sealed.len() < OVERHEAD || sealed[0] != VERSION {
            return Err(SecretBoxError::Format);
        }
        let nonce = Nonce::try_assume_unique_for_key(&sealed[1..1 + NONCE_LEN]).map_err(|_| SecretBoxError::Format)?;
        let mut body = sealed[1 + NONCE_LEN..].to_vec();
        let plain = self.key.open_in_place(nonce, Aad::from(aad), &mut body).map_err(|_| SecretBoxError::Open)?;
        Ok(plain.to_vec())
    }
}

/// The key as it is written in a key file: 64 hexadecimal digits.
pub fn key_to_hex(key: &[u8; KEY_LEN]) -> String {
    crate::hex(key)
}

/// A key file's content: 64 hexadecimal digits, surrounding white space ignored.
pub fn key_from_hex(text: &str) -> Result<[u8; KEY_LEN], SecretBoxError> {
    let text = text.trim();
    if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(SecretBoxError::NotHex);
    }
    if text.len() != 2 * KEY_LEN {
        return Err(SecretBoxError::KeyLength(text.len() / 2));
    }
    let mut key = [0u8; KEY_LEN];
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|_| SecretBoxError::NotHex)?;
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn boxed(seed: u8) -> SecretBox {
        SecretBox::new(&[seed; KEY_LEN]).unwrap()
    }

    #[test]
    fn opens_what_it_sealed_for_the_same_owner_only() {
        let b = boxed(7);
        let sealed = b.seal(b"owner-1", b"twenty bytes secret!").unwrap();
        assert_eq!(sealed.len(), 20 + OVERHEAD);
        assert_eq!(sealed[0], VERSION);
        assert_eq!(b.open(b"owner-1", &sealed).unwrap(), b"twenty bytes secret!");
        assert_eq!(b.open(b"owner-2", &sealed), Err(SecretBoxError::Open));
        assert_eq!(boxed(8).open(b"owner-1", &sealed), Err(SecretBoxError::Open));
        // Two seals of the same value differ (random nonce).
        assert_ne!(b.seal(b"owner-1", b"x").unwrap(), b.seal(b"owner-1", b"x").unwrap());
    }

    #[test]
    fn refuses_altered_short_and_unknown_values() {
        let b = boxed(1);
        let sealed = b.seal(b"o", b"secret").unwrap();
        for i in 0..sealed.len() {
            let mut altered = sealed.clone();
            altered[i] ^= 0x01;
            assert!(b.open(b"o", &altered).is_err(), "byte {i} altered");
        }
        assert_eq!(b.open(b"o", &sealed[..OVERHEAD - 1]), Err(SecretBoxError::Format));
        assert_eq!(b.open(b"o", &[0u8; 20]), Err(SecretBoxError::Format));
    }

    #[test]
    fn keys_and_fingerprints() {
        assert_eq!(SecretBox::new(&[0u8; 31]).err(), Some(SecretBoxError::KeyLength(31)));
        assert_eq!(boxed(3).fingerprint(), boxed(3).fingerprint());
        assert_ne!(boxed(3).fingerprint(), boxed(4).fingerprint());
        assert_eq!(boxed(3).fingerprint().len(), 16);
        let key = generate_key().unwrap();
        assert_ne!(key, generate_key().unwrap());
        assert_eq!(key_from_hex(&format!(" {}\n", key_to_hex(&key))).unwrap(), key);
        assert!(key_from_hex("abc").is_err());
        assert!(key_from_hex(&"g".repeat(64)).is_err());
        assert!(!format!("{:?}", boxed(5)).contains("key:"), "the key is not printed");
    }

    proptest! {
        #[test]
        fn any_value_round_trips(plain in proptest::collection::vec(any::<u8>(), 0..64), aad in "[a-z0-9]{0,20}") {
            let b = boxed(9);
            let sealed = b.seal(aad.as_bytes(), &plain).unwrap();
            prop_assert_eq!(b.open(aad.as_bytes(), &sealed).unwrap(), plain);
        }

        #[test]
        fn garbage_never_opens(garbage in proptest::collection::vec(any::<u8>(), 0..100)) {
            prop_assert!(boxed(2).open(b"o", &garbage).is_err());
        }
    }
}
