//! Scheduling expiry: the background task sleeps until the earliest
//! deadline; a set with an earlier deadline wakes it. A `Notify` keeps a
//! permit, so a wake-up that arrives between a purge and the sleep is not lost.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::clock;

/// The deadline the expiry task sleeps towards, and its wake-up.
pub struct Schedule {
    scheduled_ms: AtomicU64,
    wakeup: Notify,
}

impl Default for Schedule {
    fn default() -> Self {
        Self {
            scheduled_ms: AtomicU64::new(u64::MAX),
            wakeup: Notify::new(),
        }
    }
}

impl Schedule {
    /// Wakes the task if `deadline_ms` is earlier than what it waits for.
    pub fn schedule(&self, deadline_ms: u64) {
        if self.scheduled_ms.fetch_min(deadline_ms, Ordering::AcqRel) > deadline_ms {
            self.wakeup.notify_one();
        }
    }

    /// The task: `purge(now)` removes what has expired and returns the next
    /// deadline; repeat until shutdown.
    pub async fn run(&self, shutdown: CancellationToken, purge: impl Fn(u64) -> Option<u64>) {
        loop {
            // Reset before purging: a set racing with the purge lowers the
            // deadline again and leaves a permit.
            self.scheduled_ms.store(u64::MAX, Ordering::Release);
            let next = purge(clock::now_ms()).unwrap_or(u64::MAX);
            self.scheduled_ms.fetch_min(next, Ordering::AcqRel);
            let deadline = self.scheduled_ms.load(Ordering::Acquire);
            let sleep_for = clock::until(deadline, clock::now_ms()).min(Duration::from_secs(3600));
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = self.wakeup.notified() => {}
                _ = tokio::time::sleep(sleep_for) => {}
            }
        }
    }
}
