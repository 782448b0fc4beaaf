//! Unit tests of the JSON Lines parser, on lines built here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use trackcache_protocol::{MediaFlags, Track};

use crate::sources::{parse, LibraryError, LibraryErrorKind, LibraryFormat, ParsedLibrary};

fn parse_jsonl(text: &str) -> Result<ParsedLibrary, LibraryError> {
    parse(LibraryFormat::Jsonl, text.as_bytes())
}

fn tracks(text: &str) -> Vec<Track> {
    parse_jsonl(text).unwrap().tracks
}

#[test]
fn every_field() {
    let line = r#"{"id":"B563F0DC6BAC1D6A","track_id":252,"name":"Fog","artist":"Flame 1",
        "album_artist":"Flame 1","album":"Fog / Shrine","genre":"Ambient","composer":"X & Y",
        "year":2018,"release_date":1522416920,"date_added":"2018-03-30T18:39:37Z",
        "date_modified":-2082844800,"track_number":1,"track_count":2,"disc_number":1,
        "disc_count":1,"duration_ms":313270,"size":5000000000,"location":"file:///a.m4a",
        "track_type":"File","kind":"Apple Lossless audio file",
        "media":{"podcast":true,"compilation":true},"play_count":3,
        "play_date":"2018-03-30T21:34:13+02:00","skip_count":0,"rating":60}"#
        .replace('\n', "");
    let expected = Track {
        id: "B563F0DC6BAC1D6A".into(),
        track_id: Some(252),
        name: Some("Fog".into()),
        artist: Some("Flame 1".into()),
        album_artist: Some("Flame 1".into()),
        album: Some("Fog / Shrine".into()),
        genre: Some("Ambient".into()),
        composer: Some("X & Y".into()),
        year: Some(2018),
        release_date: Some(1_522_416_920),
        date_added: Some(1_522_435_177),
        date_modified: Some(-2_082_844_800),
        track_number: Some(1),
        track_count: Some(2),
        disc_number: Some(1),
        disc_count: Some(1),
        duration_ms: Some(313_270),
        size: Some(5_000_000_000),
        location: Some("file:///a.m4a".into()),
        track_type: Some("File".into()),
        kind: Some("Apple Lossless audio file".into()),
        media: MediaFlags {
            podcast: true,
            compilation: true,
            ..MediaFlags::default()
        },
        play_count: Some(3),
        play_date: Some(1_522_438_453),
        skip_count: Some(0),
        rating: Some(60),
    };
    assert_eq!(tracks(&format!("{line}\n")), vec![expected]);
}

#[test]
fn id_or_track_id() {
    let got = tracks("{\"id\":\"X\",\"track_id\":3}\n{\"track_id\":4}\n");
    assert_eq!((got[0].id.as_str(), got[0].track_id), ("X", Some(3)));
    assert_eq!((got[1].id.as_str(), got[1].track_id), ("track-4", Some(4)));
}

#[test]
fn unknown_fields_nulls_blank_lines_bom_and_crlf() {
    let text =
        "\u{feff}{\"id\":\"A\",\"bpm\":120,\"extra\":{\"x\":[1]},\"name\":null,\"media\":null}\r\n\
                \r\n   \n{\"id\":\"B\",\"media\":{}}";
    let got = tracks(text);
    assert_eq!(got, vec![Track::with_id("A"), Track::with_id("B")]);
}

#[test]
fn missing_id_names_the_line() {
    let err = parse_jsonl("{\"id\":\"A\"}\n\n{\"name\":\"no id\"}\n").unwrap_err();
    assert_eq!(err.kind(), LibraryErrorKind::Malformed);
    assert_eq!(err.position().line, 3);
    assert!(err.to_string().contains("line 3 has no \"id\""), "{err}");
}

#[test]
fn bad_lines_are_malformed_with_line_and_column() {
    let cases = [
        ("{\"id\":\"A\"}\n{\"id\":\"B\",oops}\n", 2),
        ("{\"id\":\"A\",\"media\":{\"podcast\":1}}\n", 1),
        ("[1,2]\n", 1),
        // Cut off but followed by a newline: a broken line, not a cut file.
        ("{\"id\":\"A\",\"name\":\"Fo\n{\"id\":\"B\"}\n", 1),
        // Complete JSON then garbage with no newline at the end.
        ("{\"id\":\"A\"} x", 1),
    ];
    for (text, line) in cases {
        let err = parse_jsonl(text).unwrap_err();
        assert_eq!(err.kind(), LibraryErrorKind::Malformed, "{text:?}: {err}");
        assert_eq!(err.position().line, line, "{text:?}: {err}");
        assert!(err.to_string().contains(&format!("line {line}")), "{err}");
    }
}

#[test]
fn every_cut_of_the_last_line_is_truncated() {
    let text =
        "{\"id\":\"A\"}\n{\"id\":\"Bé\",\"track_id\":12,\"name\":\"x\\\"y\",\"size\":5000000000,\
                \"media\":{\"podcast\":true},\"date_added\":\"2020-01-01T00:00:00Z\"}\n";
    assert_eq!(tracks(text).len(), 2);
    let second = text.find("\n").unwrap() + 1;
    for cut in second + 1..text.len() - 1 {
        let err = parse(LibraryFormat::Jsonl, &text.as_bytes()[..cut]).unwrap_err();
        assert!(err.is_truncated(), "cut at {cut}: {err}");
        assert!(err.to_string().contains("in the middle of line 2"), "{err}");
    }
    // Cut exactly at a line boundary: indistinguishable from a shorter
    // library, documented in docs/library-parsing.md.
    assert_eq!(tracks(&text[..second]).len(), 1);
    // The last line without its newline is complete and loads.
    assert_eq!(tracks(&text[..text.len() - 1]).len(), 2);
}

#[test]
fn empty_file_is_an_empty_library() {
    assert!(tracks("").is_empty());
    assert!(tracks("\n\n").is_empty());
}

/// A reader that hands out at most a few bytes per call.
struct Trickle<'a>(&'a [u8], usize);

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.1 += 1;
        let n = buf.len().min(self.0.len()).min(1 + self.1 % 5);
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

/// Streams `text` through a reader that returns a few bytes at a time.
fn stream(text: &str) -> Result<Vec<Track>, LibraryError> {
    let mut got = Vec::new();
    let mut reader = Trickle(text.as_bytes(), 0);
    crate::sources::parse_stream(
        LibraryFormat::Jsonl,
        &crate::sources::Limits::default(),
        &mut reader,
        &mut |t| got.push(t),
    )?;
    Ok(got)
}

#[test]
fn streamed_lines_are_the_same_tracks_and_errors() {
    let good = "\u{feff}{\"id\":\"A\"}\r\n\n{\"id\":\"B\",\"name\":\"é\"}\n\r{\"id\":\"C\"}";
    assert_eq!(stream(good).unwrap(), tracks(good));
    let text = "{\"id\":\"A\"}\r\n\r{\"id\":\"B\"}\n{\"name\":\"é\"}\n";
    let bad = [
        text.to_owned(),
        text.replace("{\"name", "{oops"),
        // Cut off in the middle of the last line.
        text[..text.len() - 5].to_owned(),
    ];
    for text in bad {
        let expected = parse_jsonl(&text).unwrap_err();
        let err = stream(&text).unwrap_err();
        assert_eq!(err.to_string(), expected.to_string());
        assert_eq!(err.position(), expected.position());
    }
}

#[test]
fn duplicate_ids_are_all_handed_over() {
    let text = "{\"id\":\"A\",\"name\":\"1\"}\n{\"id\":\"B\"}\n{\"id\":\"A\",\"name\":\"2\"}\n";
    let ids: Vec<_> = stream(text).unwrap().into_iter().map(|t| t.id).collect();
    assert_eq!(ids, ["A", "B", "A"]);
    assert_eq!(tracks(text).len(), 2);
}

#[test]
fn a_failing_reader_is_a_read_error() {
    struct Failing(usize);
    impl std::io::Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0 == 0 {
                return Err(std::io::Error::other("gone"));
            }
            let n = buf.len().min(self.0);
            buf[..n].fill(b'\n');
            self.0 -= n;
            Ok(n)
        }
    }
    let err = crate::sources::parse_stream(
        LibraryFormat::Jsonl,
        &crate::sources::Limits::default(),
        &mut Failing(3),
        &mut drop,
    )
    .unwrap_err();
    assert_eq!(err.kind(), LibraryErrorKind::Read, "{err}");
    assert_eq!((err.position().line, err.position().offset), (4, 3));
}

fn parse_limited(text: &str, max_field_bytes: usize) -> Result<ParsedLibrary, LibraryError> {
    crate::sources::parse_with(
        LibraryFormat::Jsonl,
        &crate::sources::Limits { max_field_bytes },
        text.as_bytes(),
    )
}

#[test]
fn a_string_over_the_field_bound_names_its_line_and_field() {
    let line = |n: usize| {
        format!(
            "{{\"id\":\"A\"}}\n{{\"id\":\"B\",\"name\":\"{}\"}}\n",
            "é".repeat(n)
        )
    };
    // 50 two-byte characters are 100 bytes.
    assert_eq!(parse_limited(&line(50), 100).unwrap().tracks.len(), 2);
    let err = parse_limited(&line(51), 100).unwrap_err();
    assert_eq!(err.kind(), LibraryErrorKind::TooLarge, "{err}");
    assert_eq!(err.position().line, 2);
    let text = err.to_string();
    for part in ["line 2", "the value of \"name\"", "longer than 100 bytes"] {
        assert!(text.contains(part), "{text} lacks {part}");
    }
    // Escapes count as written; an unknown field and a key are bounded too.
    let escaped = format!("{{\"id\":\"A\",\"x\":\"{}\"}}\n", "\\n".repeat(51));
    let err = parse_limited(&escaped, 100).unwrap_err();
    assert!(err.to_string().contains("the value of \"x\""), "{err}");
    let key = format!("{{\"id\":\"A\",\"{}\":1}}\n", "k".repeat(101));
    let err = parse_limited(&key, 100).unwrap_err();
    assert!(err.to_string().contains("a key is longer"), "{err}");
}

#[test]
fn a_line_over_the_item_bound_is_refused_without_reading_it_whole() {
    // 64 fields' worth: 64 × 1 KiB.
    let fields: String = (0..70)
        .map(|i| format!(",\"f{i}\":\"{}\"", "x".repeat(1000)))
        .collect();
    let text = format!("{{\"id\":\"A\"{fields}}}\n");
    let err = parse_limited(&text, 1024).unwrap_err();
    assert_eq!(err.kind(), LibraryErrorKind::TooLarge, "{err}");
    assert!(
        err.to_string().contains("line 1 is longer than 65536"),
        "{err}"
    );
    let fits: String = (0..60)
        .map(|i| format!(",\"f{i}\":\"{}\"", "x".repeat(1000)))
        .collect();
    assert_eq!(
        parse_limited(&format!("{{\"id\":\"A\"{fits}}}\n"), 1024)
            .unwrap()
            .tracks
            .len(),
        1
    );
}

#[test]
fn odd_values_are_dropped_with_a_warning() {
    let text = "{\"id\":\"A\",\"year\":\"1999\",\"rating\":300,\"date_added\":\"yesterday\",\
                \"play_count\":-1,\"name\":7,\"size\":1.5}\n\
                {\"id\":\"B\",\"date_added\":\"1970-01-01T00:00:01.000Z\",\"play_date\":2.7}\n";
    let lib = parse_jsonl(text).unwrap();
    assert_eq!(lib.tracks[0], Track::with_id("A"));
    assert_eq!(lib.tracks[1].date_added, Some(1));
    assert_eq!(lib.tracks[1].play_date, Some(2));
    assert_eq!(lib.warnings.count, 6);
    let first = lib.warnings.first.unwrap();
    assert!(
        first.starts_with("line 1 (byte 0): the value of \"name\""),
        "{first}"
    );
    assert!(first.contains("is the number 7, not a string"), "{first}");
}

#[test]
fn a_long_line_ending_in_a_backslash_inside_a_string_is_an_error_not_a_panic() {
    // Found by the jsonl fuzz target: the scan for long strings stepped
    // over the escaped byte past the end of the line.
    for text in [
        format!("{{\"id\":\"{}\\", "a".repeat(100)),
        format!("\"{}\\\n", "a".repeat(100)),
    ] {
        assert!(parse_limited(&text, 64).is_err(), "{text}");
    }
}

#[test]
fn a_utf16_file_is_named_as_such() {
    let text = "{\"id\":\"A\"}\n";
    for bytes in [
        [
            &[0xFF, 0xFE][..],
            &text
                .encode_utf16()
                .flat_map(u16::to_le_bytes)
                .collect::<Vec<_>>(),
        ]
        .concat(),
        text.encode_utf16().flat_map(u16::to_be_bytes).collect(),
        text.encode_utf16().flat_map(u16::to_le_bytes).collect(),
    ] {
        let err = parse(LibraryFormat::Jsonl, &bytes).unwrap_err();
        assert_eq!(err.kind(), LibraryErrorKind::Malformed, "{err}");
        assert!(err.to_string().contains("UTF-16"), "{err}");
    }
}
