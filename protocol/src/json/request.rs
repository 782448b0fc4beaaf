//! Requests as JSON: `{"NAME":{ARGUMENTS}}` with snake_case names, optional
//! arguments defaulted, and conversion into the wire `Request`.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::{base64_decode, BytesMode};
use crate::{
    AlbumYearQuery, ApiOutcome, ApiQuery, CacheKey, InvalidateTarget, KvKey, KvSet, Request,
    SetAlbumYear, SetApiResult, TrackQuery,
};

/// A request as a client writes it in JSON. Each variant mirrors the
/// `Request` variant of the same (snake_case) name.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)] // the variants are documented on `Request`
pub enum JsonRequest {
    Ping {},
    Status {},
    Stats {},
    KvGet(KvKey),
    KvSet(KvSetJson),
    KvDelete(KvKey),
    KvClearNamespace {
        namespace: String,
    },
    Shutdown {},
    TrackCount {},
    GetTrack {
        id: String,
    },
    ListTracks(ListTracksJson),
    ListAlbums {
        #[serde(default)]
        artist: Option<String>,
    },
    Changes {
        #[serde(default)]
        since_seq: u64,
        #[serde(default)]
        limit: u32,
    },
    Rescan {
        #[serde(default)]
        wait: bool,
    },
    Subscribe {
        #[serde(default)]
        since_seq: Option<u64>,
    },
    GetAlbumYear(AlbumYearQueryJson),
    SetAlbumYear(SetAlbumYearJson),
    DeleteAlbumYear {
        artist: String,
        album: String,
    },
    GetApiResult(ApiQuery),
    SetApiResult(SetApiResultJson),
    DeleteApiResult(ApiQuery),
    Lookup(LookupJson),
    Invalidate(TargetJson),
    GetLastRun {
        client: String,
    },
    SetLastRun {
        client: String,
        at_ms: u64,
    },
    GetAlbumYears {
        items: Vec<AlbumYearQueryJson>,
    },
    SetAlbumYears {
        items: Vec<SetAlbumYearJson>,
    },
    GetApiResults {
        items: Vec<ApiQuery>,
    },
    SetApiResults {
        items: Vec<SetApiResultJson>,
    },
    KvGetMany {
        items: Vec<KvKey>,
    },
    KvSetMany {
        items: Vec<KvSetJson>,
    },
}

/// `kv_set`'s arguments.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[allow(missing_docs)]
pub struct KvSetJson {
    pub namespace: String,
    pub key: String,
    /// Base64 or text, as the connection's mode says.
    #[serde(default)]
    pub value: Option<String>,
    /// Base64 in either mode.
    #[serde(default)]
    pub value_base64: Option<String>,
    #[serde(default)]
    pub ttl_ms: Option<u64>,
    #[serde(default)]
    pub negative: bool,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// `list_tracks`' arguments.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
#[allow(missing_docs)]
pub struct ListTracksJson {
    pub artist: Option<String>,
    pub album_artist: Option<String>,
    pub album: Option<String>,
    pub genre: Option<String>,
    pub limit: u32,
    pub offset: u32,
}

/// `get_album_year`'s arguments.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[allow(missing_docs)]
pub struct AlbumYearQueryJson {
    pub artist: String,
    pub album: String,
    #[serde(default)]
    pub min_confidence: u8,
}

fn default_confidence() -> u8 {
    100
}

fn default_source() -> String {
    "manual".into()
}

/// `set_album_year`'s arguments.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[allow(missing_docs)]
pub struct SetAlbumYearJson {
    pub artist: String,
    pub album: String,
    pub year: i32,
    #[serde(default = "default_confidence")]
    pub confidence: u8,
    #[serde(default = "default_source")]
    pub source: String,
    #[serde(default)]
    pub force: bool,
    #[serde(default)]
    pub stored_at_ms: Option<u64>,
}

/// `set_api_result`'s arguments: the key, and the answer tagged by `status`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[allow(missing_docs)]
pub struct SetApiResultJson {
    pub source: String,
    pub artist: String,
    pub album: String,
    #[serde(flatten)]
    pub outcome: OutcomeJson,
    #[serde(default)]
    pub stored_at_ms: Option<u64>,
}

/// What an API source answered, as `set_api_result` takes it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum OutcomeJson {
    Found {
        payload: Value,
        #[serde(default)]
        metadata: Map<String, Value>,
    },
    NotFound,
    Failed {
        error: String,
    },
}

/// `lookup`'s arguments: the key tagged by `cache`, and the lease bounds.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[allow(missing_docs)]
pub struct LookupJson {
    #[serde(flatten)]
    pub key: KeyJson,
    #[serde(default)]
    pub lease_ms: u64,
    #[serde(default)]
    pub wait_ms: u64,
}

/// A cache key, tagged by `cache`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(tag = "cache", rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum KeyJson {
    AlbumYear {
        artist: String,
        album: String,
    },
    Api {
        source: String,
        artist: String,
        album: String,
    },
    Kv {
        namespace: String,
        key: String,
    },
}

/// What `invalidate` drops, tagged by `target`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(tag = "target", rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum TargetJson {
    Track { id: String },
    Album { artist: String, album: String },
    Artist { name: String },
    ContentType { name: String },
    All,
}

impl JsonRequest {
    /// The wire request; the error says which argument was wrong.
    pub fn into_request(self, mode: BytesMode) -> Result<Request, String> {
        Ok(match self {
            Self::Ping {} => Request::Ping,
            Self::Status {} => Request::Status,
            Self::Stats {} => Request::Stats,
            Self::KvGet(KvKey { namespace, key }) => Request::KvGet { namespace, key },
            Self::KvSet(set) => Request::KvSet(set.into_kv_set(mode)?),
            Self::KvDelete(KvKey { namespace, key }) => Request::KvDelete { namespace, key },
            Self::KvClearNamespace { namespace } => Request::KvClearNamespace { namespace },
            Self::Shutdown {} => Request::Shutdown,
            Self::TrackCount {} => Request::TrackCount,
            Self::GetTrack { id } => Request::GetTrack { id },
            Self::ListTracks(q) => Request::ListTracks(TrackQuery {
                artist: q.artist,
                album_artist: q.album_artist,
                album: q.album,
                genre: q.genre,
                limit: q.limit,
                offset: q.offset,
            }),
            Self::ListAlbums { artist } => Request::ListAlbums { artist },
            Self::Changes { since_seq, limit } => Request::Changes { since_seq, limit },
            Self::Rescan { wait } => Request::Rescan { wait },
            Self::Subscribe { since_seq } => Request::Subscribe { since_seq },
            Self::GetAlbumYear(q) => Request::GetAlbumYear {
                artist: q.artist,
                album: q.album,
                min_confidence: q.min_confidence,
            },
            Self::SetAlbumYear(s) => Request::SetAlbumYear(s.into()),
            Self::DeleteAlbumYear { artist, album } => Request::DeleteAlbumYear { artist, album },
            Self::GetApiResult(ApiQuery {
                source,
                artist,
                album,
            }) => Request::GetApiResult {
                source,
                artist,
                album,
            },
            Self::SetApiResult(s) => Request::SetApiResult(s.into()),
            Self::DeleteApiResult(ApiQuery {
                source,
                artist,
                album,
            }) => Request::DeleteApiResult {
                source,
                artist,
                album,
            },
            Self::Lookup(l) => Request::Lookup {
                key: l.key.into(),
                lease_ms: l.lease_ms,
                wait_ms: l.wait_ms,
            },
            Self::Invalidate(t) => Request::Invalidate(t.into()),
            Self::GetLastRun { client } => Request::GetLastRun { client },
            Self::SetLastRun { client, at_ms } => Request::SetLastRun { client, at_ms },
            Self::GetAlbumYears { items } => Request::GetAlbumYears(
                items
                    .into_iter()
                    .map(|q| AlbumYearQuery {
                        artist: q.artist,
                        album: q.album,
                        min_confidence: q.min_confidence,
                    })
                    .collect(),
            ),
            Self::SetAlbumYears { items } => {
                Request::SetAlbumYears(items.into_iter().map(Into::into).collect())
            }
            Self::GetApiResults { items } => Request::GetApiResults(items),
            Self::SetApiResults { items } => {
                Request::SetApiResults(items.into_iter().map(Into::into).collect())
            }
            Self::KvGetMany { items } => Request::KvGetMany(items),
            Self::KvSetMany { items } => Request::KvSetMany(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, s)| s.into_kv_set(mode).map_err(|e| format!("item {i}: {e}")))
                    .collect::<Result<_, _>>()?,
            ),
        })
    }
}

impl KvSetJson {
    /// The wire arguments, with the value decoded as `mode` says.
    pub fn into_kv_set(self, mode: BytesMode) -> Result<KvSet, String> {
        let value = match (self.value, self.value_base64, self.negative) {
            (Some(_), Some(_), _) => {
                return Err("give either value or value_base64, not both".into())
            }
            (None, Some(b), _) => base64_decode("value_base64", &b)?,
            (Some(v), None, _) => match mode {
                BytesMode::Text => v.into_bytes(),
                BytesMode::Base64 => base64_decode("value", &v)?,
            },
            (None, None, true) => Vec::new(),
            (None, None, false) => return Err(
                "kv_set needs a value (or value_base64), or \"negative\":true for \"known absent\""
                    .into(),
            ),
        };
        Ok(KvSet {
            namespace: self.namespace,
            key: self.key,
            value,
            ttl_ms: self.ttl_ms,
            negative: self.negative,
            tags: self.tags,
        })
    }
}

impl From<SetAlbumYearJson> for SetAlbumYear {
    fn from(s: SetAlbumYearJson) -> Self {
        Self {
            artist: s.artist,
            album: s.album,
            year: s.year,
            confidence: s.confidence,
            source: s.source,
            force: s.force,
            stored_at_ms: s.stored_at_ms,
        }
    }
}

impl From<SetApiResultJson> for SetApiResult {
    fn from(s: SetApiResultJson) -> Self {
        let outcome = match s.outcome {
            OutcomeJson::Found { payload, metadata } => ApiOutcome::Found {
                payload: payload.to_string(),
                metadata: metadata
                    .into_iter()
                    .map(|(k, v)| {
                        let v = match v {
                            Value::String(s) => s,
                            other => other.to_string(),
                        };
                        (k, v)
                    })
                    .collect(),
            },
            OutcomeJson::NotFound => ApiOutcome::NotFound,
            OutcomeJson::Failed { error } => ApiOutcome::Failed { error },
        };
        Self {
            source: s.source,
            artist: s.artist,
            album: s.album,
            outcome,
            stored_at_ms: s.stored_at_ms,
        }
    }
}

impl From<KeyJson> for CacheKey {
    fn from(k: KeyJson) -> Self {
        match k {
            KeyJson::AlbumYear { artist, album } => Self::AlbumYear { artist, album },
            KeyJson::Api {
                source,
                artist,
                album,
            } => Self::Api {
                source,
                artist,
                album,
            },
            KeyJson::Kv { namespace, key } => Self::Kv { namespace, key },
        }
    }
}

impl From<TargetJson> for InvalidateTarget {
    fn from(t: TargetJson) -> Self {
        match t {
            TargetJson::Track { id } => Self::Track { id },
            TargetJson::Album { artist, album } => Self::Album { artist, album },
            TargetJson::Artist { name } => Self::Artist { name },
            TargetJson::ContentType { name } => Self::ContentType { name },
            TargetJson::All => Self::All,
        }
    }
}
