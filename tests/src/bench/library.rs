//! LibraryService-path measurements: parse alone, first import, unchanged re-read
//! and one-track re-read (in process, through the daemon's own `LibraryService`),
//! then with the real daemon: rename-to-`LibrarySynced` latency, start-up to
//! the first answered query with the snapshot persisted, and peak RSS with
//! the tracks and 100,000 cache entries held. References run in the same
//! session.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use trackcache_client::Client;
use trackcache_daemon::config::{LibraryConfig, LibrarySource};
use trackcache_daemon::sources::{parse, LibraryFormat};
use trackcache_protocol::{Event, KvSet, Request, SyncOutcome, Track};

use super::process::Daemon;
use super::refs::{self, Reference};
use super::suite::Spread;
use crate::generator::{generate, write_apple_xml, XmlStyle};

pub use super::report::{markdown_library, markdown_suite};

/// `trackcache-bench library` arguments.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// LibraryService sizes, in tracks.
    #[arg(long, value_delimiter = ',', default_values_t = [1_000usize, 10_000, 100_000])]
    pub tracks: Vec<usize>,
    /// Runs per measurement.
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Generic cache entries held while measuring RSS.
    #[arg(long, default_value_t = 100_000)]
    pub cache_entries: u64,
    /// Where generated libraries are kept between runs.
    #[arg(long, default_value = "target/bench-libraries")]
    pub dir: PathBuf,
}

/// Everything measured for one library size (seconds unless noted).
#[derive(Debug, Default)]
pub struct SizeResult {
    /// Tracks.
    pub tracks: usize,
    /// File size, bytes.
    pub bytes: u64,
    /// Parse alone.
    pub parse: Spread,
    /// First import into an empty data dir (parse, diff, persist).
    pub first_import: Spread,
    /// Re-read of the unchanged file.
    pub unchanged: Spread,
    /// Re-read after one track changed.
    pub one_change: Spread,
    /// From the file's rename to a subscriber receiving `LibrarySynced`.
    pub rename_to_event: Spread,
    /// Daemon start-up to the first answered `TrackCount`, snapshot persisted.
    pub startup: Spread,
    /// Peak RSS, MiB, holding the tracks and the cache entries.
    pub peak_rss_mib: f64,
    /// RSS at the end, MiB.
    pub rss_mib: f64,
}

fn secs<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let t = Instant::now();
    let r = f();
    (r, t.elapsed().as_secs_f64())
}

/// The library of `n` tracks and its one-track-changed twin, generated once.
fn files(dir: &Path, n: usize) -> anyhow::Result<(PathBuf, Vec<u8>, Vec<u8>)> {
    std::fs::create_dir_all(dir)?;
    let mut tracks: Vec<Track> = generate(n, 1);
    let original = write_apple_xml(&tracks, &XmlStyle::plain());
    let t = &mut tracks[n / 2];
    t.album = Some(format!(
        "{} (Remastered)",
        t.album.clone().unwrap_or_default()
    ));
    let changed = write_apple_xml(&tracks, &XmlStyle::plain());
    let path = dir.join(format!("library-{n}.xml"));
    std::fs::write(&path, &original)?;
    Ok((path, original, changed))
}

fn replace(path: &Path, bytes: &[u8]) -> anyhow::Result<Instant> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes)?;
    let t = Instant::now();
    std::fs::rename(&tmp, path)?;
    Ok(t)
}

fn in_process(
    path: &Path,
    changed: &[u8],
    original: &[u8],
    runs: usize,
) -> anyhow::Result<(Spread, Spread, Spread)> {
    let (mut first, mut unchanged, mut one) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        let dir = tempfile::tempdir()?;
        let config = LibraryConfig {
            path: path.to_path_buf(),
            format: LibrarySource::File(LibraryFormat::AppleXml),
            settle: Duration::from_millis(300),
            poll: Duration::from_secs(30),
            retention: 100_000,
            command_timeout: Duration::from_secs(60),
            limits: Default::default(),
        };
        let lib = trackcache_daemon::embedded_library(config, dir.path())?;
        let (r, s) = secs(|| lib.sync_now());
        anyhow::ensure!(
            matches!(r.outcome, SyncOutcome::Imported { .. }),
            "first import: {:?}",
            r.outcome
        );
        first.push(s);
        let (r, s) = secs(|| lib.sync_now());
        anyhow::ensure!(
            r.outcome == SyncOutcome::Unchanged,
            "unchanged re-read: {:?}",
            r.outcome
        );
        unchanged.push(s);
        replace(path, changed)?;
        let (r, s) = secs(|| lib.sync_now());
        anyhow::ensure!(
            matches!(r.outcome, SyncOutcome::Synced { modified: 1, .. }),
            "one change: {:?}",
            r.outcome
        );
        one.push(s);
        replace(path, original)?;
    }
    Ok((Spread::of(first), Spread::of(unchanged), Spread::of(one)))
}

const DAEMON_CONFIG: &str =
    "[cache.namespaces.bench]\nmax_entries = 1000000\nmax_bytes = 1073741824\nttl_secs = 0\n";

fn fill_cache(socket: &Path, entries: u64) -> anyhow::Result<()> {
    let mut c = Client::connect(socket)?;
    let mut i = 0;
    while i < entries {
        let batch: Vec<Request> = (i..(i + 1000).min(entries))
            .map(|k| {
                Request::KvSet(KvSet {
                    namespace: "bench".into(),
                    key: format!("key:{k:012}"),
                    value: vec![b'v'; 200],
                    ttl_ms: None,
                    negative: false,
                    tags: Vec::new(),
                })
            })
            .collect();
        i += batch.len() as u64;
        for r in c.pipeline(batch)? {
            r.map_err(|e| anyhow::anyhow!("{e}"))?;
        }
    }
    Ok(())
}

fn with_daemon(
    r: &mut SizeResult,
    path: &Path,
    original: &[u8],
    changed: &[u8],
    args: &Args,
) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (d, _) = Daemon::start(dir.path(), path, DAEMON_CONFIG)?;
    let mut c = Client::connect(&d.socket)?;
    let deadline = Instant::now() + Duration::from_secs(300);
    while c.track_count()?.0 != r.tracks as u64 {
        anyhow::ensure!(Instant::now() < deadline, "the first import did not finish");
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut sub = Client::connect(&d.socket)?;
    sub.subscribe(None)?;
    sub.set_timeout(Some(Duration::from_secs(60)))?;
    let mut lat = Vec::new();
    for run in 0..args.runs {
        let bytes = if run % 2 == 0 { changed } else { original };
        let t = replace(path, bytes)?;
        loop {
            let ev = sub.next_event()?.context("no LibrarySynced within 60 s")?;
            if matches!(ev.event, Event::LibrarySynced { .. }) {
                lat.push(t.elapsed().as_secs_f64());
                break;
            }
        }
    }
    replace(path, original)?;
    r.rename_to_event = Spread::of(lat);
    fill_cache(&d.socket, args.cache_entries)?;
    let (hwm, rss) = d.memory_kib()?;
    (r.peak_rss_mib, r.rss_mib) = (hwm as f64 / 1024.0, rss as f64 / 1024.0);
    drop((c, sub));
    d.stop()?;
    let mut starts = Vec::new();
    for _ in 0..args.runs {
        let (d, took) = Daemon::start(dir.path(), path, DAEMON_CONFIG)?;
        starts.push(took.as_secs_f64());
        d.stop()?;
    }
    r.startup = Spread::of(starts);
    Ok(())
}

fn measure_size(n: usize, args: &Args) -> anyhow::Result<SizeResult> {
    let (path, original, changed) = files(&args.dir, n)?;
    let mut r = SizeResult {
        tracks: n,
        bytes: original.len() as u64,
        ..SizeResult::default()
    };
    let mut p = Vec::new();
    for _ in 0..args.runs {
        let (lib, s) = secs(|| parse(LibraryFormat::AppleXml, &original));
        anyhow::ensure!(lib?.tracks.len() == n, "parse gave the wrong count");
        p.push(s);
    }
    r.parse = Spread::of(p);
    (r.first_import, r.unchanged, r.one_change) =
        in_process(&path, &changed, &original, args.runs)?;
    with_daemon(&mut r, &path, &original, &changed, args)?;
    eprintln!(
        "{n} tracks: parse {:.3} s, import {:.3} s, rename->event {:.3} s",
        r.parse.median, r.first_import.median, r.rename_to_event.median
    );
    Ok(r)
}

/// Runs every size and prints the markdown report.
pub fn main(args: Args) -> anyhow::Result<()> {
    let mut results = Vec::new();
    for &n in &args.tracks {
        results.push(measure_size(n, &args)?);
    }
    let largest = args.tracks.iter().max().copied().unwrap_or(0);
    let references: Vec<Reference> =
        refs::measure(&args.dir.join(format!("library-{largest}.xml")));
    print!("{}", markdown_library(&results, &references, args.runs));
    Ok(())
}
