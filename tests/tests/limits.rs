//! End-to-end: no client can starve the others (issue 14, defect 2). Idle
//! connections time out, the longest-idle one makes room at the cap, and
//! half-received messages share one memory budget.
#![allow(clippy::unwrap_used, missing_docs)]

use trackcache_protocol::{
    codec, ClientMessage, ErrorCode, KvSet, Request, Response, ServerMessage,
};
use trackcache_tests::harness::{wait_until, Env, DEADLINE};
use trackcache_tests::raw::Raw;

fn fatal(msg: Option<ServerMessage>) -> (ErrorCode, String) {
    match msg {
        Some(ServerMessage::Fatal(e)) => (e.code, e.message),
        other => panic!("expected a Fatal message, got {other:?}"),
    }
}

fn answered(msg: Option<ServerMessage>) -> Response {
    match msg {
        Some(ServerMessage::Reply { result: Ok(r), .. }) => r,
        other => panic!("expected an answer, got {other:?}"),
    }
}

#[test]
fn an_idle_connection_is_closed_and_a_subscriber_is_not() {
    let env = Env::new("[limits]\nidle_timeout_ms = 300\n");
    let _d = env.start();
    let mut sub = Raw::handshaken(&env.socket);
    sub.request(1, Request::Subscribe { since_seq: None });
    assert!(matches!(answered(sub.read()), Response::Subscribed { .. }));
    // Three idle connections in a row, each closed after the timeout: the
    // subscriber, idle all that time too, lives through all three.
    for _ in 0..3 {
        let mut idle = Raw::handshaken(&env.socket);
        let (code, message) = fatal(idle.read());
        assert_eq!(code, ErrorCode::UNAVAILABLE);
        assert!(message.contains("idle_timeout_ms"), "{message}");
    }
    sub.request(2, Request::Ping);
    assert_eq!(answered(sub.read()), Response::Pong);
}

/// The report: 256 idle connections that had completed the handshake
/// locked everyone else out indefinitely.
#[test]
fn at_the_cap_the_longest_idle_connection_makes_room() {
    let env = Env::new("max_connections = 2\n");
    let _d = env.start();
    let mut first = Raw::handshaken(&env.socket);
    // The harness's readiness probe may hold a slot a moment after it hung
    // up: wait until `first` and this check are the only connections.
    let mut check = env.client();
    wait_until("the readiness probe to hang up", DEADLINE, || {
        check.status().unwrap().connections == 2
    });
    drop(check);
    // The second one subscribes, so the idle one to close is `first`, idle
    // the longest.
    let mut second = Raw::handshaken(&env.socket);
    second.request(1, Request::Subscribe { since_seq: None });
    assert!(matches!(
        answered(second.read()),
        Response::Subscribed { .. }
    ));
    let mut c = env.client();
    c.ping().expect("a new client gets in");
    let (code, message) = fatal(first.read());
    assert_eq!(code, ErrorCode::UNAVAILABLE);
    assert!(message.contains("make room"), "{message}");
}

fn big_set(id: u64, bytes: usize) -> Vec<u8> {
    let msg = ClientMessage::Request {
        id,
        request: Request::KvSet(KvSet {
            namespace: "big".into(),
            key: format!("k{id}"),
            value: vec![7; bytes],
            ttl_ms: None,
            negative: false,
            tags: Vec::new(),
        }),
    };
    codec::encode_frame(&msg, 1 << 30).unwrap()
}

/// The report: 30 connections each holding 15 MiB of an unfinished frame
/// raised the RSS from 12 to 474 MB (the worst case, cap x max frame, was
/// about 4 GiB).
#[test]
fn half_received_messages_share_one_budget() {
    let env = Env::new(
        "[limits]\npartial_message_bytes = 2097152\n[cache.default]\nmax_bytes = 16777216\n",
    );
    let _d = env.start();
    let frame = big_set(1, 1_500_000);
    let mut holder = Raw::handshaken(&env.socket);
    holder.send(&frame[..frame.len() / 2]);
    // The holder's half must be read (and reserved) before the next one asks.
    let mut probe = env.client();
    probe.ping().unwrap();
    let mut second = Raw::handshaken(&env.socket);
    second.send(&big_set(2, 1_500_000)[..100_000]);
    let (code, message) = fatal(second.read());
    assert_eq!(code, ErrorCode::UNAVAILABLE);
    assert!(message.contains("partial_message_bytes"), "{message}");
    probe.ping().expect("everyone else is served");
    holder.send(&frame[frame.len() / 2..]);
    assert!(matches!(answered(holder.read()), Response::KvStored(_)));
    // Finished, the holder's share is back: a third large message gets in.
    let mut third = Raw::handshaken(&env.socket);
    third.send(&big_set(3, 1_500_000));
    assert!(matches!(answered(third.read()), Response::KvStored(_)));
}
