//! Worker PINs: the rules a PIN must follow, and its storage as an argon2id
//! PHC string (argon2 crate defaults: m = 19456 KiB, t = 2, p = 1, random
//! 16-byte salt from aws-lc-rs). Verification is constant-time and never
//! fails loudly: a malformed stored hash simply does not match.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};

/// The fewest digits a PIN may have.
pub const PIN_MIN: usize = 6;
/// The most digits a PIN may have.
pub const PIN_MAX: usize = 12;

/// Why a PIN was refused, or could not be hashed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PinError {
    #[error("a PIN may contain only the digits 0 to 9")]
    NotDigits,
    #[error("a PIN needs at least {PIN_MIN} digits, this one has {0}")]
    TooShort(usize),
    #[error("a PIN has at most {PIN_MAX} digits, this one has {0}")]
    TooLong(usize),
    #[error("a PIN may not repeat a single digit (like 111111)")]
    AllSameDigit,
    #[error("a PIN may not be an ascending or descending run of digits (like 123456 or 987654)")]
    Sequence,
    #[error("PIN hashing failed: {0}")]
    Hash(String),
}

/// Checks the PIN rules: only ASCII digits, 6 to 12 of them, not all the same digit (111111), not an ascending or
/// descending run (123456, 987654; a run may wrap around 9-0, as in 7890123).
pub fn check_pin(pin: &str) -> Result<(), PinError> {
    if !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PinError::NotDigits);
    }
    let digits = pin.as_bytes();
    if digits.len() < PIN_MIN {
        return Err(PinError::TooShort(digits.len()));
    }
    if digits.len() > PIN_MAX {
        return Err(PinError::TooLong(digits.len()));
    }
    // Step from each digit to the next, modulo 10: all 0 is one repeated digit, all 1 or all 9 a run.
    let step = |w: &[u8]| (w[1] + 10 - w[0]) % 10;
    let first = step(&digits[..2]);
    if digits.windows(2).all(|w| step(w) == first) {
        match first {
            0 => return Err(PinError::AllSameDigit),
            1 | 9 => return Err(PinError::Sequence),
            _ => {}
        }
    }
    Ok(())
}

/// Checks the PIN rules, then hashes it with argon2id (argon2 crate defaults: m=19456 KiB, t=2, p=1) and a random
/// 16-byte salt; returns the PHC string.
pub fn hash_pin(pin: &str) -> Result<String, PinError> {
    check_pin(pin)?;
    let mut salt = [0u8; 16];
    SystemRandom::new().fill(&mut salt).map_err(|_| PinError::Hash("no random salt available".into()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| PinError::Hash(e.to_string()))?;
    let hash = Argon2::default().hash_password(pin.as_bytes(), &salt).map_err(|e| PinError::Hash(e.to_string()))?;
    Ok(hash.to_string())
}

/// Constant-time verification against a PHC string; false on any mismatch, on a malformed hash, on a hash that is
/// not argon2id, and on a PIN longer than [`PIN_MAX`] (which no hash of [`hash_pin`] can match).
pub fn verify_pin(pin: &str, phc: &str) -> bool {
    if pin.len() > PIN_MAX {
        return false;
    }
    let Ok(hash) = PasswordHash::new(phc) else {
        return false;
    };
    if hash.algorithm != Algorithm::Argon2id.ident() {
        return false;
    }
    Argon2::default().verify_password(pin.as_bytes(), &hash).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        for good in ["493027", "123457", "000001", "135792", "246813579024", "102938"] {
            assert_eq!(check_pin(good), Ok(()), "{good}");
        }
        for (bad, want) in [
            ("", PinError::TooShort(0)),
            ("12a456", PinError::NotDigits),
            ("４９３０２７", PinError::NotDigits),
            (" 493027", PinError::NotDigits),
            ("49302", PinError::TooShort(5)),
            ("4930274930271", PinError::TooLong(13)),
            ("111111", PinError::AllSameDigit),
            ("000000000000", PinError::AllSameDigit),
            ("123456", PinError::Sequence),
            ("987654", PinError::Sequence),
            ("1234567890", PinError::Sequence),
            ("3210987", PinError::Sequence),
        ] {
            assert_eq!(check_pin(bad), Err(want), "{bad:?}");
        }
    }

    #[test]
    fn hash_and_verify() {
        let phc = hash_pin("493027").expect("hash");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify_pin("493027", &phc));
        assert!(!verify_pin("493028", &phc));
        assert!(!verify_pin("", &phc));
        assert!(!verify_pin("493027", "not a hash"));
        assert!(!verify_pin("493027", &phc.replace("argon2id", "argon2i")));
        assert!(!verify_pin("493027", &phc[..phc.len() - 4]));
        let again = hash_pin("493027").expect("hash");
        assert_ne!(phc, again, "salted");
        assert!(verify_pin("493027", &again));
        assert_eq!(hash_pin("123456"), Err(PinError::Sequence));
    }
}
