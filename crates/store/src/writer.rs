//! Group commit: for the registrations (the write path) and the audit log.
//!
//! Each request sends its items to a channel and waits. A writer task
//! takes the first waiting job, then every job already queued behind it (up
//! to a bound), commits them all in one transaction and answers each job
//! once that transaction is committed.
//! The receiver lock is released before the commit, so with several writers
//! (PostgreSQL) one batch is being gathered while another is being flushed;
//! SQLite has one writer, as it allows one writing transaction at a time.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use ciao_domain::NewRegistration;
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::{RegisterOutcome, Result, StoreError};

/// What the group-commit writers of this process have done so far (all
/// stores of the process together): read by `ciao bench` to see how the
/// server batches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GroupCommitStats {
    /// Transactions committed (or failed).
    pub batches: u64,
    /// Requests (jobs) answered.
    pub jobs: u64,
    /// Registrations in those batches.
    pub items: u64,
    /// Time spent committing, summed over the writers, in nanoseconds.
    pub commit_nanos: u64,
}

static BATCHES: AtomicU64 = AtomicU64::new(0);
static JOBS: AtomicU64 = AtomicU64::new(0);
static ITEMS: AtomicU64 = AtomicU64::new(0);
static COMMIT_NANOS: AtomicU64 = AtomicU64::new(0);

/// The group-commit counters of this process.
pub fn group_commit_stats() -> GroupCommitStats {
    GroupCommitStats {
        batches: BATCHES.load(Ordering::Relaxed),
        jobs: JOBS.load(Ordering::Relaxed),
        items: ITEMS.load(Ordering::Relaxed),
        commit_nanos: COMMIT_NANOS.load(Ordering::Relaxed),
    }
}

pub(crate) struct WriteJob<T, R> {
    items: Vec<T>,
    reply: oneshot::Sender<Result<Vec<R>>>,
}

/// Commits a batch (the items of every job of it, in order) in one
/// transaction and answers one outcome per item, in the same order.
pub(crate) type CommitFn<T, R> =
    Arc<dyn Fn(Arc<[T]>) -> Pin<Box<dyn Future<Output = Result<Vec<R>>> + Send>> + Send + Sync>;

/// The group commit of the registrations.
pub(crate) type RegistrationWriter = Writer<NewRegistration, RegisterOutcome>;

/// Called after each batch's commit, with whether the queue is empty (the
/// writer may then let go of what it holds); its own upkeep (SQLite: the
/// WAL's restart) runs here, where no request of the batch waits for it
/// (the answers were sent, or, on a dedicated thread, go out while it
/// waits for the database).
pub(crate) type AfterBatchFn = Arc<dyn Fn(bool) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

pub(crate) struct Writer<T, R> {
    tx: mpsc::Sender<WriteJob<T, R>>,
}

impl<T, R> Clone for Writer<T, R> {
    fn clone(&self) -> Self {
        Self { tx: self.tx.clone() }
    }
}

/// Where the writer tasks run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Placement {
    /// On the caller's runtime, beside the requests.
    Shared,
    /// On a thread of their own (with a single-threaded runtime). For
    /// SQLite: a batch is a round trip to the connection's worker thread,
    /// whose answer wakes the writer from outside the runtime; on a runtime
    /// busy with requests such a wake-up waits in the global queue (up to
    /// about a millisecond, measured with `ciao bench registrations`, when
    /// a batch took four round trips), while every request of the next
    /// batch waits for it. The answers to a batch are sent by a task of
    /// their own, while the writer commits the next batch.
    Dedicated,
}

impl<T: Clone + Send + Sync + 'static, R: Send + 'static> Writer<T, R> {
    /// Starts `writers` tasks that commit batches of at most `max_items`
    /// items; `counted` adds their batches to [`group_commit_stats`] (the
    /// registrations' writers).
    pub(crate) fn spawn(
        writers: usize,
        max_items: usize,
        placement: Placement,
        commit: CommitFn<T, R>,
        after: Option<AfterBatchFn>,
        counted: bool,
    ) -> Self {
        let (tx, rx) = mpsc::channel::<WriteJob<T, R>>(4096);
        let rx = Arc::new(Mutex::new(rx));
        let writers = writers.max(1);
        if placement == Placement::Dedicated {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
            let (thread_rx, thread_commit, thread_after) = (rx.clone(), commit.clone(), after.clone());
            let spawned = runtime.map_err(|e| e.to_string()).and_then(|runtime| {
                std::thread::Builder::new()
                    .name("ciao-writer".into())
                    .spawn(move || {
                        runtime.block_on(async move {
                            let tasks: Vec<_> = (0..writers)
                                .map(|_| {
                                    tokio::spawn(writer_loop(
                                        thread_rx.clone(),
                                        max_items,
                                        thread_commit.clone(),
                                        thread_after.clone(),
                                        counted,
                                        Placement::Dedicated,
                                    ))
                                })
                                .collect();
                            for t in tasks {
                                let _ = t.await;
                            }
                        })
                    })
                    .map_err(|e| e.to_string())
            });
            match spawned {
                Ok(_) => return Self { tx },
                Err(e) => {
                    tracing::warn!(error = %e, "no thread for the registration writer: it runs beside the requests")
                }
            }
        }
        for _ in 0..writers {
            tokio::spawn(writer_loop(rx.clone(), max_items, commit.clone(), after.clone(), counted, Placement::Shared));
        }
        Self { tx }
    }

    pub(crate) async fn write(&self, items: Vec<T>) -> Result<Vec<R>> {
        if items.is_empty() {
            return Ok(Vec::new());
        }
        let (reply, rx) = oneshot::channel();
        self.tx.send(WriteJob { items, reply }).await.map_err(|_| StoreError::WriterGone)?;
        rx.await.map_err(|_| StoreError::WriterGone)?
    }
}

/// Takes the first waiting job and every job queued behind it (up to
/// `max_items` items), commits them, and again, until the channel closes.
async fn writer_loop<T: Clone, R: Send + 'static>(
    rx: Arc<Mutex<mpsc::Receiver<WriteJob<T, R>>>>,
    max_items: usize,
    commit: CommitFn<T, R>,
    after: Option<AfterBatchFn>,
    counted: bool,
    placement: Placement,
) {
    loop {
        let jobs = {
            let mut rx = rx.lock().await;
            let Some(first) = rx.recv().await else { break };
            let mut count = first.items.len();
            let mut jobs = vec![first];
            while count < max_items {
                match rx.try_recv() {
                    Ok(job) => {
                        count += job.items.len();
                        jobs.push(job);
                    }
                    Err(_) => break,
                }
            }
            jobs
        };
        run_batch(jobs, &commit, counted, placement).await;
        if let Some(after) = &after {
            // Another writer waiting on the queue holds the lock: it is empty.
            let empty = rx.try_lock().map(|rx| rx.is_empty()).unwrap_or(true);
            after(empty).await;
        }
    }
}

async fn run_batch<T: Clone, R: Send + 'static>(
    jobs: Vec<WriteJob<T, R>>,
    commit: &CommitFn<T, R>,
    counted: bool,
    placement: Placement,
) {
    let counts: Vec<usize> = jobs.iter().map(|j| j.items.len()).collect();
    let total: usize = counts.iter().sum();
    // The jobs' items are moved into one batch, not copied: a copy is made
    // only to retry job by job after a failed commit.
    let mut all = Vec::with_capacity(total);
    let mut replies = Vec::with_capacity(jobs.len());
    for job in jobs {
        all.extend(job.items);
        replies.push(job.reply);
    }
    let all: Arc<[T]> = all.into();
    let started = Instant::now();
    let result = commit(all.clone()).await;
    if counted {
        BATCHES.fetch_add(1, Ordering::Relaxed);
        JOBS.fetch_add(replies.len() as u64, Ordering::Relaxed);
        ITEMS.fetch_add(total as u64, Ordering::Relaxed);
        COMMIT_NANOS.fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
    }
    match result {
        Ok(outcomes) if outcomes.len() == total => {
            if placement == Placement::Dedicated {
                // On the writer's own thread, waking each request's task on
                // the requests' runtime is a cross-thread wake-up; done by a
                // task of its own, which runs as soon as this writer waits
                // for its next commit, it overlaps the database's work
                // instead of delaying it (SQLite at 64 clients, interleaved
                // runs: 19,260-20,262/s answered inline, 21,775-22,320/s so).
                tokio::spawn(async move { answer(replies, counts, outcomes) });
            } else {
                answer(replies, counts, outcomes);
            }
        }
        Ok(outcomes) => {
            let e = format!("{} outcomes committed for {total} items", outcomes.len());
            for reply in replies {
                let _ = reply.send(Err(StoreError::Batch(e.clone())));
            }
        }
        Err(e) if replies.len() == 1 => {
            if let Some(reply) = replies.pop() {
                let _ = reply.send(Err(e));
            }
        }
        Err(e) => {
            // One job must not fail the others: retry each on its own.
            tracing::warn!(error = %e, jobs = replies.len(), "group commit failed, retrying job by job");
            let mut start = 0;
            for (reply, n) in replies.into_iter().zip(counts) {
                let mine: Arc<[T]> = all[start..start + n].into();
                start += n;
                let _ = reply.send(commit(mine).await);
            }
        }
    }
}

/// Answers each job with its share of the outcomes, in order.
fn answer<R>(replies: Vec<oneshot::Sender<Result<Vec<R>>>>, counts: Vec<usize>, outcomes: Vec<R>) {
    let mut rest = outcomes.into_iter();
    for (reply, n) in replies.into_iter().zip(counts) {
        let _ = reply.send(Ok(rest.by_ref().take(n).collect()));
    }
}
