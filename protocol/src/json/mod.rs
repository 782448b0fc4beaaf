//! The JSON vocabulary: the JSON Lines encoding of the socket (a client whose
//! first byte is `{`) and the objects the CLI prints with `--json`. One set of
//! serde types serves both, so a script sees the same shapes from either.
//!
//! The bincode messages (`Request`, `Response`, `Event`) stay the reference;
//! this module converts to and from them: client lines into `Request`s
//! ([`decode_client_line`]), `Response`s into reply objects ([`Reply`]) and
//! whole server lines ([`reply_line`], [`event_line`], ...). Shapes are
//! documented in PROTOCOL.md, section "JSON Lines".

mod args;
mod event;
mod list;
mod reply;
mod report;
mod request;
#[cfg(test)]
mod tests;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::{ErrorCode, ErrorReply, EventFrame, Hello, Request, Response, Welcome};

pub use args::{AlbumYearQueryJson, KvSetJson, SetAlbumYearJson, SetApiResultJson, TargetJson};
pub use event::{event_json, sync_json, EventBody, EventJson, SyncJson, TrackJson};
pub use list::{AlbumJson, End, Item, ItemError, List};
pub use reply::{Reply, Status};
pub use report::{StatsJson, StatusJson};
pub use request::JsonRequest;

/// How byte values (cache values) travel in JSON, chosen in the `hello`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BytesMode {
    /// Standard base64 with padding: any bytes, always.
    #[default]
    Base64,
    /// JSON strings (UTF-8); values that are not UTF-8 come as `value_base64`.
    Text,
}

/// A byte value as a JSON field: `value` in the connection's mode, or
/// `value_base64` when text mode meets bytes that are not UTF-8.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Bytes {
    /// Base64 in base64 mode, the text itself in text mode.
    #[serde(rename = "value")]
    Value(String),
    /// Base64, in text mode, for bytes that are not UTF-8.
    #[serde(rename = "value_base64")]
    Base64(String),
}

impl Bytes {
    /// Encodes `bytes` for a connection in `mode`.
    pub fn new(bytes: &[u8], mode: BytesMode) -> Self {
        match mode {
            BytesMode::Base64 => Self::Value(base64_encode(bytes)),
            BytesMode::Text => match std::str::from_utf8(bytes) {
                Ok(s) => Self::Value(s.to_owned()),
                Err(_) => Self::Base64(base64_encode(bytes)),
            },
        }
    }
}

fn base64_encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Decodes a client's base64 value; the error names the field.
fn base64_decode(field: &str, s: &str) -> Result<Vec<u8>, String> {
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .map_err(|e| format!("{field} is not valid base64 ({e}); send standard base64 with padding, or say \"bytes\":\"text\" in the hello"))
}

/// The client's `hello` line.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct HelloJson {
    /// Protocol version the client speaks.
    pub version: u32,
    /// Program name, for the daemon's logs.
    #[serde(default)]
    pub client: String,
    /// Capabilities the client would like to use.
    #[serde(default)]
    pub capabilities: Vec<String>,
    /// How byte values travel on this connection.
    #[serde(default)]
    pub bytes: BytesMode,
}

impl HelloJson {
    /// The same handshake as the bincode message.
    pub fn to_hello(&self) -> Hello {
        Hello {
            protocol_version: self.version,
            client_name: self.client.clone(),
            capabilities: self.capabilities.clone(),
        }
    }
}

/// A decoded client line.
#[derive(Clone, Debug, PartialEq)]
pub enum ClientLine {
    /// `{"hello":{...}}`.
    Hello(HelloJson),
    /// `{"id":N,"request":{...}}`.
    Request {
        /// The client's id for the reply.
        id: u64,
        /// What to do.
        request: Request,
    },
}

/// Why a client line was not understood.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    /// The line names its request `id` but the request is unknown or its
    /// arguments are wrong: answer with an error and go on.
    #[error("request {id}: {message}")]
    BadRequest {
        /// The line's id.
        id: u64,
        /// What was wrong.
        message: String,
    },
    /// Not JSON, or neither a hello nor a request with an id: a client that
    /// does not speak this protocol.
    #[error("{0}")]
    Malformed(String),
}

#[derive(Deserialize)]
struct RawClientLine {
    hello: Option<HelloJson>,
    id: Option<u64>,
    request: Option<JsonRequest>,
}

#[derive(Deserialize)]
struct IdOnly {
    id: Option<u64>,
    #[serde(default)]
    hello: Option<serde::de::IgnoredAny>,
}

/// Decodes one line (without its newline) from a client in `mode`.
pub fn decode_client_line(line: &[u8], mode: BytesMode) -> Result<ClientLine, LineError> {
    // serde would take `[1, ...]` for a struct written as a sequence.
    if line.trim_ascii_start().first() != Some(&b'{') {
        return Err(LineError::Malformed(
            "each line must be one JSON object (see PROTOCOL.md, JSON Lines)".into(),
        ));
    }
    let raw: RawClientLine = match serde_json::from_slice(line) {
        Ok(raw) => raw,
        Err(e) => return Err(explain(line, &e)),
    };
    match raw {
        RawClientLine {
            hello: Some(hello),
            id: None,
            request: None,
        } => Ok(ClientLine::Hello(hello)),
        RawClientLine {
            hello: None,
            id: Some(id),
            request: Some(request),
        } => request
            .into_request(mode)
            .map(|request| ClientLine::Request { id, request })
            .map_err(|message| LineError::BadRequest { id, message }),
        RawClientLine { id: Some(id), .. } => Err(LineError::BadRequest {
            id,
            message: "a request line is {\"id\":N,\"request\":{\"NAME\":{...}}} and nothing else"
                .into(),
        }),
        _ => Err(LineError::Malformed(
            "a line must be {\"hello\":{...}} or {\"id\":N,\"request\":{...}} (see PROTOCOL.md, JSON Lines)"
                .into(),
        )),
    }
}

/// A line that did not decode: a bad request when it still names an id.
fn explain(line: &[u8], e: &serde_json::Error) -> LineError {
    match serde_json::from_slice::<IdOnly>(line) {
        Ok(IdOnly { id: Some(id), .. }) => LineError::BadRequest {
            id,
            message: format!("bad request: {e}"),
        },
        Ok(IdOnly { hello: Some(_), .. }) => LineError::Malformed(format!("bad hello: {e}")),
        _ => LineError::Malformed(format!(
            "not a JSON Lines message ({e}); each line must be one JSON object (see PROTOCOL.md, JSON Lines)"
        )),
    }
}

/// The protocol version a `hello` line claims, even when the rest of it does
/// not decode (a client of another version may send other fields).
pub fn peek_hello_version(line: &[u8]) -> Option<u32> {
    #[derive(Deserialize)]
    struct Version {
        version: u32,
    }
    #[derive(Deserialize)]
    struct Peek {
        hello: Version,
    }
    serde_json::from_slice::<Peek>(line)
        .ok()
        .map(|p| p.hello.version)
}

/// An error as JSON: the code's stable name and the message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ErrorJson {
    /// `bad_request`, `not_found`, ...
    pub code: &'static str,
    /// What was wrong and what to do.
    pub message: String,
}

impl From<&ErrorReply> for ErrorJson {
    fn from(e: &ErrorReply) -> Self {
        Self {
            code: e.code.name(),
            message: e.message.clone(),
        }
    }
}

#[derive(Serialize)]
struct WelcomeJson<'a> {
    version: u32,
    daemon_version: &'a str,
    capabilities: &'a [String],
    max_line_bytes: u32,
    bytes: BytesMode,
}

/// Appends a line with `msg` to `out`; `false` (and `out` untouched) when it
/// is longer than `max` bytes.
fn push_line<T: Serialize>(out: &mut Vec<u8>, msg: &T, max: u32) -> bool {
    let start = out.len();
    if serde_json::to_writer(&mut *out, msg).is_err() || out.len() - start > max as usize {
        out.truncate(start);
        return false;
    }
    out.push(b'\n');
    true
}

/// Appends the `welcome` line.
pub fn welcome_line(out: &mut Vec<u8>, w: &Welcome, mode: BytesMode) {
    #[derive(Serialize)]
    struct Line<'a> {
        welcome: WelcomeJson<'a>,
    }
    let line = Line {
        welcome: WelcomeJson {
            version: w.protocol_version,
            daemon_version: &w.daemon_version,
            capabilities: &w.capabilities,
            max_line_bytes: w.max_frame_len,
            bytes: mode,
        },
    };
    push_line(out, &line, u32::MAX);
}

/// Appends a `fatal` line (the daemon closes the connection after it).
pub fn fatal_line(out: &mut Vec<u8>, err: &ErrorReply) {
    #[derive(Serialize)]
    struct Line {
        fatal: ErrorJson,
    }
    push_line(out, &Line { fatal: err.into() }, u32::MAX);
}

/// Appends the answer to request `id`; a reply longer than `max` bytes is
/// replaced by a `too_large` error, as in bincode.
pub fn reply_line(
    out: &mut Vec<u8>,
    id: u64,
    result: &Result<Response, ErrorReply>,
    mode: BytesMode,
    max: u32,
) {
    #[derive(Serialize)]
    struct ReplyLine {
        id: u64,
        reply: Reply,
    }
    #[derive(Serialize)]
    struct ErrorLine {
        id: u64,
        error: ErrorJson,
    }
    let error = |out: &mut Vec<u8>, e: &ErrorReply| {
        push_line(
            out,
            &ErrorLine {
                id,
                error: e.into(),
            },
            u32::MAX,
        );
    };
    match result {
        Ok(r) => {
            let reply = Reply::new(r, mode);
            if !push_line(out, &ReplyLine { id, reply }, max) {
                let msg = format!(
                    "the reply is longer than the maximum line of {max} bytes; ask for less or raise max_frame_bytes"
                );
                error(out, &ErrorReply::new(ErrorCode::TOO_LARGE, msg));
            }
        }
        Err(e) => error(out, e),
    }
}

/// Appends a pushed event; `false` when it is longer than `max`.
pub fn event_line(out: &mut Vec<u8>, frame: &EventFrame, max: u32) -> bool {
    #[derive(Serialize)]
    struct Line {
        event: EventJson,
    }
    push_line(
        out,
        &Line {
            event: event_json(frame),
        },
        max,
    )
}
