//! One cache namespace: entries in LRU order, an expiry index, optional
//! ordered-key and dependency-tag indexes, and the namespace's counters.
//! Pure: time comes in as `now_ms` (Unix ms), and nothing here touches the
//! disk; the caller persists what it is told.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use bytes::Bytes;
use trackcache_protocol::{KvLookup, NamespaceStats};

pub use super::entry::{Counters, Entry, EntryTooLarge, SetOutcome};
use super::lru_map::LruMap;
use crate::config::NamespacePolicy;

/// One namespace.
pub struct Namespace {
    policy: NamespacePolicy,
    entries: LruMap<Entry>,
    expiry: BTreeSet<(u64, Arc<str>)>,
    /// Keys in order, when prefix queries are needed (`Namespace::ordered`).
    ordered: Option<BTreeSet<Arc<str>>>,
    tagged: HashMap<Box<str>, HashSet<Arc<str>>>,
    bytes: u64,
    counters: Counters,
}

fn ms(d: Option<std::time::Duration>) -> Option<u64> {
    d.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn entry_size(key: &str, e: &Entry) -> u64 {
    (key.len() + e.value.len()) as u64
}

impl Namespace {
    /// An empty namespace with this policy.
    pub fn new(policy: NamespacePolicy) -> Self {
        Self {
            policy,
            entries: LruMap::default(),
            expiry: BTreeSet::new(),
            ordered: None,
            tagged: HashMap::new(),
            bytes: 0,
            counters: Counters::default(),
        }
    }

    /// An empty namespace that also keeps its keys in order, for `keys_with_prefix`.
    pub fn ordered(policy: NamespacePolicy) -> Self {
        Self {
            ordered: Some(BTreeSet::new()),
            ..Self::new(policy)
        }
    }

    /// The namespace's policy.
    pub fn policy(&self) -> &NamespacePolicy {
        &self.policy
    }

    /// Switches to `policy` (a config reload) and evicts, least recently used
    /// first, what the new bounds no longer admit; returns the evicted keys.
    /// Entries keep the expiry they were stored with: a new TTL applies to
    /// what is stored from now on.
    pub fn set_policy(&mut self, policy: NamespacePolicy) -> Vec<Arc<str>> {
        self.policy = policy;
        self.evict_over_bounds()
    }

    /// When an entry set now with this explicit TTL expires. `Some(0)` means
    /// never; `None` uses the policy (its negative TTL for negative entries).
    pub fn expiry_for(&self, ttl_ms: Option<u64>, negative: bool, now_ms: u64) -> Option<u64> {
        let ttl_ms = match ttl_ms {
            Some(0) => return None,
            Some(ms) => ms,
            None => {
                let d = if negative {
                    self.policy.negative_ttl
                } else {
                    self.policy.ttl
                };
                u64::try_from(d?.as_millis()).unwrap_or(u64::MAX)
            }
        };
        Some(now_ms.saturating_add(ttl_ms))
    }

    /// Looks a key up, counting the outcome. An entry whose TTL has run out
    /// is a miss even before the expiry task removes it.
    pub fn get(&mut self, key: &str, now_ms: u64) -> KvLookup {
        self.get_if(key, now_ms, |_| true)
    }

    /// Like `get`, but a live entry that `accept` refuses is a miss for this
    /// caller (an album year below the caller's minimum confidence).
    pub fn get_if(&mut self, key: &str, now_ms: u64, accept: impl Fn(&Entry) -> bool) -> KvLookup {
        let lookup = match self.entries.get(key) {
            Some(e) if e.is_live(now_ms) && accept(e) => {
                let expires_in_ms = e.expires_at_ms.map(|t| t - now_ms);
                if e.negative {
                    KvLookup::Negative { expires_in_ms }
                } else {
                    KvLookup::Hit {
                        value: e.value.to_vec(),
                        expires_in_ms,
                    }
                }
            }
            _ => KvLookup::Miss,
        };
        match lookup {
            KvLookup::Hit { .. } => self.counters.hits += 1,
            KvLookup::Negative { .. } => self.counters.negative_hits += 1,
            KvLookup::Miss => self.counters.misses += 1,
        }
        lookup
    }

    /// `new` as a value for `key`, about to replace its entry. When the
    /// entry's value is the only reference to a buffer that fits `new`
    /// (not more than twice its size), the bytes are written into that
    /// buffer: an overwrite then costs no allocation and no free. The old
    /// entry is left with an empty value and the byte count follows, so the
    /// caller must go on to `set` the key.
    pub fn recycled_value(&mut self, key: &str, new: &[u8]) -> Bytes {
        if new.is_empty() {
            return Bytes::new();
        }
        if let Some((_, e)) = self.entries.get_key_value_mut(key) {
            let old_len = e.value.len() as u64;
            match std::mem::take(&mut e.value).try_into_mut() {
                Ok(mut buf) if buf.capacity() >= new.len() && buf.capacity() <= 2 * new.len() => {
                    self.bytes -= old_len;
                    buf.clear();
                    buf.extend_from_slice(new);
                    return buf.freeze();
                }
                Ok(buf) => e.value = buf.freeze(),
                Err(shared) => e.value = shared,
            }
        }
        Bytes::copy_from_slice(new)
    }

    /// Stores an entry, evicting least recently used entries beyond the bounds.
    pub fn set(&mut self, key: &str, entry: Entry) -> Result<SetOutcome, EntryTooLarge> {
        let size = entry_size(key, &entry);
        if size > self.policy.max_bytes {
            return Err(EntryTooLarge {
                size,
                max: self.policy.max_bytes,
            });
        }
        let expires_at_ms = entry.expires_at_ms;
        let tags = entry.tags.clone();
        // An overwrite swaps the value in place (no unlink, re-link or new
        // key allocation); a new key is inserted. Either way the indexes
        // are then brought in line with the new entry.
        let key = match self.entries.get_key_value_mut(key) {
            Some((k, slot)) => {
                let k = k.clone();
                let old = std::mem::replace(slot, entry);
                self.forget(&k, &old);
                k
            }
            None => {
                let k: Arc<str> = Arc::from(key);
                self.entries.put(k.clone(), entry);
                k
            }
        };
        if let Some(t) = expires_at_ms {
            self.expiry.insert((t, key.clone()));
        }
        if let Some(o) = self.ordered.as_mut() {
            o.insert(key.clone());
        }
        for tag in tags {
            self.tagged
                .entry(tag.into())
                .or_default()
                .insert(key.clone());
        }
        self.bytes += size;
        self.counters.sets += 1;
        let evicted = self.evict_over_bounds();
        Ok(SetOutcome {
            expires_at_ms,
            evicted,
        })
    }

    /// Puts back an entry read from disk at start-up (not counted as a set).
    /// Returns `None` when it had already expired.
    pub fn restore(&mut self, key: &str, entry: Entry, now_ms: u64) -> Option<Vec<Arc<str>>> {
        if !entry.is_live(now_ms) || entry_size(key, &entry) > self.policy.max_bytes {
            return None;
        }
        let outcome = self.set(key, entry).ok()?;
        self.counters.sets -= 1;
        Some(outcome.evicted)
    }

    fn evict_over_bounds(&mut self) -> Vec<Arc<str>> {
        let mut evicted = Vec::new();
        while self.entries.len() as u64 > self.policy.max_entries
            || self.bytes > self.policy.max_bytes
        {
            let Some((key, e)) = self.entries.pop_lru() else {
                break;
            };
            self.forget(&key, &e);
            self.counters.evictions += 1;
            evicted.push(key);
        }
        evicted
    }

    fn forget(&mut self, key: &Arc<str>, e: &Entry) {
        self.bytes -= entry_size(key, e);
        if let Some(t) = e.expires_at_ms {
            self.expiry.remove(&(t, key.clone()));
        }
        if let Some(o) = self.ordered.as_mut() {
            o.remove(key);
        }
        for tag in &e.tags {
            if let Some(keys) = self.tagged.get_mut(tag.as_str()) {
                keys.remove(key);
                if keys.is_empty() {
                    self.tagged.remove(tag.as_str());
                }
            }
        }
    }

    fn remove(&mut self, key: &str) -> Option<Entry> {
        let (k, e) = self.entries.remove(key)?;
        self.forget(&k, &e);
        Some(e)
    }

    /// Deletes a key; true when a live entry was removed.
    pub fn delete(&mut self, key: &str, now_ms: u64) -> bool {
        match self.remove(key) {
            Some(e) => {
                self.counters.deletes += 1;
                e.is_live(now_ms)
            }
            None => false,
        }
    }

    /// Removes every entry; returns how many there were.
    pub fn clear(&mut self) -> u64 {
        let n = self.entries.len() as u64;
        self.drop_all();
        self.counters.deletes += n;
        n
    }

    fn drop_all(&mut self) {
        self.entries.clear();
        self.expiry.clear();
        if let Some(o) = self.ordered.as_mut() {
            o.clear();
        }
        self.tagged.clear();
        self.bytes = 0;
    }

    /// Removes an entry because something made it stale (not counted as a
    /// delete; the caller counts invalidations by reason).
    pub fn invalidate(&mut self, key: &str) -> Option<Entry> {
        self.remove(key)
    }

    /// Removes every entry for invalidation; returns their keys.
    pub fn invalidate_all(&mut self) -> Vec<Arc<str>> {
        let keys: Vec<Arc<str>> = self.entries.iter().map(|(k, _)| k.clone()).collect();
        self.drop_all();
        keys
    }

    /// An entry without counting a lookup or touching the LRU order.
    pub fn peek(&self, key: &str) -> Option<&Entry> {
        self.entries.peek(key)
    }

    /// Every entry, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&Arc<str>, &Entry)> {
        self.entries.iter()
    }

    /// Keys that start with `prefix` (only for namespaces made with `ordered`).
    pub fn keys_with_prefix(&self, prefix: &str) -> Vec<Arc<str>> {
        let Some(o) = self.ordered.as_ref() else {
            return self
                .entries
                .iter()
                .filter(|(k, _)| k.starts_with(prefix))
                .map(|(k, _)| k.clone())
                .collect();
        };
        o.range::<str, _>((
            std::ops::Bound::Included(prefix),
            std::ops::Bound::Unbounded,
        ))
        .take_while(|k| k.starts_with(prefix))
        .cloned()
        .collect()
    }

    /// Keys of the entries tagged with `tag`.
    pub fn keys_tagged(&self, tag: &str) -> Vec<Arc<str>> {
        self.tagged
            .get(tag)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Removes entries whose TTL has run out; returns their keys.
    pub fn purge_expired(&mut self, now_ms: u64) -> Vec<Arc<str>> {
        let mut gone = Vec::new();
        while let Some((t, _)) = self.expiry.first() {
            if *t > now_ms {
                break;
            }
            let Some((_, key)) = self.expiry.pop_first() else {
                break;
            };
            if let Some((k, e)) = self.entries.remove(&key) {
                // Every index, not just the bytes: prefix and tag queries
                // must not name a key that is gone.
                self.forget(&k, &e);
                self.counters.expirations += 1;
                gone.push(k);
            }
        }
        gone
    }

    /// The earliest expiry in this namespace, Unix ms.
    pub fn next_expiry(&self) -> Option<u64> {
        self.expiry.first().map(|(t, _)| *t)
    }

    /// Counters so far.
    pub fn counters(&self) -> Counters {
        self.counters
    }

    /// A stats row for this namespace.
    pub fn stats(&self, name: &str) -> NamespaceStats {
        let c = self.counters;
        NamespaceStats {
            name: name.to_owned(),
            persistent: self.policy.persistent,
            entries: self.entries.len() as u64,
            bytes: self.bytes,
            max_entries: self.policy.max_entries,
            max_bytes: self.policy.max_bytes,
            hits: c.hits,
            negative_hits: c.negative_hits,
            misses: c.misses,
            sets: c.sets,
            deletes: c.deletes,
            expirations: c.expirations,
            evictions: c.evictions,
            ttl_ms: ms(self.policy.ttl),
            negative_ttl_ms: ms(self.policy.negative_ttl),
            strategy: self.policy.strategy.name().to_owned(),
            origin: String::new(),
        }
    }
}

#[cfg(test)]
#[path = "namespace_tests.rs"]
mod tests;
