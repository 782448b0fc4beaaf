//! Reply objects: one shape per `Response` variant. Lookups carry one
//! `status` field; lists (`list`) are `{"items":[...],"end":{...}}`.

use serde::Serialize;
use serde_json::{Map, Value};

use super::event::{sync_json, SyncJson, TrackJson};
use super::list::{self, List};
use super::report::{namespace_json, NamespaceJson, StatsJson, StatusJson};
use super::{Bytes, BytesMode};
use crate::{
    AlbumYearEntry, ApiEntry, ApiOutcome, CachedValue, KvLookup, KvStored, LookupOutcome, Response,
};

/// The one word a reply uses to say what it found or did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)] // PROTOCOL.md, "Conventions of the reply objects"
pub enum Status {
    Hit,
    Miss,
    Negative,
    Found,
    NotFound,
    Failed,
    Stored,
    Kept,
    Deleted,
    Lease,
    Error,
}

/// A reply object. Untagged: the request says which shape comes back.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
#[allow(missing_docs)] // each shape is documented in PROTOCOL.md
pub enum Reply {
    Pong {
        pong: bool,
    },
    Status(Box<StatusJson>),
    Stats(StatsJson),
    Kv(KvJson),
    KvStored {
        status: Status,
        expires_in_ms: Option<u64>,
        evicted: u64,
        persistent: bool,
    },
    /// `{"status":"stored"}`, `{"status":"deleted"}`, `{"status":"miss"}`.
    Done {
        status: Status,
    },
    Cleared {
        removed: u64,
    },
    ShuttingDown {
        shutting_down: bool,
    },
    TrackCount {
        tracks: u64,
        seq: u64,
    },
    Track(TrackLookup),
    List(List),
    Sync(SyncJson),
    Queued {
        queued: bool,
    },
    Subscribed {
        current_seq: u64,
        oldest_seq: u64,
    },
    Year(YearLookup),
    YearStored {
        status: Status,
        current: YearJson,
    },
    Api(ApiLookup),
    ApiStored {
        status: Status,
        expires_in_ms: Option<u64>,
    },
    Lease {
        status: Status,
        lease_id: u64,
        expires_in_ms: u64,
    },
    Invalidated {
        dropped: u64,
    },
    LastRun(LastRunJson),
    Config(Box<crate::ConfigStatus>),
    /// `status` is `stored` when the declaration changed the policy, `kept`
    /// when it was already in force.
    Declared {
        status: Status,
        overridden: Vec<String>,
        namespace: Box<NamespaceJson>,
    },
    LeaseFailed {
        held: bool,
    },
    /// A `lookup` whose lease holder reported a failure.
    LookupFailed {
        status: Status,
        error: String,
    },
}

/// A generic-cache lookup.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum KvJson {
    Hit {
        #[serde(flatten)]
        value: Bytes,
        expires_in_ms: Option<u64>,
    },
    Negative {
        expires_in_ms: Option<u64>,
    },
    Miss,
}

/// A track by id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum TrackLookup {
    Found { track: Box<TrackJson> },
    NotFound,
}

/// An album year lookup.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum YearLookup {
    Hit(YearJson),
    Miss,
}

/// An album year entry; `album_fingerprint` in hex (it does not fit a JSON number).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[allow(missing_docs)] // the fields are documented on `AlbumYearEntry`
pub struct YearJson {
    pub artist: String,
    pub album: String,
    pub year: i32,
    pub confidence: u8,
    pub source: String,
    pub stored_at_ms: u64,
    pub album_fingerprint: String,
    pub expires_in_ms: Option<u64>,
}

/// An API answer lookup: what the source answered, or a miss.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum ApiLookup {
    Found {
        #[serde(flatten)]
        entry: ApiKeyJson,
        payload: Value,
        metadata: Map<String, Value>,
    },
    NotFound {
        #[serde(flatten)]
        entry: ApiKeyJson,
    },
    Failed {
        #[serde(flatten)]
        entry: ApiKeyJson,
        error: String,
    },
    Miss,
}

/// The fields every cached API answer has.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[allow(missing_docs)] // the fields are documented on `ApiEntry`
pub struct ApiKeyJson {
    pub source: String,
    pub artist: String,
    pub album: String,
    pub stored_at_ms: u64,
    pub expires_in_ms: Option<u64>,
}

/// A client's last run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum LastRunJson {
    Found { at_ms: u64 },
    NotFound,
}

impl Reply {
    /// The reply object of `r`, with byte values encoded as `mode` says.
    pub fn new(r: &Response, mode: BytesMode) -> Self {
        match r {
            Response::Pong => Self::Pong { pong: true },
            Response::Status(s) => Self::Status(Box::new(StatusJson::from(&**s))),
            Response::Stats(s) => Self::Stats(StatsJson::from(s)),
            Response::KvValue(l) => Self::Kv(kv(l, mode)),
            Response::KvStored(s) => kv_stored(s),
            Response::KvDeleted { existed } | Response::Deleted { existed } => Self::Done {
                status: if *existed {
                    Status::Deleted
                } else {
                    Status::Miss
                },
            },
            Response::KvCleared { removed } => Self::Cleared { removed: *removed },
            Response::ShuttingDown => Self::ShuttingDown {
                shutting_down: true,
            },
            Response::TrackCount { tracks, seq } => Self::TrackCount {
                tracks: *tracks,
                seq: *seq,
            },
            Response::Track(t) => Self::Track(match t {
                Some(t) => TrackLookup::Found {
                    track: Box::new(TrackJson::from(&**t)),
                },
                None => TrackLookup::NotFound,
            }),
            Response::Tracks(page) => Self::List(list::tracks(page)),
            Response::Albums(albums) => Self::List(list::albums(albums)),
            Response::Changes(page) => Self::List(list::changes(page)),
            Response::Rescanned(report) => Self::Sync(sync_json(report)),
            Response::RescanQueued => Self::Queued { queued: true },
            Response::Subscribed {
                current_seq,
                oldest_seq,
            } => Self::Subscribed {
                current_seq: *current_seq,
                oldest_seq: *oldest_seq,
            },
            Response::AlbumYear(e) => Self::Year(match e {
                Some(e) => YearLookup::Hit(year(e)),
                None => YearLookup::Miss,
            }),
            Response::AlbumYearStored { stored, current } => Self::YearStored {
                status: if *stored {
                    Status::Stored
                } else {
                    Status::Kept
                },
                current: year(current),
            },
            Response::ApiResult(e) => Self::Api(e.as_ref().map_or(ApiLookup::Miss, api)),
            Response::ApiStored { expires_in_ms } => Self::ApiStored {
                status: Status::Stored,
                expires_in_ms: *expires_in_ms,
            },
            Response::Lookup(outcome) => lookup(outcome, mode),
            Response::Invalidated { dropped } => Self::Invalidated { dropped: *dropped },
            Response::LastRun(at) => Self::LastRun(match at {
                Some(at_ms) => LastRunJson::Found { at_ms: *at_ms },
                None => LastRunJson::NotFound,
            }),
            Response::LastRunStored => Self::Done {
                status: Status::Stored,
            },
            Response::Batch(items) => Self::List(list::batch(items, mode)),
            Response::ConfigStatus(c) => Self::Config(c.clone()),
            Response::NamespaceDeclared {
                changed,
                overridden,
                namespace,
            } => Self::Declared {
                status: if *changed {
                    Status::Stored
                } else {
                    Status::Kept
                },
                overridden: overridden.clone(),
                namespace: Box::new(namespace_json(namespace)),
            },
            Response::LeaseFailed { held } => Self::LeaseFailed { held: *held },
        }
    }
}

fn kv(l: &KvLookup, mode: BytesMode) -> KvJson {
    match l {
        KvLookup::Hit {
            value,
            expires_in_ms,
        } => KvJson::Hit {
            value: Bytes::new(value, mode),
            expires_in_ms: *expires_in_ms,
        },
        KvLookup::Negative { expires_in_ms } => KvJson::Negative {
            expires_in_ms: *expires_in_ms,
        },
        KvLookup::Miss => KvJson::Miss,
    }
}

fn kv_stored(s: &KvStored) -> Reply {
    Reply::KvStored {
        status: Status::Stored,
        expires_in_ms: s.expires_in_ms,
        evicted: s.evicted,
        persistent: s.persistent,
    }
}

/// An album year entry as JSON.
pub fn year(e: &AlbumYearEntry) -> YearJson {
    YearJson {
        artist: e.artist.clone(),
        album: e.album.clone(),
        year: e.year,
        confidence: e.confidence,
        source: e.source.clone(),
        stored_at_ms: e.stored_at_ms,
        album_fingerprint: format!("{:016x}", e.album_fingerprint),
        expires_in_ms: e.expires_in_ms,
    }
}

/// A cached API answer as JSON.
pub fn api(e: &ApiEntry) -> ApiLookup {
    let entry = ApiKeyJson {
        source: e.source.clone(),
        artist: e.artist.clone(),
        album: e.album.clone(),
        stored_at_ms: e.stored_at_ms,
        expires_in_ms: e.expires_in_ms,
    };
    match &e.outcome {
        ApiOutcome::Found { payload, metadata } => ApiLookup::Found {
            entry,
            // Stored as a JSON document; shown as one (a string if it is not JSON).
            payload: serde_json::from_str(payload).unwrap_or_else(|_| payload.clone().into()),
            metadata: metadata
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect(),
        },
        ApiOutcome::NotFound => ApiLookup::NotFound { entry },
        ApiOutcome::Failed { error } => ApiLookup::Failed {
            entry,
            error: error.clone(),
        },
    }
}

fn lookup(outcome: &LookupOutcome, mode: BytesMode) -> Reply {
    match outcome {
        LookupOutcome::Hit(CachedValue::AlbumYear(e)) => Reply::Year(YearLookup::Hit(year(e))),
        LookupOutcome::Hit(CachedValue::Api(e)) => Reply::Api(api(e)),
        LookupOutcome::Hit(CachedValue::Kv(l)) => Reply::Kv(kv(l, mode)),
        LookupOutcome::Lease {
            lease_id,
            expires_in_ms,
        } => Reply::Lease {
            status: Status::Lease,
            lease_id: *lease_id,
            expires_in_ms: *expires_in_ms,
        },
        LookupOutcome::Failed { error } => Reply::LookupFailed {
            status: Status::Failed,
            error: error.clone(),
        },
    }
}
