//! What the caches report: per-namespace statistics with each client
//! namespace's policy and where it comes from, and the totals of `status`.

use trackcache_protocol::{CacheTotals, NamespaceStats, StatsReport};

use super::generic::Caches;
use super::namespace::Namespace;

impl Caches {
    /// Where a client namespace's policy comes from (`NamespaceStats::origin`).
    pub(super) fn origin_of(&self, ns: &str) -> &'static str {
        if self.policies.read().namespaces.contains_key(ns) {
            "config"
        } else if self.store.declaration(ns).is_some() {
            "declared"
        } else {
            "default"
        }
    }

    /// Stats of one namespace (internal ones included).
    pub fn namespace_stats(&self, ns: &str) -> NamespaceStats {
        let map = self.namespaces.lock();
        map.get(ns).map_or_else(
            || Namespace::new(self.policy_of(ns)).stats(ns),
            |n| n.stats(ns),
        )
    }

    /// One stats row per client namespace, sorted by name.
    pub fn stats(&self) -> StatsReport {
        let map = self.namespaces.lock();
        let mut namespaces: Vec<_> = map
            .iter()
            .filter(|(name, _)| !self.internal.contains_key(*name))
            .map(|(name, n)| NamespaceStats {
                origin: self.origin_of(name).to_owned(),
                ..n.stats(name)
            })
            .collect();
        namespaces.sort_by(|a, b| a.name.cmp(&b.name));
        StatsReport {
            namespaces,
            content_types: Vec::new(),
        }
    }

    /// Totals over every client namespace.
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
}
