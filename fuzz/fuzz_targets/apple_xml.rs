//! The apple-xml parser on any bytes, with a small field bound so that
//! bounds are hit. Properties: nothing panics; the outcome (tracks, header,
//! dropped values, or the error with its position) is the same whatever
//! the chunk size and thread count, as docs/library-parsing.md promises;
//! an error points inside the input; ids are unique.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trackcache_daemon::sources::{parse_chunked, parse_with, LibraryFormat, Limits};

fuzz_target!(|data: &[u8]| {
    // The first byte picks the chunk size and thread count.
    let Some((&knob, doc)) = data.split_first() else {
        return;
    };
    let limits = Limits {
        max_field_bytes: 256,
    };
    let whole = parse_with(LibraryFormat::AppleXml, &limits, doc);
    let chunk = usize::from(knob % 64) + 1;
    let threads = usize::from(knob >> 7) + 1;
    let chunked = parse_chunked(LibraryFormat::AppleXml, &limits, doc, chunk, threads);
    match (&whole, &chunked) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "chunk {chunk}, {threads} threads"),
        (Err(a), Err(b)) => {
            assert_eq!(
                a.to_string(),
                b.to_string(),
                "chunk {chunk}, {threads} threads"
            );
            assert!(a.position().offset <= doc.len() as u64, "{a}");
        }
        _ => panic!("chunk {chunk}, {threads} threads: {whole:?} but {chunked:?}"),
    }
    if let Ok(lib) = whole {
        let mut ids: Vec<&str> = lib.tracks.iter().map(|t| t.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), lib.tracks.len(), "duplicate ids kept");
    }
});
