//! The parser over output generated the way `fetch_tracks.applescript`
//! builds it: fields joined with ASCII 30 (a trailing empty one), records
//! joined with ASCII 29, and osascript's final newline.

use super::*;
use crate::sources::{parse, LibraryErrorKind};

/// One record's fields, as the script would print them.
struct Rec<'a> {
    id: &'a str,
    name: &'a str,
    artist: &'a str,
    album_artist: &'a str,
    album: &'a str,
    genre: &'a str,
    added: &'a str,
    modified: &'a str,
    status: &'a str,
    year: &'a str,
    release_year: &'a str,
}

fn rec(id: &str) -> Rec<'_> {
    Rec {
        id,
        name: "Song",
        artist: "Kenji Berg",
        album_artist: "",
        album: "Night Drive",
        genre: "Synthwave",
        added: "2023-05-01 10:20:30",
        modified: "2024-01-15 10:30:00",
        status: "local only",
        year: "2019",
        release_year: "",
    }
}

fn output(recs: &[Rec<'_>]) -> Vec<u8> {
    let lines: Vec<String> = recs
        .iter()
        .map(|r| {
            [
                r.id,
                r.name,
                r.artist,
                r.album_artist,
                r.album,
                r.genre,
                r.added,
                r.modified,
                r.status,
                r.year,
                r.release_year,
                "",
            ]
            .join("\u{1e}")
        })
        .collect();
    format!("{}\n", lines.join("\u{1d}")).into_bytes()
}

fn tracks(bytes: &[u8]) -> Result<Vec<Track>, LibraryError> {
    parse(LibraryFormat::AppleScriptRecords, bytes).map(|l| l.tracks)
}

#[test]
fn generated_records_become_tracks() {
    let mut subscribed = rec("1a2b3c4d5e6f7a8b");
    subscribed.status = "subscription";
    subscribed.release_year = "1979";
    subscribed.year = "0";
    let mut numbered = rec("4711");
    numbered.album_artist = "Various Artists";
    numbered.added = "";
    numbered.name = "Näive — “quoted”, with, commas";
    let got = tracks(&output(&[subscribed, numbered])).unwrap();
    assert_eq!(got.len(), 2);
    let a = &got[0];
    assert_eq!(a.id, "1A2B3C4D5E6F7A8B", "Persistent IDs are upper-cased");
    assert_eq!(a.track_id, None);
    assert_eq!(a.artist.as_deref(), Some("Kenji Berg"));
    assert_eq!(a.album_artist, None, "an empty field is absent");
    assert_eq!(a.year, None, "year 0 is no year");
    assert!(a.media.apple_music && !a.media.purchased);
    assert_eq!(a.release_date, Some(283_996_800), "1979-01-01T00:00:00Z");
    assert_eq!(
        a.date_added,
        Some(1_682_936_430),
        "2023-05-01 10:20:30 read as UTC"
    );
    assert_eq!(a.date_modified, Some(1_705_314_600));
    let b = &got[1];
    assert_eq!((b.id.as_str(), b.track_id), ("track-4711", Some(4711)));
    assert_eq!(b.year, Some(2019));
    assert_eq!(b.date_added, None);
    assert_eq!(b.name.as_deref(), Some("Näive — “quoted”, with, commas"));
    assert_eq!(b.album_artist.as_deref(), Some("Various Artists"));
}

#[test]
fn a_big_generated_library_parses_whole() {
    let ids: Vec<String> = (0..2000)
        .map(|i| format!("{:016X}", 0xABCD_0000u64 + i))
        .collect();
    let recs: Vec<Rec<'_>> = ids.iter().map(|id| rec(id)).collect();
    let got = tracks(&output(&recs)).unwrap();
    assert_eq!(got.len(), 2000);
    assert_eq!(got[1999].id, ids[1999]);
}

#[test]
fn no_tracks_found_is_an_empty_library() {
    assert!(tracks(b"NO_TRACKS_FOUND\n").unwrap().is_empty());
    assert!(tracks(b"NO_TRACKS_FOUND").unwrap().is_empty());
}

#[test]
fn an_error_answer_is_a_failure_never_an_empty_library() {
    let e = tracks(b"ERROR:OFFSET_OUT_OF_BOUNDS:offset=10:total=3\n").unwrap_err();
    assert_eq!(e.kind(), LibraryErrorKind::Malformed);
    let msg = e.to_string();
    assert!(
        msg.contains("ERROR:OFFSET_OUT_OF_BOUNDS:offset=10:total=3"),
        "{msg}"
    );
    assert!(msg.contains("nothing was loaded"), "{msg}");
    // A script that died printed nothing: not an empty library either.
    let e = tracks(b"\n").unwrap_err();
    assert_eq!(e.kind(), LibraryErrorKind::Truncated);
    assert!(e.to_string().contains("NO_TRACKS_FOUND"));
}

#[test]
fn bad_records_name_the_track() {
    let mut out = output(&[rec("1A2B3C4D5E6F7A8B")]);
    out.truncate(out.len() - 1);
    out.extend_from_slice("\u{1d}00000000000000FF\u{1e}only three\u{1e}fields".as_bytes());
    let e = tracks(&out).unwrap_err();
    assert_eq!(e.track(), Some("00000000000000FF"));
    assert_eq!(e.position().line, 2);
    assert!(e.to_string().contains("3 fields"), "{e}");

    let e = tracks(&output(&[rec("not an id")])).unwrap_err();
    assert!(e.to_string().contains("Persistent ID"), "{e}");
}

#[test]
fn a_trailing_record_separator_is_fine() {
    let mut out = output(&[rec("1A2B3C4D5E6F7A8B")]);
    out.pop();
    out.push(RECORD_SEP);
    assert_eq!(tracks(&out).unwrap().len(), 1);
}

#[test]
fn a_date_or_year_that_does_not_parse_is_dropped_with_a_warning() {
    let mut bad = rec("1A2B3C4D5E6F7A8B");
    bad.added = "yesterday";
    bad.year = "MCMLXXIX";
    let lib = parse(
        LibraryFormat::AppleScriptRecords,
        &output(&[bad, rec("00000000000000FF")]),
    )
    .unwrap();
    assert_eq!(lib.tracks.len(), 2);
    assert_eq!((lib.tracks[0].date_added, lib.tracks[0].year), (None, None));
    assert_eq!(lib.warnings.count, 2);
    let first = lib.warnings.first.unwrap();
    for part in ["record 1", "1A2B3C4D5E6F7A8B", "date_added", "yesterday"] {
        assert!(first.contains(part), "{first} lacks {part}");
    }
}

#[test]
fn fields_and_records_are_bounded() {
    let limits = crate::sources::Limits {
        max_field_bytes: 1024,
    };
    let long = "x".repeat(1025);
    let mut over = rec("1A2B3C4D5E6F7A8B");
    over.album = &long;
    let e =
        crate::sources::parse_with(LibraryFormat::AppleScriptRecords, &limits, &output(&[over]))
            .unwrap_err();
    assert_eq!(e.kind(), LibraryErrorKind::TooLarge, "{e}");
    assert!(e.to_string().contains("the album field of record 1"), "{e}");
    let fits = "x".repeat(1024);
    let mut ok = rec("1A2B3C4D5E6F7A8B");
    ok.album = &fits;
    assert!(
        crate::sources::parse_with(LibraryFormat::AppleScriptRecords, &limits, &output(&[ok]))
            .is_ok()
    );
}
