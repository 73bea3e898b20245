//! The loop of the relayer's chain tasks (anchoring, recording): step until stopped, at once
//! after progress, after `poll` when idle or waiting for a block, with exponential backoff
//! after an error.

use std::future::Future;
use std::time::Duration;

use tokio::sync::watch;

/// What one step of a task achieved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Nothing to send.
    Idle,
    /// Something changed (sent, settled, failed, requeued): go on at once.
    Progress,
    /// A transaction may still land: look again after `poll`.
    Waiting,
}

/// How a task paces itself.
#[derive(Clone, Copy, Debug)]
pub struct Pacing {
    pub poll: Duration,
    pub backoff_min: Duration,
    pub backoff_max: Duration,
}

/// Runs `step` until `stop` turns true; `on_error` sees each failed step (then the task waits
/// 0.5 s, 1 s, … up to `backoff_max`).
pub async fn run<E, F, Fut>(
    pacing: Pacing,
    mut stop: watch::Receiver<bool>,
    mut step: F,
    on_error: impl Fn(&E),
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Step, E>>,
{
    let mut backoff = pacing.backoff_min;
    loop {
        if *stop.borrow() {
            return;
        }
        let pause = match step().await {
            Ok(Step::Progress) => {
                backoff = pacing.backoff_min;
                continue;
            }
            Ok(Step::Idle | Step::Waiting) => {
                backoff = pacing.backoff_min;
                pacing.poll
            }
            Err(e) => {
                on_error(&e);
                let pause = backoff;
                backoff = (backoff * 2).min(pacing.backoff_max);
                pause
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = stop.changed() => {}
        }
    }
}
