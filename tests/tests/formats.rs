//! End-to-end: the JSON Lines and command library formats, and a subscriber
//! that falls behind.
#![allow(clippy::unwrap_used, missing_docs)]

use std::os::unix::fs::PermissionsExt;

use trackcache_client::Client;
use trackcache_protocol::Event;
use trackcache_tests::generator::{write_applescript_records, write_jsonl};
use trackcache_tests::harness::{json, wait_until, Env, DEADLINE};
use trackcache_tests::scenario::{library, new_track, summary, EventStream, LIBRARY_CONFIG};

#[test]
fn a_json_lines_library_is_watched_like_xml() {
    let env = Env::new(LIBRARY_CONFIG);
    let path = env.dir.path().join("library.jsonl");
    let mut tracks = library(40, 21);
    std::fs::write(&path, write_jsonl(&tracks)).unwrap();
    let _d = env.start_with(|c| {
        c.arg("--library")
            .arg(&path)
            .args(["--library-format", "jsonl"]);
    });
    wait_until("the import", DEADLINE, || {
        json(&env.cli(&["--json", "tracks", "count"]))["tracks"] == 40
    });
    let seq = json(&env.cli(&["--json", "status"]))["library"]["seq"]
        .as_u64()
        .unwrap();
    let watch = EventStream::spawn(&env.socket, seq);
    tracks[5].genre = Some("Shoegaze".into());
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, write_jsonl(&tracks)).unwrap();
    std::fs::rename(&tmp, &path).unwrap();
    let events = watch.until_synced();
    assert_eq!(events[0]["type"], "track_modified");
    assert_eq!(events[0]["track_id"], tracks[5].id);
    assert_eq!(events[0]["changes"][0]["field"], "genre");
    let st = json(&env.cli(&["--json", "status"]));
    assert_eq!(st["library"]["format"], "jsonl");
}

#[test]
fn the_command_format_runs_the_exporter_when_the_watched_path_changes() {
    let env = Env::new(LIBRARY_CONFIG);
    // Stand-ins for Music.app's library bundle and an AppleScript exporter.
    let bundle = env.dir.path().join("Music Library.musiclibrary");
    std::fs::create_dir_all(&bundle).unwrap();
    let export = env.dir.path().join("export.jsonl");
    let mut tracks = library(25, 22);
    std::fs::write(&export, write_jsonl(&tracks)).unwrap();
    let script = env.dir.path().join("exporter.sh");
    std::fs::write(&script, format!("#!/bin/sh\ncat '{}'\n", export.display())).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let _d = env.start_with(|c| {
        c.arg("--library")
            .arg(&bundle)
            .args(["--library-format", "command", "--library-command"])
            .arg(&script);
    });
    wait_until("the first export", DEADLINE, || {
        json(&env.cli(&["--json", "tracks", "count"]))["tracks"] == 25
    });
    let seq = json(&env.cli(&["--json", "status"]))["library"]["seq"]
        .as_u64()
        .unwrap();
    let watch = EventStream::spawn(&env.socket, seq);

    // The app changes its database inside the bundle; the export now has one more track.
    tracks.push(new_track(5));
    std::fs::write(&export, write_jsonl(&tracks)).unwrap();
    std::fs::write(bundle.join("Library.musicdb"), b"changed").unwrap();
    let events = watch.until_synced();
    assert_eq!(
        summary(&events)[1],
        ("track_added".to_owned(), new_track(5).id)
    );

    // A failing exporter keeps the snapshot and says why.
    std::fs::write(
        &script,
        "#!/bin/sh\necho 'osascript: Music got an error' >&2\nexit 1\n",
    )
    .unwrap();
    let out = json(&env.cli(&["--json", "rescan", "--wait"]));
    assert_eq!(out["outcome"], "failed");
    assert!(
        out["message"]
            .as_str()
            .unwrap()
            .contains("Music got an error"),
        "{out}"
    );
    let st = json(&env.cli(&["--json", "status"]))["library"].clone();
    assert_eq!(
        (st["tracks"].as_u64(), st["last_error"]["kind"].as_str()),
        (Some(26), Some("exporter"))
    );
}

#[test]
fn a_subscriber_that_falls_behind_gets_resync_never_a_gap() {
    let env = Env::new(LIBRARY_CONFIG);
    let path = env.dir.path().join("library.jsonl");
    let mut tracks = library(6000, 23);
    std::fs::write(&path, write_jsonl(&tracks)).unwrap();
    let _d = env.start_with(|c| {
        c.arg("--library")
            .arg(&path)
            .args(["--library-format", "jsonl"]);
    });
    wait_until("the import", DEADLINE, || {
        json(&env.cli(&["--json", "tracks", "count"]))["tracks"] == 6000
    });
    // Subscribe, then do not read while 6,000 events are published: more
    // than the hub buffers for one subscriber.
    let mut slow = Client::connect(&env.socket).unwrap();
    let start = slow.subscribe(None).unwrap();
    for t in &mut tracks {
        t.genre = Some("Re-tagged".into());
    }
    std::fs::write(&path, write_jsonl(&tracks)).unwrap();
    let mut c = Client::connect(&env.socket).unwrap();
    let report = c.rescan(true).unwrap().unwrap();
    assert!(
        matches!(
            report.outcome,
            trackcache_protocol::SyncOutcome::Synced { modified: 6000, .. }
        ),
        "{report:?}"
    );
    let end = c.track_count().unwrap().1;
    // Now read everything: seqs must be consecutive except right after a Resync.
    let mut last = start.current_seq;
    let mut resyncs = 0;
    while last < end {
        let f = slow
            .next_event()
            .unwrap()
            .expect("an event before the deadline");
        if let Event::Resync { seq } = f.event {
            resyncs += 1;
            assert!(seq >= last, "resync goes forward");
            last = seq;
            continue;
        }
        assert_eq!(f.seq, last + 1, "a silent gap after seq {last}");
        last = f.seq;
    }
    assert!(
        resyncs >= 1,
        "6,000 unread events must overflow the subscriber's buffer"
    );
}

#[test]
fn genreupdaters_applescript_output_is_a_command_source() {
    let env = Env::new(&format!(
        "{LIBRARY_CONFIG}command_format = \"applescript-records\"\n"
    ));
    let bundle = env.dir.path().join("Music Library.musiclibrary");
    std::fs::create_dir_all(&bundle).unwrap();
    let export = env.dir.path().join("export.txt");
    // Half the tracks with a Persistent ID, half named by a Track ID number
    // (as older versions of the script print them).
    let mut tracks = library(20, 23);
    for (i, t) in tracks.iter_mut().enumerate().skip(10) {
        t.id = format!("track-{}", 5000 + i);
        t.track_id = Some(5000 + i as u64);
    }
    std::fs::write(&export, write_applescript_records(&tracks)).unwrap();
    let script = env.dir.path().join("fetch_tracks.sh");
    std::fs::write(&script, format!("#!/bin/sh\ncat '{}'\n", export.display())).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let _d = env.start_with(|c| {
        c.arg("--library")
            .arg(&bundle)
            .args(["--library-format", "command", "--library-command"])
            .arg(&script);
    });
    wait_until("the first export", DEADLINE, || {
        json(&env.cli(&["--json", "tracks", "count"]))["tracks"] == 20
    });
    let got = json(&env.cli(&["--json", "tracks", "get", &tracks[0].id]));
    assert_eq!(got["track"]["name"], serde_json::json!(tracks[0].name));
    // A track can be named by its Track ID number, or its Persistent ID in lower case.
    let got = json(&env.cli(&["--json", "tracks", "get", "5012"]));
    assert_eq!(got["track"]["id"], "track-5012", "{got}");
    let lower = tracks[1].id.to_lowercase();
    let got = json(&env.cli(&["--json", "tracks", "get", &lower]));
    assert_eq!(got["track"]["id"], tracks[1].id, "{got}");
    let owner = tracks[12].album_owner().unwrap().to_owned();
    let album = tracks[12].album.clone().unwrap();
    env.cli(&["album-year", "set", &owner, &album, "1999"]);
    let out = json(&env.cli(&["--json", "invalidate", "track", "5012"]));
    assert_eq!(out["dropped"], 1, "the year of track 5012's album: {out}");

    // ERROR:... is a failure: the snapshot stays.
    std::fs::write(&export, b"ERROR:OFFSET_OUT_OF_BOUNDS:offset=9:total=3\n").unwrap();
    let out = json(&env.cli(&["--json", "rescan", "--wait"]));
    assert_eq!(out["outcome"], "failed", "{out}");
    assert!(out["message"]
        .as_str()
        .unwrap()
        .contains("OFFSET_OUT_OF_BOUNDS"));
    assert_eq!(json(&env.cli(&["--json", "tracks", "count"]))["tracks"], 20);

    // NO_TRACKS_FOUND is an empty library.
    std::fs::write(&export, write_applescript_records(&[])).unwrap();
    let out = json(&env.cli(&["--json", "rescan", "--wait"]));
    assert_eq!(
        (&out["outcome"], &out["removed"]),
        (&serde_json::json!("synced"), &serde_json::json!(20)),
        "{out}"
    );
    assert_eq!(json(&env.cli(&["--json", "tracks", "count"]))["tracks"], 0);
}
