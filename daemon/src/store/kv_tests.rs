use super::*;

fn entry(v: &[u8], negative: bool, exp: Option<u64>) -> PersistedKv {
    PersistedKv {
        value: v.to_vec(),
        negative,
        stored_at_ms: 1_700_000_000_000,
        expires_at_ms: exp,
        tags: Vec::new(),
    }
}

#[test]
fn layout_round_trips() {
    let tagged = PersistedKv {
        tags: vec!["artist:björk".into(), "track:1".into()],
        ..entry(b"v", false, None)
    };
    for e in [
        entry(b"abc", false, Some(5)),
        entry(b"", true, None),
        tagged,
    ] {
        let r = decode(&tree_key("ns", "k\u{e9}y"), &encode(&e)).unwrap();
        assert_eq!((r.namespace.as_str(), r.key.as_str()), ("ns", "k\u{e9}y"));
        assert_eq!(r.entry, e);
    }
    assert!(
        decode(b"nsk", &encode(&entry(b"", false, None))).is_none(),
        "no separator"
    );
    assert!(
        decode(&tree_key("a", "b"), &[9; 20]).is_none(),
        "unknown layout"
    );
}

fn record(ns: &str, key: &str, v: &[u8]) -> KvRecord {
    KvRecord {
        namespace: ns.into(),
        key: key.into(),
        entry: entry(v, false, None),
    }
}

/// What a compaction does to the store, with `records` as the snapshot.
fn compact(s: &Store, records: &[KvRecord]) {
    let mut rotation = s.begin_compaction().unwrap();
    rotation.sync().unwrap();
    s.write_kv_snapshot(records, &rotation).unwrap();
    s.end_compaction(rotation.covered).unwrap();
}

#[test]
fn the_snapshot_plus_the_journal_is_the_state() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = Store::open(dir.path()).unwrap();
        compact(
            &s,
            &[
                record("a", "1", b"x"),
                record("a", "2", b"y"),
                record("ab", "1", b"z"),
            ],
        );
        s.put_kv("a", "3", entry(b"new", false, None).fields())
            .unwrap();
        s.delete_kv("a", "2").unwrap();
        let e = s.clear_kv_namespace("ab").unwrap();
        s.sync_blocking(e).unwrap();
        // Dropped without a compaction, as after kill -9.
    }
    let s = crate::store::open_again(dir.path()).unwrap();
    let (all, skipped) = s.load_kv().unwrap();
    let keys: Vec<(&str, &str)> = all
        .iter()
        .map(|r| (r.namespace.as_str(), r.key.as_str()))
        .collect();
    assert_eq!((keys, skipped), (vec![("a", "1"), ("a", "3")], 0));
    // A compaction writes that state as the snapshot.
    compact(&s, &all);
    drop(s);
    let s = crate::store::open_again(dir.path()).unwrap();
    assert_eq!(s.load_kv().unwrap().0, all);
}

#[test]
fn per_key_records_of_older_data_dirs_are_read_then_replaced() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = Store::open(dir.path()).unwrap();
        s.kv.insert(tree_key("old", "k"), encode(&entry(b"v", false, None)))
            .unwrap();
        s.flush().unwrap();
    }
    let s = crate::store::open_again(dir.path()).unwrap();
    let (all, _) = s.load_kv().unwrap();
    assert_eq!(all, vec![record("old", "k", b"v")]);
    compact(&s, &all);
    assert!(
        s.kv.get(tree_key("old", "k")).unwrap().is_none(),
        "the per-key record is gone"
    );
    drop(s);
    let s = crate::store::open_again(dir.path()).unwrap();
    assert_eq!(
        s.load_kv().unwrap().0,
        all,
        "and lives on in the snapshot file"
    );
}
