//! End-to-end: album-year and API caches, invalidation driven by the
//! library, leases, run tracking, restarts and kill -9.
#![allow(clippy::unwrap_used, missing_docs)]

use std::time::Duration;

use trackcache_client::{Client, Ttl};
use trackcache_protocol::{
    ApiOutcome, CacheKey, CachedValue, InvalidateTarget, KvLookup, KvSet, LookupOutcome, Request,
    Response, SetAlbumYear, SetApiResult, Track,
};
use trackcache_tests::harness::{json, wait_until, Env, DEADLINE};
use trackcache_tests::scenario::{library, new_track, LibraryEnv, WriteMode};

fn year(artist: &str, album: &str, y: i32, confidence: u8) -> SetAlbumYear {
    SetAlbumYear {
        artist: artist.into(),
        album: album.into(),
        year: y,
        confidence,
        source: "musicbrainz".into(),
        force: false,
        stored_at_ms: None,
    }
}

fn api(source: &str, artist: &str, album: &str, outcome: ApiOutcome) -> SetApiResult {
    SetApiResult {
        source: source.into(),
        artist: artist.into(),
        album: album.into(),
        outcome,
        stored_at_ms: None,
    }
}

fn found() -> ApiOutcome {
    ApiOutcome::Found {
        payload: "{\"year\":1979}".into(),
        metadata: vec![("year".into(), "1979".into())],
    }
}

/// The (artist, album) of the library's first track, and all tracks of that album.
fn first_album(tracks: &[Track]) -> (String, String) {
    (
        tracks[0].artist.clone().unwrap(),
        tracks[0].album.clone().unwrap(),
    )
}

/// Config that makes not-found answers and the `derived` namespace follow
/// library events.
const EVENT_DRIVEN_NEGATIVES_AND_DERIVED: &str = "[content_types.negative_result]\n\
     strategy = \"event_driven\"\n\
     [cache.namespaces.derived]\n\
     strategy = \"event_driven\"\n";

#[test]
fn renaming_an_album_drops_its_entries_and_says_so() {
    let tracks = library(80, 31);
    // Not-found answers and generic entries are time_based by default
    // (GenreUpdater's defaults); here they follow the library too.
    let lib = LibraryEnv::new(&tracks, EVENT_DRIVEN_NEGATIVES_AND_DERIVED);
    let _d = lib.start(80);
    let (artist, album) = first_album(&tracks);
    let mut c = lib.env.client();
    assert!(c.set_album_year(year(&artist, &album, 1979, 90)).unwrap().0);
    c.set_api_result(api("musicbrainz", &artist, &album, found()))
        .unwrap();
    c.set_api_result(api("discogs", &artist, &album, ApiOutcome::NotFound))
        .unwrap();
    c.kv_set_raw(KvSet {
        namespace: "derived".into(),
        key: "album-page".into(),
        value: b"<html>".to_vec(),
        ttl_ms: None,
        negative: false,
        tags: vec![format!("album:{artist}|{album}")],
    })
    .unwrap();
    // An unrelated album keeps its year.
    let other = tracks
        .iter()
        .find(|t| t.album.as_deref() != Some(&album) && t.artist.as_deref() != Some(&artist))
        .unwrap();
    c.set_album_year(year(
        other.artist.as_deref().unwrap(),
        other.album.as_deref().unwrap(),
        2001,
        80,
    ))
    .unwrap();

    let watch = lib.watch(lib.seq());
    let renamed: Vec<Track> = tracks
        .iter()
        .cloned()
        .map(|mut t| {
            if t.album.as_deref() == Some(&album) {
                t.album = Some(format!("{album} (Deluxe)"));
            }
            t
        })
        .collect();
    lib.write(&renamed, WriteMode::AtomicRename);
    let events =
        watch.until(|e| e["type"] == "entries_invalidated" && e["content_type"] == "album_year");
    let inv = events.last().unwrap();
    assert_eq!(inv["reason"], "track_modified");
    assert_eq!(
        inv["keys"][0].as_str().unwrap(),
        format!("{}|{}", artist.to_lowercase(), album.to_lowercase())
    );

    wait_until("every entry of the old album to be gone", DEADLINE, || {
        c.get_api_result("musicbrainz", &artist, &album)
            .unwrap()
            .is_none()
            && c.get_api_result("discogs", &artist, &album)
                .unwrap()
                .is_none()
            && c.kv_get("derived", "album-page").unwrap() == KvLookup::Miss
    });
    assert!(c.get_album_year(&artist, &album, 0).unwrap().is_none());
    assert!(c
        .get_album_year(
            other.artist.as_deref().unwrap(),
            other.album.as_deref().unwrap(),
            0
        )
        .unwrap()
        .is_some());
    let stats = json(&lib.env.cli(&["--json", "stats"]));
    let row = |n: &str| {
        stats["content_types"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == n)
            .unwrap()
            .clone()
    };
    assert_eq!(row("album_year")["invalidations"]["track_modified"], 1);
    assert_eq!(row("generic")["invalidations"]["track_modified"], 1);
}

#[test]
fn a_new_track_on_an_album_drops_its_year_by_fingerprint() {
    let tracks = library(60, 32);
    let lib = LibraryEnv::new(&tracks, "");
    let _d = lib.start(60);
    let (artist, album) = first_album(&tracks);
    let mut c = lib.env.client();
    c.set_album_year(year(&artist, &album, 1979, 95)).unwrap();
    let watch = lib.watch(lib.seq());
    let mut grown = tracks.clone();
    grown.push(Track {
        artist: Some(artist.clone()),
        album: Some(album.clone()),
        ..new_track(7)
    });
    lib.write(&grown, WriteMode::AtomicRename);
    let events = watch.until(|e| e["type"] == "entries_invalidated");
    assert_eq!(events.last().unwrap()["reason"], "fingerprint_changed");
    assert!(c.get_album_year(&artist, &album, 0).unwrap().is_none());
}

#[test]
fn a_lower_confidence_does_not_replace_a_higher_one_unless_forced() {
    let env = Env::new("");
    let _d = env.start();
    let mut c = env.client();
    let (stored, cur) = c
        .set_album_year(year("Pink Floyd", "The Wall", 1979, 90))
        .unwrap();
    assert!(stored);
    assert_eq!((cur.year, cur.confidence), (1979, 90));
    let (stored, cur) = c
        .set_album_year(year("pink floyd ", "THE WALL", 1982, 50))
        .unwrap();
    assert!(!stored, "lower confidence loses");
    assert_eq!(
        (cur.year, cur.artist.as_str()),
        (1979, "Pink Floyd"),
        "the reply names the current entry"
    );
    let mut forced = year("Pink Floyd", "The Wall", 1982, 50);
    forced.force = true;
    assert!(c.set_album_year(forced).unwrap().0);
    assert!(
        c.get_album_year("Pink Floyd", "The Wall", 60)
            .unwrap()
            .is_none(),
        "below the caller's minimum"
    );
    assert_eq!(
        c.get_album_year("Pink Floyd", "The Wall", 40)
            .unwrap()
            .unwrap()
            .year,
        1982
    );
    // Equal confidence: the newer answer wins. The CLI says which entry is current.
    assert!(
        c.set_album_year(year("Pink Floyd", "The Wall", 1979, 50))
            .unwrap()
            .0
    );
    let out = json(&env.cli(&[
        "--json",
        "album-year",
        "set",
        "Pink Floyd",
        "The Wall",
        "1990",
        "--confidence",
        "10",
    ]));
    assert_eq!(
        (out["status"].as_str(), out["current"]["year"].as_i64()),
        (Some("kept"), Some(1979))
    );
    assert_eq!(
        env.cli(&["album-year", "get", "Nobody", "Nothing"])
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn failed_and_not_found_answers_expire_by_their_ttls() {
    let env = Env::new("[content_types.failed_api_lookup]\nttl_secs = 1\n[content_types.negative_result]\nttl_secs = 2\n");
    let _d = env.start();
    let mut c = env.client();
    c.set_api_result(api(
        "lastfm",
        "A",
        "B",
        ApiOutcome::Failed {
            error: "429".into(),
        },
    ))
    .unwrap();
    c.set_api_result(api("discogs", "A", "B", ApiOutcome::NotFound))
        .unwrap();
    c.set_api_result(api("musicbrainz", "A", "B", found()))
        .unwrap();
    let failed = c.get_api_result("lastfm", "A", "B").unwrap().unwrap();
    assert!(matches!(failed.outcome, ApiOutcome::Failed { .. }));
    assert!(failed.expires_in_ms.unwrap() <= 1000);
    let nf = c.get_api_result("discogs", "a", "b").unwrap().unwrap();
    assert!(nf.expires_in_ms.unwrap() <= 2000 && nf.expires_in_ms.unwrap() > 1000);
    assert_eq!(
        c.get_api_result("musicbrainz", "A", "B")
            .unwrap()
            .unwrap()
            .expires_in_ms,
        None,
        "found never expires"
    );
    wait_until("the failed lookup to expire", DEADLINE, || {
        c.get_api_result("lastfm", "A", "B").unwrap().is_none()
    });
    wait_until("the not-found answer to expire", DEADLINE, || {
        c.get_api_result("discogs", "A", "B").unwrap().is_none()
    });
    assert!(c.get_api_result("musicbrainz", "A", "B").unwrap().is_some());
    // An answer obtained long ago is refused as already expired, not stored.
    let mut old = api(
        "lastfm",
        "A",
        "B",
        ApiOutcome::Failed {
            error: "old".into(),
        },
    );
    old.stored_at_ms = Some(1);
    let err = c.set_api_result(old).unwrap_err();
    assert!(err.to_string().contains("already expired"), "{err}");
    let st = json(&env.cli(&["--json", "stats"]));
    let failed_row = st["content_types"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "failed_api_lookup")
        .unwrap()
        .clone();
    assert_eq!(failed_row["expirations"], 1);
}

#[test]
fn two_concurrent_lookups_share_one_lease() {
    let env = Env::new("");
    let _d = env.start();
    let key = CacheKey::AlbumYear {
        artist: "Radiohead".into(),
        album: "OK Computer".into(),
    };
    let mut first = env.client();
    let LookupOutcome::Lease { .. } = first.lookup(key.clone(), 30_000, 0).unwrap() else {
        panic!("first caller gets the lease")
    };
    let socket = env.socket.clone();
    let k = key.clone();
    let second = std::thread::spawn(move || {
        let mut c = Client::connect(&socket).unwrap();
        c.set_timeout(None).unwrap();
        c.lookup(k, 30_000, 20_000).unwrap()
    });
    // Wait until the second caller is parked on the lease, then answer.
    let mut probe = env.client();
    wait_until("the second lookup to wait on the lease", DEADLINE, || {
        let s = probe.stats().unwrap();
        s.content_types
            .iter()
            .any(|t| t.name == "album_year" && t.coalesced == 1)
    });
    first
        .set_album_year(year("Radiohead", "OK Computer", 1997, 100))
        .unwrap();
    match second.join().unwrap() {
        LookupOutcome::Hit(CachedValue::AlbumYear(e)) => assert_eq!(e.year, 1997),
        other => panic!("the waiter gets the holder's value, got {other:?}"),
    }

    // A holder that disconnects hands the lease to the next caller at once.
    let other = CacheKey::Kv {
        namespace: "search".into(),
        key: "song".into(),
    };
    let mut holder = env.client();
    assert!(matches!(
        holder.lookup(other.clone(), 60_000, 0).unwrap(),
        LookupOutcome::Lease { .. }
    ));
    let socket = env.socket.clone();
    let k = other.clone();
    let waiter = std::thread::spawn(move || {
        Client::connect(&socket)
            .unwrap()
            .lookup(k, 60_000, 30_000)
            .unwrap()
    });
    wait_until("the waiter to park", DEADLINE, || {
        probe
            .stats()
            .unwrap()
            .content_types
            .iter()
            .any(|t| t.name == "generic" && t.coalesced == 1)
    });
    drop(holder);
    assert!(
        matches!(waiter.join().unwrap(), LookupOutcome::Lease { .. }),
        "lease passed on"
    );
}

#[test]
fn entries_and_runs_survive_a_restart() {
    let env = Env::new("");
    let d = env.start();
    let mut c = env.client();
    c.set_album_year(year("Björk", "Homogenic", 1997, 80))
        .unwrap();
    c.set_api_result(api("musicbrainz", "Björk", "Homogenic", found()))
        .unwrap();
    c.set_api_result(api(
        "lastfm",
        "Björk",
        "Homogenic",
        ApiOutcome::Failed {
            error: "timeout".into(),
        },
    ))
    .unwrap();
    c.set_last_run("genreupdater", 1_700_000_000_000).unwrap();
    c.set_last_run("future", 4_102_444_800_000).unwrap(); // 2100
    drop(c);
    assert!(d.stop().success());
    let _d = env.start();
    let mut c = env.client();
    let y = c.get_album_year("bjork", "homogenic", 0).unwrap();
    assert!(y.is_none(), "accents are kept: bjork is not björk");
    let y = c.get_album_year("björk", "homogenic", 0).unwrap().unwrap();
    assert_eq!((y.year, y.confidence), (1997, 80));
    assert!(
        y.expires_in_ms.unwrap() < 30 * 86_400_000,
        "remaining TTL, not a fresh one"
    );
    assert!(matches!(
        c.get_api_result("musicbrainz", "Björk", "Homogenic")
            .unwrap()
            .unwrap()
            .outcome,
        ApiOutcome::Found { .. }
    ));
    assert!(c
        .get_api_result("lastfm", "Björk", "Homogenic")
        .unwrap()
        .is_some());
    assert_eq!(
        c.get_last_run("genreupdater").unwrap(),
        Some(1_700_000_000_000)
    );
    assert_eq!(
        c.get_last_run("future").unwrap(),
        None,
        "a future run counts as none"
    );
    assert_eq!(
        env.cli(&["last-run", "get", "nobody"]).status.code(),
        Some(1)
    );
}

#[test]
fn kill_9_after_acknowledged_writes_loses_none() {
    let env = Env::new("[cache.namespaces.durable]\npersistent = true\nttl_secs = 0\n");
    let d = env.start();
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let socket = env.socket.clone();
            std::thread::spawn(move || {
                let mut c = Client::connect(&socket).unwrap();
                let mut reqs = Vec::new();
                for i in 0..250 {
                    reqs.push(Request::SetAlbumYear(year(
                        &format!("artist {w}"),
                        &format!("album {i}"),
                        1900 + i,
                        50,
                    )));
                    reqs.push(Request::SetApiResult(api(
                        "mb",
                        &format!("artist {w}"),
                        &format!("album {i}"),
                        found(),
                    )));
                    reqs.push(Request::KvSet(KvSet {
                        namespace: "durable".into(),
                        key: format!("{w}-{i}"),
                        value: vec![7; 64],
                        ttl_ms: None,
                        negative: false,
                        tags: Vec::new(),
                    }));
                }
                for r in c.pipeline(reqs).unwrap() {
                    assert!(
                        !matches!(
                            r,
                            Err(_) | Ok(Response::AlbumYearStored { stored: false, .. })
                        ),
                        "{r:?}"
                    );
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    // Every write above was acknowledged. Now the process dies with no chance to flush.
    let status = d.kill();
    assert!(!status.success());
    let _d = env.start();
    let mut c = env.client();
    for w in 0..4 {
        for i in (0..250).step_by(7) {
            let (artist, album) = (format!("artist {w}"), format!("album {i}"));
            assert_eq!(
                c.get_album_year(&artist, &album, 0)
                    .unwrap()
                    .map(|e| e.year),
                Some(1900 + i)
            );
            assert!(c.get_api_result("mb", &artist, &album).unwrap().is_some());
            assert!(matches!(
                c.kv_get("durable", &format!("{w}-{i}")).unwrap(),
                KvLookup::Hit { .. }
            ));
        }
    }
    let st = c.stats().unwrap();
    let entries = |n: &str| {
        st.content_types
            .iter()
            .find(|t| t.name == n)
            .unwrap()
            .entries
    };
    assert_eq!(
        (entries("album_year"), entries("successful_api_metadata")),
        (1000, 1000)
    );
    assert_eq!(
        st.namespaces
            .iter()
            .find(|n| n.name == "durable")
            .unwrap()
            .entries,
        1000
    );
}

#[test]
fn a_tagged_entry_goes_when_its_track_changes() {
    let tracks = library(40, 33);
    let lib = LibraryEnv::new(&tracks, EVENT_DRIVEN_NEGATIVES_AND_DERIVED);
    let _d = lib.start(40);
    let mut c = lib.env.client();
    let set = |c: &mut Client, key: &str, tag: String| {
        c.kv_set_raw(KvSet {
            namespace: "derived".into(),
            key: key.into(),
            value: b"x".to_vec(),
            ttl_ms: Some(0),
            negative: false,
            tags: vec![tag],
        })
        .unwrap();
    };
    set(&mut c, "by-track", format!("track:{}", tracks[5].id));
    set(&mut c, "unrelated", format!("track:{}", tracks[6].id));
    assert!(
        lib.env
            .cli(&["kv", "set", "derived", "bad", "x", "--tag", "genre:rock"])
            .status
            .code()
            == Some(2)
    );
    let watch = lib.watch(lib.seq());
    let mut changed = tracks.clone();
    changed[5].genre = Some("Trip-Hop".into());
    lib.write(&changed, WriteMode::AtomicRename);
    let ev = watch.until(|e| e["type"] == "entries_invalidated" && e["content_type"] == "generic");
    assert_eq!(ev.last().unwrap()["keys"][0], "derived/by-track");
    assert_eq!(c.kv_get("derived", "by-track").unwrap(), KvLookup::Miss);
    assert!(matches!(
        c.kv_get("derived", "unrelated").unwrap(),
        KvLookup::Hit { .. }
    ));
}

#[test]
fn manual_invalidation_by_album_artist_type_and_all() {
    let env = Env::new("");
    let _d = env.start();
    let mut c = env.client();
    for (artist, album) in [("A", "X"), ("A", "Y"), ("B", "X")] {
        c.set_album_year(year(artist, album, 2000, 50)).unwrap();
        c.set_api_result(api("mb", artist, album, found())).unwrap();
    }
    c.kv_set("ns", "k", b"v", Ttl::Default).unwrap();
    assert_eq!(
        c.invalidate(InvalidateTarget::Album {
            artist: "a".into(),
            album: "x".into()
        })
        .unwrap(),
        2
    );
    assert_eq!(
        c.invalidate(InvalidateTarget::Artist { name: "A".into() })
            .unwrap(),
        2,
        "A|Y's year and answer"
    );
    let out = json(&env.cli(&["--json", "invalidate", "type", "successful_api_metadata"]));
    assert_eq!(out["dropped"], 1);
    assert_eq!(
        env.cli(&["invalidate", "type", "track_metadata"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        c.invalidate(InvalidateTarget::All).unwrap(),
        2,
        "B|X's year and the generic entry"
    );
    assert!(c.get_album_year("B", "X", 0).unwrap().is_none());
    let st = c.stats().unwrap();
    let manual = st
        .content_types
        .iter()
        .find(|t| t.name == "album_year")
        .unwrap()
        .invalidations
        .clone();
    assert_eq!(manual, vec![("manual".to_owned(), 3)]);
    let _ = Duration::ZERO;
}
