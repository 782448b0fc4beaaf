//! The frame codec, and the only module in the project that names bincode.
//!
//! A frame is a `u32` big-endian payload length followed by the payload, a
//! bincode 1.3 encoding of a `ClientMessage` or `ServerMessage` with these
//! options: fixed-width little-endian integers, `u64` lengths, `u32` enum
//! variant indices, no trailing bytes (see `PROTOCOL.md`). Keeping every use
//! of bincode here means that swapping it (it is unmaintained, RUSTSEC-2025-0141)
//! touches one file plus the version number.

use bincode::Options;
use serde::{de::DeserializeOwned, Serialize};

use crate::{ClientMessage, ServerMessage};

mod hot;

pub use hot::{decode_hot, HotRequest};

/// Length of the frame header (the big-endian `u32` payload length).
pub const FRAME_HEADER_LEN: usize = 4;

/// Why a message could not be encoded or decoded.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// The payload is (or would be) longer than the allowed maximum.
    #[error("frame payload of {len} bytes is over the maximum of {max} bytes")]
    TooLarge {
        /// Declared or produced payload length.
        len: u64,
        /// The maximum in force.
        max: u32,
    },
    /// Serialization failed (a bug, or a value serde cannot express).
    #[error("could not encode message: {0}")]
    Encode(String),
    /// The payload is not a valid message of the expected kind.
    #[error("could not decode frame payload: {0}")]
    Decode(String),
}

/// The one place that spells out the bincode configuration. `limit` bounds
/// every length bincode reads or writes, so a payload that declares a 4 GiB
/// string inside a 20-byte frame is refused before anything is allocated.
fn options(limit: u64) -> impl Options {
    bincode::DefaultOptions::new()
        .with_fixint_encoding()
        .with_little_endian()
        .reject_trailing_bytes()
        .with_limit(limit)
}

/// Checks a declared payload length against the maximum, before anything is
/// allocated for it.
pub fn check_frame_len(len: u32, max_frame_len: u32) -> Result<usize, CodecError> {
    if len > max_frame_len {
        return Err(CodecError::TooLarge {
            len: u64::from(len),
            max: max_frame_len,
        });
    }
    Ok(len as usize)
}

/// Reads the payload length out of a frame header.
pub fn frame_len(header: [u8; FRAME_HEADER_LEN]) -> u32 {
    u32::from_be_bytes(header)
}

/// Appends one frame (header and payload) holding `msg` to `buf`. On error
/// `buf` is left as it was.
pub fn encode_frame_into<T: Serialize>(
    buf: &mut Vec<u8>,
    msg: &T,
    max_frame_len: u32,
) -> Result<(), CodecError> {
    let start = buf.len();
    buf.extend_from_slice(&[0; FRAME_HEADER_LEN]);
    if let Err(e) = options(u64::from(max_frame_len)).serialize_into(&mut *buf, msg) {
        buf.truncate(start);
        return Err(match *e {
            bincode::ErrorKind::SizeLimit => CodecError::TooLarge {
                len: options(u64::MAX).serialized_size(msg).unwrap_or(u64::MAX),
                max: max_frame_len,
            },
            other => CodecError::Encode(other.to_string()),
        });
    }
    // The size limit above guarantees the payload fits in the u32 header.
    let len = (buf.len() - start - FRAME_HEADER_LEN) as u32;
    buf[start..start + FRAME_HEADER_LEN].copy_from_slice(&len.to_be_bytes());
    Ok(())
}

/// The length of `msg`'s payload in this encoding, without encoding it.
pub fn encoded_len<T: Serialize>(msg: &T) -> u64 {
    options(u64::MAX).serialized_size(msg).unwrap_or(u64::MAX)
}

/// Encodes one message into a new frame buffer.
pub fn encode_frame<T: Serialize>(msg: &T, max_frame_len: u32) -> Result<Vec<u8>, CodecError> {
    let mut buf = Vec::with_capacity(64);
    encode_frame_into(&mut buf, msg, max_frame_len)?;
    Ok(buf)
}

fn decode<T: DeserializeOwned>(payload: &[u8]) -> Result<T, CodecError> {
    options(payload.len() as u64)
        .deserialize(payload)
        .map_err(|e| CodecError::Decode(e.to_string()))
}

/// Decodes a frame payload sent by a client.
pub fn decode_client(payload: &[u8]) -> Result<ClientMessage, CodecError> {
    decode(payload)
}

/// Decodes a frame payload sent by the daemon.
pub fn decode_server(payload: &[u8]) -> Result<ServerMessage, CodecError> {
    decode(payload)
}

/// The protocol version of a `Hello` payload that may not decode in full
/// (a client of another version may have added fields). The first 8 bytes of
/// a `Hello` are frozen: variant index 0 and the version, both little-endian.
pub fn peek_hello_version(payload: &[u8]) -> Option<u32> {
    let tag = u32::from_le_bytes(payload.get(0..4)?.try_into().ok()?);
    let version = u32::from_le_bytes(payload.get(4..8)?.try_into().ok()?);
    (tag == 0).then_some(version)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ErrorCode, ErrorReply, Hello, KvLookup, KvSet, Request, Response};

    fn hello() -> ClientMessage {
        ClientMessage::Hello(Hello {
            protocol_version: 7,
            client_name: "t".into(),
            capabilities: vec!["kv".into()],
        })
    }

    fn payload(frame: &[u8]) -> &[u8] {
        &frame[FRAME_HEADER_LEN..]
    }

    #[test]
    fn client_messages_round_trip() {
        let msgs = [
            hello(),
            ClientMessage::Request {
                id: 42,
                request: Request::KvSet(KvSet {
                    namespace: "ns".into(),
                    key: "k".into(),
                    value: vec![0, 1, 2, 255],
                    ttl_ms: Some(5),
                    negative: false,
                    tags: vec!["artist:x".into()],
                }),
            },
        ];
        for msg in msgs {
            let frame = encode_frame(&msg, 1024).unwrap();
            let len = frame_len(frame[..4].try_into().unwrap());
            assert_eq!(len as usize, frame.len() - 4);
            assert_eq!(decode_client(payload(&frame)).unwrap(), msg);
        }
    }

    #[test]
    fn server_messages_round_trip() {
        let msg = ServerMessage::Reply {
            id: 9,
            result: Ok(Response::KvValue(KvLookup::Hit {
                value: b"abc".to_vec(),
                expires_in_ms: None,
            })),
        };
        let frame = encode_frame(&msg, 1024).unwrap();
        assert_eq!(decode_server(payload(&frame)).unwrap(), msg);
    }

    #[test]
    fn hello_layout_is_frozen() {
        let frame = encode_frame(&hello(), 1024).unwrap();
        // variant 0, then protocol_version 7, little-endian.
        assert_eq!(&payload(&frame)[..8], &[0, 0, 0, 0, 7, 0, 0, 0]);
        assert_eq!(peek_hello_version(payload(&frame)), Some(7));
        assert_eq!(peek_hello_version(&[1, 0, 0, 0, 7, 0, 0, 0]), None);
        assert_eq!(peek_hello_version(&[0, 0]), None);
    }

    #[test]
    fn fatal_layout_is_frozen() {
        let msg = ServerMessage::Fatal(ErrorReply::new(ErrorCode::VERSION_MISMATCH, "x"));
        let frame = encode_frame(&msg, 1024).unwrap();
        // variant 1, code u16 6, string length u64 1, "x".
        assert_eq!(
            payload(&frame),
            &[1, 0, 0, 0, 6, 0, 1, 0, 0, 0, 0, 0, 0, 0, b'x']
        );
    }

    #[test]
    fn ping_example_bytes() {
        // The example in PROTOCOL.md.
        let req = ClientMessage::Request {
            id: 1,
            request: Request::Ping,
        };
        let mut want = vec![0, 0, 0, 16, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0];
        want.extend_from_slice(&[0, 0, 0, 0]);
        assert_eq!(encode_frame(&req, 1024).unwrap(), want);
        let reply = ServerMessage::Reply {
            id: 1,
            result: Ok(Response::Pong),
        };
        let mut want = vec![0, 0, 0, 20, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0];
        want.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(encode_frame(&reply, 1024).unwrap(), want);
    }

    #[test]
    fn oversized_messages_are_refused_when_encoding() {
        let msg = ClientMessage::Request {
            id: 1,
            request: Request::KvSet(KvSet {
                namespace: "ns".into(),
                key: "k".into(),
                value: vec![7; 100],
                ttl_ms: None,
                negative: false,
                tags: Vec::new(),
            }),
        };
        let mut buf = vec![1, 2, 3];
        let err = encode_frame_into(&mut buf, &msg, 50).unwrap_err();
        assert!(matches!(err, CodecError::TooLarge { max: 50, len } if len > 100));
        assert_eq!(buf, vec![1, 2, 3], "buffer untouched on error");
    }

    #[test]
    fn declared_lengths_are_checked_before_allocation() {
        assert!(check_frame_len(10, 10).is_ok());
        assert!(matches!(
            check_frame_len(11, 10),
            Err(CodecError::TooLarge { len: 11, max: 10 })
        ));
        // A KvGet whose namespace claims 2^62 bytes inside a tiny payload.
        let mut evil = vec![1, 0, 0, 0]; // ClientMessage::Request
        evil.extend_from_slice(&5u64.to_le_bytes()); // id
        evil.extend_from_slice(&3u32.to_le_bytes()); // Request::KvGet
        evil.extend_from_slice(&(1u64 << 62).to_le_bytes()); // namespace length
        assert!(matches!(decode_client(&evil), Err(CodecError::Decode(_))));
    }

    #[test]
    fn garbage_and_trailing_bytes_are_refused() {
        assert!(decode_client(&[0xff; 16]).is_err());
        assert!(decode_client(&[]).is_err());
        let mut frame = encode_frame(&hello(), 1024).unwrap();
        frame.push(0);
        assert!(decode_client(payload(&frame)).is_err());
    }

    #[test]
    fn unknown_request_variant_is_a_decode_error() {
        let mut p = vec![1, 0, 0, 0];
        p.extend_from_slice(&1u64.to_le_bytes());
        p.extend_from_slice(&9999u32.to_le_bytes());
        assert!(matches!(decode_client(&p), Err(CodecError::Decode(_))));
    }
}
