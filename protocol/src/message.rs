//! The envelopes that travel in frames: the handshake, requests with ids,
//! replies with ids, pushed events and connection-level errors.
//!
//! Variant order is part of the wire format (the codec writes the variant
//! index). Never reorder; append. The layout of `ClientMessage::Hello`'s first
//! field and of `ServerMessage::Fatal` is frozen forever so that any two
//! versions can at least tell each other that they cannot talk.

use serde::{Deserialize, Serialize};

use crate::{ErrorReply, Event, Request, Response};

/// Version of this wire contract. Bumped on every incompatible change.
pub const PROTOCOL_VERSION: u32 = 1;

/// Default maximum length of one frame's payload (16 MiB).
pub const DEFAULT_MAX_FRAME_LEN: u32 = 16 * 1024 * 1024;

/// Capability names a daemon may announce in `Welcome` (negotiated by name,
/// like watchman's capabilities).
pub mod capability {
    /// Generic key/value cache requests (`Kv*`).
    pub const KV: &str = "kv";
    /// Requests may be pipelined: many in flight, answered by id.
    pub const PIPELINING: &str = "pipelining";
    /// Library snapshot queries (`TrackCount`, `ListTracks`, ...).
    pub const LIBRARY: &str = "library";
    /// Event log and subscriptions (`Changes`, `Subscribe`).
    pub const EVENTS: &str = "events";
    /// Album-year and API caches, leases, invalidation, run tracking.
    pub const DOMAIN: &str = "domain";
    /// The socket also speaks JSON Lines (a first byte of `{`; PROTOCOL.md).
    pub const JSON: &str = "json";
    /// Batch requests (`GetAlbumYears`, `KvSetMany`, ...).
    pub const BATCH: &str = "batch";
}

/// What a client sends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ClientMessage {
    /// Mandatory first message of every connection.
    Hello(Hello),
    /// A request; the reply carries the same `id`.
    Request {
        /// Chosen by the client; echoed in the reply. Need not be unique
        /// across connections, should be unique among in-flight requests.
        id: u64,
        /// What to do.
        request: Request,
    },
}

/// The client's handshake.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    /// The protocol version the client speaks. Must stay the first field.
    pub protocol_version: u32,
    /// Free-form name of the client program, for logs (`"trackcache-cli"`).
    pub client_name: String,
    /// Capabilities the client would like to use.
    pub capabilities: Vec<String>,
}

/// The daemon's answer to a compatible `Hello`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Welcome {
    /// The daemon's package version (`"0.1.0"`).
    pub daemon_version: String,
    /// The protocol version the daemon speaks.
    pub protocol_version: u32,
    /// Capabilities this daemon offers.
    pub capabilities: Vec<String>,
    /// Largest frame payload the daemon accepts, in bytes.
    pub max_frame_len: u32,
}

/// What the daemon sends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ServerMessage {
    /// Handshake accepted.
    Welcome(Welcome),
    /// A connection-level error; the daemon closes the connection right after.
    /// Used for a refused handshake, a malformed or oversized frame, the
    /// connection limit and a refused peer.
    Fatal(ErrorReply),
    /// The answer to the request with this `id`.
    Reply {
        /// The request's id.
        id: u64,
        /// The outcome.
        result: Result<Response, ErrorReply>,
    },
    /// An event pushed to a subscribed connection; never a reply.
    Event(EventFrame),
}

/// A pushed event with its position in the daemon's event log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventFrame {
    /// Position in the daemon's durable event log, increasing by one per
    /// event. For a `Resync` notice: the seq the stream continues after.
    pub seq: u64,
    /// What happened.
    pub event: Event,
}
