//! Durable acknowledgements with group commit. A write that must survive
//! `kill -9` waits with `Store::sync` for the epoch its records joined
//! (`durable`). The first waiter to find no write under way becomes the
//! leader and writes every pending record with one `write(2)`; everyone
//! whose epoch that write covered is released by it, with its outcome.
//! Concurrent writers thus share one system call instead of paying one each.

use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::Notify;

use super::durable::{Epoch, WriteFailure};
use super::Store;

/// Group-commit state, shared by all clones of a `Store`.
#[derive(Default)]
pub struct Syncer {
    flushing: AtomicBool,
    finished: Notify,
}

/// Held by the leader: ends its turn (and wakes the followers) however the
/// leader stops, including its future being dropped at the yield, which
/// would otherwise leave `flushing` set and every later writer waiting.
struct Leading<'a>(&'a Syncer);

impl Drop for Leading<'_> {
    fn drop(&mut self) {
        self.0.flushing.store(false, Ordering::Release);
        self.0.finished.notify_waiters();
    }
}

impl Store {
    /// Waits until the writes of `epoch` would survive `kill -9`, or their
    /// write failed. Only the waiter that ran the failed write gets the
    /// keys it lost (`WriteFailure::lost`), to have the caches forget them.
    pub async fn sync(&self, epoch: Epoch) -> Result<(), WriteFailure> {
        let s = &self.syncer;
        loop {
            if let Some(done) = self.epoch_done(epoch) {
                return done;
            }
            if !s.flushing.swap(true, Ordering::AcqRel) {
                let leading = Leading(s);
                // Leader. Let the other connections that are ready run
                // first (tokio defers a yielded task until after the next
                // I/O poll), so their writes join this group: one write(2)
                // per turn of the event loop, as Redis's AOF does, instead
                // of one per request on a single request thread.
                tokio::task::yield_now().await;
                // One write(2) of a few KB: cheaper done here than handed
                // to the blocking pool and back. Only a compaction goes there.
                let res = self.write_pending().map(|big| {
                    if big {
                        self.request_compaction();
                    }
                });
                drop(leading);
                res?;
                continue;
            }
            // Follower: register for the wake-up before re-checking, so a
            // flush that ends in between is not missed.
            let finished = s.finished.notified();
            tokio::pin!(finished);
            finished.as_mut().enable();
            if self.epoch_done(epoch).is_some() || !s.flushing.load(Ordering::Acquire) {
                continue;
            }
            finished.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::PersistedKv;

    fn entry() -> PersistedKv {
        PersistedKv {
            value: vec![1],
            negative: false,
            stored_at_ms: 0,
            expires_at_ms: None,
            tags: Vec::new(),
        }
    }

    /// `n` tasks, spawned together, each writing one key and syncing.
    async fn write_and_sync(s: &Store, n: usize) {
        let tasks: Vec<_> = (0..n)
            .map(|i| {
                let s = s.clone();
                tokio::spawn(async move {
                    let epoch = s.put_kv("ns", &format!("k{i}"), entry().fields()).unwrap();
                    s.sync(epoch).await.unwrap();
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_syncs_all_complete_and_share_flushes() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        write_and_sync(&s, 64).await;
        assert!(s
            .epoch_done(s.put_kv("ns", "last", entry().fields()).unwrap())
            .is_none());
    }

    /// On one request thread the first writer used to write its own record
    /// at once, so every request paid a write(2): no group ever formed.
    #[tokio::test(flavor = "current_thread")]
    async fn writers_ready_together_on_one_thread_share_one_write() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        let before = s.journal.file.lock().appends;
        write_and_sync(&s, 64).await;
        let writes = s.journal.file.lock().appends - before;
        assert!(writes <= 2, "64 ready writers took {writes} write(2) calls");
        drop(s);
        let s = crate::store::open_again(dir.path()).unwrap();
        assert_eq!(s.load_kv().unwrap().0.len(), 64, "every record was written");
    }

    /// The leader now awaits (the yield) while it holds the turn: a
    /// connection dropped right there must not leave every later durable
    /// write waiting for a flush that never comes.
    #[tokio::test(flavor = "current_thread")]
    async fn a_leader_dropped_at_its_yield_does_not_wedge_the_others() {
        use futures_util::FutureExt;
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        let a = s.put_kv("ns", "a", entry().fields()).unwrap();
        assert!(s.sync(a).now_or_never().is_none(), "parked at the yield");
        let b = s.put_kv("ns", "b", entry().fields()).unwrap();
        let synced = tokio::time::timeout(std::time::Duration::from_secs(5), s.sync(b)).await;
        assert!(matches!(synced, Ok(Ok(()))), "a later sync completes");
    }
}
