//! Group commit: one writer thread takes every batch waiting to be stored and writes them in
//! one durable transaction, so one fsync acknowledges them all. No artificial delay: while a
//! commit is being synced, new batches queue up and form the next group.

use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use tokio::sync::{mpsc, oneshot};

use super::{IngestOutcome, IngestStore, NewBatch, StoreError};

type Reply = oneshot::Sender<Result<IngestOutcome, StoreError>>;

struct Job {
    batch: NewBatch,
    reply: Reply,
}

/// Hands batches to the writer thread. Cheap to share behind an `Arc`.
pub struct GroupCommit {
    sender: Mutex<Option<mpsc::Sender<Job>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl GroupCommit {
    /// Starts the writer thread over `store`; at most `max_group` batches per transaction.
    pub fn start(store: Arc<dyn IngestStore>, max_group: usize) -> std::io::Result<Self> {
        let max_group = max_group.max(1);
        let (sender, receiver) = mpsc::channel(max_group.saturating_mul(4));
        let thread = std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || writer_loop(store.as_ref(), receiver, max_group))?;
        Ok(GroupCommit {
            sender: Mutex::new(Some(sender)),
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Stores one batch; returns once its transaction is durable (or failed).
    pub async fn submit(&self, batch: NewBatch) -> Result<IngestOutcome, StoreError> {
        let sender = {
            let guard = self.sender.lock().unwrap_or_else(PoisonError::into_inner);
            guard.clone().ok_or(StoreError::Closed)?
        };
        let (reply, answer) = oneshot::channel();
        sender
            .send(Job { batch, reply })
            .await
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// Refuses new batches, lets the writer finish every batch already handed over, and waits
    /// for it. Blocks: call from a blocking context.
    pub fn close(&self) {
        drop(
            self.sender
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take(),
        );
        let thread = self
            .thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(thread) = thread {
            if thread.join().is_err() {
                tracing::error!("the store writer thread panicked");
            }
        }
    }
}

fn writer_loop(store: &dyn IngestStore, mut receiver: mpsc::Receiver<Job>, max_group: usize) {
    let mut jobs: Vec<Job> = Vec::with_capacity(max_group);
    while let Some(first) = receiver.blocking_recv() {
        jobs.push(first);
        while jobs.len() < max_group {
            match receiver.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        commit_group(store, std::mem::take(&mut jobs));
    }
    tracing::debug!("store writer stopped: every accepted batch is written");
}

/// Writes a group; if its transaction fails, writes each batch on its own so that one bad batch
/// cannot fail the others.
fn commit_group(store: &dyn IngestStore, jobs: Vec<Job>) {
    let (batches, replies): (Vec<NewBatch>, Vec<Reply>) =
        jobs.into_iter().map(|j| (j.batch, j.reply)).unzip();
    let single = batches.len() == 1;
    match store.ingest(&batches) {
        Ok(outcomes) => {
            for (reply, outcome) in replies.into_iter().zip(outcomes) {
                let _ = reply.send(Ok(outcome));
            }
        }
        Err(e) if single => {
            tracing::error!(error = %e, "store write failed");
            let e = std::sync::Arc::new(e);
            for reply in replies {
                let _ = reply.send(Err(StoreError::GroupFailed(e.clone())));
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "group commit failed; writing its batches one by one");
            for (batch, reply) in batches.into_iter().zip(replies) {
                let result = store
                    .ingest(std::slice::from_ref(&batch))
                    .and_then(|mut o| {
                        o.pop()
                            .ok_or_else(|| StoreError::Corrupt("the store gave no outcome".into()))
                    });
                let _ = reply.send(result);
            }
        }
    }
}
