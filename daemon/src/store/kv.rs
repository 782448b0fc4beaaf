//! The `kv` tree: persistent cache entries (generic namespaces and the
//! domain caches' internal ones).
//!
//! The tree holds a snapshot in 256 buckets (keys `0x01` + bucket; see
//! `buckets`), replaced whole by each compaction; between compactions the
//! journal holds the changes (`durable`). A record's key is the namespace,
//! a 0 byte and the key (namespaces never contain 0). Data dirs written
//! before snapshots kept one sled key per record: `load_kv` reads those as
//! part of the snapshot and the first compaction removes them. Value, layout version 2:
//! `[2][flags][stored_at_ms: u64 BE][expires_at_ms: u64 BE, 0 = never]`
//! `[tag count: u16 BE]([tag length: u16 BE][tag bytes])*[value...]`,
//! flags bit 0 = negative. Version 1 is the same without the tag list.
//! A hand layout rather than a serde format because it is tiny, fixed, and
//! read on every start-up.

use std::collections::BTreeMap;

use super::buckets;
use super::durable::TREE_KV;
use super::journal::{self, Op};
use super::{map_err, Store, StoreError};

/// Buckets of the cache snapshot.
const SNAPSHOT_BUCKETS: u32 = 256;
/// Key prefix of snapshot buckets (namespaces never start with it).
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
/// buckets (see `Store::write_kv_snapshot_of`).
pub struct KvSnapshot {
    buckets: buckets::Builder,
    key: Vec<u8>,
    entries: usize,
}

impl Default for KvSnapshot {
    fn default() -> Self {
        Self {
            buckets: buckets::Builder::new(SNAPSHOT_BUCKETS),
            key: Vec::new(),
            entries: 0,
        }
    }
}

impl KvSnapshot {
    /// Adds one entry; each (namespace, key) once.
    pub fn add(&mut self, namespace: &str, key: &str, e: KvFields<'_>) {
        self.key.clear();
        tree_key_into(namespace, key, &mut self.key);
        self.buckets.push(&self.key, |v| encode_into(e, v));
        self.entries += 1;
    }

    /// Entries added so far.
    pub fn len(&self) -> usize {
        self.entries
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.entries == 0
    }
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
    let split = k.iter().position(|&b| b == 0)?;
    let namespace = std::str::from_utf8(&k[..split]).ok()?.to_owned();
    let key = std::str::from_utf8(&k[split + 1..]).ok()?.to_owned();
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
    /// Writes (or replaces) one entry (journaled: durable after `sync`).
    pub fn put_kv(
        &self,
        namespace: &str,
        key: &str,
        entry: KvFields<'_>,
    ) -> Result<(), StoreError> {
        self.durable_with(|out| {
            journal::encode_insert(
                TREE_KV,
                |k| tree_key_into(namespace, key, k),
                |v| encode_into(entry, v),
                out,
            );
        });
        Ok(())
    }

    /// Removes one entry (absent is fine).
    pub fn delete_kv(&self, namespace: &str, key: &str) -> Result<(), StoreError> {
        self.durable(Op::Remove {
            tree: TREE_KV,
            key: tree_key(namespace, key),
        })
    }

    /// Removes every entry of a namespace.
    pub fn clear_kv_namespace(&self, namespace: &str) -> Result<(), StoreError> {
        let mut prefix = namespace.as_bytes().to_vec();
        prefix.push(0);
        self.durable(Op::RemovePrefix {
            tree: TREE_KV,
            prefix,
        })
    }

    /// Every persisted entry: the snapshot with the journal replayed on
    /// top. Records whose bytes do not decode (a damaged disk or a future
    /// layout) are skipped and counted, so one bad record cannot keep the
    /// daemon from starting.
    pub fn load_kv(&self) -> Result<(Vec<KvRecord>, usize), StoreError> {
        let mut map: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
        for item in self.kv.iter() {
            let (k, v) = item.map_err(|e| map_err(&self.path, e))?;
            if k.first() == Some(&SNAPSHOT_PREFIX) {
                map.extend(buckets::records(&v).map(|(k, v)| (k.to_vec(), v.to_vec())));
            } else {
                map.insert(k.to_vec(), v.to_vec());
            }
        }
        for op in self.journal.replayed_kv.lock().iter() {
            match op {
                Op::Insert { key, value, .. } => {
                    map.insert(key.clone(), value.clone());
                }
                Op::Remove { key, .. } => {
                    map.remove(key);
                }
                Op::RemovePrefix { prefix, .. } => map.retain(|k, _| !k.starts_with(prefix)),
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

    /// Replaces the snapshot with `records`; see `write_kv_snapshot_of`,
    /// which the daemon uses (it builds the snapshot without records).
    #[cfg(test)]
    pub fn write_kv_snapshot(&self, records: &[KvRecord]) -> Result<(), StoreError> {
        let mut snap = KvSnapshot::default();
        for r in records {
            snap.add(&r.namespace, &r.key, r.entry.fields());
        }
        self.write_kv_snapshot_of(snap)
    }

    /// Replaces the snapshot with `snap` (and drops per-key records of
    /// older data dirs), in one atomic batch, and flushes.
    pub fn write_kv_snapshot_of(&self, snap: KvSnapshot) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        for k in self.kv.iter().keys() {
            batch.remove(k.map_err(|e| map_err(&self.path, e))?);
        }
        for (b, bytes) in snap.buckets.finish() {
            batch.insert(&buckets::bucket_key(SNAPSHOT_PREFIX, b)[..], bytes);
        }
        self.kv
            .apply_batch(batch)
            .map_err(|e| map_err(&self.path, e))?;
        self.journal.replayed_kv.lock().clear();
        self.flush_sled()
    }
}

#[cfg(test)]
#[path = "kv_tests.rs"]
mod tests;
