//! The persistent store: the only module that names sled.
//!
//! sled holds the library snapshot and the event log (`snapshot`, `tracks`),
//! under `<data-dir>/db`. The caches and the runs are in memory, made
//! durable by a journal (`journal`, `durable`, `sync`) and a snapshot file
//! (`cache_file`, `kv`, `runs`). The store is rebuildable: a damaged
//! database is moved aside and started afresh (`recovery`), the library is
//! then imported again, and the caches come back from their own files.

mod buckets;
mod cache_file;
mod compaction;
mod declared;
mod durable;
mod journal;
mod kv;
mod recovery;
mod runs;
mod snapshot;
mod sync;
mod tracks;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;

pub use compaction::Rotation;
pub use declared::Declaration;
pub use durable::{Epoch, WriteFailure};
pub use journal::Watermark;
pub use kv::{KvFields, KvRecord, KvSnapshot, PersistedKv};
pub use recovery::{Health, Recovery};
pub use snapshot::{LogMeta, SnapshotMeta, SyncBatch};
pub use tracks::{bucket_of, BUCKETS};

/// Schema version of the data directory's layout.
pub const SCHEMA_VERSION: u32 = 2;

/// Default bound on sled's in-memory page cache. sled's own default (1 GiB)
/// would let the cache alone exceed the daemon's memory budget; every hot
/// read path of the daemon is served from its own in-memory structures.
pub const DEFAULT_CACHE_BYTES: u64 = 32 * 1024 * 1024;

const META_TREE: &str = "meta";
const SCHEMA_KEY: &[u8] = b"schema_version";

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process holds the database.
    #[error(
        "the database in {path} is in use by another process (is another trackcached \
         running with the same --data-dir?)"
    )]
    Locked {
        /// The database directory.
        path: PathBuf,
    },
    /// The data directory was written by a newer daemon.
    #[error(
        "the data dir {path} has schema version {found}, newer than this trackcached's {SCHEMA_VERSION}; \
         upgrade trackcached or use another --data-dir"
    )]
    NewerSchema {
        /// The data dir.
        path: PathBuf,
        /// Version found on disk.
        found: u32,
    },
    /// The database is damaged.
    #[error(
        "the database in {path} is damaged ({detail}); restart trackcached: it moves the \
         damaged database aside, re-reads the library and keeps the caches"
    )]
    Corrupt {
        /// The database directory.
        path: PathBuf,
        /// What sled or the decoder said.
        detail: String,
    },
    /// The disk has no room for the write; nothing was changed.
    #[error("the disk is full: {0}")]
    Full(String),
    /// An earlier write failed, and durable writes are refused until the
    /// caches are saved whole again.
    #[error("durable writes are refused for now: {0}")]
    Degraded(String),
    /// The disk refused a read or write (full, read-only, gone).
    #[error("storage I/O failed: {0} (is the disk full or read-only?)")]
    Io(String),
}

/// Handle to the open database. Cheap to clone; the database closes when
/// the last clone is dropped (background threads hold only weak handles).
#[derive(Clone)]
pub struct Store(Arc<Inner>);

/// The open database's parts.
pub struct Inner {
    data_dir: PathBuf,
    path: PathBuf,
    db: sled::Db,
    /// Legacy: the cache snapshot of earlier versions.
    kv: sled::Tree,
    library: sled::Tree,
    /// Legacy: the runs of earlier versions.
    runs_tree: sled::Tree,
    runs: Mutex<BTreeMap<String, u64>>,
    declared: Mutex<BTreeMap<String, Declaration>>,
    syncer: sync::Syncer,
    journal: Arc<durable::Journal>,
    /// Cache records found at open (snapshot, then journal), for `load_kv`.
    replayed_kv: Mutex<Vec<journal::Op>>,
    health: Mutex<Health>,
    compaction_wanted: AtomicBool,
    compaction_notify: tokio::sync::Notify,
}

impl std::ops::Deref for Store {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl Store {
    /// Opens (creating if needed) the database under `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        Self::open_with(data_dir, DEFAULT_CACHE_BYTES)
    }

    /// Opens with a bound on sled's page cache. A database that sled finds
    /// damaged is moved aside and a new one started (`recovery`); what was
    /// lost is in `health`.
    pub fn open_with(data_dir: &Path, cache_bytes: u64) -> Result<Self, StoreError> {
        create_private_dir(data_dir).map_err(|e| {
            StoreError::Io(format!(
                "cannot create data dir {}: {e}",
                data_dir.display()
            ))
        })?;
        let path = data_dir.join("db");
        let mut health = Health::default();
        let db = recovery::open_db(&path, cache_bytes, &mut health)?;
        let meta = db.open_tree(META_TREE).map_err(|e| map_err(&path, e))?;
        let kv = db.open_tree(kv::TREE).map_err(|e| map_err(&path, e))?;
        let library = db
            .open_tree(snapshot::TREE)
            .map_err(|e| map_err(&path, e))?;
        if check_schema(&meta, data_dir)? == 1 {
            let dropped = snapshot::migrate_v1(&library).map_err(|e| map_err(&path, e))?;
            tracing::info!(
                dropped,
                "migrated the data dir from schema 1: the library will be imported again"
            );
        }
        meta.insert(SCHEMA_KEY, &SCHEMA_VERSION.to_be_bytes())
            .map_err(|e| map_err(&path, e))?;
        let runs_tree = db.open_tree(runs::TREE).map_err(|e| map_err(&path, e))?;
        let (file, found) = journal::JournalFile::open(data_dir).map_err(|e| {
            StoreError::Io(format!(
                "cannot open the journal in {}: {e}",
                data_dir.display()
            ))
        })?;
        let store = Self(Arc::new(Inner {
            data_dir: data_dir.to_path_buf(),
            path,
            db,
            kv,
            library,
            runs_tree,
            runs: Mutex::new(BTreeMap::new()),
            declared: Mutex::new(BTreeMap::new()),
            syncer: sync::Syncer::default(),
            journal: Arc::new(durable::Journal::new(file, Watermark::default())),
            replayed_kv: Mutex::new(Vec::new()),
            health: Mutex::new(health),
            compaction_wanted: AtomicBool::new(false),
            compaction_notify: tokio::sync::Notify::new(),
        }));
        store.replay(found)?;
        store.start_journal_threads();
        Ok(store)
    }

    /// Writes sled's buffers to disk and waits for the disk to confirm.
    fn flush_sled(&self) -> Result<(), StoreError> {
        self.db
            .flush()
            .map(drop)
            .map_err(|e| map_err(&self.path, e))
    }

    /// Makes everything written so far durable: pending journal records
    /// are written and synced, sled is flushed.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.write_pending()
            .map_err(|e| StoreError::Io(e.message))?;
        let unsynced = self.journal.file.lock().take_unsynced();
        if let Some(Err(e)) = unsynced.map(|f| f.sync_data()) {
            self.journal.file.lock().mark_unsynced();
            return Err(StoreError::Io(format!("cannot sync the journal: {e}")));
        }
        self.flush_sled()
    }

    /// The database directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Bytes the data directory occupies on disk (database, journal,
    /// snapshot files; not the damaged copies kept aside).
    pub fn size_on_disk(&self) -> u64 {
        recovery::dir_size(&self.data_dir)
    }

    /// What start-up found and what is refused now, for `status`.
    pub fn health(&self) -> Health {
        let mut h = self.health.lock().clone();
        h.degraded = self.degraded();
        h
    }

    /// Asks the caches' maintenance task for a compaction (the journal has
    /// grown); it waits on `compaction_requested`.
    pub(crate) fn request_compaction(&self) {
        if !self.compaction_wanted.swap(true, Ordering::AcqRel) {
            self.compaction_notify.notify_one();
        }
    }

    /// Resolves once a compaction is asked for, and clears the request.
    pub async fn compaction_requested(&self) {
        loop {
            if self.compaction_wanted.swap(false, Ordering::AcqRel) {
                return;
            }
            self.compaction_notify.notified().await;
        }
    }

    /// At open: the snapshot file (or the legacy sled snapshot), then the
    /// journal's records on top: runs and the watermark are applied here,
    /// cache records kept for `load_kv`.
    fn replay(&self, found: journal::Decoded) -> Result<(), StoreError> {
        use journal::Op;
        let mut ops = match recovery::read_cache_file(&self.data_dir, &mut self.health.lock()) {
            Some(ops) => ops,
            None => {
                let legacy = self.legacy_kv_snapshot()?;
                self.runs.lock().extend(self.legacy_runs()?);
                legacy
            }
        };
        recovery::note_journal(&found, &self.data_dir, &mut self.health.lock());
        ops.extend(found.ops);
        let mut kv = Vec::with_capacity(ops.len());
        let mut watermark = None;
        let mut runs = self.runs.lock();
        for op in ops {
            match op {
                Op::Watermark(w) => watermark = Some(w),
                Op::Insert {
                    tree: durable::TREE_RUNS,
                    key,
                    value,
                } => {
                    if let (Ok(k), Ok(v)) = (String::from_utf8(key), <[u8; 8]>::try_from(value)) {
                        runs.insert(k, u64::from_be_bytes(v));
                    }
                }
                Op::Insert {
                    tree: durable::TREE_DECLARED,
                    key,
                    value,
                } => self.replay_declaration(key, &value),
                op => kv.push(op),
            }
        }
        drop(runs);
        // A data dir from before watermarks: its invalidations were all
        // applied when they happened (none is planned again).
        let watermark = match watermark {
            Some(w) => w,
            None => Watermark {
                seq: self.stored_log_meta()?.seq,
            },
        };
        self.journal_restore_watermark(watermark);
        *self.replayed_kv.lock() = kv;
        Ok(())
    }
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// The schema version on disk (the current one for a new data dir).
fn check_schema(meta: &sled::Tree, data_dir: &Path) -> Result<u32, StoreError> {
    let found = meta.get(SCHEMA_KEY).map_err(|e| map_err(data_dir, e))?;
    match found {
        None => Ok(SCHEMA_VERSION),
        Some(bytes) => {
            let found = <[u8; 4]>::try_from(bytes.as_ref())
                .map(u32::from_be_bytes)
                .map_err(|_| StoreError::Corrupt {
                    path: data_dir.to_path_buf(),
                    detail: "schema version is not a 4-byte number".into(),
                })?;
            if found > SCHEMA_VERSION {
                return Err(StoreError::NewerSchema {
                    path: data_dir.to_path_buf(),
                    found,
                });
            }
            Ok(found)
        }
    }
}

fn map_err(path: &Path, e: sled::Error) -> StoreError {
    match e {
        sled::Error::Io(io) => StoreError::Io(io.to_string()),
        other => StoreError::Corrupt {
            path: path.to_path_buf(),
            detail: other.to_string(),
        },
    }
}

/// Opens `data_dir` again after a store on it was dropped in this process.
///
/// sled releases its file lock when its last background job lets go of the
/// database, which can be a moment after the drop; a test that reopens at
/// once saw `Locked` now and then under load. Only `Locked` is retried, for
/// at most five seconds, so every other outcome is what `open` said.
#[cfg(test)]
pub(crate) fn open_again(data_dir: &Path) -> Result<Store, StoreError> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        match Store::open(data_dir) {
            Err(StoreError::Locked { .. }) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            other => return other,
        }
    }
}

#[cfg(test)]
#[path = "mod_tests.rs"]
mod tests;
