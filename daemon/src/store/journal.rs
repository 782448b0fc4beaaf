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
//! op 1 = insert (with value), 2 = remove, 3 = remove every key with this prefix.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The journal grows to this size before sled is flushed and it is truncated.
pub const CHECKPOINT_BYTES: u64 = 64 * 1024 * 1024;

/// One journaled operation.
#[derive(Clone, Debug, PartialEq, Eq)]
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
        _ => return None,
    };
    (at == rest.len()).then_some(op)
}

/// Every intact record of `bytes`, in order; stops at the first torn or
/// damaged one (nothing after it was acknowledged after it).
pub fn decode_all(bytes: &[u8]) -> (Vec<Op>, usize) {
    let (mut ops, mut at) = (Vec::new(), 0);
    while let Some(header) = bytes.get(at..at + 8) {
        let len = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let crc = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
        let Some(payload) = bytes.get(at + 8..at + 8 + len) else {
            break;
        };
        if crc32fast::hash(payload) != crc {
            break;
        }
        let Some(op) = decode_payload(payload) else {
            break;
        };
        ops.push(op);
        at += 8 + len;
    }
    (ops, bytes.len() - at)
}

/// The journal's segment files in a directory: `journal.000001`, ...
/// Appends go to the newest; a compaction starts a new one and, once its
/// snapshot is safe, deletes the older ones.
pub struct JournalFile {
    dir: PathBuf,
    seq: u64,
    /// Shared so that an fdatasync runs on a handle of its own, outside the
    /// lock that appends take.
    file: Arc<File>,
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
    /// Opens the journal in `dir`, returning the records of every segment
    /// in order and how many bytes at segment ends were torn.
    pub fn open(dir: &Path) -> io::Result<(Self, Vec<Op>, usize)> {
        let (mut ops, mut torn) = (Vec::new(), 0);
        let segs = segments(dir)?;
        for &n in &segs {
            let mut bytes = Vec::new();
            File::open(segment_path(dir, n))?.read_to_end(&mut bytes)?;
            let (o, t) = decode_all(&bytes);
            ops.extend(o);
            torn += t;
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
        Ok((j, ops, torn))
    }

    /// Appends bytes with one write: afterwards they survive `kill -9`.
    pub fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
        (&*self.file).write_all(bytes)?;
        self.written += bytes.len() as u64;
        self.dirty = true;
        self.appends += 1;
        Ok(())
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

    /// Where the segments live.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

#[cfg(test)]
#[path = "journal_tests.rs"]
mod tests;
