//! Persistent cache entries (generic namespaces and the domain caches'
//! internal ones): a snapshot file (`cache_file`), replaced whole by each
//! compaction, and between compactions the journal (`durable`). A record's
//! key is the namespace, a 0 byte and the key (namespaces never contain 0).
//! Data dirs of earlier versions kept the snapshot in sled's `kv` tree (256
//! buckets under keys `0x01` + bucket, and before that one sled key per
//! record): it is read when there is no snapshot file, and the first
//! compaction empties the tree. Value, layout version 2:
//! `[2][flags][stored_at_ms: u64 BE][expires_at_ms: u64 BE, 0 = never]`
//! `[tag count: u16 BE]([tag length: u16 BE][tag bytes])*[value...]`,
//! flags bit 0 = negative. Version 1 is the same without the tag list.
//! A hand layout rather than a serde format because it is tiny, fixed, and
//! read on every start-up.

use std::collections::BTreeMap;

use super::buckets;
use super::cache_file::{self, Records};
use super::compaction::Rotation;
use super::durable::{Epoch, TREE_KV};
use super::journal::{self, Op};
use super::{map_err, Store, StoreError};

/// Key prefix of the legacy sled snapshot's buckets.
const SNAPSHOT_PREFIX: u8 = 1;

pub(super) const TREE: &str = "kv";
const LAYOUT_V1: u8 = 1;
const LAYOUT_V2: u8 = 2;
const HEADER_LEN: usize = 18;

/// A persisted generic-cache entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersistedKv {
    /// Value bytes (empty for negative entries).
    pub value: Vec<u8>,
    /// "Known absent" marker.
    pub negative: bool,
    /// When it was stored, Unix ms.
    pub stored_at_ms: u64,
    /// When it expires, Unix ms; `None` = never.
    pub expires_at_ms: Option<u64>,
    /// Dependency tags.
    pub tags: Vec<String>,
}

/// An entry's stored fields, borrowed from wherever the entry lives, so a
/// write or a snapshot encodes it without copying it first.
#[derive(Clone, Copy, Debug)]
pub struct KvFields<'a> {
    /// Value bytes (empty for negative entries).
    pub value: &'a [u8],
    /// "Known absent" marker.
    pub negative: bool,
    /// When it was stored, Unix ms.
    pub stored_at_ms: u64,
    /// When it expires, Unix ms; `None` = never.
    pub expires_at_ms: Option<u64>,
    /// Dependency tags.
    pub tags: &'a [String],
}

impl PersistedKv {
    /// The fields, borrowed.
    pub fn fields(&self) -> KvFields<'_> {
        KvFields {
            value: &self.value,
            negative: self.negative,
            stored_at_ms: self.stored_at_ms,
            expires_at_ms: self.expires_at_ms,
            tags: &self.tags,
        }
    }
}

/// A cache snapshot being assembled, entry by entry, straight into its
/// encoded records (see `Store::write_kv_snapshot_of`).
#[derive(Default)]
pub struct KvSnapshot {
    records: Records,
}

impl KvSnapshot {
    /// Adds one entry; each (namespace, key) once.
    pub fn add(&mut self, namespace: &str, key: &str, e: KvFields<'_>) {
        self.records
            .insert(|k| tree_key_into(namespace, key, k), |v| encode_into(e, v));
    }

    /// Entries added so far.
    pub fn len(&self) -> usize {
        self.records.len() as usize
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.records.len() == 0
    }
}

/// The namespace and key of a cache record's tree key.
pub(super) fn split_key(k: &[u8]) -> Option<(&str, &str)> {
    let split = k.iter().position(|&b| b == 0)?;
    Some((
        std::str::from_utf8(&k[..split]).ok()?,
        std::str::from_utf8(&k[split + 1..]).ok()?,
    ))
}

/// One record read back at start-up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KvRecord {
    /// Namespace.
    pub namespace: String,
    /// Key.
    pub key: String,
    /// Entry.
    pub entry: PersistedKv,
}

fn tree_key(namespace: &str, key: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(namespace.len() + 1 + key.len());
    tree_key_into(namespace, key, &mut k);
    k
}

fn tree_key_into(namespace: &str, key: &str, k: &mut Vec<u8>) {
    k.extend_from_slice(namespace.as_bytes());
    k.push(0);
    k.extend_from_slice(key.as_bytes());
}

#[cfg(test)]
fn encode(e: &PersistedKv) -> Vec<u8> {
    let mut v = Vec::new();
    encode_into(e.fields(), &mut v);
    v
}

/// Appends the stored form of `e` to `v`.
fn encode_into(e: KvFields<'_>, v: &mut Vec<u8>) {
    let tag_bytes: usize = e.tags.iter().map(|t| 2 + t.len()).sum();
    v.reserve(HEADER_LEN + 2 + tag_bytes + e.value.len());
    v.push(LAYOUT_V2);
    v.push(u8::from(e.negative));
    v.extend_from_slice(&e.stored_at_ms.to_be_bytes());
    v.extend_from_slice(&e.expires_at_ms.unwrap_or(0).to_be_bytes());
    // Tags are short names; one longer than u16 cannot be stored and is cut
    // off at a char boundary rather than corrupting the record.
    let tags = &e.tags[..e.tags.len().min(usize::from(u16::MAX))];
    v.extend_from_slice(&(tags.len() as u16).to_be_bytes());
    for t in tags {
        let t = clip(t);
        v.extend_from_slice(&(t.len() as u16).to_be_bytes());
        v.extend_from_slice(t.as_bytes());
    }
    v.extend_from_slice(e.value);
}

fn clip(t: &str) -> &str {
    let mut end = t.len().min(usize::from(u16::MAX));
    while !t.is_char_boundary(end) {
        end -= 1;
    }
    &t[..end]
}

fn take_u16(v: &[u8], at: &mut usize) -> Option<usize> {
    let b = v.get(*at..*at + 2)?;
    *at += 2;
    Some(usize::from(u16::from_be_bytes([b[0], b[1]])))
}

fn decode(k: &[u8], v: &[u8]) -> Option<KvRecord> {
    let (namespace, key) = split_key(k)?;
    let (namespace, key) = (namespace.to_owned(), key.to_owned());
    if v.len() < HEADER_LEN || !matches!(v[0], LAYOUT_V1 | LAYOUT_V2) {
        return None;
    }
    let stored_at_ms = u64::from_be_bytes(v[2..10].try_into().ok()?);
    let expires = u64::from_be_bytes(v[10..18].try_into().ok()?);
    let mut at = HEADER_LEN;
    let mut tags = Vec::new();
    if v[0] == LAYOUT_V2 {
        for _ in 0..take_u16(v, &mut at)? {
            let len = take_u16(v, &mut at)?;
            tags.push(std::str::from_utf8(v.get(at..at + len)?).ok()?.to_owned());
            at += len;
        }
    }
    Some(KvRecord {
        namespace,
        key,
        entry: PersistedKv {
            value: v[at..].to_vec(),
            negative: v[1] & 1 == 1,
            stored_at_ms,
            expires_at_ms: (expires != 0).then_some(expires),
            tags,
        },
    })
}

impl Store {
    /// Writes (or replaces) one entry; durable once its epoch is synced.
    pub fn put_kv(
        &self,
        namespace: &str,
        key: &str,
        entry: KvFields<'_>,
    ) -> Result<Epoch, StoreError> {
        self.append(
            |out| {
                journal::encode_insert(
                    TREE_KV,
                    |k| tree_key_into(namespace, key, k),
                    |v| encode_into(entry, v),
                    out,
                );
            },
            || {},
        )
    }

    /// Removes one entry (absent is fine).
    pub fn delete_kv(&self, namespace: &str, key: &str) -> Result<Epoch, StoreError> {
        self.durable(&Op::Remove {
            tree: TREE_KV,
            key: tree_key(namespace, key),
        })
    }

    /// Removes every entry of a namespace.
    pub fn clear_kv_namespace(&self, namespace: &str) -> Result<Epoch, StoreError> {
        let mut prefix = namespace.as_bytes().to_vec();
        prefix.push(0);
        self.durable(&Op::RemovePrefix {
            tree: TREE_KV,
            prefix,
        })
    }

    /// Every persisted entry: the snapshot with the journal replayed on
    /// top (both read at open). Records whose bytes do not decode (a
    /// damaged disk or a future layout) are skipped and counted, so one bad
    /// record cannot keep the daemon from starting.
    pub fn load_kv(&self) -> Result<(Vec<KvRecord>, usize), StoreError> {
        let mut map: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
        let replayed = std::mem::take(&mut *self.replayed_kv.lock());
        for op in replayed {
            match op {
                Op::Insert { key, value, .. } => {
                    map.insert(key, value);
                }
                Op::Remove { key, .. } => {
                    map.remove(&key);
                }
                Op::RemovePrefix { prefix, .. } => map.retain(|k, _| !k.starts_with(&prefix)),
                Op::Watermark(_) => {}
            }
        }
        let mut out = Vec::with_capacity(map.len());
        let mut skipped = 0;
        for (k, v) in &map {
            match decode(k, v) {
                Some(r) => out.push(r),
                None => skipped += 1,
            }
        }
        Ok((out, skipped))
    }

    /// The legacy snapshot in sled's `kv` tree, as insert records (a data
    /// dir from before the snapshot file).
    pub(super) fn legacy_kv_snapshot(&self) -> Result<Vec<Op>, StoreError> {
        let mut out = Vec::new();
        for item in self.kv.iter() {
            let (k, v) = item.map_err(|e| map_err(&self.path, e))?;
            let insert = |key: &[u8], value: &[u8]| Op::Insert {
                tree: TREE_KV,
                key: key.to_vec(),
                value: value.to_vec(),
            };
            if k.first() == Some(&SNAPSHOT_PREFIX) {
                out.extend(buckets::records(&v).map(|(k, v)| insert(k, v)));
            } else {
                out.push(insert(&k, &v));
            }
        }
        Ok(out)
    }

    /// Replaces the snapshot with `records`; see `write_kv_snapshot_of`,
    /// which the daemon uses (it builds the snapshot without records).
    #[cfg(test)]
    pub fn write_kv_snapshot(
        &self,
        records: &[KvRecord],
        rotation: &Rotation,
    ) -> Result<(), StoreError> {
        let mut snap = KvSnapshot::default();
        for r in records {
            snap.add(&r.namespace, &r.key, r.entry.fields());
        }
        self.write_kv_snapshot_of(snap, rotation)
    }

    /// Replaces the snapshot file with `snap`, the watermark the rotation
    /// saw, the current runs and declarations; then empties sled's legacy
    /// `kv` tree.
    pub fn write_kv_snapshot_of(
        &self,
        snap: KvSnapshot,
        rotation: &Rotation,
    ) -> Result<(), StoreError> {
        let runs: Vec<(String, u64)> = self
            .runs
            .lock()
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        let head = cache_file::Head {
            watermark: rotation.watermark,
            runs: &runs,
            declared: &self.declaration_records(),
        };
        cache_file::write(&self.data_dir, &head, &snap.records).map_err(|e| {
            StoreError::Io(format!(
                "cannot write the cache snapshot in {}: {e}",
                self.data_dir.display()
            ))
        })?;
        if !self.kv.is_empty() {
            self.kv.clear().map_err(|e| map_err(&self.path, e))?;
            self.flush_sled()?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "kv_tests.rs"]
mod tests;
