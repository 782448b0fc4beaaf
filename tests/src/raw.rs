//! A deliberately low-level connection for tests that send what a real
//! client never would: garbage, oversized headers, other protocol versions.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

use trackcache_protocol::{
    codec, frame, ClientMessage, Hello, Request, ServerMessage, DEFAULT_MAX_FRAME_LEN,
    PROTOCOL_VERSION,
};

/// A raw socket to the daemon.
pub struct Raw {
    /// The stream.
    pub stream: UnixStream,
}

impl Raw {
    /// Connects without any handshake.
    pub fn connect(socket: &Path) -> Self {
        let stream = UnixStream::connect(socket).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        Self { stream }
    }

    /// Connects and completes a handshake with the current version.
    pub fn handshaken(socket: &Path) -> Self {
        let mut raw = Self::connect(socket);
        raw.hello(PROTOCOL_VERSION);
        match raw.read() {
            Some(ServerMessage::Welcome(_)) => raw,
            other => panic!("expected Welcome, got {other:?}"),
        }
    }

    /// Sends a `Hello` claiming `version`.
    pub fn hello(&mut self, version: u32) {
        let hello = ClientMessage::Hello(Hello {
            protocol_version: version,
            client_name: "raw-test".into(),
            capabilities: vec![],
        });
        self.send(&codec::encode_frame(&hello, DEFAULT_MAX_FRAME_LEN).expect("encode"));
    }

    /// Sends a request with `id`.
    pub fn request(&mut self, id: u64, request: Request) {
        let msg = ClientMessage::Request { id, request };
        self.send(&codec::encode_frame(&msg, DEFAULT_MAX_FRAME_LEN).expect("encode"));
    }

    /// Writes raw bytes.
    pub fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("write");
    }

    /// Reads one message; `None` on EOF.
    pub fn read(&mut self) -> Option<ServerMessage> {
        let payload =
            frame::read_frame(&mut self.stream, DEFAULT_MAX_FRAME_LEN).expect("read frame")?;
        Some(codec::decode_server(&payload).expect("decode"))
    }

    /// True once the daemon has closed its side (reads EOF).
    pub fn is_closed(&mut self) -> bool {
        let mut buf = [0u8; 1];
        matches!(self.stream.read(&mut buf), Ok(0))
    }
}
