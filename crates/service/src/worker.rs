//! The smartphone channel: a worker signs in as a person and registers their
//! own presence on a workplace, IN and OUT, through its QR code or URL.
//!
//! Identity sits behind one seam: whatever proves who the worker is (the
//! built-in activation code + PIN or passkey here; an OpenID Connect provider
//! such as the national eID/itsme login later) ends in
//! [`Service::open_worker_session`], and every later request comes back as a
//! [`Caller::Person`] through [`Service::worker_from_session`]. The
//! registration code only ever sees that caller.
//!
//! Signed values (sessions, enrolment tickets, passkey challenges, rotating
//! site codes) are `base64url(payload).base64url(hmac)`, the HMAC over a
//! purpose and the payload with a server secret shared by every node.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ciao_auth::token::{TokenKey, random_bytes, sha256_hex};
use ciao_auth::webauthn::{self, RelyingParty};
use ciao_domain::reference::DeclarationDetails;
use ciao_domain::search::{SearchCriteria, Sort, SortKey};
use ciao_domain::{
    Channel, EnterpriseNumber, FieldError, Person, Registration, RegistrationInput, RegistrationType, Ssin, Validity,
};
use ciao_store::{Enrolment, PasskeyRecord, PersonEnterprise};
use time::{Duration, OffsetDateTime};

use crate::sessions::SessionKind;
use crate::{Caller, ItemResult, Result, Service, ServiceError};

/// How long "remember this phone" keeps a worker signed in.
pub const SESSION_LIFETIME: Duration = Duration::days(90);
/// How long an activation code may wait to be used.
pub const ACTIVATION_LIFETIME: Duration = Duration::days(14);
/// How long a worker has between entering the code and setting up sign-in.
const ENROLMENT_LIFETIME: Duration = Duration::minutes(15);
/// How long a passkey ceremony may take (workers' and employer users'
/// alike: used challenges are remembered this long, see
/// `remember_passkey_challenge`).
pub(crate) const CHALLENGE_LIFETIME: Duration = Duration::minutes(5);
/// Wrong PINs in a row before the PIN is locked, and for how long.
pub const PIN_MAX_ATTEMPTS: i64 = 5;
pub const PIN_LOCK: Duration = Duration::minutes(15);
/// A site display shows a new code every this many seconds.
pub const SITE_CODE_PERIOD_SECONDS: i64 = 30;
/// How far back the registration page looks for the person's state: an IN
/// of a night shift stays open across midnight, as long as the validation
/// pairs it ([`ciao_domain::remarks::SHIFT_MAX`]).
pub const LOOK_BACK: Duration = ciao_domain::remarks::SHIFT_MAX;
/// The alphabet of activation codes (no 0/O, 1/I).
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// The name of the workers' signing secret in the database.
pub(crate) const WORKER_SECRET: &str = "worker-hmac-v1";

/// A new activation code, to be printed once.
#[derive(Debug, Clone)]
pub struct ActivationCode {
    pub code: String,
    pub ssin: Ssin,
    pub expires_at: OffsetDateTime,
}

/// A checked activation code, valid for a few minutes, to set up sign-in.
#[derive(Debug, Clone)]
pub struct EnrolmentTicket {
    pub ticket: String,
    pub ssin: Ssin,
}

/// What the browser needs to create or use a passkey.
#[derive(Debug, Clone)]
pub struct PasskeyCeremony {
    /// base64url challenge.
    pub challenge: String,
    /// Signed state to send back with the answer.
    pub state: String,
    pub rp_id: String,
    /// base64url user handle (creation only).
    pub user_id: String,
    pub user_name: String,
}

/// A browser's answer to a passkey ceremony, every binary field base64url.
#[derive(Debug, Clone, Default)]
pub struct PasskeyAnswer {
    pub state: String,
    pub credential_id: String,
    pub client_data_json: String,
    pub authenticator_data: String,
    /// Creation: the SPKI public key. Sign-in: unused.
    pub public_key: String,
    pub algorithm: i64,
    /// Sign-in: the signature.
    pub signature: String,
}

/// A signed-in worker: the session cookie's value and who it is.
#[derive(Debug, Clone)]
pub struct WorkerSession {
    pub cookie: String,
    pub caller: Caller,
    pub expires_at: OffsetDateTime,
}

/// The person's current state on a workplace.
#[derive(Debug, Clone, PartialEq)]
pub struct PresenceState {
    pub kind: RegistrationType,
    pub since: OffsetDateTime,
}

/// The person is still IN on another workplace (their latest registration
/// of the last 24 hours, anywhere, is an IN there).
#[derive(Debug, Clone)]
pub struct ElsewhereIn {
    pub declaration: DeclarationDetails,
    pub since: OffsetDateTime,
    /// The employer of that IN, to register the OUT with.
    pub employer: Option<EnterpriseNumber>,
}

/// Why a tap on this workplace's page today would give an invalid
/// registration (or none is needed): said on the page before the tap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkplaceNotice {
    /// The declaration starts later.
    NotStarted(time::Date),
    /// The declaration ended before today.
    Ended(time::Date),
    /// The declaration is not subject to registration of presences.
    NotSubject,
    /// None of the person's known employers of today is in the declaration's
    /// chain (declaring contractor or subcontractor).
    EmployerNotInChain,
}

/// What the registration page shows.
#[derive(Debug, Clone)]
pub struct WorkplaceView {
    pub declaration: DeclarationDetails,
    /// The person's state on this workplace: their last registration here,
    /// an IN of the last 16 hours (a night shift crosses midnight) or an OUT
    /// of today.
    pub state: Option<PresenceState>,
    /// Still IN on another workplace: the last registration there, in the
    /// last 16 hours, is an IN (the most recent such workplace).
    pub elsewhere: Option<ElsewhereIn>,
    /// What the worker should know before tapping.
    pub notices: Vec<WorkplaceNotice>,
    /// The action the big button offers.
    pub next: RegistrationType,
    /// The enterprises the person may register for here (employments and
    /// founder periods of today, those in the declaration's chain first;
    /// only those when there are any).
    pub employers: Vec<PersonEnterprise>,
    /// Whether `employers` are in the declaration's chain (false: none is,
    /// and the worker may type another enterprise number).
    pub employers_in_chain: bool,
    /// The employer chosen last time on this workplace, or the only one.
    pub chosen: Option<EnterpriseNumber>,
}

/// A tap on the registration page.
#[derive(Debug, Clone, Default)]
pub struct PhoneRegistration {
    pub kind: Option<String>,
    pub employer: Option<String>,
    /// The phone's position, with the worker's consent, as the page sent
    /// it (decimal degrees, a decimal point or comma); empty or absent: not
    /// given. A value that is not a number is refused, never dropped.
    pub latitude: Option<String>,
    pub longitude: Option<String>,
    /// The position's accuracy, a radius in metres; only with a position.
    pub accuracy: Option<String>,
    /// Random per rendered page: a double tap or a retry registers once.
    pub idempotency_key: Option<String>,
    /// The rotating code of a site display, when the worker scanned one.
    pub site_code: Option<String>,
}

/// Signs and opens the server's small signed values.
pub(crate) struct Sealer(TokenKey);

/// How long a count of wrong PINs for an SSIN without a PIN is kept after
/// its last miss (the store's `pin_misses`; a real PIN's count is kept until
/// it is entered right).
pub(crate) const PIN_MISSES_KEPT: Duration = Duration::days(30);

/// A PIN hash that no PIN is checked against for real: verifying a PIN for
/// an SSIN without one costs the same time as for one with a PIN.
fn decoy_pin_hash() -> Option<&'static str> {
    static DECOY: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| ciao_auth::pin::hash_pin("580394").ok()).as_deref()
}

impl Sealer {
    pub(crate) fn new(secret: &[u8]) -> Self {
        Self(TokenKey::from_secret(secret))
    }

    pub(crate) fn seal(&self, purpose: &str, payload: &str) -> String {
        let mac = self.0.mac(format!("{purpose}\0{payload}").as_bytes());
        format!("{}.{}", URL_SAFE_NO_PAD.encode(payload), URL_SAFE_NO_PAD.encode(mac))
    }

    /// A stable opaque identifier of `payload` for `purpose`: the first 16
    /// bytes of its MAC (a passkey's user handle: the same for the same
    /// person, telling nothing about them without the server's secret).
    pub(crate) fn handle(&self, purpose: &str, payload: &str) -> Vec<u8> {
        self.0.mac(format!("{purpose}\0{payload}").as_bytes())[..16].to_vec()
    }

    /// `{number}.{base64url of the first 12 bytes of the MAC}`, the MAC over
    /// the purpose, a context and the number.
    fn short_seal(&self, purpose: &str, context: &str, number: i64) -> String {
        let mac = self.0.mac(format!("{purpose}\0{context}|{number}").as_bytes());
        format!("{number}.{}", URL_SAFE_NO_PAD.encode(&mac[..12]))
    }

    fn open_short(&self, purpose: &str, context: &str, sealed: &str) -> Option<i64> {
        let (number, mac) = sealed.split_once('.')?;
        if number.len() > 20 || mac.len() != 16 {
            return None;
        }
        let number: i64 = number.parse().ok()?;
        let given = URL_SAFE_NO_PAD.decode(mac).ok()?;
        let expected = self.0.mac(format!("{purpose}\0{context}|{number}").as_bytes());
        // Compared without early exit (constant time).
        let same = given.len() == 12 && given.iter().zip(&expected[..12]).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
        same.then_some(number)
    }

    pub(crate) fn open(&self, purpose: &str, sealed: &str) -> Option<String> {
        if sealed.len() > 2048 {
            return None;
        }
        let (payload, mac) = sealed.split_once('.')?;
        let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
        let mac = URL_SAFE_NO_PAD.decode(mac).ok()?;
        self.0.verify_mac(format!("{purpose}\0{payload}").as_bytes(), &mac).then_some(payload)
    }
}

/// The position of a tap: latitude and longitude together, the accuracy
/// only with them. A value that does not read as a number is refused with
/// its field (the range is the registration's rule, checked with the rest).
fn phone_position(errors: &mut Vec<FieldError>, tap: &PhoneRegistration) -> (Option<(f64, f64)>, Option<f64>) {
    let given = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.trim().is_empty());
    let mut number = |name: &str, value: &Option<String>, what: &str| {
        let text = value.as_deref().map(str::trim).filter(|v| !v.is_empty())?;
        let n = crate::declarations::decimal(text);
        if n.is_none() {
            errors.push(FieldError::new(
                format!("placeOfWork.coordinates.{name}"),
                "coordinates.number",
                format!("{name} is not a number: {what} (a decimal point or comma)"),
            ));
        }
        n
    };
    let position = "the phone's position is latitude and longitude in decimal degrees, such as 50.8466 and 4.3528";
    let latitude = number("latitude", &tap.latitude, position);
    let longitude = number("longitude", &tap.longitude, position);
    let accuracy = number("accuracy", &tap.accuracy, "the accuracy is a radius in metres, such as 12.5");
    match (given(&tap.latitude), given(&tap.longitude)) {
        (true, true) => {}
        (false, false) if given(&tap.accuracy) => errors.push(FieldError::new(
            "placeOfWork.coordinates.accuracy",
            "coordinates.incomplete",
            "accuracy is the radius of a position: send it with latitude and longitude, or not at all",
        )),
        (false, false) => {}
        (lat, _) => {
            let missing = if lat { "longitude" } else { "latitude" };
            errors.push(FieldError::new(
                format!("placeOfWork.coordinates.{missing}"),
                "coordinates.incomplete",
                "give both latitude and longitude, or neither",
            ));
        }
    }
    match (latitude, longitude) {
        (Some(lat), Some(lon)) => (Some((lat, lon)), accuracy),
        _ => (None, None),
    }
}

/// The code of a broken PIN rule (`pin.rule.*`), so that pages can say
/// which rule in their language.
fn pin_rule_code(e: &ciao_auth::pin::PinError) -> &'static str {
    use ciao_auth::pin::PinError;
    match e {
        PinError::NotDigits => "pin.rule.digits",
        PinError::TooShort(_) => "pin.rule.short",
        PinError::TooLong(_) => "pin.rule.long",
        PinError::AllSameDigit => "pin.rule.same",
        PinError::Sequence => "pin.rule.run",
        PinError::Hash(_) => "pin.rule",
    }
}

fn invalid(field: &str, code: &str, message: impl Into<String>) -> ServiceError {
    ServiceError::Invalid(vec![FieldError::new(field, code, message)])
}

/// Activation codes are typed by hand: case, spaces and dashes do not matter.
fn normalise_code(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect()
}

pub(crate) fn random_code() -> Result<String> {
    let bytes = random_bytes(12).map_err(|e| ServiceError::Internal(e.to_string()))?;
    let chars: Vec<char> = bytes.iter().map(|b| CODE_ALPHABET[usize::from(*b) % CODE_ALPHABET.len()] as char).collect();
    Ok(chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-"))
}

pub(crate) fn b64(field: &str, s: &str) -> Result<Vec<u8>> {
    URL_SAFE_NO_PAD
        .decode(s.trim_end_matches('='))
        .map_err(|_| invalid(field, "passkey.encoding", format!("{field} is not base64url")))
}

/// Whether `id` can be a passkey's credential id as ciao stores them
/// (base64url without padding, at most 1,400 characters).
pub(crate) fn credential_id_ok(id: &str) -> bool {
    !id.is_empty() && id.len() <= 1400 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A new idempotency key for one tap of the registration page (22 characters).
pub fn new_tap_key() -> Result<String> {
    Ok(URL_SAFE_NO_PAD.encode(random_bytes(16).map_err(|e| ServiceError::Internal(e.to_string()))?))
}

impl Service {
    pub(crate) fn relying_party(&self) -> Result<RelyingParty> {
        RelyingParty::from_public_url(&self.config.public_url).map_err(|e| {
            ServiceError::forbidden(
                "denied.passkeyHost",
                format!("passkeys need the server's public URL to name a host, not an IP address ({e}); use the PIN"),
            )
        })
    }

    /// Issues a one-time activation code for a person (the operator only).
    /// Only its hash is stored: it is shown once.
    pub async fn issue_activation_code(&self, caller: &Caller, ssin: &str) -> Result<ActivationCode> {
        if !matches!(caller, Caller::Operator { .. }) {
            return Err(ServiceError::forbidden("denied.operatorOnly", "only the operator issues activation codes"));
        }
        let ssin = Ssin::parse(ssin).map_err(|e| ServiceError::Invalid(vec![FieldError::from_invalid("ssin", e)]))?;
        let code = random_code()?;
        let now = self.now();
        let expires_at = now + ACTIVATION_LIFETIME;
        self.store.add_activation_code(&sha256_hex(normalise_code(&code).as_bytes()), &ssin, now, expires_at).await?;
        self.audit(caller, "worker.activation_code", Some(ssin.masked()), serde_json::json!({})).await?;
        Ok(ActivationCode { code, ssin, expires_at })
    }

    /// Checks an activation code without using it up, and gives a ticket to
    /// set up the sign-in with.
    pub async fn check_activation_code(&self, code: &str) -> Result<EnrolmentTicket> {
        let normalised = normalise_code(code);
        let refused = || {
            invalid(
                "activationCode",
                "activationCode.unknown",
                "this activation code is unknown, already used or expired; ask for a new one",
            )
        };
        if normalised.len() != 12 {
            return Err(invalid(
                "activationCode",
                "activationCode.format",
                "an activation code has 12 letters and digits, such as ABCD-EFGH-JKLM",
            ));
        }
        let hash = sha256_hex(normalised.as_bytes());
        let now = self.now();
        let ssin = self.store.activation_code(&hash, now).await?.ok_or_else(refused)?;
        let expires = (now + ENROLMENT_LIFETIME).unix_timestamp();
        Ok(EnrolmentTicket { ticket: self.sealer.seal("enrol", &format!("{hash}|{expires}")), ssin })
    }

    /// Checks an enrolment ticket again (the set-up page redrawn, in another
    /// language): the same ticket, and whose it is.
    pub async fn check_enrolment_ticket(&self, ticket: &str) -> Result<EnrolmentTicket> {
        let hash = self.open_ticket(ticket)?;
        let ssin = self.store.activation_code(&hash, self.now()).await?.ok_or_else(|| {
            invalid("activationCode", "activationCode.unknown", "this activation code was used meanwhile or expired")
        })?;
        Ok(EnrolmentTicket { ticket: ticket.to_string(), ssin })
    }

    fn open_ticket(&self, ticket: &str) -> Result<String> {
        let expired = || {
            invalid(
                "ticket",
                "activationCode.expired",
                "setting up sign-in took too long; enter the activation code again",
            )
        };
        let forged = || {
            invalid(
                "ticket",
                "activationCode.ticket",
                "this sign-in set-up was not issued by this server or was altered; start again with the activation code",
            )
        };
        let payload = self.sealer.open("enrol", ticket).ok_or_else(forged)?;
        let (hash, expires) = payload.split_once('|').ok_or_else(forged)?;
        let expires: i64 = expires.parse().map_err(|_| forged())?;
        if self.now().unix_timestamp() >= expires {
            return Err(expired());
        }
        Ok(hash.to_string())
    }

    async fn enrol(&self, hash: &str, enrolment: Enrolment, provider: &str) -> Result<WorkerSession> {
        let now = self.now();
        let ssin = self.store.enrol_worker(hash, &enrolment, now).await?.ok_or_else(|| {
            invalid("activationCode", "activationCode.unknown", "this activation code was used meanwhile or expired")
        })?;
        let caller = self.person_caller(ssin).await?;
        self.audit(&caller, "worker.enrol", None, serde_json::json!({ "provider": provider })).await?;
        self.open_worker_session_at(&caller, provider, now).await
    }

    /// Sets up PIN sign-in with an enrolment ticket.
    pub async fn enrol_with_pin(&self, ticket: &str, pin: &str, repeat: &str) -> Result<WorkerSession> {
        let hash = self.open_ticket(ticket)?;
        ciao_auth::pin::check_pin(pin).map_err(|e| invalid("pin", pin_rule_code(&e), e.to_string()))?;
        if pin != repeat {
            return Err(invalid("pinRepeat", "pin.repeat", "the two PINs are not the same"));
        }
        let pin_hash = ciao_auth::pin::hash_pin(pin).map_err(|e| ServiceError::Internal(e.to_string()))?;
        self.enrol(&hash, Enrolment::Pin { pin_hash }, "ciao-pin").await
    }

    /// The options to create a passkey with an enrolment ticket.
    pub async fn passkey_creation(&self, ticket: &str) -> Result<PasskeyCeremony> {
        let hash = self.open_ticket(ticket)?;
        let rp = self.relying_party()?;
        let challenge = URL_SAFE_NO_PAD.encode(random_bytes(32).map_err(|e| ServiceError::Internal(e.to_string()))?);
        let user_id = URL_SAFE_NO_PAD.encode(random_bytes(16).map_err(|e| ServiceError::Internal(e.to_string()))?);
        let expires = (self.now() + CHALLENGE_LIFETIME).unix_timestamp();
        let state = self.sealer.seal("passkey-create", &format!("{challenge}|{expires}|{hash}"));
        let ssin = self.store.activation_code(&hash, self.now()).await?.ok_or_else(|| {
            invalid("activationCode", "activationCode.unknown", "this activation code was used meanwhile or expired")
        })?;
        Ok(PasskeyCeremony { challenge, state, rp_id: rp.id, user_id, user_name: ssin.formatted() })
    }

    pub(crate) fn open_challenge(&self, purpose: &str, state: &str) -> Result<(Vec<u8>, String)> {
        let expired = || invalid("state", "passkey.expired", "the passkey request expired; try again");
        // Not sealed by this server (altered, or made up): not "expired".
        let forged = || invalid("state", "passkey.state", "the passkey request is not valid; start again");
        let payload = self.sealer.open(purpose, state).ok_or_else(forged)?;
        let mut parts = payload.splitn(3, '|');
        let challenge = parts.next().ok_or_else(forged)?;
        let expires: i64 = parts.next().and_then(|e| e.parse().ok()).ok_or_else(forged)?;
        let rest = parts.next().unwrap_or_default().to_string();
        if self.now().unix_timestamp() >= expires {
            return Err(expired());
        }
        Ok((URL_SAFE_NO_PAD.decode(challenge).map_err(|_| forged())?, rest))
    }

    /// Remembers a passkey sign-in's sealed challenge until it expires; false
    /// when it signed in before (a replayed answer), on any node sharing the
    /// database (the replay memory of client assertions, under its own name).
    pub(crate) async fn remember_passkey_challenge(&self, purpose: &str, state: &str) -> Result<bool> {
        let now = self.now();
        let digest = sha256_hex(state.as_bytes());
        Ok(self.store.remember_jti(purpose, &digest, now + CHALLENGE_LIFETIME, now).await?)
    }

    /// Verifies a browser's new credential (the answer to a creation
    /// ceremony whose challenge is `challenge`): the passkey to keep for `ssin`.
    pub(crate) fn verify_new_passkey(
        &self,
        challenge: &[u8],
        answer: &PasskeyAnswer,
        ssin: Ssin,
    ) -> Result<PasskeyRecord> {
        let rp = self.relying_party()?;
        let created = webauthn::verify_registration(
            &rp,
            challenge,
            &b64("clientDataJSON", &answer.client_data_json)?,
            &b64("authenticatorData", &answer.authenticator_data)?,
            &b64("credentialId", &answer.credential_id)?,
            &b64("publicKey", &answer.public_key)?,
            answer.algorithm,
        )
        .map_err(|e| invalid("passkey", "passkey.refused", e.to_string()))?;
        Ok(PasskeyRecord {
            credential_id: URL_SAFE_NO_PAD.encode(&created.credential_id),
            ssin,
            public_key: created.public_key_spki,
            sign_count: i64::from(created.sign_count),
        })
    }

    /// Sets up passkey sign-in: verifies the browser's new credential.
    pub async fn enrol_with_passkey(&self, answer: &PasskeyAnswer) -> Result<WorkerSession> {
        let (challenge, hash) = self.open_challenge("passkey-create", &answer.state)?;
        let ssin = self.store.activation_code(&hash, self.now()).await?.ok_or_else(|| {
            invalid("activationCode", "activationCode.unknown", "this activation code was used meanwhile or expired")
        })?;
        let record = self.verify_new_passkey(&challenge, answer, ssin)?;
        self.enrol(&hash, Enrolment::Passkey(record), "ciao-passkey").await
    }

    /// The options to sign in with a passkey (discoverable credentials).
    pub fn passkey_sign_in_options(&self) -> Result<PasskeyCeremony> {
        let rp = self.relying_party()?;
        let challenge = URL_SAFE_NO_PAD.encode(random_bytes(32).map_err(|e| ServiceError::Internal(e.to_string()))?);
        let expires = (self.now() + CHALLENGE_LIFETIME).unix_timestamp();
        let state = self.sealer.seal("passkey-get", &format!("{challenge}|{expires}|"));
        Ok(PasskeyCeremony { challenge, state, rp_id: rp.id, user_id: String::new(), user_name: String::new() })
    }

    /// Signs in with a passkey.
    pub async fn passkey_sign_in(&self, answer: &PasskeyAnswer) -> Result<WorkerSession> {
        let (challenge, _) = self.open_challenge("passkey-get", &answer.state)?;
        let rp = self.relying_party()?;
        let unknown = || invalid("passkey", "passkey.unknown", "this passkey is not known here; activate this phone");
        let id = answer.credential_id.trim_end_matches('=');
        if !credential_id_ok(id) {
            return Err(unknown());
        }
        let record = self.store.passkey(id).await?.ok_or_else(unknown)?;
        let count = webauthn::verify_assertion(
            &rp,
            &challenge,
            &b64("clientDataJSON", &answer.client_data_json)?,
            &b64("authenticatorData", &answer.authenticator_data)?,
            &b64("signature", &answer.signature)?,
            &record.public_key,
            u32::try_from(record.sign_count).unwrap_or(0),
        )
        .map_err(|e| invalid("passkey", "passkey.refused", e.to_string()))?;
        if !self.remember_passkey_challenge("worker-passkey", &answer.state).await? {
            return Err(invalid("passkey", "passkey.replayed", "this passkey answer was used already; try again"));
        }
        let now = self.now();
        self.store.passkey_used(id, i64::from(count), now).await?;
        let caller = self.person_caller(record.ssin).await?;
        self.audit(&caller, "worker.sign_in", None, serde_json::json!({ "provider": "ciao-passkey" })).await?;
        self.open_worker_session_at(&caller, "ciao-passkey", now).await
    }

    /// Signs in with SSIN and PIN. The same answer for an unknown person
    /// and a wrong PIN (no count of attempts left), and the same lock: five
    /// wrong PINs in a row for an SSIN lock it for 15 minutes whether or not
    /// it has a PIN (counted in the store for both, so on every node alike),
    /// so the answers do not tell which SSINs have set up phone sign-in;
    /// nor does the time: a refusal is answered no sooner than
    /// [`crate::SIGN_IN_REFUSAL_FLOOR`] after the attempt arrived.
    pub async fn pin_sign_in(&self, ssin: &str, pin: &str) -> Result<WorkerSession> {
        let started = tokio::time::Instant::now();
        crate::refused_no_sooner(started, self.pin_sign_in_checked(ssin, pin).await).await
    }

    async fn pin_sign_in_checked(&self, ssin: &str, pin: &str) -> Result<WorkerSession> {
        let wrong = || invalid("pin", "pin.wrong", "the SSIN or the PIN is wrong");
        let locked = |until: OffsetDateTime| {
            ServiceError::forbidden_until(
                "pin.locked",
                format!(
                    "too many wrong PINs: signing in with a PIN is locked until {} (pin.locked)",
                    ciao_domain::clock::format_brussels(until)
                ),
                until,
            )
        };
        let ssin = Ssin::parse(ssin).map_err(|e| ServiceError::Invalid(vec![FieldError::from_invalid("ssin", e)]))?;
        let now = self.now();
        let creds = self.store.worker_credentials(&ssin).await?;
        let Some((creds, hash)) = creds.and_then(|c| c.pin_hash.clone().map(|h| (c, h))) else {
            // No PIN for this SSIN: answered, counted and locked as a wrong
            // PIN would be.
            let check = || {
                if let Some(decoy) = decoy_pin_hash() {
                    let _ = ciao_auth::pin::verify_pin(pin, decoy);
                }
            };
            let rule = crate::MissRule {
                purpose: "pin-miss",
                action: "worker.pin_failed",
                reason: "no PIN set up for this SSIN",
                max_attempts: PIN_MAX_ATTEMPTS,
                lock: PIN_LOCK,
            };
            return match self.count_miss(&rule, &ssin, now, check).await? {
                Some(until) => Err(locked(until)),
                None => Err(wrong()),
            };
        };
        if let Some(until) = creds.locked_until.filter(|u| *u > now) {
            Self::security_log("worker.pin_failed", &ssin, "locked");
            return Err(locked(until));
        }
        if !ciao_auth::pin::verify_pin(pin, &hash) {
            let attempts = self.store.pin_failed(&ssin, PIN_MAX_ATTEMPTS, now + PIN_LOCK).await?;
            let caller = Caller::Person { ssin: ssin.clone(), name: String::new() };
            self.audit(&caller, "worker.pin_failed", None, serde_json::json!({ "attempts": attempts })).await?;
            if attempts >= PIN_MAX_ATTEMPTS {
                return Err(locked(now + PIN_LOCK));
            }
            return Err(wrong());
        }
        if creds.failed_attempts > 0 || creds.locked_until.is_some() {
            self.store.pin_succeeded(&ssin).await?;
        }
        let caller = self.person_caller(ssin).await?;
        self.audit(&caller, "worker.sign_in", None, serde_json::json!({ "provider": "ciao-pin" })).await?;
        self.open_worker_session_at(&caller, "ciao-pin", now).await
    }

    async fn person_caller(&self, ssin: Ssin) -> Result<Caller> {
        let name = match self.store.person_name(&ssin).await? {
            Some((last, first)) => format!("{first} {last}"),
            None => String::new(),
        };
        Ok(Caller::Person { ssin, name })
    }

    /// The identity seam: any provider that has proven who the worker is
    /// opens the session here.
    pub async fn open_worker_session(&self, caller: &Caller, provider: &str) -> Result<WorkerSession> {
        self.open_worker_session_at(caller, provider, self.now()).await
    }

    async fn open_worker_session_at(
        &self,
        caller: &Caller,
        provider: &str,
        now: OffsetDateTime,
    ) -> Result<WorkerSession> {
        let Caller::Person { ssin, .. } = caller else {
            return Err(ServiceError::forbidden("denied.personOnlyTask", "only a person has a worker session"));
        };
        let (cookie, expires_at) = self.open_session(SessionKind::Worker, ssin, provider, now).await?;
        Ok(WorkerSession { cookie, caller: caller.clone(), expires_at })
    }

    /// The person behind a session cookie, or None when it is forged,
    /// expired or signed out by a later activation.
    pub async fn worker_from_session(&self, cookie: &str) -> Result<Option<Caller>> {
        match self.live_session(SessionKind::Worker, cookie).await? {
            Some(live) => Ok(Some(self.person_caller(live.ssin).await?)),
            None => Ok(None),
        }
    }

    /// The rotating code a site display shows now: valid for the current
    /// period of 30 seconds, the same on every node.
    /// The code is short (`{start}.{96-bit MAC}`, 27 characters) so that the
    /// QR code stays coarse enough for a cheap phone to read off a screen.
    pub fn site_code(&self, d: &DeclarationDetails) -> (String, OffsetDateTime) {
        let now = self.now().unix_timestamp();
        let start = now - now.rem_euclid(SITE_CODE_PERIOD_SECONDS);
        let code = self.sealer.short_seal("site", &d.technical_number, start);
        let next =
            OffsetDateTime::from_unix_timestamp(start + SITE_CODE_PERIOD_SECONDS).unwrap_or(OffsetDateTime::UNIX_EPOCH);
        (code, next)
    }

    /// The issue instant of a rotating site code of this workplace.
    pub fn open_site_code(&self, d: &DeclarationDetails, code: &str) -> Result<OffsetDateTime> {
        let bad = || {
            invalid(
                "siteCode",
                "siteCode.invalid",
                "this QR code was not made by this workplace's display; scan the code on site again",
            )
        };
        let start = self.sealer.open_short("site", &d.technical_number, code).ok_or_else(bad)?;
        let at = OffsetDateTime::from_unix_timestamp(start).map_err(|_| bad())?;
        if at > self.now() + Duration::seconds(5) {
            return Err(bad());
        }
        Ok(at)
    }

    fn person_of(caller: &Caller) -> Result<&Ssin> {
        match caller {
            Caller::Person { ssin, .. } => Ok(ssin),
            _ => Err(ServiceError::forbidden(
                "denied.workerOnly",
                "only the worker registers their own presence through the smartphone channel; \
                 employers, operators and registration systems cannot register here",
            )),
        }
    }

    /// The registration page of a workplace for the signed-in person.
    pub async fn worker_workplace(&self, caller: &Caller, technical: &str) -> Result<WorkplaceView> {
        let ssin = Self::person_of(caller)?.clone();
        let declaration = self.declaration_by_technical_number(technical).await?;
        let now = self.now();
        let today = ciao_domain::clock::to_brussels(now).date();
        // The last 16 hours, on every workplace: an IN of 22:00 is still
        // open at 01:00, and an IN elsewhere is to be closed first.
        let criteria = SearchCriteria {
            validity: vec![Validity::Pending, Validity::Valid, Validity::Invalid],
            page_size: 50,
            ..Self::own_criteria(&ssin, now - LOOK_BACK, now + Duration::days(1))
        };
        let recent = self.own(&criteria).await?;
        let number = &declaration.declaration.number;
        let state = recent
            .iter()
            .find(|r| &r.data.declaration == number)
            .map(|r| PresenceState { kind: r.data.kind, since: r.data.registration_date })
            // An OUT of an earlier day is no state today.
            .filter(|s| s.kind == RegistrationType::In || ciao_domain::clock::to_brussels(s.since).date() == today);
        let next = match &state {
            Some(PresenceState { kind: RegistrationType::In, .. }) => RegistrationType::Out,
            _ => RegistrationType::In,
        };
        // Still IN on another workplace: there, the person's last
        // registration is an IN (as the validation's PRESENT_ON_TWO_WORKPLACES
        // sees it); the most recent such workplace. An OUT on a third
        // workplace does not close it.
        let mut seen = std::collections::HashSet::new();
        let open_elsewhere = recent
            .iter()
            .filter(|r| &r.data.declaration != number)
            .filter(|r| seen.insert(r.data.declaration.clone()))
            .find(|r| r.data.kind == RegistrationType::In);
        let elsewhere = match open_elsewhere {
            Some(r) => match self.declaration(&r.data.declaration).await {
                Ok(other) => Some(ElsewhereIn {
                    declaration: other,
                    since: r.data.registration_date,
                    employer: match &r.data.employer {
                        ciao_domain::Employer::Enterprise(e) => Some(e.clone()),
                        ciao_domain::Employer::ForeignVat(_) => None,
                    },
                }),
                Err(ServiceError::NotFound(_)) => None,
                Err(e) => return Err(e),
            },
            _ => None,
        };
        let mut employers = self.store.person_enterprises(&ssin, today).await?;
        let chain: Vec<&EnterpriseNumber> = std::iter::once(&declaration.declaration.declaring_contractor)
            .chain(declaration.subcontractors.iter().map(|s| &s.enterprise_number))
            .collect();
        employers.sort_by_key(|e| !chain.contains(&&e.enterprise));
        let in_chain = employers.iter().filter(|e| chain.contains(&&e.enterprise)).count();
        if in_chain > 0 {
            employers.truncate(in_chain);
        }
        let remembered = self.store.employer_choice(&ssin, number).await?;
        let chosen = remembered
            .filter(|r| employers.iter().any(|e| &e.enterprise == r))
            .or_else(|| (employers.len() == 1 && in_chain > 0).then(|| employers[0].enterprise.clone()));
        let d = &declaration.declaration;
        let mut notices = Vec::new();
        if d.start_date > today {
            notices.push(WorkplaceNotice::NotStarted(d.start_date));
        }
        if let Some(end) = d.end_date.filter(|end| *end < today) {
            notices.push(WorkplaceNotice::Ended(end));
        }
        if !d.subject_to_registration {
            notices.push(WorkplaceNotice::NotSubject);
        }
        if !employers.is_empty() && in_chain == 0 {
            notices.push(WorkplaceNotice::EmployerNotInChain);
        }
        Ok(WorkplaceView {
            declaration,
            state,
            elsewhere,
            notices,
            next,
            employers,
            employers_in_chain: in_chain > 0,
            chosen,
        })
    }

    fn own_criteria(ssin: &Ssin, from: OffsetDateTime, to: OffsetDateTime) -> SearchCriteria {
        SearchCriteria {
            registration_from: from,
            registration_to: to,
            ssin: Some(ssin.clone()),
            limosa_id: None,
            enterprise_number: None,
            declaration: None,
            validity: Vec::new(),
            remarks: Vec::new(),
            kind: None,
            created_from: None,
            created_to: None,
            sort: Sort { key: SortKey::RegistrationDate, descending: true },
            page: 1,
            page_size: 50,
            after: None,
            count_limit: None,
        }
    }

    /// Registers the signed-in person's own presence on a workplace, now.
    /// The registration instant is the server's; the idempotency key makes
    /// a double tap or a retry register once.
    pub async fn register_by_phone(
        &self,
        caller: &Caller,
        technical: &str,
        tap: PhoneRegistration,
    ) -> Result<Registration> {
        let ssin = Self::person_of(caller)?.clone();
        let declaration = self.declaration_by_technical_number(technical).await?;
        let mut errors = Vec::new();
        let (coordinates, accuracy) = phone_position(&mut errors, &tap);
        let key = tap.idempotency_key.unwrap_or_default();
        if !(16..=24).contains(&key.len()) || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            errors.push(FieldError::new(
                "idempotencyKey",
                "idempotencyKey.format",
                "idempotencyKey is 16 to 24 URL-safe characters, new for every tap",
            ));
        }
        let employer = tap.employer.as_deref().map(str::trim).filter(|e| !e.is_empty());
        if employer.is_none() {
            errors.push(FieldError::new(
                "employer",
                "required",
                "choose the employer you work for here, or type its enterprise number",
            ));
        }
        let site_code_issued_at = match tap.site_code.as_deref().filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => match self.open_site_code(&declaration, c) {
                Ok(at) => Some(at),
                Err(ServiceError::Invalid(e)) => {
                    errors.extend(e);
                    None
                }
                Err(e) => return Err(e),
            },
        };
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        let now = self.now();
        // A tap sent again with its page's key (a double tap, a reload, a
        // retry after a lost answer) is answered with the registration made
        // by the first (its instant, the server's, is not compared:
        // NewRegistration::replay_differences); a key reused for another
        // presence is refused as such.
        let input = RegistrationInput {
            registration_date: Some(ciao_domain::format_utc(now)),
            kind: tap.kind,
            ssin: Some(ssin.as_str().to_string()),
            employer_enterprise_number: employer.map(str::to_string),
            declaration: Some(declaration.declaration.number.as_str().to_string()),
            coordinates,
            accuracy,
            client_reference: Some(key),
            ..RegistrationInput::default()
        };
        let result = self
            .register_items(caller, Channel::Smartphone, vec![Ok(input)], site_code_issued_at)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| ServiceError::Internal("no result for the registration".into()))?;
        let registration = match result {
            ItemResult::Created(r) => *r,
            ItemResult::NotCreated(errors) => return Err(ServiceError::Invalid(errors)),
        };
        if let ciao_domain::Employer::Enterprise(e) = &registration.data.employer {
            self.store.set_employer_choice(&ssin, &declaration.declaration.number, e, now).await?;
        }
        Ok(registration)
    }

    /// Without the QR code, a signed-in worker types the declaration number:
    /// the workplace's technical number (the registration URL). Only for a
    /// signed-in person, so the unguessable URLs cannot be enumerated.
    pub async fn workplace_by_number(&self, caller: &Caller, number: &str) -> Result<DeclarationDetails> {
        Self::person_of(caller)?;
        let number = ciao_domain::DeclarationNumber::parse(number).map_err(|e| {
            // The worker page's field (the REST API's name is
            // contractualRelationshipReference).
            ServiceError::Invalid(vec![FieldError::from_invalid("declaration", e)])
        })?;
        self.declaration(&number).await
    }

    /// The registrations of `criteria` (a person's, by SSIN: [`Self::own_criteria`])
    /// and those a badge system sent with a Limosa id declared for that
    /// SSIN (a posted worker's, theirs too, as the validation pairs them),
    /// newest first, at most a page.
    async fn own(&self, criteria: &SearchCriteria) -> Result<Vec<Registration>> {
        let page_size = criteria.page_size as usize;
        let mut items = Vec::new();
        for search in self.person_searches(criteria.clone()).await? {
            items.extend(self.store.search(&search, &ciao_store::Scope::All).await?.items);
        }
        items.sort_by_key(|r| std::cmp::Reverse((r.data.registration_date, r.id.get())));
        items.truncate(page_size);
        Ok(items)
    }

    /// The person's own registrations of the last 31 days, newest first
    /// (with those sent with a Limosa id declared for them).
    pub async fn my_registrations(&self, caller: &Caller) -> Result<Vec<Registration>> {
        let ssin = Self::person_of(caller)?;
        let now = self.now();
        let criteria = Self::own_criteria(ssin, now - Duration::days(31), now + Duration::minutes(5));
        let items = self.own(&criteria).await?;
        self.audit(caller, "registration.own", None, serde_json::json!({ "returned": items.len() })).await?;
        Ok(items)
    }

    /// The person's own registration by id (receipt), or not found.
    pub async fn my_registration(&self, caller: &Caller, id: ciao_domain::RegistrationId) -> Result<Registration> {
        let ssin = Self::person_of(caller)?;
        let not_found =
            || ServiceError::not_found("denied.registrationUnknown", format!("there is no registration {id}"));
        let r = self.store.registration(id).await?.ok_or_else(not_found)?;
        let theirs = match &r.data.person {
            Person::Ssin(s) => s == ssin,
            // Sent with a Limosa id declared for this SSIN.
            Person::Limosa(l) => {
                self.store.limosa_ids_of(&[ssin.as_str().to_string()]).await?.iter().any(|own| own == l.as_str())
            }
        };
        if !theirs {
            return Err(not_found());
        }
        self.audit(caller, "registration.consult", Some(id.to_string()), serde_json::json!({})).await?;
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_typed_loosely() {
        assert_eq!(normalise_code(" abcd-efgh jklm "), "ABCDEFGHJKLM");
        let code = random_code().unwrap();
        assert_eq!(code.len(), 14);
        assert_eq!(normalise_code(&code).len(), 12);
        assert!(normalise_code(&code).bytes().all(|b| CODE_ALPHABET.contains(&b)));
    }

    #[test]
    fn sealed_values_are_bound_to_their_purpose() {
        let s = Sealer::new(&[7u8; 32]);
        let v = s.seal("session", "85073003328|1|ciao-pin");
        assert_eq!(s.open("session", &v).as_deref(), Some("85073003328|1|ciao-pin"));
        assert_eq!(s.open("site", &v), None, "a session is not a site code");
        let other = Sealer::new(&[8u8; 32]);
        assert_eq!(other.open("session", &v), None, "another server's secret");
        let (payload, mac) = v.split_once('.').unwrap();
        let forged = format!("{}.{mac}", URL_SAFE_NO_PAD.encode("85073003328|1|x"));
        assert_ne!(payload, URL_SAFE_NO_PAD.encode("85073003328|1|x"));
        assert_eq!(s.open("session", &forged), None);
        assert_eq!(s.open("session", "garbage"), None);
    }

    #[test]
    fn site_codes_are_short_and_bound_to_their_workplace() {
        let s = Sealer::new(&[7u8; 32]);
        let code = s.short_seal("site", "TECHNICAL1", 1_790_000_000);
        assert_eq!(code.len(), 27, "{code}");
        assert_eq!(s.open_short("site", "TECHNICAL1", &code), Some(1_790_000_000));
        assert_eq!(s.open_short("site", "TECHNICAL2", &code), None, "another workplace");
        assert_eq!(s.open_short("session", "TECHNICAL1", &code), None);
        let moved = code.replacen("1790000000", "1790000030", 1);
        assert_eq!(s.open_short("site", "TECHNICAL1", &moved), None, "another period");
        assert_eq!(s.open_short("site", "TECHNICAL1", "x.y"), None);
    }
}
