//! The blocking `Client`: connect, handshake, one typed method per request,
//! pipelining, and a buffer for events pushed while a reply is awaited.
//!
//! Blocking on purpose: the typical caller is a script-like tool or this
//! CLI, and a blocking client needs no runtime. Async programs can run it in
//! `spawn_blocking`, or speak the protocol crate's frames directly.

use std::collections::VecDeque;
use std::io::{BufReader, ErrorKind};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use trackcache_protocol::{
    capability, codec, frame, ClientMessage, ErrorReply, EventFrame, Hello, Request, Response,
    ServerMessage, Welcome, DEFAULT_MAX_FRAME_LEN, PROTOCOL_VERSION,
};

use crate::ClientError;

/// How to connect.
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    /// Socket path.
    pub socket: PathBuf,
    /// Name announced in the handshake (shows in the daemon's logs).
    pub client_name: String,
    /// Bound on connecting and on each wait for a reply; `None` waits forever.
    pub timeout: Option<Duration>,
    /// Largest frame accepted from the daemon.
    pub max_frame_len: u32,
}

impl ConnectOptions {
    /// Defaults for `socket`: 10 s timeout, 16 MiB frames.
    pub fn new(socket: impl Into<PathBuf>) -> Self {
        Self {
            socket: socket.into(),
            client_name: "trackcache-client".into(),
            timeout: Some(Duration::from_secs(10)),
            max_frame_len: DEFAULT_MAX_FRAME_LEN,
        }
    }
}

/// A connection to `trackcached`.
pub struct Client {
    writer: UnixStream,
    reader: BufReader<UnixStream>,
    welcome: Welcome,
    next_id: u64,
    /// Largest frame we accept from the daemon.
    max_frame_len: u32,
    /// Largest frame we send: the smaller of ours and the daemon's announced maximum.
    send_max: u32,
    timeout: Option<Duration>,
    events: VecDeque<EventFrame>,
    socket: PathBuf,
}

/// Whether a daemon running as `peer` may be talked to by `own`: our own
/// daemon, or root's (root can read everything of ours anyway; refusing it
/// protects nothing).
pub fn peer_trusted(peer: u32, own: u32) -> bool {
    peer == own || peer == 0
}

/// Refuses a socket served by another user (`SO_PEERCRED`): a local user
/// who created the socket directory first could otherwise receive every
/// request and forge every answer. (Linux only for now: elsewhere the
/// daemon's refusal of unsafe socket directories is the protection.)
#[cfg(any(target_os = "linux", target_os = "android"))]
fn check_peer(stream: &UnixStream, socket: &Path) -> Result<(), ClientError> {
    let own = rustix::process::getuid().as_raw();
    let peer = rustix::net::sockopt::socket_peercred(stream)
        .map(|c| c.uid.as_raw())
        .map_err(|e| ClientError::NotRunning {
            socket: socket.to_path_buf(),
            source: e.into(),
        })?;
    if peer_trusted(peer, own) {
        Ok(())
    } else {
        Err(ClientError::ForeignDaemon {
            socket: socket.to_path_buf(),
            peer,
            own,
        })
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn check_peer(_stream: &UnixStream, _socket: &Path) -> Result<(), ClientError> {
    Ok(())
}

/// Pipelines up to this many bytes are written before reading, on one
/// thread: well under a Unix socket's send buffer, so the write never waits
/// for the daemon to be read.
const INLINE_WRITE: usize = 64 * 1024;

impl Client {
    /// Connects with default options.
    pub fn connect(socket: impl AsRef<Path>) -> Result<Self, ClientError> {
        Self::connect_with(ConnectOptions::new(socket.as_ref()))
    }

    /// Connects and performs the handshake.
    pub fn connect_with(opts: ConnectOptions) -> Result<Self, ClientError> {
        let not_running = |source| ClientError::NotRunning {
            socket: opts.socket.clone(),
            source,
        };
        let stream = UnixStream::connect(&opts.socket).map_err(not_running)?;
        check_peer(&stream, &opts.socket)?;
        stream.set_read_timeout(opts.timeout).map_err(not_running)?;
        stream
            .set_write_timeout(opts.timeout)
            .map_err(not_running)?;
        let reader = BufReader::new(stream.try_clone().map_err(not_running)?);
        let mut client = Self {
            writer: stream,
            reader,
            welcome: Welcome {
                daemon_version: String::new(),
                protocol_version: 0,
                capabilities: Vec::new(),
                max_frame_len: 0,
            },
            next_id: 1,
            max_frame_len: opts.max_frame_len,
            send_max: opts.max_frame_len,
            timeout: opts.timeout,
            events: VecDeque::new(),
            socket: opts.socket.clone(),
        };
        client.handshake(&opts.client_name)?;
        Ok(client)
    }

    fn handshake(&mut self, name: &str) -> Result<(), ClientError> {
        let hello = ClientMessage::Hello(Hello {
            protocol_version: PROTOCOL_VERSION,
            client_name: name.to_owned(),
            capabilities: vec![capability::KV.into(), capability::PIPELINING.into()],
        });
        frame::write_frame(&mut self.writer, &hello, self.max_frame_len)?;
        match self.read_message()? {
            ServerMessage::Welcome(w) => {
                // Never send what the daemon would refuse: that costs the
                // whole connection, where a local error costs one request.
                self.send_max = self.max_frame_len.min(w.max_frame_len);
                self.welcome = w;
                Ok(())
            }
            ServerMessage::Fatal(e) => Err(ClientError::Refused(e)),
            other => Err(ClientError::Unexpected(format!(
                "{other:?} instead of Welcome"
            ))),
        }
    }

    /// What the daemon announced in the handshake.
    pub fn welcome(&self) -> &Welcome {
        &self.welcome
    }

    /// The socket this client is connected to.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// Changes the bound on each wait for a message (`None` = forever).
    pub fn set_timeout(&mut self, timeout: Option<Duration>) -> Result<(), ClientError> {
        self.timeout = timeout;
        self.writer
            .set_read_timeout(timeout)
            .map_err(|e| ClientError::Frame(e.into()))
    }

    fn read_message(&mut self) -> Result<ServerMessage, ClientError> {
        match frame::read_frame(&mut self.reader, self.max_frame_len) {
            Ok(Some(payload)) => {
                Ok(codec::decode_server(&payload).map_err(frame::FrameError::from)?)
            }
            Ok(None) => Err(ClientError::Closed),
            Err(frame::FrameError::Io(e))
                if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) =>
            {
                Err(ClientError::Timeout(self.timeout.unwrap_or_default()))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Sends one request and waits for its reply; events that arrive
    /// meanwhile are kept for `next_event`.
    pub fn call(&mut self, request: Request) -> Result<Response, ClientError> {
        let mut replies = self.pipeline(vec![request])?;
        match replies.pop() {
            Some(Ok(r)) => Ok(r),
            Some(Err(e)) => Err(ClientError::Server(e)),
            None => Err(ClientError::Unexpected("no reply".into())),
        }
    }

    /// Sends every request before reading any reply (pipelining) and returns
    /// the outcomes in request order. A pipeline larger than the socket's
    /// buffer is written by a second thread while this one reads: the daemon
    /// answers as it reads, and with nobody reading its answers it stops
    /// reading, while we would still be blocked writing.
    pub fn pipeline(
        &mut self,
        requests: Vec<Request>,
    ) -> Result<Vec<Result<Response, ErrorReply>>, ClientError> {
        let first_id = self.next_id;
        let n = requests.len();
        let mut buf = Vec::new();
        for request in requests {
            let msg = ClientMessage::Request {
                id: self.next_id,
                request,
            };
            self.next_id += 1;
            codec::encode_frame_into(&mut buf, &msg, self.send_max)
                .map_err(frame::FrameError::from)?;
        }
        if buf.len() <= INLINE_WRITE {
            std::io::Write::write_all(&mut self.writer, &buf).map_err(frame::FrameError::from)?;
            return self.read_replies(first_id, n);
        }
        let mut writer = self.writer.try_clone().map_err(frame::FrameError::from)?;
        std::thread::scope(|scope| {
            let written = scope.spawn(move || std::io::Write::write_all(&mut writer, &buf));
            let replies = self.read_replies(first_id, n);
            let written = written
                .join()
                .unwrap_or_else(|_| Err(std::io::Error::other("the writing thread panicked")));
            let replies = replies?;
            written.map_err(frame::FrameError::from)?;
            Ok(replies)
        })
    }

    /// Reads the replies to requests `first_id..first_id + n`, in request
    /// order; events that arrive meanwhile are kept for `next_event`.
    fn read_replies(
        &mut self,
        first_id: u64,
        n: usize,
    ) -> Result<Vec<Result<Response, ErrorReply>>, ClientError> {
        let mut out: Vec<Option<Result<Response, ErrorReply>>> = vec![None; n];
        let mut got = 0;
        while got < n {
            match self.read_message()? {
                ServerMessage::Reply { id, result } => {
                    let slot = id
                        .checked_sub(first_id)
                        .and_then(|i| out.get_mut(usize::try_from(i).ok()?))
                        .ok_or_else(|| {
                            ClientError::Unexpected(format!("reply to unknown request {id}"))
                        })?;
                    if slot.replace(result).is_none() {
                        got += 1;
                    }
                }
                ServerMessage::Event(ev) => self.events.push_back(ev),
                ServerMessage::Fatal(e) => return Err(ClientError::Refused(e)),
                ServerMessage::Welcome(_) => {
                    return Err(ClientError::Unexpected("a second Welcome".into()))
                }
            }
        }
        Ok(out.into_iter().flatten().collect())
    }

    /// The next pushed event: a buffered one, or waits for one (bounded by
    /// the timeout; `Ok(None)` when it runs out).
    pub fn next_event(&mut self) -> Result<Option<EventFrame>, ClientError> {
        if let Some(ev) = self.events.pop_front() {
            return Ok(Some(ev));
        }
        match self.read_message() {
            Ok(ServerMessage::Event(ev)) => Ok(Some(ev)),
            Ok(ServerMessage::Fatal(e)) => Err(ClientError::Refused(e)),
            Ok(other) => Err(ClientError::Unexpected(format!(
                "{other:?} while waiting for events"
            ))),
            Err(ClientError::Timeout(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
