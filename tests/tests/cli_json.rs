//! End-to-end: the CLI's `--json` prints what the socket's JSON mode sends,
//! command by command (one vocabulary, `protocol::json`). A list reply is
//! printed as its items, one per line, then its `{"end":...}` line. Values
//! that differ between two calls by nature (the time of a write, a lease's
//! id, the uptime) are blanked on both sides before comparing.
#![allow(clippy::unwrap_used, missing_docs)]

use std::process::Output;

use serde_json::{json, Value};
use trackcache_tests::harness::{cli_with_input, Env};
use trackcache_tests::jsonl::JsonConn;
use trackcache_tests::scenario::{library, LibraryEnv};

/// Fields whose values depend on when or on which connection they were asked.
const VOLATILE: [&str; 5] = [
    "stored_at_ms",
    "expires_in_ms",
    "uptime_ms",
    "connections",
    "lease_id",
];

fn blank(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if VOLATILE.contains(&k.as_str()) {
                    *x = Value::Null;
                } else {
                    blank(x);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(blank),
        _ => {}
    }
}

fn lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// The socket's answer as the CLI prints it: the reply, or a list's items
/// and trailer, or `{"error":...}`.
fn as_printed(answer: Value) -> Vec<Value> {
    if let Some(e) = answer.get("error") {
        return vec![json!({ "error": e })];
    }
    let reply = answer["reply"].clone();
    match (reply.get("items"), reply.get("end")) {
        (Some(Value::Array(items)), Some(end)) => {
            let mut v = items.clone();
            v.push(json!({ "end": end }));
            v
        }
        _ => vec![reply],
    }
}

/// `trackcache --json ARGS < input` against `request` on the socket.
fn same_batch(c: &mut Check<'_>, args: &[&str], input: &[Value], request: Value) {
    let mut cli_args = vec!["--json"];
    cli_args.extend_from_slice(args);
    let text: String = input.iter().map(|v| format!("{v}\n")).collect();
    let out = cli_with_input(&c.env.socket, &cli_args, &text);
    c.next_id += 1;
    let answer = c.conn.call(c.next_id, &request.to_string());
    let (mut printed, mut sent) = (lines(&out), as_printed(answer));
    printed.iter_mut().for_each(blank);
    sent.iter_mut().for_each(blank);
    assert_eq!(printed, sent, "trackcache --json {}", args.join(" "));
}

struct Check<'a> {
    env: &'a Env,
    conn: JsonConn,
    next_id: u64,
}

impl Check<'_> {
    fn invalidate_all_first(&self) {
        assert_eq!(self.env.cli(&["invalidate", "all"]).status.code(), Some(0));
    }

    /// Runs `setup` (CLI argument lists) before each side, then compares
    /// `trackcache --json ARGS` with `request` on the socket.
    fn same(&mut self, setup: &[&[&str]], args: &[&str], request: Value) {
        for s in setup {
            self.env.cli(s);
        }
        let mut cli_args = vec!["--json"];
        cli_args.extend_from_slice(args);
        let out = self.env.cli(&cli_args);
        let mut printed = lines(&out);
        for s in setup {
            self.env.cli(s);
        }
        self.next_id += 1;
        let answer = self.conn.call(self.next_id, &request.to_string());
        let mut sent = as_printed(answer);
        printed.iter_mut().for_each(blank);
        sent.iter_mut().for_each(blank);
        assert_eq!(
            printed,
            sent,
            "trackcache --json {} printed something else than {request} answers\nstderr: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn the_cli_prints_what_the_socket_sends() {
    let tracks = library(30, 17);
    let lib = LibraryEnv::new(&tracks, "");
    let _d = lib.start(30);
    let (conn, _) = JsonConn::handshaken(&lib.env.socket, "text");
    let mut c = Check {
        env: &lib.env,
        conn,
        next_id: 0,
    };
    let t = &tracks[0];
    let (artist, album) = (t.artist.clone().unwrap(), t.album.clone().unwrap());
    let (artist, album) = (artist.as_str(), album.as_str());

    c.same(&[], &["ping"], json!({"ping":{}}));
    c.same(&[], &["stats"], json!({"stats":{}}));
    c.same(&[], &["status"], json!({"status":{}}));

    // The generic cache: set, hit, negative, miss, delete, clear, an error.
    c.same(
        &[],
        &["kv", "set", "n", "k", "v1", "--ttl", "0"],
        json!({"kv_set":{"namespace":"n","key":"k","value":"v1","ttl_ms":0}}),
    );
    c.same(
        &[],
        &["kv", "get", "n", "k"],
        json!({"kv_get":{"namespace":"n","key":"k"}}),
    );
    c.same(
        &[],
        &["kv", "set", "n", "neg", "--negative"],
        json!({"kv_set":{"namespace":"n","key":"neg","negative":true}}),
    );
    c.same(
        &[],
        &["kv", "get", "n", "neg"],
        json!({"kv_get":{"namespace":"n","key":"neg"}}),
    );
    c.same(
        &[],
        &["kv", "get", "n", "nope"],
        json!({"kv_get":{"namespace":"n","key":"nope"}}),
    );
    c.same(
        &[&["kv", "set", "n", "d", "x"]],
        &["kv", "del", "n", "d"],
        json!({"kv_delete":{"namespace":"n","key":"d"}}),
    );
    c.same(
        &[],
        &["kv", "del", "n", "d"],
        json!({"kv_delete":{"namespace":"n","key":"d"}}),
    );
    c.same(
        &[&["kv", "set", "c", "a", "x"]],
        &["kv", "clear", "c"],
        json!({"kv_clear_namespace":{"namespace":"c"}}),
    );
    c.same(
        &[],
        &["kv", "get", "bad ns", "k"],
        json!({"kv_get":{"namespace":"bad ns","key":"k"}}),
    );
    // A declaration, made once before each side: both answer "kept".
    let declare: &[&str] = &[
        "kv",
        "declare",
        "search",
        "--ttl",
        "24h",
        "--negative-ttl",
        "1h",
        "--max-entries",
        "10000",
        "--persistent",
    ];
    c.same(
        &[declare],
        declare,
        json!({"declare_namespace":{"namespace":"search","ttl_ms":86_400_000,
            "negative_ttl_ms":3_600_000,"max_entries":10_000,"persistent":true}}),
    );
    c.same(
        &[],
        &["kv", "declare", "search", "--strategy", "event-driven"],
        json!({"declare_namespace":{"namespace":"search","strategy":"event-driven"}}),
    );

    // The library.
    c.same(&[], &["tracks", "count"], json!({"track_count":{}}));
    c.same(
        &[],
        &["tracks", "get", &t.id],
        json!({"get_track":{"id":t.id}}),
    );
    c.same(
        &[],
        &["tracks", "get", "NOPE"],
        json!({"get_track":{"id":"NOPE"}}),
    );
    c.same(
        &[],
        &["tracks", "list", "--limit", "5", "--offset", "3"],
        json!({"list_tracks":{"limit":5,"offset":3}}),
    );
    c.same(
        &[],
        &["tracks", "list", "--artist", artist],
        json!({"list_tracks":{"artist":artist}}),
    );
    c.same(&[], &["albums"], json!({"list_albums":{}}));
    c.same(
        &[],
        &["albums", "--artist", artist],
        json!({"list_albums":{"artist":artist}}),
    );
    c.same(
        &[],
        &["changes", "--since", "0"],
        json!({"changes":{"since_seq":0,"limit":1000}}),
    );
    c.same(
        &[],
        &["changes", "--since", "1", "--limit", "1"],
        json!({"changes":{"since_seq":1,"limit":1}}),
    );

    // Album years and API answers.
    c.same(
        &[],
        &[
            "album-year",
            "set",
            artist,
            album,
            "1979",
            "--confidence",
            "90",
        ],
        json!({"set_album_year":{"artist":artist,"album":album,"year":1979,"confidence":90}}),
    );
    c.same(
        &[],
        &[
            "album-year",
            "set",
            artist,
            album,
            "1990",
            "--confidence",
            "10",
        ],
        json!({"set_album_year":{"artist":artist,"album":album,"year":1990,"confidence":10}}),
    );
    c.same(
        &[],
        &["album-year", "get", artist, album],
        json!({"get_album_year":{"artist":artist,"album":album}}),
    );
    c.same(
        &[],
        &["album-year", "get", "Nobody", "Nothing"],
        json!({"get_album_year":{"artist":"Nobody","album":"Nothing"}}),
    );
    c.same(
        &[],
        &[
            "api",
            "set",
            "mb",
            artist,
            album,
            "--found",
            r#"{"id":"x"}"#,
            "--meta",
            "year=1979",
        ],
        json!({"set_api_result":{"source":"mb","artist":artist,"album":album,"status":"found",
               "payload":{"id":"x"},"metadata":{"year":"1979"}}}),
    );
    c.same(
        &[],
        &["api", "get", "mb", artist, album],
        json!({"get_api_result":{"source":"mb","artist":artist,"album":album}}),
    );
    c.same(&[], &["api", "set", "dc", artist, album, "--failed", "429"],
        json!({"set_api_result":{"source":"dc","artist":artist,"album":album,"status":"failed","error":"429"}}));
    c.same(
        &[],
        &["api", "get", "dc", artist, album],
        json!({"get_api_result":{"source":"dc","artist":artist,"album":album}}),
    );
    c.same(&[], &["api", "set", "lf", artist, album, "--not-found"],
        json!({"set_api_result":{"source":"lf","artist":artist,"album":album,"status":"not_found"}}));
    c.same(
        &[],
        &["api", "get", "lf", artist, album],
        json!({"get_api_result":{"source":"lf","artist":artist,"album":album}}),
    );
    c.same(
        &[],
        &["api", "get", "xx", artist, album],
        json!({"get_api_result":{"source":"xx","artist":artist,"album":album}}),
    );

    // Lookups: hits of each cache, and a lease.
    c.same(
        &[],
        &["lookup", "album-year", artist, album],
        json!({"lookup":{"cache":"album_year","artist":artist,"album":album}}),
    );
    c.same(
        &[],
        &["lookup", "api", "mb", artist, album],
        json!({"lookup":{"cache":"api","source":"mb","artist":artist,"album":album}}),
    );
    c.same(
        &[],
        &["lookup", "kv", "n", "k"],
        json!({"lookup":{"cache":"kv","namespace":"n","key":"k"}}),
    );
    // The CLI's lease dies with its connection, so the socket is granted one too.
    c.same(&[], &["lookup", "kv", "n", "leased"],
        json!({"lookup":{"cache":"kv","namespace":"n","key":"leased","lease_ms":30000,"wait_ms":30000}}));

    c.same(
        &[&["album-year", "set", "A", "B", "2000"]],
        &["album-year", "del", "A", "B"],
        json!({"delete_album_year":{"artist":"A","album":"B"}}),
    );
    c.same(
        &[&["api", "set", "s", "A", "B", "--not-found"]],
        &["api", "del", "s", "A", "B"],
        json!({"delete_api_result":{"source":"s","artist":"A","album":"B"}}),
    );
    c.same(
        &[&["album-year", "set", "A", "B", "2000"]],
        &["invalidate", "album", "A", "B"],
        json!({"invalidate":{"target":"album","artist":"A","album":"B"}}),
    );
    c.same(
        &[],
        &["invalidate", "artist", "Nobody"],
        json!({"invalidate":{"target":"artist","name":"Nobody"}}),
    );
    // The CLI's call drops what the tests above stored: drop it for both,
    // then give each side the same one entry to drop.
    c.invalidate_all_first();
    let year: &[&str] = &["album-year", "set", artist, album, "1979"];
    c.same(
        &[year],
        &["invalidate", "track", &t.id],
        json!({"invalidate":{"target":"track","id":t.id}}),
    );
    c.same(
        &[&["kv", "set", "n", "k2", "x"]],
        &["invalidate", "type", "generic"],
        json!({"invalidate":{"target":"content_type","name":"generic"}}),
    );
    c.same(
        &[year],
        &["invalidate", "all"],
        json!({"invalidate":{"target":"all"}}),
    );

    c.same(
        &[],
        &["last-run", "get", "gu"],
        json!({"get_last_run":{"client":"gu"}}),
    );
    c.same(
        &[],
        &["last-run", "set", "gu", "--at", "1700000000"],
        json!({"set_last_run":{"client":"gu","at_ms":1_700_000_000_000u64}}),
    );
    c.same(
        &[],
        &["last-run", "get", "gu"],
        json!({"get_last_run":{"client":"gu"}}),
    );

    // Batches: stdin items are the JSON request's items.
    let years = vec![
        json!({"artist":"Batch","album":"One","year":2001,"confidence":50}),
        json!({"artist":" ","album":"Blank","year":2002}),
    ];
    same_batch(
        &mut c,
        &["album-year", "set-many"],
        &years,
        json!({"set_album_years":{"items":years}}),
    );
    let keys = vec![
        json!({"artist":"batch","album":"one"}),
        json!({"artist":"Nobody","album":"None","min_confidence":10}),
    ];
    same_batch(
        &mut c,
        &["album-year", "get-many"],
        &keys,
        json!({"get_album_years":{"items":keys}}),
    );
    let answers = vec![
        json!({"source":"mb","artist":"Batch","album":"One","status":"found","payload":[1,2]}),
        json!({"source":"mb","artist":"Batch","album":"Two","status":"failed","error":"503"}),
    ];
    same_batch(
        &mut c,
        &["api", "set-many"],
        &answers,
        json!({"set_api_results":{"items":answers}}),
    );
    let keys = vec![
        json!({"source":"mb","artist":"Batch","album":"One"}),
        json!({"source":"mb","artist":"Batch","album":"Two"}),
        json!({"source":"mb","artist":"Batch","album":"Three"}),
    ];
    same_batch(
        &mut c,
        &["api", "get-many"],
        &keys,
        json!({"get_api_results":{"items":keys}}),
    );
    let kvs = vec![
        json!({"namespace":"b","key":"1","value":"one","ttl_ms":0}),
        json!({"namespace":"b","key":"2","negative":true,"ttl_ms":0}),
        json!({"namespace":"bad ns","key":"3","value":"x"}),
    ];
    same_batch(
        &mut c,
        &["kv", "set-many"],
        &kvs,
        json!({"kv_set_many":{"items":kvs}}),
    );
    let keys = vec![
        json!({"namespace":"b","key":"1"}),
        json!({"namespace":"b","key":"2"}),
        json!({"namespace":"b","key":"3"}),
    ];
    same_batch(
        &mut c,
        &["kv", "get-many"],
        &keys,
        json!({"kv_get_many":{"items":keys}}),
    );

    c.same(&[], &["rescan"], json!({"rescan":{}}));
    c.same(&[], &["rescan", "--wait"], json!({"rescan":{"wait":true}}));
}

#[test]
fn shutdown_prints_what_the_socket_sends() {
    let (a, b) = (Env::new(""), Env::new(""));
    let (mut da, _db) = (a.start(), b.start());
    let out = a.cli(&["--json", "shutdown"]);
    assert!(da.wait_exit(trackcache_tests::harness::DEADLINE).success());
    let (mut conn, _) = JsonConn::handshaken(&b.socket, "text");
    let answer = conn.call(1, r#"{"shutdown":{}}"#);
    assert_eq!(lines(&out), as_printed(answer));
}

#[test]
fn errors_in_json_mode_are_json_even_for_bad_arguments() {
    let env = Env::new("");
    let out = env.cli(&["--json", "album-year", "set", "A", "B", "not-a-year"]);
    assert_eq!(out.status.code(), Some(2));
    let v = &lines(&out)[0];
    assert_eq!(v["error"]["code"], "usage", "{v}");
    assert!(v["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not-a-year"));
    // No daemon: a client error, as JSON.
    let out = env.cli(&["--json", "ping"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(lines(&out)[0]["error"]["code"], "client");
    // Help is not an error.
    let out = env.cli(&["--json", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Usage"));
}

#[test]
fn watch_prints_the_events_the_socket_pushes() {
    let tracks = library(10, 18);
    let lib = LibraryEnv::new(&tracks, "");
    let _d = lib.start(10);
    let watch = lib.watch(0);
    let printed: Vec<Value> = (0..2).map(|_| watch.next()).collect();
    let (mut conn, _) = JsonConn::handshaken(&lib.env.socket, "text");
    conn.call(1, r#"{"subscribe":{"since_seq":0}}"#);
    let pushed: Vec<Value> = (0..2)
        .map(|_| conn.read().unwrap()["event"].clone())
        .collect();
    assert_eq!(printed, pushed);
    assert_eq!(printed[0]["type"], "library_imported");
}
