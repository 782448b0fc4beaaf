//! Opening a data dir that may be damaged, without ever refusing to start
//! because of it: a database sled cannot open is moved aside (kept, never
//! deleted) and a new one started; a damaged snapshot file or journal
//! costs the records it damaged, not the ones around them. Everything lost
//! is logged at WARN and kept in `Health` for `status`, so a service
//! manager never restart-loops on a broken store and the user learns what
//! happened.

use std::path::{Path, PathBuf};

use super::journal::{Decoded, Op};
use super::{cache_file, map_err, StoreError};

/// A database moved aside at start-up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recovery {
    /// Where the damaged database now is.
    pub moved_to: PathBuf,
    /// What sled said about it.
    pub reason: String,
    /// When, Unix ms.
    pub at_ms: u64,
}

/// What start-up found wrong with the store, and what is refused now.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Health {
    /// The database was damaged and started afresh.
    pub recovered: Option<Recovery>,
    /// Journal bytes skipped as damaged (records lost) at start-up.
    pub journal_damaged_bytes: u64,
    /// The cache snapshot was damaged or incomplete: what was done.
    pub snapshot_damage: Option<String>,
    /// Why durable writes are refused now, if they are.
    pub degraded: Option<String>,
}

/// Opens the sled database at `path`; a damaged one is moved aside and a
/// fresh one opened in its place, recorded in `health`.
pub(super) fn open_db(
    path: &Path,
    cache_bytes: u64,
    health: &mut Health,
) -> Result<sled::Db, StoreError> {
    let reason = match try_open(path, cache_bytes) {
        Opened::Db(db) => return Ok(db),
        Opened::Failed(e) => return Err(e),
        Opened::Damaged(reason) => reason,
    };
    let moved_to = aside(path);
    std::fs::rename(path, &moved_to).map_err(|e| {
        StoreError::Io(format!(
            "the database in {} is damaged ({reason}) and could not be moved aside: {e}",
            path.display()
        ))
    })?;
    tracing::warn!(
        damaged = %moved_to.display(),
        %reason,
        "the database was damaged: moved aside (kept for inspection); starting a new one. \
         The library is read again; the caches come from their own snapshot and journal"
    );
    health.recovered = Some(Recovery {
        moved_to,
        reason,
        at_ms: crate::clock::now_ms(),
    });
    match try_open(path, cache_bytes) {
        Opened::Db(db) => Ok(db),
        Opened::Failed(e) => Err(e),
        Opened::Damaged(reason) => Err(StoreError::Corrupt {
            path: path.to_path_buf(),
            detail: format!("even a new database could not be opened: {reason}"),
        }),
    }
}

/// What an attempt to open the database ended with.
enum Opened {
    Db(sled::Db),
    /// sled found the database damaged: what it said.
    Damaged(String),
    /// Anything else (held by another process, an I/O error): not damage.
    Failed(StoreError),
}

fn try_open(path: &Path, cache_bytes: u64) -> Opened {
    // sled panics on some damage instead of returning an error.
    let opened = std::panic::catch_unwind(|| {
        sled::Config::new()
            .path(path)
            .cache_capacity(cache_bytes)
            .open()
    });
    match opened {
        Ok(Ok(db)) => Opened::Db(db),
        Ok(Err(sled::Error::Io(io)))
            if io.kind() == std::io::ErrorKind::WouldBlock || io.to_string().contains("lock") =>
        {
            Opened::Failed(StoreError::Locked {
                path: path.to_path_buf(),
            })
        }
        Ok(Err(sled::Error::Io(io))) if io.kind() != std::io::ErrorKind::InvalidData => {
            Opened::Failed(map_err(path, sled::Error::Io(io)))
        }
        Ok(Err(e)) => Opened::Damaged(e.to_string()),
        Err(panic) => Opened::Damaged(
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "sled panicked while opening it".into()),
        ),
    }
}

/// A free name beside `path` for its damaged copy.
fn aside(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".damaged-{}", crate::clock::now_ms()));
    PathBuf::from(name)
}

/// The cache snapshot file's records, if there is one; damage is noted in
/// `health` and the damaged file kept aside (the next compaction writes a
/// whole one).
pub(super) fn read_cache_file(dir: &Path, health: &mut Health) -> Option<Vec<Op>> {
    let loaded = match cache_file::read(dir) {
        Ok(found) => found?,
        Err(e) => {
            let msg = format!(
                "the cache snapshot could not be read ({e}); caches restart from the journal alone"
            );
            tracing::warn!("{msg}");
            health.snapshot_damage = Some(msg);
            return None;
        }
    };
    if !loaded.complete || loaded.damaged_bytes > 0 {
        let kept = cache_file::quarantine(dir)
            .map(|p| format!("kept as {}", p.display()))
            .unwrap_or_else(|e| format!("could not be kept aside: {e}"));
        let msg = format!(
            "the cache snapshot was damaged: {} bytes skipped{}; {} records kept, {kept}",
            loaded.damaged_bytes,
            if loaded.complete { "" } else { ", end missing" },
            loaded.ops.len(),
        );
        tracing::warn!("{msg}");
        health.snapshot_damage = Some(msg);
    }
    Some(loaded.ops)
}

/// Logs what the journal replay found; damage (records lost in the middle)
/// is a WARN and counted, a torn tail (a write cut short, never
/// acknowledged) is not a loss.
pub(super) fn note_journal(found: &Decoded, dir: &Path, health: &mut Health) {
    if found.damaged > 0 {
        tracing::warn!(
            damaged_bytes = found.damaged,
            regions = found.damaged_regions,
            journal = %dir.display(),
            "the journal was damaged: the records in those bytes are lost; every intact record \
             before and after them was replayed"
        );
        health.journal_damaged_bytes += found.damaged as u64;
    }
    if !found.ops.is_empty() || found.torn > 0 {
        tracing::info!(
            records = found.ops.len(),
            torn_bytes = found.torn,
            journal = %dir.display(),
            "replaying the journal"
        );
    }
}

/// Bytes under `dir`, not counting damaged copies kept aside.
pub(super) fn dir_size(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .filter(|e| !e.file_name().to_string_lossy().contains(".damaged-"))
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}
