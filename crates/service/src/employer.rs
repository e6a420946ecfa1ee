//! The employers' online service: users of an enterprise (access managers,
//! technical administrators, consultants) sign in with a password and a
//! second factor (the code of an authenticator app, TOTP, or a passkey), and consult what their enterprise may consult. Every rule
//! is the one the REST channel applies (`Scope::Enterprise`), and every
//! consultation is audited in the enterprise's log.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ciao_auth::secretbox::SecretBox;
use ciao_auth::token::{random_bytes, sha256_hex};
use ciao_auth::webauthn;
use ciao_domain::channel::{EnterpriseUser, Role, may_consult, may_manage_users};
use ciao_domain::remarks::SHIFT_MAX;
use ciao_domain::search::{Cursor, SearchCriteria, Sort, SortKey};
use ciao_domain::worktime::{Mark, WorkedDay, presence_per_hour, worked_day_on};
use ciao_domain::{
    DeclarationNumber, EnterpriseNumber, FieldError, Person, Registration, RegistrationId, Ssin, Validity,
};
use ciao_store::{AuditEntry, EmployerPasskey, Scope, SearchPage};
use time::{Date, Duration, OffsetDateTime};

use crate::sessions::SessionKind;
use crate::worker::{ActivationCode, PasskeyAnswer, PasskeyCeremony, b64};
use crate::{Caller, Result, Service, ServiceError};

/// How long an employer session lasts (a working day, then sign in again).
pub const EMPLOYER_SESSION_LIFETIME: Duration = Duration::hours(12);
pub const INVITATION_LIFETIME: Duration = Duration::days(14);
const ENROLMENT_LIFETIME: Duration = Duration::minutes(20);
pub const SIGN_IN_MAX_ATTEMPTS: i64 = 5;
pub const SIGN_IN_LOCK: Duration = Duration::minutes(15);
/// The issuer shown in authenticator apps.
pub const TOTP_ISSUER: &str = "ciao";

/// A signed-in user of the online service, with their roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmployerUser {
    pub ssin: Ssin,
    pub name: String,
    pub roles: Vec<EnterpriseUser>,
}

impl EmployerUser {
    /// The enterprises the user acts for, in order, once each.
    pub fn enterprises(&self) -> Vec<EnterpriseNumber> {
        let mut out: Vec<EnterpriseNumber> = Vec::new();
        for r in &self.roles {
            if !out.contains(&r.enterprise) {
                out.push(r.enterprise.clone());
            }
        }
        out
    }

    pub fn roles_in(&self, enterprise: &EnterpriseNumber) -> Vec<Role> {
        self.roles.iter().filter(|r| &r.enterprise == enterprise).map(|r| r.role).collect()
    }

    pub fn has(&self, enterprise: &EnterpriseNumber, role: Role) -> bool {
        self.roles_in(enterprise).contains(&role)
    }

    /// The caller the other use cases know: the person.
    pub fn caller(&self) -> Caller {
        Caller::Person { ssin: self.ssin.clone(), name: self.name.clone() }
    }
}

/// After a valid invitation code: the ticket and the new TOTP secret to
/// put in an authenticator app.
#[derive(Debug, Clone)]
pub struct EmployerEnrolment {
    pub ticket: String,
    pub ssin: Ssin,
    pub secret_base32: String,
    pub otpauth_uri: String,
}

#[derive(Debug, Clone)]
pub struct EmployerSession {
    pub cookie: String,
    pub user: EmployerUser,
    pub expires_at: OffsetDateTime,
}

/// Who is on site now, and how many were present per hour of the day.
#[derive(Debug, Clone)]
pub struct OnSite {
    pub declaration: DeclarationNumber,
    pub day: Date,
    /// The last IN of each person still IN (on the day), oldest first.
    pub present: Vec<Registration>,
    /// The enterprise has a role in the declaration's chain (or the user
    /// inspects): when not, only its own workers on the site are counted.
    pub in_chain: bool,
    /// People present per local hour of the day.
    pub per_hour: Vec<u32>,
}

fn invalid(field: &str, code: &str, message: impl Into<String>) -> ServiceError {
    ServiceError::Invalid(vec![FieldError::new(field, code, message)])
}

fn normalise_code(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect()
}

/// The name under which a database keeps the fingerprint of the secrets key
/// its TOTP secrets are sealed with.
const KEY_FINGERPRINT: &str = "secrets-key-fingerprint-v1";

/// What a secrets key makes of a database's TOTP secrets
/// ([`Service::secrets_report`]).
#[derive(Debug, Clone)]
pub struct SecretsReport {
    /// The fingerprint the database records (None before its first start
    /// with a key).
    pub recorded_fingerprint: Option<String>,
    pub key_fingerprint: String,
    /// Employer users with a TOTP secret.
    pub users: usize,
    /// Secrets still stored in plain (sealed at the next start).
    pub plain: usize,
    /// Whose secret does not open with the key.
    pub unreadable: Vec<Ssin>,
}

/// What a sealed TOTP secret is bound to: its person.
fn totp_aad(ssin: &Ssin) -> String {
    format!("ciao totp secret v1|{}", ssin.as_str())
}

/// A TOTP secret stored in plain (before secrets were sealed, or by a node
/// of an earlier version): a bare secret, shorter than any sealed one.
fn in_plain(stored: &[u8]) -> bool {
    stored.len() == ciao_auth::totp::SECRET_LEN
}

/// Whether `key` opens the stored secret of `ssin`.
fn opens(key: &SecretBox, ssin: &Ssin, stored: &[u8]) -> bool {
    key.open(totp_aad(ssin).as_bytes(), stored).is_ok()
}

/// The second factor of a sign-in: the authenticator app's code or a passkey.
enum SecondFactor<'a> {
    Totp(&'a str),
    Passkey(&'a PasskeyAnswer),
}

/// The second factor once read: the code, or the passkey answer decoded.
enum Offered<'a> {
    Totp(&'a str),
    Passkey(DecodedAssertion),
}

/// A sign-in passkey answer, decoded.
struct DecodedAssertion {
    challenge: Vec<u8>,
    state: String,
    credential_id: String,
    client_data: Vec<u8>,
    authenticator_data: Vec<u8>,
    signature: Vec<u8>,
}

/// A second factor that held.
enum Proof {
    TotpStep(i64),
    Passkey { credential_id: String, sign_count: i64 },
}

/// A password hash that no password is checked against for real, made
/// once: checked for an SSIN without an account, so that the answer takes
/// as long as for a wrong password.
fn decoy_password_hash() -> Option<&'static str> {
    static DECOY: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| ciao_auth::password::hash_password("decoy password, never used").ok()).as_deref()
}

fn locked(until: OffsetDateTime) -> ServiceError {
    ServiceError::forbidden_until(
        "signIn.locked",
        format!(
            "too many failed sign-ins: this account is locked until {} (signIn.locked)",
            ciao_domain::clock::format_brussels(until)
        ),
        until,
    )
}

fn wrong_sign_in() -> ServiceError {
    invalid("password", "signIn.wrong", "the SSIN, the password or the code of the authenticator app is wrong")
}

impl Service {
    /// Issues a one-time invitation with which a person sets a password and
    /// a TOTP second factor. The operator invites anyone with a role; an
    /// access manager invites the users of their enterprise.
    pub async fn issue_employer_invitation(&self, caller: &Caller, ssin: &str) -> Result<ActivationCode> {
        let ssin = Ssin::parse(ssin).map_err(|e| ServiceError::Invalid(vec![FieldError::from_invalid("ssin", e)]))?;
        let roles = self.store.person_roles(&ssin).await?;
        if roles.is_empty() {
            return Err(invalid(
                "ssin",
                "ssin.noRole",
                "this person has no role in any enterprise; give them one first (ciao enterprise user add)",
            ));
        }
        let invited_by = match caller {
            Caller::Operator { name } => format!("operator:{name}"),
            Caller::Person { ssin: me, .. } => {
                let mine = self.store.person_roles(me).await?;
                let allowed = roles.iter().any(|r| may_manage_users(&mine, &r.enterprise, me));
                if !allowed {
                    return Err(ServiceError::forbidden(
                        "denied.inviteByManager",
                        "only an access manager of the person's enterprise invites them",
                    ));
                }
                me.as_str().to_string()
            }
            Caller::Client { .. } => {
                return Err(ServiceError::forbidden(
                    "denied.personOnlyTask",
                    "a registration system cannot invite users",
                ));
            }
        };
        let code = crate::worker::random_code()?;
        let now = self.now();
        let expires_at = now + INVITATION_LIFETIME;
        self.store
            .add_employer_invitation(&sha256_hex(normalise_code(&code).as_bytes()), &ssin, &invited_by, now, expires_at)
            .await?;
        let enterprise = roles.first().map(|r| r.enterprise.as_str().to_string());
        self.audit_in(caller, enterprise, "employer.invitation", Some(ssin.masked()), serde_json::json!({})).await?;
        Ok(ActivationCode { code, ssin, expires_at })
    }

    /// Checks an invitation code and prepares the TOTP secret.
    pub async fn check_employer_invitation(&self, code: &str) -> Result<EmployerEnrolment> {
        let normalised = normalise_code(code);
        if normalised.len() != 12 {
            return Err(invalid(
                "invitationCode",
                "invitationCode.format",
                "an invitation code has 12 letters and digits, such as ABCD-EFGH-JKLM",
            ));
        }
        let hash = sha256_hex(normalised.as_bytes());
        let ssin = self.store.employer_invitation(&hash, self.now()).await?.ok_or_else(|| {
            invalid(
                "invitationCode",
                "invitationCode.unknown",
                "this invitation code is unknown, already used or expired; ask your access manager for a new one",
            )
        })?;
        let secret = ciao_auth::totp::new_secret().map_err(|e| ServiceError::Internal(e.to_string()))?;
        let secret_base32 = ciao_auth::totp::base32_encode(&secret);
        let expires = (self.now() + ENROLMENT_LIFETIME).unix_timestamp();
        let ticket =
            self.sealer.seal("employer-enrol", &format!("{hash}|{expires}|{}", URL_SAFE_NO_PAD.encode(&secret)));
        // The account's label in the app is the masked SSIN: authenticator
        // apps show it and many back it up to their vendor's cloud.
        let otpauth_uri = ciao_auth::totp::otpauth_uri(TOTP_ISSUER, &ssin.masked(), &secret);
        Ok(EmployerEnrolment { ticket, ssin, secret_base32, otpauth_uri })
    }

    /// Sets the password and confirms the authenticator app with a code.
    pub async fn finish_employer_enrolment(
        &self,
        ticket: &str,
        password: &str,
        repeat: &str,
        totp_code: &str,
    ) -> Result<EmployerSession> {
        let expired = || {
            invalid(
                "ticket",
                "invitationCode.expired",
                "setting up sign-in took too long; enter the invitation code again",
            )
        };
        let forged = || {
            invalid(
                "ticket",
                "invitationCode.ticket",
                "this sign-in set-up was not issued by this server or was altered; start again with the invitation code",
            )
        };
        let used = || {
            invalid(
                "invitationCode",
                "invitationCode.unknown",
                "this invitation code was used meanwhile or expired; ask your access manager for a new one",
            )
        };
        let payload = self.sealer.open("employer-enrol", ticket).ok_or_else(forged)?;
        let mut parts = payload.split('|');
        let (Some(hash), Some(expires), Some(secret)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(forged());
        };
        if self.now().unix_timestamp() >= expires.parse::<i64>().map_err(|_| forged())? {
            return Err(expired());
        }
        let secret = URL_SAFE_NO_PAD.decode(secret).map_err(|_| forged())?;
        let ssin = self.store.employer_invitation(hash, self.now()).await?.ok_or_else(used)?;
        let mut errors = Vec::new();
        if let Err(e) = ciao_auth::password::check_password(password, ssin.as_str()) {
            errors.push(FieldError::new("password", e.code(), e.to_string()));
        } else if password != repeat {
            errors.push(FieldError::new("passwordRepeat", "password.repeat", "the two passwords are not the same"));
        }
        let step = match ciao_auth::totp::verify(&secret, totp_code, self.now().unix_timestamp(), None) {
            Ok(step) => Some(step),
            Err(e) => {
                errors.push(FieldError::new("totp", "totp.wrong", format!("the code of the authenticator app: {e}")));
                None
            }
        };
        let (Some(step), true) = (step, errors.is_empty()) else {
            return Err(ServiceError::Invalid(errors));
        };
        let password_hash =
            ciao_auth::password::hash_password(password).map_err(|e| ServiceError::Internal(e.to_string()))?;
        let now = self.now();
        let sealed = self.seal_totp_secret(&ssin, &secret)?;
        let ssin = self.store.enrol_employer(hash, &password_hash, &sealed, step, now).await?.ok_or_else(used)?;
        let user = self.employer_user(ssin).await?;
        self.audit_in(&user.caller(), first_enterprise(&user), "employer.enrol", None, serde_json::json!({})).await?;
        self.employer_session(user, now, "totp").await
    }

    /// Signs in with SSIN, password and the authenticator app's code.
    pub async fn employer_sign_in(&self, ssin: &str, password: &str, totp_code: &str) -> Result<EmployerSession> {
        self.employer_sign_in_with(ssin, password, SecondFactor::Totp(totp_code)).await
    }

    /// Signs in with SSIN, password and one of the person's passkeys (the
    /// answer to [`Service::employer_passkey_sign_in_options`]).
    pub async fn employer_sign_in_with_passkey(
        &self,
        ssin: &str,
        password: &str,
        answer: &PasskeyAnswer,
    ) -> Result<EmployerSession> {
        self.employer_sign_in_with(ssin, password, SecondFactor::Passkey(answer)).await
    }

    /// The options of the sign-in page's passkey button (discoverable
    /// credentials: the page does not know who signs in yet).
    pub fn employer_passkey_sign_in_options(&self) -> Result<PasskeyCeremony> {
        let rp = self.relying_party()?;
        let challenge = URL_SAFE_NO_PAD.encode(random_bytes(32).map_err(|e| ServiceError::Internal(e.to_string()))?);
        let expires = (self.now() + crate::worker::CHALLENGE_LIFETIME).unix_timestamp();
        let state = self.sealer.seal("employer-passkey-get", &format!("{challenge}|{expires}|"));
        Ok(PasskeyCeremony { challenge, state, rp_id: rp.id, user_id: String::new(), user_name: String::new() })
    }

    /// The options to add a passkey to the signed-in user.
    pub fn employer_passkey_creation(&self, user: &EmployerUser) -> Result<PasskeyCeremony> {
        let rp = self.relying_party()?;
        let challenge = URL_SAFE_NO_PAD.encode(random_bytes(32).map_err(|e| ServiceError::Internal(e.to_string()))?);
        // One user handle per person: an authenticator keeps one passkey of
        // theirs for this site, a new one replacing the old.
        let user_id = URL_SAFE_NO_PAD.encode(self.sealer.handle("employer-user-handle", user.ssin.as_str()));
        let expires = (self.now() + crate::worker::CHALLENGE_LIFETIME).unix_timestamp();
        let state =
            self.sealer.seal("employer-passkey-create", &format!("{challenge}|{expires}|{}", user.ssin.as_str()));
        Ok(PasskeyCeremony { challenge, state, rp_id: rp.id, user_id, user_name: user.ssin.formatted() })
    }

    /// Adds a passkey to the signed-in user, who confirms with their
    /// password (a session left open on someone else's screen does not
    /// suffice to add a second factor). Audited.
    pub async fn add_employer_passkey(
        &self,
        user: &EmployerUser,
        password: &str,
        answer: &PasskeyAnswer,
    ) -> Result<()> {
        let (challenge, ssin) = self.open_challenge("employer-passkey-create", &answer.state)?;
        if ssin != user.ssin.as_str() {
            return Err(invalid(
                "state",
                "passkey.expired",
                "the passkey request belongs to another session; try again",
            ));
        }
        let now = self.now();
        let creds = self
            .store
            .employer_credentials(&user.ssin)
            .await?
            .ok_or_else(|| ServiceError::forbidden("denied.noSignIn", "this user has not set up sign-in"))?;
        if let Some(until) = creds.locked_until.filter(|u| *u > now) {
            return Err(locked(until));
        }
        if !ciao_auth::password::verify_password(password, &creds.password_hash) {
            let attempts =
                self.store.employer_sign_in_failed(&user.ssin, SIGN_IN_MAX_ATTEMPTS, now + SIGN_IN_LOCK).await?;
            self.audit(&user.caller(), "employer.sign_in_failed", None, serde_json::json!({ "attempts": attempts }))
                .await?;
            if attempts >= SIGN_IN_MAX_ATTEMPTS {
                return Err(locked(now + SIGN_IN_LOCK));
            }
            return Err(invalid("password", "password.wrong", "the password is wrong"));
        }
        let record = self.verify_new_passkey(&challenge, answer, user.ssin.clone())?;
        if !self.store.add_employer_passkey(&record, now).await? {
            return Err(invalid("passkey", "passkey.known", "this passkey is already registered"));
        }
        self.audit_in(
            &user.caller(),
            first_enterprise(user),
            "employer.passkey_added",
            None,
            serde_json::json!({ "credentialId": record.credential_id }),
        )
        .await
    }

    /// The signed-in user's passkeys.
    pub async fn employer_passkeys(&self, user: &EmployerUser) -> Result<Vec<EmployerPasskey>> {
        Ok(self.store.employer_passkeys(&user.ssin).await?)
    }

    /// Removes one of the signed-in user's passkeys. Audited.
    pub async fn remove_employer_passkey(&self, user: &EmployerUser, credential_id: &str) -> Result<()> {
        if !crate::worker::credential_id_ok(credential_id)
            || !self.store.remove_employer_passkey(&user.ssin, credential_id).await?
        {
            return Err(invalid("credentialId", "passkey.unknown", "this passkey is not one of yours"));
        }
        self.audit_in(
            &user.caller(),
            first_enterprise(user),
            "employer.passkey_removed",
            None,
            serde_json::json!({ "credentialId": credential_id }),
        )
        .await
    }

    /// Password and a second factor; the same answer for every kind of
    /// failure, each counted towards the lock.
    /// A refusal is answered no sooner than [`crate::SIGN_IN_REFUSAL_FLOOR`]
    /// after the attempt arrived.
    async fn employer_sign_in_with(
        &self,
        ssin: &str,
        password: &str,
        second: SecondFactor<'_>,
    ) -> Result<EmployerSession> {
        let started = tokio::time::Instant::now();
        crate::refused_no_sooner(started, self.employer_sign_in_checked(ssin, password, second).await).await
    }

    async fn employer_sign_in_checked(
        &self,
        ssin: &str,
        password: &str,
        second: SecondFactor<'_>,
    ) -> Result<EmployerSession> {
        let ssin = Ssin::parse(ssin).map_err(|e| ServiceError::Invalid(vec![FieldError::from_invalid("ssin", e)]))?;
        // A passkey answer is opened and decoded before anything about the
        // person is looked up: an expired or malformed answer gets the same
        // refusal whether or not the SSIN has an account.
        let second = match second {
            SecondFactor::Totp(code) => Offered::Totp(code),
            SecondFactor::Passkey(answer) => Offered::Passkey(self.decode_employer_assertion(answer)?),
        };
        let now = self.now();
        let Some(creds) = self.store.employer_credentials(&ssin).await? else {
            // The same work, answer and lock as for a wrong password. A
            // real hash of the same parameters: a malformed one would be
            // refused at once, and the time would tell who has an account.
            let check = || {
                if let Some(decoy) = decoy_password_hash() {
                    let _ = ciao_auth::password::verify_password(password, decoy);
                }
            };
            let rule = crate::MissRule {
                purpose: "sign-in-miss",
                action: "employer.sign_in_failed",
                reason: "no account for this SSIN",
                max_attempts: SIGN_IN_MAX_ATTEMPTS,
                lock: SIGN_IN_LOCK,
            };
            return match self.count_miss(&rule, &ssin, now, check).await? {
                Some(until) => Err(locked(until)),
                None => Err(wrong_sign_in()),
            };
        };
        if let Some(until) = creds.locked_until.filter(|u| *u > now) {
            Self::security_log("employer.sign_in_failed", &ssin, "locked");
            return Err(locked(until));
        }
        let password_ok = ciao_auth::password::verify_password(password, &creds.password_hash);
        let second_ok = match second {
            Offered::Totp(code) => {
                let secret = self.open_totp_secret(&ssin, &creds.totp_secret)?;
                ciao_auth::totp::verify(&secret, code, now.unix_timestamp(), creds.totp_last_step)
                    .ok()
                    .map(Proof::TotpStep)
            }
            Offered::Passkey(assertion) => self.check_employer_passkey(&ssin, &assertion).await?,
        };
        let proof = match (password_ok, second_ok) {
            (true, Some(proof)) => proof,
            _ => {
                let attempts =
                    self.store.employer_sign_in_failed(&ssin, SIGN_IN_MAX_ATTEMPTS, now + SIGN_IN_LOCK).await?;
                let caller = Caller::Person { ssin: ssin.clone(), name: String::new() };
                self.audit(&caller, "employer.sign_in_failed", None, serde_json::json!({ "attempts": attempts }))
                    .await?;
                if attempts >= SIGN_IN_MAX_ATTEMPTS {
                    return Err(locked(now + SIGN_IN_LOCK));
                }
                return Err(wrong_sign_in());
            }
        };
        let recorded = match &proof {
            Proof::TotpStep(step) => self.store.employer_signed_in(&ssin, *step).await?,
            Proof::Passkey { credential_id, sign_count } => {
                self.store.employer_signed_in_with_passkey(&ssin, credential_id, *sign_count, now).await?
            }
        };
        if !recorded {
            return Err(wrong_sign_in());
        }
        let user = self.employer_user(ssin).await?;
        if user.roles.is_empty() {
            return Err(ServiceError::forbidden("denied.noRoleLeft", "you no longer have a role in any enterprise"));
        }
        let factor = match proof {
            Proof::TotpStep(_) => "totp",
            Proof::Passkey { .. } => "passkey",
        };
        self.audit_in(
            &user.caller(),
            first_enterprise(&user),
            "employer.sign_in",
            None,
            serde_json::json!({ "secondFactor": factor }),
        )
        .await?;
        self.employer_session(user, now, factor).await
    }

    /// The parts of a sign-in passkey answer, its sealed challenge opened.
    fn decode_employer_assertion(&self, answer: &PasskeyAnswer) -> Result<DecodedAssertion> {
        let (challenge, _) = self.open_challenge("employer-passkey-get", &answer.state)?;
        Ok(DecodedAssertion {
            challenge,
            state: answer.state.clone(),
            credential_id: answer.credential_id.trim_end_matches('=').to_string(),
            client_data: b64("clientDataJSON", &answer.client_data_json)?,
            authenticator_data: b64("authenticatorData", &answer.authenticator_data)?,
            signature: b64("signature", &answer.signature)?,
        })
    }

    /// A passkey answer as second factor of `ssin`: verified against that
    /// person's own passkey, or `None` (unknown, someone else's, refused,
    /// replayed).
    async fn check_employer_passkey(&self, ssin: &Ssin, a: &DecodedAssertion) -> Result<Option<Proof>> {
        let rp = self.relying_party()?;
        if !crate::worker::credential_id_ok(&a.credential_id) {
            return Ok(None);
        }
        let Some(record) = self.store.employer_passkey(&a.credential_id).await?.filter(|r| &r.ssin == ssin) else {
            return Ok(None);
        };
        let Ok(count) = webauthn::verify_assertion(
            &rp,
            &a.challenge,
            &a.client_data,
            &a.authenticator_data,
            &a.signature,
            &record.public_key,
            u32::try_from(record.sign_count).unwrap_or(0),
        ) else {
            return Ok(None);
        };
        // A challenge signs in once: a captured answer cannot be replayed
        // while it is fresh (passkeys that keep no signature counter).
        if !self.remember_passkey_challenge("employer-passkey", &a.state).await? {
            return Ok(None);
        }
        Ok(Some(Proof::Passkey { credential_id: record.credential_id, sign_count: i64::from(count) }))
    }

    fn secrets_key(&self) -> Result<&SecretBox> {
        self.secrets.as_deref().ok_or_else(|| {
            ServiceError::Internal(
                "this process has no secrets key: the employer users' TOTP secrets can be neither sealed nor \
                 opened (ciao serve reads the key from its key file)"
                    .into(),
            )
        })
    }

    /// A TOTP secret as it is stored: sealed with the secrets key, bound to
    /// its person.
    pub(crate) fn seal_totp_secret(&self, ssin: &Ssin, secret: &[u8]) -> Result<Vec<u8>> {
        self.secrets_key()?
            .seal(totp_aad(ssin).as_bytes(), secret)
            .map_err(|e| ServiceError::Internal(format!("sealing a TOTP secret: {e}")))
    }

    /// A stored TOTP secret, opened; one in plain (written by a node of an
    /// earlier version during an upgrade) is taken as it is.
    fn open_totp_secret(&self, ssin: &Ssin, stored: &[u8]) -> Result<Vec<u8>> {
        if in_plain(stored) {
            return Ok(stored.to_vec());
        }
        let key = self.secrets_key()?;
        key.open(totp_aad(ssin).as_bytes(), stored).map_err(|e| {
            ServiceError::Internal(format!(
                "the TOTP secret of {} does not open with the secrets key {} ({e})",
                ssin.masked(),
                key.fingerprint()
            ))
        })
    }

    /// What `key` makes of the TOTP secrets of the database behind `store`,
    /// changing nothing: the key the database records, how many users, how
    /// many secrets in plain, whose secret does not open (what `ciao
    /// enterprise user forget-unreadable` would forget).
    pub async fn secrets_report(store: &dyn ciao_store::Store, key: &SecretBox) -> Result<SecretsReport> {
        let recorded = store.find_secret(KEY_FINGERPRINT).await?.map(|v| String::from_utf8_lossy(&v).into_owned());
        let mut report = SecretsReport {
            recorded_fingerprint: recorded,
            key_fingerprint: key.fingerprint().to_string(),
            users: 0,
            plain: 0,
            unreadable: Vec::new(),
        };
        for (ssin, stored) in store.employer_totp_secrets().await? {
            report.users += 1;
            if in_plain(&stored) {
                report.plain += 1;
            } else if !opens(key, &ssin, &stored) {
                report.unreadable.push(ssin);
            }
        }
        Ok(report)
    }

    /// At start, with a secrets key: the database records its key's
    /// fingerprint the first time and refuses another key afterwards (a
    /// node with another key file, a key made anew by mistake), even before
    /// any secret is sealed; secrets stored in plain (from before they were
    /// sealed) are sealed. With `forget_unreadable_secrets` (after a lost
    /// key), the sign-in of the users whose secret does not open is
    /// forgotten, audited, and the database takes this key.
    pub(crate) async fn check_secrets(&self) -> Result<()> {
        let Some(key) = self.secrets.as_deref() else {
            return Ok(());
        };
        let ours = key.fingerprint().as_bytes();
        let recorded = self.store.secret(KEY_FINGERPRINT, ours, self.now()).await?;
        let forget = self.config.forget_unreadable_secrets;
        let rotating_to = self.config.rotating_to.as_deref();
        let recorded_is_new = rotating_to.is_some_and(|n| recorded == n.fingerprint().as_bytes());
        if recorded != ours && !forget && !recorded_is_new {
            return Err(ServiceError::conflict(
                "denied.secretsKey",
                format!(
                    "this database's TOTP secrets are sealed with the secrets key {}, this process has the key {}: \
                 give it the database's key file (--secrets-key-file; every node of one database needs the same \
                 file), or, if that key is lost, see `ciao enterprise user forget-unreadable`",
                    String::from_utf8_lossy(&recorded),
                    key.fingerprint()
                ),
            ));
        }
        let mut sealed_now = 0;
        for (ssin, stored) in self.store.employer_totp_secrets().await? {
            if in_plain(&stored) {
                let sealed = self.seal_totp_secret(&ssin, &stored)?;
                // Only if it is still the plain one (another node may be sealing too).
                if self.store.set_employer_totp_secret(&ssin, Some(&stored), &sealed).await? {
                    sealed_now += 1;
                }
            } else if let Err(e) = self.open_totp_secret(&ssin, &stored) {
                if rotating_to.is_some_and(|n| opens(n, &ssin, &stored)) {
                    // Sealed again by an interrupted rotation.
                    continue;
                }
                if !forget {
                    return Err(ServiceError::conflict(
                        "denied.secretsKey",
                        format!(
                            "{e}: the database holds a secret this key does not open; see `ciao enterprise user \
                         forget-unreadable`"
                        ),
                    ));
                }
                self.store.forget_employer_sign_in(&ssin).await?;
                let operator = Caller::Operator { name: "start".into() };
                let detail =
                    serde_json::json!({ "reason": "TOTP secret unreadable with this key", "key": key.fingerprint() });
                self.audit(&operator, "employer.sign_in_forgotten", Some(ssin.masked()), detail).await?;
                tracing::warn!(person = %ssin.masked(), "sign-in forgotten: invite this person again");
            }
        }
        if recorded != ours && !recorded_is_new {
            self.store.replace_secret(KEY_FINGERPRINT, ours, self.now()).await?;
            tracing::warn!(old = %String::from_utf8_lossy(&recorded), new = key.fingerprint(), "the database now takes this secrets key");
        }
        if sealed_now > 0 {
            tracing::info!(count = sealed_now, key = key.fingerprint(), "TOTP secrets stored in plain sealed");
        }
        Ok(())
    }

    /// Seals every TOTP secret again with `new` (those that still open with
    /// the current key; those already sealed with `new` are left, so that
    /// an interrupted rotation can run again), then makes the database take
    /// `new`. Nodes still holding the old key stop opening the secrets: stop
    /// them, rotate, give them the new key file, start them. How many
    /// secrets were sealed again. Audited.
    pub async fn rotate_secrets_key(&self, new: &SecretBox) -> Result<usize> {
        let old = self.secrets_key()?;
        let mut resealed = 0;
        for (ssin, stored) in self.store.employer_totp_secrets().await? {
            let aad = totp_aad(&ssin);
            if !in_plain(&stored) && opens(new, &ssin, &stored) {
                continue;
            }
            let secret = self.open_totp_secret(&ssin, &stored)?;
            let sealed = new
                .seal(aad.as_bytes(), &secret)
                .map_err(|e| ServiceError::Internal(format!("sealing a TOTP secret: {e}")))?;
            if self.store.set_employer_totp_secret(&ssin, Some(&stored), &sealed).await? {
                resealed += 1;
            }
        }
        self.store.replace_secret(KEY_FINGERPRINT, new.fingerprint().as_bytes(), self.now()).await?;
        let operator = Caller::Operator { name: "rotate".into() };
        let detail = serde_json::json!({ "from": old.fingerprint(), "to": new.fingerprint(), "resealed": resealed });
        self.audit(&operator, "secrets.key_rotated", None, detail).await?;
        Ok(resealed)
    }

    pub(crate) async fn employer_user(&self, ssin: Ssin) -> Result<EmployerUser> {
        let roles = self.store.person_roles(&ssin).await?;
        let name = roles.first().map(|r| r.name.clone()).unwrap_or_default();
        Ok(EmployerUser { ssin, name, roles })
    }

    async fn employer_session(
        &self,
        user: EmployerUser,
        now: OffsetDateTime,
        provider: &str,
    ) -> Result<EmployerSession> {
        let (cookie, expires_at) = self.open_session(SessionKind::Employer, &user.ssin, provider, now).await?;
        Ok(EmployerSession { cookie, user, expires_at })
    }

    /// The user behind a session cookie (roles read afresh: a withdrawn role
    /// is gone at the next page).
    pub async fn employer_from_session(&self, cookie: &str) -> Result<Option<EmployerUser>> {
        let Some(live) = self.live_session(SessionKind::Employer, cookie).await? else {
            return Ok(None);
        };
        let user = self.employer_user(live.ssin).await?;
        Ok((!user.roles.is_empty()).then_some(user))
    }

    /// The anti-CSRF token of a session: forms carry it, posts must match.
    pub fn csrf_token(&self, session_cookie: &str) -> String {
        let sealed = self.sealer.seal("csrf", &sha256_hex(session_cookie.as_bytes()));
        sealed.rsplit('.').next().unwrap_or_default().to_string()
    }

    pub fn check_csrf(&self, session_cookie: &str, token: &str) -> bool {
        let expected = self.csrf_token(session_cookie);
        expected.len() == token.len() && expected.bytes().zip(token.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }

    fn ensure_consultant(&self, user: &EmployerUser, enterprise: &EnterpriseNumber) -> Result<()> {
        if may_consult(&user.roles, enterprise, &user.ssin) {
            Ok(())
        } else {
            Err(ServiceError::forbidden("denied.noRole", format!("you have no role in enterprise {enterprise}")))
        }
    }

    /// Searches what the enterprise may consult (the REST channel's rules), audited.
    pub async fn employer_search(
        &self,
        user: &EmployerUser,
        enterprise: &EnterpriseNumber,
        criteria: &SearchCriteria,
        action: &str,
    ) -> Result<SearchPage> {
        self.ensure_consultant(user, enterprise)?;
        let page = self.store.search(criteria, &Scope::Enterprise(enterprise.clone())).await?;
        let detail = serde_json::json!({
            "registrationDateFrom": ciao_domain::format_utc(criteria.registration_from),
            "registrationDateTo": ciao_domain::format_utc(criteria.registration_to),
            "ssin": criteria.ssin.as_ref().map(|s| s.masked()),
            "contractualRelationshipReference": criteria.declaration.as_ref().map(|d| d.as_str().to_string()),
            "page": criteria.page,
            "returned": page.items.len(),
            "total": page.total,
        });
        self.audit_in(&user.caller(), Some(enterprise.as_str().to_string()), action, None, detail).await?;
        Ok(page)
    }

    /// Where the page before the one that starts with `first` starts, for
    /// a "previous" link of keyset paging (`criteria.after`): `None` when
    /// `first` is the first row of the result, `Some(None)` when the page
    /// before is the first page, `Some(Some(c))` when it starts after `c`.
    /// The rows before `first` are read backwards, never shown: not
    /// audited apart from the search that showed the page.
    pub async fn employer_previous_page(
        &self,
        user: &EmployerUser,
        enterprise: &EnterpriseNumber,
        criteria: &SearchCriteria,
        first: &Registration,
    ) -> Result<Option<Option<Cursor>>> {
        self.ensure_consultant(user, enterprise)?;
        let backwards = SearchCriteria {
            sort: Sort { key: criteria.sort.key, descending: !criteria.sort.descending },
            after: Some(Cursor::of(criteria.sort.key, first)),
            page: 1,
            page_size: criteria.page_size.saturating_add(1),
            count_limit: Some(0),
            ..criteria.clone()
        };
        let before = self.store.search(&backwards, &Scope::Enterprise(enterprise.clone())).await?.items;
        Ok(match before.get(criteria.page_size as usize) {
            _ if before.is_empty() => None,
            Some(r) => Some(Some(Cursor::of(criteria.sort.key, r))),
            None => Some(None),
        })
    }

    /// One registration with its history, if the enterprise may see it.
    pub async fn employer_registration(
        &self,
        user: &EmployerUser,
        enterprise: &EnterpriseNumber,
        id: RegistrationId,
    ) -> Result<Registration> {
        self.ensure_consultant(user, enterprise)?;
        let not_found =
            || ServiceError::not_found("denied.registrationUnknown", format!("there is no registration {id}"));
        let r = self.store.registration(id).await?.ok_or_else(not_found)?;
        if !self.enterprise_may_consult(enterprise, &r).await? {
            return Err(not_found());
        }
        self.audit_in(
            &user.caller(),
            Some(enterprise.as_str().to_string()),
            "registration.consult",
            Some(id.to_string()),
            serde_json::json!({}),
        )
        .await?;
        Ok(r)
    }

    /// Every registration of a search, page after page (at most `limit`).
    async fn all_of(&self, criteria: SearchCriteria, scope: &Scope, limit: usize) -> Result<Vec<Registration>> {
        let mut criteria = SearchCriteria { page_size: ciao_domain::search::MAX_PAGE_SIZE, page: 1, ..criteria };
        let mut out = Vec::new();
        loop {
            let page = self.store.search(&criteria, scope).await?;
            let n = page.items.len();
            out.extend(page.items);
            if n < criteria.page_size as usize || out.len() >= limit {
                return Ok(out);
            }
            criteria.page += 1;
        }
    }

    /// The SSIN each Limosa id of these registrations is declared for (ids
    /// without a stored Limosa declaration are left out).
    pub async fn limosa_persons(&self, items: &[Registration]) -> Result<std::collections::HashMap<String, Ssin>> {
        let mut ids: Vec<String> = items
            .iter()
            .filter_map(|r| match &r.data.person {
                Person::Limosa(l) => Some(l.as_str().to_string()),
                Person::Ssin(_) => None,
            })
            .collect();
        ids.sort();
        ids.dedup();
        if ids.is_empty() {
            return Ok(Default::default());
        }
        let pairs = self.store.limosa_persons(&ids).await?;
        Ok(pairs.into_iter().filter_map(|(l, s)| Ssin::parse(&s).ok().map(|s| (l, s))).collect())
    }

    /// Worked time per person and day for the given (person, Brussels day)
    /// pairs, from the registrations the enterprise may see (not cancelled).
    pub async fn worked_days(
        &self,
        enterprise: &EnterpriseNumber,
        keys: &[(Ssin, Date)],
    ) -> Result<Vec<((Ssin, Date), WorkedDay)>> {
        let mut out = Vec::new();
        for (ssin, day) in keys {
            let start = ciao_domain::clock::brussels_start_of_day(*day);
            let end = ciao_domain::clock::brussels_end_of_day(*day);
            // The marks around the day too: a night shift's IN of the day
            // before, an OUT of the next morning.
            let last = end + SHIFT_MAX - Duration::microseconds(1);
            let scope = Scope::Enterprise(enterprise.clone());
            let criteria = day_criteria(start - SHIFT_MAX, last, Some(ssin.clone()), None);
            let mut items = Vec::new();
            for search in self.person_searches(criteria).await? {
                items.extend(self.all_of(search, &scope, 2000).await?);
            }
            // Paired per workplace and across midnight: the same pairing as
            // the validation's sequence remarks (OUT_WITHOUT_IN,
            // DAY_LEFT_OPEN, …), so that the two views never disagree.
            let marks: Vec<(&str, Mark)> = items
                .iter()
                .map(|r| (r.data.declaration.as_str(), Mark { at: r.data.registration_date, kind: r.data.kind }))
                .collect();
            out.push(((ssin.clone(), *day), worked_day_on(&marks, start, end)));
        }
        Ok(out)
    }

    /// Who is on a workplace now (or was at the end of a past day), and the
    /// number of people present per hour of that day; audited.
    pub async fn on_site(
        &self,
        user: &EmployerUser,
        enterprise: &EnterpriseNumber,
        declaration: &DeclarationNumber,
        day: Date,
    ) -> Result<OnSite> {
        self.ensure_consultant(user, enterprise)?;
        // Nobody is on a site on a day that has not begun: said so, not
        // shown as an empty site.
        let today = ciao_domain::clock::to_brussels(self.now()).date();
        if day > today {
            return Err(ServiceError::Invalid(vec![FieldError::new(
                "day",
                "day.future",
                format!("day is today ({today}) or before"),
            )]));
        }
        // An inspector visiting a site sees everyone on it; an enterprise what
        // its role in the declaration's chain lets it see.
        let inspector = user.has(enterprise, Role::Inspector);
        let scope = if inspector { Scope::All } else { Scope::Enterprise(enterprise.clone()) };
        // An unknown declaration is said to be so, not shown as an empty site.
        let Some(found) = self.store.declaration(declaration).await? else {
            return Err(ServiceError::not_found(
                "denied.declarationUnknown",
                format!("there is no declaration of works {declaration}"),
            ));
        };
        let in_chain = inspector || crate::declarations::in_chain_of(&found, enterprise);
        let from = ciao_domain::clock::brussels_start_of_day(day);
        let end = ciao_domain::clock::brussels_end_of_day(day);
        let criteria = day_criteria(from, end - Duration::microseconds(1), None, Some(declaration.clone()));
        let items = self.all_of(criteria, &scope, 200_000).await?;
        let now = self.now();
        let until = if now < end { now } else { end };
        // One person under either identifier (a posted worker's Limosa id
        // and SSIN), as the validation pairs them.
        let persons = self.limosa_persons(&items).await?;
        let mut people: std::collections::BTreeMap<String, Vec<&Registration>> = Default::default();
        for r in &items {
            let key = match &r.data.person {
                Person::Ssin(s) => s.as_str().to_string(),
                Person::Limosa(l) => {
                    persons.get(l.as_str()).map_or_else(|| format!("limosa:{}", l.as_str()), |s| s.as_str().to_string())
                }
            };
            people.entry(key).or_default().push(r);
        }
        let mut present = Vec::new();
        let mut marks = Vec::new();
        for (key, regs) in &people {
            let last = regs.iter().max_by_key(|r| (r.data.registration_date, r.id.get()));
            if let Some(last) = last.filter(|r| r.data.kind == ciao_domain::RegistrationType::In) {
                present.push((*last).clone());
            }
            marks.push((
                key.clone(),
                regs.iter().map(|r| Mark { at: r.data.registration_date, kind: r.data.kind }).collect(),
            ));
        }
        present.sort_by_key(|r| r.data.registration_date);
        let per_hour = presence_per_hour(day, &marks, until);
        self.audit_in(
            &user.caller(),
            Some(enterprise.as_str().to_string()),
            if inspector { "inspection.on_site" } else { "registration.on_site" },
            Some(declaration.as_str().to_string()),
            serde_json::json!({ "day": day.to_string(), "present": present.len() }),
        )
        .await?;
        Ok(OnSite { declaration: declaration.clone(), day, present, per_hour, in_chain })
    }

    /// Counts per remark code of the enterprise's registrations over a period.
    pub async fn remark_counts(
        &self,
        user: &EmployerUser,
        enterprise: &EnterpriseNumber,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<(String, u64)>> {
        self.ensure_consultant(user, enterprise)?;
        let mut criteria = day_criteria(from, to, None, None);
        criteria.validity = vec![Validity::Invalid, Validity::Valid];
        let items = self.all_of(criteria, &Scope::Enterprise(enterprise.clone()), 1_000_000).await?;
        let mut counts: std::collections::BTreeMap<String, u64> = Default::default();
        for r in &items {
            for m in &r.remarks {
                *counts.entry(m.code.clone()).or_default() += 1;
            }
        }
        self.audit_in(
            &user.caller(),
            Some(enterprise.as_str().to_string()),
            "registration.remarks",
            None,
            serde_json::json!({ "from": ciao_domain::format_utc(from), "to": ciao_domain::format_utc(to) }),
        )
        .await?;
        let mut out: Vec<(String, u64)> = counts.into_iter().collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        Ok(out)
    }

    /// The users of an enterprise (its access managers only).
    pub async fn employer_users(
        &self,
        user: &EmployerUser,
        enterprise: &EnterpriseNumber,
    ) -> Result<Vec<EnterpriseUser>> {
        if !may_manage_users(&user.roles, enterprise, &user.ssin) {
            return Err(ServiceError::forbidden(
                "denied.managersOnly",
                format!("only the access managers of {enterprise} manage its users"),
            ));
        }
        Ok(self.store.enterprise_users(enterprise).await?)
    }

    /// Appoints a user of the enterprise as the access management page
    /// sends it (access managers only): every field checked, each refusal
    /// naming its own field; then [`Service::add_enterprise_user`]'s rules.
    pub async fn appoint_employer_user(
        &self,
        user: &EmployerUser,
        enterprise: &EnterpriseNumber,
        ssin: &str,
        name: &str,
        role: &str,
    ) -> Result<EnterpriseUser> {
        if !may_manage_users(&user.roles, enterprise, &user.ssin) {
            return Err(ServiceError::forbidden(
                "denied.managersOnly",
                format!("only the access managers of {enterprise} manage its users"),
            ));
        }
        let mut errors = Vec::new();
        let ssin = Ssin::parse(ssin.trim()).map_err(|e| errors.push(FieldError::from_invalid("ssin", e))).ok();
        if let Err(e) = ciao_domain::channel::check_name("name", name, ciao_domain::channel::ACCOUNT_NAME_MAX) {
            errors.push(e);
        }
        let role = role_of(&mut errors, role);
        // An access manager already holds every right of the enterprise: a
        // role for herself would only be a second, redundant row.
        if ssin.as_ref() == Some(&user.ssin) {
            errors.push(FieldError::new(
                "ssin",
                "ssin.self",
                "you are an access manager of the enterprise already: give a role to someone else",
            ));
        }
        let (Some(ssin), Some(role), true) = (ssin, role, errors.is_empty()) else {
            return Err(ServiceError::Invalid(errors));
        };
        self.add_enterprise_user(&user.caller(), enterprise, &ssin, name, role).await
    }

    /// A value of an employer page's filter that is personal data (a
    /// person's SSIN), sealed for the page's address ([`Service::seal_private`],
    /// bound to the enterprise): the address bar, the browser's history and
    /// the proxies' logs then hold no SSIN.
    pub fn seal_page_filter(&self, enterprise: &EnterpriseNumber, value: &str) -> Result<String> {
        self.seal_private(&page_filter_purpose(enterprise), value)
    }

    /// Opens [`Service::seal_page_filter`]'s value; None when it was not
    /// sealed by this server for this enterprise.
    pub fn open_page_filter(&self, enterprise: &EnterpriseNumber, sealed: &str) -> Option<String> {
        self.open_private(&page_filter_purpose(enterprise), sealed)
    }

    /// Withdraws a technical administrator's or consultant's role, from the
    /// online service ([`Service::remove_enterprise_user`]'s rules: an access
    /// manager of the enterprise; access managers are the operator's).
    pub async fn withdraw_role(
        &self,
        user: &EmployerUser,
        enterprise: &EnterpriseNumber,
        ssin: &str,
        role: &str,
    ) -> Result<()> {
        let mut errors = Vec::new();
        let ssin = Ssin::parse(ssin.trim()).map_err(|e| errors.push(FieldError::from_invalid("ssin", e))).ok();
        let role = role_of(&mut errors, role);
        let (Some(ssin), Some(role)) = (ssin, role) else {
            return Err(ServiceError::Invalid(errors));
        };
        self.remove_enterprise_user(&user.caller(), enterprise, &ssin, role).await
    }

    /// One page of the enterprise's audit log, newest first (its access
    /// managers only): page `number` (from 1) of `size` entries, and how
    /// many pages there are (at least one). A page past the last is
    /// refused, naming the field and the range.
    pub async fn employer_audit(
        &self,
        user: &EmployerUser,
        enterprise: &EnterpriseNumber,
        number: u64,
        size: u32,
    ) -> Result<(Vec<AuditEntry>, u64)> {
        if !may_manage_users(&user.roles, enterprise, &user.ssin) {
            return Err(ServiceError::forbidden(
                "denied.managersOnly",
                format!("only the access managers of {enterprise} read its audit log"),
            ));
        }
        let size = size.max(1);
        let offset = number.saturating_sub(1).saturating_mul(u64::from(size));
        let (entries, total) = self.store.enterprise_audit_page(enterprise, offset, size).await?;
        let pages = total.div_ceil(u64::from(size)).max(1);
        if number == 0 || number > pages {
            return Err(ServiceError::Invalid(vec![FieldError::number_range("page", pages)]));
        }
        Ok((entries, pages))
    }
}

/// What a sealed page filter is bound to: its use and the enterprise.
fn page_filter_purpose(enterprise: &EnterpriseNumber) -> String {
    format!("ciao employer page filter v1|{}", enterprise.as_str())
}

/// A role as a form sends it (`consultant`, `technical-administrator`, …).
fn role_of(errors: &mut Vec<FieldError>, role: &str) -> Option<Role> {
    let parsed = Role::parse(role.trim());
    if parsed.is_none() {
        errors.push(FieldError::new(
            "role",
            "role.value",
            "role is consultant or technical-administrator (access managers and inspectors are registered by the operator)",
        ));
    }
    parsed
}

pub(crate) fn first_enterprise(user: &EmployerUser) -> Option<String> {
    user.roles.first().map(|r| r.enterprise.as_str().to_string())
}

fn day_criteria(
    from: OffsetDateTime,
    to: OffsetDateTime,
    ssin: Option<Ssin>,
    declaration: Option<DeclarationNumber>,
) -> SearchCriteria {
    SearchCriteria {
        registration_from: from,
        registration_to: to,
        ssin,
        limosa_id: None,
        enterprise_number: None,
        declaration,
        validity: vec![Validity::Pending, Validity::Valid, Validity::Invalid],
        remarks: Vec::new(),
        kind: None,
        created_from: None,
        created_to: None,
        sort: Sort { key: SortKey::RegistrationDate, descending: false },
        page: 1,
        page_size: ciao_domain::search::MAX_PAGE_SIZE,
        after: None,
        count_limit: None,
    }
}
