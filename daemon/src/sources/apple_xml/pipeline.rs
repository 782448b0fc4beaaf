//! Reading the Tracks dict of a streamed library on two threads, handing
//! tracks to the caller in file order.
//!
//! A 100,000-track export must parse in under 0.4 s on a 2-core machine,
//! and one thread takes 0.25-0.5 s there. So the [`Feed`] cuts the Tracks
//! dict into pieces of about a chunk, each ending where a track entry seems
//! to start (`</dict>`, whitespace, `<key>`), and pieces are read ahead,
//! some by a [`Worker`] thread and some by this one, while the piece in
//! front is read. Finding cuts takes no parsing, because nothing read ahead
//! is trusted until it is confirmed:
//!
//! - the piece in front always starts at a confirmed entry boundary, so it
//!   is read for real: its tracks go to the sink, its errors are the file's;
//! - it must end exactly at its end, between two entries ([`PieceEnd::AtEnd`]),
//!   and only then is the next piece's start confirmed and what was read
//!   ahead of it used (its tracks delivered, or its error made again in
//!   front, where its line number is known);
//! - if it runs out inside an entry (the cut was in a nested dict of a
//!   track), that entry's bytes are joined to the next pieces, at least as
//!   many bytes again as the entry had, and read again in front: the piece
//!   is extended and retried. Doubling keeps a big entry linear: joining one
//!   piece at a time made a 256 MiB string cost 31 s (each retry rescanned
//!   the whole entry); entries are bounded by the lexer's item limit anyway;
//! - when the Tracks dict closes inside it, everything after (pieces queued
//!   and read ahead too) goes back to the feed as the rest of the document.
//!
//! So the outcome is always that of reading the file front to back on one
//! thread. Memory is bounded by the queue: a few pieces and their tracks.

use std::collections::VecDeque;
use std::thread::Scope;

use trackcache_protocol::Track;

use super::feed::Feed;
use super::lexer::{Dropped, Origin};
use super::piece::{read_ahead, read_piece, Parsed, PieceEnd};
use super::worker::Worker;
use crate::sources::lines::Lines;
use crate::sources::{LibraryError, Limits, Warnings};

/// Pieces queued at most, the front one included, with two threads.
const DEPTH: usize = 4;
/// Pieces the worker holds at most: the one it reads and the next, so
/// that it never waits for this thread between two.
const WORKER_JOBS: usize = 2;

/// Reads the Tracks dict entries at the start of `feed`'s window (just
/// inside the dict) up to and including its `</dict>`, handing tracks to
/// `sink`; then the window starts with what follows the dict. Returns the
/// values dropped from the tracks.
pub(super) fn read_tracks(
    feed: &mut Feed<'_>,
    sink: &mut dyn FnMut(Track),
    threads: usize,
    limits: Limits,
) -> Result<Warnings, LibraryError> {
    std::thread::scope(|scope| {
        let lines = feed.origin().lines;
        let mut pipeline = Pipeline {
            feed,
            sink,
            scope,
            queue: VecDeque::new(),
            lines,
            worker: None,
            no_worker: threads < 2,
            limits,
            warnings: Warnings::default(),
        };
        pipeline.run()?;
        Ok(pipeline.warnings)
    })
}

#[cfg(test)]
thread_local! {
    /// Bytes read in front on this thread, so that a test can check that a
    /// big entry is not read again and again as it grows.
    pub(super) static READ_IN_FRONT: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// A piece in the queue.
struct Slot {
    /// File offset of the piece's first byte.
    base: u64,
    /// See [`super::feed::Piece::at_cut`].
    at_cut: bool,
    state: State,
}

enum State {
    Unparsed(Vec<u8>),
    /// Read ahead on this thread, or back from the worker.
    Parsed(Parsed),
    /// With the worker.
    Remote,
}

struct Pipeline<'p, 'r, 'scope, 'env> {
    feed: &'p mut Feed<'r>,
    sink: &'p mut dyn FnMut(Track),
    scope: &'scope Scope<'scope, 'env>,
    /// Pieces in file order; the front one starts at a confirmed boundary.
    queue: VecDeque<Slot>,
    /// Line breaks before the front piece.
    lines: Lines,
    worker: Option<Worker<'scope>>,
    /// No second thread: one thread asked for, or none could be started.
    no_worker: bool,
    limits: Limits,
    /// Values dropped from the tracks handed over so far.
    warnings: Warnings,
}

impl<'scope> Pipeline<'_, '_, 'scope, '_> {
    fn run(&mut self) -> Result<(), LibraryError> {
        loop {
            self.refill();
            if self.queue.is_empty() {
                // Nothing more can be read, right between two entries.
                let base = self.feed.origin().base;
                if !self.feed.at_eof() {
                    let at = self.lines.position(base, &[], 0);
                    return Err(self.feed.read_error(at));
                }
                // The end of the file: an empty last piece gets the error.
                self.queue.push_back(Slot {
                    base,
                    at_cut: true,
                    state: State::Unparsed(Vec::new()),
                });
            }
            if self.step()? {
                return Ok(());
            }
        }
    }

    /// Tops the queue up with pieces from the feed, sending those that
    /// start at a cut to the worker while it has room.
    fn refill(&mut self) {
        let depth = if self.no_worker { 1 } else { DEPTH };
        while self.queue.len() < depth {
            let Some(piece) = self.feed.next_piece() else {
                return;
            };
            // The front piece is read here at once: nothing to wait for.
            let mut state = State::Unparsed(piece.bytes);
            if piece.at_cut && !self.queue.is_empty() {
                if let (State::Unparsed(bytes), Some(worker)) = (&mut state, self.worker()) {
                    if worker.outstanding() < WORKER_JOBS {
                        match worker.send(std::mem::take(bytes), piece.base) {
                            Ok(()) => state = State::Remote,
                            Err(unsent) => *bytes = unsent,
                        }
                    }
                }
            }
            self.queue.push_back(Slot {
                base: piece.base,
                at_cut: piece.at_cut,
                state,
            });
        }
    }

    /// The worker, started on first use.
    fn worker(&mut self) -> Option<&mut Worker<'scope>> {
        if self.worker.is_none() && !self.no_worker {
            self.worker = Worker::spawn(self.scope, self.limits);
            self.no_worker = self.worker.is_none();
        }
        self.worker.as_mut()
    }

    /// Handles the front piece; true once the Tracks dict has been read.
    fn step(&mut self) -> Result<bool, LibraryError> {
        let Some(slot) = self.queue.pop_front() else {
            return Ok(false);
        };
        match slot.state {
            State::Unparsed(bytes) => {
                let (end, dropped) = self.read_front(&bytes, slot.base)?;
                self.settle(slot.base, bytes, end, None, dropped)
            }
            State::Parsed(parsed) => self.settle_parsed(slot.base, parsed),
            State::Remote => {
                let busy = self.worker.as_mut().is_some_and(|w| !w.ready());
                if busy && self.read_ahead_here() {
                    self.queue.push_front(slot);
                    return Ok(false);
                }
                let parsed = self.recv();
                self.settle_parsed(slot.base, parsed)
            }
        }
    }

    /// Reads the front piece for real, tracks straight to the sink.
    fn read_front(&mut self, bytes: &[u8], base: u64) -> Result<(PieceEnd, Dropped), LibraryError> {
        #[cfg(test)]
        READ_IN_FRONT.with(|n| n.set(n.get() + bytes.len() as u64));
        let last = self.queue.is_empty() && self.feed.at_eof() && self.feed.window().is_empty();
        let origin = Origin {
            base,
            lines: self.lines,
            more: !last,
        };
        read_piece(bytes, origin, self.limits, &mut *self.sink)
    }

    /// Uses a piece read ahead, now that its start is confirmed.
    fn settle_parsed(&mut self, base: u64, parsed: Parsed) -> Result<bool, LibraryError> {
        let Some(end) = parsed.end else {
            // Reading it ahead failed: read it again in front, to get the
            // error with its line (only a broken file pays for this).
            self.queue.push_front(Slot {
                base,
                at_cut: true,
                state: State::Unparsed(parsed.bytes),
            });
            return Ok(false);
        };
        for track in parsed.tracks {
            (self.sink)(track);
        }
        self.settle(
            base,
            parsed.bytes,
            end,
            Some(parsed.counted),
            parsed.dropped,
        )
    }

    /// Acts on how the front piece, starting at `base`, ended; its tracks
    /// have been delivered, with `dropped` values. True when the Tracks
    /// dict is done.
    fn settle(
        &mut self,
        base: u64,
        bytes: Vec<u8>,
        end: PieceEnd,
        counted: Option<Lines>,
        dropped: Dropped,
    ) -> Result<bool, LibraryError> {
        self.warnings
            .merge(dropped.resolve(self.lines, base, &bytes));
        match end {
            PieceEnd::AtEnd => {
                self.lines = match counted {
                    Some(counted) => self.lines.join(&bytes, counted),
                    None => self.lines.after(&bytes),
                };
                self.feed.recycle(bytes);
                Ok(false)
            }
            PieceEnd::RanOut(entry) => self.carry(base, bytes, entry).map(|()| false),
            PieceEnd::Closed(at) => {
                self.hand_back(base, bytes, at);
                Ok(true)
            }
        }
    }

    /// The front piece ran out inside the entry starting at `entry`: that
    /// entry's bytes are joined to the next pieces, as many bytes again at
    /// least, and the whole is the new front piece, read again.
    fn carry(&mut self, base: u64, mut bytes: Vec<u8>, entry: usize) -> Result<(), LibraryError> {
        self.lines = self.lines.after(&bytes[..entry]);
        bytes.drain(..entry);
        let base = base + entry as u64;
        let want = bytes.len().saturating_mul(2).max(bytes.len() + 1);
        while bytes.len() < want {
            let next = match self.queue.pop_front() {
                Some(slot) => Some(self.take_bytes(slot)),
                None => self.feed.next_piece().map(|piece| piece.bytes),
            };
            match next {
                Some(next) => {
                    bytes.extend_from_slice(&next);
                    self.feed.recycle(next);
                }
                // Nothing more will come: at the end of the file the entry
                // is read once more as the last piece, for its error.
                None if !self.feed.at_eof() => {
                    let at = self.lines.position(base, &bytes, bytes.len());
                    return Err(self.feed.read_error(at));
                }
                None => break,
            }
        }
        self.queue.push_front(Slot {
            base,
            at_cut: true,
            state: State::Unparsed(bytes),
        });
        Ok(())
    }

    /// The Tracks dict closed at `at` in the front piece: what follows, and
    /// every queued piece, goes back to the feed.
    fn hand_back(&mut self, base: u64, mut bytes: Vec<u8>, at: usize) {
        self.lines = self.lines.after(&bytes[..at]);
        bytes.drain(..at);
        while let Some(slot) = self.queue.pop_front() {
            let next = self.take_bytes(slot);
            bytes.extend_from_slice(&next);
            self.feed.recycle(next);
        }
        self.feed.put_back(bytes, base + at as u64, self.lines);
    }

    /// A queued piece's bytes, dropping whatever was read ahead from them.
    fn take_bytes(&mut self, slot: Slot) -> Vec<u8> {
        match slot.state {
            State::Unparsed(bytes) => bytes,
            State::Parsed(parsed) => parsed.bytes,
            State::Remote => self.recv().bytes,
        }
    }

    /// The worker's oldest piece back.
    fn recv(&mut self) -> Parsed {
        match self.worker.as_mut() {
            Some(worker) => worker.recv(),
            // Remote slots exist only once the worker has started.
            None => unreachable!("a piece is with a worker that was never started"),
        }
    }

    /// While the worker reads the front piece, reads ahead the first queued
    /// piece that starts at a cut and is not read yet; false if none is.
    fn read_ahead_here(&mut self) -> bool {
        let waiting = self
            .queue
            .iter_mut()
            .find(|slot| slot.at_cut && matches!(slot.state, State::Unparsed(_)));
        let Some(slot) = waiting else {
            return false;
        };
        if let State::Unparsed(bytes) = &mut slot.state {
            slot.state = State::Parsed(read_ahead(std::mem::take(bytes), slot.base, self.limits));
        }
        true
    }
}

#[cfg(test)]
#[path = "pipeline_tests.rs"]
mod tests;
