//! Unit tests of how apple-xml values map to track fields: flags, numbers
//! out of range, sentinel dates, unknown keys and value types.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::tests::{entry, kv, library, one};

#[test]
fn true_spellings() {
    let body = [
        kv("Podcast", "<true/>"),
        kv("Has Video", "<true />"),
        kv("Movie", "<true></true>"),
        kv("TV Show", "<false/>"),
        kv("Music Video", "<false />"),
    ]
    .concat();
    let m = one(&library(&entry(1, &body), "")).media;
    assert!(m.podcast && m.has_video && m.movie);
    assert!(!m.tv_show && !m.music_video);
}

#[test]
fn every_flag_has_its_key() {
    let keys = [
        "Podcast",
        "Has Video",
        "Movie",
        "TV Show",
        "Music Video",
        "Audiobook",
        "iTunesU",
        "Protected",
        "Purchased",
        "Apple Music",
        "Disabled",
        "Compilation",
    ];
    let body: String = keys.iter().map(|k| kv(k, "<true/>")).collect();
    let m = one(&library(&entry(1, &body), "")).media;
    let all = [
        m.podcast,
        m.has_video,
        m.movie,
        m.tv_show,
        m.music_video,
        m.audiobook,
        m.itunes_u,
        m.protected,
        m.purchased,
        m.apple_music,
        m.disabled,
        m.compilation,
    ];
    assert!(all.iter().all(|f| *f), "{m:?}");
}

#[test]
fn localized_kind_does_not_set_flags() {
    let body = kv("Kind", "<string>Podcast-Folge</string>");
    let t = one(&library(&entry(1, &body), ""));
    assert_eq!(t.kind.as_deref(), Some("Podcast-Folge"));
    assert!(!t.media.podcast);
}

#[test]
fn big_and_negative_integers() {
    let body = [
        kv("Size", "<integer>5000000000</integer>"),
        kv("Total Time", "<integer>-1</integer>"),
        kv("Play Count", "<integer>-3</integer>"),
        kv("Year", "<integer>-5</integer>"),
        kv("Rating", "<integer>120</integer>"),
        kv("Track Number", "<integer> 4 </integer>"),
        kv("Disc Count", "<integer>99999999999</integer>"),
    ]
    .concat();
    let t = one(&library(&entry(1, &body), ""));
    assert_eq!(t.size, Some(5_000_000_000));
    assert_eq!(
        (t.duration_ms, t.play_count, t.year, t.rating),
        (None, None, None, None)
    );
    assert_eq!(t.track_number, Some(4));
    assert_eq!(t.disc_count, None);
    let t = one(&library(
        &entry(1, &kv("Size", "<integer>-1</integer>")),
        "",
    ));
    assert_eq!(t.size, None);
}

#[test]
fn sentinel_dates_before_1970_and_after_2038() {
    let body = [
        kv("Date Added", "<date>1904-01-01T00:00:03Z</date>"),
        kv("Release Date", "<date>2040-02-06T04:28:16Z</date>"),
    ]
    .concat();
    let t = one(&library(&entry(1, &body), ""));
    assert_eq!(t.date_added, Some(-2_082_844_797));
    assert_eq!(t.release_date, Some(2_212_115_296));
}

#[test]
fn unknown_keys_and_value_types_are_skipped() {
    let body = [
        kv("Normalization", "<real>1.5</real>"),
        kv("Artwork", "<data>AAAA</data>"),
        kv(
            "Tags",
            "<array><string>x</string><integer>1</integer><array/><dict/></array>",
        ),
        kv(
            "Nested",
            "<dict><key>a</key><dict><key>b</key><array><true/></array></dict></dict>",
        ),
        kv("Blank", "<string/>"),
        kv("Name", "<string>Kept</string>"),
        kv("Album", "<integer>12</integer>"),
    ]
    .concat();
    let t = one(&library(&entry(1, &body), ""));
    assert_eq!(t.name.as_deref(), Some("Kept"));
    // A known key with an unexpected value type is ignored, not guessed at.
    assert_eq!(t.album, None);
}
