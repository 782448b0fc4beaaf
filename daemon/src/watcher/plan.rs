//! What to watch for one library path, and what an event means: the pure
//! part of the watcher, apart from the file-system reads that make a plan.
//!
//! A library path may be a symlink (or a chain of them) to the file the
//! exporter actually writes, and the directory holding it may be replaced
//! whole (moved away and a new one made, as a sync tool or a restore
//! does). Watching only the path's own directory loses both: the writes
//! happen in the target's directory, and a watch follows the old directory
//! inode. So a plan watches, for the path and for every link target in its
//! chain, the directory holding it and that directory's parent; and it
//! names the *pivots*, the paths whose own creation, removal or renaming
//! changes what must be watched (the links, and the directories holding the
//! files). An event on a pivot means: make the plan again, and re-read.

use std::path::{Path, PathBuf};

use notify::event::{AccessKind, AccessMode, EventKind, ModifyKind, RenameMode};

/// Symlinks followed at most in a chain (the kernel's own limit is 40).
const MAX_LINKS: usize = 16;

/// What to watch for a library path, as the file system is now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Paths whose events mean the library may have changed: the path, and
    /// each symlink target in its chain.
    pub files: Vec<PathBuf>,
    /// A directory watched recursively, whose events all count (the
    /// `command` format's bundle).
    pub tree: Option<PathBuf>,
    /// Directories to watch (not recursively), each with its identity
    /// (device, inode) when it exists, so that a replaced one is noticed.
    pub dirs: Vec<(PathBuf, Option<(u64, u64)>)>,
    /// Paths whose creation, removal or renaming changes the plan.
    pub pivots: Vec<PathBuf>,
}

/// What the file system can tell a plan about a path.
pub trait Fs {
    /// The target of the symlink at `path`, as written in the link.
    fn read_link(&self, path: &Path) -> Option<PathBuf>;
    /// Device and inode of the directory at `path`, following symlinks.
    fn dir_id(&self, path: &Path) -> Option<(u64, u64)>;
}

impl Plan {
    /// The plan for `target`; with `tree`, `target` is a directory whose
    /// whole content counts.
    pub fn make(target: &Path, tree: bool, fs: &dyn Fs) -> Self {
        let mut files = vec![target.to_path_buf()];
        let mut pivots = Vec::new();
        if !tree {
            let mut at = target.to_path_buf();
            while let Some(link) = fs.read_link(&at) {
                if files.len() > MAX_LINKS {
                    break;
                }
                pivots.push(at.clone());
                // A relative target is relative to the link's directory.
                at = parent(&at).join(link);
                files.push(at.clone());
            }
        }
        let mut dirs: Vec<PathBuf> = Vec::new();
        for file in &files {
            let holder = parent(file);
            let above = parent(&holder);
            pivots.push(holder.clone());
            for dir in [holder, above] {
                if !dirs.contains(&dir) {
                    dirs.push(dir);
                }
            }
        }
        if tree {
            pivots.push(target.to_path_buf());
        }
        Self {
            tree: tree.then(|| target.to_path_buf()),
            dirs: dirs
                .into_iter()
                .map(|d| {
                    let id = fs.dir_id(&d);
                    (d, id)
                })
                .collect(),
            files,
            pivots,
        }
    }

    /// What `kind` on `paths` means for this plan.
    pub fn classify(&self, kind: &EventKind, paths: &[PathBuf]) -> Action {
        if !is_change(kind) {
            return Action::Ignore;
        }
        if paths.iter().any(|p| self.pivots.contains(p)) {
            return Action::Replan;
        }
        let in_tree = |p: &Path| self.tree.as_deref().is_some_and(|t| p.starts_with(t));
        if paths.iter().any(|p| self.files.contains(p) || in_tree(p)) {
            return Action::Changed {
                complete: self.tree.is_none() && delivers_complete_file(kind),
            };
        }
        Action::Ignore
    }
}

/// What an event means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Nothing about the library.
    Ignore,
    /// The library may have changed; `complete` when a file was renamed
    /// onto it, which is whole already.
    Changed {
        /// The change delivered a complete file.
        complete: bool,
    },
    /// What must be watched may have changed: make the plan again, and
    /// re-read (the library may be a different file now).
    Replan,
}

/// The directory holding `path` (`.` for a bare name).
fn parent(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
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

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use notify::event::{CreateKind, DataChange, MetadataKind, RemoveKind};

    use super::*;

    /// A file system of symlinks and existing directories.
    #[derive(Default)]
    struct FakeFs {
        links: HashMap<PathBuf, PathBuf>,
        dirs: HashMap<PathBuf, (u64, u64)>,
    }

    impl Fs for FakeFs {
        fn read_link(&self, path: &Path) -> Option<PathBuf> {
            self.links.get(path).cloned()
        }
        fn dir_id(&self, path: &Path) -> Option<(u64, u64)> {
            self.dirs.get(path).copied()
        }
    }

    fn p(s: &str) -> PathBuf {
        PathBuf::from(s)
    }

    fn dirs(plan: &Plan) -> Vec<&str> {
        plan.dirs.iter().map(|(d, _)| d.to_str().unwrap()).collect()
    }

    const WRITE: EventKind = EventKind::Modify(ModifyKind::Data(DataChange::Any));

    #[test]
    fn a_plain_file_watches_its_directory_and_the_one_above() {
        let fs = FakeFs::default();
        let plan = Plan::make(Path::new("/m/L.xml"), false, &fs);
        assert_eq!(plan.files, [p("/m/L.xml")]);
        assert_eq!(dirs(&plan), ["/m", "/"]);
        assert_eq!(plan.pivots, [p("/m")]);
        assert_eq!(
            plan.classify(&WRITE, &[p("/m/L.xml")]),
            Action::Changed { complete: false }
        );
        let renamed = EventKind::Modify(ModifyKind::Name(RenameMode::To));
        assert_eq!(
            plan.classify(&renamed, &[p("/m/L.xml")]),
            Action::Changed { complete: true }
        );
        assert_eq!(plan.classify(&WRITE, &[p("/m/L.xml.tmp")]), Action::Ignore);
        // The directory itself moved away or made anew (seen from above).
        let made = EventKind::Create(CreateKind::Folder);
        assert_eq!(plan.classify(&made, &[p("/m")]), Action::Replan);
        assert_eq!(plan.classify(&made, &[p("/other")]), Action::Ignore);
    }

    #[test]
    fn a_symlink_watches_its_target_too_and_is_a_pivot() {
        let mut fs = FakeFs::default();
        fs.links.insert(p("/m/L.xml"), p("../real/L.xml"));
        fs.links.insert(p("/m/../real/L.xml"), p("/abs/L.xml"));
        fs.dirs.insert(p("/m"), (1, 10));
        let plan = Plan::make(Path::new("/m/L.xml"), false, &fs);
        assert_eq!(
            plan.files,
            [p("/m/L.xml"), p("/m/../real/L.xml"), p("/abs/L.xml")]
        );
        assert_eq!(dirs(&plan), ["/m", "/", "/m/../real", "/m/..", "/abs"]);
        assert_eq!(plan.dirs[0].1, Some((1, 10)));
        assert_eq!(plan.dirs[1].1, None);
        // A write to the file at the end of the chain counts.
        assert_eq!(
            plan.classify(&WRITE, &[p("/abs/L.xml")]),
            Action::Changed { complete: false }
        );
        // Re-pointing a link changes what is watched.
        let gone = EventKind::Remove(RemoveKind::File);
        assert_eq!(plan.classify(&gone, &[p("/m/L.xml")]), Action::Replan);
        assert_eq!(
            plan.classify(&gone, &[p("/m/../real/L.xml")]),
            Action::Replan
        );
    }

    #[test]
    fn a_link_loop_ends() {
        let mut fs = FakeFs::default();
        fs.links.insert(p("/m/a"), p("b"));
        fs.links.insert(p("/m/b"), p("a"));
        let plan = Plan::make(Path::new("/m/a"), false, &fs);
        assert!(plan.files.len() <= MAX_LINKS + 2, "{plan:?}");
        assert_eq!(dirs(&plan), ["/m", "/"]);
    }

    #[test]
    fn a_replaced_directory_makes_another_plan() {
        let mut fs = FakeFs::default();
        fs.dirs.insert(p("/m"), (1, 10));
        let before = Plan::make(Path::new("/m/L.xml"), false, &fs);
        fs.dirs.insert(p("/m"), (1, 11));
        assert_ne!(Plan::make(Path::new("/m/L.xml"), false, &fs), before);
        fs.dirs.insert(p("/m"), (1, 10));
        assert_eq!(Plan::make(Path::new("/m/L.xml"), false, &fs), before);
    }

    #[test]
    fn a_tree_counts_everything_inside() {
        let fs = FakeFs::default();
        let plan = Plan::make(Path::new("/m/B.bundle"), true, &fs);
        assert_eq!(plan.tree.as_deref(), Some(Path::new("/m/B.bundle")));
        assert_eq!(
            plan.classify(&WRITE, &[p("/m/B.bundle/db/x")]),
            Action::Changed { complete: false }
        );
        let renamed = EventKind::Modify(ModifyKind::Name(RenameMode::To));
        // Inside a tree a rename is one file of many: never complete.
        assert_eq!(
            plan.classify(&renamed, &[p("/m/B.bundle/x")]),
            Action::Changed { complete: false }
        );
        assert_eq!(
            plan.classify(&EventKind::Remove(RemoveKind::Folder), &[p("/m/B.bundle")]),
            Action::Replan
        );
        assert_eq!(plan.classify(&WRITE, &[p("/m/Other")]), Action::Ignore);
    }

    #[test]
    fn only_content_changes_count() {
        let plan = Plan::make(Path::new("/m/L.xml"), false, &FakeFs::default());
        let l = [p("/m/L.xml")];
        for kind in [
            EventKind::Access(AccessKind::Close(AccessMode::Read)),
            EventKind::Access(AccessKind::Open(AccessMode::Any)),
            EventKind::Modify(ModifyKind::Metadata(MetadataKind::AccessTime)),
            EventKind::Other,
        ] {
            assert_eq!(plan.classify(&kind, &l), Action::Ignore, "{kind:?}");
        }
        for kind in [
            EventKind::Create(CreateKind::File),
            EventKind::Remove(RemoveKind::File),
            EventKind::Access(AccessKind::Close(AccessMode::Write)),
            EventKind::Modify(ModifyKind::Name(RenameMode::From)),
        ] {
            assert_eq!(
                plan.classify(&kind, &l),
                Action::Changed { complete: false },
                "{kind:?}"
            );
        }
    }
}
