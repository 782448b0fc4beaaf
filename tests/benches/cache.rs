//! Criterion benchmark of one cache namespace, the in-memory work of a
//! generic-cache GET and SET: 100,000 preloaded keys of the load
//! generator's shape, 200-byte values, keys picked at random so that the
//! lookups miss the CPU caches as they do under real load; and sets of new
//! keys into a full namespace, which evict.
#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rand::{Rng, SeedableRng};
use trackcache_daemon::cache::{Entry, Namespace};
use trackcache_daemon::config::NamespacePolicy;

const KEYS: usize = 100_000;
const PICKS: usize = 100_000;

fn entry() -> Entry {
    Entry {
        value: vec![7; 200].into(),
        negative: false,
        stored_at_ms: 1,
        expires_at_ms: None,
        tags: Vec::new(),
    }
}

fn bench_namespace(c: &mut Criterion) {
    let policy = NamespacePolicy {
        ttl: None,
        max_entries: 10_000_000,
        max_bytes: 1 << 32,
        ..NamespacePolicy::default()
    };
    let keys: Vec<String> = (0..KEYS).map(|i| format!("key:{i:012}")).collect();
    let mut ns = Namespace::new(policy.clone());
    for k in &keys {
        ns.set(k, entry()).unwrap();
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let picks: Vec<&str> = (0..PICKS)
        .map(|_| keys[rng.random_range(0..KEYS)].as_str())
        .collect();

    let mut group = c.benchmark_group("namespace");
    group.throughput(Throughput::Elements(PICKS as u64));
    group.bench_function("get, 100k keys", |b| {
        b.iter(|| {
            for k in &picks {
                black_box(ns.get(k, 2));
            }
        });
    });
    group.bench_function("set (overwrite), 100k keys", |b| {
        b.iter(|| {
            for k in &picks {
                black_box(ns.set(k, entry()).unwrap());
            }
        });
    });
    // A full namespace: every set is a new key and evicts the least
    // recently used one. Two key sets take turns, so each set is new.
    let full = NamespacePolicy {
        max_entries: KEYS as u64,
        ..policy
    };
    let mut ns = Namespace::new(full);
    for k in &keys {
        ns.set(k, entry()).unwrap();
    }
    let fresh: [Vec<String>; 2] =
        ["a", "b"].map(|p| (0..PICKS).map(|i| format!("{p}:{i:012}")).collect());
    let mut turn = 0;
    group.bench_function("set (new key, evicting), 100k keys", |b| {
        b.iter(|| {
            turn ^= 1;
            for k in &fresh[turn] {
                black_box(ns.set(k, entry()).unwrap());
            }
        });
    });
    group.finish();
}

criterion_group!(benches, bench_namespace);
criterion_main!(benches);
