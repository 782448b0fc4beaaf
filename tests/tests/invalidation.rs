//! End-to-end: invalidation strategies and the seeds' event types. A file
//! replaced under the same metadata is a `fingerprint_changed` that only
//! `fingerprint_based` and `hybrid` types react to; an album changed to
//! the cached year keeps it; manual invalidations are events `watch` shows.
#![allow(clippy::unwrap_used, missing_docs)]

use serde_json::Value;
use trackcache_client::Client;
use trackcache_protocol::{
    ApiOutcome, InvalidateTarget, KvLookup, KvSet, SetAlbumYear, SetApiResult, Track,
};
use trackcache_tests::harness::json;
use trackcache_tests::scenario::{library, EventStream, LibraryEnv, WriteMode};

fn year(artist: &str, album: &str, y: i32) -> SetAlbumYear {
    SetAlbumYear {
        artist: artist.into(),
        album: album.into(),
        year: y,
        confidence: 90,
        source: "musicbrainz".into(),
        force: false,
        stored_at_ms: None,
    }
}

fn tagged(c: &mut Client, namespace: &str, tag: String) {
    c.kv_set_raw(KvSet {
        namespace: namespace.into(),
        key: "page".into(),
        value: b"<html>".to_vec(),
        ttl_ms: Some(0),
        negative: false,
        tags: vec![tag],
    })
    .unwrap();
}

fn is_hit(c: &mut Client, namespace: &str) -> bool {
    matches!(c.kv_get(namespace, "page").unwrap(), KvLookup::Hit { .. })
}

/// Invalidates an album nobody cached and reads events up to its
/// `manual_invalidation`: whatever a sync published before it is in the list.
fn events_until_marker(c: &mut Client, watch: &EventStream) -> Vec<Value> {
    c.invalidate(InvalidateTarget::Album {
        artist: "Marker".into(),
        album: "Marker".into(),
    })
    .unwrap();
    watch.until(|e| e["type"] == "manual_invalidation" && e["artist"] == "Marker")
}

const BY_FILE: &str = "[content_types.album_year]\nstrategy = \"fingerprint_based\"\n\
     [cache.namespaces.by_file]\nstrategy = \"fingerprint_based\"\n\
     [cache.namespaces.by_event]\nstrategy = \"event_driven\"\n";

#[test]
fn a_replaced_file_drops_fingerprint_based_entries_only() {
    let tracks = library(40, 41);
    let lib = LibraryEnv::new(&tracks, BY_FILE);
    let _d = lib.start(40);
    let t = tracks[3].clone();
    let (artist, album) = (t.artist.clone().unwrap(), t.album.clone().unwrap());
    let mut c = lib.env.client();
    c.set_album_year(year(&artist, &album, 1979)).unwrap();
    c.set_api_result(SetApiResult {
        source: "musicbrainz".into(),
        artist: artist.clone(),
        album: album.clone(),
        outcome: ApiOutcome::Found {
            payload: "{}".into(),
            metadata: Vec::new(),
        },
        stored_at_ms: None,
    })
    .unwrap();
    tagged(&mut c, "by_file", format!("track:{}", t.id));
    tagged(&mut c, "by_event", format!("track:{}", t.id));

    let watch = lib.watch(lib.seq());
    let mut replaced = tracks.clone();
    replaced[3].size = Some(t.size.unwrap_or(0) + 123_456);
    replaced[3].date_modified = Some(t.date_modified.unwrap_or(0) + 3600);
    replaced[3].play_count = Some(t.play_count.unwrap_or(0) + 1);
    lib.write(&replaced, WriteMode::AtomicRename);
    let events = watch.until_synced();
    let changed: Vec<&Value> = events
        .iter()
        .filter(|e| e["type"] != "library_synced")
        .collect();
    assert_eq!(changed.len(), 1, "one event for the file: {events:#?}");
    assert_eq!(changed[0]["type"], "fingerprint_changed");
    assert_eq!(changed[0]["track_id"], t.id.as_str());
    let fields: Vec<&str> = changed[0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["size", "date_modified"],
        "play counts are no change"
    );

    let after = events_until_marker(&mut c, &watch);
    let dropped: Vec<(String, String)> = after
        .iter()
        .filter(|e| e["type"] == "entries_invalidated" && e["reason"] == "fingerprint_changed")
        .map(|e| {
            (
                e["content_type"].as_str().unwrap().to_owned(),
                e["keys"][0].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let pair = format!("{}|{}", artist.to_lowercase(), album.to_lowercase());
    assert!(
        dropped.contains(&("album_year".into(), pair)),
        "{dropped:?}"
    );
    assert!(
        dropped.contains(&("generic".into(), "by_file/page".into())),
        "{dropped:?}"
    );
    assert_eq!(dropped.len(), 2, "nothing event_driven went: {dropped:?}");
    assert!(c.get_album_year(&artist, &album, 0).unwrap().is_none());
    assert!(!is_hit(&mut c, "by_file"));
    assert!(
        is_hit(&mut c, "by_event"),
        "event_driven ignores file changes"
    );
    assert!(
        c.get_api_result("musicbrainz", &artist, &album)
            .unwrap()
            .is_some(),
        "successful_api_metadata is event_driven by default"
    );
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
    assert_eq!(row("album_year")["strategy"], "fingerprint_based");
    assert_eq!(row("album_year")["invalidations"]["fingerprint_changed"], 1);
    assert_eq!(row("successful_api_metadata")["strategy"], "event_driven");
    assert_eq!(row("negative_result")["strategy"], "time_based");
    let status = json(&lib.env.cli(&["--json", "status"]));
    assert_eq!(status["strategies"]["album_year"], "fingerprint_based");
    assert_eq!(status["strategies"]["track_metadata"], "event_driven");
}

/// The tracks of the album of `tracks[0]`, by index.
fn album_of_first(tracks: &[Track]) -> Vec<usize> {
    let album = tracks[0].album.clone();
    (0..tracks.len())
        .filter(|&i| tracks[i].album == album)
        .collect()
}

#[test]
fn an_album_changed_to_the_cached_year_keeps_it() {
    let mut tracks = library(60, 42);
    let (artist, album) = (
        tracks[0].artist.clone().unwrap(),
        tracks[0].album.clone().unwrap(),
    );
    let members = album_of_first(&tracks);
    assert!(members.len() >= 2, "the album has several tracks");
    for (n, &i) in members.iter().enumerate() {
        // The library disagrees with the cache to begin with.
        tracks[i].year = Some(1970 + n as i32);
        tracks[i].artist = Some(artist.clone());
    }
    let lib = LibraryEnv::new(&tracks, "");
    let _d = lib.start(60);
    let mut c = lib.env.client();
    c.set_album_year(year(&artist, &album, 1979)).unwrap();

    let watch = lib.watch(lib.seq());
    let mut agreed = tracks.clone();
    for &i in &members {
        agreed[i].year = Some(1979);
    }
    lib.write(&agreed, WriteMode::AtomicRename);
    let events = watch.until_synced();
    assert!(events.iter().any(|e| e["type"] == "track_modified"));
    let after = events_until_marker(&mut c, &watch);
    assert!(
        !after
            .iter()
            .any(|e| e["type"] == "entries_invalidated" && e["content_type"] == "album_year"),
        "the library now agrees with the cache: {after:#?}"
    );
    let kept = c.get_album_year(&artist, &album, 0).unwrap().unwrap();
    assert_eq!(kept.year, 1979);

    // A year that disagrees still drops it.
    let mut disagreed = agreed.clone();
    disagreed[members[0]].year = Some(1980);
    lib.write(&disagreed, WriteMode::AtomicRename);
    let events =
        watch.until(|e| e["type"] == "entries_invalidated" && e["content_type"] == "album_year");
    assert_eq!(events.last().unwrap()["reason"], "year_changed");
    assert!(c.get_album_year(&artist, &album, 0).unwrap().is_none());
}

#[test]
fn watch_shows_manual_invalidations_and_reported_track_changes() {
    let tracks = library(20, 43);
    let lib = LibraryEnv::new(&tracks, "");
    let _d = lib.start(20);
    let t = &tracks[2];
    let mut c = lib.env.client();
    c.set_album_year(year(
        t.artist.as_deref().unwrap(),
        t.album.as_deref().unwrap(),
        1999,
    ))
    .unwrap();
    let watch = lib.watch(lib.seq());
    let out = lib.env.cli(&["invalidate", "track", &t.id]);
    assert!(out.status.success(), "{out:?}");
    let events = watch.until(|e| e["type"] == "manual_invalidation");
    let ev = events.last().unwrap();
    assert_eq!(ev["target"], "track");
    assert_eq!(ev["id"], t.id.as_str());
    assert_eq!(ev["dropped"], 1);
    let next = watch.next();
    assert_eq!(next["type"], "entries_invalidated");
    assert_eq!(next["reason"], "manual");
    assert_eq!(next["seq"], ev["seq"].as_u64().unwrap() + 1);

    lib.env.cli(&["invalidate", "type", "failed_api_lookup"]);
    let ev = watch.next();
    assert_eq!(ev["type"], "manual_invalidation");
    assert_eq!(
        (ev["target"].as_str(), ev["name"].as_str()),
        (Some("content_type"), Some("failed_api_lookup"))
    );
    assert_eq!(ev["dropped"], 0, "announced even when nothing was cached");

    // `changes` has them too: they are logged, not only pushed.
    let log = lib.env.cli(&["--json", "changes", "--since", "0"]);
    let text = String::from_utf8_lossy(&log.stdout);
    assert_eq!(text.matches("\"manual_invalidation\"").count(), 2, "{text}");
}
