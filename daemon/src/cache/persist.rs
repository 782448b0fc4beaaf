//! Conversions between cache entries and their stored records, and
//! restoring the persistent namespaces at start-up.

use super::generic::GenericCache;
use super::namespace::Entry;
use crate::clock;
use crate::store::{KvFields, PersistedKv, StoreError};

/// The stored form of an entry, borrowed from it.
pub fn fields(e: &Entry) -> KvFields<'_> {
    KvFields {
        value: &e.value,
        negative: e.negative,
        stored_at_ms: e.stored_at_ms,
        expires_at_ms: e.expires_at_ms,
        tags: &e.tags,
    }
}

/// An entry from its stored form.
pub fn from_record(r: PersistedKv) -> Entry {
    Entry {
        value: r.value.into(),
        negative: r.negative,
        stored_at_ms: r.stored_at_ms,
        expires_at_ms: r.expires_at_ms,
        tags: r.tags,
    }
}

impl GenericCache {
    /// Loads every persisted entry: expired ones and those of namespaces
    /// made memory-only since are deleted; bounds are applied again.
    pub(super) fn load(&self) -> Result<(), StoreError> {
        let (records, skipped) = self.store.load_kv()?;
        if skipped > 0 {
            tracing::warn!(skipped, "skipped undecodable persisted cache entries");
        }
        let now = clock::now_ms();
        let (mut restored, mut dropped) = (0u64, 0u64);
        let mut map = self.namespaces.lock();
        for r in records {
            let policy = self.policy_of(&r.namespace);
            if !policy.persistent {
                // The namespace was made memory-only since: forget its entries.
                self.store.delete_kv(&r.namespace, &r.key)?;
                dropped += 1;
                continue;
            }
            let ns = map
                .entry(r.namespace.clone())
                .or_insert_with(|| self.new_namespace(&r.namespace));
            match ns.restore(&r.key, from_record(r.entry), now) {
                Some(evicted) => {
                    restored += 1;
                    for k in evicted {
                        self.store.delete_kv(&r.namespace, &k)?;
                    }
                }
                None => {
                    self.store.delete_kv(&r.namespace, &r.key)?;
                    dropped += 1;
                }
            }
        }
        tracing::info!(restored, dropped, "restored persistent cache entries");
        Ok(())
    }
}
