//! Unit tests of the size bounds: every kind of item over its bound is
//! refused with the same error at every chunk size, one byte under loads,
//! and a big entry is not read again and again as the window grows.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::tests::{entry, kv, library, playlists, stream_with, WHOLE};
use crate::sources::{LibraryError, LibraryErrorKind, Limits};

/// Small enough that test documents can break it, big enough for the
/// DOCTYPE of `PROLOG`; items may take 64 times it (16 KiB).
const LIMITS: Limits = Limits {
    max_field_bytes: 256,
};

fn x(n: usize) -> String {
    "x".repeat(n)
}

/// The error for `doc`, checked to be the same at every chunk size.
fn too_large(doc: &str) -> LibraryError {
    let expected = stream_with(doc.as_bytes(), WHOLE, 1, LIMITS).expect_err("too large");
    assert_eq!(expected.kind(), LibraryErrorKind::TooLarge, "{expected}");
    for chunk in [1, 2, 7, 64, 255, 256, 257, 1000, 4096, 20_000] {
        for threads in [1, 2] {
            let err = stream_with(doc.as_bytes(), chunk, threads, LIMITS).expect_err("too large");
            assert_eq!(
                (err.to_string(), err.position()),
                (expected.to_string(), expected.position()),
                "chunk {chunk}, {threads} threads"
            );
        }
    }
    expected
}

fn loads(doc: &str) {
    for (chunk, threads) in [(WHOLE, 1), (3, 1), (100, 2)] {
        if let Err(e) = stream_with(doc.as_bytes(), chunk, threads, LIMITS) {
            panic!("chunk {chunk}: {e}");
        }
    }
}

#[test]
fn a_field_one_byte_over_is_refused_naming_line_track_and_key() {
    let doc = |n| {
        library(
            &entry(5, &kv("Name", &format!("<string>{}</string>", x(n)))),
            "",
        )
    };
    loads(&doc(256));
    let err = too_large(&doc(257));
    assert_eq!(err.track(), Some("5"));
    assert_eq!(err.position().line, 17);
    let text = err.to_string();
    for part in [
        "the <string> value of \"Name\"",
        "longer than 256 bytes",
        "max_field_bytes",
    ] {
        assert!(text.contains(part), "{text} lacks {part}");
    }
}

#[test]
fn every_kind_of_markup_is_bounded() {
    let in_track = |body: &str| library(&entry(5, body), "");
    // Each as (just fits, one byte over).
    let cases: Vec<(String, String)> = vec![
        // A key: its text.
        (
            in_track(&format!("\t\t\t<key>{}</key><true/>\n", x(256))),
            in_track(&format!("\t\t\t<key>{}</key><true/>\n", x(257))),
        ),
        // A comment, whole.
        (
            in_track(&format!("<!--{}-->", x(249))),
            in_track(&format!("<!--{}-->", x(250))),
        ),
        // A processing instruction, whole.
        (
            in_track(&format!("<?{}?>", x(252))),
            in_track(&format!("<?{}?>", x(253))),
        ),
        // A start tag with an attribute, whole.
        (
            in_track(&kv("Name", &format!("<string a=\"{}\">n</string>", x(243)))),
            in_track(&kv("Name", &format!("<string a=\"{}\">n</string>", x(244)))),
        ),
        // An end tag padded with spaces, whole.
        (
            in_track(&kv(
                "Name",
                &format!("<string>n</string{}>", " ".repeat(247)),
            )),
            in_track(&kv(
                "Name",
                &format!("<string>n</string{}>", " ".repeat(248)),
            )),
        ),
        // Text with CDATA: the content as written.
        (
            in_track(&kv(
                "Name",
                &format!("<string><![CDATA[{}]]></string>", x(244)),
            )),
            in_track(&kv(
                "Name",
                &format!("<string><![CDATA[{}]]></string>", x(245)),
            )),
        ),
        // A header value, and a value inside Playlists.
        (
            library(&entry(1, ""), "").replace(
                "<string>1.0.6.10</string>",
                &format!("<string>{}</string>", x(256)),
            ),
            library(&entry(1, ""), "").replace(
                "<string>1.0.6.10</string>",
                &format!("<string>{}</string>", x(257)),
            ),
        ),
        (
            library(&entry(1, ""), &playlists().replace("Master", &x(256))),
            library(&entry(1, ""), &playlists().replace("Master", &x(257))),
        ),
    ];
    for (fits, over) in cases {
        loads(&fits);
        too_large(&over);
    }
}

#[test]
fn items_held_whole_are_bounded() {
    // A track of many fields, each within the field bound.
    let fields = |n: usize| -> String {
        (0..n)
            .map(|i| kv(&format!("K{i}"), &format!("<string>{}</string>", x(200))))
            .collect()
    };
    loads(&library(&entry(5, &fields(20)), ""));
    let err = too_large(&library(&entry(5, &fields(100)), ""));
    assert!(err.to_string().contains("track 5's <dict>"), "{err}");
    assert!(err.to_string().contains("16384 bytes"), "{err}");
    // Whitespace and comments inside a track count; between tracks or
    // top-level keys, whitespace does not.
    too_large(&library(&entry(5, &" ".repeat(20_000)), ""));
    loads(&library(
        &[entry(1, ""), " ".repeat(50_000), entry(2, "")].concat(),
        "",
    ));
    loads(&library(
        &entry(1, ""),
        &format!("{}\t<key>X</key><true/>\n", "\n".repeat(50_000)),
    ));
    // Comments before a top-level key belong to that step.
    let comments = "<!-- a comment of some length, repeated -->\n".repeat(500);
    let err = too_large(&library(
        &entry(1, ""),
        &format!("{comments}<key>X</key><true/>\n"),
    ));
    assert!(
        err.to_string().contains("a key of the library dict"),
        "{err}"
    );
}

#[test]
fn a_big_entry_is_read_in_linear_time() {
    // One 1 MiB string, read 1 KiB at a time on one thread: joining one
    // piece at a time read ~512 MiB in front (quadratic); doubling reads
    // a small multiple of the file.
    let limits = Limits {
        max_field_bytes: 2 << 20,
    };
    let doc = library(
        &[
            entry(1, ""),
            entry(2, &kv("Name", &format!("<string>{}</string>", x(1 << 20)))),
            entry(3, ""),
        ]
        .concat(),
        "",
    );
    super::pipeline::READ_IN_FRONT.with(|n| n.set(0));
    let lib = stream_with(doc.as_bytes(), 1024, 1, limits).unwrap();
    assert_eq!(lib.tracks.len(), 3);
    let read = super::pipeline::READ_IN_FRONT.with(std::cell::Cell::get);
    assert!(
        read < 4 * doc.len() as u64,
        "{read} bytes read in front for a {}-byte file",
        doc.len()
    );
}
