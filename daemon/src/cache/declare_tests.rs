//! Declarations: idempotent, durable, overridden by the config file field
//! by field, applied at once (bounds, persistence).

use trackcache_protocol::{KvLookup, KvSetRef};

use super::*;
use crate::config::{CachePolicies, ContentPolicies, FileConfig};

fn caches(dir: &std::path::Path, toml: &str) -> Caches {
    let f = FileConfig::parse(toml).unwrap();
    let store = crate::store::open_again(dir).unwrap();
    Caches::restore(
        CachePolicies::from_file(&f.cache).unwrap(),
        &ContentPolicies::default(),
        store,
    )
    .unwrap()
}

fn decl(ns: &str) -> NamespaceDecl {
    NamespaceDecl {
        namespace: ns.into(),
        ttl_ms: Some(86_400_000),
        negative_ttl_ms: Some(3_600_000),
        max_entries: Some(10_000),
        max_bytes: None,
        persistent: Some(true),
        strategy: None,
    }
}

fn set(c: &Caches, ns: &str, key: &str) {
    c.set(KvSetRef {
        namespace: ns,
        key,
        value: b"v",
        ttl_ms: None,
        negative: false,
        tags: Vec::new(),
    })
    .unwrap();
}

#[test]
fn a_declaration_is_idempotent_durable_and_listed() {
    let dir = tempfile::tempdir().unwrap();
    {
        let c = caches(dir.path(), "");
        let first = c.declare(&decl("search")).unwrap();
        assert!(first.changed);
        assert_eq!(first.stats.ttl_ms, Some(86_400_000));
        assert_eq!(first.stats.negative_ttl_ms, Some(3_600_000));
        assert_eq!(first.stats.max_entries, 10_000);
        assert!(first.stats.persistent);
        assert_eq!(first.stats.origin, "declared");
        assert_eq!(first.stats.strategy, "time_based", "the default's");
        c.sync_blocking(first.epoch).unwrap();
        let again = c.declare(&decl("search")).unwrap();
        assert!(!again.changed, "the same declaration writes nothing");
        assert_eq!(again.stats, first.stats);
        set(&c, "search", "artist|song");
        c.sync_blocking(c.pending_epoch()).unwrap();
        c.store.flush().unwrap();
    }
    let c = caches(dir.path(), "");
    let listed = c.stats().namespaces;
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].name.as_str(), listed[0].origin.as_str()),
        ("search", "declared")
    );
    assert!(listed[0].persistent);
    assert!(
        matches!(
            c.get("search", "artist|song").unwrap(),
            KvLookup::Hit { .. }
        ),
        "entries of a declared persistent namespace come back"
    );
    // Declared but empty namespaces are listed after a restart too.
    c.declare(&decl("empty")).unwrap();
    c.store.flush().unwrap();
    drop(c);
    let c = caches(dir.path(), "");
    assert!(c.stats().namespaces.iter().any(|n| n.name == "empty"));
}

#[test]
fn the_config_file_wins_field_by_field_and_the_reply_says_which() {
    let dir = tempfile::tempdir().unwrap();
    let c = caches(
        dir.path(),
        "[cache.default]\nmax_bytes = 1000\n[cache.namespaces.search]\nmax_entries = 5\npersistent = false\n",
    );
    let d = c.declare(&decl("search")).unwrap();
    assert_eq!(d.overridden, vec!["max_entries", "persistent"]);
    assert_eq!(d.stats.max_entries, 5, "the file's");
    assert!(!d.stats.persistent, "the file's");
    assert_eq!(d.stats.ttl_ms, Some(86_400_000), "the declaration's");
    assert_eq!(d.stats.max_bytes, 1000, "neither says: [cache.default]");
    assert_eq!(d.stats.origin, "config");
}

#[test]
fn a_declaration_applies_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let c = caches(dir.path(), "");
    for k in ["a", "b", "c"] {
        set(&c, "pages", k);
    }
    assert!(!c.namespace_stats("pages").persistent);
    let d = c
        .declare(&NamespaceDecl {
            max_entries: Some(2),
            strategy: Some("hybrid".into()),
            ..decl("pages")
        })
        .unwrap();
    assert_eq!(
        (d.stats.entries, d.stats.evictions),
        (2, 1),
        "the bound evicts now"
    );
    assert_eq!(d.stats.strategy, "hybrid");
    assert!(d.stats.persistent, "persistence flips live");
    c.sync_blocking(d.epoch).unwrap();
    c.store.flush().unwrap();
    drop(c);
    let c = caches(dir.path(), "");
    assert_eq!(
        c.namespace_stats("pages").entries,
        2,
        "the entries kept were written when the namespace became persistent"
    );
    let d = c
        .declare(&NamespaceDecl {
            persistent: Some(false),
            ..decl("pages")
        })
        .unwrap();
    assert!(!d.stats.persistent);
    c.sync_blocking(d.epoch).unwrap();
    c.store.flush().unwrap();
    drop(c);
    let c = caches(dir.path(), "");
    assert_eq!(c.namespace_stats("pages").entries, 0, "memory-only now");
}

#[test]
fn bad_declarations_say_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let c = caches(dir.path(), "");
    let err = |d: NamespaceDecl| c.declare(&d).unwrap_err().to_string();
    assert!(err(decl("bad name")).contains("invalid namespace"));
    assert!(err(NamespaceDecl {
        max_entries: Some(0),
        ..decl("x")
    })
    .contains("max_entries must be at least 1"));
    assert!(err(NamespaceDecl {
        strategy: Some("event-driven".into()),
        ..decl("x")
    })
    .contains("event_driven"));
    assert!(c.stats().namespaces.is_empty(), "nothing was declared");
}
