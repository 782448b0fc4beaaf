//! The JSON Lines parser on any bytes, with a small field bound. Properties:
//! nothing panics; reading through a reader that hands out a few bytes at a
//! time gives the same outcome as the slice; an error points inside the
//! input; every track has an id.
#![no_main]

use std::io::Read;

use libfuzzer_sys::fuzz_target;
use trackcache_daemon::sources::{parse_stream, parse_with, LibraryFormat, Limits};

/// Hands out at most `step` bytes per read.
struct Trickle<'a> {
    rest: &'a [u8],
    step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.rest.len()).min(self.step);
        buf[..n].copy_from_slice(&self.rest[..n]);
        self.rest = &self.rest[n..];
        Ok(n)
    }
}

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_field_bytes: 64,
    };
    let whole = parse_with(LibraryFormat::Jsonl, &limits, data);
    let mut reader = Trickle {
        rest: data,
        step: 1 + data.len() % 7,
    };
    let mut tracks = Vec::new();
    let streamed = parse_stream(LibraryFormat::Jsonl, &limits, &mut reader, &mut |t| {
        tracks.push(t)
    });
    match (&whole, &streamed) {
        (Ok(lib), Ok(outcome)) => {
            assert_eq!(lib.warnings, outcome.warnings);
            assert!(lib.tracks.iter().all(|t| !t.id.is_empty()));
            assert!(lib.tracks.len() <= tracks.len());
        }
        (Err(a), Err(b)) => {
            assert_eq!(a.to_string(), b.to_string());
            assert!(a.position().offset <= data.len() as u64, "{a}");
        }
        _ => panic!("slice {whole:?} but streamed {streamed:?}"),
    }
});
