//! An exact least-recently-used map whose reads do not relink a list.
//!
//! A linked LRU (the `lru` crate this replaced) moves the node to the front
//! on every hit: the node, its two neighbours and the key behind its pointer
//! are four cache misses on a big namespace, and the profile of a loaded
//! daemon had them as its largest user-space cost. Here a hit only stamps
//! the entry, which sits inline in the hash table, with a use counter.
//!
//! The order lives in `order`: one record per key, under the stamp the key
//! had when the record was filed. A record whose key was used since is
//! stale; eviction takes the oldest record and, if stale, files it again
//! under the key's newer stamp and looks at the next one. Every key has
//! exactly one record, the first fresh record is the least recently used
//! key, and each use costs at most one re-filing later, so eviction stays
//! exact and amortized `O(log n)`.

use std::collections::BTreeMap;
use std::sync::Arc;

type Hasher = foldhash::fast::RandomState;

struct Slot<V> {
    value: V,
    /// Stamp of the last use.
    used: u64,
    /// Stamp under which the key's record sits in `order`.
    filed: u64,
}

/// Keys to values, evicted least recently used first.
pub struct LruMap<V> {
    map: hashbrown::HashMap<Arc<str>, Slot<V>, Hasher>,
    order: BTreeMap<u64, Arc<str>>,
    clock: u64,
}

impl<V> Default for LruMap<V> {
    fn default() -> Self {
        Self {
            map: hashbrown::HashMap::default(),
            order: BTreeMap::new(),
            clock: 0,
        }
    }
}

impl<V> LruMap<V> {
    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// The value, marking the key as used now.
    pub fn get(&mut self, key: &str) -> Option<&V> {
        self.get_key_value_mut(key).map(|(_, v)| &*v)
    }

    /// The stored key and the value, marking the key as used now.
    pub fn get_key_value_mut(&mut self, key: &str) -> Option<(&Arc<str>, &mut V)> {
        let now = self.tick();
        let (k, slot) = self.map.get_key_value_mut(key)?;
        slot.used = now;
        Some((k, &mut slot.value))
    }

    /// The value, without marking a use.
    pub fn peek(&self, key: &str) -> Option<&V> {
        self.map.get(key).map(|s| &s.value)
    }

    /// Inserts or replaces; the key is then the most recently used. Returns
    /// the value it replaced.
    pub fn put(&mut self, key: Arc<str>, value: V) -> Option<V> {
        if let Some((_, v)) = self.get_key_value_mut(&key) {
            return Some(std::mem::replace(v, value));
        }
        let now = self.tick();
        self.order.insert(now, key.clone());
        let slot = Slot {
            value,
            used: now,
            filed: now,
        };
        self.map.insert(key, slot);
        None
    }

    /// Removes and returns the least recently used entry.
    pub fn pop_lru(&mut self) -> Option<(Arc<str>, V)> {
        while let Some((stamp, key)) = self.order.pop_first() {
            // Invariant: every record's key is in the map (removals take
            // the record out too); a record without one is skipped.
            let Some((k, slot)) = self.map.remove_entry(&key) else {
                debug_assert!(false, "an order record without its key");
                continue;
            };
            if slot.used == stamp {
                return Some((k, slot.value));
            }
            // Used since it was filed: file it again under its last use.
            let used = slot.used;
            self.order.insert(used, key);
            self.map.insert(
                k,
                Slot {
                    filed: used,
                    ..slot
                },
            );
        }
        None
    }

    /// Removes a key, returning the stored key and its value.
    pub fn remove(&mut self, key: &str) -> Option<(Arc<str>, V)> {
        let (k, slot) = self.map.remove_entry(key)?;
        self.order.remove(&slot.filed);
        Some((k, slot.value))
    }

    /// Removes everything.
    pub fn clear(&mut self) {
        self.map.clear();
        self.order.clear();
    }

    /// Every entry, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&Arc<str>, &V)> {
        self.map.iter().map(|(k, s)| (k, &s.value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(keys: &[&str]) -> LruMap<u32> {
        let mut m = LruMap::default();
        for (i, k) in keys.iter().enumerate() {
            m.put(Arc::from(*k), i as u32);
        }
        m
    }

    fn drain(m: &mut LruMap<u32>) -> Vec<String> {
        std::iter::from_fn(|| m.pop_lru().map(|(k, _)| k.to_string())).collect()
    }

    #[test]
    fn eviction_follows_last_use_not_filing_order() {
        // b used before a: refiling a's stale record under its stamp must
        // not put it ahead of b, whose stale record is older still.
        let mut m = map(&["a", "b", "c"]);
        m.get("b");
        m.get("a");
        assert_eq!(drain(&mut m), ["c", "b", "a"]);
        assert_eq!(m.len(), 0);
    }

    #[test]
    fn every_kind_of_use_counts_and_peek_does_not() {
        let mut m = map(&["a", "b", "c", "d"]);
        m.peek("a");
        if let Some((_, v)) = m.get_key_value_mut("b") {
            *v += 10;
        }
        m.put(Arc::from("c"), 7);
        m.get("a");
        assert_eq!(m.peek("b"), Some(&11));
        assert_eq!(m.peek("c"), Some(&7), "put replaces");
        assert_eq!(drain(&mut m), ["d", "b", "c", "a"]);
    }

    #[test]
    fn removal_takes_the_record_too() {
        let mut m = map(&["a", "b", "c"]);
        m.get("a");
        assert_eq!(
            m.remove("a").map(|(k, v)| (k.to_string(), v)),
            Some(("a".into(), 0))
        );
        assert!(m.remove("a").is_none());
        assert_eq!(m.order.len(), 2, "one record per key");
        assert_eq!(drain(&mut m), ["b", "c"]);
        let mut m = map(&["x"]);
        m.clear();
        assert!(m.pop_lru().is_none() && m.iter().next().is_none());
    }

    #[test]
    fn matches_a_model_under_random_use() {
        // A plain list as the model: most recently used at the end.
        let mut model: Vec<String> = Vec::new();
        let mut m: LruMap<u32> = LruMap::default();
        let mut x = 0x2545_f491_u64;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let key = format!("k{}", x % 40);
            match (x >> 32) % 5 {
                0 | 1 => {
                    m.put(Arc::from(key.as_str()), 0);
                    model.retain(|k| *k != key);
                    model.push(key);
                }
                2 => {
                    if m.get(&key).is_some() {
                        model.retain(|k| *k != key);
                        model.push(key);
                    }
                }
                3 => {
                    m.remove(&key);
                    model.retain(|k| *k != key);
                }
                _ => {
                    let got = m.pop_lru().map(|(k, _)| k.to_string());
                    let want = (!model.is_empty()).then(|| model.remove(0));
                    assert_eq!(got, want);
                }
            }
            assert_eq!((m.len(), m.order.len()), (model.len(), model.len()));
        }
    }
}
