//! Where a person is signed in: one row per web session (a worker's phone,
//! an employer user's browser), so that they see their sessions and sign
//! one out, and so that signing out ends the session on the server too (a
//! copied cookie no longer works). A cookie names its session by the person
//! and the instant it was issued; sessions issued before rows were kept
//! have none and stay valid until they expire (or a new activation).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ciao_domain::Ssin;
use ciao_store::WebSession;
use time::{Duration, OffsetDateTime};

use crate::{Caller, Result, Service, ServiceError};

/// Whose session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    /// A worker's phone (`/w`, `/r`).
    Worker,
    /// An employer user's browser (`/e`).
    Employer,
}

impl SessionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Worker => "worker",
            Self::Employer => "employer",
        }
    }

    /// What the cookie's seal is made for.
    fn purpose(self) -> &'static str {
        match self {
            Self::Worker => "session",
            Self::Employer => "employer-session",
        }
    }

    fn lifetime(self) -> Duration {
        match self {
            Self::Worker => crate::worker::SESSION_LIFETIME,
            Self::Employer => crate::employer::EMPLOYER_SESSION_LIFETIME,
        }
    }
}

/// A session a cookie names that still holds: signature, lifetime, the
/// person's later activation or enrolment, and sign-outs checked.
pub(crate) struct LiveSession {
    pub(crate) ssin: Ssin,
    /// The instant it was issued (names its row).
    pub(crate) issued_at: OffsetDateTime,
    /// Sessions of the person issued before this no longer count.
    pub(crate) valid_after: OffsetDateTime,
}

/// A session as its person's page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionView {
    /// What names it in a form (microseconds since the epoch).
    pub id: i64,
    pub signed_in_at: OffsetDateTime,
    pub provider: String,
    pub device: String,
    pub last_seen_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    /// The session of the request.
    pub current: bool,
}

/// The schema version since which every session has its row.
pub(crate) const SESSIONS_SCHEMA_VERSION: i64 = 11;

/// How often a session's "last seen" is written (not at every request).
const TOUCH_EVERY: Duration = Duration::minutes(5);
/// A short description of a browser from its User-Agent: "Chrome on
/// Android", "Safari on iPhone", … (empty when nothing is recognised).
pub fn describe_device(user_agent: &str) -> String {
    let ua = user_agent;
    let browser = if ua.contains("Edg/") {
        "Edge"
    } else if ua.contains("OPR/") || ua.contains("Opera") {
        "Opera"
    } else if ua.contains("SamsungBrowser") {
        "Samsung Internet"
    } else if ua.contains("Firefox/") || ua.contains("FxiOS") {
        "Firefox"
    } else if ua.contains("Chrome/") || ua.contains("CriOS") || ua.contains("Chromium") {
        "Chrome"
    } else if ua.contains("Safari/") {
        "Safari"
    } else {
        ""
    };
    let system = if ua.contains("iPhone") {
        "iPhone"
    } else if ua.contains("iPad") {
        "iPad"
    } else if ua.contains("Android") {
        "Android"
    } else if ua.contains("Windows") {
        "Windows"
    } else if ua.contains("Mac OS X") || ua.contains("Macintosh") {
        "macOS"
    } else if ua.contains("CrOS") {
        "ChromeOS"
    } else if ua.contains("Linux") {
        "Linux"
    } else {
        ""
    };
    match (browser, system) {
        ("", "") => String::new(),
        (b, "") => b.to_string(),
        ("", s) => s.to_string(),
        (b, s) => format!("{b} · {s}"),
    }
}

/// The start of an encrypted session cookie's value.
const PRIVATE_COOKIE: &str = "p.";

impl Service {
    /// A session cookie's value: its payload encrypted (AES-256-GCM, bound to
    /// the kind of session), so that the person's SSIN is not readable by
    /// whoever sees the cookie (a proxy's log, a shared computer).
    fn seal_cookie(&self, kind: SessionKind, payload: &str) -> Result<String> {
        Ok(format!("{PRIVATE_COOKIE}{}", self.seal_private(kind.purpose(), payload)?))
    }

    /// `payload` encrypted (AES-256-GCM under a key derived from the
    /// server's secret, bound to `purpose`), as URL-safe base64: for values
    /// that travel through the browser but must not be readable there (a
    /// session's person, an SSIN in a page's address).
    pub(crate) fn seal_private(&self, purpose: &str, payload: &str) -> Result<String> {
        let sealed = self
            .cookies
            .seal(purpose.as_bytes(), payload.as_bytes())
            .map_err(|e| ServiceError::Internal(format!("a value could not be sealed: {e}")))?;
        Ok(URL_SAFE_NO_PAD.encode(sealed))
    }

    /// Opens [`Service::seal_private`]'s value; None when this service did
    /// not seal it for `purpose`, or it is longer than any it seals (512).
    pub(crate) fn open_private(&self, purpose: &str, sealed: &str) -> Option<String> {
        if sealed.len() > 512 {
            return None;
        }
        let sealed = URL_SAFE_NO_PAD.decode(sealed).ok()?;
        String::from_utf8(self.cookies.open(purpose.as_bytes(), &sealed).ok()?).ok()
    }

    /// A new session of `kind` for `ssin`: the cookie's value (sealed
    /// person and issue instant) and its expiry; its row kept, with the
    /// provider.
    pub(crate) async fn open_session(
        &self,
        kind: SessionKind,
        ssin: &Ssin,
        provider: &str,
        now: OffsetDateTime,
    ) -> Result<(String, OffsetDateTime)> {
        let issued = ciao_domain::clock::to_micros(now);
        // The provider is kept in the row; older cookies carry it as a third
        // part, which nothing reads.
        let cookie = self.seal_cookie(kind, &format!("{}|{issued}", ssin.as_str()))?;
        let expires_at = now + kind.lifetime();
        let session = WebSession {
            issued_at: now,
            provider: provider.to_string(),
            device: String::new(),
            last_seen_at: now,
            expires_at,
            revoked_at: None,
        };
        self.store.add_web_session(kind.as_str(), ssin, &session).await?;
        Ok((cookie, expires_at))
    }

    /// The session a cookie of `kind` names, when it still holds; notes when
    /// it was last seen (at most every few minutes).
    pub(crate) async fn live_session(&self, kind: SessionKind, cookie: &str) -> Result<Option<LiveSession>> {
        let Some((ssin, issued_at)) = self.session_of(kind, cookie) else {
            return Ok(None);
        };
        let now = self.now();
        if now >= issued_at + kind.lifetime() {
            return Ok(None);
        }
        // One read: the credentials' cut-off and the session's row.
        let Some((valid_after, row)) = self.store.session_state(kind.as_str(), &ssin, issued_at).await? else {
            return Ok(None);
        };
        if issued_at < valid_after {
            return Ok(None);
        }
        match row {
            Some(row) if row.revoked_at.is_some() => return Ok(None),
            Some(row) => {
                if now - row.last_seen_at >= TOUCH_EVERY {
                    self.store.touch_web_session(kind.as_str(), &ssin, issued_at, None, now).await?;
                }
            }
            // Issued before rows were kept: valid until it expires.
            None if issued_at < self.sessions_kept_since => {}
            // Issued since, and its row is gone: not a session any more.
            None => return Ok(None),
        }
        Ok(Some(LiveSession { ssin, issued_at, valid_after }))
    }

    /// The person and issue instant a cookie of `kind` names (sealed by this
    /// service), whether or not the session still holds.
    fn session_of(&self, kind: SessionKind, cookie: &str) -> Option<(Ssin, OffsetDateTime)> {
        let payload = match cookie.strip_prefix(PRIVATE_COOKIE) {
            Some(sealed) => self.open_private(kind.purpose(), sealed)?,
            // A cookie issued before they were encrypted: signed only.
            None => self.sealer.open(kind.purpose(), cookie)?,
        };
        let mut parts = payload.split('|');
        let ssin = Ssin::parse(parts.next()?).ok()?;
        let issued = parts.next()?.parse::<i64>().ok()?;
        Some((ssin, ciao_domain::clock::from_micros(issued)))
    }

    /// Notes the browser of a session just opened (at sign-in, with the
    /// cookie [`Self::open_session`] made): one update of its row, without
    /// checking again what the sign-in has just checked.
    pub async fn describe_session(&self, kind: SessionKind, cookie: &str, user_agent: &str) -> Result<()> {
        let Some((ssin, issued_at)) = self.session_of(kind, cookie) else {
            return Ok(());
        };
        let device = describe_device(user_agent);
        Ok(self.store.touch_web_session(kind.as_str(), &ssin, issued_at, Some(&device), self.now()).await?)
    }

    /// The sessions of the person signed in with `cookie`, newest first,
    /// the current one marked; None when the cookie is not a valid session.
    pub async fn sessions(&self, kind: SessionKind, cookie: &str) -> Result<Option<Vec<SessionView>>> {
        let Some(live) = self.live_session(kind, cookie).await? else {
            return Ok(None);
        };
        let rows = self.store.web_sessions(kind.as_str(), &live.ssin, self.now()).await?;
        Ok(Some(
            rows.into_iter()
                // Sessions from before a new activation or enrolment no longer count.
                .filter(|s| s.issued_at >= live.valid_after)
                .map(|s| SessionView {
                    id: ciao_domain::clock::to_micros(s.issued_at),
                    current: s.issued_at == live.issued_at,
                    signed_in_at: s.issued_at,
                    provider: s.provider,
                    device: s.device,
                    last_seen_at: s.last_seen_at,
                    expires_at: s.expires_at,
                })
                .collect(),
        ))
    }

    /// Signs out one of the person's sessions (`id` from [`SessionView`]),
    /// or every other one when `id` is None; audited. How many ended.
    pub async fn end_sessions(&self, kind: SessionKind, cookie: &str, id: Option<i64>) -> Result<u64> {
        let Some(LiveSession { ssin, issued_at: current, .. }) = self.live_session(kind, cookie).await? else {
            return Err(ServiceError::forbidden("denied.signInFirst", "sign in first"));
        };
        let now = self.now();
        let (one, keep) = match id {
            Some(id) => (Some(ciao_domain::clock::from_micros(id)), None),
            None => (None, Some(current)),
        };
        let n = self.store.revoke_web_sessions(kind.as_str(), &ssin, one, keep, now).await?;
        if id.is_some() && n == 0 {
            return Err(ServiceError::not_found(
                "denied.sessionUnknown",
                "this session is not one of yours, or it has ended already",
            ));
        }
        if n == 0 {
            return Ok(0);
        }
        let action = format!("{}.sessions_ended", kind.as_str());
        let detail = serde_json::json!({ "sessions": n, "others": id.is_none() });
        match kind {
            // In the log of the user's enterprise, as their other security events.
            SessionKind::Employer => {
                let user = self.employer_user(ssin).await?;
                let enterprise = crate::employer::first_enterprise(&user);
                self.audit_in(&user.caller(), enterprise, &action, None, detail).await?;
            }
            SessionKind::Worker => {
                let caller = Caller::Person { ssin, name: String::new() };
                self.audit(&caller, &action, None, detail).await?;
            }
        }
        Ok(n)
    }

    /// Signing out: the session of the cookie ends on the server too.
    pub async fn sign_out(&self, kind: SessionKind, cookie: &str) -> Result<()> {
        if let Some(live) = self.live_session(kind, cookie).await? {
            self.store.revoke_web_sessions(kind.as_str(), &live.ssin, Some(live.issued_at), None, self.now()).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::describe_device;

    #[test]
    fn devices_are_described_shortly() {
        let android = "Mozilla/5.0 (Linux; Android 14; SM-A145R) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";
        assert_eq!(describe_device(android), "Chrome · Android");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
        assert_eq!(describe_device(iphone), "Safari · iPhone");
        let firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
        assert_eq!(describe_device(firefox), "Firefox · Windows");
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0";
        assert_eq!(describe_device(edge), "Edge · Windows");
        assert_eq!(describe_device("curl/8.5.0"), "");
        assert_eq!(describe_device(""), "");
    }
}
