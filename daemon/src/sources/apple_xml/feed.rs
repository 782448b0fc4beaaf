//! The bytes of a streamed library between the reader and the parser: a
//! window of the file that has been read but not yet parsed, refilled a
//! chunk at a time, and cut into pieces at what looks like a track entry.
//!
//! Memory stays bounded by a few chunks: the parser consumes the window
//! from the front, and the Tracks pipeline takes whole pieces out of it.
//! Pieces' buffers come back here to be filled again, so that a steady
//! stream of chunks reuses the same few allocations (and their pages).

use std::io::{self, Read};

use memchr::memmem;

use super::lexer::Origin;
use crate::sources::lines::Lines;
use crate::sources::{LibraryError, LibraryFormat, Position};

/// How many emptied piece buffers are kept for reuse.
const SPARE_BUFFERS: usize = 4;

/// A run of the file taken out of the window for the Tracks pipeline.
#[derive(Debug)]
pub(super) struct Piece {
    pub(super) bytes: Vec<u8>,
    /// File offset of `bytes[0]`.
    pub(super) base: u64,
    /// The piece starts where a track entry seems to: right after a
    /// `</dict>` and whitespace, at a `<key>`. Only such pieces are worth
    /// reading ahead, before the piece in front of them confirms the start.
    pub(super) at_cut: bool,
}

/// The reader and the window of the file read but not yet parsed.
pub(super) struct Feed<'r> {
    reader: &'r mut dyn Read,
    /// The window is `buf[start..]`.
    buf: Vec<u8>,
    start: usize,
    /// File offset of the window's first byte.
    base: u64,
    /// Line breaks before the window.
    lines: Lines,
    /// The reader has reported the end of the file.
    eof: bool,
    /// The reader failed; nothing more will be read.
    failed: Option<io::Error>,
    /// How much to read at a time, and the size of a piece.
    chunk: usize,
    /// Whether the next piece starts at a cut (see [`Piece::at_cut`]).
    next_at_cut: bool,
    spare: Vec<Vec<u8>>,
}

impl<'r> Feed<'r> {
    /// A feed reading `reader` `chunk` bytes at a time (at least one).
    pub(super) fn new(reader: &'r mut dyn Read, chunk: usize) -> Self {
        Self {
            reader,
            buf: Vec::new(),
            start: 0,
            base: 0,
            lines: Lines::default(),
            eof: false,
            failed: None,
            chunk: chunk.max(1),
            next_at_cut: true,
            spare: Vec::new(),
        }
    }

    /// The bytes read but not yet parsed.
    pub(super) fn window(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    /// Where the window sits in the file, for a lexer over it.
    pub(super) fn origin(&self) -> Origin {
        Origin {
            base: self.base,
            lines: self.lines,
            more: !self.eof,
        }
    }

    /// True once the reader has said the file ends after the window.
    pub(super) fn at_eof(&self) -> bool {
        self.eof
    }

    /// Nothing more can be read: the file ended or the reader failed.
    pub(super) fn exhausted(&self) -> bool {
        self.eof || self.failed.is_some()
    }

    /// Marks the first `n` bytes of the window as parsed.
    pub(super) fn consume(&mut self, n: usize) {
        let n = n.min(self.buf.len() - self.start);
        self.lines = self.lines.after(&self.buf[self.start..self.start + n]);
        self.start += n;
        self.base += n as u64;
    }

    /// Reads until the window holds `len` bytes or nothing more can be read.
    pub(super) fn fill(&mut self, len: usize) {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        if self.buf.len() >= len || self.exhausted() {
            return;
        }
        let want = len - self.buf.len();
        self.buf.reserve(want);
        // `take` + `read_to_end` reads straight into the spare capacity
        // (no zeroing first) and retries interrupted reads; fewer bytes
        // than asked means the end of the file.
        match (&mut *self.reader)
            .take(want as u64)
            .read_to_end(&mut self.buf)
        {
            Ok(got) if got < want => self.eof = true,
            Ok(_) => {}
            Err(e) => self.failed = Some(e),
        }
    }

    /// After the parser ran out of the window having parsed (and consumed)
    /// some of it when `progress`, reads at least a chunk more; without
    /// progress, as much again as the window holds, so that one item bigger
    /// than a chunk costs a number of retries logarithmic in its size.
    /// False when nothing more could be read.
    pub(super) fn more(&mut self, progress: bool) -> bool {
        let had = self.window().len();
        let grow = if progress { 0 } else { had };
        self.fill(had + self.chunk.max(grow));
        self.window().len() > had
    }

    /// The error for a reader that failed when the parser needed more
    /// than what it had read, which ends at `at`.
    pub(super) fn read_error(&mut self, at: Position) -> LibraryError {
        let source = self
            .failed
            .take()
            .unwrap_or_else(|| io::Error::other("the reader stopped"));
        LibraryError::Read {
            format: LibraryFormat::AppleXml,
            at,
            source,
        }
    }

    /// Where the window ends, i.e. how far the file has been read.
    pub(super) fn window_end(&self) -> Position {
        let window = self.window();
        self.lines.position(self.base, window, window.len())
    }

    /// The next piece for the Tracks pipeline: up to a chunk of the file,
    /// ending at the last place in it that looks like the start of a track
    /// entry; the whole window when it holds less than a chunk (the end of
    /// the file) or nothing looks like an entry. `None` when nothing is left.
    pub(super) fn next_piece(&mut self) -> Option<Piece> {
        self.fill(self.chunk);
        let window = self.window();
        if window.is_empty() {
            return None;
        }
        let cut = if window.len() >= self.chunk {
            find_cut(window)
        } else {
            None
        };
        let end = cut.unwrap_or(window.len());
        let mut next = self.spare.pop().unwrap_or_default();
        next.clear();
        next.extend_from_slice(&self.buf[self.start + end..]);
        // `fill` left the window at the start of the buffer.
        let mut bytes = std::mem::replace(&mut self.buf, next);
        bytes.truncate(end);
        let piece = Piece {
            bytes,
            base: self.base,
            at_cut: self.next_at_cut,
        };
        self.base += end as u64;
        self.next_at_cut = cut.is_some();
        Some(piece)
    }

    /// Puts `bytes`, which start at file offset `base` after `lines`, back
    /// in front of the window: where the pipeline hands the rest of the
    /// document back after the Tracks dict.
    pub(super) fn put_back(&mut self, mut bytes: Vec<u8>, base: u64, lines: Lines) {
        bytes.extend_from_slice(self.window());
        let old = std::mem::replace(&mut self.buf, bytes);
        self.recycle(old);
        self.start = 0;
        self.base = base;
        self.lines = lines;
        self.next_at_cut = true;
    }

    /// Keeps an emptied piece buffer for reuse.
    pub(super) fn recycle(&mut self, buf: Vec<u8>) {
        if self.spare.len() < SPARE_BUFFERS && buf.capacity() > 0 {
            self.spare.push(buf);
        }
    }
}

/// The offset of the last `<key>` in `window` that follows a `</dict>` and
/// whitespace: a place that looks like the start of a track entry. Whether
/// it is one is up to the parser to confirm (it may be a key after a nested
/// dict inside a track, or the key after the Tracks dict itself).
pub(super) fn find_cut(window: &[u8]) -> Option<usize> {
    let finder = memmem::FinderRev::new(b"</dict>");
    let mut end = window.len();
    while let Some(at) = finder.rfind(&window[..end]) {
        let after = at + b"</dict>".len();
        let key = after
            + window[after..]
                .iter()
                .take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
                .count();
        if window[key..].starts_with(b"<key>") {
            return Some(key);
        }
        end = at;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_at_the_last_entry_that_fits() {
        let w = b"<key>1</key><dict></dict>\n<key>2</key><dict></dict> <key>3</ke";
        assert_eq!(find_cut(w), Some(52));
        // A `<key>` cut short by the end of the window is not a cut.
        assert_eq!(find_cut(&w[..55]), Some(26));
        assert_eq!(find_cut(&w[..31]), Some(26));
        assert_eq!(find_cut(&w[..30]), None);
        assert_eq!(find_cut(b"</dict>\n<dict>"), None);
    }

    #[test]
    fn pieces_cover_the_file_in_order() {
        let doc: Vec<u8> = (0..50)
            .flat_map(|n| format!("<key>{n}</key><dict><key>a</key><dict/></dict>\n").into_bytes())
            .collect();
        for chunk in [1, 7, 40, 100, 10_000] {
            let mut reader = &doc[..];
            let mut feed = Feed::new(&mut reader, chunk);
            let mut joined = Vec::new();
            while let Some(piece) = feed.next_piece() {
                assert_eq!(piece.base, joined.len() as u64);
                if piece.at_cut && piece.base > 0 {
                    assert!(piece.bytes.starts_with(b"<key>"), "{chunk}");
                }
                joined.extend_from_slice(&piece.bytes);
            }
            assert_eq!(joined, doc, "chunk {chunk}");
        }
    }
}
