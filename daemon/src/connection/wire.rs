//! The encoding of one connection, chosen by the first byte the client sends:
//! `{` starts JSON Lines, anything else a bincode frame (PROTOCOL.md). This is
//! the only part of `connection` that knows there are two: it splits the
//! byte stream into messages (a tokio-util `Decoder`), decodes them into the
//! same `ClientMessage`s and encodes the same replies, events and errors.
//!
//! A JSON line longer than the maximum frame is refused as soon as that many
//! bytes have arrived without a newline: it is never buffered whole.

use std::io;
use std::sync::Arc;

use bytes::{Buf, BytesMut};
use tokio_util::codec::{Decoder, LengthDelimitedCodec, LengthDelimitedCodecError};
use trackcache_protocol::json::{self, BytesMode, ClientLine, LineError};

use super::budget::{self, BudgetSpent, Hold, PartialBudget};
use trackcache_protocol::{
    codec, ClientMessage, ErrorCode, ErrorReply, EventFrame, Hello, Response, ServerMessage,
    Welcome, PROTOCOL_VERSION,
};

/// Which encoding the connection speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Nothing read yet.
    Undecided,
    Bincode,
    Json(BytesMode),
}

/// A JSON line over the maximum, as the decoder reports it.
#[derive(Debug, thiserror::Error)]
#[error("a JSON line is longer than the maximum of {max} bytes")]
struct LineTooLong {
    max: usize,
}

/// Splits a connection's bytes into messages and speaks its encoding.
pub(crate) struct Wire {
    kind: Kind,
    frames: LengthDelimitedCodec,
    max: usize,
    /// Bytes of the read buffer already searched for a newline.
    scanned: usize,
    /// This connection's share of the budget for half-received messages.
    hold: Hold,
    /// Bytes the bincode frame being received takes whole (the codec keeps
    /// its header once it has read it, so it is noted here when seen).
    frame_bytes: Option<u64>,
}

/// A client message that could not be used.
pub(crate) enum Unusable {
    /// Answer request `id` with this error and go on (JSON only: a line
    /// cannot misalign the next one, so one bad request costs no more).
    Reply(u64, ErrorReply),
    /// Send this error and close the connection.
    Fatal(ErrorReply),
}

impl Wire {
    /// A codec for frames or lines of at most `max_frame_len` bytes,
    /// buffering half-received ones within `budget`.
    pub(crate) fn new(max_frame_len: u32, budget: Arc<PartialBudget>) -> Self {
        let frames = LengthDelimitedCodec::builder()
            .length_field_length(codec::FRAME_HEADER_LEN)
            .big_endian()
            .max_frame_length(max_frame_len as usize)
            .new_codec();
        Self {
            kind: Kind::Undecided,
            frames,
            max: max_frame_len as usize,
            scanned: 0,
            hold: Hold::new(budget),
            frame_bytes: None,
        }
    }

    /// Whether frames are bincode (the hot-request fast path applies).
    pub(crate) fn is_bincode(&self) -> bool {
        self.kind == Kind::Bincode
    }

    /// Whether `buf` holds a whole message (or one already known to be too
    /// long, which decoding turns into an error without reading on).
    pub(crate) fn message_buffered(&self, buf: &[u8]) -> bool {
        match self.kind {
            Kind::Undecided => false,
            Kind::Bincode => match buf.get(..codec::FRAME_HEADER_LEN) {
                Some(h) => {
                    let len = codec::frame_len([h[0], h[1], h[2], h[3]]) as usize;
                    len > self.max || buf.len() >= codec::FRAME_HEADER_LEN + len
                }
                None => false,
            },
            Kind::Json(_) => buf.len() > self.max || memchr::memchr(b'\n', buf).is_some(),
        }
    }

    /// The error to send for a read error that is a refused message, if it is one.
    pub(crate) fn refusal(&self, e: &io::Error) -> Option<ErrorReply> {
        let inner = e.get_ref()?;
        if let Some(spent) = inner.downcast_ref::<BudgetSpent>() {
            return Some(ErrorReply::new(ErrorCode::UNAVAILABLE, spent.to_string()));
        }
        self.too_large_message(e)
            .map(|m| ErrorReply::new(ErrorCode::TOO_LARGE, m))
    }

    /// The message for a read error that is a refused length, if it is one.
    fn too_large_message(&self, e: &io::Error) -> Option<String> {
        let inner = e.get_ref()?;
        if inner.is::<LengthDelimitedCodecError>() {
            Some(format!(
                "frame declares a payload over the maximum of {} bytes; nothing was read \
                 (raise max_frame_bytes on the daemon if this was intended)",
                self.max
            ))
        } else if inner.is::<LineTooLong>() {
            Some(format!(
                "line longer than the maximum of {} bytes (welcome.max_line_bytes); it was not read \
                 (send less per line, or raise max_frame_bytes on the daemon)",
                self.max
            ))
        } else {
            None
        }
    }

    /// Decodes the first message, which must be the handshake. In JSON the
    /// hello also chooses how byte values travel.
    pub(crate) fn decode_hello(&mut self, msg: &[u8]) -> Result<Hello, ErrorReply> {
        let not_hello = || {
            let msg = "the first message must be Hello (see PROTOCOL.md, handshake)";
            ErrorReply::new(ErrorCode::HANDSHAKE_REQUIRED, msg)
        };
        match self.kind {
            Kind::Json(_) => match json::decode_client_line(msg, BytesMode::default()) {
                Ok(ClientLine::Hello(h)) => {
                    self.kind = Kind::Json(h.bytes);
                    Ok(h.to_hello())
                }
                Ok(ClientLine::Request { .. }) | Err(LineError::BadRequest { .. }) => {
                    Err(not_hello())
                }
                Err(LineError::Malformed(m)) => Err(match json::peek_hello_version(msg) {
                    Some(v) if v != PROTOCOL_VERSION => version_mismatch(v),
                    _ => ErrorReply::new(ErrorCode::MALFORMED_FRAME, m),
                }),
            },
            _ => match codec::decode_client(msg) {
                Ok(ClientMessage::Hello(hello)) => Ok(hello),
                Ok(ClientMessage::Request { .. }) => Err(not_hello()),
                Err(e) => Err(match codec::peek_hello_version(msg) {
                    Some(v) if v != PROTOCOL_VERSION => version_mismatch(v),
                    _ => ErrorReply::new(ErrorCode::MALFORMED_FRAME, format!("bad Hello: {e}")),
                }),
            },
        }
    }

    /// Decodes a message after the handshake.
    pub(crate) fn decode(&self, msg: &[u8]) -> Result<ClientMessage, Unusable> {
        let malformed = |m: String| {
            Unusable::Fatal(ErrorReply::new(
                ErrorCode::MALFORMED_FRAME,
                format!("{m}; closing this connection (is the client speaking the trackcache protocol?)"),
            ))
        };
        match self.kind {
            Kind::Json(mode) => match json::decode_client_line(msg, mode) {
                Ok(ClientLine::Request { id, request }) => {
                    Ok(ClientMessage::Request { id, request })
                }
                Ok(ClientLine::Hello(h)) => Ok(ClientMessage::Hello(h.to_hello())),
                Err(LineError::BadRequest { id, message }) => Err(Unusable::Reply(
                    id,
                    ErrorReply::new(ErrorCode::BAD_REQUEST, message),
                )),
                Err(LineError::Malformed(m)) => Err(malformed(m)),
            },
            _ => codec::decode_client(msg).map_err(|e| malformed(e.to_string())),
        }
    }

    /// Appends the welcome.
    pub(crate) fn welcome(&self, out: &mut Vec<u8>, w: Welcome) -> bool {
        match self.kind {
            Kind::Json(mode) => {
                json::welcome_line(out, &w, mode);
                true
            }
            _ => {
                let msg = ServerMessage::Welcome(w);
                codec::encode_frame_into(out, &msg, self.max as u32).is_ok()
            }
        }
    }

    /// Appends the answer to request `id`; one over the maximum becomes a
    /// `too_large` error reply.
    pub(crate) fn reply(&self, out: &mut Vec<u8>, id: u64, result: Result<Response, ErrorReply>) {
        self.encoder().reply(out, id, result);
    }

    /// What encodes this connection's replies, for a thread of its own (a
    /// reply of 10,000 tracks takes milliseconds to encode).
    pub(crate) fn encoder(&self) -> Encoder {
        Encoder {
            kind: self.kind,
            max: self.max,
        }
    }
}

/// Encodes replies in a connection's encoding, on any thread.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Encoder {
    kind: Kind,
    max: usize,
}

impl Encoder {
    /// Appends the answer to request `id`; one over the maximum becomes a
    /// `too_large` error reply.
    pub(crate) fn reply(&self, out: &mut Vec<u8>, id: u64, result: Result<Response, ErrorReply>) {
        let max = self.max as u32;
        if let Kind::Json(mode) = self.kind {
            json::reply_line(out, id, &result, mode, max);
            return;
        }
        let msg = ServerMessage::Reply { id, result };
        if let Err(e) = codec::encode_frame_into(out, &msg, max) {
            let err = ErrorReply::new(
                ErrorCode::TOO_LARGE,
                format!("the reply could not be sent: {e}; ask for less or raise max_frame_bytes"),
            );
            let fallback = ServerMessage::Reply {
                id,
                result: Err(err),
            };
            if let Err(e) = codec::encode_frame_into(out, &fallback, max) {
                tracing::error!(error = %e, "could not encode even an error reply");
            }
        }
    }
}

impl Wire {
    /// Appends a pushed event; `false` (nothing appended) when it is over the maximum.
    pub(crate) fn event(&self, out: &mut Vec<u8>, frame: &EventFrame) -> bool {
        match self.kind {
            Kind::Json(_) => json::event_line(out, frame, self.max as u32),
            _ => {
                let msg = ServerMessage::Event(frame.clone());
                codec::encode_frame_into(out, &msg, self.max as u32).is_ok()
            }
        }
    }

    /// Appends a connection-level error (in bincode when the client has not
    /// said which it speaks).
    pub(crate) fn fatal(&self, out: &mut Vec<u8>, err: ErrorReply) -> bool {
        match self.kind {
            Kind::Json(_) => {
                json::fatal_line(out, &err);
                true
            }
            _ => codec::encode_frame_into(out, &ServerMessage::Fatal(err), self.max as u32).is_ok(),
        }
    }

    fn decode_line(&mut self, buf: &mut BytesMut) -> io::Result<Option<BytesMut>> {
        loop {
            let Some(at) = memchr::memchr(b'\n', &buf[self.scanned..]) else {
                if buf.len() > self.max {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        LineTooLong { max: self.max },
                    ));
                }
                self.scanned = buf.len();
                return Ok(None);
            };
            let mut line = buf.split_to(self.scanned + at + 1);
            self.scanned = 0;
            line.truncate(line.len() - 1);
            if line.last() == Some(&b'\r') {
                line.truncate(line.len() - 1);
            }
            if line.len() > self.max {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    LineTooLong { max: self.max },
                ));
            }
            if !line.trim_ascii().is_empty() {
                return Ok(Some(line));
            }
        }
    }
}

impl Wire {
    /// The bytes a frame whose header starts `buf` will take whole, once
    /// the header is there.
    fn frame_needs(&self, buf: &[u8]) -> Option<u64> {
        let h = buf.get(..codec::FRAME_HEADER_LEN)?;
        let len = codec::frame_len([h[0], h[1], h[2], h[3]]) as usize;
        // One over the maximum is refused by the codec, unread.
        Some((codec::FRAME_HEADER_LEN + len.min(self.max)) as u64)
    }

    fn reserve(&mut self, bytes: u64) -> io::Result<()> {
        self.hold
            .need(bytes)
            .map_err(|spent| io::Error::new(io::ErrorKind::OutOfMemory, spent))
    }
}

impl Decoder for Wire {
    type Item = BytesMut;
    type Error = io::Error;

    fn decode(&mut self, buf: &mut BytesMut) -> io::Result<Option<BytesMut>> {
        let msg = match self.kind {
            Kind::Undecided => {
                let Some(&first) = buf.first() else {
                    return Ok(None);
                };
                self.kind = if first == b'{' {
                    Kind::Json(BytesMode::default())
                } else {
                    Kind::Bincode
                };
                return self.decode(buf);
            }
            Kind::Bincode => {
                // Before the codec reserves room for the whole frame.
                if self.frame_bytes.is_none() {
                    self.frame_bytes = self.frame_needs(buf);
                }
                if let Some(bytes) = self.frame_bytes {
                    self.reserve(bytes)?;
                }
                let frame = self.frames.decode(buf)?;
                if frame.is_some() {
                    self.frame_bytes = None;
                }
                frame
            }
            Kind::Json(_) => self.decode_line(buf)?,
        };
        match &msg {
            Some(_) => self.hold.holding(buf.len() as u64),
            // A line grows a read at a time: hold what the next read may add.
            None if matches!(self.kind, Kind::Json(_)) => {
                self.reserve(buf.len() as u64 + budget::FREE_BYTES)?;
            }
            None => {}
        }
        Ok(msg)
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> io::Result<Option<BytesMut>> {
        if let Some(msg) = self.decode(buf)? {
            return Ok(Some(msg));
        }
        match self.kind {
            // A last line without its newline is still a line.
            Kind::Json(_) if !buf.trim_ascii().is_empty() => {
                self.scanned = 0;
                let line = buf.split_to(buf.len());
                Ok(Some(line))
            }
            Kind::Json(_) => {
                buf.advance(buf.len());
                Ok(None)
            }
            _ if buf.is_empty() => Ok(None),
            _ => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed in the middle of a frame",
            )),
        }
    }
}

/// The fatal error for a client of another protocol version.
pub(crate) fn version_mismatch(client_version: u32) -> ErrorReply {
    ErrorReply::new(
        ErrorCode::VERSION_MISMATCH,
        format!(
            "protocol version mismatch: the client speaks protocol {client_version}, trackcached {} \
             speaks protocol {PROTOCOL_VERSION}; use a client and daemon from the same release",
            env!("CARGO_PKG_VERSION")
        ),
    )
}
