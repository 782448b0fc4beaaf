//! The soak (issue 14): 100 concurrent clients reading, writing, taking
//! leases and subscribed, while the library file is rewritten every
//! 200 ms. It must end with 0 protocol errors, no stale read after an
//! `entries_invalidated` event, a gapless seq (or an explicit `resync`) for
//! every subscriber, and it reports the daemon's peak RSS and descriptors.
//! `TRACKCACHE_SOAK_SECS` sets its length (CI: 20 s; RELIABILITY.md has
//! longer runs).
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use trackcache_client::{Client, Ttl};
use trackcache_protocol::{CacheKey, Event, LookupOutcome, SetAlbumYear, Track};
use trackcache_tests::scenario::{library, LibraryEnv, WriteMode};

const SUBSCRIBERS: usize = 10;
const KV_CLIENTS: usize = 60;
const YEAR_CLIENTS: usize = 20;
const LEASE_CLIENTS: usize = 10;
const CONFIG: &str = "[cache.namespaces.soak]\npersistent = true\nttl_secs = 0\n";

#[derive(Default)]
struct Tally {
    ops: AtomicU64,
    errors: Mutex<Vec<String>>,
    events: AtomicU64,
    resyncs: AtomicU64,
    stale_checks: AtomicU64,
}

impl Tally {
    fn error(&self, what: String) {
        self.errors.lock().unwrap().push(what);
    }
}

fn year(artist: &str, album: &str, y: i32) -> SetAlbumYear {
    SetAlbumYear {
        artist: artist.into(),
        album: album.into(),
        year: y,
        confidence: 50,
        source: "soak".into(),
        force: true,
        stored_at_ms: None,
    }
}

/// A client loop: `step` until `stop`, every error recorded.
fn run(
    socket: PathBuf,
    stop: Arc<AtomicBool>,
    tally: Arc<Tally>,
    mut step: impl FnMut(&mut Client, u64) -> Result<(), String> + Send + 'static,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut c = match Client::connect(&socket) {
            Ok(c) => c,
            Err(e) => return tally.error(format!("connect: {e}")),
        };
        let mut i = 0;
        while !stop.load(Ordering::Acquire) {
            i += 1;
            match step(&mut c, i) {
                Ok(()) => {
                    tally.ops.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => return tally.error(e),
            }
        }
    })
}

/// A subscriber: seqs must be gapless, or say `resync`.
fn subscriber(
    socket: PathBuf,
    stop: Arc<AtomicBool>,
    tally: Arc<Tally>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut c = Client::connect(&socket).unwrap();
        c.set_timeout(Some(Duration::from_millis(200))).unwrap();
        let sub = c.subscribe(None).unwrap();
        let mut next = sub.current_seq + 1;
        while !stop.load(Ordering::Acquire) {
            let ev = match c.next_event() {
                Ok(Some(ev)) => ev,
                Ok(None) => continue,
                Err(e) => return tally.error(format!("subscriber: {e}")),
            };
            tally.events.fetch_add(1, Ordering::Relaxed);
            match ev.event {
                Event::Resync { seq } => {
                    tally.resyncs.fetch_add(1, Ordering::Relaxed);
                    next = seq + 1;
                }
                _ if ev.seq != next => {
                    return tally.error(format!("a silent gap: seq {} after {}", ev.seq, next - 1))
                }
                _ => next += 1,
            }
        }
    })
}

/// Every 200 ms: cache a year for one library album, rename the album in
/// the file, wait for its `entries_invalidated`, and check at once that the
/// year is gone (no stale read after the event).
fn rewriter(lib: &LibraryEnv, mut tracks: Vec<Track>, until: Instant, tally: &Tally) {
    let mut c = lib.env.client();
    c.set_timeout(Some(Duration::from_millis(200))).unwrap();
    c.subscribe(None).unwrap();
    let mut round = 0usize;
    while Instant::now() < until {
        let started = Instant::now();
        round += 1;
        let (artist, album) = {
            let t = &tracks[round % tracks.len()];
            (t.artist.clone().unwrap(), t.album.clone().unwrap())
        };
        if let Err(e) = c.set_album_year(year(&artist, &album, 1990)) {
            return tally.error(format!("rewriter set: {e}"));
        }
        for t in tracks
            .iter_mut()
            .filter(|t| t.album.as_deref() == Some(&album))
        {
            t.album = Some(format!("{album} {round}"));
        }
        lib.write(&tracks, WriteMode::AtomicRename);
        let key = format!("{}|{}", artist.to_lowercase(), album.to_lowercase());
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            match c.next_event() {
                Ok(Some(ev)) => {
                    if let Event::EntriesInvalidated {
                        content_type, keys, ..
                    } = &ev.event
                    {
                        if content_type == "album_year" && keys.contains(&key) {
                            break;
                        }
                    }
                }
                Ok(None) if Instant::now() < deadline => {}
                Ok(None) => return tally.error(format!("no invalidation for {key}")),
                Err(e) => return tally.error(format!("rewriter events: {e}")),
            }
        }
        match c.get_album_year(&artist, &album, 0) {
            Ok(None) => {
                tally.stale_checks.fetch_add(1, Ordering::Relaxed);
            }
            Ok(Some(e)) => return tally.error(format!("stale read after invalidation: {e:?}")),
            Err(e) => return tally.error(format!("rewriter get: {e}")),
        }
        let left = Duration::from_millis(200).saturating_sub(started.elapsed());
        // The rewrite cadence is the scenario, not a wait for a condition.
        std::thread::sleep(left);
    }
}

#[test]
fn a_hundred_clients_and_a_library_rewritten_every_200_ms() {
    let secs: u64 = std::env::var("TRACKCACHE_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let tracks = library(400, 11);
    let lib = LibraryEnv::new(&tracks, CONFIG);
    let d = lib.start(tracks.len());
    let stop = Arc::new(AtomicBool::new(false));
    let tally = Arc::new(Tally::default());
    let socket = lib.env.socket.clone();
    let mut threads = Vec::new();
    for _ in 0..SUBSCRIBERS {
        threads.push(subscriber(socket.clone(), stop.clone(), tally.clone()));
    }
    for w in 0..KV_CLIENTS {
        threads.push(run(
            socket.clone(),
            stop.clone(),
            tally.clone(),
            move |c, i| {
                let key = format!("w{w}-{}", i % 100);
                if i % 3 == 0 {
                    c.kv_set("soak", &key, i.to_string().as_bytes(), Ttl::Default)
                        .map(drop)
                        .map_err(|e| format!("kv set: {e}"))
                } else {
                    c.kv_get("soak", &key)
                        .map(drop)
                        .map_err(|e| format!("kv get: {e}"))
                }
            },
        ));
    }
    for w in 0..YEAR_CLIENTS {
        threads.push(run(
            socket.clone(),
            stop.clone(),
            tally.clone(),
            move |c, i| {
                let (artist, album) = (format!("Soak {w}"), format!("Album {}", i % 50));
                c.set_album_year(year(&artist, &album, 2000 + (i % 20) as i32))
                    .map_err(|e| format!("year set: {e}"))?;
                c.get_album_year(&artist, &album, 0)
                    .map(drop)
                    .map_err(|e| format!("year get: {e}"))
            },
        ));
    }
    for w in 0..LEASE_CLIENTS {
        threads.push(run(
            socket.clone(),
            stop.clone(),
            tally.clone(),
            move |c, i| {
                let key = format!("contended-{}", i % 5);
                let looked = c.lookup(
                    CacheKey::Kv {
                        namespace: "leases".into(),
                        key: key.clone(),
                    },
                    5_000,
                    5_000,
                );
                match looked {
                    Ok(LookupOutcome::Lease { .. }) => c
                        .kv_set(
                            "leases",
                            &key,
                            format!("{w}").as_bytes(),
                            Ttl::For(Duration::from_secs(1)),
                        )
                        .map(drop)
                        .map_err(|e| format!("lease set: {e}")),
                    Ok(_) => Ok(()),
                    Err(e) => Err(format!("lookup: {e}")),
                }
            },
        ));
    }
    // The rewriter runs for the soak's length, or until its first error.
    rewriter(
        &lib,
        tracks,
        Instant::now() + Duration::from_secs(secs),
        &tally,
    );
    stop.store(true, Ordering::Release);
    for t in threads {
        t.join().unwrap();
    }
    let (rss, fds) = d.peak_rss_and_fds().unwrap_or_default();
    eprintln!(
        "soak {secs} s: {} operations from 100 clients, {} events seen by {SUBSCRIBERS} \
         subscribers ({} resyncs), {} rewrites checked for stale reads; peak RSS {} MiB, \
         {fds} descriptors open",
        tally.ops.load(Ordering::Relaxed),
        tally.events.load(Ordering::Relaxed),
        tally.resyncs.load(Ordering::Relaxed),
        tally.stale_checks.load(Ordering::Relaxed),
        rss / (1024 * 1024),
    );
    let errors = tally.errors.lock().unwrap();
    assert!(
        errors.is_empty(),
        "{} errors: {:#?}",
        errors.len(),
        &errors[..errors.len().min(10)]
    );
    assert!(tally.stale_checks.load(Ordering::Relaxed) > 0);
    assert!(fds < 400, "{fds} descriptors open");
}
