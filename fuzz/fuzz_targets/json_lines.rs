//! The JSON Lines side of the socket (a client whose first byte is `{`):
//! each line of the input through `json::decode_client_line`, in the mode
//! the first byte picks. Properties: nothing panics; every request or hello
//! it accepts is one the bincode side can carry too (it encodes and
//! decodes back to itself), so the two encodings cannot drift apart.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trackcache_protocol::json::{decode_client_line, peek_hello_version, BytesMode, ClientLine};
use trackcache_protocol::{decode_client, encode_frame, ClientMessage};

fuzz_target!(|data: &[u8]| {
    let Some((&knob, input)) = data.split_first() else {
        return;
    };
    let mode = if knob & 1 == 0 {
        BytesMode::Base64
    } else {
        BytesMode::Text
    };
    for line in input.split(|&b| b == b'\n') {
        let _ = peek_hello_version(line);
        let msg = match decode_client_line(line, mode) {
            Ok(ClientLine::Hello(hello)) => ClientMessage::Hello(hello.to_hello()),
            Ok(ClientLine::Request { id, request }) => ClientMessage::Request { id, request },
            Err(_) => continue,
        };
        let frame = encode_frame(&msg, u32::MAX).expect("an accepted message encodes");
        let back = decode_client(&frame[4..]).expect("and decodes");
        assert_eq!(back, msg);
    }
});
