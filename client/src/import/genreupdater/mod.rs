//! GenreUpdater's caches, from every release: album years, API answers,
//! the generic cache and the last incremental run, read into an
//! [`ImportPlan`]. The files come from a directory (GenreUpdater's logs
//! directory or its `cache/`, two levels deep) and from explicit paths (its
//! config can move `album_years_cache_file` and `api_cache_file`). What a
//! file holds is told from its content (`sniff`), never from its name: the
//! same name held different caches in different releases. Every file found
//! is in the plan's `files`, with what was made of it.
//!
//! Files of one kind are read oldest first (by modification time), so when
//! two releases' files overlap, the newer answer is stored last.

mod album_years;
mod api_answers;
mod generic;
pub mod last_run;
mod scan;
mod sniff;

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::{Holds, ImportError, ImportPlan, Origin, SourceFile};

pub use scan::MAX_FILES;

/// Source recorded for album years from files without a `source` column.
pub const DEFAULT_SOURCE: &str = "genreupdater";
/// The error stored for a cached lookup that found no year: GenreUpdater
/// does not say why, so this says where it came from.
pub const NO_YEAR_ERROR: &str = "imported from GenreUpdater: the lookup found no year";
/// Where the generic cache goes: the namespace `trackcache.genreupdater` uses.
pub const DEFAULT_NAMESPACE: &str = "genreupdater";
/// Whose last run the last incremental run is: the client name
/// `trackcache.genreupdater` records runs under.
pub const DEFAULT_RUN_CLIENT: &str = "genreupdater";
/// Files larger than this are not read (no GenreUpdater cache comes close).
const MAX_READ: u64 = 1 << 30;

/// What to import, and where to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sources {
    /// A directory to look through.
    pub dir: Option<PathBuf>,
    /// Explicit files, each with the option that named it and what it must hold.
    pub files: Vec<(&'static str, Holds, PathBuf)>,
    /// The namespace for the generic cache.
    pub namespace: String,
    /// The client the last run is recorded for.
    pub run_client: String,
}

impl Sources {
    /// A directory, with the default namespace and run client.
    pub fn dir(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: Some(dir.into()),
            files: Vec::new(),
            namespace: DEFAULT_NAMESPACE.into(),
            run_client: DEFAULT_RUN_CLIENT.into(),
        }
    }
}

/// One file read and judged, before its entries are read.
struct Candidate {
    file: SourceFile,
    bytes: Vec<u8>,
    sniffed: sniff::Sniffed,
    mtime: SystemTime,
}

/// Reads the sources into requests for the daemon. Entries that cannot be
/// imported are in `skipped` with a reason; files that are not caches are
/// listed in `files` with what they are. Errors: the directory or an
/// explicit file cannot be read, an explicit file is not what its option
/// says, or there is no cache at all.
pub fn plan(s: &Sources) -> Result<ImportPlan, ImportError> {
    let mut candidates = Vec::new();
    for (flag, expected, path) in &s.files {
        let c = explicit(flag, path)?;
        if c.file.holds != *expected {
            return Err(ImportError::NotWhatItSays {
                flag,
                path: path.clone(),
                expected: expected.describe(),
                holds: c.file.holds.describe(),
            });
        }
        candidates.push(c);
    }
    let mut plan = ImportPlan::default();
    if let Some(dir) = &s.dir {
        if !dir.is_dir() {
            return Err(ImportError::NotADirectory { dir: dir.clone() });
        }
        let found = scan::files(dir)?;
        for (name, path) in found.files {
            if candidates.iter().any(|c| same_file(&c.file.path, &path)) {
                continue;
            }
            candidates.push(scanned(name, path));
        }
        for (name, path) in found.deeper {
            let why = "a directory more than two levels down: not looked into";
            plan.files
                .push(listed(name, path, Holds::NotUnderstood(why.into())));
        }
        for (name, path) in found.special {
            let why = "a socket, FIFO or device, not a regular file: not read";
            plan.files
                .push(listed(name, path, Holds::NotUnderstood(why.into())));
        }
    }
    if !candidates.iter().any(|c| c.file.holds.imports()) {
        return Err(ImportError::NothingToImport {
            dir: s.dir.clone(),
            found: candidates
                .iter()
                .map(|c| format!("{}: {}", c.file.name, c.file.holds.describe()))
                .collect(),
        });
    }
    candidates.sort_by(|a, b| (a.mtime, &a.file.name).cmp(&(b.mtime, &b.file.name)));
    let now_ms = now_ms();
    for c in candidates {
        let file = read(c, s, now_ms, &mut plan);
        plan.files.push(file);
    }
    plan.files.sort_by(|a, b| a.name.cmp(&b.name));
    if let Some(dir) = &s.dir {
        plan.hints = beside(dir, &plan);
    }
    Ok(plan)
}

/// GenreUpdater's cache files next to `dir` when `dir` is its `cache/`
/// directory: the last run and the first release's album years live in
/// the logs directory above it.
fn beside(dir: &Path, plan: &ImportPlan) -> Vec<String> {
    let Some(logs) = dir
        .parent()
        .filter(|_| dir.file_name().is_some_and(|n| n == "cache"))
    else {
        return Vec::new();
    };
    let has = |holds: Holds| plan.files.iter().any(|f| f.holds == holds);
    [
        ("last_incremental_run.log", "--last-run", Holds::LastRun),
        ("csv/cache_albums.csv", "--album-years", Holds::AlbumYears),
    ]
    .into_iter()
    .filter(|(name, _, holds)| logs.join(name).is_file() && !has(holds.clone()))
    .map(|(name, flag, _)| {
        format!(
            "{} is next to {}: import GenreUpdater's logs directory {} instead, or add {flag} {}",
            name,
            dir.display(),
            logs.display(),
            logs.join(name).display()
        )
    })
    .collect()
}

/// Reads a judged file's entries into `plan`; the file as listed.
fn read(c: Candidate, s: &Sources, now_ms: u64, plan: &mut ImportPlan) -> SourceFile {
    let Candidate {
        mut file,
        bytes,
        sniffed,
        ..
    } = c;
    let name = file.name.clone();
    match (&file.holds, sniffed.json, sniffed.at_ms) {
        (Holds::AlbumYears, _, _) => match album_years::read(&bytes, &name, plan) {
            Some(rows) => file.records = rows,
            None => file.holds = Holds::Damaged("its header has no artist, album or year".into()),
        },
        (Holds::ApiAnswers, Some(map), _) => file.records = api_answers::read(map, &name, plan),
        (Holds::GenericCache, Some(map), _) => {
            file.records = generic::read(map, &name, &s.namespace, now_ms, plan);
        }
        (Holds::LastRun, _, Some(at_ms)) => {
            file.records = 1;
            plan.last_runs.push((Origin::File { file: name }, at_ms));
        }
        _ => {}
    }
    file
}

/// An explicit file: it must be there and readable.
fn explicit(flag: &'static str, path: &Path) -> Result<Candidate, ImportError> {
    let read_err = |source| ImportError::Read {
        path: path.to_owned(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(read_err)?;
    let bytes = std::fs::read(path).map_err(read_err)?;
    let name = path.display().to_string();
    let sniffed = sniff::sniff(&name, &bytes);
    let mut file = listed(name, path.to_owned(), sniffed.holds.clone());
    file.given_as = Some(flag);
    Ok(Candidate {
        file,
        bytes,
        sniffed,
        mtime: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
    })
}

/// A file found in the directory: one that cannot be read is listed as such.
fn scanned(name: String, path: PathBuf) -> Candidate {
    let meta = std::fs::metadata(&path);
    let mtime = meta
        .as_ref()
        .ok()
        .and_then(|m| m.modified().ok())
        .unwrap_or(SystemTime::UNIX_EPOCH);
    let bytes = match meta {
        Ok(m) if m.len() > MAX_READ => Err(format!("larger than {} MiB", MAX_READ >> 20)),
        _ => std::fs::read(&path).map_err(|e| match e.kind() {
            ErrorKind::PermissionDenied => format!("cannot be read: {e}"),
            _ => format!("could not be read: {e}"),
        }),
    };
    let (bytes, sniffed) = match bytes {
        Ok(bytes) => {
            let sniffed = sniff::sniff(&name, &bytes);
            (bytes, sniffed)
        }
        Err(why) => (Vec::new(), sniff::Sniffed::unreadable(why)),
    };
    Candidate {
        file: listed(name, path, sniffed.holds.clone()),
        bytes,
        sniffed,
        mtime,
    }
}

fn listed(name: String, path: PathBuf, holds: Holds) -> SourceFile {
    SourceFile {
        name,
        path,
        holds,
        given_as: None,
        records: 0,
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

#[cfg(test)]
#[path = "layouts_tests.rs"]
mod layouts_tests;
