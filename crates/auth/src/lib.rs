//! Authentication of ciao's REST clients, as the Belgian social security's
//! REST channel does it: an X.509 certificate per REST account, checked
//! against the official policy; OAuth2 client credentials with a JWT client
//! assertion (RFC 7523) signed by the certificate's key; short-lived access
//! tokens of ciao's own, cheap to check. Pure: no I/O, time passed in.

pub mod assertion;
pub mod bearer;
pub mod certificate;
pub mod client;
pub mod jws;
pub mod password;
pub mod pin;
pub mod secretbox;
pub mod token;
pub mod totp;
pub mod webauthn;

/// Bytes as lowercase hexadecimal digits (fingerprints, key files, hashes).
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(2 * bytes.len()), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
