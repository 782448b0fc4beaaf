//! The files an import looked at, and what each one holds. Every file found
//! is listed in the report, with what was made of it: imported, not a cache
//! (and what it is), not understood, or damaged.

use std::path::PathBuf;

/// What a file holds, decided from its content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Holds {
    /// Album years (CSV: artist, album, year, ...).
    AlbumYears,
    /// API answers (JSON: entries with artist, album, source, year, ...).
    ApiAnswers,
    /// The generic cache (JSON: entries with a value and an expiry).
    GenericCache,
    /// The last incremental run (one timestamp).
    LastRun,
    /// Nothing in it.
    Empty,
    /// A file GenreUpdater writes that is not a cache; what it is.
    NotACache(&'static str),
    /// Content this importer does not recognise; what it looks like.
    NotUnderstood(String),
    /// It should be a cache but cannot be read; why.
    Damaged(String),
}

impl Holds {
    /// The snake_case name used in `--json` reports.
    pub fn name(&self) -> &'static str {
        match self {
            Self::AlbumYears => "album_years",
            Self::ApiAnswers => "api_answers",
            Self::GenericCache => "generic_cache",
            Self::LastRun => "last_run",
            Self::Empty => "empty",
            Self::NotACache(_) => "not_a_cache",
            Self::NotUnderstood(_) => "not_understood",
            Self::Damaged(_) => "damaged",
        }
    }

    /// For a person: what the file is, and why it was not imported when it
    /// was not.
    pub fn describe(&self) -> String {
        match self {
            Self::AlbumYears => "album years".into(),
            Self::ApiAnswers => "API answers".into(),
            Self::GenericCache => "the generic cache".into(),
            Self::LastRun => "the last incremental run".into(),
            Self::Empty => "empty: nothing to import".into(),
            Self::NotACache(what) => format!("{what}: not a cache, not imported"),
            Self::NotUnderstood(what) => format!("not understood ({what}): not imported"),
            Self::Damaged(why) => format!("damaged ({why}): nothing imported from it"),
        }
    }

    /// Whether the file's entries are imported.
    pub fn imports(&self) -> bool {
        matches!(
            self,
            Self::AlbumYears | Self::ApiAnswers | Self::GenericCache | Self::LastRun
        )
    }
}

/// One file an import looked at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFile {
    /// Its path relative to the directory given, or as given on the command line.
    pub name: String,
    /// Its path.
    pub path: PathBuf,
    /// What it holds.
    pub holds: Holds,
    /// The command-line option that named it (`--album-years`), if one did.
    pub given_as: Option<&'static str>,
    /// Records (CSV rows, JSON entries, timestamps) read from it, imported or skipped.
    pub records: usize,
}
