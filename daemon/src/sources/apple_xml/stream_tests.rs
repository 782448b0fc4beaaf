//! Unit tests of reading a library as a stream: chunk boundaries inside
//! every kind of token, readers that return little at a time or fail, and
//! what is handed to the sink.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{self, Read};

use trackcache_protocol::Track;

use super::tests::{entry, kv, library, parse_xml, playlists, stream, PROLOG, WHOLE};
use crate::sources::lines::Lines;
use crate::sources::{parse_stream, LibraryErrorKind, LibraryFormat, Limits};

/// A document with every quirk the parser accepts, so that with small
/// chunks a boundary falls inside every kind of token: the BOM, comments,
/// the declaration, a DOCTYPE with an internal subset, attributes holding
/// `>`, entities, CDATA, multi-byte characters, `<true />`, empty and
/// nested values, CRLF and lone CR line endings, header keys after
/// Playlists, and a comment after `</plist>`.
fn quirky() -> String {
    let first = [
        kv("Name", "<string>Björk &#38; Friends &amp; 日本語</string>"),
        kv(
            "Artist",
            "<string id=\"x>y\">A<![CDATA[<b> & c]]>d<!-- x --></string >",
        ),
        kv("Album", "<string\n>B</string\n>"),
        kv("Size", "<integer> 5000000000 </integer>"),
        kv("Date Added", "<date>1904-01-01T00:00:00Z</date>"),
        kv("Compilation", "<true />"),
        kv("Podcast", "<true></true>"),
        kv("Blank", "<string/>"),
        kv("Normalization", "<real>1.5</real>"),
        kv("Artwork", "<data>\n\t\t\tAAAA\n\t\t\t</data>"),
        kv(
            "Nested",
            "<dict><key>a</key><array><true/><dict/></array></dict>",
        ),
        kv("Persistent ID", "<string>0123456789ABCDEF</string>"),
    ]
    .concat();
    let tracks = [
        entry(1, &first),
        "<!-- between tracks -->\n".to_owned(),
        entry(2, &kv("Name", "<string>&lt;Two&gt; é</string>")),
        "\t\t<key>3</key>\n\t\t<dict/>\n".to_owned(),
        entry(
            4,
            &kv("Extras", "<dict><key>k</key><string>v</string></dict>"),
        ),
    ]
    .concat();
    let extra = format!(
        "{}\t<key>Music Folder</key><string>file:///Users/me/Music/</string>\n",
        playlists()
    );
    let doc = library(&tracks, &extra)
        .replacen(
            "<plist version=\"1.0\">",
            "<plist version='1.0' note=\"a>b\">",
            1,
        )
        .replacen(".dtd\">", ".dtd\" [ <!ENTITY x \"y\"> ]>", 1)
        .replacen("<plist", "<?app-instruction here?>\n<plist", 1);
    let doc = format!("\u{feff}<!-- exported -->\n{doc}<!-- trailing -->\n");
    // LF, CRLF and lone CR line endings in turn.
    doc.split('\n')
        .enumerate()
        .map(|(i, l)| format!("{l}{}", ["\n", "\r\n", "\r"][i % 3]))
        .collect()
}

#[test]
fn chunk_boundaries_inside_every_kind_of_token() {
    let doc = quirky();
    let expected = parse_xml(&doc).unwrap();
    assert_eq!(expected.tracks.len(), 4);
    assert_eq!(
        expected.tracks[0].name.as_deref(),
        Some("Björk & Friends & 日本語")
    );
    assert_eq!(expected.tracks[0].artist.as_deref(), Some("A<b> & cd"));
    assert_eq!(
        expected.meta.music_folder.as_deref(),
        Some("file:///Users/me/Music/")
    );
    // A chunk of 1 puts a boundary after every byte; the others mix
    // boundaries with cuts and pieces read ahead.
    for chunk in (1..=64).chain([97, 200, 501, 1000]) {
        for threads in [1, 2] {
            let got = stream(doc.as_bytes(), chunk, threads)
                .unwrap_or_else(|e| panic!("chunk {chunk}, {threads} threads: {e}"));
            assert_eq!(got, expected, "chunk {chunk}, {threads} threads");
        }
    }
}

#[test]
fn errors_are_the_same_at_every_chunk_size() {
    let doc = quirky();
    let cases = [
        // In the header, in a track, in a nested value, in Playlists, at the end.
        doc.replacen(
            "<key>Major Version</key>",
            "<key>Major Version</key><key>",
            1,
        ),
        doc.replacen("<string>&lt;Two", "<string>&nbsp;Two", 1),
        doc.replacen(
            "<array><true/><dict/></array>",
            "<array><true/><key/></array>",
            1,
        ),
        doc.replacen("<key>Master</key>", "<key>Master</key></dict>", 1),
        doc.replacen("<!-- trailing -->", "<plist/>", 1),
        // Invalid UTF-8 in the middle of a track.
        doc.replacen("é</string>", "\u{fffd}</string>", 1),
    ];
    for (i, case) in cases.iter().enumerate() {
        let mut bytes = case.clone().into_bytes();
        if let Some(at) = case.find('\u{fffd}') {
            bytes[at] = 0xFF;
        }
        let expected = stream(&bytes, WHOLE, 1).expect_err("malformed");
        assert_eq!(
            expected.kind(),
            LibraryErrorKind::Malformed,
            "case {i}: {expected}"
        );
        for chunk in [1, 2, 5, 16, 64, 300] {
            for threads in [1, 2] {
                let err = stream(&bytes, chunk, threads).expect_err("malformed");
                assert_eq!(
                    err.to_string(),
                    expected.to_string(),
                    "case {i}, chunk {chunk}"
                );
                assert_eq!(
                    err.position(),
                    expected.position(),
                    "case {i}, chunk {chunk}"
                );
            }
        }
    }
}

#[test]
fn every_truncation_through_the_stream_is_the_slice_error() {
    let doc = quirky();
    let complete = doc.find("</plist>").unwrap() + "</plist>".len();
    for len in 0..doc.len() {
        let cut = &doc.as_bytes()[..len];
        let expected = stream(cut, WHOLE, 1);
        match &expected {
            // Only the comment after </plist> may be cut off whole.
            Ok(_) => assert!(len >= complete, "cut at {len} parsed"),
            Err(e) => assert!(e.is_truncated(), "cut at {len}: {e}"),
        }
        for (chunk, threads) in [(64, 2), (9, 1)] {
            let got = stream(cut, chunk, threads);
            match (&got, &expected) {
                (Ok(got), Ok(expected)) => assert_eq!(got, expected, "cut at {len}"),
                (Err(got), Err(expected)) => {
                    assert_eq!(
                        got.to_string(),
                        expected.to_string(),
                        "cut at {len}, chunk {chunk}"
                    )
                }
                _ => panic!("cut at {len}, chunk {chunk}: {got:?} but {expected:?}"),
            }
        }
    }
}

/// A reader that hands out at most a few bytes per call.
struct Trickle<'a> {
    rest: &'a [u8],
    calls: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.calls += 1;
        if self.calls.is_multiple_of(5) {
            return Err(io::ErrorKind::Interrupted.into());
        }
        let n = buf.len().min(self.rest.len()).min(1 + self.calls % 7);
        buf[..n].copy_from_slice(&self.rest[..n]);
        self.rest = &self.rest[n..];
        Ok(n)
    }
}

#[test]
fn short_and_interrupted_reads() {
    let doc = quirky();
    let expected = parse_xml(&doc).unwrap();
    let mut reader = Trickle {
        rest: doc.as_bytes(),
        calls: 0,
    };
    let mut tracks = Vec::new();
    let outcome = parse_stream(
        LibraryFormat::AppleXml,
        &Limits::default(),
        &mut reader,
        &mut |t| tracks.push(t),
    )
    .unwrap();
    assert_eq!(
        (tracks, outcome.meta, outcome.warnings),
        (expected.tracks, expected.meta, expected.warnings)
    );
}

/// A reader that fails after `ok` bytes.
struct Failing<'a> {
    rest: &'a [u8],
    ok: usize,
}

impl Read for Failing<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.ok == 0 {
            return Err(io::Error::other("disk on fire"));
        }
        let n = buf.len().min(self.rest.len()).min(self.ok);
        buf[..n].copy_from_slice(&self.rest[..n]);
        self.rest = &self.rest[n..];
        self.ok -= n;
        Ok(n)
    }
}

#[test]
fn a_failing_reader_is_a_read_error_where_it_failed() {
    let doc = quirky();
    let bytes = doc.as_bytes();
    for ok in (0..bytes.len()).step_by(7) {
        for (chunk, threads) in [(WHOLE, 1), (50, 2), (3, 1)] {
            let mut reader = Failing { rest: bytes, ok };
            let tuning = super::Tuning {
                chunk,
                threads,
                limits: Limits::default(),
            };
            let err = super::parse_stream(&mut reader, &mut drop, tuning).expect_err("fails");
            assert_eq!(err.kind(), LibraryErrorKind::Read, "after {ok}: {err}");
            // Where the bytes read end (a CR there counts as a line break:
            // what follows it was never read).
            let at = Lines::default().position(0, &bytes[..ok], ok);
            assert_eq!(err.position(), at, "after {ok}, chunk {chunk}: {err}");
            assert!(err.to_string().contains("disk on fire"), "{err}");
        }
    }
}

#[test]
fn every_track_is_handed_over_in_file_order_duplicates_included() {
    let pid = |name: &str| {
        [
            kv("Name", &format!("<string>{name}</string>")),
            kv("Persistent ID", "<string>AAAAAAAAAAAAAAAA</string>"),
        ]
        .concat()
    };
    let doc = library(
        &[
            entry(1, &pid("first")),
            entry(2, ""),
            entry(3, &pid("second")),
        ]
        .concat(),
        "",
    );
    let mut seen: Vec<Track> = Vec::new();
    parse_stream(
        LibraryFormat::AppleXml,
        &Limits::default(),
        &mut doc.as_bytes(),
        &mut |t| seen.push(t),
    )
    .unwrap();
    let names: Vec<_> = seen
        .iter()
        .map(|t| (t.id.as_str(), t.name.as_deref()))
        .collect();
    assert_eq!(
        names,
        [
            ("AAAAAAAAAAAAAAAA", Some("first")),
            ("track-2", None),
            ("AAAAAAAAAAAAAAAA", Some("second"))
        ]
    );
    // `parse` keeps the last of each id.
    assert_eq!(parse_xml(&doc).unwrap().tracks.len(), 2);
}

#[test]
fn documents_without_tracks_or_not_a_plist() {
    let no_tracks = format!(
        "{PROLOG}<plist version=\"1.0\"><dict>{}<key>Music Folder</key><string>m</string>\
         </dict></plist>\n",
        playlists()
    );
    for chunk in [1, 10, WHOLE] {
        let lib = stream(no_tracks.as_bytes(), chunk, 2).unwrap();
        assert!(lib.tracks.is_empty());
        assert_eq!(lib.meta.music_folder.as_deref(), Some("m"));
        let err = stream(b"{\"id\": \"A\"}\n", chunk, 2).unwrap_err();
        assert!(
            err.to_string()
                .contains("Apple Music or iTunes library XML"),
            "{err}"
        );
    }
}
