//! Every successful answer the daemon gives, and the data shapes inside them.
//! Variant order is wire format: append only.

use serde::{Deserialize, Serialize};

use crate::{
    AlbumYearEntry, ApiEntry, CacheTotals, ErrorReply, EventFrame, LookupOutcome, NamespaceStats,
    StatsReport, Track,
};

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
    /// Answer to `TrackCount`.
    TrackCount {
        /// Tracks in the snapshot.
        tracks: u64,
        /// Current event seq (the snapshot's version).
        seq: u64,
    },
    /// Answer to `GetTrack`; `None` when no track has that id.
    Track(Option<Box<Track>>),
    /// Answer to `ListTracks`.
    Tracks(TrackPage),
    /// Answer to `ListAlbums`.
    Albums(Vec<AlbumSummary>),
    /// Answer to `Changes`.
    Changes(ChangesPage),
    /// Answer to `Rescan { wait: true }`.
    Rescanned(SyncReport),
    /// Answer to `Rescan { wait: false }`: a re-read is queued.
    RescanQueued,
    /// Answer to `Subscribe`: events follow as `ServerMessage::Event`.
    Subscribed {
        /// Current seq when the subscription started.
        current_seq: u64,
        /// Oldest seq still in the log.
        oldest_seq: u64,
    },
    /// Answer to `GetAlbumYear`; `None` is a miss.
    AlbumYear(Option<AlbumYearEntry>),
    /// Answer to `SetAlbumYear`.
    AlbumYearStored {
        /// Whether this write became the current entry.
        stored: bool,
        /// The entry that is current now.
        current: AlbumYearEntry,
    },
    /// Answer to `DeleteAlbumYear`, `DeleteApiResult`.
    Deleted {
        /// Whether a live entry was removed.
        existed: bool,
    },
    /// Answer to `GetApiResult`; `None` is a miss.
    ApiResult(Option<ApiEntry>),
    /// Answer to `SetApiResult`.
    ApiStored {
        /// Milliseconds until the entry expires; `None` if it never does.
        expires_in_ms: Option<u64>,
    },
    /// Answer to `Lookup`.
    Lookup(LookupOutcome),
    /// Answer to `Invalidate`.
    Invalidated {
        /// Entries dropped.
        dropped: u64,
    },
    /// Answer to `GetLastRun`: Unix ms, `None` when there was no run (or it
    /// is in the future, which counts as none).
    LastRun(Option<u64>),
    /// Answer to `SetLastRun`.
    LastRunStored,
    /// Answer to a batch request (`GetAlbumYears`, `KvSetMany`, ...): one
    /// outcome per item, in request order, each what the single request
    /// would have answered.
    Batch(Vec<Result<Response, ErrorReply>>),
    /// Answer to `ConfigStatus`.
    ConfigStatus(Box<crate::ConfigStatus>),
    /// Answer to `DeclareNamespace`: the policy in force now.
    NamespaceDeclared {
        /// False when the same declaration was already in force (nothing written).
        changed: bool,
        /// Fields the config file sets for this namespace, which win over
        /// the declaration (`ttl`, `negative_ttl`, `max_entries`,
        /// `max_bytes`, `persistent`, `strategy`).
        overridden: Vec<String>,
        /// The namespace's row of `Stats`, with its policy (boxed: it is
        /// the largest answer, and every `Response` would carry its size).
        namespace: Box<NamespaceStats>,
    },
    /// Answer to `FailLease`.
    LeaseFailed {
        /// Whether the caller held the lease (false: nothing was released).
        held: bool,
    },
}

/// A page of tracks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackPage {
    /// Tracks matching the filters, all pages together.
    pub total: u64,
    /// Offset of this page.
    pub offset: u64,
    /// The tracks of this page.
    pub tracks: Vec<Track>,
}

/// One album.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlbumSummary {
    /// Album artist (else artist), as spelled in the library.
    pub artist: String,
    /// Album, as spelled in the library.
    pub album: String,
    /// Tracks on it.
    pub tracks: u64,
    /// Earliest year among its tracks.
    pub year: Option<i32>,
}

/// Answer to `Changes`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChangesPage {
    /// Events after the requested seq, in order (empty when `fresh_instance`).
    pub events: Vec<EventFrame>,
    /// Current seq.
    pub current_seq: u64,
    /// The requested seq is older than the retained log (or from another
    /// history): forget what you derived and re-read everything.
    pub fresh_instance: bool,
    /// More events follow; ask again after the last one returned.
    pub more: bool,
}

/// Outcome of one re-read of the library.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SyncOutcome {
    /// The content was unchanged: no events.
    Unchanged,
    /// Changes were applied and logged.
    Synced {
        /// Tracks added.
        added: u64,
        /// Tracks removed.
        removed: u64,
        /// Tracks modified.
        modified: u64,
        /// Seq of the `LibrarySynced` event.
        seq: u64,
    },
    /// The first import into an empty data dir.
    Imported {
        /// Tracks imported.
        tracks: u64,
        /// Seq of the `LibraryImported` event.
        seq: u64,
    },
    /// The library could not be read; the previous snapshot stays.
    Failed {
        /// What went wrong and what to do.
        message: String,
    },
}

/// What a `Rescan { wait: true }` did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncReport {
    /// Outcome.
    pub outcome: SyncOutcome,
    /// Tracks in the snapshot afterwards.
    pub tracks: u64,
    /// How long the re-read took, in milliseconds.
    pub duration_ms: u64,
}

/// The library part of `Status`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LibraryStatus {
    /// Library path (or watched path for the command format).
    pub path: String,
    /// Format name: `apple-xml`, `jsonl` or `command`.
    pub format: String,
    /// Tracks in the snapshot.
    pub tracks: u64,
    /// When the last sync succeeded, Unix ms.
    pub last_sync_ms: Option<u64>,
    /// The last failure, if the library is currently failing.
    pub last_error: Option<LibraryErrorInfo>,
    /// Current event seq.
    pub seq: u64,
    /// Oldest retained seq.
    pub oldest_seq: u64,
    /// The re-read under way, if any.
    pub progress: Option<SyncProgress>,
    /// Values the last parse of the library dropped instead of refusing the
    /// file (a date that is no date, a number of the wrong type): 0 when
    /// none, or when the file has not been parsed since the daemon started
    /// (an unchanged file is not parsed again).
    pub dropped_values: u64,
    /// The first of them: where it is and why it was dropped.
    pub first_dropped: Option<String>,
}

/// Why the library could not be read, and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LibraryErrorInfo {
    /// `missing`, `unreadable`, `truncated`, `malformed`, `too_large`,
    /// `changing`, `exporter` or `unwritable`.
    pub kind: String,
    /// What went wrong and what to do.
    pub message: String,
    /// When, Unix ms.
    pub at_ms: u64,
}

/// Progress of a re-read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncProgress {
    /// `reading`, `parsing`, `saving`.
    pub phase: String,
    /// Units done (bytes while reading/parsing, tracks while saving).
    pub done: u64,
    /// Units in all (0 when unknown).
    pub total: u64,
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
    /// The library, when one is configured.
    pub library: Option<LibraryStatus>,
    /// The store's health.
    pub store: StoreStatus,
    /// Each content type's invalidation strategy, as (content type,
    /// strategy): `time_based`, `event_driven`, `fingerprint_based`, `hybrid`.
    pub strategies: Vec<(String, String)>,
}

/// The store's health: what start-up found damaged, and whether durable
/// writes are refused now. Nothing here stops the daemon from serving.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreStatus {
    /// Bytes the data dir occupies (database, journal, snapshot files).
    pub data_dir_bytes: u64,
    /// Why durable writes are refused now (a full disk, a failed write),
    /// if they are; they resume by themselves once the cause is gone.
    pub writes_refused: Option<String>,
    /// The database was damaged at start-up and moved aside.
    pub recovered: Option<StoreRecovery>,
    /// Journal bytes skipped as damaged at start-up (the records in them
    /// were lost; every intact record around them was kept).
    pub journal_damaged_bytes: u64,
    /// The cache snapshot was damaged at start-up: what was lost and kept.
    pub snapshot_damage: Option<String>,
}

/// A damaged database moved aside at start-up.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreRecovery {
    /// Where the damaged database was kept.
    pub moved_to: String,
    /// What was wrong with it.
    pub reason: String,
    /// When, Unix ms.
    pub at_ms: u64,
}
