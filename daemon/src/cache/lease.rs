//! Leases for single flight: the first caller to miss a key gets a lease and
//! fetches the value; later callers wait for the holder's set (any set of
//! the key completes the lease), or take the lease over when it expires or
//! its holder's connection closes. A holder whose fetch failed says so
//! (`fail`): the callers waiting then get its error instead of fetching in
//! turn. So several local apps sharing one daemon ask a rate-limited API
//! once per key.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use tokio::sync::Notify;

use crate::keys::LeaseKey;

struct Lease {
    holder: u64,
    expires_at: Instant,
    done: Arc<Done>,
}

/// How a lease ended, for the callers waiting on it.
#[derive(Default)]
pub struct Done {
    notify: Notify,
    failure: Mutex<Option<String>>,
}

impl Done {
    /// Resolves when the lease completes, is released or fails.
    pub fn notified(&self) -> tokio::sync::futures::Notified<'_> {
        self.notify.notified()
    }

    /// The holder's error, when it reported one.
    pub fn failure(&self) -> Option<String> {
        self.failure.lock().clone()
    }

    fn wake(&self) {
        self.notify.notify_waiters();
    }
}

/// What `acquire` found.
pub enum Acquire {
    /// The caller holds the lease now.
    Granted {
        /// Lease id.
        id: u64,
        /// Until it expires.
        expires_in: Duration,
    },
    /// The table holds as many leases as it may: fetch without one.
    Full {
        /// The bound.
        max: usize,
    },
    /// Someone else holds it: wait on `done` (at most until `expires_at`).
    Held {
        /// Notified when the lease completes, is released or fails.
        done: Arc<Done>,
        /// When the holder's lease runs out.
        expires_at: Instant,
    },
}

/// The lease table.
pub struct Leases {
    table: Mutex<HashMap<LeaseKey, Lease>>,
    /// Leases held: lets every set skip the table when none is.
    held: AtomicUsize,
    next_id: AtomicU64,
    coalesced: Mutex<HashMap<&'static str, u64>>,
    /// Leases held at once (`[limits] max_leases`).
    max: usize,
}

impl Default for Leases {
    fn default() -> Self {
        Self::new(crate::config::Limits::default().max_leases)
    }
}

impl Leases {
    /// A table of at most `max` leases.
    pub fn new(max: usize) -> Self {
        Self {
            table: Mutex::new(HashMap::new()),
            held: AtomicUsize::new(0),
            next_id: AtomicU64::new(0),
            coalesced: Mutex::new(HashMap::new()),
            max,
        }
    }

    /// Takes the lease on `key` for connection `conn`, unless another live one exists.
    pub fn acquire(&self, key: &LeaseKey, conn: u64, lease: Duration) -> Acquire {
        let now = Instant::now();
        let mut table = self.table.lock();
        if let Some(l) = table.get(key) {
            if l.expires_at > now && l.holder != conn {
                return Acquire::Held {
                    done: l.done.clone(),
                    expires_at: l.expires_at,
                };
            }
        }
        if table.len() >= self.max && !table.contains_key(key) {
            return Acquire::Full { max: self.max };
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let old = table.insert(
            key.clone(),
            Lease {
                holder: conn,
                expires_at: now + lease,
                done: Arc::new(Done::default()),
            },
        );
        match old {
            // An expired lease taken over: its waiters re-check and re-queue.
            Some(old) => old.done.wake(),
            None => {
                self.held.fetch_add(1, Ordering::Release);
            }
        }
        Acquire::Granted {
            id,
            expires_in: lease,
        }
    }

    /// Whether any lease is held (cheap; no lock).
    pub fn any_held(&self) -> bool {
        self.held.load(Ordering::Acquire) > 0
    }

    /// The key was set: the lease (if any) is done and its waiters wake.
    pub fn complete(&self, key: &LeaseKey) {
        if let Some(l) = self.table.lock().remove(key) {
            self.held.fetch_sub(1, Ordering::Release);
            l.done.wake();
        }
    }

    /// The holder `conn` could not fetch `key`: the lease ends and its
    /// waiters get `error`. False (and nothing changes) when `conn` does not
    /// hold the lease.
    pub fn fail(&self, key: &LeaseKey, conn: u64, error: &str) -> bool {
        let mut table = self.table.lock();
        if table.get(key).is_none_or(|l| l.holder != conn) {
            return false;
        }
        if let Some(l) = table.remove(key) {
            self.held.fetch_sub(1, Ordering::Release);
            *l.done.failure.lock() = Some(error.to_owned());
            l.done.wake();
        }
        true
    }

    /// A connection closed: its leases end and their waiters wake.
    pub fn release_connection(&self, conn: u64) {
        let mut table = self.table.lock();
        table.retain(|_, l| {
            if l.holder == conn {
                self.held.fetch_sub(1, Ordering::Release);
                l.done.wake();
                false
            } else {
                true
            }
        });
    }

    /// Counts a lookup that waited for another caller instead of fetching.
    pub fn count_coalesced(&self, content_type: &'static str) {
        *self.coalesced.lock().entry(content_type).or_default() += 1;
    }

    /// Coalesced lookups of a content type.
    pub fn coalesced(&self, content_type: &str) -> u64 {
        self.coalesced
            .lock()
            .get(content_type)
            .copied()
            .unwrap_or(0)
    }

    /// Leases held right now (for tests and status).
    pub fn len(&self) -> usize {
        self.table.lock().len()
    }

    /// Whether no lease is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str) -> LeaseKey {
        LeaseKey::kv("ns", k)
    }

    #[test]
    fn first_caller_holds_others_wait_and_completion_frees() {
        let l = Leases::default();
        let Acquire::Granted { id, .. } = l.acquire(&key("k"), 1, Duration::from_secs(5)) else {
            panic!("granted")
        };
        assert!(id > 0);
        assert!(matches!(
            l.acquire(&key("k"), 2, Duration::from_secs(5)),
            Acquire::Held { .. }
        ));
        // The holder asking again keeps it (a retry after its own timeout).
        assert!(matches!(
            l.acquire(&key("k"), 1, Duration::from_secs(5)),
            Acquire::Granted { .. }
        ));
        l.complete(&key("k"));
        assert!(l.is_empty());
        assert!(matches!(
            l.acquire(&key("k"), 2, Duration::from_secs(5)),
            Acquire::Granted { .. }
        ));
    }

    #[test]
    fn expired_leases_are_taken_over_and_disconnects_release() {
        let l = Leases::default();
        l.acquire(&key("k"), 1, Duration::ZERO);
        assert!(
            matches!(
                l.acquire(&key("k"), 2, Duration::from_secs(5)),
                Acquire::Granted { .. }
            ),
            "expired"
        );
        l.acquire(&key("j"), 2, Duration::from_secs(5));
        l.release_connection(2);
        assert!(l.is_empty());
        assert!(!l.any_held(), "the count follows takeovers and releases");
    }

    #[test]
    fn a_full_table_grants_no_more_leases() {
        let l = Leases::new(2);
        let hour = Duration::from_secs(3600);
        l.acquire(&key("a"), 1, hour);
        l.acquire(&key("b"), 1, hour);
        assert!(matches!(
            l.acquire(&key("c"), 1, hour),
            Acquire::Full { max: 2 }
        ));
        assert!(
            matches!(l.acquire(&key("a"), 2, hour), Acquire::Held { .. }),
            "held ones still wait"
        );
        l.complete(&key("a"));
        assert!(matches!(
            l.acquire(&key("c"), 1, hour),
            Acquire::Granted { .. }
        ));
    }

    #[tokio::test]
    async fn waiters_wake_on_completion() {
        let l = Arc::new(Leases::default());
        l.acquire(&key("k"), 1, Duration::from_secs(30));
        let Acquire::Held { done, .. } = l.acquire(&key("k"), 2, Duration::from_secs(30)) else {
            panic!("held")
        };
        let wait = done.notified();
        tokio::pin!(wait);
        wait.as_mut().enable();
        l.complete(&key("k"));
        tokio::time::timeout(Duration::from_secs(5), wait)
            .await
            .expect("woken");
        assert_eq!(done.failure(), None);
    }

    #[tokio::test]
    async fn a_failure_reaches_the_waiters_and_only_the_holder_may_report_it() {
        let l = Leases::default();
        l.acquire(&key("k"), 1, Duration::from_secs(30));
        let Acquire::Held { done, .. } = l.acquire(&key("k"), 2, Duration::from_secs(30)) else {
            panic!("held")
        };
        let wait = done.notified();
        tokio::pin!(wait);
        wait.as_mut().enable();
        assert!(
            !l.fail(&key("k"), 2, "not yours"),
            "a waiter cannot fail it"
        );
        assert!(l.fail(&key("k"), 1, "exit status 3"));
        tokio::time::timeout(Duration::from_secs(5), wait)
            .await
            .expect("woken");
        assert_eq!(done.failure().as_deref(), Some("exit status 3"));
        assert!(l.is_empty() && !l.any_held());
        assert!(
            matches!(
                l.acquire(&key("k"), 2, Duration::from_secs(30)),
                Acquire::Granted { .. }
            ),
            "a later caller fetches again"
        );
    }
}
