//! One client connection: framing on the stream, the handshake, pipelined
//! requests answered in batches, and connection-level (fatal) errors.
//!
//! Messages are bincode frames or JSON lines, as the client's first byte
//! chooses; `wire` owns that choice, so the rest of this module is the same
//! for both. Every message already in the read buffer is answered before the
//! replies are written with one write, so a pipelining client costs one read
//! and one write per batch.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use futures_util::{FutureExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::unix::{ReadHalf, WriteHalf};
use tokio::net::UnixStream;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio_util::codec::FramedRead;
use trackcache_protocol::{
    capability, codec, ClientMessage, ErrorCode, ErrorReply, Hello, Request, Welcome,
    PROTOCOL_VERSION,
};

use crate::cmd;
use crate::state::Daemon;
use crate::store::Epoch;
use presence::Presence;

mod acks;
pub mod budget;
mod deferred;
pub mod presence;
mod subscription;
mod wire;

use acks::Ack;
use deferred::Deferred;

use subscription::{recv_event, Subscription};
use wire::{version_mismatch, Unusable, Wire};

/// How long a new connection may take to send its `Hello`.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long to keep reading (and discarding) after a fatal error, so that the
/// peer gets to read the error instead of a reset.
const LINGER: Duration = Duration::from_millis(500);
/// Replies are written once this many bytes are queued, even mid-batch.
const BATCH_BYTES: usize = 64 * 1024;

/// Capabilities this daemon offers: what it serves, with `library` only
/// when a library is configured (without one, library requests are refused).
pub fn capabilities(daemon: &Daemon) -> Vec<String> {
    let library = daemon
        .library
        .get()
        .is_some()
        .then_some(capability::LIBRARY);
    [
        Some(capability::KV),
        Some(capability::PIPELINING),
        library,
        Some(capability::EVENTS),
        Some(capability::DOMAIN),
        Some(capability::JSON),
        Some(capability::BATCH),
    ]
    .into_iter()
    .flatten()
    .map(String::from)
    .collect()
}

#[derive(PartialEq, Eq)]
pub(crate) enum Flow {
    Continue,
    Close,
}

/// A connection being served.
pub struct Connection<'s> {
    pub(crate) reader: FramedRead<ReadHalf<'s>, Wire>,
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
    /// Requests that wait, running as tasks (`cmd::deferred`); dropped,
    /// and so ended, with the connection.
    deferred: Deferred,
    /// Whether it is idle, for the idle timeout and the cap.
    presence: Arc<Presence>,
}

impl<'s> Connection<'s> {
    /// Wraps an accepted stream.
    ///
    /// Tokio's own halves, not interprocess's `&Stream`: only tokio's
    /// `poll_read` treats a short read as "drained", so a request costs one
    /// read(2) instead of a second one that returns EAGAIN (decision 0014).
    pub fn new(
        stream: &'s mut UnixStream,
        daemon: Arc<Daemon>,
        conn_id: u64,
        presence: Arc<Presence>,
    ) -> Self {
        let (read_half, writer) = stream.split();
        let max_frame_len = daemon.config.max_frame_len;
        Self {
            reader: FramedRead::new(
                read_half,
                Wire::new(max_frame_len, daemon.partial_messages.clone()),
            ),
            writer,
            out: Vec::with_capacity(4096),
            daemon,
            max_frame_len,
            sub: None,
            conn_id,
            acks: Vec::new(),
            deferred: Deferred::default(),
            presence,
        }
    }

    /// Refuses the connection with a fatal error (connection limit, wrong user).
    pub async fn refuse(mut self, err: ErrorReply) {
        // The first message says which encoding the refusal must be in.
        let _ = tokio::time::timeout(LINGER, self.reader.next()).await;
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
        let close = self.presence.close.clone();
        let evicted = close.cancelled();
        tokio::pin!(evicted);
        // One timer, reset only when it fires: a request costs two atomic
        // stores (busy, idle), not a timer registration.
        let idle_timeout = self.daemon.config.limits.idle_timeout;
        let idle_timer = tokio::time::sleep(idle_timeout.unwrap_or(Duration::MAX));
        tokio::pin!(idle_timer);
        self.mark_idle_unless_busy();
        loop {
            tokio::select! {
                biased;
                _ = &mut cancelled => break,
                _ = &mut evicted => {
                    let msg = "closed to make room for a new client: this connection was the \
                               longest idle at the connection cap; reconnect when needed";
                    self.fatal(ErrorReply::new(ErrorCode::UNAVAILABLE, msg)).await;
                    return;
                }
                _ = &mut idle_timer, if idle_timeout.is_some() => {
                    if let Some(next) = self.idle_deadline(idle_timeout) {
                        idle_timer.as_mut().reset(next);
                        continue;
                    }
                    let msg = format!(
                        "closed after {} s without a request ([limits] idle_timeout_ms); \
                         reconnect when needed",
                        idle_timeout.unwrap_or_default().as_secs()
                    );
                    self.fatal(ErrorReply::new(ErrorCode::UNAVAILABLE, msg)).await;
                    return;
                }
                done = self.deferred.next(), if !self.deferred.is_empty() => {
                    self.deferred_done(done);
                    if self.flush().await.is_err() {
                        return;
                    }
                    self.mark_idle_unless_busy();
                }
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
        // Shutdown or EOF: everything read is answered (a waiting request
        // ends at once with `shutting_down` when the daemon stops).
        while !self.deferred.is_empty() {
            let done = self.deferred.next().await;
            self.deferred_done(done);
        }
        let _ = self.flush().await;
        let _ = self.writer.shutdown().await;
    }

    /// Handles `first` and every frame already buffered behind it, then
    /// writes all replies.
    async fn batch(&mut self, first: io::Result<BytesMut>) -> Flow {
        self.presence.busy();
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
        self.mark_idle_unless_busy();
        Flow::Continue
    }

    /// Idle from now if nothing is in flight and no subscription is open.
    fn mark_idle_unless_busy(&self) {
        if self.sub.is_none() && self.deferred.is_empty() {
            self.presence.idle(crate::clock::now_ms());
        } else {
            self.presence.busy();
        }
    }

    /// When the idle timer should fire next, or `None` if the connection
    /// has been idle for the whole timeout and is to be closed.
    fn idle_deadline(&self, timeout: Option<Duration>) -> Option<tokio::time::Instant> {
        let timeout = timeout?;
        let now = tokio::time::Instant::now();
        let Some(since) = self.presence.idle_since() else {
            return Some(now + timeout);
        };
        let idle_for = Duration::from_millis(crate::clock::now_ms().saturating_sub(since));
        timeout.checked_sub(idle_for).map(|left| now + left)
    }

    /// Whether the read buffer holds a whole frame (or an oversized header,
    /// which the codec turns into an error without reading on).
    fn frame_buffered(&self) -> bool {
        (self.reader.decoder()).message_buffered(self.reader.read_buffer())
    }

    async fn handle(&mut self, item: io::Result<BytesMut>) -> Flow {
        let frame = match item {
            Ok(frame) => frame,
            Err(e) => return self.read_error(e).await,
        };
        // GET and SET, most of the traffic, skip the owned decode.
        let hot = self.reader.decoder().is_bincode();
        if let Some((id, request)) = codec::decode_hot(&frame).filter(|_| hot) {
            let mut ctx = cmd::Ctx {
                conn_id: self.conn_id,
                durable: Epoch::NONE,
            };
            let result = cmd::dispatch_hot(&self.daemon, &mut ctx, request);
            self.queue_acked(id, result, ctx.durable);
            return Flow::Continue;
        }
        match self.reader.decoder().decode(&frame) {
            Ok(ClientMessage::Request {
                id,
                request: Request::Subscribe { since_seq },
            }) => self.subscribe(id, since_seq).await,
            Ok(ClientMessage::Request { id, request }) => {
                let request = match cmd::deferred(&self.daemon, self.conn_id, request) {
                    cmd::Route::Deferred(answer) => {
                        self.start_deferred(id, answer);
                        return Flow::Continue;
                    }
                    cmd::Route::Blocking(handler) => {
                        self.start_blocking(id, handler);
                        return Flow::Continue;
                    }
                    cmd::Route::Now(request) => request,
                };
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
            Err(Unusable::Reply(id, err)) => {
                self.queue_reply(id, Err(err));
                Flow::Continue
            }
            Err(Unusable::Fatal(err)) => {
                self.fatal(err).await;
                Flow::Close
            }
        }
    }

    async fn read_error(&mut self, e: io::Error) -> Flow {
        if let Some(err) = self.reader.decoder().refusal(&e) {
            self.fatal(err).await;
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
        self.reader.decoder().reply(&mut self.out, id, result);
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
        match self.reader.decoder_mut().decode_hello(&first) {
            Ok(hello) => self.welcome(hello).await,
            Err(err) => {
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
        let welcome = Welcome {
            daemon_version: env!("CARGO_PKG_VERSION").to_owned(),
            protocol_version: PROTOCOL_VERSION,
            capabilities: capabilities(&self.daemon),
            max_frame_len: self.max_frame_len,
        };
        if !self.reader.decoder().welcome(&mut self.out, welcome) || self.flush().await.is_err() {
            return Flow::Close;
        }
        Flow::Continue
    }

    /// Sends a connection-level error, stops writing, and lingers briefly so
    /// the peer reads the error rather than a reset.
    pub(crate) async fn fatal(&mut self, err: ErrorReply) {
        tracing::debug!(code = %err.code, message = %err.message, "closing connection");
        self.out.clear();
        if !self.reader.decoder().fatal(&mut self.out, err) {
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
