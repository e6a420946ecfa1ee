//! Time-based one-time passwords (TOTP, RFC 6238), the second factor of the
//! employers' online service: HMAC-SHA1 (RFC 4226 HOTP with dynamic
//! truncation), 6 digits, 30-second steps, as every authenticator app does it.
//! The secret travels to the app as RFC 4648 base32 inside an `otpauth://`
//! URI (usually shown as a QR code). Verification tolerates one step of clock
//! skew either way, compares in constant time, and refuses a step that was
//! already used, so a code works only once. Pure: time is passed in.

use aws_lc_rs::constant_time::verify_slices_are_equal;
use aws_lc_rs::hmac;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};

/// The number of digits of a code.
pub const DIGITS: u32 = 6;
/// The length of a time step, in seconds.
pub const STEP_SECONDS: i64 = 30;
/// The length of a secret made by [`new_secret`], in bytes (160 bits, the size RFC 4226 recommends for SHA-1).
pub const SECRET_LEN: usize = 20;

/// The RFC 4648 base32 alphabet.
const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Why a code was refused, or a secret could not be made or read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TotpError {
    #[error("a one-time code has exactly {DIGITS} digits (spaces allowed)")]
    Format,
    #[error("the one-time code is wrong or has expired")]
    Wrong,
    #[error("this one-time code was already used; wait for the next one")]
    Replayed,
    #[error("not a valid base32 string (letters A-Z and digits 2-7, optionally padded with =)")]
    Base32,
    #[error("no random secret available")]
    Random,
}

/// A new random 20-byte secret.
pub fn new_secret() -> Result<Vec<u8>, TotpError> {
    let mut secret = vec![0u8; SECRET_LEN];
    SystemRandom::new().fill(&mut secret).map_err(|_| TotpError::Random)?;
    Ok(secret)
}

/// RFC 4648 base32 without padding, in upper case.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let mut buffer: u16 = 0;
    let mut bits: u32 = 0;
    for &byte in bytes {
        buffer = (buffer << 8) | u16::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[usize::from((buffer >> bits) & 0x1f)]));
        }
        buffer &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[usize::from((buffer << (5 - bits)) & 0x1f)]));
    }
    out
}

/// Decodes RFC 4648 base32. Accepts lower case, spaces (anywhere, as people type a secret in groups) and trailing
/// `=` padding; refuses any other character, data after padding, and lengths no byte string encodes to (1, 3 or 6
/// characters past a multiple of 8). Leftover bits of the last character are ignored.
pub fn base32_decode(s: &str) -> Result<Vec<u8>, TotpError> {
    let mut out = Vec::with_capacity(s.len() * 5 / 8);
    let mut buffer: u16 = 0;
    let mut bits: u32 = 0;
    let mut chars: usize = 0;
    let mut padding = false;
    for c in s.chars() {
        let value = match c {
            ' ' => continue,
            '=' => {
                padding = true;
                continue;
            }
            _ if padding => return Err(TotpError::Base32),
            'A'..='Z' => c as u8 - b'A',
            'a'..='z' => c as u8 - b'a',
            '2'..='7' => c as u8 - b'2' + 26,
            _ => return Err(TotpError::Base32),
        };
        chars += 1;
        buffer = (buffer << 5) | u16::from(value);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xff) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    if matches!(chars % 8, 1 | 3 | 6) {
        return Err(TotpError::Base32);
    }
    Ok(out)
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(b"0123456789ABCDEF"[usize::from(b >> 4)]));
            out.push(char::from(b"0123456789ABCDEF"[usize::from(b & 0x0f)]));
        }
    }
    out
}

/// The key URI authenticator apps read (usually from a QR code):
/// `otpauth://totp/{issuer}:{account}?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30`, with the issuer and the
/// account percent-encoded (a colon inside either becomes `%3A`) and the secret in unpadded base32.
pub fn otpauth_uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    let issuer = percent_encode(issuer);
    format!(
        "otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        account = percent_encode(account),
        secret = base32_encode(secret),
    )
}

/// The code for a time step (HOTP, RFC 4226, with the step as the 8-byte big-endian counter and dynamic
/// truncation), zero-padded to 6 digits.
pub fn code_at_step(secret: &[u8], step: i64) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
    let tag = hmac::sign(&key, &step.to_be_bytes());
    let tag = tag.as_ref();
    let offset = tag.last().map_or(0, |b| usize::from(b & 0x0f));
    let word: [u8; 4] = tag.get(offset..offset + 4).and_then(|w| w.try_into().ok()).unwrap_or_default();
    let code = (u32::from_be_bytes(word) & 0x7fff_ffff) % 10u32.pow(DIGITS);
    format!("{code:0width$}", width = DIGITS as usize)
}

/// The time step a moment falls in (floor of the Unix time over 30 seconds, counted from the epoch).
pub fn step_of(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

/// Checks a code typed by a person (spaces allowed) against the steps now-1, now and now+1 (clock skew), in
/// constant time per candidate, and refuses any step <= `last_used_step` (replay: a code works once). Returns the
/// matched step, which the caller stores as the new `last_used_step`.
pub fn verify(secret: &[u8], code: &str, unix_seconds: i64, last_used_step: Option<i64>) -> Result<i64, TotpError> {
    // Anything this long is not a code a person typed; refuse it before looking at it char by char.
    if code.len() > 64 {
        return Err(TotpError::Format);
    }
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(TotpError::Format);
    }
    let now = step_of(unix_seconds);
    let mut accepted = None;
    let mut replayed = false;
    // Every candidate is computed and compared, whatever the outcome, so the timing tells nothing.
    for step in [now.checked_sub(1), Some(now), now.checked_add(1)].into_iter().flatten() {
        let matches = verify_slices_are_equal(code.as_bytes(), code_at_step(secret, step).as_bytes()).is_ok();
        if matches {
            if last_used_step.is_some_and(|last| step <= last) {
                replayed = true;
            } else {
                // The latest matching step wins, so that the stored last_used_step is as high as it can be.
                accepted = Some(step);
            }
        }
    }
    match accepted {
        Some(step) => Ok(step),
        None if replayed => Err(TotpError::Replayed),
        None => Err(TotpError::Wrong),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn rfc6238_sha1_vectors() {
        for (time, eight) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(code_at_step(RFC_SECRET, step_of(time)), eight[2..], "{time}");
            assert_eq!(verify(RFC_SECRET, &eight[2..], time, None), Ok(step_of(time)), "{time}");
        }
    }

    #[test]
    fn rfc4226_hotp_vectors() {
        let want = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"];
        for (counter, code) in want.iter().enumerate() {
            assert_eq!(code_at_step(RFC_SECRET, counter as i64), *code, "{counter}");
        }
    }

    #[test]
    fn steps() {
        assert_eq!(step_of(0), 0);
        assert_eq!(step_of(29), 0);
        assert_eq!(step_of(30), 1);
        assert_eq!(step_of(59), 1);
        assert_eq!(step_of(-1), -1);
        assert_eq!(step_of(i64::MIN), i64::MIN.div_euclid(30));
        assert_eq!(step_of(i64::MAX), i64::MAX / 30);
    }

    #[test]
    fn base32_rfc4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ] {
            assert_eq!(base32_encode(plain.as_bytes()), encoded);
            assert_eq!(base32_decode(encoded).as_deref(), Ok(plain.as_bytes()), "{encoded}");
        }
        // The padded forms of RFC 4648, lower case and spaces.
        for (plain, padded) in [
            ("f", "MY======"),
            ("fo", "MZXQ===="),
            ("foo", "MZXW6==="),
            ("foob", "MZXW6YQ="),
            ("foobar", "MZXW6YTBOI======"),
            ("foobar", "mzxw 6ytb oi"),
            ("foobar", " MzXw6YtBoI== "),
        ] {
            assert_eq!(base32_decode(padded).as_deref(), Ok(plain.as_bytes()), "{padded}");
        }
    }

    #[test]
    fn base32_refusals() {
        for bad in
            ["MZXW6YTB0I", "MZXW6YTB1I", "MZXW-6YTB", "MZ=XW", "MY=A", "M", "MZX", "MZXW6Y", "MZXW6YT\tB", "ＭＹ"]
        {
            assert_eq!(base32_decode(bad), Err(TotpError::Base32), "{bad:?}");
        }
    }

    #[test]
    fn base32_round_trip() {
        let bytes: Vec<u8> = (0..=255).collect();
        for len in 0..bytes.len() {
            assert_eq!(base32_decode(&base32_encode(&bytes[..len])).as_deref(), Ok(&bytes[..len]));
        }
    }

    #[test]
    fn secrets_are_random() {
        let a = new_secret().expect("secret");
        let b = new_secret().expect("secret");
        assert_eq!(a.len(), 20);
        assert_ne!(a, b);
        assert_eq!(base32_encode(&a).len(), 32);
    }

    #[test]
    fn uri() {
        assert_eq!(
            otpauth_uri("ciao", "alice@example.com", RFC_SECRET),
            "otpauth://totp/ciao:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ciao\
             &algorithm=SHA1&digits=6&period=30"
        );
        assert_eq!(
            otpauth_uri("Boulangerie Dupont & Fils", "émile:x", b"foo"),
            "otpauth://totp/Boulangerie%20Dupont%20%26%20Fils:%C3%A9mile%3Ax?secret=MZXW6\
             &issuer=Boulangerie%20Dupont%20%26%20Fils&algorithm=SHA1&digits=6&period=30"
        );
    }

    #[test]
    fn skew() {
        let now = 1_234_567_890;
        let step = step_of(now);
        for delta in [-1, 0, 1] {
            let code = code_at_step(RFC_SECRET, step + delta);
            assert_eq!(verify(RFC_SECRET, &code, now, None), Ok(step + delta), "{delta}");
        }
        for delta in [-2, 2, -3, 3] {
            let code = code_at_step(RFC_SECRET, step + delta);
            assert_eq!(verify(RFC_SECRET, &code, now, None), Err(TotpError::Wrong), "{delta}");
        }
        // Another secret's code does not work.
        let code = code_at_step(b"another secret of twenty", step);
        assert_eq!(verify(RFC_SECRET, &code, now, None), Err(TotpError::Wrong));
    }

    #[test]
    fn replay() {
        let now = 1_234_567_890;
        let step = step_of(now);
        let code = code_at_step(RFC_SECRET, step);
        let used = verify(RFC_SECRET, &code, now, None).expect("first use");
        assert_eq!(used, step);
        assert_eq!(verify(RFC_SECRET, &code, now, Some(used)), Err(TotpError::Replayed));
        assert_eq!(verify(RFC_SECRET, &code, now + 10, Some(used)), Err(TotpError::Replayed));
        // An older code, still within the skew window, is refused too once a newer step was used.
        let previous = code_at_step(RFC_SECRET, step - 1);
        assert_eq!(verify(RFC_SECRET, &previous, now, Some(used)), Err(TotpError::Replayed));
        // The next step's code still works, once.
        let next = code_at_step(RFC_SECRET, step + 1);
        assert_eq!(verify(RFC_SECRET, &next, now, Some(used)), Ok(step + 1));
        assert_eq!(verify(RFC_SECRET, &next, now, Some(step + 1)), Err(TotpError::Replayed));
        // A wrong code is wrong, not replayed.
        let wrong = code_at_step(RFC_SECRET, step + 5);
        assert_eq!(verify(RFC_SECRET, &wrong, now, Some(used)), Err(TotpError::Wrong));
    }

    #[test]
    fn typed_codes() {
        let now = 1_234_567_890;
        // "005924" at this time.
        for ok in ["005924", "005 924", " 00 59 24 ", "005\u{a0}924"] {
            assert_eq!(verify(RFC_SECRET, ok, now, None), Ok(step_of(now)), "{ok:?}");
        }
        let long = "1".repeat(10_000);
        for bad in ["", "05924", "0059240", "00592a", "-05924", "+05924", "００５９２４", "005-924", "5924.0", &long]
        {
            assert_eq!(verify(RFC_SECRET, bad, now, None), Err(TotpError::Format), "{bad:?}");
        }
    }

    #[test]
    fn extremes_do_not_panic() {
        for time in [i64::MIN, i64::MIN + 29, -1, 0, i64::MAX - 29, i64::MAX] {
            let code = code_at_step(b"", step_of(time));
            assert_eq!(code.len(), 6);
            assert_eq!(verify(b"", &code, time, None), Ok(step_of(time)));
            assert_eq!(verify(b"", &code, time, Some(i64::MAX)), Err(TotpError::Replayed));
        }
    }
}
