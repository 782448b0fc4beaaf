//! What happens after a re-read found changes, top to bottom, in one
//! function (`LibraryService::commit`):
//!
//! 1. describe the diff as events and number them (the hub's append is
//!    held until step 5, so events reach the log and subscribers in order);
//! 2. persist the new snapshot and its events in one atomic store batch;
//! 3. update the in-memory index, so queries (and the planner) see the new
//!    library;
//! 4. plan and apply the invalidations, durably (`Invalidator::
//!    after_library_change`), and log their notices;
//! 5. publish every event of the change to subscribers.
//!
//! Nothing is published before it is durable, and a failure in step 2
//! changes nothing at all.

use trackcache_protocol::{Event, LibraryErrorInfo, SyncOutcome, Track};

use super::sync::{error_info, Read};
use super::LibraryService;
use crate::clock;
use crate::hub::{LogPosition, Numbered};
use crate::snapshot::{decode_track, field_changes, file_changes, Diff, UpsertKind};
use crate::store::{LogMeta, SnapshotMeta, Store, StoreError, SyncBatch};

impl LibraryService {
    /// Commits a parsed diff (see the module doc for the sequence).
    pub(super) fn commit(&self, read: Read) -> Result<SyncOutcome, LibraryErrorInfo> {
        let Read {
            mut diff,
            stamp,
            hash,
            dropped,
        } = read;
        let fresh = self.status.lock().snapshot.is_none() && self.index.read().is_empty();
        let (added, modified, removed) = diff.counts();
        let events = self.describe(&diff, fresh)?;
        let meta = SnapshotMeta {
            generation: self.generation() + 1,
            path: self.config.path.display().to_string(),
            format: self.config.format.name().into(),
            mtime_ns: stamp.mtime_ns,
            size: stamp.size,
            content_hash: hash,
            tracks: diff.total as u64,
            last_sync_ms: clock::now_ms(),
        };
        self.set_progress(
            "saving",
            0,
            diff.upserts.len() as u64 + diff.removed.len() as u64,
        );

        // 1. Number the events.
        let mut log = self.hub.begin();
        let numbered = log.number(events);
        // 2. Persist snapshot and events, atomically.
        let batch = snapshot_batch(&mut diff, meta.clone(), &numbered);
        self.store.commit_sync(batch).map_err(|e| {
            error_info(
                "unwritable",
                format!("could not save the new snapshot: {e}; nothing was changed"),
            )
        })?;
        log.persisted(numbered);
        crash_point("after-library-commit");
        // sled has written the batch and freed its write buffers (40 MB
        // on a first import of 100,000 tracks): return them before the
        // index grows.
        crate::memory::release();
        // 3. The index follows the store.
        self.apply_to_index(&diff);
        {
            let mut st = self.status.lock();
            st.snapshot = Some(meta);
            st.last_error = None;
            st.progress = None;
            st.last_sync_ms = Some(clock::now_ms());
            if dropped.count > 0 {
                tracing::warn!(
                    values = dropped.count,
                    first = dropped.first.as_deref().unwrap_or_default(),
                    "the library loaded without values that could not be used"
                );
            }
            st.dropped = dropped;
        }
        // 4. Invalidate what the change made stale, durably; log the notices.
        let notices = self.invalidator.after_library_change(log.frames(), self);
        if !notices.is_empty() {
            let numbered = log.number(notices);
            match log_events(&self.store, &numbered) {
                Ok(()) => log.persisted(numbered),
                Err(e) => {
                    tracing::warn!(error = %e, "could not log the invalidation notices; the entries are gone all the same");
                }
            }
        }
        // 5. Publish.
        let frames = log.publish();
        let seq = frames.last().map_or(self.hub.current_seq(), |f| f.seq);
        Ok(if fresh {
            SyncOutcome::Imported {
                tracks: diff.total as u64,
                seq,
            }
        } else if frames.is_empty() {
            SyncOutcome::Unchanged
        } else {
            SyncOutcome::Synced {
                added,
                removed,
                modified,
                seq,
            }
        })
    }

    /// The events a diff means: an import, or one event per changed track
    /// (a file change alone is a `FingerprintChanged`) and a
    /// `LibrarySynced`; nothing when only plays and ratings changed.
    fn describe(&self, diff: &Diff, fresh: bool) -> Result<Vec<Event>, LibraryErrorInfo> {
        let (added, modified, removed) = diff.counts();
        if fresh {
            return Ok(vec![
                Event::LibraryImported {
                    tracks: diff.total as u64,
                },
                synced(added, 0, 0),
            ]);
        }
        if (added, modified, removed) == (0, 0, 0) && diff.files_changed() == 0 {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        let old = |id: &str| -> Result<Track, LibraryErrorInfo> {
            match self.store.get_track(id) {
                Ok(Some(t)) => Ok(t),
                // Index and store disagree: treat the old track as just its id.
                Ok(None) => Ok(Track::with_id(id)),
                Err(e) => Err(error_info(
                    "unreadable",
                    format!("cannot read the stored snapshot: {e}"),
                )),
            }
        };
        for u in &diff.upserts {
            let Some(new) = decode_track(&u.encoded.0) else {
                continue;
            };
            match u.kind {
                UpsertKind::Added => out.push(Event::TrackAdded {
                    track: Box::new(new),
                }),
                UpsertKind::Modified => {
                    let changes = field_changes(&old(&u.id)?, &new);
                    out.push(Event::TrackModified {
                        track: Box::new(new),
                        changes,
                    });
                }
                UpsertKind::FileChanged => {
                    let changes = file_changes(&old(&u.id)?, &new);
                    out.push(Event::FingerprintChanged {
                        track: Box::new(new),
                        changes,
                    });
                }
                UpsertKind::Refreshed => {}
            }
        }
        for id in &diff.removed {
            out.push(Event::TrackRemoved {
                track: Box::new(old(id)?),
            });
        }
        out.push(synced(added, removed, modified));
        // Every event can be sent on its own, whatever the library holds.
        Ok(out.into_iter().map(crate::event_bound::bounded).collect())
    }

    fn apply_to_index(&self, diff: &Diff) {
        let mut index = self.index.write();
        for u in &diff.upserts {
            let e = index.intern(&u.staged);
            index.insert(&u.id, e);
        }
        for id in &diff.removed {
            index.remove(id);
        }
    }
}

/// The store batch of a commit. The events are built, so the encoded
/// tracks move into the batch rather than being copied (25 MB on a first
/// import of 100,000 tracks).
fn snapshot_batch(diff: &mut Diff, meta: SnapshotMeta, numbered: &Numbered) -> SyncBatch {
    SyncBatch {
        upserts: diff
            .upserts
            .iter_mut()
            .map(|u| (u.id.clone(), std::mem::take(&mut u.encoded)))
            .collect(),
        removes: diff.removed.clone(),
        snapshot: Some(meta),
        events: numbered.frames.clone(),
        trim_below: numbered.trim_below,
        log: log_meta(numbered.position),
    }
}

/// Persists events that change nothing else (invalidation notices).
pub fn log_events(store: &Store, numbered: &Numbered) -> Result<(), StoreError> {
    store.commit_sync(SyncBatch {
        events: numbered.frames.clone(),
        trim_below: numbered.trim_below,
        log: log_meta(numbered.position),
        ..SyncBatch::default()
    })
}

fn log_meta(p: LogPosition) -> LogMeta {
    LogMeta {
        seq: p.seq,
        oldest_seq: p.oldest_seq,
    }
}

/// For crash tests: the process dies here, as under `kill -9`, when
/// `TRACKCACHE_CRASH_AT` names this point. Debug builds only.
fn crash_point(name: &str) {
    if cfg!(debug_assertions) && std::env::var("TRACKCACHE_CRASH_AT").is_ok_and(|v| v == name) {
        tracing::warn!(point = name, "TRACKCACHE_CRASH_AT: dying here");
        std::process::abort();
    }
}

fn synced(added: u64, removed: u64, modified: u64) -> Event {
    Event::LibrarySynced {
        added,
        removed,
        modified,
        seq: 0,
    }
}

impl LibraryService {
    /// At start-up: events committed before a crash whose invalidations
    /// were not yet durable (those after the watermark) are planned and
    /// applied again, before any client is served.
    pub fn catch_up(&self) -> Result<(), StoreError> {
        let done = self.store.watermark().seq;
        let current = self.hub.current_seq();
        if done >= current {
            return Ok(());
        }
        let frames = self
            .store
            .events_after(done, usize::try_from(current - done).unwrap_or(usize::MAX))?;
        if frames.first().is_none_or(|f| f.seq > done + 1) {
            tracing::warn!(
                from = done + 1,
                to = current,
                "some events to invalidate for are no longer in the log; album years are checked \
                 against their album fingerprints"
            );
        }
        tracing::info!(
            events = frames.len(),
            "applying the invalidations a crash interrupted"
        );
        let mut log = self.hub.begin();
        let notices = self.invalidator.after_library_change(&frames, self);
        if !notices.is_empty() {
            let numbered = log.number(notices);
            log_events(&self.store, &numbered)?;
            log.persisted(numbered);
        }
        log.publish();
        Ok(())
    }
}
