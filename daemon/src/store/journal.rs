//! The write-ahead journal behind durable acknowledgements.
//!
//! `kill -9` loses what is still in the process, not what the kernel has.
//! sled keeps recent writes in its own buffers and its `flush` waits for the
//! device, which made acknowledged writes cost a disk round trip each group.
//! So every durable write is also appended to this journal (under one lock,
//! together with its sled apply, so the order is the same in both), and
//! `Store::sync` writes the pending records with one `write(2)`: from then
//! on they survive `kill -9`. A background thread `fdatasync`s the file once
//! a second (like Redis's `appendfsync everysec`) for power loss.
//!
//! At start-up the journal is replayed into sled, sled is flushed and the
//! journal truncated. A torn record at the end (a crash mid-write) was never
//! acknowledged and is dropped. When the journal grows past `CHECKPOINT_BYTES`
//! (and at shutdown), sled is flushed and the journal truncated.
//!
//! Record: `[payload length: u32 LE][crc32 of payload: u32 LE][payload]`;
//! payload: `[op][tree][key length: u32 LE][key]([value length: u32 LE][value])`,
//! op 1 = insert (with value), 2 = remove, 3 = remove every key with this
//! prefix, 4 = invalidation watermark (key: seq, u64 BE).
//! The cache snapshot file (`cache_file`) is a sequence of the same records.
//!
//! Replay does not stop at a damaged record: records carry their own
//! checksum, so it skips to the next offset where a whole, valid record
//! starts, and reports the bytes it skipped. Only damage at the very end
//! of a segment (a write cut short) is a torn tail: it was never
//! acknowledged, so it is not a loss.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The journal grows to this size before sled is flushed and it is truncated.
pub const CHECKPOINT_BYTES: u64 = 64 * 1024 * 1024;

/// One journaled operation.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// Insert or replace.
    Insert {
        /// Tree number.
        tree: u8,
        /// Key.
        key: Vec<u8>,
        /// Value.
        value: Vec<u8>,
    },
    /// Remove one key.
    Remove {
        /// Tree number.
        tree: u8,
        /// Key.
        key: Vec<u8>,
    },
    /// Remove every key that starts with the prefix.
    RemovePrefix {
        /// Tree number.
        tree: u8,
        /// Prefix.
        prefix: Vec<u8>,
    },
    /// Library-driven invalidations are applied through this event.
    Watermark(Watermark),
}

/// How far library-driven invalidation has got: every logged event up to
/// `seq` has had its stale entries dropped. Journaled in the same write as
/// those drops, so after a crash the daemon re-plans exactly the events
/// after it. (A data dir whose event log was lost starts its new log after
/// the watermark, so the two never disagree about what a seq means.)
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Watermark {
    /// Last event whose invalidations are applied.
    pub seq: u64,
}

/// Appends a `u32` length and the bytes `write` appends; the length is
/// filled in afterwards, so callers write fields in place.
fn put_with(out: &mut Vec<u8>, write: impl FnOnce(&mut Vec<u8>)) {
    let at = out.len();
    out.extend_from_slice(&[0; 4]);
    write(out);
    let len = (out.len() - at - 4) as u32;
    out[at..at + 4].copy_from_slice(&len.to_le_bytes());
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_with(out, |o| o.extend_from_slice(b));
}

/// Appends one record whose payload `write_payload` appends to `out`; the
/// header (length, CRC) is filled in afterwards. Writing in place keeps a
/// durable write free of per-record buffers.
fn record(out: &mut Vec<u8>, write_payload: impl FnOnce(&mut Vec<u8>)) {
    let at = out.len();
    out.extend_from_slice(&[0; 8]);
    write_payload(out);
    let payload = &out[at + 8..];
    let len = (payload.len() as u32).to_le_bytes();
    let crc = crc32fast::hash(payload).to_le_bytes();
    out[at..at + 4].copy_from_slice(&len);
    out[at + 4..at + 8].copy_from_slice(&crc);
}

/// Appends `op` as one record to `out`.
pub fn encode(op: &Op, out: &mut Vec<u8>) {
    match op {
        Op::Insert { tree, key, value } => encode_insert(
            *tree,
            |o| o.extend_from_slice(key),
            |o| o.extend_from_slice(value),
            out,
        ),
        Op::Remove { tree, key } => record(out, |p| {
            p.extend_from_slice(&[2, *tree]);
            put_bytes(p, key);
        }),
        Op::RemovePrefix { tree, prefix } => record(out, |p| {
            p.extend_from_slice(&[3, *tree]);
            put_bytes(p, prefix);
        }),
        Op::Watermark(w) => record(out, |p| {
            p.extend_from_slice(&[4, 0]);
            put_bytes(p, &w.seq.to_be_bytes());
        }),
    }
}

/// Appends an insert record whose key and value the closures write in
/// place: the same bytes as `encode` of the `Op::Insert`, without building it.
pub fn encode_insert(
    tree: u8,
    key: impl FnOnce(&mut Vec<u8>),
    value: impl FnOnce(&mut Vec<u8>),
    out: &mut Vec<u8>,
) {
    record(out, |p| {
        p.extend_from_slice(&[1, tree]);
        put_with(p, key);
        put_with(p, value);
    });
}

fn take<'a>(b: &'a [u8], at: &mut usize) -> Option<&'a [u8]> {
    let len = u32::from_le_bytes(b.get(*at..*at + 4)?.try_into().ok()?) as usize;
    let v = b.get(*at + 4..*at + 4 + len)?;
    *at += 4 + len;
    Some(v)
}

fn decode_payload(p: &[u8]) -> Option<Op> {
    let (&op, rest) = p.split_first()?;
    let (&tree, rest) = rest.split_first()?;
    let mut at = 0;
    let key = take(rest, &mut at)?.to_vec();
    let op = match op {
        1 => Op::Insert {
            tree,
            key,
            value: take(rest, &mut at)?.to_vec(),
        },
        2 => Op::Remove { tree, key },
        3 => Op::RemovePrefix { tree, prefix: key },
        4 => Op::Watermark(Watermark {
            seq: u64::from_be_bytes(key.as_slice().try_into().ok()?),
        }),
        _ => return None,
    };
    (at == rest.len()).then_some(op)
}

/// What a replay of some bytes found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Decoded {
    /// Every intact record, in order.
    pub ops: Vec<Op>,
    /// Bytes at the end that hold no whole record (a write cut short).
    pub torn: usize,
    /// Bytes skipped between intact records: damage, with records lost.
    pub damaged: usize,
    /// Stretches of damage skipped.
    pub damaged_regions: usize,
}

/// The record starting at `at`, if a whole, valid one does, and its length.
fn record_at(bytes: &[u8], at: usize) -> Option<(Op, usize)> {
    let header = bytes.get(at..at + 8)?;
    let len = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
    let crc = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
    let payload = bytes.get(at + 8..(at + 8).checked_add(len)?)?;
    if crc32fast::hash(payload) != crc {
        return None;
    }
    Some((decode_payload(payload)?, 8 + len))
}

/// Every intact record of `bytes`, in order. A damaged record is skipped:
/// the replay resumes at the next offset where a valid record starts (its
/// checksum and structure both check), so one bad byte costs one record,
/// not every record after it.
pub fn decode_all(bytes: &[u8]) -> Decoded {
    let mut out = Decoded::default();
    let mut at = 0;
    while at < bytes.len() {
        if let Some((op, len)) = record_at(bytes, at) {
            out.ops.push(op);
            at += len;
            continue;
        }
        match (at + 1..bytes.len()).find(|&next| record_at(bytes, next).is_some()) {
            Some(next) => {
                out.damaged += next - at;
                out.damaged_regions += 1;
                at = next;
            }
            None => {
                out.torn = bytes.len() - at;
                break;
            }
        }
    }
    out
}

/// The journal's segment files in a directory: `journal.000001`, ...
/// Appends go to the newest; a compaction starts a new one and, once its
/// snapshot is safe, deletes the older ones.
pub struct JournalFile {
    dir: PathBuf,
    seq: u64,
    /// Shared so that an fdatasync runs on a handle of its own, outside the
    /// lock that appends take.
    pub(super) file: Arc<File>,
    /// Bytes written to the current segment.
    pub written: u64,
    /// Written but not yet fdatasync'ed.
    pub dirty: bool,
    /// `write(2)` calls since open (group commit shares one among writers).
    pub appends: u64,
}

fn segment_path(dir: &Path, seq: u64) -> PathBuf {
    dir.join(format!("journal.{seq:06}"))
}

/// Segment numbers present in `dir`, ascending.
fn segments(dir: &Path) -> io::Result<Vec<u64>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let name = e?.file_name();
        if let Some(n) = name
            .to_str()
            .and_then(|n| n.strip_prefix("journal."))
            .and_then(|n| n.parse().ok())
        {
            out.push(n);
        }
    }
    out.sort_unstable();
    Ok(out)
}

fn open_append(path: &Path) -> io::Result<File> {
    OpenOptions::new().append(true).create(true).open(path)
}

impl JournalFile {
    /// Opens the journal in `dir`, returning what its segments hold, in order.
    pub fn open(dir: &Path) -> io::Result<(Self, Decoded)> {
        let mut found = Decoded::default();
        let segs = segments(dir)?;
        for &n in &segs {
            let mut bytes = Vec::new();
            File::open(segment_path(dir, n))?.read_to_end(&mut bytes)?;
            let d = decode_all(&bytes);
            found.ops.extend(d.ops);
            found.torn += d.torn;
            found.damaged += d.damaged;
            found.damaged_regions += d.damaged_regions;
        }
        // Append after the last segment; never after a torn tail.
        let seq = segs.last().map_or(1, |n| n + 1);
        let file = Arc::new(open_append(&segment_path(dir, seq))?);
        let j = Self {
            dir: dir.to_path_buf(),
            seq,
            file,
            written: 0,
            dirty: false,
            appends: 0,
        };
        Ok((j, found))
    }

    /// Appends bytes with one write: afterwards they survive `kill -9`.
    /// A failed write leaves the segment as it was: what part of it
    /// reached the file is cut off again, so no record that was refused
    /// can come back at the next start. If even that fails, appends move
    /// to a new segment, away from the torn record.
    pub fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
        if let Err(e) = (&*self.file).write_all(bytes) {
            if let Err(cut) = self.file.set_len(self.written) {
                tracing::error!(error = %cut, "could not cut a failed journal write off; starting a new segment");
                self.rotate()?;
            }
            return Err(e);
        }
        self.written += bytes.len() as u64;
        self.dirty = true;
        self.appends += 1;
        Ok(())
    }

    /// The current segment's file, for reserving space in it.
    pub fn current(&self) -> Arc<File> {
        self.file.clone()
    }

    /// The current segment, if anything was appended since the last call,
    /// for the caller to `sync_data` once it has let go of this journal:
    /// an fdatasync can take milliseconds, and appends (which requests wait
    /// on) must not queue behind it. If that sync fails, `mark_unsynced`.
    pub fn take_unsynced(&mut self) -> Option<Arc<File>> {
        std::mem::take(&mut self.dirty).then(|| self.file.clone())
    }

    /// A sync of what `take_unsynced` returned failed: try again next time.
    pub fn mark_unsynced(&mut self) {
        self.dirty = true;
    }

    /// Starts a new segment. Returns the last segment a snapshot taken now
    /// covers, and the old segment if it still needs an fdatasync (for the
    /// caller to do outside any lock, as with `take_unsynced`).
    pub fn rotate(&mut self) -> io::Result<(u64, Option<Arc<File>>)> {
        let next = Arc::new(open_append(&segment_path(&self.dir, self.seq + 1))?);
        let old = std::mem::replace(&mut self.file, next);
        let unsynced = std::mem::take(&mut self.dirty).then_some(old);
        let covered = self.seq;
        self.seq += 1;
        self.written = 0;
        Ok((covered, unsynced))
    }

    /// Deletes the segments up to `covered` (their records are in a snapshot).
    pub fn drop_upto(&self, covered: u64) -> io::Result<()> {
        for n in segments(&self.dir)?.into_iter().filter(|n| *n <= covered) {
            match std::fs::remove_file(segment_path(&self.dir, n)) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        Ok(())
    }
}

/// Reserves disk space for `len` more bytes at `offset` of `file` without
/// changing its size, so that appends into it cannot fail for want of
/// space: a full disk is found here, before a write is applied, rather
/// than in the middle of a group of acknowledged writes. `Ok(false)` when
/// the file system cannot reserve (the caller then goes without).
pub fn reserve(file: &File, offset: u64, len: u64) -> io::Result<bool> {
    use rustix::fs::{fallocate, FallocateFlags};
    match fallocate(file, FallocateFlags::KEEP_SIZE, offset, len) {
        Ok(()) => Ok(true),
        Err(rustix::io::Errno::OPNOTSUPP | rustix::io::Errno::NOSYS) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
#[path = "journal_tests.rs"]
mod tests;
