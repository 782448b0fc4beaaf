//! End-to-end: the daemon watching a library file, diffing it, logging and
//! pushing events, and surviving bad files and restarts.
#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::BTreeSet;
use trackcache_daemon::normalize::normalize;
use trackcache_protocol::Track;
use trackcache_tests::harness::{json, json_list, wait_until, DEADLINE};
use trackcache_tests::scenario::{library, new_track, summary, LibraryEnv, WriteMode};

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<_> = items
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
    v.sort();
    v
}

/// Adds two tracks, removes two, renames one album and changes one artist;
/// returns the new library and the events it must produce.
fn edit(tracks: &[Track]) -> (Vec<Track>, Vec<(String, String)>) {
    let mut new: Vec<Track> = tracks.to_vec();
    let removed: Vec<Track> = vec![new.remove(3), new.remove(10)];
    new.push(new_track(1));
    new.push(new_track(2));
    let album = new[20].album.clone().unwrap();
    let mut expect: Vec<(String, String)> = Vec::new();
    for t in new
        .iter_mut()
        .filter(|t| t.album.as_deref() == Some(&album))
    {
        t.album = Some(format!("{album} (Remastered)"));
        expect.push(("track_modified".into(), t.id.clone()));
    }
    let artist_changed = new
        .iter_mut()
        .find(|t| t.album.as_deref() != Some(&format!("{album} (Remastered)")))
        .unwrap();
    artist_changed.artist = Some("Somebody Else".into());
    expect.push(("track_modified".into(), artist_changed.id.clone()));
    expect.push(("track_added".into(), new_track(1).id));
    expect.push(("track_added".into(), new_track(2).id));
    for t in removed {
        expect.push(("track_removed".into(), t.id));
    }
    expect.push(("library_synced".into(), String::new()));
    expect.sort();
    (new, expect)
}

fn changes_are_seen(how: WriteMode) {
    let tracks = library(120, 7);
    let lib = LibraryEnv::new(&tracks, "");
    let _d = lib.start(120);
    let watch = lib.watch(lib.seq());
    let (new, expect) = edit(&tracks);
    lib.write(&new, how);
    let events = watch.until_synced();
    assert_eq!(summary(&events), expect, "{events:#?}");
    let synced = events.last().unwrap();
    assert_eq!(
        (synced["added"].as_u64(), synced["removed"].as_u64()),
        (Some(2), Some(2))
    );
    // A modified track carries the old and new values of what changed.
    let renamed = events
        .iter()
        .find(|e| e["type"] == "track_modified" && e["changes"][0]["field"] == "album")
        .unwrap();
    let change = &renamed["changes"][0];
    assert_eq!(
        format!("{} (Remastered)", change["old"].as_str().unwrap()),
        change["new"].as_str().unwrap()
    );
    lib.wait_tracks(120);
    // The removed tracks are gone from queries; the new ones are there.
    let out = lib.env.cli(&["--json", "tracks", "get", &new_track(1).id]);
    assert_eq!(json(&out)["status"], "found");
    assert_eq!(json(&out)["track"]["artist"], "New Artist");
    let out = lib.env.cli(&["tracks", "get", &tracks[3].id]);
    assert_eq!(out.status.code(), Some(1), "removed track is not found");
}

#[test]
fn added_removed_and_renamed_tracks_by_atomic_rename() {
    changes_are_seen(WriteMode::AtomicRename);
}

#[test]
fn added_removed_and_renamed_tracks_by_in_place_rewrite() {
    changes_are_seen(WriteMode::InPlace);
}

#[test]
fn a_truncated_file_emits_nothing_and_recovers_when_repaired() {
    let tracks = library(80, 3);
    let lib = LibraryEnv::new(&tracks, "");
    let _d = lib.start(80);
    let seq = lib.seq();
    let watch = lib.watch(seq);
    let full = trackcache_tests::generator::write_apple_xml(
        &tracks,
        &trackcache_tests::generator::XmlStyle::quirky(),
    );
    // Cut in the middle of a track's dict.
    let cut = full.len() / 2;
    lib.write_bytes(&full[..cut], WriteMode::InPlace);
    wait_until("status to show the truncation", DEADLINE, || {
        lib.library_status()["last_error"]["kind"] == "truncated"
    });
    let st = lib.library_status();
    assert_eq!(st["tracks"], 80, "the last good snapshot is still served");
    assert_eq!(st["seq"].as_u64(), Some(seq), "no events were logged");
    assert!(st["last_error"]["message"]
        .as_str()
        .unwrap()
        .contains("truncated"));
    assert!(st["last_error"]["at_ms"].as_u64().unwrap() > 0);
    assert_eq!(
        json(&lib.env.cli(&["--json", "tracks", "count"]))["tracks"],
        80
    );

    // Repair it, with one real change, and the daemon recovers by itself.
    let mut repaired = tracks.clone();
    repaired.push(new_track(9));
    lib.write(&repaired, WriteMode::AtomicRename);
    let events = watch.until_synced();
    assert_eq!(
        summary(&events),
        pairs(&[("track_added", &new_track(9).id), ("library_synced", "")]),
        "only the real change, nothing from the truncated file: {events:#?}"
    );
    wait_until("the error to clear", DEADLINE, || {
        lib.library_status()["last_error"].is_null()
    });
}

#[test]
fn a_missing_file_keeps_the_snapshot_and_comes_back() {
    let tracks = library(30, 4);
    let lib = LibraryEnv::new(&tracks, "");
    let _d = lib.start(30);
    let seq = lib.seq();
    std::fs::remove_file(&lib.path).unwrap();
    wait_until("status to show the missing file", DEADLINE, || {
        lib.library_status()["last_error"]["kind"] == "missing"
    });
    assert_eq!(lib.library_status()["tracks"], 30);
    assert_eq!(lib.seq(), seq);
    lib.write(&tracks, WriteMode::AtomicRename);
    wait_until("recovery", DEADLINE, || {
        lib.library_status()["last_error"].is_null()
    });
    assert_eq!(lib.seq(), seq, "the same content again is no change");
}

#[test]
fn a_touch_without_changes_emits_nothing() {
    let tracks = library(40, 5);
    let lib = LibraryEnv::new(&tracks, "");
    let _d = lib.start(40);
    let seq = lib.seq();
    lib.write(&tracks, WriteMode::InPlace); // same bytes, new mtime
    let out = lib.env.cli(&["--json", "rescan", "--wait"]);
    assert_eq!(json(&out)["outcome"], "unchanged", "{out:?}");
    assert_eq!(lib.seq(), seq);
    // Play counts alone are not modifications either.
    let mut played = tracks.clone();
    played[0].play_count = Some(played[0].play_count.unwrap_or(0) + 5);
    lib.write(&played, WriteMode::AtomicRename);
    wait_until("the play count to be stored", DEADLINE, || {
        json(&lib.env.cli(&["--json", "tracks", "get", &played[0].id]))["track"]["play_count"]
            == played[0].play_count.unwrap()
    });
    assert_eq!(lib.seq(), seq, "no events for a play count");
}

#[test]
fn changes_made_while_the_daemon_was_stopped_are_seen_after_restart() {
    let tracks = library(60, 6);
    let lib = LibraryEnv::new(&tracks, "");
    let d = lib.start(60);
    let seq = lib.seq();
    assert!(d.stop().success());

    let mut new = tracks.clone();
    let gone = new.remove(0);
    new.push(new_track(3));
    lib.write(&new, WriteMode::AtomicRename);

    let _d = lib.start(60);
    // The persisted snapshot is served at once; the re-read then logs the changes.
    wait_until("the re-read after restart", DEADLINE, || lib.seq() > seq);
    let out = lib
        .env
        .cli(&["--json", "changes", "--since", &seq.to_string()]);
    let (events, _) = json_list(&out);
    assert_eq!(
        summary(&events),
        pairs(&[
            ("library_synced", ""),
            ("track_added", &new_track(3).id),
            ("track_removed", &gone.id)
        ])
    );
    // --limit prints the oldest events only.
    let out = lib.env.cli(&[
        "--json",
        "changes",
        "--since",
        &seq.to_string(),
        "--limit",
        "1",
    ]);
    let (first, end) = json_list(&out);
    assert_eq!(first, events[..1], "{out:?}");
    assert_eq!(
        (&end["more"], &end["next"]),
        (&serde_json::json!(true), &events[0]["seq"])
    );
    // The removed track's event carries the track as it was.
    let removed = events
        .iter()
        .find(|e| e["type"] == "track_removed")
        .unwrap();
    assert_eq!(removed["track"]["name"], serde_json::json!(gone.name));
}

#[test]
fn a_subscriber_resumes_with_since() {
    let tracks = library(50, 8);
    let lib = LibraryEnv::new(&tracks, "");
    let _d = lib.start(50);
    let mut grown = tracks.clone();
    for n in 0..3 {
        grown.push(new_track(20 + n));
        let before = lib.seq();
        lib.write(&grown, WriteMode::AtomicRename);
        wait_until("the change to be logged", DEADLINE, || lib.seq() > before);
    }
    // From the very beginning: the fresh-instance import, then three syncs.
    let all = lib.watch(0);
    let mut names = Vec::new();
    for _ in 0..4 {
        names.extend(
            all.until_synced()
                .into_iter()
                .map(|e| e["type"].as_str().unwrap().to_owned()),
        );
    }
    assert_eq!(names[..2], ["library_imported", "library_synced"]);
    assert_eq!(names.iter().filter(|n| *n == "track_added").count(), 3);
    // Resuming after the first sync replays only the later ones, in seq order.
    let resume_from = 2;
    let later = lib.watch(resume_from);
    let mut seqs = Vec::new();
    for _ in 0..3 {
        seqs.extend(
            later
                .until_synced()
                .into_iter()
                .map(|e| e["seq"].as_u64().unwrap()),
        );
    }
    let expect: Vec<u64> = (resume_from + 1..=lib.seq()).collect();
    assert_eq!(seqs, expect, "every event after --since, in order, no gaps");
    // Live events follow the replay.
    grown.push(new_track(30));
    lib.write(&grown, WriteMode::AtomicRename);
    let live = later.until_synced();
    assert_eq!(live[0]["track_id"], new_track(30).id);
}

#[test]
fn changes_older_than_retention_are_a_fresh_instance() {
    let tracks = library(20, 9);
    let lib = LibraryEnv::new(&tracks, "retention = 3\n");
    let _d = lib.start(20);
    let mut grown = tracks.clone();
    for n in 0..3 {
        grown.push(new_track(40 + n));
        let before = lib.seq();
        lib.write(&grown, WriteMode::AtomicRename);
        wait_until("the change to be logged", DEADLINE, || lib.seq() > before);
    }
    let st = lib.library_status();
    assert!(st["oldest_seq"].as_u64().unwrap() > 1, "trimmed: {st}");
    let (items, end) = json_list(&lib.env.cli(&["--json", "changes", "--since", "0"]));
    assert_eq!(items.len(), 1);
    assert_eq!(
        items[0]["type"], "fresh_instance",
        "an event like every other line"
    );
    assert_eq!(items[0]["seq"], end["current_seq"]);
    // A subscriber resuming from too far back is told to resync, not given a gap.
    let w = lib.watch(0);
    let first = w.next();
    assert_eq!(first["type"], "resync", "{first:#?}");
    assert_eq!(first["seq"], lib.seq());
}

#[test]
fn track_queries_filter_and_page() {
    let tracks = library(150, 11);
    let lib = LibraryEnv::new(&tracks, "");
    let _d = lib.start(150);
    let artist = tracks[0].artist.clone().unwrap();
    let expected: BTreeSet<String> = tracks
        .iter()
        .filter(|t| t.artist.as_deref().map(normalize) == Some(normalize(&artist)))
        .map(|t| t.id.clone())
        .collect();
    let shouted = artist.to_uppercase();
    let (items, end) = json_list(&lib.env.cli(&[
        "--json",
        "tracks",
        "list",
        "--artist",
        &format!("  {shouted} "),
        "--limit",
        "1000",
    ]));
    let got: BTreeSet<String> = items
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(got, expected);
    assert_eq!(end["total"].as_u64(), Some(expected.len() as u64));
    let (page, end) = json_list(&lib.env.cli(&[
        "--json", "tracks", "list", "--limit", "10", "--offset", "130",
    ]));
    assert_eq!(page.len(), 10);
    assert_eq!(
        end,
        serde_json::json!({"count":10,"more":true,"next":140,"total":150})
    );
    let (albums, _) = json_list(&lib.env.cli(&["--json", "albums", "--artist", &artist]));
    let total: u64 = albums.iter().map(|a| a["tracks"].as_u64().unwrap()).sum();
    assert!(
        total >= expected.len() as u64,
        "albums by the artist cover their tracks"
    );
    let none = lib
        .env
        .cli(&["tracks", "list", "--artist", "No Such Artist"]);
    assert_eq!(none.status.code(), Some(1));
}

#[test]
fn a_relative_library_path_is_watched_too() {
    // notify reports absolute paths; a relative --library once matched none
    // of them, and changes were only seen by the 30 s poll.
    let tracks = library(20, 12);
    let lib = LibraryEnv::new(&tracks, "");
    let dir = lib.env.dir.path().to_path_buf();
    let _d = lib.env.start_with(|c| {
        c.current_dir(&dir)
            .arg("--library")
            .arg("music/Library.xml");
    });
    lib.wait_tracks(20);
    let st = lib.library_status();
    assert!(
        st["path"].as_str().unwrap().starts_with('/'),
        "status shows the absolute path: {st}"
    );
    let watch = lib.watch(lib.seq());
    let mut grown = tracks.clone();
    grown.push(new_track(50));
    lib.write(&grown, WriteMode::AtomicRename);
    let events = watch.until_synced();
    assert_eq!(events[0]["track_id"], new_track(50).id);
}

/// A file replaced while a read was finishing used to be lost: the read's
/// queued triggers were dropped as if it had answered them, and the poll
/// took the new file's stamp as already seen, so the daemon kept the old
/// tracks until some later change. Each round replaces the file as soon as
/// the previous read's result shows.
#[test]
fn a_change_during_a_read_is_read_too() {
    let (a, b) = (library(300, 11), library(301, 12));
    let lib = LibraryEnv::new(&a, "");
    let _d = lib.start(300);
    let mut c = trackcache_client::Client::connect(&lib.env.socket).unwrap();
    for round in 0..12 {
        let (next, n) = if round % 2 == 0 { (&b, 301) } else { (&a, 300) };
        lib.write(next, WriteMode::AtomicRename);
        wait_until(&format!("round {round}: {n} tracks"), DEADLINE, || {
            c.track_count().unwrap().0 == n
        });
    }
}
