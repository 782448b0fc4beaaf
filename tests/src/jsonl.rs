//! A JSON Lines connection for tests: send a line, read a line, with the
//! same deadlines as everything else. Deliberately naive (no id matching):
//! tests say what they expect line by line.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;

use serde_json::Value;

use crate::harness::DEADLINE;

/// A socket speaking JSON Lines.
pub struct JsonConn {
    writer: UnixStream,
    reader: BufReader<UnixStream>,
}

impl JsonConn {
    /// Connects without a handshake.
    pub fn connect(socket: &Path) -> Self {
        let stream = UnixStream::connect(socket).expect("connect");
        stream.set_read_timeout(Some(DEADLINE)).expect("timeout");
        let reader = BufReader::new(stream.try_clone().expect("clone"));
        Self {
            writer: stream,
            reader,
        }
    }

    /// Connects and says hello with `bytes` (`base64` or `text`); returns the welcome.
    pub fn handshaken(socket: &Path, bytes: &str) -> (Self, Value) {
        let mut c = Self::connect(socket);
        c.send(&format!(
            r#"{{"hello":{{"version":1,"client":"test","bytes":"{bytes}"}}}}"#
        ));
        let welcome = c.read().expect("welcome");
        assert!(welcome.get("welcome").is_some(), "not a welcome: {welcome}");
        (c, welcome)
    }

    /// The socket, for writing from another thread.
    pub fn stream(&self) -> &UnixStream {
        &self.writer
    }

    /// Writes `line` and a newline.
    pub fn send(&mut self, line: &str) {
        self.send_raw(format!("{line}\n").as_bytes());
    }

    /// Writes bytes as they are.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).expect("write");
    }

    /// The next line as text; `None` on EOF.
    pub fn read_line(&mut self) -> Option<String> {
        let mut line = String::new();
        match self.reader.read_line(&mut line) {
            Ok(0) => None,
            Ok(_) => Some(line.trim_end_matches('\n').to_owned()),
            Err(e) => panic!("reading a JSON line failed: {e}"),
        }
    }

    /// The next line as JSON; `None` on EOF.
    pub fn read(&mut self) -> Option<Value> {
        let line = self.read_line()?;
        Some(serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
    }

    /// Sends request `id` and returns its answer line (`reply` or `error`),
    /// skipping pushed events.
    pub fn call(&mut self, id: u64, request: &str) -> Value {
        self.send(&format!(r#"{{"id":{id},"request":{request}}}"#));
        loop {
            let v = self.read().expect("an answer before EOF");
            if v.get("event").is_none() {
                assert_eq!(v["id"], id, "answer to another request: {v}");
                return v;
            }
        }
    }
}
