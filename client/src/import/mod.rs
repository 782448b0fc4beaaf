//! Importing other tools' caches: reading their files into an [`ImportPlan`]
//! of typed requests, and tallying what the daemon made of them in a
//! [`Report`]. Everything here is pure (files in, values out; no daemon), so
//! it is tested without one; `trackcache import` does the sending.

mod fields;
pub mod genreupdater;
mod report;

use std::fmt;
use std::path::PathBuf;

use trackcache_protocol::{SetAlbumYear, SetApiResult};

pub use report::{ReasonGroup, Report, EXAMPLES_PER_REASON};

/// What an importer read: requests to send, entries it could not use, and
/// which of the expected files it found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImportPlan {
    /// Album years to store, in file order.
    pub album_years: Vec<(Origin, SetAlbumYear)>,
    /// API answers to store.
    pub api: Vec<(Origin, SetApiResult)>,
    /// Entries skipped while reading, with why.
    pub skipped: Vec<Skipped>,
    /// The files the importer looked for.
    pub files: Vec<SourceFile>,
}

/// Where an entry came from, so a report can point at it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A CSV record.
    Line {
        /// File name (`album_years.csv`).
        file: String,
        /// Line the record starts on, 1-based (the header is line 1).
        line: u64,
    },
    /// A member of a JSON object.
    Key {
        /// File name (`cache.json`).
        file: String,
        /// The member's key.
        key: String,
    },
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Line { file, line } => write!(f, "{file} line {line}"),
            Self::Key { file, key } => write!(f, "{file} key {key:?}"),
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

/// One file an importer looked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFile {
    /// Its expected name (`album_years.csv`).
    pub name: String,
    /// Where it was looked for.
    pub path: PathBuf,
    /// Whether it was there.
    pub found: bool,
    /// Records (CSV rows, JSON entries) read from it, imported or skipped.
    pub records: usize,
}

/// Why nothing could be imported. Problems with single entries are not
/// errors: they become [`Skipped`] entries.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The directory is not there.
    #[error(
        "{} is not a directory: give the directory that holds {}",
        dir.display(), expected.join(" and/or ")
    )]
    NotADirectory {
        /// The directory given.
        dir: PathBuf,
        /// The file names looked for.
        expected: Vec<String>,
    },
    /// None of the expected files is in the directory.
    #[error(
        "found neither {} in {}: give the directory that holds them \
         (GenreUpdater's cache directory)",
        expected.join(" nor "), dir.display()
    )]
    NothingToImport {
        /// The directory given.
        dir: PathBuf,
        /// The file names looked for.
        expected: Vec<String>,
    },
    /// A file is there but cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A CSV file is not valid CSV.
    #[error(
        "{} is not valid CSV: {message} (line {line}); \
         fix it, or move it aside to import the other file alone",
        path.display()
    )]
    Csv {
        /// The file.
        path: PathBuf,
        /// Line of the problem, 1-based.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A CSV file lacks a column every row needs.
    #[error(
        "{} has no `{column}` column ({header}); is it the right file?",
        path.display()
    )]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The missing column.
        column: String,
        /// The header found, described for a human.
        header: String,
    },
    /// A JSON file is not valid JSON.
    #[error(
        "{} is not valid JSON: {message} at line {line}, column {column}; \
         fix it, or move it aside to import the other file alone",
        path.display()
    )]
    Json {
        /// The file.
        path: PathBuf,
        /// Line of the problem, 1-based.
        line: usize,
        /// Column of the problem, 1-based.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A JSON file holds something other than the expected object.
    #[error("{} holds {found}, not an object of cache entries; is it the right file?", path.display())]
    NotAnObject {
        /// The file.
        path: PathBuf,
        /// What it holds (`an array`).
        found: String,
    },
}
