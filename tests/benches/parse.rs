//! Criterion benchmark of `library::parse` on generated apple-xml libraries
//! of 1,000 and 10,000 tracks (quirky style), reported in bytes per second;
//! and on a library of three tracks, one with a single huge `<string>`
//! (4, 16 and 64 MiB, with the field bound raised to let it in): the same
//! bytes per second at every size shows that parsing it is linear (it was
//! quadratic, issue 14).
#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use trackcache_daemon::sources::{parse, parse_with, LibraryFormat, Limits};
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

/// A three-track library whose middle track's Name is `mib` MiB of `x`.
fn one_big_field(mib: usize) -> Vec<u8> {
    let track = |id: usize, name: &str| {
        format!(
            "<key>{id}</key><dict><key>Track ID</key><integer>{id}</integer>\
             <key>Name</key><string>{name}</string></dict>\n"
        )
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict>\
         <key>Tracks</key><dict>\n{}{}{}</dict></dict></plist>\n",
        track(1, "a"),
        track(2, &"x".repeat(mib << 20)),
        track(3, "b")
    )
    .into_bytes()
}

fn bench_big_field(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse_one_big_field");
    group.sample_size(10);
    let limits = Limits {
        max_field_bytes: 128 << 20,
    };
    for mib in [4, 16, 64] {
        let bytes = one_big_field(mib);
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(format!("{mib}MiB")),
            &bytes,
            |b, bytes| {
                b.iter_with_large_drop(|| {
                    parse_with(LibraryFormat::AppleXml, &limits, black_box(bytes)).unwrap()
                });
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench_parse, bench_big_field);
criterion_main!(benches);
