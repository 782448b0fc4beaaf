//! Durable writes through the journal (see `journal` for why).
//!
//! A cache write is appended to the pending records and joins the current
//! *epoch*; `write_pending` hands an epoch's records to the kernel with one
//! `write(2)`, which is what acknowledges them. Each write's fate is its
//! epoch's: a writer waits for its own epoch (`sync`), so a failed write is
//! reported to exactly the writers whose records it held, never "succeeds"
//! for them with a later, empty write.
//!
//! Space is reserved ahead of the records (`journal::reserve`), so a full
//! disk refuses a write *before* it is applied. A write that fails anyway
//! (an I/O error, or a file system that cannot reserve) is cut off the
//! segment, its keys are handed back for the caches to forget (a cache miss
//! is always a safe answer), and the store turns *degraded*: it refuses
//! durable writes until a compaction has written the caches' whole state
//! again, which heals every divergence the failure left.

use std::collections::BTreeSet;
use std::fs::File;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use parking_lot::Mutex;

use super::journal::{self, encode, JournalFile, Op, Watermark, CHECKPOINT_BYTES};
use super::{Inner, Store, StoreError};

/// The emptied buffer of the last journal write is kept for the next batch
/// up to this capacity (a burst's buffer is not held for ever).
const SPARE_CAPACITY: usize = 1024 * 1024;
/// Space is reserved in steps of this size.
const RESERVE_STEP: u64 = 1024 * 1024;
/// Failed epochs remembered for writers that have not looked yet.
const FAILED_REMEMBERED: usize = 4096;

/// Journal tree numbers.
pub(super) const TREE_KV: u8 = 0;
/// The runs tree.
pub(super) const TREE_RUNS: u8 = 1;
/// Namespace declarations (2 is the snapshot file's end record).
pub(super) const TREE_DECLARED: u8 = 3;

/// The group of writes a record joined. `Epoch::NONE` means "nothing to
/// wait for"; epochs are written in order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Epoch(u64);

impl Epoch {
    /// No write to wait for.
    pub const NONE: Epoch = Epoch(0);

    /// The later of two epochs (waiting for it covers both).
    pub fn max(self, other: Epoch) -> Epoch {
        Epoch(self.0.max(other.0))
    }
}

/// A journal write failed: the writes of its epoch were not made durable.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct WriteFailure {
    /// What failed, for the clients.
    pub message: String,
    /// (namespace, key) of every cache record the failed write held, for
    /// the caches to forget; empty for everyone but the writer that found
    /// the failure.
    pub lost: Vec<(String, String)>,
}

/// Records not yet written, and the space reserved for them.
struct Pending {
    buf: Vec<u8>,
    /// The epoch records appended now join.
    epoch: u64,
    /// The current segment, while its file system can reserve space.
    segment: Option<Arc<File>>,
    /// Segment bytes written or pending.
    claimed: u64,
    /// Segment bytes reserved.
    reserved: u64,
    /// The last watermark journaled.
    watermark: Watermark,
}

impl Pending {
    /// Counts `n` more bytes against the reservation, reserving more first
    /// if needed; a full disk is `Err`, with nothing claimed.
    fn claim(&mut self, n: u64) -> Result<(), StoreError> {
        let want = self.claimed + n;
        if let Some(file) = self.segment.as_ref().filter(|_| want > self.reserved) {
            let step = RESERVE_STEP.max(want - self.reserved);
            match journal::reserve(file, self.reserved, step) {
                Ok(true) => self.reserved += step,
                Ok(false) => {
                    tracing::debug!("the data dir's file system cannot reserve space; journal writes go without");
                    self.segment = None;
                }
                Err(e) => {
                    return Err(StoreError::Full(format!(
                        "cannot reserve journal space: {e}; free some disk space"
                    )))
                }
            }
        }
        self.claimed = want;
        Ok(())
    }

    /// A new segment starts: nothing of it is claimed or reserved yet.
    fn new_segment(&mut self, file: Arc<File>, written: u64) {
        self.segment = Some(file);
        self.claimed = written + self.buf.len() as u64;
        self.reserved = written;
    }
}

/// The journal: records not yet written, and the segment files.
pub struct Journal {
    pending: Mutex<Pending>,
    /// The last written batch's buffer, emptied: swapped in for `pending`
    /// at the next write so neither is regrown from nothing every batch.
    spare: Mutex<Vec<u8>>,
    pub(super) file: Mutex<JournalFile>,
    /// Every epoch up to this one was written, or failed.
    completed: AtomicU64,
    failed: Mutex<BTreeSet<u64>>,
    degraded: AtomicBool,
    degraded_reason: Mutex<Option<String>>,
}

impl Journal {
    pub(super) fn new(file: JournalFile, watermark: Watermark) -> Self {
        let segment = file.current();
        let mut pending = Pending {
            buf: Vec::new(),
            epoch: 1,
            segment: None,
            claimed: 0,
            reserved: 0,
            watermark,
        };
        pending.new_segment(segment, file.written);
        Self {
            pending: Mutex::new(pending),
            spare: Mutex::new(Vec::new()),
            file: Mutex::new(file),
            completed: AtomicU64::new(0),
            failed: Mutex::new(BTreeSet::new()),
            degraded: AtomicBool::new(false),
            degraded_reason: Mutex::new(None),
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

    /// Appends the record `write` writes in place (`journal::encode_insert`
    /// and friends) to the pending records; `then` runs under the same lock,
    /// so memory that mirrors the journal changes in the journal's order.
    /// Refused, with nothing appended, while degraded or when the disk has
    /// no room for it.
    pub(super) fn append(
        &self,
        write: impl FnOnce(&mut Vec<u8>),
        then: impl FnOnce(),
    ) -> Result<Epoch, StoreError> {
        if self.journal.degraded.load(Ordering::Acquire) {
            return Err(StoreError::Degraded(self.degraded().unwrap_or_default()));
        }
        let mut p = self.journal.pending.lock();
        let before = p.buf.len();
        write(&mut p.buf);
        let n = (p.buf.len() - before) as u64;
        if let Err(e) = p.claim(n) {
            p.buf.truncate(before);
            return Err(e);
        }
        then();
        Ok(Epoch(p.epoch))
    }

    /// The epoch records appended now join.
    pub fn pending_epoch(&self) -> Epoch {
        Epoch(self.journal.pending.lock().epoch)
    }

    /// Journals `op`.
    pub(super) fn durable(&self, op: &Op) -> Result<Epoch, StoreError> {
        self.append(|out| encode(op, out), || {})
    }

    /// Journals how far library-driven invalidation has got; call it in
    /// the same critical section as the drops it covers. The watermark is
    /// kept in memory even when it cannot be journaled: the store is then
    /// degraded, and the compaction that heals it saves the watermark.
    pub fn journal_watermark(&self, w: Watermark) -> Epoch {
        let journaled = self.durable(&Op::Watermark(w));
        self.journal.pending.lock().watermark = w;
        journaled.unwrap_or_else(|e| {
            self.diverged(&format!(
                "the invalidation watermark could not be journaled ({e})"
            ));
            Epoch::NONE
        })
    }

    /// Memory and disk differ (a drop or a watermark could not be
    /// journaled): refuse durable writes until a compaction heals it.
    pub fn diverged(&self, why: &str) {
        if !self.journal.degraded.load(Ordering::Acquire) {
            tracing::warn!("{why}");
            self.degrade(why);
        }
    }

    /// At open: the watermark the snapshot and the journal ended with.
    pub(super) fn journal_restore_watermark(&self, w: Watermark) {
        self.journal.pending.lock().watermark = w;
    }

    /// The last watermark journaled (or restored at start-up).
    pub fn watermark(&self) -> Watermark {
        self.journal.pending.lock().watermark
    }

    /// Writes the pending records with one `write(2)` and returns whether
    /// the journal has grown large enough to compact.
    pub(super) fn write_pending(&self) -> Result<bool, WriteFailure> {
        let mut file = self.journal.file.lock();
        self.write_locked(&mut file)?;
        Ok(file.written > CHECKPOINT_BYTES)
    }

    /// Writes what is pending as one epoch, with the segment file locked
    /// (so epochs reach the file, and complete, in order). Appends go on
    /// meanwhile: the pending lock is held only to take the buffer.
    pub(super) fn write_locked(&self, file: &mut JournalFile) -> Result<(), WriteFailure> {
        let mut buf = std::mem::take(&mut *self.journal.spare.lock());
        let epoch = {
            let mut p = self.journal.pending.lock();
            std::mem::swap(&mut buf, &mut p.buf);
            p.epoch += 1;
            p.epoch - 1
        };
        let res = if buf.is_empty() {
            Ok(())
        } else {
            file.append(&buf)
        };
        if let Err(e) = res {
            let message = format!(
                "the journal write failed ({e}); these writes were not stored (is the disk \
                 full or failing?)"
            );
            {
                let mut failed = self.journal.failed.lock();
                failed.insert(epoch);
                while failed.len() > FAILED_REMEMBERED {
                    failed.pop_first();
                }
            }
            self.journal.completed.fetch_max(epoch, Ordering::AcqRel);
            self.journal
                .pending
                .lock()
                .new_segment(file.current(), file.written);
            self.degrade(&message);
            let lost = self.forget_failed(&buf);
            tracing::error!(epoch, records_lost = lost.len(), "{message}");
            return Err(WriteFailure { message, lost });
        }
        self.journal.completed.fetch_max(epoch, Ordering::AcqRel);
        if buf.capacity() <= SPARE_CAPACITY {
            buf.clear();
            *self.journal.spare.lock() = buf;
        }
        Ok(())
    }

    /// Appends now go to a new segment, `file`'s current one: nothing of
    /// it is reserved yet. Returns the watermark journaled so far.
    pub(super) fn journal_new_segment(&self, file: &JournalFile) -> Watermark {
        let mut p = self.journal.pending.lock();
        p.new_segment(file.current(), file.written);
        p.watermark
    }

    /// A compaction wrote the caches' whole state: a degraded store is whole again.
    pub(super) fn heal(&self) {
        if self.journal.degraded.swap(false, Ordering::AcqRel) {
            *self.journal.degraded_reason.lock() = None;
            tracing::info!("the caches are saved whole again; durable writes are accepted");
        }
    }

    /// Whether `epoch` is written: `None` while it is still pending.
    pub fn epoch_done(&self, epoch: Epoch) -> Option<Result<(), WriteFailure>> {
        if self.journal.completed.load(Ordering::Acquire) < epoch.0 {
            return None;
        }
        Some(if self.journal.failed.lock().contains(&epoch.0) {
            Err(WriteFailure {
                message: "a journal write failed; these writes were not stored (is the disk full \
                          or failing?)"
                    .into(),
                lost: Vec::new(),
            })
        } else {
            Ok(())
        })
    }

    /// Waits, on this thread, until `epoch` is written.
    pub fn sync_blocking(&self, epoch: Epoch) -> Result<(), WriteFailure> {
        loop {
            if let Some(done) = self.epoch_done(epoch) {
                return done;
            }
            self.write_pending()?;
        }
    }

    /// The records of a failed write: runs forgotten here, cache keys
    /// returned for the caches to forget.
    fn forget_failed(&self, buf: &[u8]) -> Vec<(String, String)> {
        let mut lost = Vec::new();
        for op in journal::decode_all(buf).ops {
            let (tree, key) = match &op {
                Op::Insert { tree, key, .. } | Op::Remove { tree, key } => (*tree, key),
                Op::RemovePrefix { .. } | Op::Watermark(_) => continue,
            };
            match tree {
                TREE_RUNS => {
                    self.runs.lock().remove(&*String::from_utf8_lossy(key));
                }
                TREE_DECLARED => self.forget_declaration(key),
                _ => {
                    if let Some((ns, k)) = super::kv::split_key(key) {
                        lost.push((ns.to_owned(), k.to_owned()));
                    }
                }
            }
        }
        lost
    }

    fn degrade(&self, why: &str) {
        *self.journal.degraded_reason.lock() = Some(format!(
            "{why}; durable writes are refused until the caches are saved whole again (retried \
             every few seconds)"
        ));
        self.journal.degraded.store(true, Ordering::Release);
    }

    /// Why durable writes are refused, while they are.
    pub fn degraded(&self) -> Option<String> {
        if !self.journal.degraded.load(Ordering::Acquire) {
            return None;
        }
        self.journal.degraded_reason.lock().clone()
    }
}

#[cfg(test)]
#[path = "durable_tests.rs"]
mod tests;
