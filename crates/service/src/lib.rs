//! The use cases of ciao: register, consult, cancel, import reference data.
//!
//! Every door (the REST API, the web pages, the CLI) calls this layer; the
//! access rules are applied here and every consultation is audited here.

use std::collections::HashMap;
use std::sync::Arc;

use ciao_domain::access::{AccessGrant, GrantRole};
use ciao_domain::channel::{Permission, Permissions};
use ciao_domain::reference::DeclarationDetails;
use ciao_domain::search::SearchCriteria;
use ciao_domain::{
    CancelReason, Channel, DeclarationNumber, Employer, EnterpriseNumber, FieldError, Person, RealTimePolicy,
    Registration, RegistrationId, RegistrationInput, Sender, Ssin, Validity,
};
use ciao_store::{AuditEntry, CancelOutcome, Scope, SearchPage, Store, StoreError};
use time::OffsetDateTime;

pub mod channels;
pub mod declarations;
pub mod employer;
pub mod import;
pub mod nodes;
pub mod oauth;
pub mod retention;
pub mod sessions;
pub mod simulation;
pub mod validation;
pub mod worker;

pub use ciao_auth;
pub use ciao_store;

/// Where the service reads the time: the system clock, or a fixed one in tests.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> OffsetDateTime;
}

#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// The operator of the register (the CLI): sees everything.
    Operator { name: String },
    /// A registration system (REST client) acting for an enterprise, with
    /// the permissions its access token carries.
    Client { client_id: String, enterprise: EnterpriseNumber, permissions: Permissions },
    /// A person signed in to the web pages.
    Person { ssin: Ssin, name: String },
}

impl Caller {
    pub fn name(&self) -> String {
        match self {
            Self::Operator { name } => format!("operator:{name}"),
            Self::Client { client_id, .. } => client_id.clone(),
            Self::Person { ssin, .. } => format!("person:{}", ssin.masked()),
        }
    }

    fn sender(&self) -> Sender {
        match self {
            Self::Operator { name } => Sender { id: format!("operator:{name}"), enterprise: None },
            Self::Client { client_id, enterprise, .. } => {
                Sender { id: client_id.clone(), enterprise: Some(enterprise.clone()) }
            }
            Self::Person { ssin, .. } => Sender { id: format!("person:{}", ssin.as_str()), enterprise: None },
        }
    }

    /// A client needs the permission (the scope of its token); the operator
    /// and persons are checked by the use case itself. (The REST routes also
    /// call it first, before reading the request.)
    pub fn require(&self, p: Permission) -> Result<()> {
        match self {
            Self::Client { permissions, .. } if !permissions.contains(p) => Err(ServiceError::InsufficientScope(p)),
            _ => Ok(()),
        }
    }
}

/// The answer to an item whose clientReference its sender had used: the
/// stored registration when the item is the same presence sent again,
/// otherwise a refusal (a reference stands for one registration; an OUT
/// sent under an IN's reference would otherwise be lost without a word).
fn replay(item: &ciao_domain::NewRegistration, mut stored: Registration) -> ItemResult {
    let differences = item.replay_differences(&stored.data);
    if differences.is_empty() {
        stored.history.truncate(0);
        return ItemResult::Created(Box::new(stored));
    }
    ItemResult::NotCreated(vec![FieldError::new(
        "clientReference",
        "clientReference.reused",
        format!(
            "clientReference {} was already used by this registration system for registration {}, which has another {}; \
             a clientReference stands for one registration: send a new one",
            item.client_reference.as_deref().unwrap_or_default(),
            stored.id,
            differences.join(", ")
        ),
    )])
}

/// Why a use case refused something that is not a field's value: a stable
/// code the pages translate (`error.{code}`; every code is in
/// [`DENIAL_CODES`]) and the English sentence, with the case's numbers, that
/// the REST API and the command line give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    pub code: &'static str,
    pub message: String,
    /// The instant the refusal names, when it has one (a lock's end), for
    /// the pages to say in their own words.
    pub until: Option<OffsetDateTime>,
}

impl std::fmt::Display for Denial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<Denial> for String {
    fn from(d: Denial) -> Self {
        d.message
    }
}

impl std::ops::Deref for Denial {
    type Target = str;
    fn deref(&self) -> &str {
        &self.message
    }
}

/// Every code a [`Denial`] carries (a test of the pages checks that each
/// has its four translations).
pub const DENIAL_CODES: &[&str] = &[
    "signIn.locked",
    "pin.locked",
    "certificate.taken",
    "certificateName.taken",
    "certificate.unknown",
    "account.unknown",
    "denied.simulationOnly",
    "denied.simulationReset",
    "denied.nodesServing",
    "denied.signInFirst",
    "denied.sessionUnknown",
    "denied.inviteByManager",
    "denied.personOnlyTask",
    "denied.noSignIn",
    "denied.noRoleLeft",
    "denied.secretsKey",
    "denied.noRole",
    "denied.registrationUnknown",
    "denied.declarationUnknown",
    "denied.managersOnly",
    "denied.channelManagers",
    "denied.roleHeld",
    "denied.roleNotHeld",
    "denied.operatorRegisters",
    "denied.managerAppoints",
    "denied.passkeyHost",
    "denied.operatorOnly",
    "denied.workerOnly",
    "denied.channel",
    "denied.workerPages",
    "denied.otherSender",
    "denied.alreadyCancelled",
    "denied.cancelWindow",
    "denied.workplaceUnknown",
    "denied.declarationManagers",
    "denied.numberExhausted",
    "denied.chainAdds",
    "denied.chainEnds",
    "denied.declaringCloses",
];

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{}", describe(.0))]
    Invalid(Vec<FieldError>),
    #[error("{0}")]
    NotFound(Denial),
    #[error("{0}")]
    Forbidden(Denial),
    #[error("{0}")]
    Conflict(Denial),
    #[error("this needs the scope {}", .0.scope())]
    InsufficientScope(Permission),
    #[error(transparent)]
    Store(StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ServiceError {
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::NotFound(Denial { code, message: message.into(), until: None })
    }

    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::Forbidden(Denial { code, message: message.into(), until: None })
    }

    /// A refusal that lasts until `until` (a lock).
    pub fn forbidden_until(code: &'static str, message: impl Into<String>, until: OffsetDateTime) -> Self {
        Self::Forbidden(Denial { code, message: message.into(), until: Some(until) })
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict(Denial { code, message: message.into(), until: None })
    }

    /// The denial's code, for a refusal that has one.
    pub fn denial_code(&self) -> Option<&'static str> {
        match self {
            Self::NotFound(d) | Self::Forbidden(d) | Self::Conflict(d) => Some(d.code),
            _ => None,
        }
    }
}

impl From<StoreError> for ServiceError {
    /// A value the database refuses as text is the caller's input: refused
    /// as such (4xx), never a failure of the service.
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::InvalidText(m) => Self::Invalid(vec![FieldError::new("", "text.character", m)]),
            e => Self::Store(e),
        }
    }
}

fn describe(errors: &[FieldError]) -> String {
    errors.iter().map(|e| format!("{}: {} ({})", e.field, e.description, e.code)).collect::<Vec<_>>().join("; ")
}

pub type Result<T, E = ServiceError> = std::result::Result<T, E>;

#[derive(Debug, Clone)]
pub struct Config {
    pub real_time: RealTimePolicy,
    /// Absolute base URL of the server (no trailing slash): the audience of
    /// client assertions is this + `/REST/oauth/v5/token`.
    pub public_url: String,
    /// How long an access token lives.
    pub token_lifetime: time::Duration,
    /// Settings of the asynchronous validation.
    pub validation: ciao_domain::remarks::ValidationPolicy,
    /// The simulation environment for integrators (`ciao serve
    /// --simulation`): a simulation database only, seeded; every response
    /// says so; reset and "end the day now" are allowed.
    pub simulation: bool,
    /// The key the employer users' TOTP secrets are sealed with, kept
    /// outside the database (the binary reads it from its key file); the
    /// database records its fingerprint and refuses another key. None: this
    /// process neither seals nor opens TOTP secrets (benchmarks, tests
    /// without employer users): enrolment and TOTP sign-in then fail.
    pub secrets: Option<Arc<ciao_auth::secretbox::SecretBox>>,
    /// At start, forget (instead of refusing the database) the sign-in of
    /// employer users whose TOTP secret does not open with this key: the
    /// way out after a lost key (`ciao enterprise user forget-unreadable`);
    /// they are invited again.
    pub forget_unreadable_secrets: bool,
    /// During `ciao secrets-key rotate`: the new key, whose secrets (and
    /// fingerprint) an interrupted rotation may already have left in the
    /// database; the start accepts them.
    pub rotating_to: Option<Arc<ciao_auth::secretbox::SecretBox>>,
    /// The bearer secret `/metrics` asks of the monitoring system; None:
    /// `/metrics` is open (counts only; see the README).
    pub metrics_token: Option<Arc<ciao_auth::bearer::BearerSecret>>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (the address
    /// the sign-in throttle counts by); empty: the connection's peer is the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            real_time: RealTimePolicy::default(),
            public_url: "http://127.0.0.1:8080".into(),
            token_lifetime: time::Duration::minutes(10),
            validation: ciao_domain::remarks::ValidationPolicy::default(),
            simulation: false,
            secrets: None,
            forget_unreadable_secrets: false,
            rotating_to: None,
            metrics_token: None,
            trusted_proxies: Vec::new(),
        }
    }
}

/// How soon, at the earliest, a refused sign-in by SSIN (PIN, or employer
/// password and second factor) is answered after it arrived. Each refusal
/// does different work: a wrong secret for a known person checks its hash
/// and writes the count and an audit entry, one for an SSIN without an
/// account checks a decoy hash and counts under an opaque key, a locked
/// account reads one or two rows and checks nothing. Those paths differ by
/// milliseconds, which an attacker could measure to tell which SSINs have
/// an account; answered no sooner than this (well above the slowest of
/// them, the hash check of some tens of milliseconds), they take the
/// same time. A refusal only: a successful sign-in is answered at once.
pub const SIGN_IN_REFUSAL_FLOOR: std::time::Duration = std::time::Duration::from_millis(300);

/// `result` once [`SIGN_IN_REFUSAL_FLOOR`] has passed since `started` if it
/// is a refusal, at once otherwise.
pub(crate) async fn refused_no_sooner<T>(started: tokio::time::Instant, result: Result<T>) -> Result<T> {
    if result.is_err() {
        tokio::time::sleep_until(started + SIGN_IN_REFUSAL_FLOOR).await;
    }
    result
}

/// The answer for one item of a bulk registration.
#[derive(Debug, Clone, PartialEq)]
pub enum ItemResult {
    Created(Box<Registration>),
    NotCreated(Vec<FieldError>),
}

/// A cancellation request as it arrives.
#[derive(Debug, Clone, Default)]
pub struct CancelInput {
    pub reason: Option<String>,
    pub comment: Option<String>,
}

pub const CANCEL_COMMENT_MAX: usize = 500;

/// How long after its registration date a registration may be cancelled
/// by its sender: later, a correction is asked of the RSZ/ONSS with
/// supporting documents, which the real service accepts within 30 days of
/// the registration date. The operator, who makes those corrections, is
/// not bound by it.
pub const CANCEL_WINDOW: time::Duration = time::Duration::days(30);

#[derive(Clone)]
pub struct Service {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    /// Shared: the service is cloned for every request (axum's state).
    config: Arc<Config>,
    channels: Arc<channels::ChannelCache>,
    token_key: Arc<ciao_auth::token::TokenKey>,
    sealer: Arc<worker::Sealer>,
    /// Encrypts the web session cookies (a key derived from the worker
    /// secret, shared by every node).
    cookies: Arc<ciao_auth::secretbox::SecretBox>,
    /// Seals the employer users' TOTP secrets at rest (None: this process
    /// has no key, and neither seals nor opens them).
    secrets: Option<Arc<ciao_auth::secretbox::SecretBox>>,
    /// Since when every web session has its row (schema version 11): a
    /// session issued since then without one is not valid.
    sessions_kept_since: OffsetDateTime,
    pub metrics: Arc<validation::ValidationMetrics>,
}

/// The name of the access-token signing secret in the database.
const TOKEN_SECRET: &str = "access-token-hmac-v1";

/// How sign-ins for an SSIN without such an account are counted
/// ([`Service::count_miss`]): the key's purpose, the security log's action
/// and reason, and the lock (after how many, for how long) of a wrong secret.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MissRule {
    pub purpose: &'static str,
    pub action: &'static str,
    pub reason: &'static str,
    pub max_attempts: i64,
    pub lock: time::Duration,
}

impl Service {
    /// Builds the service: loads (or creates) the token signing secret,
    /// shared by every node of the database, and the account cache. The
    /// store's environment must be the configured one; a new simulation
    /// database gets its seed.
    pub async fn start(store: Arc<dyn Store>, clock: Arc<dyn Clock>, mut config: Config) -> Result<Self> {
        config.public_url = config.public_url.trim_end_matches('/').to_string();
        let expected =
            if config.simulation { ciao_store::Environment::Simulation } else { ciao_store::Environment::Production };
        if store.environment() != expected {
            return Err(StoreError::WrongEnvironment { found: store.environment(), expected }.into());
        }
        let candidate = ciao_auth::token::TokenKey::generate_secret()
            .map_err(|e| ServiceError::Internal(format!("no randomness for the token secret: {e}")))?;
        let secret = store.secret(TOKEN_SECRET, &candidate, clock.now()).await?;
        let candidate = ciao_auth::token::TokenKey::generate_secret()
            .map_err(|e| ServiceError::Internal(format!("no randomness for the worker secret: {e}")))?;
        let worker_secret = store.secret(worker::WORKER_SECRET, &candidate, clock.now()).await?;
        let secrets = config.secrets.clone();
        let sessions_kept_since =
            store.migration_applied_at(sessions::SESSIONS_SCHEMA_VERSION).await?.unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let service = Self {
            store,
            clock,
            config: Arc::new(config),
            channels: Arc::new(channels::ChannelCache::default()),
            token_key: Arc::new(ciao_auth::token::TokenKey::from_secret(&secret)),
            sealer: Arc::new(worker::Sealer::new(&worker_secret)),
            cookies: Arc::new(
                ciao_auth::secretbox::SecretBox::new(
                    &ciao_auth::token::TokenKey::from_secret(&worker_secret).mac(b"ciao session cookie key v1"),
                )
                .map_err(|e| ServiceError::Internal(format!("the session cookie key: {e}")))?,
            ),
            secrets,
            sessions_kept_since,
            metrics: Arc::new(validation::ValidationMetrics::default()),
        };
        service.check_secrets().await?;
        service.refresh_channels(true).await?;
        if service.config.simulation && service.store.simulation_state().await?.seeded_at.is_none() {
            service.seed_simulation().await?;
        }
        Ok(service)
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The current time, at the microsecond precision the register keeps.
    pub fn now(&self) -> OffsetDateTime {
        ciao_domain::clock::truncate_micros(self.clock.now())
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Whether a request with this `Authorization` header may read the
    /// operator's metrics: any request when no metrics token is configured,
    /// otherwise only `Bearer <token>`.
    pub fn may_read_metrics(&self, authorization: Option<&str>) -> bool {
        self.config.metrics_token.as_ref().is_none_or(|token| token.admits(authorization))
    }

    /// Registers items; each is created or refused on its own, in order.
    /// Items that arrived malformed come in as `Err` with their errors.
    pub async fn register(
        &self,
        caller: &Caller,
        channel: Channel,
        items: Vec<Result<RegistrationInput, Vec<FieldError>>>,
    ) -> Result<Vec<ItemResult>> {
        self.register_items(caller, channel, items, None).await
    }

    /// [`Service::register`], with the issue instant of the rotating site
    /// code the items came through (smartphone channel).
    async fn register_items(
        &self,
        caller: &Caller,
        channel: Channel,
        items: Vec<Result<RegistrationInput, Vec<FieldError>>>,
        site_code_issued_at: Option<OffsetDateTime>,
    ) -> Result<Vec<ItemResult>> {
        caller.require(Permission::Register)?;
        // Each door registers through its own channel: registration systems
        // through REST, a person only through their own phone.
        match (caller, channel) {
            (Caller::Person { .. }, Channel::Smartphone)
            | (Caller::Client { .. } | Caller::Operator { .. }, Channel::Rest) => {}
            _ => {
                return Err(ServiceError::forbidden(
                    "denied.channel",
                    format!("{} cannot register through the {} channel", caller.name(), channel.as_str()),
                ));
            }
        }
        let now = self.now();
        let sender = caller.sender();
        let mut results: Vec<Option<ItemResult>> = Vec::with_capacity(items.len());
        let mut to_store = Vec::new();
        let mut slots = Vec::new();
        let mut grants: HashMap<DeclarationNumber, Vec<AccessGrant>> = HashMap::new();
        for item in items {
            let valid = match item {
                Err(errors) => Err(errors),
                Ok(input) => match input.validate(now, self.config.real_time) {
                    Ok(v) => Ok(v),
                    Err(errors) => match self.late_replay(&input, channel, &sender, now).await? {
                        Some(replayed) => {
                            results.push(Some(replayed));
                            continue;
                        }
                        None => Err(errors),
                    },
                },
            };
            match valid {
                Err(errors) => results.push(Some(ItemResult::NotCreated(errors))),
                Ok(v) => {
                    if let Caller::Person { ssin, .. } = caller
                        && !matches!(&v.person, Person::Ssin(s) if s == ssin)
                    {
                        results.push(Some(ItemResult::NotCreated(vec![FieldError::new(
                            "ssin",
                            "access.person",
                            "a person registers only their own presence",
                        )])));
                        continue;
                    }
                    if let Caller::Client { enterprise, .. } = caller
                        && !self.may_register_for(enterprise, &v.declaration, &v.employer, &mut grants).await?
                    {
                        results.push(Some(ItemResult::NotCreated(vec![FieldError::new(
                            "employer",
                            "access.employer",
                            format!(
                                "a registration system of enterprise {enterprise} registers only for its own workers, \
                                     or for those of its subcontractors on declaration {}",
                                v.declaration
                            ),
                        )])));
                        continue;
                    }
                    slots.push(results.len());
                    results.push(None);
                    let mut new = v.into_new(channel, sender.clone(), now);
                    new.site_code_issued_at = site_code_issued_at;
                    to_store.push(new);
                }
            }
        }
        let count = to_store.len();
        let outcomes = self.store.register(to_store.clone()).await?;
        for ((slot, new), outcome) in slots.into_iter().zip(to_store).zip(outcomes) {
            results[slot] = Some(if outcome.existing {
                match self.store.registration(outcome.id).await? {
                    Some(stored) => replay(&new, stored),
                    None => {
                        return Err(ServiceError::not_found(
                            "denied.registrationUnknown",
                            format!("registration {} vanished", outcome.id),
                        ));
                    }
                }
            } else {
                ItemResult::Created(Box::new(Registration {
                    id: outcome.id,
                    data: new,
                    validity: Validity::Pending,
                    remarks: Vec::new(),
                    history: Vec::new(),
                }))
            });
        }
        // The caller's name, not the sender's id: a person's holds the whole SSIN.
        tracing::debug!(sender = %caller.name(), stored = count, "registered");
        Ok(results.into_iter().flatten().collect())
    }

    /// An item refused by the real-time window may be the retry of one
    /// registered in time (a badge system that was offline, a phone that
    /// lost its answer): if it is otherwise valid and its sender stored a
    /// registration under its clientReference, the answer is that
    /// registration (or the reference's reuse refused), as for a retry in
    /// time, not "not created".
    async fn late_replay(
        &self,
        input: &RegistrationInput,
        channel: Channel,
        sender: &Sender,
        now: OffsetDateTime,
    ) -> Result<Option<ItemResult>> {
        let Some(reference) = input.client_reference.as_deref() else { return Ok(None) };
        let any_time =
            RealTimePolicy { max_past: time::Duration::days(36_600), max_future: time::Duration::days(36_600) };
        let Ok(valid) = input.validate(now, any_time) else { return Ok(None) };
        let Some(id) = self.store.registration_by_client_reference(&sender.id, reference).await? else {
            return Ok(None);
        };
        let Some(stored) = self.store.registration(id).await? else { return Ok(None) };
        Ok(Some(replay(&valid.into_new(channel, sender.clone(), now), stored)))
    }

    async fn grants_of(
        &self,
        viewer: &EnterpriseNumber,
        declaration: &DeclarationNumber,
        cache: &mut HashMap<DeclarationNumber, Vec<AccessGrant>>,
    ) -> Result<Vec<AccessGrant>> {
        if let Some(g) = cache.get(declaration) {
            return Ok(g.clone());
        }
        let g = self.store.grants(declaration, viewer).await?;
        cache.insert(declaration.clone(), g.clone());
        Ok(g)
    }

    async fn may_register_for(
        &self,
        caller: &EnterpriseNumber,
        declaration: &DeclarationNumber,
        employer: &Employer,
        cache: &mut HashMap<DeclarationNumber, Vec<AccessGrant>>,
    ) -> Result<bool> {
        if employer.enterprise() == Some(caller) {
            return Ok(true);
        }
        let grants = self.grants_of(caller, declaration, cache).await?;
        Ok(match employer {
            Employer::Enterprise(e) => {
                grants.iter().any(|g| g.role == GrantRole::Contractor && g.employer.as_ref() == Some(e))
            }
            // Foreign employers are not in the (Belgian) chain: the contractors
            // of the declaration provide their registration system.
            Employer::ForeignVat(_) => {
                grants.iter().any(|g| matches!(g.role, GrantRole::Declarer | GrantRole::Contractor))
            }
        })
    }

    async fn may_consult(&self, caller: &Caller, r: &Registration) -> Result<bool> {
        let enterprise = match caller {
            Caller::Operator { .. } => return Ok(true),
            Caller::Person { ssin, .. } => {
                return Ok(matches!(&r.data.person, Person::Ssin(s) if s == ssin));
            }
            Caller::Client { enterprise, .. } => enterprise,
        };
        self.enterprise_may_consult(enterprise, r).await
    }

    /// The access rule of consultation, the same for a registration system
    /// and for the users of the online service: the employer's own, and what
    /// the enterprise's role in the declaration's chain grants.
    pub(crate) async fn enterprise_may_consult(&self, enterprise: &EnterpriseNumber, r: &Registration) -> Result<bool> {
        let employer = r.data.employer.enterprise();
        if employer == Some(enterprise) {
            return Ok(true);
        }
        let grants = self.store.grants(&r.data.declaration, enterprise).await?;
        Ok(ciao_domain::access::may_consult(enterprise, employer, &grants))
    }

    /// A registration with its history, if the caller may see it; otherwise
    /// not found, as if it did not exist.
    pub async fn registration(&self, caller: &Caller, id: RegistrationId) -> Result<Registration> {
        caller.require(Permission::Consult)?;
        let not_found =
            || ServiceError::not_found("denied.registrationUnknown", format!("there is no registration {id}"));
        let r = self.store.registration(id).await?.ok_or_else(not_found)?;
        if !self.may_consult(caller, &r).await? {
            return Err(not_found());
        }
        self.audit(caller, "registration.consult", Some(id.to_string()), serde_json::json!({})).await?;
        Ok(r)
    }

    pub async fn search(&self, caller: &Caller, criteria: &SearchCriteria) -> Result<SearchPage> {
        caller.require(Permission::Consult)?;
        let scope = match caller {
            Caller::Operator { .. } => Scope::All,
            Caller::Client { enterprise, .. } => Scope::Enterprise(enterprise.clone()),
            Caller::Person { .. } => {
                return Err(ServiceError::forbidden(
                    "denied.workerPages",
                    "persons consult their own registrations through the worker pages",
                ));
            }
        };
        let page = self.store.search(criteria, &scope).await?;
        let detail = serde_json::json!({
            "registrationDateFrom": ciao_domain::format_utc(criteria.registration_from),
            "registrationDateTo": ciao_domain::format_utc(criteria.registration_to),
            "ssin": criteria.ssin.as_ref().map(|s| s.masked()),
            "limosaId": criteria.limosa_id.as_ref().map(|l| l.as_str().to_string()),
            "enterpriseNumber": criteria.enterprise_number.as_ref().map(|e| e.as_str().to_string()),
            "contractualRelationshipReference": criteria.declaration.as_ref().map(|d| d.as_str().to_string()),
            "page": criteria.page,
            "returned": page.items.len(),
            "total": page.total,
        });
        self.audit(caller, "registration.search", None, detail).await?;
        Ok(page)
    }

    /// Cancels a registration the caller sent.
    pub async fn cancel(&self, caller: &Caller, id: RegistrationId, input: CancelInput) -> Result<Registration> {
        // Cancelling is a write: a registration system needs the register
        // scope for it, whatever it sent before.
        caller.require(Permission::Register)?;
        let mut errors = Vec::new();
        let reason = match input.reason.as_deref() {
            None => {
                errors.push(FieldError::required("reason"));
                None
            }
            Some(r) => {
                let parsed = CancelReason::parse(r);
                if parsed.is_none() {
                    errors.push(FieldError::new(
                        "reason",
                        "reason.value",
                        "reason is HOLIDAY, DISEASE, PLANNING, C32A or OTHER",
                    ));
                }
                parsed
            }
        };
        let comment = input.comment.filter(|c| !c.trim().is_empty());
        if let Some(c) = &comment {
            if c.chars().count() > CANCEL_COMMENT_MAX {
                errors.push(FieldError::too_long("comment", CANCEL_COMMENT_MAX));
            } else if let Some(fault) = ciao_domain::text::text_fault("comment", c, true) {
                errors.push(fault);
            }
        }
        if reason == Some(CancelReason::Other) && comment.is_none() {
            errors.push(FieldError::new(
                "comment",
                "required",
                "a cancellation for reason OTHER needs a comment that says why",
            ));
        }
        let Some(reason) = reason.filter(|_| errors.is_empty()) else {
            return Err(ServiceError::Invalid(errors));
        };
        let not_found =
            || ServiceError::not_found("denied.registrationUnknown", format!("there is no registration {id}"));
        let r = self.store.registration(id).await?.ok_or_else(not_found)?;
        if !self.may_consult(caller, &r).await? {
            return Err(not_found());
        }
        if let Caller::Client { client_id, .. } = caller
            && &r.data.sender.id != client_id
        {
            return Err(ServiceError::forbidden(
                "denied.otherSender",
                format!("registration {id} was sent by another registration system; only its sender may cancel it"),
            ));
        }
        let now = self.now();
        if !matches!(caller, Caller::Operator { .. }) && now - r.data.registration_date > CANCEL_WINDOW {
            return Err(ServiceError::forbidden(
                "denied.cancelWindow",
                format!(
                    "registration {id} is of {}, more than {} days ago: only the RSZ/ONSS corrects it now, \
                     on a request with supporting documents",
                    ciao_domain::clock::format_brussels(r.data.registration_date),
                    CANCEL_WINDOW.whole_days()
                ),
            ));
        }
        match self.store.cancel(id, now, reason, comment.as_deref(), &caller.name()).await? {
            CancelOutcome::Cancelled => {}
            CancelOutcome::AlreadyCancelled => {
                return Err(ServiceError::conflict(
                    "denied.alreadyCancelled",
                    format!("registration {id} is already cancelled"),
                ));
            }
            CancelOutcome::NotFound => return Err(not_found()),
        }
        self.audit(caller, "registration.cancel", Some(id.to_string()), serde_json::json!({"reason": reason.as_str()}))
            .await?;
        // The person's registrations that paired with this one in their
        // sequence (an IN before its OUT, the OUT after its IN, an IN
        // before another IN): validated again without it.
        let window = ciao_domain::remarks::SHIFT_MAX;
        let at = r.data.registration_date;
        self.store.enqueue_person_between(&r.data.person, at - window, at + window, now).await?;
        self.store.registration(id).await?.ok_or_else(not_found)
    }

    pub async fn declaration(&self, number: &DeclarationNumber) -> Result<DeclarationDetails> {
        self.store.declaration(number).await?.ok_or_else(|| {
            ServiceError::not_found("denied.declarationUnknown", format!("there is no declaration of works {number}"))
        })
    }

    /// The declaration behind a registration URL / QR code (public: the
    /// technical number is unguessable and printed on site).
    pub async fn declaration_by_technical_number(&self, technical_number: &str) -> Result<DeclarationDetails> {
        let valid = (16..=64).contains(&technical_number.len())
            && technical_number.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        let found = if valid { self.store.declaration_by_technical_number(technical_number).await? } else { None };
        found.ok_or_else(|| ServiceError::not_found("denied.workplaceUnknown", "there is no workplace at this address"))
    }

    /// The registration URL of a declaration: what its QR code holds.
    pub fn registration_url(&self, d: &DeclarationDetails) -> String {
        format!("{}/r/{}", self.config().public_url.trim_end_matches('/'), d.technical_number)
    }

    pub async fn audit(
        &self,
        caller: &Caller,
        action: &str,
        subject: Option<String>,
        detail: serde_json::Value,
    ) -> Result<()> {
        // The enterprise whose audit log shows it: a registration system's
        // own, or the enterprise the action was about.
        let enterprise = match caller {
            Caller::Client { enterprise, .. } => Some(enterprise.as_str().to_string()),
            _ => subject.as_deref().and_then(|s| EnterpriseNumber::parse(s).ok()).map(|e| e.as_str().to_string()),
        };
        self.audit_in(caller, enterprise, action, subject, detail).await
    }

    /// A search for a person's registrations by SSIN (`criteria.ssin`),
    /// and one for each Limosa id declared for that SSIN: a posted worker's
    /// registrations sent by a badge system with the Limosa id are theirs
    /// too, as the validation pairs them. A search without an SSIN alone.
    pub(crate) async fn person_searches(&self, criteria: SearchCriteria) -> Result<Vec<SearchCriteria>> {
        let Some(ssin) = criteria.ssin.clone() else { return Ok(vec![criteria]) };
        let mut out = Vec::new();
        for limosa in self.store.limosa_ids_of(&[ssin.as_str().to_string()]).await? {
            if let Ok(limosa_id) = ciao_domain::LimosaId::parse(&limosa) {
                out.push(SearchCriteria { ssin: None, limosa_id: Some(limosa_id), ..criteria.clone() });
            }
        }
        out.insert(0, criteria);
        Ok(out)
    }

    /// A sign-in attempt for an SSIN that has no such account (no PIN, no
    /// employer account): counted and locked as a wrong secret would be
    /// (`rule`), in the store under an opaque key (the same on every node,
    /// no SSIN stored), so that neither the answer nor the lock tells who
    /// has an account; `check` does the work of checking a real secret, so
    /// that the time does not tell either. Answers until when it is locked,
    /// if it is.
    pub(crate) async fn count_miss(
        &self,
        rule: &MissRule,
        ssin: &Ssin,
        now: OffsetDateTime,
        check: impl FnOnce(),
    ) -> Result<Option<OffsetDateTime>> {
        use base64::Engine as _;
        let MissRule { purpose, action, reason, max_attempts, lock } = *rule;
        let key = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.sealer.handle(purpose, ssin.as_str()));
        if let Some(until) = self.store.pin_miss_locked_until(&key, now).await? {
            Self::security_log(action, ssin, "locked");
            return Ok(Some(until));
        }
        check();
        let attempts =
            self.store.pin_missed(&key, max_attempts, now + lock, now, now - crate::worker::PIN_MISSES_KEPT).await?;
        Self::security_log(action, ssin, reason);
        Ok((attempts >= max_attempts).then_some(now + lock))
    }

    /// A refused sign-in that the security log shows without an audit
    /// entry: one for an SSIN that has no such account (written to the
    /// audit log it would record sign-in attempts against any number), or
    /// one refused before any check because the account is locked.
    pub(crate) fn security_log(action: &str, ssin: &Ssin, reason: &str) {
        let actor = format!("person:{}", ssin.masked());
        tracing::info!(target: "ciao::audit", action, actor, enterprise = "-", subject = "-", detail = reason, "refused");
    }

    /// Appends to the audit log, in the log of `enterprise`.
    pub async fn audit_in(
        &self,
        caller: &Caller,
        enterprise: Option<String>,
        action: &str,
        subject: Option<String>,
        detail: serde_json::Value,
    ) -> Result<()> {
        let actor = caller.name();
        // The security log: who signed in, failed to, got a token, changed
        // a role (whose, masked at the source, and which: the detail), an
        // account, a declaration… at info; the consultations (one per
        // search) at debug. The rest of the detail stays in the audit log.
        let subject_shown = subject.as_deref().map_or_else(|| "-".to_string(), ciao_domain::mask_ssins);
        let of = enterprise.as_deref().unwrap_or("-");
        if is_consultation(action) {
            tracing::debug!(target: "ciao::audit", action, actor, enterprise = of, subject = %subject_shown, "audited");
        } else {
            let role_change = action.starts_with("enterprise.user.").then(|| detail.to_string());
            tracing::info!(
                target: "ciao::audit",
                action,
                actor,
                enterprise = of,
                subject = %subject_shown,
                detail = role_change.as_deref().unwrap_or("-"),
                "audited"
            );
        }
        self.store
            .audit(AuditEntry { at: self.now(), actor, action: action.to_string(), subject, detail, enterprise })
            .await?;
        Ok(())
    }
}

/// The audited actions that read the register (logged at debug, the
/// others at info).
fn is_consultation(action: &str) -> bool {
    action.starts_with("registration.") && action != "registration.cancel" || action == "inspection.on_site"
}

/// Masks the person of a registration for logs.
pub fn person_for_log(p: &Person) -> String {
    match p {
        Person::Ssin(s) => s.masked(),
        Person::Limosa(l) => format!("limosa:{}", l.as_str()),
    }
}
