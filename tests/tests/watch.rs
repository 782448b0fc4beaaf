//! End-to-end: changes reach the daemon through notify, not the 30 s poll,
//! when the library path is a symlink and when the directory holding it is
//! replaced (issue 14, defect 4). The poll is set to 10 minutes, so only
//! the watch can see these changes within the deadline.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::Path;

use trackcache_tests::scenario::{library, write_library, LibraryEnv, WriteMode};

/// Writes a library of `tracks` tracks to `path`.
fn write_at(path: &Path, tracks: usize, how: WriteMode) {
    write_library(path, &library(tracks, 3), how);
}

#[test]
fn a_symlinked_library_is_watched_through_the_link() {
    let lib = LibraryEnv::new(&library(10, 3), "");
    // The real file lives elsewhere; the configured path is a link to it.
    let real_dir = lib.env.dir.path().join("real");
    std::fs::create_dir_all(&real_dir).unwrap();
    let real = real_dir.join("Library.xml");
    std::fs::rename(&lib.path, &real).unwrap();
    std::os::unix::fs::symlink("../real/Library.xml", &lib.path).unwrap();
    let _d = lib.start(10);
    // Replaced by rename in the target's directory, then written in place.
    write_at(&real, 11, WriteMode::AtomicRename);
    lib.wait_tracks(11);
    write_at(&real, 12, WriteMode::InPlace);
    lib.wait_tracks(12);
    // The link re-pointed at another file: that file is read, and then
    // watched in turn.
    let other = real_dir.join("Other.xml");
    write_at(&other, 13, WriteMode::AtomicRename);
    let tmp = lib.path.with_extension("link.tmp");
    std::os::unix::fs::symlink("../real/Other.xml", &tmp).unwrap();
    std::fs::rename(&tmp, &lib.path).unwrap();
    lib.wait_tracks(13);
    write_at(&other, 14, WriteMode::InPlace);
    lib.wait_tracks(14);
}

#[test]
fn a_replaced_directory_is_watched_again() {
    let lib = LibraryEnv::new(&library(10, 3), "");
    let _d = lib.start(10);
    let dir = lib.path.parent().unwrap().to_path_buf();
    // A new directory with a new library moved into the place of the old one.
    let fresh = dir.with_extension("new");
    std::fs::create_dir_all(&fresh).unwrap();
    write_at(&fresh.join("Library.xml"), 11, WriteMode::AtomicRename);
    std::fs::rename(&dir, dir.with_extension("old")).unwrap();
    std::fs::rename(&fresh, &dir).unwrap();
    lib.wait_tracks(11);
    // The new directory is watched: a later change in it is seen too.
    lib.write(&library(12, 3), WriteMode::InPlace);
    lib.wait_tracks(12);
    // Removed, then made again later with a library in it.
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::create_dir(&dir).unwrap();
    lib.write(&library(13, 3), WriteMode::AtomicRename);
    lib.wait_tracks(13);
    lib.write(&library(14, 3), WriteMode::AtomicRename);
    lib.wait_tracks(14);
}
