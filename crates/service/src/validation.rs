//! The asynchronous validation: workers take registrations from the
//! database queue (filled in the same transaction as each registration),
//! gather the facts, let the domain rules decide the remarks, and store the
//! result with a history entry. Claims are leases in the database, so several
//! workers — in one process or on several nodes sharing PostgreSQL — never
//! validate the same registration at the same time, and a worker that dies
//! leaves its claims to be taken again when the lease runs out.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use ciao_domain::clock::{brussels_end_of_day, brussels_start_of_day};
use ciao_domain::reference::period_covers;
use ciao_domain::remarks::{EmployerFacts, Facts, RemarkKind, SHIFT_MAX, evaluate};
use ciao_domain::{DeclarationNumber, RegistrationId, Validity, to_brussels};
use ciao_store::{FactsRequest, ValidationResult};
use time::{Date, Duration};

use crate::{Caller, Result, Service};

/// How long a claim holds before another worker may take the registration.
pub const LEASE: Duration = Duration::seconds(60);
/// How many registrations a worker claims at once.
pub const BATCH: u32 = 500;
/// How far back the open-day sweep looks.
pub const OPEN_DAY_LOOKBACK_DAYS: i64 = 3;

/// Counters for operators (exported at /metrics).
#[derive(Debug, Default)]
pub struct ValidationMetrics {
    pub runs: AtomicU64,
    pub valid: AtomicU64,
    pub invalid: AtomicU64,
    remarks: Mutex<HashMap<&'static str, u64>>,
    /// Time spent per phase of a batch (nanoseconds, all workers together).
    phases: [AtomicU64; 5],
}

/// The phases of a validation batch, as [`ValidationMetrics::phases`] names them.
pub const PHASES: [&str; 5] = ["claim", "load", "facts", "rules", "store"];

impl ValidationMetrics {
    fn count(&self, kinds: &[RemarkKind]) {
        self.runs.fetch_add(1, Ordering::Relaxed);
        if !kinds.iter().any(|k| k.affects_validity()) {
            self.valid.fetch_add(1, Ordering::Relaxed);
        } else {
            self.invalid.fetch_add(1, Ordering::Relaxed);
        }
        if let Ok(mut m) = self.remarks.lock() {
            for k in kinds {
                *m.entry(k.code()).or_default() += 1;
            }
        }
    }

    fn phase(&self, i: usize, since: std::time::Instant) -> std::time::Instant {
        let now = std::time::Instant::now();
        self.phases[i].fetch_add((now - since).as_nanos() as u64, Ordering::Relaxed);
        now
    }

    /// Seconds spent per phase since start (all workers together).
    pub fn phases(&self) -> Vec<(&'static str, f64)> {
        PHASES.iter().zip(&self.phases).map(|(n, a)| (*n, a.load(Ordering::Relaxed) as f64 / 1e9)).collect()
    }

    /// Remarks counted per code since start, sorted by code.
    pub fn remarks(&self) -> Vec<(&'static str, u64)> {
        let mut v: Vec<_> = self.remarks.lock().map(|m| m.iter().map(|(k, v)| (*k, *v)).collect()).unwrap_or_default();
        v.sort();
        v
    }
}

impl Service {
    /// Validates one batch of queued registrations; returns how many it took
    /// from the queue (0 when nothing was left to claim).
    pub async fn validate_batch(&self, limit: u32) -> Result<u64> {
        let now = self.now();
        let t = std::time::Instant::now();
        let claims = self.store().claim_validations(limit, now, LEASE).await?;
        let t = self.metrics.phase(0, t);
        if claims.is_empty() {
            return Ok(0);
        }
        let claimed = claims.len() as u64;
        let policy = self.config().validation;
        // The simulation's "end of the day now": what came before it that day counts as left open.
        let day_closed_at = self.simulation_day_closed_at().await?;
        let ids: Vec<_> = claims.iter().map(|c| c.id).collect();
        let mut by_id: std::collections::HashMap<_, _> =
            self.store().registrations(&ids).await?.into_iter().map(|r| (r.id, r)).collect();
        let t = self.metrics.phase(1, t);
        let mut results = Vec::with_capacity(claims.len());
        let mut requests = Vec::with_capacity(claims.len());
        let mut pending = Vec::with_capacity(claims.len());
        for claim in claims {
            let Some(r) = by_id.remove(&claim.id) else {
                continue;
            };
            if r.validity == Validity::Cancelled {
                // Completing the claim removes it from the queue; the
                // registration itself is left as it is.
                results.push(ValidationResult {
                    claim,
                    validity: Validity::Cancelled,
                    remarks: Vec::new(),
                    requeue: Vec::new(),
                });
                continue;
            }
            let day = to_brussels(r.data.registration_date).date();
            let at = r.data.registration_date;
            requests.push(FactsRequest { registration: r, window_start: at - SHIFT_MAX, window_end: at + SHIFT_MAX });
            pending.push((claim, day));
        }
        let facts = self.store().validation_facts(&requests).await?;
        let t = self.metrics.phase(2, t);
        let in_batch: std::collections::HashSet<RegistrationId> = requests.iter().map(|r| r.registration.id).collect();
        for ((request, (claim, day)), f) in requests.iter().zip(pending).zip(facts) {
            let r = &request.registration;
            let facts = Facts {
                person: &r.data.person,
                employer: &r.data.employer,
                kind: r.data.kind,
                declaration_number: &r.data.declaration,
                place_of_work: r.data.place_of_work.as_ref(),
                registration_date: r.data.registration_date,
                created_at: r.data.created_at,
                site_code_issued_at: r.data.site_code_issued_at,
                day,
                employer_facts: EmployerFacts {
                    known: f.employer_known,
                    active: f.employer_periods.iter().any(|(from, to)| period_covers(*from, *to, day)),
                    natural_person: f.employer_natural_person,
                },
                employments: &f.employments,
                founders: &f.founders,
                person_known: f.person_known,
                limosa: f.limosa.as_ref(),
                limosa_of_person: &f.limosa_of_person,
                declaration: f.declaration.as_ref(),
                duplicate: f.duplicate,
                previous_here: f.previous_here,
                open_elsewhere: f.open_elsewhere,
                next_here: f.next_here,
                window_over: now >= request.window_end
                    || day_closed_at.is_some_and(|closed| r.data.registration_date < closed),
                policy,
            };
            let kinds = evaluate(&facts);
            self.metrics.count(&kinds);
            // Validated for the first time: the person's registrations whose
            // sequence remarks counted without this one (later ones stored
            // before it, sent late by a system that was offline; INs it
            // closes that were found left open) are validated again. A
            // revalidation changes neither type nor time: nothing to queue.
            // Those in this batch already see it.
            let requeue = if r.validity == Validity::Pending {
                f.affected.iter().copied().filter(|id| !in_batch.contains(id)).collect()
            } else {
                Vec::new()
            };
            results.push(ValidationResult {
                claim,
                validity: if kinds.iter().any(|k| k.affects_validity()) { Validity::Invalid } else { Validity::Valid },
                remarks: kinds.iter().map(|k| k.remark()).collect(),
                requeue,
            });
        }
        let t = self.metrics.phase(3, t);
        self.store().complete_validations(&results, self.now()).await?;
        self.metrics.phase(4, t);
        Ok(claimed)
    }

    /// Validates until nothing is left to claim; returns how many were taken.
    pub async fn validate_all(&self) -> Result<u64> {
        let mut total = 0;
        loop {
            let n = self.validate_batch(BATCH).await?;
            if n == 0 {
                return Ok(total);
            }
            total += n;
        }
    }

    /// Runs `count` validation workers until the returned handles are aborted.
    pub fn spawn_validation_workers(&self, count: usize) -> Vec<tokio::task::JoinHandle<()>> {
        (0..count)
            .map(|i| {
                let service = self.clone();
                tokio::spawn(async move {
                    loop {
                        match service.validate_batch(BATCH).await {
                            Ok(0) => tokio::time::sleep(std::time::Duration::from_millis(200)).await,
                            Ok(_) => {}
                            Err(e) => {
                                tracing::warn!(worker = i, error = %e, "validation batch failed");
                                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                            }
                        }
                    }
                })
            })
            .collect()
    }

    /// Queues the INs of the last days that were left open (no later
    /// registration of the person on that workplace within [`SHIFT_MAX`]),
    /// once that time has passed.
    pub async fn sweep_open_days(&self) -> Result<u64> {
        let now = self.now();
        let today = to_brussels(now).date();
        let from = brussels_start_of_day(today - Duration::days(OPEN_DAY_LOOKBACK_DAYS));
        Ok(self.store().enqueue_open_days(from, now - SHIFT_MAX, SHIFT_MAX, now).await?)
    }

    /// Runs the open-day sweep every `every`.
    pub fn spawn_open_day_sweeper(&self, every: std::time::Duration) -> tokio::task::JoinHandle<()> {
        let service = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                match service.sweep_open_days().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(queued = n, "registrations left open queued for validation"),
                    Err(e) => tracing::warn!(error = %e, "open-day sweep failed"),
                }
            }
        })
    }

    /// Queues the registrations of days `from..=to` (Brussels), optionally of
    /// one declaration, for validation again.
    pub async fn revalidate(
        &self,
        caller: &Caller,
        from: Date,
        to: Date,
        declaration: Option<&DeclarationNumber>,
    ) -> Result<u64> {
        let start = brussels_start_of_day(from);
        let end = brussels_end_of_day(to);
        let n = self.store().enqueue_validations(start, end, declaration, self.now()).await?;
        self.audit(
            caller,
            "validation.revalidate",
            declaration.map(|d| d.as_str().to_string()),
            serde_json::json!({"from": from.to_string(), "to": to.to_string(), "queued": n}),
        )
        .await?;
        Ok(n)
    }
}
