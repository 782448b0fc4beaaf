use std::time::Duration;

use super::*;

fn policy(max_entries: u64, max_bytes: u64) -> NamespacePolicy {
    NamespacePolicy {
        ttl: Some(Duration::from_secs(10)),
        negative_ttl: Some(Duration::from_secs(2)),
        max_entries,
        max_bytes,
        persistent: false,
        strategy: crate::config::Strategy::TimeBased,
    }
}

fn value(v: &[u8], expires_at_ms: Option<u64>) -> Entry {
    Entry {
        value: bytes::Bytes::copy_from_slice(v),
        negative: false,
        stored_at_ms: 0,
        expires_at_ms,
        tags: Vec::new(),
    }
}

fn tagged(v: &[u8], tags: &[&str]) -> Entry {
    Entry {
        tags: tags.iter().map(|t| (*t).to_owned()).collect(),
        ..value(v, None)
    }
}

#[test]
fn hit_negative_hit_and_miss_are_told_apart_and_counted() {
    let mut ns = Namespace::new(policy(10, 1000));
    ns.set("a", value(b"1", None)).unwrap();
    let neg = Entry {
        negative: true,
        ..value(b"", Some(500))
    };
    ns.set("b", neg).unwrap();
    assert_eq!(
        ns.get("a", 100),
        KvLookup::Hit {
            value: b"1".to_vec(),
            expires_in_ms: None
        }
    );
    assert_eq!(
        ns.get("b", 100),
        KvLookup::Negative {
            expires_in_ms: Some(400)
        }
    );
    assert_eq!(ns.get("c", 100), KvLookup::Miss);
    let c = ns.counters();
    assert_eq!((c.hits, c.negative_hits, c.misses, c.sets), (1, 1, 1, 2));
    let s = ns.stats("x");
    assert!((s.hit_rate() - 2.0 / 3.0).abs() < 1e-9);
}

#[test]
fn ttl_defaults_and_overrides() {
    let ns = Namespace::new(policy(10, 1000));
    assert_eq!(ns.expiry_for(None, false, 1000), Some(11_000));
    assert_eq!(ns.expiry_for(None, true, 1000), Some(3_000), "negative TTL");
    assert_eq!(ns.expiry_for(Some(5), false, 1000), Some(1_005));
    assert_eq!(ns.expiry_for(Some(0), false, 1000), None, "0 = never");
    let forever = Namespace::new(NamespacePolicy {
        ttl: None,
        ..policy(1, 1)
    });
    assert_eq!(forever.expiry_for(None, false, 1000), None);
}

#[test]
fn expired_entries_are_never_returned_and_are_purged_in_order() {
    let mut ns = Namespace::new(policy(10, 1000));
    ns.set("late", value(b"x", Some(300))).unwrap();
    ns.set("early", value(b"y", Some(200))).unwrap();
    ns.set("never", value(b"z", None)).unwrap();
    assert_eq!(ns.next_expiry(), Some(200));
    assert_eq!(
        ns.get("early", 200),
        KvLookup::Miss,
        "expired at its instant"
    );
    assert_eq!(ns.purge_expired(199), Vec::<Arc<str>>::new());
    assert_eq!(ns.purge_expired(250), vec![Arc::<str>::from("early")]);
    assert_eq!(ns.next_expiry(), Some(300));
    assert_eq!(ns.purge_expired(10_000).len(), 1);
    assert_eq!(ns.next_expiry(), None);
    assert_eq!(ns.counters().expirations, 2);
    assert_eq!(ns.stats("x").entries, 1);
}

#[test]
fn overwriting_moves_the_expiry() {
    let mut ns = Namespace::new(policy(10, 1000));
    ns.set("k", value(b"x", Some(100))).unwrap();
    ns.set("k", value(b"y", Some(900))).unwrap();
    assert!(ns.purge_expired(500).is_empty(), "old deadline forgotten");
    assert_eq!(ns.stats("x").bytes, 2);
}

#[test]
fn lru_eviction_by_entries_respects_recent_use() {
    let mut ns = Namespace::new(policy(2, 1000));
    ns.set("a", value(b"1", None)).unwrap();
    ns.set("b", value(b"2", None)).unwrap();
    ns.get("a", 0); // a is now most recently used
    let out = ns.set("c", value(b"3", None)).unwrap();
    assert_eq!(out.evicted, vec![Arc::<str>::from("b")]);
    assert_eq!(ns.get("b", 0), KvLookup::Miss);
    assert!(matches!(ns.get("a", 0), KvLookup::Hit { .. }));
    assert_eq!(ns.counters().evictions, 1);
}

#[test]
fn lru_eviction_by_bytes() {
    let mut ns = Namespace::new(policy(100, 10));
    ns.set("a", value(b"1234", None)).unwrap(); // 5 bytes
    ns.set("b", value(b"1234", None)).unwrap(); // 10 bytes
    let out = ns.set("c", value(b"12", None)).unwrap(); // 13 > 10: evict a
    assert_eq!(out.evicted, vec![Arc::<str>::from("a")]);
    assert_eq!(ns.stats("x").bytes, 8);
    let err = ns.set("d", value(&[0; 20], None)).unwrap_err();
    assert_eq!((err.size, err.max), (21, 10));
}

#[test]
fn delete_and_clear() {
    let mut ns = Namespace::new(policy(10, 1000));
    ns.set("a", value(b"1", Some(50))).unwrap();
    ns.set("b", value(b"2", None)).unwrap();
    assert!(!ns.delete("a", 60), "expired entry is not reported as live");
    assert!(!ns.delete("a", 60));
    assert_eq!(ns.clear(), 1);
    assert_eq!(ns.stats("x").bytes, 0);
    assert_eq!(ns.next_expiry(), None);
}

#[test]
fn restore_skips_expired_and_does_not_count_sets() {
    let mut ns = Namespace::new(policy(10, 1000));
    assert!(ns.restore("old", value(b"1", Some(10)), 20).is_none());
    assert_eq!(ns.restore("new", value(b"1", Some(30)), 20), Some(vec![]));
    assert_eq!(ns.counters().sets, 0);
    assert_eq!(ns.stats("x").entries, 1);
}

#[test]
fn prefix_queries_on_ordered_namespaces() {
    let mut ns = Namespace::ordered(policy(10, 1000));
    for k in [
        "a\u{1f}x\u{1f}s1",
        "a\u{1f}x\u{1f}s2",
        "a\u{1f}xy\u{1f}s1",
        "b\u{1f}x\u{1f}s1",
    ] {
        ns.set(k, value(b"1", None)).unwrap();
    }
    let got: Vec<String> = ns
        .keys_with_prefix("a\u{1f}x\u{1f}")
        .iter()
        .map(|k| k.to_string())
        .collect();
    assert_eq!(got, vec!["a\u{1f}x\u{1f}s1", "a\u{1f}x\u{1f}s2"]);
    ns.invalidate("a\u{1f}x\u{1f}s1");
    assert_eq!(ns.keys_with_prefix("a\u{1f}").len(), 2);
    // Unordered namespaces answer too, by scanning.
    let mut plain = Namespace::new(policy(10, 1000));
    plain.set("pre:1", value(b"1", None)).unwrap();
    plain.set("other", value(b"1", None)).unwrap();
    assert_eq!(plain.keys_with_prefix("pre:").len(), 1);
}

#[test]
fn tags_follow_entries_in_and_out() {
    let mut ns = Namespace::new(policy(2, 1000));
    ns.set("k1", tagged(b"1", &["artist:x", "track:1"]))
        .unwrap();
    ns.set("k2", tagged(b"2", &["artist:x"])).unwrap();
    let mut keys = ns.keys_tagged("artist:x");
    keys.sort();
    assert_eq!(keys, vec![Arc::<str>::from("k1"), Arc::<str>::from("k2")]);
    // Overwriting without the tag, evicting, invalidating: the index follows.
    ns.set("k2", value(b"3", None)).unwrap();
    assert_eq!(ns.keys_tagged("artist:x"), vec![Arc::<str>::from("k1")]);
    ns.set("k3", value(b"4", None)).unwrap(); // evicts k1 (LRU)
    assert!(ns.keys_tagged("artist:x").is_empty());
    assert!(ns.keys_tagged("track:1").is_empty());
    assert!(ns.invalidate("k3").is_some());
    assert_eq!(ns.counters().deletes, 0, "invalidations are not deletes");
    assert_eq!(ns.invalidate_all().len(), 1);
    assert_eq!(ns.stats("x").bytes, 0);
}

/// An expired entry used to leave its key in the ordered and tag indexes,
/// so prefix and tag queries named keys that were gone (and kept them).
#[test]
fn expired_entries_leave_every_index() {
    let mut ns = Namespace::ordered(policy(10, 1000));
    let e = Entry {
        expires_at_ms: Some(100),
        ..tagged(b"1", &["artist:x"])
    };
    ns.set("pre:1", e).unwrap();
    ns.set("pre:2", tagged(b"2", &["artist:x"])).unwrap();
    assert_eq!(ns.purge_expired(100), vec![Arc::<str>::from("pre:1")]);
    assert_eq!(ns.keys_with_prefix("pre:"), vec![Arc::<str>::from("pre:2")]);
    assert_eq!(ns.keys_tagged("artist:x"), vec![Arc::<str>::from("pre:2")]);
    assert_eq!(ns.stats("x").bytes, 6, "\"pre:2\" plus one value byte");
}

#[test]
fn an_overwrite_of_a_like_sized_value_reuses_the_buffer() {
    let mut ns = Namespace::new(policy(10, 10_000));
    ns.set("k", value(&[1; 200], None)).unwrap();
    let before = ns.peek("k").unwrap().value.as_ptr();
    let v = ns.recycled_value("k", &[2; 180]);
    assert_eq!(v.as_ptr(), before, "written into the old buffer");
    ns.set(
        "k",
        Entry {
            value: v,
            ..value(b"", None)
        },
    )
    .unwrap();
    assert_eq!(&ns.peek("k").unwrap().value[..], &[2; 180][..]);
    assert_eq!(ns.stats("x").bytes, 1 + 180, "the byte count follows");
}

#[test]
fn a_shared_or_ill_fitting_buffer_is_not_reused() {
    let mut ns = Namespace::new(policy(10, 10_000));
    ns.set("k", value(&[1; 200], None)).unwrap();
    // A compaction holds a clone: the old bytes must stay as they are.
    let held = ns.peek("k").unwrap().value.clone();
    let v = ns.recycled_value("k", &[2; 200]);
    assert_ne!(v.as_ptr(), held.as_ptr());
    assert_eq!(&held[..], &[1; 200][..]);
    assert_eq!(
        &ns.peek("k").unwrap().value[..],
        &[1; 200][..],
        "entry intact"
    );
    drop(held);
    // Far smaller (the buffer would waste more than half) or larger: new.
    for len in [10, 300] {
        let before = ns.peek("k").unwrap().value.as_ptr();
        let v = ns.recycled_value("k", &vec![3; len]);
        assert_ne!(v.as_ptr(), before, "len {len}");
        assert_eq!(ns.peek("k").unwrap().value.len(), 200, "entry intact");
    }
    assert_eq!(ns.stats("x").bytes, 1 + 200);
    assert_eq!(ns.recycled_value("absent", b"v"), &b"v"[..]);
}
