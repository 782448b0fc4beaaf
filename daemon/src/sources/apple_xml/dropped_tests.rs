//! Unit tests of values that are there but unusable: each is dropped (the
//! field left unknown) with a warning that names where it is, and the file
//! still loads, at every chunk size.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::tests::{entry, kv, library, parse_xml, stream, PROLOG};

/// `body` in track 5 of a small library: the track, loaded, and the
/// warnings, the same when streamed in small chunks.
fn dropped(body: &str) -> (trackcache_protocol::Track, crate::sources::Warnings) {
    let doc = library(&entry(5, body), "");
    let lib = parse_xml(&doc).unwrap_or_else(|e| panic!("{body}: {e}"));
    for (chunk, threads) in [(7, 1), (64, 2)] {
        let streamed = stream(doc.as_bytes(), chunk, threads).unwrap();
        assert_eq!(streamed, lib, "chunk {chunk}");
    }
    assert_eq!(lib.tracks.len(), 1);
    (lib.tracks.into_iter().next().unwrap(), lib.warnings)
}

#[test]
fn odd_values_are_dropped_with_a_warning_naming_the_line_track_and_key() {
    let cases = [
        (
            "Size",
            "<integer>12a</integer>",
            "not a 64-bit whole number",
        ),
        ("Size", "<integer>99999999999999999999</integer>", "64-bit"),
        ("Size", "<integer>-1</integer>", "is -1, out of range"),
        (
            "Date Added",
            "<date>yesterday</date>",
            "\"yesterday\", not a date",
        ),
        (
            "Date Added",
            "<date>2021-02-30T00:00:00Z</date>",
            "not a date",
        ),
        ("Year", "<integer>-5</integer>", "out of range"),
        (
            "Year",
            "<string>1979</string>",
            "is a <string>, not an <integer>",
        ),
        ("Rating", "<integer>120</integer>", "is 120, out of range"),
        (
            "Name",
            "<integer>5</integer>",
            "is an <integer>, not a <string>",
        ),
        ("Album", "<dict/>", "an empty <dict/>"),
        ("Artist", "<array><string>a</string></array>", "an <array>"),
        ("Podcast", "<string>yes</string>", "not <true/> or <false/>"),
        ("Track ID", "<real>5.5</real>", "is a <real>"),
    ];
    for (key, value, why) in cases {
        let (t, w) = dropped(&kv(key, value));
        assert_eq!(w.count, 1, "{key} {value}: {w:?}");
        let first = w.first.unwrap();
        // The key line is line 17 of `library`'s document.
        for part in ["line 17 (byte ", "in track 5", &format!("\"{key}\""), why] {
            assert!(first.contains(part), "{key} {value}: {first} lacks {part}");
        }
        assert_eq!(
            (t.size, t.date_added, t.year, t.rating, t.name, t.album),
            (None, None, None, None, None, None),
            "{key} {value}"
        );
        assert!(!t.media.podcast);
    }
}

#[test]
fn a_track_that_loses_its_track_id_keeps_its_entry_key_as_id() {
    let entry = format!(
        "\t\t<key>5</key>\n\t\t<dict>\n{}\t\t</dict>\n",
        kv("Track ID", "<string>x</string>")
    );
    let lib = parse_xml(&library(&entry, "")).unwrap();
    assert_eq!(lib.tracks[0].id, "track-5");
    assert_eq!(lib.tracks[0].track_id, None);
    assert_eq!(lib.warnings.count, 1);
}

#[test]
fn warnings_are_counted_across_tracks_and_the_first_is_kept() {
    let tracks = [
        entry(1, &kv("Play Count", "<string>many</string>")),
        entry(2, &kv("Name", "<string>fine</string>")),
        entry(3, &kv("Date Added", "<date>soon</date>")),
    ]
    .concat();
    let doc = library(&tracks, "");
    let lib = parse_xml(&doc).unwrap();
    assert_eq!(lib.tracks.len(), 3);
    assert_eq!(lib.warnings.count, 2);
    assert!(lib
        .warnings
        .first
        .as_deref()
        .unwrap()
        .contains("in track 1"));
    for chunk in [1, 5, 13, 40, 100] {
        for threads in [1, 2] {
            assert_eq!(
                stream(doc.as_bytes(), chunk, threads).unwrap(),
                lib,
                "chunk {chunk}, {threads} threads"
            );
        }
    }
}

#[test]
fn a_header_date_with_fractional_seconds_loads_the_library() {
    // What a third-party migration tool wrote (issue 14): refused before.
    let doc = library(&entry(1, ""), "").replace(
        "<date>2020-09-09T10:11:28Z</date>",
        "<date>1970-01-01T00:00:00.000Z</date>",
    );
    let lib = parse_xml(&doc).unwrap();
    assert_eq!(lib.meta.export_date, Some(0));
    assert_eq!(lib.warnings.count, 0);
    let doc = doc.replace("1970-01-01T00:00:00.000Z", "2020-09-09T10:11:28+02:00");
    assert_eq!(
        parse_xml(&doc).unwrap().meta.export_date,
        Some(1_599_646_288 - 7_200)
    );
}

#[test]
fn an_unusable_header_value_is_dropped_not_fatal() {
    let doc = library(&entry(1, ""), "").replace(
        "<key>Major Version</key><integer>1</integer>",
        "<key>Major Version</key><integer>one</integer>",
    );
    let lib = parse_xml(&doc).unwrap();
    assert_eq!((lib.tracks.len(), lib.meta.major_version), (1, None));
    assert_eq!(lib.warnings.count, 1);
    let first = lib.warnings.first.unwrap();
    assert!(first.starts_with("line 5 (byte "), "{first}");
    assert!(first.contains("\"Major Version\""), "{first}");
}

#[test]
fn structure_stays_strict() {
    // No <plist> root, unbalanced, truncated: refused, never "lenient".
    for doc in [
        format!("{PROLOG}<dict><key>Tracks</key><dict/></dict>\n"),
        library(&entry(1, ""), "").replace("</dict>\n</plist>", "</plist>"),
        library(&entry(1, ""), "")[..200].to_owned(),
    ] {
        assert!(parse_xml(&doc).is_err(), "{doc}");
    }
}
