//! Tracks of the library snapshot, in buckets. sled stores 100,000 small
//! values ten times slower than a few hundred large ones (2.0 s against
//! 0.15 s to write, 1.7 s against 0.1 s to read back; BENCHMARKS.md), so
//! tracks are grouped into `BUCKETS` values by a hash of their id. Changing
//! one track rewrites its bucket (~100 KB for 50,000 tracks).
//!
//! Bucket layout, version 1: `[1][count: u32 LE]` then per track
//! `[id length: u16 LE][id][track length: u32 LE][encoded track]`, where the
//! encoded track is `store::encode_track`'s form. One track is found by
//! walking the lengths, without decoding the others.

use std::collections::BTreeMap;

use trackcache_protocol::Track;

use super::library::{decode_track, EncodedTrack};
use super::{map_err, Store, StoreError};

/// Number of buckets.
pub const BUCKETS: u32 = 512;
const LAYOUT: u8 = 1;

/// The bucket a track id lives in.
pub fn bucket_of(id: &str) -> u32 {
    (xxhash_rust::xxh3::xxh3_64(id.as_bytes()) % u64::from(BUCKETS)) as u32
}

/// The sled key of a bucket.
pub(super) fn bucket_key(b: u32) -> [u8; 5] {
    let mut k = [b'b'; 5];
    k[1..].copy_from_slice(&b.to_be_bytes());
    k
}

/// Walks a bucket's entries: (id, encoded track). Stops at the first
/// malformed entry (a damaged bucket yields what precedes the damage).
fn entries(bytes: &[u8]) -> impl Iterator<Item = (&str, &[u8])> {
    let count = match bytes {
        [LAYOUT, a, b, c, d, ..] => u32::from_le_bytes([*a, *b, *c, *d]),
        _ => 0,
    };
    let mut at = 5;
    (0..count).map_while(move |_| {
        let id_len = usize::from(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?));
        let id = std::str::from_utf8(bytes.get(at + 2..at + 2 + id_len)?).ok()?;
        at += 2 + id_len;
        let len = u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?) as usize;
        let track = bytes.get(at + 4..at + 4 + len)?;
        at += 4 + len;
        Some((id, track))
    })
}

fn encode(entries: &BTreeMap<Box<str>, Vec<u8>>) -> Vec<u8> {
    let size: usize = entries.iter().map(|(id, t)| 6 + id.len() + t.len()).sum();
    let mut out = Vec::with_capacity(5 + size);
    out.push(LAYOUT);
    out.extend_from_slice(&(entries.len() as u32).to_le_bytes());
    for (id, t) in entries {
        // Ids are Persistent IDs or `track-N`: far below u16::MAX bytes.
        out.extend_from_slice(&(id.len().min(usize::from(u16::MAX)) as u16).to_le_bytes());
        out.extend_from_slice(&id.as_bytes()[..id.len().min(usize::from(u16::MAX))]);
        out.extend_from_slice(&(t.len() as u32).to_le_bytes());
        out.extend_from_slice(t);
    }
    out
}

/// One bucket's changes: tracks to write, ids to remove.
type BucketChanges = (Vec<(Box<str>, EncodedTrack)>, Vec<Box<str>>);

/// Track changes grouped by bucket, ready for one sled batch.
pub(super) fn apply(
    store: &Store,
    upserts: Vec<(Box<str>, EncodedTrack)>,
    removes: Vec<Box<str>>,
    batch: &mut sled::Batch,
) -> Result<(), StoreError> {
    let mut by_bucket: BTreeMap<u32, BucketChanges> = BTreeMap::new();
    for (id, t) in upserts {
        by_bucket.entry(bucket_of(&id)).or_default().0.push((id, t));
    }
    for id in removes {
        by_bucket.entry(bucket_of(&id)).or_default().1.push(id);
    }
    for (b, (ups, rems)) in by_bucket {
        let key = bucket_key(b);
        let existing = store
            .library
            .get(key)
            .map_err(|e| map_err(&store.path, e))?;
        let mut map: BTreeMap<Box<str>, Vec<u8>> = existing
            .as_deref()
            .map(|bytes| {
                entries(bytes)
                    .map(|(id, t)| (id.into(), t.to_vec()))
                    .collect()
            })
            .unwrap_or_default();
        for id in rems {
            map.remove(&id);
        }
        for (id, t) in ups {
            map.insert(id, t.0);
        }
        if map.is_empty() {
            batch.remove(&key[..]);
        } else {
            batch.insert(&key[..], encode(&map));
        }
    }
    Ok(())
}

impl Store {
    /// One stored track.
    pub fn get_track(&self, id: &str) -> Result<Option<Track>, StoreError> {
        let raw = self
            .library
            .get(bucket_key(bucket_of(id)))
            .map_err(|e| map_err(&self.path, e))?;
        Ok(raw.and_then(|b| {
            entries(&b)
                .find(|(i, _)| *i == id)
                .and_then(|(_, t)| decode_track(t))
        }))
    }

    /// Calls `f` with every stored track; returns how many did not decode
    /// (skipped; the next sync re-adds them).
    pub fn for_each_track(&self, mut f: impl FnMut(Track)) -> Result<usize, StoreError> {
        let mut skipped = 0;
        for item in self.library.scan_prefix(b"b") {
            let (_, bucket) = item.map_err(|e| map_err(&self.path, e))?;
            for (_, t) in entries(&bucket) {
                match decode_track(t) {
                    Some(t) => f(t),
                    None => skipped += 1,
                }
            }
        }
        Ok(skipped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_round_trip_and_find_one_entry() {
        let mut m = BTreeMap::new();
        m.insert(Box::<str>::from("A"), vec![1, 2, 3]);
        m.insert(Box::<str>::from("Björk-ID"), vec![]);
        let bytes = encode(&m);
        let got: Vec<(&str, &[u8])> = entries(&bytes).collect();
        assert_eq!(got, vec![("A", &[1u8, 2, 3][..]), ("Björk-ID", &[][..])]);
        assert_eq!(
            entries(&bytes)
                .find(|(i, _)| *i == "Björk-ID")
                .map(|(_, t)| t.len()),
            Some(0)
        );
    }

    #[test]
    fn damaged_buckets_yield_what_precedes_the_damage() {
        let mut m = BTreeMap::new();
        m.insert(Box::<str>::from("A"), vec![9; 10]);
        m.insert(Box::<str>::from("B"), vec![9; 10]);
        let bytes = encode(&m);
        assert_eq!(entries(&bytes[..bytes.len() - 3]).count(), 1);
        assert_eq!(entries(&[7, 1, 0, 0, 0]).count(), 0, "unknown layout");
        assert_eq!(entries(&[]).count(), 0);
    }

    #[test]
    fn ids_spread_over_buckets() {
        let used: std::collections::HashSet<u32> =
            (0..5000).map(|i| bucket_of(&format!("{i:016X}"))).collect();
        assert!(used.len() > 500, "{}", used.len());
    }
}
