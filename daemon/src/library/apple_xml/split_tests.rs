//! Unit tests of the two-thread Tracks reading: whatever the cut, the
//! outcome is that of a one-thread parse.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::super::lexer::Lexer;
use super::super::tests::{entry, kv, library, playlists};
use super::super::token::{Tag, Tok};
use super::super::track::open_tracks;
use super::super::{parse_with, read_rest, Rest};
use super::{find_cut, read_with_cut};
use crate::library::ParsedLibrary;

/// Tracks with a nested dict in each, so that some `</dict>` + `<key>`
/// places are inside a track rather than between two.
fn doc(tracks: u64) -> String {
    let entries: String = (1..=tracks)
        .map(|n| {
            let body = [
                kv("Extras", "<dict><key>a</key><integer>1</integer></dict>"),
                kv("Name", &format!("<string>Song {n} &amp; more</string>")),
                kv("Size", &format!("<integer>{}</integer>", n * 1_000_000_000)),
                kv("Persistent ID", &format!("<string>{n:016X}</string>")),
            ]
            .concat();
            entry(n, &body)
        })
        .collect();
    let header_after = "\t<key>Music Folder</key><string>file:///late/</string>\n";
    library(&entries, &format!("{}{header_after}", playlists()))
}

/// A lexer just inside the Tracks `<dict>` of `doc`.
fn at_tracks(doc: &str) -> Lexer<'_> {
    let mut lx = Lexer::new(doc.as_bytes());
    assert_eq!(lx.next().unwrap(), Tok::Open(Tag::Plist));
    assert_eq!(lx.next().unwrap(), Tok::Open(Tag::Dict));
    loop {
        assert_eq!(lx.next().unwrap(), Tok::Open(Tag::Key));
        let key = lx.text(Tag::Key).unwrap();
        if key == "Tracks" {
            assert!(open_tracks(&mut lx).unwrap());
            return lx;
        }
        lx.skip_value(key).unwrap();
    }
}

#[test]
fn same_result_on_two_threads() {
    let doc = doc(40);
    let one = parse_with(doc.as_bytes(), usize::MAX).unwrap();
    let two = parse_with(doc.as_bytes(), 0).unwrap();
    assert_eq!(one.tracks.len(), 40);
    assert_eq!(one.meta.music_folder.as_deref(), Some("file:///late/"));
    assert_eq!(one, two);
    let lx = at_tracks(&doc);
    let cut = find_cut(doc.as_bytes(), lx.pos(), 0).expect("a cut");
    assert!(doc[cut..].starts_with("<key>"));
}

#[test]
fn every_cut_gives_the_one_thread_result() {
    let doc = doc(6);
    let expected = parse_with(doc.as_bytes(), usize::MAX).unwrap();
    let lx = at_tracks(&doc);
    // Every `<` after the Tracks dict opens, between tracks or not, as the cut.
    for cut in (lx.pos()..doc.len()).filter(|&i| doc.as_bytes()[i] == b'<') {
        let mut lx = at_tracks(&doc);
        let mut library = ParsedLibrary {
            meta: expected.meta.clone(),
            ..ParsedLibrary::default()
        };
        let rest =
            read_with_cut(&mut lx, &mut library, cut).unwrap_or_else(|e| panic!("cut {cut}: {e}"));
        if rest == Rest::ToRead {
            read_rest(&mut lx, &mut library, usize::MAX).unwrap();
        }
        assert_eq!(library, expected, "cut {cut}");
    }
}

#[test]
fn every_truncation_is_still_truncated() {
    let doc = doc(8);
    for len in 0..doc.trim_end().len() {
        let err = parse_with(&doc.as_bytes()[..len], 0).expect_err("truncated");
        assert!(err.is_truncated(), "cut at {len}: {err}");
    }
}

#[test]
fn errors_come_in_document_order() {
    let base = doc(40);
    let first_bad = base.find("<string>Song 3 ").unwrap();
    let second_bad = base.find("<string>Song 37 ").unwrap();
    // Only in the second half: reported as a one-thread parse would.
    let mut late = base.clone();
    late.replace_range(second_bad..second_bad + 8, "<strin>");
    let one = parse_with(late.as_bytes(), usize::MAX)
        .unwrap_err()
        .to_string();
    assert_eq!(parse_with(late.as_bytes(), 0).unwrap_err().to_string(), one);
    assert!(one.contains("in track 37"), "{one}");
    // In both halves: the first one wins.
    let mut both = late;
    both.replace_range(first_bad..first_bad + 8, "<strin>");
    let err = parse_with(both.as_bytes(), 0).unwrap_err().to_string();
    assert!(err.contains("in track 3:"), "{err}");
}
