//! End-to-end: hostile bytes on the socket against the running daemon
//! (issue 14's bad-input suite, the protocol side): random bytes before and
//! after the handshake, allocation bombs (huge lengths inside small
//! frames), zero-length frames, frames at and over the maximum. Each
//! connection is closed with an error or at the end of its bytes, and a
//! bystander client on another connection is served throughout; the
//! daemon's memory does not follow the lengths the frames claim.
#![allow(clippy::unwrap_used, missing_docs)]

use std::io::Read;
use std::net::Shutdown;

use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use trackcache_protocol::{codec, ErrorCode, ServerMessage, PROTOCOL_VERSION};
use trackcache_tests::bystander::{rss_kib, Bystander};
use trackcache_tests::harness::Env;
use trackcache_tests::raw::Raw;

const MAX_FRAME: u32 = 65_536;

fn env() -> Env {
    Env::new(&format!("max_frame_bytes = {MAX_FRAME}\n"))
}

/// Sends `bytes`, closes the writing side, and reads until the daemon
/// closes the connection; the `Fatal` it sent first, if any.
fn send_and_close(raw: &mut Raw, bytes: &[u8]) -> Option<(ErrorCode, String)> {
    match ending(raw, bytes) {
        Ending::Fatal(code, message) => Some((code, message)),
        Ending::Closed => None,
        Ending::JsonFatal(line) => panic!("a JSON answer to bincode: {line}"),
    }
}

/// How the daemon ended a connection.
enum Ending {
    /// With a bincode `Fatal`.
    Fatal(ErrorCode, String),
    /// With a JSON Lines `fatal` (the bytes started with `{`).
    JsonFatal(String),
    /// With no message: the client's bytes ended inside a frame or line.
    Closed,
}

/// Sends `bytes`, closes the writing side, and reads until the daemon
/// closes the connection, which it must.
fn ending(raw: &mut Raw, bytes: &[u8]) -> Ending {
    raw.send(bytes);
    raw.stream.shutdown(Shutdown::Write).unwrap();
    let mut rest = Vec::new();
    raw.stream
        .read_to_end(&mut rest)
        .unwrap_or_else(|e| panic!("the daemon did not close the connection: {e}"));
    if rest.first() == Some(&b'{') {
        let text = String::from_utf8(rest).expect("JSON Lines are UTF-8");
        let last = text.lines().last().unwrap_or_default();
        let v: serde_json::Value = serde_json::from_str(last).expect("a JSON line");
        assert!(v.get("fatal").is_some(), "{last}");
        return Ending::JsonFatal(last.to_owned());
    }
    // Whatever came is whole frames; the last one may be a Fatal.
    let mut fatal = None;
    let mut at = 0;
    while rest.len() >= at + 4 {
        let len = u32::from_be_bytes(rest[at..at + 4].try_into().unwrap()) as usize;
        let payload = &rest[at + 4..at + 4 + len];
        if let Ok(ServerMessage::Fatal(e)) = codec::decode_server(payload) {
            fatal = Some((e.code, e.message));
        }
        at += 4 + len;
    }
    assert_eq!(at, rest.len(), "a partial frame from the daemon");
    match fatal {
        Some((code, message)) => Ending::Fatal(code, message),
        None => Ending::Closed,
    }
}

#[test]
fn random_bytes_before_and_after_the_handshake_close_only_their_connection() {
    let env = env();
    let d = env.start();
    let bystander = Bystander::start(&env.socket);
    let mut rng = ChaCha8Rng::seed_from_u64(14);
    let (mut fatal, mut closed) = (0, 0);
    for round in 0..400 {
        let mut bytes = vec![0u8; rng.random_range(1..512)];
        rng.fill_bytes(&mut bytes);
        // Half the time a length the daemon accepts, so that the random
        // payload reaches the decoder rather than the size check.
        if round % 2 == 0 && bytes.len() > 4 {
            let len = rng.random_range(0..bytes.len() as u32);
            bytes[..4].copy_from_slice(&len.to_be_bytes());
        }
        let mut raw = if round < 200 {
            Raw::connect(&env.socket)
        } else {
            Raw::handshaken(&env.socket)
        };
        match ending(&mut raw, &bytes) {
            Ending::Fatal(..) | Ending::JsonFatal(_) => fatal += 1,
            Ending::Closed => closed += 1,
        }
        if round % 50 == 49 {
            bystander.still_served(10);
        }
    }
    eprintln!("400 rounds: {fatal} answered with a fatal error, {closed} closed at their end");
    assert!(fatal > 200, "{fatal}");
    assert!(bystander.finish() > 0);
    assert!(!d.log_text().contains("panicked"), "{}", d.log_text());
}

/// A frame holding `payload`.
fn frame(payload: &[u8]) -> Vec<u8> {
    [&(payload.len() as u32).to_be_bytes()[..], payload].concat()
}

/// Payloads of a few dozen bytes that declare strings, byte strings and
/// vectors of up to 2^62 elements.
fn bombs() -> Vec<(bool, Vec<u8>)> {
    let huge = |n: u64| n.to_le_bytes().to_vec();
    let mut hello_name = vec![0, 0, 0, 0];
    hello_name.extend(PROTOCOL_VERSION.to_le_bytes());
    hello_name.extend(huge(1 << 62));
    hello_name.extend(b"abc");
    let mut hello_caps = vec![0, 0, 0, 0];
    hello_caps.extend(PROTOCOL_VERSION.to_le_bytes());
    hello_caps.extend(huge(1));
    hello_caps.push(b'x');
    hello_caps.extend(huge(1 << 40));
    // ClientMessage::Request (1), id, Request::KvSet (4), then the fields.
    let kv_set = |rest: &[u8]| [&[1, 0, 0, 0][..], &huge(7), &[4, 0, 0, 0], rest].concat();
    let ns = [huge(2), b"ns".to_vec()].concat();
    vec![
        (false, hello_name),
        (false, hello_caps),
        (true, kv_set(&huge(1 << 62))),
        (
            true,
            kv_set(&[ns.clone(), huge(1), b"k".to_vec(), huge(1 << 50)].concat()),
        ),
        (
            true,
            kv_set(
                &[
                    ns,
                    huge(1),
                    b"k".to_vec(),
                    huge(0),
                    vec![0, 0],
                    huge(1 << 40),
                ]
                .concat(),
            ),
        ),
    ]
}

#[test]
fn allocation_bombs_are_refused_without_allocating() {
    let env = env();
    let d = env.start();
    let bystander = Bystander::start(&env.socket);
    let pid = env.client().status().unwrap().pid;
    let before = rss_kib(pid).unwrap();
    for round in 0..200 {
        for (after_hello, payload) in bombs() {
            let mut raw = if after_hello {
                Raw::handshaken(&env.socket)
            } else {
                Raw::connect(&env.socket)
            };
            let (code, msg) = send_and_close(&mut raw, &frame(&payload))
                .unwrap_or_else(|| panic!("round {round}: no fatal error for a bomb"));
            assert_eq!(code, ErrorCode::MALFORMED_FRAME, "{msg}");
        }
    }
    let after = rss_kib(pid).unwrap();
    eprintln!("1,000 bombs: RSS {before} -> {after} KiB");
    assert!(after < before + 64 * 1024, "RSS {before} -> {after} KiB");
    bystander.still_served(10);
    assert!(bystander.finish() > 0);
    assert!(!d.log_text().contains("panicked"));
}

#[test]
fn zero_length_frames_and_frames_at_and_over_the_maximum() {
    let env = env();
    let _d = env.start();
    let bystander = Bystander::start(&env.socket);
    // An empty frame is no message, before or after the handshake.
    let (code, _) = send_and_close(&mut Raw::connect(&env.socket), &frame(&[])).unwrap();
    assert_eq!(code, ErrorCode::MALFORMED_FRAME);
    let (code, _) = send_and_close(&mut Raw::handshaken(&env.socket), &frame(&[])).unwrap();
    assert_eq!(code, ErrorCode::MALFORMED_FRAME);
    // One byte over the maximum is refused by its header alone.
    let (code, msg) = send_and_close(
        &mut Raw::handshaken(&env.socket),
        &(MAX_FRAME + 1).to_be_bytes(),
    )
    .unwrap();
    assert_eq!(code, ErrorCode::TOO_LARGE);
    assert!(msg.contains(&MAX_FRAME.to_string()), "{msg}");
    // Exactly the maximum is read, and refused for what it holds.
    let garbage = vec![0xEE; MAX_FRAME as usize];
    let (code, _) = send_and_close(&mut Raw::handshaken(&env.socket), &frame(&garbage)).unwrap();
    assert_eq!(code, ErrorCode::MALFORMED_FRAME);
    // A frame cut off by the client's end: closed, nothing to answer.
    let cut = &frame(&garbage)[..1000];
    assert_eq!(send_and_close(&mut Raw::handshaken(&env.socket), cut), None);
    bystander.still_served(10);
    assert!(bystander.finish() > 0);
}

#[test]
fn random_json_lines_close_only_their_connection() {
    // The first byte `{` chooses JSON Lines: the same attack on that side.
    let env = env();
    let d = env.start();
    let bystander = Bystander::start(&env.socket);
    let mut rng = ChaCha8Rng::seed_from_u64(15);
    let (mut fatal, mut closed) = (0, 0);
    for round in 0..300 {
        let mut bytes = vec![0u8; rng.random_range(1..512)];
        rng.fill_bytes(&mut bytes);
        bytes[0] = b'{';
        // Most lines end, so the daemon reads them whole.
        if round % 3 != 0 {
            bytes.push(b'\n');
        }
        match ending(&mut Raw::connect(&env.socket), &bytes) {
            Ending::JsonFatal(_) => fatal += 1,
            Ending::Closed => closed += 1,
            Ending::Fatal(code, message) => panic!("bincode {code:?} to JSON: {message}"),
        }
        if round % 50 == 49 {
            bystander.still_served(10);
        }
    }
    eprintln!("300 JSON rounds: {fatal} answered with a fatal error, {closed} closed at their end");
    assert!(fatal > 150, "{fatal}");
    assert!(bystander.finish() > 0);
    assert!(!d.log_text().contains("panicked"), "{}", d.log_text());
}
