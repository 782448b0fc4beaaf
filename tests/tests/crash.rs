//! Crash consistency: 20 rounds of `kill -9` while clients write every kind
//! of durable data (kv entries, album years, API answers, last runs) and the
//! library changes under them. After each restart, every acknowledged write
//! must be there, and every announced invalidation must still hold.
#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use trackcache_client::{Client, Ttl};
use trackcache_protocol::{ApiOutcome, KvLookup, SetAlbumYear, SetApiResult, Track};
use trackcache_tests::harness::{wait_until, DEADLINE};
use trackcache_tests::scenario::{library, LibraryEnv, WriteMode};

const ROUNDS: u32 = 20;
const WRITERS: u32 = 3;
const CONFIG: &str = "[cache.namespaces.p]\npersistent = true\nttl_secs = 0\nmax_entries = 1000000\nmax_bytes = 1073741824\n";

/// What clients were told is stored. Values only grow per key, so "at
/// least the last acknowledged one" is the check (a write in flight at the
/// kill may be there too, or not).
#[derive(Default)]
struct Ledger {
    kv: BTreeMap<String, u64>,
    years: BTreeMap<(String, String), i32>,
    api: BTreeMap<(String, String), u64>,
    runs: BTreeMap<String, u64>,
    /// Album pairs whose invalidation was announced.
    invalidated: Vec<(String, String)>,
    /// Acknowledged writes, all kinds, all rounds.
    writes: u64,
}

fn writer(socket: PathBuf, w: u32, round: u32, stop: Arc<AtomicBool>, ledger: Arc<Mutex<Ledger>>) {
    let Ok(mut c) = Client::connect(&socket) else {
        return;
    };
    let mut i: u64 = u64::from(round) * 1_000_000;
    while !stop.load(Ordering::Acquire) {
        i += 1;
        let kv_key = format!("w{w}-k{}", i % 500);
        let album = format!("Writer {w} Album {}", i % 50);
        let artist = format!("Writer {w}");
        let year = i32::try_from(i).unwrap();
        let ok = c
            .kv_set("p", &kv_key, i.to_string().as_bytes(), Ttl::Default)
            .is_ok();
        if !ok {
            return;
        }
        let mut l = ledger.lock().unwrap();
        l.kv.insert(kv_key, i);
        l.writes += 1;
        drop(l);
        let stamped = SetAlbumYear {
            artist: artist.clone(),
            album: album.clone(),
            year,
            confidence: 50,
            source: "crash-test".into(),
            force: true,
            stored_at_ms: None,
        };
        if c.set_album_year(stamped).is_err() {
            return;
        }
        let mut l = ledger.lock().unwrap();
        l.years.insert((artist.clone(), album.clone()), year);
        l.writes += 1;
        drop(l);
        let answer = SetApiResult {
            source: "musicbrainz".into(),
            artist: artist.clone(),
            album: album.clone(),
            outcome: ApiOutcome::Found {
                payload: i.to_string(),
                metadata: Vec::new(),
            },
            stored_at_ms: None,
        };
        if c.set_api_result(answer).is_err() {
            return;
        }
        let mut l = ledger.lock().unwrap();
        l.api.insert((artist, album), i);
        l.writes += 1;
        drop(l);
        let client = format!("writer-{w}");
        if c.set_last_run(&client, 1_000_000 + i).is_err() {
            return;
        }
        let mut l = ledger.lock().unwrap();
        l.runs.insert(client, 1_000_000 + i);
        l.writes += 1;
        drop(l);
    }
}

/// Renames one library album per round and waits for its invalidation to
/// be announced; its cached year was set (acknowledged) just before.
fn rename_one(lib: &LibraryEnv, tracks: &mut [Track], round: u32, ledger: &Mutex<Ledger>) {
    let victim = tracks[round as usize % tracks.len()].clone();
    let (artist, album) = (
        victim.artist.clone().unwrap(),
        victim.album.clone().unwrap(),
    );
    let mut c = lib.env.client();
    c.set_album_year(SetAlbumYear {
        artist: artist.clone(),
        album: album.clone(),
        year: 1999,
        confidence: 90,
        source: "crash-test".into(),
        force: true,
        stored_at_ms: None,
    })
    .unwrap();
    let watch = lib.watch(lib.seq());
    for t in tracks.iter_mut() {
        if t.album.as_deref() == Some(&album) {
            t.album = Some(format!("{album} r{round}"));
        }
    }
    lib.write(tracks, WriteMode::AtomicRename);
    let key = format!("{}|{}", artist.to_lowercase(), album.to_lowercase());
    watch.until(|e| {
        e["type"] == "entries_invalidated"
            && e["content_type"] == "album_year"
            && e["keys"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k.as_str() == Some(&key)))
    });
    ledger.lock().unwrap().invalidated.push((artist, album));
}

fn join(writers: Vec<std::thread::JoinHandle<()>>) {
    for w in writers {
        w.join().unwrap();
    }
}

/// Every acknowledged write is there; every announced invalidation holds.
fn check(c: &mut Client, ledger: &Ledger) -> (usize, usize) {
    let mut lost = Vec::new();
    for (k, v) in &ledger.kv {
        match c.kv_get("p", k).unwrap() {
            KvLookup::Hit { value, .. } => {
                let got: u64 = String::from_utf8_lossy(&value).parse().unwrap();
                if got < *v {
                    lost.push(format!("kv {k}: {got} < {v}"));
                }
            }
            other => lost.push(format!("kv {k}: {other:?}")),
        }
    }
    for ((artist, album), y) in &ledger.years {
        match c.get_album_year(artist, album, 0).unwrap() {
            Some(e) if e.year >= *y => {}
            other => lost.push(format!("year {artist}/{album}: {other:?}, wanted {y}")),
        }
    }
    for ((artist, album), i) in &ledger.api {
        match c.get_api_result("musicbrainz", artist, album).unwrap() {
            Some(e) => match e.outcome {
                ApiOutcome::Found { payload, .. } if payload.parse::<u64>().unwrap() >= *i => {}
                other => lost.push(format!("api {artist}/{album}: {other:?} < {i}")),
            },
            None => lost.push(format!("api {artist}/{album}: missing")),
        }
    }
    for (client, at) in &ledger.runs {
        match c.get_last_run(client).unwrap() {
            Some(got) if got >= *at => {}
            other => lost.push(format!("run {client}: {other:?} < {at}")),
        }
    }
    let mut stale = Vec::new();
    for (artist, album) in &ledger.invalidated {
        if c.get_album_year(artist, album, 0).unwrap().is_some() {
            stale.push(format!("{artist}/{album}"));
        }
    }
    assert!(lost.is_empty(), "acknowledged writes lost: {lost:#?}");
    assert!(
        stale.is_empty(),
        "announced invalidations undone: {stale:#?}"
    );
    (
        ledger.kv.len() + ledger.years.len() + ledger.api.len() + ledger.runs.len(),
        ledger.invalidated.len(),
    )
}

#[test]
fn twenty_kill_9_rounds_lose_no_acknowledged_write_or_invalidation() {
    let mut tracks = library(60, 42);
    let n = tracks.len();
    let lib = LibraryEnv::new(&tracks, CONFIG);
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let started = Instant::now();
    let mut acked_total = 0;
    for round in 0..ROUNDS {
        let d = lib.start(n);
        if round > 0 {
            let checked = check(&mut lib.env.client(), &ledger.lock().unwrap());
            acked_total = checked.0;
        }
        let stop = Arc::new(AtomicBool::new(false));
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                let (socket, stop, ledger) = (lib.env.socket.clone(), stop.clone(), ledger.clone());
                std::thread::spawn(move || writer(socket, w, round, stop, ledger))
            })
            .collect();
        // Kill at a different moment each round: after a round-dependent
        // number of acknowledged writes.
        let base = ledger.lock().unwrap().writes;
        let more = 200 + u64::from(round % 7) * 300;
        wait_until("more acknowledged writes", DEADLINE, || {
            ledger.lock().unwrap().writes >= base + more
        });
        if round % 2 == 0 {
            // Writers still running; the library changes under them.
            rename_one(&lib, &mut tracks, round, &ledger);
            d.kill();
            stop.store(true, Ordering::Release);
            join(writers);
        } else {
            // The library change is the last thing before the kill: no
            // client write comes after its invalidation to carry it to disk.
            stop.store(true, Ordering::Release);
            join(writers);
            rename_one(&lib, &mut tracks, round, &ledger);
            d.kill();
        }
    }
    let _d = lib.start(n);
    let ledger = ledger.lock().unwrap();
    let (keys, invalidated) = check(&mut lib.env.client(), &ledger);
    eprintln!(
        "{ROUNDS} kill -9 rounds in {:?}: {} acknowledged writes; {keys} keys checked after \
         every restart ({acked_total} before the last), {invalidated} announced invalidations \
         held, 0 lost",
        started.elapsed(),
        ledger.writes,
    );
}
