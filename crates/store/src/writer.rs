//! Group commit for the write path.
//!
//! Each request sends its registrations to a channel and waits. A writer task
//! takes the first waiting job, then every job already queued behind it (up
//! to a bound), commits them all in one transaction and answers each job.
//! The receiver lock is released before the commit, so with several writers
//! (PostgreSQL) one batch is being gathered while another is being flushed;
//! SQLite has one writer, as it allows one writing transaction at a time.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use ciao_domain::NewRegistration;
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::{RegisterOutcome, Result, StoreError};

pub(crate) struct WriteJob {
    items: Vec<NewRegistration>,
    reply: oneshot::Sender<Result<Vec<RegisterOutcome>>>,
}

pub(crate) type CommitFn = Arc<
    dyn Fn(Vec<NewRegistration>) -> Pin<Box<dyn Future<Output = Result<Vec<RegisterOutcome>>> + Send>> + Send + Sync,
>;

#[derive(Clone)]
pub(crate) struct Writer {
    tx: mpsc::Sender<WriteJob>,
}

impl Writer {
    /// Starts `writers` tasks that commit batches of at most `max_items` registrations.
    pub(crate) fn spawn(writers: usize, max_items: usize, commit: CommitFn) -> Self {
        let (tx, rx) = mpsc::channel::<WriteJob>(4096);
        let rx = Arc::new(Mutex::new(rx));
        for _ in 0..writers.max(1) {
            let rx = rx.clone();
            let commit = commit.clone();
            tokio::spawn(async move {
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
                    run_batch(jobs, &commit).await;
                }
            });
        }
        Self { tx }
    }

    pub(crate) async fn write(&self, items: Vec<NewRegistration>) -> Result<Vec<RegisterOutcome>> {
        if items.is_empty() {
            return Ok(Vec::new());
        }
        let (reply, rx) = oneshot::channel();
        self.tx.send(WriteJob { items, reply }).await.map_err(|_| StoreError::WriterGone)?;
        rx.await.map_err(|_| StoreError::WriterGone)?
    }
}

async fn run_batch(jobs: Vec<WriteJob>, commit: &CommitFn) {
    let counts: Vec<usize> = jobs.iter().map(|j| j.items.len()).collect();
    let mut replies = Vec::with_capacity(jobs.len());
    let mut all = Vec::with_capacity(counts.iter().sum());
    for job in jobs {
        all.extend(job.items.iter().cloned());
        replies.push((job.items, job.reply));
    }
    match commit(all).await {
        Ok(outcomes) => {
            let mut rest = outcomes.into_iter();
            for ((_, reply), n) in replies.into_iter().zip(counts) {
                let mine: Vec<_> = rest.by_ref().take(n).collect();
                let _ = reply.send(Ok(mine));
            }
        }
        Err(e) if replies.len() == 1 => {
            if let Some((_, reply)) = replies.pop() {
                let _ = reply.send(Err(e));
            }
        }
        Err(e) => {
            // One job must not fail the others: retry each on its own.
            tracing::warn!(error = %e, jobs = replies.len(), "group commit failed, retrying job by job");
            for (items, reply) in replies {
                let _ = reply.send(commit(items).await);
            }
        }
    }
}
