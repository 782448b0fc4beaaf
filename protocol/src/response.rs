//! Every successful answer the daemon gives, and the data shapes inside them.
//! Variant order is wire format: append only.

use serde::{Deserialize, Serialize};

/// A successful reply to a `Request`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Response {
    /// Answer to `Ping`.
    Pong,
    /// Answer to `Status`.
    Status(Box<StatusInfo>),
    /// Answer to `Stats`.
    Stats(StatsReport),
    /// Answer to `KvGet`.
    KvValue(KvLookup),
    /// Answer to `KvSet`.
    KvStored(KvStored),
    /// Answer to `KvDelete`.
    KvDeleted {
        /// Whether a live entry was removed.
        existed: bool,
    },
    /// Answer to `KvClearNamespace`.
    KvCleared {
        /// How many entries were removed.
        removed: u64,
    },
    /// Answer to `Shutdown`: the daemon is stopping.
    ShuttingDown,
}

/// Outcome of a generic-cache lookup.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KvLookup {
    /// A live value.
    Hit {
        /// The stored bytes.
        #[serde(with = "serde_bytes")]
        value: Vec<u8>,
        /// Milliseconds until it expires; `None` if it never does.
        expires_in_ms: Option<u64>,
    },
    /// A live "known absent" marker.
    Negative {
        /// Milliseconds until it expires; `None` if it never does.
        expires_in_ms: Option<u64>,
    },
    /// Nothing live under that key.
    Miss,
}

/// Outcome of a `KvSet`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KvStored {
    /// Milliseconds until the new entry expires; `None` if it never does.
    pub expires_in_ms: Option<u64>,
    /// Entries evicted (least recently used first) to make room.
    pub evicted: u64,
    /// Whether the entry is in a persistent namespace (written to disk).
    pub persistent: bool,
}

/// Daemon status.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StatusInfo {
    /// Package version of the daemon.
    pub daemon_version: String,
    /// Protocol version spoken.
    pub protocol_version: u32,
    /// Process id.
    pub pid: u32,
    /// Milliseconds since the daemon started.
    pub uptime_ms: u64,
    /// Socket path the daemon listens on.
    pub socket: String,
    /// Data directory (holds the database).
    pub data_dir: String,
    /// Open client connections, including the one asking.
    pub connections: u32,
    /// Configured connection cap.
    pub max_connections: u32,
    /// Totals over every generic-cache namespace.
    pub cache: CacheTotals,
}

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
    /// One row per namespace, sorted by name.
    pub namespaces: Vec<NamespaceStats>,
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
