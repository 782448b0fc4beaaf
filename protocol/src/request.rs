//! Every request a client can make. Variant order is wire format: append only.

use serde::{Deserialize, Serialize};

use crate::{CacheKey, InvalidateTarget, SetAlbumYear, SetApiResult};

/// A request to the daemon. Each is answered by exactly one reply.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Request {
    /// Liveness check; answered with `Response::Pong`.
    Ping,
    /// Daemon status: version, uptime, paths, connections, cache totals.
    Status,
    /// Per-namespace cache statistics.
    Stats,
    /// Look a key up in the generic cache.
    KvGet {
        /// Namespace (1-64 chars of `A-Za-z0-9_.:-`).
        namespace: String,
        /// Key within the namespace (any UTF-8, at most 1024 bytes).
        key: String,
    },
    /// Store a value (or a "known absent" marker) in the generic cache.
    KvSet(KvSet),
    /// Remove one key.
    KvDelete {
        /// Namespace.
        namespace: String,
        /// Key.
        key: String,
    },
    /// Remove every entry of a namespace.
    KvClearNamespace {
        /// Namespace.
        namespace: String,
    },
    /// Ask the daemon to shut down gracefully (as on SIGTERM).
    Shutdown,
    /// Number of tracks in the library snapshot.
    TrackCount,
    /// One track by id.
    GetTrack {
        /// Track id: the Persistent ID (any case), `track-<Track ID>`, or the
        /// library's Track ID number.
        id: String,
    },
    /// Tracks matching optional filters, in album order, paginated.
    ListTracks(TrackQuery),
    /// Albums with their track counts.
    ListAlbums {
        /// Only albums owned by, or with a track by, this artist (normalized match).
        artist: Option<String>,
    },
    /// Logged events after `since_seq`.
    Changes {
        /// Last seq the caller has seen (0 = from the start).
        since_seq: u64,
        /// Most events to return (the daemon caps it at 10,000).
        limit: u32,
    },
    /// Re-read the library now.
    Rescan {
        /// Answer only when the re-read has finished (with its outcome).
        wait: bool,
    },
    /// Push events to this connection from now on (after replaying those
    /// after `since_seq`, when given). Ends with the connection.
    Subscribe {
        /// Resume after this seq; `None` = only new events.
        since_seq: Option<u64>,
    },
    /// An album's cached release year.
    GetAlbumYear {
        /// Artist.
        artist: String,
        /// Album.
        album: String,
        /// Entries below this confidence are a miss for this caller.
        min_confidence: u8,
    },
    /// Store an album's release year (a lower confidence does not replace a
    /// higher one unless forced).
    SetAlbumYear(SetAlbumYear),
    /// Forget an album's year.
    DeleteAlbumYear {
        /// Artist.
        artist: String,
        /// Album.
        album: String,
    },
    /// A cached API answer.
    GetApiResult {
        /// Source.
        source: String,
        /// Artist.
        artist: String,
        /// Album.
        album: String,
    },
    /// Store an API answer.
    SetApiResult(SetApiResult),
    /// Forget an API answer.
    DeleteApiResult {
        /// Source.
        source: String,
        /// Artist.
        artist: String,
        /// Album.
        album: String,
    },
    /// Get a value, or the lease to fetch it (single flight).
    Lookup {
        /// What to look up.
        key: CacheKey,
        /// How long a granted lease lasts, ms (0 = 30,000).
        lease_ms: u64,
        /// How long to wait for another caller's lease, ms (0 = 30,000).
        wait_ms: u64,
    },
    /// Drop cache entries now.
    Invalidate(InvalidateTarget),
    /// A client's last incremental run.
    GetLastRun {
        /// Client name.
        client: String,
    },
    /// Record a client's last incremental run.
    SetLastRun {
        /// Client name.
        client: String,
        /// When, Unix ms.
        at_ms: u64,
    },
    /// Many `GetAlbumYear`s in one request; answered with `Response::Batch`.
    GetAlbumYears(Vec<AlbumYearQuery>),
    /// Many `SetAlbumYear`s in one request (made durable together).
    SetAlbumYears(Vec<SetAlbumYear>),
    /// Many `GetApiResult`s in one request.
    GetApiResults(Vec<ApiQuery>),
    /// Many `SetApiResult`s in one request (made durable together).
    SetApiResults(Vec<SetApiResult>),
    /// Many `KvGet`s in one request.
    KvGetMany(Vec<KvKey>),
    /// Many `KvSet`s in one request (made durable together).
    KvSetMany(Vec<KvSet>),
    /// The configuration in force and the last reload's outcome.
    ConfigStatus,
    /// Declare a generic namespace's policy; idempotent, and durable before
    /// the reply. The config file's `[cache.namespaces.NAME]` settings win
    /// over the declaration's, field by field.
    DeclareNamespace(NamespaceDecl),
    /// The lease holder's fetch failed: wake the callers waiting on its
    /// lease with `LookupOutcome::Failed`, and release the lease.
    FailLease {
        /// The key the lease is on, as given to `Lookup`.
        key: CacheKey,
        /// What went wrong, for the waiters.
        error: String,
    },
}

/// Arguments of `Request::DeclareNamespace`. A field left `None` comes from
/// `[cache.default]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamespaceDecl {
    /// Namespace (1-64 chars of `A-Za-z0-9_.:-`).
    pub namespace: String,
    /// TTL of values set without one, ms; `Some(0)` = never expires.
    pub ttl_ms: Option<u64>,
    /// TTL of "known absent" entries set without one, ms; `Some(0)` = never.
    pub negative_ttl_ms: Option<u64>,
    /// Entry bound (LRU eviction beyond it); at least 1.
    pub max_entries: Option<u64>,
    /// Byte bound over keys plus values; at least 1.
    pub max_bytes: Option<u64>,
    /// Whether entries are written to disk and survive restarts.
    pub persistent: Option<bool>,
    /// Which library changes drop tagged entries: `time_based`,
    /// `event_driven`, `fingerprint_based` or `hybrid`.
    pub strategy: Option<String>,
}

/// One item of `Request::GetAlbumYears`: the arguments of `GetAlbumYear`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlbumYearQuery {
    /// Artist.
    pub artist: String,
    /// Album.
    pub album: String,
    /// Entries below this confidence are a miss for this caller.
    pub min_confidence: u8,
}

/// One item of `Request::GetApiResults`: the arguments of `GetApiResult`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiQuery {
    /// Source.
    pub source: String,
    /// Artist.
    pub artist: String,
    /// Album.
    pub album: String,
}

/// One item of `Request::KvGetMany`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KvKey {
    /// Namespace.
    pub namespace: String,
    /// Key.
    pub key: String,
}

/// Filters and page of `Request::ListTracks`. Filters are exact matches on
/// the normalized value (trimmed, NFKC, case-folded); absent filters match all.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackQuery {
    /// Track artist.
    pub artist: Option<String>,
    /// Album artist.
    pub album_artist: Option<String>,
    /// Album.
    pub album: Option<String>,
    /// Genre.
    pub genre: Option<String>,
    /// Page size (the daemon caps it at 10,000; 0 means 100).
    pub limit: u32,
    /// Tracks to skip.
    pub offset: u32,
}

/// Arguments of `Request::KvSet`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KvSet {
    /// Namespace (1-64 chars of `A-Za-z0-9_.:-`).
    pub namespace: String,
    /// Key within the namespace.
    pub key: String,
    /// Opaque value. Ignored (should be empty) when `negative` is set.
    #[serde(with = "serde_bytes")]
    pub value: Vec<u8>,
    /// Time to live in milliseconds; `None` uses the namespace's default
    /// (its negative TTL when `negative`). `Some(0)` means "never expires".
    pub ttl_ms: Option<u64>,
    /// Store "known absent": the lookup was done and found nothing.
    pub negative: bool,
    /// Dependency tags (`artist:NAME`, `album:ARTIST|ALBUM`, `track:ID`): a
    /// library event that touches a tag drops the entry.
    pub tags: Vec<String>,
}

/// `KvSet`'s arguments borrowed from wherever they were decoded (a frame):
/// what the daemon stores from, without copying names out first.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct KvSetRef<'a> {
    /// Namespace.
    pub namespace: &'a str,
    /// Key within the namespace.
    pub key: &'a str,
    /// Opaque value.
    pub value: &'a [u8],
    /// Time to live in milliseconds (see `KvSet::ttl_ms`).
    pub ttl_ms: Option<u64>,
    /// Store "known absent".
    pub negative: bool,
    /// Dependency tags.
    #[serde(borrow)]
    pub tags: Vec<&'a str>,
}

impl KvSet {
    /// The same arguments, borrowed.
    pub fn as_ref(&self) -> KvSetRef<'_> {
        KvSetRef {
            namespace: &self.namespace,
            key: &self.key,
            value: &self.value,
            ttl_ms: self.ttl_ms,
            negative: self.negative,
            tags: self.tags.iter().map(String::as_str).collect(),
        }
    }
}
