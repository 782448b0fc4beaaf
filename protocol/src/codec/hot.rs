//! The requests a daemon answers most often, `KvGet` and `KvSet`, decoded
//! borrowing their names and value from the frame: no allocation before the
//! cache is reached. Anything else (and anything malformed) is left to
//! `decode_client`, which owns the error messages.
//!
//! This reads the same bytes as `decode_client`: the `ClientMessage::Request`
//! and `Request` variant indices are frozen (variants are append-only, see
//! PROTOCOL.md), and the fields after them are decoded by serde with the same
//! bincode options. `tests` checks both decoders agree.

use bincode::Options;
use serde::Deserialize;

use super::options;
use crate::KvSetRef;

/// `ClientMessage::Request`'s variant index.
const CLIENT_REQUEST: u32 = 1;
/// `Request::KvGet`'s variant index.
const KV_GET: u32 = 3;
/// `Request::KvSet`'s variant index.
const KV_SET: u32 = 4;
/// Message variant, request id, request variant.
const HEAD_LEN: usize = 4 + 8 + 4;

/// A hot request, borrowed from its frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HotRequest<'a> {
    /// `Request::KvGet`.
    KvGet {
        /// Namespace.
        namespace: &'a str,
        /// Key.
        key: &'a str,
    },
    /// `Request::KvSet`.
    KvSet(KvSetRef<'a>),
}

#[derive(Deserialize)]
struct KvGetRef<'a> {
    namespace: &'a str,
    key: &'a str,
}

/// `Some((id, request))` when `payload` is a whole, valid `KvGet` or `KvSet`
/// request; `None` otherwise, for `decode_client` to handle.
pub fn decode_hot(payload: &[u8]) -> Option<(u64, HotRequest<'_>)> {
    let head = payload.get(..HEAD_LEN)?;
    let word = |at: usize| u32::from_le_bytes([head[at], head[at + 1], head[at + 2], head[at + 3]]);
    if word(0) != CLIENT_REQUEST {
        return None;
    }
    let id = u64::from_le_bytes(head[4..12].try_into().ok()?);
    let rest = &payload[HEAD_LEN..];
    let request = match word(12) {
        KV_GET => {
            let r: KvGetRef<'_> = options(rest.len() as u64).deserialize(rest).ok()?;
            HotRequest::KvGet {
                namespace: r.namespace,
                key: r.key,
            }
        }
        KV_SET => HotRequest::KvSet(options(rest.len() as u64).deserialize(rest).ok()?),
        _ => return None,
    };
    Some((id, request))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{decode_client, encode_frame, FRAME_HEADER_LEN};
    use crate::{ClientMessage, Hello, KvSet, Request};

    fn frame(request: Request) -> Vec<u8> {
        let msg = ClientMessage::Request { id: 77, request };
        encode_frame(&msg, u32::MAX).unwrap()[FRAME_HEADER_LEN..].to_vec()
    }

    fn sets() -> Vec<KvSet> {
        let base = KvSet {
            namespace: "ns".into(),
            key: "clé".into(),
            value: vec![0, 1, 2, 255],
            ttl_ms: None,
            negative: false,
            tags: Vec::new(),
        };
        vec![
            base.clone(),
            KvSet {
                ttl_ms: Some(1500),
                tags: vec!["artist:björk".into(), "track:1".into()],
                ..base.clone()
            },
            KvSet {
                value: Vec::new(),
                negative: true,
                ttl_ms: Some(0),
                ..base
            },
        ]
    }

    /// Both decoders read the same bytes the same way: if a variant were
    /// inserted before `KvSet`, or a field reordered, this fails.
    #[test]
    fn hot_requests_decode_as_decode_client_does() {
        let get = Request::KvGet {
            namespace: "bench".into(),
            key: "k:000042".into(),
        };
        let payload = frame(get.clone());
        assert!(matches!(
            decode_client(&payload).unwrap(),
            ClientMessage::Request { id: 77, request } if request == get
        ));
        assert_eq!(
            decode_hot(&payload),
            Some((
                77,
                HotRequest::KvGet {
                    namespace: "bench",
                    key: "k:000042"
                }
            ))
        );
        for set in sets() {
            let payload = frame(Request::KvSet(set.clone()));
            let Some((77, HotRequest::KvSet(hot))) = decode_hot(&payload) else {
                panic!("{set:?} not decoded hot");
            };
            assert_eq!(hot, set.as_ref());
        }
    }

    #[test]
    fn everything_else_is_left_to_decode_client() {
        let others = [
            Request::Ping,
            Request::Stats,
            Request::KvDelete {
                namespace: "ns".into(),
                key: "k".into(),
            },
            Request::TrackCount,
        ];
        for r in others {
            assert_eq!(decode_hot(&frame(r.clone())), None, "{r:?}");
        }
        let hello = ClientMessage::Hello(Hello {
            protocol_version: 1,
            client_name: "t".into(),
            capabilities: Vec::new(),
        });
        let payload = encode_frame(&hello, u32::MAX).unwrap();
        assert_eq!(decode_hot(&payload[FRAME_HEADER_LEN..]), None);
    }

    /// Damage of any kind is not decoded hot, so `decode_client` reports it.
    #[test]
    fn malformed_hot_requests_are_not_decoded() {
        let payload = frame(Request::KvSet(sets()[1].clone()));
        for cut in 0..payload.len() {
            assert_eq!(decode_hot(&payload[..cut]), None, "cut at {cut}");
        }
        let mut trailing = payload.clone();
        trailing.push(0);
        assert_eq!(decode_hot(&trailing), None, "trailing bytes");
        let get = frame(Request::KvGet {
            namespace: "ns".into(),
            key: "k".into(),
        });
        let mut bad_utf8 = get.clone();
        let last = bad_utf8.len() - 1;
        bad_utf8[last] = 0xff;
        assert_eq!(decode_hot(&bad_utf8), None, "invalid UTF-8");
        assert!(decode_client(&bad_utf8).is_err());
        let mut huge_len = get;
        huge_len[HEAD_LEN..HEAD_LEN + 8].copy_from_slice(&u64::MAX.to_le_bytes());
        assert_eq!(decode_hot(&huge_len), None, "declared length past the end");
    }
}
