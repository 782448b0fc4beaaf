//! Tracks of the library snapshot, in buckets. sled stores 100,000 small
//! values ten times slower than a few hundred large ones (2.0 s against
//! 0.15 s to write, 1.7 s against 0.1 s to read back; BENCHMARKS.md), so
//! tracks are grouped into `BUCKETS` values by a hash of their id. Changing
//! one track rewrites its bucket (~100 KB for 50,000 tracks).
//! The bucket layout is `buckets`'; values are `snapshot::encode_track`'s form.

use std::collections::BTreeMap;

use trackcache_protocol::Track;

use super::buckets::{self, records};
use super::{map_err, Store, StoreError};
use crate::snapshot::{decode_track, EncodedTrack};

/// Number of buckets.
pub const BUCKETS: u32 = 512;

/// The bucket a track id lives in.
pub fn bucket_of(id: &str) -> u32 {
    buckets::bucket_of(id.as_bytes(), BUCKETS)
}

fn bucket_key(b: u32) -> [u8; 5] {
    buckets::bucket_key(b'b', b)
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
        let mut map: BTreeMap<Vec<u8>, Vec<u8>> = existing
            .as_deref()
            .map(|bytes| {
                records(bytes)
                    .map(|(id, t)| (id.to_vec(), t.to_vec()))
                    .collect()
            })
            .unwrap_or_default();
        for id in rems {
            map.remove(id.as_bytes());
        }
        for (id, t) in ups {
            map.insert(id.as_bytes().to_vec(), t.0);
        }
        if map.is_empty() {
            batch.remove(&key[..]);
        } else {
            batch.insert(&key[..], buckets::encode_map(&map));
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
            records(&b)
                .find(|(i, _)| *i == id.as_bytes())
                .and_then(|(_, t)| decode_track(t))
        }))
    }

    /// Calls `f` with every stored track; returns how many did not decode
    /// (skipped; the next sync re-adds them).
    pub fn for_each_track(&self, mut f: impl FnMut(Track)) -> Result<usize, StoreError> {
        let mut skipped = 0;
        for item in self.library.scan_prefix(b"b") {
            let (_, bucket) = item.map_err(|e| map_err(&self.path, e))?;
            for (_, t) in records(&bucket) {
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
    fn ids_spread_over_buckets() {
        let used: std::collections::HashSet<u32> =
            (0..5000).map(|i| bucket_of(&format!("{i:016X}"))).collect();
        assert!(used.len() > 500, "{}", used.len());
    }
}
