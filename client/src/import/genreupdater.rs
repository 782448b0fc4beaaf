//! GenreUpdater's caches: `album_years.csv` (album years) and `cache.json`
//! (API answers), read from one directory into an [`ImportPlan`]. Either file
//! may be missing; both missing is an error. The readers live in
//! `album_years` and `cache_json`.

mod album_years;
mod cache_json;

use std::io::ErrorKind;
use std::path::Path;

use super::{ImportError, ImportPlan, SourceFile};

/// GenreUpdater's album-year cache file name.
pub const ALBUM_YEARS_FILE: &str = "album_years.csv";
/// GenreUpdater's API-answer cache file name.
pub const CACHE_FILE: &str = "cache.json";
/// Source recorded for album years from files without a `source` column.
pub const DEFAULT_SOURCE: &str = "genreupdater";
/// The error stored for a cached lookup that found no year: GenreUpdater
/// does not say why, so this says where it came from.
pub const NO_YEAR_ERROR: &str = "imported from GenreUpdater: the lookup found no year";

/// Reads `dir/album_years.csv` and `dir/cache.json` into requests for the
/// daemon. Entries that cannot be imported are in `skipped` with a reason;
/// only a missing directory, no file at all, or a file that is not CSV/JSON
/// at all is an error.
pub fn plan(dir: &Path) -> Result<ImportPlan, ImportError> {
    let expected = || vec![ALBUM_YEARS_FILE.to_owned(), CACHE_FILE.to_owned()];
    if !dir.is_dir() {
        return Err(ImportError::NotADirectory {
            dir: dir.to_owned(),
            expected: expected(),
        });
    }
    let mut plan = ImportPlan::default();

    let path = dir.join(ALBUM_YEARS_FILE);
    let csv = read(&path)?;
    let found = csv.is_some();
    let records = match csv {
        Some(bytes) => album_years::read(&bytes, &path, &mut plan)?,
        None => 0,
    };
    plan.files
        .push(source_file(ALBUM_YEARS_FILE, &path, found, records));

    let path = dir.join(CACHE_FILE);
    let json = read(&path)?;
    let found = json.is_some();
    let records = match json {
        Some(bytes) => cache_json::read(&bytes, &path, &mut plan)?,
        None => 0,
    };
    plan.files
        .push(source_file(CACHE_FILE, &path, found, records));

    if plan.files.iter().all(|f| !f.found) {
        return Err(ImportError::NothingToImport {
            dir: dir.to_owned(),
            expected: expected(),
        });
    }
    Ok(plan)
}

/// A whole file (both are small enough: GenreUpdater holds them in memory
/// too); `None` when it is not there, which is not an error because either
/// file may be missing.
fn read(path: &Path) -> Result<Option<Vec<u8>>, ImportError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(source) => Err(ImportError::Read {
            path: path.to_owned(),
            source,
        }),
    }
}

fn source_file(name: &str, path: &Path, found: bool, records: usize) -> SourceFile {
    SourceFile {
        name: name.to_owned(),
        path: path.to_owned(),
        found,
        records,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_file_missing_imports_the_other() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(ALBUM_YEARS_FILE),
            "artist,album,year,timestamp\nA,B,1999,1705314600\n",
        )
        .unwrap();
        let p = plan(dir.path()).unwrap();
        assert_eq!(p.album_years.len(), 1);
        assert!(p.api.is_empty());
        let found: Vec<_> = p
            .files
            .iter()
            .map(|f| (f.name.as_str(), f.found, f.records))
            .collect();
        assert_eq!(found, [(ALBUM_YEARS_FILE, true, 1), (CACHE_FILE, false, 0)]);

        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(CACHE_FILE),
            r#"{"k": {"artist": "A", "album": "B", "year": 1999, "source": "discogs"}}"#,
        )
        .unwrap();
        let p = plan(dir.path()).unwrap();
        assert_eq!((p.album_years.len(), p.api.len()), (0, 1));
        assert_eq!((p.files[0].found, p.files[1].found), (false, true));
    }

    #[test]
    fn both_files_missing_is_an_error_naming_the_dir_and_files() {
        let dir = tempfile::tempdir().unwrap();
        let e = plan(dir.path()).unwrap_err();
        assert!(matches!(e, ImportError::NothingToImport { .. }), "{e:?}");
        let msg = e.to_string();
        assert!(msg.contains(&*dir.path().to_string_lossy()), "{msg}");
        assert!(
            msg.contains(ALBUM_YEARS_FILE) && msg.contains(CACHE_FILE),
            "{msg}"
        );
    }

    #[test]
    fn a_missing_directory_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("nope");
        let msg = plan(&gone).unwrap_err().to_string();
        assert!(
            msg.contains("nope") && msg.contains("is not a directory"),
            "{msg}"
        );
        assert!(msg.contains(ALBUM_YEARS_FILE), "{msg}");
    }
}
