//! The `library` tree: the snapshot's tracks (in buckets, see `tracks`),
//! the event log and the snapshot's meta record, under key prefixes of one
//! tree so that one sync (tracks + events + meta) is a single atomic sled
//! batch; and the index checkpoint, a file of its own.
//!
//! Keys: `b` + bucket (u32 BE); `e` + seq (u64 BE, so keys sort by seq);
//! `msnapshot`, `mlog` (and `mindex`, the checkpoint of earlier versions).
//! Values: `crate::disk` encoded.
//! Schema 1 kept one `t` + id key per track; opening such a data dir drops
//! them and the meta, so the library is imported again (the store is
//! rebuildable from the library).

use serde::{Deserialize, Serialize};
use trackcache_protocol::{Event, EventFrame};

use super::{map_err, Store, StoreError};
use crate::disk::{decode, encode};
use crate::snapshot::EncodedTrack;

pub(super) const TREE: &str = "library";
const META_KEY: &[u8] = b"msnapshot";
const LOG_KEY: &[u8] = b"mlog";
const LEGACY_INDEX_KEY: &[u8] = b"mindex";
const INDEX_FILE: &str = "index.checkpoint";

/// What the store remembers about the snapshot as a whole.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotMeta {
    /// Library path it was read from.
    pub path: String,
    /// Format name (`apple-xml`, `jsonl`, `command`).
    pub format: String,
    /// The file's mtime (ns since the epoch) captured before reading.
    pub mtime_ns: i128,
    /// The file's size captured before reading.
    pub size: u64,
    /// Hash of the bytes that were read.
    pub content_hash: u128,
    /// Tracks in the snapshot.
    pub tracks: u64,
    /// When the last successful sync finished, Unix ms.
    pub last_sync_ms: u64,
    /// Incremented by every commit that changes tracks; an index checkpoint
    /// is valid only for the generation it was taken at.
    pub generation: u64,
}

/// Position of the event log.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogMeta {
    /// Last sequence number assigned (0 = none yet).
    pub seq: u64,
    /// Oldest retained seq (1 while nothing was trimmed).
    pub oldest_seq: u64,
}

/// Everything one sync writes, applied atomically.
#[derive(Debug, Default)]
pub struct SyncBatch {
    /// Tracks to insert or replace.
    pub upserts: Vec<(Box<str>, EncodedTrack)>,
    /// Track ids to delete.
    pub removes: Vec<Box<str>>,
    /// The new snapshot meta record, when the snapshot changes.
    pub snapshot: Option<SnapshotMeta>,
    /// Events to append, with their sequence numbers.
    pub events: Vec<EventFrame>,
    /// Events with seq below this are deleted (retention).
    pub trim_below: u64,
    /// The log position after this batch.
    pub log: LogMeta,
}

fn event_key(seq: u64) -> [u8; 9] {
    let mut k = [b'e'; 9];
    k[1..].copy_from_slice(&seq.to_be_bytes());
    k
}

impl Store {
    /// The snapshot's meta record, if a snapshot was ever stored.
    pub fn snapshot_meta(&self) -> Result<Option<SnapshotMeta>, StoreError> {
        let raw = self
            .library
            .get(META_KEY)
            .map_err(|e| map_err(&self.path, e))?;
        match raw {
            None => Ok(None),
            Some(b) => decode(&b).map(Some).ok_or_else(|| StoreError::Corrupt {
                path: self.path.clone(),
                detail: "the library snapshot's meta record does not decode".into(),
            }),
        }
    }

    /// The event log's position. It never starts before the invalidation
    /// watermark: a log lost with a damaged database is continued after
    /// the last seq the caches know of, so an old seq never names a new event.
    pub fn log_meta(&self) -> Result<LogMeta, StoreError> {
        let stored = self.stored_log_meta()?;
        let floor = self.watermark().seq;
        Ok(if stored.seq < floor {
            LogMeta {
                seq: floor,
                oldest_seq: floor + 1,
            }
        } else {
            stored
        })
    }

    /// The log position sled holds (seq 0 for a new data dir).
    pub(super) fn stored_log_meta(&self) -> Result<LogMeta, StoreError> {
        let raw = self
            .library
            .get(LOG_KEY)
            .map_err(|e| map_err(&self.path, e))?;
        match raw {
            None => Ok(LogMeta {
                seq: 0,
                oldest_seq: 1,
            }),
            Some(b) => decode(&b).ok_or_else(|| StoreError::Corrupt {
                path: self.path.clone(),
                detail: "the event log's position record does not decode".into(),
            }),
        }
    }

    /// Applies one sync atomically and waits until it is on disk.
    pub fn commit_sync(&self, batch: SyncBatch) -> Result<(), StoreError> {
        let mut b = sled::Batch::default();
        super::tracks::apply(self, batch.upserts, batch.removes, &mut b)?;
        for ev in &batch.events {
            b.insert(&event_key(ev.seq), encode(&ev.event));
        }
        if batch.trim_below > 0 {
            let end = event_key(batch.trim_below);
            for k in self.library.range(&event_key(0)[..]..&end[..]).keys() {
                b.remove(k.map_err(|e| map_err(&self.path, e))?);
            }
        }
        if let Some(meta) = &batch.snapshot {
            b.insert(META_KEY, encode(meta));
        }
        b.insert(LOG_KEY, encode(&batch.log));
        self.library
            .apply_batch(b)
            .map_err(|e| map_err(&self.path, e))?;
        self.flush_sled()
    }

    /// Replaces only the meta record (an unchanged re-read).
    pub fn save_snapshot_meta(&self, meta: &SnapshotMeta) -> Result<(), StoreError> {
        self.library
            .insert(META_KEY, encode(meta))
            .map(drop)
            .map_err(|e| map_err(&self.path, e))
    }

    /// The index checkpoint, if one was taken at `generation`. It is a
    /// file of its own (`index.checkpoint`: generation u64 LE, crc32 of the
    /// rest u32 LE, the dump), not a sled value: sled kept every replaced
    /// copy's blob file. A damaged or stale one is ignored (the index is
    /// rebuilt from the tracks).
    pub fn index_checkpoint(&self, generation: u64) -> Result<Option<Vec<u8>>, StoreError> {
        let bytes = match std::fs::read(self.data_dir.join(INDEX_FILE)) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(StoreError::Io(format!(
                    "cannot read the index checkpoint: {e}"
                )))
            }
        };
        let Some((head, dump)) = bytes.split_at_checked(12) else {
            return Ok(None);
        };
        let stamp = u64::from_le_bytes(head[..8].try_into().unwrap_or_default());
        let crc = u32::from_le_bytes(head[8..].try_into().unwrap_or_default());
        Ok((stamp == generation && crc32fast::hash(dump) == crc).then(|| dump.to_vec()))
    }

    /// Stores an index checkpoint taken at `generation` (written whole,
    /// then renamed into place).
    pub fn save_index_checkpoint(&self, generation: u64, bytes: &[u8]) -> Result<(), StoreError> {
        use std::io::Write;
        let path = self.data_dir.join(INDEX_FILE);
        let tmp = self.data_dir.join(format!("{INDEX_FILE}.tmp"));
        let written = (|| {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&generation.to_le_bytes())?;
            f.write_all(&crc32fast::hash(bytes).to_le_bytes())?;
            f.write_all(bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(StoreError::Io(format!(
                "cannot save the index checkpoint: {e}"
            )));
        }
        // Data dirs of earlier versions kept it in sled.
        if self.library.contains_key(LEGACY_INDEX_KEY).unwrap_or(false) {
            self.library
                .remove(LEGACY_INDEX_KEY)
                .map_err(|e| map_err(&self.path, e))?;
        }
        Ok(())
    }

    /// Up to `limit` logged events with seq > `after`, in order.
    pub fn events_after(&self, after: u64, limit: usize) -> Result<Vec<EventFrame>, StoreError> {
        let start = event_key(after.saturating_add(1));
        let mut out = Vec::new();
        for item in self.library.range(&start[..]..).take(limit) {
            let (k, v) = item.map_err(|e| map_err(&self.path, e))?;
            if k.first() != Some(&b'e') || k.len() != 9 {
                break;
            }
            let mut seq = [0u8; 8];
            seq.copy_from_slice(&k[1..]);
            match decode::<Event>(&v) {
                Some(event) => out.push(EventFrame {
                    seq: u64::from_be_bytes(seq),
                    event,
                }),
                None => tracing::warn!(
                    seq = u64::from_be_bytes(seq),
                    "skipping an undecodable logged event"
                ),
            }
        }
        Ok(out)
    }
}

/// Migrates a schema-1 library tree: drops per-track keys and the snapshot
/// meta (the next read imports the library again); keeps the event log.
pub(super) fn migrate_v1(tree: &sled::Tree) -> sled::Result<usize> {
    let mut b = sled::Batch::default();
    let mut n = 0;
    for k in tree.scan_prefix(b"t").keys() {
        b.remove(k?);
        n += 1;
    }
    b.remove(META_KEY);
    tree.apply_batch(b)?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use trackcache_protocol::Track;

    use super::*;
    use crate::snapshot::{decode_track, encode_track};

    fn meta() -> Option<SnapshotMeta> {
        Some(SnapshotMeta {
            path: "/l.xml".into(),
            format: "apple-xml".into(),
            tracks: 1,
            ..SnapshotMeta::default()
        })
    }

    fn log(seq: u64, oldest_seq: u64) -> LogMeta {
        LogMeta { seq, oldest_seq }
    }

    fn ev(seq: u64) -> EventFrame {
        EventFrame {
            seq,
            event: Event::LibraryImported { tracks: seq },
        }
    }

    #[test]
    fn tracks_round_trip_and_events_come_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        assert_eq!(s.snapshot_meta().unwrap(), None);
        assert_eq!(s.log_meta().unwrap(), log(0, 1));
        let t = Track {
            artist: Some("Björk".into()),
            year: Some(-1),
            ..Track::with_id("A1")
        };
        s.commit_sync(SyncBatch {
            upserts: vec![("A1".into(), encode_track(&t))],
            events: (1..=300).map(ev).collect(),
            snapshot: meta(),
            log: log(300, 1),
            ..SyncBatch::default()
        })
        .unwrap();
        assert_eq!(s.get_track("A1").unwrap(), Some(t.clone()));
        assert_eq!(s.get_track("A2").unwrap(), None);
        let got = s.events_after(255, 10).unwrap();
        assert_eq!(
            got.iter().map(|e| e.seq).collect::<Vec<_>>(),
            (256..=265).collect::<Vec<_>>()
        );
        assert!(s.events_after(300, 10).unwrap().is_empty());
        let mut n = 0;
        s.for_each_track(|tr| {
            assert_eq!(tr, t);
            n += 1;
        })
        .unwrap();
        assert_eq!(n, 1);
        assert_eq!(s.index_checkpoint(0).unwrap(), None);
        s.save_index_checkpoint(4, b"dump").unwrap();
        assert_eq!(s.index_checkpoint(3).unwrap(), None, "another generation");
        assert_eq!(
            s.index_checkpoint(4).unwrap().as_deref(),
            Some(&b"dump"[..])
        );

        // Removal and retention trimming in one batch.
        s.commit_sync(SyncBatch {
            removes: vec!["A1".into()],
            events: vec![ev(301)],
            trim_below: 290,
            log: log(301, 290),
            ..SyncBatch::default()
        })
        .unwrap();
        assert_eq!(s.get_track("A1").unwrap(), None);
        assert_eq!(s.events_after(0, 1).unwrap()[0].seq, 290);
        assert_eq!(s.log_meta().unwrap(), log(301, 290));
        assert_eq!(
            s.snapshot_meta().unwrap().unwrap().path,
            "/l.xml",
            "meta kept when not given"
        );
    }

    #[test]
    fn undecodable_tracks_are_skipped() {
        assert!(decode_track(&[2, 0, 0]).is_none());
        assert!(decode_track(&[]).is_none());
        assert!(decode_track(&[1, 0xff]).is_none());
    }
}
