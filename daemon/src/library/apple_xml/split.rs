//! Reading the Tracks dict on two threads.
//!
//! A 100,000-track export must parse in under 0.4 s on a 2-core machine,
//! and one thread takes 0.25-0.5 s there (more when keys come in no fixed
//! order). So the Tracks dict is cut at a track entry near the middle of
//! what is left of the file, and a second thread reads from there to the
//! end of the document (the second half of the tracks, then Playlists and
//! any header keys after them) while this one reads the first half.
//!
//! Finding the cut takes no parsing: any place that looks like the start of
//! a track entry will do, because the first thread checks it. Its own parse
//! must arrive at exactly that offset between two tracks; if it does not,
//! the second thread's work is thrown away and the first thread carries on
//! to the end of the dict. Errors are taken in document order (the first
//! half's before the second's), so the outcome is always exactly that of a
//! one-thread parse.

use std::num::NonZeroUsize;

use memchr::memmem;

use super::lexer::Lexer;
use super::track::{open_tracks, read_entries};
use super::{merge_meta, read_rest, Rest};
use crate::library::{LibraryError, ParsedLibrary};

/// Below this many bytes of tracks a second thread is not worth starting.
pub(super) const PARALLEL_MIN_BYTES: usize = 4 << 20;

/// Reads the value of the `Tracks` key, appending its tracks in file order;
/// on two threads when at least `min_bytes` of the file are left. Returns
/// [`Rest::Done`] when the second thread has also read the rest of the file.
pub(super) fn read_tracks(
    lx: &mut Lexer<'_>,
    library: &mut ParsedLibrary,
    min_bytes: usize,
) -> Result<Rest, LibraryError> {
    if !open_tracks(lx)? {
        return Ok(Rest::ToRead);
    }
    if std::thread::available_parallelism().map_or(1, NonZeroUsize::get) >= 2 {
        if let Some(cut) = find_cut(lx.source().as_bytes(), lx.pos(), min_bytes) {
            return read_with_cut(lx, library, cut);
        }
    }
    read_entries(lx, &mut library.tracks, None)?;
    Ok(Rest::ToRead)
}

/// Reads the Tracks dict entries here up to `cut`, and on a second thread
/// from `cut` to the end of the file.
fn read_with_cut(
    lx: &mut Lexer<'_>,
    library: &mut ParsedLibrary,
    cut: usize,
) -> Result<Rest, LibraryError> {
    let mut second = lx.fork_at(cut);
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name("library-parse".into())
            .spawn_scoped(scope, move || {
                let mut rest = ParsedLibrary::default();
                let result = read_entries(&mut second, &mut rest.tracks, None)
                    .and_then(|_| read_rest(&mut second, &mut rest, usize::MAX));
                (result, rest)
            });
        let Ok(handle) = spawned else {
            // No thread to be had: read it all here.
            read_entries(lx, &mut library.tracks, None)?;
            return Ok(Rest::ToRead);
        };
        let first = read_entries(lx, &mut library.tracks, Some(cut));
        let (second_result, rest) = match handle.join() {
            Ok(done) => done,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        match first? {
            // The cut was between two tracks: the second thread's view of
            // the rest of the file is the true one.
            true => {
                second_result?;
                library.tracks.extend(rest.tracks);
                merge_meta(&mut library.meta, rest.meta);
                Ok(Rest::Done)
            }
            // The cut was not between two tracks and this thread has read
            // the whole dict itself.
            false => Ok(Rest::ToRead),
        }
    })
}

/// A candidate cut in `text`, whose Tracks dict entries start at `start`:
/// the offset of a `<key>` that follows a `</dict>` about halfway from
/// `start` to the end of the file. `None` when less than `min_bytes` are
/// left or nothing after the middle looks like a track entry.
fn find_cut(text: &[u8], start: usize, min_bytes: usize) -> Option<usize> {
    if text.len() - start < min_bytes {
        return None;
    }
    let mut from = start + (text.len() - start) / 2;
    loop {
        let after = from + memmem::find(&text[from..], b"</dict>")? + b"</dict>".len();
        let key = after
            + text[after..]
                .iter()
                .take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
                .count();
        if text[key..].starts_with(b"<key>") {
            return Some(key);
        }
        from = after;
    }
}

#[cfg(test)]
#[path = "split_tests.rs"]
mod tests;
