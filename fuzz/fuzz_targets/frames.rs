//! The bytes a client sends, as the daemon reads them: frames cut by the
//! same length-delimited codec and maximum the daemon configures, each
//! decoded by the hot path (`decode_hot`) and the full decoder
//! (`decode_client`). Properties: nothing panics or allocates beyond the
//! frame; the hot path agrees with the full decoder whenever it answers;
//! a message that decodes encodes back to the same bytes.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use tokio_util::codec::{Decoder, LengthDelimitedCodec};
use trackcache_protocol::codec::{peek_hello_version, FRAME_HEADER_LEN};
use trackcache_protocol::{
    decode_client, decode_hot, decode_server, encode_frame, ClientMessage, HotRequest, Request,
};

/// Small, so that declared lengths over it are common.
const MAX_FRAME: usize = 64 << 10;

fuzz_target!(|data: &[u8]| {
    let mut codec = LengthDelimitedCodec::builder()
        .length_field_length(FRAME_HEADER_LEN)
        .big_endian()
        .max_frame_length(MAX_FRAME)
        .new_codec();
    let mut buf = BytesMut::from(data);
    // The daemon closes the connection at the first error, as here.
    while let Ok(Some(frame)) = codec.decode(&mut buf) {
        check(&frame);
    }
});

fn check(frame: &[u8]) {
    let _ = peek_hello_version(frame);
    let _ = decode_server(frame);
    let full = decode_client(frame);
    if let Some((id, hot)) = decode_hot(frame) {
        let Ok(ClientMessage::Request {
            id: full_id,
            request,
        }) = &full
        else {
            panic!("decode_hot answered {hot:?} where decode_client gave {full:?}");
        };
        assert_eq!(id, *full_id);
        match (&hot, request) {
            (
                HotRequest::KvGet { namespace, key },
                Request::KvGet {
                    namespace: n,
                    key: k,
                },
            ) => {
                assert_eq!((*namespace, *key), (n.as_str(), k.as_str()));
            }
            (HotRequest::KvSet(set), Request::KvSet(s)) => {
                assert_eq!(
                    (set.namespace, set.key, set.value, set.ttl_ms, set.negative),
                    (
                        s.namespace.as_str(),
                        s.key.as_str(),
                        &s.value[..],
                        s.ttl_ms,
                        s.negative
                    )
                );
                assert_eq!(set.tags.len(), s.tags.len());
            }
            _ => panic!("decode_hot answered {hot:?} for {request:?}"),
        }
    }
    if let Ok(msg) = full {
        let again = encode_frame(&msg, u32::MAX).expect("a decoded message encodes");
        assert_eq!(
            &again[FRAME_HEADER_LEN..],
            frame,
            "{msg:?} does not encode back"
        );
    }
}
