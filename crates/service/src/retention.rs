//! Retention: the operator deletes the registrations (with their history,
//! remarks and queue rows) and the audit entries older than a day it names,
//! in small transactions with a pause after each, so that a serving node
//! keeps registering meanwhile.
//! The register always keeps its last year: a day later than that is
//! refused, so that a mistyped year cannot empty it.

use ciao_domain::FieldError;
use ciao_domain::clock::{brussels_start_of_day, to_brussels};
use time::Date;

use crate::{Caller, Result, Service, ServiceError};

/// Rows deleted per transaction: a batch holds SQLite's write lock for
/// tens of milliseconds, not the time of the whole purge.
pub const PURGE_BATCH: u32 = 5_000;

/// The pause after each batch, in which a serving node's writer takes the
/// lock: SQLite's busy handler retries about every 100 ms, so a writer
/// waiting behind back-to-back batches would wait for the whole purge
/// (measured: 20 s for 2,000,000 rows).
pub const PAUSE_BETWEEN_BATCHES: std::time::Duration = std::time::Duration::from_millis(150);

/// A progress line in the log every this many batches.
const PROGRESS_EVERY: u64 = 20;

/// The youngest day a purge may start from: a year before today.
pub const MINIMUM_KEPT_DAYS: i64 = 366;

/// What a purge deleted (or, dry, would delete).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    pub registrations: u64,
    pub audit_entries: u64,
}

impl Service {
    /// Deletes what was registered (and, with `audit`, what was audited)
    /// before the start of the Brussels day `before`; `dry` only counts.
    /// The operator's alone; audited before its first deletion and after its
    /// last (both entries are younger than the day: the purge keeps them).
    pub async fn purge_before(&self, caller: &Caller, before: Date, audit: bool, dry: bool) -> Result<Purged> {
        if !matches!(caller, Caller::Operator { .. }) {
            return Err(ServiceError::forbidden("denied.operatorOnly", "only the operator purges the register"));
        }
        let today = to_brussels(self.now()).date();
        let youngest = today - time::Duration::days(MINIMUM_KEPT_DAYS);
        if before > youngest {
            return Err(ServiceError::Invalid(vec![FieldError::new(
                "before",
                "retention.tooRecent",
                format!(
                    "the day is at the latest {youngest}: the register keeps at least its last {MINIMUM_KEPT_DAYS} days"
                ),
            )]));
        }
        let cutoff = brussels_start_of_day(before);
        let (registrations, audit_entries) = self.store.count_before(cutoff).await?;
        let mut purged = Purged { registrations, audit_entries: if audit { audit_entries } else { 0 } };
        if dry {
            return Ok(purged);
        }
        // Audited before the first row goes (what it will delete): a purge
        // stopped halfway is traceable too; and when done (what it deleted).
        let detail = |p: Purged| {
            serde_json::json!({
                "before": before.to_string(),
                "registrations": p.registrations,
                "auditEntries": p.audit_entries,
            })
        };
        self.audit(caller, "retention.purge.start", None, detail(purged)).await?;
        purged.registrations =
            in_batches("registrations", || self.store.purge_registrations(cutoff, PURGE_BATCH)).await?;
        if audit {
            purged.audit_entries = in_batches("audit entries", || self.store.purge_audit(cutoff, PURGE_BATCH)).await?;
        }
        tracing::info!(
            before = %before,
            registrations = purged.registrations,
            audit_entries = purged.audit_entries,
            "retention: purged"
        );
        self.audit(caller, "retention.purge", None, detail(purged)).await?;
        Ok(purged)
    }
}

/// Runs `batch` until it deletes nothing more, pausing after each one and
/// saying its progress now and then; how many it deleted in all.
async fn in_batches<F, Fut>(what: &str, mut batch: F) -> Result<u64>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ciao_store::Result<u64>>,
{
    let mut total = 0;
    for round in 1.. {
        let gone = batch().await?;
        total += gone;
        if gone == 0 {
            break;
        }
        if round % PROGRESS_EVERY == 0 {
            tracing::info!(deleted = total, "retention: purging {what}");
        }
        tokio::time::sleep(PAUSE_BETWEEN_BATCHES).await;
    }
    Ok(total)
}
