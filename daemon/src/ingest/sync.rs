//! One re-read of the library, start to finish:
//!
//! 1. stamp the file (mtime, size) **before** reading;
//! 2. hash it; the same hash as the snapshot's means nothing changed;
//! 3. read it (its hash must match the first pass's), parse it, diff it;
//! 4. stamp it again: if it changed while being read, report `Changing`
//!    so the caller reads again after the settle period;
//! 5. commit it (`commit.rs`): the one place that says what happens after.
//!
//! Any failure before step 5 leaves snapshot, index and log untouched: a
//! truncated or half-written file is an error, never a library with tracks
//! removed.

use std::time::Instant;

use trackcache_protocol::{LibraryErrorInfo, SyncOutcome, SyncReport};

use super::source::{self, Stamp};
use super::LibraryService;
use crate::clock;
use crate::config::LibrarySource;
use crate::snapshot::{Diff, Differ};
use crate::sources::{self, LibraryFormat, Warnings};

/// What one attempt ended with.
pub enum Attempt {
    /// Done (including failures that are final for this attempt).
    Done(SyncReport),
    /// The source changed while it was read: read again after settling.
    Changing,
}

/// An error to show in `status`.
pub fn error_info(kind: &str, message: String) -> LibraryErrorInfo {
    LibraryErrorInfo {
        kind: kind.into(),
        message,
        at_ms: clock::now_ms(),
    }
}

/// A parsed and diffed source, not yet committed.
pub(super) struct Read {
    pub(super) diff: Diff,
    pub(super) stamp: Stamp,
    pub(super) hash: u128,
    /// Values the parse dropped.
    pub(super) dropped: Warnings,
}

impl LibraryService {
    /// One attempt at a sync. `Err` carries the error to show in `status`.
    pub(super) fn sync_once(&self) -> Result<Attempt, LibraryErrorInfo> {
        let start = Instant::now();
        let read = match &self.config.format {
            LibrarySource::File(format) => self.read_file(*format)?,
            LibrarySource::Command { argv, format } => self.read_command(argv, *format)?,
        };
        let Some(read) = read else {
            return Ok(Attempt::Changing);
        };
        let outcome = match read {
            ReadOutcome::Unchanged { stamp, hash } => {
                self.record_unchanged(stamp, hash);
                SyncOutcome::Unchanged
            }
            ReadOutcome::Parsed(r) => self.commit(r)?,
        };
        Ok(Attempt::Done(SyncReport {
            outcome,
            tracks: self.index.read().len() as u64,
            duration_ms: start.elapsed().as_millis() as u64,
        }))
    }

    /// Whether the snapshot was made from exactly these bytes.
    fn unchanged(&self, hash: u128) -> bool {
        let st = self.status.lock();
        st.snapshot
            .as_ref()
            .is_some_and(|m| m.content_hash == hash && m.format == self.config.format.name())
    }

    fn read_file(&self, format: LibraryFormat) -> Result<Option<ReadOutcome>, LibraryErrorInfo> {
        let path = &self.config.path;
        let io_error = |e: std::io::Error| {
            let kind = if e.kind() == std::io::ErrorKind::NotFound {
                "missing"
            } else {
                "unreadable"
            };
            let message = format!(
                "cannot read the library {}: {e}; the last good snapshot is still served",
                path.display()
            );
            error_info(kind, message)
        };
        let before = source::stamp(path).map_err(io_error)?;
        self.set_progress("hashing", 0, before.size);
        let hash = source::hash_file(path).map_err(io_error)?;
        if self.unchanged(hash) {
            return Ok(Some(ReadOutcome::Unchanged {
                stamp: before,
                hash,
            }));
        }
        self.set_progress("reading", 0, before.size);
        // One streaming pass: read, hash, parse and diff a chunk at a time,
        // so memory follows the changes, not the file's size.
        let file = source::open_file(path).map_err(io_error)?;
        let mut tap = source::Tap::new(
            std::io::BufReader::with_capacity(source::BUF_SIZE, file),
            &self.read_bytes,
        );
        let parsed = self.parse_into_diff(format, &mut tap, before.size);
        // The parse freed as much as it allocated, most of it across
        // threads: give it back before the commit allocates its batch.
        crate::memory::release();
        let (diff, dropped) = parsed?;
        let after = source::stamp(path).map_err(io_error)?;
        if after != before || tap.digest() != hash {
            tracing::info!(path = %path.display(), "library changed while it was read; reading again");
            return Ok(None);
        }
        Ok(Some(ReadOutcome::Parsed(Read {
            diff,
            stamp: before,
            hash,
            dropped,
        })))
    }

    fn read_command(
        &self,
        argv: &[String],
        format: LibraryFormat,
    ) -> Result<Option<ReadOutcome>, LibraryErrorInfo> {
        // The watched path's stamp, captured before the export runs.
        let before = source::stamp(&self.config.path).ok();
        self.set_progress("exporting", 0, 0);
        let out = source::run_exporter(argv, self.config.command_timeout).map_err(|e| {
            error_info(
                "exporter",
                format!("{e}; the last good snapshot is still served"),
            )
        })?;
        if source::stamp(&self.config.path).ok() != before {
            return Ok(None);
        }
        let hash = source::hash_bytes(&out);
        let stamp = before.unwrap_or(Stamp {
            mtime_ns: 0,
            size: out.len() as u64,
        });
        if self.unchanged(hash) {
            return Ok(Some(ReadOutcome::Unchanged { stamp, hash }));
        }
        self.set_progress("parsing", 0, 0);
        let (diff, dropped) =
            self.parse_into_diff(format, &mut out.as_slice(), out.len() as u64)?;
        Ok(Some(ReadOutcome::Parsed(Read {
            diff,
            stamp,
            hash,
            dropped,
        })))
    }

    /// Parses `reader` and diffs every track against the index as it
    /// arrives (`size_hint`: the source's size in bytes). A read error, a
    /// truncated or malformed file, or a field over the limit all leave the
    /// snapshot alone: the partial diff is dropped with the error. Also
    /// returns the values the parse dropped.
    fn parse_into_diff(
        &self,
        format: LibraryFormat,
        reader: &mut dyn std::io::Read,
        size_hint: u64,
    ) -> Result<(Diff, Warnings), LibraryErrorInfo> {
        // Only this task writes the index; queries merely read it, so the
        // read lock held for the parse blocks no one.
        let index = self.index.read();
        let mut differ = if index.is_empty() {
            // A first import: every track is new. Exports take 1.1 to 2 KB
            // per track, so this reserves for no fewer than there are.
            let tracks = usize::try_from(size_hint / 1000).unwrap_or(0);
            Differ::with_capacity(tracks, tracks)
        } else {
            Differ::with_capacity(index.len(), 0)
        };
        let limits = &self.config.limits;
        let outcome =
            sources::parse_stream(format, limits, reader, &mut |t| differ.feed(&index, &t))
                .map_err(|e| {
                    error_info(
                        e.kind().name(),
                        format!("{e} (the last good snapshot is still served)"),
                    )
                })?;
        Ok((differ.finish(&index), outcome.warnings))
    }

    fn record_unchanged(&self, stamp: Stamp, hash: u128) {
        let mut st = self.status.lock();
        st.last_error = None;
        st.progress = None;
        st.last_sync_ms = Some(clock::now_ms());
        if let Some(meta) = st.snapshot.as_mut() {
            if meta.mtime_ns != stamp.mtime_ns
                || meta.size != stamp.size
                || meta.content_hash != hash
            {
                meta.mtime_ns = stamp.mtime_ns;
                meta.size = stamp.size;
                meta.content_hash = hash;
                if let Err(e) = self.store.save_snapshot_meta(meta) {
                    tracing::warn!(error = %e, "could not save the library stamp");
                }
            }
        }
    }
}

/// A source read: either provably unchanged or parsed into a diff.
enum ReadOutcome {
    Unchanged { stamp: Stamp, hash: u128 },
    Parsed(Read),
}
