//! The files of a directory, two levels deep: GenreUpdater keeps its caches
//! in `cache/` and `csv/` under its logs directory, and users point the
//! import at either that directory or `cache/` itself.

use std::path::{Path, PathBuf};

use crate::import::ImportError;

/// How deep below the directory files are looked for.
const DEPTH: usize = 2;
/// Most files looked at: a directory with more is not GenreUpdater's.
pub const MAX_FILES: usize = 5_000;

/// What a directory holds, as (name relative to it with `/` separators,
/// path) pairs sorted by name.
#[derive(Debug, Default)]
pub struct Found {
    /// Regular files to `DEPTH` levels (symbolic links followed to files,
    /// not to directories: no loops).
    pub files: Vec<(String, PathBuf)>,
    /// Directories at the last level, not looked into (listed, not ignored).
    pub deeper: Vec<(String, PathBuf)>,
    /// Sockets, FIFOs and devices: listed, never read (a FIFO would block).
    pub special: Vec<(String, PathBuf)>,
}

/// The files under `dir`.
pub fn files(dir: &Path) -> Result<Found, ImportError> {
    let mut out = Found::default();
    walk(dir, dir, 1, &mut out)?;
    out.files.sort();
    out.deeper.sort();
    out.special.sort();
    Ok(out)
}

fn name(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace(std::path::MAIN_SEPARATOR, "/")
}

fn walk(root: &Path, dir: &Path, depth: usize, out: &mut Found) -> Result<(), ImportError> {
    let read = |e| ImportError::Read {
        path: dir.to_owned(),
        source: e,
    };
    for entry in std::fs::read_dir(dir).map_err(read)? {
        let entry = entry.map_err(read)?;
        let path = entry.path();
        let kind = entry.file_type().map_err(read)?;
        if kind.is_dir() {
            if depth < DEPTH {
                walk(root, &path, depth + 1, out)?;
            } else {
                out.deeper.push((format!("{}/", name(root, &path)), path));
            }
            continue;
        }
        let regular = kind.is_file() || kind.is_symlink() && path.is_file();
        if !regular {
            if !kind.is_symlink() {
                out.special.push((name(root, &path), path));
            }
            continue;
        }
        out.files.push((name(root, &path), path));
        if out.files.len() > MAX_FILES {
            return Err(ImportError::TooManyFiles {
                dir: root.to_owned(),
                max: MAX_FILES,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_levels_sorted_with_relative_names() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        for f in [
            "cache/album_years.csv",
            "csv/cache_albums.csv",
            "a.log",
            "cache/deep/x.json",
        ] {
            std::fs::create_dir_all(p.join(f).parent().unwrap()).unwrap();
            std::fs::write(p.join(f), "x").unwrap();
        }
        let found = files(p).unwrap();
        let names: Vec<&str> = found.files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            ["a.log", "cache/album_years.csv", "csv/cache_albums.csv"]
        );
        assert_eq!(found.deeper[0].0, "cache/deep/", "listed, not looked into");
    }
}
