//! The namespaced key/value cache: client namespaces with policies, plus
//! internal namespaces (`@album_year`, `@successful_api_metadata`, ...) that
//! the domain caches build on, so LRU, TTL, persistence and statistics are
//! written once. Persistent namespaces write through to the store.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};
use trackcache_protocol::{KvLookup, KvSetRef, KvStored};

use super::expiry::Schedule;
use super::names::{internal_name, validate_key, validate_namespace, MAX_NAMESPACES};
use super::namespace::{Entry, EntryTooLarge, Namespace, SetOutcome};
use super::persist::fields;
use crate::clock;
use crate::config::{CachePolicies, ContentPolicies, NamespacePolicy, Strategy};
use crate::store::{Epoch, KvFields, Store, StoreError, WriteFailure};

/// Why a cache operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// The namespace, key or tag is not acceptable.
    #[error("{0}")]
    BadName(String),
    /// The entry cannot fit.
    #[error(transparent)]
    TooLarge(#[from] EntryTooLarge),
    /// The disk refused the write; nothing was changed.
    #[error("the entry was not stored: {0}")]
    Store(#[from] StoreError),
    /// The journal write that would have made it durable failed; the
    /// write was undone (its keys forgotten).
    #[error("the write was not stored: {0}")]
    NotDurable(#[from] WriteFailure),
}

/// Every namespace, client and internal, with their persistence.
pub struct Caches {
    /// Replaced by a config reload (`set_policies`, in `reconfigure.rs`).
    pub(super) policies: RwLock<CachePolicies>,
    pub(super) internal: HashMap<String, RwLock<NamespacePolicy>>,
    pub(super) store: Store,
    /// foldhash: a namespace is looked up on every request; SipHash's DoS
    /// resistance buys nothing for a few names from same-user clients.
    pub(super) namespaces: Mutex<HashMap<String, Namespace, foldhash::fast::RandomState>>,
    pub(super) schedule: Schedule,
    /// A compaction is under way (they do not overlap).
    pub(super) compacting: std::sync::atomic::AtomicBool,
    /// Durable writes hold it shared; a library-driven invalidation holds
    /// it alone while it drops entries and journals its watermark, so no
    /// client write is journaled between them (see `Caches::invalidation`).
    pub(super) gate: parking_lot::RwLock<()>,
}

impl Caches {
    /// Builds the cache and restores every persistent namespace from the store.
    pub fn restore(
        policies: CachePolicies,
        content: &ContentPolicies,
        store: Store,
    ) -> Result<Self, StoreError> {
        let internal = content
            .types
            .iter()
            .map(|t| (internal_name(t.name), RwLock::new(t.policy.clone())))
            .collect();
        let cache = Self {
            policies: RwLock::new(policies),
            internal,
            store,
            namespaces: Mutex::new(HashMap::default()),
            schedule: Schedule::default(),
            compacting: std::sync::atomic::AtomicBool::new(false),
            gate: parking_lot::RwLock::new(()),
        };
        cache.load()?;
        cache.create_declared();
        // Start from a clean snapshot: what the journal replayed goes into
        // it, expired entries drop out, old segments are deleted.
        cache.compact()?;
        Ok(cache)
    }

    /// A namespace's policy: a content type's, a declared one (under the
    /// config file's settings), or the config file's (`declare.rs`).
    pub(super) fn policy_of(&self, ns: &str) -> NamespacePolicy {
        if let Some(p) = self.internal.get(ns) {
            return p.read().clone();
        }
        let policies = self.policies.read();
        match self.store.declaration(ns) {
            Some(d) => {
                policies.over_declared(ns, super::declare::declared_policy(&policies.default, &d))
            }
            None => policies.for_namespace(ns).clone(),
        }
    }

    pub(super) fn new_namespace(&self, ns: &str) -> Namespace {
        if self.internal.contains_key(ns) {
            // Domain keys start with the album pair: prefix queries find
            // every source of an album.
            Namespace::ordered(self.policy_of(ns))
        } else {
            Namespace::new(self.policy_of(ns))
        }
    }

    /// Runs `f` on a namespace, creating it on first use. No name checks:
    /// callers pass validated client names or internal names.
    pub fn with_ns<T>(
        &self,
        ns: &str,
        f: impl FnOnce(&mut Namespace) -> Result<T, CacheError>,
    ) -> Result<T, CacheError> {
        let mut map = self.namespaces.lock();
        if let Some(n) = map.get_mut(ns) {
            return f(n);
        }
        if map.len() >= MAX_NAMESPACES + self.internal.len() {
            return Err(CacheError::BadName(format!(
                "too many namespaces (the limit is {MAX_NAMESPACES}); clear unused ones"
            )));
        }
        let n = map
            .entry(ns.to_owned())
            .or_insert_with(|| self.new_namespace(ns));
        f(n)
    }

    /// Runs `f` on a namespace for a durable write: `with_ns`, holding the
    /// write gate shared (taken first: the lock order is gate, then
    /// namespaces), so a library-driven invalidation does not interleave.
    pub fn writing_ns<T>(
        &self,
        ns: &str,
        f: impl FnOnce(&mut Namespace) -> Result<T, CacheError>,
    ) -> Result<T, CacheError> {
        let _gate = self.gate.read();
        self.with_ns(ns, f)
    }

    /// Stores `entry` under `key` in `n` (named `ns`): disk first for a
    /// persistent namespace, so a refused write changes nothing. Call it
    /// inside `writing_ns`.
    pub fn put_in(
        &self,
        n: &mut Namespace,
        ns: &str,
        key: &str,
        entry: Entry,
    ) -> Result<(SetOutcome, Epoch), CacheError> {
        let epoch = self.admit(n, ns, key, fields(&entry))?;
        Ok((self.apply(n, ns, key, entry)?, epoch))
    }

    /// The checks and the disk write of a put, before anything in memory
    /// changes: the entry must fit, and a persistent one is journaled (the
    /// epoch to sync before acknowledging it).
    fn admit(
        &self,
        n: &Namespace,
        ns: &str,
        key: &str,
        entry: KvFields<'_>,
    ) -> Result<Epoch, CacheError> {
        let size = (key.len() + entry.value.len()) as u64;
        if size > n.policy().max_bytes {
            return Err(EntryTooLarge {
                size,
                max: n.policy().max_bytes,
            }
            .into());
        }
        if n.policy().persistent {
            return Ok(self.store.put_kv(ns, key, entry)?);
        }
        Ok(Epoch::NONE)
    }

    /// The in-memory half of a put that `admit` accepted.
    fn apply(
        &self,
        n: &mut Namespace,
        ns: &str,
        key: &str,
        entry: Entry,
    ) -> Result<SetOutcome, CacheError> {
        let persistent = n.policy().persistent;
        let outcome = n.set(key, entry)?;
        if persistent {
            for k in &outcome.evicted {
                self.forget_on_disk(ns, k);
            }
        }
        if let Some(t) = outcome.expires_at_ms {
            self.schedule.schedule(t);
        }
        Ok(outcome)
    }

    /// Removes keys because they became stale; returns those that were there.
    pub fn invalidate_in(&self, n: &mut Namespace, ns: &str, keys: &[Arc<str>]) -> Vec<Arc<str>> {
        let mut gone = Vec::new();
        for k in keys {
            if n.invalidate(k).is_some() {
                if n.policy().persistent {
                    self.forget_on_disk(ns, k);
                }
                gone.push(k.clone());
            }
        }
        gone
    }

    /// Every entry of an internal or client namespace, dropped for
    /// invalidation; the epoch to sync for it to be durable.
    pub fn invalidate_namespace(&self, ns: &str) -> Result<(Vec<Arc<str>>, Epoch), CacheError> {
        self.with_ns(ns, |n| {
            let epoch = if n.policy().persistent {
                self.store.clear_kv_namespace(ns)?
            } else {
                Epoch::NONE
            };
            Ok((n.invalidate_all(), epoch))
        })
    }

    /// Drops every client entry tagged `tag` in the namespaces whose
    /// strategy `reacts` accepts; returns (namespace, key) pairs.
    pub fn invalidate_tag(
        &self,
        tag: &str,
        reacts: impl Fn(Strategy) -> bool,
    ) -> Vec<(String, Arc<str>)> {
        let mut map = self.namespaces.lock();
        let mut out = Vec::new();
        for (name, n) in map
            .iter_mut()
            .filter(|(name, n)| !self.internal.contains_key(*name) && reacts(n.policy().strategy))
        {
            let keys = n.keys_tagged(tag);
            for k in self.invalidate_in(n, name, &keys) {
                out.push((name.clone(), k));
            }
        }
        out
    }

    /// Whether a namespace is written to disk.
    pub fn is_persistent(&self, ns: &str) -> bool {
        self.policy_of(ns).persistent
    }

    /// The strategy of client namespaces that have none of their own.
    pub fn default_strategy(&self) -> Strategy {
        self.policies.read().default.strategy
    }

    /// A namespace's invalidation strategy (an internal name for a content type).
    pub fn strategy_of(&self, ns: &str) -> Strategy {
        self.policy_of(ns).strategy
    }

    /// Names of the client namespaces.
    pub fn client_namespaces(&self) -> Vec<String> {
        let map = self.namespaces.lock();
        map.keys()
            .filter(|n| !self.internal.contains_key(*n))
            .cloned()
            .collect()
    }

    /// Looks a client key up.
    pub fn get(&self, ns: &str, key: &str) -> Result<KvLookup, CacheError> {
        validate_namespace(ns)?;
        validate_key(key)?;
        let now = clock::now_ms();
        self.with_ns(ns, |n| Ok(n.get(key, now)))
    }

    /// Stores a client value or negative marker; the epoch to sync before
    /// acknowledging it.
    pub fn set(&self, req: KvSetRef<'_>) -> Result<(KvStored, Epoch), CacheError> {
        validate_namespace(req.namespace)?;
        validate_key(req.key)?;
        let tags = req
            .tags
            .iter()
            .map(|t| crate::keys::normalize_tag(t).map_err(|e| CacheError::BadName(e.to_string())))
            .collect::<Result<Vec<_>, _>>()?;
        let now = clock::now_ms();
        self.writing_ns(req.namespace, |n| {
            let expires_at_ms = n.expiry_for(req.ttl_ms, req.negative, now);
            let value = if req.negative { &[][..] } else { req.value };
            let stored = KvFields {
                value,
                negative: req.negative,
                stored_at_ms: now,
                expires_at_ms,
                tags: &tags,
            };
            let epoch = self.admit(n, req.namespace, req.key, stored)?;
            // Admitted: nothing fails from here, so the entry being replaced
            // may give up its buffer to the new value.
            let entry = Entry {
                value: n.recycled_value(req.key, value),
                negative: req.negative,
                stored_at_ms: now,
                expires_at_ms,
                tags,
            };
            let persistent = n.policy().persistent;
            let outcome = self.apply(n, req.namespace, req.key, entry)?;
            let stored = KvStored {
                expires_in_ms: outcome.expires_at_ms.map(|t| t.saturating_sub(now)),
                evicted: outcome.evicted.len() as u64,
                persistent,
            };
            Ok((stored, epoch))
        })
    }

    /// Deletes one client key; true when a live entry was removed.
    pub fn delete(&self, ns: &str, key: &str) -> Result<(bool, Epoch), CacheError> {
        validate_namespace(ns)?;
        validate_key(key)?;
        let now = clock::now_ms();
        self.writing_ns(ns, |n| {
            let epoch = if n.policy().persistent {
                self.store.delete_kv(ns, key)?
            } else {
                Epoch::NONE
            };
            Ok((n.delete(key, now), epoch))
        })
    }

    /// Removes every entry of a client namespace.
    pub fn clear(&self, ns: &str) -> Result<(u64, Epoch), CacheError> {
        validate_namespace(ns)?;
        self.writing_ns(ns, |n| {
            let epoch = if n.policy().persistent {
                self.store.clear_kv_namespace(ns)?
            } else {
                Epoch::NONE
            };
            Ok((n.clear(), epoch))
        })
    }

    pub(super) fn forget_on_disk(&self, ns: &str, key: &str) {
        // Memory already dropped it. If the disk cannot be told, memory and
        // disk differ until the store has saved the caches whole again.
        if let Err(e) = self.store.delete_kv(ns, key) {
            self.store.diverged(&format!(
                "a cache entry dropped in memory could not be deleted on disk ({e})"
            ));
        }
    }

    /// Removes expired entries everywhere; returns the next deadline, if any.
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
}
