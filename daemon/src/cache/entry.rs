//! What a namespace stores and reports: an entry, the outcome of a set,
//! the namespace's counters, and the error for an entry that cannot fit.

use std::sync::Arc;

/// A stored entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Value bytes; empty for negative entries.
    pub value: bytes::Bytes,
    /// "Known absent" marker.
    pub negative: bool,
    /// When stored, Unix ms.
    pub stored_at_ms: u64,
    /// When it expires, Unix ms; `None` = never.
    pub expires_at_ms: Option<u64>,
    /// Dependency tags (already normalized).
    pub tags: Vec<String>,
}

impl Entry {
    /// Whether the entry has not expired at `now_ms`.
    pub fn is_live(&self, now_ms: u64) -> bool {
        self.expires_at_ms.is_none_or(|t| t > now_ms)
    }
}

/// Counters of one namespace.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Lookups that found a value.
    pub hits: u64,
    /// Lookups that found a "known absent" marker.
    pub negative_hits: u64,
    /// Lookups that found nothing live.
    pub misses: u64,
    /// Entries stored.
    pub sets: u64,
    /// Entries removed on request.
    pub deletes: u64,
    /// Entries removed because their TTL ran out.
    pub expirations: u64,
    /// Entries removed to respect a bound.
    pub evictions: u64,
}

/// The entry (key plus value) does not fit in the namespace at all.
#[derive(Debug, thiserror::Error)]
#[error(
    "an entry of {size} bytes (key plus value) is larger than the namespace's max_bytes of {max}"
)]
pub struct EntryTooLarge {
    /// Key plus value bytes.
    pub size: u64,
    /// The namespace's byte bound.
    pub max: u64,
}

/// What a `set` did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SetOutcome {
    /// When the new entry expires, Unix ms.
    pub expires_at_ms: Option<u64>,
    /// Keys evicted (least recently used first) to make room.
    pub evicted: Vec<Arc<str>>,
}
