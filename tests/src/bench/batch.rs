//! `trackcache-bench batch`: N album-year gets from Rust as one batch
//! request, against the same N gets as single requests, one round trip each
//! (the reference), and pipelined. The daemon is started here, caches only,
//! holding N album years.

use std::time::{Duration, Instant};

use trackcache_client::protocol::{AlbumYearQuery, Request, SetAlbumYear};
use trackcache_client::Client;

use super::process::Daemon;

/// Requests in flight per pipelined write (the importer's chunk).
const PIPELINE_CHUNK: usize = 500;

/// Options of `trackcache-bench batch`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Album years stored and read per measurement.
    #[arg(long, default_value_t = 10_000)]
    pub items: usize,
    /// Measurements per way (the median is reported).
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
}

fn albums(n: usize) -> Vec<(String, String)> {
    (0..n)
        .map(|i| (format!("Artist {}", i % 997), format!("Album {i}")))
        .collect()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Runs the measurements and prints a Markdown table.
pub fn main(a: Args) -> anyhow::Result<()> {
    anyhow::ensure!(
        a.items > 0 && a.runs > 0,
        "--items and --runs must be positive"
    );
    let dir = tempfile::tempdir()?;
    let daemon = Daemon::start_caches_only(dir.path(), "")?;
    let mut c = Client::connect(&daemon.socket)?;
    c.set_timeout(None)?;
    let keys = albums(a.items);
    let sets = keys
        .iter()
        .map(|(artist, album)| SetAlbumYear {
            artist: artist.clone(),
            album: album.clone(),
            year: 1970,
            confidence: 90,
            source: "bench".into(),
            force: true,
            stored_at_ms: None,
        })
        .collect();
    let stored = c.set_album_years(sets)?;
    anyhow::ensure!(stored.iter().all(Result::is_ok), "preloading failed");
    let queries: Vec<AlbumYearQuery> = keys
        .iter()
        .map(|(artist, album)| AlbumYearQuery {
            artist: artist.clone(),
            album: album.clone(),
            min_confidence: 0,
        })
        .collect();

    let (mut single, mut piped, mut batch) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..a.runs {
        let t = Instant::now();
        for q in &queries {
            let hit = c.get_album_year(&q.artist, &q.album, 0)?;
            anyhow::ensure!(hit.is_some(), "a stored year was missed");
        }
        single.push(t.elapsed());

        let t = Instant::now();
        let mut replies = 0;
        // In chunks, as the CLI's importer does: the blocking client writes a
        // whole chunk before reading, so the replies must fit the socket buffer.
        for chunk in queries.chunks(PIPELINE_CHUNK) {
            let requests = chunk
                .iter()
                .map(|q| Request::GetAlbumYear {
                    artist: q.artist.clone(),
                    album: q.album.clone(),
                    min_confidence: 0,
                })
                .collect();
            replies += c.pipeline(requests)?.len();
        }
        piped.push(t.elapsed());
        anyhow::ensure!(replies == a.items, "pipeline lost replies");

        let t = Instant::now();
        let got = c.get_album_years(queries.clone())?;
        batch.push(t.elapsed());
        anyhow::ensure!(
            got.iter().all(|r| matches!(r, Ok(Some(_)))),
            "the batch missed stored years"
        );
    }
    daemon.stop()?;
    let (single, piped, batch) = (median(single), median(piped), median(batch));
    let per = |d: Duration| d.as_secs_f64() * 1e6 / a.items as f64;
    println!(
        "{} album-year gets from Rust (median of {} runs):\n",
        a.items, a.runs
    );
    println!("| way | total ms | µs per get | vs single requests |");
    println!("|---|---:|---:|---:|");
    for (way, d) in [
        ("single requests, one round trip each (reference)", single),
        ("single requests, pipelined 500 at a time", piped),
        ("one batch request", batch),
    ] {
        println!(
            "| {way} | {:.1} | {:.2} | {:.1}x faster |",
            d.as_secs_f64() * 1e3,
            per(d),
            single.as_secs_f64() / d.as_secs_f64()
        );
    }
    Ok(())
}
