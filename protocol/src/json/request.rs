//! Requests as JSON: `{"NAME":{ARGUMENTS}}` with snake_case names, optional
//! arguments defaulted, and conversion into the wire `Request`.

use serde::Deserialize;

use super::args::{
    AlbumYearQueryJson, FailLeaseJson, KvSetJson, ListTracksJson, LookupJson, SetAlbumYearJson,
    SetApiResultJson, TargetJson,
};
use super::BytesMode;
use crate::{AlbumYearQuery, ApiQuery, KvKey, NamespaceDecl, Request, TrackQuery};

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
        #[serde(default = "default_changes_limit")]
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
    ConfigStatus {},
    DeclareNamespace(NamespaceDecl),
    FailLease(FailLeaseJson),
}

/// A page of events when `changes` does not say (the CLI's page, too).
fn default_changes_limit() -> u32 {
    1000
}

impl JsonRequest {
    /// The wire request; the error says which argument was wrong.
    pub fn into_request(self, mode: BytesMode) -> Result<Request, String> {
        Ok(match self {
            Self::Ping {} => Request::Ping,
            Self::Status {} => Request::Status,
            Self::Stats {} => Request::Stats,
            Self::ConfigStatus {} => Request::ConfigStatus,
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
            Self::DeclareNamespace(d) => Request::DeclareNamespace(d),
            Self::FailLease(f) => Request::FailLease {
                key: f.key.into(),
                error: f.error,
            },
        })
    }
}
