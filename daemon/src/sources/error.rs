//! The one error type of library parsing, [`LibraryError`], and the
//! [`Position`] it points at.
//!
//! Every error says whether the file was cut short ([`LibraryErrorKind::Truncated`])
//! or is wrong ([`LibraryErrorKind::Malformed`]), because the daemon acts
//! differently on each: a truncated export is usually still being written and
//! is worth retrying shortly, a malformed one needs a person. A streamed
//! parse can also fail to read its input ([`LibraryErrorKind::Read`]), or
//! meet a field over the configured size bound ([`LibraryErrorKind::TooLarge`]).

use std::fmt;

use super::LibraryFormat;

/// A place in the library file, for error messages (counted by
/// `lines::Lines`, which the parsers keep up to date as they read).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// 1-based line number (`\n`, `\r\n` and a lone `\r` each end a line).
    pub line: u64,
    /// 0-based byte offset from the start of the file (a BOM counts).
    pub offset: u64,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {} (byte {})", self.line, self.offset)
    }
}

/// Which kind of problem a [`LibraryError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LibraryErrorKind {
    /// The document ends before it is complete: probably still being written.
    Truncated,
    /// The document is complete but its syntax or structure is wrong.
    Malformed,
    /// Reading the input failed (see [`super::parse_stream`]): nothing is
    /// known about the rest of the document.
    Read,
    /// A field, or an item held whole (a track, a line), is longer than the
    /// parse's [`super::Limits`] allow.
    TooLarge,
}

impl LibraryErrorKind {
    /// The name `status` shows (`LibraryErrorInfo::kind`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Truncated => "truncated",
            Self::Malformed => "malformed",
            Self::Read => "unreadable",
            Self::TooLarge => "too_large",
        }
    }
}

/// Why a library file could not be parsed. No tracks are returned with it:
/// a library is loaded whole or not at all.
#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    /// The file ends early (see [`LibraryErrorKind::Truncated`]).
    #[error(
        "{format} library file ends {context} at {at}: it looks truncated or still being \
         written; wait until the export has finished, then load it again"
    )]
    Truncated {
        /// The format that was being parsed.
        format: LibraryFormat,
        /// Where the file ends (or where the cut-off line starts, for JSON Lines).
        at: Position,
        /// What was still open, e.g. `inside track 1234's <dict> (opened at line 9)`.
        context: String,
    },
    /// The file is wrong (see [`LibraryErrorKind::Malformed`]).
    #[error(
        "{format} library file is malformed at {at}{}: {reason}; {}",
        in_track(.track.as_deref()),
        .format.malformed_hint()
    )]
    Malformed {
        /// The format that was being parsed.
        format: LibraryFormat,
        /// Where the problem was found.
        at: Position,
        /// The track being read, if any: the Tracks dict key (the Track ID)
        /// for apple-xml, the id for JSON Lines.
        track: Option<String>,
        /// What is wrong, in words.
        reason: String,
    },
    /// A field over the size bound (see [`LibraryErrorKind::TooLarge`]).
    #[error(
        "{format} library file has a field over the size limit at {at}{}: {what} is longer \
         than {limit} bytes; nothing was loaded; if the value is real, raise [library] \
         max_field_bytes (a whole track or line may take 64 times it), else fix or \
         re-export the file",
        in_track(.track.as_deref())
    )]
    TooLarge {
        /// The format that was being parsed.
        format: LibraryFormat,
        /// Where the field starts.
        at: Position,
        /// The track being read, if known (as for [`Self::Malformed`]).
        track: Option<String>,
        /// Which field, e.g. `the <string> value of "Name"`.
        what: String,
        /// The bound it broke, in bytes.
        limit: usize,
    },
    /// Reading failed (see [`LibraryErrorKind::Read`]).
    #[error("{format} library file could not be read after {at}: {source}; nothing was loaded")]
    Read {
        /// The format that was being parsed.
        format: LibraryFormat,
        /// How far the file had been read.
        at: Position,
        /// What the reader reported.
        source: std::io::Error,
    },
}

/// ` in track X` or nothing, for the malformed message.
fn in_track(track: Option<&str>) -> String {
    track.map(|t| format!(", in track {t}")).unwrap_or_default()
}

impl LibraryError {
    /// Truncated, malformed or unreadable.
    pub fn kind(&self) -> LibraryErrorKind {
        match self {
            Self::Truncated { .. } => LibraryErrorKind::Truncated,
            Self::Malformed { .. } => LibraryErrorKind::Malformed,
            Self::Read { .. } => LibraryErrorKind::Read,
            Self::TooLarge { .. } => LibraryErrorKind::TooLarge,
        }
    }

    /// True when the file ends early, i.e. it is probably still being written.
    pub fn is_truncated(&self) -> bool {
        self.kind() == LibraryErrorKind::Truncated
    }

    /// Where in the file the problem is.
    pub fn position(&self) -> Position {
        match self {
            Self::Truncated { at, .. }
            | Self::Malformed { at, .. }
            | Self::Read { at, .. }
            | Self::TooLarge { at, .. } => *at,
        }
    }

    /// The track being read when the problem was found, if known.
    pub fn track(&self) -> Option<&str> {
        match self {
            Self::Truncated { .. } | Self::Read { .. } => None,
            Self::Malformed { track, .. } | Self::TooLarge { track, .. } => track.as_deref(),
        }
    }
}

impl LibraryFormat {
    /// What a person can do about a malformed file of this format.
    fn malformed_hint(self) -> &'static str {
        match self {
            Self::AppleXml => {
                "nothing was loaded; export the library again from Music or iTunes \
                 (File > Library > Export Library...) or repair the XML"
            }
            Self::Jsonl => {
                "nothing was loaded; each line must be one JSON object with an \"id\" \
                 (or \"track_id\"), so fix that line"
            }
            Self::AppleScriptRecords => {
                "nothing was loaded and the last good snapshot is still served; check that \
                 the exporter is GenreUpdater's fetch_tracks.applescript and that Music is running"
            }
        }
    }
}
