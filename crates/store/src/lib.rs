//! Storage of ciao: one [`Store`] trait, implemented on SQLite (the embedded
//! default) and PostgreSQL (to scale out), each with its own migrations.
//!
//! Registrations are written through a group-commit writer: concurrent
//! requests are gathered and committed in one transaction (one fsync for
//! many), and each caller is answered only after that commit.

use std::sync::Arc;

use async_trait::async_trait;
use ciao_domain::access::AccessGrant;
use ciao_domain::channel::{Account, EnterpriseUser, Permissions, Role};
use ciao_domain::reference::{
    Declaration, DeclarationDetails, Employment, EnterprisePeriod, LimosaDeclaration, PersonRecord, Subcontractor,
};
use ciao_domain::search::SearchCriteria;
use ciao_domain::{
    CancelReason, DeclarationNumber, EnterpriseNumber, NewRegistration, Registration, RegistrationId, Ssin,
};
use time::OffsetDateTime;

mod audit_writer;
pub mod batch;
mod common;
pub mod postgres;
pub mod sqlite;
pub mod sqlite_vfs;
mod writer;

pub use writer::{GroupCommitStats, group_commit_stats};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(sqlx::Error),
    /// A value the database cannot store in a text column (PostgreSQL has
    /// no NUL character): bad input, not a failure of the database.
    #[error("{0}")]
    InvalidText(String),
    #[error("migration {version} ({name}) failed: {source}")]
    Migration { version: i64, name: &'static str, source: sqlx::Error },
    #[error("the database is at schema version {found}, newer than this ciao knows ({known}); upgrade ciao")]
    SchemaTooNew { found: i64, known: i64 },
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
    #[error("database URL parameter {0}")]
    UrlParameter(String),
    #[error("stored data cannot be read: {0}")]
    Corrupt(String),
    #[error("the registration writer stopped")]
    WriterGone,
    #[error("a group commit failed: {0}")]
    Batch(String),
    #[error("{}", wrong_environment(*.found))]
    WrongEnvironment { found: Environment, expected: Environment },
    #[error("this is a production database: resetting and ending the day now exist only in the simulation environment")]
    NotSimulation,
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        // 22021 character_not_in_repertoire, 22P05 untranslatable_character:
        // PostgreSQL refusing a NUL (or an unencodable character) in text.
        if let sqlx::Error::Database(d) = &e
            && matches!(d.code().as_deref(), Some("22021" | "22P05"))
        {
            return Self::InvalidText(
                "a text value holds a character that cannot be stored (such as the NUL character)".into(),
            );
        }
        Self::Database(e)
    }
}

fn wrong_environment(found: Environment) -> String {
    match found {
        Environment::Simulation => "this database was created for the simulation environment: production refuses it \
             (use --simulation to open it as the simulation, or another database for production)"
            .to_string(),
        Environment::Production => "this database was created for production (or before ciao knew environments): \
             the simulation refuses it (without --database the simulation uses its own file, DATA_DIR/ciao-simulation.db)"
            .to_string(),
    }
}

/// What a database was created for. Written once, when the database is
/// created; a database from before environments counts as production.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Production,
    /// The simulation environment for integrators: fictitious data, and
    /// operations production refuses (reset to the seed, end the day now).
    Simulation,
}

impl Environment {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Production => "production",
            Self::Simulation => "simulation",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Production, Self::Simulation].into_iter().find(|e| e.as_str() == s)
    }
}

/// The simulation's own state (see [`Environment::Simulation`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SimulationState {
    /// When the seed was last loaded (None: not yet).
    pub seeded_at: Option<OffsetDateTime>,
    /// The last "end of the day now": the INs of that day before this
    /// instant count as left open.
    pub day_closed_at: Option<OffsetDateTime>,
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The result of storing one registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegisterOutcome {
    pub id: RegistrationId,
    /// True when the sender had already sent this `clientReference`: the
    /// existing registration is returned and nothing new is stored.
    pub existing: bool,
}

/// A worker's own sign-in (the smartphone channel's built-in identity provider).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerCredentials {
    /// argon2id PHC string, when the worker chose a PIN.
    pub pin_hash: Option<String>,
    /// Consecutive failed PIN attempts since the last success or lock.
    pub failed_attempts: i64,
    pub locked_until: Option<OffsetDateTime>,
    /// Sessions issued before this instant are refused (a new activation
    /// signs out every earlier phone).
    pub sessions_valid_after: OffsetDateTime,
    pub passkeys: i64,
}

/// A worker's passkey (WebAuthn credential, ES256).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyRecord {
    /// The credential id, base64url without padding.
    pub credential_id: String,
    pub ssin: Ssin,
    /// SubjectPublicKeyInfo DER of the P-256 key.
    pub public_key: Vec<u8>,
    pub sign_count: i64,
}

/// What a worker sets up with an activation code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Enrolment {
    Pin { pin_hash: String },
    Passkey(PasskeyRecord),
}

/// An enterprise a person works for on a day: as employee (an employment
/// relation) or as founder / self-employed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonEnterprise {
    pub enterprise: EnterpriseNumber,
    pub name: String,
    pub founder: bool,
}

/// Which registrations a search may return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Everything: the operator.
    All,
    /// What an enterprise may consult (see `ciao_domain::access`).
    Enterprise(EnterpriseNumber),
}

#[derive(Debug, Clone, PartialEq)]
pub struct SearchPage {
    pub items: Vec<Registration>,
    /// Rows of the whole filter (at most `count_limit` when it is set).
    pub total: u64,
    /// The cursor of the next page (`after=`), when rows follow this page.
    pub next: Option<ciao_domain::search::Cursor>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelOutcome {
    Cancelled,
    AlreadyCancelled,
    NotFound,
}

/// How many rows an import read and how many it changed (0 on a second
/// import of the same file).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub rows: u64,
    pub changed: u64,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub at: OffsetDateTime,
    pub actor: String,
    pub action: String,
    pub subject: Option<String>,
    pub detail: serde_json::Value,
    /// The enterprise the action concerns (its audit log shows it).
    pub enterprise: Option<String>,
}

/// An employer user's sign-in: password and TOTP second factor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmployerCredentials {
    pub password_hash: String,
    pub totp_secret: Vec<u8>,
    /// The last TOTP time step used (a code works once).
    pub totp_last_step: Option<i64>,
    pub failed_attempts: i64,
    pub locked_until: Option<OffsetDateTime>,
    pub sessions_valid_after: OffsetDateTime,
}

/// A passkey of a user of the employers' online service, as their pages list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmployerPasskey {
    /// The credential id, base64url without padding.
    pub credential_id: String,
    pub created_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
}

/// A web session (a worker's phone, an employer user's browser), one per sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSession {
    /// The instant the cookie names it by (with the person).
    pub issued_at: OffsetDateTime,
    /// How the person signed in (ciao-pin, ciao-passkey, totp, passkey…).
    pub provider: String,
    /// The browser and system, as its User-Agent told them.
    pub device: String,
    pub last_seen_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
}

/// A certificate to attach to an account (already accepted by the policy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCertificate {
    pub name: String,
    pub fingerprint: String,
    pub der: Vec<u8>,
    pub subject: String,
    pub not_after: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    pub enterprise: EnterpriseNumber,
    pub name: String,
    pub permissions: Permissions,
    pub certificates: Vec<NewCertificate>,
    pub at: OffsetDateTime,
}

/// A certificate that is already attached to an account (any account).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateTaken {
    pub fingerprint: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountChange {
    Enable,
    Disable,
    Permissions(Permissions),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateOutcome {
    Done(Account),
    NoAccount,
    /// add: the certificate is attached to an account already.
    Taken,
    /// revoke: no active certificate of that name.
    NoCertificate,
}

/// A registration taken from the validation queue; `lease` proves the claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claim {
    pub id: RegistrationId,
    pub lease: i64,
}

/// The outcome of one validation, to store.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidationResult {
    pub claim: Claim,
    pub validity: ciao_domain::Validity,
    pub remarks: Vec<ciao_domain::Remark>,
    /// Registrations to queue again, in the same transaction, when this
    /// result is stored (the person's later registrations of the day, whose
    /// sequence remarks a registration validated for the first time can change).
    pub requeue: Vec<RegistrationId>,
}

/// What the registries and the register hold about one registration.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoredFacts {
    pub employer_known: bool,
    pub employer_periods: Vec<(time::Date, Option<time::Date>)>,
    /// The employer is a natural person's enterprise.
    pub employer_natural_person: bool,
    /// The employer's founders and the enterprises the person founded.
    pub founders: Vec<ciao_domain::reference::Founder>,
    pub employments: Vec<Employment>,
    pub person_known: bool,
    pub limosa: Option<LimosaDeclaration>,
    pub limosa_of_person: Vec<LimosaDeclaration>,
    pub declaration: Option<DeclarationDetails>,
    pub duplicate: bool,
    /// The person's last registration on the same workplace in the window
    /// before this one (see [`FactsRequest`]).
    pub previous_here: Option<ciao_domain::RegistrationType>,
    /// On another workplace, the person's last registration in the window
    /// before this one is an IN.
    pub open_elsewhere: bool,
    /// The person registered on the same workplace in the window after this one.
    pub next_here: bool,
    /// The person's registrations whose sequence remarks this one changes,
    /// to validate again after its first validation: those in the window
    /// after it that were stored before it (it was sent late: a badge
    /// system that was offline), and the INs on its workplace before it
    /// found left open (it closes them).
    pub affected: Vec<RegistrationId>,
}

/// A column registrations can be found by, to revalidate them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationKey {
    Ssin,
    LimosaId,
    Employer,
    Declaration,
}

impl RegistrationKey {
    pub(crate) fn column(self) -> &'static str {
        match self {
            Self::Ssin => "ssin",
            Self::LimosaId => "limosa_id",
            Self::Employer => "employer_enterprise",
            Self::Declaration => "declaration",
        }
    }
}

/// A registration to gather facts for, with the window its IN/OUT sequence
/// is paired in: the person's registrations after `window_start` and before
/// `window_end` (both excluded) are its neighbours.
#[derive(Debug, Clone, PartialEq)]
pub struct FactsRequest {
    pub registration: Registration,
    pub window_start: OffsetDateTime,
    pub window_end: OffsetDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueStats {
    pub length: u64,
    pub oldest: Option<OffsetDateTime>,
}

/// How an import treats the rows already stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportMode {
    /// Rows of the file are added or updated; every other row stays.
    Merge,
    /// The file holds the whole of each owner it names (a person's
    /// employments or Limosa declarations, an enterprise's periods, a
    /// declaration's subcontractors): that owner's stored rows missing from
    /// the file are removed. Owners the file does not name are untouched.
    Replace,
}

/// A declaration row with the technical number to give it if it is new.
#[derive(Debug, Clone, PartialEq)]
pub struct DeclarationImport {
    pub declaration: Declaration,
    pub technical_number: String,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// "sqlite" or "postgres".
    fn backend(&self) -> &'static str;

    /// The latest schema version applied.
    async fn schema_version(&self) -> Result<i64>;

    /// When schema version `version` was applied to this database.
    async fn migration_applied_at(&self, version: i64) -> Result<Option<OffsetDateTime>>;

    /// What the database was created for (checked when it was opened).
    fn environment(&self) -> Environment;
    /// The simulation's state (the default for a production database).
    async fn simulation_state(&self) -> Result<SimulationState>;
    /// Records that the seed was loaded (simulation only).
    async fn simulation_seeded(&self, at: OffsetDateTime) -> Result<()>;
    /// Ends the day now: the INs of today before `at` count as left open
    /// (simulation only).
    async fn simulation_close_day(&self, at: OffsetDateTime) -> Result<()>;
    /// Empties the registries, the register, its queue and history, the
    /// audit log, users and workers' sign-ins, in one transaction, to load
    /// the seed again (simulation only). REST accounts, their certificates
    /// and the server's secrets are kept, and so are the declarations
    /// numbered in `keep` (the seed's, which the seed's import then sets back
    /// to the seed's values), so that their technical numbers, printed on
    /// posters and QR codes, survive the reset; their access grants are
    /// rebuilt from what is left of their chain.
    async fn simulation_reset(&self, keep: &[&str]) -> Result<()>;

    /// Stores registrations (group-committed); the answer comes after they are durable.
    async fn register(&self, items: Vec<NewRegistration>) -> Result<Vec<RegisterOutcome>>;

    /// A registration with its whole history.
    async fn registration(&self, id: RegistrationId) -> Result<Option<Registration>>;

    /// The registration a sender stored with this clientReference, if any.
    async fn registration_by_client_reference(
        &self,
        sender_id: &str,
        client_reference: &str,
    ) -> Result<Option<RegistrationId>>;

    /// One page of registrations matching the criteria, within the scope (without history).
    async fn search(&self, criteria: &SearchCriteria, scope: &Scope) -> Result<SearchPage>;

    /// Marks a registration cancelled and appends the event to its history.
    async fn cancel(
        &self,
        id: RegistrationId,
        at: OffsetDateTime,
        reason: CancelReason,
        comment: Option<&str>,
        by: &str,
    ) -> Result<CancelOutcome>;

    /// The grants `viewer` holds on a declaration.
    async fn grants(&self, declaration: &DeclarationNumber, viewer: &EnterpriseNumber) -> Result<Vec<AccessGrant>>;

    /// Upserts enterprises and their periods (with `Replace`, an
    /// enterprise's periods not in `rows` go, with their founders).
    async fn import_enterprises(&self, rows: &[EnterprisePeriod], mode: ImportMode) -> Result<ImportSummary>;
    async fn import_persons(&self, rows: &[PersonRecord]) -> Result<ImportSummary>;
    /// Upserts employments (with `Replace`, a person's employments not in
    /// `rows` go).
    async fn import_employments(&self, rows: &[Employment], mode: ImportMode) -> Result<ImportSummary>;
    /// Upserts Limosa declarations (with `Replace`, a person's Limosa
    /// declarations not in `rows` go).
    async fn import_limosa(&self, rows: &[LimosaDeclaration], mode: ImportMode) -> Result<ImportSummary>;
    /// Upserts declarations (keeping the technical number of known ones) and
    /// rebuilds their access grants.
    async fn import_declarations(&self, rows: &[DeclarationImport]) -> Result<ImportSummary>;
    /// Upserts subcontractors and rebuilds the access grants of their
    /// declarations (with `Replace`, a declaration's subcontractors not in
    /// `rows` go).
    async fn import_subcontractors(&self, rows: &[Subcontractor], mode: ImportMode) -> Result<ImportSummary>;

    async fn declaration(&self, number: &DeclarationNumber) -> Result<Option<DeclarationDetails>>;
    /// The declaration whose QR code and URL carry this technical number.
    async fn declaration_by_technical_number(&self, technical_number: &str) -> Result<Option<DeclarationDetails>>;

    async fn enterprise_exists(&self, enterprise: &EnterpriseNumber) -> Result<bool>;
    /// Adds a person's role for an enterprise; false if they already hold it.
    async fn add_enterprise_user(&self, user: &EnterpriseUser) -> Result<bool>;
    async fn enterprise_users(&self, enterprise: &EnterpriseNumber) -> Result<Vec<EnterpriseUser>>;

    /// Creates a REST account with its certificates; assigns the sender
    /// number and the client id.
    async fn create_account(&self, account: &NewAccount) -> Result<Result<Account, CertificateTaken>>;
    async fn accounts(&self) -> Result<Vec<Account>>;
    async fn account(&self, client_id: &str) -> Result<Option<Account>>;
    async fn update_account(
        &self,
        client_id: &str,
        change: &AccountChange,
        at: OffsetDateTime,
    ) -> Result<Option<Account>>;
    async fn add_certificate(
        &self,
        client_id: &str,
        certificate: &NewCertificate,
        at: OffsetDateTime,
    ) -> Result<CertificateOutcome>;
    async fn revoke_certificate(&self, client_id: &str, name: &str, at: OffsetDateTime) -> Result<CertificateOutcome>;
    /// Grows with every change of accounts or certificates.
    async fn channel_version(&self) -> Result<i64>;
    /// Remembers a client-assertion id until it expires; false if it was
    /// seen before (a replay), on any node sharing the database.
    async fn remember_jti(
        &self,
        client_id: &str,
        jti: &str,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<bool>;
    /// The secret of this name, created from `candidate` on first use, the
    /// same for every node sharing the database.
    async fn secret(&self, name: &str, candidate: &[u8], at: OffsetDateTime) -> Result<Vec<u8>>;
    /// The value of a named server secret, if there is one (nothing created).
    async fn find_secret(&self, name: &str) -> Result<Option<Vec<u8>>>;
    /// Sets a named server secret to `value`, whatever it was.
    async fn replace_secret(&self, name: &str, value: &[u8], at: OffsetDateTime) -> Result<()>;

    /// Claims up to `limit` queued registrations for `lease` (several
    /// workers, even on several nodes, never hold the same one).
    async fn claim_validations(&self, limit: u32, now: OffsetDateTime, lease: time::Duration) -> Result<Vec<Claim>>;
    /// Registrations by id, with their current state (no history), in no particular order.
    async fn registrations(&self, ids: &[RegistrationId]) -> Result<Vec<Registration>>;
    /// The facts the rules need about each registration of a batch, in the
    /// same order, gathered with a few set-based queries for the whole batch.
    async fn validation_facts(&self, batch: &[FactsRequest]) -> Result<Vec<StoredFacts>>;
    /// Stores validation results in one transaction; a result whose claim was
    /// lost (lease expired and taken by another worker, or released because
    /// the registration was queued again meanwhile) or whose registration
    /// was cancelled meanwhile is skipped. Returns how many were stored.
    ///
    /// Every way of queueing a registration (the functions below, and a
    /// result's requeue) releases a claim a worker holds on it: that
    /// worker's result was computed from facts the queueing says have
    /// changed (an import, an earlier registration arriving late, the
    /// simulation's end of the day), so it is dropped and the registration
    /// validated again.
    async fn complete_validations(&self, results: &[ValidationResult], at: OffsetDateTime) -> Result<u64>;
    /// Queues (again) the registrations of a period, optionally of one
    /// declaration, that are not cancelled. Returns how many were queued.
    async fn enqueue_validations(
        &self,
        from: OffsetDateTime,
        to: OffsetDateTime,
        declaration: Option<&DeclarationNumber>,
        at: OffsetDateTime,
    ) -> Result<u64>;
    /// Queues the INs of `[from, to)` that have no DAY_LEFT_OPEN remark yet
    /// and no later registration of the same person on the same workplace
    /// less than `window` after them.
    async fn enqueue_open_days(
        &self,
        from: OffsetDateTime,
        to: OffsetDateTime,
        window: time::Duration,
        at: OffsetDateTime,
    ) -> Result<u64>;
    async fn queue_stats(&self) -> Result<QueueStats>;
    /// Refreshes the planner's statistics after bulk changes (imports): the
    /// plans of the validation's lookups depend on them on PostgreSQL.
    async fn refresh_statistics(&self) -> Result<()>;
    /// A serving node says it is alive (its row made or refreshed).
    async fn node_seen(&self, node: &str, started_at: OffsetDateTime, at: OffsetDateTime) -> Result<()>;
    /// A serving node stops: its row goes.
    async fn node_gone(&self, node: &str) -> Result<()>;
    /// The nodes that said they are alive since `since`, with when they last did.
    async fn live_nodes(&self, since: OffsetDateTime) -> Result<Vec<(String, OffsetDateTime)>>;
    /// The Limosa numbers of these persons' stored Limosa declarations (what
    /// an import replacing them may remove).
    async fn limosa_ids_of(&self, ssins: &[String]) -> Result<Vec<String>>;
    /// The SSIN each of these Limosa ids is declared for (the ids without a
    /// stored Limosa declaration are left out): a posted worker's two
    /// identifiers, paired as one person.
    async fn limosa_persons(&self, limosa_ids: &[String]) -> Result<Vec<(String, String)>>;
    /// The founders (SSINs) stored for any period of these enterprises
    /// (what an import of their periods may remove: a period's founders are
    /// the file's, merging or replacing).
    async fn founders_of(&self, enterprises: &[String]) -> Result<Vec<String>>;
    /// Queues the person's registrations (not cancelled) dated from `after`
    /// (included) and before `before`: what a cancellation of one of the
    /// person's registrations between them can change.
    async fn enqueue_person_between(
        &self,
        person: &ciao_domain::Person,
        after: OffsetDateTime,
        before: OffsetDateTime,
        at: OffsetDateTime,
    ) -> Result<u64>;
    /// Queues the registrations (not cancelled) whose `key` is one of `values`:
    /// what a change of reference data can affect.
    async fn enqueue_for(&self, key: RegistrationKey, values: &[String], at: OffsetDateTime) -> Result<u64>;

    /// Appends to the audit log.
    async fn audit(&self, entry: AuditEntry) -> Result<()>;
    /// The latest audit entries, newest first.
    async fn audit_entries(&self, limit: u32) -> Result<Vec<AuditEntry>>;

    // The workers' sign-in (smartphone channel).
    /// Stores a one-time activation code (its SHA-256 hash) for a person.
    async fn add_activation_code(
        &self,
        code_hash: &str,
        ssin: &Ssin,
        created_at: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<()>;
    /// The person of an activation code that is neither used nor expired.
    async fn activation_code(&self, code_hash: &str, now: OffsetDateTime) -> Result<Option<Ssin>>;
    /// Uses an activation code, in one transaction: marks it used, replaces
    /// every earlier credential of the person by the new one, and signs out
    /// earlier sessions. None when the code is used, expired or unknown.
    async fn enrol_worker(&self, code_hash: &str, enrolment: &Enrolment, now: OffsetDateTime) -> Result<Option<Ssin>>;
    async fn worker_credentials(&self, ssin: &Ssin) -> Result<Option<WorkerCredentials>>;
    /// Counts a failed PIN attempt; at `max_attempts` the PIN is locked until
    /// `lock_until` and the count starts again. Returns the count.
    async fn pin_failed(&self, ssin: &Ssin, max_attempts: i64, lock_until: OffsetDateTime) -> Result<i64>;
    async fn pin_succeeded(&self, ssin: &Ssin) -> Result<()>;
    /// Until when PIN sign-in is locked for an SSIN without a PIN, by its
    /// opaque key (see [`Store::pin_missed`]), if it is locked at `now`.
    async fn pin_miss_locked_until(&self, key: &str, now: OffsetDateTime) -> Result<Option<OffsetDateTime>>;
    /// Counts a wrong PIN for an SSIN without a PIN, by an opaque key of it,
    /// as [`Store::pin_failed`] counts one for a real PIN: at `max_attempts`
    /// it is locked until `lock_until` and the count starts again. Returns
    /// the count. Keys not touched since `forget_before` are deleted.
    async fn pin_missed(
        &self,
        key: &str,
        max_attempts: i64,
        lock_until: OffsetDateTime,
        now: OffsetDateTime,
        forget_before: OffsetDateTime,
    ) -> Result<i64>;
    async fn passkey(&self, credential_id: &str) -> Result<Option<PasskeyRecord>>;
    async fn passkey_used(&self, credential_id: &str, sign_count: i64, at: OffsetDateTime) -> Result<()>;
    /// Last and first name from the persons registry.
    async fn person_name(&self, ssin: &Ssin) -> Result<Option<(String, String)>>;
    /// The enterprises the person works for on the day (employments and
    /// founder periods), by enterprise number.
    async fn person_enterprises(&self, ssin: &Ssin, day: time::Date) -> Result<Vec<PersonEnterprise>>;
    async fn employer_choice(&self, ssin: &Ssin, declaration: &DeclarationNumber) -> Result<Option<EnterpriseNumber>>;
    /// Adds an invitation; the person's earlier open invitations expire.
    async fn add_employer_invitation(
        &self,
        code_hash: &str,
        ssin: &Ssin,
        invited_by: &str,
        created_at: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<()>;
    async fn employer_invitation(&self, code_hash: &str, now: OffsetDateTime) -> Result<Option<Ssin>>;
    /// Uses an invitation: marks it used and sets (or replaces) the person's
    /// password and TOTP secret, signing out earlier sessions.
    async fn enrol_employer(
        &self,
        code_hash: &str,
        password_hash: &str,
        totp_secret: &[u8],
        totp_step: i64,
        now: OffsetDateTime,
    ) -> Result<Option<Ssin>>;
    async fn employer_credentials(&self, ssin: &Ssin) -> Result<Option<EmployerCredentials>>;
    /// A failed sign-in; at `max_attempts` the account is locked until `lock_until`.
    async fn employer_sign_in_failed(&self, ssin: &Ssin, max_attempts: i64, lock_until: OffsetDateTime) -> Result<i64>;
    /// A successful sign-in with the TOTP step used; false when that step (or
    /// a later one) was used meanwhile (a replayed code).
    async fn employer_signed_in(&self, ssin: &Ssin, totp_step: i64) -> Result<bool>;
    /// A successful sign-in with a passkey as second factor: the failures
    /// are forgotten and the passkey's signature counter kept; false when
    /// the passkey is no longer the person's.
    async fn employer_signed_in_with_passkey(
        &self,
        ssin: &Ssin,
        credential_id: &str,
        sign_count: i64,
        at: OffsetDateTime,
    ) -> Result<bool>;
    /// Adds a passkey to a user of the online service (the record's SSIN);
    /// false when that credential id is already known (to anyone).
    async fn add_employer_passkey(&self, record: &PasskeyRecord, at: OffsetDateTime) -> Result<bool>;
    /// A user's passkey by its credential id (base64url, no padding).
    async fn employer_passkey(&self, credential_id: &str) -> Result<Option<PasskeyRecord>>;
    /// Every employer user's TOTP secret as stored (sealed, or in plain
    /// from before secrets were encrypted), to check and seal them at start.
    async fn employer_totp_secrets(&self) -> Result<Vec<(Ssin, Vec<u8>)>>;
    /// Replaces a user's stored TOTP secret (the same secret, sealed), only
    /// if it is still `old` when given; whether it was replaced.
    async fn set_employer_totp_secret(&self, ssin: &Ssin, old: Option<&[u8]>, stored: &[u8]) -> Result<bool>;
    /// Removes a user's sign-in (password, TOTP secret, passkeys): they set
    /// it up again with a new invitation.
    async fn forget_employer_sign_in(&self, ssin: &Ssin) -> Result<()>;
    /// Records a new web session of `kind` ("worker", "employer"); the
    /// person's expired ones are removed.
    async fn add_web_session(&self, kind: &str, ssin: &Ssin, session: &WebSession) -> Result<()>;
    /// A web session, revoked or not; None when it has no row.
    async fn web_session(&self, kind: &str, ssin: &Ssin, issued_at: OffsetDateTime) -> Result<Option<WebSession>>;
    /// What a signed-in request checks, in one read: since when the
    /// person's sessions of `kind` count (their credentials'
    /// `sessions_valid_after`), and the session's row if it has one; None
    /// when the person has no credentials of that kind.
    async fn session_state(
        &self,
        kind: &str,
        ssin: &Ssin,
        issued_at: OffsetDateTime,
    ) -> Result<Option<(OffsetDateTime, Option<WebSession>)>>;
    /// Sets what a session's browser is, and when it was last seen.
    async fn touch_web_session(
        &self,
        kind: &str,
        ssin: &Ssin,
        issued_at: OffsetDateTime,
        device: Option<&str>,
        at: OffsetDateTime,
    ) -> Result<()>;
    /// The person's sessions neither revoked nor expired at `now`, newest first.
    async fn web_sessions(&self, kind: &str, ssin: &Ssin, now: OffsetDateTime) -> Result<Vec<WebSession>>;
    /// Revokes the person's sessions issued at `issued_at` (one), or all but
    /// `keep` when `issued_at` is None; how many were revoked.
    async fn revoke_web_sessions(
        &self,
        kind: &str,
        ssin: &Ssin,
        issued_at: Option<OffsetDateTime>,
        keep: Option<OffsetDateTime>,
        at: OffsetDateTime,
    ) -> Result<u64>;
    /// A user's passkeys, oldest first.
    async fn employer_passkeys(&self, ssin: &Ssin) -> Result<Vec<EmployerPasskey>>;
    /// Removes one of a user's passkeys; false when it was not theirs.
    async fn remove_employer_passkey(&self, ssin: &Ssin, credential_id: &str) -> Result<bool>;
    /// The roles of a person, in every enterprise.
    async fn person_roles(&self, ssin: &Ssin) -> Result<Vec<EnterpriseUser>>;
    async fn remove_enterprise_user(&self, enterprise: &EnterpriseNumber, ssin: &Ssin, role: Role) -> Result<bool>;
    /// Retention: deletes up to `limit` registrations registered before
    /// `before`, the oldest first, with their history, remarks and queue
    /// rows, in one transaction; how many went (0: none left).
    async fn purge_registrations(&self, before: OffsetDateTime, limit: u32) -> Result<u64>;
    /// Retention: deletes up to `limit` audit entries written before
    /// `before`, the oldest first, in one transaction; how many went.
    async fn purge_audit(&self, before: OffsetDateTime, limit: u32) -> Result<u64>;
    /// How many registrations were registered, and how many audit entries
    /// written, before `before` (what a purge would delete).
    async fn count_before(&self, before: OffsetDateTime) -> Result<(u64, u64)>;
    /// One page of an enterprise's audit log, newest first: `limit` entries
    /// after skipping the `offset` newest, and how many entries it has in all.
    async fn enterprise_audit_page(
        &self,
        enterprise: &EnterpriseNumber,
        offset: u64,
        limit: u32,
    ) -> Result<(Vec<AuditEntry>, u64)>;
    async fn set_employer_choice(
        &self,
        ssin: &Ssin,
        declaration: &DeclarationNumber,
        employer: &EnterpriseNumber,
        at: OffsetDateTime,
    ) -> Result<()>;

    // The declarations of works pages of the employers' online service.
    /// The declarations where the enterprise is the declaring contractor,
    /// the principal or a subcontractor, each with its chain; the latest
    /// start first, at most `limit`. Three indexed lookups (declaring
    /// contractor, principal, subcontractor's enterprise).
    async fn declarations_of(&self, enterprise: &EnterpriseNumber, limit: u32) -> Result<Vec<DeclarationDetails>>;
    /// The names of these enterprises in the registry; unknown ones are left out.
    async fn enterprise_names(&self, enterprises: &[EnterpriseNumber]) -> Result<Vec<(EnterpriseNumber, String)>>;
}

/// Opens the production database named by `url`, creating and migrating it if needed.
pub async fn open(url: &str) -> Result<Arc<dyn Store>> {
    open_as(url, Environment::Production).await
}

/// Opens the database named by `url` for an environment, creating and
/// migrating it if needed. A new database is created for that environment;
/// an existing one created for the other is refused before anything is
/// changed ([`StoreError::WrongEnvironment`]).
pub async fn open_as(url: &str, environment: Environment) -> Result<Arc<dyn Store>> {
    Ok(match Backend::of(url)? {
        Backend::Sqlite => Arc::new(sqlite::SqliteStore::open(url, environment).await?),
        Backend::Postgres => Arc::new(postgres::PgStore::open(url, environment).await?),
    })
}

/// The kind of database a URL names.
enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    fn of(url: &str) -> Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl(redact(url)))
        }
    }
}

/// What can be told of a database URL before anything is made: its kind,
/// and for SQLite that the file's directory exists (a mistyped path is
/// refused before a command creates anything else, the secrets key say)
/// and, with `existing`, the file itself (a maintenance command on a
/// database that is not there is an error, not a new database; PostgreSQL
/// says so itself when connecting).
///
/// Answers the file of an SQLite database that is not there yet (opening it
/// will create it), for the command line to say so.
pub fn check_url(url: &str, existing: bool) -> Result<Option<std::path::PathBuf>> {
    match Backend::of(url)? {
        Backend::Sqlite => {
            let options = sqlite::connect_options(url)?;
            sqlite::check_path(&options, existing)?;
            let file = options.get_filename();
            Ok((!file.exists()).then(|| file.to_path_buf()))
        }
        Backend::Postgres => Ok(None),
    }
}

/// The URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s + 3 => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_redacted() {
        assert_eq!(super::redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(super::redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(super::redact("sqlite:///tmp/x.db"), "sqlite:///tmp/x.db");
    }
}
