//! Employer users' passwords: the rules a password must follow, in the spirit
//! of NIST SP 800-63B (length matters, composition rules do not: 12 to 128
//! characters of any kind but control characters, a minimum of variety, not
//! the account name), and their storage as an argon2id PHC string, exactly as
//! worker PINs are stored (argon2 crate defaults: m = 19456 KiB, t = 2, p = 1,
//! random 16-byte salt from aws-lc-rs). Verification is constant-time and
//! never fails loudly: a malformed stored hash simply does not match.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};

/// The fewest characters a password may have.
pub const PASSWORD_MIN: usize = 12;
/// The most characters a password may have.
pub const PASSWORD_MAX: usize = 128;
/// The fewest distinct characters a password must contain.
pub const DISTINCT_MIN: usize = 5;
/// The shortest account name a password is checked against (a shorter one would refuse too many passwords).
pub const ACCOUNT_MIN: usize = 4;

/// Why a password was refused, or could not be hashed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasswordError {
    #[error("a password needs at least {PASSWORD_MIN} characters, this one has {0}")]
    TooShort(usize),
    #[error("a password has at most {PASSWORD_MAX} characters, this one has {0}")]
    TooLong(usize),
    #[error("a password may not contain control characters (such as tabs or line breaks)")]
    ControlCharacter,
    #[error("a password needs at least {DISTINCT_MIN} different characters")]
    TooFewDistinct,
    #[error("a password may not contain the account name")]
    ContainsAccount,
    #[error("password hashing failed: {0}")]
    Hash(String),
}

impl PasswordError {
    /// The rule's stable code (`password.tooShort`, …), as refusals name it.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooShort(_) => "password.tooShort",
            Self::TooLong(_) => "password.tooLong",
            Self::ControlCharacter => "password.control",
            Self::TooFewDistinct => "password.distinct",
            Self::ContainsAccount => "password.account",
            Self::Hash(_) => "password.hash",
        }
    }
}

/// Checks the password rules, NIST SP 800-63B style: 12 to 128 characters (counted as Unicode scalar values), any
/// characters but control characters, at least 5 distinct characters, and not containing the account name
/// (case-insensitively, when the account name, trimmed, has at least 4 characters).
pub fn check_password(password: &str, account: &str) -> Result<(), PasswordError> {
    let length = password.chars().count();
    if length < PASSWORD_MIN {
        return Err(PasswordError::TooShort(length));
    }
    if length > PASSWORD_MAX {
        return Err(PasswordError::TooLong(length));
    }
    if password.chars().any(char::is_control) {
        return Err(PasswordError::ControlCharacter);
    }
    let mut distinct: Vec<char> = password.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < DISTINCT_MIN {
        return Err(PasswordError::TooFewDistinct);
    }
    let account = account.trim();
    if account.chars().count() >= ACCOUNT_MIN && password.to_lowercase().contains(&account.to_lowercase()) {
        return Err(PasswordError::ContainsAccount);
    }
    Ok(())
}

/// Hashes a password with argon2id (argon2 crate defaults: m=19456 KiB, t=2, p=1) and a random 16-byte salt;
/// returns the PHC string. Does not check the rules: call [`check_password`] first.
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    let mut salt = [0u8; 16];
    SystemRandom::new().fill(&mut salt).map_err(|_| PasswordError::Hash("no random salt available".into()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| PasswordError::Hash(e.to_string()))?;
    let hash =
        Argon2::default().hash_password(password.as_bytes(), &salt).map_err(|e| PasswordError::Hash(e.to_string()))?;
    Ok(hash.to_string())
}

/// Constant-time verification against a PHC string; false on any mismatch, on a malformed hash, on a hash that is
/// not argon2id, and on a password longer than [`PASSWORD_MAX`] characters (refused without hashing).
pub fn verify_password(password: &str, phc: &str) -> bool {
    // A char is at most 4 bytes: the byte test bounds the counting work on huge inputs.
    if password.len() > 4 * PASSWORD_MAX || password.chars().count() > PASSWORD_MAX {
        return false;
    }
    let Ok(hash) = PasswordHash::new(phc) else {
        return false;
    };
    if hash.algorithm != Algorithm::Argon2id.ident() {
        return false;
    }
    Argon2::default().verify_password(password.as_bytes(), &hash).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length() {
        assert_eq!(check_password("", "alice"), Err(PasswordError::TooShort(0)));
        assert_eq!(check_password("abcdefghijk", "alice"), Err(PasswordError::TooShort(11)));
        assert_eq!(check_password("abcdefghijkl", "alice"), Ok(()));
        // Counted as characters, not bytes: 11 two-byte characters are too short, 12 are enough.
        assert_eq!(check_password("éàèùçâêîôûë", "alice"), Err(PasswordError::TooShort(11)));
        assert_eq!(check_password("éàèùçâêîôûëï", "alice"), Ok(()));
        let longest: String = "abcdefgh".repeat(16);
        assert_eq!(check_password(&longest, "alice"), Ok(()));
        assert_eq!(check_password(&format!("{longest}x"), "alice"), Err(PasswordError::TooLong(129)));
        // 128 four-byte characters are fine.
        let emoji: String = ['🙂', '🙃', '😀', '😁', '😂', '😃', '😄', '😅'].iter().cycle().take(128).collect();
        assert_eq!(emoji.len(), 512);
        assert_eq!(check_password(&emoji, "alice"), Ok(()));
    }

    #[test]
    fn any_characters_but_control() {
        for good in [
            "correct horse battery staple",
            "   spaces   are fine   ",
            "Ünïcödé pâsswörd",
            "密码密码密码密码安全性很高",
        ] {
            assert_eq!(check_password(good, "alice"), Ok(()), "{good:?}");
        }
        for bad in
            ["correct horse\tbattery", "correct horse\nbattery", "correct\u{0}horse battery", "correct\u{7f}horse"]
        {
            assert_eq!(check_password(bad, "alice"), Err(PasswordError::ControlCharacter), "{bad:?}");
        }
    }

    #[test]
    fn distinct() {
        assert_eq!(check_password("aaaaaaaaaaaa", "alice"), Err(PasswordError::TooFewDistinct));
        assert_eq!(check_password("abababababab", "alice"), Err(PasswordError::TooFewDistinct));
        assert_eq!(check_password("abcdabcdabcd", "alice"), Err(PasswordError::TooFewDistinct));
        assert_eq!(check_password("abcdeabcdeab", "alice"), Ok(()));
        // Case makes characters distinct.
        assert_eq!(check_password("aAbBcaAbBcaA", "alice"), Ok(()));
    }

    #[test]
    fn account_name() {
        assert_eq!(check_password("my name is alice!", "alice"), Err(PasswordError::ContainsAccount));
        assert_eq!(check_password("my name is ALICE!", "Alice"), Err(PasswordError::ContainsAccount));
        assert_eq!(check_password("xx-dupont.bakery-xx", "Dupont.Bakery"), Err(PasswordError::ContainsAccount));
        assert_eq!(check_password("ÉMILE the baker", "émile"), Err(PasswordError::ContainsAccount));
        assert_eq!(check_password("my name is alice!", " alice "), Err(PasswordError::ContainsAccount));
        // Short account names are not checked.
        assert_eq!(check_password("my name is bob!!", "bob"), Ok(()));
        assert_eq!(check_password("my name is bob!!", ""), Ok(()));
        assert_eq!(check_password("my name is bob!!", "   "), Ok(()));
        assert_eq!(check_password("my name is alice!", "alicia"), Ok(()));
    }

    #[test]
    fn hash_and_verify() {
        let password = "correct horse battery staple";
        let phc = hash_password(password).expect("hash");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify_password(password, &phc));
        assert!(!verify_password("correct horse battery stapl", &phc));
        assert!(!verify_password("Correct horse battery staple", &phc));
        assert!(!verify_password("", &phc));
        assert!(!verify_password(password, "not a hash"));
        assert!(!verify_password(password, ""));
        assert!(!verify_password(password, &phc.replace("argon2id", "argon2i")));
        assert!(!verify_password(password, &phc[..phc.len() - 4]));
        let again = hash_password(password).expect("hash");
        assert_ne!(phc, again, "salted");
        assert!(verify_password(password, &again));
        // Hashing does not check the rules.
        let short = hash_password("short").expect("hash");
        assert!(verify_password("short", &short));
    }

    #[test]
    fn verify_refuses_too_long() {
        let longest: String = "abcdefgh".repeat(16);
        let phc = hash_password(&longest).expect("hash");
        assert!(verify_password(&longest, &phc));
        let too_long = format!("{longest}x");
        let phc = hash_password(&too_long).expect("hash");
        assert!(!verify_password(&too_long, &phc));
        assert!(!verify_password(&"x".repeat(1_000_000), &phc));
    }
}
