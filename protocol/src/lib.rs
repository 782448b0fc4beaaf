//! The wire contract of trackcache and nothing else: the messages a client
//! and `trackcached` exchange, the handshake, the error codes and the frame
//! codec. `PROTOCOL.md` describes the bytes for implementers in other
//! languages.

pub mod codec;
mod config_status;
mod domain;
mod error;
mod event;
pub mod frame;
pub mod json;
mod message;
pub mod paths;
mod request;
mod response;
mod stats;
mod track;

pub use codec::{
    decode_client, decode_hot, decode_server, encode_frame, encode_frame_into, CodecError,
    HotRequest,
};
pub use config_status::{ConfigStatus, ReloadError};
pub use domain::{
    AlbumYearEntry, ApiEntry, ApiOutcome, CacheKey, CachedValue, ContentTypeStats,
    InvalidateTarget, LookupOutcome, SetAlbumYear, SetApiResult,
};
pub use error::{ErrorCode, ErrorReply};
pub use event::{Event, FieldChange};
pub use message::{
    capability, ClientMessage, EventFrame, Hello, ServerMessage, Welcome, DEFAULT_MAX_FRAME_LEN,
    PROTOCOL_VERSION,
};
pub use request::{
    AlbumYearQuery, ApiQuery, KvKey, KvSet, KvSetRef, NamespaceDecl, Request, TrackQuery,
};
pub use response::{
    AlbumSummary, ChangesPage, KvLookup, KvStored, LibraryErrorInfo, LibraryStatus, Response,
    StatusInfo, StoreRecovery, StoreStatus, SyncOutcome, SyncProgress, SyncReport, TrackPage,
};
pub use stats::{CacheTotals, NamespaceStats, StatsReport};
pub use track::{MediaFlags, Track};
