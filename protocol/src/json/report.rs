//! `status` and `stats` as JSON: the wire structs with hit rates computed
//! and content-type TTLs in milliseconds.

use serde::Serialize;
use std::collections::BTreeMap;

use crate::{
    CacheTotals, ContentTypeStats, LibraryErrorInfo, LibraryStatus, NamespaceStats, StatsReport,
    StatusInfo, StoreStatus, SyncProgress,
};

/// Answer to `status`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[allow(missing_docs)] // the fields are documented on `StatusInfo`
pub struct StatusJson {
    pub daemon_version: String,
    pub protocol_version: u32,
    pub pid: u32,
    pub uptime_ms: u64,
    pub socket: String,
    pub data_dir: String,
    pub connections: u32,
    pub max_connections: u32,
    pub cache: CacheTotalsJson,
    pub library: Option<LibraryJson>,
    pub store: StoreStatus,
    /// Content type → strategy.
    pub strategies: BTreeMap<String, String>,
}

/// Counters summed over the generic namespaces.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[allow(missing_docs)] // the fields are documented on `CacheTotals`
pub struct CacheTotalsJson {
    #[serde(flatten)]
    pub totals: CacheTotals,
    /// Share of lookups answered from the cache, 0-1.
    pub hit_rate: f64,
}

/// The library part of `status`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[allow(missing_docs)] // the fields are documented on `LibraryStatus`
pub struct LibraryJson {
    pub path: String,
    pub format: String,
    pub tracks: u64,
    pub last_sync_ms: Option<u64>,
    pub last_error: Option<LibraryErrorInfo>,
    pub seq: u64,
    pub oldest_seq: u64,
    pub progress: Option<SyncProgress>,
    pub dropped_values: u64,
    pub first_dropped: Option<String>,
}

impl From<&StatusInfo> for StatusJson {
    fn from(s: &StatusInfo) -> Self {
        Self {
            daemon_version: s.daemon_version.clone(),
            protocol_version: s.protocol_version,
            pid: s.pid,
            uptime_ms: s.uptime_ms,
            socket: s.socket.clone(),
            data_dir: s.data_dir.clone(),
            connections: s.connections,
            max_connections: s.max_connections,
            cache: CacheTotalsJson {
                totals: s.cache.clone(),
                hit_rate: s.cache.hit_rate(),
            },
            library: s.library.as_ref().map(LibraryJson::from),
            store: s.store.clone(),
            strategies: s.strategies.iter().cloned().collect(),
        }
    }
}

impl From<&LibraryStatus> for LibraryJson {
    fn from(l: &LibraryStatus) -> Self {
        Self {
            path: l.path.clone(),
            format: l.format.clone(),
            tracks: l.tracks,
            last_sync_ms: l.last_sync_ms,
            last_error: l.last_error.clone(),
            seq: l.seq,
            oldest_seq: l.oldest_seq,
            progress: l.progress.clone(),
            dropped_values: l.dropped_values,
            first_dropped: l.first_dropped.clone(),
        }
    }
}

/// Answer to `stats`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StatsJson {
    /// One object per content type.
    pub content_types: Vec<ContentTypeJson>,
    /// One object per generic namespace, sorted by name.
    pub namespaces: Vec<NamespaceJson>,
}

/// Statistics of one content type.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[allow(missing_docs)] // the fields are documented on `ContentTypeStats`
pub struct ContentTypeJson {
    pub name: String,
    /// Default TTL in milliseconds; `null` = never expires.
    pub ttl_ms: Option<u64>,
    pub strategy: String,
    pub entries: u64,
    pub bytes: u64,
    pub max_entries: u64,
    pub max_bytes: u64,
    pub hits: u64,
    pub misses: u64,
    pub hit_rate: f64,
    pub expirations: u64,
    pub evictions: u64,
    /// Entries dropped by invalidation, by reason.
    pub invalidations: BTreeMap<String, u64>,
    pub coalesced: u64,
}

/// Statistics of one generic namespace.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[allow(missing_docs)] // the fields are documented on `NamespaceStats`
pub struct NamespaceJson {
    pub name: String,
    pub persistent: bool,
    pub entries: u64,
    pub bytes: u64,
    pub max_entries: u64,
    pub max_bytes: u64,
    pub hits: u64,
    pub negative_hits: u64,
    pub misses: u64,
    pub hit_rate: f64,
    pub sets: u64,
    pub deletes: u64,
    pub expirations: u64,
    pub evictions: u64,
    pub ttl_ms: Option<u64>,
    pub negative_ttl_ms: Option<u64>,
    pub strategy: String,
    pub origin: String,
}

impl From<&StatsReport> for StatsJson {
    fn from(s: &StatsReport) -> Self {
        Self {
            content_types: s.content_types.iter().map(content_type).collect(),
            namespaces: s.namespaces.iter().map(namespace_json).collect(),
        }
    }
}

fn content_type(t: &ContentTypeStats) -> ContentTypeJson {
    ContentTypeJson {
        name: t.name.clone(),
        ttl_ms: t.ttl_secs.map(|s| s.saturating_mul(1000)),
        strategy: t.strategy.clone(),
        entries: t.entries,
        bytes: t.bytes,
        max_entries: t.max_entries,
        max_bytes: t.max_bytes,
        hits: t.hits,
        misses: t.misses,
        hit_rate: t.hit_rate(),
        expirations: t.expirations,
        evictions: t.evictions,
        invalidations: t.invalidations.iter().cloned().collect(),
        coalesced: t.coalesced,
    }
}

/// A namespace's stats row as JSON.
pub fn namespace_json(n: &NamespaceStats) -> NamespaceJson {
    NamespaceJson {
        name: n.name.clone(),
        persistent: n.persistent,
        entries: n.entries,
        bytes: n.bytes,
        max_entries: n.max_entries,
        max_bytes: n.max_bytes,
        hits: n.hits,
        negative_hits: n.negative_hits,
        misses: n.misses,
        hit_rate: n.hit_rate(),
        sets: n.sets,
        deletes: n.deletes,
        expirations: n.expirations,
        evictions: n.evictions,
        ttl_ms: n.ttl_ms,
        negative_ttl_ms: n.negative_ttl_ms,
        strategy: n.strategy.clone(),
        origin: n.origin.clone(),
    }
}
