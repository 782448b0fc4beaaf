//! The caches' snapshot as a plain file, `caches.snapshot`, rather than as
//! sled values: sled never gave back the blob files of the snapshots a
//! compaction replaced, so the data dir grew with every compaction and
//! every crash (decision 0017). A snapshot is written whole to a temporary
//! file, fsynced, renamed over the old one, and the directory fsynced: the
//! file on disk is always one complete snapshot.
//!
//! Content: `journal` records, one codec for both. First the invalidation
//! watermark, then the runs and the namespace declarations, then every
//! cache entry, then an end record that counts the records before it (a
//! file cut short is told from a whole one). A damaged record costs that
//! record only, as in the journal.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use super::durable::{TREE_DECLARED, TREE_KV, TREE_RUNS};
use super::journal::{decode_all, encode, encode_insert, Op, Watermark};

/// The snapshot's file name in the data dir.
pub const FILE: &str = "caches.snapshot";
/// Tree number of the end record.
const TREE_META: u8 = 2;
const END_KEY: &[u8] = b"end";

/// The snapshot's path in `dir`.
pub fn path(dir: &Path) -> PathBuf {
    dir.join(FILE)
}

/// Cache records, encoded as they are added (no copy of the entries).
#[derive(Default)]
pub struct Records {
    buf: Vec<u8>,
    count: u64,
}

impl Records {
    /// Adds one cache entry under its tree key (`namespace`, 0, key).
    pub fn insert(&mut self, key: impl FnOnce(&mut Vec<u8>), value: impl FnOnce(&mut Vec<u8>)) {
        encode_insert(TREE_KV, key, value, &mut self.buf);
        self.count += 1;
    }

    /// Records added.
    pub fn len(&self) -> u64 {
        self.count
    }
}

/// What a snapshot holds besides the cache entries.
pub struct Head<'a> {
    /// How far library-driven invalidation has got.
    pub watermark: Watermark,
    /// Clients' last runs.
    pub runs: &'a [(String, u64)],
    /// Namespace declarations, encoded.
    pub declared: &'a [(String, Vec<u8>)],
}

/// Writes a snapshot: the head's records, then `entries`.
pub fn write(dir: &Path, h: &Head<'_>, entries: &Records) -> io::Result<()> {
    let mut head = Vec::new();
    encode(&Op::Watermark(h.watermark), &mut head);
    for (client, at) in h.runs {
        encode_insert(
            TREE_RUNS,
            |k| k.extend_from_slice(client.as_bytes()),
            |v| v.extend_from_slice(&at.to_be_bytes()),
            &mut head,
        );
    }
    for (name, declaration) in h.declared {
        encode_insert(
            TREE_DECLARED,
            |k| k.extend_from_slice(name.as_bytes()),
            |v| v.extend_from_slice(declaration),
            &mut head,
        );
    }
    let count = 1 + h.runs.len() as u64 + h.declared.len() as u64 + entries.count;
    let mut tail = Vec::new();
    encode_insert(
        TREE_META,
        |k| k.extend_from_slice(END_KEY),
        |v| v.extend_from_slice(&count.to_be_bytes()),
        &mut tail,
    );
    let tmp = dir.join(format!("{FILE}.tmp"));
    let written = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        f.write_all(&head)?;
        f.write_all(&entries.buf)?;
        f.write_all(&tail)?;
        f.sync_all()
    })();
    if let Err(e) = written {
        // A half-written temporary file must not hold on to the space.
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, path(dir))?;
    File::open(dir)?.sync_all()
}

/// What a snapshot file held.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The records (watermark, runs and entries), in order.
    pub ops: Vec<Op>,
    /// Whether the end record was found and its count matched.
    pub complete: bool,
    /// Bytes skipped as damaged or cut short.
    pub damaged_bytes: usize,
}

/// Reads the snapshot in `dir`, if there is one.
pub fn read(dir: &Path) -> io::Result<Option<Loaded>> {
    let mut bytes = Vec::new();
    match File::open(path(dir)) {
        Ok(mut f) => f.read_to_end(&mut bytes)?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let decoded = decode_all(&bytes);
    let mut loaded = Loaded {
        damaged_bytes: decoded.damaged + decoded.torn,
        ..Loaded::default()
    };
    for op in decoded.ops {
        match op {
            Op::Insert {
                tree: TREE_META,
                key,
                value,
            } if key == END_KEY => {
                let count = <[u8; 8]>::try_from(value.as_slice())
                    .ok()
                    .map(u64::from_be_bytes);
                loaded.complete = count == Some(loaded.ops.len() as u64);
            }
            op => loaded.ops.push(op),
        }
    }
    Ok(Some(loaded))
}

/// Moves a damaged snapshot aside (kept for inspection); returns where.
pub fn quarantine(dir: &Path) -> io::Result<PathBuf> {
    let to = dir.join(format!("{FILE}.damaged-{}", crate::clock::now_ms()));
    std::fs::rename(path(dir), &to)?;
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(n: u32) -> Records {
        let mut r = Records::default();
        for i in 0..n {
            r.insert(
                |k| k.extend_from_slice(format!("ns\0k{i}").as_bytes()),
                |v| v.extend_from_slice(&i.to_be_bytes()),
            );
        }
        r
    }

    #[test]
    fn a_snapshot_round_trips_and_is_whole() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read(dir.path()).unwrap().is_none());
        let w = Watermark { seq: 9 };
        let head = Head {
            watermark: w,
            runs: &[("gu".into(), 5)],
            declared: &[("search".into(), vec![1, 2])],
        };
        write(dir.path(), &head, &entries(3)).unwrap();
        let got = read(dir.path()).unwrap().unwrap();
        assert!(got.complete);
        assert_eq!(got.damaged_bytes, 0);
        assert_eq!(got.ops.len(), 6);
        assert_eq!(got.ops[0], Op::Watermark(w));
        assert!(!dir.path().join(format!("{FILE}.tmp")).exists());
    }

    #[test]
    fn a_cut_or_damaged_snapshot_says_so_and_keeps_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let head = Head {
            watermark: Watermark::default(),
            runs: &[],
            declared: &[],
        };
        write(dir.path(), &head, &entries(100)).unwrap();
        let p = path(dir.path());
        let mut bytes = std::fs::read(&p).unwrap();
        let mid = bytes.len() / 2;
        bytes[mid] ^= 0x5a;
        std::fs::write(&p, &bytes).unwrap();
        let got = read(dir.path()).unwrap().unwrap();
        assert!(!got.complete, "a record is missing");
        assert!(got.damaged_bytes > 0);
        assert_eq!(got.ops.len(), 100, "only the damaged record is lost");
        bytes.truncate(mid);
        std::fs::write(&p, &bytes).unwrap();
        let got = read(dir.path()).unwrap().unwrap();
        assert!(!got.complete, "no end record");
    }
}
