//! End-to-end: namespaces that clients declare. A declaration is made from
//! the CLI, is idempotent, shows in `stats`, survives a restart (with the
//! entries of a namespace it made persistent), and loses to the config
//! file field by field.
#![allow(clippy::unwrap_used, missing_docs)]

use serde_json::Value;
use trackcache_client::protocol::{KvLookup, NamespaceDecl};
use trackcache_tests::harness::{json, Env};

fn namespace(env: &Env, name: &str) -> Value {
    let stats = json(&env.cli(&["--json", "stats"]));
    stats["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == name)
        .unwrap_or_else(|| panic!("{name} not in stats: {stats}"))
        .clone()
}

const DECLARE: [&str; 11] = [
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
    "--json",
];

#[test]
fn a_declared_namespace_persists_across_a_restart() {
    let env = Env::new("[cache.namespaces.spotify]\nmax_entries = 5\n");
    let d = env.start();
    let first = json(&env.cli(&DECLARE));
    assert_eq!(first["status"], "stored", "{first}");
    assert_eq!(first["overridden"], serde_json::json!([]));
    let again = json(&env.cli(&DECLARE));
    assert_eq!(again["status"], "kept", "idempotent: {again}");
    assert_eq!(again["namespace"], first["namespace"]);
    let out = env.cli(&["kv", "set", "search", "artist|song", "result"]);
    assert!(out.status.success(), "{out:?}");
    let row = namespace(&env, "search");
    assert_eq!(row["origin"], "declared");
    assert_eq!(row["ttl_ms"], 86_400_000);
    assert_eq!(row["negative_ttl_ms"], 3_600_000);
    assert_eq!(row["max_entries"], 10_000);
    assert_eq!(row["persistent"], true);
    assert_eq!(row["strategy"], "time_based");
    // The value got the declared TTL.
    let hit = json(&env.cli(&["--json", "kv", "get", "search", "artist|song"]));
    let left = hit["expires_in_ms"].as_u64().unwrap();
    assert!(left > 86_000_000 && left <= 86_400_000, "{hit}");

    // The config file names `spotify`: its max_entries wins, the rest is declared.
    let mut c = env.client();
    let declared = c
        .declare_namespace(NamespaceDecl {
            namespace: "spotify".into(),
            ttl_ms: Some(0),
            max_entries: Some(100),
            persistent: Some(true),
            ..NamespaceDecl::default()
        })
        .unwrap();
    assert!(declared.changed);
    assert_eq!(declared.overridden, ["max_entries"]);
    assert_eq!(declared.namespace.max_entries, 5);
    assert_eq!(declared.namespace.ttl_ms, None, "declared: never expires");
    assert!(declared.namespace.persistent);
    assert_eq!(declared.namespace.origin, "config");
    let text = env.cli(&[
        "kv",
        "declare",
        "spotify",
        "--ttl",
        "0",
        "--max-entries",
        "100",
        "--persistent",
    ]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("already declared") && text.contains("config file sets max_entries"),
        "{text}"
    );

    d.stop();
    let _d = env.start();
    let row = namespace(&env, "search");
    assert_eq!(
        (row["origin"].as_str(), row["persistent"].as_bool()),
        (Some("declared"), Some(true))
    );
    assert_eq!(row["ttl_ms"], 86_400_000);
    let mut c = env.client();
    match c.kv_get("search", "artist|song").unwrap() {
        KvLookup::Hit { value, .. } => assert_eq!(value, b"result"),
        other => panic!("a declared persistent namespace keeps its entries: {other:?}"),
    }
    assert_eq!(namespace(&env, "spotify")["max_entries"], 5);
    assert_eq!(json(&env.cli(&DECLARE))["status"], "kept", "still in force");
}

#[test]
fn bad_declarations_are_refused_with_what_to_do() {
    let env = Env::new("");
    let _d = env.start();
    let out = env.cli(&["kv", "declare", "bad name"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid namespace"));
    let out = env.cli(&["kv", "declare", "x", "--strategy", "event-driven"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("event_driven"), "{err}");
    let out = env.cli(&["kv", "declare", "x", "--max-entries", "0"]);
    assert_eq!(out.status.code(), Some(2), "refused before it is sent");
    let out = env.cli(&["kv", "declare", "x", "--persistent", "--memory-only"]);
    assert_eq!(out.status.code(), Some(2));
    let stats = json(&env.cli(&["--json", "stats"]));
    assert_eq!(
        stats["namespaces"],
        serde_json::json!([]),
        "nothing was declared"
    );
}
