//! Reading one piece of the Tracks dict: the entries from the piece's start
//! (an entry boundary, or so it seems) as far as the piece goes.
//!
//! A piece is read either in front, when its start is known to be an entry
//! boundary, handing tracks straight to the caller's sink; or ahead, on
//! either thread, into a vector kept until the pieces before it confirm its
//! start (see [`super::pipeline`]).

use trackcache_protocol::Track;

use super::lexer::{Dropped, Lexer, Origin};
use super::track::{read_entries, Entries};
use crate::sources::lines::Lines;
use crate::sources::{LibraryError, Limits};

/// How reading a piece ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum PieceEnd {
    /// At the piece's end, between two entries: the next piece starts at an
    /// entry boundary.
    AtEnd,
    /// The piece ended inside the entry that starts at this offset: its end
    /// was not an entry boundary after all (or the entry is bigger than the
    /// piece). Entries before it were read.
    RanOut(usize),
    /// The Tracks dict's `</dict>` ends at this offset: the rest of the
    /// document follows.
    Closed(usize),
}

/// A piece read ahead: its bytes, its tracks, and how it ended, or `None`
/// when reading it failed (the error is then made again in front, where
/// its line number is known).
#[derive(Debug)]
pub(super) struct Parsed {
    pub(super) bytes: Vec<u8>,
    pub(super) tracks: Vec<Track>,
    pub(super) end: Option<PieceEnd>,
    /// `Lines::default().after(&bytes)` when `end` is `AtEnd` (so that the
    /// thread that read the piece also counts its lines), else empty.
    pub(super) counted: Lines,
    /// Values dropped from the tracks read.
    pub(super) dropped: Dropped,
}

/// Reads the Tracks dict entries of `bytes`, a piece that starts at an
/// entry boundary, handing tracks to `sink`. `origin.more` tells whether
/// the file goes on after the piece; when it does not, running out is the
/// file's truncation and an error. An entry bigger than `limits` allow is
/// an error however the piece ends. Also returns the values dropped from
/// the tracks handed over.
pub(super) fn read_piece(
    bytes: &[u8],
    origin: Origin,
    limits: Limits,
    sink: &mut dyn FnMut(Track),
) -> Result<(PieceEnd, Dropped), LibraryError> {
    let mut lx = Lexer::new(bytes, origin, limits);
    let mut entry = 0;
    let stop_at = origin.more.then_some(bytes.len());
    let end = match read_entries(&mut lx, sink, stop_at, &mut entry) {
        Ok(Entries::Stopped) => PieceEnd::AtEnd,
        Ok(Entries::Closed) => PieceEnd::Closed(lx.pos()),
        Err(e) if lx.ran_out(&e) => {
            if lx.capped() {
                return Err(lx.item_too_large());
            }
            lx.forget_item();
            PieceEnd::RanOut(entry)
        }
        Err(e) => return Err(e),
    };
    Ok((end, lx.take_dropped()))
}

/// Reads `bytes`, which start at file offset `base`, ahead of the pieces
/// before it: as if its start were an entry boundary, keeping the tracks.
pub(super) fn read_ahead(bytes: Vec<u8>, base: u64, limits: Limits) -> Parsed {
    // Exports take 1.1 to 2 KB per track: one growth at most.
    let mut tracks = Vec::with_capacity(bytes.len() / 1024);
    let origin = Origin {
        base,
        lines: Lines::default(),
        more: true,
    };
    let (end, dropped) = match read_piece(&bytes, origin, limits, &mut |t| tracks.push(t)) {
        Ok((end, dropped)) => (Some(end), dropped),
        Err(_) => (None, Dropped::default()),
    };
    let counted = match end {
        Some(PieceEnd::AtEnd) => Lines::default().after(&bytes),
        _ => Lines::default(),
    };
    Parsed {
        bytes,
        tracks,
        end,
        counted,
        dropped,
    }
}
