//! The library service: holds the snapshot index, answers track queries,
//! and runs the ingest loop (watch, settle, re-read, diff, commit, publish).
//!
//! `sync.rs` is one re-read; `commit.rs` is what follows a re-read that
//! found changes; `task.rs` decides when to re-read; `source.rs` reads
//! files and exporters.

mod commit;
mod source;
mod sync;
mod task;

pub use commit::log_events;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};
use tokio::sync::{mpsc, oneshot};
use trackcache_protocol::{
    AlbumSummary, ChangesPage, LibraryErrorInfo, LibraryStatus, SyncProgress, SyncReport, Track,
    TrackPage, TrackQuery,
};

pub use task::run;

use crate::config::LibraryConfig;
use crate::hub::Hub;
use crate::invalidation::{Invalidator, LibraryView};
use crate::keys::AlbumPair;
use crate::snapshot::{content_hash, AlbumAgg, LibraryIndex, TrackFilter};
use crate::sources::Warnings;
use crate::store::{SnapshotMeta, Store, StoreError};
use crate::watcher::Trigger;

/// Largest page of tracks or events one request returns.
pub const MAX_PAGE: u32 = 10_000;

#[derive(Default)]
struct LibState {
    snapshot: Option<SnapshotMeta>,
    last_error: Option<LibraryErrorInfo>,
    last_sync_ms: Option<u64>,
    progress: Option<(String, u64)>,
    /// What the last parse that loaded dropped (see `LibraryStatus::dropped_values`).
    dropped: Warnings,
}

/// The library service, shared by connections and the ingest task.
pub struct LibraryService {
    /// Its configuration.
    pub config: LibraryConfig,
    index: RwLock<LibraryIndex>,
    status: Mutex<LibState>,
    store: Store,
    hub: Arc<Hub>,
    invalidator: Arc<Invalidator>,
    read_bytes: AtomicU64,
    triggers: mpsc::UnboundedSender<Trigger>,
    lookups: [AtomicU64; 2],
}

impl LibraryService {
    /// Loads the persisted snapshot into the index, so that queries are
    /// answered at once; the ingest task (`run`) then re-reads the library.
    pub fn open(
        config: LibraryConfig,
        store: Store,
        hub: Arc<Hub>,
        invalidator: Arc<Invalidator>,
    ) -> Result<(Arc<Self>, mpsc::UnboundedReceiver<Trigger>), StoreError> {
        let mut snapshot = store.snapshot_meta()?;
        let generation = snapshot.as_ref().map_or(0, |m| m.generation);
        let checkpoint = store
            .index_checkpoint(generation)?
            .and_then(|b| LibraryIndex::from_dump(&b));
        let index = match checkpoint {
            Some(index) => index,
            None => {
                let (index, skipped) = Self::rebuild_index(&store)?;
                if skipped > 0 {
                    tracing::warn!(
                        skipped,
                        "stored tracks that do not decode; the next read replaces them"
                    );
                    // Forget the content hash so the next read re-parses and re-adds them.
                    if let Some(m) = snapshot.as_mut() {
                        m.content_hash = 0;
                    }
                } else if !index.is_empty() {
                    // Next start-up reads one blob instead of every track.
                    store.save_index_checkpoint(generation, &index.dump())?;
                }
                index
            }
        };
        tracing::info!(tracks = index.len(), "library snapshot loaded");
        let (tx, rx) = mpsc::unbounded_channel();
        let lib = Arc::new(Self {
            config,
            index: RwLock::new(index),
            status: Mutex::new(LibState {
                last_sync_ms: snapshot.as_ref().map(|m| m.last_sync_ms),
                snapshot,
                ..LibState::default()
            }),
            store,
            hub,
            invalidator,
            read_bytes: AtomicU64::new(0),
            triggers: tx,
            lookups: [AtomicU64::new(0), AtomicU64::new(0)],
        });
        Ok((lib, rx))
    }

    /// Builds the index from every stored track (when there is no valid checkpoint).
    fn rebuild_index(store: &Store) -> Result<(LibraryIndex, usize), StoreError> {
        let mut index = LibraryIndex::default();
        let skipped = store.for_each_track(|t| {
            let e = index.entry_for(&t, content_hash(&t));
            index.insert(&t.id, e);
        })?;
        Ok((index, skipped))
    }

    /// Saves the index checkpoint for the current snapshot generation, so
    /// the next start-up is fast (called on shutdown).
    pub fn checkpoint(&self) -> Result<(), StoreError> {
        let dump = self.index.read().dump();
        self.store.save_index_checkpoint(self.generation(), &dump)
    }

    /// The snapshot's generation (0 before the first commit).
    fn generation(&self) -> u64 {
        self.status
            .lock()
            .snapshot
            .as_ref()
            .map_or(0, |m| m.generation)
    }

    fn set_progress(&self, phase: &str, done: u64, total: u64) {
        self.read_bytes.store(done, Ordering::Relaxed);
        self.status.lock().progress = Some((phase.to_owned(), total));
    }

    /// The library section of `Status`.
    pub fn status(&self) -> LibraryStatus {
        let st = self.status.lock();
        LibraryStatus {
            path: self.config.path.display().to_string(),
            format: self.config.format.name().into(),
            tracks: self.index.read().len() as u64,
            last_sync_ms: st.last_sync_ms,
            last_error: st.last_error.clone(),
            seq: self.hub.current_seq(),
            oldest_seq: self.hub.oldest_seq(),
            progress: st.progress.as_ref().map(|(phase, total)| SyncProgress {
                phase: phase.clone(),
                done: self.read_bytes.load(Ordering::Relaxed),
                total: *total,
            }),
            dropped_values: st.dropped.count,
            first_dropped: st.dropped.first.clone(),
        }
    }

    /// Tracks in the snapshot.
    pub fn track_count(&self) -> u64 {
        self.index.read().len() as u64
    }

    /// The id of the track that `name` names: its id, a Persistent ID in
    /// any case, or its library Track ID number (the id `track-<n>` of
    /// libraries without Persistent IDs). `None` when no track has it.
    pub fn resolve_id(&self, name: &str) -> Option<String> {
        let name = name.trim();
        let index = self.index.read();
        let upper = name.to_ascii_uppercase();
        let numbered = name.parse::<u64>().ok().map(|n| format!("track-{n}"));
        [Some(name.to_owned()), Some(upper), numbered]
            .into_iter()
            .flatten()
            .find(|id| index.get(id).is_some())
    }

    /// One track, named as [`Self::resolve_id`] allows.
    pub fn get_track(&self, id: &str) -> Result<Option<Track>, StoreError> {
        let t = match self.resolve_id(id) {
            None => None,
            Some(id) => self.store.get_track(&id)?,
        };
        self.lookups[usize::from(t.is_none())].fetch_add(1, Ordering::Relaxed);
        Ok(t)
    }

    /// `GetTrack` answers so far: (found, not found).
    pub fn lookups(&self) -> (u64, u64) {
        (
            self.lookups[0].load(Ordering::Relaxed),
            self.lookups[1].load(Ordering::Relaxed),
        )
    }

    /// Tracks and fingerprint of an album pair now.
    pub fn album(&self, pair: &AlbumPair) -> AlbumAgg {
        self.index.read().album(&pair.artist, &pair.album)
    }

    /// A page of tracks matching the query, in album order.
    pub fn list_tracks(&self, q: &TrackQuery) -> Result<TrackPage, StoreError> {
        let filter = TrackFilter {
            artist: q.artist.clone(),
            album_artist: q.album_artist.clone(),
            album: q.album.clone(),
            genre: q.genre.clone(),
        };
        let limit = if q.limit == 0 {
            100
        } else {
            q.limit.min(MAX_PAGE)
        } as usize;
        let (total, page): (usize, Vec<String>) = {
            let index = self.index.read();
            let ids = index.list(&filter);
            let page = ids
                .iter()
                .skip(q.offset as usize)
                .take(limit)
                .map(|s| (*s).to_owned())
                .collect();
            (ids.len(), page)
        };
        let mut tracks = Vec::with_capacity(page.len());
        for id in page {
            if let Some(t) = self.store.get_track(&id)? {
                tracks.push(t);
            }
        }
        Ok(TrackPage {
            total: total as u64,
            offset: u64::from(q.offset),
            tracks,
        })
    }

    /// Albums with track counts.
    pub fn albums(&self, artist: Option<&str>) -> Vec<AlbumSummary> {
        self.index
            .read()
            .albums(artist)
            .into_iter()
            .map(|r| AlbumSummary {
                artist: r.artist,
                album: r.album,
                tracks: r.tracks,
                year: r.year,
            })
            .collect()
    }

    /// Logged events after `since`, or a fresh-instance answer when the log
    /// no longer reaches back that far (or `since` is from another history).
    /// At most `limit` events and, past the first, at most `budget_bytes`
    /// of them encoded; `more` says whether the log goes on.
    pub fn changes(
        &self,
        since: u64,
        limit: u32,
        budget_bytes: u64,
    ) -> Result<ChangesPage, StoreError> {
        let current = self.hub.current_seq();
        let oldest = self.hub.oldest_seq();
        if since.saturating_add(1) < oldest || since > current {
            return Ok(ChangesPage {
                events: Vec::new(),
                current_seq: current,
                fresh_instance: true,
                more: false,
            });
        }
        // 0 is the documented default page (PROTOCOL.md), not one event.
        let limit = if limit == 0 {
            1000
        } else {
            limit.min(MAX_PAGE)
        } as usize;
        let mut events = self.store.events_after(since, limit)?;
        let mut used = 0;
        let fits = events
            .iter()
            .position(|e| {
                used += trackcache_protocol::codec::encoded_len(e);
                used > budget_bytes
            })
            .unwrap_or(events.len());
        events.truncate(fits.max(1));
        let more = events.last().is_some_and(|e| e.seq < current);
        Ok(ChangesPage {
            events,
            current_seq: current,
            fresh_instance: false,
            more,
        })
    }

    /// Re-reads the library now, on this thread, and returns the outcome
    /// (for embedding and benchmarks; the daemon's task uses the same path).
    pub fn sync_now(&self) -> SyncReport {
        for _ in 0..task::MAX_CHANGING_RETRIES {
            match self.sync_once() {
                Ok(sync::Attempt::Done(report)) => return report,
                Ok(sync::Attempt::Changing) => std::thread::sleep(self.config.settle),
                Err(info) => return task::failed_report(self, info),
            }
        }
        task::failed_report(
            self,
            sync::error_info(
                "changing",
                "the library kept changing while it was read".into(),
            ),
        )
    }

    /// Queues a re-read; with `wait`, the receiver gets its report.
    pub fn rescan(&self, wait: bool) -> Option<oneshot::Receiver<SyncReport>> {
        let (tx, rx) = if wait {
            let (tx, rx) = oneshot::channel();
            (Some(tx), Some(rx))
        } else {
            (None, None)
        };
        // The ingest task lives as long as the daemon; if it is gone we are
        // shutting down and the waiter simply sees its channel close.
        let _ = self.triggers.send(Trigger::Rescan(tx));
        rx
    }

    /// The hub (for subscriptions).
    pub fn hub(&self) -> &Arc<Hub> {
        &self.hub
    }

    fn record_error(&self, e: LibraryErrorInfo) {
        tracing::warn!(kind = %e.kind, "{}", e.message);
        let mut st = self.status.lock();
        st.progress = None;
        st.last_error = Some(e);
    }
}

impl LibraryView for LibraryService {
    fn pair_has_tracks(&self, pair: &AlbumPair) -> bool {
        self.album(pair).tracks > 0
    }

    fn album_fingerprint(&self, pair: &AlbumPair) -> u64 {
        self.album(pair).fingerprint
    }

    fn album_year(&self, pair: &AlbumPair) -> Option<i32> {
        self.album(pair).common_year()
    }

    fn track(&self, id: &str) -> Option<Track> {
        let id = self.resolve_id(id)?;
        self.store.get_track(&id).ok().flatten()
    }
}
