//! The only module that names `notify`. It watches the library file's parent
//! directory (apps replace the file by renaming a new one over it, which a
//! watch on the file itself would lose), keeps only events about the library
//! path, and turns them into `Trigger::Changed`. For the `command` format the
//! watched path may be a directory (Music.app's `.musiclibrary` bundle),
//! watched recursively.
//!
//! If the watch cannot be set up (the directory does not exist yet), the
//! ingest task's slow poll still notices changes and retries the watch.

use std::path::{Path, PathBuf};

use notify::event::{AccessKind, AccessMode, EventKind, ModifyKind, RenameMode};
use notify::{RecommendedWatcher, RecursiveMode, Watcher as _};
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::oneshot;
use trackcache_protocol::SyncReport;

use crate::config::LibrarySource;

/// A reason to re-read.
#[derive(Debug)]
pub enum Trigger {
    /// The file system reported a change (settle first). `complete`: a file
    /// was renamed onto the path, so it is whole already.
    Changed {
        /// The change delivered a complete file.
        complete: bool,
    },
    /// Re-read now; send the report to the waiter if any.
    Rescan(Option<oneshot::Sender<SyncReport>>),
}

/// A live (or not yet established) watch.
pub struct Watcher {
    target: PathBuf,
    recursive_dir: bool,
    tx: UnboundedSender<Trigger>,
    inner: Option<RecommendedWatcher>,
}

/// Whether an event kind can mean the library's content changed. Our own
/// reads produce access events, which must not trigger another read.
pub fn is_change(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        EventKind::Modify(ModifyKind::Metadata(_)) => false,
        EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_) | EventKind::Any => true,
        EventKind::Other => false,
    }
}

/// Whether the event delivers a complete file: something was renamed onto
/// the path (how Music.app and careful exporters replace a library).
pub fn delivers_complete_file(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::Modify(ModifyKind::Name(RenameMode::To | RenameMode::Both))
    )
}

/// Whether `event_path` is about `target` (or inside it, for a directory target).
pub fn concerns(event_path: &Path, target: &Path, recursive_dir: bool) -> bool {
    event_path == target || (recursive_dir && event_path.starts_with(target))
}

impl Watcher {
    /// Starts watching; failures are logged and retried by `retry_if_needed`.
    pub fn start(path: &Path, format: &LibrarySource, tx: UnboundedSender<Trigger>) -> Self {
        let recursive_dir = matches!(format, LibrarySource::Command { .. }) && path.is_dir();
        let mut w = Self {
            target: path.to_path_buf(),
            recursive_dir,
            tx,
            inner: None,
        };
        w.retry_if_needed();
        w
    }

    /// Sets the watch up if it is not yet.
    pub fn retry_if_needed(&mut self) {
        if self.inner.is_some() {
            return;
        }
        match self.establish() {
            Ok(w) => {
                tracing::debug!(path = %self.target.display(), "watching the library");
                self.inner = Some(w);
            }
            Err(e) => tracing::warn!(
                path = %self.target.display(),
                error = %e,
                "cannot watch the library yet; polling until it can"
            ),
        }
    }

    fn establish(&self) -> notify::Result<RecommendedWatcher> {
        let target = self.target.clone();
        let recursive = self.recursive_dir;
        let tx = self.tx.clone();
        let mut w =
            notify::recommended_watcher(move |res: notify::Result<notify::Event>| match res {
                Ok(ev)
                    if is_change(&ev.kind)
                        && ev.paths.iter().any(|p| concerns(p, &target, recursive)) =>
                {
                    let complete = !recursive && delivers_complete_file(&ev.kind);
                    let _ = tx.send(Trigger::Changed { complete });
                }
                Ok(_) => {}
                // Overflowed queues and the like: re-read to be safe.
                Err(_) => {
                    let _ = tx.send(Trigger::Changed { complete: false });
                }
            })?;
        if self.recursive_dir {
            w.watch(&self.target, RecursiveMode::Recursive)?;
        } else {
            let parent = match self.target.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            };
            w.watch(&parent, RecursiveMode::NonRecursive)?;
        }
        Ok(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{CreateKind, DataChange, MetadataKind, RemoveKind, RenameMode};

    #[test]
    fn only_content_changes_count() {
        assert!(is_change(&EventKind::Create(CreateKind::File)));
        assert!(is_change(&EventKind::Modify(ModifyKind::Data(
            DataChange::Any
        ))));
        assert!(is_change(&EventKind::Modify(ModifyKind::Name(
            RenameMode::To
        ))));
        assert!(is_change(&EventKind::Remove(RemoveKind::File)));
        assert!(is_change(&EventKind::Access(AccessKind::Close(
            AccessMode::Write
        ))));
        assert!(!is_change(&EventKind::Access(AccessKind::Close(
            AccessMode::Read
        ))));
        assert!(!is_change(&EventKind::Access(AccessKind::Open(
            AccessMode::Any
        ))));
        assert!(!is_change(&EventKind::Modify(ModifyKind::Metadata(
            MetadataKind::AccessTime
        ))));
    }

    #[test]
    fn renames_deliver_complete_files_writes_do_not() {
        assert!(delivers_complete_file(&EventKind::Modify(
            ModifyKind::Name(RenameMode::To)
        )));
        assert!(delivers_complete_file(&EventKind::Modify(
            ModifyKind::Name(RenameMode::Both)
        )));
        assert!(!delivers_complete_file(&EventKind::Modify(
            ModifyKind::Name(RenameMode::From)
        )));
        assert!(!delivers_complete_file(&EventKind::Modify(
            ModifyKind::Data(DataChange::Any)
        )));
        assert!(!delivers_complete_file(&EventKind::Create(
            CreateKind::File
        )));
    }

    #[test]
    fn only_the_library_path_counts() {
        let lib = Path::new("/m/Library.xml");
        assert!(concerns(Path::new("/m/Library.xml"), lib, false));
        assert!(!concerns(Path::new("/m/Library.xml.tmp"), lib, false));
        assert!(!concerns(Path::new("/m/other.xml"), lib, false));
        let bundle = Path::new("/m/Music Library.musiclibrary");
        assert!(concerns(
            Path::new("/m/Music Library.musiclibrary/Library.musicdb"),
            bundle,
            true
        ));
        assert!(!concerns(
            Path::new("/m/Music Library.musiclibrary/x"),
            bundle,
            false
        ));
    }
}
