//! Criterion benchmark of the snapshot diff: a re-read library of 10,000
//! and 100,000 tracks against its own index (nothing changed), and with one
//! track changed, in tracks per second. This is the part of a re-read that
//! is not parsing.
#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use trackcache_daemon::snapshot::{content_hash, Differ, LibraryIndex};
use trackcache_tests::generator::generate;

fn bench_diff(c: &mut Criterion) {
    let mut group = c.benchmark_group("diff");
    group.sample_size(20);
    for tracks in [10_000, 100_000] {
        let lib = generate(tracks, 1);
        let mut index = LibraryIndex::default();
        for t in &lib {
            let e = index.entry_for(t, content_hash(t));
            index.insert(&t.id, e);
        }
        let mut changed = lib.clone();
        changed[tracks / 2].album = Some("Renamed".into());
        group.throughput(Throughput::Elements(tracks as u64));
        for (name, input) in [("unchanged", &lib), ("one changed", &changed)] {
            group.bench_with_input(BenchmarkId::new(name, tracks), input, |b, input| {
                b.iter(|| {
                    let mut d = Differ::new();
                    for t in input {
                        d.feed(&index, t);
                    }
                    black_box(d.finish(&index))
                });
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench_diff);
criterion_main!(benches);
