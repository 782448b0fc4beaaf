//! Streaming parser of the Apple Music / iTunes "Export Library" property
//! list, read from any `std::io::Read` a chunk at a time.
//!
//! One pass builds tracks as it goes: no DOM, and memory bounded by a few
//! chunks rather than by the file. The whole document is validated
//! (Playlists included) before the header is returned, because a file that
//! does not end properly is usually one still being written; tracks handed
//! over before an error are for the caller to drop.
//!
//! The modules, bottom up: [`scan`] finds markup and text (with [`bytes`]
//! searches) as [`token`]s; [`lexer`] turns them into values and errors and
//! [`skip`] validates values nobody keeps; [`values`] and [`track`] read
//! what is kept. [`feed`] holds the window of the file read but not yet
//! parsed; [`document`] reads everything outside the Tracks dict from it,
//! and [`pipeline`] the Tracks dict, cut into pieces ([`piece`]) that a
//! second thread ([`worker`]) reads ahead. See docs/library-parsing.md.

mod bytes;
mod document;
mod feed;
mod lexer;
mod piece;
mod pipeline;
mod scan;
mod skip;
mod token;
mod track;
mod values;
mod worker;

#[cfg(test)]
mod dropped_tests;
#[cfg(test)]
mod error_tests;
#[cfg(test)]
mod limit_tests;
#[cfg(test)]
mod stream_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod value_tests;

use std::io::Read;
use std::num::NonZeroUsize;

use trackcache_protocol::Track;

use document::{Document, Reached};
use feed::Feed;
use lexer::Lexer;

use super::{LibraryError, Limits, ParseOutcome};

/// How much of the file is read at a time, and about the size of the
/// pieces the Tracks dict is cut into (a few hundred tracks). Small pieces
/// stay in the CPU caches between being read and being parsed: on the
/// 100,000-track file, 256 KiB parses in 0.16 s with a 5 MB peak RSS where
/// 4 MiB takes 0.21 s and 37 MB, and 8 MiB 0.24 s and 61 MB; a piece
/// costs only two channel messages (see docs/library-parsing.md).
const CHUNK: usize = 256 << 10;

/// How a parse reads: tests make chunks tiny so that piece boundaries land
/// everywhere, and compare one thread with two.
#[derive(Clone, Copy, Debug)]
pub(super) struct Tuning {
    /// Bytes read at a time (see [`CHUNK`]).
    pub(super) chunk: usize,
    /// Threads for the Tracks dict: 1, or 2 to read pieces ahead.
    pub(super) threads: usize,
    /// What the parse accepts.
    pub(super) limits: Limits,
}

impl Tuning {
    /// The daemon's reading, with `limits`.
    pub(super) fn new(limits: &Limits) -> Self {
        Self {
            chunk: CHUNK,
            // A thread per core beyond two would not help: see the docs.
            threads: std::thread::available_parallelism()
                .map_or(1, NonZeroUsize::get)
                .min(2),
            limits: *limits,
        }
    }
}

/// Parses a library property list read from `reader`, handing each track
/// to `sink` in file order; returns the header and the values dropped once
/// the whole document has been validated.
pub(super) fn parse_stream(
    reader: &mut dyn Read,
    sink: &mut dyn FnMut(Track),
    tuning: Tuning,
) -> Result<ParseOutcome, LibraryError> {
    let mut feed = Feed::new(reader, tuning.chunk);
    let mut doc = Document::default();
    feed.fill(tuning.chunk);
    loop {
        let (reached, upto) = {
            let mut lx = Lexer::new(feed.window(), feed.origin(), tuning.limits);
            match doc.advance(&mut lx) {
                Ok(reached) => (Some(reached), lx.pos()),
                Err(e) if lx.ran_out(&e) && lx.capped() => return Err(lx.item_too_large()),
                Err(e) if lx.ran_out(&e) => (None, doc.checkpoint()),
                Err(e) => return Err(e),
            }
        };
        feed.consume(upto);
        match reached {
            Some(Reached::End) => {
                let (meta, warnings) = doc.finish();
                return Ok(ParseOutcome { meta, warnings });
            }
            Some(Reached::Tracks) => {
                let warnings =
                    pipeline::read_tracks(&mut feed, sink, tuning.threads, tuning.limits)?;
                doc.dropped_in_tracks(warnings);
            }
            // Nothing new means the end of the file, now known as such (the
            // next lexer gives the real error), or a reader that failed.
            None => {
                if !feed.more(upto > 0) && !feed.at_eof() {
                    let at = feed.window_end();
                    return Err(feed.read_error(at));
                }
            }
        }
    }
}
