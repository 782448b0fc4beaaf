//! Criterion benchmark of `library::parse` on generated apple-xml libraries
//! of 1,000 and 10,000 tracks (quirky style), reported in bytes per second.
#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use trackcache_daemon::sources::{parse, LibraryFormat};
use trackcache_tests::generator::{generate, write_apple_xml, write_jsonl, XmlStyle};

fn bench_parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    for tracks in [1_000, 10_000] {
        let generated = generate(tracks, 1);
        let inputs = [
            (
                LibraryFormat::AppleXml,
                write_apple_xml(&generated, &XmlStyle::quirky()),
            ),
            (LibraryFormat::Jsonl, write_jsonl(&generated)),
        ];
        for (format, bytes) in inputs {
            group.throughput(Throughput::Bytes(bytes.len() as u64));
            group.bench_with_input(
                BenchmarkId::new(format.name(), tracks),
                &bytes,
                |b, bytes| {
                    // Dropping 10,000 tracks is not parsing: keep it out of the timing.
                    b.iter_with_large_drop(|| parse(format, black_box(bytes)).unwrap());
                },
            );
        }
    }
    group.finish();
}

criterion_group!(benches, bench_parse);
criterion_main!(benches);
