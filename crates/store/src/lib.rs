//! Storage of ciao: one [`Store`] trait, implemented on SQLite (the embedded
//! default) and PostgreSQL (to scale out), each with its own migrations.
//!
//! Registrations are written through a group-commit writer: concurrent
//! requests are gathered and committed in one transaction (one fsync for
//! many), and each caller is answered only after that commit.

use std::sync::Arc;

use async_trait::async_trait;
use ciao_domain::access::AccessGrant;
use ciao_domain::reference::{
    Declaration, DeclarationDetails, Employment, EnterprisePeriod, LimosaDeclaration, PersonRecord,
    Subcontractor,
};
use ciao_domain::search::SearchCriteria;
use ciao_domain::{
    CancelReason, DeclarationNumber, EnterpriseNumber, NewRegistration, Registration,
    RegistrationId,
};
use time::OffsetDateTime;

mod common;
pub mod postgres;
pub mod sqlite;
mod writer;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration {version} ({name}) failed: {source}")]
    Migration {
        version: i64,
        name: &'static str,
        source: sqlx::Error,
    },
    #[error(
        "the database is at schema version {found}, newer than this ciao knows ({known}); upgrade ciao"
    )]
    SchemaTooNew { found: i64, known: i64 },
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
    #[error("stored data cannot be read: {0}")]
    Corrupt(String),
    #[error("the registration writer stopped")]
    WriterGone,
    #[error("a group commit failed: {0}")]
    Batch(String),
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
    pub total: u64,
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

    /// Stores registrations (group-committed); the answer comes after they are durable.
    async fn register(&self, items: Vec<NewRegistration>) -> Result<Vec<RegisterOutcome>>;

    /// A registration with its whole history.
    async fn registration(&self, id: RegistrationId) -> Result<Option<Registration>>;

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
    async fn grants(
        &self,
        declaration: &DeclarationNumber,
        viewer: &EnterpriseNumber,
    ) -> Result<Vec<AccessGrant>>;

    async fn import_enterprises(&self, rows: &[EnterprisePeriod]) -> Result<ImportSummary>;
    async fn import_persons(&self, rows: &[PersonRecord]) -> Result<ImportSummary>;
    async fn import_employments(&self, rows: &[Employment]) -> Result<ImportSummary>;
    async fn import_limosa(&self, rows: &[LimosaDeclaration]) -> Result<ImportSummary>;
    /// Upserts declarations (keeping the technical number of known ones) and
    /// rebuilds their access grants.
    async fn import_declarations(&self, rows: &[DeclarationImport]) -> Result<ImportSummary>;
    /// Upserts subcontractors and rebuilds the access grants of their declarations.
    async fn import_subcontractors(&self, rows: &[Subcontractor]) -> Result<ImportSummary>;

    async fn declaration(&self, number: &DeclarationNumber) -> Result<Option<DeclarationDetails>>;

    /// Appends to the audit log.
    async fn audit(&self, entry: AuditEntry) -> Result<()>;
    /// The latest audit entries, newest first.
    async fn audit_entries(&self, limit: u32) -> Result<Vec<AuditEntry>>;
}

/// Opens the database named by `url`, creating and migrating it if needed.
pub async fn open(url: &str) -> Result<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqliteStore::open(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::PgStore::open(url).await?))
    } else {
        Err(StoreError::UnsupportedUrl(redact(url)))
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
        assert_eq!(
            super::redact("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(super::redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(super::redact("sqlite:///tmp/x.db"), "sqlite:///tmp/x.db");
    }
}
