//! The caches' persistence: conversions between entries and their stored
//! records, restoring the persistent namespaces at start-up, waiting for
//! writes to be durable (and forgetting those that could not be), library
//! invalidations journaled with their watermark, compacting the journal
//! into a snapshot, and the maintenance task that runs compactions when the
//! store asks for one (a grown journal) or needs one (to heal after a
//! failed write).

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::generic::Caches;
use super::namespace::Entry;
use crate::clock;
use crate::store::{Epoch, KvFields, KvSnapshot, PersistedKv, StoreError, WriteFailure};

/// A key and its entry, as copied out for a snapshot.
type KeyedEntry = (Arc<str>, Entry);

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

impl Caches {
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

    /// Writes every persistent entry as the store's snapshot and deletes the
    /// journal segments it covers. The journal is rotated under the cache
    /// lock, so each write is in the snapshot or in the new segment, never
    /// in neither. Under the lock entries are only cloned (a value is a
    /// shared `Bytes`, so a clone is a reference count): encoding and
    /// writing happen after, with requests flowing (decision 0015).
    pub fn compact(&self) -> Result<(), StoreError> {
        use std::sync::atomic::Ordering;
        if self.compacting.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        let started = std::time::Instant::now();
        let done = (|| {
            let (mut rotation, copied, locked) = {
                let mut map = self.namespaces.lock();
                let rotation = match self.store.begin_compaction() {
                    Ok(r) => r,
                    Err(failure) => {
                        // The cache lock is held: forget the failed write's keys here.
                        for (ns, key) in &failure.lost {
                            if let Some(n) = map.get_mut(ns.as_str()) {
                                n.invalidate(key);
                            }
                        }
                        return Err(StoreError::Io(failure.message));
                    }
                };
                let copied: Vec<(String, Vec<KeyedEntry>)> = map
                    .iter()
                    .filter(|(_, n)| n.policy().persistent)
                    .map(|(name, n)| {
                        let entries = n.iter().map(|(k, e)| (k.clone(), e.clone())).collect();
                        (name.clone(), entries)
                    })
                    .collect();
                (rotation, copied, started.elapsed())
            };
            rotation.sync()?;
            let mut snap = KvSnapshot::default();
            for (name, entries) in &copied {
                for (k, e) in entries {
                    snap.add(name, k, fields(e));
                }
            }
            let entries = snap.len();
            self.store.write_kv_snapshot_of(snap, &rotation)?;
            self.store.end_compaction(rotation.covered)?;
            tracing::debug!(
                entries,
                cache_locked_us = locked.as_micros() as u64,
                total_ms = started.elapsed().as_millis() as u64,
                "cache snapshot written, journal compacted"
            );
            Ok(())
        })();
        self.compacting.store(false, Ordering::Release);
        done
    }

    /// Expiry, and compactions when the store asks for one or while it is
    /// degraded (a successful compaction heals it); until shutdown.
    pub async fn run_maintenance(self: Arc<Self>, shutdown: CancellationToken) {
        /// How often a degraded store tries to heal.
        const HEAL_RETRY: Duration = Duration::from_secs(2);
        let expiry = self
            .schedule
            .run(shutdown.clone(), |now| self.purge_expired(now));
        let compactions = async {
            loop {
                let degraded = self.store.degraded().is_some();
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = self.store.compaction_requested() => {}
                    _ = tokio::time::sleep(HEAL_RETRY), if degraded => {}
                }
                let me = self.clone();
                let done = tokio::task::spawn_blocking(move || me.compact()).await;
                match done {
                    Ok(Err(e)) => {
                        tracing::warn!(error = %e, "could not compact the cache journal; retrying")
                    }
                    Err(e) => tracing::error!(error = %e, "the compaction crashed"),
                    Ok(Ok(())) => {}
                }
            }
        };
        tokio::join!(expiry, compactions);
    }

    /// A library-driven invalidation: `drop_stale` drops what the library
    /// change made stale, then the watermark `seq` is journaled, with no
    /// client write journaled in between. So after a crash, either the
    /// watermark is on disk with every drop before it, or the events after
    /// the last watermark on disk are planned again, and no client write
    /// made after the drops is dropped by that second plan. Returns the
    /// epoch to sync before announcing the drops.
    pub fn invalidation<T>(&self, seq: u64, drop_stale: impl FnOnce() -> T) -> (T, Epoch) {
        let _gate = self.gate.write();
        let out = drop_stale();
        (
            out,
            self.store
                .journal_watermark(crate::store::Watermark { seq }),
        )
    }

    /// The epoch records appended now join: waiting for it covers every
    /// record appended before (for operations that journal many deletes).
    pub fn pending_epoch(&self) -> Epoch {
        self.store.pending_epoch()
    }

    /// Waits until the writes of `epoch` would survive `kill -9`. If their
    /// write failed, the keys it held are forgotten here: a refused write
    /// must not stay readable, and a miss is always a safe answer.
    pub async fn sync(&self, epoch: Epoch) -> Result<(), WriteFailure> {
        if epoch == Epoch::NONE {
            return Ok(());
        }
        self.store.sync(epoch).await.map_err(|e| self.forget(e))
    }

    /// `sync` on this thread (the library's commit path runs on a blocking thread).
    pub fn sync_blocking(&self, epoch: Epoch) -> Result<(), WriteFailure> {
        if epoch == Epoch::NONE {
            return Ok(());
        }
        self.store.sync_blocking(epoch).map_err(|e| self.forget(e))
    }

    /// Whether the journal write of `epoch` (already completed) succeeded.
    pub fn epoch_outcome(&self, epoch: Epoch) -> Result<(), WriteFailure> {
        self.store.epoch_done(epoch).unwrap_or(Ok(()))
    }

    /// Drops from memory the keys a failed journal write held.
    pub(super) fn forget(&self, mut failure: WriteFailure) -> WriteFailure {
        let lost = std::mem::take(&mut failure.lost);
        if !lost.is_empty() {
            let mut map = self.namespaces.lock();
            for (ns, key) in &lost {
                if let Some(n) = map.get_mut(ns.as_str()) {
                    n.invalidate(key);
                }
            }
            tracing::warn!(
                forgotten = lost.len(),
                "cache entries of a failed journal write forgotten"
            );
        }
        failure
    }
}
