//! End-to-end: the generic cache through the real daemon, CLI and library.
#![allow(clippy::unwrap_used, missing_docs)]

use std::time::Duration;

use trackcache_client::Ttl;
use trackcache_protocol::{KvLookup, KvSet, Request};
use trackcache_tests::harness::{json, wait_until, Env, DEADLINE};

fn code(out: &std::process::Output) -> i32 {
    out.status.code().expect("exit code")
}

#[test]
fn set_get_delete_with_the_cli() {
    let env = Env::new("");
    let _d = env.start();
    let out = env.cli(&["kv", "set", "mb", "pink floyd|the wall", "1979"]);
    assert_eq!(code(&out), 0, "{out:?}");
    let out = env.cli(&["kv", "get", "mb", "pink floyd|the wall"]);
    assert_eq!(
        (code(&out), String::from_utf8_lossy(&out.stdout).trim()),
        (0, "1979")
    );
    let out = env.cli(&["--json", "kv", "get", "mb", "pink floyd|the wall"]);
    let v = json(&out);
    assert_eq!(
        (v["status"].as_str(), v["value"].as_str()),
        (Some("hit"), Some("1979"))
    );
    assert!(
        v["expires_in_ms"].as_u64().unwrap() <= 900_000,
        "default TTL 900 s"
    );

    let out = env.cli(&["kv", "del", "mb", "pink floyd|the wall"]);
    assert_eq!(code(&out), 0);
    let out = env.cli(&["kv", "get", "mb", "pink floyd|the wall"]);
    assert_eq!(code(&out), 1, "a miss exits 1");
    assert!(String::from_utf8_lossy(&out.stderr).contains("not in the cache"));
    assert_eq!(
        code(&env.cli(&["kv", "del", "mb", "pink floyd|the wall"])),
        1
    );

    let out = env.cli(&["kv", "set", "bad namespace", "k", "v"]);
    assert_eq!(code(&out), 2, "errors exit 2");
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid namespace"));

    // A TTL with units; "60s" used to be refused as "invalid float literal".
    let out = env.cli(&["kv", "set", "mb", "k", "v", "--ttl", "2h"]);
    assert_eq!(code(&out), 0, "{out:?}");
    let v = json(&env.cli(&["--json", "kv", "get", "mb", "k"]));
    let left = v["expires_in_ms"].as_u64().unwrap();
    assert!(
        (7_000_000..=7_200_000).contains(&left),
        "2 h, not {left} ms"
    );
    let out = env.cli(&["kv", "set", "mb", "k", "v", "--ttl", "soon"]);
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("duration with units"));
}

#[test]
fn set_get_delete_with_the_library_and_clear() {
    let env = Env::new("");
    let _d = env.start();
    let mut c = env.client();
    let stored = c
        .kv_set("ns", "k", &[0, 159, 146, 150], Ttl::Default)
        .unwrap();
    assert!(!stored.persistent);
    assert!(
        matches!(c.kv_get("ns", "k").unwrap(), KvLookup::Hit { value, .. } if value == [0, 159, 146, 150])
    );
    c.kv_set("ns", "k2", b"x", Duration::from_secs(60)).unwrap();
    assert!(c.kv_delete("ns", "k").unwrap());
    assert_eq!(c.kv_get("ns", "k").unwrap(), KvLookup::Miss);
    assert_eq!(c.kv_clear("ns").unwrap(), 1);
    assert_eq!(c.kv_get("ns", "k2").unwrap(), KvLookup::Miss);
    // Values that are not text come out of --json as base64.
    c.kv_set("ns", "bin", &[0xff, 0x00], Ttl::Default).unwrap();
    let v = json(&env.cli(&["--json", "kv", "get", "ns", "bin"]));
    assert_eq!(v["value_base64"], "/wA=");
}

#[test]
fn ttl_expiry_removes_entries_in_the_background() {
    let env = Env::new("");
    let _d = env.start();
    assert_eq!(
        code(&env.cli(&["kv", "set", "t", "short", "v", "--ttl", "0.3"])),
        0
    );
    assert_eq!(
        code(&env.cli(&["kv", "set", "t", "long", "v", "--ttl", "600"])),
        0
    );
    assert_eq!(code(&env.cli(&["kv", "get", "t", "short"])), 0);
    let mut c = env.client();
    // The expiry task removes it without anyone asking for it.
    wait_until("the short entry to expire", DEADLINE, || {
        let s = c.stats().unwrap();
        s.namespaces[0].expirations == 1 && s.namespaces[0].entries == 1
    });
    assert_eq!(code(&env.cli(&["kv", "get", "t", "short"])), 1);
    assert_eq!(code(&env.cli(&["kv", "get", "t", "long"])), 0);
}

#[test]
fn negative_entries_are_told_apart_from_misses() {
    let env = Env::new("[cache.namespaces.search]\nnegative_ttl_secs = 120\n");
    let _d = env.start();
    let out = env.cli(&["--json", "kv", "set", "search", "artist|song", "--negative"]);
    assert_eq!(json(&out)["status"], "stored");
    let out = env.cli(&["--json", "kv", "get", "search", "artist|song"]);
    assert_eq!(code(&out), 0, "a negative hit is an answer");
    let v = json(&out);
    assert_eq!(v["status"], "negative");
    let ttl = v["expires_in_ms"].as_u64().unwrap();
    assert!(
        ttl > 100_000 && ttl <= 120_000,
        "namespace negative TTL applies: {ttl}"
    );
    let mut c = env.client();
    assert!(matches!(
        c.kv_get("search", "artist|song").unwrap(),
        KvLookup::Negative { .. }
    ));
    assert_eq!(c.kv_get("search", "other").unwrap(), KvLookup::Miss);
}

#[test]
fn lru_eviction_keeps_recently_used_entries() {
    let env = Env::new("[cache.namespaces.small]\nmax_entries = 3\n");
    let _d = env.start();
    let mut c = env.client();
    for k in ["a", "b", "c"] {
        c.kv_set("small", k, k.as_bytes(), Ttl::Default).unwrap();
    }
    c.kv_get("small", "a").unwrap(); // a becomes most recently used
    let stored = c.kv_set("small", "d", b"d", Ttl::Default).unwrap();
    assert_eq!(stored.evicted, 1);
    assert_eq!(
        c.kv_get("small", "b").unwrap(),
        KvLookup::Miss,
        "b was least recently used"
    );
    for k in ["a", "c", "d"] {
        assert!(
            matches!(c.kv_get("small", k).unwrap(), KvLookup::Hit { .. }),
            "{k}"
        );
    }
    let v = json(&env.cli(&["--json", "stats"]));
    let ns = &v["namespaces"][0];
    assert_eq!(
        (
            ns["name"].as_str(),
            ns["evictions"].as_u64(),
            ns["entries"].as_u64()
        ),
        (Some("small"), Some(1), Some(3))
    );
}

#[test]
fn stats_count_every_outcome() {
    let env = Env::new("");
    let _d = env.start();
    let mut c = env.client();
    c.kv_set("s", "hit", b"1", Ttl::Default).unwrap();
    c.kv_set_negative("s", "neg", Ttl::Default).unwrap();
    for _ in 0..3 {
        c.kv_get("s", "hit").unwrap();
    }
    c.kv_get("s", "neg").unwrap();
    c.kv_get("s", "miss").unwrap();
    c.kv_get("s", "miss").unwrap();
    c.kv_delete("s", "hit").unwrap();
    let v = json(&env.cli(&["--json", "stats"]));
    let ns = &v["namespaces"][0];
    let got: Vec<u64> = [
        "hits",
        "negative_hits",
        "misses",
        "sets",
        "deletes",
        "entries",
    ]
    .iter()
    .map(|k| ns[*k].as_u64().unwrap())
    .collect();
    assert_eq!(got, vec![3, 1, 2, 2, 1, 1]);
    assert!((ns["hit_rate"].as_f64().unwrap() - 4.0 / 6.0).abs() < 1e-9);
    let st = json(&env.cli(&["--json", "status"]));
    assert_eq!(st["cache"]["hits"], 3);
    assert_eq!(st["cache"]["entries"], 1);
    // The human table shows the same namespace.
    let human = String::from_utf8_lossy(&env.cli(&["stats"]).stdout).to_string();
    assert!(
        human.contains("hit rate") && human.contains("66.7%"),
        "{human}"
    );
}

#[test]
fn persistent_namespaces_survive_a_restart_with_their_remaining_ttl() {
    let env = Env::new("[cache.namespaces.mb]\npersistent = true\nttl_secs = 3600\n");
    let d = env.start();
    let mut c = env.client();
    c.kv_set("mb", "forever", b"1", Ttl::Never).unwrap();
    c.kv_set("mb", "hour", b"2", Ttl::Default).unwrap();
    c.kv_set_negative("mb", "absent", Ttl::Default).unwrap();
    c.kv_set("mb", "brief", b"3", Duration::from_millis(200))
        .unwrap();
    c.kv_set("memory", "k", b"gone after restart", Ttl::Default)
        .unwrap();
    drop(c);
    assert!(d.stop().success());

    let _d = env.start();
    let mut c = env.client();
    assert!(matches!(
        c.kv_get("mb", "forever").unwrap(),
        KvLookup::Hit {
            expires_in_ms: None,
            ..
        }
    ));
    match c.kv_get("mb", "hour").unwrap() {
        KvLookup::Hit {
            value,
            expires_in_ms: Some(ms),
        } => {
            assert_eq!(value, b"2");
            assert!(
                ms <= 3_600_000 && ms > 3_500_000,
                "remaining TTL kept: {ms}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        c.kv_get("mb", "absent").unwrap(),
        KvLookup::Negative { .. }
    ));
    wait_until("the brief entry to be gone", DEADLINE, || {
        c.kv_get("mb", "brief").unwrap() == KvLookup::Miss
    });
    assert_eq!(
        c.kv_get("memory", "k").unwrap(),
        KvLookup::Miss,
        "memory-only namespace"
    );
    let stats = c.stats().unwrap();
    let mb = stats.namespaces.iter().find(|n| n.name == "mb").unwrap();
    assert!(mb.persistent);
}

#[test]
fn pipelined_requests_are_answered_by_id() {
    let env = Env::new("");
    let _d = env.start();
    let mut c = env.client();
    let mut reqs = Vec::new();
    for i in 0..200 {
        reqs.push(trackcache_protocol::Request::KvSet(
            trackcache_protocol::KvSet {
                namespace: "p".into(),
                key: format!("k{i}"),
                value: vec![b'v'; 200],
                ttl_ms: None,
                negative: false,
                tags: Vec::new(),
            },
        ));
        reqs.push(trackcache_protocol::Request::KvGet {
            namespace: "p".into(),
            key: format!("k{i}"),
        });
    }
    let replies = c.pipeline(reqs).unwrap();
    assert_eq!(replies.len(), 400);
    for pair in replies.chunks(2) {
        assert!(matches!(
            pair[0],
            Ok(trackcache_protocol::Response::KvStored(_))
        ));
        assert!(
            matches!(&pair[1], Ok(trackcache_protocol::Response::KvValue(KvLookup::Hit { value, .. })) if value.len() == 200)
        );
    }
}

/// `Client::pipeline` wrote every request before reading a reply: past the
/// socket's buffers the daemon stopped reading (nobody read its answers)
/// while the client was still writing, and the call timed out.
#[test]
fn a_pipeline_larger_than_the_socket_buffers_completes() {
    let env = Env::new("");
    let _d = env.start();
    let mut c = env.client();
    let value = vec![b'v'; 200];
    let requests: Vec<Request> = (0..20_000)
        .map(|i| {
            Request::KvSet(KvSet {
                namespace: "big".into(),
                key: format!("k{i}"),
                value: value.clone(),
                ttl_ms: None,
                negative: false,
                tags: Vec::new(),
            })
        })
        .collect();
    let replies = c.pipeline(requests).unwrap();
    assert_eq!(replies.len(), 20_000);
    assert!(replies.iter().all(Result::is_ok));
}
