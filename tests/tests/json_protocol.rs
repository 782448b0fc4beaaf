//! End-to-end: the JSON Lines encoding on the daemon's one socket. The
//! transcript in PROTOCOL.md is replayed against the real daemon, bincode and
//! JSON clients share one daemon, and an over-long line costs only its own
//! connection.
#![allow(clippy::unwrap_used, missing_docs)]

use std::io::Write;

use serde_json::Value;
use trackcache_client::protocol::{KvLookup, Request, Response};
use trackcache_client::Ttl;
use trackcache_tests::harness::{wait_until, Env, DEADLINE};
use trackcache_tests::jsonl::JsonConn;

/// One `>` line of the transcript and the `<` lines that answer it.
struct Step {
    sent: String,
    expected: Vec<Value>,
}

/// The ```transcript block of PROTOCOL.md.
fn transcript() -> Vec<Step> {
    let doc = include_str!("../../protocol/PROTOCOL.md");
    let block = doc
        .split("```transcript\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("PROTOCOL.md has a ```transcript block");
    let mut steps: Vec<Step> = Vec::new();
    for line in block.lines() {
        if let Some(sent) = line.strip_prefix("> ") {
            steps.push(Step {
                sent: sent.to_owned(),
                expected: Vec::new(),
            });
        } else if let Some(answer) = line.strip_prefix("< ") {
            let v = serde_json::from_str(answer).unwrap_or_else(|e| {
                panic!("PROTOCOL.md transcript line is not JSON ({e}): {answer}")
            });
            steps
                .last_mut()
                .expect("a < line after a > line")
                .expected
                .push(v);
        } else {
            panic!("transcript lines start with '> ' or '< ': {line:?}");
        }
    }
    steps
}

fn sorted(mut v: Vec<Value>) -> Vec<Value> {
    v.sort_by_key(|x| x.to_string());
    v
}

#[test]
fn the_protocol_md_transcript_replays_against_the_daemon() {
    let env = Env::new("[content_types.album_year]\nttl_secs = 0\n");
    let _d = env.start();
    let mut c = JsonConn::connect(&env.socket);
    let steps = transcript();
    assert!(steps.len() >= 10, "the transcript lost its steps");
    for step in steps {
        c.send(&step.sent);
        let got: Vec<Value> = (0..step.expected.len())
            .map(|_| c.read().expect("an answer line"))
            .collect();
        // Events and replies may interleave; each must be there.
        assert_eq!(
            sorted(got),
            sorted(step.expected),
            "PROTOCOL.md's transcript and the daemon disagree after > {}",
            step.sent
        );
    }
}

#[test]
fn bincode_and_json_clients_share_one_daemon() {
    let env = Env::new("");
    let _d = env.start();
    let mut rust = env.client();
    let (mut text, welcome) = JsonConn::handshaken(&env.socket, "text");
    assert_eq!(welcome["welcome"]["bytes"], "text");
    let (mut b64, _) = JsonConn::handshaken(&env.socket, "base64");

    // JSON writes, bincode reads; and the other way round.
    let r = text.call(
        1,
        r#"{"kv_set":{"namespace":"n","key":"k","value":"from json"}}"#,
    );
    assert_eq!(r["reply"]["status"], "stored");
    match rust.kv_get("n", "k").unwrap() {
        KvLookup::Hit { value, .. } => assert_eq!(value, b"from json"),
        other => panic!("{other:?}"),
    }
    rust.kv_set("n", "bin", &[0xff, 0x00, b'a'], Ttl::Default)
        .unwrap();
    let r = text.call(2, r#"{"kv_get":{"namespace":"n","key":"bin"}}"#);
    assert_eq!(r["reply"]["status"], "hit");
    assert_eq!(
        r["reply"]["value_base64"], "/wBh",
        "not UTF-8: base64 in text mode"
    );
    assert!(r["reply"].get("value").is_none());
    let r = b64.call(3, r#"{"kv_get":{"namespace":"n","key":"k"}}"#);
    assert_eq!(r["reply"]["value"], "ZnJvbSBqc29u");

    // A JSON subscriber sees what a bincode client does.
    let r = b64.call(4, r#"{"subscribe":{}}"#);
    assert!(r["reply"]["current_seq"].is_u64(), "{r}");
    rust.call(Request::KvSet(trackcache_client::protocol::KvSet {
        namespace: "n".into(),
        key: "tagged".into(),
        value: b"v".to_vec(),
        ttl_ms: None,
        negative: false,
        tags: vec!["artist:Kenji Berg".into()],
    }))
    .unwrap();
    let dropped = rust
        .call(Request::Invalidate(
            trackcache_client::protocol::InvalidateTarget::Artist {
                name: "Kenji Berg".into(),
            },
        ))
        .unwrap();
    assert_eq!(dropped, Response::Invalidated { dropped: 1 });
    let ev = b64.read().unwrap();
    assert_eq!(ev["event"]["type"], "manual_invalidation", "{ev}");
    assert_eq!(ev["event"]["target"], "artist");
    assert_eq!(ev["event"]["name"], "Kenji Berg");
    assert_eq!(ev["event"]["dropped"], 1);
    let ev = b64.read().unwrap();
    assert_eq!(ev["event"]["type"], "entries_invalidated", "{ev}");
    assert_eq!(ev["event"]["content_type"], "generic");

    // Pipelined JSON requests, one write, answered by id; a bad one in the
    // middle is answered with an error and costs nothing else.
    let mut burst = String::new();
    for id in 10..110 {
        if id == 50 {
            burst.push_str(r#"{"id":50,"request":{"kv_gett":{}}}"#);
        } else {
            burst.push_str(&format!(
                r#"{{"id":{id},"request":{{"kv_get":{{"namespace":"n","key":"k"}}}}}}"#
            ));
        }
        burst.push('\n');
    }
    text.send_raw(burst.as_bytes());
    for id in 10..110 {
        let v = text.read().unwrap();
        assert_eq!(v["id"], id);
        if id == 50 {
            assert_eq!(v["error"]["code"], "bad_request", "{v}");
            assert!(v["error"]["message"].as_str().unwrap().contains("kv_gett"));
        } else {
            assert_eq!(v["reply"]["value"], "from json");
        }
    }
    // The Rust client still works after all that.
    rust.ping().unwrap();
}

#[test]
fn an_over_long_json_line_is_refused_without_hurting_others() {
    let env = Env::new("max_frame_bytes = 4096\n");
    let _d = env.start();
    let mut rust = env.client();
    let (mut bystander, welcome) = JsonConn::handshaken(&env.socket, "base64");
    assert_eq!(welcome["welcome"]["max_line_bytes"], 4096);

    let (mut hog, _) = JsonConn::handshaken(&env.socket, "base64");
    // Never a newline: the daemon must refuse the line before it has it all.
    let mut raw = hog.stream().try_clone().unwrap();
    let feeder = std::thread::spawn(move || {
        let chunk = vec![b'a'; 64 * 1024];
        raw.write_all(br#"{"id":1,"request":{"kv_get":{"namespace":""#)
            .unwrap();
        for _ in 0..1024 {
            if raw.write_all(&chunk).is_err() {
                return; // the daemon has closed the connection
            }
        }
    });
    let fatal = hog.read().expect("a fatal line");
    assert_eq!(fatal["fatal"]["code"], "too_large", "{fatal}");
    assert!(fatal["fatal"]["message"].as_str().unwrap().contains("4096"));
    assert!(
        hog.read_line().is_none(),
        "the connection is closed after it"
    );
    // The line never ended, so the refusal cannot have waited for all of it.
    let _ = feeder.join();

    let r = bystander.call(1, r#"{"ping":{}}"#);
    assert_eq!(r["reply"]["pong"], true);
    rust.ping().unwrap();
}

#[test]
fn a_slow_json_subscriber_gets_resync_not_a_gap() {
    use trackcache_client::protocol::{InvalidateTarget, KvSet};
    let env = Env::new("");
    let _d = env.start();
    let (mut slow, _) = JsonConn::handshaken(&env.socket, "base64");
    let r = slow.call(1, r#"{"subscribe":{}}"#);
    let start = r["reply"]["current_seq"].as_u64().unwrap();
    // 8,000 events while the subscriber reads nothing: more than the hub
    // keeps (4,096) plus what the socket buffers hold.
    let mut c = env.client();
    const EVENTS: u64 = 8000;
    for chunk in (0..EVENTS).collect::<Vec<_>>().chunks(250) {
        let mut requests = Vec::new();
        for i in chunk {
            let artist = format!("Artist {i}");
            requests.push(Request::KvSet(KvSet {
                namespace: "n".into(),
                key: format!("k{i}"),
                value: b"v".to_vec(),
                ttl_ms: None,
                negative: false,
                tags: vec![format!("artist:{artist}")],
            }));
            requests.push(Request::Invalidate(InvalidateTarget::Artist {
                name: artist,
            }));
        }
        for r in c.pipeline(requests).unwrap() {
            r.unwrap();
        }
    }
    let last = start + EVENTS;
    let (mut expected, mut resyncs) = (start + 1, 0);
    while expected <= last {
        let v = slow.read().expect("events until the last one");
        let ev = &v["event"];
        let seq = ev["seq"].as_u64().unwrap();
        if ev["type"] == "resync" {
            resyncs += 1;
            // The stream continues after `seq`: nothing before it is owed.
            expected = seq + 1;
        } else {
            assert_eq!(seq, expected, "a silent gap: {v}");
            expected += 1;
        }
    }
    assert!(
        resyncs >= 1,
        "the subscriber never fell behind; the test proves nothing"
    );
}

#[test]
fn refusals_and_handshake_errors_come_in_json() {
    let env = Env::new("max_connections = 1\n");
    let _d = env.start();
    // The start-up check's connection may still be closing: wait for the
    // slot. The holder subscribes: an idle connection would be closed to
    // make room for the next client (issue 14), a subscriber never is.
    let mut held = None;
    wait_until("the one connection slot to be free", DEADLINE, || {
        held = trackcache_client::Client::connect(&env.socket).ok();
        held.is_some()
    });
    if let Some(h) = held.as_mut() {
        h.subscribe(None).unwrap();
    }
    let mut refused = JsonConn::connect(&env.socket);
    refused.send(r#"{"hello":{"version":1}}"#);
    let v = refused.read().expect("a fatal line");
    assert_eq!(v["fatal"]["code"], "too_many_connections", "{v}");
    drop(held);
    drop(refused);

    // Another protocol version, and a request before the hello.
    let (_, v) = admitted(&env, r#"{"hello":{"version":99,"client":"future"}}"#);
    assert_eq!(v["fatal"]["code"], "version_mismatch", "{v}");
    assert!(v["fatal"]["message"].as_str().unwrap().contains("99"));
    let (_, v) = admitted(&env, r#"{"id":1,"request":{"ping":{}}}"#);
    assert_eq!(v["fatal"]["code"], "handshake_required", "{v}");
    // Not JSON after the hello: fatal; blank lines and \r\n are fine.
    let (mut c, v) = admitted(&env, r#"{"hello":{"version":1,"bytes":"text"}}"#);
    assert!(v.get("welcome").is_some(), "{v}");
    c.send_raw(b"\r\n\n{\"id\":2,\"request\":{\"ping\":{}}}\r\n");
    assert_eq!(c.read().unwrap()["reply"]["pong"], true);
    c.send("not json");
    assert_eq!(c.read().unwrap()["fatal"]["code"], "malformed_frame");
    assert!(c.read_line().is_none());
}

/// A connection admitted under the cap of 1 (the previous one may still be
/// closing), with the answer to its first line.
fn admitted(env: &Env, first: &str) -> (JsonConn, Value) {
    let mut got = None;
    trackcache_tests::harness::wait_until(
        "a connection slot",
        trackcache_tests::harness::DEADLINE,
        || {
            let mut c = JsonConn::connect(&env.socket);
            c.send(first);
            let v = c.read().unwrap();
            let refused = v["fatal"]["code"] == "too_many_connections";
            if !refused {
                got = Some((c, v));
            }
            !refused
        },
    );
    got.unwrap()
}
