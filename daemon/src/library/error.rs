//! The one error type of library parsing, [`LibraryError`], and the
//! [`Position`] it points at.
//!
//! Every error says whether the file was cut short ([`LibraryErrorKind::Truncated`])
//! or is wrong ([`LibraryErrorKind::Malformed`]), because the daemon acts
//! differently on each: a truncated export is usually still being written and
//! is worth retrying shortly, a malformed one needs a person.

use std::fmt;

use super::LibraryFormat;

/// A place in the library file, for error messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// 1-based line number (`\n`, `\r\n` and a lone `\r` each end a line).
    pub line: u64,
    /// 0-based byte offset from the start of the file (a BOM counts).
    pub offset: u64,
}

impl Position {
    /// Finds the line of byte `offset` in `input`.
    ///
    /// Only called when building an error, so a linear scan is fine: it keeps
    /// line counting out of the hot parsing loop.
    pub(crate) fn locate(input: &[u8], offset: usize) -> Self {
        let end = offset.min(input.len());
        let mut line = 1u64;
        let mut i = 0;
        while i < end {
            match input[i] {
                b'\n' => line += 1,
                // A lone CR (classic Mac line ending) ends a line too; a CR
                // of a CRLF pair is counted by its LF.
                b'\r' if input.get(i + 1) != Some(&b'\n') => line += 1,
                _ => {}
            }
            i += 1;
        }
        Self {
            line,
            offset: offset as u64,
        }
    }
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
}

/// ` in track X` or nothing, for the malformed message.
fn in_track(track: Option<&str>) -> String {
    track.map(|t| format!(", in track {t}")).unwrap_or_default()
}

impl LibraryError {
    /// Truncated or malformed.
    pub fn kind(&self) -> LibraryErrorKind {
        match self {
            Self::Truncated { .. } => LibraryErrorKind::Truncated,
            Self::Malformed { .. } => LibraryErrorKind::Malformed,
        }
    }

    /// True when the file ends early, i.e. it is probably still being written.
    pub fn is_truncated(&self) -> bool {
        self.kind() == LibraryErrorKind::Truncated
    }

    /// Where in the file the problem is.
    pub fn position(&self) -> Position {
        match self {
            Self::Truncated { at, .. } | Self::Malformed { at, .. } => *at,
        }
    }

    /// The track being read when the problem was found, if known.
    pub fn track(&self) -> Option<&str> {
        match self {
            Self::Truncated { .. } => None,
            Self::Malformed { track, .. } => track.as_deref(),
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
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_count_lf_crlf_and_lone_cr() {
        let input = b"a\nb\r\nc\rd";
        assert_eq!(Position::locate(input, 0).line, 1);
        assert_eq!(Position::locate(input, 2).line, 2);
        assert_eq!(Position::locate(input, 5).line, 3);
        assert_eq!(Position::locate(input, 7).line, 4);
        // Past the end clamps instead of panicking.
        assert_eq!(Position::locate(input, 100).line, 4);
    }
}
