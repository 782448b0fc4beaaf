//! The arguments of JSON requests that are more than a few strings: optional
//! fields defaulted, answers tagged by `status`, keys by `cache`, targets by
//! `target`, and their conversion into the wire types.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{base64_decode, BytesMode};
use crate::{ApiOutcome, CacheKey, InvalidateTarget, KvSet, SetAlbumYear, SetApiResult};

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

/// `fail_lease`'s arguments: the key tagged by `cache`, and the error.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[allow(missing_docs)]
pub struct FailLeaseJson {
    #[serde(flatten)]
    pub key: KeyJson,
    pub error: String,
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

/// What `invalidate` drops, tagged by `target` (also what a
/// `manual_invalidation` event names).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(tag = "target", rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum TargetJson {
    Track { id: String },
    Album { artist: String, album: String },
    Artist { name: String },
    ContentType { name: String },
    All,
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

impl From<&InvalidateTarget> for TargetJson {
    fn from(t: &InvalidateTarget) -> Self {
        match t.clone() {
            InvalidateTarget::Track { id } => Self::Track { id },
            InvalidateTarget::Album { artist, album } => Self::Album { artist, album },
            InvalidateTarget::Artist { name } => Self::Artist { name },
            InvalidateTarget::ContentType { name } => Self::ContentType { name },
            InvalidateTarget::All => Self::All,
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
