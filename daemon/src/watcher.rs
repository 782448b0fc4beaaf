//! The only module that names `notify`. It watches the directory holding
//! the library file (apps replace the file by renaming a new one over it,
//! which a watch on the file itself would lose), keeps only events about
//! the library, and turns them into `Trigger::Changed`. For the `command`
//! format the watched path may be a directory (Music.app's
//! `.musiclibrary` bundle), watched recursively.
//!
//! The library path may be a symlink, and the directory holding it may be
//! replaced whole; [`plan`] says what to watch for both (the link targets'
//! directories, and each directory's parent) and which events change that.
//! A thread of its own owns the notify watcher: on such an event it makes
//! the plan again, watches what the new plan says, and then asks for a
//! re-read, so that a change made while it re-watched is read too.
//!
//! If nothing can be watched yet (the directory does not exist), the
//! ingest task's slow poll still notices changes, and each poll tick asks
//! the watcher to make its plan again.

mod plan;

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender};

use notify::{RecommendedWatcher, RecursiveMode, Watcher as _};
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::oneshot;
use trackcache_protocol::SyncReport;

use self::plan::{Action, Fs, Plan};
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

/// The ingest task's handle on the watching thread; the thread ends when
/// this is dropped.
pub struct Watcher {
    control: Sender<Msg>,
}

/// What the watching thread receives.
enum Msg {
    /// An event (or error) from notify.
    Event(notify::Result<notify::Event>),
    /// The poll ticked: check the plan against the file system.
    Check,
    /// The ingest task is done with the watcher.
    Stop,
}

impl Watcher {
    /// Starts watching `path` on a thread of its own; what cannot be
    /// watched yet is logged and retried on every [`Self::retry_if_needed`].
    pub fn start(path: &Path, source: &LibrarySource, tx: UnboundedSender<Trigger>) -> Self {
        let tree = matches!(source, LibrarySource::Command { .. }) && path.is_dir();
        let (control, rx) = mpsc::channel();
        let mut watching = Watching {
            target: path.to_path_buf(),
            tree,
            tx,
            events: control.clone(),
            plan: None,
            inner: None,
        };
        watching.rewatch();
        let spawned = std::thread::Builder::new()
            .name("library-watch".into())
            .spawn(move || watching.run(&rx));
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "cannot start the library watch thread; polling only");
        }
        Self { control }
    }

    /// Makes sure what is watched matches the file system now (the poll's
    /// safety net for events that were missed).
    pub fn retry_if_needed(&mut self) {
        // The thread is gone only if it could not start: then polling is all.
        let _ = self.control.send(Msg::Check);
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.control.send(Msg::Stop);
    }
}

/// The watching thread's state.
struct Watching {
    target: PathBuf,
    /// `target` is a directory whose whole content counts.
    tree: bool,
    tx: UnboundedSender<Trigger>,
    /// Where notify sends events: this thread's own channel.
    events: Sender<Msg>,
    /// What is watched now (`None` before the first plan).
    plan: Option<Plan>,
    inner: Option<RecommendedWatcher>,
}

impl Watching {
    fn run(mut self, rx: &Receiver<Msg>) {
        while let Ok(msg) = rx.recv() {
            match msg {
                Msg::Stop => return,
                Msg::Check => {
                    if self.rewatch() {
                        self.trigger(false);
                    }
                }
                // Overflowed queues and the like: re-read, and re-watch, to be safe.
                Msg::Event(Err(e)) => {
                    tracing::debug!(error = %e, "library watch error; re-reading");
                    self.rewatch();
                    self.trigger(false);
                }
                Msg::Event(Ok(ev)) => {
                    let action = match &self.plan {
                        Some(plan) => plan.classify(&ev.kind, &ev.paths),
                        None => Action::Replan,
                    };
                    match action {
                        Action::Ignore => {}
                        Action::Changed { complete } => self.trigger(complete),
                        Action::Replan => {
                            self.rewatch();
                            self.trigger(false);
                        }
                    }
                }
            }
        }
    }

    fn trigger(&self, complete: bool) {
        // The ingest task is gone only when the daemon is stopping.
        let _ = self.tx.send(Trigger::Changed { complete });
    }

    /// Makes the plan again from the file system and, when it differs from
    /// what is watched (or nothing is), watches what it says. True when
    /// something new is watched.
    fn rewatch(&mut self) -> bool {
        let plan = Plan::make(&self.target, self.tree, &RealFs);
        if self.inner.is_some() && self.plan.as_ref() == Some(&plan) {
            return false;
        }
        let events = self.events.clone();
        let watcher = notify::recommended_watcher(move |res| {
            let _ = events.send(Msg::Event(res));
        });
        let mut watcher = match watcher {
            Ok(w) => w,
            Err(e) => {
                tracing::warn!(error = %e, "cannot watch the library; polling until it can");
                self.inner = None;
                return false;
            }
        };
        let mut watched = 0;
        let tree = plan.tree.iter().map(|t| (t, RecursiveMode::Recursive));
        let dirs = plan
            .dirs
            .iter()
            .filter(|(_, id)| id.is_some())
            .map(|(d, _)| (d, RecursiveMode::NonRecursive));
        for (dir, mode) in tree.chain(dirs) {
            match watcher.watch(dir, mode) {
                Ok(()) => watched += 1,
                Err(e) => tracing::debug!(dir = %dir.display(), error = %e, "not watched"),
            }
        }
        if watched == 0 {
            tracing::warn!(
                path = %self.target.display(),
                "cannot watch the library yet; polling until it can"
            );
        } else {
            tracing::debug!(path = %self.target.display(), files = ?plan.files, "watching the library");
        }
        // With nothing watched, the next poll tick tries again.
        self.inner = (watched > 0).then_some(watcher);
        self.plan = Some(plan);
        watched > 0
    }
}

/// The real file system.
struct RealFs;

impl Fs for RealFs {
    fn read_link(&self, path: &Path) -> Option<PathBuf> {
        std::fs::read_link(path).ok()
    }

    fn dir_id(&self, path: &Path) -> Option<(u64, u64)> {
        std::fs::metadata(path)
            .ok()
            .filter(std::fs::Metadata::is_dir)
            .map(|m| (m.dev(), m.ino()))
    }
}
