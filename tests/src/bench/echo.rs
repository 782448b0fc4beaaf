//! The floor: a bare echo server on a Unix socket, in a thread of its own,
//! and the wire that talks to it (fixed 16-byte messages).

use std::io::{self, Read, Write};
use std::os::unix::net::UnixListener;
use std::path::Path;

use super::Wire;

/// Message size of the echo round trip.
pub const MSG: usize = 16;

/// Starts a thread-per-connection echo server on `path`.
pub fn serve(path: &Path) -> io::Result<()> {
    let listener = UnixListener::bind(path)?;
    std::thread::spawn(move || {
        for conn in listener.incoming().map_while(Result::ok) {
            std::thread::spawn(move || {
                let mut conn = conn;
                let mut buf = [0u8; 64 * 1024];
                while let Ok(n) = conn.read(&mut buf) {
                    if n == 0 || conn.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            });
        }
    });
    Ok(())
}

/// Echo client wire: every request and reply is `MSG` bytes.
#[derive(Default)]
pub struct Echo;

impl Wire for Echo {
    fn get(&mut self, out: &mut Vec<u8>, _key: &[u8]) {
        out.extend_from_slice(&[b'g'; MSG]);
    }

    fn set(&mut self, out: &mut Vec<u8>, _key: &[u8], _value: &[u8]) {
        out.extend_from_slice(&[b's'; MSG]);
    }

    fn parse(&mut self, buf: &[u8]) -> io::Result<Option<usize>> {
        Ok((buf.len() >= MSG).then_some(MSG))
    }
}
