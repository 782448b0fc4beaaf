//! `trackcache-bench interference`: how much one client's large reads cost
//! another client's GETs. One connection sends GETs back to back (one in
//! flight) and records each one's latency, first alone, then while a second
//! connection lists every track (pages of 10,000) and reads the whole event
//! log (pages of 10,000) in a loop. The library has `--tracks` tracks and
//! the log as many events (every track modified once).
//!
//! `TRACKCACHED=path` runs another daemon binary, for before/after runs.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use trackcache_client::{Client, Ttl};
use trackcache_protocol::{Track, TrackQuery};

use super::process::Daemon;
use crate::generator::{generate, write_apple_xml, XmlStyle};

/// Options of `trackcache-bench interference`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Tracks in the library (and events in the log).
    #[arg(long, default_value_t = 100_000)]
    pub tracks: usize,
    /// Seconds of GETs per phase.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Phases of each kind, alternating (alone, loaded, alone, ...).
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
}

/// Latencies of GETs for `for_`, in ns.
fn gets(c: &mut Client, for_: Duration) -> anyhow::Result<Histogram<u64>> {
    let mut h = Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3)?;
    let end = Instant::now() + for_;
    while Instant::now() < end {
        let t = Instant::now();
        c.kv_get("bench", "k")?;
        h.record(t.elapsed().as_nanos() as u64)?;
    }
    Ok(h)
}

/// Lists every track and reads every event, page by page, until `stop`;
/// counts the pages.
fn large_reads(socket: &Path, stop: &AtomicBool, pages: &AtomicU64) -> anyhow::Result<()> {
    let mut c = Client::connect(socket)?;
    c.set_timeout(None)?;
    while !stop.load(Ordering::Acquire) {
        let mut offset = 0;
        loop {
            let page = c.list_tracks(TrackQuery {
                offset,
                limit: 10_000,
                ..TrackQuery::default()
            })?;
            pages.fetch_add(1, Ordering::Relaxed);
            if page.tracks.is_empty() || stop.load(Ordering::Acquire) {
                break;
            }
            offset += page.tracks.len() as u32;
        }
        let mut since = 0;
        loop {
            let page = c.changes(since, 10_000)?;
            pages.fetch_add(1, Ordering::Relaxed);
            match page.events.last() {
                Some(last) if page.more && !stop.load(Ordering::Acquire) => since = last.seq,
                _ => break,
            }
        }
    }
    Ok(())
}

fn row(label: &str, h: &Histogram<u64>) -> String {
    let us = |q: f64| h.value_at_quantile(q) as f64 / 1000.0;
    format!(
        "| {label} | {} | {:.1} | {:.1} | {:.1} | {:.1} |",
        h.len(),
        us(0.5),
        us(0.99),
        us(0.999),
        h.max() as f64 / 1000.0
    )
}

/// Runs the phases and prints a Markdown table.
pub fn main(a: Args) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let lib = dir.path().join("Library.xml");
    let mut tracks: Vec<Track> = generate(a.tracks, 3);
    std::fs::write(&lib, write_apple_xml(&tracks, &XmlStyle::plain()))?;
    let config = "[library]\nsettle_ms = 50\nretention = 1000000\n";
    let (daemon, _) = Daemon::start(dir.path(), &lib, config)?;
    let mut c = Client::connect(&daemon.socket)?;
    c.set_timeout(None)?;
    // Every track modified once: as many events in the log as tracks.
    let before = c.track_count()?.1;
    for t in &mut tracks {
        t.name = Some(format!("{} (remaster)", t.name.as_deref().unwrap_or("")));
    }
    let tmp = dir.path().join("Library.xml.tmp");
    std::fs::write(&tmp, write_apple_xml(&tracks, &XmlStyle::plain()))?;
    std::fs::rename(&tmp, &lib)?;
    let deadline = Instant::now() + Duration::from_secs(600);
    while c.track_count()?.1 < before + a.tracks as u64 {
        anyhow::ensure!(Instant::now() < deadline, "the re-read did not finish");
        std::thread::sleep(Duration::from_millis(50));
    }
    c.kv_set("bench", "k", &[7; 100], Ttl::Default)?;
    let phase = Duration::from_secs(a.seconds);
    let mut alone = Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3)?;
    let mut loaded = alone.clone();
    let mut pages = 0;
    for _ in 0..a.runs {
        alone.add(gets(&mut c, phase)?)?;
        let stop = Arc::new(AtomicBool::new(false));
        let count = Arc::new(AtomicU64::new(0));
        let reader = {
            let (socket, stop, count) = (daemon.socket.clone(), stop.clone(), count.clone());
            std::thread::spawn(move || large_reads(&socket, &stop, &count))
        };
        // The reader's first page is under way before the GETs start.
        while count.load(Ordering::Acquire) == 0 && !reader.is_finished() {
            std::thread::sleep(Duration::from_millis(1));
        }
        loaded.add(gets(&mut c, phase)?)?;
        stop.store(true, Ordering::Release);
        reader
            .join()
            .map_err(|_| anyhow::anyhow!("the reader panicked"))??;
        pages += count.load(Ordering::Relaxed);
    }
    println!(
        "GETs on one connection, one in flight, {} s x {} phases each; {} tracks, {} events; \
         the other client read {pages} pages of 10,000 meanwhile\n",
        a.seconds, a.runs, a.tracks, a.tracks
    );
    println!("| phase | GETs | p50 µs | p99 µs | p99.9 µs | max µs |");
    println!("|---|---|---|---|---|---|");
    println!("{}", row("alone", &alone));
    println!(
        "{}",
        row(
            "while another client lists tracks and reads changes",
            &loaded
        )
    );
    daemon.stop()?;
    Ok(())
}
