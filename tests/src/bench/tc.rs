//! The trackcache wire for the benchmark: KvGet / KvSet frames, replies
//! parsed with the protocol crate's codec (as any Rust client would).

use std::io;

use trackcache_protocol::{
    codec, ClientMessage, KvSet, Request, ServerMessage, DEFAULT_MAX_FRAME_LEN,
};

use super::Wire;

/// trackcache client wire for one namespace.
pub struct Tc {
    namespace: String,
    next_id: u64,
}

impl Tc {
    /// Requests go to `namespace`.
    pub fn new(namespace: &str) -> Self {
        Self {
            namespace: namespace.to_owned(),
            next_id: 1,
        }
    }

    fn push(&mut self, out: &mut Vec<u8>, request: Request) {
        let msg = ClientMessage::Request {
            id: self.next_id,
            request,
        };
        self.next_id += 1;
        // Benchmark requests are far below the frame limit.
        if let Err(e) = codec::encode_frame_into(out, &msg, DEFAULT_MAX_FRAME_LEN) {
            unreachable!("benchmark frame does not encode: {e}");
        }
    }
}

impl Wire for Tc {
    fn get(&mut self, out: &mut Vec<u8>, key: &[u8]) {
        let req = Request::KvGet {
            namespace: self.namespace.clone(),
            key: String::from_utf8_lossy(key).into_owned(),
        };
        self.push(out, req);
    }

    fn set(&mut self, out: &mut Vec<u8>, key: &[u8], value: &[u8]) {
        let req = Request::KvSet(KvSet {
            namespace: self.namespace.clone(),
            key: String::from_utf8_lossy(key).into_owned(),
            value: value.to_vec(),
            ttl_ms: None,
            negative: false,
            tags: Vec::new(),
        });
        self.push(out, req);
    }

    fn parse(&mut self, buf: &[u8]) -> io::Result<Option<usize>> {
        let Some(header) = buf.get(..codec::FRAME_HEADER_LEN) else {
            return Ok(None);
        };
        let len = codec::frame_len([header[0], header[1], header[2], header[3]]) as usize;
        let total = codec::FRAME_HEADER_LEN + len;
        if buf.len() < total {
            return Ok(None);
        }
        match codec::decode_server(&buf[codec::FRAME_HEADER_LEN..total]) {
            Ok(ServerMessage::Reply { result: Ok(_), .. }) => Ok(Some(total)),
            Ok(ServerMessage::Reply { result: Err(e), .. }) | Ok(ServerMessage::Fatal(e)) => {
                Err(io::Error::other(e.to_string()))
            }
            Ok(other) => Err(io::Error::other(format!("unexpected {other:?}"))),
            Err(e) => Err(io::Error::other(e.to_string())),
        }
    }
}
