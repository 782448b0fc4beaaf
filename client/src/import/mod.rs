//! Importing other tools' caches: reading their files into an [`ImportPlan`]
//! of typed requests, and tallying what the daemon made of them in a
//! [`Report`]. Everything here is pure but for reading the files (files in,
//! values out; no daemon), so it is tested without one; `trackcache import`
//! does the sending.

mod fields;
pub mod genreupdater;
mod report;
mod source;

use std::fmt;
use std::path::PathBuf;

use trackcache_protocol::{KvSet, SetAlbumYear, SetApiResult};

pub use report::{FileTally, ReasonGroup, Report, EXAMPLES_PER_REASON};
pub use source::{Holds, SourceFile};

/// What an importer read: requests to send, entries it could not use, and
/// every file it looked at.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImportPlan {
    /// Album years to store, oldest file first.
    pub album_years: Vec<(Origin, SetAlbumYear)>,
    /// API answers to store.
    pub api: Vec<(Origin, SetApiResult)>,
    /// Generic-cache entries to store.
    pub generic: Vec<(Origin, KvSet)>,
    /// Last-run timestamps (Unix ms) found.
    pub last_runs: Vec<(Origin, u64)>,
    /// Entries skipped while reading, with why.
    pub skipped: Vec<Skipped>,
    /// Every file looked at, by name.
    pub files: Vec<SourceFile>,
    /// Caches seen outside what was looked at, and how to import them.
    pub hints: Vec<String>,
}

/// Where an entry came from, so a report can point at it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A CSV record.
    Line {
        /// File name (`cache/album_years.csv`).
        file: String,
        /// Line the record starts on, 1-based (the header is line 1).
        line: u64,
    },
    /// A member of a JSON object.
    Key {
        /// File name (`cache/cache.json`).
        file: String,
        /// The member's key.
        key: String,
    },
    /// A file that is one entry (the last run).
    File {
        /// File name (`last_incremental_run.log`).
        file: String,
    },
}

impl Origin {
    /// The file the entry is in.
    pub fn file(&self) -> &str {
        match self {
            Self::Line { file, .. } | Self::Key { file, .. } | Self::File { file } => file,
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Line { file, line } => write!(f, "{file} line {line}"),
            Self::Key { file, key } => write!(f, "{file} key {key:?}"),
            Self::File { file } => write!(f, "{file}"),
        }
    }
}

/// An entry that was not imported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// Where it is.
    pub origin: Origin,
    /// Why, worded the same for every entry with this problem so that
    /// reports can group by it.
    pub reason: String,
    /// Which entry it is and the offending value, when known
    /// (`"Pink Floyd" / "The Wall", year "19x9"`).
    pub detail: Option<String>,
}

impl Skipped {
    /// `origin: detail`, one line for a report.
    pub fn example(&self) -> String {
        match &self.detail {
            Some(d) => format!("{}: {d}", self.origin),
            None => self.origin.to_string(),
        }
    }
}

/// Why nothing could be imported. Problems with single entries are not
/// errors: they become [`Skipped`] entries; files that are not caches are
/// listed, not errors.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The directory is not there.
    #[error(
        "{} is not a directory: give GenreUpdater's logs directory or its cache directory, \
         or the files themselves (--album-years, --api-cache, --generic-cache, --last-run)",
        dir.display()
    )]
    NotADirectory {
        /// The directory given.
        dir: PathBuf,
    },
    /// No file holds a cache.
    #[error("{}", nothing_message(dir.as_deref(), found))]
    NothingToImport {
        /// The directory given, if any.
        dir: Option<PathBuf>,
        /// Each file found, as `name: what it holds`.
        found: Vec<String>,
    },
    /// A file or directory cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// An explicit file holds something else than its option says.
    #[error(
        "{flag} {}: the file holds {holds}, not {expected}; give the right file (or the \
         directory, and the import finds each cache by its content)",
        path.display()
    )]
    NotWhatItSays {
        /// The option (`--api-cache`).
        flag: &'static str,
        /// The file.
        path: PathBuf,
        /// What the option expects.
        expected: String,
        /// What the file holds.
        holds: String,
    },
    /// The directory holds too many files to be GenreUpdater's.
    #[error(
        "{} holds more than {max} files within two levels: is it GenreUpdater's directory? \
         Give its logs or cache directory, or the files (--album-years, --api-cache, ...)",
        dir.display()
    )]
    TooManyFiles {
        /// The directory given.
        dir: PathBuf,
        /// The bound.
        max: usize,
    },
}

fn nothing_message(dir: Option<&std::path::Path>, found: &[String]) -> String {
    let place = dir.map_or("the files given".to_owned(), |d| d.display().to_string());
    let mut msg = format!(
        "found no GenreUpdater cache in {place}: give GenreUpdater's logs directory (the one \
         with cache/ and last_incremental_run.log) or its cache directory"
    );
    if found.is_empty() {
        msg.push_str("; it holds no files");
    } else {
        msg.push_str(". What it holds:");
        for f in found {
            msg.push_str("\n  ");
            msg.push_str(f);
        }
    }
    msg
}
