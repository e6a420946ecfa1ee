//! Group commit for the audit log.
//!
//! Every consultation is audited, and the answer waits until its audit
//! entry is stored. Written one by one, each entry was a transaction of its
//! own: on SQLite one fsync per search or token, through the one write
//! connection the registrations' group commit holds under load. Here the
//! entries go through the same group-commit writer as the registrations
//! (`crate::writer`): those that arrive while a commit is running are
//! stored together in the next transaction, and each caller is answered
//! after the commit that holds its entry.

use std::sync::Arc;

use crate::AuditEntry;
use crate::writer::{CommitFn, Placement, Writer};

/// Largest number of entries in one transaction.
const MAX_ENTRIES: usize = 500;

/// The audit log's group commit: one entry per job, nothing answered but success.
pub(crate) type AuditWriter = Writer<AuditEntry, ()>;

/// Starts the audit log's writer (one task, beside the requests).
pub(crate) fn spawn(commit: CommitFn<AuditEntry, ()>) -> AuditWriter {
    Writer::spawn(1, MAX_ENTRIES, Placement::Shared, commit, None, false)
}

const INSERT: &str = "INSERT INTO audit_log (at, actor, action, subject, detail, enterprise_number) \
     VALUES ($1, $2, $3, $4, $5, $6)";

/// The commit of a batch of entries on `$pool` (one transaction, begun with `$begin`).
macro_rules! audit_commit {
    ($name:ident, $pool:ty, $begin:expr) => {
        pub(crate) fn $name(pool: $pool) -> CommitFn<AuditEntry, ()> {
            Arc::new(move |entries: Arc<[AuditEntry]>| {
                let pool = pool.clone();
                Box::pin(async move {
                    let mut tx = pool.begin_with($begin).await?;
                    for e in entries.iter() {
                        sqlx::query(INSERT)
                            .bind(ciao_domain::clock::to_micros(e.at))
                            .bind(&e.actor)
                            .bind(&e.action)
                            .bind(&e.subject)
                            .bind(e.detail.to_string())
                            .bind(&e.enterprise)
                            .execute(&mut *tx)
                            .await?;
                    }
                    tx.commit().await?;
                    Ok(vec![(); entries.len()])
                })
            })
        }
    };
}

audit_commit!(sqlite_commit, sqlx::SqlitePool, "BEGIN IMMEDIATE");
audit_commit!(postgres_commit, sqlx::PgPool, "BEGIN");
