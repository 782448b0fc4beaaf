//! Unit tests of apple-xml errors: malformed documents are refused with a
//! clear message, and every truncation is told apart from a short library.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::tests::{entry, kv, library, parse_xml, playlists, stream, PROLOG};
use crate::sources::{LibraryError, LibraryErrorKind};

/// Chunk sizes and thread counts that put piece boundaries all over a
/// small document (see `stream_tests` for every chunk size).
const STREAMED: [(usize, usize); 2] = [(64, 2), (7, 1)];

/// Asserts that streaming `doc` in small chunks gives `expected`'s error.
fn same_when_streamed(doc: &[u8], expected: &LibraryError) {
    for (chunk, threads) in STREAMED {
        match stream(doc, chunk, threads) {
            Ok(lib) => panic!("chunk {chunk}: {} tracks, not {expected}", lib.tracks.len()),
            Err(e) => {
                assert_eq!(e.to_string(), expected.to_string(), "chunk {chunk}");
                assert_eq!(e.position(), expected.position(), "chunk {chunk}");
            }
        }
    }
}

fn malformed(doc: &str) -> LibraryError {
    let err = parse_xml(doc).expect_err("should be refused");
    assert_eq!(err.kind(), LibraryErrorKind::Malformed, "{err}");
    same_when_streamed(doc.as_bytes(), &err);
    err
}

fn small_library() -> String {
    let tracks = [
        entry(
            1,
            &[
                kv("Name", "<string>Björk &#38; Friends</string>"),
                kv("Size", "<integer>5000000000</integer>"),
                kv("Date Added", "<date>1904-01-01T00:00:00Z</date>"),
                kv("Compilation", "<true />"),
                kv("Persistent ID", "<string>0123456789ABCDEF</string>"),
            ]
            .concat(),
        ),
        entry(2, &kv("Name", "<string>&lt;Two&gt;</string>")),
    ]
    .concat();
    format!(
        "\u{feff}<!-- exported -->\n{}",
        library(&tracks, &playlists()).replace("</plist>\n", "</plist>")
    )
}

#[test]
fn every_truncation_is_an_error_never_fewer_tracks() {
    let doc = small_library();
    assert_eq!(parse_xml(&doc).unwrap().tracks.len(), 2);
    let bytes = doc.as_bytes();
    for cut in 0..bytes.len() {
        match crate::sources::parse(crate::sources::LibraryFormat::AppleXml, &bytes[..cut]) {
            Ok(lib) => panic!("cut at {cut} parsed to {} tracks", lib.tracks.len()),
            Err(e) => {
                assert!(e.is_truncated(), "cut at {cut}: {e}");
                same_when_streamed(&bytes[..cut], &e);
            }
        }
    }
}

#[test]
fn every_crlf_truncation_is_an_error() {
    let doc = small_library().replace('\n', "\r\n");
    for cut in 0..doc.len() {
        let err = crate::sources::parse(
            crate::sources::LibraryFormat::AppleXml,
            &doc.as_bytes()[..cut],
        )
        .expect_err("truncated");
        assert!(err.is_truncated(), "cut at {cut}");
        same_when_streamed(&doc.as_bytes()[..cut], &err);
    }
}

#[test]
fn truncated_message_names_the_track_and_line() {
    let doc = small_library();
    let cut = doc.find("<key>Size</key>").unwrap();
    let err = parse_xml(&doc[..cut]).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("ends inside track 1's <dict> (opened at line 16)"),
        "{text}"
    );
    assert!(text.contains("truncated or still being written"), "{text}");
    assert_eq!(err.position().line, 19);
    assert_eq!(err.position().offset, cut as u64);
    same_when_streamed(&doc.as_bytes()[..cut], &err);
}

#[test]
fn empty_file_is_truncated() {
    for doc in ["", "\u{feff}", "   \n"] {
        let err = parse_xml(doc).unwrap_err();
        assert!(err.is_truncated(), "{err}");
        same_when_streamed(doc.as_bytes(), &err);
        assert!(
            err.to_string().contains("before the <plist> root element"),
            "{err}"
        );
    }
}

#[test]
fn key_without_value_in_playlists() {
    let extra = "\t<key>Playlists</key>\n\t<array>\n\t\t<dict>\n\
                 \t\t\t<key>Name</key><string>Movies</string>\n\
                 \t\t\t<key>Playlist Items</key>\n\t\t</dict>\n\t</array>\n";
    let doc = library(&entry(1, ""), extra);
    let err = malformed(&doc);
    let text = err.to_string();
    assert!(
        text.contains("key \"Playlist Items\" has no value"),
        "{text}"
    );
    assert!(text.contains("found </dict>"), "{text}");
    let line = doc[..doc.find("\t\t</dict>\n\t</array>").unwrap()]
        .lines()
        .count()
        + 1;
    assert_eq!(err.position().line, line as u64, "{text}");
}

#[test]
fn key_without_value_in_a_track() {
    let body = format!(
        "\t\t\t<key>Name</key>\n{}",
        kv("Artist", "<string>A</string>")
    );
    let err = malformed(&library(&entry(42, &body), ""));
    assert_eq!(err.track(), Some("42"));
    assert!(
        err.to_string()
            .contains("in track 42: key \"Name\" has no value"),
        "{err}"
    );
    let err = malformed(&library(&entry(42, "\t\t\t<key>Name</key>\n"), ""));
    assert!(err.to_string().contains("found </dict>"), "{err}");
}

#[test]
fn unbalanced_and_mismatched_tags() {
    let cases = [
        // </array> closing a dict.
        library(&entry(1, ""), "").replace("\t\t</dict>\n\t</dict>", "\t\t</array>\n\t</dict>"),
        // A value closed by the wrong tag.
        library(&entry(1, "\t\t\t<key>Name</key><string>x</key>\n"), ""),
        // An extra </dict>.
        library(&entry(1, ""), "\t</dict>\n"),
        // A value with no key inside a dict.
        library(&entry(1, "\t\t\t<string>orphan</string>\n"), ""),
        // Two values for one key.
        library(
            &entry(1, &kv("Name", "<string>a</string><string>b</string>")),
            "",
        ),
        // A key inside an array.
        library(&entry(1, &kv("X", "<array><key>k</key></array>")), ""),
        // Elements a plist does not have.
        library(&entry(1, &kv("Name", "<b>bold</b>")), ""),
        library(&entry(1, &kv("Name", "<string>a<b/>b</string>")), ""),
        // Text where only elements belong.
        library(&entry(1, "\t\t\tstray text\n"), ""),
        // Something after </plist>.
        format!("{}<plist/>\n", library("", "")),
        // The root is not a plist dict.
        format!("{PROLOG}<plist version=\"1.0\"><array/></plist>\n"),
        format!("{PROLOG}<html></html>\n"),
        // Markup a plist cannot have.
        library(&entry(1, "\t\t\t<!ELEMENT x>\n"), ""),
        library(&entry(1, "\t\t\t<![CDATA[x]]>\n"), ""),
        library(&entry(1, &kv("Name", "<string>a<!x>b</string>"))[..], ""),
        // Tracks is not a dict.
        library("", "").replace("\t<dict>\n\t</dict>", "\t<array/>"),
    ];
    for doc in cases {
        malformed(&doc);
    }
}

#[test]
fn bad_markup_in_scalars() {
    // XML that is not well formed is structure, not an odd value.
    let cases = [
        kv("Name", "<string>&nbsp;</string>"),
        kv("Name", "<string>a & b</string>"),
        kv("Podcast", "<true>yes</true>"),
    ];
    for body in cases {
        let err = malformed(&library(&entry(5, &body), ""));
        assert_eq!(err.track(), Some("5"), "{err}");
    }
}

#[test]
fn not_a_plist_at_all() {
    let err = malformed("{\"id\": \"A\"}\n");
    assert!(
        err.to_string()
            .contains("Apple Music or iTunes library XML"),
        "{err}"
    );
}

#[test]
fn invalid_utf8_in_the_middle_is_malformed() {
    let doc = library(&entry(1, &kv("Name", "<string>caf\u{e9}</string>")), "");
    let mut bytes = doc.into_bytes();
    let at = bytes
        .windows(2)
        .position(|w| w == "\u{e9}".as_bytes())
        .unwrap();
    bytes[at] = 0xFF;
    let err = crate::sources::parse(crate::sources::LibraryFormat::AppleXml, &bytes).unwrap_err();
    assert_eq!(err.kind(), LibraryErrorKind::Malformed, "{err}");
    same_when_streamed(&bytes, &err);
}

#[test]
fn error_lines_count_crlf_once() {
    let doc = library(&entry(1, "\t\t\t<key>Name</key>\n"), "").replace('\n', "\r\n");
    let lf_line = malformed(&library(&entry(1, "\t\t\t<key>Name</key>\n"), ""))
        .position()
        .line;
    assert_eq!(malformed(&doc).position().line, lf_line);
}

#[test]
fn a_utf16_file_is_named_as_such_at_every_chunk_size() {
    let doc = small_library();
    let utf16 = |big_endian: bool, bom: bool| -> Vec<u8> {
        let units = doc.trim_start_matches('\u{feff}').encode_utf16();
        let mut out: Vec<u8> = if bom {
            if big_endian {
                vec![0xFE, 0xFF]
            } else {
                vec![0xFF, 0xFE]
            }
        } else {
            Vec::new()
        };
        for u in units {
            out.extend(if big_endian {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            });
        }
        out
    };
    for (big_endian, bom) in [(false, true), (true, true), (false, false), (true, false)] {
        let bytes = utf16(big_endian, bom);
        let err = crate::sources::parse(crate::sources::LibraryFormat::AppleXml, &bytes)
            .expect_err("UTF-16");
        assert_eq!(err.kind(), LibraryErrorKind::Malformed, "{err}");
        assert!(err.to_string().contains("UTF-16"), "{err}");
        assert_eq!(err.position().offset, 0);
        same_when_streamed(&bytes, &err);
        let one = stream(&bytes, 1, 1).expect_err("UTF-16");
        assert_eq!(one.to_string(), err.to_string());
    }
    // Found by the apple_xml fuzz target: `{` then NUL read as UTF-16 when
    // whole, but as text outside any element when the first window held
    // the `{` alone. Only `<` then NUL is UTF-16 for apple-xml.
    let bytes = b"{\x001\x85\x85\x96\x00\x00<tin\x01\x00\x04\x00";
    let err = crate::sources::parse(crate::sources::LibraryFormat::AppleXml, bytes)
        .expect_err("not a plist");
    assert!(err.to_string().contains("text outside"), "{err}");
    let one = stream(bytes, 1, 1).expect_err("not a plist");
    assert_eq!(one.to_string(), err.to_string());
}

#[test]
fn nesting_is_bounded_and_deep_enough_for_any_library() {
    let nested = |depth: usize| {
        let value = format!("{}{}", "<array>".repeat(depth), "</array>".repeat(depth));
        library(&entry(1, ""), &format!("\t<key>Playlists</key>{value}\n"))
    };
    assert!(parse_xml(&nested(super::skip::MAX_DEPTH)).is_ok());
    let err = malformed(&nested(super::skip::MAX_DEPTH + 1));
    assert!(
        err.to_string().contains("nested more than 512 deep"),
        "{err}"
    );
    // 100,000 levels: refused quickly, the stack bounded, no overflow.
    let err = parse_xml(&nested(100_000)).expect_err("too deep");
    assert!(err.to_string().contains("\"Playlists\""), "{err}");
    // Inside a track too.
    let deep = format!(
        "{}{}",
        "<dict><key>a</key>".repeat(600),
        "</dict>".repeat(600)
    );
    let err = malformed(&library(&entry(7, &kv("Nested", &deep)), ""));
    assert_eq!(err.track(), Some("7"));
}
