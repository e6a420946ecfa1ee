//! Group commit for the audit log.
//!
//! Every consultation is audited, and the answer waits until its audit
//! entry is stored. Written one by one, each entry was a transaction of its
//! own: on SQLite one fsync per search or token, through the one write
//! connection the registrations' group commit holds under load (measured
//! with `ciao bench search`: the searches of 16 clients queued behind each
//! other's commits). Here the entries that arrive while a commit is running
//! are gathered and stored together in the next transaction; each caller
//! is answered after the commit that holds its entry.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use crate::{AuditEntry, Result, StoreError};

/// Largest number of entries in one transaction.
const MAX_ENTRIES: usize = 500;

pub(crate) type AuditCommitFn =
    Arc<dyn Fn(Vec<AuditEntry>) -> Pin<Box<dyn Future<Output = Result<()>> + Send>> + Send + Sync>;

type Job = (AuditEntry, oneshot::Sender<Result<()>>);

#[derive(Clone)]
pub(crate) struct AuditWriter {
    tx: mpsc::Sender<Job>,
}

impl AuditWriter {
    pub(crate) fn spawn(commit: AuditCommitFn) -> Self {
        let (tx, mut rx) = mpsc::channel::<Job>(4096);
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut jobs = vec![first];
                while jobs.len() < MAX_ENTRIES {
                    match rx.try_recv() {
                        Ok(job) => jobs.push(job),
                        Err(_) => break,
                    }
                }
                let entries: Vec<AuditEntry> = jobs.iter().map(|(e, _)| e.clone()).collect();
                match commit(entries).await {
                    Ok(()) => {
                        for (_, reply) in jobs {
                            let _ = reply.send(Ok(()));
                        }
                    }
                    Err(e) if jobs.len() == 1 => {
                        if let Some((_, reply)) = jobs.pop() {
                            let _ = reply.send(Err(e));
                        }
                    }
                    Err(e) => {
                        // One entry must not fail the others: each on its own.
                        tracing::warn!(error = %e, entries = jobs.len(), "audit group commit failed, retrying one by one");
                        for (entry, reply) in jobs {
                            let _ = reply.send(commit(vec![entry]).await);
                        }
                    }
                }
            }
        });
        Self { tx }
    }

    /// Stores `entry`; returns once it is committed.
    pub(crate) async fn append(&self, entry: AuditEntry) -> Result<()> {
        let (reply, rx) = oneshot::channel();
        self.tx.send((entry, reply)).await.map_err(|_| StoreError::WriterGone)?;
        rx.await.map_err(|_| StoreError::WriterGone)?
    }
}

const INSERT: &str = "INSERT INTO audit_log (at, actor, action, subject, detail, enterprise_number) \
     VALUES ($1, $2, $3, $4, $5, $6)";

/// The commit of a batch of entries on `$pool` (one transaction, begun with `$begin`).
macro_rules! audit_commit {
    ($name:ident, $pool:ty, $begin:expr) => {
        pub(crate) fn $name(pool: $pool) -> AuditCommitFn {
            Arc::new(move |entries: Vec<AuditEntry>| {
                let pool = pool.clone();
                Box::pin(async move {
                    let mut tx = pool.begin_with($begin).await?;
                    for e in &entries {
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
                    Ok(())
                })
            })
        }
    };
}

audit_commit!(sqlite_commit, sqlx::SqlitePool, "BEGIN IMMEDIATE");
audit_commit!(postgres_commit, sqlx::PgPool, "BEGIN");
