//! The generator's files parse back to exactly the generated tracks, in
//! both formats and every XML style, and the tracks look like a library.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use trackcache_daemon::sources::{parse, LibraryFormat};
use trackcache_protocol::Track;
use trackcache_tests::generator::{
    generate, write_apple_xml, write_jsonl, LineEnding, XmlStyle, EXPORT_DATE,
    LIBRARY_PERSISTENT_ID, MUSIC_FOLDER, SENTINEL_1904, SENTINEL_2040,
};

/// Plain, quirky, and each quirk on its own.
fn styles() -> Vec<(&'static str, XmlStyle)> {
    let plain = XmlStyle::plain();
    let one = |f: fn(&mut XmlStyle)| {
        let mut s = XmlStyle::plain();
        f(&mut s);
        s
    };
    vec![
        ("plain", plain),
        ("quirky", XmlStyle::quirky()),
        ("bom", one(|s| s.bom = true)),
        ("crlf", one(|s| s.line_ending = LineEnding::Crlf)),
        ("mixed", one(|s| s.line_ending = LineEnding::Mixed)),
        ("comments", one(|s| s.comments = true)),
        ("spaced true", one(|s| s.spaced_true = true)),
        ("shuffled", one(|s| s.shuffle_keys = true)),
        ("header last", one(|s| s.header_after_playlists = true)),
        ("no playlists", one(|s| s.playlists = false)),
        ("numeric entities", one(|s| s.numeric_entities = true)),
        ("exotic values", one(|s| s.exotic_values = true)),
    ]
}

#[test]
fn xml_round_trips_in_every_style() {
    for seed in [1, 2, 3] {
        let tracks = generate(700, seed);
        for (name, style) in styles() {
            let xml = write_apple_xml(&tracks, &style);
            let lib = parse(LibraryFormat::AppleXml, &xml)
                .unwrap_or_else(|e| panic!("seed {seed}, style {name}: {e}"));
            assert_eq!(lib.tracks.len(), tracks.len(), "seed {seed}, style {name}");
            for (got, want) in lib.tracks.iter().zip(&tracks) {
                assert_eq!(got, want, "seed {seed}, style {name}");
            }
            assert_eq!(lib.meta.export_date, Some(EXPORT_DATE));
            assert_eq!(lib.meta.music_folder.as_deref(), Some(MUSIC_FOLDER));
            assert_eq!(
                lib.meta.library_persistent_id.as_deref(),
                Some(LIBRARY_PERSISTENT_ID)
            );
            assert_eq!(
                (lib.meta.major_version, lib.meta.minor_version),
                (Some(1), Some(1))
            );
        }
    }
}

#[test]
fn big_xml_round_trips_on_two_threads() {
    // Over the parser's 4 MiB threshold for reading Tracks on two threads.
    let tracks = generate(4_000, 11);
    for style in [XmlStyle::plain(), XmlStyle::quirky()] {
        let xml = write_apple_xml(&tracks, &style);
        assert!(xml.len() > 4 << 20);
        let lib = parse(LibraryFormat::AppleXml, &xml).unwrap();
        assert!(lib.tracks == tracks, "{style:?}");
        assert_eq!(lib.meta.music_folder.as_deref(), Some(MUSIC_FOLDER));
    }
}

#[test]
fn jsonl_round_trips() {
    for seed in [1, 2, 3, 4] {
        let tracks = generate(700, seed);
        let lib = parse(LibraryFormat::Jsonl, &write_jsonl(&tracks)).unwrap();
        assert_eq!(lib.tracks, tracks, "seed {seed}");
    }
}

#[test]
fn quirky_style_really_has_its_quirks() {
    let xml = write_apple_xml(&generate(300, 9), &XmlStyle::quirky());
    let text = String::from_utf8(xml).unwrap();
    assert!(text.starts_with('\u{feff}'));
    for needle in [
        "\r\n",
        "<!--",
        "<true />",
        "&#38;",
        "<real>",
        "<data>",
        "Playlist Items",
    ] {
        assert!(text.contains(needle), "{needle}");
    }
    let playlists = text.find("<key>Playlists</key>").unwrap();
    assert!(text.find("<key>Music Folder</key>").unwrap() > playlists);
}

#[test]
fn deterministic_for_a_seed() {
    assert_eq!(generate(400, 5), generate(400, 5));
    assert_ne!(generate(400, 5), generate(400, 6));
    let style = XmlStyle::quirky();
    assert_eq!(
        write_apple_xml(&generate(50, 5), &style),
        write_apple_xml(&generate(50, 5), &style)
    );
    // A longer library starts with the shorter one.
    assert_eq!(generate(100, 5)[..], generate(400, 5)[..100]);
}

#[test]
fn tracks_look_like_a_real_library() {
    let tracks = generate(20_000, 1);
    let count = |f: &dyn Fn(&Track) -> bool| tracks.iter().filter(|t| f(t)).count();
    let share = |f: &dyn Fn(&Track) -> bool| count(f) as f64 / tracks.len() as f64;

    assert!(share(&|t| t.media.compilation) > 0.02);
    assert!(share(&|t| t.media.podcast) > 0.01);
    assert!(share(&|t| t.media.has_video) > 0.005);
    assert!(count(&|t| t.media.movie) > 0 && count(&|t| t.media.tv_show) > 0);
    assert!(share(&|t| !t.name.as_deref().unwrap_or("").is_ascii()) > 0.05);
    assert!(count(&|t| t.artist.as_deref().unwrap_or("").contains('&')) > 100);
    assert!(count(&|t| t.size.is_some_and(|s| s > 1 << 32)) > 10);
    assert!(count(&|t| t.album_artist.is_none()) > 1_000);
    assert!(count(&|t| t.year.is_none()) > 500);
    assert!(count(&|t| t.location.is_none()) > 100);
    assert!(count(&|t| t.date_modified == Some(SENTINEL_1904)) > 10);
    assert!(count(&|t| t.date_modified == Some(SENTINEL_2040)) > 10);
    assert!(count(&|t| t.release_date.is_some_and(|d| d < 0)) > 10);

    let hex_ids = count(&|t| {
        t.id.len() == 16
            && t.id
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase() && b <= b'F')
    });
    let fallback_ids = count(&|t| t.track_id.is_some_and(|n| t.id == format!("track-{n}")));
    assert_eq!(hex_ids + fallback_ids, tracks.len());
    assert!(fallback_ids > 0);
    let mut ids: Vec<_> = tracks.iter().map(|t| &t.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), tracks.len(), "ids are unique");

    // Albums have 8-15 tracks per disc (the last album may be cut short).
    let per_disc = tracks
        .iter()
        .filter_map(|t| t.track_count)
        .filter(|n| !(8..=15).contains(n))
        .count();
    let podcast_counts = count(&|t| t.media.podcast || t.media.movie);
    assert!(per_disc <= podcast_counts, "{per_disc}");
}

#[test]
fn xml_size_is_like_a_real_export() {
    let tracks = generate(5_000, 1);
    for style in [XmlStyle::plain(), XmlStyle::quirky()] {
        let per_track = write_apple_xml(&tracks, &style).len() / tracks.len();
        assert!(
            (1_100..=1_250).contains(&per_track),
            "{per_track} bytes per track"
        );
    }
}
