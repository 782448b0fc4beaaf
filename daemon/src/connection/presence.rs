//! What the server knows of each open connection: whether it is idle (no
//! request in flight, no subscription) and since when, and a way to close
//! it. Idle connections are closed after `[limits] idle_timeout_ms`, and at
//! the connection cap the longest-idle one makes room for a new client (the
//! report: 256 idle connections that had completed the handshake locked
//! everyone else out for good). Subscribers are never idle.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use tokio_util::sync::CancellationToken;

/// One connection's presence.
#[derive(Debug, Default)]
pub struct Presence {
    /// Unix ms since when it is idle; 0 while busy.
    idle_since_ms: AtomicU64,
    /// Cancelled to close it (at the cap, for a new client).
    pub close: CancellationToken,
}

impl Presence {
    /// A request is in flight, or a subscription is open.
    pub fn busy(&self) {
        self.idle_since_ms.store(0, Ordering::Release);
    }

    /// Nothing in flight and no subscription, since `now_ms` unless it
    /// was idle already.
    pub fn idle(&self, now_ms: u64) {
        let _ = self.idle_since_ms.compare_exchange(
            0,
            now_ms.max(1),
            Ordering::AcqRel,
            Ordering::Acquire,
        );
    }

    /// Since when it is idle, if it is.
    pub fn idle_since(&self) -> Option<u64> {
        match self.idle_since_ms.load(Ordering::Acquire) {
            0 => None,
            t => Some(t),
        }
    }
}

/// Every open connection's presence, by connection id.
#[derive(Default)]
pub struct Registry {
    open: Mutex<HashMap<u64, Arc<Presence>>>,
}

/// Removes a connection from the registry when it ends.
pub struct Registered<'r> {
    registry: &'r Registry,
    id: u64,
    /// The connection's presence.
    pub presence: Arc<Presence>,
}

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        self.registry.open.lock().remove(&self.id);
    }
}

impl Registry {
    /// Registers connection `id` (busy: it has a handshake to do).
    pub fn register(&self, id: u64) -> Registered<'_> {
        let presence = Arc::new(Presence::default());
        self.open.lock().insert(id, presence.clone());
        Registered {
            registry: self,
            id,
            presence,
        }
    }

    /// Closes the connection idle the longest, if one is idle; returns
    /// whether one was.
    pub fn close_longest_idle(&self) -> bool {
        let open = self.open.lock();
        let oldest = open
            .values()
            .filter_map(|p| p.idle_since().map(|t| (t, p)))
            .min_by_key(|(t, _)| *t);
        match oldest {
            Some((_, p)) => {
                p.close.cancel();
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_idle_connection_is_the_one_closed() {
        let r = Registry::default();
        let a = r.register(1);
        let b = r.register(2);
        let c = r.register(3);
        assert!(!r.close_longest_idle(), "all busy");
        b.presence.idle(1_000);
        a.presence.idle(2_000);
        a.presence.idle(3_000);
        assert_eq!(
            a.presence.idle_since(),
            Some(2_000),
            "idle since the first time"
        );
        c.presence.idle(500);
        c.presence.busy();
        assert!(r.close_longest_idle());
        assert!(b.presence.close.is_cancelled());
        assert!(!a.presence.close.is_cancelled() && !c.presence.close.is_cancelled());
        drop(b);
        assert_eq!(r.open.lock().len(), 2);
    }
}
