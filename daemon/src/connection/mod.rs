//! One client connection: framing on the stream, the handshake, pipelined
//! requests answered in batches, and connection-level (fatal) errors.
//!
//! Frames are read with tokio-util's length-delimited codec (u32 big-endian
//! header, maximum checked before any allocation). Every frame already in
//! the read buffer is answered before the replies are written with one
//! write, so a pipelining client costs one read and one write per batch.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use futures_util::{FutureExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::unix::{ReadHalf, WriteHalf};
use tokio::net::UnixStream;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio_util::codec::{FramedRead, LengthDelimitedCodec, LengthDelimitedCodecError};
use trackcache_protocol::{
    capability, codec, ClientMessage, ErrorCode, ErrorReply, Hello, Request, ServerMessage,
    Welcome, PROTOCOL_VERSION,
};

use crate::cmd;
use crate::state::Daemon;
use crate::store::Epoch;

mod acks;
mod subscription;

use acks::Ack;

use subscription::{recv_event, Subscription};

/// How long a new connection may take to send its `Hello`.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long to keep reading (and discarding) after a fatal error, so that the
/// peer gets to read the error instead of a reset.
const LINGER: Duration = Duration::from_millis(500);
/// Replies are written once this many bytes are queued, even mid-batch.
const BATCH_BYTES: usize = 64 * 1024;

/// Capabilities this daemon offers.
pub fn capabilities() -> Vec<String> {
    [
        capability::KV,
        capability::PIPELINING,
        capability::LIBRARY,
        capability::EVENTS,
    ]
    .map(String::from)
    .to_vec()
}

#[derive(PartialEq, Eq)]
pub(crate) enum Flow {
    Continue,
    Close,
}

/// A connection being served.
pub struct Connection<'s> {
    pub(crate) reader: FramedRead<ReadHalf<'s>, LengthDelimitedCodec>,
    pub(crate) writer: WriteHalf<'s>,
    pub(crate) out: Vec<u8>,
    pub(crate) daemon: Arc<Daemon>,
    pub(crate) max_frame_len: u32,
    pub(crate) sub: Option<Subscription>,
    conn_id: u64,
    /// Replies of this batch to requests that wrote persistent data: sent
    /// only once their journal epoch is written, and turned into errors if
    /// that write failed.
    acks: Vec<Ack>,
}

impl<'s> Connection<'s> {
    /// Wraps an accepted stream.
    ///
    /// Tokio's own halves, not interprocess's `&Stream`: only tokio's
    /// `poll_read` treats a short read as "drained", so a request costs one
    /// read(2) instead of a second one that returns EAGAIN (decision 0014).
    pub fn new(stream: &'s mut UnixStream, daemon: Arc<Daemon>, conn_id: u64) -> Self {
        let (read_half, writer) = stream.split();
        let max_frame_len = daemon.config.max_frame_len;
        let codec = LengthDelimitedCodec::builder()
            .length_field_length(codec::FRAME_HEADER_LEN)
            .big_endian()
            .max_frame_length(max_frame_len as usize)
            .new_codec();
        Self {
            reader: FramedRead::new(read_half, codec),
            writer,
            out: Vec::with_capacity(4096),
            daemon,
            max_frame_len,
            sub: None,
            conn_id,
            acks: Vec::new(),
        }
    }

    /// Refuses the connection with a fatal error (connection limit, wrong user).
    pub async fn refuse(mut self, err: ErrorReply) {
        self.fatal(err).await;
    }

    /// Handshake, then requests until EOF, a fatal error or shutdown.
    pub async fn serve(mut self) {
        if self.handshake().await == Flow::Close {
            return;
        }
        let shutdown = self.daemon.shutdown.clone();
        // One future for the whole connection: making it anew each turn
        // registered and dropped a waiter on every request.
        let cancelled = shutdown.cancelled();
        tokio::pin!(cancelled);
        loop {
            tokio::select! {
                biased;
                _ = &mut cancelled => break,
                item = self.reader.next() => {
                    let Some(item) = item else { break };
                    if self.batch(item).await == Flow::Close {
                        return;
                    }
                }
                ev = recv_event(&mut self.sub), if self.sub.is_some() => {
                    self.push_event(ev);
                    while self.out.len() < BATCH_BYTES {
                        match self.sub.as_mut().map(|s| s.rx.try_recv()) {
                            Some(Ok(ev)) => self.push_event(Ok(ev)),
                            Some(Err(broadcast::error::TryRecvError::Lagged(n))) => self.push_event(Err(RecvError::Lagged(n))),
                            _ => break,
                        }
                    }
                    if self.flush().await.is_err() {
                        return;
                    }
                }
            }
        }
        // Shutdown or EOF: everything read has been answered.
        let _ = self.writer.shutdown().await;
    }

    /// Handles `first` and every frame already buffered behind it, then
    /// writes all replies.
    async fn batch(&mut self, first: io::Result<BytesMut>) -> Flow {
        let mut flow = self.handle(first).await;
        // Only frames already read count as the batch: polling the socket
        // again would cost a read() that mostly returns EAGAIN.
        while flow == Flow::Continue && self.out.len() < BATCH_BYTES && self.frame_buffered() {
            match self.reader.next().now_or_never() {
                Some(Some(item)) => flow = self.handle(item).await,
                Some(None) => break,
                None => break,
            }
        }
        if flow == Flow::Close {
            return Flow::Close;
        }
        if !self.acks.is_empty() {
            self.await_durability().await;
        }
        if let Err(e) = self.flush().await {
            tracing::debug!(error = %e, "client went away while we wrote");
            return Flow::Close;
        }
        Flow::Continue
    }

    /// Whether the read buffer holds a whole frame (or an oversized header,
    /// which the codec turns into an error without reading on).
    fn frame_buffered(&self) -> bool {
        let b = self.reader.read_buffer();
        match b.get(..codec::FRAME_HEADER_LEN) {
            Some(h) => {
                let len = codec::frame_len([h[0], h[1], h[2], h[3]]) as usize;
                len > self.max_frame_len as usize || b.len() >= codec::FRAME_HEADER_LEN + len
            }
            None => false,
        }
    }

    async fn handle(&mut self, item: io::Result<BytesMut>) -> Flow {
        let frame = match item {
            Ok(frame) => frame,
            Err(e) => return self.read_error(e).await,
        };
        // GET and SET, most of the traffic, skip the owned decode.
        if let Some((id, request)) = codec::decode_hot(&frame) {
            let mut ctx = cmd::Ctx {
                conn_id: self.conn_id,
                durable: Epoch::NONE,
            };
            let result = cmd::dispatch_hot(&self.daemon, &mut ctx, request);
            self.queue_acked(id, result, ctx.durable);
            return Flow::Continue;
        }
        match codec::decode_client(&frame) {
            Ok(ClientMessage::Request {
                id,
                request: Request::Subscribe { since_seq },
            }) => self.subscribe(id, since_seq).await,
            Ok(ClientMessage::Request { id, request }) => {
                let mut ctx = cmd::Ctx {
                    conn_id: self.conn_id,
                    durable: Epoch::NONE,
                };
                let result = cmd::dispatch(&self.daemon, &mut ctx, request).await;
                self.queue_acked(id, result, ctx.durable);
                Flow::Continue
            }
            Ok(ClientMessage::Hello(_)) => {
                self.fatal(ErrorReply::new(
                    ErrorCode::HANDSHAKE_REQUIRED,
                    "a second Hello on one connection; the handshake happens once",
                ))
                .await;
                Flow::Close
            }
            Err(e) => {
                self.fatal(ErrorReply::new(
                    ErrorCode::MALFORMED_FRAME,
                    format!("{e}; closing this connection (is the client speaking the trackcache protocol?)"),
                ))
                .await;
                Flow::Close
            }
        }
    }

    async fn read_error(&mut self, e: io::Error) -> Flow {
        let too_large = e
            .get_ref()
            .is_some_and(|inner| inner.is::<LengthDelimitedCodecError>());
        if too_large {
            let msg = format!(
                "frame declares a payload over the maximum of {} bytes; nothing was read \
                 (raise max_frame_bytes on the daemon if this was intended)",
                self.max_frame_len
            );
            self.fatal(ErrorReply::new(ErrorCode::TOO_LARGE, msg)).await;
        } else {
            tracing::debug!(error = %e, "connection read failed or ended mid-frame");
        }
        Flow::Close
    }

    pub(crate) fn queue_reply(
        &mut self,
        id: u64,
        result: Result<trackcache_protocol::Response, ErrorReply>,
    ) {
        let msg = ServerMessage::Reply { id, result };
        if let Err(e) = codec::encode_frame_into(&mut self.out, &msg, self.max_frame_len) {
            let err = ErrorReply::new(
                ErrorCode::TOO_LARGE,
                format!("the reply could not be sent: {e}; ask for less or raise max_frame_bytes"),
            );
            let fallback = ServerMessage::Reply {
                id,
                result: Err(err),
            };
            if let Err(e) = codec::encode_frame_into(&mut self.out, &fallback, self.max_frame_len) {
                tracing::error!(error = %e, "could not encode even an error reply");
            }
        }
    }

    pub(crate) async fn flush(&mut self) -> io::Result<()> {
        if self.out.is_empty() {
            return Ok(());
        }
        let res = self.writer.write_all(&self.out).await;
        self.out.clear();
        res
    }

    async fn handshake(&mut self) -> Flow {
        let first = match tokio::time::timeout(HANDSHAKE_TIMEOUT, self.reader.next()).await {
            Err(_) => {
                let msg = format!("no Hello within {} s", HANDSHAKE_TIMEOUT.as_secs());
                self.fatal(ErrorReply::new(ErrorCode::HANDSHAKE_REQUIRED, msg))
                    .await;
                return Flow::Close;
            }
            Ok(None) => return Flow::Close,
            Ok(Some(Err(e))) => return self.read_error(e).await,
            Ok(Some(Ok(frame))) => frame,
        };
        match codec::decode_client(&first) {
            Ok(ClientMessage::Hello(hello)) => self.welcome(hello).await,
            Ok(ClientMessage::Request { .. }) => {
                let msg = "the first frame must be Hello (see PROTOCOL.md, handshake)";
                self.fatal(ErrorReply::new(ErrorCode::HANDSHAKE_REQUIRED, msg))
                    .await;
                Flow::Close
            }
            Err(e) => {
                let err = match codec::peek_hello_version(&first) {
                    Some(v) if v != PROTOCOL_VERSION => version_mismatch(v),
                    _ => ErrorReply::new(ErrorCode::MALFORMED_FRAME, format!("bad Hello: {e}")),
                };
                self.fatal(err).await;
                Flow::Close
            }
        }
    }

    async fn welcome(&mut self, hello: Hello) -> Flow {
        if hello.protocol_version != PROTOCOL_VERSION {
            self.fatal(version_mismatch(hello.protocol_version)).await;
            return Flow::Close;
        }
        tracing::debug!(client = %hello.client_name, "handshake done");
        let welcome = ServerMessage::Welcome(Welcome {
            daemon_version: env!("CARGO_PKG_VERSION").to_owned(),
            protocol_version: PROTOCOL_VERSION,
            capabilities: capabilities(),
            max_frame_len: self.max_frame_len,
        });
        if codec::encode_frame_into(&mut self.out, &welcome, self.max_frame_len).is_err()
            || self.flush().await.is_err()
        {
            return Flow::Close;
        }
        Flow::Continue
    }

    /// Sends a connection-level error, stops writing, and lingers briefly so
    /// the peer reads the error rather than a reset.
    pub(crate) async fn fatal(&mut self, err: ErrorReply) {
        tracing::debug!(code = %err.code, message = %err.message, "closing connection");
        self.out.clear();
        if codec::encode_frame_into(
            &mut self.out,
            &ServerMessage::Fatal(err),
            self.max_frame_len,
        )
        .is_err()
        {
            return;
        }
        if self.flush().await.is_err() {
            return;
        }
        let _ = self.writer.shutdown().await;
        let r = self.reader.get_mut();
        let mut sink = [0u8; 4096];
        let _ = tokio::time::timeout(LINGER, async {
            while matches!(r.read(&mut sink).await, Ok(n) if n > 0) {}
        })
        .await;
    }
}

fn version_mismatch(client_version: u32) -> ErrorReply {
    ErrorReply::new(
        ErrorCode::VERSION_MISMATCH,
        format!(
            "protocol version mismatch: the client speaks protocol {client_version}, trackcached {} \
             speaks protocol {PROTOCOL_VERSION}; use a client and daemon from the same release",
            env!("CARGO_PKG_VERSION")
        ),
    )
}
