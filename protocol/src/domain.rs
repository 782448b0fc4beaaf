//! The domain caches' data: album years with confidence, API answers
//! (found / not found / failed), cache keys for leases, and invalidation
//! targets. Variant order is wire format: append only.

use serde::{Deserialize, Serialize};

/// An album's release year as cached.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlbumYearEntry {
    /// Artist as first stored (original spelling).
    pub artist: String,
    /// Album as first stored (original spelling).
    pub album: String,
    /// Release year.
    pub year: i32,
    /// Confidence 0-100.
    pub confidence: u8,
    /// Where the year came from (`musicbrainz`, `discogs`, `manual`, ...).
    pub source: String,
    /// When it was stored, Unix ms.
    pub stored_at_ms: u64,
    /// Hash of the album's tracks (ids and years) in the library when stored;
    /// 0 when the library had no such album.
    pub album_fingerprint: u64,
    /// Milliseconds until it expires; `None` if it never does.
    pub expires_in_ms: Option<u64>,
}

/// Arguments of `Request::SetAlbumYear`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetAlbumYear {
    /// Artist.
    pub artist: String,
    /// Album.
    pub album: String,
    /// Release year.
    pub year: i32,
    /// Confidence 0-100.
    pub confidence: u8,
    /// Where the year came from.
    pub source: String,
    /// Replace a live entry even if it has a higher confidence.
    pub force: bool,
    /// When the year was determined (Unix ms; `None` = now). TTLs count from it.
    pub stored_at_ms: Option<u64>,
}

/// What an API lookup found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ApiOutcome {
    /// The source answered with data (kept until the library says otherwise).
    Found {
        /// The answer, a JSON document.
        payload: String,
        /// Extra facts (`year`, `release_id`, ...).
        metadata: Vec<(String, String)>,
    },
    /// The source answered that it has nothing (negative_result TTL).
    NotFound,
    /// The lookup failed (network, rate limit); retried after the failed_api_lookup TTL.
    Failed {
        /// What went wrong.
        error: String,
    },
}

/// Arguments of `Request::SetApiResult`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetApiResult {
    /// Source name (`musicbrainz`, `discogs`, `lastfm`, ...).
    pub source: String,
    /// Artist.
    pub artist: String,
    /// Album.
    pub album: String,
    /// What the source answered.
    pub outcome: ApiOutcome,
    /// When the answer was obtained (Unix ms; `None` = now). TTLs count from it.
    pub stored_at_ms: Option<u64>,
}

/// A cached API answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiEntry {
    /// Source.
    pub source: String,
    /// Artist as stored.
    pub artist: String,
    /// Album as stored.
    pub album: String,
    /// The answer.
    pub outcome: ApiOutcome,
    /// When it was stored, Unix ms.
    pub stored_at_ms: u64,
    /// Milliseconds until it expires; `None` if it never does.
    pub expires_in_ms: Option<u64>,
}

/// A key of any cache, for `Lookup` (single flight).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CacheKey {
    /// An album year.
    AlbumYear {
        /// Artist.
        artist: String,
        /// Album.
        album: String,
    },
    /// An API answer.
    Api {
        /// Source.
        source: String,
        /// Artist.
        artist: String,
        /// Album.
        album: String,
    },
    /// A generic entry.
    Kv {
        /// Namespace.
        namespace: String,
        /// Key.
        key: String,
    },
}

/// A cached value of any cache.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CachedValue {
    /// An album year.
    AlbumYear(AlbumYearEntry),
    /// An API answer.
    Api(ApiEntry),
    /// A generic entry (hit or negative hit).
    Kv(crate::KvLookup),
}

/// Answer to `Lookup`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LookupOutcome {
    /// The value is cached (possibly set by the lease holder we waited for).
    Hit(CachedValue),
    /// Nobody has it: you hold the lease; look it up and store it (any set of
    /// the key completes the lease). Others asking meanwhile wait for you.
    Lease {
        /// Lease id.
        lease_id: u64,
        /// Milliseconds until the lease expires and another caller may take it.
        expires_in_ms: u64,
    },
    /// The lease holder we waited for reported that its fetch failed
    /// (`FailLease`). Callers arriving later get a lease of their own.
    Failed {
        /// The holder's error.
        error: String,
    },
}

/// What `Invalidate` drops.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvalidateTarget {
    /// Everything derived from one track (its albums' entries, `track:ID` tags).
    Track {
        /// Track id, named as in `Request::GetTrack`.
        id: String,
    },
    /// One album's album-year and API entries, and `album:` tags.
    Album {
        /// Artist.
        artist: String,
        /// Album.
        album: String,
    },
    /// Every album-year and API entry of an artist, and `artist:` tags.
    Artist {
        /// Artist.
        name: String,
    },
    /// Every entry of one content type.
    ContentType {
        /// `album_year`, `successful_api_metadata`, `failed_api_lookup`,
        /// `negative_result` or `generic`.
        name: String,
    },
    /// Every cache entry (the library snapshot stays).
    All,
}

/// Statistics of one content type.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ContentTypeStats {
    /// Content type name.
    pub name: String,
    /// Default TTL in seconds (`None` = never expires).
    pub ttl_secs: Option<u64>,
    /// `time_based`, `event_driven`, `fingerprint_based` or `hybrid`.
    pub strategy: String,
    /// Live entries.
    pub entries: u64,
    /// Bytes held.
    pub bytes: u64,
    /// Entry bound.
    pub max_entries: u64,
    /// Byte bound.
    pub max_bytes: u64,
    /// Lookups that found a value.
    pub hits: u64,
    /// Lookups that found nothing.
    pub misses: u64,
    /// Entries removed because their TTL ran out.
    pub expirations: u64,
    /// Entries removed to respect a bound.
    pub evictions: u64,
    /// Entries dropped by invalidation, by reason.
    pub invalidations: Vec<(String, u64)>,
    /// Lookups that waited for another caller's lease instead of asking the source.
    pub coalesced: u64,
}

impl ContentTypeStats {
    /// Share of lookups answered from the cache, 0..=1.
    pub fn hit_rate(&self) -> f64 {
        let total = self.hits + self.misses;
        if total == 0 {
            0.0
        } else {
            self.hits as f64 / total as f64
        }
    }
}
