//! Cache statistics, as `Stats` and `Status` report them.

use serde::{Deserialize, Serialize};

use crate::ContentTypeStats;

/// Counters summed over namespaces.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheTotals {
    /// Namespaces that hold entries or have been used.
    pub namespaces: u64,
    /// Live entries.
    pub entries: u64,
    /// Bytes held (keys plus values).
    pub bytes: u64,
    /// Lookups that found a value.
    pub hits: u64,
    /// Lookups that found a "known absent" marker.
    pub negative_hits: u64,
    /// Lookups that found nothing.
    pub misses: u64,
    /// Entries removed because their TTL ran out.
    pub expirations: u64,
    /// Entries removed to respect a size bound.
    pub evictions: u64,
}

/// Answer to `Stats`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StatsReport {
    /// One row per generic namespace, sorted by name.
    pub namespaces: Vec<NamespaceStats>,
    /// One row per content type.
    pub content_types: Vec<ContentTypeStats>,
}

/// Statistics and policy of one namespace.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NamespaceStats {
    /// Namespace name.
    pub name: String,
    /// Whether entries are written to disk.
    pub persistent: bool,
    /// Live entries.
    pub entries: u64,
    /// Bytes held (keys plus values).
    pub bytes: u64,
    /// Entry bound.
    pub max_entries: u64,
    /// Byte bound.
    pub max_bytes: u64,
    /// Lookups that found a value.
    pub hits: u64,
    /// Lookups that found a "known absent" marker.
    pub negative_hits: u64,
    /// Lookups that found nothing.
    pub misses: u64,
    /// Values stored.
    pub sets: u64,
    /// Entries removed by `KvDelete` or `KvClearNamespace`.
    pub deletes: u64,
    /// Entries removed because their TTL ran out.
    pub expirations: u64,
    /// Entries removed to respect a size bound.
    pub evictions: u64,
    /// TTL of values set without one, ms (`None` = never expires).
    pub ttl_ms: Option<u64>,
    /// TTL of "known absent" entries set without one, ms.
    pub negative_ttl_ms: Option<u64>,
    /// Which library changes drop tagged entries (`time_based`: none).
    pub strategy: String,
    /// Where the policy comes from: `default` (`[cache.default]`),
    /// `config` (`[cache.namespaces.NAME]`) or `declared` (a client's
    /// `DeclareNamespace`).
    pub origin: String,
}

impl NamespaceStats {
    /// Share of lookups answered from the cache (hits and negative hits), 0..=1.
    pub fn hit_rate(&self) -> f64 {
        hit_rate(self.hits + self.negative_hits, self.misses)
    }
}

impl CacheTotals {
    /// Share of lookups answered from the cache (hits and negative hits), 0..=1.
    pub fn hit_rate(&self) -> f64 {
        hit_rate(self.hits + self.negative_hits, self.misses)
    }
}

fn hit_rate(answered: u64, missed: u64) -> f64 {
    let total = answered + missed;
    if total == 0 {
        0.0
    } else {
        answered as f64 / total as f64
    }
}
