//! Durable writes through the journal (see `journal` for why). A cache
//! write is appended to the pending journal records; `write_journal` hands
//! them to the kernel with one `write(2)`, which is what acknowledges the
//! write. Cache entries are not written to sled one by one (sled takes
//! ~20 µs per small insert): sled holds a snapshot of them, which a
//! compaction replaces (`kv::write_kv_snapshot`), after which the journal
//! segments it covers are deleted. The runs tree, read back by requests, is
//! also applied to sled at once.

use std::sync::{Arc, OnceLock, Weak};
use std::time::Duration;

use parking_lot::Mutex;

use super::journal::{encode, JournalFile, Op, CHECKPOINT_BYTES};

/// The emptied buffer of the last journal write is kept for the next batch
/// up to this capacity (a burst's buffer is not held for ever).
const SPARE_CAPACITY: usize = 1024 * 1024;
use super::{map_err, Inner, Store, StoreError};

/// Journal tree numbers.
pub(super) const TREE_KV: u8 = 0;
/// The runs tree.
pub(super) const TREE_RUNS: u8 = 1;

/// Compacts the cache snapshot when the journal has grown (set by the cache).
pub type Compactor = Box<dyn Fn() + Send + Sync>;

/// A journal rotation under way: the segments a snapshot taken now covers.
pub struct Rotation {
    /// The last covered segment, for `end_compaction`.
    pub covered: u64,
    unsynced: Option<Arc<std::fs::File>>,
}

impl Rotation {
    /// Makes the old segment survive power loss (it is what recovery uses
    /// if the snapshot never lands). Call it without the cache lock held.
    pub fn sync(&mut self) -> Result<(), StoreError> {
        if let Some(f) = &self.unsynced {
            f.sync_data().map_err(|e| {
                StoreError::Io(format!("cannot sync the rotated journal segment: {e}"))
            })?;
        }
        self.unsynced = None;
        Ok(())
    }
}

/// The journal: records not yet written, and the segment files.
pub struct Journal {
    pending: Mutex<Vec<u8>>,
    /// The last written batch's buffer, emptied: swapped in for `pending`
    /// at the next write so neither is regrown from nothing every batch.
    spare: Mutex<Vec<u8>>,
    pub(super) file: Mutex<JournalFile>,
    /// Cache records found at start-up, for `load_kv` to apply on the snapshot.
    pub(super) replayed_kv: Mutex<Vec<Op>>,
    compactor: OnceLock<Compactor>,
}

impl Journal {
    pub(super) fn new(file: JournalFile) -> Self {
        Self {
            pending: Mutex::new(Vec::new()),
            spare: Mutex::new(Vec::new()),
            file: Mutex::new(file),
            replayed_kv: Mutex::new(Vec::new()),
            compactor: OnceLock::new(),
        }
    }
}

/// Once a second, makes written records survive power loss too. Ends when
/// the store is gone.
fn spawn_fsync(store: Weak<Inner>) {
    let spawned = std::thread::Builder::new()
        .name("journal-fsync".into())
        .spawn(move || loop {
            std::thread::sleep(Duration::from_secs(1));
            let Some(inner) = store.upgrade() else { return };
            // The lock is held only to take the handle: appends go on
            // while the disk works.
            let unsynced = inner.journal.file.lock().take_unsynced();
            if let Some(Err(e)) = unsynced.map(|f| f.sync_data()) {
                inner.journal.file.lock().mark_unsynced();
                tracing::warn!(error = %e, "could not fsync the journal");
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "no journal fsync thread: records survive kill -9 but not power loss");
    }
}

impl Store {
    /// Starts the once-a-second fsync; it ends when the store is dropped.
    pub(super) fn start_journal_threads(&self) {
        spawn_fsync(Arc::downgrade(&self.0));
    }

    /// Sets what runs when the journal has grown large (once).
    pub fn set_compactor(&self, f: Compactor) {
        if self.journal.compactor.set(f).is_err() {
            tracing::error!("the journal compactor was set twice; keeping the first");
        }
    }

    /// Journals `op`; the runs tree is also applied to sled at once.
    pub(super) fn durable(&self, op: Op) -> Result<(), StoreError> {
        let mut pending = self.journal.pending.lock();
        if let Op::Insert {
            tree: TREE_RUNS,
            key,
            value,
        } = &op
        {
            self.runs
                .insert(&key[..], &value[..])
                .map_err(|e| map_err(&self.path, e))?;
        }
        encode(&op, &mut pending);
        Ok(())
    }

    /// Journals a record that `write` appends in place (see
    /// `journal::encode_insert`); for the cache tree, which sled does not
    /// hold record by record.
    pub(super) fn durable_with(&self, write: impl FnOnce(&mut Vec<u8>)) {
        write(&mut self.journal.pending.lock());
    }

    /// Writes the pending records with one `write(2)`; returns whether the
    /// journal has grown large enough to compact.
    pub(super) fn write_journal(&self) -> Result<bool, StoreError> {
        // Locks are taken one at a time (never pending inside file), as
        // `begin_compaction` takes pending and then file.
        let mut buf = std::mem::take(&mut *self.journal.spare.lock());
        std::mem::swap(&mut buf, &mut *self.journal.pending.lock());
        let res = {
            let mut file = self.journal.file.lock();
            let appended = if buf.is_empty() {
                Ok(())
            } else {
                file.append(&buf)
            };
            appended
                .map(|()| file.written > CHECKPOINT_BYTES)
                .map_err(|e| StoreError::Io(format!("cannot write the journal: {e}")))
        };
        if buf.capacity() <= SPARE_CAPACITY {
            buf.clear();
            *self.journal.spare.lock() = buf;
        }
        res
    }

    /// Runs the compactor (on this thread), if one is set.
    pub(super) fn compact(&self) {
        if let Some(c) = self.journal.compactor.get() {
            c();
        }
    }

    /// First step of a compaction, called while the cache is locked (so no
    /// cache write falls between): writes what is pending and starts a new
    /// segment. The old segment's fdatasync is left to `Rotation::sync`,
    /// for after the cache lock is released.
    pub fn begin_compaction(&self) -> Result<Rotation, StoreError> {
        let mut pending = self.journal.pending.lock();
        let mut file = self.journal.file.lock();
        let (covered, unsynced) = file
            .append(&std::mem::take(&mut *pending))
            .and_then(|()| file.rotate())
            .map_err(|e| StoreError::Io(format!("cannot rotate the journal: {e}")))?;
        Ok(Rotation { covered, unsynced })
    }

    /// Last step: the snapshot is durable, the segments it covers go.
    pub fn end_compaction(&self, covered: u64) -> Result<(), StoreError> {
        self.journal
            .file
            .lock()
            .drop_upto(covered)
            .map_err(|e| StoreError::Io(format!("cannot delete old journal segments: {e}")))
    }

    /// At open: applies runs records to sled and keeps cache records for
    /// `load_kv` (the cache snapshot plus these is the cache's state).
    pub(super) fn replay(&self, ops: Vec<Op>, torn: usize) -> Result<(), StoreError> {
        if ops.is_empty() && torn == 0 {
            return Ok(());
        }
        let mut kv = Vec::new();
        for op in ops {
            match op {
                Op::Insert {
                    tree: TREE_RUNS,
                    key,
                    value,
                } => {
                    self.runs
                        .insert(key, value)
                        .map_err(|e| map_err(&self.path, e))?;
                }
                op => kv.push(op),
            }
        }
        tracing::info!(
            cache_records = kv.len(),
            torn_bytes = torn,
            journal = %self.journal.file.lock().dir().display(),
            "replaying the journal"
        );
        *self.journal.replayed_kv.lock() = kv;
        Ok(())
    }
}

#[cfg(test)]
#[path = "durable_tests.rs"]
mod tests;
