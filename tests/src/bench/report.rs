//! Markdown for BENCHMARKS.md: the request-path table with Redis side by
//! side, and the library-path table with references, each with the targets
//! checked from the numbers.

use std::fmt::Write;

use super::library::SizeResult;
use super::refs::Reference;
use super::suite::{verdicts, Measured, Row, Sizes, Spread};

fn spread(s: &Spread, digits: usize) -> String {
    format!(
        "{:.d$} / {:.d$} / {:.d$}",
        s.min,
        s.median,
        s.max,
        d = digits
    )
}

fn mark(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "**missed**"
    }
}

/// The request-path report.
pub fn markdown_suite(floor: &Measured, rows: &[Row], sz: &Sizes) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{} runs each; {} measured requests per run after {} warm-up; {} preloaded keys; 200-byte values; \
         one client thread driving all connections. Cells are min / median / max.\n",
        sz.runs, sz.requests, sz.warmup, sz.keyspace
    );
    let _ = writeln!(
        o,
        "Bare Unix-socket round trip (echo, 1 connection): p50 {} µs\n",
        spread(&floor.p50, 1)
    );
    let _ = writeln!(
        o,
        "Server CPU µs/request: the server process's user plus system time (all threads, from \
         /proc; the pid from SO_PEERCRED) during the measured requests, divided by their number. \
         It moves less between runs than throughput does on a shared machine.\n"
    );
    let _ = writeln!(
        o,
        "| scenario | server | ops/s | p50 µs | p99 µs | p99.9 µs | server CPU µs/request |"
    );
    let _ = writeln!(o, "|---|---|---|---|---|---|---|");
    for r in rows {
        for (name, m) in [
            ("trackcache", &r.trackcache),
            (
                if r.scenario.durable {
                    "redis aof everysec"
                } else {
                    "redis"
                },
                &r.redis,
            ),
        ] {
            let _ = writeln!(
                o,
                "| {} | {name} | {} | {} | {} | {} | {} |",
                r.scenario.name,
                spread(&m.ops, 0),
                spread(&m.p50, 1),
                spread(&m.p99, 1),
                spread(&m.p999, 1),
                m.cpu_us.as_ref().map_or("?".into(), |c| spread(c, 2))
            );
        }
        let _ = writeln!(
            o,
            "| {} | **ratio** | **{:.2}x** | {:.2}x | | | {} |",
            r.scenario.name,
            r.trackcache.ops.median / r.redis.ops.median,
            r.trackcache.p50.median / r.redis.p50.median,
            match (&r.trackcache.cpu_us, &r.redis.cpu_us) {
                (Some(t), Some(r)) if r.median > 0.0 => format!("{:.2}x", t.median / r.median),
                _ => String::new(),
            }
        );
    }
    let _ = writeln!(o, "\n| target | measured (medians) | |");
    let _ = writeln!(o, "|---|---|---|");
    for v in verdicts(rows, floor) {
        let _ = writeln!(o, "| {} | {} | {} |", v.target, v.measured, mark(v.met));
    }
    o
}

/// The library-path report.
pub fn markdown_library(results: &[SizeResult], refs: &[Reference], runs: usize) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{runs} runs each; min / median / max, seconds unless marked.\n"
    );
    let _ = writeln!(o, "| tracks | file MB | parse | first import | unchanged re-read | one-track re-read | rename to LibrarySynced | start-up to first query | peak RSS MiB (RSS) |");
    let _ = writeln!(o, "|---|---|---|---|---|---|---|---|---|");
    for r in results {
        let _ = writeln!(
            o,
            "| {} | {:.1} | {} | {} | {} | {} | {} | {} | {:.0} ({:.0}) |",
            r.tracks,
            r.bytes as f64 / 1e6,
            spread(&r.parse, 3),
            spread(&r.first_import, 3),
            spread(&r.unchanged, 3),
            spread(&r.one_change, 3),
            spread(&r.rename_to_event, 3),
            spread(&r.startup, 3),
            r.peak_rss_mib,
            r.rss_mib
        );
    }
    if !refs.is_empty() {
        let _ = writeln!(o, "\nReferences on the largest file, same session:\n");
        let _ = writeln!(o, "| reference | seconds | peak RSS MiB |");
        let _ = writeln!(o, "|---|---|---|");
        for r in refs {
            let rss = r
                .max_rss_kib
                .map_or(String::new(), |k| format!("{:.0}", k as f64 / 1024.0));
            let _ = writeln!(o, "| {} | {:.3} | {rss} |", r.name, r.secs);
        }
    }
    let find = |n: usize| results.iter().find(|r| r.tracks == n);
    if let (Some(small), Some(big)) = (find(10_000), find(100_000)) {
        let _ = writeln!(
            o,
            "\nScaling 10,000 -> 100,000 tracks (10x the data): parse {:.1}x, first import {:.1}x, one-track re-read {:.1}x.",
            big.parse.median / small.parse.median,
            big.first_import.median / small.first_import.median,
            big.one_change.median / small.one_change.median
        );
    }
    if let Some(r) = find(100_000) {
        let checks = [
            ("parse under 0.4 s", r.parse.median, r.parse.median < 0.4),
            (
                "first import under 1.5 s",
                r.first_import.median,
                r.first_import.median < 1.5,
            ),
            (
                "unchanged re-read under 0.1 s",
                r.unchanged.median,
                r.unchanged.median < 0.1,
            ),
            (
                "one-track change under 0.6 s from rename to event",
                r.rename_to_event.median,
                r.rename_to_event.median < 0.6,
            ),
            (
                "start-up under 0.3 s",
                r.startup.median,
                r.startup.median < 0.3,
            ),
            (
                "peak RSS under 150 MB (MiB shown)",
                r.peak_rss_mib,
                r.peak_rss_mib * 1.048_576 < 150.0,
            ),
        ];
        let _ = writeln!(o, "\n| target (100,000 tracks) | median | |");
        let _ = writeln!(o, "|---|---|---|");
        for (t, v, met) in checks {
            let _ = writeln!(o, "| {t} | {v:.3} | {} |", mark(met));
        }
    }
    o
}
