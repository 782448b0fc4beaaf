//! Namespace declarations: the policies clients declare for their generic
//! namespaces (`DeclareNamespace`). Like the runs, they live in memory,
//! journaled like cache writes and saved in the cache snapshot file, so a
//! declaration survives restarts and `kill -9` once its epoch is synced.

use serde::{Deserialize, Serialize};

use super::durable::{Epoch, TREE_DECLARED};
use super::journal;
use super::{Store, StoreError};

/// One declaration as the client made it: `None` fields come from
/// `[cache.default]` when the policy is resolved, so a later change of the
/// default reaches them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Declaration {
    /// TTL of values, ms (`Some(0)` = never expires).
    pub ttl_ms: Option<u64>,
    /// TTL of "known absent" entries, ms (`Some(0)` = never).
    pub negative_ttl_ms: Option<u64>,
    /// Entry bound.
    pub max_entries: Option<u64>,
    /// Byte bound.
    pub max_bytes: Option<u64>,
    /// Written to disk.
    pub persistent: Option<bool>,
    /// Strategy name (validated before it is stored).
    pub strategy: Option<String>,
}

impl Store {
    /// The declaration of a namespace, if a client made one.
    pub fn declaration(&self, namespace: &str) -> Option<Declaration> {
        self.declared.lock().get(namespace).cloned()
    }

    /// Every declared namespace's name.
    pub fn declared_namespaces(&self) -> Vec<String> {
        self.declared.lock().keys().cloned().collect()
    }

    /// Records a declaration (replacing an earlier one); durable once its
    /// epoch is synced. If that write fails, the declaration is forgotten.
    pub fn declare(&self, namespace: &str, d: &Declaration) -> Result<Epoch, StoreError> {
        let bytes = crate::disk::encode(d);
        self.append(
            |out| {
                journal::encode_insert(
                    TREE_DECLARED,
                    |k| k.extend_from_slice(namespace.as_bytes()),
                    |v| v.extend_from_slice(&bytes),
                    out,
                )
            },
            || {
                self.declared.lock().insert(namespace.to_owned(), d.clone());
            },
        )
    }

    /// At open: a declaration record of the snapshot or the journal.
    pub(super) fn replay_declaration(&self, key: Vec<u8>, value: &[u8]) {
        let name = String::from_utf8(key).ok();
        match (name, crate::disk::decode::<Declaration>(value)) {
            (Some(name), Some(d)) => {
                self.declared.lock().insert(name, d);
            }
            _ => tracing::warn!("skipped an undecodable namespace declaration"),
        }
    }

    /// The declarations as snapshot records: (name, encoded declaration).
    pub(super) fn declaration_records(&self) -> Vec<(String, Vec<u8>)> {
        self.declared
            .lock()
            .iter()
            .map(|(k, d)| (k.clone(), crate::disk::encode(d)))
            .collect()
    }

    /// A failed journal write held this declaration: forget it.
    pub(super) fn forget_declaration(&self, key: &[u8]) {
        self.declared.lock().remove(&*String::from_utf8_lossy(key));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations_persist_through_the_journal_and_the_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let d = Declaration {
            ttl_ms: Some(86_400_000),
            persistent: Some(true),
            strategy: Some("hybrid".into()),
            ..Declaration::default()
        };
        {
            let s = Store::open(dir.path()).unwrap();
            assert_eq!(s.declaration("search"), None);
            let epoch = s.declare("search", &d).unwrap();
            s.sync_blocking(epoch).unwrap();
        }
        let s = crate::store::open_again(dir.path()).unwrap();
        assert_eq!(s.declaration("search"), Some(d.clone()), "from the journal");
        let rotation = s.begin_compaction().unwrap();
        s.write_kv_snapshot(&[], &rotation).unwrap();
        s.end_compaction(rotation.covered).unwrap();
        drop(s);
        let s = crate::store::open_again(dir.path()).unwrap();
        assert_eq!(s.declaration("search"), Some(d), "from the snapshot");
        assert_eq!(s.declared_namespaces(), vec!["search".to_owned()]);
    }
}
