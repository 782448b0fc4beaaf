//! Unit tests of the Tracks pipeline: whatever the chunk size, wherever the
//! cuts fall (between tracks or inside one) and however the pieces are
//! shared by the two threads, the outcome is that of a one-thread parse.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::super::feed::find_cut;
use super::super::tests::{entry, kv, library, playlists, stream, WHOLE};

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

#[test]
fn same_result_on_two_threads() {
    let doc = doc(40);
    let one = stream(doc.as_bytes(), WHOLE, 1).unwrap();
    assert_eq!(one.tracks.len(), 40);
    assert_eq!(one.meta.music_folder.as_deref(), Some("file:///late/"));
    for chunk in [64, 100, 256, 1000, 4000] {
        assert_eq!(
            stream(doc.as_bytes(), chunk, 2).unwrap(),
            one,
            "chunk {chunk}"
        );
    }
}

#[test]
fn cuts_inside_a_track_exist_and_are_refused() {
    let doc = doc(3);
    // A nested dict followed by the next key of the same track looks like
    // the start of a track entry: the pipeline must confirm every cut.
    let false_cut = doc
        .find("</dict>\n\t\t\t<key>Name")
        .expect("a cut inside a track");
    let at = find_cut(&doc.as_bytes()[..false_cut + 20]).unwrap();
    assert!(doc[at..].starts_with("<key>Name"), "{}", &doc[at..]);
}

#[test]
fn every_chunk_size_gives_the_one_thread_result() {
    let doc = doc(6);
    let expected = stream(doc.as_bytes(), WHOLE, 1).unwrap();
    // Every chunk size makes the first piece end at the last cut before a
    // different place, so every cut of the document is tried, between
    // tracks or not, and later pieces fall everywhere too.
    for chunk in 1..=doc.len() + 1 {
        for threads in [1, 2] {
            let got = stream(doc.as_bytes(), chunk, threads)
                .unwrap_or_else(|e| panic!("chunk {chunk}, {threads} threads: {e}"));
            assert_eq!(got, expected, "chunk {chunk}, {threads} threads");
        }
    }
}

#[test]
fn every_truncation_is_still_truncated() {
    let doc = doc(8);
    for len in 0..doc.trim_end().len() {
        let cut = &doc.as_bytes()[..len];
        let one = stream(cut, WHOLE, 1).expect_err("truncated");
        assert!(one.is_truncated(), "cut at {len}: {one}");
        for (chunk, threads) in [(64, 2), (17, 1)] {
            let err = stream(cut, chunk, threads).expect_err("truncated");
            assert_eq!(
                err.to_string(),
                one.to_string(),
                "cut at {len}, chunk {chunk}"
            );
            assert_eq!(
                err.position(),
                one.position(),
                "cut at {len}, chunk {chunk}"
            );
        }
    }
}

#[test]
fn errors_come_in_document_order() {
    let base = doc(40);
    let first_bad = base.find("<string>Song 3 ").unwrap();
    let second_bad = base.find("<string>Song 37 ").unwrap();
    // Only late in the file: reported as a one-thread parse would.
    let mut late = base.clone();
    late.replace_range(second_bad..second_bad + 8, "<strin>");
    let one = stream(late.as_bytes(), WHOLE, 1).unwrap_err().to_string();
    assert!(one.contains("in track 37"), "{one}");
    for chunk in [64, 333, 1000] {
        let two = stream(late.as_bytes(), chunk, 2).unwrap_err().to_string();
        assert_eq!(two, one, "chunk {chunk}");
    }
    // Early and late: the first one wins, whichever thread read it.
    let mut both = late;
    both.replace_range(first_bad..first_bad + 8, "<strin>");
    for chunk in [64, 333, 1000] {
        let err = stream(both.as_bytes(), chunk, 2).unwrap_err().to_string();
        assert!(err.contains("in track 3:"), "chunk {chunk}: {err}");
    }
}
