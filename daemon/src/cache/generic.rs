//! The generic key/value cache: namespaces with policies, write-through to
//! the store for persistent namespaces, and a background task that removes
//! expired entries, sleeping until the next deadline instead of polling.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use trackcache_protocol::{CacheTotals, KvLookup, KvSet, KvStored, StatsReport};

use super::namespace::{Entry, EntryTooLarge, Namespace};
use crate::clock;
use crate::config::CachePolicies;
use crate::store::{PersistedKv, Store, StoreError};

/// Most namespaces one daemon keeps; guards memory against a client that
/// invents a namespace per request.
pub const MAX_NAMESPACES: usize = 1024;
/// Longest key in bytes.
pub const MAX_KEY_LEN: usize = 1024;

/// Why a cache operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// The namespace or key is not acceptable.
    #[error("{0}")]
    BadName(String),
    /// The entry cannot fit.
    #[error(transparent)]
    TooLarge(#[from] EntryTooLarge),
    /// The disk write failed; nothing was changed.
    #[error("the entry was not stored: {0}")]
    Store(#[from] StoreError),
}

/// The generic cache.
pub struct GenericCache {
    policies: CachePolicies,
    store: Store,
    namespaces: Mutex<HashMap<String, Namespace>>,
    /// Deadline (Unix ms) the expiry task currently sleeps towards.
    scheduled_ms: AtomicU64,
    wakeup: Notify,
}

/// Checks a namespace name: 1-64 characters of `A-Za-z0-9_.:-`.
pub fn validate_namespace(ns: &str) -> Result<(), CacheError> {
    let ok = !ns.is_empty()
        && ns.len() <= 64
        && ns
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.:-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(CacheError::BadName(format!(
            "invalid namespace {ns:?}: use 1-64 characters of A-Z a-z 0-9 _ . : -"
        )))
    }
}

fn validate_key(key: &str) -> Result<(), CacheError> {
    if key.is_empty() || key.len() > MAX_KEY_LEN {
        return Err(CacheError::BadName(format!(
            "invalid key of {} bytes: keys must be 1-{MAX_KEY_LEN} bytes",
            key.len()
        )));
    }
    Ok(())
}

impl GenericCache {
    /// Builds the cache and restores the persistent namespaces from the store.
    pub fn restore(policies: CachePolicies, store: Store) -> Result<Self, StoreError> {
        let cache = Self {
            policies,
            store,
            namespaces: Mutex::new(HashMap::new()),
            scheduled_ms: AtomicU64::new(u64::MAX),
            wakeup: Notify::new(),
        };
        let (records, skipped) = cache.store.load_kv()?;
        if skipped > 0 {
            tracing::warn!(skipped, "skipped undecodable persisted cache entries");
        }
        let now = clock::now_ms();
        let (mut restored, mut dropped) = (0u64, 0u64);
        let mut map = cache.namespaces.lock();
        for r in records {
            let policy = cache.policies.for_namespace(&r.namespace);
            if !policy.persistent {
                // The namespace was made memory-only since: forget its entries.
                cache.store.delete_kv(&r.namespace, &r.key)?;
                dropped += 1;
                continue;
            }
            let ns = map
                .entry(r.namespace.clone())
                .or_insert_with(|| Namespace::new(policy.clone()));
            let entry = Entry {
                value: r.entry.value,
                negative: r.entry.negative,
                stored_at_ms: r.entry.stored_at_ms,
                expires_at_ms: r.entry.expires_at_ms,
            };
            match ns.restore(&r.key, entry, now) {
                Some(evicted) => {
                    restored += 1;
                    for k in evicted {
                        cache.store.delete_kv(&r.namespace, &k)?;
                    }
                }
                None => {
                    cache.store.delete_kv(&r.namespace, &r.key)?;
                    dropped += 1;
                }
            }
        }
        drop(map);
        tracing::info!(restored, dropped, "restored persistent cache entries");
        Ok(cache)
    }

    fn with_namespace<T>(
        &self,
        ns: &str,
        f: impl FnOnce(&mut Namespace) -> Result<T, CacheError>,
    ) -> Result<T, CacheError> {
        validate_namespace(ns)?;
        let mut map = self.namespaces.lock();
        if let Some(n) = map.get_mut(ns) {
            return f(n);
        }
        if map.len() >= MAX_NAMESPACES {
            return Err(CacheError::BadName(format!(
                "too many namespaces (the limit is {MAX_NAMESPACES}); clear unused ones"
            )));
        }
        let n = map
            .entry(ns.to_owned())
            .or_insert_with(|| Namespace::new(self.policies.for_namespace(ns).clone()));
        f(n)
    }

    /// Looks a key up.
    pub fn get(&self, ns: &str, key: &str) -> Result<KvLookup, CacheError> {
        validate_key(key)?;
        let now = clock::now_ms();
        self.with_namespace(ns, |n| Ok(n.get(key, now)))
    }

    /// Stores a value or a negative marker. For a persistent namespace the
    /// disk write happens first, so a failed write changes nothing.
    pub fn set(&self, req: KvSet) -> Result<KvStored, CacheError> {
        validate_key(&req.key)?;
        let now = clock::now_ms();
        let stored = self.with_namespace(&req.namespace, |n| {
            let expires_at_ms = n.expiry_for(req.ttl_ms, req.negative, now);
            let entry = Entry {
                value: if req.negative { Vec::new() } else { req.value },
                negative: req.negative,
                stored_at_ms: now,
                expires_at_ms,
            };
            let persistent = n.policy().persistent;
            if persistent {
                let size = (req.key.len() + entry.value.len()) as u64;
                if size > n.policy().max_bytes {
                    return Err(EntryTooLarge {
                        size,
                        max: n.policy().max_bytes,
                    }
                    .into());
                }
                self.store
                    .put_kv(&req.namespace, &req.key, &persisted(&entry))?;
            }
            let outcome = n.set(&req.key, entry)?;
            if persistent {
                for k in &outcome.evicted {
                    self.forget_on_disk(&req.namespace, k);
                }
            }
            Ok(KvStored {
                expires_in_ms: outcome.expires_at_ms.map(|t| t.saturating_sub(now)),
                evicted: outcome.evicted.len() as u64,
                persistent,
            })
        })?;
        if let Some(ms) = stored.expires_in_ms {
            self.schedule(now.saturating_add(ms));
        }
        Ok(stored)
    }

    /// Deletes one key; true when a live entry was removed.
    pub fn delete(&self, ns: &str, key: &str) -> Result<bool, CacheError> {
        validate_key(key)?;
        let now = clock::now_ms();
        self.with_namespace(ns, |n| {
            if n.policy().persistent {
                self.store.delete_kv(ns, key)?;
            }
            Ok(n.delete(key, now))
        })
    }

    /// Removes every entry of a namespace.
    pub fn clear(&self, ns: &str) -> Result<u64, CacheError> {
        self.with_namespace(ns, |n| {
            if n.policy().persistent {
                self.store.clear_kv_namespace(ns)?;
            }
            Ok(n.clear())
        })
    }

    /// One stats row per namespace, sorted by name.
    pub fn stats(&self) -> StatsReport {
        let map = self.namespaces.lock();
        let mut namespaces: Vec<_> = map.iter().map(|(name, n)| n.stats(name)).collect();
        namespaces.sort_by(|a, b| a.name.cmp(&b.name));
        StatsReport { namespaces }
    }

    /// Totals over every namespace.
    pub fn totals(&self) -> CacheTotals {
        let mut t = CacheTotals::default();
        for s in self.stats().namespaces {
            t.namespaces += 1;
            t.entries += s.entries;
            t.bytes += s.bytes;
            t.hits += s.hits;
            t.negative_hits += s.negative_hits;
            t.misses += s.misses;
            t.expirations += s.expirations;
            t.evictions += s.evictions;
        }
        t
    }

    fn forget_on_disk(&self, ns: &str, key: &str) {
        // Memory already dropped it; a failed disk delete only means the
        // entry comes back at the next start and is evicted or expired then.
        if let Err(e) = self.store.delete_kv(ns, key) {
            tracing::warn!(namespace = ns, key, error = %e, "could not delete entry on disk");
        }
    }

    /// Removes expired entries; returns the next deadline, if any.
    pub fn purge_expired(&self, now_ms: u64) -> Option<u64> {
        let mut map = self.namespaces.lock();
        let mut next: Option<u64> = None;
        for (name, n) in map.iter_mut() {
            let gone = n.purge_expired(now_ms);
            if n.policy().persistent {
                for k in &gone {
                    self.forget_on_disk(name, k);
                }
            }
            if let Some(t) = n.next_expiry() {
                next = Some(next.map_or(t, |m| m.min(t)));
            }
        }
        next
    }

    /// Wakes the expiry task if `deadline_ms` is earlier than what it waits for.
    fn schedule(&self, deadline_ms: u64) {
        if self.scheduled_ms.fetch_min(deadline_ms, Ordering::AcqRel) > deadline_ms {
            self.wakeup.notify_one();
        }
    }

    /// The expiry task: purge, sleep until the next deadline (or until an
    /// earlier one is scheduled), repeat until shutdown.
    pub async fn run_expiry(self: Arc<Self>, shutdown: CancellationToken) {
        loop {
            // Reset the deadline before purging: a set racing with the purge
            // then lowers it again and leaves a wake-up permit, so no
            // deadline is ever slept past.
            self.scheduled_ms.store(u64::MAX, Ordering::Release);
            let next = self.purge_expired(clock::now_ms()).unwrap_or(u64::MAX);
            self.scheduled_ms.fetch_min(next, Ordering::AcqRel);
            let deadline = self.scheduled_ms.load(Ordering::Acquire);
            let sleep_for = clock::until(deadline, clock::now_ms());
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = self.wakeup.notified() => {}
                _ = tokio::time::sleep(sleep_for.min(std::time::Duration::from_secs(3600))) => {}
            }
        }
    }
}

fn persisted(e: &Entry) -> PersistedKv {
    PersistedKv {
        value: e.value.clone(),
        negative: e.negative,
        stored_at_ms: e.stored_at_ms,
        expires_at_ms: e.expires_at_ms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespace_names_are_validated() {
        for ok in ["a", "music.brainz:v1", "A_b-9"] {
            assert!(validate_namespace(ok).is_ok(), "{ok}");
        }
        for bad in ["", "has space", "nul\0", &"x".repeat(65), "é"] {
            assert!(validate_namespace(bad).is_err(), "{bad:?}");
        }
        assert!(validate_key("").is_err());
        assert!(validate_key(&"k".repeat(MAX_KEY_LEN + 1)).is_err());
    }
}
