//! Compaction, the store's half: the journal is rotated while the caches
//! are locked (so every cache write is in the snapshot or in the new
//! segment, never in neither), the snapshot is written, and the segments
//! it covers are deleted. A successful compaction also heals a degraded
//! store: the caches' whole state is on disk again.

use std::fs::File;
use std::sync::Arc;

use super::durable::WriteFailure;
use super::journal::Watermark;
use super::{Store, StoreError};

/// A journal rotation under way: the segments a snapshot taken now covers.
pub struct Rotation {
    /// The last covered segment, for `end_compaction`.
    pub covered: u64,
    /// The invalidation watermark the snapshot must carry.
    pub watermark: Watermark,
    unsynced: Option<Arc<File>>,
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

impl Store {
    /// First step of a compaction, called while the cache is locked (so no
    /// cache write falls between): writes what is pending and starts a new
    /// segment. The old segment's fdatasync is left to `Rotation::sync`,
    /// for after the cache lock is released. A failed write is returned
    /// with the keys to forget, as from `write_pending`.
    pub fn begin_compaction(&self) -> Result<Rotation, WriteFailure> {
        let mut file = self.journal.file.lock();
        self.write_locked(&mut file)?;
        let (covered, unsynced) = file.rotate().map_err(|e| WriteFailure {
            message: format!("cannot start a new journal segment: {e}"),
            lost: Vec::new(),
        })?;
        let watermark = self.journal_new_segment(&file);
        Ok(Rotation {
            covered,
            watermark,
            unsynced,
        })
    }

    /// Last step: the snapshot is durable, the segments it covers go, and
    /// a degraded store is whole again.
    pub fn end_compaction(&self, covered: u64) -> Result<(), StoreError> {
        self.journal
            .file
            .lock()
            .drop_upto(covered)
            .map_err(|e| StoreError::Io(format!("cannot delete old journal segments: {e}")))?;
        self.heal();
        Ok(())
    }
}
